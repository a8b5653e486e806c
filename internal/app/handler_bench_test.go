package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
)

// discardWriter is a ResponseWriter that keeps nothing but the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// SetWriteDeadline stands for the connection's: every answer arms one.
func (w *discardWriter) SetWriteDeadline(time.Time) error { return nil }

// BenchmarkHandlerJobsGet: the server's own work for one repairer.jobs.get,
// every layer on (request id, tenant, access log, metrics, credential,
// validation, the store, the journal and coverage), without net/http's
// connection handling: what the mock adds to a bare handler. The access
// log is formatted, then discarded.
func BenchmarkHandlerJobsGet(b *testing.B) {
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.Logger = "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	h := a.Handler()
	body := []byte(`{"identity":{"external":"CCC-2026-04817"}}`)
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
	header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
	call := func() int {
		r, _ := http.NewRequest(http.MethodPost, "http://mock"+methods.PathPrefix+"repairer.jobs.get", bytes.NewReader(body))
		r.Header = header
		r.ContentLength = int64(len(body))
		w := &discardWriter{h: http.Header{}}
		h.ServeHTTP(w, r)
		return w.status
	}
	if s := call(); s != http.StatusOK {
		b.Fatalf("status %d", s)
	}
	b.ReportAllocs()
	for b.Loop() {
		call()
	}
}
