package app

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestStreamingRouteLiftsTheDeadline: a handler that streams takes the
// deadline over through http.ResponseController, and the answer's first
// write does not set it again.
func TestStreamingRouteLiftsTheDeadline(t *testing.T) {
	t.Parallel()
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
			t.Error(err)
		}
		for range 3 {
			_, _ = w.Write([]byte("data: tick\n\n"))
			_ = http.NewResponseController(w).Flush()
			time.Sleep(300 * time.Millisecond) // past the 100 ms timeout in all
		}
	})
	srv := &http.Server{Handler: writeDeadline(stream, 100*time.Millisecond)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || strings.Count(string(b), "tick") != 3 {
		t.Fatalf("stream: %q %v", b, err)
	}
}
