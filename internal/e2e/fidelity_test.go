package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/sandbox"
)

// TestJobsInsertNewID: contract 3.4, a new identity creates a draft job. A
// new {"id":…} creates the job under that id, so the same call again (or
// repairer.jobs.get) finds it; an id another organization's job holds is
// not_found, as that job is everywhere else.
func TestJobsInsertNewID(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := &sandbox.Server{URL: startApp(t, cfg).URL()}
		rep := newClient(t, srv, "new-id", sandbox.Repairer)
		id := uuid.New()
		insert := func(c *client, claim any, exists string) (int, []byte) {
			return c.call("repairer.jobs.insert", map[string]any{
				"data": map[string]any{"claim_number": claim, "job_number": nil, "repairer_site_id": seed.AddingtonSiteID,
					"vehicle": nil, "work_provider_id": nil},
				"identity": map[string]any{"id": id}, "if_": map[string]any{"exists": exists}})
		}
		status, body := insert(rep, "CLM-1", "update")
		var job methods.JobV1
		if status != 200 || json.Unmarshal(body, &job) != nil {
			t.Fatalf("new id: %d %s", status, body)
		}
		if job.ID != id || job.ExternalID != nil || job.Status.Type != "draft" || *job.ClaimNumber != "CLM-1" {
			t.Fatalf("new id: want a draft under %s without external id, got %s", id, body)
		}
		var got methods.JobV1
		rep.ok("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": id}}, &got)
		if got.ID != id {
			t.Fatalf("get by the new id: %+v", got)
		}
		// The same identity again updates the job it created.
		status, body = insert(rep, nil, "update")
		if status != 200 || json.Unmarshal(body, &got) != nil || got.ID != id || *got.ClaimNumber != "CLM-1" {
			t.Fatalf("again with update: %d %s", status, body)
		}
		var jobs methods.ItemsV1[methods.JobV1]
		rep.ok("repairer.jobs.list", map[string]any{}, &jobs)
		n := 0
		for _, j := range jobs.Items {
			if j.ID == id {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d jobs under %s, want 1", n, id)
		}
		// Another organization cannot take the id, and learns nothing more
		// than it does from repairer.jobs.get.
		other := rep.as(sandbox.OtherRepairer)
		status, body = other.call("repairer.jobs.insert", map[string]any{
			"data":     map[string]any{"repairer_site_id": seed.OtherSiteID},
			"identity": map[string]any{"id": id}, "if_": map[string]any{"exists": "replace"}})
		if status != 404 || strings.TrimSpace(string(body)) != `{"type":"not_found"}` {
			t.Fatalf("another organization's id: %d %s", status, body)
		}
		other.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": id}}, 404, "not_found")
	})
}

// TestSchemaIntegers: what JSON Schema calls an integer, the server takes.
func TestSchemaIntegers(t *testing.T) {
	t.Parallel()
	rep := newClient(t, sandbox.Start(t), "integers", sandbox.Repairer)
	vehicle := `{"vin":null,"plate":"ABC123","make":"Toyota","model":"Corolla","year":2019.0,"body_style":null,"colour":null}`
	body := `{"data":{"claim_number":null,"job_number":null,"repairer_site_id":"` + seed.AddingtonSiteID.String() +
		`","vehicle":` + vehicle + `,"work_provider_id":null},"identity":{"external":"INT-1"},"if_":{"exists":"update"}}`
	var job methods.JobV1
	rep.ok("repairer.jobs.insert", body, &job)
	if job.Vehicle == nil || job.Vehicle.Year == nil || *job.Vehicle.Year != 2019 {
		t.Fatalf("year 2019.0: %+v", job.Vehicle)
	}
	var parts methods.JobsPartsInsertResponse
	rep.ok("repairer.jobs.parts.insert", `{"job":{"external":"INT-1"},"parts":[`+
		`{"description":"Bonnet","part_number":null,"quantity":1.0},`+
		`{"description":"Grille","part_number":null,"quantity":2e0},`+
		`{"description":"Bumper","part_number":null,"quantity":0.03e2}]}`, &parts)
	for i, p := range parts.Parts {
		if p.Quantity != i+1 {
			t.Fatalf("part %d: quantity %d", i, p.Quantity)
		}
	}
	// 1.5 is no integer, for the schema or the server.
	resp := rep.fails("repairer.jobs.parts.insert", `{"job":{"external":"INT-1"},"parts":[{"description":"x","quantity":1.5}]}`, 400, "bad_request")
	if strings.TrimSpace(string(resp)) != `"bad_request"` {
		t.Fatalf("1.5: %s", resp)
	}
	// Every vehicle attribute is present, as null when unknown.
	resp = rep.fails("repairer.jobs.insert", strings.Replace(body, vehicle, `{"make":"Toyota"}`, 1), 400, "bad_request")
	noGoNames(t, resp)
	resp = rep.fails("repairer.jobs.insert", strings.Replace(body, "2019.0", "2019.5", 1), 400, "bad_request")
	noGoNames(t, resp)
}

// TestVehicleIdentifierRules: the schema holds every rule the server
// applies to a chassis number or a plate, so a body the schema accepts is
// never refused by code.
func TestVehicleIdentifierRules(t *testing.T) {
	t.Parallel()
	rep := newClient(t, sandbox.Start(t), "identifiers", sandbox.Repairer)
	schema := loadDoc(t).RequestSchema("tier1.prepare")
	for _, c := range []struct {
		identifier string
		status     int
	}{
		{`{"chassis_number":"JTNKARJE20J012345"}`, 200},
		{`{"chassis_number":"jtnkarje20j012345"}`, 200}, // VINs are read in either case
		{`{"chassis_number":"JTNKARJE20J099999"}`, 404},
		{`{"chassis_number":"X"}`, 400},
		{`{"chassis_number":"JTNKARJE20J01234O"}`, 400}, // no I, O or Q
		{`{"chassis_number":" JTNKARJE20J012345"}`, 400},
		{`{"vrm":{"plate":"nkr-419","location":{"country":"NZ"}}}`, 200},
		{`{"vrm":{"plate":"ZZZ999","location":{"country":"NZ"}}}`, 404},
		{`{"vrm":{"plate":" - ","location":{"country":"NZ"}}}`, 400},
	} {
		body := `{"identifier":` + c.identifier + `}`
		status, resp := rep.call("tier1.prepare", body)
		if status != c.status {
			t.Errorf("%s: %d %s, want %d", c.identifier, status, resp, c.status)
		}
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		if valid := len(validate(schema, v)) == 0; valid != (c.status != 400) {
			t.Errorf("%s: the schema says valid=%v, the server answers %d", c.identifier, valid, status)
		}
		noGoNames(t, resp)
	}
}

// noGoNames fails when an answer names Go types, which mean nothing to a
// client in another language (and nothing the vendor would say).
func noGoNames(t *testing.T, body []byte) {
	t.Helper()
	for _, s := range []string{"Go struct", "Go value", "of type int", "json: ", "methods."} {
		if strings.Contains(string(body), s) {
			t.Errorf("the answer leaks Go: %s", body)
		}
	}
}

// validate checks a request body against a schema as the server does.
func validate(schema *openapi3.Schema, v any) []spec.Problem { return spec.Validate(schema, v, true) }
