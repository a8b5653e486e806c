package webhooks

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// Hold is how long a new delivery waits for its release. Deliveries are
// written due at now+Hold, and the HTTP edge releases them (makes them due at
// once) after the call's answer is written, so the dispatcher's poll can
// never send one before the caller has its 200. A delivery whose release
// never comes (the process died between commit and answer) still goes out
// when the hold ends.
const Hold = 5 * time.Second

// Fanout writes, in the transaction that wrote ev, one delivery per endpoint
// of every integration of ev's organization with ev's role. All endpoints of
// one integration share a message_id, stable across retries, derived from the
// event and the integration.
func Fanout(tx store.Tx, ev store.Event) error {
	ins, err := tx.IntegrationsOf(ev.OrganizationID)
	if err != nil {
		return err
	}
	now := tx.Now()
	for _, in := range ins {
		if in.Role != ev.Role {
			continue
		}
		eps, err := tx.Endpoints(in.ID)
		if err != nil {
			return err
		}
		msg := seed.Mint(ev.ID, in.ID.String())
		for _, ep := range eps {
			err := tx.InsertDelivery(store.Delivery{
				ID: uuid.New(), EventID: ev.ID, MessageID: msg, Type: ev.Type,
				IntegrationID: in.ID, EndpointID: ep.ID, URL: ep.URL,
				ObjectType: ev.ObjectType, ObjectID: ev.ObjectID, Payload: ev.Payload,
				Status: store.DeliveryPending, NextAttemptAt: now.Add(Hold),
				CreatedAt: now, UpdatedAt: time.Now(),
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// Recorder is a Tx that remembers what was written through it to the
// outbox: the deliveries, so the caller can release them once it has
// answered, and the event types, for contract coverage.
type Recorder struct {
	store.Tx
	ids    []uuid.UUID
	events []string
}

// Track wraps tx.
func Track(tx store.Tx) *Recorder { return &Recorder{Tx: tx} }

// InsertDelivery writes d and remembers it.
func (r *Recorder) InsertDelivery(d store.Delivery) error {
	if err := r.Tx.InsertDelivery(d); err != nil {
		return err
	}
	r.ids = append(r.ids, d.ID)
	return nil
}

// AddEvent writes e and remembers its type.
func (r *Recorder) AddEvent(e store.Event) error {
	if err := r.Tx.AddEvent(e); err != nil {
		return err
	}
	r.events = append(r.events, e.Type)
	return nil
}

// EventTypes lists the types of the events written through r.
func (r *Recorder) EventTypes() []string {
	if r == nil {
		return nil
	}
	return r.events
}

// Written lists the deliveries written through r.
func (r *Recorder) Written() []uuid.UUID {
	if r == nil {
		return nil
	}
	return r.ids
}

// Release makes held deliveries due now and wakes the dispatchers. Call it
// after the answer of the call that wrote them is written. A delivery that
// is no longer waiting for its first attempt (its hold ran out and a
// dispatcher took it) is left alone.
func Release(ctx context.Context, st store.Store, tenant string, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	err := st.Update(ctx, tenant, func(tx store.Tx) error {
		now := tx.Now()
		for _, id := range ids {
			d, err := tx.Delivery(id)
			if errors.Is(err, store.ErrNotFound) {
				continue // the tenant was reset meanwhile
			}
			if err != nil {
				return err
			}
			if d.Status != store.DeliveryPending || d.Attempts > 0 {
				continue
			}
			if err := tx.RequeueDelivery(id, now); err != nil {
				return err
			}
		}
		return nil
	})
	return errors.Join(err, st.Kick(ctx))
}
