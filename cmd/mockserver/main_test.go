package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestHelpListsEveryFlag(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"--help"}, &out); code != 0 {
		t.Fatalf("--help exited %d", code)
	}
	for _, want := range []string{"-addr", "ADDR", "-database-url", "DATABASE_URL", "-tenant-idle", "TENANT_IDLE", "-log-format", "LOG_FORMAT",
		"-webhook-backoff", "WEBHOOK_BACKOFF", "-webhook-allow-host", "WEBHOOK_ALLOW_HOST", "-webhook-poll", "WEBHOOK_POLL",
		"-sandbox-routes", "SANDBOX_ROUTES", "-journal-size", "JOURNAL_SIZE", "-supplier-auto-confirm", "SUPPLIER_AUTO_CONFIRM",
		"-mcp-max-sessions", "MCP_MAX_SESSIONS", "-mcp-session-idle", "MCP_SESSION_IDLE", "mockserver mcp"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help does not mention %s:\n%s", want, out.String())
		}
	}
}

func TestBadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string // in what the binary says
	}{
		{args: []string{"--log-format", "xml"}, want: "want text or json"},
		{args: []string{"--tenant-idle", "soon"}, want: "want a duration like 1h"},
		{env: map[string]string{"TENANT_IDLE": "5"}, want: `TENANT_IDLE="5": want a duration like 1h`},
		{env: map[string]string{"JOURNAL_SIZE": "-1"}, want: `JOURNAL_SIZE="-1": want a whole number`},
		{env: map[string]string{"SANDBOX_ROUTES": "nope"}, want: `SANDBOX_ROUTES="nope": want true or false`},
		{env: map[string]string{"WEBHOOK_POLL": "0s"}, want: `WEBHOOK_POLL="0s": want a positive duration`},
		{env: map[string]string{"MCP_MAX_SESSIONS": "-1"}, want: `MCP_MAX_SESSIONS="-1": want a whole number, 0 or more`},
		{env: map[string]string{"MCP_SESSION_IDLE": "soon"}, want: `MCP_SESSION_IDLE="soon": want a duration`},
		{args: []string{"serve"}, want: "the commands are: healthcheck, listen, mcp, trigger"},
		{args: []string{"--no-such-flag"}, want: "no-such-flag"},
		{args: []string{"serve"}, want: `unknown command "serve"`},
		{args: []string{"--addr", ":0", "extra"}, want: `unexpected argument "extra"`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out bytes.Buffer
			if code := run(tc.args, &out); code != 2 {
				t.Errorf("%v %v: exit %d, want 2 (%s)", tc.args, tc.env, code, out.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("%v %v: said %q, want it to say %q", tc.args, tc.env, out.String(), tc.want)
			}
		})
	}
}

// An address that cannot be listened on fails start-up with exit 1.
func TestListenFailure(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"--addr", "256.0.0.1:1"}, &out); code != 1 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
}
