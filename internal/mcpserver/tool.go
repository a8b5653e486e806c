package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Tool is one MCP tool: a name, a one-line purpose, a typed input whose
// JSON Schema is inferred from its struct (descriptions from jsonschema
// tags, examples added with Example), and a projected output. Each session
// binds it to its world. A module makes its tools with NewTool and hands
// them to the server in its Extension.
type Tool struct {
	def    mcp.Tool
	in     *jsonschema.Resolved
	handle func(ctx context.Context, w *World, args json.RawMessage) (any, error)
}

// Name is the tool's name.
func (t Tool) Name() string { return t.def.Name }

// ToolOption adjusts a tool's definition: its input schema (examples,
// bounds) or annotations.
type ToolOption func(*mcp.Tool, *jsonschema.Schema)

// NewTool defines a tool whose input is In and whose output is Out. run
// answers the call in the session's world; an error it returns is the
// tool's error result (see ToolError), with hints naming the next step for
// each error code it may meet. It panics when In or Out has no schema: a
// definition error, found by any test that builds the server.
func NewTool[In, Out any](name, purpose string, hints Hints, run func(ctx context.Context, w *World, in In) (Out, error), opts ...ToolOption) Tool {
	in, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("mcpserver: tool %s: input schema: %v", name, err))
	}
	out, err := jsonschema.For[Out](nil)
	if err != nil {
		panic(fmt.Sprintf("mcpserver: tool %s: output schema: %v", name, err))
	}
	def := mcp.Tool{Name: name, Description: purpose}
	for _, o := range opts {
		o(&def, in)
	}
	resolved, err := in.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
	if err != nil {
		panic(fmt.Sprintf("mcpserver: tool %s: input schema: %v", name, err))
	}
	def.InputSchema = in
	// A client validates structured content against the output schema even
	// on error results, so the schema admits the error shape beside the
	// tool's own.
	def.OutputSchema = &jsonschema.Schema{Type: "object", AnyOf: []*jsonschema.Schema{out, errorSchema}}
	return Tool{def: def, in: resolved, handle: func(ctx context.Context, w *World, args json.RawMessage) (any, error) {
		var v In
		if err := json.Unmarshal(args, &v); err != nil {
			return nil, &ToolError{Code: CodeInvalidInput, Message: "the arguments do not fit the tool's input schema: " + err.Error()}
		}
		out, err := run(ctx, w, v)
		if err != nil {
			return nil, hints.explain(err)
		}
		return out, nil
	}}
}

// Example sets the examples of the input property at path (property names,
// "parts", "parts/items/description"…; "" for the whole input).
func Example(path string, examples ...any) ToolOption {
	return func(_ *mcp.Tool, s *jsonschema.Schema) { property(s, path).Examples = examples }
}

// Bound sets a string property's length or an array property's item count
// bounds (0: none), so that hostile input is refused before any work.
func Bound(path string, minimum, maximum int) ToolOption {
	return func(_ *mcp.Tool, s *jsonschema.Schema) {
		p := property(s, path)
		lo, hi := &minimum, &maximum
		if minimum == 0 {
			lo = nil
		}
		if maximum == 0 {
			hi = nil
		}
		if p.Type == "string" || len(p.Types) > 0 && p.Types[len(p.Types)-1] == "string" {
			p.MinLength, p.MaxLength = lo, hi
		} else {
			// A bounded list is given as a list, never as null.
			p.Type, p.Types = "array", nil
			p.MinItems, p.MaxItems = lo, hi
		}
	}
}

// Default sets a property's default, filled in when a call omits it.
func Default(path string, value any) ToolOption {
	b, err := json.Marshal(value)
	if err != nil {
		panic(err)
	}
	return func(_ *mcp.Tool, s *jsonschema.Schema) { property(s, path).Default = b }
}

// Enum restricts a property to values.
func Enum(path string, values ...any) ToolOption {
	return func(_ *mcp.Tool, s *jsonschema.Schema) { property(s, path).Enum = values }
}

// Pattern restricts a string property to a regular expression.
func Pattern(path, re string) ToolOption {
	return func(_ *mcp.Tool, s *jsonschema.Schema) { property(s, path).Pattern = re }
}

