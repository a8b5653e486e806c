// Package mockserver embeds what the server carries with it: openapi.json,
// the hand-written OpenAPI 3.1 document that requests are validated against,
// openapi-partage.json, the Partage freight API's document, and the
// Postgres schema migrations.
package mockserver

import "embed"

// OpenAPI is the raw openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// OpenAPIPartage is the raw openapi-partage.json.
//
//go:embed openapi-partage.json
var OpenAPIPartage []byte

// Migrations holds the goose SQL migrations of the Postgres store
// (migrations/*.sql).
//
//go:embed migrations/*.sql
var Migrations embed.FS
