package servicemobility

import (
	"context"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	mockserver "github.com/partifact/mockserver"
)

// Document is the module's OpenAPI 3.1 document (openapi-servicemobility.json).
func Document() []byte { return mockserver.OpenAPIServiceMobility }

// LoadDocument parses and validates the module's document.
func LoadDocument() (*openapi3.T, error) {
	t, err := openapi3.NewLoader().LoadFromData(mockserver.OpenAPIServiceMobility)
	if err != nil {
		return nil, fmt.Errorf("servicemobility: parse openapi-servicemobility.json: %w", err)
	}
	if err := t.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("servicemobility: openapi-servicemobility.json is invalid: %w", err)
	}
	return t, nil
}

// Operation finds an operation of the document by its id.
func Operation(t *openapi3.T, operationID string) *openapi3.Operation {
	for _, item := range t.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == operationID {
				return op
			}
		}
	}
	return nil
}

// ResponseSchema is the JSON schema of an operation's answer with a status,
// or nil.
func ResponseSchema(t *openapi3.T, operationID, status string) *openapi3.Schema {
	op := Operation(t, operationID)
	if op == nil {
		return nil
	}
	r := op.Responses.Value(status)
	if r == nil || r.Value == nil {
		return nil
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}
