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
	"B":{"oneOf":[{"type":"null"},{"$ref":"#/components/schemas/A"}]},
	"C":{"type":"object","properties":{"const":{"type":"integer","exclusiveMinimum":0}}},
	"D":{"const":"draft"},
	"E":{"type":["integer","string"]}}}}`
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
			"B": map[string]any{"allOf": []any{map[string]any{"$ref": "#/components/schemas/A"}}, "nullable": true},
			// A property named const is a name, not the keyword.
			"C": map[string]any{"type": "object", "properties": map[string]any{
				"const": map[string]any{"type": "integer", "minimum": 0.0, "exclusiveMinimum": true}}},
			"D": map[string]any{"enum": []any{"draft"}},
			"E": map[string]any{"oneOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	if _, err := Downgrade([]byte("{")); err == nil {
		t.Fatal("malformed input accepted")
	}
}
