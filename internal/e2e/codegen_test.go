package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	// The generated client imports the runtime; importing it here keeps it in
	// go.mod at the version the test builds with.
	_ "github.com/oapi-codegen/runtime"

	"github.com/partifact/mockserver/sandbox"
)

// clientMain uses the generated client against a live server: it must
// compile, send the credential headers, and decode JobV1.
const clientMain = `package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
)

func main() {
	c, err := NewClientWithResponses(os.Args[1], WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+os.Args[2])
		r.Header.Set("Partly-Integration-ID", os.Args[3])
		return nil
	}))
	if err != nil {
		panic(err)
	}
	resp, err := c.RepairerJobsGetWithBodyWithResponse(context.Background(), "application/json",
		strings.NewReader(` + "`" + `{"identity":{"external":"CCC-2026-04817"}}` + "`" + `))
	if err != nil {
		panic(err)
	}
	if resp.JSON200 == nil {
		panic(fmt.Sprintf("status %d: %s", resp.StatusCode(), resp.Body))
	}
	fmt.Print(*resp.JSON200.ExternalId, " ", resp.JSON200.Status)
}
`

// TestOpenAPI30Codegen: /openapi-3.0.json is a valid 3.0 document from which
// oapi-codegen v2.8.2 (a tool of this module) generates a Go client that
// compiles and reads the demo job.
func TestOpenAPI30Codegen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the code generator")
	}
	t.Parallel()
	srv := sandbox.Start(t)
	resp, err := http.Get(srv.URL + "/openapi-3.0.json")
	if err != nil {
		t.Fatal(err)
	}
	doc30, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /openapi-3.0.json: %d %v", resp.StatusCode, err)
	}
	d, err := openapi3.NewLoader().LoadFromData(doc30)
	if err != nil {
		t.Fatal(err)
	}
	if d.OpenAPI != "3.0.3" {
		t.Fatalf("version %q", d.OpenAPI)
	}
	if err := d.Validate(context.Background()); err != nil {
		t.Fatalf("the derived 3.0 document is invalid: %v", err)
	}
	for _, s := range []string{`"const"`, `"type": [`, `{"type": "null"}`} {
		if strings.Contains(string(doc30), s) {
			t.Errorf("3.0 document still has %s", s)
		}
	}

	// Generate inside this module (testdata is outside ./... patterns) so the
	// generated code builds against this module's pinned oapi-codegen runtime.
	dir, err := os.MkdirTemp("testdata", "oapigen-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	spec30 := filepath.Join(dir, "openapi-3.0.json")
	if err := os.WriteFile(spec30, doc30, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := func(name string, args ...string) string {
		t.Helper()
		out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	run("go", "tool", "oapi-codegen", "-generate", "types,client", "-package", "main",
		"-o", filepath.Join(dir, "client.go"), spec30)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(clientMain), 0o644); err != nil {
		t.Fatal(err)
	}
	run("go", "vet", "./"+dir)
	out := run("go", "run", "./"+dir, srv.URL, sandbox.Repairer.APIKey, sandbox.Repairer.IntegrationID)
	if !strings.HasPrefix(out, "CCC-2026-04817 ") {
		t.Fatalf("generated client read %q", out)
	}
}
