package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// logBuffer collects log lines and signals each write.
type logBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	seen chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{seen: make(chan struct{}, 1)} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case l.seen <- struct{}{}:
	default:
	}
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// waitFor waits until the log holds s, or fails when done says the
// waited-for thing can no longer happen.
func (l *logBuffer) waitFor(t *testing.T, s string, done <-chan error) {
	t.Helper()
	for !strings.Contains(l.String(), s) {
		select {
		case <-l.seen:
		case err := <-done:
			t.Fatalf("gave up waiting for %q: %v\n%s", s, err, l)
		}
	}
}

func TestLogsTheMemoryStore(t *testing.T) {
	t.Parallel()
	logs := newLogBuffer()
	apptest.Start(t, app.Config{Logger: logs.logger()})
	if !strings.Contains(logs.String(), "msg=store kind=memory") {
		t.Fatalf("no store line:\n%s", logs)
	}
}

// TestStartsWhenPostgresComesUpLate: the app is started against a port
// where Postgres is not up yet; it logs each attempt, connects once the
// server is there, names the server it uses (not the password) and serves.
func TestStartsWhenPostgresComesUpLate(t *testing.T) {
	t.Parallel()
	p := pgtest.NewProxy(t, pgtest.New(t))
	url := strings.Replace(p.URL(), "postgres@", "postgres:not-logged@", 1)
	logs := newLogBuffer()
	started := make(chan *app.App, 1)
	failed := make(chan error, 1)
	go func() {
		a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DatabaseURL: url, Logger: logs.logger(),
			DatabaseConnectTimeout: time.Second, DatabaseConnectAttempts: 1000})
		if err != nil {
			failed <- err
			return
		}
		started <- a
	}()
	logs.waitFor(t, "attempt=2", failed)
	p.Up()
	var a *app.App
	select {
	case a = <-started:
	case err := <-failed:
		t.Fatalf("start: %v\n%s", err, logs)
	}
	served := make(chan error, 1)
	go func() { served <- a.Run() }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Error(err)
		}
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	resp, err := http.Get(a.URL() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %d", resp.StatusCode)
	}
	out := logs.String()
	if !strings.Contains(out, "msg=store kind=postgres host="+p.Addr()+" database=test_") {
		t.Fatalf("no store line naming the server:\n%s", out)
	}
	if strings.Contains(out, "not-logged") {
		t.Fatalf("the password was logged:\n%s", out)
	}
}
