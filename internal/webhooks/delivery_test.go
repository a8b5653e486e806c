package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/webhooks"
	"github.com/partifact/mockserver/webhook"
)

var (
	docOnce sync.Once
	doc     *spec.Doc
	docErr  error
)

// checkEnvelope validates a delivered body against its event's schema in
// the webhooks section of openapi.json.
func checkEnvelope(t *testing.T, r received) {
	t.Helper()
	docOnce.Do(func() { doc, docErr = spec.Load() })
	if docErr != nil {
		t.Fatal(docErr)
	}
	item := doc.Webhooks[r.env.Type]
	if item == nil || item.Post == nil {
		t.Fatalf("openapi.json documents no webhook %q", r.env.Type)
	}
	schema := item.Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatal(err)
	}
	if problems := spec.Validate(schema, v, false); len(problems) > 0 {
		t.Fatalf("%s does not match its schema: %v\n%s", r.env.Type, problems, r.body)
	}
}

// verifyLikeAReceiver checks the signature with nothing but the standard
// library, over the raw bytes, as a receiver would.
func verifyLikeAReceiver(t *testing.T, secret string, r received) {
	t.Helper()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(r.body)
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	if got := r.header.Get("partly-hmac-sha256"); !hmac.Equal([]byte(got), []byte(want)) {
		t.Fatalf("signature %q, want %q", got, want)
	}
}

func TestSignedDelivery(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, base app.Config) {
		s := start(t, base)
		rc := newReceiver(t, nil)
		secret := s.subscribe("signed", seed.RepairerIntegrationID, rc.srv.URL+"/hooks")
		if secret != seed.RepairerWebhookSecret {
			t.Fatalf("secret %q, want the seeded %q", secret, seed.RepairerWebhookSecret)
		}
		if code := s.insertJob("signed", "SIGNED-1"); code != 200 {
			t.Fatalf("jobs.insert: %d", code)
		}
		r := rc.next(t)
		verifyLikeAReceiver(t, secret, r)
		checkEnvelope(t, r)
		if ct, ua := r.header.Get("Content-Type"), r.header.Get("User-Agent"); ct != "application/json" || ua != "partly-mock-webhooks/2026-01" {
			t.Fatalf("content-type %q, user-agent %q", ct, ua)
		}
		env, err := webhook.Verify(secret, r.body, r.header.Get(webhook.SignatureHeader), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]json.RawMessage
		_ = json.Unmarshal(r.body, &keys)
		if len(keys) != 8 || env.Type != "repairer.job.inserted" || env.Attempt != 1 || env.APIVersion != "2026-01" ||
			env.IntegrationID != seed.RepairerIntegrationID.String() || env.Object.Type != "job" {
			t.Fatalf("envelope: %s", r.body)
		}
		// Updating the job is no insertion: nothing more is sent, which the
		// delivery log shows.
		if code := s.insertJob("signed", "SIGNED-1"); code != 200 {
			t.Fatalf("jobs.insert again: %d", code)
		}
		var log struct{ Items []map[string]any }
		s.do(http.MethodGet, "/__webhooks/deliveries", "signed", nil, nil, &log)
		if len(log.Items) != 1 {
			t.Fatalf("want 1 delivery, got %d", len(log.Items))
		}
	})
}

