package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	mockserver "github.com/partifact/mockserver"
	"github.com/partifact/mockserver/internal/methods"
)

// TestSpecSweep: every operation of openapi.json has a method and every
// method an operation, with the vendor's shape: POST only, 200 and default.
func TestSpecSweep(t *testing.T) {
	t.Parallel()
	d := loadDoc(t) // loading also validates the document
	var served []string
	for _, m := range methods.All {
		served = append(served, m.Name)
	}
	declared := d.OpsUnder(methods.PathPrefix)
	slices.Sort(served)
	slices.Sort(declared)
	if !slices.Equal(served, declared) {
		t.Fatalf("methods served %v\nmethods declared %v", served, declared)
	}
	extensions := 0
	for path, item := range d.Paths.Map() {
		if !strings.HasPrefix(path, "/api/2026-01/") {
			continue
		}
		if item.Get != nil || item.Put != nil || item.Delete != nil || item.Patch != nil {
			t.Errorf("%s: wire methods are POST only", path)
		}
		op := item.Post
		if op.Responses.Value("200") == nil || op.Responses.Value("default") == nil || op.Responses.Len() != 2 {
			t.Errorf("%s: want exactly 200 and default responses", path)
		}
		if op.Extensions["x-extension"] == true {
			extensions++
		}
	}
	if extensions != 2 {
		t.Errorf("want 2 extensions, got %d", extensions)
	}
	// repairer.jobs.parts.insert answers errors as bare strings (D24).
	for _, m := range methods.All {
		s := d.ResponseSchema(m.Name, "default")
		bare := s.Type.Is("string")
		if bare != m.BareErrors {
			t.Errorf("%s: union of bare strings %v in openapi.json, %v in the method table", m.Name, bare, m.BareErrors)
		}
	}
	if strings.Contains(string(mockserver.OpenAPI), `"const"`) {
		t.Error("openapi.json uses const; the validator is fastest with one-value enums")
	}
	var raw map[string]any
	if err := json.Unmarshal(mockserver.OpenAPI, &raw); err != nil || raw["openapi"] != "3.1.0" {
		t.Fatalf("want an OpenAPI 3.1.0 document: %v", err)
	}
}
