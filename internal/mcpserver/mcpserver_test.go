package mcpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	mockserver "github.com/partifact/mockserver"
	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/mcpserver"
	"github.com/partifact/mockserver/internal/mcpserver/mcptest"
	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
)

// The tools the sandbox's MCP server offers: Partly's and the sandbox's
// (contract §6: thirteen), then Partage's and ServiceMobility's.
var wantTools = []string{"add_parts", "advance_clock", "bill_of_lading", "book_freight", "cancel_freight", "confirm_as_supplier",
	"contract_checks", "get_freight", "get_job", "get_procurement", "get_started", "inspect_webhooks", "open_repair_job",
	"order_parts", "place_procurement", "prepare_vehicle", "quote_freight", "recommend_basket", "reconcile_invoice", "reset_world",
	"set_parts_endpoint"}

// post sends a request to the server as an HTTP client would.
func post(t *testing.T, a *app.App, method, path, tenant string, header http.Header, body any) (int, []byte) {
	t.Helper()
	var r io.Reader = http.NoBody
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.URL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tenant != "" {
		req.Header.Set("x-partifact-tenant", tenant)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

var repairer = http.Header{"Authorization": {"Bearer " + seed.RepairerAPIKey}, "Partly-Integration-Id": {seed.RepairerIntegrationID.String()}}

func TestToolsAndResources(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")
	ctx := context.Background()

	var names []string
	for tool, err := range c.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
		if tool.Description == "" || strings.Contains(tool.Description, "\n") {
			t.Errorf("%s: want a one-line purpose, got %q", tool.Name, tool.Description)
		}
		in, _ := json.Marshal(tool.InputSchema)
		var schema struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(in, &schema); err != nil || schema.Type != "object" {
			t.Errorf("%s: input schema %s", tool.Name, in)
		}
		if tool.OutputSchema == nil || tool.Annotations == nil || tool.Annotations.Title == "" {
			t.Errorf("%s: no output schema or annotations", tool.Name)
		}
		// Inputs that name the demo job show it as their example.
		for prop, example := range map[string]string{"job": seed.DemoJobExternalID, "quote_id": "PLUIYD", "WorkOrder": "WO-1001",
			"origin_postal_code": "60612", "destination_postal_code": "12186"} {
			if p, ok := schema.Properties[prop]; ok && !strings.Contains(string(p), example) {
				t.Errorf("%s: %s has no example: %s", tool.Name, prop, p)
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, wantTools) {
		t.Fatalf("tools %v, want %v", names, wantTools)
	}

	want := map[string]string{"guide://lifecycle": "", "scenario://current": "",
		"openapi://openapi.json": "/openapi.json", "openapi://openapi-3.0.json": "/openapi-3.0.json",
		"openapi://openapi-sandbox.json": "/openapi-sandbox.json",
		"openapi://openapi-partage.json": "/openapi-partage.json", "openapi://openapi-partage-3.0.json": "/openapi-partage-3.0.json",
		"openapi://openapi-servicemobility.json": "/openapi-servicemobility.json"}
	pages, _ := fs.Glob(mockserver.Docs, "docs/*.md")
	for _, p := range pages {
		page := strings.TrimSuffix(path.Base(p), ".md")
		want["docs://"+page] = "/docs/" + page + ".md"
	}
	got := map[string]bool{}
	for r, err := range c.Resources(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		got[r.URI] = true
		if r.Description == "" || r.MIMEType == "" {
			t.Errorf("%s: no description or MIME type", r.URI)
		}
	}
	for uri, httpPath := range want {
		if !got[uri] {
			t.Errorf("resource %s missing (have %v)", uri, got)
			continue
		}
		res, err := c.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			t.Fatalf("read %s: %v", uri, err)
		}
		text := res.Contents[0].Text
		if httpPath != "" {
			// What a client would fetch, byte for byte.
			if status, b := post(t, a, http.MethodGet, httpPath, "", nil, nil); status != 200 || string(b) != text {
				t.Errorf("%s differs from GET %s (%d)", uri, httpPath, status)
			}
		}
		if text == "" {
			t.Errorf("%s is empty", uri)
		}
	}
	if len(got) != len(want) {
		t.Errorf("resources %v, want %v", got, want)
	}
	res, err := c.ReadResource(ctx, &mcp.ReadResourceParams{URI: "guide://lifecycle"})
	if err != nil || !strings.Contains(res.Contents[0].Text, "1,099.00") {
		t.Errorf("guide://lifecycle does not walk to the invoice: %v", err)
	}
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The acceptance walk over streamable HTTP, on both stores; the scenario
// then shows where the world stands.
func TestAcceptanceWalkOverHTTP(t *testing.T) {
	for name, cfg := range map[string]func(t *testing.T) app.Config{
		"memory": func(*testing.T) app.Config { return app.DefaultConfig() },
		"postgres": func(t *testing.T) app.Config {
			return apptest.Config(func(c *app.Config) { c.DatabaseURL = pgtest.New(t) })
		},
	} {
		t.Run(name, func(t *testing.T) {
			a := apptest.Start(t, cfg(t))
			c := connect(t, a, "/mcp")
			r := mcptest.Walk(t, c)
			inv := r["invoice"].(map[string]any)
			if r["reconciled"] != true || inv["total"] != "1099.00" || inv["currency"] != "NZD" || inv["tax"] != "143.35" {
				t.Fatalf("reconcile_invoice: %v", r)
			}
			res, err := c.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "scenario://current"})
			if err != nil {
				t.Fatal(err)
			}
			var sc struct {
				World  string `json:"world"`
				Partly struct {
					Jobs []struct {
						ExternalID string `json:"external_id"`
						Status     string `json:"status"`
						Parts      []struct {
							Status string `json:"status"`
						} `json:"parts"`
					} `json:"jobs"`
					Procurements []struct {
						Status   string `json:"status"`
						Supplier string `json:"supplier"`
						Subtotal string `json:"subtotal"`
					} `json:"procurements"`
				} `json:"partly"`
				Webhooks struct {
					Deliveries []any `json:"deliveries"`
				} `json:"webhooks"`
			}
			if err := json.Unmarshal([]byte(res.Contents[0].Text), &sc); err != nil {
				t.Fatal(err)
			}
			jobs, procs := sc.Partly.Jobs, sc.Partly.Procurements
			if !strings.HasPrefix(sc.World, "mcp-") || len(jobs) != 1 || jobs[0].ExternalID != seed.DemoJobExternalID || jobs[0].Status != "parts_ordered" ||
				len(jobs[0].Parts) != 2 || jobs[0].Parts[0].Status != "ordered" || len(procs) != 1 || procs[0].Status != "order_confirmed" ||
				procs[0].Supplier != "Christchurch Toyota Parts" || procs[0].Subtotal != "955.65" || sc.Webhooks.Deliveries == nil {
				t.Fatalf("scenario://current: %s", res.Contents[0].Text)
			}
		})
	}
}

// Every tool: a happy path and an error path, in one world.
func TestEveryTool(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")
	job := seed.DemoJobExternalID

	// get_started
	start := c.OK(t, "get_started", nil)
	world := start["world"].(string)
	if !strings.HasPrefix(world, "mcp-") || start["demo"].(map[string]any)["job_status"] != "draft" {
		t.Fatalf("get_started: %v", start)
	}
	h := start["http"].(map[string]any)
	if h["base_url"] != a.URL() || h["tenant_header"] != "x-partifact-tenant: "+world {
		t.Errorf("get_started http: %v (server %s)", h, a.URL())
	}
	c.Fail(t, "get_started", map[string]any{"verbose": true}, mcpserver.CodeInvalidInput)

	// prepare_vehicle
	v := c.OK(t, "prepare_vehicle", map[string]any{"plate": "NKR419"}) // country defaults to NZ
	if v["vehicle"].(map[string]any)["vin"] != "JTNKARJE20J012345" || v["summary"] != "2019 Toyota Corolla (NKR419)" {
		t.Errorf("prepare_vehicle: %v", v)
	}
	c.OK(t, "prepare_vehicle", map[string]any{"vin": "JTNKARJE20J012345"})
	e := c.Fail(t, "prepare_vehicle", map[string]any{"plate": "ZZZ999", "country": "NZ"}, "not_found")
	if !strings.Contains(e["message"].(string), "NKR419") || e["retryable"] != false {
		t.Errorf("prepare_vehicle not_found: %v", e)
	}
	c.Fail(t, "prepare_vehicle", map[string]any{"plate": "NKR419", "vin": "JTNKARJE20J012345"}, mcpserver.CodeInvalidInput)
	e = c.Fail(t, "prepare_vehicle", map[string]any{"vin": "NOT-A-VIN"}, "bad_request")
	if len(e["problems"].([]any)) == 0 {
		t.Errorf("bad_request without problems: %v", e)
	}

	// open_repair_job: the demo job keeps its site; a new one opens at Addington.
	o := c.OK(t, "open_repair_job", map[string]any{"job": job})
	if j := o["job"].(map[string]any); j["site_id"] != seed.AddingtonSiteID.String() || j["claim_number"] != "AMI-CLM-552019" || j["status"] != "draft" {
		t.Errorf("open_repair_job demo: %v", o)
	}
	o = c.OK(t, "open_repair_job", map[string]any{"job": "MCP-NEW-1", "site_id": seed.HornbySiteID.String(), "claim_number": "C-1"})
	if j := o["job"].(map[string]any); j["site_id"] != seed.HornbySiteID.String() || j["vehicle"] != "no vehicle" {
		t.Errorf("open_repair_job new: %v", o)
	}
	o = c.OK(t, "open_repair_job", map[string]any{"job": "MCP-NEW-1", "job_number": "J-1"})
	if j := o["job"].(map[string]any); j["site_id"] != seed.HornbySiteID.String() || j["claim_number"] != "C-1" {
		t.Errorf("updating a job moved or cleared it: %v", o)
	}
	c.Fail(t, "open_repair_job", map[string]any{"job": "MCP-NEW-2", "site_id": seed.OtherSiteID.String()}, "not_found")
	c.Fail(t, "open_repair_job", map[string]any{"job": "MCP-NEW-2", "site_id": "nope"}, "bad_request")
	c.Fail(t, "open_repair_job", map[string]any{}, mcpserver.CodeInvalidInput)

	// add_parts
	p := c.OK(t, "add_parts", map[string]any{"job": job, "parts": []map[string]any{
		{"description": "Front bumper cover", "part_number": seed.BumperCoverPN},
		{"description": "Radiator grille"},
	}})
	if p["added_count"] != 2.0 || p["added"].([]any)[0].(map[string]any)["quantity"] != 1.0 {
		t.Errorf("add_parts: %v", p)
	}
	e = c.Fail(t, "add_parts", map[string]any{"job": "NO-SUCH-JOB", "parts": []map[string]any{{"description": "x"}}}, "not_found")
	if e["message"] != "no job with that external id in this world; open it with open_repair_job" {
		t.Errorf("add_parts not_found: %v", e)
	}
	many := make([]map[string]any, 201)
	for i := range many {
		many[i] = map[string]any{"description": "part"}
	}
	c.Fail(t, "add_parts", map[string]any{"job": job, "parts": many}, mcpserver.CodeInvalidInput)
	c.Fail(t, "add_parts", map[string]any{"job": job, "parts": nil}, mcpserver.CodeInvalidInput)
	c.Fail(t, "add_parts", map[string]any{"job": job, "parts": []map[string]any{{"description": "x", "quantity": 0}}}, mcpserver.CodeInvalidInput)

	// recommend_basket: all three conditions for the bumper, the grille by description.
	b := c.OK(t, "recommend_basket", map[string]any{"job": job, "offers_per_part": 10})
	if b["part_count"] != 2.0 || len(b["suppliers"].([]any)) < 2 {
		t.Errorf("recommend_basket: %v", b)
	}
	rec := b["recommended"].(map[string]any)
	// Auto Parts Direct covers both parts for least: 289.00 + 99.00.
	if rec["supplier_id"] != seed.AutoPartsDirectID.String() || rec["estimated_subtotal"] != "388.00" || rec["parts_covered"] != 2.0 {
		t.Errorf("recommendation: %v", rec)
	}
	bn := c.OK(t, "recommend_basket", map[string]any{"job": job, "condition": "new", "supplier_id": seed.WellingtonGenuineID.String()})
	if bn["part_count"] != 1.0 || bn["recommended"].(map[string]any)["supplier"] != "Wellington Genuine Parts" {
		t.Errorf("filtered basket: %v", bn)
	}
	c.Fail(t, "recommend_basket", map[string]any{"job": "NO-SUCH-JOB"}, "not_found")
	c.Fail(t, "recommend_basket", map[string]any{"job": job, "condition": "mint"}, mcpserver.CodeInvalidInput)

	// place_procurement: offers of two suppliers are refused, then one supplier's order.
	var offers []string // the cheapest offer of each part, of different suppliers
	for _, part := range b["parts"].([]any) {
		offers = append(offers, part.(map[string]any)["offers"].([]any)[0].(map[string]any)["offer_id"].(string))
	}
	e = c.Fail(t, "place_procurement", map[string]any{"job": job, "offer_ids": offers}, "bad_request")
	if !strings.Contains(e["wire"].(map[string]any)["body"].(string), "one supplier") {
		t.Errorf("place_procurement two suppliers: %v", e)
	}
	c.Fail(t, "place_procurement", map[string]any{"job": job, "offer_ids": []string{uuid.NewString()}}, "not_found")
	placed := c.OK(t, "place_procurement", map[string]any{"job": job, "offer_ids": rec["offer_ids"]})
	pr := placed["procurement"].(map[string]any)
	id := pr["id"].(string)
	if pr["status"] != "order_requested" || pr["subtotal"] != "388.00" || pr["currency"] != "NZD" || !strings.Contains(placed["next"].(string), "confirm_as_supplier") {
		t.Errorf("place_procurement: %v", placed)
	}

	// get_job, get_procurement
	g := c.OK(t, "get_job", map[string]any{"job": job})
	if g["job"].(map[string]any)["status"] != "parts_ordered" {
		t.Errorf("get_job: %v", g)
	}
	e = c.Fail(t, "get_job", map[string]any{"job": "NO-SUCH-JOB"}, "not_found")
	if e["message"] != "no job with that external id in this world; open it with open_repair_job" {
		t.Errorf("get_job not_found: %v", e)
	}
	if gp := c.OK(t, "get_procurement", map[string]any{"procurement_id": id}); gp["procurement"].(map[string]any)["status"] != "order_requested" {
		t.Errorf("get_procurement: %v", gp)
	}
	c.Fail(t, "get_procurement", map[string]any{"procurement_id": uuid.NewString()}, "not_found")
	c.Fail(t, "get_procurement", map[string]any{"procurement_id": "x"}, "bad_request")

	// reconcile_invoice before the supplier confirms: nothing to reconcile yet.
	r := c.OK(t, "reconcile_invoice", map[string]any{"procurement_id": id})
	if r["reconciled"] != false || r["invoice"] != nil || !strings.Contains(r["next"].(string), "confirm_as_supplier") {
		t.Errorf("reconcile_invoice unconfirmed: %v", r)
	}
	c.Fail(t, "reconcile_invoice", map[string]any{"procurement_id": uuid.NewString()}, "not_found")

	// confirm_as_supplier, then reconcile: 388.00 + 58.20 GST.
	cf := c.OK(t, "confirm_as_supplier", map[string]any{"procurement_id": id})
	if cf["procurement"].(map[string]any)["confirmed_at"] == nil {
		t.Errorf("confirm_as_supplier: %v", cf)
	}
	c.OK(t, "confirm_as_supplier", map[string]any{"procurement_id": id}) // confirming again changes nothing
	c.Fail(t, "confirm_as_supplier", map[string]any{"procurement_id": uuid.NewString()}, "not_found")
	c.Fail(t, "confirm_as_supplier", map[string]any{"procurement_id": "x"}, "bad_request")
	r = c.OK(t, "reconcile_invoice", map[string]any{"procurement_id": id})
	if inv := r["invoice"].(map[string]any); r["reconciled"] != true || inv["total"] != "446.20" {
		t.Errorf("reconcile_invoice: %v", r)
	}

	// A cancelled procurement cannot be confirmed.
	c.OK(t, "add_parts", map[string]any{"job": job, "parts": []map[string]any{{"description": "Bonnet", "part_number": seed.BonnetPN}}})
	b = c.OK(t, "recommend_basket", map[string]any{"job": job})
	placed = c.OK(t, "place_procurement", map[string]any{"job": job, "offer_ids": b["recommended"].(map[string]any)["offer_ids"]})
	id2 := placed["procurement"].(map[string]any)["id"].(string)
	if status, body := post(t, a, http.MethodPost, "/__procurements/"+id2+"/cancel", world, nil, nil); status != 200 {
		t.Fatalf("cancel: %d %s", status, body)
	}
	e = c.Fail(t, "confirm_as_supplier", map[string]any{"procurement_id": id2}, "invalid_status")
	if !strings.Contains(e["message"].(string), "cancelled") {
		t.Errorf("invalid_status: %v", e)
	}

	// inspect_webhooks
	w := c.OK(t, "inspect_webhooks", nil)
	if len(w["events"].([]any)) == 0 || len(w["endpoints"].([]any)) != 0 || !strings.Contains(w["next"].(string), "subscribe_sink") {
		t.Errorf("inspect_webhooks: %v", w)
	}
	w = c.OK(t, "inspect_webhooks", map[string]any{"subscribe_sink": true})
	if len(w["endpoints"].([]any)) != 2 {
		t.Errorf("inspect_webhooks subscribe_sink: %v", w)
	}
	c.Fail(t, "inspect_webhooks", map[string]any{"status": "lost"}, mcpserver.CodeInvalidInput)
	c.Fail(t, "inspect_webhooks", map[string]any{"limit": 1000}, mcpserver.CodeInvalidInput)

	// advance_clock
	ck := c.OK(t, "advance_clock", map[string]any{"by": "2h"})
	if ck["offset"] != "2h0m0s" || ck["real"] != false {
		t.Errorf("advance_clock: %v", ck)
	}
	c.Fail(t, "advance_clock", map[string]any{"by": "-1h"}, "bad_request")
	c.Fail(t, "advance_clock", map[string]any{"by": "1h", "real": true}, mcpserver.CodeInvalidInput)
	if ck = c.OK(t, "advance_clock", map[string]any{"real": true}); ck["real"] != true {
		t.Errorf("advance_clock real: %v", ck)
	}

	// reset_world
	if rs := c.OK(t, "reset_world", nil); rs["world"] != world || rs["reset"] != true {
		t.Errorf("reset_world: %v", rs)
	}
	c.Fail(t, "get_job", map[string]any{"job": "MCP-NEW-1"}, "not_found")
	if g := c.OK(t, "get_job", map[string]any{"job": job}); g["job"].(map[string]any)["status"] != "draft" {
		t.Errorf("after reset_world: %v", g)
	}
	c.Fail(t, "reset_world", map[string]any{"everything": true}, mcpserver.CodeInvalidInput)
}

// The HTTP wire is unchanged: a tool's error carries the very answer an
// HTTP client gets, bare strings included (vendor decision D24).
func TestErrorsKeepTheWire(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")
	world := c.OK(t, "get_started", nil)["world"].(string)
	for _, tc := range []struct {
		tool   string
		args   map[string]any
		method string
		body   any
	}{
		{"get_job", map[string]any{"job": "NO-SUCH-JOB"}, "repairer.jobs.get", map[string]any{"identity": map[string]any{"external": "NO-SUCH-JOB"}}},
		{"add_parts", map[string]any{"job": "NO-SUCH-JOB", "parts": []map[string]any{{"description": "x", "quantity": 1}}}, "repairer.jobs.parts.insert",
			map[string]any{"job": map[string]any{"external": "NO-SUCH-JOB"}, "parts": []map[string]any{{"description": "x", "part_number": nil, "quantity": 1}}}},
	} {
		e := c.Fail(t, tc.tool, tc.args, "not_found")
		wire := e["wire"].(map[string]any)
		status, body := post(t, a, http.MethodPost, "/api/2026-01/"+tc.method, world, repairer, tc.body)
		if wire["status"] != float64(status) || wire["body"] != string(body) || wire["request"] != "POST /api/2026-01/"+tc.method {
			t.Errorf("%s: wire %v, HTTP %d %s", tc.tool, wire, status, body)
		}
	}
	if _, body := post(t, a, http.MethodPost, "/api/2026-01/repairer.jobs.parts.insert", world, repairer,
		map[string]any{"job": map[string]any{"external": "NO-SUCH-JOB"}, "parts": []map[string]any{{"description": "x", "part_number": nil, "quantity": 1}}}); string(body) != `"not_found"` {
		t.Errorf("parts.insert answers %s, want the bare string", body)
	}

	// Faults set over HTTP fire on the tools' calls too; a server failure
	// is retryable, a contract error is not.
	if status, b := post(t, a, http.MethodPost, "/__faults", world, nil, map[string]any{"method": "repairer.jobs.get", "status": 503, "count": 1}); status != 200 {
		t.Fatalf("fault: %d %s", status, b)
	}
	e := c.Fail(t, "get_job", map[string]any{"job": seed.DemoJobExternalID}, "bad_request")
	if e["retryable"] != true || e["wire"].(map[string]any)["status"] != 503.0 {
		t.Errorf("injected 503: %v", e)
	}
	c.OK(t, "get_job", map[string]any{"job": seed.DemoJobExternalID})

	// The journal shows the tools' wire calls as the demo repairer's.
	status, b := post(t, a, http.MethodGet, "/__journal?method=repairer.jobs.get", world, nil, nil)
	var j struct {
		Items []struct {
			Status        int    `json:"status"`
			IntegrationID string `json:"integration_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &j); err != nil || status != 200 || len(j.Items) < 3 {
		t.Fatalf("journal: %d %s", status, b)
	}
	for _, it := range j.Items {
		if it.IntegrationID != seed.RepairerIntegrationID.String() {
			t.Errorf("journal entry of %s", it.IntegrationID)
		}
	}
}

// Each /mcp session has a world of its own; /mcp/<world> sessions share the
// world named, which is the tenant of that name over HTTP.
func TestSessionIsolation(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	one, two := connect(t, a, "/mcp"), connect(t, a, "/mcp")
	w1, w2 := one.OK(t, "get_started", nil)["world"], two.OK(t, "get_started", nil)["world"]
	if w1 == w2 {
		t.Fatalf("two sessions share world %v", w1)
	}
	one.OK(t, "open_repair_job", map[string]any{"job": "ISO-1"})
	two.Fail(t, "get_job", map[string]any{"job": "ISO-1"}, "not_found")
	one.OK(t, "get_job", map[string]any{"job": "ISO-1"})
	scenario := func(c *mcptest.Client) string {
		res, err := c.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "scenario://current"})
		if err != nil {
			t.Fatal(err)
		}
		return res.Contents[0].Text
	}
	if s1, s2 := scenario(one), scenario(two); !strings.Contains(s1, "ISO-1") || strings.Contains(s2, "ISO-1") {
		t.Errorf("scenarios: %s\n---\n%s", s1, s2)
	}
	// The shared world stays untouched.
	if status, _ := post(t, a, http.MethodPost, "/api/2026-01/repairer.jobs.get", "", repairer, map[string]any{"identity": map[string]any{"external": "ISO-1"}}); status != 404 {
		t.Errorf("the shared world has the session's job: %d", status)
	}

	named, again := connect(t, a, "/mcp/team-a"), connect(t, a, "/mcp/team-a")
	if w := named.OK(t, "get_started", nil)["world"]; w != "team-a" {
		t.Fatalf("world %v, want team-a", w)
	}
	named.OK(t, "open_repair_job", map[string]any{"job": "TEAM-1"})
	again.OK(t, "get_job", map[string]any{"job": "TEAM-1"})
	if status, b := post(t, a, http.MethodPost, "/api/2026-01/repairer.jobs.get", "team-a", repairer, map[string]any{"identity": map[string]any{"external": "TEAM-1"}}); status != 200 {
		t.Errorf("the tenant team-a over HTTP: %d %s", status, b)
	}
	connect(t, a, "/mcp/team-b").Fail(t, "get_job", map[string]any{"job": "TEAM-1"}, "not_found")
}

// rawInit opens a session by hand and returns its id.
func rawInit(t *testing.T, a *app.App, path string) (int, string, []byte) {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`
	req, _ := http.NewRequest(http.MethodPost, a.URL()+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), b
}

func TestPaths(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	for _, p := range []string{"/mcp/", "/mcp/Team", "/mcp/a/b", "/mcp/" + strings.Repeat("a", 65)} {
		status, _, b := rawInit(t, a, p)
		if status != http.StatusNotFound || !strings.Contains(string(b), `"jsonrpc":"2.0"`) {
			t.Errorf("%s: %d %s", p, status, b)
		}
	}
	// A session answers at the URL that opened it only.
	status, id, b := rawInit(t, a, "/mcp/team-a")
	if status != 200 || id == "" {
		t.Fatalf("initialize: %d %s", status, b)
	}
	for _, p := range []string{"/mcp/team-b", "/mcp"} {
		req, _ := http.NewRequest(http.MethodPost, a.URL()+p, strings.NewReader(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Session-Id", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the session of /mcp/team-a at %s: %d", p, resp.StatusCode)
		}
	}
	if status, _ := post(t, a, http.MethodGet, "/mcp", "", nil, nil); status != http.StatusBadRequest {
		t.Errorf("GET /mcp without a session: %d", status)
	}
	huge := map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": strings.Repeat("a", mcpserver.MaxRequestBytes)}
	if status, b := post(t, a, http.MethodPost, "/mcp", "", http.Header{"Accept": {"application/json, text/event-stream"}}, huge); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a request over %d bytes: %d %s", mcpserver.MaxRequestBytes, status, b)
	}
	if n := a.MCP().Sessions(); n != 1 {
		t.Errorf("%d sessions open, want the one of team-a", n)
	}
}

// TestBatchBound: a JSON-RPC batch (protocol versions before 2025-06-18)
// holds at most MaxBatch messages, in a session or opening one: each is
// answered in full, so thousands of tools/list in one request would be
// answered with gigabytes.
func TestBatchBound(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	status, id, b := rawInit(t, a, "/mcp/batch")
	if status != 200 || id == "" {
		t.Fatalf("initialize: %d %s", status, b)
	}
	batch := func(n int, method string) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"jsonrpc": "2.0", "id": i + 2, "method": method}
		}
		return out
	}
	h := http.Header{"Accept": {"application/json, text/event-stream"}, "Mcp-Session-Id": {id}}
	status, b = post(t, a, http.MethodPost, "/mcp/batch", "", h, batch(mcpserver.MaxBatch, "tools/list"))
	if status != 200 || strings.Count(string(b), `"tools":[`) != mcpserver.MaxBatch {
		t.Fatalf("a batch of %d: %d %.300s", mcpserver.MaxBatch, status, b)
	}
	status, b = post(t, a, http.MethodPost, "/mcp/batch", "", h, batch(mcpserver.MaxBatch+1, "tools/list"))
	if status != http.StatusBadRequest || !strings.Contains(string(b), fmt.Sprintf("at most %d messages", mcpserver.MaxBatch)) {
		t.Fatalf("a batch of %d: %d %.300s", mcpserver.MaxBatch+1, status, b)
	}
	h.Del("Mcp-Session-Id")
	status, b = post(t, a, http.MethodPost, "/mcp", "", h, batch(mcpserver.MaxBatch+1, "initialize"))
	if status != http.StatusBadRequest || !strings.Contains(string(b), `"jsonrpc":"2.0"`) {
		t.Fatalf("a batch of %d opening sessions: %d %.300s", mcpserver.MaxBatch+1, status, b)
	}
	if n := a.MCP().Sessions(); n != 1 {
		t.Fatalf("%d sessions open, want the first", n)
	}
}

