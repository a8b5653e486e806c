package postgres_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/postgres"
)

// logLines is a slog handler's output, safe for concurrent use.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
	// seen is signalled after every write.
	seen chan struct{}
}

func newLogLines() *logLines { return &logLines{seen: make(chan struct{}, 100)} }

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case l.seen <- struct{}{}:
	default:
	}
	return l.buf.Write(p)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logLines) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// silentListener accepts connections and never answers, as a host behind
// a dead proxy or a firewall that drops replies does.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// refusedPort is a port on 127.0.0.1 nothing listens on.
func refusedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestOpenSilentHost: a host that accepts TCP and never answers makes
// start-up give up after its attempts, each bounded by the connect
// timeout, with one line per attempt and one clear error naming the host.
func TestOpenSilentHost(t *testing.T) {
	t.Parallel()
	addr := silentListener(t)
	logs := newLogLines()
	_, err := postgres.OpenWith(context.Background(), "postgres://mock:s3cret-pw@"+addr+"/mockdb?sslmode=disable",
		postgres.Options{ConnectTimeout: 100 * time.Millisecond, ConnectAttempts: 3, Logger: logs.logger()})
	if err == nil {
		t.Fatal("Open succeeded against a host that never answers")
	}
	want := "postgres: cannot connect to " + addr + " (database mockdb) after 3 attempts: no answer within 100ms"
	if err.Error() != want {
		t.Fatalf("error %q\nwant  %q", err, want)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a line for each of the 2 attempts before the last, got:\n%s", logs)
	}
	for i, l := range lines {
		for _, part := range []string{"host=" + addr, "attempt=" + string(rune('1'+i)), "of=3", `error="no answer within 100ms"`} {
			if !strings.Contains(l, part) {
				t.Errorf("line %d lacks %s: %s", i+1, part, l)
			}
		}
	}
	if strings.Contains(logs.String()+err.Error(), "s3cret-pw") {
		t.Fatal("the password was logged")
	}
}

// TestOpenRefused: a refused connection is retried, then reported once,
// on one line, without pgx's wrapping.
func TestOpenRefused(t *testing.T) {
	t.Parallel()
	addr := refusedPort(t)
	logs := newLogLines()
	_, err := postgres.OpenWith(context.Background(), "postgres://mock@"+addr+"/mockdb?sslmode=disable",
		postgres.Options{ConnectTimeout: time.Second, ConnectAttempts: 2, Logger: logs.logger()})
	want := "postgres: cannot connect to " + addr + " (database mockdb) after 2 attempts: connection refused"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\nwant  %s", err, want)
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Fatalf("want one line for the first attempt, got:\n%s", logs)
	}
}

// TestOpenWrongDatabase: an answer waiting cannot change is not retried.
func TestOpenWrongDatabase(t *testing.T) {
	t.Parallel()
	p := pgtest.NewProxy(t, pgtest.New(t))
	p.Up()
	url := strings.Replace(p.URL(), "/test_", "/missing_", 1)
	logs := newLogLines()
	_, err := postgres.OpenWith(context.Background(), url, postgres.Options{Logger: logs.logger()})
	if err == nil || !strings.Contains(err.Error(), "SQLSTATE 3D000") || strings.Contains(err.Error(), "attempts") {
		t.Fatalf("error %v, want an at-once failure naming SQLSTATE 3D000", err)
	}
	if logs.String() != "" {
		t.Fatalf("retried: %s", logs)
	}
}

// TestOpenLateServer: start-up waits for a Postgres that comes up after
// it, and then serves.
func TestOpenLateServer(t *testing.T) {
	t.Parallel()
	p := pgtest.NewProxy(t, pgtest.New(t))
	logs := newLogLines()
	type result struct {
		s   *postgres.Store
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := postgres.OpenWith(context.Background(), p.URL(),
			postgres.Options{ConnectTimeout: time.Second, ConnectAttempts: 1000, Logger: logs.logger()})
		done <- result{s, err}
	}()
	// The server "starts" once start-up has met it down.
	for !strings.Contains(logs.String(), "attempt=2") {
		select {
		case <-logs.seen:
		case r := <-done:
			t.Fatalf("Open returned before the server was up: %v", r.err)
		}
	}
	p.Up()
	r := <-done
	if r.err != nil {
		t.Fatalf("Open: %v\n%s", r.err, logs)
	}
	defer r.s.Close()
	if host, db := r.s.Target(); host != p.Addr() || !strings.HasPrefix(db, "test_") {
		t.Fatalf("target %s %s", host, db)
	}
	if err := r.s.View(context.Background(), "late", func(store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
