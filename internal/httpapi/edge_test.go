package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/version"
)

// The edge is tested with an API of its own, so that nothing here leans on
// a real module: a document, a route table and an error family that
// answers {"oops":<what>} with the edge's suggested status.

const testDoc = `{
  "openapi": "3.1.0",
  "info": {"title": "test", "version": "1"},
  "paths": {
    "/test/echo": {"post": {"operationId": "echo",
      "requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "required": ["n"],
        "properties": {"n": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "integer"}}}}}}},
      "responses": {"200": {"description": "ok"}}}},
    "/test/boom": {"post": {"operationId": "boom", "responses": {"200": {"description": "ok"}}}},
    "/test/items/{id}": {"get": {"operationId": "items.get",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "ok"}}}}
  }
}`

type oops struct{}

func (oops) Render(op string, err error) httpapi.Answer {
	status, what := http.StatusInternalServerError, "internal"
	var ref *httpapi.Refusal
	switch {
	case errors.As(err, &ref):
		status, what = ref.Status, fmt.Sprintf("refused %d", ref.Status)
		if ref.Total > 0 {
			what += fmt.Sprintf(" %d problems, %d listed", ref.Total, len(ref.Problems))
		}
	case errors.Is(err, store.ErrNotFound):
		status, what = http.StatusNotFound, "not found"
	}
	b, _ := json.Marshal(map[string]string{"oops": what, "op": op})
	return httpapi.Answer{Status: status, Variant: what, Body: b}
}
func (oops) Variants(string) []string                { return nil }
func (oops) ResolveFault(string, *store.Fault) error { return nil }

// elsewhere is the family of paths outside every prefix.
type elsewhere struct{ oops }

func (elsewhere) Render(string, error) httpapi.Answer {
	return httpapi.Answer{Status: http.StatusNotFound, Variant: "elsewhere", Body: []byte(`{"elsewhere":true}`)}
}

type recorded struct{ outcomes []*httpapi.Outcome }

func (r *recorded) Observe(o *httpapi.Outcome) { r.outcomes = append(r.outcomes, o) }

type unreachable struct{ *memory.Store }

func (unreachable) Ping(context.Context) error { return errors.New("connection refused") }

func newEdge(t *testing.T, st store.Store, obs httpapi.Observer) *httptest.Server {
	return newEdgeLogging(t, st, obs, io.Discard)
}