func TestSessionCap(t *testing.T) {
	a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.MCPMaxSessions = 2 }))
	first := connect(t, a, "/mcp")
	connect(t, a, "/mcp/team-a")
	status, _, b := rawInit(t, a, "/mcp")
	if status != http.StatusServiceUnavailable || !strings.Contains(string(b), "2 MCP sessions are open") {
		t.Fatalf("a third session: %d %s", status, b)
	}
	_, err := mcp.NewClient(&mcp.Implementation{Name: "third", Version: "v0"}, nil).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: a.URL() + "/mcp"}, nil)
	if err == nil || !strings.Contains(err.Error(), "Service Unavailable") {
		t.Fatalf("the SDK client over the cap: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if n := a.MCP().Sessions(); n != 1 {
		t.Fatalf("%d sessions after one closed", n)
	}
	connect(t, a, "/mcp").OK(t, "get_started", nil)
}

// A cap of 0 opens no session: MCP over HTTP is off, the sandbox routes on.
func TestNoSessions(t *testing.T) {
	a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.MCPMaxSessions = 0 }))
	if status, _, b := rawInit(t, a, "/mcp"); status != http.StatusServiceUnavailable || !strings.Contains(string(b), "0 MCP sessions are open") {
		t.Fatalf("a session with a cap of 0: %d %s", status, b)
	}
	if status, _ := post(t, a, http.MethodPost, "/__reset", "", nil, nil); status != 200 {
		t.Fatalf("the sandbox routes: %d", status)
	}
}

