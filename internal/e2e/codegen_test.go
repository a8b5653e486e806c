package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	// The generated client imports the runtime; importing it here keeps it in
	// go.mod at the version the test builds with.
	_ "github.com/oapi-codegen/runtime"

	"github.com/partifact/mockserver/sandbox"
)

// clientMain drives a live server with the client oapi-codegen generated:
// it replays the README's walk-through (steps.json, one call a step),
// passing the credential as the operations' header parameters and the
// tenant by a request editor (a sandbox header, outside the contract), and
// prints each answer, then reads the demo job with a typed body and names
// its status by the union's discriminator.
const clientMain = `package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/google/uuid"
)

type step struct {
	Method, Authorization, IntegrationID, Tenant string
	Body                                         json.RawMessage
}

type answer struct {
	Status int             ` + "`json:\"status\"`" + `
	Typed  bool            ` + "`json:\"typed\"`" + `
	Body   json.RawMessage ` + "`json:\"body\"`" + `
}

func main() {
	c, err := NewClientWithResponses(os.Args[1])
	if err != nil {
		panic(err)
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	var steps []step
	if err := json.Unmarshal(raw, &steps); err != nil {
		panic(err)
	}
	ctx := context.Background()
	var out []answer
	for _, s := range steps {
		tenant := func(_ context.Context, r *http.Request) error {
			r.Header.Set("x-mock-tenant", s.Tenant)
			return nil
		}
		auth, id := s.Authorization, uuid.MustParse(s.IntegrationID)
		body := func() *bytes.Reader { return bytes.NewReader(s.Body) }
		const ct = "application/json"
		var a answer
		switch s.Method {
		case "tier1.prepare":
			r, err := c.Tier1PrepareWithBodyWithResponse(ctx, &Tier1PrepareParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "businesses.list":
			r, err := c.BusinessesListWithBodyWithResponse(ctx, &BusinessesListParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "repairer.work-providers.list":
			r, err := c.RepairerWorkProvidersListWithBodyWithResponse(ctx, &RepairerWorkProvidersListParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "repairer.jobs.insert":
			r, err := c.RepairerJobsInsertWithBodyWithResponse(ctx, &RepairerJobsInsertParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "repairer.jobs.parts.insert":
			r, err := c.RepairerJobsPartsInsertWithBodyWithResponse(ctx, &RepairerJobsPartsInsertParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "repairer.jobs.baskets.latest.get":
			r, err := c.RepairerJobsBasketsLatestGetWithBodyWithResponse(ctx, &RepairerJobsBasketsLatestGetParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "repairer.procurements.insert":
			r, err := c.RepairerProcurementsInsertWithBodyWithResponse(ctx, &RepairerProcurementsInsertParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "supplier.procurements.list":
			r, err := c.SupplierProcurementsListWithBodyWithResponse(ctx, &SupplierProcurementsListParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "supplier.procurements.confirm":
			r, err := c.SupplierProcurementsConfirmWithBodyWithResponse(ctx, &SupplierProcurementsConfirmParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "repairer.procurements.invoices.list":
			r, err := c.RepairerProcurementsInvoicesListWithBodyWithResponse(ctx, &RepairerProcurementsInvoicesListParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		case "repairer.jobs.get":
			r, err := c.RepairerJobsGetWithBodyWithResponse(ctx, &RepairerJobsGetParams{Authorization: auth, PartlyIntegrationId: id}, ct, body(), tenant)
			a = result(err, r.StatusCode(), r.Body, r.JSON200 != nil)
		default:
			panic("no generated call for " + s.Method)
		}
		out = append(out, a)
	}

	// A typed body: the identity is a union built from its variant.
	last := steps[len(steps)-1]
	var identity IntegrationsServerServiceJobsV1ModelJobIdentityV1
	if err := identity.FromIntegrationsServerServiceJobsV1ModelJobIdentityV1External(IntegrationsServerServiceJobsV1ModelJobIdentityV1External{External: "CCC-2026-04817"}); err != nil {
		panic(err)
	}
	r, err := c.RepairerJobsGetWithResponse(ctx, &RepairerJobsGetParams{Authorization: last.Authorization, PartlyIntegrationId: uuid.MustParse(last.IntegrationID)},
		RepairerJobsGetJSONRequestBody{Identity: identity}, func(_ context.Context, r *http.Request) error {
			r.Header.Set("x-mock-tenant", last.Tenant)
			return nil
		})
	if err != nil || r.JSON200 == nil {
		panic(fmt.Sprintf("typed repairer.jobs.get: %v %d %s", err, r.StatusCode(), r.Body))
	}
	status, err := r.JSON200.Status.Discriminator()
	if err != nil {
		panic(err)
	}
	b, err := json.Marshal(map[string]any{"steps": out, "external_id": r.JSON200.ExternalId, "status": status})
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(b)
}

func result(err error, status int, body []byte, typed bool) answer {
	if err != nil {
		panic(err)
	}
	return answer{Status: status, Typed: typed, Body: body}
}
`

