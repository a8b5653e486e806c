package httpapi

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store/memory"
)

// TestPanicIsInternal: a handler that panics answers 500 {"type":"internal"},
// logs the stack, and the server keeps serving.
func TestPanicIsInternal(t *testing.T) {
	t.Parallel()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	ms := append([]methods.Method(nil), methods.All...)
	for i := range ms {
		if ms[i].Name == "businesses.list" {
			ms[i].Serve = func(*methods.Call, []byte) (any, error) { panic("boom") }
		}
	}
	var logs bytes.Buffer
	h, err := New(Config{Store: memory.New(), Doc: doc, Methods: ms, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	call := func(method string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+spec.PathPrefix+method, strings.NewReader(`{"identity":{"external":"CCC-2026-04817"}}`))
		req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
		req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	if status, body := call("businesses.list"); status != 500 || body != `{"type":"internal"}` {
		t.Fatalf("panic answered %d %s", status, body)
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "stack") {
		t.Fatalf("panic not logged with its stack: %s", logs.String())
	}
	if status, _ := call("repairer.jobs.get"); status != 200 {
		t.Fatalf("server stopped serving after a panic: %d", status)
	}
}

// TestNewRefusesDrift: a method without an operation, or an operation
// without a method, stops the server from starting.
func TestNewRefusesDrift(t *testing.T) {
	t.Parallel()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Store: memory.New(), Doc: doc, Methods: methods.All[1:]}); err == nil {
		t.Fatal("an operation without a method was accepted")
	}
	extra := append([]methods.Method{{Name: "repairer.jobs.delete"}}, methods.All...)
	if _, err := New(Config{Store: memory.New(), Doc: doc, Methods: extra}); err == nil {
		t.Fatal("a method without an operation was accepted")
	}
}
