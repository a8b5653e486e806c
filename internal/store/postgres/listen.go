package postgres

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

func (t *tx) InsertListener(l store.Listener) error {
	return t.insert(`INSERT INTO listeners (tenant, id, integration_id, endpoint_id, created_at, seen_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, l.ID, l.IntegrationID, l.EndpointID, l.CreatedAt, l.SeenAt)
}

func scanListener(r scanner) (store.Listener, error) {
	var l store.Listener
	err := r.Scan(&l.ID, &l.IntegrationID, &l.EndpointID, &l.CreatedAt, &l.SeenAt)
	utc(&l.CreatedAt, &l.SeenAt)
	return l, err
}

func (t *tx) Listener(id uuid.UUID) (store.Listener, error) {
	return get(t, scanListener, `SELECT id, integration_id, endpoint_id, created_at, seen_at FROM listeners
		WHERE tenant = $1 AND id = $2`, id)
}

func (t *tx) Listeners() ([]store.Listener, error) {
	return list(t, scanListener, `SELECT id, integration_id, endpoint_id, created_at, seen_at FROM listeners
		WHERE tenant = $1 ORDER BY ord`)
}

func (t *tx) TouchListener(id uuid.UUID, seenAt time.Time) error {
	return t.update(`UPDATE listeners SET seen_at = $3 WHERE tenant = $1 AND id = $2`, id, seenAt)
}

func (t *tx) DeleteListener(id uuid.UUID) error {
	if _, err := t.exec(`DELETE FROM listened WHERE tenant = $1 AND listener_id = $2`, id); err != nil {
		return err
	}
	return t.update(`DELETE FROM listeners WHERE tenant = $1 AND id = $2`, id)
}

// AddListened numbers the message under the listener row's lock, so
// concurrent receivers take turns, then drops what the listener no longer
// keeps: counted from the newest, rows past ListenKeep or past
// ListenKeepBytes (the new row itself always stays).
func (t *tx) AddListened(id uuid.UUID, m store.Listened) (int64, error) {
	headers, err := json.Marshal(m.Headers)
	if err != nil {
		return 0, err
	}
	if m.Body == nil {
		m.Body = []byte{} // an empty body, not an absent one
	}
	seq, err := get(t, func(r scanner) (int64, error) {
		var n int64
		return n, r.Scan(&n)
	}, `UPDATE listeners SET last_seq = last_seq + 1 WHERE tenant = $1 AND id = $2 RETURNING last_seq`, id)
	if err != nil {
		return 0, err
	}
	if err := t.insert(`INSERT INTO listened (tenant, listener_id, seq, received_at, headers, body, size)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, seq, m.ReceivedAt, headers, m.Body, m.Size()); err != nil {
		return 0, err
	}
	_, err = t.exec(`DELETE FROM listened WHERE tenant = $1 AND listener_id = $2 AND seq < $3 AND seq <= (
		SELECT seq FROM (
			SELECT seq, count(*) OVER w AS n, sum(size) OVER w AS total FROM listened
			WHERE tenant = $1 AND listener_id = $2 WINDOW w AS (ORDER BY seq DESC)) kept
		WHERE n > $4 OR total > $5 ORDER BY seq DESC LIMIT 1)`, id, seq, store.ListenKeep, store.ListenKeepBytes)
	return seq, err
}

func (t *tx) ListenedAfter(id uuid.UUID, after int64, limit int) ([]store.Listened, error) {
	return list(t, func(r scanner) (store.Listened, error) {
		var m store.Listened
		var headers []byte
		if err := r.Scan(&m.Seq, &m.ReceivedAt, &headers, &m.Body); err != nil {
			return m, err
		}
		utc(&m.ReceivedAt)
		return m, json.Unmarshal(headers, &m.Headers)
	}, `SELECT seq, received_at, headers, body FROM listened
		WHERE tenant = $1 AND listener_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`, id, after, max(limit, 0))
}
