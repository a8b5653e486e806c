package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/partifact/mockserver/internal/mcpserver"
	"github.com/partifact/mockserver/internal/mcpserver/mcptest"
	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// mcpProcess runs `mockserver mcp` with args and connects the SDK's client
// to it over stdin and stdout.
func mcpProcess(t *testing.T, env []string, args ...string) (*mcptest.Client, *syncBuffer, *exec.Cmd) {
	t.Helper()
	binOnce.Do(build)
	if binErr != nil {
		t.Fatal(binErr)
	}
	cmd := exec.Command(binPath, append([]string{"mcp"}, args...)...)
	cmd.Env = append(os.Environ(), append([]string{"DATABASE_URL=", "LOG_FORMAT=text"}, env...)...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	return mcptest.Connect(t, &mcp.CommandTransport{Command: cmd}), stderr, cmd
}

var stdioServing = regexp.MustCompile(`msg=serving url=(http://\S+)`)

// The acceptance walk over stdio, against the built binary: the mock runs
// in the process, in memory, and logs only to stderr (stdout carries the
// protocol alone, or the client could not read it).
func TestMCPOverStdio(t *testing.T) {
	c, stderr, cmd := mcpProcess(t, nil)
	start := c.OK(t, "get_started", nil)
	if start["world"] != "" || start["http"].(map[string]any)["tenant_header"] != "" {
		t.Errorf("the default world is the shared one: %v", start)
	}
	r := mcptest.Walk(t, c)
	if inv := r["invoice"].(map[string]any); r["reconciled"] != true || inv["total"] != "1099.00" || inv["currency"] != "NZD" {
		t.Fatalf("reconcile_invoice: %v", r)
	}
	// The HTTP API answers on the address get_started names, in the same world.
	m := stdioServing.FindStringSubmatch(stderr.String())
	if m == nil || start["http"].(map[string]any)["base_url"] != m[1] {
		t.Fatalf("get_started %v, logs:\n%s", start["http"], stderr)
	}
	req, _ := http.NewRequest(http.MethodPost, m[1]+"/api/2026-01/repairer.jobs.get", strings.NewReader(`{"identity":{"external":"CCC-2026-04817"}}`))
	req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
	req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"status":{"type":"parts_ordered"}`) {
		t.Fatalf("the job over HTTP: %d %s", resp.StatusCode, body)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
}

// Flags and their variables work as for serving: here a Postgres store and
// a named world.
func TestMCPOverStdioOnPostgres(t *testing.T) {
	db := pgtest.New(t)
	c, stderr, _ := mcpProcess(t, []string{"DATABASE_URL=" + db}, "--world", "agent-1")
	if w := c.OK(t, "get_started", nil)["world"]; w != "agent-1" {
		t.Fatalf("world %v:\n%s", w, stderr)
	}
	if r := mcptest.Walk(t, c); r["invoice"].(map[string]any)["total"] != "1099.00" {
		t.Fatalf("reconcile_invoice: %v", r)
	}
	// The world is the tenant agent-1 of the database.
	var job store.Job
	err := openStore(t, db).View(context.Background(), "agent-1", func(tx store.Tx) (err error) {
		job, err = tx.JobByExternal(seed.RepairerOrgID, seed.DemoJobExternalID)
		return err
	})
	if err != nil || job.Status != store.JobPartsOrdered {
		t.Fatalf("the job in the database: %v %+v", err, job)
	}
}

func TestMCPFlags(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"mcp", "--help"}, &out); code != 0 {
		t.Fatalf("mcp --help exited %d", code)
	}
	for _, want := range []string{"-world", "MCP_WORLD", "-addr", "-database-url", "-journal-size", "stdin and stdout"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("mcp --help does not mention %s:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "sandbox-routes") {
		t.Errorf("mcp offers --sandbox-routes, which its tools need:\n%s", out.String())
	}
	for _, args := range [][]string{{"mcp", "--sandbox-routes=false"}, {"mcp", "--journal-size", "-1"}, {"mcp", "extra"}} {
		out.Reset()
		if code := run(args, &out); code != 2 {
			t.Errorf("%v: exit %d (%s)", args, code, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"mcp", "--world", "Not A World"}, &out); code != 2 || !strings.Contains(out.String(), "a world name is 1 to 64 characters") {
		t.Errorf("a bad world: exit %d (%s)", code, out.String())
	}
}

// A message over the limit ends the session with a message on stderr; it
// is never buffered whole.
func TestMCPOverStdioRefusesHugeMessages(t *testing.T) {
	binOnce.Do(build)
	if binErr != nil {
		t.Fatal(binErr)
	}
	line := append(append([]byte(`{"jsonrpc":"2.0","id":1,"method":"x","params":"`), bytes.Repeat([]byte("a"), mcpserver.MaxRequestBytes+1)...), "\"}\n"...)
	cmd := exec.Command(binPath, "mcp")
	cmd.Env = append(os.Environ(), "DATABASE_URL=")
	cmd.Stdin = bytes.NewReader(line)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("still running:\n%s", stderr)
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "maximum line length") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
}

// `printf '<initialize>\n<initialized>\n<tools/list>\n' | mockserver mcp`:
// the requests of a pipe that ends right after them are all answered before
// the process exits.
func TestMCPOverStdioAnswersAPipeThatEnds(t *testing.T) {
	binOnce.Do(build)
	if binErr != nil {
		t.Fatal(binErr)
	}
	cmd := exec.Command(binPath, "mcp")
	cmd.Env = append(os.Environ(), "DATABASE_URL=")
	cmd.Stdin = strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"printf","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/list"}
{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_started","arguments":{}}}
`)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%v:\n%s", err, stderr)
		}
	case <-time.After(2 * time.Minute): // a hang, not a slow answer
		_ = cmd.Process.Kill()
		t.Fatalf("still running after its input ended:\n%s", stderr)
	}
	for _, want := range []string{`"id":1,"result":{"capabilities"`, `"id":2,"result":{`, `"id":3,"result":{`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("no %s in the answers:\n%.2000s", want, stdout.String())
		}
	}
	if !strings.Contains(stdout.String(), `"name":"get_started"`) {
		t.Errorf("tools/list lists no get_started:\n%.2000s", stdout.String())
	}
}
