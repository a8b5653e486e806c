package dashboard

import (
	"bytes"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/partifact/mockserver/internal/httpapi"
)

// A world's page stays current over server-sent events: its stream renders
// the page's live part every Poll and, when the bytes changed, sends them
// as a "world" event whose id is their version, which the script puts in
// place. An unchanged world sends a comment every Heartbeat. A browser
// that reconnects says the last version it got (Last-Event-ID), so it is
// sent nothing it has. Streams are capped, in all and per world.

// streams counts the open streams.
type streams struct {
	mu       sync.Mutex
	max      int
	perWorld int
	total    int
	open     map[string]int
}

// acquire takes a stream slot of the world; false when the caps are met.
func (s *streams) acquire(tenant string) (release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total >= s.max || s.open[tenant] >= s.perWorld {
		return nil, false
	}
	s.total++
	s.open[tenant]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.total--
		if s.open[tenant]--; s.open[tenant] == 0 {
			delete(s.open, tenant)
		}
	}, true
}

func (d *Dashboard) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tenant, err := pageTenant(r, q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f, err := d.filterOf(q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	release, ok := d.streams.acquire(tenant)
	if !ok {
		w.Header().Set("Retry-After", "10")
		http.Error(w, "too many live pages are open; this one updates when it is reloaded", http.StatusServiceUnavailable)
		return
	}
	defer release()

	// The server's read and write deadlines are for whole requests and
	// answers; a stream lives longer. Each write gets its own deadline
	// instead, so a client that stops reading is let go.
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return
	}
	send := func(b []byte) error {
		if err := rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy must pass events on at once
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return // the stream's headers, and no stream
	}
	if send([]byte("retry: 3000\n\n")) != nil {
		return
	}

	csrf := ""
	if c, err := r.Cookie(csrfCookie); err == nil && csrfPattern.MatchString(c.Value) {
		csrf = c.Value // the page's own token, so its forms keep working
	}
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = q.Get("v")
	}
	check := func() error {
		live, _, err := d.live(r.Context(), tenant, f, csrf)
		if err != nil {
			if r.Context().Err() == nil {
				httpapi.Logger(r).Warn("dashboard stream", "error", err)
			}
			return nil // the next poll tries again
		}
		v := version(live)
		if v == last {
			return nil
		}
		last = v
		return send(event("world", v, live))
	}

	poll := time.NewTicker(d.cfg.Poll)
	defer poll.Stop()
	beat := time.NewTicker(d.cfg.Heartbeat)
	defer beat.Stop()
	end := time.NewTimer(d.cfg.StreamLifetime)
	defer end.Stop()
	if check() != nil {
		return
	}
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-d.closing:
			return
		case <-end.C:
			return // the browser reconnects at once
		case <-poll.C:
			err = check()
		case <-beat.C:
			err = send([]byte(": heartbeat\n\n"))
		}
		if err != nil {
			return
		}
	}
}

// event frames data as one server-sent event: every line of it a data
// line, whatever ends it (CR, LF or both, as the format reads them).
func event(name, id string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("event: " + name + "\nid: " + id + "\n")
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		b.WriteString("data: ")
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return b.Bytes()
}
