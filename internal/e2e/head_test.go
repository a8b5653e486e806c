package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/seed"
)

// rawHead sends HEAD path with header over a connection of its own and
// reads all the server sends until it closes: the status, the headers,
// and what follows them, which must be nothing.
func rawHead(t *testing.T, base, path string, header http.Header) (int, http.Header, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var req bytes.Buffer
	fmt.Fprintf(&req, "HEAD %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", path, strings.TrimPrefix(base, "http://"))
	_ = header.Write(&req)
	req.WriteString("\r\n")
	if _, err := conn.Write(req.Bytes()); err != nil {
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

// TestHeadOnEveryGetRoute: every path that takes GET (the APIs' GET
// operations, the sandbox's, health, metrics, the documents and the
// dashboard) answers HEAD with GET's status and headers and no body; a
// path that does not take GET refuses HEAD with 405, and the Allow of a
// GET path lists HEAD beside GET.
func TestHeadOnEveryGetRoute(t *testing.T) {
	t.Parallel()
	a := startApp(t, app.DefaultConfig())
	base := a.URL()
	const tenant = "head"
	token := "?api_token=" + seed.PartageDemoToken
	json := http.Header{"Accept": {"application/json"}, "X-Mock-Tenant": {tenant}}
	html := http.Header{"Accept": {"text/html"}}

	// A booked load, for its view and bill of lading.
	status, _, b, err := ptRaw(t, base, tenant, "quotes.create", "POST", "/partage/api/quotes", nil, []byte(`{"api_token":"`+seed.PartageDemoToken+`",
		"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
		"origin_address":{"name":"Lakeshore Parts DC","address_one":"2250 W Carroll Ave","phone":"312-555-0148","postal_code":"60612"},
		"destination_address":{"name":"Capital Region Collision","address_one":"14 Maple Ave","phone":"518-555-0100","postal_code":"12186"},
		"commodity":"Auto parts","value":12500,"pieces":40}}`))
	if status != 200 || err != nil {
		t.Fatalf("quote: %d %s %v", status, b, err)
	}
	number := between(string(b), `"number":"`, `"`)
	if status, _, b, err := ptRaw(t, base, tenant, "quotes.book", "POST", "/partage/api/quotes/"+number+"/book", nil,
		[]byte(`{"api_token":"`+seed.PartageDemoToken+`","mode":"truckload"}`)); status != 200 || err != nil {
		t.Fatalf("book: %d %s %v", status, b, err)
	}

	for _, c := range []struct {
		path   string
		header http.Header
		status int
	}{
		{"/healthz", nil, 200},
		{"/readyz", nil, 200},
		{"/metrics", nil, 200},
		{"/openapi.json", nil, 200},
		{"/openapi-3.0.json", nil, 200},
		{"/openapi-partage.json", nil, 200},
		{"/openapi-sandbox.json", nil, 200},
		{"/llms.txt", nil, 200},
		{"/docs/sandbox.md", nil, 200},
		{"/docs/nope.md", nil, 404},
		{"/", html, 200},
		{"/ui/", html, 200},
		{"/ui/walkthrough", html, 200},
		{"/ui/nope", html, 404},
		{"/partage/api/companies" + token, json, 200},
		{"/partage/api/companies", json, 401},
		{"/partage/api/quotes/" + number + token, json, 200},
		{"/partage/api/quotes/" + number + "/bol.pdf" + token, http.Header{"Accept": {"*/*"}, "X-Mock-Tenant": {tenant}}, 200},
		{"/servicemobility/seiapi/v3/SysConfig/mobility", json, 401},
		{"/__faults", json, 200},
		{"/__webhooks/deliveries", json, 200},
		{"/partage/api/nope", json, 404},
	} {
		req, err := http.NewRequest(http.MethodGet, base+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = c.header.Clone()
		if req.Header == nil {
			req.Header = http.Header{}
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status, h, rest := rawHead(t, base, c.path, c.header)
		if resp.StatusCode != c.status || status != c.status {
			t.Errorf("%s: GET %d, HEAD %d, want %d", c.path, resp.StatusCode, status, c.status)
		}
		if h.Get("Content-Type") != resp.Header.Get("Content-Type") || len(rest) != 0 {
			t.Errorf("%s: HEAD %q with %d bytes after the headers; GET %q", c.path, h.Get("Content-Type"), len(rest), resp.Header.Get("Content-Type"))
		}
		if cl := h.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
			t.Errorf("%s: HEAD's Content-Length %s, GET's body has %d bytes", c.path, cl, len(body))
		}
	}

	for _, c := range []struct{ verb, path, allow string }{
		{"HEAD", "/partage/api/quotes", "POST"},
		{"HEAD", "/api/2026-01/repairer.jobs.get", "POST"},
		{"HEAD", "/servicemobility/createjwt", "POST"},
		{"DELETE", "/partage/api/quotes/" + number + "/bol.pdf", "GET, HEAD"},
		{"PUT", "/partage/api/companies", "GET, HEAD, POST"},
		{"POST", "/healthz", "GET, HEAD"},
		{"POST", "/openapi.json", "GET, HEAD"},
	} {
		req, err := http.NewRequest(c.verb, base+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = json.Clone()
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", c.verb, c.path, resp.StatusCode, resp.Header.Get("Allow"), c.allow)
		}
	}
}

// between is the text of s after start up to end.
func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(after, end)
	return v
}
