package mcpserver_test

import (
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/mcpserver/mcptest"
)

// connect opens a session over streamable HTTP at path of a.
func connect(t *testing.T, a *app.App, path string) *mcptest.Client {
	t.Helper()
	return mcptest.Connect(t, &mcp.StreamableClientTransport{Endpoint: a.URL() + path})
}
