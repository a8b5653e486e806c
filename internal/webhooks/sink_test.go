package webhooks_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/webhook"
)

type sinkList struct {
	Items []struct {
		IntegrationID  *string           `json:"integration_id"`
		SignatureValid bool              `json:"signature_valid"`
		Headers        map[string]string `json:"headers"`
		Body           string            `json:"body"`
	}
}

func TestSinkReceivesDeliveries(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	s.subscribe("sink", seed.RepairerIntegrationID, s.url+"/__webhooks/sink")
	if code := s.insertJob("sink", "SINK-1"); code != 200 {
		t.Fatalf("jobs.insert: %d", code)
	}
	waitDelivery(t, s, "sink", "delivered")
	var list sinkList
	s.do(http.MethodGet, "/__webhooks/sink", "sink", nil, nil, &list)
	if len(list.Items) != 1 || !list.Items[0].SignatureValid || list.Items[0].Headers["user-agent"] != "partly-mock-webhooks/2026-01" {
		t.Fatalf("sink: %+v", list)
	}
	// The shared world's sink saw nothing of the tenant's delivery.
	var shared sinkList
	s.do(http.MethodGet, "/__webhooks/sink", "", nil, nil, &shared)
	if len(shared.Items) != 0 {
		t.Fatalf("shared sink: %+v", shared)
	}
}

func TestSinkAnswersLikeAReceiver(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	now := time.Now().UTC()
	body := func(msg string, at time.Time) []byte {
		return []byte(`{"message_id":"` + msg + `","type":"repairer.job.inserted","timestamp":"` + at.Format(time.RFC3339) +
			`","api_version":"2026-01","integration_id":"` + seed.RepairerIntegrationID.String() +
			`","attempt":1,"object":{"type":"job","id":"` + seed.DemoJobID.String() + `"},"payload":{}}`)
	}
	good := body("6f1c0000-0000-4000-8000-000000000001", now)
	stale := body("6f1c0000-0000-4000-8000-000000000002", now.Add(-6*time.Minute))
	sign := func(b []byte) map[string]string {
		return map[string]string{webhook.SignatureHeader: webhook.Sign(seed.RepairerWebhookSecret, b)}
	}
	for _, tc := range []struct {
		name      string
		headers   map[string]string
		body      []byte
		status    int
		reason    string
		duplicate bool
	}{
		{"OK", sign(good), good, 200, "", false},
		{"OKDuplicate", sign(good), good, 200, "", true},
		{"ErrMissingSignature", nil, good, 400, "missing_signature", false},
		{"ErrForged", map[string]string{webhook.SignatureHeader: webhook.Sign("pwh_forged", good)}, good, 400, "bad_signature", false},
		{"ErrNotBase64", map[string]string{webhook.SignatureHeader: "%%%"}, good, 400, "bad_signature", false},
		{"ErrStale", sign(stale), stale, 400, "stale_timestamp", false},
		{"ErrNotJSON", sign([]byte("hello")), []byte("hello"), 400, "bad_body", false},
		{"ErrUnknownIntegration", sign([]byte(`{"integration_id":"6f1c0000-0000-4000-8000-0000000000ff"}`)),
			[]byte(`{"integration_id":"6f1c0000-0000-4000-8000-0000000000ff"}`), 400, "unknown_integration", false},
	} {
		var out struct {
			OK        bool
			Reason    string
			Duplicate bool
		}
		code := s.do(http.MethodPost, "/__webhooks/sink", "sink-answers", tc.headers, tc.body, &out)
		if code != tc.status || out.Reason != tc.reason || out.Duplicate != tc.duplicate {
			t.Fatalf("%s: got %d %+v, want %d %q duplicate=%v", tc.name, code, out, tc.status, tc.reason, tc.duplicate)
		}
	}
	var list sinkList
	s.do(http.MethodGet, "/__webhooks/sink", "sink-answers", nil, nil, &list)
	if len(list.Items) != 8 {
		t.Fatalf("sink kept %d records, want every one of 8", len(list.Items))
	}
}

