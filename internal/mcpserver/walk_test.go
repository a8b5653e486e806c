package mcpserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/mcpserver/mcptest"
)

// connect opens a session over streamable HTTP at path of a.
func connect(t *testing.T, a *app.App, path string) *mcptest.Client {
	t.Helper()
	return mcptest.Connect(t, &mcp.StreamableClientTransport{Endpoint: a.URL() + path})
}

// bearer adds a sandbox token to every request of a client.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// TestSandboxTokenGuardsMCP: with --sandbox-token the MCP endpoint, whose
// tools drive the sandbox routes, needs the token; with it, the tools work
// (they pass it on to the routes they call).
func TestSandboxTokenGuardsMCP(t *testing.T) {
	t.Parallel()
	const token = "mcp-s3cret"
	a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.SandboxToken = token }))
	resp, err := http.Post(a.URL()+"/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/mcp without the token: %d", resp.StatusCode)
	}
	c := mcptest.Connect(t, &mcp.StreamableClientTransport{Endpoint: a.URL() + "/mcp",
		HTTPClient: &http.Client{Transport: bearer{token}}})
	c.OK(t, "reset_world", nil)
	c.OK(t, "advance_clock", map[string]any{"by": "1h"})
}