// TestIdleSessionsClose: the idle time leaves a loaded machine room for
// the first call.
func TestIdleSessionsClose(t *testing.T) {
	a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.MCPSessionIdle = 2 * time.Second }))
	c := connect(t, a, "/mcp")
	c.OK(t, "get_started", nil)
	for deadline := time.Now().Add(10 * time.Second); a.MCP().Sessions() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the idle session is still open")
		}
	}
	if _, err := c.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_started", Arguments: map[string]any{}}); err == nil {
		t.Fatal("a call on a closed session succeeded")
	}
}

// Without the sandbox routes there is no MCP server: its tools drive them.
func TestHiddenWithTheSandbox(t *testing.T) {
	a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.NoSandboxRoutes = true }))
	if a.MCP() != nil {
		t.Fatal("an MCP server without the sandbox routes")
	}
	status, _, b := rawInit(t, a, "/mcp")
	if status != http.StatusNotFound || string(b) != `{"type":"unknown_method"}` {
		t.Fatalf("/mcp without the sandbox: %d %s", status, b)
	}
}

// Webhooks of the tools' calls go out after the answer, signed, as for any
// client: the sink receives them and the delivery log shows them.
func TestWebhooks(t *testing.T) {
	a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.WebhookPoll = 10 * time.Millisecond }))
	c := connect(t, a, "/mcp")
	c.OK(t, "inspect_webhooks", map[string]any{"subscribe_sink": true})
	r := mcptest.Walk(t, c)
	if r["reconciled"] != true {
		t.Fatalf("walk: %v", r)
	}
	var w map[string]any
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		w = c.OK(t, "inspect_webhooks", map[string]any{"status": "delivered"})
		// order requested and order confirmed, to the buyer and the supplier
		if w["deliveries_shown"] == 4.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries: %v", w)
		}
	}
	sink := w["sink"].(map[string]any)
	if sink["received"] != 4.0 || sink["signature_valid"] != 4.0 {
		t.Errorf("sink: %v", sink)
	}
	types := map[string]bool{}
	for _, e := range w["events"].([]any) {
		types[e.(map[string]any)["type"].(string)] = true
	}
	for _, typ := range []string{"repairer.procurement.order_confirmed", "supplier.procurement.order_confirmed", "supplier.procurement.order_requested"} {
		if !types[typ] {
			t.Errorf("event %s not counted: %v", typ, w["events"])
		}
	}
	if ds := c.OK(t, "inspect_webhooks", map[string]any{"type": "supplier.procurement.order_confirmed", "limit": 1})["deliveries"].([]any); len(ds) != 1 ||
		ds[0].(map[string]any)["attempts"].([]any)[0].(map[string]any)["status_code"] != 200.0 {
		t.Errorf("filtered deliveries: %v", ds)
	}
}

