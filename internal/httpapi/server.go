// Package httpapi is the HTTP edge: the chi router, the middleware (request
// id, tenant, credentials, body limits, OpenAPI validation) and the one
// function that renders errors on the wire. Only this package knows HTTP
// statuses.
package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	mockserver "github.com/partifact/mockserver"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/metrics"
	"github.com/partifact/mockserver/internal/recorder"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// MaxBody is the largest request body accepted (1 MiB); larger gets 413.
const MaxBody = 1 << 20

// Config is what the HTTP edge is built from.
type Config struct {
	Store  store.Store
	Doc    *spec.Doc
	Logger *slog.Logger
	// Methods defaults to methods.All.
	Methods []methods.Method
	// WebhookSender sends the webhook probe's requests; default: loopback only.
	WebhookSender *webhooks.Sender
	// WebhookLimits bound endpoints per integration and each world's sink
	// (zero values: the defaults).
	WebhookLimits webhooks.Limits

	// Sandbox controls and observability (sandbox.go). Nil Recorder and
	// Metrics get defaults; NoSandboxRoutes answers every /__ route 404.
	Recorder        *recorder.Recorder
	Metrics         *metrics.Metrics
	NoSandboxRoutes bool
	// MaxFaults is how many faults a world may have set; 0:
	// store.DefaultMaxFaults.
	MaxFaults int
}

// route is a method with its request schema resolved once.
type route struct {
	methods.Method
	schema *openapi3.Schema
	valid  validBodies // bodies known to pass schema
}

// New builds the handler. It fails when the method table and openapi.json
// disagree, so a method can never be served unvalidated.
func New(cfg Config) (http.Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Methods == nil {
		cfg.Methods = methods.All
	}
	routes := map[string]*route{}
	for _, m := range cfg.Methods {
		s := cfg.Doc.RequestSchema(m.Name)
		if s == nil {
			return nil, fmt.Errorf("httpapi: method %s has no request schema in openapi.json", m.Name)
		}
		routes[m.Name] = &route{Method: m, schema: s}
	}
	for _, name := range cfg.Doc.Methods() {
		if routes[name] == nil {
			return nil, fmt.Errorf("httpapi: openapi.json declares %s but no method serves it", name)
		}
	}
	openapi30, err := Downgrade(mockserver.OpenAPI)
	if err != nil {
		return nil, err
	}

	sb, err := newSandbox(cfg)
	if err != nil {
		return nil, err
	}

	r := chi.NewRouter()
	r.Use(requestID(cfg.Logger), accessLog, recoverer, tenant, gate(cfg.NoSandboxRoutes))
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/openapi.json", rawJSON(mockserver.OpenAPI))
	r.Get("/openapi-3.0.json", rawJSON(openapi30))
	if err := mountInstall(r, cfg.Store, cfg.Doc); err != nil {
		return nil, err
	}
	if err := mountWebhooks(r, cfg); err != nil {
		return nil, err
	}
	r.HandleFunc(spec.PathPrefix+"{method}", releaseWebhooks(cfg.Store, sb.observe(func(w http.ResponseWriter, req *http.Request) {
		rt := routes[chi.URLParam(req, "method")]
		if rt == nil {
			writeError(w, req, false, &methods.Error{Type: "unknown_method"})
			return
		}
		serve(cfg.Store, rt, w, req)
	})))
	sb.mount(r)
	if err := mountDocs(r, mockserver.OpenAPI); err != nil {
		return nil, err
	}
	r.NotFound(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, req, false, &methods.Error{Type: "unknown_method"})
	})
	return r, nil
}

func rawJSON(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}
}

// bareFor says whether the request's method answers errors as bare strings
// (for errors raised before the method is looked up).
func bareFor(r *http.Request) bool {
	return r.URL.Path == spec.PathPrefix+"repairer.jobs.parts.insert"
}

// serve runs one wire method: verb, content type and size checks, then in
// one store transaction the credential, the body's schema and the handler.
func serve(st store.Store, rt *route, w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { writeError(w, r, rt.BareErrors, err) }
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		fail(&withStatus{http.StatusMethodNotAllowed, methods.BadRequest("", "wire methods are called with POST")})
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		fail(err)
		return
	}
	var cred credential
	if rt.Access != methods.Public {
		if cred, err = parseCredential(r); err != nil {
			fail(err)
			return
		}
	}

	var resp any
	var rec *webhooks.Recorder
	checkFaults := true
	run := func(tx store.Tx) error {
		// Faults are read in the call's own transaction, so a call with no
		// fault set costs no extra round trip.
		if checkFaults {
			if f, err := pickFault(tx, rt.Name); err != nil {
				return err
			} else if f != nil {
				return &faultHit{*f}
			}
		}
		rec = webhooks.Track(tx)
		c := &methods.Call{Ctx: r.Context(), Tx: rec}
		if rt.Access != methods.Public {
			if c.Caller, err = cred.authenticate(tx); err != nil {
				return err
			}
			if !rt.Access.Allows(c.Caller.Role) {
				return methods.ErrForbidden
			}
		}
		if err := validateRouteBody(rt, &body); err != nil {
			return err
		}
		resp, err = rt.Serve(c, body)
		return err
	}
	exec := func() error {
		if rt.Write {
			return st.Update(r.Context(), Tenant(r), run)
		}
		return st.View(r.Context(), Tenant(r), run)
	}
	err = exec()
	var hit *faultHit
	if errors.As(err, &hit) {
		if injectFault(st, rt, hit.Fault, w, r) {
			return
		}
		checkFaults = false
		err = exec()
	}
	if err != nil {
		fail(err)
		return
	}
	writtenBy(r).set(rec)
	writeJSON(w, http.StatusOK, resp)
}

// readBody checks the content type (JSON, or none) and reads at most
// MaxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, &withStatus{http.StatusUnsupportedMediaType, methods.BadRequest("/headers/content-type", "the body must be application/json")}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &withStatus{http.StatusRequestEntityTooLarge, methods.BadRequest("", "the body is larger than 1 MiB")}
		}
		return nil, methods.BadRequest("", "the body could not be read")
	}
	return body, nil
}

// credential is the pair of headers every authenticated call carries.
type credential struct {
	key string
	id  uuid.UUID
}

// parseCredential checks the headers' form; any problem is unauthorized.
func parseCredential(r *http.Request) (credential, error) {
	auth := r.Header.Get("Authorization")
	scheme, key, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return credential{}, methods.ErrUnauthorized
	}
	id, err := uuid.Parse(r.Header.Get("Partly-Integration-ID"))
	if err != nil {
		return credential{}, methods.ErrUnauthorized
	}
	return credential{key: strings.TrimSpace(key), id: id}, nil
}

// authenticate finds the integration the key belongs to; the integration id
// header must name that same integration.
func (c credential) authenticate(tx store.Tx) (store.Integration, error) {
	in, err := tx.IntegrationByKey(c.key)
	if errors.Is(err, store.ErrNotFound) || (err == nil && in.ID != c.id) {
		return store.Integration{}, methods.ErrUnauthorized
	}
	return in, err
}

// validateBody reads an empty body as {}, then checks the JSON against the
// method's request schema, unless the route has seen these bytes pass.
func validateBody(schema *openapi3.Schema, body *[]byte) error {
	if len(bytes.TrimSpace(*body)) == 0 {
		*body = []byte("{}")
	}
	var v any
	// json.Unmarshal accepts exactly one value, as the decoder below does,
	// without the decoder's buffer; the decoder only words the error.
	if json.Unmarshal(*body, &v) != nil {
		dec := json.NewDecoder(bytes.NewReader(*body))
		if err := dec.Decode(&v); err != nil {
			return methods.BadRequest("", "malformed JSON: "+err.Error())
		}
		return methods.BadRequest("", "malformed JSON: data after the value")
	}
	problems := spec.Validate(schema, v, true)
	if len(problems) == 0 {
		return nil
	}
	errs := make([]methods.FieldError, len(problems))
	for i, p := range problems {
		errs[i] = methods.FieldError{Path: p.Path, Message: p.Message}
	}
	return &methods.Error{Type: "bad_request", Fields: map[string]any{"errors": errs}}
}

// readSandboxJSON reads a sandbox route's JSON body with the checks of a
// wire method (content type, size, an empty body read as {}, the route's
// schema) and decodes it into out.
func readSandboxJSON(w http.ResponseWriter, r *http.Request, schema *openapi3.Schema, out any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if err := validateBody(schema, &body); err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return methods.BadRequest("", err.Error())
	}
	return nil
}

// validateRouteBody is validateBody for a wire method, skipping bodies the
// route has seen pass (see validBodies).
func validateRouteBody(rt *route, body *[]byte) error {
	if rt.valid.has(*body) {
		return nil
	}
	err := validateBody(rt.schema, body)
	if err == nil {
		rt.valid.add(*body)
	}
	return err
}
