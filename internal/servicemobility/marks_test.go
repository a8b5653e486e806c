package servicemobility_test

import (
	"encoding/json"
	"strconv"
	"testing"

	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/spec/marks"
)

// vendorFacts lists the elements of openapi-servicemobility.json taken from
// the vendor, one JSON pointer a line followed by its source.
const vendorFacts = "testdata/vendor-facts.txt"

// TestEveryElementIsMarkedOrKnown: every operation, parameter, component
// schema, property and limit of the document is marked x-fidelity:
// designed, lies inside a designed element, or is listed in vendorFacts
// with its source. A listed pointer that names nothing unmarked is stale,
// and an x-fidelity-note (which part of a designed element is the
// vendor's) stands beside a designed mark.
func TestEveryElementIsMarkedOrKnown(t *testing.T) {
	facts, err := marks.ReadFacts(vendorFacts)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(sm.Document(), &root); err != nil {
		t.Fatal(err)
	}
	rep := marks.Check(root, facts)
	for _, problem := range rep.Problems(vendorFacts, "the document") {
		t.Error(problem)
	}
	if len(rep.Designed) < 20 {
		t.Fatalf("only %d designed elements found: the walk is broken", len(rep.Designed))
	}
	// The marks the module's README and the issue name must stay marked.
	for _, p := range []string{
		"/paths/~1servicemobility~1createjwt/post",
		"/paths/~1servicemobility~1parts-orders/post",
		"/components/schemas/PartsOrderingObject",
		"/components/schemas/PartsOrderingResponseObject",
		"/components/parameters/AccessToken",
		"/components/schemas/Address/properties/Zip",
	} {
		if !rep.Designed[p] {
			t.Errorf("%s is not marked designed", p)
		}
	}
	var notes func(v any, ptr string)
	notes = func(v any, ptr string) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["x-fidelity-note"]; ok && !marks.Designed(x) {
				t.Errorf("%s: an x-fidelity-note without x-fidelity: designed", ptr)
			}
			for k, e := range x {
				notes(e, ptr+"/"+marks.Escape(k))
			}
		case []any:
			for i, e := range x {
				notes(e, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
	notes(root, "")
}
