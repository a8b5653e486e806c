package e2e

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/sandbox"
)

var (
	smSection = regexp.MustCompile("(?s)\n## ServiceMobility parts ordering\n(.*?)\n## ")
	smSnippet = regexp.MustCompile("(?s)```go\n(.*?)```")
	// An sh block, and the json block answering it when there is one.
	smStep  = regexp.MustCompile("(?s)```sh\n(.*?)```(?:\n\n(?:[^`]*\n\n)?```json\n(.*?)```)?")
	smToken = regexp.MustCompile(`(?s)^TOKEN=\$\((curl .*?) \| sed .*\)\s*$`)
)

// TestReadmeServiceMobility replays the README's ServiceMobility section:
// it builds and runs the small implementer printed there, then every curl
// call in order, comparing each answer with the one printed (timestamps,
// check ids and latencies aside).
func TestReadmeServiceMobility(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := smSection.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ServiceMobility section")
	}
	section := m[1]
	snippet := smSnippet.FindSubmatch(section)
	if snippet == nil {
		t.Fatal("the section has no implementer snippet")
	}
	// The implementer listens where the README says, moved to a free port.
	port := freePort(t)
	runSnippet(t, strings.ReplaceAll(string(snippet[1]), "127.0.0.1:4000", port))
	steps := smStep.FindAllSubmatch(section, -1)
	if len(steps) < 6 {
		t.Fatalf("found %d steps in the section, want at least 6", len(steps))
	}
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL})
		token := ""
		for _, step := range steps {
			cmd := strings.ReplaceAll(string(step[1]), "127.0.0.1:4000", port)
			if tm := smToken.FindStringSubmatch(strings.ReplaceAll(cmd, "\\\n", " ")); tm != nil {
				_, body := doCurl(t, tm[1], srv.URL, "")
				token = string(regexp.MustCompile(`"token":"([^"]*)"`).FindSubmatch(body)[1])
				continue
			}
			status, got := doCurl(t, cmd, srv.URL, token)
			if status != 200 {
				t.Fatalf("%s\nanswered %d: %s", cmd, status, got)
			}
			if len(step[2]) == 0 {
				continue
			}
			want := bytes.ReplaceAll(step[2], []byte("127.0.0.1:4000"), []byte(port))
			if !reflect.DeepEqual(normalize(t, got), normalize(t, want)) {
				t.Fatalf("%s\nanswers\n%s\nbut README.md shows\n%s", cmd, got, step[2])
			}
		}
	})
}

func doCurl(t *testing.T, cmd, base, token string) (int, []byte) {
	t.Helper()
	req := parseCurl(t, strings.ReplaceAll(cmd, "$TOKEN", token), base)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// normalize is withoutTimes, also without what differs from run to run in
// a contract check: its id and latency.
func normalize(t *testing.T, b []byte) any {
	v := withoutTimes(t, b)
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["target"]; ok {
				x["id"], x["latency_ms"] = "<id>", "<latency>"
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return v
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runSnippet builds a one-file Go program and runs it until the test ends,
// waiting for it to listen on addr.
func runSnippet(t *testing.T, src string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "implementer")
	build := exec.Command("go", "build", "-o", bin, "main.go")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=", "GO111MODULE=on")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's implementer does not build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := regexp.MustCompile(`127\.0\.0\.1:\d+`).FindString(src)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Post("http://"+addr+"/parts-orders", "application/json", strings.NewReader(`{}`))
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the README's implementer does not listen on %s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
