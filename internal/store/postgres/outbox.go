package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/partifact/mockserver/internal/store"
)

func (t *tx) InsertEndpoint(e store.Endpoint) error {
	t.wroteCached = true
	return t.insert(`INSERT INTO endpoints (tenant, id, integration_id, url, created_at) VALUES ($1, $2, $3, $4, $5)`,
		e.ID, e.IntegrationID, e.URL, e.CreatedAt)
}

const endpointCols = `id, integration_id, url, created_at`

func scanEndpoint(r scanner) (store.Endpoint, error) {
	var e store.Endpoint
	err := r.Scan(&e.ID, &e.IntegrationID, &e.URL, &e.CreatedAt)
	utc(&e.CreatedAt)
	return e, err
}

func (t *tx) Endpoints(integration uuid.UUID) ([]store.Endpoint, error) {
	if s := t.snap(); s != nil {
		return s.endpointsOf(integration), nil
	}
	return list(t, scanEndpoint, `SELECT `+endpointCols+` FROM endpoints WHERE tenant = $1 AND integration_id = $2 ORDER BY seq`, integration)
}

func (t *tx) DeleteEndpoint(id uuid.UUID) error {
	t.wroteCached = true
	return t.update(`DELETE FROM endpoints WHERE tenant = $1 AND id = $2`, id)
}

const deliveryCols = `id, event_id, message_id, type, integration_id, endpoint_id, url, object_type, object_id,
	payload, attempts, status, next_attempt_at, lease_until, last_error, created_at, updated_at`

func scanDelivery(r scanner) (store.Delivery, error) {
	var d store.Delivery
	err := r.Scan(&d.ID, &d.EventID, &d.MessageID, &d.Type, &d.IntegrationID, &d.EndpointID, &d.URL, &d.ObjectType,
		&d.ObjectID, &d.Payload, &d.Attempts, &d.Status, &d.NextAttemptAt, &d.LeaseUntil, &d.LastError,
		&d.CreatedAt, &d.UpdatedAt)
	utc(&d.NextAttemptAt, &d.LeaseUntil, &d.CreatedAt, &d.UpdatedAt)
	return d, err
}

func (t *tx) InsertDelivery(d store.Delivery) error {
	return t.insert(`INSERT INTO deliveries (tenant, `+deliveryCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		d.ID, d.EventID, d.MessageID, d.Type, d.IntegrationID, d.EndpointID, d.URL, d.ObjectType, d.ObjectID,
		d.Payload, d.Attempts, d.Status, d.NextAttemptAt, d.LeaseUntil, d.LastError, d.CreatedAt, d.UpdatedAt)
}

func (t *tx) Delivery(id uuid.UUID) (store.Delivery, error) {
	return get(t, scanDelivery, `SELECT `+deliveryCols+` FROM deliveries WHERE tenant = $1 AND id = $2`, id)
}

func (t *tx) Deliveries(f store.DeliveryFilter) ([]store.Delivery, error) {
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	return list(t, scanDelivery, `SELECT `+deliveryCols+` FROM deliveries
		WHERE tenant = $1 AND ($2::uuid IS NULL OR integration_id = $2) AND ($3 = '' OR type = $3) AND ($4 = '' OR status = $4)
		ORDER BY seq DESC LIMIT $5`, f.IntegrationID, f.Type, f.Status, limit)
}

func (t *tx) Attempts(id uuid.UUID) ([]store.Attempt, error) {
	return list(t, scanAttempt, `SELECT delivery_id, number, at, status_code, latency, error, response_excerpt, signature
		FROM attempts WHERE tenant = $1 AND delivery_id = $2 ORDER BY number`, id)
}

func scanAttempt(r scanner) (store.Attempt, error) {
	var a store.Attempt
	var latency int64
	err := r.Scan(&a.DeliveryID, &a.Number, &a.At, &a.StatusCode, &latency, &a.Error, &a.ResponseExcerpt, &a.Signature)
	a.Latency = time.Duration(latency)
	utc(&a.At)
	return a, err
}

func (t *tx) RequeueDelivery(id uuid.UUID, at time.Time) error {
	return t.update(`UPDATE deliveries SET status = 'pending', next_attempt_at = $3, lease_until = $4
		WHERE tenant = $1 AND id = $2`, id, at, time.Time{})
}

