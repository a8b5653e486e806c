package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/store"
)

// statusOf is the HTTP status of each error variant. The body's type is the
// contract signal; the status is added for realism.
var statusOf = map[string]int{
	"bad_request":         http.StatusBadRequest,
	"unauthorized":        http.StatusUnauthorized,
	"forbidden":           http.StatusForbidden,
	"not_found":           http.StatusNotFound,
	"invalid_status":      http.StatusConflict,
	"invalid_client":      http.StatusUnauthorized,
	"invalid_access_code": http.StatusBadRequest,
	"unknown_method":      http.StatusNotFound,
	"internal":            http.StatusInternalServerError,
}

// withStatus answers a variant with another status than its usual one
// (bad_request as 405, 413 or 415).
type withStatus struct {
	status int
	err    error
}

func (e *withStatus) Error() string { return e.err.Error() }
func (e *withStatus) Unwrap() error { return e.err }

// variantOf maps any error a request can end in to its union variant.
func variantOf(err error) (v *methods.Error, internal bool) {
	var me *methods.Error
	var se *store.StatusError
	switch {
	case errors.As(err, &me):
		return me, false
	case errors.Is(err, store.ErrNotFound):
		return &methods.Error{Type: "not_found"}, false
	case errors.As(err, &se):
		return &methods.Error{Type: "invalid_status", Fields: map[string]any{"status": se.Status}}, false
	}
	return &methods.Error{Type: "internal"}, true
}

// writeError is the one place errors reach the wire. bare renders the
// variant as a bare JSON string, the way repairer.jobs.parts.insert answers.
func writeError(w http.ResponseWriter, r *http.Request, bare bool, err error) {
	v, internal := variantOf(err)
	status := statusOf[v.Type]
	var ws *withStatus
	if errors.As(err, &ws) {
		status = ws.status
	}
	if internal {
		if errors.Is(err, context.Canceled) {
			// The client went away; nobody reads this answer.
			status = 499
		}
		logger(r).Error("request failed", "error", err)
	}
	var body any
	switch {
	case bare:
		body = v.Type
	case len(v.Fields) == 0:
		body = struct {
			Type string `json:"type"`
		}{v.Type}
	default:
		m := make(map[string]any, len(v.Fields)+1)
		for k, f := range v.Fields {
			m[k] = f
		}
		m["type"] = v.Type
		body = m
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		// Only values the server built reach here; failing to encode one is a bug.
		slog.Error("encode response", "error", err)
		status, b = http.StatusInternalServerError, []byte(`{"type":"internal"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