func TestRetriesKeepTheMessageID(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, base app.Config) {
		s := start(t, base)
		rc := newReceiver(t, func(n int, _ received) int {
			if n <= 2 {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		s.subscribe("retry", seed.RepairerIntegrationID, rc.srv.URL)
		if code := s.insertJob("retry", "RETRY-1"); code != 200 {
			t.Fatalf("jobs.insert: %d", code)
		}
		var first string
		for i := 1; i <= 3; i++ {
			r := rc.next(t)
			verifyLikeAReceiver(t, seed.RepairerWebhookSecret, r)
			if i == 1 {
				first = r.env.MessageID
			}
			if r.env.MessageID != first || r.env.Attempt != i {
				t.Fatalf("request %d: message %s attempt %d, want %s attempt %d", i, r.env.MessageID, r.env.Attempt, first, i)
			}
		}
		d := waitDelivery(t, s, "retry", store.DeliveryDelivered)
		attempts := d["attempts"].([]any)
		if len(attempts) != 3 || attempts[0].(map[string]any)["status_code"].(float64) != 503 {
			t.Fatalf("attempts: %v", attempts)
		}
		// A replay sends the same message once more, as attempt 4.
		var rep struct{ OK bool }
		if code := s.do(http.MethodPost, "/__webhooks/deliveries/"+d["id"].(string)+"/replay", "retry", nil, nil, &rep); code != 200 {
			t.Fatalf("replay: %d", code)
		}
		if r := rc.next(t); r.env.MessageID != first || r.env.Attempt != 4 {
			t.Fatalf("replay: message %s attempt %d", r.env.MessageID, r.env.Attempt)
		}
	})
}

// waitDelivery polls the delivery log until the tenant's only delivery has
// the status.
func waitDelivery(t *testing.T, s *server, tenant, status string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var log struct{ Items []map[string]any }
		s.do(http.MethodGet, "/__webhooks/deliveries", tenant, nil, nil, &log)
		if len(log.Items) == 1 && log.Items[0]["status"] == status {
			return log.Items[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery log never showed one %s delivery: %v", status, log.Items)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFailedAttemptsEndFailed(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	rc := newReceiver(t, func(int, received) int { return http.StatusInternalServerError })
	s.subscribe("fail", seed.RepairerIntegrationID, rc.srv.URL)
	if code := s.insertJob("fail", "FAIL-1"); code != 200 {
		t.Fatalf("jobs.insert: %d", code)
	}
	d := waitDelivery(t, s, "fail", store.DeliveryFailed)
	if n := len(d["attempts"].([]any)); n != webhooks.MaxAttempts {
		t.Fatalf("%d attempts, want %d", n, webhooks.MaxAttempts)
	}
}

func TestNothingSentForARejectedCall(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	rc := newReceiver(t, nil)
	s.subscribe("rejected", seed.RepairerIntegrationID, rc.srv.URL)
	// A site of another organization: not_found, and the job is not made.
	code := s.call("rejected", repairer, "repairer.jobs.insert", map[string]any{
		"data": map[string]any{"claim_number": nil, "job_number": nil,
			"repairer_site_id": seed.OtherSiteID, "vehicle": nil, "work_provider_id": nil},
		"identity": map[string]any{"external": "REJECTED-1"}, "if_": map[string]any{"exists": "update"},
	}, nil)
	if code != http.StatusNotFound {
		t.Fatalf("jobs.insert on another organization's site: %d", code)
	}
	// Deliveries go out in order: the first to arrive is the later call's.
	if code := s.insertJob("rejected", "ACCEPTED-1"); code != 200 {
		t.Fatalf("jobs.insert: %d", code)
	}
	var job struct {
		ExternalID string `json:"external_id"`
	}
	r := rc.next(t)
	_ = json.Unmarshal(r.env.Payload, &job)
	if job.ExternalID != "ACCEPTED-1" {
		t.Fatalf("first webhook is about %q", job.ExternalID)
	}
}

// TestHeldUntilReleased shows why polling cannot beat the answer: a
// delivery written by a call is not due until the edge releases it.
func TestHeldUntilReleased(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	var held []uuid.UUID
	err := st.Update(ctx, "hold", func(tx store.Tx) error {
		if err := tx.InsertEndpoint(store.Endpoint{ID: uuid.New(), IntegrationID: seed.RepairerIntegrationID,
			URL: "http://127.0.0.1:1/", CreatedAt: tx.Now()}); err != nil {
			return err
		}
		rec := webhooks.Track(tx)
		ev := store.Event{ID: uuid.New(), Type: "repairer.job.inserted", OrganizationID: seed.RepairerOrgID,
			Role: store.RoleRepairer, ObjectType: "job", ObjectID: seed.DemoJobID, Payload: []byte(`{}`), CreatedAt: tx.Now()}
		if err := webhooks.Fanout(rec, ev); err != nil {
			return err
		}
		held = rec.Written()
		return nil
	})
	if err != nil || len(held) != 1 {
		t.Fatalf("fan-out: %v, %d deliveries", err, len(held))
	}
	if got, err := st.ClaimDeliveries(ctx, store.Claim{Limit: 10, Lease: time.Minute}); err != nil || len(got) != 0 {
		t.Fatalf("claimed %d before the release (%v)", len(got), err)
	}
	if err := webhooks.Release(ctx, st, "hold", held); err != nil {
		t.Fatal(err)
	}
	select {
	case <-st.Wakeups():
	default:
		t.Fatal("release did not wake the dispatcher")
	}
	got, err := st.ClaimDeliveries(ctx, store.Claim{Limit: 10, Lease: time.Minute})
	if err != nil || len(got) != 1 || got[0].ID != held[0] {
		t.Fatalf("after the release: %v, %v", got, err)
	}
	// Released twice (a late release after the hold ran out) changes nothing.
	if err := webhooks.Release(ctx, st, "hold", held); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.ClaimDeliveries(ctx, store.Claim{Limit: 10, Lease: time.Minute}); len(again) != 0 {
		t.Fatalf("a late release made an in-flight delivery claimable: %v", again)
	}
}

func TestConfirmSendsTwoEvents(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, base app.Config) {
		s := start(t, base)
		rc := newReceiver(t, nil)
		const tenant = "confirm"
		s.subscribe(tenant, seed.RepairerIntegrationID, rc.srv.URL+"/repairer")
		s.subscribe(tenant, seed.SupplierIntegrationID, rc.srv.URL+"/supplier")
		ext := map[string]any{"external": seed.DemoJobExternalID}
		var parts struct {
			Parts []struct {
				ID uuid.UUID `json:"id"`
			} `json:"parts"`
		}
		if code := s.call(tenant, repairer, "repairer.jobs.parts.insert", map[string]any{"job": ext, "parts": []map[string]any{
			{"description": "Front bumper cover", "part_number": seed.BumperCoverPN, "quantity": 1}}}, &parts); code != 200 {
			t.Fatalf("parts.insert: %d", code)
		}
		var basket struct {
			Offers []struct {
				ID         uuid.UUID `json:"id"`
				PartID     uuid.UUID `json:"part_id"`
				SupplierID uuid.UUID `json:"supplier_id"`
			} `json:"offers"`
		}
		s.call(tenant, repairer, "repairer.jobs.baskets.latest.get", map[string]any{"job": ext}, &basket)
		var offer uuid.UUID
		for _, o := range basket.Offers {
			if o.SupplierID == seed.ChristchurchToyotaID && o.PartID == parts.Parts[0].ID {
				offer = o.ID
			}
		}
		var proc struct{ ID uuid.UUID }
		if code := s.call(tenant, repairer, "repairer.procurements.insert", map[string]any{"job": ext, "offer_ids": []uuid.UUID{offer}}, &proc); code != 200 {
			t.Fatalf("procurements.insert: %d", code)
		}
		if code := s.call(tenant, supplier, "supplier.procurements.confirm", map[string]any{"id": proc.ID}, nil); code != 200 {
			t.Fatalf("confirm: %d", code)
		}
		// Confirming again changes nothing and sends nothing.
		if code := s.call(tenant, supplier, "supplier.procurements.confirm", map[string]any{"id": proc.ID}, nil); code != 200 {
			t.Fatalf("confirm again: %d", code)
		}
		want := map[string]string{
			"repairer.procurement.order_requested": seed.RepairerWebhookSecret,
			"supplier.procurement.order_requested": seed.SupplierWebhookSecret,
			"repairer.procurement.order_confirmed": seed.RepairerWebhookSecret,
			"supplier.procurement.order_confirmed": seed.SupplierWebhookSecret,
		}
		for range want {
			r := rc.next(t)
			secret, ok := want[r.env.Type]
			if !ok {
				t.Fatalf("unexpected %s", r.env.Type)
			}
			delete(want, r.env.Type)
			verifyLikeAReceiver(t, secret, r)
			checkEnvelope(t, r)
			if r.env.Object.ID != proc.ID.String() {
				t.Fatalf("%s about %s", r.env.Type, r.env.Object.ID)
			}
		}
		for _, typ := range []string{"repairer.procurement.order_confirmed", "supplier.procurement.order_confirmed"} {
			var log struct{ Items []map[string]any }
			s.do(http.MethodGet, "/__webhooks/deliveries?type="+typ, tenant, nil, nil, &log)
			if len(log.Items) != 1 {
				t.Fatalf("%s: %d deliveries, want exactly 1", typ, len(log.Items))
			}
		}
	})
}

func TestEveryEndpointOfAnIntegration(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	a, b := newReceiver(t, nil), newReceiver(t, nil)
	s.subscribe("multi", seed.RepairerIntegrationID, a.srv.URL)
	s.subscribe("multi", seed.RepairerIntegrationID, b.srv.URL)
	// Another tenant's subscription hears nothing of this one.
	other := newReceiver(t, nil)
	s.subscribe("multi-other", seed.RepairerIntegrationID, other.srv.URL)
	if code := s.insertJob("multi", "MULTI-1"); code != 200 {
		t.Fatalf("jobs.insert: %d", code)
	}
	ra, rb := a.next(t), b.next(t)
	if ra.env.MessageID != rb.env.MessageID {
		t.Fatalf("endpoints of one integration got messages %s and %s", ra.env.MessageID, rb.env.MessageID)
	}
	if ra.header.Get(webhooks.TenantHeader) != "multi" {
		t.Fatalf("tenant header %q", ra.header.Get(webhooks.TenantHeader))
	}
	if code := s.insertJob("multi-other", "MULTI-OTHER-1"); code != 200 {
		t.Fatalf("jobs.insert: %d", code)
	}
	var job struct {
		ExternalID string `json:"external_id"`
	}
	_ = json.Unmarshal(other.next(t).env.Payload, &job)
	if job.ExternalID != "MULTI-OTHER-1" {
		t.Fatalf("the other tenant's receiver got %q first", job.ExternalID)
	}
}

func TestSubscribeAnswers(t *testing.T) {
	t.Parallel()
	s := start(t, apptest.Config(func(c *app.Config) { c.WebhookAllowHosts = []string{"receiver"} }))
	id := seed.RepairerIntegrationID.String()
	for _, tc := range []struct {
		name   string
		body   any
		status int
		reason string
	}{
		{"OKLocalhost", map[string]any{"integration_id": id, "url": "http://localhost:4000/h"}, 200, ""},
		{"OKLoopback", map[string]any{"integration_id": id, "url": "http://127.1.2.3/h"}, 200, ""},
		{"OKIPv6", map[string]any{"integration_id": id, "url": "http://[::1]:4000/h"}, 200, ""},
		{"OKUnspecified", map[string]any{"integration_id": id, "url": "https://0.0.0.0/h"}, 200, ""},
		{"OKAllowedHost", map[string]any{"integration_id": id, "url": "http://receiver:8080/h"}, 200, ""},
		{"ErrPublicHost", map[string]any{"integration_id": id, "url": "https://example.com/h"}, 400, "url_not_loopback"},
		{"ErrPrivateIP", map[string]any{"integration_id": id, "url": "http://10.0.0.1/h"}, 400, "url_not_loopback"},
		{"ErrLookalike", map[string]any{"integration_id": id, "url": "http://127.0.0.1.example.com/h"}, 400, "url_not_loopback"},
		{"ErrScheme", map[string]any{"integration_id": id, "url": "ftp://127.0.0.1/h"}, 400, "bad_body"},
		{"ErrRelative", map[string]any{"integration_id": id, "url": "/h"}, 400, "bad_body"},
		{"ErrMissingURL", map[string]any{"integration_id": id}, 400, "missing_field"},
		{"ErrEmptyURL", map[string]any{"integration_id": id, "url": ""}, 400, "missing_field"},
		{"ErrMissingIntegration", map[string]any{"url": "http://localhost/h"}, 400, "missing_field"},
		{"ErrIntegrationNotUUID", map[string]any{"integration_id": "x", "url": "http://localhost/h"}, 400, "bad_body"},
		{"ErrURLNotString", map[string]any{"integration_id": id, "url": 5}, 400, "bad_body"},
		{"ErrUnknownIntegration", map[string]any{"integration_id": uuid.New(), "url": "http://localhost/h"}, 400, "unknown_integration"},
		{"ErrMalformed", []byte(`{"integration_id":`), 400, "bad_body"},
		{"ErrNotObject", []byte(`[1]`), 400, "bad_body"},
		{"ErrTrailing", []byte(`{} {}`), 400, "bad_body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out struct {
				OK     bool
				Reason string
			}
			code := s.do(http.MethodPost, "/__webhooks/subscribe", "subs", nil, tc.body, &out)
			if code != tc.status || out.Reason != tc.reason || out.OK != (tc.status == 200) {
				t.Fatalf("got %d %+v, want %d %q", code, out, tc.status, tc.reason)
			}
		})
	}
	var in struct {
		Secret    string
		Endpoints []struct{ ID, URL string }
	}
	if code := s.do(http.MethodGet, "/__webhooks/integrations/"+id, "subs", nil, nil, &in); code != 200 ||
		in.Secret != seed.RepairerWebhookSecret || len(in.Endpoints) != 5 {
		t.Fatalf("integration: %d %+v", code, in)
	}
	var un struct{ Removed int }
	s.do(http.MethodPost, "/__webhooks/unsubscribe", "subs", nil, map[string]any{"endpoint_id": in.Endpoints[0].ID}, &un)
	if un.Removed != 1 {
		t.Fatalf("unsubscribe by id removed %d", un.Removed)
	}
	s.do(http.MethodPost, "/__webhooks/unsubscribe", "subs", nil, map[string]any{"integration_id": id, "url": in.Endpoints[1].URL}, &un)
	if un.Removed != 1 {
		t.Fatalf("unsubscribe by url removed %d", un.Removed)
	}
	var refused struct{ Reason string }
	if code := s.do(http.MethodPost, "/__webhooks/unsubscribe", "subs", nil, map[string]any{"integration_id": id}, &refused); code != 400 || refused.Reason != "missing_field" {
		t.Fatalf("unsubscribe without url: %d %+v", code, refused)
	}
	if code := s.do(http.MethodGet, "/__webhooks/integrations/nope", "subs", nil, nil, &refused); code != 404 || refused.Reason != "unknown_integration" {
		t.Fatalf("unknown integration: %d %+v", code, refused)
	}
}

