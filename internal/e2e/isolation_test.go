package e2e

import (
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/sandbox"
)

// TestTenantIsolation: a world's records are invisible from every other
// world, the shared one included, and each world starts identical.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	a := newClient(t, srv, "iso-a", sandbox.Repairer)
	b := newClient(t, srv, "iso-b", sandbox.Repairer)
	shared := newClient(t, srv, "", sandbox.Repairer)

	var job methods.JobV1
	a.ok("repairer.jobs.insert", map[string]any{
		"data":     map[string]any{"repairer_site_id": seed.HornbySiteID},
		"identity": map[string]any{"external": "ISO-1"}, "if_": map[string]any{"exists": "update"},
	}, &job)
	a.ok("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": job.ID}}, nil)
	for _, other := range []*client{b, shared} {
		other.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{"external": "ISO-1"}}, 404, "not_found")
		other.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": job.ID}}, 404, "not_found")
		var list methods.ItemsV1[methods.JobV1]
		other.ok("repairer.jobs.list", map[string]any{}, &list)
		if len(list.Items) != 1 || list.Items[0].ID != seed.DemoJobID {
			t.Fatalf("another world lists %+v", list.Items)
		}
	}
	// Both headers select worlds; x-partifact-tenant is the original name.
	orig := *a
	orig.tenant = ""
	orig.header = map[string][]string{"X-Partifact-Tenant": {"iso-a"}}
	orig.ok("repairer.jobs.get", map[string]any{"identity": map[string]any{"external": "ISO-1"}}, nil)
}

// TestTenantHeaderValidation: a malformed tenant name is refused rather
// than quietly served from the shared world.
func TestTenantHeaderValidation(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	for _, name := range []string{"UPPER", "has space", "a/b", strings.Repeat("x", 65), ""} {
		c := newClient(t, srv, "", sandbox.Repairer)
		c.header = map[string][]string{"X-Mock-Tenant": {name}}
		c.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{"external": seed.DemoJobExternalID}}, 400, "bad_request")
	}
	c := newClient(t, srv, "", sandbox.Repairer)
	c.header = map[string][]string{"X-Mock-Tenant": {"ok_name-1"}}
	c.ok("repairer.jobs.get", map[string]any{"identity": map[string]any{"external": seed.DemoJobExternalID}}, nil)
}

// TestOrganizationIsolation: within one world, another organization's
// records answer not_found, exactly like records that do not exist.
func TestOrganizationIsolation(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	rep := newClient(t, srv, "org-iso", sandbox.Repairer)
	other := rep.as(sandbox.OtherRepairer)

	var mine, theirs methods.ItemsV1[methods.BusinessV1]
	rep.ok("businesses.list", nil, &mine)
	other.ok("businesses.list", nil, &theirs)
	for _, b := range theirs.Items {
		if b.OrganizationID != seed.OtherRepairerOrgID {
			t.Fatalf("other organization sees %+v", b)
		}
	}
	if len(mine.Items) < 2 || len(theirs.Items) != 1 {
		t.Fatalf("sites: mine %d, theirs %d", len(mine.Items), len(theirs.Items))
	}

	// The same external id in two organizations names two jobs.
	var a, b methods.JobV1
	rep.ok("repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.AddingtonSiteID},
		"identity": map[string]any{"external": "SHARED-REF"}, "if_": map[string]any{"exists": "update"}}, &a)
	other.ok("repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.OtherSiteID},
		"identity": map[string]any{"external": "SHARED-REF"}, "if_": map[string]any{"exists": "update"}}, &b)
	if a.ID == b.ID || a.SiteID == b.SiteID {
		t.Fatalf("organizations share a job: %v %v", a.ID, b.ID)
	}
	var list methods.ItemsV1[methods.JobV1]
	other.ok("repairer.jobs.list", nil, &list)
	for _, j := range list.Items {
		if j.ID == a.ID || j.ID == seed.DemoJobID {
			t.Fatalf("other organization lists %v", j.ID)
		}
	}
	other.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": a.ID}}, 404, "not_found")
	rep.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": b.ID}}, 404, "not_found")
}

// TestJobsInsertUpdateAndReplace: update keeps what data leaves null,
// replace clears it; both are idempotent on the external id.
func TestJobsInsertUpdateAndReplace(t *testing.T) {
	t.Parallel()
	c := newClient(t, sandbox.Start(t), "upsert", sandbox.Repairer)
	insert := func(exists string, data map[string]any) methods.JobV1 {
		var j methods.JobV1
		c.ok("repairer.jobs.insert", map[string]any{"data": data,
			"identity": map[string]any{"external": seed.DemoJobExternalID}, "if_": map[string]any{"exists": exists}}, &j)
		return j
	}
	j := insert("update", map[string]any{"repairer_site_id": seed.HornbySiteID, "claim_number": nil, "job_number": "J-2"})
	if j.ID != seed.DemoJobID || j.SiteID != seed.HornbySiteID || *j.ClaimNumber != "AMI-CLM-552019" || *j.JobNumber != "J-2" ||
		j.Vehicle == nil || j.WorkProviderID == nil {
		t.Fatalf("update: %+v", j)
	}
	j = insert("replace", map[string]any{"repairer_site_id": seed.AddingtonSiteID, "claim_number": "C-9"})
	if j.ID != seed.DemoJobID || *j.ClaimNumber != "C-9" || j.JobNumber != nil || j.Vehicle != nil || j.WorkProviderID != nil {
		t.Fatalf("replace: %+v", j)
	}
	if *j.ExternalID != seed.DemoJobExternalID || j.Status.Type != "draft" {
		t.Fatalf("replace must keep identity and status: %+v", j)
	}
	var read methods.JobV1
	c.ok("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": seed.DemoJobID}}, &read)
	if *read.ClaimNumber != "C-9" {
		t.Fatalf("not persisted: %+v", read)
	}
	// An update by id works too.
	var byID methods.JobV1
	c.ok("repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.TimaruSiteID},
		"identity": map[string]any{"id": seed.DemoJobID}, "if_": map[string]any{"exists": "update"}}, &byID)
	if byID.SiteID != seed.TimaruSiteID || *byID.ClaimNumber != "C-9" {
		t.Fatalf("update by id: %+v", byID)
	}
}
