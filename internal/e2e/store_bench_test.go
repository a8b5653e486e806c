package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/sandbox"
)

// Benchmarks of one read and one write method through the whole HTTP stack,
// on each store. Figures and the machine are in docs/benchmarks.md.

// benchServer starts a mock on the named store.
func benchServer(b *testing.B, name string) *sandbox.Server {
	if name == "postgres" {
		return sandbox.Start(b, sandbox.Options{DatabaseURL: pgtest.New(b)})
	}
	return sandbox.Start(b)
}

// benchParallelism × GOMAXPROCS clients call at once, as a CI fleet would.
const benchParallelism = 8

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

func benchCall(b *testing.B, url, method string, body []byte) {
	req, err := http.NewRequest(http.MethodPost, url+methods.PathPrefix+method, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
	req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
	req.Header.Set("x-partifact-tenant", "bench")
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d %s", method, resp.StatusCode, data)
	}
}

func BenchmarkJobsGet(b *testing.B) {
	for _, name := range []string{"memory", "postgres"} {
		b.Run(name, func(b *testing.B) {
			srv := benchServer(b, name)
			body := []byte(`{"identity":{"id":"` + seed.DemoJobID.String() + `"}}`)
			benchCall(b, srv.URL, "repairer.jobs.get", body) // seeds the tenant
			b.SetParallelism(benchParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					benchCall(b, srv.URL, "repairer.jobs.get", body)
				}
			})
		})
	}
}

func BenchmarkJobsInsert(b *testing.B) {
	for _, name := range []string{"memory", "postgres"} {
		b.Run(name, func(b *testing.B) {
			srv := benchServer(b, name)
			benchCall(b, srv.URL, "repairer.jobs.get", []byte(`{"identity":{"id":"`+seed.DemoJobID.String()+`"}}`))
			var n atomic.Int64
			b.SetParallelism(benchParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := fmt.Appendf(nil, `{"data":{"claim_number":"CLM-1","job_number":null,"repairer_site_id":"%s",`+
						`"vehicle":null,"work_provider_id":null},"identity":{"external":"BENCH-%d"},"if_":{"exists":"update"}}`,
						seed.AddingtonSiteID, n.Add(1))
					benchCall(b, srv.URL, "repairer.jobs.insert", body)
				}
			})
		})
	}
}
