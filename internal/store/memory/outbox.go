package memory

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

func (t *tx) InsertEndpoint(e store.Endpoint) error {
	if err := t.writable(); err != nil {
		return err
	}
	n := len(t.w.endpoints)
	t.w.endpoints = append(t.w.endpoints, e)
	t.undo = append(t.undo, func() { t.w.endpoints = t.w.endpoints[:n] })
	return nil
}

func (t *tx) Endpoints(integration uuid.UUID) ([]store.Endpoint, error) {
	var out []store.Endpoint
	for _, e := range t.w.endpoints {
		if e.IntegrationID == integration {
			out = append(out, e)
		}
	}
	return out, nil
}

func (t *tx) DeleteEndpoint(id uuid.UUID) error {
	if err := t.writable(); err != nil {
		return err
	}
	i := slices.IndexFunc(t.w.endpoints, func(e store.Endpoint) bool { return e.ID == id })
	if i < 0 {
		return store.ErrNotFound
	}
	old := t.w.endpoints
	t.w.endpoints = slices.Delete(slices.Clone(old), i, i+1)
	t.undo = append(t.undo, func() { t.w.endpoints = old })
	return nil
}

func (t *tx) InsertDelivery(d store.Delivery) error {
	if err := t.writable(); err != nil {
		return err
	}
	if slices.ContainsFunc(t.w.deliveries, func(x store.Delivery) bool { return x.ID == d.ID }) {
		return store.ErrConflict
	}
	d.Tenant = ""
	d.Payload = slices.Clone(d.Payload)
	n := len(t.w.deliveries)
	t.w.deliveries = append(t.w.deliveries, d)
	t.undo = append(t.undo, func() { t.w.deliveries = t.w.deliveries[:n] })
	return nil
}

func (t *tx) Delivery(id uuid.UUID) (store.Delivery, error) {
	for _, d := range t.w.deliveries {
		if d.ID == id {
			return d, nil
		}
	}
	return store.Delivery{}, store.ErrNotFound
}

func (t *tx) Deliveries(f store.DeliveryFilter) ([]store.Delivery, error) {
	var out []store.Delivery
	for i := len(t.w.deliveries) - 1; i >= 0; i-- {
		d := t.w.deliveries[i]
		if (f.IntegrationID != nil && d.IntegrationID != *f.IntegrationID) ||
			(f.Type != "" && d.Type != f.Type) || (f.Status != "" && d.Status != f.Status) {
			continue
		}
		out = append(out, d)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out, nil
}

func (t *tx) Attempts(id uuid.UUID) ([]store.Attempt, error) {
	return slices.Clone(t.w.attempts[id]), nil
}

func (t *tx) RequeueDelivery(id uuid.UUID, at time.Time) error {
	if err := t.writable(); err != nil {
		return err
	}
	i := slices.IndexFunc(t.w.deliveries, func(d store.Delivery) bool { return d.ID == id })
	if i < 0 {
		return store.ErrNotFound
	}
	old := t.w.deliveries[i]
	d := old
	d.Status, d.NextAttemptAt, d.LeaseUntil = store.DeliveryPending, at, time.Time{}
	t.w.deliveries[i] = d
	t.undo = append(t.undo, func() { t.w.deliveries[i] = old })
	return nil
}

func (t *tx) AddSinkRecord(r store.SinkRecord) error {
	if err := t.writable(); err != nil {
		return err
	}
	old := t.w.sink
	next := append(slices.Clone(old), r)
	if len(next) > store.SinkCap {
		next = next[len(next)-store.SinkCap:]
	}
	t.w.sink = next
	t.undo = append(t.undo, func() { t.w.sink = old })
	return nil
}

func (t *tx) SinkRecords() ([]store.SinkRecord, error) {
	out := slices.Clone(t.w.sink)
	slices.Reverse(out)
	return out, nil
}

// ClaimDeliveries walks every tenant; each world's lock makes a claim atomic.
func (s *Store) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]store.Delivery, error) {
	s.mu.Lock()
	tenants := maps.Clone(s.tenants)
	s.mu.Unlock()
	wall := s.wallClock()
	type due struct {
		w *world
		i int
	}
	var out []store.Delivery
	for name, w := range tenants {
		w.mu.Lock()
		now := w.now(wall)
		var dues []due
		for i, d := range w.deliveries {
			if (d.Status == store.DeliveryPending && !d.NextAttemptAt.After(now)) ||
				(d.Status == store.DeliveryInFlight && d.LeaseUntil.Before(wall)) {
				dues = append(dues, due{w, i})
			}
		}
		for _, x := range dues {
			d := &w.deliveries[x.i]
			d.Status, d.LeaseUntil, d.UpdatedAt = store.DeliveryInFlight, wall.Add(lease), wall
			c := *d
			c.Tenant = name
			out = append(out, c)
		}
		w.mu.Unlock()
	}
	// Claimed past the limit? Hand the surplus back, oldest due kept.
	slices.SortStableFunc(out, func(a, b store.Delivery) int { return a.NextAttemptAt.Compare(b.NextAttemptAt) })
	if limit > 0 && len(out) > limit {
		for _, d := range out[limit:] {
			s.release(d)
		}
		out = out[:limit]
	}
	return out, ctx.Err()
}

// release returns a claimed delivery to pending, as it was before the claim.
func (s *Store) release(d store.Delivery) {
	s.mu.Lock()
	w := s.tenants[d.Tenant]
	s.mu.Unlock()
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.deliveries {
		if w.deliveries[i].ID == d.ID && w.deliveries[i].Status == store.DeliveryInFlight {
			w.deliveries[i].Status = store.DeliveryPending
			w.deliveries[i].LeaseUntil = time.Time{}
		}
	}
}

func (s *Store) CompleteAttempt(ctx context.Context, tenant string, a store.Attempt, status string, next time.Time) error {
	s.mu.Lock()
	w := s.tenants[tenant]
	s.mu.Unlock()
	if w == nil {
		return store.ErrNotFound // the tenant was reset or dropped meanwhile
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	i := slices.IndexFunc(w.deliveries, func(d store.Delivery) bool { return d.ID == a.DeliveryID })
	if i < 0 || w.deliveries[i].Status != store.DeliveryInFlight || w.deliveries[i].Attempts != a.Number-1 {
		return store.ErrNotFound
	}
	d := &w.deliveries[i]
	d.Attempts, d.Status, d.NextAttemptAt, d.LeaseUntil, d.LastError, d.UpdatedAt =
		a.Number, status, next, time.Time{}, a.Error, s.wallClock()
	w.attempts[a.DeliveryID] = append(w.attempts[a.DeliveryID], a)
	return ctx.Err()
}

func (s *Store) Kick(context.Context) error {
	select {
	case s.wake <- struct{}{}:
	default: // a wakeup is already pending
	}
	return nil
}

func (s *Store) Wakeups() <-chan struct{} { return s.wake }
