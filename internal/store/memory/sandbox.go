package memory

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

func (t *tx) InsertFault(f store.Fault) error {
	if err := t.writable(); err != nil {
		return err
	}
	if slices.ContainsFunc(t.w.faults, func(x store.Fault) bool { return x.ID == f.ID }) {
		return store.ErrConflict
	}
	old := t.w.faults
	t.w.faults = append(slices.Clone(old), f)
	t.undo = append(t.undo, func() { t.w.faults = old })
	return nil
}

func (t *tx) Faults(method string) ([]store.Fault, error) {
	var out []store.Fault
	for _, f := range t.w.faults {
		if method == "" || f.Method == method {
			out = append(out, f)
		}
	}
	return out, nil
}

func (t *tx) UseFault(id uuid.UUID) error {
	if err := t.writable(); err != nil {
		return err
	}
	i := slices.IndexFunc(t.w.faults, func(f store.Fault) bool { return f.ID == id })
	if i < 0 {
		return store.ErrNotFound
	}
	switch old := t.w.faults; old[i].Remaining {
	case -1: // unlimited
	case 1: // its last use: a used-up fault is not kept
		t.w.faults = slices.Delete(slices.Clone(old), i, i+1)
		t.undo = append(t.undo, func() { t.w.faults = old })
	default:
		t.w.faults = slices.Clone(old)
		t.w.faults[i].Remaining--
		t.undo = append(t.undo, func() { t.w.faults = old })
	}
	return nil
}

func (t *tx) DeleteFaults() error {
	if err := t.writable(); err != nil {
		return err
	}
	old := t.w.faults
	t.w.faults = nil
	t.undo = append(t.undo, func() { t.w.faults = old })
	return nil
}

func (s *Store) Record(ctx context.Context, tenant string, r store.Recording) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := s.world(tenant)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range r.Journal {
		e.Time = w.now(e.Time)
		e.Method, e.RequestID = store.CleanText(e.Method), store.CleanText(e.RequestID)
		w.journal.add(r.Keep, e)
	}
	for k, n := range r.Coverage {
		w.coverage[store.CleanText(k)] += n
	}
	return nil
}

func (s *Store) Journal(ctx context.Context, tenant string, f store.JournalFilter) ([]store.JournalEntry, error) {
	w := s.world(tenant)
	w.mu.RLock()
	defer w.mu.RUnlock()
	var out []store.JournalEntry
	method := store.CleanText(f.Method)
	w.journal.each(func(e *store.JournalEntry) {
		if (method == "" || e.Method == method) && (f.Status == 0 || e.Status == f.Status) {
			out = append(out, *e)
		}
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, ctx.Err()
}

func (s *Store) ClearJournal(ctx context.Context, tenant string) error {
	w := s.world(tenant)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.journal = journal{}
	return ctx.Err()
}

func (s *Store) Coverage(ctx context.Context, tenant string) (map[string]int, error) {
	w := s.world(tenant)
	w.mu.RLock()
	defer w.mu.RUnlock()
	return maps.Clone(w.coverage), ctx.Err()
}

func (t *tx) ProcurementByID(id uuid.UUID) (store.Procurement, error) {
	p, ok := t.w.procurements[id]
	if !ok {
		return store.Procurement{}, store.ErrNotFound
	}
	return cloneProcurement(p), nil
}

func (s *Store) DueProcurements(ctx context.Context, age time.Duration, limit int) ([]store.DueProcurement, error) {
	type due struct {
		store.DueProcurement
		created time.Time
	}
	var found []due
	wall := s.wallClock()
	s.mu.Lock()
	worlds := maps.Clone(s.tenants)
	s.mu.Unlock()
	for name, w := range worlds {
		w.mu.RLock()
		cutoff := w.now(wall).Add(-age)
		for _, p := range w.procurements {
			if p.Status == store.ProcurementOrderRequested && !p.CreatedAt.After(cutoff) {
				found = append(found, due{store.DueProcurement{Tenant: name, ID: p.ID}, p.CreatedAt})
			}
		}
		w.mu.RUnlock()
	}
	slices.SortFunc(found, func(a, b due) int {
		return cmp.Or(a.created.Compare(b.created), strings.Compare(a.Tenant, b.Tenant), strings.Compare(a.ID.String(), b.ID.String()))
	})
	out := make([]store.DueProcurement, 0, min(len(found), limit))
	for _, d := range found[:min(len(found), limit)] {
		out = append(out, d.DueProcurement)
	}
	return out, ctx.Err()
}

func (s *Store) CountTenants(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tenants), ctx.Err()
}

func (s *Store) Tenants(ctx context.Context, limit int) ([]store.TenantUse, int, error) {
	s.mu.Lock()
	all := make([]store.TenantUse, 0, len(s.tenants))
	for name, w := range s.tenants {
		all = append(all, store.TenantUse{Name: name, LastUsed: time.Unix(0, w.lastUsed.Load()).UTC()})
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b store.TenantUse) int {
		return cmp.Or(b.LastUsed.Compare(a.LastUsed), strings.Compare(a.Name, b.Name))
	})
	return slices.Clip(all[:max(min(limit, len(all)), 0)]), len(all), ctx.Err()
}
