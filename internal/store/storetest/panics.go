package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// testPanicInUpdate: a function that panics inside Update leaves nothing
// it wrote, the panic reaches the caller, and the store stays whole: the
// tenant can be written, reset and the store closed within a deadline (no
// lock or connection is left behind).
func testPanicInUpdate(t *testing.T, s store.Store) {
	const tenant = "panics"
	job := newJob(seed.RepairerOrgID, "P", at(1))
	for range 3 { // more panics than a small pool has connections to leak
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic did not reach the caller")
				}
			}()
			_ = s.Update(ctx, tenant, func(tx store.Tx) error {
				if err := tx.InsertJob(job); err != nil {
					t.Errorf("insert: %v", err)
				}
				if err := tx.SetClockOffset(time.Hour); err != nil {
					t.Errorf("clock: %v", err)
				}
				panic("boom")
			})
		}()
	}
	view(t, s, tenant, func(tx store.Tx) error {
		wantErr(t, second(tx.Job(job.OrganizationID, job.ID)), store.ErrNotFound)
		equal(t, "clock offset", tx.ClockOffset(), time.Duration(0))
		return nil
	})
	update(t, s, tenant, func(tx store.Tx) error { return tx.InsertJob(job) })
	deadline, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.ResetTenant(deadline, tenant); err != nil {
		t.Fatalf("reset after panics: %v", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("close after panics: %v", err)
		}
	case <-deadline.Done():
		t.Fatal("close after panics did not return within 5 s")
	}
}