// TestOpenAPI30Codegen: /openapi-3.0.json is a valid 3.0 document from which
// oapi-codegen v2.8.2 (a tool of this module) generates a Go client that
// compiles and walks the README's walk-through, the credential passed as
// the operations' header parameters.
func TestOpenAPI30Codegen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the code generator")
	}
	t.Parallel()
	// A server of its own: the walk-through names its world (walkthrough),
	// as TestReadmeWalkthrough does on the shared one.
	srv := sandbox.Start(t, sandbox.Options{Dedicated: true})
	doc30 := fetchDoc30(t, srv.URL+"/openapi-3.0.json")
	for _, s := range []string{`"const"`, `"type": [`, `{"type": "null"}`} {
		if strings.Contains(string(doc30), s) {
			t.Errorf("3.0 document still has %s", s)
		}
	}

	dir, runClient := generateClient(t, "oapigen-", doc30, clientMain)
	generated, err := os.ReadFile(filepath.Join(dir, "client.go"))
	if err != nil {
		t.Fatal(err)
	}
	// Inline variants would come out as IntegrationsServer…JobIdentityV10.
	if names := regexp.MustCompile(`\bIntegrationsServer\w*V1[0-9]\b`).FindAll(generated, 5); len(names) > 0 {
		t.Errorf("generated names of inline variants: %s", bytes.Join(names, []byte(", ")))
	}

	// The README's walk-through, in a world of its own on this server.
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		Method, Authorization, IntegrationID, Tenant string
		Body                                         json.RawMessage
	}
	var steps []step
	var want [][]byte
	for _, m := range readmeStep.FindAllSubmatch(readme, -1) {
		req := parseCurl(t, string(m[1]), srv.URL)
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, step{Method: req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:],
			Authorization: req.Header.Get("Authorization"), IntegrationID: req.Header.Get("Partly-Integration-ID"),
			Tenant: req.Header.Get("x-mock-tenant"), Body: body})
		want = append(want, m[2])
	}
	if len(steps) < 11 {
		t.Fatalf("found %d walk-through steps in README.md, want at least 11", len(steps))
	}
	out := runClient(srv.URL, writeJSON(t, filepath.Join(dir, "steps.json"), steps))
	var got struct {
		Steps []struct {
			Status int
			Typed  bool
			Body   json.RawMessage
		}
		ExternalID string `json:"external_id"`
		Status     string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("generated client printed %q: %v", out, err)
	}
	if len(got.Steps) != len(steps) {
		t.Fatalf("%d answers for %d steps", len(got.Steps), len(steps))
	}
	for i, a := range got.Steps {
		if a.Status != 200 || !a.Typed {
			t.Fatalf("%s: status %d, decoded into the generated 200 type: %v: %s", steps[i].Method, a.Status, a.Typed, a.Body)
		}
		if !reflect.DeepEqual(withoutTimes(t, a.Body), withoutTimes(t, want[i])) {
			t.Fatalf("%s answers the generated client\n%s\nbut README.md shows\n%s", steps[i].Method, a.Body, want[i])
		}
	}
	if got.ExternalID != "CCC-2026-04817" || got.Status != "parts_ordered" {
		t.Fatalf("typed repairer.jobs.get read %q with status %q", got.ExternalID, got.Status)
	}
}

// fetchDoc30 reads a derived 3.0 document from url and checks that it is a
// valid OpenAPI 3.0.3 document.
func fetchDoc30(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	doc30, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
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
	return doc30
}

// generateClient has oapi-codegen v2.8.2 (a tool of this module) generate
// a Go client of doc30, puts mainSrc beside it and vets the program. It
// generates inside this module (testdata is outside ./... patterns) so
// that the code builds against this module's pinned oapi-codegen runtime.
// runClient runs the program with args and returns what it printed.
func generateClient(t *testing.T, prefix string, doc30 []byte, mainSrc string) (dir string, runClient func(args ...string) []byte) {
	t.Helper()
	dir, err := os.MkdirTemp("testdata", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	spec30 := filepath.Join(dir, "openapi-3.0.json")
	if err := os.WriteFile(spec30, doc30, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("go", "tool", "oapi-codegen", "-generate", "types,client", "-package", "main",
		"-o", filepath.Join(dir, "client.go"), spec30)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(mainSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	run("go", "vet", "./"+dir)
	return dir, func(args ...string) []byte {
		t.Helper()
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "go", append([]string{"run", "./" + dir}, args...)...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("the generated client: %v\n%s%s", err, out, stderr.Bytes())
		}
		return out
	}
}

// writeJSON writes v as JSON to path and returns path.
func writeJSON(t *testing.T, path string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
