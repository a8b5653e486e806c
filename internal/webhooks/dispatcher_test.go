package webhooks_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/webhooks"
)

// stopSetup has one released delivery to a receiver that holds every
// request until release is closed; arrived says the request is in flight.
func stopSetup(t *testing.T) (st *memory.Store, d *webhooks.Dispatcher, arrived, release chan struct{}) {
	arrived, release = make(chan struct{}, 1), make(chan struct{})
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(rc.Close)
	st = memory.New()
	ctx := context.Background()
	var ids []uuid.UUID
	err := st.Update(ctx, "stop", func(tx store.Tx) error {
		if err := tx.InsertEndpoint(store.Endpoint{ID: uuid.New(), IntegrationID: seed.RepairerIntegrationID, URL: rc.URL, CreatedAt: tx.Now()}); err != nil {
			return err
		}
		rec := webhooks.Track(tx)
		err := webhooks.Fanout(rec, store.Event{ID: uuid.New(), Type: "repairer.job.inserted", OrganizationID: seed.RepairerOrgID,
			Role: store.RoleRepairer, ObjectType: "job", ObjectID: seed.DemoJobID, Payload: []byte(`{}`)})
		ids = rec.Written()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := webhooks.Release(ctx, st, "stop", ids); err != nil {
		t.Fatal(err)
	}
	d = webhooks.New(webhooks.Config{Store: st, Poll: 10 * time.Millisecond})
	d.Start()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing was sent")
	}
	return st, d, arrived, release
}

func status(t *testing.T, st store.Store) string {
	var ds []store.Delivery
	_ = st.View(context.Background(), "stop", func(tx store.Tx) (err error) { ds, err = tx.Deliveries(store.DeliveryFilter{}); return err })
	return ds[0].Status
}

func TestStopLetsAttemptsFinish(t *testing.T) {
	t.Parallel()
	st, d, _, release := stopSetup(t)
	go func() { time.Sleep(20 * time.Millisecond); close(release) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if s := status(t, st); s != store.DeliveryDelivered {
		t.Fatalf("after Stop the delivery is %s", s)
	}
}

func TestStopAbandonsAttemptsAtTheDeadline(t *testing.T) {
	t.Parallel()
	st, d, _, release := stopSetup(t)
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop: %v", err)
	}
	// Abandoned, not failed: its lease runs out and it is sent again.
	if s := status(t, st); s != store.DeliveryInFlight {
		t.Fatalf("after an abandoned Stop the delivery is %s", s)
	}
}
