package httpapi

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
)

// faultHit aborts a call's transaction when a fault fires; serve then
// takes one use of the fault and answers it.
type faultHit struct{ store.Fault }

func (h *faultHit) Error() string { return "httpapi: fault " + h.ID.String() + " fired" }

// pickFault returns the oldest fault of method that fires this time, or nil.
func pickFault(tx store.Tx, method string) (*store.Fault, error) {
	faults, err := tx.Faults(method)
	if err != nil {
		return nil, err
	}
	for _, f := range faults {
		if f.Probability >= 1 || rand.Float64() < f.Probability {
			return &f, nil
		}
	}
	return nil, nil
}

// injectFault takes one use of f, waits its latency and answers its
// variant. It returns false when the call should be served normally: a
// latency-only fault, or one whose last use another call just took.
func injectFault(st store.Store, rt *route, f store.Fault, w http.ResponseWriter, r *http.Request) bool {
	err := st.Update(r.Context(), Tenant(r), func(tx store.Tx) error { return tx.UseFault(f.ID) })
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		writeError(w, r, rt.BareErrors, err)
		return true
	}
	if f.LatencyMS > 0 {
		// A timer, not a sleep on a shared resource: other calls go on, and
		// a client that gives up frees the request at once.
		t := time.NewTimer(time.Duration(f.LatencyMS) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			writeError(w, r, rt.BareErrors, r.Context().Err())
			return true
		}
	}
	if f.ErrorType == "" {
		return false
	}
	v := &methods.Error{Type: f.ErrorType, Fields: f.ErrorFields}
	writeError(w, r, rt.BareErrors, &withStatus{cmp.Or(f.Status, statusOf[f.ErrorType]), v})
	return true
}

// maxFaultFields bounds a fault's fields, and so GET /__faults (at most
// the world's faults times this).
const maxFaultFields = 16 << 10

// ---- routes ----

type faultInsertV1 struct {
	Method      string         `json:"method"`
	Error       *string        `json:"error"`
	Fields      map[string]any `json:"fields"`
	Status      *int           `json:"status"`
	LatencyMS   *int           `json:"latency_ms"`
	Probability *float64       `json:"probability"`
	Count       *int           `json:"count"`
}

type faultV1 struct {
	ID          uuid.UUID      `json:"id"`
	Method      string         `json:"method"`
	Error       *string        `json:"error"`
	Fields      map[string]any `json:"fields"`
	Status      *int           `json:"status"`
	LatencyMS   int            `json:"latency_ms"`
	Probability float64        `json:"probability"`
	Remaining   *int           `json:"remaining"`
	CreatedAt   string         `json:"created_at"`
}

func faultWire(f store.Fault) faultV1 {
	out := faultV1{ID: f.ID, Method: f.Method, Fields: f.ErrorFields, LatencyMS: f.LatencyMS,
		Probability: f.Probability, CreatedAt: f.CreatedAt.UTC().Format(time.RFC3339)}
	if f.ErrorType != "" {
		out.Error = &f.ErrorType
		status := cmp.Or(f.Status, statusOf[f.ErrorType])
		out.Status = &status
	}
	if f.Remaining > 0 {
		out.Remaining = &f.Remaining
	}
	return out
}

func (s *sandbox) faultsInsert(w http.ResponseWriter, r *http.Request) {
	var req faultInsertV1
	if !s.decode(w, r, "POST /__faults", &req) {
		return
	}
	f, err := s.resolveFault(req)
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	err = s.st.Update(r.Context(), Tenant(r), func(tx store.Tx) error {
		set, err := tx.Faults("")
		if err != nil {
			return err
		}
		if len(set) >= s.maxFaults {
			return methods.BadRequest("", fmt.Sprintf("a world has at most %d faults set: DELETE /__faults clears them, and used-up ones go by themselves", s.maxFaults))
		}
		f.CreatedAt = tx.Now()
		return tx.InsertFault(f)
	})
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	writeJSON(w, http.StatusOK, faultWire(f))
}

