package webhooks

import (
	"context"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// Written is what a unit of work wrote to the outbox.
type Written struct {
	// Events are the types of the events written, for contract coverage.
	Events []string
	// Deliveries are held until the unit's answer has gone out (see Hold).
	Deliveries []uuid.UUID
}

// Add appends what another unit wrote.
func (w *Written) Add(o Written) {
	w.Events = append(w.Events, o.Events...)
	w.Deliveries = append(w.Deliveries, o.Deliveries...)
}

// Work is the unit of work every state change goes through: fn runs in one
// transaction of tenant (read-write when write is set), every event and
// delivery it writes to the outbox is tracked, and nothing of it is kept
// unless fn returns nil. The caller answers, then calls Release, so that no
// webhook can arrive before the answer that caused it.
func Work(ctx context.Context, st store.Store, tenant string, write bool, fn func(tx store.Tx) error) (Written, error) {
	if !write {
		return Written{}, st.View(ctx, tenant, fn) // a read writes nothing to track
	}
	var rec *Recorder
	run := func(tx store.Tx) error {
		rec = Track(tx) // afresh on every attempt: a retried transaction wrote nothing
		return fn(rec)
	}
	var err error
	if write {
		err = st.Update(ctx, tenant, run)
	} else {
		err = st.View(ctx, tenant, run)
	}
	if err != nil {
		return Written{}, err
	}
	return Written{Events: rec.EventTypes(), Deliveries: rec.Written()}, nil
}

// Release lets the unit's held deliveries go out at once. It outlives the
// caller's context: the answer is gone, the deliveries must follow.
func (w Written) Release(ctx context.Context, st store.Store, tenant string) error {
	return Release(context.WithoutCancel(ctx), st, tenant, w.Deliveries)
}
