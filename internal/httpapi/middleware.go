package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/textproto"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/partifact/mockserver/internal/logx"
	"github.com/partifact/mockserver/internal/metrics"
	"github.com/partifact/mockserver/internal/store"
)

type ctxKey int

const stateKey ctxKey = iota

// state is what the edge knows of a request, kept in its context as one
// value: its id, its world (or why the name was refused), the loggers, the
// sandbox token's refusal, and the metric labels of the route it took.
type state struct {
	id     string
	tenant string
	// tenantErr is why the tenant headers were refused (tenant is then
	// the shared world, and nothing is recorded).
	tenantErr *Refusal
	// sandbox: the sandbox token is set and the request, to a sandbox
	// route, does not carry it.
	sandbox *Refusal
	logs    *logs
	// api and op label the request in the metrics once a route of the
	// call pipeline has taken it (labeled); others are labeled by their
	// route pattern.
	api, op string
	labeled bool
}

// logs are the server's loggers every request logs with.
type logs struct {
	base    *slog.Logger
	limited *logx.Limited
}

func stateOf(r *http.Request) *state {
	st, _ := r.Context().Value(stateKey).(*state)
	return st
}

// Tenant is the world a request runs in (store.SharedTenant when none is
// named, or when the name was refused).
func Tenant(r *http.Request) string {
	if st := stateOf(r); st != nil {
		return st.tenant
	}
	return store.SharedTenant
}

// TenantError is why the request's tenant header was refused, or nil.
// Routes outside the call pipeline answer it in their own shape.
func TenantError(r *http.Request) *Refusal {
	if st := stateOf(r); st != nil {
		return st.tenantErr
	}
	return nil
}

// Logger is the request's logger, which names the request in every line.
func Logger(r *http.Request) *slog.Logger { return logger(r) }

// logger makes the logger naming the request when a line needs it, not
// for every request (most log only their access line).
func logger(r *http.Request) *slog.Logger {
	if st := stateOf(r); st != nil {
		return st.logs.base.With("request_id", st.id)
	}
	return slog.Default()
}

var (
	// TenantPattern is what a tenant name may be: 1 to 64 of a-z, 0-9, _
	// and -.
	TenantPattern    = NewNamePattern(64, "abcdefghijklmnopqrstuvwxyz0123456789_-")
	requestIDPattern = NewNamePattern(128, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")
)

// NamePattern matches names of 1 to a number of bytes, each one of a set.
// (A regular expression with a counted repetition compiles to a state per
// count, which every start-up pays for; this is a table.)
type NamePattern struct {
	max     int
	allowed [256]bool
}

// NewNamePattern matches 1 to max bytes of allowed.
func NewNamePattern(max int, allowed string) *NamePattern {
	p := &NamePattern{max: max}
	for i := 0; i < len(allowed); i++ {
		p.allowed[allowed[i]] = true
	}
	return p
}

// MatchString says whether s is such a name.
func (p *NamePattern) MatchString(s string) bool {
	if len(s) == 0 || len(s) > p.max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !p.allowed[s[i]] {
			return false
		}
	}
	return true
}

// TenantHeaders select a private world; they are synonyms.
var TenantHeaders = []string{"x-partifact-tenant", "x-mock-tenant"}

// tenantKeys are TenantHeaders as http.Header keys them, so that reading
// them needs no canonical form made per request.
var tenantKeys = func() []string {
	keys := make([]string, len(TenantHeaders))
	for i, h := range TenantHeaders {
		keys[i] = textproto.CanonicalMIMEHeaderKey(h)
	}
	return keys
}()

// Failed logs a failure of a request at most once per logx.DefaultInterval
// for each message (with a count of those held back): when the store is
// down every request fails alike, and one line says so as well as
// thousands. Pass a constant message; what varies goes in args.
func Failed(r *http.Request, level slog.Level, msg string, args ...any) {
	st := stateOf(r)
	if st == nil {
		slog.Default().Log(r.Context(), level, msg, args...)
		return
	}
	st.logs.limited.Log(r.Context(), level, msg, append(args, "request_id", st.id)...)
}

