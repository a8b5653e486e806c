package mcpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Stdio is the transport of `mockserver mcp`: newline-delimited JSON-RPC
// read from in and written to out, as the SDK's StdioTransport, except that
// the end of in is reported only once every request read from it has been
// answered. A client that writes its requests and closes its end of the
// pipe (`printf '…' | mockserver mcp`) gets every answer: the SDK alone
// would cancel the requests still in flight when it reads the end of input,
// and answer none of them.
//
// The end of in is reported at once, unanswered requests or not, when the
// server waits for an answer from the client (which can no longer come) or
// when the transport is closed (a signal). A message over MaxRequestBytes
// ends the session, as with the SDK's own transport.
func Stdio(in io.ReadCloser, out io.Writer) mcp.Transport {
	d := &drain{changed: make(chan struct{}), closed: make(chan struct{})}
	return &mcp.IOTransport{
		Reader:        &drainReader{in: in, d: d},
		Writer:        &countWriter{out: out, d: d},
		MaxLineLength: MaxRequestBytes,
	}
}

// drain counts the calls in flight each way.
type drain struct {
	mu       sync.Mutex
	asked    int           // the client's calls read, less the answers written
	awaiting int           // the server's calls written, less the client's answers read
	changed  chan struct{} // closed and replaced when a count changes
	once     sync.Once
	closed   chan struct{}
}

func (d *drain) add(asked, awaiting int) {
	if asked == 0 && awaiting == 0 {
		return
	}
	d.mu.Lock()
	d.asked += asked
	d.awaiting += awaiting
	close(d.changed)
	d.changed = make(chan struct{})
	d.mu.Unlock()
}

// wait returns once every call the client made has its answer, the server
// waits for the client (which cannot answer any more), or the transport is
// closed.
func (d *drain) wait() {
	for {
		d.mu.Lock()
		done, changed := d.asked <= 0 || d.awaiting > 0, d.changed
		d.mu.Unlock()
		if done {
			return
		}
		select {
		case <-changed:
		case <-d.closed:
			return
		}
	}
}

// drainReader passes in through, counting the calls and answers in it, and
// holds its end back until the calls are answered.
type drainReader struct {
	in  io.ReadCloser
	d   *drain
	eof bool

	// The scanner: the top-level JSON value being read, its depth, and
	// whether the cursor is in a string (after a backslash).
	value            []byte
	over             bool // the value is longer than MaxRequestBytes: not counted
	depth            int
	inString, escape bool
}

func (r *drainReader) Read(p []byte) (int, error) {
	if r.eof {
		r.d.wait()
		return 0, io.EOF
	}
	n, err := r.in.Read(p)
	r.scan(p[:n])
	if err == io.EOF {
		r.eof = true
		if n > 0 {
			// The requests in p are not read yet: the end comes with the
			// next Read, once they are answered.
			return n, nil
		}
		r.d.wait()
	}
	return n, err
}

func (r *drainReader) Close() error {
	r.d.once.Do(func() { close(r.d.closed) })
	return r.in.Close()
}

// scan follows the bytes through top-level JSON values, counting each
// whole one.
func (r *drainReader) scan(b []byte) {
	for _, c := range b {
		if r.depth == 0 && c != '{' && c != '[' {
			continue // between values (or a bare scalar, which ends the session)
		}
		switch {
		case r.inString:
			switch {
			case r.escape:
				r.escape = false
			case c == '\\':
				r.escape = true
			case c == '"':
				r.inString = false
			}
		case c == '"':
			r.inString = true
		case c == '{' || c == '[':
			r.depth++
		case c == '}' || c == ']':
			r.depth--
		}
		if !r.over {
			if len(r.value) < MaxRequestBytes {
				r.value = append(r.value, c)
			} else {
				r.over = true
			}
		}
		if r.depth == 0 {
			if !r.over {
				asked, answered := count(r.value)
				r.d.add(asked, -answered)
			}
			r.value, r.over = r.value[:0], false
		}
	}
}

// countWriter writes to out and counts the answers and calls written (the
// SDK writes one message, or one batch, a Write).
type countWriter struct {
	out io.Writer
	d   *drain
}

func (w *countWriter) Write(p []byte) (int, error) {
	n, err := w.out.Write(p)
	// An answer that could not be written is given up all the same.
	calls, answers := count(bytes.TrimSpace(p))
	w.d.add(-answers, calls)
	return n, err
}

func (w *countWriter) Close() error { return nil }

// count reads a JSON-RPC message or batch: how many calls (requests with an
// id) and answers (responses) it holds. Notifications and what does not
// parse count for nothing.
func count(b []byte) (calls, answers int) {
	type message struct {
		Method string          `json:"method"`
		ID     json.RawMessage `json:"id"`
	}
	var msgs []message
	if len(b) > 0 && b[0] == '[' {
		if json.Unmarshal(b, &msgs) != nil {
			return 0, 0
		}
	} else {
		var m message
		if json.Unmarshal(b, &m) != nil {
			return 0, 0
		}
		msgs = []message{m}
	}
	for _, m := range msgs {
		switch {
		case m.Method == "":
			answers++
		case len(m.ID) > 0 && string(m.ID) != "null":
			calls++
		}
	}
	return calls, answers
}
