package e2e

import (
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/sandbox"
)

// TestLifecycle walks the README from the vehicle to the reconciled invoice,
// every answer validated against openapi.json, on each store.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		lifecycle(t, sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL}))
	})
}

func lifecycle(t *testing.T, srv *sandbox.Server) {
	rep := newClient(t, srv, "lifecycle", sandbox.Repairer)
	walkREADME(t, rep, rep.as(sandbox.Supplier))
}

// walkREADME is the README's walk-through, with the repairer's and the
// supplier's clients of one tenant.
func walkREADME(t *testing.T, rep, sup *client) {
	t.Helper()

	var prepared methods.Tier1PrepareResponse
	rep.ok("tier1.prepare", map[string]any{"identifier": map[string]any{
		"vrm": map[string]any{"plate": "NKR419", "location": map[string]any{"country": "NZ"}}}}, &prepared)
	if v := prepared.Vehicle; *v.Make != "Toyota" || *v.Model != "Corolla" || *v.Year != 2019 {
		t.Fatalf("prepare: %+v", v)
	}

	var businesses methods.ItemsV1[methods.BusinessV1]
	rep.ok("businesses.list", nil, &businesses)
	if len(businesses.Items) < 2 {
		t.Fatalf("want at least two sites, got %d", len(businesses.Items))
	}

	var providers methods.ItemsV1[methods.WorkProviderV1]
	rep.ok("repairer.work-providers.list", map[string]any{}, &providers)
	if len(providers.Items) < 3 {
		t.Fatalf("want several work providers, got %d", len(providers.Items))
	}

	var job methods.JobV1
	rep.ok("repairer.jobs.insert", map[string]any{
		"data": map[string]any{"claim_number": "AMI-CLM-552019", "job_number": nil,
			"repairer_site_id": seed.AddingtonSiteID, "vehicle": nil, "work_provider_id": seed.AMIInsuranceID},
		"identity": map[string]any{"external": "CCC-2026-04817"},
		"if_":      map[string]any{"exists": "update"},
	}, &job)
	if job.ID != seed.DemoJobID || job.Status.Type != "draft" || job.Vehicle == nil {
		t.Fatalf("jobs.insert on the demo job: %+v", job)
	}

	var parts methods.JobsPartsInsertResponse
	rep.ok("repairer.jobs.parts.insert", map[string]any{
		"job": map[string]any{"external": "CCC-2026-04817"},
		"parts": []map[string]any{
			{"description": "Front bumper cover", "part_number": seed.BumperCoverPN, "quantity": 1},
			{"description": "Headlamp assembly, left", "part_number": seed.HeadlampLHPN, "quantity": 1},
			{"description": "Radiator grille", "part_number": nil, "quantity": 1},
		},
	}, &parts)
	if len(parts.Parts) != 3 || parts.Parts[0].Status != "estimated" {
		t.Fatalf("parts: %+v", parts)
	}

	var basket methods.BasketV1
	rep.ok("repairer.jobs.baskets.latest.get", map[string]any{"job": map[string]any{"external": "CCC-2026-04817"}}, &basket)
	var chosen []string
	for _, o := range basket.Offers {
		if o.SupplierID == seed.ChristchurchToyotaID && (o.PartID == parts.Parts[0].ID || o.PartID == parts.Parts[1].ID) {
			chosen = append(chosen, o.ID.String())
		}
	}
	if len(chosen) != 2 || len(basket.Suppliers) < 2 {
		t.Fatalf("basket: %d offers from Christchurch Toyota for the two parts, %d suppliers", len(chosen), len(basket.Suppliers))
	}

	var proc methods.ProcurementV1
	rep.ok("repairer.procurements.insert", map[string]any{
		"job": map[string]any{"external": "CCC-2026-04817"}, "offer_ids": chosen}, &proc)
	if proc.Status != "order_requested" || proc.CurrencyCode != "NZD" || proc.Subtotal != "955.65" || proc.ConfirmedAt != nil {
		t.Fatalf("procurement: %+v", proc)
	}

	var inbox methods.ItemsV1[methods.ProcurementV1]
	sup.ok("supplier.procurements.list", map[string]any{"status": "order_requested"}, &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].ID != proc.ID {
		t.Fatalf("supplier inbox: %+v", inbox)
	}

	var none methods.ItemsV1[methods.InvoiceV1]
	rep.ok("repairer.procurements.invoices.list", map[string]any{"procurement_id": proc.ID}, &none)
	if len(none.Items) != 0 {
		t.Fatalf("invoice before confirmation: %+v", none)
	}

	var confirmed methods.ProcurementV1
	sup.ok("supplier.procurements.confirm", map[string]any{"id": proc.ID}, &confirmed)
	if confirmed.Status != "order_confirmed" || confirmed.ConfirmedAt == nil {
		t.Fatalf("confirm: %+v", confirmed)
	}
	var again methods.ProcurementV1
	sup.ok("supplier.procurements.confirm", map[string]any{"id": proc.ID}, &again)
	if *again.ConfirmedAt != *confirmed.ConfirmedAt || again.UpdatedAt != confirmed.UpdatedAt {
		t.Fatalf("second confirm changed the procurement: %+v", again)
	}

	var invoices methods.ItemsV1[methods.InvoiceV1]
	rep.ok("repairer.procurements.invoices.list", map[string]any{"procurement_id": proc.ID}, &invoices)
	if len(invoices.Items) != 1 {
		t.Fatalf("invoices: %+v", invoices)
	}
	inv := invoices.Items[0]
	if inv.Subtotal != "955.65" || inv.Tax != "143.35" || inv.Total != "1099.00" || inv.CurrencyCode != "NZD" || len(inv.Lines) != 2 {
		t.Fatalf("invoice: %+v", inv)
	}

	var read methods.ProcurementV1
	rep.ok("repairer.procurements.get", map[string]any{"id": proc.ID}, &read)
	if read.Status != "order_confirmed" {
		t.Fatalf("procurements.get: %+v", read)
	}
	sup.ok("supplier.procurements.get", map[string]any{"id": proc.ID}, &read)

	var after methods.JobV1
	rep.ok("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": seed.DemoJobID}}, &after)
	if after.Status.Type != "parts_ordered" {
		t.Fatalf("job after ordering: %+v", after.Status)
	}
	var left methods.BasketV1
	rep.ok("repairer.jobs.baskets.latest.get", map[string]any{"job": map[string]any{"id": seed.DemoJobID}}, &left)
	for _, o := range left.Offers {
		if o.PartID != parts.Parts[2].ID {
			t.Fatalf("an ordered part is still offered: %+v", o)
		}
	}
	var jobs methods.ItemsV1[methods.JobV1]
	rep.ok("repairer.jobs.list", map[string]any{"status": "parts_ordered"}, &jobs)
	if len(jobs.Items) != 1 || jobs.Items[0].ID != seed.DemoJobID {
		t.Fatalf("jobs.list: %+v", jobs)
	}
}