// resolveFault checks a fault request against the method's union in
// openapi.json and fixes the variant and status it will answer.
func (s *sandbox) resolveFault(req faultInsertV1) (store.Fault, error) {
	f := store.Fault{ID: uuid.New(), Method: req.Method, Probability: 1, Remaining: -1, ErrorFields: req.Fields}
	variants := s.doc.ErrorVariants(req.Method)
	if variants == nil {
		return f, methods.BadRequest("/method", "not a wire method of openapi.json")
	}
	if req.Status != nil {
		f.Status = *req.Status
	}
	if req.LatencyMS != nil {
		f.LatencyMS = *req.LatencyMS
	}
	if req.Probability != nil {
		f.Probability = *req.Probability
	}
	if req.Count != nil {
		f.Remaining = *req.Count
	}
	switch {
	case req.Error != nil:
		if !slices.Contains(variants, *req.Error) {
			return f, methods.BadRequest("/error", "not a variant of "+req.Method+"'s error union, which has: "+strings.Join(variants, ", "))
		}
		f.ErrorType = *req.Error
	case f.Status != 0:
		f.ErrorType = closestVariant(variants, f.Status)
	case f.LatencyMS == 0:
		return f, methods.BadRequest("", "a fault needs an error, a status or a latency_ms")
	}
	if b, _ := json.Marshal(f.ErrorFields); len(b) > maxFaultFields {
		return f, methods.BadRequest("/fields", fmt.Sprintf("at most %d bytes of JSON", maxFaultFields))
	}
	if f.ErrorType == "" {
		if len(f.ErrorFields) > 0 {
			return f, methods.BadRequest("/fields", "fields need an error or a status to go with")
		}
		return f, nil
	}
	return f, s.checkVariant(&f)
}

// closestVariant is the variant usually answered with status, else
// bad_request, which every union has, else the union's first variant.
func closestVariant(variants []string, status int) string {
	for _, v := range variants {
		if statusOf[v] == status {
			return v
		}
	}
	if slices.Contains(variants, "bad_request") {
		return "bad_request"
	}
	return variants[0]
}

// checkVariant fills the variant's required members that fields leave out
// from the schema's examples, then validates the body the fault will send
// against the method's union, so an injected answer is always one a client
// may receive.
func (s *sandbox) checkVariant(f *store.Fault) error {
	union := s.doc.ResponseSchema(f.Method, "default")
	var body any = f.ErrorType
	if schema := s.doc.VariantSchema(f.Method, f.ErrorType); schema != nil {
		fields := map[string]any{}
		for k, v := range f.ErrorFields {
			fields[k] = v
		}
		for _, name := range schema.Required {
			prop := schema.Properties[name]
			if _, ok := fields[name]; !ok && name != "type" && prop != nil && prop.Value != nil && len(prop.Value.Examples) > 0 {
				fields[name] = prop.Value.Examples[0]
			}
		}
		if len(fields) > 0 {
			f.ErrorFields = fields
		}
		m := map[string]any{"type": f.ErrorType}
		for k, v := range fields {
			m[k] = v
		}
		body = m
	} else if len(f.ErrorFields) > 0 {
		return methods.BadRequest("/fields", f.Method+" answers bare strings, which carry no fields")
	}
	if problems := spec.Validate(union, body, false); len(problems) > 0 {
		errs := make([]methods.FieldError, len(problems))
		for i, p := range problems {
			errs[i] = methods.FieldError{Path: "/fields" + p.Path, Message: p.Message}
		}
		return &methods.Error{Type: "bad_request", Fields: map[string]any{"errors": errs}}
	}
	return nil
}

func (s *sandbox) faultsList(w http.ResponseWriter, r *http.Request) {
	var items []faultV1
	err := s.st.View(r.Context(), Tenant(r), func(tx store.Tx) error {
		faults, err := tx.Faults("")
		for _, f := range faults {
			items = append(items, faultWire(f))
		}
		return err
	})
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	if items == nil {
		items = []faultV1{}
	}
	writeJSON(w, http.StatusOK, methods.ItemsV1[faultV1]{Items: items})
}

func (s *sandbox) faultsDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.st.Update(r.Context(), Tenant(r), func(tx store.Tx) error { return tx.DeleteFaults() }); err != nil {
		writeError(w, r, false, err)
		return
	}
	writeJSON(w, http.StatusOK, okV1{true})
}
