package memory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

func insertProcurement(t *testing.T, s *Store, tenant string, status string, age time.Duration) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := s.Update(context.Background(), tenant, func(tx store.Tx) error {
		return tx.InsertProcurement(store.Procurement{ID: id, BuyerOrgID: uuid.New(), SupplierOrgID: uuid.New(),
			Status: status, CreatedAt: tx.Now().Add(-age)})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDueProcurements(t *testing.T) {
	t.Parallel()
	s := New()
	ctx := context.Background()
	old := insertProcurement(t, s, "a", store.ProcurementOrderRequested, time.Hour)
	insertProcurement(t, s, "a", store.ProcurementOrderRequested, time.Second)
	insertProcurement(t, s, "a", store.ProcurementOrderConfirmed, time.Hour)
	young := insertProcurement(t, s, "b", store.ProcurementOrderRequested, time.Second)

	due, err := s.DueProcurements(ctx, time.Minute, 10)
	if err != nil || len(due) != 1 || due[0] != (store.DueProcurement{Tenant: "a", ID: old}) {
		t.Fatalf("due: %v %v", due, err)
	}
	// A tenant clock moved forward makes its procurements due.
	if err := s.Update(ctx, "b", func(tx store.Tx) error { return tx.SetClockOffset(2 * time.Minute) }); err != nil {
		t.Fatal(err)
	}
	due, err = s.DueProcurements(ctx, time.Minute, 10)
	if err != nil || len(due) != 2 || due[0].ID != old || due[1] != (store.DueProcurement{Tenant: "b", ID: young}) {
		t.Fatalf("due after the clock moved: %v %v", due, err)
	}
	if due, _ = s.DueProcurements(ctx, time.Minute, 1); len(due) != 1 || due[0].ID != old {
		t.Fatalf("limited: %v", due)
	}
}

func TestProcurementByID(t *testing.T) {
	t.Parallel()
	s := New()
	id := insertProcurement(t, s, "a", store.ProcurementOrderRequested, 0)
	err := s.View(context.Background(), "a", func(tx store.Tx) error {
		p, err := tx.ProcurementByID(id)
		if err != nil || p.ID != id {
			t.Fatalf("found %v %v", p, err)
		}
		_, err = tx.ProcurementByID(uuid.New())
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	err = s.View(context.Background(), "b", func(tx store.Tx) error { _, err := tx.ProcurementByID(id); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant's procurement: %v", err)
	}
}

func TestCountTenants(t *testing.T) {
	t.Parallel()
	s := New()
	ctx := context.Background()
	for _, tenant := range []string{"a", "b", "a"} {
		if err := s.View(ctx, tenant, func(store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.CountTenants(ctx); n != 2 || err != nil {
		t.Fatalf("count: %d %v", n, err)
	}
}