// AddSinkRecord inserts the record and adds it to the totals on the
// tenant's row, which the write locks, so concurrent adds take turns; when
// over a limit, the oldest records go, a few per statement.
func (t *tx) AddSinkRecord(r store.SinkRecord, l store.SinkLimits) error {
	l = l.OrDefault()
	headers, err := json.Marshal(r.Headers)
	if err != nil {
		return err
	}
	var msg *string
	if r.MessageID != "" {
		msg = &r.MessageID
	}
	if err := t.insert(`INSERT INTO sink_records (tenant, id, received_at, headers, body, signature_valid, integration_id,
		size, message_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.ID, r.ReceivedAt, headers, r.Body, r.SignatureValid, r.IntegrationID, r.Size(), msg); err != nil {
		return err
	}
	bytes, count, err := t.sinkTotals(`UPDATE tenants SET sink_bytes = sink_bytes + $2, sink_count = sink_count + 1
		WHERE tenant = $1 RETURNING sink_bytes, sink_count`, r.Size())
	for err == nil && (bytes > int64(l.Bytes) || count > l.Records) {
		bytes, count, err = t.sinkTotals(`WITH oldest AS (
			SELECT seq, size, sum(size) OVER (ORDER BY seq) AS freed, row_number() OVER (ORDER BY seq) AS n
			FROM (SELECT seq, size FROM sink_records WHERE tenant = $1 ORDER BY seq LIMIT 16) o),
		gone AS (
			DELETE FROM sink_records s USING oldest
			WHERE s.tenant = $1 AND s.seq = oldest.seq AND (oldest.n <= $2 OR oldest.freed - oldest.size < $3)
			RETURNING s.size)
		UPDATE tenants SET sink_bytes = sink_bytes - (SELECT coalesce(sum(size), 0) FROM gone),
			sink_count = sink_count - (SELECT count(*) FROM gone)
		WHERE tenant = $1 RETURNING sink_bytes, sink_count`, count-l.Records, bytes-int64(l.Bytes))
	}
	return err
}

func (t *tx) sinkTotals(sql string, args ...any) (bytes int64, count int, err error) {
	err = t.do(sql, args, func(br results) error { return br.QueryRow().Scan(&bytes, &count) })
	return bytes, count, err
}

func (t *tx) SinkAccepted(messageID string) (bool, error) {
	return get(t, func(r scanner) (bool, error) {
		var ok bool
		err := r.Scan(&ok)
		return ok, err
	}, `SELECT EXISTS (SELECT 1 FROM sink_records WHERE tenant = $1 AND message_id = $2)`, messageID)
}

func (t *tx) SinkRecords(p store.SinkPage) ([]store.SinkRecord, error) {
	var limit *int
	if p.Limit > 0 {
		limit = &p.Limit
	}
	recs, err := list(t, func(s scanner) (store.SinkRecord, error) {
		var r store.SinkRecord
		var headers []byte
		var msg *string
		err := s.Scan(&r.ID, &r.Seq, &r.ReceivedAt, &headers, &r.Body, &r.SignatureValid, &r.IntegrationID, &msg)
		if err != nil {
			return r, err
		}
		if msg != nil {
			r.MessageID = *msg
		}
		utc(&r.ReceivedAt)
		return r, json.Unmarshal(headers, &r.Headers)
	}, `SELECT id, seq, received_at, headers, body, signature_valid, integration_id, message_id FROM sink_records
		WHERE tenant = $1 AND ($2 = 0 OR seq < $2) ORDER BY seq DESC LIMIT $3`, p.Before, limit)
	return store.SinkPageBytes(recs, p.MaxBytes), err
}

// dueSQL says a delivery d of a tenant t is due.
const dueSQL = `d.status IN ('pending', 'in_flight')
	AND ((d.status = 'pending' AND d.next_attempt_at <= now() + (t.clock_offset / 1000) * interval '1 microsecond')
	  OR (d.status = 'in_flight' AND d.lease_until < now()))`

// ClaimDeliveries claims in one statement: rows another claimer holds are
// skipped (SKIP LOCKED), so concurrent claimers in any instance never get
// the same delivery; the locking query checks due again, on the row as it
// is once locked. Due is judged by each tenant's own clock. With a
// per-tenant limit, the oldest due deliveries (a window of 16 per delivery
// wanted) are ranked within their tenant first.
func (s *Store) ClaimDeliveries(ctx context.Context, c store.Claim) ([]store.Delivery, error) {
	var limit, window *int
	if c.Limit > 0 {
		limit = &c.Limit
		if c.PerTenant > 0 {
			w := 16 * c.Limit
			window = &w
		} else {
			window = limit
		}
	}
	skipTenants, skipEndpoints := c.SkipTenants, c.SkipEndpoints
	if skipTenants == nil {
		skipTenants = []string{}
	}
	if skipEndpoints == nil {
		skipEndpoints = []uuid.UUID{}
	}
	rows, err := s.pool.Query(ctx, `WITH scan AS (
		SELECT d.tenant AS s_tenant, d.id AS s_id, d.next_attempt_at AS s_next, d.seq AS s_seq
		FROM deliveries d JOIN tenants t ON t.tenant = d.tenant
		WHERE `+dueSQL+`
		  AND d.tenant <> ALL($3::text[]) AND d.endpoint_id <> ALL($4::uuid[])
		ORDER BY d.next_attempt_at, d.seq
		LIMIT $5),
	ranked AS (
		SELECT *, row_number() OVER (PARTITION BY s_tenant ORDER BY s_next, s_seq) AS s_rank FROM scan),
	due AS (
		SELECT d.tenant AS due_tenant, d.id AS due_id
		FROM deliveries d JOIN ranked r ON d.tenant = r.s_tenant AND d.id = r.s_id JOIN tenants t ON t.tenant = d.tenant
		WHERE ($6 = 0 OR r.s_rank <= $6) AND `+dueSQL+`
		ORDER BY r.s_next, r.s_seq
		LIMIT $1
		FOR UPDATE OF d SKIP LOCKED)
	UPDATE deliveries d SET status = 'in_flight', lease_until = now() + $2 * interval '1 microsecond', updated_at = now()
	FROM due WHERE d.tenant = due_tenant AND d.id = due_id
	RETURNING d.tenant, `+deliveryCols, limit, c.Lease.Microseconds(), skipTenants, skipEndpoints, window, c.PerTenant)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Delivery, error) {
		var tenant string
		d, err := scanDelivery(prefixScanner{r, &tenant})
		d.Tenant = tenant
		return d, err
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b store.Delivery) int { return a.NextAttemptAt.Compare(b.NextAttemptAt) })
	return out, nil
}

// DeferEndpoint moves, in one statement, the endpoint's pending deliveries
// due sooner than d from the tenant's now.
func (s *Store) DeferEndpoint(ctx context.Context, tenant string, endpoint uuid.UUID, d time.Duration) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE deliveries d
		SET next_attempt_at = now() + ((t.clock_offset / 1000) + $3) * interval '1 microsecond', updated_at = now()
		FROM tenants t
		WHERE t.tenant = d.tenant AND d.tenant = $1 AND d.endpoint_id = $2 AND d.status = 'pending'
		  AND d.next_attempt_at < now() + ((t.clock_offset / 1000) + $3) * interval '1 microsecond'`,
		tenant, endpoint, d.Microseconds())
	return int(tag.RowsAffected()), err
}

