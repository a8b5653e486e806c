package methods

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
)

// Variant names of the Partly error unions (contract §2), each the "type"
// of its body.
const (
	VariantBadRequest        = "bad_request"
	VariantUnauthorized      = "unauthorized"
	VariantForbidden         = "forbidden"
	VariantNotFound          = "not_found"
	VariantInvalidStatus     = "invalid_status"
	VariantInvalidClient     = "invalid_client"
	VariantInvalidAccessCode = "invalid_access_code"
	VariantConflict          = "conflict"
	VariantUnknownMethod     = "unknown_method"
	VariantInternal          = "internal"
)

// StatusOf is the HTTP status of each variant. The body's type is the
// contract signal; the status is added for realism.
var StatusOf = map[string]int{
	VariantBadRequest:        http.StatusBadRequest,
	VariantUnauthorized:      http.StatusUnauthorized,
	VariantForbidden:         http.StatusForbidden,
	VariantNotFound:          http.StatusNotFound,
	VariantInvalidStatus:     http.StatusConflict,
	VariantInvalidClient:     http.StatusUnauthorized,
	VariantInvalidAccessCode: http.StatusBadRequest,
	VariantConflict:          http.StatusConflict,
	VariantUnknownMethod:     http.StatusNotFound,
	VariantInternal:          http.StatusInternalServerError,
}

// family renders every error a Partly call can end in, once: the chosen
// variant of the method's union is the whole body, internally tagged
// ({"type":"not_found"}), or a bare JSON string for the methods whose union
// is one of strings (vendor decision D24).
type family struct {
	doc  *spec.Doc
	bare map[string]bool // operations answering bare strings
}

func newFamily(doc *spec.Doc) *family {
	f := &family{doc: doc, bare: map[string]bool{}}
	for _, m := range All {
		f.bare[m.Name] = m.BareErrors
	}
	return f
}

// Family is the Partly error family, for rendering outside the module's
// own routes (paths that match no route of any API).
func Family(doc *spec.Doc) httpapi.ErrorFamily { return newFamily(doc) }

func (f *family) Render(op string, err error) httpapi.Answer {
	v, status := variantOf(err)
	var b []byte
	var merr error
	if f.bare[op] {
		b, merr = httpapi.MarshalJSON(v.Type)
	} else {
		b, merr = taggedJSON(v)
	}
	if merr != nil {
		// Only fault fields a user set can fail to encode, and those were
		// checked when the fault was set.
		v, status, b = &Error{Type: VariantInternal}, http.StatusInternalServerError, []byte(`{"type":"internal"}`)
	}
	return httpapi.Answer{Status: status, Variant: v.Type, Body: b}
}

// fieldOrder is the order of a variant's fields after its tag, as
// openapi.json declares them; fields it does not name follow, sorted.
var fieldOrder = []string{"status", "errors", "error_count"}

