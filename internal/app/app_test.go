package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/servicemobility"
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
	apptest.Start(t, apptest.Config(func(c *app.Config) { c.Logger = logs.logger() }))
	if !strings.Contains(logs.String(), "msg=store kind=memory") {
		t.Fatalf("no store line:\n%s", logs)
	}
}

// TestLogsOnlyTheDemoSecret: the published ServiceMobility demo secret is
// printed at start-up; a secret the operator chose is not.
func TestLogsOnlyTheDemoSecret(t *testing.T) {
	t.Parallel()
	demo := newLogBuffer()
	apptest.Start(t, apptest.Config(func(c *app.Config) { c.Logger = demo.logger() }))
	demo.waitFor(t, "msg=serving", nil)
	if !strings.Contains(demo.String(), "servicemobility_secret="+servicemobility.DefaultSecret) {
		t.Fatalf("the demo secret is not printed:\n%s", demo)
	}
	const own = "an-operator-secret-9f2c"
	logs := newLogBuffer()
	apptest.Start(t, apptest.Config(func(c *app.Config) { c.Logger, c.ServiceMobilitySecret = logs.logger(), own }))
	logs.waitFor(t, "msg=serving", nil)
	if strings.Contains(logs.String(), own) || strings.Contains(logs.String(), servicemobility.DefaultSecret) {
		t.Fatalf("the log shows a secret:\n%s", logs)
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
		a, err := app.New(context.Background(), apptest.Config(func(c *app.Config) {
			c.Addr = "127.0.0.1:0"
			c.DatabaseURL = url
			c.Logger = logs.logger()
			c.DatabaseConnectTimeout = time.Second
			c.DatabaseConnectAttempts = 1000
		}))
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

// TestPostgresOutage: while Postgres is down the background loops back off
// and each says so once per interval, not once per pass; calls answered
// while it was down are journaled once it is back.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	p := pgtest.NewProxy(t, pgtest.New(t))
	p.Up()
	logs := newLogBuffer()
	a := apptest.Start(t, apptest.Config(func(c *app.Config) {
		c.DatabaseURL = p.URL()
		c.Logger = logs.logger()
		c.DatabaseConnectTimeout = time.Second
		c.WebhookPoll = 5 * time.Millisecond
		c.SupplierAutoConfirm = time.Millisecond
		c.TenantIdle = time.Hour
	}))
	get := func(path string) int {
		req, _ := http.NewRequest(http.MethodPost, a.URL()+path, strings.NewReader(`{}`))
		req.Header.Set("x-mock-tenant", "outage")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
		req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("/api/2026-01/businesses.list"); code != http.StatusOK {
		t.Fatalf("before the outage: %d", code)
	}
	before := len(logs.String())
	p.Down()
	// Two seconds down: at a 5 ms poll, an unthrottled dispatcher would
	// log hundreds of lines.
	for range 20 {
		if code := get("/api/2026-01/businesses.list"); code != http.StatusInternalServerError {
			t.Fatalf("while down: %d", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	during := logs.String()[before:]
	for _, msg := range []string{`msg="claim deliveries"`, `msg="supplier auto-confirm"`, `msg="journal and coverage not written yet: will retry"`} {
		if n := strings.Count(during, msg); n != 1 {
			t.Errorf("%s logged %d times in 2 s down, want once:\n%s", msg, n, during)
		}
	}
	p.Up()
	// The calls answered while down reach the journal once it is back.
	for {
		req, _ := http.NewRequest(http.MethodGet, a.URL()+"/__journal", nil)
		req.Header.Set("x-mock-tenant", "outage")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Items []struct{ Status int } }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK {
			if len(body.Items) != 21 {
				t.Fatalf("journal after the outage: %d entries, want 21", len(body.Items))
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCloseTwice: closing a server again is harmless and says what the
// first close said.
func TestCloseTwice(t *testing.T) {
	t.Parallel()
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.Logger = "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.SupplierAutoConfirm = time.Minute // one more service to stop
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first := a.Close(ctx)
	if err := a.Close(ctx); err != first {
		t.Fatalf("second close: %v, first: %v", err, first)
	}
	if first != nil {
		t.Fatalf("close: %v", first)
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// TestDefaultConfig is what the README and --help promise.
func TestDefaultConfig(t *testing.T) {
	t.Parallel()
	cfg := app.DefaultConfig()
	if cfg.Addr != ":8080" || cfg.TenantIdle != time.Hour || cfg.JournalSize != 1000 || cfg.WebhookPoll != time.Second ||
		cfg.NoSandboxRoutes || cfg.SupplierAutoConfirm != 0 || cfg.DatabaseURL != "" || len(cfg.WebhookBackoff) == 0 ||
		cfg.MCPMaxSessions != 100 || cfg.MCPSessionIdle != 30*time.Minute {
		t.Fatalf("defaults changed: %+v", cfg)
	}
}