// Closing the server ends open sessions and their streams of server
// messages, which the HTTP shutdown would otherwise wait for.
func TestCloseWithOpenSessions(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")
	c.OK(t, "get_started", nil)
	named := connect(t, a, "/mcp/team-a")
	named.OK(t, "get_started", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Close(ctx); err != nil {
		t.Fatalf("close with open sessions: %v", err)
	}
	if _, err := c.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_started", Arguments: map[string]any{}}); err == nil {
		t.Fatal("a call after close succeeded")
	}
}

// Lists in outputs are capped, with their counts.
func TestListsAreCapped(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")
	parts := make([]map[string]any, mcpserver.MaxListItems+10)
	for i := range parts {
		parts[i] = map[string]any{"description": "Front bumper cover", "part_number": seed.BumperCoverPN}
	}
	c.OK(t, "open_repair_job", map[string]any{"job": "MANY-1"})
	added := c.OK(t, "add_parts", map[string]any{"job": "MANY-1", "parts": parts})
	if len(added["added"].([]any)) != mcpserver.MaxListItems || added["added_count"] != float64(len(parts)) {
		t.Errorf("add_parts: %d listed, count %v", len(added["added"].([]any)), added["added_count"])
	}
	b := c.OK(t, "recommend_basket", map[string]any{"job": "MANY-1"})
	rec := b["recommended"].(map[string]any)
	if len(b["parts"].([]any)) != mcpserver.MaxListItems || b["part_count"] != float64(len(parts)) ||
		len(rec["offer_ids"].([]any)) != len(parts) || len(b["parts"].([]any)[0].(map[string]any)["offers"].([]any)) != 3 {
		t.Errorf("recommend_basket: %d parts listed, count %v, %d offers recommended", len(b["parts"].([]any)), b["part_count"], len(rec["offer_ids"].([]any)))
	}
	// The recommendation is one order, whatever the listing shows.
	placed := c.OK(t, "place_procurement", map[string]any{"job": "MANY-1", "offer_ids": rec["offer_ids"]})
	if p := placed["procurement"].(map[string]any); len(p["lines"].([]any)) != mcpserver.MaxListItems || p["line_count"] != float64(len(parts)) {
		t.Errorf("place_procurement: %d lines listed, count %v", len(p["lines"].([]any)), p["line_count"])
	}
}
