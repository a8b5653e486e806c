package app_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/seed"
)

// TestClientThatNeverReads: a client that asks for a large answer and never
// reads it does not hold the answer for ever: past the write timeout the
// server gives up on it, and the client, reading at last, gets less.
func TestClientThatNeverReads(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.WriteTimeout = timeout }))
	// A large answer: the journal of 1,000 calls with 16 KiB bodies, as
	// much of it as one answer holds (controls.MaxJournalAnswer).
	body := `{"pad":"` + strings.Repeat("x", 16<<10) + `"}`
	calls := make(chan struct{})
	go func() {
		for range 1000 {
			calls <- struct{}{}
		}
		close(calls)
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range calls {
				req, _ := http.NewRequest(http.MethodPost, a.URL()+"/api/2026-01/businesses.list", strings.NewReader(body))
				req.Header.Set("x-mock-tenant", "slow-reader")
				req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
				req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	journal := func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, a.URL()+"/__journal", nil)
		req.Header.Set("x-mock-tenant", "slow-reader")
		return req
	}
	resp, err := http.DefaultClient.Do(journal())
	if err != nil {
		t.Fatal(err)
	}
	full, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || full < 4<<20 {
		t.Fatalf("a reading client got %d bytes (%v), want the journal's megabytes", full, err)
	}

	// The same request from a client with a small receive buffer that
	// reads nothing until well past the timeout.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(a.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := journal().Write(conn); err != nil {
		t.Fatal(err)
	}
	// Its first byte says the answer is being written, so its deadline is
	// set; then the client reads nothing until well past it.
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * timeout)
	rest, _ := io.Copy(io.Discard, conn)
	got := 1 + rest
	if got >= full {
		t.Fatalf("the client that did not read got the whole answer (%d of %d bytes): the server held it", got, full)
	}
}

// TestSlowClients: a client that sends its headers slowly, one that sends
// a body it never finishes, and an idle keep-alive connection are each let
// go once their bound has passed (lowered here): the server closes the
// connection.
func TestSlowClients(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Config(func(c *app.Config) {
		c.ReadHeaderTimeout, c.ReadTimeout, c.IdleTimeout = 200*time.Millisecond, 400*time.Millisecond, 300*time.Millisecond
	}))
	addr := strings.TrimPrefix(a.URL(), "http://")
	for _, c := range []struct{ name, send string }{
		{"HeadersNeverEnd", "POST /api/2026-01/businesses.list HTTP/1.1\r\nHost: x\r\n"},
		{"BodyNeverEnds", "POST /api/2026-01/businesses.list HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":"},
		{"IdleKeepAlive", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, c.send); err != nil {
				t.Fatal(err)
			}
			// Whatever the server answers, it ends the connection. The
			// deadline is far past the lowered bounds and well short of
			// the defaults (10 s, 30 s, 2 min), which would fail the test.
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.Copy(io.Discard, conn); err != nil {
				t.Fatalf("the server kept the connection: %v", err)
			}
		})
	}
}
