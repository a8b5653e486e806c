package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// An in-process answer over MaxAnswerBytes is an error, never kept whole.
func TestAnswerBound(t *testing.T) {
	w := &World{api: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range MaxAnswerBytes>>20 + 1 {
			if _, err := rw.Write(chunk); err != nil {
				return
			}
		}
	})}
	if _, err := w.Do(context.Background(), Request{Method: http.MethodGet, Path: "/big"}); err == nil || !strings.Contains(err.Error(), "answered more than") {
		t.Fatalf("Do: %v", err)
	}
}

// A tool result over MaxOutputBytes is an error result.
func TestOutputBound(t *testing.T) {
	type in struct{}
	type out struct {
		S string `json:"s"`
	}
	tool := NewTool("big", "Answers too much.", nil, func(context.Context, *World, in) (out, error) {
		return out{S: strings.Repeat("a", MaxOutputBytes)}, nil
	})
	srv := mcp.NewServer(&mcp.Implementation{Name: "t", Version: "0"}, nil)
	tool.add(srv, &World{})
	st, ct := mcp.NewInMemoryTransports()
	if _, err := srv.Connect(context.Background(), st, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "0"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "big", Arguments: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.StructuredContent)
	if !res.IsError || !strings.Contains(string(b), `"code":"internal"`) || len(b) > 1000 {
		t.Fatalf("result: %.300s", b)
	}
}

func TestWireErrorCode(t *testing.T) {
	for body, want := range map[string]string{
		`{"type":"not_found"}`:                 "not_found",
		`"not_found"`:                          "not_found",
		`{"ok":false,"reason":"bad_query"}`:    "bad_query",
		`{"type":"bad_request","errors":[{}]}`: "bad_request",
		`oops`:                                 "http_502",
		`""`:                                   "http_502",
	} {
		if got := (&WireError{Status: 502, Body: []byte(body)}).Code(); got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
	}
	many := `{"type":"bad_request","errors":[` + strings.TrimSuffix(strings.Repeat(`{"path":"/x","message":"m"},`, MaxProblems+5), ",") + `]}`
	if n := len((&WireError{Status: 400, Body: []byte(many)}).Problems()); n != MaxProblems {
		t.Errorf("%d problems kept, want %d", n, MaxProblems)
	}
}
