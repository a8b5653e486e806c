package partage

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	mockserver "github.com/partifact/mockserver"
	"github.com/partifact/mockserver/internal/seed"
)

var (
	docOnce sync.Once
	docVal  *openapi3.T
	docErr  error
)

// partageDoc is openapi-partage.json, loaded and validated once.
func partageDoc(t testing.TB) *openapi3.T {
	t.Helper()
	docOnce.Do(func() {
		docVal, docErr = openapi3.NewLoader().LoadFromData(mockserver.OpenAPIPartage)
		if docErr == nil {
			docErr = docVal.Validate(context.Background())
		}
	})
	if docErr != nil {
		t.Fatalf("openapi-partage.json: %v", docErr)
	}
	return docVal
}

func specOperation(t testing.TB, id string) (method, path string, op *openapi3.Operation) {
	t.Helper()
	for p, item := range partageDoc(t).Paths.Map() {
		for m, o := range item.Operations() {
			if o.OperationID == id {
				return m, p, o
			}
		}
	}
	t.Fatalf("no operation %s in openapi-partage.json", id)
	return "", "", nil
}

// checkJSON validates a value, as the wire would carry it, against a schema.
func checkJSON(t testing.TB, what string, schema *openapi3.Schema, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var decoded any
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	if err := schema.VisitJSON(decoded, openapi3.MultiErrors()); err != nil {
		t.Fatalf("%s does not match its schema: %v\n%s", what, err, b)
	}
}

func responseSchema(t testing.TB, opID string, status int, mediaType string) *openapi3.Schema {
	t.Helper()
	_, _, op := specOperation(t, opID)
	r := op.Responses.Status(status)
	if r == nil || r.Value == nil {
		t.Fatalf("%s declares no %d answer", opID, status)
	}
	mt := r.Value.Content.Get(mediaType)
	if mt == nil || mt.Schema == nil {
		t.Fatalf("%s %d has no %s schema", opID, status, mediaType)
	}
	return mt.Schema.Value
}

func requestSchema(t testing.TB, opID string) *openapi3.Schema {
	t.Helper()
	_, _, op := specOperation(t, opID)
	if op.RequestBody == nil {
		return nil
	}
	return op.RequestBody.Value.Content.Get("application/json").Schema.Value
}

// TestSpecAndRouteTableAgree: every route has its operation, verb and path,
// and the document has no operation no route serves.
func TestSpecAndRouteTableAgree(t *testing.T) {
	n := 0
	for _, item := range partageDoc(t).Paths.Map() {
		n += len(item.Operations())
	}
	if n != len(Operations) {
		t.Fatalf("%d operations in the document, %d routes", n, len(Operations))
	}
	for _, op := range Operations {
		method, path, o := specOperation(t, op.ID)
		if method != op.Method || path != PathPrefix+op.Path {
			t.Errorf("%s: document %s %s, route %s %s", op.ID, method, path, op.Method, PathPrefix+op.Path)
		}
		if (o.RequestBody != nil) != (op.Method == http.MethodPost) {
			t.Errorf("%s: request body declared %v", op.ID, o.RequestBody != nil)
		}
		for _, status := range []int{401, 406, 412, 500} {
			responseSchema(t, op.ID, status, "application/json")
		}
		if op.PDF {
			responseSchema(t, op.ID, 200, "application/pdf")
		}
	}
}

// TestResponsesMatchTheDocument walks a load's whole life and checks every
// answer, and an error of every status, against the document.
func TestResponsesMatchTheDocument(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		check := func(opID string, res Result) {
			t.Helper()
			checkJSON(t, opID, responseSchema(t, opID, 200, "application/json"), res.JSON)
		}
		checkErr := func(opID, id, body string, status int) {
			t.Helper()
			_, err := w.do(opID, id, body)
			if err == nil || err.Status != status {
				t.Fatalf("%s: %v, want %d", opID, err, status)
			}
			var v any
			if json.Unmarshal(err.Body(), &v) != nil {
				t.Fatalf("body %q", err.Body())
			}
			checkJSON(t, opID+" error", responseSchema(t, opID, status, "application/json"), v)
		}
		check("companies.list", w.ok("companies.list", "", ""))
		check("companies.create", w.ok("companies.create", "", `{"company":{"external_id":"org","same_credit":true,"name":"Org"}}`))
		check("companies.create", w.ok("companies.create", "", `{"company":{"external_id":"own","same_credit":false,"name":"Own",
			"location":{"address_one":"333 N Oakley","postal_code":"60612"},"accounts_payable":{"first_name":"a","last_name":"b","email":"a@b.c","phone":"123 123 1234"}}}`))
		check("quotes.create", w.ok("quotes.create", "", `{"quote":{"equipment":"flatbed","origin_postal_code":"60612","destination_postal_code":"60615"}}`))
		created := w.ok("quotes.create", "", bookable("2026-03-05", `,"services":{"origin":{"Liftgate":1,"Lumper":30.5},"load":{"Tarps (4 ft)":1}}`))
		check("quotes.create", created)
		number := created.JSON.(QuoteCreated).Quote.Number
		check("quotes.show", w.ok("quotes.show", number, ""))
		check("quotes.notes.create", w.ok("quotes.notes.create", number, `{"note":{"content":"Dock 4"}}`))
		check("quotes.book", w.ok("quotes.book", number, `{"mode":"partial_truckload"}`))
		for _, at := range []string{"2026-03-02T18:00:00Z", "2026-03-05T15:30:00Z", "2026-03-05T20:00:00Z", "2026-03-09T18:00:00Z", "2026-03-11T00:00:00Z"} {
			w.now, _ = time.Parse(time.RFC3339, at)
			check("quotes.show", w.ok("quotes.show", number, ""))
		}
		w.now = start
		other := w.create(bookable("2026-03-05", ""))
		check("quotes.cancel", w.ok("quotes.cancel", other.Number, ""))

		w.now = start.Add(CoverDelay)
		checkErr("quotes.cancel", number, "", 406) // covered: TONU
		checkErr("quotes.create", "", `{"quote":{}}`, 412)
		checkErr("quotes.bol", other.Number, "", 406)
		w.token = "nope"
		for _, op := range Operations {
			body := ""
			if op.Method == http.MethodPost {
				body = `{}`
			}
			checkErr(op.ID, number, body, 401)
		}
		var internal any
		_ = json.Unmarshal(ErrorOf(context.Canceled).Body(), &internal)
		checkJSON(t, "500", responseSchema(t, "quotes.show", 500, "application/json"), internal)
		for _, e := range []*Error{ErrNotAcceptable, ErrContentType, ErrBodyTooLarge, ErrNoRoute} {
			var v any
			_ = json.Unmarshal(e.Body(), &v)
			checkJSON(t, e.Messages[0], responseSchema(t, "quotes.show", 412, "application/json"), v)
		}
	})
}

