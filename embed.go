// Package mockserver embeds what the server carries with it: the OpenAPI
// documents requests are validated against and the Postgres schema
// migrations.
package mockserver

import "embed"

// OpenAPI is the raw openapi.json: the Partly 2026-01 contract, hand-written
// in OpenAPI 3.1, with the vendor's operations alone.
//
//go:embed openapi.json
var OpenAPI []byte

// OpenAPIPartage is the raw openapi-partage.json: the Partage freight
// brokerage API (internal/partage).
//
//go:embed openapi-partage.json
var OpenAPIPartage []byte

// OpenAPIServiceMobility is the raw openapi-servicemobility.json: both ends
// of the ServiceMobility parts ordering interface.
//
//go:embed openapi-servicemobility.json
var OpenAPIServiceMobility []byte

// OpenAPISandbox is the raw openapi-sandbox.json: the sandbox controls (the
// /__ routes), outside every vendor contract. It refers to the APIs' own
// documents for their records (e.g. "openapi.json#/components/schemas/…").
//
//go:embed openapi-sandbox.json
var OpenAPISandbox []byte

// Documents are the embedded OpenAPI documents by the file name they are
// served and referred to by.
var Documents = map[string][]byte{
	"openapi.json":                 OpenAPI,
	"openapi-partage.json":         OpenAPIPartage,
	"openapi-sandbox.json":         OpenAPISandbox,
	"openapi-servicemobility.json": OpenAPIServiceMobility,
}

// Migrations holds the goose SQL migrations of the Postgres store
// (migrations/*.sql).
//
//go:embed migrations/*.sql
var Migrations embed.FS
