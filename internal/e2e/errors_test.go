package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/sandbox"
)

// supplierMethods and the role each method needs, for the credential checks.
var roleOf = map[string]methods.Access{}

func init() {
	for _, m := range methods.All {
		roleOf[m.Name] = m.Access
	}
}

// validBody is a schema-valid body for each method (whatever it finds).
func validBody(method string) any {
	job := map[string]any{"external": seed.DemoJobExternalID}
	id := uuid.NewString()
	switch method {
	case "integrations.insert":
		return map[string]any{"client_id": "x", "client_secret": "y", "access_code": "z"}
	case "tier1.prepare":
		return map[string]any{"identifier": map[string]any{"chassis_number": "JTNKARJE20J012345"}}
	case "tier1.vehicles.preload":
		return map[string]any{"identifiers": []any{map[string]any{"chassis_number": "JTNKARJE20J012345"}}}
	case "repairer.jobs.insert":
		return map[string]any{"data": map[string]any{"repairer_site_id": seed.AddingtonSiteID},
			"identity": job, "if_": map[string]any{"exists": "update"}}
	case "repairer.jobs.get":
		return map[string]any{"identity": job}
	case "repairer.jobs.parts.insert":
		return map[string]any{"job": job, "parts": []any{map[string]any{"description": "Bonnet", "quantity": 1}}}
	case "repairer.jobs.baskets.latest.get":
		return map[string]any{"job": job}
	case "repairer.procurements.insert":
		return map[string]any{"job": job, "offer_ids": []string{id}}
	case "repairer.procurements.get", "supplier.procurements.get", "supplier.procurements.confirm":
		return map[string]any{"id": id}
	case "repairer.procurements.invoices.list":
		return map[string]any{"procurement_id": id}
	}
	return map[string]any{}
}

// invalidBody fails each method's schema (a required field missing or of
// the wrong type).
func invalidBody(method string) any {
	switch method {
	case "businesses.list", "repairer.work-providers.list":
		// Any object will do for these (unknown fields are ignored).
		return "not an object"
	case "repairer.jobs.list", "supplier.procurements.list":
		return map[string]any{"status": 42, "site_id": "not-a-uuid"}
	}
	return map[string]any{"unexpected": true}
}

// TestCredentialAndTransportErrors runs, for every method, the answers that
// come before the handler: credentials, role, verb, content type, size,
// malformed JSON and schema failures, each with its status and variant.
func TestCredentialAndTransportErrors(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	base := newClient(t, srv, "errors", sandbox.Repairer)
	for _, m := range methods.All {
		t.Run(m.Name, func(t *testing.T) {
			c := *base
			c.t = t
			if m.Access == methods.Public {
				// integrations.insert needs no credential; a wrong one is ignored.
				c.as(sandbox.Credential{APIKey: "nope", IntegrationID: "nope"}).fails(m.Name, validBody(m.Name), 401, "invalid_client")
			} else {
				c.anonymous().fails(m.Name, validBody(m.Name), 401, "unauthorized")
				c.as(sandbox.Credential{APIKey: "partly_00000000000000000000000000000000", IntegrationID: seed.RepairerIntegrationID.String()}).
					fails(m.Name, validBody(m.Name), 401, "unauthorized")
				// A valid key with another integration's id.
				c.as(sandbox.Credential{APIKey: seed.RepairerAPIKey, IntegrationID: seed.SupplierIntegrationID.String()}).
					fails(m.Name, validBody(m.Name), 401, "unauthorized")
				c.as(sandbox.Credential{APIKey: seed.RepairerAPIKey, IntegrationID: "not-a-uuid"}).
					fails(m.Name, validBody(m.Name), 401, "unauthorized")
				bearerless := c
				bearerless.header = http.Header{"Authorization": {seed.RepairerAPIKey}}
				bearerless.fails(m.Name, validBody(m.Name), 401, "unauthorized")
				switch m.Access {
				case methods.Repairer:
					c.as(sandbox.Supplier).fails(m.Name, validBody(m.Name), 403, "forbidden")
				case methods.Supplier:
					c.as(sandbox.Repairer).fails(m.Name, validBody(m.Name), 403, "forbidden")
				}
			}
			if m.Access == methods.Supplier {
				c = *c.as(sandbox.Supplier)
			}
			c.fails(m.Name, invalidBody(m.Name), 400, "bad_request")
			c.fails(m.Name, `{"identity":`, 400, "bad_request")
			c.fails(m.Name, `{} {}`, 400, "bad_request")
			c.fails(m.Name, `[]`, 400, "bad_request")

			// Transport-level answers, still union variants of the method.
			status, h, body := c.raw(http.MethodGet, m.Name, nil)
			if status != 405 || h.Get("Allow") != "POST" {
				t.Fatalf("GET: %d Allow=%q", status, h.Get("Allow"))
			}
			checkResponse(t, m.Name, status, body)
			big := append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), 1<<20)...)
			big = append(big, `"}`...)
			status, _, body = c.raw(http.MethodPost, m.Name, big)
			if status != 413 || errorType(body) != "bad_request" {
				t.Fatalf("1 MiB body: %d %s", status, body)
			}
			checkResponse(t, m.Name, status, body)
			xml := c
			xml.header = http.Header{"Content-Type": {"text/xml"}}
			status, _, body = xml.raw(http.MethodPost, m.Name, []byte(`{}`))
			if status != 415 || errorType(body) != "bad_request" {
				t.Fatalf("text/xml: %d %s", status, body)
			}
			checkResponse(t, m.Name, status, body)
		})
	}
}

