package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/partifact/mockserver/internal/logx"
	"github.com/partifact/mockserver/internal/metrics"
	"github.com/partifact/mockserver/internal/store"
)

type ctxKey int

const (
	tenantKey ctxKey = iota
	loggerKey
	sandboxKey
)

// tenantOf is the world a request names, or why its name was refused.
type tenantOf struct {
	name string
	err  *Refusal
}

// Tenant is the world a request runs in (store.SharedTenant when none is
// named, or when the name was refused).
func Tenant(r *http.Request) string {
	t, _ := r.Context().Value(tenantKey).(tenantOf)
	return t.name
}

// TenantError is why the request's tenant header was refused, or nil.
// Routes outside the call pipeline answer it in their own shape.
func TenantError(r *http.Request) *Refusal {
	t, _ := r.Context().Value(tenantKey).(tenantOf)
	return t.err
}

// Logger is the request's logger, which names the request in every line.
func Logger(r *http.Request) *slog.Logger { return logger(r) }

// requestLog is what a request logs with: the server's loggers and the
// request's id. The logger naming the id is made when a line needs it,
// not for every request (most log only their access line).
type requestLog struct {
	base    *slog.Logger
	limited *logx.Limited
	id      string
}

func logOf(r *http.Request) *requestLog {
	l, _ := r.Context().Value(loggerKey).(*requestLog)
	return l
}

func logger(r *http.Request) *slog.Logger {
	if l := logOf(r); l != nil {
		return l.base.With("request_id", l.id)
	}
	return slog.Default()
}

var (
	// TenantPattern is what a tenant name may be.
	TenantPattern    = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

// TenantHeaders select a private world; they are synonyms.
var TenantHeaders = []string{"x-partifact-tenant", "x-mock-tenant"}

// Failed logs a failure of a request at most once per logx.DefaultInterval
// for each message (with a count of those held back): when the store is
// down every request fails alike, and one line says so as well as
// thousands. Pass a constant message; what varies goes in args.
func Failed(r *http.Request, level slog.Level, msg string, args ...any) {
	l := logOf(r)
	if l == nil {
		slog.Default().Log(r.Context(), level, msg, args...)
		return
	}
	l.limited.Log(r.Context(), level, msg, append(args, "request_id", l.id)...)
}

// requestID names every request: the caller's x-request-id when it is sane,
// else a fresh one. The name goes back in the response and into every log
// line of the request. traceparent is echoed as reflectapi servers do.
func requestID(base *slog.Logger) func(http.Handler) http.Handler {
	limited := logx.NewLimited(base, 0)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !requestIDPattern.MatchString(id) {
				var b [8]byte
				_, _ = rand.Read(b[:])
				id = hex.EncodeToString(b[:])
			}
			h := w.Header()
			h.Set("X-Request-Id", id)
			if tp := r.Header.Get("traceparent"); tp != "" {
				h.Set("traceparent", tp)
			}
			ctx := context.WithValue(r.Context(), loggerKey, &requestLog{base: base, limited: limited, id: id})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// tenant reads the tenant headers. A malformed name, one header given
// twice, or the two headers naming different worlds is refused (by the
// route, in its API's shape): quietly falling back to the shared world, or
// picking one, would mix a test's records into another world.
func tenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := tenantOf{name: store.SharedTenant}
		named := ""
		for _, h := range TenantHeaders {
			vs := r.Header.Values(h)
			if len(vs) == 0 {
				continue
			}
			switch {
			case len(vs) > 1 || !TenantPattern.MatchString(vs[0]):
				t.err = refuse(BadHeader, http.StatusBadRequest, "/headers/"+h, "a tenant name is 1 to 64 characters of a-z, 0-9, _ and -")
			case named != "" && vs[0] != t.name:
				t.err = refuse(BadHeader, http.StatusBadRequest, "/headers/"+h, "x-partifact-tenant and x-mock-tenant name different worlds")
			default:
				t.name, named = vs[0], h
			}
			if t.err != nil {
				t.name = store.SharedTenant
				break
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey, t)))
	})
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
			pattern := chi.RouteContext(r.Context()).RoutePattern()
			l, ok := labels[pattern]
			switch {
			case ok:
			case pattern == "" || strings.HasSuffix(pattern, "*"):
				l = [2]string{"", "unknown"}
			default:
				l = [2]string{"", pattern} // the docs, health and sandbox tools
			}
			met.Request(l[0], l[1], rec.status, took)
			rl := logOf(r)
			rl.base.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", rl.id),
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.String("tenant", Tenant(r)), slog.Int("status", rec.status),
				slog.Duration("latency", took))
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

// sandboxGuard refuses, for every path under SandboxPrefix, a request that
// does not carry token (when one is set): a shared deployment's worlds can
// then be reset, read or steered only by those who hold it. The refusal is
// left in the request for the route to answer in its own shape.
func sandboxGuard(token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if token == "" {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, SandboxPrefix) && !HoldsSandboxToken(r, token) {
				ref := refuse(Unauthorized, http.StatusUnauthorized, "/headers/"+SandboxTokenHeader,
					"this server's sandbox routes need its sandbox token, in "+SandboxTokenHeader+" or Authorization: Bearer")
				r = r.WithContext(context.WithValue(r.Context(), sandboxKey, ref))
			}
			next.ServeHTTP(w, r)
		})
	}
}

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
	ref, _ := r.Context().Value(sandboxKey).(*Refusal)
	return ref
}
