package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/postgres"
)

// TestCacheAcrossInstances: what an instance keeps of a tenant in its own
// memory (credentials, webhook endpoints, whether it has faults, the clock
// it read, the world itself) never hides a change another instance just made. Each change is
// made on a and read on b at once, after b has read (and kept) the old
// state; then the other way round.
func TestCacheAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.New(t)
	a, b := open(t, url), open(t, url)
	defer a.Close()
	defer b.Close()
	const tenant = "cached"
	view := func(s *postgres.Store, fn func(tx store.Tx) error) {
		t.Helper()
		if err := s.View(ctx, tenant, fn); err != nil {
			t.Fatal(err)
		}
	}
	change := func(s *postgres.Store, fn func(tx store.Tx) error) {
		t.Helper()
		if err := s.Update(ctx, tenant, fn); err != nil {
			t.Fatal(err)
		}
	}
	// keyOf is what each instance finds for key: the integration's id, or
	// "" when the key belongs to nobody.
	keyOf := func(s *postgres.Store, key string) string {
		t.Helper()
		var id string
		view(s, func(tx store.Tx) error {
			id = "" // fn may run again (see store.Store.View)
			in, err := tx.IntegrationByKey(key)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			id = in.ID.String()
			return err
		})
		return id
	}
	faultsOf := func(s *postgres.Store) int {
		t.Helper()
		var n int
		view(s, func(tx store.Tx) error {
			fs, err := tx.Faults("partly:repairer.jobs.get")
			n = len(fs)
			return err
		})
		return n
	}
	for _, pair := range [][2]*postgres.Store{{a, b}, {b, a}} {
		writer, reader := pair[0], pair[1]
		if err := writer.ResetTenant(ctx, tenant); err != nil {
			t.Fatal(err)
		}

		// Credentials: a key added on the writer is found on the reader,
		// and once a reset removes it, refused there at once.
		if keyOf(reader, seed.RepairerAPIKey) == "" {
			t.Fatal("the demo key is not found")
		}
		added := store.Integration{ID: uuid.New(), APIKey: "partly_added_" + uuid.NewString(), OrganizationID: seed.RepairerOrgID,
			Role: store.RoleRepairer, ClientID: "cached-client", WebhookSecret: "whsec_cached", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		change(writer, func(tx store.Tx) error { return tx.InsertIntegration(added) })
		if got := keyOf(reader, added.APIKey); got != added.ID.String() {
			t.Fatalf("the added key: %q on the other instance", got)
		}
		if got := keyOf(reader, added.APIKey); got != added.ID.String() {
			t.Fatalf("the added key, read again: %q", got)
		}
		if err := writer.ResetTenant(ctx, tenant); err != nil {
			t.Fatal(err)
		}
		if got := keyOf(reader, added.APIKey); got != "" {
			t.Fatalf("a key the reset removed is still found on the other instance: %q", got)
		}

		// Webhook endpoints: one subscribed on the writer is fanned out
		// to by the reader's next event.
		endpointsOf := func(s *postgres.Store) (n int) {
			t.Helper()
			view(s, func(tx store.Tx) error {
				eps, err := tx.Endpoints(seed.RepairerIntegrationID)
				n = len(eps)
				return err
			})
			return n
		}
		if n := endpointsOf(reader); n != 0 {
			t.Fatalf("%d endpoints before any was subscribed", n)
		}
		change(writer, func(tx store.Tx) error {
			return tx.InsertEndpoint(store.Endpoint{ID: uuid.New(), IntegrationID: seed.RepairerIntegrationID,
				URL: "http://127.0.0.1:9/hooks", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)})
		})
		if n := endpointsOf(reader); n != 1 {
			t.Fatalf("%d endpoints on the other instance, want 1", n)
		}

		// Faults: the reader has seen none; one set on the writer fires
		// on the reader's next call, and once deleted is gone there.
		if n := faultsOf(reader); n != 0 {
			t.Fatalf("%d faults before any was set", n)
		}
		change(writer, func(tx store.Tx) error {
			return tx.InsertFault(store.Fault{ID: uuid.New(), Method: "partly:repairer.jobs.get", ErrorType: "internal",
				Status: 500, Probability: 1, Remaining: -1, CreatedAt: tx.Now()})
		})
		if n := faultsOf(reader); n != 1 {
			t.Fatalf("%d faults on the other instance, want 1", n)
		}
		change(writer, func(tx store.Tx) error { return tx.DeleteFaults() })
		if n := faultsOf(reader); n != 0 {
			t.Fatalf("%d faults on the other instance after they were deleted", n)
		}

		// The clock: moved on the writer, read moved on the reader.
		var before time.Time
		view(reader, func(tx store.Tx) error { before = tx.Now(); return nil })
		change(writer, func(tx store.Tx) error { return tx.SetClockOffset(48 * time.Hour) })
		var after time.Time
		view(reader, func(tx store.Tx) error { after = tx.Now(); return nil })
		if d := after.Sub(before); d < 47*time.Hour || d > 49*time.Hour {
			t.Fatalf("the clock moved %v on the other instance, want 48h", d)
		}

		// The world itself: a job made on the reader is gone there once
		// the writer resets the tenant; so is one of a dropped tenant.
		job := store.Job{ID: uuid.New(), OrganizationID: seed.RepairerOrgID, SiteID: seed.AddingtonSiteID,
			Images: []string{}, Status: store.JobDraft, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		job.UpdatedAt = job.CreatedAt
		change(reader, func(tx store.Tx) error { return tx.InsertJob(job) })
		for _, drop := range []func() error{
			func() error { return writer.ResetTenant(ctx, tenant) },
			func() error { _, err := writer.DropIdleTenants(ctx, time.Now().Add(time.Hour)); return err },
		} {
			if err := drop(); err != nil {
				t.Fatal(err)
			}
			var found error
			view(reader, func(tx store.Tx) error {
				_, found = tx.Job(seed.RepairerOrgID, job.ID) // the last run's answer counts
				return nil
			})
			if !errors.Is(found, store.ErrNotFound) {
				t.Errorf("a job of the replaced world: %v, want not found", found)
			}
			change(reader, func(tx store.Tx) error { return tx.InsertJob(job) })
		}
	}
}

// TestCacheTooBigToKeep: a tenant with more integrations than a snapshot
// holds is not kept whole, and its calls find every key in the database.
func TestCacheTooBigToKeep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, pgtest.New(t))
	defer s.Close()
	const tenant = "crowded"
	var keys []string
	if err := s.Update(ctx, tenant, func(tx store.Tx) error {
		keys = keys[:0]
		for i := range 300 {
			in := store.Integration{ID: uuid.New(), APIKey: fmt.Sprintf("partly_crowd_%03d", i), OrganizationID: seed.RepairerOrgID,
				Role: store.RoleRepairer, ClientID: "crowd", WebhookSecret: "whsec_crowd", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
			if err := tx.InsertIntegration(in); err != nil {
				return err
			}
			keys = append(keys, in.APIKey)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the first call reads the snapshot, the second uses what is kept
		for _, key := range []string{keys[0], keys[299], seed.RepairerAPIKey} {
			var found error
			if err := s.View(ctx, tenant, func(tx store.Tx) error {
				_, found = tx.IntegrationByKey(key)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if found != nil {
				t.Fatalf("%s: %v", key, found)
			}
		}
	}
}