// Range bounds an integer property.
func Range(path string, minimum, maximum float64) ToolOption {
	return func(_ *mcp.Tool, s *jsonschema.Schema) {
		p := property(s, path)
		p.Minimum, p.Maximum = &minimum, &maximum
	}
}

// Annotate sets the tool's title and hints for clients.
func Annotate(a mcp.ToolAnnotations) ToolOption {
	return func(t *mcp.Tool, _ *jsonschema.Schema) {
		t.Annotations = &a
		t.Title = a.Title
	}
}

// ReadOnly marks a tool that changes nothing.
func ReadOnly(title string) ToolOption {
	return Annotate(mcp.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(false)})
}

// Changes marks a tool that changes the world; destructive ones may undo
// work (reset).
func Changes(title string, idempotent, destructive bool) ToolOption {
	return Annotate(mcp.ToolAnnotations{Title: title, IdempotentHint: idempotent, DestructiveHint: &destructive, OpenWorldHint: new(false)})
}

// property finds the schema at a slash-separated path of property names
// and "items"; a wrong path is a definition error.
func property(s *jsonschema.Schema, path string) *jsonschema.Schema {
	if path == "" {
		return s
	}
	for name := range strings.SplitSeq(path, "/") {
		var next *jsonschema.Schema
		if name == "items" {
			next = s.Items
		} else {
			next = s.Properties[name]
		}
		if next == nil {
			panic(fmt.Sprintf("mcpserver: no property %q in the schema (path %s)", name, path))
		}
		s = next
	}
	return s
}

// add registers the tool on s, bound to w.
func (t Tool) add(s *mcp.Server, w *World) {
	def := t.def
	s.AddTool(&def, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		args, err := t.arguments(req.Params.Arguments)
		if err != nil {
			return errorResult(err), nil
		}
		out, err := t.handle(ctx, w, args)
		if err != nil {
			return errorResult(err), nil
		}
		b, err := json.Marshal(out)
		if err != nil {
			return errorResult(fmt.Errorf("mcpserver: encode the output of %s: %w", t.def.Name, err)), nil
		}
		if len(b) > MaxOutputBytes {
			return errorResult(&ToolError{Code: CodeInternal, Message: fmt.Sprintf("the output of %s came to %d bytes, over the %d the server sends; narrow the request", t.def.Name, len(b), MaxOutputBytes)}), nil
		}
		return &mcp.CallToolResult{StructuredContent: json.RawMessage(b), Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil
	})
}

// MaxOutputBytes bounds one tool result; lists in outputs are capped well
// below it (MaxListItems), so only a bug reaches it.
const MaxOutputBytes = 256 << 10

// MaxListItems bounds every list in a tool's output; the output says how
// many there were.
const MaxListItems = 50

// arguments validates the call's arguments against the input schema and
// fills in its defaults.
func (t Tool) arguments(raw json.RawMessage) (json.RawMessage, error) {
	var v map[string]any
	if len(raw) == 0 || string(raw) == "null" {
		v = map[string]any{}
	} else if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return nil, &ToolError{Code: CodeInvalidInput, Message: "the arguments must be a JSON object"}
	}
	if err := t.in.ApplyDefaults(&v); err != nil {
		return nil, &ToolError{Code: CodeInvalidInput, Message: err.Error()}
	}
	if err := t.in.Validate(v); err != nil {
		return nil, &ToolError{Code: CodeInvalidInput, Message: cut(err.Error(), 500) + "; see the tool's input schema, fix the arguments and call again"}
	}
	return json.Marshal(v)
}

// ToolError is a tool's failure as the client sees it: the result has
// isError set and this as its structured content (also as text). The HTTP
// wire's own error bodies are unchanged; Wire carries the answer behind a
// failure so an integrator sees what their code would receive.
type ToolError struct {
	// Code names the failure: the API's error variant (not_found,
	// bad_request, invalid_status, forbidden, …), or one of the Code*
	// constants for failures of the tool itself.
	Code string `json:"code"`
	// Message says what happened and which tool to call next.
	Message string `json:"message"`
	// Retryable is true only when the same call may succeed later unchanged
	// (the server failing, a limit): no contract error is.
	Retryable bool `json:"retryable"`
	// Problems locate what is wrong in the request, for bad_request.
	Problems []Problem `json:"problems,omitempty"`
	// Wire is the HTTP answer the tool got.
	Wire *WireAnswer `json:"wire,omitempty"`
}

