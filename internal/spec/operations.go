package spec

import (
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// ErrorVariants lists the variants of a method's error union, as its
// default response declares them: the enum of a bare-string union, or the
// type tag of each branch of a oneOf. Nil for an unknown method.
func (d *Doc) ErrorVariants(method string) []string {
	s := d.ResponseSchema(method, "default")
	if s == nil {
		return nil
	}
	var out []string
	for _, e := range s.Enum {
		if v, ok := e.(string); ok {
			out = append(out, v)
		}
	}
	for _, branch := range s.OneOf {
		if branch.Value == nil {
			continue
		}
		if tag := branch.Value.Properties["type"]; tag != nil && tag.Value != nil && len(tag.Value.Enum) == 1 {
			if v, ok := tag.Value.Enum[0].(string); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// VariantSchema is the branch of a method's object error union tagged
// variant, or nil (also for a bare-string union).
func (d *Doc) VariantSchema(method, variant string) *openapi3.Schema {
	s := d.ResponseSchema(method, "default")
	if s == nil {
		return nil
	}
	for _, branch := range s.OneOf {
		if branch.Value == nil {
			continue
		}
		if tag := branch.Value.Properties["type"]; tag != nil && tag.Value != nil && slices.Contains(tag.Value.Enum, any(variant)) {
			return branch.Value
		}
	}
	return nil
}

// EventTypes lists the webhook event types the document declares: the
// names of its top-level webhooks, sorted. None when it has no webhooks.
func (d *Doc) EventTypes() []string {
	out := make([]string, 0, len(d.Webhooks))
	for name := range d.Webhooks {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// BodySchema is an operation's JSON request body schema, or nil.
func BodySchema(op *openapi3.Operation) *openapi3.Schema {
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
		return mt.Schema.Value
	}
	return nil
}

// AnswerSchema is an operation's JSON response schema for status ("200",
// "default"), or nil.
func AnswerSchema(op *openapi3.Operation, status string) *openapi3.Schema {
	if op == nil {
		return nil
	}
	r := op.Responses.Value(status)
	if r == nil || r.Value == nil {
		return nil
	}
	if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
		return mt.Schema.Value
	}
	return nil
}

// OperationAt is the operation for an HTTP verb on a path as the document
// spells it (e.g. "/__procurements/{id}/confirm"), or nil.
func (d *Doc) OperationAt(path, verb string) *openapi3.Operation {
	item := d.Paths.Value(path)
	if item == nil {
		return nil
	}
	return item.GetOperation(verb)
}
