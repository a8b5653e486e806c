package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/seed"
	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/sandbox"
)

// The ServiceMobility module over HTTP: the stand-in driven against
// implementers on 127.0.0.1:0, and the reference implementation through to
// a confirmed Partly procurement and its webhooks. Every JSON answer is
// checked against openapi-servicemobility.json.

// smOrder orders one grille and asks for a part nobody sells.
const smOrder = `{"AccountNum":"ACCT-1","Command":1002,"UserName":"demo.technician","WorkOrder":"WO-HTTP-1",
 "Location":{"LocationNum":"LOC-1"},
 "Parts":[{"ProdNum":"53112-12290","ProdAttrs":{"Desc":"Grille"},"Qty":1.0},{"ProdNum":"NO-SUCH-PART","Qty":1}]}`

type smClient struct {
	t      *testing.T
	base   string
	tenant string
	doc    *spec.Doc
}

func newSMClient(t *testing.T, base, tenant string) *smClient {
	t.Helper()
	doc, err := spec.Parse(sm.DocumentName)
	if err != nil {
		t.Fatal(err)
	}
	return &smClient{t: t, base: base, tenant: tenant, doc: doc}
}

// call sends a request to an operation of the module and checks the
// answer against the operation's schema for its status.
func (c *smClient) call(op, token string, body string) (int, []byte) {
	c.t.Helper()
	o := c.doc.Op(op)
	if o == nil {
		c.t.Fatalf("no operation %s", op)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(o.Verb, c.base+o.Path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-mock-tenant", c.tenant)
	if token != "" {
		req.Header.Set(sm.TokenHeader, token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	schema := c.doc.ResponseSchema(op, strconv.Itoa(resp.StatusCode))
	if schema == nil {
		c.t.Fatalf("%s answered %d, which its document does not declare: %s", op, resp.StatusCode, b)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		c.t.Fatalf("%s: the answer is not JSON: %s", op, b)
	}
	if problems := spec.Validate(schema, v, false); len(problems) > 0 {
		c.t.Fatalf("%s %d: the answer does not match the document: %v\n%s", op, resp.StatusCode, problems, b)
	}
	return resp.StatusCode, b
}

func (c *smClient) token() string {
	c.t.Helper()
	status, b := c.call(sm.OpCreateJWT, "", `{"username":"demo.technician","password":"demo-password"}`)
	var tok struct{ Token string }
	if status != 200 || json.Unmarshal(b, &tok) != nil || tok.Token == "" {
		c.t.Fatalf("createjwt: %d %s", status, b)
	}
	return tok.Token
}

// wantFailure requires the interface's error body with status and a
// StatusMsg containing what.
func wantFailure(t *testing.T, status int, b []byte, wantStatus int, what string) {
	t.Helper()
	var e sm.ErrorBody
	if status != wantStatus || json.Unmarshal(b, &e) != nil || e.Status != "2001" || !strings.Contains(e.StatusMsg, what) {
		t.Errorf("got %d %s, want %d with Status 2001 and a StatusMsg naming %q", status, b, wantStatus, what)
	}
}

func TestServiceMobilityBadInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, app.DefaultConfig())
	c := newSMClient(t, a.URL(), "sm-bad")
	tok := c.token()

	status, b := c.call(sm.OpCreateJWT, "", `{"username":"demo.technician","password":"nope"}`)
	wantFailure(t, status, b, 401, "logon")
	status, b = c.call(sm.OpPartsOrdersSubmit, "", smOrder)
	wantFailure(t, status, b, 401, "x-access-token")
	status, b = c.call(sm.OpPartsOrderingSubmit, "eyJhbGciOiJIUzI1NiJ9.e30.forged", smOrder)
	wantFailure(t, status, b, 401, "")
	for name, body := range map[string]string{
		"WorkOrder":   `{"Command":1002,"Parts":[{"ProdNum":"A","Qty":1}]}`,
		"Parts":       `{"Command":1002,"WorkOrder":"WO","Parts":[]}`,
		"Qty":         `{"Command":1002,"WorkOrder":"WO","Parts":[{"ProdNum":"A","Qty":0}]}`,
		"ProdNum":     `{"Command":1002,"WorkOrder":"WO","Parts":[{"ProdNum":"","Qty":1}]}`,
		"Command":     `{"Command":"1002","WorkOrder":"WO","Parts":[{"ProdNum":"A","Qty":1}]}`,
		"JSON":        `{"Command":`,
		"application": `<xml/>`,
	} {
		for _, op := range []string{sm.OpPartsOrdersSubmit, sm.OpPartsOrderingSubmit} {
			status, b := c.call(op, tok, body)
			if name == "application" {
				continue // a content type the edge refuses is checked below
			}
			wantFailure(t, status, b, 500, name)
		}
	}
	// A body over the limit, and one that is not JSON at all, get the
	// interface's answer too.
	status, b = c.call(sm.OpPartsOrdersSubmit, tok, `{"WorkOrder":"`+strings.Repeat("x", 1<<20)+`"}`)
	wantFailure(t, status, b, 500, "")
	// A fault on one of the module's operations answers in its shape, and
	// coverage counts the module's answers by status.
	ctlOK(t, a.URL(), "sm-bad", "POST /__faults", "", map[string]any{"api": "servicemobility", "method": sm.OpCreateJWT,
		"status": 500, "fields": map[string]any{"StatusMsg": "logon service down"}, "count": 1}, nil)
	status, b = c.call(sm.OpCreateJWT, "", `{"username":"demo.technician","password":"demo-password"}`)
	wantFailure(t, status, b, 500, "logon service down")
	var cov struct {
		Methods []struct {
			API, Method string
			Variants    []struct {
				Name  string
				Count int
			}
		}
	}
	ctlOK(t, a.URL(), "sm-bad", "GET /__coverage", "/__coverage?api=servicemobility", nil, &cov)
	counted := map[string]int{}
	for _, m := range cov.Methods {
		for _, v := range m.Variants {
			counted[m.API+" "+m.Method+" "+v.Name] = v.Count
		}
	}
	if len(cov.Methods) != len(c.doc.OpsUnder(sm.Prefix)) || counted["servicemobility createjwt 500"] != 1 ||
		counted["servicemobility createjwt 401"] != 1 || counted["servicemobility createjwt 200"] != 1 {
		t.Errorf("coverage of the module: %+v", counted)
	}
	// An expired token: the tenant clock moves past its hour.
	ctlOK(t, a.URL(), "sm-bad", "POST /__clock", "", map[string]any{"advance": "2h"}, nil)
	status, b = c.call(sm.OpPartsOrdersSubmit, tok, smOrder)
	wantFailure(t, status, b, 401, "expired")
}

// implementer is a parts ordering endpoint on 127.0.0.1:0 that answers
// what the test wants and counts what it received.
type implementer struct {
	srv    *httptest.Server
	answer atomic.Pointer[func(w http.ResponseWriter, r *http.Request, body []byte)]
	hits   atomic.Int32
}

func newImplementer(t *testing.T) *implementer {
	im := &implementer{}
	im.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		im.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Type") != "application/json" || r.Header.Get(sm.TokenHeader) == "" {
			http.Error(w, "no content type or token", http.StatusBadRequest)
			return
		}
		(*im.answer.Load())(w, r, body)
	}))
	t.Cleanup(im.srv.Close)
	return im
}

