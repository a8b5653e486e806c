package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/webhook"
)

// hook is a receiver that verifies every signature as an integrator's
// would and records (message_id, attempt) of what it accepts; it refuses
// the first `fail` requests with a 500.
type hook struct {
	mu       sync.Mutex
	fail     int
	seen     int
	accepted []webhook.Envelope
	forged   int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	env, err := webhook.Verify(seed.RepairerWebhookSecret, body, r.Header.Get("partly-hmac-sha256"), time.Now())
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen++
	switch {
	case err != nil:
		h.forged++
		w.WriteHeader(http.StatusBadRequest)
	case h.seen <= h.fail:
		w.WriteHeader(http.StatusInternalServerError)
	default:
		h.accepted = append(h.accepted, env)
	}
}

func (h *hook) snapshot() (seen, forged int, accepted []webhook.Envelope) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen, h.forged, append([]webhook.Envelope(nil), h.accepted...)
}

// post sends a JSON body to a sandbox route of the process.
func (p *proc) post(tenant, path string, body any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, p.url+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-partifact-tenant", tenant)
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %d %s", path, resp.StatusCode, data)
	}
	return nil
}

// attemptsMade reads the delivery log: attempts recorded per delivery.
func (p *proc) attemptsMade(t *testing.T, tenant string) []int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.url+"/__webhooks/deliveries", nil)
	req.Header.Set("x-partifact-tenant", tenant)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var log struct {
		Items []struct {
			AttemptCount int    `json:"attempt_count"`
			Status       string `json:"status"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&log); err != nil {
		t.Fatal(err)
	}
	out := make([]int, len(log.Items))
	for i, d := range log.Items {
		out[i] = d.AttemptCount
	}
	return out
}

// stop ends the process gracefully and waits for it.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhookRetrySurvivesKill9: a receiver fails the first attempt; the
// server is killed once that attempt is recorded; the next process on the
// same database makes the second attempt, with the same message_id.
func TestWebhookRetrySurvivesKill9(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	h := &hook{fail: 1}
	rcv := httptest.NewServer(h)
	defer rcv.Close()
	flags := []string{"--webhook-backoff", "1s", "--webhook-poll", "50ms"}
	const tenant = "kill-retry"

	first := start(t, db, flags...)
	if err := first.post(tenant, "/__webhooks/subscribe", map[string]any{"integration_id": seed.RepairerIntegrationID, "url": rcv.URL}); err != nil {
		t.Fatal(err)
	}
	if _, err := first.repairer(tenant, "repairer.jobs.insert", jobInsert("KILL-HOOK"), nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the failed first attempt to be recorded", func() bool {
		n := first.attemptsMade(t, tenant)
		return len(n) == 1 && n[0] == 1
	})
	first.kill9(t)

	second := start(t, db, flags...)
	eventually(t, "the second attempt", func() bool { _, _, ok := h.snapshot(); return len(ok) == 1 })
	seen, forged, ok := h.snapshot()
	if seen != 2 || forged != 0 || ok[0].Attempt != 2 || ok[0].Type != "repairer.job.inserted" {
		t.Fatalf("seen %d, forged %d, accepted %+v", seen, forged, ok)
	}
	// The receiver has answered; the attempt is recorded just after.
	eventually(t, "the delivery log to show the second attempt", func() bool {
		n := second.attemptsMade(t, tenant)
		return len(n) == 1 && n[0] == 2
	})
}

// TestTwoInstancesDeliverEachMessageOnce: two processes on one database
// share one outbox; together they deliver every message, and no attempt is
// ever sent twice.
func TestTwoInstancesDeliverEachMessageOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	h := &hook{}
	rcv := httptest.NewServer(h)
	defer rcv.Close()
	flags := []string{"--webhook-poll", "20ms"}
	a, b := start(t, db, flags...), start(t, db, flags...)
	const tenant = "two-dispatchers"
	if err := a.post(tenant, "/__webhooks/subscribe", map[string]any{"integration_id": seed.RepairerIntegrationID, "url": rcv.URL}); err != nil {
		t.Fatal(err)
	}
	const jobs = 40
	var wg sync.WaitGroup
	for i := range jobs {
		p := a
		if i%2 == 1 {
			p = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.repairer(tenant, "repairer.jobs.insert", jobInsert(fmt.Sprintf("TWO-%d", i)), nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	eventually(t, "every message", func() bool { _, _, ok := h.snapshot(); return len(ok) >= jobs })
	eventually(t, "every delivery to be recorded delivered", func() bool {
		n := a.attemptsMade(t, tenant)
		done := 0
		for _, c := range n {
			if c == 1 {
				done++
			}
		}
		return len(n) == jobs && done == jobs
	})
	// A stopped server has finished every send it started: nothing can
	// arrive after this.
	a.stop()
	b.stop()
	seen, forged, ok := h.snapshot()
	ids := map[string]bool{}
	for _, e := range ok {
		if ids[e.MessageID] {
			t.Errorf("message %s delivered twice", e.MessageID)
		}
		ids[e.MessageID] = true
	}
	if seen != jobs || forged != 0 || len(ids) != jobs {
		t.Fatalf("seen %d requests, %d forged, %d distinct messages; want %d", seen, forged, len(ids), jobs)
	}
}
