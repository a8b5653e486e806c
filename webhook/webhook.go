// Package webhook verifies the webhooks of the Partly 2026-01 Integrations
// API (and of this mock) the way a receiver should: the signature over the
// exact raw body, compared in constant time, then the replay window.
//
//	body, _ := io.ReadAll(r.Body)
//	env, err := webhook.Verify(secret, body, r.Header.Get(webhook.SignatureHeader), time.Now())
//	if err != nil {
//		http.Error(w, err.Error(), http.StatusBadRequest)
//		return
//	}
//	// de-duplicate on env.MessageID, then act on env.Type and env.Payload
//
// It depends on the standard library only, so a receiver can copy it.
package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SignatureHeader carries base64(HMAC-SHA256(secret, raw body)).
const SignatureHeader = "partly-hmac-sha256"

// Tolerance is the replay window: a message whose timestamp is further than
// this from the receiver's clock is refused. The contract asks receivers to
// refuse messages older than 5 minutes; refusing ones as far in the future
// guards against a sender clock that runs ahead.
const Tolerance = 5 * time.Minute

// Errors returned by Verify; compare with errors.Is.
var (
	ErrMissingSignature = errors.New("webhook: signature header missing")
	ErrBadSignature     = errors.New("webhook: signature does not match the body")
	ErrMalformed        = errors.New("webhook: body is not a webhook envelope")
	// ErrStale comes with a correctly signed envelope whose timestamp is
	// outside the window; Verify still returns the envelope.
	ErrStale = errors.New("webhook: timestamp outside the 5 minute window")
)

// Object names what an event is about.
type Object struct {
	Type string `json:"type"` // "job" or "procurement"
	ID   string `json:"id"`
}

// Envelope is the body of every webhook, with its eight fields in the order
// they are sent.
type Envelope struct {
	// MessageID is stable across retries: de-duplicate on it.
	MessageID string `json:"message_id"`
	// Type is e.g. "repairer.job.inserted" or "supplier.procurement.order_confirmed".
	Type          string    `json:"type"`
	Timestamp     time.Time `json:"timestamp"`
	APIVersion    string    `json:"api_version"`
	IntegrationID string    `json:"integration_id"` // the receiving integration
	Attempt       int       `json:"attempt"`        // 1-based
	Object        Object    `json:"object"`
	// Payload is the object as the receiving integration's role reads it
	// (a JobV1 or a ProcurementV1).
	Payload json.RawMessage `json:"payload"`
}

// Sign computes the signature header value of a body.
func Sign(secret string, rawBody []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(rawBody)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks the signature of rawBody (the exact bytes received, before
// any JSON decoding) in constant time, decodes the envelope and checks its
// timestamp against now. On ErrStale the envelope is returned too.
func Verify(secret string, rawBody []byte, signatureHeader string, now time.Time) (Envelope, error) {
	if signatureHeader == "" {
		return Envelope{}, ErrMissingSignature
	}
	got, err := base64.StdEncoding.DecodeString(signatureHeader)
	if err != nil {
		return Envelope{}, ErrBadSignature
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(rawBody)
	if !hmac.Equal(got, m.Sum(nil)) {
		return Envelope{}, ErrBadSignature
	}
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(rawBody))
	if err := dec.Decode(&env); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if env.MessageID == "" || env.Type == "" || env.Timestamp.IsZero() {
		return Envelope{}, fmt.Errorf("%w: message_id, type and timestamp are required", ErrMalformed)
	}
	if d := now.Sub(env.Timestamp); d > Tolerance || d < -Tolerance {
		return env, ErrStale
	}
	return env, nil
}
