package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/version"
)

// The built binary says which build it is, on --version and in /healthz,
// and its client commands print to stdout and exit with their statuses.
func TestBinaryVersionAndCommands(t *testing.T) {
	t.Parallel()
	binOnce.Do(build)
	if binErr != nil {
		t.Fatal(binErr)
	}
	want := version.Info{Version: testVersion, Commit: testCommit, Go: runtime.Version()}
	// --version alone or among other flags, even with a variable the
	// server would refuse.
	for _, args := range [][]string{{"--version"}, {"-version"}, {"--version", "--addr", "127.0.0.1:1"},
		{"-addr", "127.0.0.1:1", "--version"}, {"--log-format", "json", "-version=true", "--tenant-idle", "1h"}} {
		cmd := exec.Command(binPath, args...)
		cmd.Env = append(os.Environ(), "TENANT_IDLE=soon")
		out, err := cmd.Output()
		if err != nil || string(out) != want.String()+"\n" {
			t.Fatalf("%v: %q %v, want %q", args, out, err, want.String())
		}
	}
	// A flag error is still one.
	if err := exec.Command(binPath, "--version", "--no-such-flag").Run(); err == nil {
		t.Fatal("--version with an unknown flag exited 0")
	}

	p := start(t, "") // in memory
	resp, err := httpClient.Get(p.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Status string       `json:"status"`
		Build  version.Info `json:"build"`
	}
	err = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || health.Status != "ok" || health.Build != want {
		t.Fatalf("/healthz: %d %+v %v, want the build %+v", resp.StatusCode, health, err, want)
	}

	for _, tc := range []struct {
		args      []string
		code      int
		out, errs string
	}{
		{[]string{"trigger", "clock.advance", "2h", "--url", p.url, "--tenant", "bin"}, 0, "(2h0m0s ahead of the wall clock).", ""},
		{[]string{"trigger", "procurement.confirm", "--id", uuid.NewString(), "--url", p.url}, 1, "", "404 not_found"},
		{[]string{"trigger", "nope"}, 2, "", `unknown event "nope"`},
		{[]string{"listen"}, 2, "", "--forward-to is required"},
	} {
		cmd := exec.Command(binPath, tc.args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || !strings.Contains(stdout.String(), tc.out) || !strings.Contains(stderr.String(), tc.errs) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, code, stdout.String(), stderr.String(), tc.code, tc.out, tc.errs)
		}
	}
}
