package apidocs

import (
	"encoding/json"
	"fmt"
)

// Downgrade derives an OpenAPI 3.0.3 document from the 3.1 one, for code
// generators that only read 3.0: type arrays become type + nullable, a null
// branch of oneOf becomes nullable, const becomes a one-value enum, schema
// examples become example, numeric exclusive bounds become boolean ones, and
// 3.1-only top-level fields are dropped.
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
	downgradeNode(root)
	return json.MarshalIndent(root, "", "  ")
}

func downgradeNode(n any) {
	switch v := n.(type) {
	case []any:
		for _, e := range v {
			downgradeNode(e)
		}
	case map[string]any:
		downgradeSchema(v)
		for k, e := range v {
			if k == "properties" {
				// Keys here are property names, not keywords.
				if props, ok := e.(map[string]any); ok {
					for _, p := range props {
						downgradeNode(p)
					}
				}
				continue
			}
			downgradeNode(e)
		}
	}
}

// downgradeSchema rewrites the 3.1-only keywords of one object in place.
func downgradeSchema(s map[string]any) {
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
			// A $ref cannot carry nullable beside it in 3.0; allOf can.
			delete(s, key)
			s["allOf"] = rest
		} else {
			s[key] = rest
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
