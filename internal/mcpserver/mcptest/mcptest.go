// Package mcptest drives the MCP server through the SDK's own client, for
// the tests of every transport: calls that check each result against the
// tool's output schema, and the acceptance walk.
package mcptest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Client is a connected session with the tools' schemas, so that every
// result is validated against the output schema the server declared.
type Client struct {
	*mcp.ClientSession
	out map[string]*jsonschema.Resolved
}

// Connect connects a client over t and reads the tool list.
func Connect(tb testing.TB, t mcp.Transport) *Client {
	tb.Helper()
	ctx := context.Background()
	c := mcp.NewClient(&mcp.Implementation{Name: "mcptest", Version: "v0"}, nil)
	cs, err := c.Connect(ctx, t, nil)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() { _ = cs.Close() })
	cl := &Client{ClientSession: cs, out: map[string]*jsonschema.Resolved{}}
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			tb.Fatalf("list tools: %v", err)
		}
		b, _ := json.Marshal(tool.OutputSchema)
		var s jsonschema.Schema
		if err := json.Unmarshal(b, &s); err != nil {
			tb.Fatalf("%s: output schema: %v", tool.Name, err)
		}
		r, err := s.Resolve(nil)
		if err != nil {
			tb.Fatalf("%s: output schema: %v", tool.Name, err)
		}
		cl.out[tool.Name] = r
	}
	return cl
}

// Result is a tool's answer: its structured content, decoded.
type Result struct {
	IsError bool
	Data    map[string]any
	Raw     json.RawMessage
}

// Call calls a tool and checks its structured content against the tool's
// output schema (errors included: a client validates those too).
func (c *Client) Call(tb testing.TB, name string, args map[string]any) Result {
	tb.Helper()
	if args == nil {
		args = map[string]any{}
	}
	res, err := c.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		tb.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil || data == nil {
		tb.Fatalf("%s: structured content %s is not an object", name, raw)
	}
	schema := c.out[name]
	if schema == nil {
		tb.Fatalf("%s: not in the tool list", name)
	}
	if err := schema.Validate(data); err != nil {
		tb.Errorf("%s: structured content fails the output schema: %v\n%s", name, err, raw)
	}
	if len(res.Content) == 0 {
		tb.Errorf("%s: no text content", name)
	} else if tc, ok := res.Content[0].(*mcp.TextContent); !ok || !json.Valid([]byte(tc.Text)) {
		tb.Errorf("%s: the text content is not the JSON of the result", name)
	}
	return Result{IsError: res.IsError, Data: data, Raw: raw}
}

// OK calls a tool that must succeed.
func (c *Client) OK(tb testing.TB, name string, args map[string]any) map[string]any {
	tb.Helper()
	r := c.Call(tb, name, args)
	if r.IsError {
		tb.Fatalf("%s %v: error %s", name, args, r.Raw)
	}
	return r.Data
}

// Fail calls a tool that must fail with code, and returns the error.
func (c *Client) Fail(tb testing.TB, name string, args map[string]any, code string) map[string]any {
	tb.Helper()
	r := c.Call(tb, name, args)
	if !r.IsError {
		tb.Fatalf("%s %v: succeeded, want error %s: %s", name, args, code, r.Raw)
	}
	if r.Data["code"] != code {
		tb.Fatalf("%s %v: code %v, want %s: %s", name, args, r.Data["code"], code, r.Raw)
	}
	if m, _ := r.Data["message"].(string); m == "" {
		tb.Errorf("%s: error without a message: %s", name, r.Raw)
	}
	if _, ok := r.Data["retryable"].(bool); !ok {
		tb.Errorf("%s: error without retryable: %s", name, r.Raw)
	}
	return r.Data
}

// Walk is the acceptance walk: using only the tools, the demo job
// CCC-2026-04817 goes from the plate to a reconciled invoice. It returns
// the reconcile_invoice result.
func Walk(tb testing.TB, c *Client) map[string]any {
	tb.Helper()
	start := c.OK(tb, "get_started", nil)
	demo := start["demo"].(map[string]any)
	job := demo["job"].(string)

	v := c.OK(tb, "prepare_vehicle", map[string]any{"plate": demo["plate"], "country": demo["country"]})
	c.OK(tb, "open_repair_job", map[string]any{"job": job, "vehicle": v["vehicle"],
		"work_provider_id": demo["work_provider_id"], "claim_number": "AMI-CLM-552019"})
	c.OK(tb, "add_parts", map[string]any{"job": job, "parts": []map[string]any{
		{"description": "Front bumper cover", "part_number": "52119-12D90", "quantity": 1},
		{"description": "Headlamp assembly, left", "part_number": "81170-12N40", "quantity": 1},
	}})
	basket := c.OK(tb, "recommend_basket", map[string]any{"job": job, "condition": "new"})
	rec, _ := basket["recommended"].(map[string]any)
	if rec == nil {
		tb.Fatalf("no recommendation: %v", basket)
	}
	placed := c.OK(tb, "place_procurement", map[string]any{"job": job, "offer_ids": rec["offer_ids"]})
	id := placed["procurement"].(map[string]any)["id"].(string)
	confirmed := c.OK(tb, "confirm_as_supplier", map[string]any{"procurement_id": id})
	if s := confirmed["procurement"].(map[string]any)["status"]; s != "order_confirmed" {
		tb.Fatalf("confirmed procurement is %v", s)
	}
	return c.OK(tb, "reconcile_invoice", map[string]any{"procurement_id": id})
}
