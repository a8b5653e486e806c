package dashboard

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
)

func TestAcceptsHTML(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		want   bool
	}{
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, true}, // Chromium, Firefox
		{[]string{"application/xhtml+xml"}, true},
		{[]string{"application/json", "text/html; q=0.5"}, true},
		{nil, false},
		{[]string{"*/*"}, false}, // curl
		{[]string{"application/json"}, false},
		{[]string{"text/html;q=0"}, false},
		{[]string{"text/*"}, false},
		{[]string{"text/html;q=nonsense", "\x00"}, false},
	} {
		if got := acceptsHTML(tc.accept); got != tc.want {
			t.Errorf("Accept %q: %v, want %v", tc.accept, got, tc.want)
		}
	}
}

func TestEventFraming(t *testing.T) {
	got := string(event("world", "v1", []byte("<p>a</p>\r\n<p>b\rc</p>\n")))
	want := "event: world\nid: v1\ndata: <p>a</p>\ndata: <p>b\ndata: c</p>\ndata: \n\n"
	if got != want {
		t.Fatalf("event:\n%q\nwant\n%q", got, want)
	}
}

// serve runs the dashboard, with a memory store and the stream settings
// of cfg, on an HTTP server whose whole-request and whole-answer deadlines
// are far shorter than a stream lives.
func serve(t *testing.T, cfg Config) (string, *Dashboard, store.Store) {
	t.Helper()
	st := memory.New()
	cfg.Store = st
	cfg.Sandbox = http.NotFoundHandler()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(middleware.GetHead) // as the edge serves HEAD
	if err := d.Mount(r); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: r, ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond}
	srv.RegisterOnShutdown(d.Shutdown)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), d, st
}

// stream is an open event stream.
type stream struct {
	resp  *http.Response
	lines *bufio.Reader
}

func openStream(t *testing.T, base, query string, header http.Header) (*stream, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/ui/events?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, resp.StatusCode
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	return &stream{resp: resp, lines: bufio.NewReader(resp.Body)}, resp.StatusCode
}

// next reads the next event or comment: its name ("" for a comment), id
// and data.
func (s *stream) next(t *testing.T) (name, id, data string) {
	t.Helper()
	var datas []string
	for {
		line, err := s.lines.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if name != "" || datas != nil {
				return name, id, strings.Join(datas, "\n")
			}
		case strings.HasPrefix(line, ":"):
			return "", "", line
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			datas = append(datas, strings.TrimPrefix(line, "data: "))
		case strings.HasPrefix(line, "retry: "):
		default:
			t.Fatalf("not a line of the format: %q", line)
		}
	}
}

// ended waits for the stream to end, as a browser sees it.
func (s *stream) ended(t *testing.T) {
	t.Helper()
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, s.resp.Body); done <- err }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("the stream broke instead of ending: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end")
	}
}

