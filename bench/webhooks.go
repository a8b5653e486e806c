package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
)

// delivery is one webhook the receiver got.
type delivery struct {
	at    time.Time
	body  []byte
	sigOK bool
}

// receiver is a local webhook endpoint that verifies each signature as an
// integrator's receiver would (base64 HMAC-SHA256 of the raw body).
type receiver struct {
	url    string
	secret atomic.Pointer[[]byte] // set from the subscribe answer
	got    chan delivery
	srv    *http.Server
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{url: "http://" + ln.Addr().String() + "/hook", got: make(chan delivery, 1024)}
	rc.secret.Store(&[]byte{})
	rc.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		at := time.Now()
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mac := hmac.New(sha256.New, *rc.secret.Load())
		mac.Write(body)
		sig, _ := base64.StdEncoding.DecodeString(r.Header.Get("partly-hmac-sha256"))
		select {
		case rc.got <- delivery{at: at, body: body, sigOK: hmac.Equal(sig, mac.Sum(nil))}:
		default: // nobody is waiting for this many; the scenario is over
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = rc.srv.Serve(ln) }()
	return rc, nil
}

func (rc *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = rc.srv.Shutdown(ctx)
}

// webhookWait bounds the wait for one delivery.
const webhookWait = 5 * time.Second

// webhooksScenario subscribes a local receiver for the demo repairer, then,
// one call at a time, inserts a job with a new external reference and
// measures from the call's 200 to the delivery that carries that reference.
func (h *harness) webhooksScenario() []row {
	r := row{scenario: "webhooks", target: "mock (memory)"}
	s, _, _, err := h.readyMock("webhooks", "")
	if err != nil {
		r.note = "failed: " + err.Error()
		return []row{r}
	}
	defer s.stop()
	rc, err := startReceiver()
	if err != nil {
		r.note = "failed: " + err.Error()
		return []row{r}
	}
	defer rc.close()

	client := newClient(1)
	defer client.CloseIdleConnections()
	sub, _ := json.Marshal(map[string]string{"integration_id": seed.RepairerIntegrationID.String(), "url": rc.url})
	status, answer, err := postJSON(client, s.url+"/__webhooks/subscribe", http.Header{"Content-Type": {"application/json"}}, sub)
	switch {
	case err != nil:
		r.note = "failed: subscribe: " + err.Error()
		return []row{r}
	case status == http.StatusNotFound:
		r.note = "skipped: this build of the mock has no POST /__webhooks/subscribe (webhooks not implemented yet)"
		return []row{r}
	case status != http.StatusOK:
		r.note = fmt.Sprintf("failed: subscribe answered %d: %.200s", status, answer)
		return []row{r}
	}
	// The subscribe answer names the secret; the seeded one is the fallback.
	var subscribed struct{ Secret string }
	_ = json.Unmarshal(answer, &subscribed)
	secret := []byte(seed.RepairerWebhookSecret)
	if subscribed.Secret != "" {
		secret = []byte(subscribed.Secret)
	}
	rc.secret.Store(&secret)

	res := &result{}
	var whole []time.Duration // from sending the call to the delivery
	var firstErr string
	fail := func(msg string) {
		res.errors++
		if firstErr == "" {
			firstErr = msg
		}
	}
	end := time.Now().Add(h.duration)
	for i := 0; i < h.webhooks && time.Now().Before(end); i++ {
		// A new job each time: inserting one is what emits the event.
		external := fmt.Sprintf("BENCH-WH-%06d", i)
		body, _ := json.Marshal(map[string]any{
			"data": map[string]any{"claim_number": "BENCH-CLM-1", "job_number": nil,
				"repairer_site_id": seed.AddingtonSiteID, "vehicle": nil, "work_provider_id": seed.AMIInsuranceID},
			"identity": map[string]any{"external": external},
			"if_":      map[string]any{"exists": "update"},
		})
		res.requests++
		sent := time.Now()
		status, answer, err := postJSON(client, s.url+methods.PathPrefix+"repairer.jobs.insert", repairer(""), body)
		ok := time.Now()
		if err != nil || status != http.StatusOK {
			fail(fmt.Sprintf("jobs.insert: %v %d %.200s", err, status, answer))
			continue
		}
		d, found := rc.await([]byte(`"`+external+`"`), webhookWait)
		switch {
		case !found:
			fail(fmt.Sprintf("no delivery carrying %s within %v", external, webhookWait))
		case !d.sigOK:
			fail("a delivery's partly-hmac-sha256 does not verify")
		default:
			// The delivery can beat the client to reading the 200; that is 0.
			res.lat = append(res.lat, max(0, d.at.Sub(ok)))
			whole = append(whole, d.at.Sub(sent))
		}
	}
	r.res, r.rss = res, rssOf(s)
	p50, _ := res.quantiles()
	slices.Sort(whole)
	r.note = fmt.Sprintf("sequential repairer.jobs.insert of new jobs, 200 → signed delivery (p50 %s from sending the call); target p50 < %v: %s",
		fmtDur(percentile(whole, 50)), targetWebhookP50, verdict(len(res.lat) > 0 && p50 < targetWebhookP50))
	if firstErr != "" {
		r.note += "; first error: " + firstErr
	}
	return []row{r}
}

// await returns the first delivery whose body contains marker; deliveries of
// earlier calls (retries, duplicates) are passed over.
func (rc *receiver) await(marker []byte, timeout time.Duration) (delivery, bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case d := <-rc.got:
			if bytes.Contains(d.body, marker) {
				return d, true
			}
		case <-t.C:
			return delivery{}, false
		}
	}
}

func postJSON(c *http.Client, url string, header http.Header, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = header
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}
