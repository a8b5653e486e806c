// Package mockserver embeds the contract the server speaks: openapi.json, the
// hand-written OpenAPI 3.1 document that requests are validated against.
package mockserver

import _ "embed"

// OpenAPI is the raw openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte
