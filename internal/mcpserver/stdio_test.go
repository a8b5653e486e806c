package mcpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/mcpserver"
	"github.com/partifact/mockserver/internal/seed"
)

// stdioSession runs one stdio session over input (read a byte at a time,
// so that messages straddle reads) until it ends, and returns the answers
// it wrote by id.
func stdioSession(t *testing.T, a *app.App, world, input string) map[string]json.RawMessage {
	t.Helper()
	var out bytes.Buffer
	// The deadline only stops a hung session; the session ends by itself
	// when it has answered.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in := io.NopCloser(iotest.OneByteReader(strings.NewReader(input)))
	if err := a.MCP().Run(ctx, world, mcpserver.Stdio(in, &out)); err != nil {
		t.Fatalf("the session ended with %v; it wrote:\n%s", err, out.String())
	}
	answers := map[string]json.RawMessage{}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, mcpserver.MaxOutputBytes*2)
	for sc.Scan() {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON-RPC message: %s", sc.Bytes())
		}
		if m.Error != nil {
			t.Errorf("answer %s is an error: %s", m.ID, m.Error)
		}
		answers[string(m.ID)] = m.Result
	}
	return answers
}

// A client that writes its requests and closes stdin at once (a pipe from
// printf, a script) gets every answer before the session ends.
func TestStdioAnswersEveryRequestBeforeTheEndOfInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, app.DefaultConfig())
	// Braces and escaped quotes inside strings must not cut a message.
	input := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"a \"}{[\" client","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/list"}
{"jsonrpc":"2.0","id":"three","method":"tools/call","params":{"name":"get_job","arguments":{"job":"` + seed.DemoJobExternalID + `"}}}
{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"scenario://current"}}
{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"recommend_basket","arguments":{"job":"` + seed.DemoJobExternalID + `"}}}`
	answers := stdioSession(t, a, "stdio-eof", input) // no newline after the last: the end of input ends it
	for _, id := range []string{"1", "2", `"three"`, "4", "5"} {
		if answers[id] == nil {
			t.Errorf("no answer to request %s; answers: %v", id, keys(answers))
		}
	}
	if !strings.Contains(string(answers[`"three"`]), seed.DemoJobExternalID) {
		t.Errorf("get_job: %s", answers[`"three"`])
	}
	if !strings.Contains(string(answers["4"]), `\"world\": \"stdio-eof\"`) {
		t.Errorf("scenario://current: %.300s", answers["4"])
	}
}

// Input with no request ends the session at once.
func TestStdioEndsWithNothingToAnswer(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, app.DefaultConfig())
	if answers := stdioSession(t, a, "", `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"); len(answers) != 0 {
		t.Fatalf("answers to no request: %v", keys(answers))
	}
}

func keys(m map[string]json.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
