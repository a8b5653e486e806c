package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// The call pipeline, the one path every routed request takes:
//
//	check → body → credential → transaction{fault → caller → schema → handler}
//	→ outcome → observers → answer written → held deliveries released
//
// Each step either passes or ends the call in an error the route's family
// renders; nothing travels back up through the request's context.

// Outcome is what one call came to, as observers see it.
type Outcome struct {
	API string // the module's name; "" for sandbox routes
	Op  string // the operation; "" when no route matched
	// Name is what the journal calls the call: the operation, or the path
	// below the prefix when no route matched; Key is Key(API, Name).
	Name      string
	Key       string
	Tenant    string
	RequestID string
	Start     time.Time
	Latency   time.Duration
	Status    int
	Variant   string // "200", or the variant the error family named
	// ContentType and Body are the answer as it is written.
	ContentType string
	Body        []byte
	Request     []byte // the request body as read
	// IntegrationID is who the request claims to be (Module.Caller).
	IntegrationID *uuid.UUID
	Written       Written
	// NoWorld: the request's tenant name was refused, so it ran in no world
	// and nothing may be recorded for it.
	NoWorld bool
	// Note is the handler's line for the journal (Call.Note).
	Note string
}

// Written is what the call wrote to the outbox.
type Written = webhooks.Written

// Observer is told of every routed call (wire calls of the modules, and
// sandbox routes with API "") before its answer is written, so that a
// client that reads the journal or coverage after an answer finds that
// call there.
type Observer interface {
	Observe(o *Outcome)
}

// group is routes served together: one prefix, one document, one error
// family.
type group struct {
	api    string
	prefix string
	errors ErrorFamily
	check  func(*http.Request) error
	caller func(*http.Request) *uuid.UUID
	// wire groups are the modules' APIs: faults fire there, and observers
	// see every call. Sandbox routes are neither.
	wire bool
	// bind, when set, checks the group's routes against its document at
	// their first call (the sandbox's, parsed after start-up).
	bind func() error
}

// route is a Route ready to serve.
type route struct {
	*Route
	g      *group
	key    string           // Key(api, op), for faults
	schema *openapi3.Schema // the JSON request schema, or nil
	memo   memo             // bodies known to pass schema
	// refused ends every call at once (a verb the path does not take).
	refused *Refusal
}

// op is the route's operation; "" for the unknown routes of a group.
func (rt *route) op() string {
	if rt.Route == nil {
		return ""
	}
	return rt.Op
}

type pipeline struct {
	st        store.Store
	observers []Observer
}

// handler serves rt. unknown routes (rt.Route nil) answer UnknownRoute in
// their group's shape, observed like any other call.
func (p *pipeline) handler(rt *route) http.HandlerFunc {
	labeled := rt.Route != nil && rt.refused == nil
	return func(w http.ResponseWriter, r *http.Request) {
		if st := stateOf(r); st != nil && labeled {
			st.api, st.op, st.labeled = rt.g.api, rt.Op, true
		}
		o := p.run(rt, w, r)
		for _, obs := range p.observers {
			obs.Observe(o)
		}
		h := w.Header()
		h.Set("Content-Type", o.ContentType)
		w.WriteHeader(o.Status)
		_, _ = w.Write(o.Body)
		if len(o.Written.Deliveries) > 0 {
			// Until the handler returns, net/http may still hold the answer.
			_ = http.NewResponseController(w).Flush()
			if err := o.Written.Release(r.Context(), p.st, o.Tenant); err != nil {
				Failed(r, slog.LevelWarn, "release webhooks", "error", err)
			}
		}
	}
}

// run takes a call from the request to its outcome.
func (p *pipeline) run(rt *route, w http.ResponseWriter, r *http.Request) (o *Outcome) {
	o = &Outcome{API: rt.g.api, Op: rt.op(), Name: rt.op(), Tenant: store.SharedTenant, Start: time.Now()}
	if st := stateOf(r); st != nil {
		o.Tenant, o.RequestID = st.tenant, st.id
	}
	o.Key = rt.key
	if rt.Route == nil {
		o.Name = r.URL.Path[min(len(rt.g.prefix), len(r.URL.Path)):]
		o.Key = Key(o.API, o.Name)
	}
	if rt.g.caller != nil {
		o.IntegrationID = rt.g.caller(r)
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logger(r).Error("panic", "panic", v, "stack", string(debug.Stack()))
			p.fail(rt, w, r, o, ErrInternal)
		}
		o.Latency = time.Since(o.Start)
	}()
	resp, err := p.call(rt, w, r, o)
	if err != nil {
		p.fail(rt, w, r, o, err)
		return o
	}
	if raw, ok := resp.(Raw); ok {
		o.Status, o.ContentType, o.Body = raw.Status, raw.ContentType, raw.Body
	} else {
		o.Status, o.ContentType = http.StatusOK, "application/json"
		if o.Body, err = MarshalJSON(resp); err != nil {
			p.fail(rt, w, r, o, err)
			return o
		}
	}
	o.Variant = strconv.Itoa(o.Status)
	return o
}

// fail renders err in the route's family.
func (p *pipeline) fail(rt *route, w http.ResponseWriter, r *http.Request, o *Outcome, err error) {
	a := rt.g.errors.Render(rt.op(), err)
	var ref *Refusal
	if errors.As(err, &ref) && ref.Allow != "" {
		// The verbs a path takes are HTTP's business, whatever the family.
		w.Header().Set("Allow", ref.Allow)
	}
	switch {
	case errors.Is(err, context.Canceled):
		a.Status = StatusClientClosed
	case a.Status >= 500 && serverFailure(err):
		Failed(r, slog.LevelError, "request failed", "error", err)
	}
	o.Status, o.Variant, o.ContentType, o.Body = a.Status, a.Variant, "application/json", a.Body
	// What a failed call wrote in its own transaction was not kept; what
	// its handler's own units wrote (Call.Keep) was, and goes out.
}

