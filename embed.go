// Package mockserver embeds what the server carries with it: openapi.json,
// the hand-written OpenAPI 3.1 document that requests are validated against,
// the documents of the other APIs, and the Postgres schema migrations.
package mockserver

import "embed"

// OpenAPI is the raw openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// OpenAPIServiceMobility is the raw openapi-servicemobility.json: both ends
// of the ServiceMobility parts ordering interface.
//
//go:embed openapi-servicemobility.json
var OpenAPIServiceMobility []byte

// Migrations holds the goose SQL migrations of the Postgres store
// (migrations/*.sql).
//
//go:embed migrations/*.sql
var Migrations embed.FS
