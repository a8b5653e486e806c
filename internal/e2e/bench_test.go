package e2e

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/sandbox"
)

// BenchmarkJobsGet is the hot read through the whole HTTP stack: real
// loopback connections, middleware, validation, the store, JSON encoding.
func BenchmarkJobsGet(b *testing.B) {
	srv := sandbox.Start(b)
	url := srv.URL + spec.PathPrefix + "repairer.jobs.get"
	body := []byte(`{"identity":{"external":"` + seed.DemoJobExternalID + `"}}`)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
			req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