// TestVerbsOutsideTheAPIs: the paths beside the APIs (health, documents,
// dashboard) answer a verb they do not take with the verbs they do, and an
// unknown verb on a path nothing serves is not found, typed like any other.
func TestVerbsOutsideTheAPIs(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	for _, c := range []struct {
		verb, path string
		status     int
		allow      string
	}{
		{http.MethodPost, "/healthz", 405, "GET, HEAD"},
		{"FOO", "/docs/sandbox.md", 405, "GET, HEAD"},
		{http.MethodDelete, "/openapi.json", 405, "GET, HEAD"},
		{"FOO", "/no-such-path", 404, ""},
		{"FOO", "/api/2026-01/no.such.method", 404, ""},
	} {
		req, _ := http.NewRequest(c.verb, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct {
			Type   string `json:"type"`
			Errors []struct{ Message string }
		}
		if resp.StatusCode != c.status || resp.Header.Get("Allow") != c.allow || json.Unmarshal(body, &e) != nil || e.Type == "" {
			t.Errorf("%s %s: %d Allow=%q %s, want %d Allow=%q and a typed body", c.verb, c.path, resp.StatusCode, resp.Header.Get("Allow"), body, c.status, c.allow)
			continue
		}
		if c.status == 405 && (len(e.Errors) != 1 || !strings.Contains(e.Errors[0].Message, "GET or HEAD") || strings.Contains(e.Errors[0].Message, "POST")) {
			t.Errorf("%s %s: %s, want the message to name %s alone", c.verb, c.path, body, c.allow)
		}
	}
}

// TestBadRequestNamesThePath: schema failures say where, for developers.
func TestBadRequestNamesThePath(t *testing.T) {
	t.Parallel()
	c := newClient(t, sandbox.Start(t), "", sandbox.Repairer)
	body := c.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": uuid.NewString(), "external": "x"}}, 400, "bad_request")
	if !strings.Contains(string(body), `"path":"/identity"`) {
		t.Fatalf("want the path of the ambiguous identity: %s", body)
	}
	c.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{}}, 400, "bad_request")
	c.fails("repairer.jobs.get", map[string]any{}, 400, "bad_request")
}