// prefixScanner scans a leading column into first, the rest as usual.
type prefixScanner struct {
	r     scanner
	first any
}

func (p prefixScanner) Scan(dest ...any) error { return p.r.Scan(append([]any{p.first}, dest...)...) }

// CompleteAttempt is one statement: the delivery moves on and the attempt
// is recorded only if the delivery is still in flight at the expected
// attempt, which is how a claimer whose lease ran out finds it lost.
func (s *Store) CompleteAttempt(ctx context.Context, tenant string, a store.Attempt, status string, next time.Time) error {
	tag, err := s.pool.Exec(ctx, `WITH d AS (
		UPDATE deliveries SET attempts = $3, status = $4, next_attempt_at = $5, lease_until = $6,
			last_error = $7, updated_at = now()
		WHERE tenant = $1 AND id = $2 AND status = 'in_flight' AND attempts = $3 - 1
		RETURNING tenant)
	INSERT INTO attempts (tenant, delivery_id, number, at, status_code, latency, error, response_excerpt, signature)
	SELECT tenant, $2, $3, $8, $9, $10, $7, $11, $12 FROM d`,
		tenant, a.DeliveryID, a.Number, status, next, time.Time{}, a.Error, a.At, a.StatusCode, int64(a.Latency), a.ResponseExcerpt,
		a.Signature)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// Kick notifies every instance listening on the database, this one too.
func (s *Store) Kick(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `SELECT pg_notify($1, '')`, notifyChannel)
	return err
}

func (s *Store) Wakeups() <-chan struct{} { return s.wake }

// subscribe opens the connection that LISTENs for wakeups.
func subscribe(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		_ = conn.Close(ctx)
		return nil, err
	}
	return conn, nil
}

// listen feeds Wakeups from conn's notifications, reconnecting after
// failures. After a reconnect it wakes the dispatcher once, since
// notifications sent while it was away are lost.
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig, conn *pgx.Conn) {
	defer s.wg.Done()
	backoff := 100 * time.Millisecond
	for {
		var err error
		for err == nil {
			if _, err = conn.WaitForNotification(ctx); err == nil {
				s.wakeup()
			}
		}
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = conn.Close(cctx)
		cancel()
		for conn = nil; conn == nil; {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
				backoff = min(2*backoff, 5*time.Second)
			}
			if conn, err = subscribe(ctx, cfg); err == nil {
				backoff = 100 * time.Millisecond
				s.wakeup()
			}
		}
	}
}

// wakeup coalesces: one pending wakeup stands for any number of kicks.
func (s *Store) wakeup() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
