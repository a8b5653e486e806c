package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/sandbox"
)

// httpClient bounds every call: a hung server fails the test instead of
// hanging it.
var httpClient = &http.Client{Timeout: 10 * time.Second}

var (
	docOnce               sync.Once
	doc, sandboxDoc       *spec.Doc
	docErr, sandboxDocErr error
)

// loadDoc is openapi.json, the Partly contract.
func loadDoc(t testing.TB) *spec.Doc {
	t.Helper()
	docOnce.Do(func() {
		doc, docErr = spec.Load()
		sandboxDoc, sandboxDocErr = spec.Parse("openapi-sandbox.json")
	})
	if docErr != nil {
		t.Fatal(docErr)
	}
	return doc
}

// loadSandboxDoc is openapi-sandbox.json, the sandbox controls.
func loadSandboxDoc(t testing.TB) *spec.Doc {
	t.Helper()
	loadDoc(t)
	if sandboxDocErr != nil {
		t.Fatal(sandboxDocErr)
	}
	return sandboxDoc
}

// wireMethods are the Partly wire methods openapi.json declares.
func wireMethods(t testing.TB) []string { return loadDoc(t).OpsUnder(methods.PathPrefix) }

// client calls wire methods as one integration in one tenant, and checks
// every answer against the method's schemas in openapi.json.
type client struct {
	t      testing.TB
	base   string
	tenant string
	cred   *sandbox.Credential // nil: no credential headers
	header http.Header         // extra headers
}

func newClient(t testing.TB, srv *sandbox.Server, tenant string, cred sandbox.Credential) *client {
	return &client{t: t, base: srv.URL, tenant: tenant, cred: &cred}
}

func (c *client) as(cred sandbox.Credential) *client {
	n := *c
	n.cred = &cred
	return &n
}

func (c *client) anonymous() *client {
	n := *c
	n.cred = nil
	return &n
}

// raw posts body bytes (nil: empty body) and returns status, headers, body.
func (c *client) raw(httpMethod, method string, body []byte) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(httpMethod, c.base+methods.PathPrefix+method, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.tenant != "" {
		req.Header.Set("x-mock-tenant", c.tenant)
	}
	if c.cred != nil {
		req.Header.Set("Authorization", "Bearer "+c.cred.APIKey)
		req.Header.Set("Partly-Integration-ID", c.cred.IntegrationID)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// call posts a JSON body, validates the answer against openapi.json (the 200
// schema or the method's error union) and returns the status and body.
func (c *client) call(method string, body any) (int, []byte) {
	c.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			c.t.Fatal(err)
		}
	}
	status, _, resp := c.raw(http.MethodPost, method, b)
	checkResponse(c.t, method, status, resp)
	return status, resp
}

// checkResponse validates a response body against the method's schemas.
func checkResponse(t testing.TB, method string, status int, body []byte) {
	t.Helper()
	d := loadDoc(t)
	which := "default"
	if status == http.StatusOK {
		which = "200"
	}
	schema := d.ResponseSchema(method, which)
	if schema == nil {
		t.Fatalf("%s: openapi.json has no %s response", method, which)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: answer is not JSON (%d): %s", method, status, body)
	}
	if problems := spec.Validate(schema, v, false); len(problems) > 0 {
		t.Fatalf("%s: %d answer does not match its %s schema: %v\n%s", method, status, which, problems, body)
	}
}

// ok calls and requires 200, decoding the answer into out (when non-nil).
func (c *client) ok(method string, body any, out any) {
	c.t.Helper()
	status, resp := c.call(method, body)
	if status != http.StatusOK {
		c.t.Fatalf("%s: status %d, want 200: %s", method, status, resp)
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			c.t.Fatalf("%s: decode: %v", method, err)
		}
	}
}

// fails calls and requires the given status and error type; the type of a
// bare-string error is the string itself.
func (c *client) fails(method string, body any, wantStatus int, wantType string) []byte {
	c.t.Helper()
	status, resp := c.call(method, body)
	if status != wantStatus || errorType(resp) != wantType {
		c.t.Fatalf("%s: got %d %s, want %d %s", method, status, resp, wantStatus, wantType)
	}
	return resp
}

func errorType(body []byte) string {
	var s string
	if json.Unmarshal(body, &s) == nil {
		return s
	}
	var v struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(body, &v) == nil {
		return v.Type
	}
	return fmt.Sprintf("<%s>", strings.TrimSpace(string(body)))
}
