package methods_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
)

// TestBridge walks a job from opening to a procurement through the bridge,
// as another API module would, and finds what the wire methods would have
// written: the job, its parts, the procurement and its webhook events.
func TestBridge(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	const ext = "WO-BRIDGE-1"
	var procID uuid.UUID
	err := st.Update(ctx, "bridge", func(tx store.Tx) error {
		caller, err := tx.Integration(seed.RepairerIntegrationID)
		if err != nil {
			return err
		}
		c := &methods.Call{Ctx: ctx, Tx: tx, Caller: caller}
		if _, err := methods.FindJob(c, ext); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("find before open: %v", err)
		}
		num := ext
		job, err := methods.OpenJob(c, ext, seed.HornbySiteID, &num)
		if err != nil {
			return err
		}
		if job.SiteID != seed.HornbySiteID || *job.JobNumber != ext || job.Vehicle != nil || job.ClaimNumber != nil {
			t.Fatalf("job %+v", job)
		}
		if found, err := methods.FindJob(c, ext); err != nil || found.ID != job.ID {
			t.Fatalf("find after open: %+v %v", found, err)
		}
		pn := seed.GrillePN
		parts, err := methods.AddParts(c, ext, []methods.PartInsertV1{{Description: "Radiator grille", PartNumber: &pn, Quantity: 2}})
		if err != nil || len(parts) != 1 {
			t.Fatalf("parts %+v %v", parts, err)
		}
		offers, err := methods.BasketOffers(c, ext)
		if err != nil || len(offers) != 2 {
			t.Fatalf("offers %+v %v", offers, err)
		}
		if offers[0].PartID != parts[0].ID || offers[0].Item.SupplierID != seed.AutoPartsDirectID {
			t.Fatalf("cheapest offer %+v", offers[0])
		}
		p, err := methods.PlaceProcurement(c, ext, []uuid.UUID{offers[0].ID})
		if err != nil {
			return err
		}
		if p.Status != store.ProcurementOrderRequested || p.Lines[0].Quantity != 2 || p.Subtotal != "198.00" {
			t.Fatalf("procurement %+v", p)
		}
		procID = p.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(ctx, "bridge", func(tx store.Tx) error {
		events, err := tx.Events()
		if err != nil {
			return err
		}
		var types []string
		for _, e := range events {
			types = append(types, e.Type)
		}
		want := []string{"repairer.job.inserted", "repairer.procurement.order_requested", "supplier.procurement.order_requested"}
		if len(types) != len(want) || types[0] != want[0] || types[1] != want[1] || types[2] != want[2] {
			t.Fatalf("events %v, want %v", types, want)
		}
		_, err = tx.Procurement(seed.RepairerOrgID, procID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBridgeKeepsRoles: a supplier credential cannot act as a repairer
// through the bridge either.
func TestBridgeKeepsRoles(t *testing.T) {
	ctx := context.Background()
	err := memory.New().View(ctx, "roles", func(tx store.Tx) error {
		caller, err := tx.Integration(seed.SupplierIntegrationID)
		if err != nil {
			return err
		}
		c := &methods.Call{Ctx: ctx, Tx: tx, Caller: caller}
		if _, err := methods.FindJob(c, seed.DemoJobExternalID); err != methods.ErrForbidden {
			t.Errorf("find: %v", err)
		}
		if _, err := methods.BasketOffers(c, seed.DemoJobExternalID); err != methods.ErrForbidden {
			t.Errorf("basket: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSamePartNumber(t *testing.T) {
	if !methods.SamePartNumber("52119 12d90", seed.BumperCoverPN) || methods.SamePartNumber("52119-12D9", seed.BumperCoverPN) {
		t.Fatal("part numbers compare by the basket's rule")
	}
	it := store.CatalogueItem{PartNumber: seed.GrillePN}
	if !methods.OffersPartNumber(it, "5311212290") || methods.OffersPartNumber(it, "") {
		t.Fatal("items match part numbers by the basket's rule")
	}
}
