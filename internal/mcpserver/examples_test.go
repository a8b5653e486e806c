package mcpserver_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/mcpserver/mcptest"
)

// examples reads the first example of each property of a tool's input, and
// the whole list of one property.
func examples(t *testing.T, c *mcptest.Client, tool string) map[string][]any {
	t.Helper()
	for tl, err := range c.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if tl.Name != tool {
			continue
		}
		b, _ := json.Marshal(tl.InputSchema)
		var s struct {
			Properties map[string]struct {
				Examples []any `json:"examples"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		out := map[string][]any{}
		for name, p := range s.Properties {
			if len(p.Examples) > 0 {
				out[name] = p.Examples
			}
		}
		return out
	}
	t.Fatalf("no tool %s", tool)
	return nil
}

// The examples of the inputs that hold a date name one to come, and work
// as given: advance_clock moves to its example, quote_freight quotes its
// examples, and the quote is found under the number its example shows.
func TestDatedExamplesWork(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")

	q := examples(t, c, "quote_freight")
	args := map[string]any{}
	for name, ex := range q {
		args[name] = ex[0]
	}
	pickup, _ := args["timing"].(map[string]any)["origin"].(string)
	if d, err := time.Parse(time.DateOnly, pickup); err != nil || !d.After(time.Now()) {
		t.Fatalf("quote_freight's timing example picks up on %q, not a day to come", pickup)
	}
	quote := c.OK(t, "quote_freight", args)
	number, _ := quote["number"].(string)
	if ids := examples(t, c, "get_freight")["quote_id"]; !slices.Contains(ids, any(number)) || !slices.Contains(ids, quote["pl_id"]) {
		t.Errorf("get_freight's quote_id examples %v do not name the fresh world's first quote (%v, %s)", ids, quote["pl_id"], number)
	}
	c.OK(t, "get_freight", map[string]any{"quote_id": number})

	to := examples(t, c, "advance_clock")["to"]
	if len(to) == 0 {
		t.Fatal("advance_clock has no example of to")
	}
	at, err := time.Parse(time.RFC3339, to[0].(string))
	if err != nil || !at.After(time.Now()) {
		t.Fatalf("advance_clock's example %v is not a time to come", to[0])
	}
	if now := c.OK(t, "advance_clock", map[string]any{"to": to[0]})["now"]; now != to[0] {
		t.Errorf("advance_clock to %v: now %v", to[0], now)
	}
}

// Every input a caller types has examples from the seeded world (a flag or
// a choice among listed values shows its values already), and each example
// is a value the input takes.
func TestEveryInputHasValidExamples(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")
	for tl, err := range c.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(tl.InputSchema)
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		for name, raw := range s.Properties {
			var p jsonschema.Schema
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			if p.Type == "boolean" || len(p.Enum) > 0 {
				continue
			}
			if len(p.Examples) == 0 {
				t.Errorf("%s: %s has no example", tl.Name, name)
				continue
			}
			r, err := p.Resolve(nil)
			if err != nil {
				t.Fatalf("%s: %s: %v", tl.Name, name, err)
			}
			for _, ex := range p.Examples {
				if err := r.Validate(ex); err != nil {
					t.Errorf("%s: %s's example %v is not a value it takes: %v", tl.Name, name, ex, err)
				}
			}
		}
	}
}
