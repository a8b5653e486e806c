package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/sandbox"
)

// TestIdleTenantsAreDropped: a world unused for --tenant-idle is dropped and
// seeded afresh on its next use.
func TestIdleTenantsAreDropped(t *testing.T) {
	t.Parallel()
	a := startApp(t, apptest.Config(func(c *app.Config) { c.TenantIdle = 50 * time.Millisecond }))
	c := newClient(t, &sandbox.Server{URL: a.URL()}, "idle", sandbox.Repairer)
	c.ok("repairer.jobs.insert", map[string]any{"data": map[string]any{"repairer_site_id": seed.HornbySiteID},
		"identity": map[string]any{"external": "IDLE-1"}, "if_": map[string]any{"exists": "update"}}, nil)

	deadline := time.Now().Add(10 * time.Second)
	for {
		// Probing is itself a use, so probe no more often than the idle time.
		time.Sleep(200 * time.Millisecond)
		status, _ := c.call("repairer.jobs.get", map[string]any{"identity": map[string]any{"external": "IDLE-1"}})
		if status == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the idle world was never dropped")
		}
	}
	// Seeded afresh: the demo job is back.
	c.ok("repairer.jobs.get", map[string]any{"identity": map[string]any{"external": seed.DemoJobExternalID}}, nil)
}
