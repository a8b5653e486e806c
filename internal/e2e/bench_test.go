package e2e

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/sandbox"
)

// BenchmarkJobsGet is the hot read of the benchmark harness (bench/)
// in one process, for profiling: the demo repairer's repairer.jobs.get over
// real HTTP with keep-alive, 32 callers at once.
//
//	go test ./internal/e2e -run '^$' -bench JobsGet -benchmem -cpuprofile cpu.out
func BenchmarkJobsGet(b *testing.B) {
	srv := sandbox.Start(b)
	const callers = 32
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: callers, DisableCompression: true}}
	defer client.CloseIdleConnections()
	url := srv.URL + spec.PathPrefix + "repairer.jobs.get"
	body := []byte(`{"identity":{"external":"CCC-2026-04817"}}`)
	header := http.Header{
		"Content-Type":          {"application/json"},
		"Authorization":         {"Bearer " + sandbox.Repairer.APIKey},
		"Partly-Integration-Id": {sandbox.Repairer.IntegrationID},
	}
	b.SetParallelism(max(1, callers/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header = header
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
