package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// testInstallCounts: clients are counted, and pruning removes the access
// codes that can no longer be exchanged (used or expired at the world's
// now), keeping the others, and is undone with its transaction.
func testInstallCounts(t *testing.T, s store.Store) {
	const tenant = "install-counts"
	var seeded int
	view(t, s, tenant, func(tx store.Tx) error {
		seeded = must(tx.CountClients()).get(t)
		return nil
	})
	update(t, s, tenant, func(tx store.Tx) error {
		return tx.InsertClient(store.Client{ID: "counted", Secret: "s", Name: "n", RedirectURLs: []string{"http://x/cb"}})
	})
	var live int
	update(t, s, tenant, func(tx store.Tx) error {
		equal(t, "clients", must(tx.CountClients()).get(t), seeded+1)
		before := must(tx.PruneAccessCodes()).get(t)
		now := tx.Now()
		for _, c := range []store.AccessCode{
			{Code: "ac_live", ExpiresAt: now.Add(time.Minute)},
			{Code: "ac_expired", ExpiresAt: now.Add(-time.Minute)},
			{Code: "ac_used", ExpiresAt: now.Add(time.Minute), UsedAt: &now},
		} {
			c.ClientID, c.OrganizationID, c.Role = seed.DemoClientID, seed.RepairerOrgID, store.RoleRepairer
			if err := tx.InsertAccessCode(c); err != nil {
				t.Fatal(err)
			}
		}
		live = must(tx.PruneAccessCodes()).get(t)
		equal(t, "live codes: the expired and the used one are gone", live, before+1)
		return nil
	})
	view(t, s, tenant, func(tx store.Tx) error {
		wantErr(t, second(tx.Client(uuid.NewString())), store.ErrNotFound)
		return nil
	})
	update(t, s, tenant, func(tx store.Tx) error {
		equal(t, "live codes after a second prune", must(tx.PruneAccessCodes()).get(t), live)
		_, err := tx.UseAccessCode("ac_live")
		return err
	})
	update(t, s, tenant, func(tx store.Tx) error {
		equal(t, "live codes once the live one is used", must(tx.PruneAccessCodes()).get(t), live-1)
		return nil
	})
}
