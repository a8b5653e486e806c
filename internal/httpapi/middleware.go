package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/store"
)

type ctxKey int

const (
	tenantKey ctxKey = iota
	loggerKey
)

// Tenant is the world a request runs in (store.SharedTenant when none is named).
func Tenant(r *http.Request) string {
	t, _ := r.Context().Value(tenantKey).(string)
	return t
}

func logger(r *http.Request) *slog.Logger {
	if l, ok := r.Context().Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

var (
	tenantPattern    = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

// TenantHeaders select a private world, the first one present winning.
var TenantHeaders = []string{"x-partifact-tenant", "x-mock-tenant"}

// requestID names every request: the caller's x-request-id when it is sane,
// else a fresh one. The name goes back in the response and into every log
// line of the request. traceparent is echoed as reflectapi servers do.
func requestID(base *slog.Logger) func(http.Handler) http.Handler {
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
			ctx := context.WithValue(r.Context(), loggerKey, base.With("request_id", id))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// recoverer turns a panic into 500 {"type":"internal"} and a log line with
// the stack. Tests show no input reaches it.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger(r).Error("panic", "panic", p, "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, map[string]string{"type": "internal"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// tenant reads the tenant header. A malformed name is bad_request: quietly
// falling back to the shared world would mix a test's records into it.
func tenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := store.SharedTenant
		for _, h := range TenantHeaders {
			if vs := r.Header.Values(h); len(vs) > 0 {
				name = vs[0]
				if len(vs) > 1 || !tenantPattern.MatchString(name) {
					writeError(w, r, bareFor(r), methods.BadRequest("/headers/"+h, "a tenant name is 1 to 64 characters of a-z, 0-9, _ and -"))
					return
				}
				break
			}
		}
		ctx := context.WithValue(r.Context(), tenantKey, name)
		next.ServeHTTP(w, r.WithContext(ctx))
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

// accessLog writes one structured line per request.
func accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger(r).LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("tenant", Tenant(r)), slog.Int("status", rec.status),
			slog.Duration("latency", time.Since(start)))
	})
}
