package webhooks_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/webhook"
)

// stores lists the store configurations the end-to-end tests run on.
var stores = []struct {
	name string
	cfg  func(t *testing.T) app.Config
}{
	{"memory", func(*testing.T) app.Config { return app.DefaultConfig() }},
	// A database of its own per test: the outbox needs real commits.
	{"postgres", func(t *testing.T) app.Config {
		return apptest.Config(func(c *app.Config) { c.DatabaseURL = pgtest.New(t) })
	}},
}

// eachStore runs fn once per store, in parallel subtests.
func eachStore(t *testing.T, fn func(t *testing.T, base app.Config)) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			fn(t, s.cfg(t))
		})
	}
}

// server is a running mock with a fast retry schedule.
type server struct {
	t   testing.TB
	url string
	app *app.App
}

func start(t testing.TB, cfg app.Config) *server {
	t.Helper()
	// Retries come quickly here, so a test sees a delivery fail in full.
	cfg.WebhookBackoff = []time.Duration{10 * time.Millisecond}
	cfg.WebhookPoll = 20 * time.Millisecond
	a := apptest.Start(t, cfg)
	return &server{t: t, url: a.URL(), app: a}
}

// do sends a request in a tenant and decodes a JSON answer into out.
func (s *server) do(method, path, tenant string, headers map[string]string, body any, out any) int {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tenant != "" {
		req.Header.Set("x-mock-tenant", tenant)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

type cred struct {
	key string
	id  uuid.UUID
}

var (
	repairer = cred{seed.RepairerAPIKey, seed.RepairerIntegrationID}
	supplier = cred{seed.SupplierAPIKey, seed.SupplierIntegrationID}
)

// call calls a wire method as c and returns the status.
func (s *server) call(tenant string, c cred, method string, body any, out any) int {
	s.t.Helper()
	return s.do(http.MethodPost, methods.PathPrefix+method, tenant,
		map[string]string{"Authorization": "Bearer " + c.key, "Partly-Integration-ID": c.id.String()}, body, out)
}

// subscribe subscribes url for an integration and returns the secret.
func (s *server) subscribe(tenant string, integration uuid.UUID, url string) string {
	s.t.Helper()
	var out struct {
		OK     bool   `json:"ok"`
		Secret string `json:"secret"`
	}
	if code := s.do(http.MethodPost, "/__webhooks/subscribe", tenant, nil,
		map[string]any{"integration_id": integration, "url": url}, &out); code != 200 || !out.OK {
		s.t.Fatalf("subscribe %s: %d %+v", url, code, out)
	}
	return out.Secret
}

// insertJob creates a job of the demo repairer under a new external id.
func (s *server) insertJob(tenant, external string) int {
	s.t.Helper()
	return s.call(tenant, repairer, "repairer.jobs.insert", map[string]any{
		"data": map[string]any{"claim_number": nil, "job_number": nil,
			"repairer_site_id": seed.AddingtonSiteID, "vehicle": nil, "work_provider_id": nil},
		"identity": map[string]any{"external": external},
		"if_":      map[string]any{"exists": "update"},
	}, nil)
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	env    webhook.Envelope
}

// receiver is a webhook receiver on 127.0.0.1:0. answer decides each
// status (nil: 200); every request is passed on through got.
type receiver struct {
	srv *httptest.Server
	got chan received

	mu     sync.Mutex
	answer func(n int, r received) int
	n      int
}

func newReceiver(t testing.TB, answer func(n int, r received) int) *receiver {
	rc := &receiver{got: make(chan received, 1000), answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := received{header: r.Header.Clone(), body: b}
		_ = json.Unmarshal(b, &rec.env)
		rc.mu.Lock()
		rc.n++
		code := http.StatusOK
		if rc.answer != nil {
			code = rc.answer(rc.n, rec)
		}
		rc.mu.Unlock()
		rc.got <- rec
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"received":true}`))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// next waits for the next request, at most 10 s.
func (rc *receiver) next(t testing.TB) received {
	t.Helper()
	select {
	case r := <-rc.got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook arrived within 10 s")
		return received{}
	}
}
