package controls

import (
	"errors"
	"net/http"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
)

// Variants of the sandbox controls' errors (openapi-sandbox.json): one
// variant, internally tagged by "type", is the whole body.
const (
	variantBadRequest    = "bad_request"
	variantNotFound      = "not_found"
	variantInvalidStatus = "invalid_status"
	variantConflict      = "conflict"
	variantUnauthorized  = "unauthorized"
	variantUnknown       = "unknown_method"
	variantInternal      = "internal"
)

// fieldError locates one problem of a request (a JSON pointer path).
type fieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// family renders every error a sandbox route can end in, once.
type family struct{}

// Errors is the sandbox controls' error family.
var Errors httpapi.ErrorFamily = family{}

func (family) Render(_ string, err error) httpapi.Answer {
	var ref *httpapi.Refusal
	var se *store.StatusError
	status, body := http.StatusInternalServerError, map[string]any{"type": variantInternal}
	switch {
	case errors.Is(err, store.ErrNotFound):
		status, body = http.StatusNotFound, map[string]any{"type": variantNotFound}
	case errors.As(err, &se):
		status, body = http.StatusConflict, map[string]any{"type": variantInvalidStatus, "status": se.Status}
	case errors.As(err, &ref):
		status = ref.Status
		switch ref.Kind {
		case httpapi.UnknownRoute:
			body = map[string]any{"type": variantUnknown}
		case httpapi.Conflict:
			body = map[string]any{"type": variantConflict}
		case httpapi.Unauthorized:
			body = map[string]any{"type": variantUnauthorized}
		case httpapi.Internal:
		case httpapi.Invalid:
			errs := make([]fieldError, len(ref.Problems))
			for i, p := range ref.Problems {
				errs[i] = fieldError{p.Path, p.Message}
			}
			body = map[string]any{"type": variantBadRequest, "errors": errs}
			if ref.Total > len(errs) {
				body["error_count"] = ref.Total
			}
		default:
			body = map[string]any{"type": variantBadRequest, "errors": []fieldError{{ref.Path, ref.Message}}}
		}
	}
	b, _ := httpapi.MarshalJSON(body) // maps of strings and problems always encode
	return httpapi.Answer{Status: status, Variant: body["type"].(string), Body: b}
}

// Variants: the sandbox routes are not part of any contract, so coverage
// does not count them, and faults do not fire on them.
func (family) Variants(string) []string { return nil }

func (family) ResolveFault(string, *store.Fault) error {
	return httpapi.BadInput("/method", "faults fire on the APIs' operations, not on sandbox routes")
}
