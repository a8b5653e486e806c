package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Webhook endpoints and the delivery outbox.
//
// A state change writes its Event (Tx.AddEvent) and, in the same
// transaction, one Delivery per endpoint subscribed by each integration that
// should hear of it (Tx.InsertDelivery). The dispatcher then claims due
// deliveries across all tenants (Outbox.ClaimDeliveries), sends them, and
// records each attempt (Outbox.CompleteAttempt). A claimed delivery is
// in_flight under a lease; one whose lease ran out (its claimer crashed) is
// claimable again, so nothing is lost and, while a lease holds, nothing is
// sent twice.

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // waiting for NextAttemptAt
	DeliveryInFlight  = "in_flight" // claimed by a dispatcher until LeaseUntil
	DeliveryDelivered = "delivered" // a 2xx was received
	DeliveryFailed    = "failed"    // every attempt failed
)

// Endpoint is a URL an integration receives webhooks at.
type Endpoint struct {
	ID            uuid.UUID
	IntegrationID uuid.UUID
	URL           string
	CreatedAt     time.Time
}

// Delivery is one message to one endpoint, retried until delivered or failed.
type Delivery struct {
	ID            uuid.UUID
	Tenant        string // filled in by ClaimDeliveries; unset elsewhere
	EventID       uuid.UUID
	MessageID     uuid.UUID // the envelope's message_id, stable across retries
	Type          string    // the event type
	IntegrationID uuid.UUID // the receiving integration
	EndpointID    uuid.UUID
	URL           string
	ObjectType    string
	ObjectID      uuid.UUID
	Payload       []byte // the object as the receiving role reads it
	Attempts      int    // attempts made so far
	Status        string
	NextAttemptAt time.Time // on the tenant's clock
	LeaseUntil    time.Time // on the wall clock, while in_flight
	LastError     string
	CreatedAt     time.Time // on the tenant's clock
	UpdatedAt     time.Time // on the wall clock
}

// Attempt records one try at sending a delivery.
type Attempt struct {
	DeliveryID      uuid.UUID
	Number          int // 1-based
	At              time.Time
	StatusCode      int // 0 when no HTTP answer came
	Latency         time.Duration
	Error           string
	ResponseExcerpt string
	// Signature is the partly-hmac-sha256 header the attempt was sent with
	// (44 characters of base64); "" when nothing was sent.
	Signature string
}

// DeliveryFilter narrows Tx.Deliveries; zero values match everything.
type DeliveryFilter struct {
	IntegrationID *uuid.UUID
	Type          string
	Status        string
	Limit         int // 0: no limit
}

// SinkRecord is one request received by the built-in webhook sink.
type SinkRecord struct {
	ID             uuid.UUID
	ReceivedAt     time.Time
	Headers        map[string]string
	Body           []byte
	SignatureValid bool
	IntegrationID  *uuid.UUID // the integration the message was for, when known
}

// SinkCap is how many sink records a tenant keeps (the newest).
const SinkCap = 500

// OutboxTx is the per-tenant part of the outbox, inside a transaction.
type OutboxTx interface {
	InsertEndpoint(Endpoint) error
	// Endpoints lists an integration's endpoints, oldest first.
	Endpoints(integrationID uuid.UUID) ([]Endpoint, error)
	// DeleteEndpoint returns ErrNotFound when there is no such endpoint.
	DeleteEndpoint(id uuid.UUID) error

	InsertDelivery(Delivery) error
	Delivery(id uuid.UUID) (Delivery, error)
	// Deliveries lists deliveries, newest first.
	Deliveries(DeliveryFilter) ([]Delivery, error)
	// Attempts lists a delivery's attempts, first first.
	Attempts(deliveryID uuid.UUID) ([]Attempt, error)
	// RequeueDelivery makes a delivery pending again, due at `at` (a replay).
	// Its attempt count goes on from where it was.
	RequeueDelivery(id uuid.UUID, at time.Time) error

	// AddSinkRecord keeps the newest SinkCap records of the tenant.
	AddSinkRecord(SinkRecord) error
	// SinkRecords lists the sink's records, newest first.
	SinkRecords() ([]SinkRecord, error)
}

// Outbox is the cross-tenant part, used by the dispatcher.
type Outbox interface {
	// ClaimDeliveries marks up to limit due deliveries of any tenant
	// in_flight until now+lease (wall clock) and returns them, oldest due
	// first. Due: pending with NextAttemptAt at or before the tenant's clock,
	// or in_flight with an expired lease (a crashed claimer). Concurrent
	// claimers, in this process or another, never get the same delivery.
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]Delivery, error)
	// CompleteAttempt records attempt a of a claimed delivery and moves it to
	// status (pending, with the next try due at next; delivered; or failed).
	// It returns ErrNotFound when the delivery is no longer in_flight with
	// a.Number-1 attempts made (its lease ran out and another claimer took it).
	CompleteAttempt(ctx context.Context, tenant string, a Attempt, status string, next time.Time) error
	// Kick wakes the dispatchers of every instance (see Wakeups). Callers
	// kick after answering a call that wrote deliveries, so that nothing is
	// sent before the answer.
	Kick(ctx context.Context) error
	// Wakeups receives, coalesced, after any instance kicks.
	Wakeups() <-chan struct{}
}
