package servicemobility_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// e2eOrder asks for six lines: a grille, a superseded bumper cover number,
// an unknown number, a fractional guard, three right headlamps and two
// bumper covers (more than the cheapest supplier has).
const e2eOrder = `{"AccountNum":"ACCT-0042","Command":1002,"UserName":"demo.technician","WorkOrder":"WO-E2E-1",
 "Location":{"LocationNum":"LOC-7","POReq":false,"SigReq":false},
 "Parts":[
  {"ProdNum":"53112-12290","ProdAttrs":{"Desc":"Grille"},"Qty":2.0,"ShipToLocation":"LOC-7","Urgency":"Normal"},
  {"ProdNum":"52119-12D80","Qty":1},
  {"ProdNum":"NO-SUCH-PART","ProdAttrs":{"Desc":"Flux capacitor"},"Qty":1},
  {"ProdNum":"53812-12A30","Qty":1.5},
  {"ProdNum":"81130 12n40","Qty":3},
  {"ProdNum":"52119-12D90","Qty":2}
 ]}`

func method(t *testing.T, name string) methods.Method {
	t.Helper()
	for _, m := range methods.All {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no method %s", name)
	return methods.Method{}
}

// serveAs calls a Partly wire method as an integration, as the edge would.
func serveAs(t *testing.T, tx store.Tx, integration uuid.UUID, name string, req any) any {
	t.Helper()
	caller, err := tx.Integration(integration)
	if err != nil {
		t.Fatal(err)
	}
	out, err := method(t, name).Serve(&methods.Call{Ctx: ctx, Tx: tx, Caller: caller}, mustJSON(t, req))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// submit runs the reference implementation as the edge will: one
// read-write transaction, its outbox writes tracked.
func submit(t *testing.T, s *sm.Service, st store.Store, tenant, token, body string) (sm.PartsOrderResponse, time.Time, []uuid.UUID, error) {
	t.Helper()
	var resp sm.PartsOrderResponse
	var now time.Time
	var rec *webhooks.Recorder
	err := st.Update(ctx, tenant, func(tx store.Tx) error {
		rec = webhooks.Track(tx)
		now = tx.Now()
		var err error
		resp, err = s.PartsOrders(ctx, rec, token, []byte(body))
		return err
	})
	if err == nil {
		b := mustJSON(t, resp)
		validate(t, "PartsOrderingResponseObject", b)
		if c := sm.Check(sm.Reply{Status: 200, Body: b}, "self"); !c.OK {
			t.Fatalf("the reference fails its own check: %q\n%s", findingTexts(c), b)
		}
	}
	return resp, now, rec.Written(), err
}

func eventTypes(t *testing.T, st store.Store, tenant string) []string {
	t.Helper()
	var out []string
	err := st.View(ctx, tenant, func(tx store.Tx) error {
		es, err := tx.Events()
		for _, e := range es {
			out = append(out, e.Type)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func delivery(days int, now time.Time) string {
	return now.Add(time.Duration(days) * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
}

// TestReferenceEndToEnd: a parts order becomes a Partly repair job, its
// parts and one procurement per supplier, with their webhook events; the
// supplier confirms one through the Partly API.
func TestReferenceEndToEnd(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		const tenant = "e2e"
		s := newService(sm.Config{})
		tok := logon(t, s, st, tenant)
		// Both sides listen for webhooks.
		if err := st.Update(ctx, tenant, func(tx store.Tx) error {
			for _, in := range []uuid.UUID{seed.RepairerIntegrationID, seed.OtherSupplierIntegID} {
				if err := tx.InsertEndpoint(store.Endpoint{ID: uuid.New(), IntegrationID: in, URL: "http://127.0.0.1:9/hook", CreatedAt: seed.Epoch}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		resp, now, deliveries, err := submit(t, s, st, tenant, tok, e2eOrder)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != sm.StatusPartlyOrdered || resp.StatusMsg != "4 of 6 parts ordered: see each part's PartStatus." || len(resp.Orders) != 3 {
			t.Fatalf("answer %s", mustJSON(t, resp))
		}
		apd, cu, rest := resp.Orders[0], resp.Orders[1], resp.Orders[2]
		// Auto Parts Direct: the grille and headlamps (cheapest), and the two
		// bumper covers (the cheaper used one has only one).
		if len(apd.Parts) != 3 || apd.EstimatedDelivery != delivery(3, now) || apd.PartOrderNum == "" {
			t.Fatalf("first order %s", mustJSON(t, apd))
		}
		grille := apd.Parts[0]
		if grille.ProdNum != seed.GrillePN || grille.PartStatus != sm.PartOrdered || grille.Qty != "2.0" || grille.ShipToLocation != "LOC-7" ||
			grille.Urgency != "Normal" || grille.ProdAttrs.Price != "99.00" || grille.ProdAttrs.Desc != "Grille" || grille.ProdAttrs.ProdType != sm.ProdTypePart {
			t.Fatalf("grille %s", mustJSON(t, grille))
		}
		if apd.Parts[1].ProdNum != "81130 12n40" || apd.Parts[1].ProdAttrs.Price != "214.50" || apd.Parts[2].ProdAttrs.Price != "289.00" {
			t.Fatalf("first order %s", mustJSON(t, apd))
		}
		// Canterbury Used: the superseded bumper cover number, ordered as its successor.
		if len(cu.Parts) != 1 || cu.EstimatedDelivery != delivery(1, now) || cu.PartOrderNum == "" || cu.PartOrderNum == apd.PartOrderNum {
			t.Fatalf("second order %s", mustJSON(t, cu))
		}
		old := cu.Parts[0]
		if old.ProdNum != seed.BumperCoverOldPN || old.PartStatus != "Superseded by "+seed.BumperCoverPN || len(old.SupersededParts) != 1 ||
			old.SupersededParts[0].ProdNum != seed.BumperCoverPN || old.SupersededParts[0].PartStatus != sm.PartOrdered ||
			old.SupersededParts[0].ProdAttrs.Price != "195.00" || old.SupersededParts[0].Qty != "1" {
			t.Fatalf("superseded %s", mustJSON(t, old))
		}
		// What was not ordered, last, saying why.
		if rest.PartOrderNum != "" || rest.EstimatedDelivery != "" || len(rest.Parts) != 2 ||
			rest.Parts[0].PartStatus != sm.PartNotFound || rest.Parts[0].ProdAttrs.Desc != "Flux capacitor" ||
			rest.Parts[1].PartStatus != "Not ordered: Qty must be a whole number from 1 to 9999" || rest.Parts[1].Qty != "1.5" {
			t.Fatalf("not ordered %s", mustJSON(t, rest))
		}

		want := []string{"repairer.job.inserted", "repairer.procurement.order_requested", "supplier.procurement.order_requested",
			"repairer.procurement.order_requested", "supplier.procurement.order_requested"}
		if got := eventTypes(t, st, tenant); !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		// The repairer hears of the job and both procurements, Auto Parts
		// Direct of its own; the deliveries wait for the answer.
		if len(deliveries) != 4 {
			t.Fatalf("%d deliveries", len(deliveries))
		}
		if err := webhooks.Release(ctx, st, tenant, deliveries); err != nil {
			t.Fatal(err)
		}

		// Ordinary Partly records: the job, and procurements the repairer reads
		// and the supplier confirms.
		apdID := uuid.MustParse(apd.PartOrderNum)
		if err := st.Update(ctx, tenant, func(tx store.Tx) error {
			job := serveAs(t, tx, seed.RepairerIntegrationID, "repairer.jobs.get",
				methods.JobsGetRequest{Identity: methods.JobIdentityV1{External: new("WO-E2E-1")}}).(methods.JobV1)
			if job.SiteID != sm.RepairSite || *job.JobNumber != "WO-E2E-1" || job.Status.Type != store.JobPartsOrdered ||
				job.Vehicle != nil || job.ClaimNumber != nil {
				t.Fatalf("job %+v", job)
			}
			p := serveAs(t, tx, seed.RepairerIntegrationID, "repairer.procurements.get", methods.ProcurementIDRequest{ID: apdID}).(methods.ProcurementV1)
			if p.SupplierID != seed.AutoPartsDirectID || p.JobID != job.ID || p.Status != store.ProcurementOrderRequested ||
				len(p.Lines) != 3 || p.Lines[0].Quantity != 2 || *p.Lines[0].PartNumber != seed.GrillePN || p.Subtotal != "1419.50" {
				t.Fatalf("procurement %+v", p)
			}
			c := serveAs(t, tx, seed.OtherSupplierIntegID, "supplier.procurements.confirm", methods.ProcurementIDRequest{ID: apdID}).(methods.ProcurementV1)
			if c.Status != store.ProcurementOrderConfirmed {
				t.Fatalf("confirmed %+v", c)
			}
			parts, err := tx.Parts(job.ID)
			// The technician's description, else the ordered item's.
			if err != nil || len(parts) != 4 || parts[0].Description != "Grille" || parts[1].Description != "Front bumper cover (used, grade A)" ||
				*parts[1].PartNumber != seed.BumperCoverPN {
				t.Fatalf("parts %+v %v", parts, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := eventTypes(t, st, tenant); len(got) != 7 || got[5] != "repairer.procurement.order_confirmed" || got[6] != "supplier.procurement.order_confirmed" {
			t.Fatalf("events after confirm %v", got)
		}

		// The same work order again adds to the same job.
		again, _, _, err := submit(t, s, st, tenant, tok, `{"Command":1002,"WorkOrder":"WO-E2E-1","Parts":[{"ProdNum":"53301-12C20","Qty":1}]}`)
		if err != nil || again.Status != sm.StatusAllOrdered || again.StatusMsg != "1 of 1 parts ordered." || len(again.Orders) != 1 {
			t.Fatalf("again %s %v", mustJSON(t, again), err)
		}
	})
}

// TestReferenceCheckOnly: Command 1001 prices and checks availability and
// writes nothing: no job, no procurement, no event.
func TestReferenceCheckOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		const tenant = "check-only"
		s := newService(sm.Config{})
		tok := logon(t, s, st, tenant)
		resp, now, deliveries, err := submit(t, s, st, tenant, tok,
			`{"Command":1001,"WorkOrder":"WO-PRICE","Parts":[{"ProdNum":"53301-12C20","Qty":2},{"ProdNum":"81170-12N30","Qty":1}]}`)
		if err != nil {
			t.Fatal(err)
		}
		// One part is short of stock: not all are available.
		if resp.Status != sm.StatusPartlyOrdered || resp.StatusMsg != "1 of 2 parts available: see each part's PartStatus." || len(resp.Orders) != 1 {
			t.Fatalf("answer %s", mustJSON(t, resp))
		}
		o := resp.Orders[0]
		// Every bonnet has one in stock: the cheapest (used) one wins, short of stock.
		if o.PartOrderNum != "" || o.EstimatedDelivery != delivery(2, now) || o.Parts[0].PartStatus != "Available: only 1 in stock" ||
			o.Parts[0].ProdAttrs.Price != "320.00" || o.Parts[1].PartStatus != "Superseded by "+seed.HeadlampLHPN ||
			o.Parts[1].SupersededParts[0].PartStatus != sm.PartAvailable {
			t.Fatalf("order %s", mustJSON(t, o))
		}
		if len(deliveries) != 0 || len(eventTypes(t, st, tenant)) != 0 {
			t.Fatal("a price check wrote to the outbox")
		}
		// In stock for every Qty: all available.
		resp, _, _, err = submit(t, s, st, tenant, tok,
			`{"Command":1001,"WorkOrder":"WO-PRICE","Parts":[{"ProdNum":"53301-12C20","Qty":1},{"ProdNum":"81170-12N30","Qty":1}]}`)
		if err != nil || resp.Status != sm.StatusAllOrdered || resp.StatusMsg != "2 of 2 parts available." ||
			resp.Orders[0].Parts[0].PartStatus != sm.PartAvailable {
			t.Fatalf("answer %s %v", mustJSON(t, resp), err)
		}
		if err := st.View(ctx, tenant, func(tx store.Tx) error {
			if _, err := tx.JobByExternal(seed.RepairerOrgID, "WO-PRICE"); err != store.ErrNotFound {
				t.Fatalf("a price check opened a job: %v", err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestReferenceFailures(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		const tenant = "failures"
		s := newService(sm.Config{})
		tok := logon(t, s, st, tenant)
		// Nothing orderable: 200, Status 2001, each part's reason, nothing written.
		resp, _, _, err := submit(t, s, st, tenant, tok, `{"Command":1002,"WorkOrder":"WO-NONE","Parts":[{"ProdNum":"X-1","Qty":1},{"ProdNum":"53112-12290","Qty":0.25}]}`)
		if err != nil || resp.Status != sm.StatusFailed || resp.StatusMsg == "" || len(resp.Orders) != 1 || len(resp.Orders[0].Parts) != 2 {
			t.Fatalf("nothing orderable: %s %v", mustJSON(t, resp), err)
		}
		check, _, _, err := submit(t, s, st, tenant, tok, `{"Command":1001,"WorkOrder":"WO-NONE","Parts":[{"ProdNum":"X-1","Qty":1}]}`)
		if err != nil || check.Status != sm.StatusFailed || check.StatusMsg != "No part is available: see each part's PartStatus." {
			t.Fatalf("nothing available: %s %v", mustJSON(t, check), err)
		}
		if len(eventTypes(t, st, tenant)) != 0 {
			t.Fatal("a failed order wrote to the outbox")
		}
		// The demo job's external id is an existing job: used as it is.
		resp, _, _, err = submit(t, s, st, tenant, tok, `{"Command":1002,"WorkOrder":"`+seed.DemoJobExternalID+`","Parts":[{"ProdNum":"53112-12290","Qty":1}]}`)
		if err != nil || resp.Status != sm.StatusAllOrdered {
			t.Fatalf("demo job: %s %v", mustJSON(t, resp), err)
		}
		if err := st.View(ctx, tenant, func(tx store.Tx) error {
			j, err := tx.Job(seed.RepairerOrgID, seed.DemoJobID)
			if err != nil || j.SiteID != seed.AddingtonSiteID || *j.JobNumber != "J-10482" || j.Status != store.JobPartsOrdered {
				t.Fatalf("demo job %+v %v", j, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := eventTypes(t, st, tenant); len(got) != 2 {
			t.Fatalf("an existing job is not inserted again: %v", got)
		}
		// Refusals: nothing written, the error family's answer.
		_, _, _, err = submit(t, s, st, tenant, "", e2eOrder)
		wantError(t, err, http.StatusUnauthorized, "missing")
		_, _, _, err = submit(t, s, st, tenant, tok+"x", e2eOrder)
		wantError(t, err, http.StatusUnauthorized, "not signed")
		_, _, _, err = submit(t, s, st, tenant, tok, `{"Command":1002,"WorkOrder":"WO-1","Parts":[{"ProdNum":"53112-12290","Qty":-1}]}`)
		wantError(t, err, http.StatusInternalServerError, "Parts[0].Qty must be greater than 0")
		_, _, _, err = submit(t, s, st, tenant, tok, `{"Command":1002,"WorkOrder":"WO-1","Parts":[]}`)
		wantError(t, err, http.StatusInternalServerError, "Parts must hold at least one part")
		// NUL, which Postgres text refuses, is refused as bad input first.
		_, _, _, err = submit(t, s, st, tenant, tok, `{"Command":1002,"WorkOrder":"WO-1","Parts":[{"ProdNum":"53112-12290","ProdAttrs":{"Desc":"a\u0000"},"Qty":1}]}`)
		wantError(t, err, http.StatusInternalServerError, "Parts[0].ProdAttrs.Desc must not contain the NUL character")
		if got := eventTypes(t, st, tenant); len(got) != 2 {
			t.Fatalf("a refusal wrote events: %v", got)
		}
		// A token expired on the tenant clock is refused by the reference too.
		if err := st.Update(ctx, tenant, func(tx store.Tx) error { return tx.SetClockOffset(2 * sm.TokenLifetime) }); err != nil {
			t.Fatal(err)
		}
		_, _, _, err = submit(t, s, st, tenant, tok, e2eOrder)
		wantError(t, err, http.StatusUnauthorized, "expired")
	})
}

// TestReferenceJobFull: a work order whose job cannot take the parts fails
// as a whole, writing nothing.
func TestReferenceJobFull(t *testing.T) {
	st := newMemory()
	const tenant = "full"
	s := newService(sm.Config{})
	tok := logon(t, s, st, tenant)
	if err := st.Update(ctx, tenant, func(tx store.Tx) error {
		var ps []store.Part
		for i := range methods.MaxPartsPerJob {
			ps = append(ps, store.Part{ID: uuid.New(), JobID: seed.DemoJobID, Ordinal: i + 1, Description: "x", Quantity: 1,
				Status: store.PartOrdered, CreatedAt: seed.Epoch})
		}
		return tx.InsertParts(ps)
	}); err != nil {
		t.Fatal(err)
	}
	resp, _, _, err := submit(t, s, st, tenant, tok, `{"Command":1002,"WorkOrder":"`+seed.DemoJobExternalID+`","Parts":[{"ProdNum":"53112-12290","Qty":1}]}`)
	if err != nil || resp.Status != sm.StatusFailed || resp.Orders[0].Parts[0].PartStatus != "Not ordered: the work order holds too many parts" {
		t.Fatalf("%s %v", mustJSON(t, resp), err)
	}
	if len(eventTypes(t, st, tenant)) != 0 {
		t.Fatal("a failed order wrote events")
	}
}
