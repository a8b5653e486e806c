package servicemobility_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	sm "github.com/partifact/mockserver/internal/servicemobility"
)

// TestDocument: the document is valid OpenAPI 3.1, names every operation
// the module serves by the ids the edge keys on, and marks what is designed.
func TestDocument(t *testing.T) {
	doc, err := document()
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %s", doc.OpenAPI)
	}
	ops := []struct{ method, path, id string }{
		{http.MethodPost, sm.Prefix + sm.PathCreateJWT, sm.OpCreateJWT},
		{http.MethodGet, sm.Prefix + sm.PathSysConfig, sm.OpSysConfigGet},
		{http.MethodPost, sm.Prefix + sm.PathSysConfig, sm.OpSysConfigSet},
		{http.MethodPost, sm.Prefix + sm.PathPartsOrdering, sm.OpPartsOrderingSubmit},
		{http.MethodPost, sm.Prefix + sm.PathPartsOrders, sm.OpPartsOrdersSubmit},
	}
	n := 0
	for _, item := range doc.Paths.Map() {
		n += len(item.Operations())
	}
	if n != len(ops) {
		t.Fatalf("the document has %d operations, the module %d", n, len(ops))
	}
	for _, o := range ops {
		item := doc.Paths.Find(o.path)
		if item == nil || item.GetOperation(o.method) == nil {
			t.Fatalf("no %s %s", o.method, o.path)
		}
		op := item.GetOperation(o.method)
		if op.OperationID != o.id || sm.Operation(doc, o.id) != op {
			t.Fatalf("%s %s is %q, want %q", o.method, o.path, op.OperationID, o.id)
		}
		if op.Extensions["x-fidelity"] != "designed" {
			t.Errorf("%s is not marked designed", o.id)
		}
		if sm.ResponseSchema(doc, o.id, "200") == nil {
			t.Errorf("%s has no 200 schema", o.id)
		}
		for _, status := range []string{"401", "500"} {
			if s := sm.ResponseSchema(doc, o.id, status); s == nil || s != doc.Components.Schemas["ErrorBody"].Value {
				t.Errorf("%s %s is not an ErrorBody", o.id, status)
			}
		}
		needsToken := o.id != sm.OpCreateJWT
		hasToken := false
		for _, p := range op.Parameters {
			hasToken = hasToken || (p.Value.In == "header" && p.Value.Name == sm.TokenHeader)
		}
		if hasToken != needsToken {
			t.Errorf("%s: x-access-token parameter %v, want %v", o.id, hasToken, needsToken)
		}
	}
	for _, name := range []string{"PartsOrderingObject", "OrderPart", "SysConfig", "ErrorBody", "ContractCheck"} {
		if doc.Components.Schemas[name].Value.Extensions["x-fidelity"] != "designed" {
			t.Errorf("schema %s is not marked designed", name)
		}
	}
}

// TestDocumentExamples: the document's own examples pass the decoder, the
// check and kin-openapi.
func TestDocumentExamples(t *testing.T) {
	doc, err := document()
	if err != nil {
		t.Fatal(err)
	}
	examples := func(name string) [][]byte {
		var out [][]byte
		for _, e := range doc.Components.Schemas[name].Value.Examples {
			b, _ := json.Marshal(e)
			out = append(out, b)
		}
		if len(out) == 0 {
			t.Fatalf("%s has no example", name)
		}
		return out
	}
	for _, b := range examples("PartsOrderingObject") {
		if _, err := sm.ParsePartsOrder(b); err != nil {
			t.Errorf("request example: %v", err)
		}
	}
	for _, b := range examples("PartsOrderingResponseObject") {
		if c := sm.Check(sm.Reply{Status: 200, Body: b}, "example"); !c.OK {
			t.Errorf("response example: %q", findingTexts(c))
		}
		validate(t, "PartsOrderingResponseObject", b)
	}
	for _, b := range examples("ErrorBody") {
		validate(t, "ErrorBody", b)
	}
	// kin-openapi agrees with the check on a wrong answer.
	var v any
	_ = json.Unmarshal([]byte(`{"Status":1001,"Orders":[{"Parts":[{"ProdNum":"A","Qty":"1"}]}]}`), &v)
	if doc.Components.Schemas["PartsOrderingResponseObject"].Value.VisitJSON(v, openapi3.MultiErrors()) == nil {
		t.Fatal("kin-openapi accepts a numeric Status")
	}
}

// TestRenderHidesInternalErrors: a failure that is not the caller's is a
// bare 500 in the family's shape.
func TestRenderHidesInternalErrors(t *testing.T) {
	status, body := sm.Render(errInternal{})
	if status != 500 || string(body) != `{"Status":"2001","StatusMsg":"An error occurred while processing the request."}` {
		t.Fatalf("%d %s", status, body)
	}
	validate(t, "ErrorBody", body)
}

type errInternal struct{}

func (errInternal) Error() string { return "postgres: connection reset" }
