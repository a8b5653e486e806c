package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
)

// Bounds the hostile-input test holds the server to.
const (
	// maxHostileAnswer: no refusal of a hostile body is larger.
	maxHostileAnswer = 64 << 10
	// maxHostileRSS: the process's peak resident memory after every
	// hostile body has been sent to every route (stated in docs/sandbox.md).
	maxHostileRSS = 256 << 20
)

// hostileBodies are inputs that cost servers dearly when they are not
// bounded: deep nesting (a validator formatting the rejected value at each
// level), huge arrays and strings, NUL characters (Postgres text refuses
// them), numbers past every column's range.
func hostileBodies() map[string]string {
	deep := strings.Repeat("[", 9999) + strings.Repeat("]", 9999)
	deepObject := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	items := strings.TrimSuffix(strings.Repeat(`{"description":"x","part_number":"1","quantity":"many"},`, 15000), ",")
	return map[string]string{
		"DeepArray":   deep,
		"DeepObject":  deepObject,
		"HugeArray":   `{"parts":[` + items + `],"identity":{"external":"CCC-2026-04817"},"job":{"external":"CCC-2026-04817"},"api_token":"partage_demo_token_5c2e"}`,
		"HugeString":  `{"api_token":"partage_demo_token_5c2e","quote":{"equipment":"` + strings.Repeat("x", 900<<10) + `"}}`,
		"NUL":         `{"identity":{"external":"CCC\u0000"},"api_token":"partage_demo_token_5c2e","quote":{"equipment":"van\u0000"},"WorkOrder":"W\u0000","method":"repairer.jobs.get\u0000","url":"http://127.0.0.1/\u0000"}`,
		"BigNumbers":  `{"count":2147483648,"latency_ms":1e400,"quantity":99999999999999999999,"year":2.5e10,"Qty":1e309,"weight":-1e300,"pallet_spots":9007199254740993,"limit":-1}`,
		"WrongTypes":  `{"identity":[],"parts":{},"quote":"van","Parts":"all","api_token":7,"method":[]}`,
		"NotJSON":     `<?xml version="1.0"?><a/>`,
		"ManyMembers": `{` + strings.TrimSuffix(strings.Repeat(`"k":1,`, 100000), ",") + `}`,
		// A JSON-RPC batch: answered message by message, thousands of small
		// requests would be answered with gigabytes (MCP).
		"Batch": `[` + strings.TrimSuffix(strings.Repeat(`{"jsonrpc":"2.0","id":1,"method":"tools/list"},`, 20000), ",") + `]`,
	}
}

// route is an operation of a served document, its path parameters filled.
type hostileRoute struct {
	doc, verb, path string
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

func hostileRoutes(t *testing.T) []hostileRoute {
	t.Helper()
	var out []hostileRoute
	for _, name := range []string{"openapi.json", "openapi-partage.json", "openapi-servicemobility.json", "openapi-sandbox.json"} {
		d, err := spec.Parse(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range d.Ops() {
			path := pathParam.ReplaceAllString(op.Path, "0c000000-0000-4000-8000-000000000001")
			out = append(out, hostileRoute{name, op.Verb, path})
		}
	}
	// Beside the documents: MCP over HTTP, in a fresh world and a named
	// one, and the dashboard's controls.
	return append(out, hostileRoute{"mcp", "POST", "/mcp"}, hostileRoute{"mcp", "POST", "/mcp/hostile"},
		hostileRoute{"dashboard", "POST", "/ui/action"})
}

// TestHostileInput sends every hostile body to every route of every
// document, with valid credentials so the body is read, on both stores:
// each answer is a defined one (a status the route's family uses, never a
// 500 of an unexpected failure), small, and the process's memory stays
// bounded. How long each takes is BenchmarkHostileInput's business
// (internal/e2e), not this test's.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"memory", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			db := ""
			if store == "postgres" {
				db = pgtest.New(t)
			}
			p := start(t, db)
			token := smToken(t, p)
			session := mcpSession(t, p, "/mcp/hostile")
			bodies := hostileBodies()
			routes := hostileRoutes(t)
			client := &http.Client{Timeout: 30 * time.Second}
			for _, rt := range routes {
				for name, body := range bodies {
					req, _ := http.NewRequest(rt.verb, p.url+rt.path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Accept", "application/json, text/event-stream")
					if rt.path == "/mcp/hostile" {
						req.Header.Set("Mcp-Session-Id", session)
					}
					req.Header.Set("x-mock-tenant", "hostile")
					req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
					req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
					req.Header.Set("x-access-token", token)
					resp, err := client.Do(req)
					if err != nil {
						t.Fatalf("%s %s %s: %v", rt.verb, rt.path, name, err)
					}
					b, _ := io.ReadAll(io.LimitReader(resp.Body, maxHostileAnswer+1))
					resp.Body.Close()
					if len(b) > maxHostileAnswer {
						t.Errorf("%s %s %s: the answer is over %d bytes", rt.verb, rt.path, name, maxHostileAnswer)
					}
					if resp.StatusCode >= 500 && !definedFailure(rt, b) {
						t.Errorf("%s %s %s: %d %.300s", rt.verb, rt.path, name, resp.StatusCode, b)
					}
				}
			}
			// Still serving, and the peak memory is bounded.
			if status, err := p.repairer("hostile", "repairer.jobs.get", map[string]any{"identity": map[string]any{"external": "CCC-2026-04817"}}, nil); err != nil || status != 200 {
				t.Fatalf("after the hostile bodies: %d %v", status, err)
			}
			if rss := peakRSS(t, p.cmd.Process.Pid); rss > maxHostileRSS {
				t.Errorf("peak memory %d MiB, over %d MiB", rss>>20, maxHostileRSS>>20)
			} else {
				t.Logf("peak memory %d MiB after %d routes × %d bodies", rss>>20, len(routes), len(bodies))
			}
			if strings.Contains(p.logs.String(), "panic") {
				t.Errorf("the server panicked:\n%s", p.logs)
			}
		})
	}
}

// definedFailure: the ServiceMobility interface answers bad input with a
// 500 and its error body (it has no 400); no other 500 is defined.
func definedFailure(rt hostileRoute, b []byte) bool {
	var e struct{ Status, StatusMsg string }
	return rt.doc == "openapi-servicemobility.json" && json.Unmarshal(b, &e) == nil && e.Status == "2001" &&
		!strings.Contains(e.StatusMsg, "An error occurred")
}

// mcpSession opens an MCP session at path, by hand, and returns its id.
func mcpSession(t *testing.T, p *proc, path string) string {
	t.Helper()
	id := ""
	for _, msg := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"hostile","version":"0"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
	} {
		req, _ := http.NewRequest(http.MethodPost, p.url+path, strings.NewReader(msg))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if id != "" {
			req.Header.Set("Mcp-Session-Id", id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("MCP %s: %d", msg, resp.StatusCode)
		}
		if id == "" {
			id = resp.Header.Get("Mcp-Session-Id")
		}
	}
	if id == "" {
		t.Fatal("no MCP session id")
	}
	return id
}

func smToken(t *testing.T, p *proc) string {
	t.Helper()
	resp, err := http.Post(p.url+"/servicemobility/createjwt", "application/json",
		bytes.NewReader([]byte(`{"username":"demo.technician","password":"demo-password"}`)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		t.Fatalf("createjwt: %v", err)
	}
	return tok.Token
}

// peakRSS is the process's high-water resident set size (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no VmHWM in /proc/%d/status", pid)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}
