package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partifact/mockserver/internal/store"
)

func (t *tx) MobilityConfig() (store.MobilityConfig, error) {
	c, err := get(t, func(r scanner) (store.MobilityConfig, error) {
		var c store.MobilityConfig
		err := r.Scan(&c.PartsOrderingURI, &c.UpdatedAt)
		utc(&c.UpdatedAt)
		return c, err
	}, `SELECT parts_ordering_uri, updated_at FROM servicemobility_config WHERE tenant = $1`)
	if errors.Is(err, store.ErrNotFound) {
		return store.MobilityConfig{}, nil
	}
	return c, err
}

func (t *tx) SetMobilityConfig(c store.MobilityConfig) error {
	_, err := t.exec(`INSERT INTO servicemobility_config (tenant, parts_ordering_uri, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (tenant) DO UPDATE SET parts_ordering_uri = excluded.parts_ordering_uri, updated_at = excluded.updated_at`,
		noNUL(c.PartsOrderingURI), c.UpdatedAt)
	return err
}

// noNUL keeps a text column writable: Postgres text refuses U+0000, which
// callers validate away; should one slip through it becomes U+FFFD rather
// than a failed transaction.
func noNUL(s string) string { return strings.ReplaceAll(s, "\x00", "\uFFFD") }

// AddContractCheck inserts the check and trims the tenant's log to
// store.CheckLogCap in one transaction.
func (s *Store) AddContractCheck(ctx context.Context, tenant string, c store.ContractCheck) error {
	if err := s.ensure(ctx, tenant); err != nil {
		return err
	}
	findings, err := json.Marshal(c.Findings)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO servicemobility_checks (tenant, id, time, target, status, latency, findings, finding_count, ok)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		tenant, c.ID, c.Time, noNUL(c.Target), c.Status, int64(c.Latency), findings, c.FindingCount, c.OK)
	b.Queue(`DELETE FROM servicemobility_checks WHERE tenant = $1 AND seq <= (
		SELECT seq FROM servicemobility_checks WHERE tenant = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
		tenant, store.CheckLogCap)
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(q pgx.Tx) error {
		return q.SendBatch(ctx, b).Close()
	})
}

func (s *Store) ContractChecks(ctx context.Context, tenant string, limit int) ([]store.ContractCheck, error) {
	if err := s.ensure(ctx, tenant); err != nil {
		return nil, err
	}
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, `SELECT id, time, target, status, latency, findings, finding_count, ok
		FROM servicemobility_checks WHERE tenant = $1 ORDER BY seq DESC LIMIT $2`, tenant, lim)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ContractCheck, error) {
		var c store.ContractCheck
		var latency int64
		var findings []byte
		if err := r.Scan(&c.ID, &c.Time, &c.Target, &c.Status, &latency, &findings, &c.FindingCount, &c.OK); err != nil {
			return c, err
		}
		c.Latency = time.Duration(latency)
		utc(&c.Time)
		return c, json.Unmarshal(findings, &c.Findings)
	})
	if out == nil && err == nil {
		out = []store.ContractCheck{}
	}
	return out, err
}