func (im *implementer) set(f func(w http.ResponseWriter, r *http.Request, body []byte)) {
	im.answer.Store(&f)
}

func answerJSON(status int, body string) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

type checksV1 struct {
	Items []struct {
		Target       string
		Status       int
		OK           bool
		FindingCount int `json:"finding_count"`
		Findings     []struct{ Path, Message string }
	}
}

func TestServiceMobilityStandIn(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.ServiceMobilityTimeout = 300 * time.Millisecond }))
	const tenant = "sm-standin"
	c := newSMClient(t, a.URL(), tenant)
	tok := c.token()
	im := newImplementer(t)
	status, b := c.call(sm.OpSysConfigSet, tok, `{"PartsOrdering":{"EntityServiceURI":"`+im.srv.URL+`/orders"}}`)
	if status != 200 || !bytes.Contains(b, []byte(im.srv.URL)) {
		t.Fatalf("sysconfig.set: %d %s", status, b)
	}
	if status, b := c.call(sm.OpSysConfigGet, tok, ""); status != 200 || !bytes.Contains(b, []byte(im.srv.URL)) {
		t.Fatalf("sysconfig.get: %d %s", status, b)
	}
	status, b = c.call(sm.OpSysConfigSet, tok, `{"PartsOrdering":{"EntityServiceURI":"http://example.com/orders"}}`)
	wantFailure(t, status, b, 500, "EntityServiceURI")

	right := `{"Status":"1001","StatusMsg":"","Orders":[{"EstimatedDelivery":"2014-12-18T10:00:00.000Z","PartOrderNum":"PO-1","TrackingNumber":"",` +
		`"Parts":[{"ProdNum":"53112-12290","PartStatus":"Ordered","Qty":1.0,"ShipToLocation":"","Urgency":"",` +
		`"ProdAttrs":{"Desc":"Grille","IsBatch":false,"IsInvCtrl":false,"IsSerialized":false,"Price":12.5,"ProdType":"1001"},"SupersededParts":[]}]}]}`
	cases := []struct {
		name     string
		answer   func(http.ResponseWriter, *http.Request, []byte)
		status   int    // what the stand-in answers
		ok       bool   // the contract check's verdict
		finding  string // in a finding, when not ok
		verbatim bool   // the answer is relayed byte for byte
	}{
		{"Right", answerJSON(200, right), 200, true, "", true},
		{"WrongFieldNames", answerJSON(200, `{"status":"1001","Orders":[]}`), 200, false, "status", true},
		{"NumericStatus", answerJSON(200, `{"Status":1001,"StatusMsg":"","Orders":[]}`), 200, false, "/Status", true},
		{"ServerError", answerJSON(500, `{"Status":"2001","StatusMsg":"warehouse offline"}`), 500, true, "", true},
		{"ServerErrorNotJSON", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			http.Error(w, "warehouse offline", http.StatusInternalServerError)
		}, 500, false, "not JSON", true},
		{"NotJSON", answerJSON(200, `<html>oops</html>`), 200, false, "JSON", true},
		{"Slow", func(w http.ResponseWriter, r *http.Request, _ []byte) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}, 500, false, "no answer", false},
		{"Huge", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			w.WriteHeader(200)
			_, _ = w.Write(bytes.Repeat([]byte("x"), 2<<20))
		}, 500, false, "too large", false},
	}
	for _, tc := range cases {
		im.set(tc.answer)
		req, _ := http.NewRequest(http.MethodPost, a.URL()+sm.Prefix+sm.PathPartsOrdering, strings.NewReader(smOrder))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-mock-tenant", tenant)
		req.Header.Set(sm.TokenHeader, tok)
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: the stand-in answered %d %s, want %d", tc.name, resp.StatusCode, got, tc.status)
		}
		if tc.verbatim {
			var want bytes.Buffer
			rec := httptest.NewRecorder()
			tc.answer(rec, req, nil)
			want.Write(rec.Body.Bytes())
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s: the answer was not relayed unchanged: %s", tc.name, got)
			}
		} else {
			wantFailure(t, resp.StatusCode, got, 500, "")
		}
		var checks checksV1
		ctlOK(t, a.URL(), tenant, "GET /__servicemobility/checks", "/__servicemobility/checks?limit=1", nil, &checks)
		if len(checks.Items) != 1 || checks.Items[0].OK != tc.ok {
			t.Errorf("%s: the check says %+v, want ok %v", tc.name, checks.Items, tc.ok)
			continue
		}
		if !tc.ok {
			found := false
			for _, f := range checks.Items[0].Findings {
				found = found || strings.Contains(f.Path+" "+f.Message, tc.finding)
			}
			if !found {
				t.Errorf("%s: no finding names %q: %+v", tc.name, tc.finding, checks.Items[0].Findings)
			}
		}
	}
	// Every forwarded call is in the journal with the check's verdict.
	var journal struct {
		Items []struct {
			API, Method string
			Note        *string
		}
	}
	ctlOK(t, a.URL(), tenant, "GET /__journal", "/__journal?api=servicemobility&method="+sm.OpPartsOrderingSubmit, nil, &journal)
	if len(journal.Items) != len(cases) {
		t.Fatalf("journal has %d forwarded calls, want %d", len(journal.Items), len(cases))
	}
	for _, e := range journal.Items {
		if e.API != "servicemobility" || e.Note == nil || !strings.Contains(*e.Note, "contract check") {
			t.Errorf("journal entry without the check: %+v", e)
		}
	}
}

