package memory

import (
	"context"
	"slices"

	"github.com/partifact/mockserver/internal/store"
)

func (t *tx) MobilityConfig() (store.MobilityConfig, error) { return t.w.mobility, nil }

func (t *tx) SetMobilityConfig(c store.MobilityConfig) error {
	if err := t.writable(); err != nil {
		return err
	}
	old := t.w.mobility
	t.w.mobility = c
	t.undo = append(t.undo, func() { t.w.mobility = old })
	return nil
}

func (s *Store) AddContractCheck(ctx context.Context, tenant string, c store.ContractCheck) error {
	w := s.world(tenant)
	w.mu.Lock()
	defer w.mu.Unlock()
	c.Findings = slices.Clone(c.Findings)
	w.checks = append(w.checks, c)
	if len(w.checks) > store.CheckLogCap {
		w.checks = slices.Clone(w.checks[len(w.checks)-store.CheckLogCap:])
	}
	return ctx.Err()
}

func (s *Store) ContractChecks(ctx context.Context, tenant string, limit int) ([]store.ContractCheck, error) {
	w := s.world(tenant)
	w.mu.RLock()
	defer w.mu.RUnlock()
	n := len(w.checks)
	if limit > 0 && limit < n {
		n = limit
	}
	out := make([]store.ContractCheck, 0, n)
	for i := len(w.checks) - 1; i >= 0 && len(out) < n; i-- {
		c := w.checks[i]
		c.Findings = slices.Clone(c.Findings)
		out = append(out, c)
	}
	return out, ctx.Err()
}
