package app

import (
	"net/http"
	"time"
)

// DefaultWriteTimeout bounds how long writing one answer may take, from its
// first byte: a client that stops reading holds its goroutine and its answer
// this long at most. The time a handler takes before it answers (an
// injected latency, the webhook probe) does not count.
const DefaultWriteTimeout = 60 * time.Second

// How long a client may take to send a request: its headers, and the
// whole request with its body (1 MiB at most); and how long a keep-alive
// connection may wait for its next request. A client that sends slowly
// or holds connections open holds a goroutine this long at most.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
)

// writeDeadline gives every answer a write deadline: set when the request
// comes in (for what the server writes itself, such as 100 Continue) and
// again when the handler starts its answer. It is a deadline per answer,
// not the server's WriteTimeout, so that a route that streams (server-sent
// events) can lift it: http.NewResponseController(w).SetWriteDeadline with
// a zero time, which reaches deadlineWriter.SetWriteDeadline first, so the
// answer's first write does not set it again.
//
// An answer started within rearmAfter of the request keeps the deadline
// set at its arrival, which ends at most that much earlier: most answers
// take microseconds, and setting a deadline costs a timer each time.
func writeDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		dw := &deadlineWriter{ResponseWriter: w, d: d, since: now}
		_ = setWriteDeadline(w, now.Add(d))
		next.ServeHTTP(dw, r)
	})
}

// rearmAfter: an answer started later than this after its request gets a
// deadline of its own.
const rearmAfter = time.Second

type deadlineWriter struct {
	http.ResponseWriter
	d     time.Duration
	since time.Time // when the arrival's deadline was set
	armed bool      // the answer's deadline is set, by us or by the handler
}

func (w *deadlineWriter) arm() {
	if !w.armed {
		w.armed = true
		if now := time.Now(); now.Sub(w.since) > rearmAfter {
			_ = setWriteDeadline(w.ResponseWriter, now.Add(w.d))
		}
	}
}

func (w *deadlineWriter) WriteHeader(code int) {
	if code >= 200 {
		w.arm()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *deadlineWriter) Write(b []byte) (int, error) {
	w.arm()
	return w.ResponseWriter.Write(b)
}

// SetWriteDeadline is the handler taking the deadline over (zero: none).
func (w *deadlineWriter) SetWriteDeadline(t time.Time) error {
	w.armed = true
	return setWriteDeadline(w.ResponseWriter, t)
}

// setWriteDeadline is http.ResponseController's SetWriteDeadline, without
// making a controller when w has the method itself (net/http's own writer
// does).
func setWriteDeadline(w http.ResponseWriter, t time.Time) error {
	if d, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		return d.SetWriteDeadline(t)
	}
	return http.NewResponseController(w).SetWriteDeadline(t)
}

// Unwrap lets http.ResponseController reach the connection (Flush, the
// read deadline).
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