// TestServiceMobilityReference: with no endpoint configured the stand-in
// forwards to the reference implementation, whose order is an ordinary
// Partly procurement: readable by the repairer, confirmable by the
// supplier, announced by signed webhooks.
func TestServiceMobilityReference(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "sm-reference"
		c := newSMClient(t, a.URL(), tenant)
		tok := c.token()
		ctlOK(t, a.URL(), tenant, "POST /__webhooks/subscribe", "", map[string]any{
			"integration_id": seed.OtherSupplierIntegID, "url": a.URL() + "/__webhooks/sink"}, nil)

		status, b := c.call(sm.OpPartsOrderingSubmit, tok, smOrder)
		var resp struct {
			Status string
			Orders []struct{ PartOrderNum string }
		}
		if status != 200 || json.Unmarshal(b, &resp) != nil {
			t.Fatalf("PartsOrdering: %d %s", status, b)
		}
		if resp.Status != "1002" || len(resp.Orders) != 2 || resp.Orders[0].PartOrderNum == "" {
			t.Fatalf("want one order and one part not found (Status 1002): %s", b)
		}
		var p struct{ ID, Status string }
		rep := clientOf(t, a.URL(), tenant, sandbox.Repairer)
		rep.ok("repairer.procurements.get", map[string]any{"id": resp.Orders[0].PartOrderNum}, &p)
		if p.Status != "order_requested" {
			t.Fatalf("the procurement is %s", p.Status)
		}
		// The grille's best offer is Auto Parts Direct's, the other demo supplier.
		rep.as(sandbox.OtherSupplier).ok("supplier.procurements.confirm", map[string]any{"id": p.ID}, &p)
		if p.Status != "order_confirmed" {
			t.Fatalf("confirm: %s", p.Status)
		}
		// The supplier heard of the order and of its confirmation, signed.
		waitFor(t, "the supplier's webhooks", func() bool {
			var sink struct {
				Items []struct {
					SignatureValid bool   `json:"signature_valid"`
					Body           string `json:"body"`
				}
			}
			ctlOK(t, a.URL(), tenant, "GET /__webhooks/sink", "", nil, &sink)
			seen := map[string]bool{}
			for _, it := range sink.Items {
				var env struct{ Type string }
				_ = json.Unmarshal([]byte(it.Body), &env)
				seen[env.Type] = it.SignatureValid
			}
			return seen["supplier.procurement.order_requested"] && seen["supplier.procurement.order_confirmed"]
		})
		// Command 1001 prices and checks, and orders nothing.
		priceOnly := strings.Replace(smOrder, `"Command":1002`, `"Command":1001`, 1)
		status, b = c.call(sm.OpPartsOrdersSubmit, tok, strings.Replace(priceOnly, "WO-HTTP-1", "WO-HTTP-2", 1))
		if status != 200 || !bytes.Contains(b, []byte(`"Available`)) || bytes.Contains(b, []byte(`"PartOrderNum":"`+resp.Orders[0].PartOrderNum)) {
			t.Fatalf("Command 1001: %d %s", status, b)
		}
		var checks checksV1
		ctlOK(t, a.URL(), tenant, "GET /__servicemobility/checks", "", nil, &checks)
		if len(checks.Items) != 1 || !checks.Items[0].OK || checks.Items[0].Target != sm.ReferenceTarget {
			t.Fatalf("the reference's answer was not checked, or failed: %+v", checks.Items)
		}
	})
}

