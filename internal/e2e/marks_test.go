package e2e

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	mockserver "github.com/partifact/mockserver"
)

// vendorFacts lists the elements of openapi.json taken from the vendor, one
// JSON pointer a line followed by where it comes from (a seed or a fact of
// the contract). Lines starting with # are comments.
const vendorFacts = "testdata/vendor-facts.txt"

// limitKeywords are the schema keywords that bound a value. A limit is a
// fact of its own: a vendor field may carry a limit the mock chose.
var limitKeywords = []string{"minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minProperties", "maxProperties"}

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
	w := &markWalk{root: root, facts: facts, used: map[string]bool{}, seen: map[string]bool{}}
	for _, group := range []string{"paths", "webhooks"} {
		items, _ := root[group].(map[string]any)
		for _, name := range sortedKeys(items) {
			item, _ := items[name].(map[string]any)
			for _, verb := range sortedKeys(item) {
				op, ok := item[verb].(map[string]any)
				if !ok {
					continue
				}
				w.operation(op, "/"+group+"/"+escape(name)+"/"+verb)
			}
		}
	}
	// Then what no operation reaches (unknown_method is no method's answer).
	comps, _ := root["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for _, name := range sortedKeys(schemas) {
		w.component("#/components/schemas/" + escape(name))
	}
	for _, p := range w.unmarked {
		t.Errorf("%s: neither marked x-fidelity: designed nor listed in %s", p, vendorFacts)
	}
	var stale []string
	for p := range facts {
		if !w.used[p] {
			stale = append(stale, p)
		}
	}
	slices.Sort(stale)
	for _, p := range stale {
		t.Errorf("%s is listed in %s but names no unmarked element or limit of openapi.json", p, vendorFacts)
	}
	if len(w.used) < 50 {
		t.Fatalf("only %d vendor facts matched: the walk is broken", len(w.used))
	}
}

type markWalk struct {
	root     map[string]any
	facts    map[string]string
	used     map[string]bool
	seen     map[string]bool // schemas walked, by pointer
	unmarked []string
}

func designed(n map[string]any) bool {
	m := n["x-fidelity"]
	return m == "designed" || m == "sandbox"
}

// element checks one element; it reports whether what lies inside it is
// covered by a designed mark.
func (w *markWalk) element(n map[string]any, ptr string, covered bool) bool {
	switch {
	case covered || designed(n):
		return true
	case w.facts[ptr] != "":
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
		if w.facts[ptr+"/"+kw] != "" {
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

// schema walks a schema that is not an element itself (an items schema, a
// body schema): what it references and what it holds.
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
	for _, kw := range []string{"items", "additionalProperties", "not"} {
		if s, ok := n[kw].(map[string]any); ok {
			w.schema(s, ptr+"/"+kw, covered)
		}
	}
}

// component walks the schema a $ref names, once.
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

func readFacts(t *testing.T) map[string]string {
	f, err := os.Open(vendorFacts)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	facts := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ptr, source, _ := strings.Cut(line, " ")
		source = strings.TrimSpace(source)
		if !strings.HasPrefix(ptr, "/") || source == "" {
			t.Fatalf("%s:%d: want a JSON pointer and its source: %q", vendorFacts, n, line)
		}
		if facts[ptr] != "" {
			t.Fatalf("%s:%d: %s is listed twice", vendorFacts, n, ptr)
		}
		facts[ptr] = source
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return facts
}

func escape(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }

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
