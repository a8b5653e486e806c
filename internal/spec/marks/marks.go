// Package marks checks that an OpenAPI document tells what it takes from
// the vendor from what is designed here: every element (operation,
// parameter, component schema, property, inline variant) and every limit
// is marked x-fidelity: designed (or sandbox), lies inside a designed
// element, or is listed as a vendor fact with its source. The documents'
// tests use it (internal/e2e for openapi.json, internal/servicemobility).
package marks

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// limitKeywords bound a value. A limit is an element of its own: a vendor
// field may carry a limit the mock chose.
var limitKeywords = []string{"minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minProperties", "maxProperties"}

// Report is what a walk of a document found.
type Report struct {
	// Unmarked are the elements and limits neither marked nor listed.
	Unmarked []string
	// Stale are the listed facts that name no unmarked element or limit.
	Stale []string
	// Used are the listed facts the walk met; Designed the elements it
	// found marked designed.
	Used, Designed map[string]bool
}

// Problems says each unmarked element and each stale fact in a sentence,
// naming the facts' file and the document.
func (r Report) Problems(factsFile, doc string) []string {
	var out []string
	for _, p := range r.Unmarked {
		out = append(out, fmt.Sprintf("%s: neither marked x-fidelity: designed nor listed in %s", p, factsFile))
	}
	for _, p := range r.Stale {
		out = append(out, fmt.Sprintf("%s is listed in %s but names no unmarked element or limit of %s", p, factsFile, doc))
	}
	return out
}

// Check walks every operation of the document (under paths and webhooks),
// the parameters and schemas each reaches, then the component schemas
// none reaches. facts are the vendor's elements, by JSON pointer.
func Check(root map[string]any, facts map[string]string) Report {
	w := &walk{root: root, facts: facts, seen: map[string]bool{},
		Report: Report{Used: map[string]bool{}, Designed: map[string]bool{}}}
	for _, group := range []string{"paths", "webhooks"} {
		items, _ := root[group].(map[string]any)
		for _, name := range sortedKeys(items) {
			item, _ := items[name].(map[string]any)
			for _, verb := range sortedKeys(item) {
				if op, ok := item[verb].(map[string]any); ok {
					w.operation(op, "/"+group+"/"+Escape(name)+"/"+verb)
				}
			}
		}
	}
	comps, _ := root["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for _, name := range sortedKeys(schemas) {
		w.component("#/components/schemas/" + Escape(name))
	}
	for p := range facts {
		if !w.Used[p] {
			w.Stale = append(w.Stale, p)
		}
	}
	slices.Sort(w.Stale)
	return w.Report
}

// ReadFacts reads a list of vendor facts: one JSON pointer a line followed
// by its source (a seed or a fact of the contract); lines starting with #
// are comments.
func ReadFacts(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
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
			return nil, fmt.Errorf("%s:%d: want a JSON pointer and its source: %q", path, n, line)
		}
		if facts[ptr] != "" {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", path, n, ptr)
		}
		facts[ptr] = source
	}
	return facts, sc.Err()
}

// Designed says whether a node carries a designed (or sandbox) mark.
func Designed(n map[string]any) bool {
	m := n["x-fidelity"]
	return m == "designed" || m == "sandbox"
}

// Escape makes a name one token of a JSON pointer.
func Escape(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }

type walk struct {
	Report
	root  map[string]any
	facts map[string]string
	seen  map[string]bool // schemas and parameters walked, by pointer
}

// element checks one element and reports whether what lies inside it is
// covered by a designed mark.
func (w *walk) element(n map[string]any, ptr string, covered bool) bool {
	switch {
	case covered:
		return true
	case Designed(n):
		w.Designed[ptr] = true
		return true
	case w.facts[ptr] != "":
		w.Used[ptr] = true
	default:
		w.Unmarked = append(w.Unmarked, ptr)
	}
	return false
}

func (w *walk) limits(n map[string]any, ptr string, covered bool) {
	if covered {
		return
	}
	for _, kw := range limitKeywords {
		if _, ok := n[kw]; !ok {
			continue
		}
		if w.facts[ptr+"/"+kw] != "" {
			w.Used[ptr+"/"+kw] = true
		} else {
			w.Unmarked = append(w.Unmarked, ptr+"/"+kw)
		}
	}
}

func (w *walk) operation(op map[string]any, ptr string) {
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

func (w *walk) content(n map[string]any, ptr string) {
	content, _ := n["content"].(map[string]any)
	for _, mt := range sortedKeys(content) {
		m, _ := content[mt].(map[string]any)
		if s, ok := m["schema"].(map[string]any); ok {
			// A body schema is part of its operation, not an element.
			w.schema(s, ptr+"/content/"+Escape(mt)+"/schema", true)
		}
	}
}

// schema walks a schema that is not an element itself (an items schema, a
// body schema): what it references and what it holds.
func (w *walk) schema(n map[string]any, ptr string, covered bool) {
	if r, ok := n["$ref"].(string); ok {
		w.component(r)
	}
	w.limits(n, ptr, covered)
	props, _ := n["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		p, _ := props[name].(map[string]any)
		pptr := ptr + "/properties/" + Escape(name)
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
	for _, kw := range []string{"items", "additionalProperties", "not", "if", "then", "else"} {
		if s, ok := n[kw].(map[string]any); ok {
			w.schema(s, ptr+"/"+kw, covered)
		}
	}
}

// component walks the schema a local $ref names, once.
func (w *walk) component(ref string) {
	ptr := strings.TrimPrefix(ref, "#")
	if w.seen[ptr] || !strings.HasPrefix(ref, "#/") {
		return
	}
	w.seen[ptr] = true
	n := w.resolve(ref)
	w.schema(n, ptr, w.element(n, ptr, false))
}

func (w *walk) resolve(ref string) map[string]any {
	var n any = w.root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, _ := n.(map[string]any)
		n = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
	}
	m, _ := n.(map[string]any)
	return m
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
