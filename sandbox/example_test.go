package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/partifact/mockserver/sandbox"
)

// An integrator's test: a world of its own, the demo repairer's credential,
// one call of the API and the webhook it causes, its signature verified.
// (The same file is built from a module of its own by TestFromAnotherModule.)
func TestExampleJobInserted(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	hooks := srv.Webhooks(t) // subscribed for sandbox.Repairer

	req, _ := http.NewRequest("POST", srv.URL+"/api/2026-01/repairer.jobs.insert", strings.NewReader(
		`{"identity":{"external":"EXAMPLE-1"},"if_":{"exists":"update"},"data":{"claim_number":"CLM-1","job_number":null,`+
			`"repairer_site_id":"0b000000-0000-4000-8000-000000000001","vehicle":null,"work_provider_id":null}}`))
	req.Header.Set("Authorization", "Bearer "+sandbox.Repairer.APIKey)
	req.Header.Set("Partly-Integration-ID", sandbox.Repairer.IntegrationID)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("repairer.jobs.insert: %v %v", resp, err)
	}
	resp.Body.Close()

	var job struct {
		ExternalID string `json:"external_id"`
	}
	env := hooks.Wait(t, "repairer.job.inserted")
	if err := json.Unmarshal(env.Payload, &job); err != nil || job.ExternalID != "EXAMPLE-1" {
		t.Fatalf("webhook payload %s: %v", env.Payload, err)
	}
}
