package store

import (
	"time"

	"github.com/google/uuid"
)

// Listeners are pull subscriptions, for receivers the server cannot reach
// (one on the host of the container the server runs in). A listener owns
// one endpoint of an integration whose URL is the server's own listener
// inbox; what arrives there is kept, in order, for a client that fetches
// it over a connection of its own (`mockserver listen`).

// Listener is one pull subscription.
type Listener struct {
	ID            uuid.UUID
	IntegrationID uuid.UUID
	EndpointID    uuid.UUID
	CreatedAt     time.Time // wall clock
	SeenAt        time.Time // wall clock: when a client last fetched
}

// Listened is one request the inbox received for a listener: its headers
// and its body, exactly as they came.
type Listened struct {
	Seq        int64     // 1, 2, … within the listener, never reused
	ReceivedAt time.Time // the tenant's clock
	Headers    map[string]string
	Body       []byte
}

// Size is what a message counts against ListenKeepBytes: its body and its
// headers.
func (m Listened) Size() int {
	n := len(m.Body)
	for k, v := range m.Headers {
		n += len(k) + len(v)
	}
	return n
}

// What a listener keeps: its newest ListenKeep messages, and of those no
// more than ListenKeepBytes (by Size); the newest one is always kept.
const (
	ListenKeep      = 100
	ListenKeepBytes = 4 << 20
)

// ListenTx is the per-tenant part of listeners, inside a transaction.
type ListenTx interface {
	// InsertListener returns ErrConflict when the id exists.
	InsertListener(Listener) error
	Listener(id uuid.UUID) (Listener, error)
	// Listeners lists the tenant's listeners, oldest first.
	Listeners() ([]Listener, error)
	// TouchListener sets a listener's SeenAt.
	TouchListener(id uuid.UUID, seenAt time.Time) error
	// DeleteListener removes a listener and what it kept (its endpoint is
	// the caller's to remove).
	DeleteListener(id uuid.UUID) error
	// AddListened keeps m as the listener's next message: its Seq is one
	// past the last the listener ever kept (set here, and returned). The
	// oldest messages beyond what the listener keeps are dropped.
	// ErrNotFound when there is no such listener.
	AddListened(listener uuid.UUID, m Listened) (int64, error)
	// ListenedAfter lists up to limit of a listener's messages with Seq
	// greater than after, oldest first.
	ListenedAfter(listener uuid.UUID, after int64, limit int) ([]Listened, error)
}
