package webhooks

import (
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// Listeners (store.Listener) let a client the server cannot reach receive
// an integration's webhooks anyway: the listener's endpoint is the server's
// own inbox, and the client fetches what arrived there over a connection
// it opened itself (`mockserver listen`, like `stripe listen`). The
// deliveries are the ordinary ones, signed, retried and logged as for any
// endpoint; the client forwards their exact bytes.

// Bounds of listeners.
const (
	// MaxListeners is how many listeners a world may have at once.
	MaxListeners = 8
	// ListenIdle closes a listener nobody fetched from for this long (on
	// the wall clock: moving a world's clock does not age its listeners).
	ListenIdle = 5 * time.Minute
)

// ErrTooManyListeners: the world has MaxListeners listeners already.
var ErrTooManyListeners = errors.New("webhooks: the world has too many listeners")

// wallNow is the wall clock of a transaction (the tenant's clock less its
// offset).
func wallNow(tx store.Tx) time.Time { return tx.Now().Add(-tx.ClockOffset()) }

// Listen opens a listener for an integration, its endpoint at
// inboxURL(listener id), after closing the world's idle listeners. It
// returns store.ErrNotFound for an unknown integration,
// ErrTooManyListeners past MaxListeners and ErrTooManyEndpoints when the
// integration has maxEndpoints (a listener's endpoint is one of them); the
// URL must pass the policy.
func Listen(tx store.Tx, p Policy, maxEndpoints int, integrationID uuid.UUID, inboxURL func(uuid.UUID) string) (store.Listener, store.Integration, error) {
	ls, err := tx.Listeners()
	if err != nil {
		return store.Listener{}, store.Integration{}, err
	}
	now, open := wallNow(tx), 0
	for _, l := range ls {
		if now.Sub(l.SeenAt) > ListenIdle {
			if err := closeListener(tx, l); err != nil {
				return store.Listener{}, store.Integration{}, err
			}
			continue
		}
		open++
	}
	if open >= MaxListeners {
		return store.Listener{}, store.Integration{}, ErrTooManyListeners
	}
	id := uuid.New()
	ep, in, err := Subscribe(tx, p, maxEndpoints, integrationID, inboxURL(id))
	if err != nil {
		return store.Listener{}, in, err
	}
	l := store.Listener{ID: id, IntegrationID: in.ID, EndpointID: ep.ID, CreatedAt: now, SeenAt: now}
	return l, in, tx.InsertListener(l)
}

// closeListener removes a listener with its endpoint.
func closeListener(tx store.Tx, l store.Listener) error {
	if err := tx.DeleteEndpoint(l.EndpointID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return tx.DeleteListener(l.ID)
}

// live finds a listener still open: one idle too long, or whose endpoint
// was unsubscribed, is closed here (in a write transaction) and reported
// store.ErrNotFound like one that never was.
func live(tx store.Tx, id uuid.UUID, write bool) (store.Listener, error) {
	l, err := tx.Listener(id)
	if err != nil {
		return l, err
	}
	gone := wallNow(tx).Sub(l.SeenAt) > ListenIdle
	if !gone {
		eps, err := tx.Endpoints(l.IntegrationID)
		if err != nil {
			return l, err
		}
		gone = true
		for _, ep := range eps {
			if ep.ID == l.EndpointID {
				gone = false
				break
			}
		}
	}
	if !gone {
		return l, nil
	}
	if write {
		if err := closeListener(tx, l); err != nil {
			return l, err
		}
	}
	return l, store.ErrNotFound
}

// Inbox keeps a request the server's own inbox received for a listener
// and returns its number; store.ErrNotFound when the listener is closed.
func Inbox(tx store.Tx, id uuid.UUID, headers map[string]string, body []byte) (int64, error) {
	if _, err := live(tx, id, true); err != nil {
		return 0, err
	}
	return tx.AddListened(id, store.Listened{ReceivedAt: tx.Now(), Headers: headers, Body: body})
}

// Page is what one fetch returns.
type Page struct {
	Items []store.Listened
	// Missed counts messages after the cursor that were dropped (a
	// listener keeps a bounded number) before anyone fetched them.
	Missed int64
}

// Next is the cursor to fetch from next.
func (p Page) Next(after int64) int64 {
	if len(p.Items) == 0 {
		return after
	}
	return p.Items[len(p.Items)-1].Seq
}

// Poll marks a listener fetched from now and reads up to limit of its
// messages after the cursor; store.ErrNotFound when it is closed.
func Poll(tx store.Tx, id uuid.UUID, after int64, limit int) (Page, error) {
	if _, err := live(tx, id, true); err != nil {
		return Page{}, err
	}
	if err := tx.TouchListener(id, wallNow(tx)); err != nil {
		return Page{}, err
	}
	return fetch(tx, id, after, limit)
}

// Fetch is Poll for a read-only transaction, while a poll waits.
func Fetch(tx store.Tx, id uuid.UUID, after int64, limit int) (Page, error) {
	if _, err := live(tx, id, false); err != nil {
		return Page{}, err
	}
	return fetch(tx, id, after, limit)
}

func fetch(tx store.Tx, id uuid.UUID, after int64, limit int) (Page, error) {
	items, err := tx.ListenedAfter(id, after, limit)
	if err != nil || len(items) == 0 {
		return Page{Items: items}, err
	}
	return Page{Items: items, Missed: max(items[0].Seq-after-1, 0)}, nil
}

// Unlisten closes a listener and removes its endpoint; false when there
// was no such listener.
func Unlisten(tx store.Tx, id uuid.UUID) (bool, error) {
	l, err := tx.Listener(id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, closeListener(tx, l)
}
