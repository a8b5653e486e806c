package sandbox_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testOnly are packages an integrator's build must never pull in through
// the sandbox package: the repository's own test machinery and its
// test-only dependencies.
var testOnly = []string{
	"github.com/chromedp/",
	"github.com/oapi-codegen/oapi-codegen/",
	"github.com/partifact/mockserver/internal/pgtest",
	"github.com/partifact/mockserver/internal/e2e",
	"github.com/partifact/mockserver/internal/store/storetest",
	"github.com/partifact/mockserver/bench",
}

// TestFromAnotherModule builds and runs example_test.go as an integrator
// would: from a module of its own that requires this one (replaced by the
// checkout), offline. The module cache holds what the main module's build
// downloaded, and the integrator needs a subset of it, so GOPROXY=off
// proves nothing else is fetched; go.sum starts as a copy of ours, whose
// checksums cover that subset. Then `go list -deps` shows the package
// graph of the integrator's test holds none of our test-only packages.
func TestFromAnotherModule(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []struct{ from, to string }{
		{"testdata/integrator/go.mod", "go.mod"},
		{"example_test.go", "example_test.go"},
		{filepath.Join(root, "go.sum"), "go.sum"},
	} {
		b, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
	gocmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// The integrator's go.mod as `go mod tidy` leaves it lists the modules
	// that provide its packages; ours are a superset. With them listed the
	// go command loads no module graph beyond, which offline it could not:
	// some dependencies predate graph pruning and name modules (test
	// frameworks) no build of ours ever downloads.
	var mod struct {
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal([]byte(gocmd("mod", "edit", "-json", filepath.Join(root, "go.mod"))), &mod); err != nil {
		t.Fatal(err)
	}
	edit := []string{"mod", "edit", "-replace=github.com/partifact/mockserver=" + root}
	for _, r := range mod.Require {
		edit = append(edit, "-require="+r.Path+"@"+r.Version)
	}
	gocmd(edit...)

	out := gocmd("test", "-count=1", "-v", "./...")
	if !strings.Contains(out, "--- PASS: TestExampleJobInserted") {
		t.Fatalf("the example did not run and pass:\n%s", out)
	}

	deps := gocmd("list", "-deps", "-test", "./...")
	if !strings.Contains(deps, "github.com/partifact/mockserver/sandbox\n") {
		t.Fatalf("go list does not show the sandbox package:\n%s", deps)
	}
	for _, pkg := range strings.Split(deps, "\n") {
		for _, bad := range testOnly {
			if strings.HasPrefix(pkg, bad) {
				t.Errorf("an integrator's test build pulls in %s", pkg)
			}
		}
	}
}