// TestMethodErrors is every handler-level error variant of every method.
func TestMethodErrors(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		srv := &sandbox.Server{URL: a.URL()}
		rep := newClient(t, srv, "method-errors", sandbox.Repairer)
		sup := rep.as(sandbox.Supplier)
		otherRep := rep.as(sandbox.OtherRepairer)
		otherSup := rep.as(sandbox.OtherSupplier)
		missing := uuid.NewString()
		demo := map[string]any{"external": seed.DemoJobExternalID}
		noJob := map[string]any{"external": "no-such-job"}

		// A procurement to aim at, and a cancelled one (a state only the sandbox drives).
		var parts methods.JobsPartsInsertResponse
		rep.ok("repairer.jobs.parts.insert", map[string]any{"job": demo, "parts": []any{
			map[string]any{"description": "Front bumper cover", "part_number": seed.BumperCoverPN, "quantity": 1},
			map[string]any{"description": "Bonnet", "part_number": seed.BonnetPN, "quantity": 1},
			map[string]any{"description": "Radiator support", "quantity": 1},
		}}, &parts)
		var basket methods.BasketV1
		rep.ok("repairer.jobs.baskets.latest.get", map[string]any{"job": demo}, &basket)
		offerOf := func(part int, supplier uuid.UUID) string {
			for _, o := range basket.Offers {
				if o.PartID == parts.Parts[part].ID && o.SupplierID == supplier {
					return o.ID.String()
				}
			}
			t.Fatalf("no offer for part %d from %s", part, supplier)
			return ""
		}
		var proc methods.ProcurementV1
		rep.ok("repairer.procurements.insert", map[string]any{"job": demo, "offer_ids": []string{offerOf(0, seed.ChristchurchToyotaID)}}, &proc)
		var cancelled methods.ProcurementV1
		rep.ok("repairer.procurements.insert", map[string]any{"job": demo, "offer_ids": []string{offerOf(1, seed.ChristchurchToyotaID)}}, &cancelled)
		err := a.Store().Update(context.Background(), "method-errors", func(tx store.Tx) error {
			p, err := tx.Procurement(seed.RepairerOrgID, cancelled.ID)
			if err != nil {
				return err
			}
			p.Status = store.ProcurementCancelled
			return tx.UpdateProcurement(p)
		})
		if err != nil {
			t.Fatal(err)
		}

		cases := []struct {
			name   string
			c      *client
			method string
			body   any
			status int
			typ    string
		}{
			{"PrepareUnknownVIN", rep, "tier1.prepare", map[string]any{"identifier": map[string]any{"chassis_number": "JTNKARJE20J099999"}}, 404, "not_found"},
			{"PrepareUnknownPlate", rep, "tier1.prepare", map[string]any{"identifier": map[string]any{"vrm": map[string]any{"plate": "ZZZ999", "location": map[string]any{"country": "NZ"}}}}, 404, "not_found"},
			{"PreparePlateOfAnotherCountry", rep, "tier1.prepare", map[string]any{"identifier": map[string]any{"vrm": map[string]any{"plate": "NKR419", "location": map[string]any{"country": "AU"}}}}, 404, "not_found"},
			{"PrepareMalformedVIN", rep, "tier1.prepare", map[string]any{"identifier": map[string]any{"chassis_number": "JTNKARJE20J01234O"}}, 400, "bad_request"},
			{"PrepareShortVIN", rep, "tier1.prepare", map[string]any{"identifier": map[string]any{"chassis_number": "JTNKARJE"}}, 400, "bad_request"},
			{"PrepareBothIdentifiers", rep, "tier1.prepare", map[string]any{"identifier": map[string]any{"chassis_number": "JTNKARJE20J012345", "vrm": map[string]any{"plate": "NKR419", "location": map[string]any{"country": "NZ"}}}}, 400, "bad_request"},
			{"PreloadNone", rep, "tier1.vehicles.preload", map[string]any{"identifiers": []any{}}, 400, "bad_request"},
			{"PreloadTooMany", rep, "tier1.vehicles.preload", map[string]any{"identifiers": repeat(map[string]any{"chassis_number": "JTNKARJE20J012345"}, 101)}, 400, "bad_request"},
			{"PreloadMalformedVIN", rep, "tier1.vehicles.preload", map[string]any{"identifiers": []any{map[string]any{"chassis_number": "bad"}}}, 400, "bad_request"},
			{"JobsInsertSiteOfAnotherOrg", rep, "repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.OtherSiteID}, "identity": map[string]any{"external": "J-1"}, "if_": map[string]any{"exists": "update"}}, 404, "not_found"},
			{"JobsInsertSupplierSite", rep, "repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.ChristchurchToyotaID}, "identity": map[string]any{"external": "J-1"}, "if_": map[string]any{"exists": "update"}}, 404, "not_found"},
			{"JobsInsertUnknownWorkProvider", rep, "repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.AddingtonSiteID, "work_provider_id": missing}, "identity": map[string]any{"external": "J-1"}, "if_": map[string]any{"exists": "update"}}, 404, "not_found"},
			{"JobsInsertIDOfAnotherOrg", otherRep, "repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.OtherSiteID}, "identity": map[string]any{"id": seed.DemoJobID}, "if_": map[string]any{"exists": "replace"}}, 404, "not_found"},
			{"JobsInsertBadPolicy", rep, "repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.AddingtonSiteID}, "identity": demo, "if_": map[string]any{"exists": "merge"}}, 400, "bad_request"},
			{"JobsGetUnknown", rep, "repairer.jobs.get", map[string]any{"identity": noJob}, 404, "not_found"},
			{"JobsGetOtherOrg", otherRep, "repairer.jobs.get", map[string]any{"identity": map[string]any{"id": seed.DemoJobID}}, 404, "not_found"},
			{"JobsListSiteOfAnotherOrg", rep, "repairer.jobs.list", map[string]any{"site_id": seed.OtherSiteID}, 404, "not_found"},
			{"JobsListBadStatus", rep, "repairer.jobs.list", map[string]any{"status": "open"}, 400, "bad_request"},
			{"PartsInsertUnknownJob", rep, "repairer.jobs.parts.insert", map[string]any{"job": noJob, "parts": []any{map[string]any{"description": "x", "quantity": 1}}}, 404, "not_found"},
			{"PartsInsertOtherOrg", otherRep, "repairer.jobs.parts.insert", map[string]any{"job": demo, "parts": []any{map[string]any{"description": "x", "quantity": 1}}}, 404, "not_found"},
			{"PartsInsertNone", rep, "repairer.jobs.parts.insert", map[string]any{"job": demo, "parts": []any{}}, 400, "bad_request"},
			{"PartsInsertTooMany", rep, "repairer.jobs.parts.insert", map[string]any{"job": demo, "parts": repeat(map[string]any{"description": "x", "quantity": 1}, 201)}, 400, "bad_request"},
			{"PartsInsertZeroQuantity", rep, "repairer.jobs.parts.insert", map[string]any{"job": demo, "parts": []any{map[string]any{"description": "x", "quantity": 0}}}, 400, "bad_request"},
			{"PartsInsertFractionalQuantity", rep, "repairer.jobs.parts.insert", map[string]any{"job": demo, "parts": []any{map[string]any{"description": "x", "quantity": 1.5}}}, 400, "bad_request"},
			{"PartsInsertAnonymous", rep.anonymous(), "repairer.jobs.parts.insert", map[string]any{"job": demo, "parts": []any{map[string]any{"description": "x", "quantity": 1}}}, 401, "unauthorized"},
			{"PartsInsertSupplier", sup, "repairer.jobs.parts.insert", map[string]any{"job": demo, "parts": []any{map[string]any{"description": "x", "quantity": 1}}}, 403, "forbidden"},
			{"BasketUnknownJob", rep, "repairer.jobs.baskets.latest.get", map[string]any{"job": noJob}, 404, "not_found"},
			{"BasketOtherOrg", otherRep, "repairer.jobs.baskets.latest.get", map[string]any{"job": map[string]any{"id": seed.DemoJobID}}, 404, "not_found"},
			{"ProcureUnknownJob", rep, "repairer.procurements.insert", map[string]any{"job": noJob, "offer_ids": []string{missing}}, 404, "not_found"},
			{"ProcureUnknownOffer", rep, "repairer.procurements.insert", map[string]any{"job": demo, "offer_ids": []string{missing}}, 404, "not_found"},
			{"ProcureOrderedPart", rep, "repairer.procurements.insert", map[string]any{"job": demo, "offer_ids": []string{offerOf(0, seed.AutoPartsDirectID)}}, 404, "not_found"},
			{"ProcureTwoSuppliers", rep, "repairer.procurements.insert", map[string]any{"job": demo, "offer_ids": []string{offerOf(2, seed.ChristchurchToyotaID), offerOf(2, seed.WellingtonGenuineID)}}, 400, "bad_request"},
			{"ProcureTwoOffersOnePart", rep, "repairer.procurements.insert", map[string]any{"job": map[string]any{"id": seed.DemoJobID}, "offer_ids": []string{offerOf(2, seed.ChristchurchToyotaID), offerOf(2, seed.ChristchurchToyotaID)}}, 400, "bad_request"},
			{"ProcureNoOffers", rep, "repairer.procurements.insert", map[string]any{"job": demo, "offer_ids": []string{}}, 400, "bad_request"},
			{"ProcureOtherOrg", otherRep, "repairer.procurements.insert", map[string]any{"job": map[string]any{"id": seed.DemoJobID}, "offer_ids": []string{offerOf(2, seed.ChristchurchToyotaID)}}, 404, "not_found"},
			{"ProcurementGetUnknown", rep, "repairer.procurements.get", map[string]any{"id": missing}, 404, "not_found"},
			{"ProcurementGetOtherOrg", otherRep, "repairer.procurements.get", map[string]any{"id": proc.ID}, 404, "not_found"},
			{"ProcurementGetBadID", rep, "repairer.procurements.get", map[string]any{"id": "123"}, 400, "bad_request"},
			{"InvoicesUnknown", rep, "repairer.procurements.invoices.list", map[string]any{"procurement_id": missing}, 404, "not_found"},
			{"InvoicesOtherOrg", otherRep, "repairer.procurements.invoices.list", map[string]any{"procurement_id": proc.ID}, 404, "not_found"},
			{"SupplierGetUnknown", sup, "supplier.procurements.get", map[string]any{"id": missing}, 404, "not_found"},
			{"SupplierGetOtherSupplier", otherSup, "supplier.procurements.get", map[string]any{"id": proc.ID}, 404, "not_found"},
			{"SupplierListBadStatus", sup, "supplier.procurements.list", map[string]any{"status": "shipped"}, 400, "bad_request"},
			{"ConfirmUnknown", sup, "supplier.procurements.confirm", map[string]any{"id": missing}, 404, "not_found"},
			{"ConfirmOtherSupplier", otherSup, "supplier.procurements.confirm", map[string]any{"id": proc.ID}, 404, "not_found"},
			{"ConfirmByRepairer", rep, "supplier.procurements.confirm", map[string]any{"id": proc.ID}, 403, "forbidden"},
			{"ConfirmCancelled", sup, "supplier.procurements.confirm", map[string]any{"id": cancelled.ID}, 409, "invalid_status"},
			{"InstallUnknownClient", rep.anonymous(), "integrations.insert", map[string]any{"client_id": "nobody", "client_secret": seed.DemoClientSecret, "access_code": seed.DemoAccessCode}, 401, "invalid_client"},
			{"InstallWrongSecret", rep.anonymous(), "integrations.insert", map[string]any{"client_id": seed.DemoClientID, "client_secret": "secret_demo_0000", "access_code": seed.DemoAccessCode}, 401, "invalid_client"},
			{"InstallUnknownCode", rep.anonymous(), "integrations.insert", map[string]any{"client_id": seed.DemoClientID, "client_secret": seed.DemoClientSecret, "access_code": "ac_nope"}, 400, "invalid_access_code"},
			{"InstallMissingField", rep.anonymous(), "integrations.insert", map[string]any{"client_id": seed.DemoClientID}, 400, "bad_request"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := *tc.c
				c.t = t
				body := c.fails(tc.method, tc.body, tc.status, tc.typ)
				if tc.typ == "invalid_status" && !strings.Contains(string(body), `"status":"cancelled"`) {
					t.Fatalf("invalid_status must carry the current status: %s", body)
				}
			})
		}
	})
}

// TestPartsInsertErrorsAreBareStrings: vendor decision D24.
func TestPartsInsertErrorsAreBareStrings(t *testing.T) {
	t.Parallel()
	c := newClient(t, sandbox.Start(t), "", sandbox.Repairer)
	for _, want := range []struct {
		c      *client
		body   any
		status int
		raw    string
	}{
		{c.anonymous(), map[string]any{}, 401, `"unauthorized"`},
		{c.as(sandbox.Supplier), map[string]any{}, 403, `"forbidden"`},
		{c, map[string]any{"job": map[string]any{"external": "none"}, "parts": []any{map[string]any{"description": "x", "quantity": 1}}}, 404, `"not_found"`},
		{c, map[string]any{"job": map[string]any{}}, 400, `"bad_request"`},
		{c, `{"job"`, 400, `"bad_request"`},
	} {
		status, body := want.c.call("repairer.jobs.parts.insert", want.body)
		if status != want.status || strings.TrimSpace(string(body)) != want.raw {
			t.Fatalf("got %d %s, want %d %s", status, body, want.status, want.raw)
		}
	}
	// Errors raised before the method runs are bare too.
	bad := *c
	bad.header = http.Header{"X-Mock-Tenant": {"Not A Tenant"}}
	status, body := bad.call("repairer.jobs.parts.insert", map[string]any{})
	if status != 400 || strings.TrimSpace(string(body)) != `"bad_request"` {
		t.Fatalf("bad tenant: %d %s", status, body)
	}
}

// TestIntegrationsInsertDemoCodeOnce: the demo install works once per world,
// and the new credential works for its role only.
func TestIntegrationsInsertDemoCodeOnce(t *testing.T) {
	t.Parallel()
	c := newClient(t, sandbox.Start(t), "install", sandbox.Repairer).anonymous()
	body := map[string]any{"client_id": seed.DemoClientID, "client_secret": seed.DemoClientSecret, "access_code": seed.DemoAccessCode}
	var got methods.IntegrationsInsertResponse
	c.ok("integrations.insert", body, &got)
	if !strings.HasPrefix(got.APIKey, "partly_") || len(got.APIKey) != len("partly_")+32 {
		t.Fatalf("api key %q", got.APIKey)
	}
	c.fails("integrations.insert", body, 400, "invalid_access_code")
	// Another world has its own demo code.
	other := *c
	other.tenant = "install-2"
	var second methods.IntegrationsInsertResponse
	other.ok("integrations.insert", body, &second)
	if second.APIKey == got.APIKey || second.IntegrationID == got.IntegrationID {
		t.Fatal("each install must mint a new credential")
	}
	fresh := c.as(sandbox.Credential{APIKey: got.APIKey, IntegrationID: got.IntegrationID.String()})
	fresh.ok("repairer.jobs.get", map[string]any{"identity": map[string]any{"external": seed.DemoJobExternalID}}, nil)
	fresh.fails("supplier.procurements.list", map[string]any{}, 403, "forbidden")
	// The credential belongs to its world only.
	other.as(sandbox.Credential{APIKey: got.APIKey, IntegrationID: got.IntegrationID.String()}).
		fails("businesses.list", map[string]any{}, 401, "unauthorized")
}

func TestUnknownMethodAndRoutes(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	c := newClient(t, srv, "", sandbox.Repairer)
	status, _, body := c.raw(http.MethodPost, "repairer.jobs.delete", []byte(`{}`))
	if status != 404 || strings.TrimSpace(string(body)) != `{"type":"unknown_method"}` {
		t.Fatalf("unknown method: %d %s", status, body)
	}
	for _, path := range []string{"/api/2025-07/repairer.jobs.get", "/nothing"} {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || errorType(b) != "unknown_method" {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var health struct {
		Status string         `json:"status"`
		Build  map[string]any `json:"build"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &health) != nil || health.Status != "ok" || health.Build["go"] == nil {
		t.Fatalf("healthz: %d %s", resp.StatusCode, b)
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	c := newClient(t, sandbox.Start(t), "", sandbox.Repairer)
	tp := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	c.header = http.Header{"Traceparent": {tp}, "X-Request-Id": {"req-123"}}
	// No Content-Type at all is read as JSON.
	c.header["Content-Type"] = nil
	status, h, body := c.raw(http.MethodPost, "businesses.list", nil)
	if status != 200 {
		t.Fatalf("empty body without content type: %d %s", status, body)
	}
	if h.Get("Traceparent") != tp || h.Get("X-Request-Id") != "req-123" {
		t.Fatalf("headers not echoed: %v", h)
	}
	c.header = http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	if status, _, body := c.raw(http.MethodPost, "businesses.list", []byte("  ")); status != 200 {
		t.Fatalf("blank body with charset: %d %s", status, body)
	}
}

func repeat(v any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}

var _ = methods.PathPrefix
