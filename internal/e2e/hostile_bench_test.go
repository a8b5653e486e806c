package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
)

// BenchmarkHostileInput: how long the server takes to refuse each kind of
// hostile body on a wire method (the figures go to docs/benchmarks.md; the
// bound on their cost is that it grows linearly with the body, see
// cmd/mockserver's TestHostileInput for the answers and the memory).
func BenchmarkHostileInput(b *testing.B) {
	a := apptest.Start(b, app.DefaultConfig())
	bodies := map[string]string{
		"DeepArray20KB": strings.Repeat("[", 9999) + strings.Repeat("]", 9999),
		"InvalidItems900KB": `{"job":{"external":"CCC-2026-04817"},"parts":[` +
			strings.TrimSuffix(strings.Repeat(`{"description":"x","part_number":"1","quantity":"many"},`, 15000), ",") + `]}`,
		"NUL": `{"job":{"external":"CCC\u0000"},"parts":[]}`,
	}
	for name, body := range bodies {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, a.URL()+methods.PathPrefix+"repairer.jobs.parts.insert", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
				req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
				resp, err := httpClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusBadRequest {
					b.Fatalf("%s: %d", name, resp.StatusCode)
				}
			}
		})
	}
}