// call runs the steps up to the handler's result.
func (p *pipeline) call(rt *route, w http.ResponseWriter, r *http.Request, o *Outcome) (any, error) {
	if err := TenantError(r); err != nil {
		o.NoWorld = true
		return nil, err
	}
	if ref := SandboxRefusal(r); ref != nil {
		o.NoWorld = true // nothing is recorded of a request the server turned away
		return nil, ref
	}
	if rt.refused != nil {
		return nil, rt.refused
	}
	if rt.Route == nil {
		return nil, refuse(UnknownRoute, http.StatusNotFound, "", "no route at "+r.URL.Path)
	}
	if rt.g.bind != nil {
		if err := rt.g.bind(); err != nil {
			return nil, err
		}
	}
	if rt.g.check != nil {
		if err := rt.g.check(r); err != nil {
			return nil, err
		}
	}
	var body []byte
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		var err error
		if body, err = ReadBody(w, r); err != nil {
			return nil, err
		}
		// Every API's bodies are JSON: nesting is bounded before any
		// decoder sees them, whoever validates the rest.
		if _, err := scan(body); err != nil {
			return nil, err
		}
	}
	o.Request = body
	var check Check
	if rt.Auth != nil {
		var err error
		if check, err = rt.Auth(r, body); err != nil {
			return nil, err
		}
	}
	c := &Call{Ctx: r.Context(), Request: r, Tenant: o.Tenant, st: p.st, out: o}

	// prepare runs in the call's transaction, or in a View of its own on
	// TxNone routes: the fault, the caller, the body's schema.
	faults := rt.g.wire
	prepare := func(tx store.Tx) error {
		if faults {
			// Faults are read in the call's own transaction, so a call with
			// no fault set costs no extra round trip.
			switch f, err := pickFault(tx, rt.key); {
			case err != nil:
				return err // no fault was picked: nothing to inject
			case f != nil:
				return faultHit{f}
			}
		}
		if check != nil {
			caller, err := check(tx)
			if err != nil {
				return err
			}
			c.Caller = caller
		}
		if rt.schema != nil && !rt.memo.has(body) {
			if err := DecodeValid(rt.schema, &body); err != nil {
				return err
			}
			rt.memo.add(body)
		}
		if len(body) == 0 && rt.schema != nil {
			body = []byte("{}")
		}
		c.Body = body
		return nil
	}
	for {
		var resp any
		var err error
		if rt.Tx == TxNone {
			if _, err = webhooks.Work(r.Context(), p.st, o.Tenant, false, prepare); err == nil {
				resp, err = rt.Handle(c)
			}
		} else {
			var w Written
			w, err = webhooks.Work(r.Context(), p.st, o.Tenant, rt.Tx == TxUpdate, func(tx store.Tx) error {
				if err := prepare(tx); err != nil {
					return err
				}
				c.Tx = tx
				var err error
				resp, err = rt.Handle(c)
				return err
			})
			o.Written.Add(w)
		}
		var hit faultHit
		if err == nil || !errors.As(err, &hit) {
			return resp, err
		}
		if answered, ferr := p.inject(r, o.Tenant, hit.f); answered {
			return nil, ferr
		}
		faults = false // the fault only delays, or another call took its last use
	}
}

// faultHit aborts a call's transaction when a fault fires; the call then
// takes one use of the fault and answers it.
type faultHit struct{ f *store.Fault }

func (h faultHit) Error() string { return "httpapi: fault fired" }

// pickFault returns the oldest fault of key that fires this time, or nil.
func pickFault(tx store.Tx, key string) (*store.Fault, error) {
	faults, err := tx.Faults(key)
	if err != nil {
		return nil, err
	}
	for i := range faults {
		if f := &faults[i]; f.Probability >= 1 || rand.Float64() < f.Probability {
			return f, nil
		}
	}
	return nil, nil
}

// inject takes one use of f, waits its latency and returns the error the
// call answers. It returns false when the call should be served normally: a
// latency-only fault, or one whose last use another call just took.
func (p *pipeline) inject(r *http.Request, tenant string, f *store.Fault) (bool, error) {
	err := p.st.Update(r.Context(), tenant, func(tx store.Tx) error { return tx.UseFault(f.ID) })
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if f.LatencyMS > 0 {
		// A timer, not a sleep on a shared resource: other calls go on, and
		// a client that gives up frees the request at once.
		t := time.NewTimer(time.Duration(f.LatencyMS) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true, r.Context().Err()
		}
	}
	if f.ErrorType == "" {
		return false, nil
	}
	return true, &Injected{*f}
}

// MarshalJSON encodes an answer as the vendors' serializers do: compact,
// without escaping <, > and & (Go's default sends "\u0026"). json.Marshal
// does the work, with its pooled buffers; the few answers holding one of
// the three then have their escapes undone.
func MarshalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || !bytes.Contains(b, []byte(`\u00`)) {
		return b, err
	}
	return unescapeHTML(b), nil
}

// unescapeHTML turns json.Marshal's \u003c, \u003e and \u0026 back into
// <, > and &. In its output a backslash always starts an escape, so
// walking escape by escape never mistakes an escaped backslash for one.
func unescapeHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+5 < len(b) {
			switch string(b[i+2 : i+6]) {
			case "003c":
				out, i = append(out, '<'), i+5
				continue
			case "003e":
				out, i = append(out, '>'), i+5
				continue
			case "0026":
				out, i = append(out, '&'), i+5
				continue
			}
		}
		out, i = append(out, b[i], b[i+1]), i+1
	}
	return out
}
