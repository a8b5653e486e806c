package webhooks

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/webhook"
)

// DefaultMaxEndpoints is how many endpoints an integration may have by
// default: each event costs a delivery per endpoint.
const DefaultMaxEndpoints = 20

// Limits bound the webhook state of a world; zero values take the
// defaults (DefaultMaxEndpoints, store.DefaultSinkRecords and
// DefaultSinkBytes).
type Limits struct {
	Endpoints int // per integration
	Sink      store.SinkLimits
}

// OrDefault fills the zero limits with the defaults.
func (l Limits) OrDefault() Limits {
	if l.Endpoints <= 0 {
		l.Endpoints = DefaultMaxEndpoints
	}
	l.Sink = l.Sink.OrDefault()
	return l
}

// ErrTooManyEndpoints: the integration has as many endpoints as Limits
// allow.
var ErrTooManyEndpoints = errors.New("webhooks: the integration has as many endpoints as it may")

// Subscribe adds url as an endpoint of an integration; subscribing a URL
// twice returns the first endpoint. It returns ErrBadURL or ErrNotLoopback
// for a URL the policy refuses, store.ErrNotFound for an unknown
// integration and ErrTooManyEndpoints when it has max endpoints already.
func Subscribe(tx store.Tx, p Policy, max int, integrationID uuid.UUID, url string) (store.Endpoint, store.Integration, error) {
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
	if len(eps) >= max {
		return store.Endpoint{}, in, ErrTooManyEndpoints
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
// whatever the verdict, within limits: the signature header is required,
// the signature must verify with the secret of the integration the envelope
// names, the timestamp must be within the window of the tenant's clock, and
// a message id accepted before (and still kept) is acknowledged as a
// duplicate.
func Sink(tx store.Tx, limits store.SinkLimits, headers map[string]string, body []byte) (SinkVerdict, error) {
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
		return v, tx.AddSinkRecord(v.Record, limits)
	}
	in, err := tx.Integration(head.IntegrationID)
	if errors.Is(err, store.ErrNotFound) {
		v.Reason = SinkUnknownIntegration
		return v, tx.AddSinkRecord(v.Record, limits)
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
		// Looked up by id: no stored body is read again.
		if v.Duplicate, err = tx.SinkAccepted(env.MessageID); err != nil {
			return v, err
		}
		v.Record.MessageID = env.MessageID
	}
	return v, tx.AddSinkRecord(v.Record, limits)
}

// SinkCursor is the opaque cursor of the sink page after the record with
// seq; ParseSinkCursor reads it back.
func SinkCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("sink:" + strconv.FormatInt(seq, 10)))
}

// ParseSinkCursor reads a SinkCursor; false when it is not one.
func ParseSinkCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(b), "sink:")
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseInt(n, 10, 64)
	return seq, err == nil && seq > 0
}