// TestDialChecksTheAddress: an endpoint that is not loopback is refused when
// dialled, whatever was stored.
func TestDialChecksTheAddress(t *testing.T) {
	t.Parallel()
	res := webhooks.NewSender(webhooks.Policy{}, time.Second).Send(context.Background(), "http://10.255.255.1:9/", "", []byte(`{}`), "x")
	if res.StatusCode != 0 || res.Err == "" {
		t.Fatalf("sent to a private address: %+v", res)
	}
	if want := "not loopback"; !strings.Contains(res.Err, want) {
		t.Fatalf("error %q does not say %q", res.Err, want)
	}
}

// TestDeliveryLogShowsTheNewestAttempts: replays add attempts past the 8;
// the log shows the newest 20 of them, and counts them all.
func TestDeliveryLogShowsTheNewestAttempts(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	rc := newReceiver(t, func(int, received) int { return http.StatusInternalServerError })
	s.subscribe("replays", seed.RepairerIntegrationID, rc.srv.URL)
	if code := s.insertJob("replays", "REPLAY-1"); code != 200 {
		t.Fatalf("jobs.insert: %d", code)
	}
	d := waitDelivery(t, s, "replays", store.DeliveryFailed)
	for n := webhooks.MaxAttempts + 1; n <= 25; n++ {
		if code := s.do(http.MethodPost, "/__webhooks/deliveries/"+d["id"].(string)+"/replay", "replays", nil, nil, nil); code != 200 {
			t.Fatalf("replay: %d", code)
		}
		for rc.next(t).env.Attempt != n {
		}
		d = waitDelivery(t, s, "replays", store.DeliveryFailed)
		for d["attempt_count"].(float64) != float64(n) {
			d = waitDelivery(t, s, "replays", store.DeliveryFailed)
		}
	}
	attempts := d["attempts"].([]any)
	if len(attempts) != 20 || attempts[0].(map[string]any)["number"].(float64) != 6 || attempts[19].(map[string]any)["number"].(float64) != 25 {
		t.Fatalf("%d attempts shown, from %v", len(attempts), attempts[0])
	}
}