// taggedJSON renders a variant as the vendor's serializer renders an
// internally tagged union: the tag first, then the variant's fields.
func taggedJSON(v *Error) ([]byte, error) {
	tag, err := httpapi.MarshalJSON(v.Type)
	if err != nil {
		return nil, err
	}
	b := append([]byte(`{"type":`), tag...)
	names := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		if k != "type" {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(fieldOrder, a), slices.Index(fieldOrder, b)
		switch {
		case ia >= 0 && ib >= 0:
			return ia - ib
		case ia >= 0:
			return -1
		case ib >= 0:
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, k := range names {
		name, err := httpapi.MarshalJSON(k)
		if err != nil {
			return nil, err
		}
		val, err := httpapi.MarshalJSON(v.Fields[k])
		if err != nil {
			return nil, err
		}
		b = append(append(append(append(b, ','), name...), ':'), val...)
	}
	return append(b, '}'), nil
}

// variantOf maps any error a call can end in to its variant and status.
func variantOf(err error) (*Error, int) {
	var me *Error
	var se *store.StatusError
	var ref *httpapi.Refusal
	var inj *httpapi.Injected
	switch {
	case errors.As(err, &inj):
		v := &Error{Type: inj.ErrorType, Fields: inj.ErrorFields}
		return v, cmp.Or(inj.Status, StatusOf[v.Type])
	case errors.As(err, &me):
		return me, StatusOf[me.Type]
	case errors.Is(err, store.ErrNotFound):
		return &Error{Type: VariantNotFound}, http.StatusNotFound
	case errors.As(err, &se):
		return &Error{Type: VariantInvalidStatus, Fields: map[string]any{"status": se.Status}}, http.StatusConflict
	case errors.As(err, &ref):
		return refusalVariant(ref), ref.Status
	}
	return &Error{Type: VariantInternal}, http.StatusInternalServerError
}

// refusalVariant is the Partly variant of a request the edge refused.
func refusalVariant(ref *httpapi.Refusal) *Error {
	switch ref.Kind {
	case httpapi.UnknownRoute:
		return &Error{Type: VariantUnknownMethod}
	case httpapi.Conflict:
		return &Error{Type: VariantConflict}
	case httpapi.Internal:
		return &Error{Type: VariantInternal}
	case httpapi.Invalid:
		errs := make([]FieldError, len(ref.Problems))
		for i, p := range ref.Problems {
			errs[i] = FieldError{Path: p.Path, Message: p.Message}
			if p.Path == "/" {
				// The validator's pointer to the whole body; JSON Pointer
				// (and openapi.json) spell it "".
				errs[i].Path = ""
			}
		}
		fields := map[string]any{"errors": errs}
		if ref.Total > len(errs) {
			fields["error_count"] = ref.Total
		}
		return &Error{Type: VariantBadRequest, Fields: fields}
	case httpapi.MethodNotAllowed:
		if ref.Allow == http.MethodPost {
			return BadRequest("", "wire methods are called with POST")
		}
		return BadRequest("", ref.Message) // a path outside the API (the docs, the dashboard)
	}
	return BadRequest(ref.Path, ref.Message)
}

func (f *family) Variants(op string) []string { return f.doc.ErrorVariants(op) }

// ResolveFault checks a fault against the method's union in openapi.json
// and fixes the variant and status it will answer.
func (f *family) ResolveFault(op string, ft *store.Fault) error {
	variants := f.doc.ErrorVariants(op)
	switch {
	case ft.ErrorType != "":
		if !slices.Contains(variants, ft.ErrorType) {
			return httpapi.BadInput("/error", "not a variant of "+op+"'s error union, which has: "+strings.Join(variants, ", "))
		}
	case ft.Status != 0:
		ft.ErrorType = closestVariant(variants, ft.Status)
	}
	if ft.ErrorType == "" {
		return nil
	}
	return f.checkVariant(op, ft)
}

// closestVariant is the variant usually answered with status, else
// bad_request, which every union has, else the union's first variant.
func closestVariant(variants []string, status int) string {
	for _, v := range variants {
		if StatusOf[v] == status {
			return v
		}
	}
	if slices.Contains(variants, VariantBadRequest) {
		return VariantBadRequest
	}
	return variants[0]
}

// checkVariant fills the variant's required members that the fault's
// fields leave out from the schema's examples, then validates the body the
// fault will send against the method's union, so an injected answer is
// always one a client may receive.
func (f *family) checkVariant(op string, ft *store.Fault) error {
	union := f.doc.ResponseSchema(op, "default")
	var body any = ft.ErrorType
	if schema := f.doc.VariantSchema(op, ft.ErrorType); schema != nil {
		fields := map[string]any{}
		for k, v := range ft.ErrorFields {
			fields[k] = v
		}
		for _, name := range schema.Required {
			prop := schema.Properties[name]
			if _, ok := fields[name]; !ok && name != "type" && prop != nil && prop.Value != nil && len(prop.Value.Examples) > 0 {
				fields[name] = prop.Value.Examples[0]
			}
		}
		if len(fields) > 0 {
			ft.ErrorFields = fields
		}
		m := map[string]any{"type": ft.ErrorType}
		for k, v := range fields {
			m[k] = v
		}
		body = m
	} else if len(ft.ErrorFields) > 0 {
		return httpapi.BadInput("/fields", op+" answers bare strings, which carry no fields")
	}
	if problems := spec.Validate(union, body, false); len(problems) > 0 {
		ref := &httpapi.Refusal{Kind: httpapi.Invalid, Status: http.StatusBadRequest, Total: len(problems)}
		for _, p := range problems[:min(len(problems), httpapi.MaxProblems)] {
			ref.Problems = append(ref.Problems, spec.Problem{Path: "/fields" + p.Path, Message: p.Message})
		}
		return ref
	}
	return nil
}
