package postgres

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"sync"
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
	switch {
	case t.opened && !t.faults && t.fail == nil:
		return nil, nil
	case !t.opened && t.lazy && t.fail == nil && t.snapshot != nil && !t.snapshot.faults:
		// Trusted until the opening, which checks it.
		t.assumed, t.assumedNoFaults = true, true
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

// UseFault is a conditional UPDATE, so two requests never take the last
// use of a fault both (the second waits for the first's row lock, then
// finds it used up or gone), and the fault goes with its last use.
func (t *tx) UseFault(id uuid.UUID) error {
	if err := t.update(`UPDATE faults SET remaining = CASE WHEN remaining > 0 THEN remaining - 1 ELSE remaining END
		WHERE tenant = $1 AND id = $2 AND remaining <> 0`, id); err != nil {
		return err
	}
	_, err := t.exec(`DELETE FROM faults WHERE tenant = $1 AND id = $2 AND remaining = 0`, id)
	return err
}

func (t *tx) DeleteFaults() error {
	_, err := t.exec(`DELETE FROM faults WHERE tenant = $1`)
	return err
}

// Record is one round trip after the tenant is known to exist: a batch,
// which Postgres runs as one implicit transaction, holding the tenant's
// lock shared (so a reset or a drop waits for it), inserting the entries
// with their times moved to the tenant's clock, trimming the journal and
// upserting the counters in key order (two concurrent calls lock the same
// rows in the same order and cannot deadlock).
func (s *Store) Record(ctx context.Context, tenant string, r store.Recording) error {
	if len(r.Journal) == 0 && len(r.Coverage) == 0 {
		return nil
	}
	if err := s.ensure(ctx, tenant); err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock_shared($1, hashtext($2))`, tenantLockClass, tenant)
	if n := len(r.Journal); n > 0 {
		// One statement for the whole batch, its entries as arrays: it
		// takes the next n numbers of the tenant's journal (one write at a
		// time: the tenant's row is locked), inserts the entries numbered
		// so in their order, with their times on the tenant's clock, and
		// deletes those the keep no longer holds. Nothing is written for a
		// tenant dropped meanwhile.
		var (
			ids, integrations  = make([]uuid.UUID, n), make([]*uuid.UUID, n)
			times              = make([]time.Time, n)
			requestIDs, methds = make([]string, n), make([]string, n)
			statuses           = make([]int32, n)
			latencies          = make([]int64, n)
			reqs, resps, notes = make([][]byte, n), make([][]byte, n), make([][]byte, n)
		)
		for i, e := range r.Journal {
			ids[i], integrations[i], times[i] = e.ID, e.IntegrationID, e.Time
			requestIDs[i], methds[i] = store.CleanText(e.RequestID), store.CleanText(e.Method)
			statuses[i], latencies[i] = int32(e.Status), int64(e.Latency)
			reqs[i], resps[i] = e.RequestBody, e.ResponseBody
			if e.Note != "" {
				notes[i] = []byte(e.Note)
			}
		}
		keep, from := int64(r.Keep), s.trims.from(tenant)
		if keep < 0 {
			keep, from = math.MaxInt64/2, 0 // keep all: the delete finds nothing
		}
		b.Queue(`WITH t AS (
				UPDATE tenants SET journal_n = journal_n + $12 WHERE tenant = $1 RETURNING journal_n, clock_offset),
			ins AS (
				INSERT INTO journal (tenant, n, id, time, request_id, method, status, latency, integration_id,
					request_body, response_body, note)
				SELECT $1, t.journal_n - $12 + e.i, e.id, e.time + (t.clock_offset / 1000) * interval '1 microsecond',
					e.request_id, e.method, e.status, e.latency, e.integration_id, e.request_body, e.response_body, e.note
				FROM t, unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::int[], $7::bigint[],
					$8::uuid[], $9::bytea[], $10::bytea[], $11::bytea[]) WITH ORDINALITY
					AS e(id, time, request_id, method, status, latency, integration_id, request_body, response_body, note, i))
			DELETE FROM journal WHERE tenant = $1
				AND n > (SELECT journal_n FROM t) - $12 - $13 - $14 AND n <= (SELECT journal_n FROM t) - $13`,
			tenant, ids, times, requestIDs, methds, statuses, latencies, integrations, reqs, resps, notes,
			int64(n), keep, from)
	}
	counts := map[string]int{}
	for k, n := range r.Coverage {
		counts[store.CleanText(k)] += n
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		b.Queue(`INSERT INTO coverage (tenant, key, count) SELECT $1, $2, $3 FROM tenants WHERE tenant = $1
			ON CONFLICT (tenant, key) DO UPDATE SET count = coverage.count + excluded.count`, tenant, k, counts[k])
	}
	return s.pool.SendBatch(ctx, b).Close()
}

// trims counts, per tenant, the journal writes here. A write deletes the
// entries it pushed out of the keep: the range of numbers just below it,
// not the whole tenant's range, whose deleted entries stay in the index
// until the table is vacuumed. Every trimsFromStart-th write deletes from
// the first number on, for what a larger keep (another instance's, or
// before a restart) left behind.
type trims struct {
	mu sync.Mutex
	n  map[string]int
}

// Bounds of trims: tenants counted (a full map starts over), and how often
// a write deletes from the first number.
const (
	maxTrims       = 4096
	trimsFromStart = 64
)

// from is how much further down than the numbers it pushes out of the
// keep a write of tenant deletes: nothing, or (the first write here, and
// every trimsFromStart-th) every number.
func (c *trims) from(tenant string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil || len(c.n) >= maxTrims {
		c.n = map[string]int{}
	}
	c.n[tenant]++
	if c.n[tenant]%trimsFromStart == 1 {
		return math.MaxInt64 / 4
	}
	return 0
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
			ORDER BY n DESC LIMIT $4) newest
		ORDER BY n`, tenant, store.CleanText(f.Method), f.Status, limit)
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
