package apidocs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	mockserver "github.com/partifact/mockserver"
)

// lintTools is where .ci/run installs the pinned linters (npm ci).
const lintTools = "../../.ci/lint/node_modules/.bin"

// TestOpenAPILint runs Spectral (ruleset spectral:oas) and Redocly
// (ruleset recommended) on every served document (openapi.json, the
// Partage, ServiceMobility and sandbox documents) and on the 3.0 documents
// derived from openapi.json and openapi-partage.json: both must report no
// error. Warnings are printed, not failed.
// Without the linters (no `npm ci --prefix .ci/lint`) the test skips,
// except under CI=true, where it fails.
func TestOpenAPILint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	spectral, redocly := filepath.Join(lintTools, "spectral"), filepath.Join(lintTools, "redocly")
	for _, bin := range []string{spectral, redocly} {
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: .ci/run installs it (npm ci --prefix .ci/lint)", bin)
			}
			t.Skipf("%s is missing; install the linters with: npm ci --prefix .ci/lint", bin)
		}
	}
	dir := t.TempDir()
	// Every document, so that references between them resolve.
	files := map[string][]byte{".spectral.json": []byte(`{"extends":["spectral:oas"]}`)}
	for name, b := range mockserver.Documents {
		files[name] = b
	}
	docs := []string{"openapi.json", "openapi-partage.json", "openapi-servicemobility.json", "openapi-sandbox.json"}
	for _, derived := range []struct{ from, name string }{{"openapi.json", "openapi-3.0.json"}, {"openapi-partage.json", "openapi-partage-3.0.json"}} {
		doc30, err := Downgrade(files[derived.from])
		if err != nil {
			t.Fatal(err)
		}
		files[derived.name] = doc30
		docs = append(docs, derived.name)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, doc := range docs {
		t.Run("spectral/"+doc, func(t *testing.T) {
			out := lint(t, dir, spectral, "lint", "--quiet", "-r", ".spectral.json", "-f", "json", doc)
			var results []struct {
				Code     string
				Message  string
				Path     []any
				Severity int // 0 error, 1 warning, 2 info, 3 hint
			}
			if err := json.Unmarshal(out, &results); err != nil {
				t.Fatalf("spectral said: %v\n%s", err, out)
			}
			warnings := 0
			for _, r := range results {
				if r.Severity == 0 {
					t.Errorf("%s: %s at %v", r.Code, r.Message, r.Path)
				} else {
					warnings++
				}
			}
			t.Logf("spectral:oas: %d problems, %d of them warnings or less", len(results), warnings)
		})
		t.Run("redocly/"+doc, func(t *testing.T) {
			out := lint(t, dir, redocly, "lint", "--extends=recommended", "--format=json", doc)
			var report struct {
				Totals   struct{ Errors, Warnings int }
				Problems []struct {
					RuleID   string `json:"ruleId"`
					Severity string
					Message  string
					Location []struct{ Pointer string }
				}
			}
			if err := json.Unmarshal(out, &report); err != nil {
				t.Fatalf("redocly said: %v\n%s", err, out)
			}
			for _, p := range report.Problems {
				if p.Severity == "error" {
					t.Errorf("%s: %s at %v", p.RuleID, p.Message, p.Location)
				}
			}
			if report.Totals.Errors > 0 && !t.Failed() {
				t.Errorf("redocly counts %d errors", report.Totals.Errors)
			}
			t.Logf("redocly recommended: %d errors, %d warnings", report.Totals.Errors, report.Totals.Warnings)
		})
	}
}

// lint runs a linter in dir and returns its standard output; the exit code
// only says whether it found problems, which the output details.
func lint(t *testing.T, dir, bin string, args ...string) []byte {
	t.Helper()
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, abs, args...)
	cmd.Dir = dir
	// No telemetry or update checks: the tests reach nothing but loopback.
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true",
		"NO_UPDATE_NOTIFIER=1", "HOME="+dir)
	var stderr []byte
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	} else if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s %v printed nothing: %s", bin, args, stderr)
	}
	if testing.Verbose() && len(stderr) > 0 {
		fmt.Fprintf(os.Stderr, "%s", stderr)
	}
	return out
}