// TestDocumentNotStricterThanDecoders: every body a decoder accepts, the
// request schema accepts too (the fuzz test checks the same on every input
// it finds), so validating requests by the document never refuses a call
// the API would serve.
func TestDocumentNotStricterThanDecoders(t *testing.T) {
	accepted := 0
	for _, name := range decoderOrder {
		for _, b := range fuzzCorpus() {
			if checkSchemaAgrees(t, name, []byte(b)) {
				accepted++
			}
		}
	}
	if accepted < 5 {
		t.Fatalf("only %d corpus bodies decode", accepted)
	}
}

// checkSchemaAgrees reports whether the decoder accepted raw, failing the
// test when it did and the document's schema refuses it.
func checkSchemaAgrees(t testing.TB, opID string, raw []byte) bool {
	t.Helper()
	if _, err := decoders[opID](raw); err != nil {
		return false
	}
	var v any
	if len(strings.TrimSpace(string(raw))) == 0 {
		v = map[string]any{}
	} else if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s decoded %q, which is not JSON", opID, raw)
	}
	if err := requestSchema(t, opID).VisitJSON(v, openapi3.VisitAsRequest()); err != nil {
		t.Fatalf("%s: the decoder accepts %q, the document refuses it: %v", opID, raw, err)
	}
	return true
}

// TestDesignedPartsMarked: what the seed does not show is marked.
func TestDesignedPartsMarked(t *testing.T) {
	raw := string(mockserver.OpenAPIPartage)
	if n := strings.Count(raw, `"x-fidelity": "designed"`); n < 15 {
		t.Fatalf("%d designed marks", n)
	}
	s := partageDoc(t).Components.Schemas
	for _, name := range []string{"Carrier", "Schedule", "SpecialService", "NoteAdded", "CompanyCreated", "Invoice"} {
		if s[name].Value.Extensions["x-fidelity"] != "designed" {
			t.Errorf("%s is not marked designed", name)
		}
	}
	for schema, fields := range map[string][]string{
		"Quote":              {"pl_id", "number", "length", "status", "mode", "miles", "url", "options", "cancelled_at"},
		"CreatedQuote":       {"number", "url"},
		"Location":           {"city", "state"},
		"Shipment":           {"id", "notes"},
		"DropStop":           {"proof_of_delivery"},
		"Company":            {"credit_limit", "credit_utilization", "same_credit"},
		"CreateQuoteRequest": {"own_credit"},
		"Timing":             {"origin", "destination"},
		"Address":            {"phone"},
		"Error":              {"errors"},
	} {
		for _, f := range fields {
			if s[schema].Value.Properties[f].Value.Extensions["x-fidelity"] != "designed" {
				t.Errorf("%s.%s is not marked designed", schema, f)
			}
		}
	}
	// The mount point, the query token on POST and the cancel's answer.
	doc := partageDoc(t)
	if doc.Servers[0].Extensions["x-fidelity"] != "designed" {
		t.Error("the server (the /partage mount) is not marked designed")
	}
	for _, op := range Operations {
		_, _, o := specOperation(t, op.ID)
		if p := o.Parameters.GetByInAndName("query", "api_token"); op.Method == "POST" && (p == nil || p.Extensions["x-fidelity"] != "designed") {
			t.Errorf("%s: the query token is not marked designed", op.ID)
		}
	}
	if _, _, o := specOperation(t, "quotes.cancel"); o.Responses.Status(200).Value.Extensions["x-fidelity"] != "designed" {
		t.Error("the cancel's answer is not marked designed")
	}
	if !strings.Contains(raw, seed.PartageDemoToken) {
		t.Error("the document does not name the demo token")
	}
	ids := []string{}
	for _, op := range Operations {
		ids = append(ids, op.ID)
	}
	if !slices.Equal(ids, []string{"quotes.create", "quotes.show", "quotes.notes.create", "quotes.book", "quotes.bol",
		"quotes.cancel", "companies.list", "companies.create"}) {
		t.Fatalf("operation ids %v", ids)
	}
}