func newEdgeLogging(t *testing.T, st store.Store, obs httpapi.Observer, logs io.Writer) *httptest.Server {
	t.Helper()
	doc, err := spec.ParseData("test.json", []byte(testDoc))
	if err != nil {
		t.Fatal(err)
	}
	m := &httpapi.Module{
		Name: "test", Prefix: "/test/", Doc: doc, Errors: oops{},
		Routes: []httpapi.Route{
			{Op: "echo", Verb: http.MethodPost, Path: "echo", Handle: func(c *httpapi.Call) (any, error) {
				return json.RawMessage(c.Body), nil
			}},
			{Op: "boom", Verb: http.MethodPost, Path: "boom", Tx: httpapi.TxUpdate, Handle: func(c *httpapi.Call) (any, error) {
				panic("boom")
			}},
			{Op: "items.get", Verb: http.MethodGet, Path: "items/{id}", Handle: func(c *httpapi.Call) (any, error) {
				if c.Param("id") == "none" {
					return nil, store.ErrNotFound
				}
				return httpapi.Raw{Status: http.StatusOK, ContentType: "text/plain", Body: []byte("item " + c.Param("id"))}, nil
			}},
		},
	}
	var obsList []httpapi.Observer
	if obs != nil {
		obsList = append(obsList, obs)
	}
	h, err := httpapi.New(httpapi.Config{Store: st, Modules: []*httpapi.Module{m}, Observers: obsList, Fallback: elsewhere{},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, verb, url, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(verb, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestEdgeAnswersInTheModulesShape: whatever goes wrong, a path under the
// module's prefix is answered by the module's family, and what works is
// written as the handler returned it.
func TestEdgeAnswersInTheModulesShape(t *testing.T) {
	t.Parallel()
	rec := &recorded{}
	srv := newEdge(t, memory.New(), rec)
	deep := strings.Repeat("[", httpapi.MaxDepth+1) + strings.Repeat("]", httpapi.MaxDepth+1)
	many := `{"n":1,"tags":[` + strings.TrimSuffix(strings.Repeat(`"x",`, 100), ",") + `]}`
	cases := []struct {
		name, verb, path, body string
		header                 []string
		status                 int
		want                   string
	}{
		{"Echo", "POST", "/test/echo", `{"n":1,"s":"a&b"}`, nil, 200, `{"n":1,"s":"a&b"}`},
		{"EmptyBodyIsAnObject", "POST", "/test/echo", ``, nil, 400, `{"oops":"refused 400 1 problems, 1 listed","op":"echo"}`},
		{"Schema", "POST", "/test/echo", `{"n":"one"}`, nil, 400, `{"oops":"refused 400 1 problems, 1 listed","op":"echo"}`},
		{"ProblemsAreCapped", "POST", "/test/echo", many, nil, 400, fmt.Sprintf(`{"oops":"refused 400 100 problems, %d listed","op":"echo"}`, httpapi.MaxProblems)},
		{"Malformed", "POST", "/test/echo", `{"n":`, nil, 400, `{"oops":"refused 400","op":"echo"}`},
		{"TooDeep", "POST", "/test/echo", deep, nil, 400, `{"oops":"refused 400","op":"echo"}`},
		{"NUL", "POST", "/test/echo", `{"n":1,"x":"a\u0000"}`, nil, 400, `{"oops":"refused 400 1 problems, 1 listed","op":"echo"}`},
		{"EscapedBackslashIsNoNUL", "POST", "/test/echo", `{"n":1,"x":"a\\u0000"}`, nil, 200, `{"n":1,"x":"a\\u0000"}`},
		{"ContentType", "POST", "/test/echo", `{"n":1}`, []string{"Content-Type", "text/plain"}, 415, `{"oops":"refused 415","op":"echo"}`},
		{"TooLarge", "POST", "/test/echo", `{"n":1,"x":"` + strings.Repeat("a", httpapi.MaxBody) + `"}`, nil, 413, `{"oops":"refused 413","op":"echo"}`},
		{"Panic", "POST", "/test/boom", ``, nil, 500, `{"oops":"refused 500","op":"boom"}`},
		{"UnknownPath", "POST", "/test/nope", `{}`, nil, 404, `{"oops":"refused 404","op":""}`},
		{"PrefixWithoutSlash", "GET", "/test", ``, nil, 404, `{"oops":"refused 404","op":""}`},
		{"WrongVerb", "GET", "/test/echo", ``, nil, 405, `{"oops":"refused 405","op":"echo"}`},
		{"UnknownVerb", "FOO", "/test/echo", ``, nil, 405, `{"oops":"refused 405","op":"echo"}`},
		{"UnknownVerbUnknownPath", "FOO", "/test/nope", ``, nil, 404, `{"oops":"refused 404","op":""}`},
		{"UnknownVerbOutsideEveryPrefix", "FOO", "/elsewhere", ``, nil, 404, `{"elsewhere":true}`},
		{"Tenant", "POST", "/test/echo", `{"n":1}`, []string{"x-mock-tenant", "Bad Name"}, 400, `{"oops":"refused 400","op":"echo"}`},
		{"TwoTenants", "POST", "/test/echo", `{"n":1}`, []string{"x-mock-tenant", "a", "x-partifact-tenant", "b"}, 400, `{"oops":"refused 400","op":"echo"}`},
		{"SameTenantTwice", "POST", "/test/echo", `{"n":1}`, []string{"x-mock-tenant", "a", "x-partifact-tenant", "a"}, 200, `{"n":1}`},
		{"Raw", "GET", "/test/items/7", ``, nil, 200, `item 7`},
		{"StoreError", "GET", "/test/items/none", ``, nil, 404, `{"oops":"not found","op":"items.get"}`},
		{"OutsideEveryPrefix", "GET", "/elsewhere", ``, nil, 404, `{"elsewhere":true}`},
		{"ShareAPrefixsStart", "GET", "/testing", ``, nil, 404, `{"elsewhere":true}`},
	}
	for _, c := range cases {
		status, h, body := do(t, c.verb, srv.URL+c.path, c.body, c.header...)
		if status != c.status || body != c.want {
			t.Errorf("%s: got %d %s, want %d %s", c.name, status, body, c.status, c.want)
		}
		if c.status == 405 && h.Get("Allow") == "" {
			t.Errorf("%s: 405 without Allow", c.name)
		}
	}
	// The server still serves after the panic, and observers saw each
	// routed call with its operation and variant.
	if status, _, _ := do(t, "POST", srv.URL+"/test/echo", `{"n":2}`); status != 200 {
		t.Fatalf("after a panic: %d", status)
	}
	var panicked, unknown bool
	for _, o := range rec.outcomes {
		panicked = panicked || (o.Op == "boom" && o.Status == 500)
		unknown = unknown || (o.Op == "" && o.Name == "nope" && o.Status == 404)
	}
	if !panicked || !unknown {
		t.Errorf("observers missed the panic (%v) or the unknown path (%v)", panicked, unknown)
	}
}

// TestPanicInUpdateKeepsTheWorld: a handler panicking inside a write
// transaction answers 500, and its transaction leaves nothing behind.
func TestPanicInUpdateKeepsTheWorld(t *testing.T) {
	t.Parallel()
	st := memory.New()
	srv := newEdge(t, st, nil)
	for range 3 {
		if status, _, _ := do(t, "POST", srv.URL+"/test/boom", ""); status != 500 {
			t.Fatalf("panic answered %d", status)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5e9)
	defer cancel()
	if err := st.ResetTenant(ctx, store.SharedTenant); err != nil {
		t.Fatalf("reset after panics: %v", err)
	}
}

func TestReadyzUnreachableStore(t *testing.T) {
	t.Parallel()
	srv := newEdge(t, unreachable{memory.New()}, nil)
	if status, _, _ := do(t, "GET", srv.URL+"/readyz", ""); status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the store down: %d", status)
	}
	// /healthz says the process is up, whatever the store, and which build it is.
	status, _, body := do(t, "GET", srv.URL+"/healthz", "")
	var health struct {
		Status string       `json:"status"`
		Build  version.Info `json:"build"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &health) != nil || health.Status != "ok" || health.Build != version.Get() {
		t.Fatalf("/healthz: %d %s, want the build %+v", status, body, version.Get())
	}
}

// TestNewRefusesDrift: a route without an operation, an operation without
// a route, or a route at another path than its operation's stops the
// server from starting.
func TestNewRefusesDrift(t *testing.T) {
	t.Parallel()
	doc, err := spec.ParseData("test.json", []byte(testDoc))
	if err != nil {
		t.Fatal(err)
	}
	h := func(*httpapi.Call) (any, error) { return nil, nil }
	all := []httpapi.Route{
		{Op: "echo", Verb: "POST", Path: "echo", Handle: h},
		{Op: "boom", Verb: "POST", Path: "boom", Handle: h},
		{Op: "items.get", Verb: "GET", Path: "items/{id}", Handle: h},
	}
	for name, routes := range map[string][]httpapi.Route{
		"Missing":   all[1:],
		"Extra":     append([]httpapi.Route{{Op: "delete", Verb: "POST", Path: "delete", Handle: h}}, all...),
		"WrongPath": {all[0], all[1], {Op: "items.get", Verb: "GET", Path: "item/{id}", Handle: h}},
		"WrongVerb": {all[0], all[1], {Op: "items.get", Verb: "POST", Path: "items/{id}", Handle: h}},
	} {
		m := &httpapi.Module{Name: "test", Prefix: "/test/", Doc: doc, Errors: oops{}, Routes: routes}
		if _, err := httpapi.New(httpapi.Config{Store: memory.New(), Modules: []*httpapi.Module{m}, Fallback: oops{}}); err == nil {
			t.Errorf("%s: the drift was accepted", name)
		}
	}
}

// syncBuffer is a log sink the server's goroutines may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAccessLogNamesTheTenant: the request line says which world the
// request ran in.
func TestAccessLogNamesTheTenant(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	srv := newEdgeLogging(t, memory.New(), nil, logs)
	do(t, "POST", srv.URL+"/test/echo", `{"n":1}`, "x-mock-tenant", "logged-world")
	if !strings.Contains(logs.String(), "tenant=logged-world") {
		t.Fatalf("the access log does not name the tenant: %s", logs.String())
	}
}

// down is a store whose transactions all fail, as a Postgres that went away.
type down struct{ *memory.Store }

func (down) View(context.Context, string, func(store.Tx) error) error {
	return errors.New("connection refused")
}

// TestFailuresAreLoggedOncePerInterval: while the store is down every
// request fails alike; the log says so once, not once per request.
func TestFailuresAreLoggedOncePerInterval(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	srv := newEdgeLogging(t, down{memory.New()}, nil, logs)
	for range 50 {
		if status, _, _ := do(t, "GET", srv.URL+"/test/items/7", ""); status != 500 {
			t.Fatalf("with the store down: %d", status)
		}
	}
	if n := strings.Count(logs.String(), `msg="request failed"`); n != 1 {
		t.Fatalf("request failed logged %d times for 50 failures, want once:\n%s", n, logs.String())
	}
}

func TestMarshalJSONKeepsHTMLCharacters(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a&b<c>":        `"a&b<c>"`,
		`\u0026`:        `"\\u0026"`, // a backslash and u0026, as text
		`\&`:            `"\\&"`,
		"\u2028 \x01 é": `"\u2028 \u0001 é"`,
	} {
		got, err := httpapi.MarshalJSON(in)
		if err != nil || string(got) != want {
			t.Errorf("MarshalJSON(%q) = %s %v, want %s", in, got, err, want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != in {
			t.Errorf("%s does not decode back to %q: %q %v", got, in, back, err)
		}
	}
}

// head sends HEAD path over a connection of its own and reads all the
// server sends until it closes it: the status, the headers, and whatever
// follows them (which must be nothing).
func head(t *testing.T, srvURL, path string) (int, http.Header, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srvURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "HEAD %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	top, rest, ok := bytes.Cut(all, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("HEAD %s: no end of headers in %q", path, all)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(append(top, "\r\n\r\n"...))), &http.Request{Method: http.MethodHead})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header, rest
}

// TestHeadAnswersAsGet: HEAD on a path that takes GET answers GET's status
// and headers without a body, through the pipeline (observed as a call of
// the operation) and outside it; a path without GET refuses HEAD with 405,
// and a GET path's Allow lists HEAD beside GET.
func TestHeadAnswersAsGet(t *testing.T) {
	t.Parallel()
	rec := &recorded{}
	srv := newEdge(t, memory.New(), rec)
	for _, path := range []string{"/test/items/7", "/test/items/none", "/healthz", "/readyz", "/metrics", "/test/nope", "/elsewhere"} {
		status, h, body := do(t, "GET", srv.URL+path, "")
		hStatus, hh, rest := head(t, srv.URL, path)
		if hStatus != status || hh.Get("Content-Type") != h.Get("Content-Type") || len(rest) != 0 {
			t.Errorf("HEAD %s: %d %q and %d bytes after the headers; GET: %d %q", path, hStatus, hh.Get("Content-Type"), len(rest), status, h.Get("Content-Type"))
		}
		if cl := hh.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
			t.Errorf("HEAD %s: Content-Length %s, GET's body has %d bytes", path, cl, len(body))
		}
	}
	if o := rec.outcomes[len(rec.outcomes)-1]; o.Op != "" || o.Status != 404 {
		t.Errorf("the last outcome %+v, want the unknown path", o)
	}
	var heads int
	for _, o := range rec.outcomes {
		if o.Op == "items.get" {
			heads++
		}
	}
	if heads != 4 { // GET and HEAD of each item
		t.Errorf("observers saw %d calls of items.get, want 4", heads)
	}
	_, _, m := do(t, "GET", srv.URL+"/metrics", "")
	if !strings.Contains(m, `mockserver_requests_total{api="test",method="items.get",status="200"} 2`) {
		t.Errorf("HEAD is not counted as its operation:\n%s", m)
	}

	status, h, _ := head(t, srv.URL, "/test/echo")
	if status != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" {
		t.Errorf("HEAD on a POST route: %d Allow %q", status, h.Get("Allow"))
	}
	// (The status outside every prefix is the fallback family's.)
	for _, path := range []string{"/test/items/7", "/healthz"} {
		status, h, _ := do(t, "DELETE", srv.URL+path, "")
		if (status != http.StatusMethodNotAllowed && path != "/healthz") || h.Get("Allow") != "GET, HEAD" {
			t.Errorf("DELETE %s: %d Allow %q, want 405 Allow \"GET, HEAD\"", path, status, h.Get("Allow"))
		}
	}
}

// allFives renders every error as a 500, as ServiceMobility's interface
// answers bad input.
type allFives struct{ oops }

func (allFives) Render(op string, err error) httpapi.Answer {
	return httpapi.Answer{Status: http.StatusInternalServerError, Variant: "500", Body: []byte(`{"five":true}`)}
}

type byDesign struct{}

func (byDesign) Error() string { return "the implementer gave no answer" }
func (byDesign) ByDesign()     {}

// TestOnlyServerFailuresAreLoggedAsErrors: a family may answer bad input,
// or an answer it gives by design, with a 500; neither is a failure of the
// server, and only the server's own failure is logged as one.
func TestOnlyServerFailuresAreLoggedAsErrors(t *testing.T) {
	t.Parallel()
	doc, err := spec.ParseData("test.json", []byte(testDoc))
	if err != nil {
		t.Fatal(err)
	}
	m := &httpapi.Module{Name: "test", Prefix: "/test/", Doc: doc, Errors: allFives{},
		Routes: []httpapi.Route{
			{Op: "echo", Verb: http.MethodPost, Path: "echo", Handle: func(c *httpapi.Call) (any, error) {
				return nil, byDesign{}
			}},
			{Op: "boom", Verb: http.MethodPost, Path: "boom", Handle: func(c *httpapi.Call) (any, error) {
				return nil, errors.New("a bug")
			}},
			{Op: "items.get", Verb: http.MethodGet, Path: "items/{id}", Handle: func(c *httpapi.Call) (any, error) {
				return nil, nil
			}},
		}}
	logs := &syncBuffer{}
	h, err := httpapi.New(httpapi.Config{Store: memory.New(), Modules: []*httpapi.Module{m}, Fallback: elsewhere{},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	deep := strings.Repeat("[", httpapi.MaxDepth+1) + strings.Repeat("]", httpapi.MaxDepth+1)
	for _, c := range []struct{ path, body string }{
		{"/test/echo", deep},        // refused by the edge
		{"/test/echo", `{"n":"x"}`}, // fails the schema
		{"/test/echo", `{"n":1}`},   // answered by design
	} {
		if status, _, _ := do(t, "POST", srv.URL+c.path, c.body); status != 500 {
			t.Fatalf("%s %s: %d", c.path, c.body, status)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("an answer by design was logged as a failure:\n%s", logs.String())
	}
	if status, _, _ := do(t, "POST", srv.URL+"/test/boom", ""); status != 500 {
		t.Fatalf("boom: %d", status)
	}
	if n := strings.Count(logs.String(), `level=ERROR msg="request failed"`); n != 1 {
		t.Fatalf("the server's own failure logged %d times, want once:\n%s", n, logs.String())
	}
}

// faultsUnreadable is a store whose transactions fail to read faults.
type faultsUnreadable struct{ *memory.Store }

type faultsUnreadableTx struct{ store.Tx }

func (faultsUnreadableTx) Faults(string) ([]store.Fault, error) {
	return nil, errors.New("faults unreadable")
}

func (s faultsUnreadable) View(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	return s.Store.View(ctx, tenant, func(tx store.Tx) error { return fn(faultsUnreadableTx{tx}) })
}

// TestFaultsUnreadable: a store that fails to say whether a call has a
// fault fails the call as any store failure does, without a panic.
func TestFaultsUnreadable(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	srv := newEdgeLogging(t, faultsUnreadable{memory.New()}, nil, logs)
	if status, _, body := do(t, "GET", srv.URL+"/test/items/7", ""); status != 500 {
		t.Fatalf("with faults unreadable: %d %s", status, body)
	}
	if l := logs.String(); strings.Contains(l, "panic") || !strings.Contains(l, "faults unreadable") {
		t.Fatalf("the log should name the store's failure, without a panic:\n%s", l)
	}
}
