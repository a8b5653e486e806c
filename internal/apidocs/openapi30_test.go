package apidocs

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDowngrade(t *testing.T) {
	in := `{"openapi":"3.1.0","info":{"title":"t","version":"1","summary":"s","license":{"name":"MIT","identifier":"MIT"}},
	"webhooks":{},"jsonSchemaDialect":"x","paths":{},"components":{"schemas":{
	"A":{"type":["string","null"],"examples":["x"]},
	"B":{"oneOf":[{"type":"null"},{"$ref":"#/components/schemas/O"}],"description":"b"},
	"C":{"type":"object","properties":{"const":{"type":"integer","exclusiveMinimum":0}}},
	"D":{"const":"draft"},
	"E":{"type":["integer","string"]},
	"N":{"type":"string","enum":["a","b"],"title":"n"},
	"O":{"type":"object","properties":{"x":{"type":"string"}}},
	"P":{"type":"object","properties":{
		"n":{"oneOf":[{"type":"null"},{"$ref":"#/components/schemas/N"}],"description":"only these"},
		"o":{"$ref":"#/components/schemas/O","description":"beside a ref"},
		"i":{"oneOf":[{"type":"null"},{"type":"string","format":"uuid"}]}}}},
	"parameters":{"h":{"name":"h","in":"header","schema":{"type":"string"}}}},
	"x-refs":[{"$ref":"#/components/parameters/h","description":"3.1 only"}]}`
	out, err := Downgrade([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "t", "version": "1", "license": map[string]any{"name": "MIT"}},
		"paths":   map[string]any{},
		"components": map[string]any{"schemas": map[string]any{
			"A": map[string]any{"type": "string", "nullable": true, "example": "x"},
			// nullable needs a type beside it, and does not reach into
			// allOf: the object referred to has a copy that allows null.
			"B": map[string]any{"type": "object", "allOf": []any{map[string]any{"$ref": "#/components/schemas/O.Nullable"}},
				"nullable": true, "description": "b"},
			"O.Nullable": map[string]any{"type": "object", "nullable": true, "properties": map[string]any{"x": map[string]any{"type": "string"}},
				"description": "`O` or null (OpenAPI 3.0 spells a nullable reference to an object so)."},
			// A property named const is a name, not the keyword.
			"C": map[string]any{"type": "object", "properties": map[string]any{
				"const": map[string]any{"type": "integer", "minimum": 0.0, "exclusiveMinimum": true}}},
			"D": map[string]any{"enum": []any{"draft"}},
			"E": map[string]any{"oneOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}},
			"N": map[string]any{"type": "string", "enum": []any{"a", "b"}, "title": "n"},
			"O": map[string]any{"type": "object", "properties": map[string]any{"x": map[string]any{"type": "string"}}},
			"P": map[string]any{"type": "object", "properties": map[string]any{
				// A nullable enum is spelled out, null among its values.
				"n": map[string]any{"type": "string", "enum": []any{"a", "b", nil}, "title": "n",
					"nullable": true, "description": "only these"},
				"o": map[string]any{"type": "object", "allOf": []any{map[string]any{"$ref": "#/components/schemas/O"}},
					"description": "beside a ref"},
				"i": map[string]any{"type": "string", "format": "uuid", "nullable": true}}}},
			"parameters": map[string]any{"h": map[string]any{"name": "h", "in": "header", "schema": map[string]any{"type": "string"}}}},
		"x-refs": []any{map[string]any{"$ref": "#/components/parameters/h"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	if _, err := Downgrade([]byte("{")); err == nil {
		t.Fatal("malformed input accepted")
	}
}
