package mcpserver_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/mcpserver"
	"github.com/partifact/mockserver/internal/pgtest"
	sm "github.com/partifact/mockserver/internal/servicemobility"
)

// The README's parts order: the bumper cover, and a headlamp whose number
// was superseded.
var woParts = []map[string]any{{"ProdNum": "52119-12D90", "Qty": 1, "Desc": "Front bumper cover"}, {"ProdNum": "81170-12N30", "Qty": 1}}

// implementer is a parts ordering endpoint on 127.0.0.1 whose answer the
// test sets.
func implementer(t *testing.T) (url string, answer *atomic.Value) {
	t.Helper()
	answer = &atomic.Value{}
	answer.Store([2]string{"200", `{"Status":"1001","StatusMsg":"All parts ordered","Orders":[]}`})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		a := answer.Load().([2]string)
		w.Header().Set("Content-Type", "application/json")
		if a[0] == "500" {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = w.Write([]byte(a[1]))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/parts-orders", answer
}

// Every parts ordering tool: a happy path and an error path, in one world.
func TestPartsTools(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")
	world := c.OK(t, "get_started", nil)["world"].(string)

	cc := c.OK(t, "contract_checks", nil)
	if cc["shown"] != 0.0 || !strings.Contains(cc["next"].(string), "order_parts") || !strings.Contains(cc["endpoint"].(string), "reference implementation") {
		t.Errorf("contract_checks in a fresh world: %v", cc)
	}
	c.Fail(t, "contract_checks", map[string]any{"limit": 1000}, mcpserver.CodeInvalidInput)

	// order_parts through the reference implementation: one Partly
	// procurement, the superseded headlamp ordered as its successor.
	o := c.OK(t, "order_parts", map[string]any{"WorkOrder": "WO-1001", "Parts": woParts})
	orders := o["Orders"].([]any)
	ids := toStrings(o["procurement_ids"])
	check := o["check"].(map[string]any)
	if o["Status"] != sm.StatusAllOrdered || o["http_status"] != 200.0 || len(orders) != 1 || len(ids) != 1 ||
		orders[0].(map[string]any)["PartOrderNum"] != ids[0] || check["ok"] != true || check["target"] != sm.ReferenceTarget ||
		!strings.Contains(o["next"].(string), "confirm_as_supplier with procurement_id "+ids[0]) {
		t.Fatalf("order_parts: %v", o)
	}
	head := orders[0].(map[string]any)["Parts"].([]any)[1].(map[string]any)
	if head["PartStatus"] != "Superseded by 81170-12N40" || head["SupersededBy"].([]any)[0].(map[string]any)["ProdNum"] != "81170-12N40" {
		t.Errorf("the superseded headlamp: %v", head)
	}
	cf := c.OK(t, "confirm_as_supplier", map[string]any{"procurement_id": ids[0]})
	if p := cf["procurement"].(map[string]any); p["status"] != "order_confirmed" || p["subtotal"] != "355.00" {
		t.Errorf("the parts order's procurement, confirmed: %v", cf)
	}
	// A price check orders nothing.
	o = c.OK(t, "order_parts", map[string]any{"WorkOrder": "WO-1002", "Parts": woParts[:1], "Command": sm.CommandCheck})
	if len(toStrings(o["procurement_ids"])) != 0 || o["Orders"].([]any)[0].(map[string]any)["PartOrderNum"] != "" || !strings.Contains(o["next"].(string), "Command 1002") {
		t.Errorf("order_parts 1001: %v", o)
	}
	// Parts nobody sells: nothing ordered, and the output says why.
	o = c.OK(t, "order_parts", map[string]any{"WorkOrder": "WO-1004", "Parts": []map[string]any{{"ProdNum": "NO-SUCH-PART", "Qty": 1}}})
	if o["Status"] != sm.StatusFailed || len(toStrings(o["procurement_ids"])) != 0 || !strings.Contains(o["next"].(string), "nothing was ordered") {
		t.Errorf("order_parts of an unknown part: %v", o)
	}
	o = c.OK(t, "order_parts", map[string]any{"WorkOrder": "WO-1005", "Parts": append([]map[string]any{{"ProdNum": "NO-SUCH-PART", "Qty": 1}}, woParts[:1]...)})
	if o["Status"] != sm.StatusPartlyOrdered || len(toStrings(o["procurement_ids"])) != 1 || !strings.HasPrefix(o["next"].(string), "some parts were not ordered") {
		t.Errorf("order_parts with an unknown part: %v", o)
	}
	c.Fail(t, "order_parts", map[string]any{"WorkOrder": "WO-1003", "Parts": []any{}}, mcpserver.CodeInvalidInput)
	c.Fail(t, "order_parts", map[string]any{"WorkOrder": "WO-1003", "Parts": woParts, "Command": 1003}, mcpserver.CodeInvalidInput)

	// set_parts_endpoint: an implementer whose answers the stand-in judges.
	url, answer := implementer(t)
	e := c.Fail(t, "set_parts_endpoint", map[string]any{"EntityServiceURI": "ftp://parts.example"}, "failed")
	if !strings.Contains(e["message"].(string), "EntityServiceURI") || e["retryable"] != false {
		t.Errorf("set_parts_endpoint ftp: %v", e)
	}
	c.Fail(t, "set_parts_endpoint", nil, mcpserver.CodeInvalidInput)
	if s := c.OK(t, "set_parts_endpoint", map[string]any{"EntityServiceURI": url}); s["EntityServiceURI"] != url || s["endpoint"] != url {
		t.Fatalf("set_parts_endpoint: %v", s)
	}
	answer.Store([2]string{"200", `{"status":"1001","Orders":[{"PartOrderNum":"PO-1","EstimatedDelivery":"2026-12-03","Parts":[]}]}`})
	o = c.OK(t, "order_parts", map[string]any{"WorkOrder": "WO-2001", "Parts": woParts})
	check = o["check"].(map[string]any)
	if o["endpoint"] != url || check["ok"] != false || check["target"] != url || check["finding_count"].(float64) < 2 ||
		len(toStrings(o["procurement_ids"])) != 0 || !strings.Contains(o["next"].(string), "breaks the interface") {
		t.Fatalf("order_parts at a wrong implementer: %v", o)
	}
	paths := map[string]bool{}
	for _, f := range check["findings"].([]any) {
		paths[f.(map[string]any)["path"].(string)] = true
	}
	if !paths["/Status"] || !paths["/Orders/0/EstimatedDelivery"] {
		t.Errorf("findings at %v", paths)
	}
	answer.Store([2]string{"200", `not json`})
	if o = c.OK(t, "order_parts", map[string]any{"WorkOrder": "WO-2002", "Parts": woParts}); o["answer"] != "not json" || o["check"].(map[string]any)["ok"] != false {
		t.Errorf("order_parts answered no JSON: %v", o)
	}
	answer.Store([2]string{"500", `{"Status":"2001","StatusMsg":"Out of stock at the depot"}`})
	e = c.Fail(t, "order_parts", map[string]any{"WorkOrder": "WO-2003", "Parts": woParts}, "failed")
	if !strings.HasPrefix(e["message"].(string), "Out of stock at the depot Next: ") || e["retryable"] != false || e["wire"].(map[string]any)["status"] != 500.0 {
		t.Errorf("order_parts refused by the implementer: %v", e)
	}
	// An endpoint that does not answer: the stand-in's 500, worth a retry.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String() + "/parts-orders"
	ln.Close()
	c.OK(t, "set_parts_endpoint", map[string]any{"EntityServiceURI": gone})
	if e = c.Fail(t, "order_parts", map[string]any{"WorkOrder": "WO-2004", "Parts": woParts}, "failed"); e["retryable"] != true || !strings.Contains(e["message"].(string), "gave no answer") {
		t.Errorf("order_parts at a closed port: %v", e)
	}

	// contract_checks: the newest first, those that broke the interface
	// counted (the 500 with its StatusMsg is an answer the interface has).
	cc = c.OK(t, "contract_checks", map[string]any{"limit": 3})
	cs := cc["checks"].([]any)
	if cc["shown"] != 3.0 || cc["failed"] != 2.0 || cs[0].(map[string]any)["target"] != gone || cs[0].(map[string]any)["status"] != 0.0 ||
		cc["endpoint"] != gone || !strings.Contains(cc["next"].(string), "findings") {
		t.Errorf("contract_checks: %v", cc)
	}

	// Back to the reference implementation.
	if s := c.OK(t, "set_parts_endpoint", map[string]any{"EntityServiceURI": ""}); s["EntityServiceURI"] != "" || !strings.Contains(s["endpoint"].(string), "reference") {
		t.Errorf("set_parts_endpoint \"\": %v", s)
	}
	// A refused logon (an injected fault) is the interface's 401.
	if status, b := post(t, a, http.MethodPost, "/__faults", world, nil, map[string]any{"api": sm.Name, "method": sm.OpCreateJWT, "status": 401, "count": 1}); status != 200 {
		t.Fatalf("fault: %d %s", status, b)
	}
	if e = c.Fail(t, "order_parts", map[string]any{"WorkOrder": "WO-1001", "Parts": woParts}, "unauthorized"); e["retryable"] != false {
		t.Errorf("unauthorized: %v", e)
	}
}

// The walk: a parts order through the stand-in, its procurement confirmed
// by the supplier and its invoice reconciled; scenario://current shows the
// configuration and the check, and the procurement, on both stores.
func TestPartsOrderWalk(t *testing.T) {
	for name, cfg := range map[string]func(t *testing.T) app.Config{
		"memory": func(*testing.T) app.Config { return app.DefaultConfig() },
		"postgres": func(t *testing.T) app.Config {
			return apptest.Config(func(c *app.Config) { c.DatabaseURL = pgtest.New(t) })
		},
	} {
		t.Run(name, func(t *testing.T) {
			a := apptest.Start(t, cfg(t))
			c := connect(t, a, "/mcp")
			url, _ := implementer(t)
			c.OK(t, "set_parts_endpoint", map[string]any{"EntityServiceURI": url})
			c.OK(t, "order_parts", map[string]any{"WorkOrder": "WO-1001", "Parts": woParts})
			c.OK(t, "set_parts_endpoint", map[string]any{"EntityServiceURI": ""})
			id := toStrings(c.OK(t, "order_parts", map[string]any{"WorkOrder": "WO-1001", "Parts": woParts})["procurement_ids"])[0]
			c.OK(t, "confirm_as_supplier", map[string]any{"procurement_id": id})
			r := c.OK(t, "reconcile_invoice", map[string]any{"procurement_id": id})
			if inv := r["invoice"].(map[string]any); r["reconciled"] != true || inv["total"] != "408.25" {
				t.Fatalf("reconcile_invoice: %v", r)
			}

			var sc struct {
				Partly struct {
					Procurements []struct {
						ID     string `json:"id"`
						Status string `json:"status"`
					} `json:"procurements"`
				} `json:"partly"`
				ServiceMobility struct {
					EntityServiceURI string  `json:"entity_service_uri"`
					UpdatedAt        *string `json:"updated_at"`
					Checks           []struct {
						Target string `json:"target"`
						OK     bool   `json:"ok"`
					} `json:"checks"`
				} `json:"servicemobility"`
			}
			text := scenarioOf(t, c, &sc)
			s := sc.ServiceMobility
			if len(sc.Partly.Procurements) != 1 || sc.Partly.Procurements[0].ID != id || sc.Partly.Procurements[0].Status != "order_confirmed" ||
				s.EntityServiceURI != "" || s.UpdatedAt == nil || len(s.Checks) != 2 || s.Checks[0].Target != sm.ReferenceTarget || s.Checks[1].Target != url {
				t.Fatalf("scenario://current: %s", text)
			}
		})
	}
}
