// Package httpapi is the shared HTTP edge: the router, the middleware
// (request id → tenant → access log and metrics → recover), body reading
// and schema validation, and the call pipeline that takes every routed
// request to an Outcome, hands it to observers, writes it and releases the
// webhooks it held. It knows no API: each is a Module it is given, with its
// prefix, document, route table, credential check and error family.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/partifact/mockserver/internal/metrics"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/version"
)

// SandboxPrefix starts every sandbox control route.
const SandboxPrefix = "/__"

// Config is what the edge is built from.
type Config struct {
	Store   store.Store
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	Modules []*Module
	// Observers see every routed call's outcome (journal, coverage).
	Observers []Observer

	// Sandbox is the sandbox controls: their document and error family,
	// their routes (below SandboxPrefix), joined by every module's Sandbox
	// routes. NoSandboxRoutes answers every sandbox path as unknown, so a
	// deployment shows only the contracts.
	Sandbox         Sandbox
	NoSandboxRoutes bool
	// SandboxToken, when set, must be carried by every request to a sandbox
	// route (SandboxTokenHeader, or Authorization: Bearer).
	SandboxToken string

	// Mount adds routes outside every module and the sandbox (the docs).
	Mount func(r chi.Router) error
	// Fallback renders what matches no route outside every prefix.
	Fallback ErrorFamily
}

// Sandbox is the group of sandbox control routes.
type Sandbox struct {
	// Doc gives the sandbox's document, which no call of the APIs needs:
	// it may still be parsing when the server starts, and the sandbox
	// routes are checked against it, and their bodies' schemas taken from
	// it, at the first sandbox call.
	Doc    func() (*spec.Doc, error)
	Errors ErrorFamily
	Routes []Route
	// Mount adds sandbox routes that keep their own reading and error
	// family (the webhook tools), at their full paths; nil: none.
	Mount func(r chi.Router) error
}

