package postgres

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/partifact/mockserver/internal/store"
)

func (t *tx) InsertFault(f store.Fault) error {
	fields, err := json.Marshal(f.ErrorFields)
	if err != nil {
		return err
	}
	if err := t.insert(`INSERT INTO faults (tenant, id, method, error_type, error_fields, status, latency_ms, probability,
		remaining, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.ID, f.Method, f.ErrorType, fields, f.Status, f.LatencyMS, f.Probability, f.Remaining, f.CreatedAt); err != nil {
		return err
	}
	t.faults = true
	return nil
}

func (t *tx) Faults(method string) ([]store.Fault, error) {
	if !t.faults && !t.done {
		return nil, nil
	}
	return list(t, func(r scanner) (store.Fault, error) {
		var f store.Fault
		var fields []byte
		err := r.Scan(&f.ID, &f.Method, &f.ErrorType, &fields, &f.Status, &f.LatencyMS, &f.Probability, &f.Remaining, &f.CreatedAt)
		if err != nil {
			return f, err
		}
		utc(&f.CreatedAt)
		return f, json.Unmarshal(fields, &f.ErrorFields)
	}, `SELECT id, method, error_type, error_fields, status, latency_ms, probability, remaining, created_at
		FROM faults WHERE tenant = $1 AND remaining <> 0 AND ($2 = '' OR method = $2) ORDER BY seq`, method)
}

// UseFault is one conditional UPDATE, so two requests never take the last
// use of a fault both.
func (t *tx) UseFault(id uuid.UUID) error {
	return t.update(`UPDATE faults SET remaining = CASE WHEN remaining > 0 THEN remaining - 1 ELSE remaining END
		WHERE tenant = $1 AND id = $2 AND remaining <> 0`, id)
}

func (t *tx) DeleteFaults() error {
	_, err := t.exec(`DELETE FROM faults WHERE tenant = $1`)
	return err
}

// AppendJournal adds the entries and trims the tenant's journal to keep in
// one transaction (keep < 0 keeps everything).
func (s *Store) AppendJournal(ctx context.Context, tenant string, entries []store.JournalEntry, keep int) error {
	if err := s.ensure(ctx, tenant); err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, e := range entries {
		b.Queue(`INSERT INTO journal (tenant, id, time, request_id, method, status, latency, integration_id,
			request_body, response_body, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			tenant, e.ID, e.Time, e.RequestID, e.Method, e.Status, int64(e.Latency), e.IntegrationID, e.RequestBody, e.ResponseBody, []byte(e.Note))
	}
	if keep >= 0 {
		b.Queue(`DELETE FROM journal WHERE tenant = $1 AND seq <= (
			SELECT seq FROM journal WHERE tenant = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)`, tenant, keep)
	}
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(q pgx.Tx) error {
		return q.SendBatch(ctx, b).Close()
	})
}

func (s *Store) Journal(ctx context.Context, tenant string, f store.JournalFilter) ([]store.JournalEntry, error) {
	if err := s.ensure(ctx, tenant); err != nil {
		return nil, err
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	rows, err := s.pool.Query(ctx, `SELECT id, time, request_id, method, status, latency, integration_id,
		request_body, response_body, note FROM (
			SELECT * FROM journal WHERE tenant = $1 AND ($2 = '' OR method = $2) AND ($3 = 0 OR status = $3)
			ORDER BY seq DESC LIMIT $4) newest
		ORDER BY seq`, tenant, f.Method, f.Status, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.JournalEntry, error) {
		var e store.JournalEntry
		var latency int64
		var note []byte
		err := r.Scan(&e.ID, &e.Time, &e.RequestID, &e.Method, &e.Status, &latency, &e.IntegrationID,
			&e.RequestBody, &e.ResponseBody, &note)
		e.Latency, e.Note = time.Duration(latency), string(note)
		utc(&e.Time)
		return e, err
	})
}

func (s *Store) ClearJournal(ctx context.Context, tenant string) error {
	if err := s.ensure(ctx, tenant); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM journal WHERE tenant = $1`, tenant)
	return err
}

// AddCoverage upserts the counters in key order, so that two concurrent
// calls lock the same rows in the same order and cannot deadlock.
func (s *Store) AddCoverage(ctx context.Context, tenant string, counts map[string]int) error {
	if err := s.ensure(ctx, tenant); err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		b.Queue(`INSERT INTO coverage (tenant, key, count) VALUES ($1, $2, $3)
			ON CONFLICT (tenant, key) DO UPDATE SET count = coverage.count + excluded.count`, tenant, k, counts[k])
	}
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(q pgx.Tx) error {
		return q.SendBatch(ctx, b).Close()
	})
}

func (s *Store) Coverage(ctx context.Context, tenant string) (map[string]int, error) {
	if err := s.ensure(ctx, tenant); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT key, count FROM coverage WHERE tenant = $1`, tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

func (t *tx) ProcurementByID(id uuid.UUID) (store.Procurement, error) {
	return get(t, scanProcurement, `SELECT `+procurementCols+` FROM procurements
		WHERE tenant = $1 AND id = $2`+t.forUpdate(), id)
}

// DueProcurements reads each tenant's clock from its row, as the claim of
// deliveries does.
func (s *Store) DueProcurements(ctx context.Context, age time.Duration, limit int) ([]store.DueProcurement, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.tenant, p.id FROM procurements p JOIN tenants t ON t.tenant = p.tenant
		WHERE p.status = 'order_requested'
		  AND p.created_at <= now() + ((t.clock_offset / 1000) - $1) * interval '1 microsecond'
		ORDER BY p.created_at, p.tenant, p.id
		LIMIT $2`, age.Microseconds(), limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.DueProcurement, error) {
		var d store.DueProcurement
		err := r.Scan(&d.Tenant, &d.ID)
		return d, err
	})
}

func (s *Store) CountTenants(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&n)
	return n, err
}

// Tenants reads the page and the count in one statement: the window's count
// is taken before the limit cuts the rows.
func (s *Store) Tenants(ctx context.Context, limit int) ([]store.TenantUse, int, error) {
	if limit <= 0 {
		n, err := s.CountTenants(ctx)
		return nil, n, err
	}
	rows, err := s.pool.Query(ctx, `SELECT tenant, last_used, count(*) OVER () FROM tenants
		ORDER BY last_used DESC, tenant COLLATE "C" LIMIT $1`, limit)
	if err != nil {
		return nil, 0, err
	}
	total := 0
	uses, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.TenantUse, error) {
		var u store.TenantUse
		err := r.Scan(&u.Name, &u.LastUsed, &total)
		utc(&u.LastUsed)
		return u, err
	})
	if err != nil {
		return nil, 0, err
	}
	return uses, total, nil
}