type probeReport struct {
	OK     bool
	Passed bool
	Type   string
	Checks []struct {
		Name       string
		StatusCode *int `json:"status_code"`
		Passed     bool
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	careless := newReceiver(t, nil) // accepts everything
	for _, tc := range []struct {
		name, url string
		in        string
		passed    map[string]bool
	}{
		// The sink is a correct receiver: every check passes.
		{"Sink", s.url + "/__webhooks/sink", seed.SupplierIntegrationID.String(),
			map[string]bool{"signed": true, "forged_signature": true, "stale_timestamp": true, "duplicate": true}},
		{"Careless", careless.srv.URL, seed.RepairerIntegrationID.String(),
			map[string]bool{"signed": true, "forged_signature": false, "stale_timestamp": false, "duplicate": true}},
		{"Nobody", "http://127.0.0.1:1/", seed.RepairerIntegrationID.String(),
			map[string]bool{"signed": false, "forged_signature": false, "stale_timestamp": false, "duplicate": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rep probeReport
			code := s.do(http.MethodPost, "/__webhooks/probe", "probe", nil, map[string]any{"url": tc.url, "integration_id": tc.in}, &rep)
			if code != 200 || !rep.OK || len(rep.Checks) != 4 {
				t.Fatalf("probe: %d %+v", code, rep)
			}
			all := true
			for _, c := range rep.Checks {
				if c.Passed != tc.passed[c.Name] {
					t.Fatalf("%s: passed=%v, want %v (%+v)", c.Name, c.Passed, tc.passed[c.Name], rep)
				}
				all = all && c.Passed
			}
			if rep.Passed != all {
				t.Fatalf("passed=%v with checks %+v", rep.Passed, rep.Checks)
			}
		})
	}
	var refused struct{ Reason string }
	if code := s.do(http.MethodPost, "/__webhooks/probe", "probe", nil, map[string]any{"url": "http://example.com/", "integration_id": seed.RepairerIntegrationID}, &refused); code != 400 || refused.Reason != "url_not_loopback" {
		t.Fatalf("probe of a public URL: %d %+v", code, refused)
	}
}

func TestDeliveryLogAnswers(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	for _, tc := range []struct {
		name, method, path string
		status             int
		reason             string
	}{
		{"ErrIntegrationNotUUID", "GET", "/__webhooks/deliveries?integration_id=x", 400, "bad_query"},
		{"ErrStatus", "GET", "/__webhooks/deliveries?status=lost", 400, "bad_query"},
		{"ErrLimit", "GET", "/__webhooks/deliveries?limit=0", 400, "bad_query"},
		{"ErrReplayUnknown", "POST", "/__webhooks/deliveries/" + seed.DemoJobID.String() + "/replay", 404, "unknown_delivery"},
		{"ErrReplayNotUUID", "POST", "/__webhooks/deliveries/x/replay", 404, "unknown_delivery"},
		{"ErrVerb", "DELETE", "/__webhooks/subscribe", 405, "method_not_allowed"},
	} {
		var out struct{ Reason string }
		if code := s.do(tc.method, tc.path, "log", nil, nil, &out); code != tc.status || out.Reason != tc.reason {
			t.Fatalf("%s: %d %+v, want %d %q", tc.name, code, out, tc.status, tc.reason)
		}
	}
	// A 405 names the verbs the path takes, as HTTP asks.
	for path, want := range map[string]string{"/__webhooks/subscribe": "POST", "/__webhooks/sink": "GET, HEAD, POST",
		"/__webhooks/deliveries": "GET, HEAD"} {
		req, err := http.NewRequest(http.MethodPut, s.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != want {
			t.Errorf("PUT %s: %d, Allow %q, want 405 and %q", path, resp.StatusCode, resp.Header.Get("Allow"), want)
		}
	}
}

// TestSubscriptionCap: an integration has at most its cap of endpoints;
// the next is refused in the family's shape, resubscribing a URL it has is
// still fine, and unsubscribing makes room.
func TestSubscriptionCap(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, base app.Config) {
		base.WebhookMaxEndpoints = 3
		s := start(t, base)
		sub := func(url string) (int, string) {
			var out struct{ Reason, Detail string }
			code := s.do(http.MethodPost, "/__webhooks/subscribe", "cap", nil,
				map[string]any{"integration_id": seed.RepairerIntegrationID, "url": url}, &out)
			return code, out.Reason
		}
		for i := range 3 {
			if code, reason := sub(fmt.Sprintf("http://127.0.0.1:1/%d", i)); code != 200 {
				t.Fatalf("endpoint %d: %d %s", i, code, reason)
			}
		}
		if code, reason := sub("http://127.0.0.1:1/3"); code != 400 || reason != "too_many_endpoints" {
			t.Fatalf("over the cap: %d %q", code, reason)
		}
		if code, _ := sub("http://127.0.0.1:1/0"); code != 200 {
			t.Fatalf("an endpoint it has: %d", code)
		}
		// Another integration has its own cap.
		var other struct{ OK bool }
		if code := s.do(http.MethodPost, "/__webhooks/subscribe", "cap", nil,
			map[string]any{"integration_id": seed.OtherRepairerIntegID, "url": "http://127.0.0.1:1/x"}, &other); code != 200 {
			t.Fatalf("another integration: %d", code)
		}
		s.do(http.MethodPost, "/__webhooks/unsubscribe", "cap", nil,
			map[string]any{"integration_id": seed.RepairerIntegrationID, "url": "http://127.0.0.1:1/1"}, nil)
		if code, reason := sub("http://127.0.0.1:1/3"); code != 200 {
			t.Fatalf("after unsubscribing one: %d %s", code, reason)
		}
		// And URLs are bounded, so an integration's endpoints are.
		if code, reason := sub("http://127.0.0.1:1/" + strings.Repeat("x", 2049)); code != 400 || reason != "bad_body" {
			t.Fatalf("a 2 KiB URL: %d %q", code, reason)
		}
	})
}

