package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// ProbeTimeout bounds each of the probe's requests.
const ProbeTimeout = 5 * time.Second

// ProbeCheck is one message the probe sent and how the receiver took it.
type ProbeCheck struct {
	Name       string // signed, forged_signature, stale_timestamp, duplicate
	Expect     string // accept (2xx) or reject (4xx)
	MessageID  uuid.UUID
	StatusCode int    // 0 when no answer came
	Error      string // why no answer came
	Excerpt    string
	Passed     bool
	Detail     string // what the verdict means
}

// Probe sends a receiver four messages about sample, as the integration
// would get them, and judges each answer: a correctly signed message must be
// accepted (2xx); one with a forged signature and one whose timestamp is
// older than 5 minutes must be rejected (4xx: a 5xx would make a real sender
// retry it); the first message sent again (same message_id, next attempt)
// must be accepted, and the receiver should not act on it twice, which the
// probe cannot see. now is the tenant's clock, as on real deliveries.
func (s *Sender) Probe(ctx context.Context, url, tenant string, in store.Integration, sample store.Event, now time.Time) ([]ProbeCheck, error) {
	d := store.Delivery{
		MessageID: uuid.New(), Type: sample.Type, IntegrationID: in.ID,
		ObjectType: sample.ObjectType, ObjectID: sample.ObjectID, Payload: sample.Payload,
	}
	var forged [16]byte
	_, _ = rand.Read(forged[:])
	type msg struct {
		name, expect string
		msgID        uuid.UUID
		attempt      int
		at           time.Time
		secret       string
	}
	first := d.MessageID
	msgs := []msg{
		{"signed", "accept", first, 1, now, in.WebhookSecret},
		{"forged_signature", "reject", uuid.New(), 1, now, "pwh_" + hex.EncodeToString(forged[:])},
		{"stale_timestamp", "reject", uuid.New(), 1, now.Add(-10 * time.Minute), in.WebhookSecret},
		{"duplicate", "accept", first, 2, now, in.WebhookSecret},
	}
	out := make([]ProbeCheck, len(msgs))
	for i, m := range msgs {
		d.MessageID = m.msgID
		body, err := Envelope(d, m.attempt, m.at)
		if err != nil {
			return nil, err
		}
		rctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
		res := s.Send(rctx, url, tenant, body, Sign(m.secret, body))
		cancel()
		c := ProbeCheck{Name: m.name, Expect: m.expect, MessageID: m.msgID,
			StatusCode: res.StatusCode, Error: res.Err, Excerpt: res.Excerpt}
		c.Passed, c.Detail = judge(m.name, m.expect, res)
		out[i] = c
	}
	return out, nil
}

func judge(name, expect string, res Result) (bool, string) {
	code := res.StatusCode
	switch {
	case code == 0:
		return false, "no answer: " + res.Err
	case expect == "accept" && res.OK() && name == "duplicate":
		return true, "acknowledged the repeated message_id; make sure it was not processed twice"
	case expect == "accept" && res.OK():
		return true, "accepted a correctly signed message"
	case expect == "accept":
		return false, fmt.Sprintf("answered %d to a message it should accept: the sender would retry it", code)
	case code >= 400 && code < 500:
		return true, fmt.Sprintf("rejected it with %d", code)
	case res.OK():
		return false, fmt.Sprintf("accepted it (%d): a receiver must verify the signature and the timestamp before acting", code)
	default:
		return false, fmt.Sprintf("answered %d: reject with a 4xx, a sender retries anything else", code)
	}
}
