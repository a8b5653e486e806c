// Package webhooks sends the API's webhooks: the fan-out that writes one
// outbox delivery per subscribed endpoint in the transaction of the state
// change, the envelope and its signature, the URL policy (loopback only
// unless widened), the dispatcher that claims and sends due deliveries with
// retries, and the sandbox's subscriptions, sink and receiver probe. It knows
// the store and the public webhook package, never the HTTP edge or the
// wire methods.
package webhooks

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/webhook"
)

// APIVersion is the envelope's api_version.
const APIVersion = "2026-01"

// UserAgent names the mock on every request it sends to a receiver.
const UserAgent = "partly-mock-webhooks/" + APIVersion

// TenantHeader tells the built-in sink which world a delivery came from;
// deliveries of the shared world do not carry it.
const TenantHeader = "x-partifact-tenant"

// envelope is the wire body. The field order is the contract's; the payload
// is inserted as the exact bytes stored with the delivery.
type envelope struct {
	MessageID     uuid.UUID       `json:"message_id"`
	Type          string          `json:"type"`
	Timestamp     string          `json:"timestamp"`
	APIVersion    string          `json:"api_version"`
	IntegrationID uuid.UUID       `json:"integration_id"`
	Attempt       int             `json:"attempt"`
	Object        object          `json:"object"`
	Payload       json.RawMessage `json:"payload"`
}

type object struct {
	Type string    `json:"type"`
	ID   uuid.UUID `json:"id"`
}

// Envelope renders the body of one attempt of a delivery, stamped with now
// (the tenant's clock). It fails only when the stored payload is not JSON.
// Like the API's answers it does not escape <, > and & (Go's default would
// turn the payload's "&" into "\u0026", also inside the raw payload).
func Envelope(d store.Delivery, attempt int, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(envelope{
		MessageID: d.MessageID, Type: d.Type, Timestamp: now.UTC().Format(time.RFC3339),
		APIVersion: APIVersion, IntegrationID: d.IntegrationID, Attempt: attempt,
		Object: object{Type: d.ObjectType, ID: d.ObjectID}, Payload: json.RawMessage(d.Payload),
	})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// Sign is the partly-hmac-sha256 header of a body.
func Sign(secret string, body []byte) string { return webhook.Sign(secret, body) }