func (e *ToolError) Error() string { return e.Code + ": " + e.Message }

// Problem is one thing wrong with a request (a JSON pointer and a reason).
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// MaxProblems bounds a ToolError's problems.
const MaxProblems = 20

// WireAnswer is an HTTP answer, its body cut at MaxWireBody bytes.
type WireAnswer struct {
	Request string `json:"request"` // "POST /api/2026-01/repairer.jobs.get"
	Status  int    `json:"status"`
	Body    string `json:"body"`
}

// MaxWireBody bounds the body quoted in a ToolError.
const MaxWireBody = 4 << 10

// Codes of failures that are the tool's own rather than the API's.
const (
	CodeInvalidInput = "invalid_input" // the arguments fail the input schema or a rule of the tool
	CodeInternal     = "internal"      // the server failed
	CodeCanceled     = "canceled"      // the client gave up on the call
)

var errorSchema = func() *jsonschema.Schema {
	s, err := jsonschema.For[ToolError](nil)
	if err != nil {
		panic(err)
	}
	return s
}()

// ErrorFamily reads the error answers of one API, whose shape is its own
// ({"errors":["…"]} for Partage, {"Status":"2001","StatusMsg":"…"} for
// ServiceMobility), as a tool's error shows them. A module's tools pass
// theirs with each Request; without one the Partly and sandbox shapes are
// read (WireError.Code, WireError.Problems).
type ErrorFamily func(status int, body []byte) ErrorReading

// ErrorReading is what an error answer says.
type ErrorReading struct {
	// Code is the error's variant, as ToolError.Code.
	Code string
	// Said is the API's own words, put before the hint in the message
	// ("" when the hint says it all).
	Said string
	// Problems locate what is wrong in the request.
	Problems []Problem
	// Retryable: the same call may succeed later (a server failure).
	Retryable bool
}

// Hints name the next step for each error code a tool can meet: the
// message of its ToolError. Codes without a hint get a generic one.
type Hints map[string]string

// explain turns what a tool's run returned into a ToolError.
func (h Hints) explain(err error) *ToolError {
	var te *ToolError
	var we *WireError
	switch {
	case errors.As(err, &te):
		return te
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &ToolError{Code: CodeCanceled, Message: "the call was canceled before it finished; call again", Retryable: true}
	case errors.As(err, &we):
		rd := we.read()
		msg := h[rd.Code]
		if msg == "" {
			msg = genericHint(rd.Code, we.Status)
		}
		if rd.Said != "" {
			msg = cut(rd.Said, 1000) + " Next: " + msg
		}
		method := we.Method
		if method == "" {
			method = http.MethodPost
		}
		return &ToolError{Code: rd.Code, Message: msg, Retryable: rd.Retryable,
			Problems: rd.Problems[:min(len(rd.Problems), MaxProblems)], Wire: &WireAnswer{Request: method + " " + we.Path, Status: we.Status, Body: cut(string(we.Body), MaxWireBody)}}
	default:
		return &ToolError{Code: CodeInternal, Message: "the server failed: " + cut(err.Error(), 300), Retryable: true}
	}
}

func genericHint(code string, status int) string {
	switch {
	case code == "bad_request":
		return "the API refused the request: problems say where; fix the arguments and call again"
	case code == "not_found":
		return "the API knows no such record in this world; check the id (get_started lists the seeded ones)"
	case code == "invalid_status":
		return "the record is not in a state that allows this; read it (get_job, get_procurement) to see where it is"
	case code == "unauthorized" || code == "forbidden":
		return "the API refused the demo credential for this call"
	case status >= 500:
		return fmt.Sprintf("the API answered %d (%s): a server failure or an injected fault; call again, or clear faults", status, code)
	default:
		return fmt.Sprintf("the API answered %d (%s)", status, code)
	}
}

// errorResult is the tool result of a failure.
func errorResult(err error) *mcp.CallToolResult {
	te := Hints(nil).explain(err)
	b, _ := json.Marshal(te) // strings, a bool and an int always encode
	return &mcp.CallToolResult{IsError: true, StructuredContent: json.RawMessage(b), Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}
}

// Fail is a tool's own failure with the next step in message.
func Fail(code, message string) error { return &ToolError{Code: code, Message: message} }
