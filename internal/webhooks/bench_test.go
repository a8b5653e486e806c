package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// BenchmarkDeliveryLatency measures, per call, the time from the 200 of
// repairer.jobs.insert to its webhook reaching a local receiver.
func BenchmarkDeliveryLatency(b *testing.B) {
	s := start(b, app.DefaultConfig())
	rc := newReceiver(b, nil)
	s.subscribe("bench-latency", seed.RepairerIntegrationID, rc.srv.URL)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code := s.insertJob("bench-latency", fmt.Sprintf("LAT-%d", i)); code != http.StatusOK {
			b.Fatalf("jobs.insert: %d", code)
		}
		answered := time.Now()
		rc.next(b)
		lat = append(lat, time.Since(answered))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkDispatcherThroughput writes b.N deliveries at once and measures
// how fast the dispatcher empties the outbox into a local receiver.
func BenchmarkDispatcherThroughput(b *testing.B) {
	s := start(b, app.DefaultConfig())
	rc := newReceiver(b, nil)
	s.subscribe("bench-throughput", seed.RepairerIntegrationID, rc.srv.URL)
	st := s.app.Store()
	var ids []uuid.UUID
	err := st.Update(context.Background(), "bench-throughput", func(tx store.Tx) error {
		rec := webhooks.Track(tx)
		for i := 0; i < b.N; i++ {
			ev := store.Event{ID: uuid.New(), Type: "repairer.job.inserted", OrganizationID: seed.RepairerOrgID,
				Role: store.RoleRepairer, ObjectType: "job", ObjectID: seed.DemoJobID, Payload: []byte(`{}`), CreatedAt: tx.Now()}
			if err := webhooks.Fanout(rec, ev); err != nil {
				return err
			}
		}
		ids = rec.Written()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := webhooks.Release(context.Background(), st, "bench-throughput", ids); err != nil {
		b.Fatal(err)
	}
	for range b.N {
		rc.next(b)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