// TestStreamOutlivesServerDeadlines: a stream lifts the server's read and
// write deadlines (100 ms here) and stays open, beating, far past them;
// it sends its world at once, then nothing until the world changes.
func TestStreamOutlivesServerDeadlines(t *testing.T) {
	t.Parallel()
	base, _, st := serve(t, Config{Poll: 10 * time.Millisecond, Heartbeat: 20 * time.Millisecond})
	s, status := openStream(t, base, "tenant=deadlines", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	name, first, data := s.next(t)
	if name != "world" || first == "" || !strings.Contains(data, `<section class="panel" id="webhooks">`) {
		t.Fatalf("first event %q %q: %.200s", name, first, data)
	}
	// Beats for longer than five times the server's deadlines, and no
	// world event while the world stays as it was.
	deadline := time.Now().Add(500 * time.Millisecond)
	beats := 0
	for time.Now().Before(deadline) {
		name, _, data := s.next(t)
		if name != "" {
			t.Fatalf("an unchanged world was sent again: %s %.100s", name, data)
		}
		beats++
	}
	if beats < 2 {
		t.Fatalf("%d heartbeats", beats)
	}
	if err := st.Update(context.Background(), "deadlines", func(tx store.Tx) error { return tx.SetClockOffset(time.Hour) }); err != nil {
		t.Fatal(err)
	}
	for {
		name, id, data := s.next(t)
		if name == "" {
			continue
		}
		if name != "world" || id == first || !strings.Contains(data, "1h0m0s ahead") {
			t.Fatalf("after the clock moved: %s %s %.300s", name, id, data)
		}
		break
	}
}

// TestStreamResumes: a stream reopened with the last version it sent
// (Last-Event-ID, as browsers reconnect) sends only what changed since.
func TestStreamResumes(t *testing.T) {
	t.Parallel()
	base, _, _ := serve(t, Config{Poll: 10 * time.Millisecond, Heartbeat: 10 * time.Millisecond})
	s, _ := openStream(t, base, "tenant=resume", nil)
	_, id, _ := s.next(t)
	again, _ := openStream(t, base, "tenant=resume", http.Header{"Last-Event-Id": {id}})
	if name, _, data := again.next(t); name != "" {
		t.Fatalf("a reconnect was sent what it had: %s %.100s", name, data)
	}
	// The page's own version works the same way before any event.
	page, _ := openStream(t, base, "tenant=resume&v="+id, nil)
	if name, _, data := page.next(t); name != "" {
		t.Fatalf("a page was sent what it has: %s %.100s", name, data)
	}
}

func TestStreamCaps(t *testing.T) {
	t.Parallel()
	base, _, _ := serve(t, Config{MaxStreams: 2, MaxStreamsPerWorld: 1, Heartbeat: time.Hour})
	a, status := openStream(t, base, "tenant=cap-a", nil)
	if status != http.StatusOK {
		t.Fatalf("first stream: %d", status)
	}
	a.next(t)
	if _, status := openStream(t, base, "tenant=cap-a", nil); status != http.StatusServiceUnavailable {
		t.Fatalf("a second stream of one world: %d, want 503", status)
	}
	b, status := openStream(t, base, "tenant=cap-b", nil)
	if status != http.StatusOK {
		t.Fatalf("another world's stream: %d", status)
	}
	b.next(t)
	if _, status := openStream(t, base, "tenant=cap-c", nil); status != http.StatusServiceUnavailable {
		t.Fatalf("a stream beyond the cap: %d, want 503", status)
	}
	// A stream that ends gives its slot back.
	b.resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, status := openStream(t, base, "tenant=cap-c", nil); status == http.StatusOK {
			c.next(t)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the slot of a closed stream was never freed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStreamEnds(t *testing.T) {
	t.Parallel()
	t.Run("lifetime", func(t *testing.T) {
		t.Parallel()
		base, _, _ := serve(t, Config{StreamLifetime: 50 * time.Millisecond, Heartbeat: time.Hour})
		s, _ := openStream(t, base, "tenant=lifetime", nil)
		s.next(t)
		s.ended(t)
	})
	t.Run("shutdown", func(t *testing.T) {
		t.Parallel()
		base, d, _ := serve(t, Config{Heartbeat: time.Hour})
		s, _ := openStream(t, base, "tenant=shutdown", nil)
		s.next(t)
		d.Shutdown()
		s.ended(t)
	})
}

// TestStreamHead: HEAD answers the stream's headers and ends, giving its
// slot back at once.
func TestStreamHead(t *testing.T) {
	t.Parallel()
	base, _, _ := serve(t, Config{MaxStreams: 1, Heartbeat: time.Hour})
	// A connection each, so that a HEAD that kept streaming could not
	// hold up the next request behind it, and would be seen taking the
	// slot instead.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range 2 {
		resp, err := client.Head(base + "/ui/events?tenant=head")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("HEAD: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	s, status := openStream(t, base, "tenant=head", nil)
	if status != http.StatusOK {
		t.Fatalf("a stream after HEAD: %d, want its slot given back", status)
	}
	s.next(t)
}

// TestStreamRefusesBadInput: a world's stream answers a bad world or
// filter 400, before taking a slot.
func TestStreamRefusesBadInput(t *testing.T) {
	t.Parallel()
	base, _, _ := serve(t, Config{MaxStreams: 1})
	for _, q := range []string{"tenant=NOT_A_NAME", "tenant=a&tenant=b", "method=nope", "status=99", "status=x"} {
		if _, status := openStream(t, base, q, nil); status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, status)
		}
	}
	if s, status := openStream(t, base, "", nil); status != http.StatusOK {
		t.Fatalf("the shared world's stream: %d", status)
	} else {
		s.next(t)
	}
}

// htmlSection shows what a request could have put in a world, unescaped.
type htmlSection struct{}

const payload = `<script>alert(1)</script><img src=x onerror="alert(2)">"'&`

func (htmlSection) Title() string { return "Hostile " + payload }
func (htmlSection) Read(context.Context, store.Tx) ([]Table, error) {
	return []Table{{Title: payload, Note: payload, Columns: []string{payload},
		Rows: []Row{{ID: payload, Cells: []Cell{Text(payload), Code(payload), Badge(payload), Num(payload), Body(payload)},
			Details: []Table{{Title: payload, Empty: payload}}, DetailsLabel: payload,
			Actions: []Action{{Label: payload, Verb: "POST", Path: "/__" + payload, Confirm: payload}, Post(payload, payload)}}}}}, nil
}

// TestLiveEscapes: whatever a section shows, and whatever a job holds, is
// text on the page, never markup.
func TestLiveEscapes(t *testing.T) {
	t.Parallel()
	st := memory.New()
	d, err := New(Config{Store: st, Sections: []Section{Partly(), htmlSection{}}, Sandbox: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), "hostile", func(tx store.Tx) error {
		j := seed.New().Jobs[0]
		j.ClaimNumber, j.JobNumber = new(payload), new(payload)
		return tx.UpdateJob(j)
	})
	if err != nil {
		t.Fatal(err)
	}
	live, _, err := d.live(context.Background(), "hostile", journalFilter{}, "0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	page := string(live)
	for _, raw := range []string{"<script", "<img", `onerror="`} {
		if strings.Contains(page, raw) {
			i := strings.Index(page, raw)
			t.Fatalf("%q reached the page unescaped: …%s…", raw, page[max(i-80, 0):min(i+80, len(page))])
		}
	}
	if n := strings.Count(page, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 10 {
		t.Fatalf("the payload is shown escaped %d times, want it in every place it was put", n)
	}
}
