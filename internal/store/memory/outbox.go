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
	if slices.ContainsFunc(t.w.endpoints, func(x store.Endpoint) bool { return x.ID == e.ID }) {
		return store.ErrConflict
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

// AddSinkRecord appends and evicts from the front, in time that does not
// grow with the sink (undone by restoring the slice and the totals).
func (t *tx) AddSinkRecord(r store.SinkRecord, l store.SinkLimits) error {
	if err := t.writable(); err != nil {
		return err
	}
	if slices.ContainsFunc(t.w.sink, func(x store.SinkRecord) bool { return x.ID == r.ID }) {
		return store.ErrConflict
	}
	l = l.OrDefault()
	w := t.w
	old, oldBytes, oldSeq := w.sink, w.sinkBytes, w.sinkSeq
	var evicted []store.SinkRecord
	w.sinkSeq++
	r.Seq = w.sinkSeq
	w.sink = append(w.sink, r)
	w.sinkBytes += r.Size()
	w.accept(r.MessageID)
	for len(w.sink) > l.Records || w.sinkBytes > l.Bytes {
		e := w.sink[0]
		evicted = append(evicted, e)
		w.sink = w.sink[1:]
		w.sinkBytes -= e.Size()
		w.unaccept(e.MessageID)
	}
	if cap(w.sink) > 2*len(w.sink)+64 {
		// Let go of the evicted records' memory now and then.
		w.sink = slices.Clone(w.sink)
	}
	t.undo = append(t.undo, func() {
		w.sink, w.sinkBytes, w.sinkSeq = old, oldBytes, oldSeq
		w.unaccept(r.MessageID)
		for _, e := range evicted {
			w.accept(e.MessageID)
		}
	})
	return nil
}

// accept and unaccept count the records accepting a message id.
func (w *world) accept(id string) {
	if id != "" {
		w.sinkAccepted[id]++
	}
}

func (w *world) unaccept(id string) {
	if w.sinkAccepted[id]--; w.sinkAccepted[id] <= 0 {
		delete(w.sinkAccepted, id)
	}
}

func (t *tx) SinkAccepted(id string) (bool, error) {
	return id != "" && t.w.sinkAccepted[id] > 0, nil
}

func (t *tx) SinkRecords(p store.SinkPage) ([]store.SinkRecord, error) {
	var out []store.SinkRecord
	for i := len(t.w.sink) - 1; i >= 0 && (p.Limit <= 0 || len(out) < p.Limit); i-- {
		if r := t.w.sink[i]; p.Before == 0 || r.Seq < p.Before {
			out = append(out, r)
		}
	}
	return store.SinkPageBytes(out, p.MaxBytes), nil
}

// ClaimDeliveries finds the due deliveries of every tenant, then claims the
// oldest due within c, each under its world's lock and only if it is still
// due then, so a concurrent claimer never gets it too.
func (s *Store) ClaimDeliveries(ctx context.Context, c store.Claim) ([]store.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	tenants := maps.Clone(s.tenants)
	s.mu.Unlock()
	wall := s.wallClock()
	type candidate struct {
		tenant string
		w      *world
		id     uuid.UUID
		next   time.Time
	}
	var found []candidate
	for name, w := range tenants {
		if slices.Contains(c.SkipTenants, name) {
			continue
		}
		w.mu.RLock()
		now := w.now(wall)
		for _, d := range w.deliveries {
			if due(d, now, wall) && !slices.Contains(c.SkipEndpoints, d.EndpointID) {
				found = append(found, candidate{name, w, d.ID, d.NextAttemptAt})
			}
		}
		w.mu.RUnlock()
	}
	slices.SortStableFunc(found, func(a, b candidate) int { return a.next.Compare(b.next) })
	var out []store.Delivery
	per := map[string]int{}
	for _, cd := range found {
		if c.Limit > 0 && len(out) == c.Limit {
			break
		}
		if c.PerTenant > 0 && per[cd.tenant] == c.PerTenant {
			continue
		}
		cd.w.mu.Lock()
		i := slices.IndexFunc(cd.w.deliveries, func(d store.Delivery) bool { return d.ID == cd.id })
		if i >= 0 && due(cd.w.deliveries[i], cd.w.now(wall), wall) {
			d := &cd.w.deliveries[i]
			d.Status, d.LeaseUntil, d.UpdatedAt = store.DeliveryInFlight, wall.Add(c.Lease), wall
			claimed := *d
			claimed.Tenant = cd.tenant
			out = append(out, claimed)
			per[cd.tenant]++
		}
		cd.w.mu.Unlock()
	}
	return out, nil
}

func (s *Store) DeferEndpoint(ctx context.Context, tenant string, endpoint uuid.UUID, d time.Duration) (int, error) {
	s.mu.Lock()
	w := s.tenants[tenant]
	s.mu.Unlock()
	if w == nil {
		return 0, ctx.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	until, n := w.now(s.wallClock()).Add(d), 0
	for i := range w.deliveries {
		del := &w.deliveries[i]
		if del.EndpointID == endpoint && del.Status == store.DeliveryPending && del.NextAttemptAt.Before(until) {
			del.NextAttemptAt, del.UpdatedAt = until, s.wallClock()
			n++
		}
	}
	return n, ctx.Err()
}

// due: pending and due on the tenant clock, or in flight past its lease.
func due(d store.Delivery, now, wall time.Time) bool {
	return (d.Status == store.DeliveryPending && !d.NextAttemptAt.After(now)) ||
		(d.Status == store.DeliveryInFlight && d.LeaseUntil.Before(wall))
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
