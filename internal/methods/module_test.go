package methods_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store/memory"
)

// TestPanicIsInternalInTheMethodsShape: a handler that panics answers 500
// with the internal variant in its method's union shape (a bare string for
// repairer.jobs.parts.insert), logs the stack, and the server keeps
// serving.
func TestPanicIsInternalInTheMethodsShape(t *testing.T) {
	t.Parallel()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New()
	m := methods.Module(methods.Config{Store: st, Doc: doc})
	for i := range m.Routes {
		if op := m.Routes[i].Op; op == "businesses.list" || op == "repairer.jobs.parts.insert" {
			m.Routes[i].Handle = func(*httpapi.Call) (any, error) { panic("boom") }
		}
	}
	var logs strings.Builder
	h, err := httpapi.New(httpapi.Config{Store: st, Modules: []*httpapi.Module{m}, Fallback: methods.Family(doc),
		NoSandboxRoutes: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	call := func(method, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+methods.PathPrefix+method, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
		req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := call("businesses.list", `{}`); status != 500 || body != `{"type":"internal"}` {
		t.Errorf("businesses.list panic answered %d %s", status, body)
	}
	parts := `{"job":{"external":"CCC-2026-04817"},"parts":[{"description":"Bumper","part_number":null,"quantity":1}]}`
	if status, body := call("repairer.jobs.parts.insert", parts); status != 500 || body != `"internal"` {
		t.Errorf("repairer.jobs.parts.insert panic answered %d %s", status, body)
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "stack") {
		t.Fatalf("panic not logged with its stack: %s", logs.String())
	}
	if status, _ := call("repairer.jobs.get", `{"identity":{"external":"CCC-2026-04817"}}`); status != 200 {
		t.Fatalf("server stopped serving after a panic: %d", status)
	}
}
