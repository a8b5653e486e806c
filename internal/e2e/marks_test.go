package e2e

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"sort"
	"testing"

	mockserver "github.com/partifact/mockserver"
	"github.com/partifact/mockserver/internal/spec/marks"
)

// vendorFacts lists the elements of openapi.json taken from the vendor, one
// JSON pointer a line followed by where it comes from (a seed or a fact of
// the contract). Lines starting with # are comments.
const vendorFacts = "testdata/vendor-facts.txt"

// TestEveryElementIsMarkedOrKnown walks every operation of openapi.json
// (wire methods, the consent page, webhooks), the parameters and schemas
// each reaches, then the schemas none reaches. Every element (operation, parameter, component schema,
// property, inline variant) and every limit must be marked designed (or
// sandbox), lie inside a designed schema, or be listed in vendorFacts with
// its source. A listed pointer that names nothing is stale and fails too.
func TestEveryElementIsMarkedOrKnown(t *testing.T) {
	t.Parallel()
	facts := readFacts(t)
	var root map[string]any
	if err := json.Unmarshal(mockserver.OpenAPI, &root); err != nil {
		t.Fatal(err)
	}
	rep := marks.Check(root, facts)
	for _, problem := range rep.Problems(vendorFacts, "openapi.json") {
		t.Error(problem)
	}
	if len(rep.Used) < 50 {
		t.Fatalf("only %d vendor facts matched: the walk is broken", len(rep.Used))
	}
}

func readFacts(t *testing.T) map[string]string {
	t.Helper()
	facts, err := marks.ReadFacts(vendorFacts)
	if err != nil {
		t.Fatal(err)
	}
	return facts
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// seedTypeName finds the vendor's type names in the seed text vendorFacts
// quotes: "string (std.string.String)", "required | object
// (…ExternalInsertV1)", and the variants of a one-of, "id (object) or
// external (object)". A name the quote abbreviates ("…LocationV1") is
// left out.
var (
	seedTypeName    = regexp.MustCompile(`\(([A-Za-z_][\w.]*(?:<[\w.]+>)?)\)`)
	seedVariantName = regexp.MustCompile(`(?:^|[\s"])([A-Za-z_][\w.]*) \(object\)`)
)

// TestVendorTypeNamesAreTitles: every type name the vendor's reference
// shows (as vendorFacts quotes it) is the title of a schema in openapi.json,
// so tools that name types by title name them as the real spec's do; and
// every component schema has a title.
func TestVendorTypeNamesAreTitles(t *testing.T) {
	t.Parallel()
	var root map[string]any
	if err := json.Unmarshal(mockserver.OpenAPI, &root); err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	var walk func(n any)
	walk = func(n any) {
		switch x := n.(type) {
		case map[string]any:
			if s, ok := x["title"].(string); ok {
				titles[s] = true
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	comps, _ := root["components"].(map[string]any)
	walk(comps)
	walk(root["paths"])

	names := map[string]bool{}
	for _, source := range readFacts(t) {
		for _, m := range seedTypeName.FindAllStringSubmatch(source, -1) {
			if m[1] != "object" {
				names[m[1]] = true
			}
		}
		for _, m := range seedVariantName.FindAllStringSubmatch(source, -1) {
			names[m[1]] = true
		}
	}
	for _, want := range []string{"std.string.String", "uuid.Uuid", "id", "ChassisNumber"} {
		if !names[want] {
			t.Fatalf("%s quotes no %q: the name patterns are broken", vendorFacts, want)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if !titles[name] {
			t.Errorf("the vendor's type name %q is no schema's title in openapi.json", name)
		}
	}

	schemas, _ := comps["schemas"].(map[string]any)
	for _, key := range sortedKeys(schemas) {
		if s, _ := schemas[key].(map[string]any); s["title"] == nil {
			t.Errorf("components/schemas/%s has no title", key)
		}
	}
}