type sinkPage struct {
	OK    bool
	Items []struct {
		ID   string `json:"id"`
		Body string `json:"body"`
	}
	NextCursor *string `json:"next_cursor"`
	Reason     string
}

// TestSinkCapAndPages: the sink keeps each world within its byte budget,
// newest first, evicting the oldest; it is read a bounded page at a time;
// duplicates are still recognised while the first copy is kept.
func TestSinkCapAndPages(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, base app.Config) {
		base.SinkMaxBytes = 10 << 10
		s := start(t, base)
		signed := func(msg string) ([]byte, map[string]string) {
			b := []byte(`{"message_id":"` + msg + `","type":"repairer.job.inserted","timestamp":"` +
				time.Now().UTC().Format(time.RFC3339) + `","api_version":"2026-01","integration_id":"` +
				seed.RepairerIntegrationID.String() + `","attempt":1,"object":{"type":"job","id":"` + seed.DemoJobID.String() +
				`"},"payload":{"pad":"` + strings.Repeat("x", 1000) + `"}}`)
			return b, map[string]string{webhook.SignatureHeader: webhook.Sign(seed.RepairerWebhookSecret, b)}
		}
		var sent []string
		for i := range 30 { // about 30 KiB into a 10 KiB sink
			b, h := signed(fmt.Sprintf("6f1c0000-0000-4000-8000-%012d", i))
			var out struct{ ID string }
			if code := s.do(http.MethodPost, "/__webhooks/sink", "sink-cap", h, b, &out); code != 200 {
				t.Fatalf("message %d: %d", i, code)
			}
			sent = append(sent, out.ID)
		}
		var all sinkPage
		s.do(http.MethodGet, "/__webhooks/sink", "sink-cap", nil, nil, &all)
		if n := len(all.Items); n < 5 || n > 10 || all.NextCursor != nil {
			t.Fatalf("kept %d records (next %v), want the newest within 10 KiB", n, all.NextCursor)
		}
		for i, it := range all.Items {
			if it.ID != sent[len(sent)-1-i] {
				t.Fatalf("item %d is not the %d-th newest", i, i)
			}
		}
		// A duplicate of a kept message is one; an evicted one is forgotten.
		b, h := signed(fmt.Sprintf("6f1c0000-0000-4000-8000-%012d", 29))
		var dup struct{ Duplicate bool }
		if s.do(http.MethodPost, "/__webhooks/sink", "sink-cap", h, b, &dup); !dup.Duplicate {
			t.Fatal("a kept message sent again is not a duplicate")
		}
		// Pages of 2, in order, to the end.
		var paged []string
		cursor := ""
		for range 20 {
			var p sinkPage
			path := "/__webhooks/sink?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			if code := s.do(http.MethodGet, path, "sink-cap", nil, nil, &p); code != 200 || len(p.Items) == 0 || len(p.Items) > 2 {
				t.Fatalf("page: %d %+v", code, p)
			}
			for _, it := range p.Items {
				paged = append(paged, it.ID)
			}
			if p.NextCursor == nil {
				break
			}
			cursor = *p.NextCursor
		}
		var again sinkPage
		s.do(http.MethodGet, "/__webhooks/sink?limit=500", "sink-cap", nil, nil, &again)
		if len(paged) != len(again.Items) {
			t.Fatalf("pages gave %d records, one read %d", len(paged), len(again.Items))
		}
		for _, tc := range []string{"limit=0", "limit=501", "limit=x", "cursor=nope", "cursor=" + strings.Repeat("A", 8)} {
			var p sinkPage
			if code := s.do(http.MethodGet, "/__webhooks/sink?"+tc, "sink-cap", nil, nil, &p); code != 400 || p.Reason != "bad_query" {
				t.Fatalf("%s: %d %+v", tc, code, p)
			}
		}
	})
}