// TestServiceMobilityReferenceFaults: the stand-in calls the reference
// implementation through the edge, as a call from outside comes, so a
// fault set on the reference's operation fires there too: its answer is
// relayed and checked, a delay past the stand-in's timeout is no answer,
// and the reference's call is journaled as its own.
func TestServiceMobilityReferenceFaults(t *testing.T) {
	t.Parallel()
	a := startApp(t, apptest.Config(func(c *app.Config) { c.ServiceMobilityTimeout = time.Second }))
	const tenant = "sm-reference-faults"
	c := newSMClient(t, a.URL(), tenant)
	tok := c.token()

	const msg = "The reference is down for maintenance."
	ctlOK(t, a.URL(), tenant, "POST /__faults", "", map[string]any{"api": sm.Name, "method": sm.OpPartsOrdersSubmit,
		"status": 500, "fields": map[string]any{"StatusMsg": msg}, "count": 1}, nil)
	status, b := c.call(sm.OpPartsOrderingSubmit, tok, smOrder)
	wantFailure(t, status, b, 500, msg)
	var checks checksV1
	ctlOK(t, a.URL(), tenant, "GET /__servicemobility/checks", "/__servicemobility/checks?limit=1", nil, &checks)
	if len(checks.Items) != 1 || checks.Items[0].Target != sm.ReferenceTarget || checks.Items[0].Status != 500 || !checks.Items[0].OK {
		t.Fatalf("the fault's answer was not relayed and checked: %+v", checks.Items)
	}

	// A delay past the timeout: no answer from the reference.
	ctlOK(t, a.URL(), tenant, "POST /__faults", "", map[string]any{"api": sm.Name, "method": sm.OpPartsOrdersSubmit,
		"latency_ms": 30000, "count": 1}, nil)
	status, b = c.call(sm.OpPartsOrderingSubmit, tok, smOrder)
	wantFailure(t, status, b, 500, "gave no answer: no complete answer within the timeout")

	// The faults are used up: the reference orders again.
	if status, b = c.call(sm.OpPartsOrderingSubmit, tok, smOrder); status != 200 {
		t.Fatalf("after the faults: %d %s", status, b)
	}
	var journal struct {
		Items []struct {
			Method string
			Status int
		}
	}
	ctlOK(t, a.URL(), tenant, "GET /__journal", "/__journal?api=servicemobility&method="+sm.OpPartsOrdersSubmit, nil, &journal)
	if n := len(journal.Items); n != 3 || journal.Items[0].Status != 500 || journal.Items[2].Status != 200 {
		t.Fatalf("the reference's calls in the journal: %+v", journal.Items)
	}
}
