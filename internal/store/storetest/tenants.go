package storetest

import (
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/store"
)

// testTenants: the listing of worlds alive, most recently used first, cut
// at its limit while the count covers them all.
func testTenants(t *testing.T, s store.Store) {
	list := func(limit int) ([]string, int) {
		t.Helper()
		uses, n, err := s.Tenants(ctx, limit)
		if err != nil {
			t.Fatalf("tenants: %v", err)
		}
		names := make([]string, len(uses))
		for i, u := range uses {
			names[i] = u.Name
			if i > 0 && u.LastUsed.After(uses[i-1].LastUsed) {
				t.Fatalf("tenants: %v is not most recently used first", uses)
			}
		}
		return names, n
	}
	names, n := list(10)
	equal(t, "an empty store", len(names), 0)
	equal(t, "an empty store's count", n, 0)

	before := time.Now().Add(-time.Minute)
	// Each world is created (seeded) by its first use; the pauses keep
	// their last uses apart on every clock.
	view(t, s, "t-a", func(store.Tx) error { return nil })
	time.Sleep(5 * time.Millisecond)
	update(t, s, "t-b", func(store.Tx) error { return nil })
	time.Sleep(5 * time.Millisecond)
	view(t, s, store.SharedTenant, func(store.Tx) error { return nil })
	time.Sleep(5 * time.Millisecond)
	names, n = list(10)
	equal(t, "newest first, the shared world too", names, []string{store.SharedTenant, "t-b", "t-a"})
	equal(t, "count", n, 3)

	// A reset is a use.
	if err := s.ResetTenant(ctx, "t-a"); err != nil {
		t.Fatal(err)
	}
	names, n = list(2)
	equal(t, "cut at the limit", names, []string{"t-a", store.SharedTenant})
	equal(t, "the count covers every world", n, 3)
	names, n = list(0)
	equal(t, "limit 0 lists none", len(names), 0)
	equal(t, "limit 0 still counts", n, 3)

	uses, _, err := s.Tenants(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if lu := uses[0].LastUsed; lu.Before(before) || lu.After(time.Now().Add(time.Minute)) || lu.Location() != time.UTC {
		t.Fatalf("last used %v: want a UTC wall-clock time of this test", lu)
	}

	if _, err := s.DropIdleTenants(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	names, n = list(10)
	equal(t, "dropped worlds are gone", len(names), 0)
	equal(t, "dropped worlds are not counted", n, 0)
}
