package servicemobility_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	mockserver "github.com/partifact/mockserver"
	"github.com/partifact/mockserver/internal/httpapi"
	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// failing is a store whose transactions fail, as a Postgres that went away.
type failing struct{ *memory.Store }

func (failing) View(context.Context, string, func(store.Tx) error) error {
	return errors.New("connection refused")
}

// serveModule serves the module alone through the shared edge, logging to
// logs; the stand-in calls the reference implementation through that edge.
func serveModule(t *testing.T, st store.Store, cfg sm.Config, logs io.Writer) string {
	t.Helper()
	doc, err := spec.ParseData(sm.DocumentName, mockserver.Documents[sm.DocumentName])
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	cfg.Edge = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) })
	m := sm.Module(st, doc, cfg)
	h, err = httpapi.New(httpapi.Config{Store: st, Modules: []*httpapi.Module{m}, NoSandboxRoutes: true,
		Fallback: m.Errors, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestOnlyFailuresLogErrors: the interface answers bad input with 500 by
// design, which is no failure of the server and logs no ERROR line; the
// store failing is one, and does.
func TestOnlyFailuresLogErrors(t *testing.T) {
	t.Parallel()
	logon := func(url, body string) int {
		t.Helper()
		resp, err := http.Post(url+sm.Prefix+sm.PathCreateJWT, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusInternalServerError && !strings.Contains(string(b), `"Status":"2001"`) {
			t.Fatalf("a 500 outside the family: %s", b)
		}
		return resp.StatusCode
	}

	logs := &lockedBuffer{}
	url := serveModule(t, memory.New(), sm.Config{}, logs)
	for _, body := range []string{`{"username":7}`, `[1,2`} {
		if status := logon(url, body); status != http.StatusInternalServerError {
			t.Fatalf("bad input %s: %d, want the interface's 500", body, status)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("bad input logged as a failure:\n%s", logs)
	}

	logs = &lockedBuffer{}
	url = serveModule(t, failing{memory.New()}, sm.Config{}, logs)
	if status := logon(url, `{"username":"demo.technician","password":"demo-password"}`); status != http.StatusInternalServerError {
		t.Fatalf("with the store down: %d", status)
	}
	if !strings.Contains(logs.String(), `level=ERROR msg="request failed"`) {
		t.Fatalf("a store failure not logged as one:\n%s", logs)
	}
}
