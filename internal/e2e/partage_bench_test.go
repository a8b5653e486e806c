package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/partifact/mockserver/internal/seed"
)

// BenchmarkPartageQuoteCreate: POST /partage/api/quotes through the whole
// HTTP stack on each store, the quote an integrator that means to book
// sends (three options, both addresses, a service). Each parallel caller
// quotes in a world of its own, as a suite's workers would (a world keeps
// at most partage.MaxQuotes). Compare with BenchmarkJobsGet; figures in
// docs/benchmarks.md.
func BenchmarkPartageQuoteCreate(b *testing.B) {
	body := []byte(`{"api_token":"` + seed.PartageDemoToken + `","quote":{"equipment":"van",` +
		`"origin_postal_code":"60612","destination_postal_code":"12186","weight":10000,"pallet_spots":10,"pallets":10,` +
		`"origin_address":{"name":"Lakeshore Parts Distribution","address_one":"2250 W Carroll Ave","phone":"312-555-0148","postal_code":"60612"},` +
		`"destination_address":{"name":"Capital Region Collision","address_one":"14 Maple Ave","address_two":"Bay 3","phone":"518-555-0100","postal_code":"12186"},` +
		`"commodity":"Collision parts","value":12500,"pieces":40,"services":{"destination":{"Liftgate":1}}}}`)
	for _, name := range []string{"memory", "postgres"} {
		b.Run(name, func(b *testing.B) {
			srv := benchServer(b, name)
			var worlds atomic.Int64
			b.SetParallelism(benchParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				tenant := fmt.Sprintf("bench-quotes-%d", worlds.Add(1))
				for pb.Next() {
					req, err := http.NewRequest(http.MethodPost, srv.URL+"/partage/api/quotes", bytes.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					req.Header.Set("Accept", "application/json")
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("x-partifact-tenant", tenant)
					resp, err := benchClient.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					data, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("quotes.create: %d %s", resp.StatusCode, data)
					}
				}
			})
		})
	}
}
