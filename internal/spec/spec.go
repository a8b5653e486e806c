// Package spec loads the embedded openapi.json once and validates JSON values
// against the schemas of its operations. Validation uses kin-openapi's
// schema visitor directly on the decoded body: each wire method has exactly
// one path, so no router is needed to find the schema.
package spec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	mockserver "github.com/partifact/mockserver"
)

// PathPrefix is where every wire method lives.
const PathPrefix = "/api/2026-01/"

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func init() {
	// kin-openapi validates only the formats it is told about.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
		if !uuidPattern.MatchString(s) {
			return errors.New("not a UUID")
		}
		return nil
	}))
}

// Doc is the parsed contract.
type Doc struct {
	*openapi3.T
	ops map[string]*openapi3.Operation
}

// Load parses and validates the embedded document.
func Load() (*Doc, error) {
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(mockserver.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("spec: parse openapi.json: %w", err)
	}
	if err := t.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("spec: openapi.json is invalid: %w", err)
	}
	d := &Doc{T: t, ops: map[string]*openapi3.Operation{}}
	for path, item := range t.Paths.Map() {
		if name, ok := strings.CutPrefix(path, PathPrefix); ok && item.Post != nil {
			d.ops[name] = item.Post
		}
	}
	return d, nil
}

// Methods lists the wire methods the document declares.
func (d *Doc) Methods() []string {
	out := make([]string, 0, len(d.ops))
	for name := range d.ops {
		out = append(out, name)
	}
	return out
}

// Operation is the POST operation of a wire method, or nil.
func (d *Doc) Operation(method string) *openapi3.Operation { return d.ops[method] }

// RequestSchema is a method's request body schema, or nil.
func (d *Doc) RequestSchema(method string) *openapi3.Schema {
	op := d.ops[method]
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// ResponseSchema is the schema of a method's response for status "200" or
// "default", or nil.
func (d *Doc) ResponseSchema(method, status string) *openapi3.Schema {
	op := d.ops[method]
	if op == nil {
		return nil
	}
	r := op.Responses.Value(status)
	if r == nil || r.Value == nil {
		return nil
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// Problem is one reason a value does not match a schema.
type Problem struct {
	Path    string // JSON pointer into the value
	Message string
}

// Validate checks a decoded JSON value (any of map[string]any, []any,
// string, float64, bool, nil) against a schema of the embedded document and
// lists every problem.
//
// Valid values, the common case on the hot path, take one fail-fast pass
// that builds no error values. Only an invalid value pays for the full pass
// that lists every problem.
func Validate(schema *openapi3.Schema, value any, asRequest bool) []Problem {
	if schema.VisitJSON(value, quickOptions(asRequest)...) == nil {
		return nil
	}
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors()}
	if asRequest {
		opts = append(opts, openapi3.VisitAsRequest())
	} else {
		opts = append(opts, openapi3.VisitAsResponse())
	}
	err := schema.VisitJSON(value, opts...)
	if err == nil {
		// The passes disagree only if kin-openapi does; trust the full one.
		return nil
	}
	var out []Problem
	collect(err, &out)
	return out
}

// directional says whether the embedded document declares a readOnly or
// writeOnly property anywhere. When it does not, validating "as a request"
// or "as a response" changes no outcome, yet costs: kin-openapi then deep
// copies the value for every oneOf branch and sorts the property names of
// every object it visits. The quick pass leaves the direction out then.
var directional = declaresReadOnlyOrWriteOnly(mockserver.OpenAPI)

var (
	quickUndirected = []openapi3.SchemaValidationOption{openapi3.FailFast()}
	quickAsRequest  = []openapi3.SchemaValidationOption{openapi3.FailFast(), openapi3.VisitAsRequest()}
	quickAsResponse = []openapi3.SchemaValidationOption{openapi3.FailFast(), openapi3.VisitAsResponse()}
)

func quickOptions(asRequest bool) []openapi3.SchemaValidationOption {
	switch {
	case !directional:
		return quickUndirected
	case asRequest:
		return quickAsRequest
	}
	return quickAsResponse
}

// declaresReadOnlyOrWriteOnly reports whether a JSON document has a
// "readOnly" or "writeOnly" key set to true at any depth. Property names
// spelled so would count too, which errs on the safe side.
func declaresReadOnlyOrWriteOnly(doc []byte) bool {
	var root any
	if err := json.Unmarshal(doc, &root); err != nil {
		// Load reports the broken document; be conservative meanwhile.
		return true
	}
	var walk func(any) bool
	walk = func(n any) bool {
		switch v := n.(type) {
		case map[string]any:
			if v["readOnly"] == true || v["writeOnly"] == true {
				return true
			}
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(root)
}

func collect(err error, out *[]Problem) {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		for _, e := range multi {
			collect(e, out)
		}
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		path := "/" + strings.Join(se.JSONPointer(), "/")
		msg := se.Reason
		if se.Origin != nil && msg == "" {
			msg = se.Origin.Error()
		}
		*out = append(*out, Problem{Path: path, Message: msg})
		return
	}
	*out = append(*out, Problem{Path: "/", Message: err.Error()})
}
