package apidocs

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Downgrade derives an OpenAPI 3.0.3 document from the 3.1 one, for code
// generators that only read 3.0: type arrays become type + nullable, a null
// branch of oneOf becomes nullable, const becomes a one-value enum, schema
// examples become example, numeric exclusive bounds become boolean ones, a
// $ref with siblings moves into allOf, and 3.1-only top-level fields are
// dropped.
//
// 3.0's nullable widens only the type written beside it: it needs that
// type, and it does not reach into allOf. So a nullable reference to an
// enum is spelled out in place (null joins its values), and a nullable
// reference to an object becomes type object + nullable + allOf, the form
// generators read as "this type or null".
func Downgrade(doc31 []byte) ([]byte, error) {
	var root map[string]any
	if err := json.Unmarshal(doc31, &root); err != nil {
		return nil, fmt.Errorf("apidocs: downgrade openapi.json: %w", err)
	}
	root["openapi"] = "3.0.3"
	delete(root, "webhooks")
	delete(root, "jsonSchemaDialect")
	if info, ok := root["info"].(map[string]any); ok {
		delete(info, "summary")
		if lic, ok := info["license"].(map[string]any); ok {
			delete(lic, "identifier")
		}
	}
	d := &downgrader{schemas: map[string]any{}, raw: doc31, nullables: map[string]map[string]any{}}
	if comps, ok := root["components"].(map[string]any); ok {
		if s, ok := comps["schemas"].(map[string]any); ok {
			d.schemas = s
		}
	}
	d.node(root)
	for name, s := range d.nullables {
		d.node(s)
		d.schemas[name] = s
	}
	return json.MarshalIndent(root, "", "  ")
}

type downgrader struct {
	schemas map[string]any // the components, for what a $ref names
	raw     []byte         // the 3.1 document, for fresh copies of components
	// nullables are the components added for nullable references to
	// objects: X.Nullable is X with null allowed.
	nullables map[string]map[string]any
}

// nullableOf names the copy of object component name that also allows
// null, making it on first use.
func (d *downgrader) nullableOf(name string) string {
	copyName := name + ".Nullable"
	if _, ok := d.nullables[copyName]; ok {
		return copyName
	}
	var doc struct {
		Components struct{ Schemas map[string]map[string]any }
	}
	// The document parsed once already; parsing it again cannot fail.
	_ = json.Unmarshal(d.raw, &doc)
	c := doc.Components.Schemas[name]
	c["nullable"] = true
	if title, ok := c["title"].(string); ok {
		c["title"] = title + " or null"
	}
	c["description"] = fmt.Sprintf("`%s` or null (OpenAPI 3.0 spells a nullable reference to an object so).", name)
	d.nullables[copyName] = c
	return copyName
}

func (d *downgrader) node(n any) {
	switch v := n.(type) {
	case []any:
		for _, e := range v {
			d.node(e)
		}
	case map[string]any:
		d.schema(v)
		for k, e := range v {
			if k == "properties" {
				// Keys here are property names, not keywords.
				if props, ok := e.(map[string]any); ok {
					for _, p := range props {
						d.node(p)
					}
				}
				continue
			}
			d.node(e)
		}
	}
}

// target is the local component a $ref names, or nil.
func (d *downgrader) target(ref any) map[string]any {
	s, ok := ref.(string)
	if !ok {
		return nil
	}
	name, ok := strings.CutPrefix(s, "#/components/schemas/")
	if !ok {
		return nil
	}
	t, _ := d.schemas[name].(map[string]any)
	return t
}

// schema rewrites the 3.1-only keywords of one object in place.
func (d *downgrader) schema(s map[string]any) {
	if types, ok := s["type"].([]any); ok {
		var rest []any
		for _, t := range types {
			if t == "null" {
				s["nullable"] = true
			} else {
				rest = append(rest, t)
			}
		}
		switch len(rest) {
		case 0:
			delete(s, "type")
		case 1:
			s["type"] = rest[0]
		default:
			// 3.0 has no type unions: spell them as oneOf.
			delete(s, "type")
			alts := make([]any, len(rest))
			for i, t := range rest {
				alts[i] = map[string]any{"type": t}
			}
			s["oneOf"] = alts
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		alts, ok := s[key].([]any)
		if !ok {
			continue
		}
		var rest []any
		for _, a := range alts {
			if m, ok := a.(map[string]any); ok && len(m) == 1 && m["type"] == "null" {
				s["nullable"] = true
				continue
			}
			rest = append(rest, a)
		}
		if len(rest) == 1 && len(rest) != len(alts) {
			delete(s, key)
			d.nullable(s, rest[0])
		} else {
			s[key] = rest
		}
	}
	if ref, ok := s["$ref"].(string); ok && len(s) > 1 {
		if !strings.Contains(ref, "#/components/schemas/") {
			// A 3.0 reference object has no siblings: 3.1's summary and
			// description beside a reference go.
			clear(s)
			s["$ref"] = ref
		} else {
			// Beside a schema reference, allOf carries them.
			delete(s, "$ref")
			s["allOf"] = []any{map[string]any{"$ref": ref}}
			if t := d.target(ref); t != nil && s["type"] == nil && t["type"] != nil {
				s["type"] = t["type"]
			}
		}
	}
	if c, ok := s["const"]; ok {
		delete(s, "const")
		s["enum"] = []any{c}
	}
	if ex, ok := s["examples"].([]any); ok {
		delete(s, "examples")
		if len(ex) > 0 {
			s["example"] = ex[0]
		}
	}
	for kw, bound := range map[string]string{"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"} {
		if x, ok := s[kw].(float64); ok {
			s[bound] = x
			s[kw] = true
		}
	}
}

// nullable makes s (already marked nullable) the one non-null branch alt,
// with a type beside nullable as 3.0 requires.
func (d *downgrader) nullable(s map[string]any, alt any) {
	m, ok := alt.(map[string]any)
	if !ok {
		s["allOf"] = []any{alt}
		return
	}
	ref, isRef := m["$ref"]
	t := d.target(ref)
	switch {
	case !isRef:
		// An inline schema: its keywords join s.
		for k, v := range m {
			if _, taken := s[k]; !taken {
				s[k] = v
			}
		}
	case t != nil && t["enum"] != nil && t["type"] != "object":
		// Spelled out: null must be one of the values, and allOf would
		// refuse it whatever nullable says.
		for k, v := range t {
			if _, taken := s[k]; !taken {
				s[k] = v
			}
		}
		values, _ := t["enum"].([]any)
		s["enum"] = append(append([]any{}, values...), nil)
	case t != nil && t["type"] == "object":
		// nullable beside allOf lets generators make it "this type or
		// null"; the nullable copy inside lets strict validators pass null.
		r, _ := ref.(string)
		s["allOf"] = []any{map[string]any{"$ref": "#/components/schemas/" + d.nullableOf(strings.TrimPrefix(r, "#/components/schemas/"))}}
		s["type"] = "object"
	default:
		s["allOf"] = []any{m}
		if t != nil && t["type"] != nil {
			s["type"] = t["type"]
		}
	}
	if _, ok := s["type"]; !ok {
		s["type"] = "object"
	}
}
