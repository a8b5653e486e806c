package methods

import "strings"

// Error is a variant of a method's error union: Type is its tag and Fields
// are carried beside the tag in the body. The family (family.go) renders
// it; store errors (store.ErrNotFound, *store.StatusError) and the edge's
// refusals are variants too.
type Error struct {
	Type   string
	Fields map[string]any
}

func (e *Error) Error() string { return "methods: " + e.Type }

// FieldError locates one problem in a request body (a JSON pointer path).
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Variants every method's union may carry beside not_found and invalid_status.
var (
	ErrUnauthorized      = &Error{Type: VariantUnauthorized}
	ErrForbidden         = &Error{Type: VariantForbidden}
	ErrInvalidClient     = &Error{Type: VariantInvalidClient}
	ErrInvalidAccessCode = &Error{Type: VariantInvalidAccessCode}
)

// BadRequest is the bad_request variant saying what is wrong and where. An
// empty message gives the bare variant.
func BadRequest(path, message string) *Error {
	if message == "" {
		return &Error{Type: VariantBadRequest}
	}
	if path != "" && !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return &Error{Type: VariantBadRequest, Fields: map[string]any{
		"errors": []FieldError{{Path: path, Message: message}},
	}}
}
