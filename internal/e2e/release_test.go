package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/sandbox"
)

// receiver collects the event types of the webhooks it receives.
func receiver(t *testing.T) (string, *eventTypes) {
	got := &eventTypes{arrived: make(chan struct{}, 64)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env struct{ Type string }
		b, _ := io.ReadAll(r.Body)
		if json.Unmarshal(b, &env) == nil {
			got.mu.Lock()
			got.types = append(got.types, env.Type)
			got.mu.Unlock()
			select {
			case got.arrived <- struct{}{}:
			default:
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, got
}

// eventTypes are the types received, in arrival order: webhooks of two
// transactions may arrive in either order (auto-confirm's may overtake
// the insert's, which wait for its answer).
type eventTypes struct {
	mu      sync.Mutex
	types   []string
	arrived chan struct{}
}

func (e *eventTypes) has(typ string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Contains(e.types, typ)
}

func metricsText(t *testing.T, base string) string {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func waitForEvent(t *testing.T, got *eventTypes, want string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !got.has(want) {
		select {
		case <-got.arrived:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %s webhook arrived", want)
		}
	}
}

// TestWebhooksReleasedByEveryPath: with the dispatcher's fallback poll an
// hour away, only an explicit release after the answer can send a held
// delivery. A wire call, a sandbox trigger and supplier auto-confirm must
// each release what they wrote.
func TestWebhooksReleasedByEveryPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  app.Config
	}{
		{"Trigger", apptest.Config(func(c *app.Config) { c.WebhookPoll = time.Hour })},
		{"AutoConfirm", apptest.Config(func(c *app.Config) { c.WebhookPoll = time.Hour; c.SupplierAutoConfirm = time.Millisecond })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := startApp(t, tc.cfg)
			const tenant = "release"
			url, got := receiver(t)
			ctlOK(t, a.URL(), tenant, "POST /__webhooks/subscribe", "",
				map[string]any{"integration_id": seed.RepairerIntegrationID, "url": url}, nil)
			rep := clientOf(t, a.URL(), tenant, sandbox.Repairer)

			// A wire call, through every layer that buffers the answer.
			rep.ok("repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.AddingtonSiteID},
				"identity": map[string]any{"external": "REL-1"}, "if_": map[string]any{"exists": "update"}}, nil)
			waitForEvent(t, got, "repairer.job.inserted")

			var parts methods.JobsPartsInsertResponse
			rep.ok("repairer.jobs.parts.insert", map[string]any{"job": map[string]any{"external": "REL-1"},
				"parts": []any{map[string]any{"description": "Bonnet", "part_number": seed.BonnetPN, "quantity": 1}}}, &parts)
			var basket methods.BasketV1
			rep.ok("repairer.jobs.baskets.latest.get", map[string]any{"job": map[string]any{"external": "REL-1"}}, &basket)
			var proc methods.ProcurementV1
			rep.ok("repairer.procurements.insert", map[string]any{"job": map[string]any{"external": "REL-1"},
				"offer_ids": []string{basket.Offers[0].ID.String()}}, &proc)
			waitForEvent(t, got, "repairer.procurement.order_requested")

			if tc.cfg.SupplierAutoConfirm == 0 {
				ctlOK(t, a.URL(), tenant, "POST /__procurements/{id}/confirm", "/__procurements/"+proc.ID.String()+"/confirm", nil, nil)
			}
			waitForEvent(t, got, "repairer.procurement.order_confirmed")

			// Each delivery is counted once its attempt is recorded.
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(metricsText(t, a.URL()), `mockserver_webhook_attempts_total{outcome="delivered"} 3`) {
				if time.Now().After(deadline) {
					t.Fatalf("webhook attempts not counted:\n%s", metricsText(t, a.URL()))
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