// begin makes a request's state, in this order:
//   - its id: the caller's x-request-id when it is sane, else a fresh one;
//     it goes back in the response and into every log line of the request
//     (traceparent is echoed as reflectapi servers do);
//   - its world, from the tenant headers: a malformed name, one header
//     given twice, or the two headers naming different worlds is refused
//     (by the route, in its API's shape), as quietly falling back to the
//     shared world, or picking one, would mix a test's records into
//     another world;
//   - for a path under SandboxPrefix, when the server has a sandbox token
//     (token), whether the request carries it: a shared deployment's
//     worlds can then be reset, read or steered only by those who hold it.
//     The refusal is left for the route to answer in its own shape.
func begin(base *slog.Logger, token string) func(http.Handler) http.Handler {
	l := &logs{base: base, limited: logx.NewLimited(base, 0)}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st := &state{logs: l, tenant: store.SharedTenant}
			st.id = headerValue(r.Header, "X-Request-Id")
			if !requestIDPattern.MatchString(st.id) {
				var b [8]byte
				_, _ = rand.Read(b[:])
				st.id = hex.EncodeToString(b[:])
			}
			h := w.Header()
			h["X-Request-Id"] = []string{st.id}
			if tp := headerValue(r.Header, "Traceparent"); tp != "" {
				h["Traceparent"] = []string{tp}
			}
			st.tenant, st.tenantErr = tenantOf(r.Header)
			if token != "" && strings.HasPrefix(r.URL.Path, SandboxPrefix) && !HoldsSandboxToken(r, token) {
				st.sandbox = refuse(Unauthorized, http.StatusUnauthorized, "/headers/"+SandboxTokenHeader,
					"this server's sandbox routes need its sandbox token, in "+SandboxTokenHeader+" or Authorization: Bearer")
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey, st)))
		})
	}
}

// headerValue is h.Get(key) for a key already in canonical form.
func headerValue(h http.Header, key string) string {
	if vs := h[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// tenantOf reads the tenant headers: the world they name, or the shared
// world and why they were refused.
func tenantOf(h http.Header) (string, *Refusal) {
	name, named := store.SharedTenant, false
	for i, key := range tenantKeys {
		vs := h[key]
		if len(vs) == 0 {
			continue
		}
		var err *Refusal
		switch {
		case len(vs) > 1 || !TenantPattern.MatchString(vs[0]):
			err = refuse(BadHeader, http.StatusBadRequest, "/headers/"+TenantHeaders[i], "a tenant name is 1 to 64 characters of a-z, 0-9, _ and -")
		case named && vs[0] != name:
			err = refuse(BadHeader, http.StatusBadRequest, "/headers/"+TenantHeaders[i], "x-partifact-tenant and x-mock-tenant name different worlds")
		}
		if err != nil {
			return store.SharedTenant, err
		}
		name, named = vs[0], true
	}
	return name, nil
}

// statusRecorder remembers the status written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe writes one structured line per request and counts every request
// in the metrics, by the route it took (its API and operation for the
// modules' routes, "unknown" when none matched).
func observe(met *metrics.Metrics, labels map[string][2]string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			took := time.Since(start)
			st := stateOf(r)
			l := [2]string{st.api, st.op}
			if !st.labeled {
				pattern := chi.RouteContext(r.Context()).RoutePattern()
				var ok bool
				l, ok = labels[pattern]
				switch {
				case ok:
				case pattern == "" || strings.HasSuffix(pattern, "*"):
					l = [2]string{"", "unknown"}
				default:
					l = [2]string{"", pattern} // the docs, health and sandbox tools
				}
			}
			met.Request(l[0], l[1], rec.status, took)
			// The line goes to the handler itself, as slog's own methods
			// would send it but without looking up the caller's frame
			// (the line names no source).
			if h := st.logs.base.Handler(); h.Enabled(r.Context(), slog.LevelInfo) {
				line := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
				line.AddAttrs(slog.String("request_id", st.id),
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.String("tenant", st.tenant), slog.Int("status", rec.status),
					slog.Duration("latency", took))
				_ = h.Handle(r.Context(), line)
			}
		})
	}
}

// recoverer answers a panic outside the call pipeline (which recovers its
// own, in its route's shape) with the error family of the path's prefix.
func recoverer(familyOf func(path string) ErrorFamily) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					logger(r).Error("panic", "panic", p, "stack", string(debug.Stack()))
					a := familyOf(r.URL.Path).Render("", ErrInternal)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(a.Status)
					_, _ = w.Write(a.Body)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// SandboxTokenHeader carries the sandbox token (Authorization: Bearer is
// taken too, the /__ routes having no other credential).
const SandboxTokenHeader = "x-sandbox-token"

// HoldsSandboxToken says whether r carries token, in SandboxTokenHeader or
// as Authorization: Bearer (compared in constant time).
func HoldsSandboxToken(r *http.Request, token string) bool {
	given := r.Header.Get(SandboxTokenHeader)
	if given == "" {
		if scheme, v, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			given = strings.TrimSpace(v)
		}
	}
	return subtle.ConstantTimeCompare([]byte(given), []byte(token)) == 1
}

// SandboxRefusal is why a sandbox route may not serve the request (the
// sandbox token is set and the request does not carry it), or nil. Routes
// outside the call pipeline answer it in their own shape.
func SandboxRefusal(r *http.Request) *Refusal {
	if st := stateOf(r); st != nil {
		return st.sandbox
	}
	return nil
}