// New builds the handler. It fails when a route table and its document
// disagree, so a route can never be served unvalidated.
func New(cfg Config) (http.Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New(cfg.Store.CountTenants)
	}
	e := &edge{r: chi.NewRouter(), p: &pipeline{st: cfg.Store, observers: cfg.Observers},
		labels: map[string][2]string{}, routes: map[string]*route{}, fallback: cfg.Fallback}
	// HEAD is served by a path's GET route, as HTTP asks: the same status
	// and headers, and no body (net/http writes none for HEAD).
	e.r.Use(begin(cfg.Logger, cfg.SandboxToken), observe(cfg.Metrics, e.labels), recoverer(e.familyOf), middleware.GetHead)

	build := version.Get()
	e.r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "build": build})
	})
	e.r.Get("/readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		if err := cfg.Store.Ping(ctx); err != nil {
			Failed(req, slog.LevelWarn, "not ready", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	e.r.Method(http.MethodGet, "/metrics", cfg.Metrics.Handler())

	for _, m := range cfg.Modules {
		g := &group{api: m.Name, prefix: m.Prefix, errors: m.Errors, check: m.Check, caller: m.Caller, wire: true}
		rts := e.mount(g, m.Routes)
		if err := bind(m.Doc, g, rts); err != nil {
			return nil, err
		}
		for _, op := range m.Doc.OpsUnder(m.Prefix) {
			if !slices.ContainsFunc(m.Routes, func(rt Route) bool { return rt.Op == op }) {
				return nil, fmt.Errorf("httpapi: %s declares %s but no route serves it", m.Doc.Name, op)
			}
		}
		if m.Mount != nil {
			if err := m.Mount(e.r); err != nil {
				return nil, err
			}
		}
	}

	sb := &group{prefix: SandboxPrefix, errors: cfg.Sandbox.Errors}
	if sb.errors == nil {
		sb.errors = cfg.Fallback
	}
	if cfg.NoSandboxRoutes {
		e.groups = append(e.groups, sb)
	} else {
		routes := slices.Clone(cfg.Sandbox.Routes)
		for _, m := range cfg.Modules {
			routes = append(routes, m.Sandbox...)
		}
		if len(routes) > 0 && cfg.Sandbox.Doc == nil {
			return nil, fmt.Errorf("httpapi: sandbox routes without the sandbox's document")
		}
		rts := e.mount(sb, routes)
		sb.bind = sync.OnceValue(func() error {
			doc, err := cfg.Sandbox.Doc()
			if err != nil {
				return err
			}
			return bind(doc, sb, rts)
		})
		if cfg.Sandbox.Mount != nil {
			if err := cfg.Sandbox.Mount(e.r); err != nil {
				return nil, err
			}
		}
	}

	if cfg.Mount != nil {
		if err := cfg.Mount(e.r); err != nil {
			return nil, err
		}
	}
	// A path no route matches is a call of no operation, answered by the
	// group whose prefix it is under.
	e.r.NotFound(e.notFound)
	e.r.MethodNotAllowed(e.methodNotAllowed)
	return e.r, nil
}

type edge struct {
	r        *chi.Mux
	p        *pipeline
	groups   []*group
	labels   map[string][2]string // metric labels (API, operation) by route pattern
	routes   map[string]*route    // by "VERB pattern"
	fallback ErrorFamily
}

// mount serves a group's routes after its prefix; bind must check them
// against the group's document before they serve.
func (e *edge) mount(g *group, routes []Route) []*route {
	e.groups = append(e.groups, g)
	out := make([]*route, len(routes))
	for i := range routes {
		rt := &route{Route: &routes[i], g: g, key: Key(g.api, routes[i].Op)}
		pattern := g.prefix + rt.Path
		e.r.Method(rt.Verb, pattern, e.p.handler(rt))
		e.labels[pattern] = [2]string{g.api, rt.Op}
		e.routes[rt.Verb+" "+pattern] = rt
		out[i] = rt
	}
	e.labels[g.prefix+"*"] = [2]string{g.api, "unknown"}
	return out
}

// bind checks each route against its operation in doc (so that a route
// can never be served unvalidated) and takes its body's schema.
func bind(doc *spec.Doc, g *group, routes []*route) error {
	for _, rt := range routes {
		op := doc.Op(rt.Op)
		if op == nil {
			return fmt.Errorf("httpapi: %s has no operation %s", doc.Name, rt.Op)
		}
		if pattern := g.prefix + rt.Path; op.Verb != rt.Verb || op.Path != pattern {
			return fmt.Errorf("httpapi: %s is %s %s in %s, the route table says %s %s", rt.Op, op.Verb, op.Path, doc.Name, rt.Verb, pattern)
		}
		if !rt.Decodes {
			rt.schema = spec.BodySchema(op.Operation)
		}
	}
	return nil
}

// groupOf is the group whose prefix path is under, the longest winning;
// paths under none get the fallback family.
func (e *edge) groupOf(path string) *group {
	var best *group
	for _, g := range e.groups {
		under := strings.HasPrefix(path, g.prefix) || path+"/" == g.prefix // "/partage" is the API's too
		if under && (best == nil || len(g.prefix) > len(best.prefix)) {
			best = g
		}
	}
	if best == nil {
		return &group{errors: e.fallback}
	}
	return best
}

func (e *edge) familyOf(path string) ErrorFamily { return e.groupOf(path).errors }

// verbs a route may be called with, for the Allow header.
var verbs = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func (e *edge) notFound(w http.ResponseWriter, r *http.Request) {
	g := e.groupOf(r.URL.Path)
	if rctx := chi.RouteContext(r.Context()); rctx != nil && g.prefix != "" {
		rctx.RoutePatterns = append(rctx.RoutePatterns[:0], g.prefix+"*") // for the metrics' labels
	}
	e.p.handler(&route{g: g})(w, r)
}

// methodNotAllowed answers a path called with a verb it does not take
// (unknown verbs too) with the verbs it takes. A route of the pipeline at
// that path refuses it as a call of its operation (observed like any
// other); other paths answer in their group's family. A path that takes no
// verb at all (the router's answer to any unknown verb) is not found.
func (e *edge) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	var allow []string
	var at *route
	pattern := ""
	for _, v := range verbs {
		p := e.r.Find(chi.NewRouteContext(), v, r.URL.Path)
		if p == "" && v == http.MethodHead {
			p = e.r.Find(chi.NewRouteContext(), http.MethodGet, r.URL.Path) // GET's route serves HEAD
		}
		if p != "" {
			allow = append(allow, v)
			pattern = p
			if rt := e.routes[v+" "+p]; rt != nil && at == nil {
				at = rt
			}
		}
	}
	if len(allow) == 0 {
		e.notFound(w, r)
		return
	}
	ref := refuse(MethodNotAllowed, http.StatusMethodNotAllowed, "", "this path is called with "+strings.Join(allow, " or "))
	ref.Allow = strings.Join(allow, ", ")
	if rctx := chi.RouteContext(r.Context()); rctx != nil && len(rctx.RoutePatterns) == 0 {
		rctx.RoutePatterns = append(rctx.RoutePatterns, pattern) // for the metrics' labels
	}
	if at == nil {
		at = &route{g: e.groupOf(r.URL.Path)}
	}
	e.p.handler(&route{Route: at.Route, g: at.g, key: at.key, refused: ref})(w, r)
}

func writeRaw(w http.ResponseWriter, status int, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeJSON answers a value the edge built itself.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := MarshalJSON(v)
	if err != nil {
		panic(err) // only the edge's own values reach here
	}
	writeRaw(w, status, "application/json", b)
}

// WriteJSON answers v as JSON with status, for routes outside the call
// pipeline (the webhook tools, the docs).
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }
