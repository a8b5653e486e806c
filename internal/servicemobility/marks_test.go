package servicemobility_test

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	sm "github.com/partifact/mockserver/internal/servicemobility"
)

// vendorFacts lists the elements of openapi-servicemobility.json taken from
// the vendor, one JSON pointer a line followed by its source.
const vendorFacts = "testdata/vendor-facts.txt"

// limitKeywords bound a value. A limit is an element of its own: a vendor
// field may carry a limit the mock chose.
var limitKeywords = []string{"minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minProperties", "maxProperties"}

// TestEveryElementIsMarkedOrKnown: every operation, parameter, component
// schema, property and limit of the document is marked x-fidelity:
// designed, lies inside a designed element, or is listed in vendorFacts
// with its source. A listed pointer that names nothing unmarked is stale,
// and an x-fidelity-note (which part of a designed element is the
// vendor's) stands beside a designed mark.
func TestEveryElementIsMarkedOrKnown(t *testing.T) {
	facts := readFacts(t)
	var root map[string]any
	if err := json.Unmarshal(sm.Document(), &root); err != nil {
		t.Fatal(err)
	}
	w := &markWalk{root: root, facts: facts, used: map[string]bool{}, seen: map[string]bool{}, designed: map[string]bool{}}
	paths, _ := root["paths"].(map[string]any)
	for _, name := range sortedKeys(paths) {
		item, _ := paths[name].(map[string]any)
		for _, verb := range sortedKeys(item) {
			if op, ok := item[verb].(map[string]any); ok {
				w.operation(op, "/paths/"+escape(name)+"/"+verb)
			}
		}
	}
	comps, _ := root["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for _, name := range sortedKeys(schemas) {
		w.component("#/components/schemas/" + escape(name))
	}
	for _, p := range w.unmarked {
		t.Errorf("%s: neither marked x-fidelity: designed nor listed in %s", p, vendorFacts)
	}
	for _, p := range sortedKeys(facts) {
		if !w.used[p] {
			t.Errorf("%s is listed in %s but names no unmarked element or limit of the document", p, vendorFacts)
		}
	}
	if len(w.designed) < 20 {
		t.Fatalf("only %d designed elements found: the walk is broken", len(w.designed))
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
		if !w.designed[p] {
			t.Errorf("%s is not marked designed", p)
		}
	}
	var notes func(v any, ptr string)
	notes = func(v any, ptr string) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["x-fidelity-note"]; ok && !isDesigned(x) {
				t.Errorf("%s: an x-fidelity-note without x-fidelity: designed", ptr)
			}
			for _, k := range sortedKeys(x) {
				notes(x[k], ptr+"/"+escape(k))
			}
		case []any:
			for i, e := range x {
				notes(e, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
	notes(root, "")
}

type markWalk struct {
	root     map[string]any
	facts    map[string]any
	used     map[string]bool
	seen     map[string]bool
	designed map[string]bool
	unmarked []string
}

func isDesigned(n map[string]any) bool { return n["x-fidelity"] == "designed" }

// element checks one element and reports whether what lies inside it is
// covered by a designed mark.
func (w *markWalk) element(n map[string]any, ptr string, covered bool) bool {
	switch {
	case covered:
		return true
	case isDesigned(n):
		w.designed[ptr] = true
		return true
	case w.facts[ptr] != nil:
		w.used[ptr] = true
	default:
		w.unmarked = append(w.unmarked, ptr)
	}
	return false
}

func (w *markWalk) limits(n map[string]any, ptr string, covered bool) {
	if covered {
		return
	}
	for _, kw := range limitKeywords {
		if _, ok := n[kw]; !ok {
			continue
		}
		if w.facts[ptr+"/"+kw] != nil {
			w.used[ptr+"/"+kw] = true
		} else {
			w.unmarked = append(w.unmarked, ptr+"/"+kw)
		}
	}
}

func (w *markWalk) operation(op map[string]any, ptr string) {
	w.element(op, ptr, false)
	params, _ := op["parameters"].([]any)
	for i, p := range params {
		pm, _ := p.(map[string]any)
		pptr := ptr + "/parameters/" + strconv.Itoa(i)
		if r, ok := pm["$ref"].(string); ok {
			pptr = strings.TrimPrefix(r, "#")
			pm = w.resolve(r)
			if w.seen[pptr] {
				continue
			}
			w.seen[pptr] = true
		}
		covered := w.element(pm, pptr, false)
		if s, ok := pm["schema"].(map[string]any); ok {
			w.schema(s, pptr+"/schema", covered)
		}
	}
	if body, ok := op["requestBody"].(map[string]any); ok {
		w.content(body, ptr+"/requestBody")
	}
	responses, _ := op["responses"].(map[string]any)
	for _, code := range sortedKeys(responses) {
		if r, ok := responses[code].(map[string]any); ok {
			w.content(r, ptr+"/responses/"+code)
		}
	}
}

func (w *markWalk) content(n map[string]any, ptr string) {
	content, _ := n["content"].(map[string]any)
	for _, mt := range sortedKeys(content) {
		m, _ := content[mt].(map[string]any)
		if s, ok := m["schema"].(map[string]any); ok {
			// A body schema is part of its operation, not an element.
			w.schema(s, ptr+"/content/"+escape(mt)+"/schema", true)
		}
	}
}

// schema walks a schema that is not an element itself: what it references
// and what it holds.
func (w *markWalk) schema(n map[string]any, ptr string, covered bool) {
	if r, ok := n["$ref"].(string); ok {
		w.component(r)
	}
	w.limits(n, ptr, covered)
	props, _ := n["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		p, _ := props[name].(map[string]any)
		pptr := ptr + "/properties/" + escape(name)
		w.schema(p, pptr, w.element(p, pptr, covered))
	}
	for _, kw := range []string{"oneOf", "anyOf", "allOf"} {
		alts, _ := n[kw].([]any)
		for i, a := range alts {
			am, _ := a.(map[string]any)
			aptr := ptr + "/" + kw + "/" + strconv.Itoa(i)
			if _, isRef := am["$ref"]; isRef || am["type"] == "null" {
				w.schema(am, aptr, covered)
				continue
			}
			w.schema(am, aptr, w.element(am, aptr, covered))
		}
	}
	for _, kw := range []string{"items", "additionalProperties", "not", "if", "then"} {
		if s, ok := n[kw].(map[string]any); ok {
			w.schema(s, ptr+"/"+kw, covered)
		}
	}
}

// component walks the schema a local $ref names, once.
func (w *markWalk) component(ref string) {
	ptr := strings.TrimPrefix(ref, "#")
	if w.seen[ptr] || !strings.HasPrefix(ref, "#/") {
		return
	}
	w.seen[ptr] = true
	n := w.resolve(ref)
	w.schema(n, ptr, w.element(n, ptr, false))
}

func (w *markWalk) resolve(ref string) map[string]any {
	var n any = w.root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, _ := n.(map[string]any)
		n = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
	}
	m, _ := n.(map[string]any)
	return m
}

func readFacts(t *testing.T) map[string]any {
	t.Helper()
	f, err := os.Open(vendorFacts)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	facts := map[string]any{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ptr, source, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(ptr, "/") || strings.TrimSpace(source) == "" {
			t.Fatalf("%s:%d: want a JSON pointer and its source: %q", vendorFacts, n, line)
		}
		if facts[ptr] != nil {
			t.Fatalf("%s:%d: %s is listed twice", vendorFacts, n, ptr)
		}
		facts[ptr] = strings.TrimSpace(source)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return facts
}

func escape(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
