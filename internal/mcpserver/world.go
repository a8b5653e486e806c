package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
)

// World is the world (tenant) one MCP session works in, and how its tools
// reach the mock: through the server's own HTTP handler, in-process, with
// the world's tenant header. A tool's call therefore takes the path an HTTP
// client's call takes (validation, faults, the journal, coverage, webhooks
// released after the answer), and no rule of the mock is written twice.
type World struct {
	// Name is the tenant; store.SharedTenant ("") is the shared world.
	Name string

	api   http.Handler
	store store.Store
	base  func() string
}

// Request is one in-process HTTP call.
type Request struct {
	Method string // "" is POST
	Path   string // "/api/2026-01/repairer.jobs.get", "/__reset?x=1"
	Header http.Header
	// Body is sent as JSON; nil sends none (a POST then reads as {}).
	Body any
	// Errors reads the API's error answers; nil reads the Partly and
	// sandbox shapes.
	Errors ErrorFamily
}

// Answer is what the server answered.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// MaxAnswerBytes bounds what one in-process call may answer; the largest
// answer the mock gives (openapi.json) is a fraction of it.
const MaxAnswerBytes = 8 << 20

// Do sends r to the server in the world and returns its answer, whatever
// its status.
func (w *World) Do(ctx context.Context, r Request) (Answer, error) {
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader = http.NoBody
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return Answer{}, fmt.Errorf("mcpserver: encode %s: %w", r.Path, err)
		}
		body = bytes.NewReader(b)
	}
	// The call is a request of its own: nothing of the MCP request it is
	// made for (the router's state, its request id) may leak into it, but
	// it ends when that one is canceled.
	callCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	req, err := http.NewRequestWithContext(callCtx, method, "http://mcp.internal"+r.Path, body)
	if err != nil {
		return Answer{}, fmt.Errorf("mcpserver: %s: %w", r.Path, err)
	}
	req.RemoteAddr = "127.0.0.1:0"
	// Answers that spell URLs (a freight quote's url) name the server as
	// a client reaches it, not the in-process host.
	if u, err := url.Parse(w.BaseURL()); err == nil && u.Host != "" {
		req.Host = u.Host
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if w.Name != store.SharedTenant {
		req.Header.Set(httpapi.TenantHeaders[0], w.Name)
	}
	rec := &recorder{header: http.Header{}, max: MaxAnswerBytes}
	w.api.ServeHTTP(rec, req)
	if rec.over {
		return Answer{}, fmt.Errorf("mcpserver: %s answered more than %d bytes", r.Path, MaxAnswerBytes)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return Answer{Status: rec.status, Header: rec.header, Body: rec.body.Bytes()}, nil
}

// Call sends r and decodes a 2xx answer's JSON into out (nil: ignore it);
// any other answer is a *WireError.
func (w *World) Call(ctx context.Context, r Request, out any) error {
	a, err := w.Do(ctx, r)
	if err != nil {
		return err
	}
	if a.Status < 200 || a.Status > 299 {
		return &WireError{Method: r.Method, Path: r.Path, Status: a.Status, Body: a.Body, Errors: r.Errors}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(a.Body, out); err != nil {
		return fmt.Errorf("mcpserver: decode the answer of %s: %w", r.Path, err)
	}
	return nil
}

// View runs fn in a read-only transaction of the world's store, for
// snapshots (scenario://current) that must not show in the journal or trip
// a fault.
func (w *World) View(ctx context.Context, fn func(tx store.Tx) error) error {
	return w.store.View(ctx, w.Name, fn)
}

// BaseURL is where the server listens, as a URL reachable from this
// machine ("http://127.0.0.1:8080").
func (w *World) BaseURL() string {
	if w.base == nil {
		return ""
	}
	return w.base()
}

// TenantHeader is the header an HTTP client sends to work in this world,
// or "" for the shared world.
func (w *World) TenantHeader() string {
	if w.Name == store.SharedTenant {
		return ""
	}
	return httpapi.TenantHeaders[0] + ": " + w.Name
}

// recorder is the ResponseWriter of an in-process call. It flushes (the
// edge flushes before it releases held webhooks) and keeps at most max
// bytes.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	max    int
	over   bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if r.body.Len()+len(p) > r.max {
		r.over = true
		return 0, fmt.Errorf("mcpserver: answer over %d bytes", r.max)
	}
	return r.body.Write(p)
}

func (r *recorder) Flush() {}

// WireError is an answer outside 2xx.
type WireError struct {
	Method string // "" is POST
	Path   string
	Status int
	Body   []byte
	// Errors reads Body; nil reads it with Code and Problems.
	Errors ErrorFamily
}

func (e *WireError) Error() string {
	return fmt.Sprintf("mcpserver: %s answered %d: %s", e.Path, e.Status, cut(string(e.Body), 200))
}

// Code is the error's name as the API's body gives it: the variant of a
// type-tagged body ({"type":"not_found"}), a bare string body ("not_found"),
// the reason of a webhook tool's {"ok":false,"reason":…}, or "http_<status>"
// when the body names none.
func (e *WireError) Code() string {
	var v any
	if json.Unmarshal(e.Body, &v) == nil {
		switch b := v.(type) {
		case string:
			if b != "" {
				return b
			}
		case map[string]any:
			for _, k := range []string{"type", "reason", "code"} {
				if s, ok := b[k].(string); ok && s != "" {
					return s
				}
			}
		}
	}
	return fmt.Sprintf("http_%d", e.Status)
}

// Problems are the body's errors list ({"errors":[{"path","message"}]}),
// the first MaxProblems of them.
func (e *WireError) Problems() []Problem {
	var b struct {
		Errors []Problem `json:"errors"`
	}
	if json.Unmarshal(e.Body, &b) != nil {
		return nil
	}
	return b.Errors[:min(len(b.Errors), MaxProblems)]
}

// read is what the answer says, in the API's error family.
func (e *WireError) read() ErrorReading {
	if e.Errors != nil {
		return e.Errors(e.Status, e.Body)
	}
	return ErrorReading{Code: e.Code(), Problems: e.Problems(),
		Retryable: e.Status >= 500 || e.Status == http.StatusTooManyRequests}
}

// Operation names the call: the path, less the query.
func (e *WireError) Operation() string {
	p, _, _ := strings.Cut(e.Path, "?")
	return p
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
