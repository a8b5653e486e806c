package webhook_test

import (
	"errors"
	"testing"
	"time"

	"github.com/partifact/mockserver/webhook"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	const secret = "pwh_5e0c1d2a3b4c5d6e7f8091a2b3c4d5e6"
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	body := func(ts string) []byte {
		return []byte(`{"message_id":"6f1c0000-0000-4000-8000-000000000001","type":"repairer.job.inserted","timestamp":"` + ts +
			`","api_version":"2026-01","integration_id":"0c000000-0000-4000-8000-000000000001","attempt":1,` +
			`"object":{"type":"job","id":"6f1c0000-0000-4000-8000-000000000002"},"payload":{"id":"6f1c0000-0000-4000-8000-000000000002"}}`)
	}
	fresh := body("2026-01-15T09:58:00Z")
	for _, tc := range []struct {
		name   string
		body   []byte
		header string
		want   error
	}{
		{"OK", fresh, webhook.Sign(secret, fresh), nil},
		{"OKSlightlyAhead", body("2026-01-15T10:04:00Z"), webhook.Sign(secret, body("2026-01-15T10:04:00Z")), nil},
		{"ErrMissing", fresh, "", webhook.ErrMissingSignature},
		{"ErrNotBase64", fresh, "not base64!", webhook.ErrBadSignature},
		{"ErrWrongSecret", fresh, webhook.Sign("pwh_other", fresh), webhook.ErrBadSignature},
		{"ErrTampered", append(fresh[:len(fresh)-2:len(fresh)-2], ` }`...), webhook.Sign(secret, fresh), webhook.ErrBadSignature},
		{"ErrStale", body("2026-01-15T09:54:59Z"), webhook.Sign(secret, body("2026-01-15T09:54:59Z")), webhook.ErrStale},
		{"ErrFuture", body("2026-01-15T10:05:01Z"), webhook.Sign(secret, body("2026-01-15T10:05:01Z")), webhook.ErrStale},
		{"ErrNotJSON", []byte("hello"), webhook.Sign(secret, []byte("hello")), webhook.ErrMalformed},
		{"ErrNoTimestamp", []byte(`{"message_id":"m","type":"t"}`), webhook.Sign(secret, []byte(`{"message_id":"m","type":"t"}`)), webhook.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := webhook.Verify(secret, tc.body, tc.header, now)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if (err == nil || errors.Is(err, webhook.ErrStale)) && env.MessageID != "6f1c0000-0000-4000-8000-000000000001" {
				t.Fatalf("envelope %+v", env)
			}
		})
	}
}

func TestSignIsBase64HMAC(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
	got := webhook.Sign("key", []byte("The quick brown fox jumps over the lazy dog"))
	if want := "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
