package webhooks

import (
	"encoding/json"
	"errors"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/webhook"
)

// Subscribe adds url as an endpoint of an integration; subscribing a URL
// twice returns the first endpoint. It returns ErrBadURL or ErrNotLoopback
// for a URL the policy refuses and store.ErrNotFound for an unknown
// integration.
func Subscribe(tx store.Tx, p Policy, integrationID uuid.UUID, url string) (store.Endpoint, store.Integration, error) {
	if err := p.Check(url); err != nil {
		return store.Endpoint{}, store.Integration{}, err
	}
	in, err := tx.Integration(integrationID)
	if err != nil {
		return store.Endpoint{}, store.Integration{}, err
	}
	eps, err := tx.Endpoints(in.ID)
	if err != nil {
		return store.Endpoint{}, in, err
	}
	for _, ep := range eps {
		if ep.URL == url {
			return ep, in, nil
		}
	}
	ep := store.Endpoint{ID: uuid.New(), IntegrationID: in.ID, URL: url, CreatedAt: tx.Now()}
	return ep, in, tx.InsertEndpoint(ep)
}

// UnsubscribeURL removes an integration's endpoints with that URL and says
// how many there were.
func UnsubscribeURL(tx store.Tx, integrationID uuid.UUID, url string) (int, error) {
	eps, err := tx.Endpoints(integrationID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ep := range eps {
		if ep.URL == url {
			if err := tx.DeleteEndpoint(ep.ID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// Replay makes a delivery due again now; its attempts go on counting. A
// delivery being sent right now is left alone (a *store.StatusError).
// Kick the dispatchers after the transaction commits.
func Replay(tx store.Tx, id uuid.UUID) (store.Delivery, error) {
	d, err := tx.Delivery(id)
	if err != nil {
		return d, err
	}
	if d.Status == store.DeliveryInFlight {
		return d, &store.StatusError{Status: d.Status}
	}
	if err := tx.RequeueDelivery(id, tx.Now()); err != nil {
		return d, err
	}
	return tx.Delivery(id)
}

// Sink verdicts: why the built-in sink refused a message ("" = accepted).
const (
	SinkMissingSignature   = "missing_signature"
	SinkBadBody            = "bad_body"
	SinkUnknownIntegration = "unknown_integration"
	SinkBadSignature       = "bad_signature"
	SinkStaleTimestamp     = "stale_timestamp"
)

// SinkVerdict is how the sink answered one message.
type SinkVerdict struct {
	Record    store.SinkRecord
	Reason    string // "" when accepted
	Duplicate bool   // accepted before: acknowledged, not processed again
}

// Sink receives a message the way a correct receiver does, and records it
// whatever the verdict: the signature header is required, the signature must
// verify with the secret of the integration the envelope names, the
// timestamp must be within the window of the tenant's clock, and a message
// id accepted before is acknowledged as a duplicate.
func Sink(tx store.Tx, headers map[string]string, body []byte) (SinkVerdict, error) {
	now := tx.Now()
	v := SinkVerdict{Record: store.SinkRecord{ID: uuid.New(), ReceivedAt: now, Headers: headers, Body: body}}
	var head struct {
		IntegrationID uuid.UUID `json:"integration_id"`
	}
	sig := headers[webhook.SignatureHeader]
	switch {
	case sig == "":
		v.Reason = SinkMissingSignature
	case json.Unmarshal(body, &head) != nil || head.IntegrationID == uuid.Nil:
		v.Reason = SinkBadBody
	}
	if v.Reason != "" {
		return v, tx.AddSinkRecord(v.Record)
	}
	in, err := tx.Integration(head.IntegrationID)
	if errors.Is(err, store.ErrNotFound) {
		v.Reason = SinkUnknownIntegration
		return v, tx.AddSinkRecord(v.Record)
	}
	if err != nil {
		return v, err
	}
	v.Record.IntegrationID = &in.ID
	env, err := webhook.Verify(in.WebhookSecret, body, sig, now)
	v.Record.SignatureValid = err == nil || errors.Is(err, webhook.ErrStale)
	switch {
	case errors.Is(err, webhook.ErrStale):
		v.Reason = SinkStaleTimestamp
	case errors.Is(err, webhook.ErrMalformed):
		v.Reason = SinkBadBody
	case err != nil:
		v.Reason = SinkBadSignature
	}
	if v.Reason == "" {
		prev, err := tx.SinkRecords()
		if err != nil {
			return v, err
		}
		for _, r := range prev {
			if accepted(r) == env.MessageID {
				v.Duplicate = true
				break
			}
		}
	}
	return v, tx.AddSinkRecord(v.Record)
}

// accepted is the message id of a record the sink accepted, or "".
func accepted(r store.SinkRecord) string {
	if !r.SignatureValid {
		return ""
	}
	var env webhook.Envelope
	if json.Unmarshal(r.Body, &env) != nil {
		return ""
	}
	if d := r.ReceivedAt.Sub(env.Timestamp); d > webhook.Tolerance || d < -webhook.Tolerance {
		return ""
	}
	return env.MessageID
}
