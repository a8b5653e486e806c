package storetest

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

func testMobilityConfig(t *testing.T, s store.Store) {
	view(t, s, "mobility", func(tx store.Tx) error {
		equal(t, "unset", must(tx.MobilityConfig()).get(t), store.MobilityConfig{})
		return nil
	})
	set := store.MobilityConfig{PartsOrderingURI: "http://127.0.0.1:9999/parts-orders", UpdatedAt: at(1)}
	update(t, s, "mobility", func(tx store.Tx) error { return tx.SetMobilityConfig(set) })
	view(t, s, "mobility", func(tx store.Tx) error {
		equal(t, "set", must(tx.MobilityConfig()).get(t), set)
		return nil
	})
	view(t, s, "mobility-other", func(tx store.Tx) error {
		equal(t, "other tenant", must(tx.MobilityConfig()).get(t), store.MobilityConfig{})
		return nil
	})
	cleared := store.MobilityConfig{UpdatedAt: at(2)}
	update(t, s, "mobility", func(tx store.Tx) error { return tx.SetMobilityConfig(cleared) })
	view(t, s, "mobility", func(tx store.Tx) error {
		equal(t, "cleared", must(tx.MobilityConfig()).get(t), cleared)
		return nil
	})
	// A failed transaction keeps nothing it set.
	errRollback := errors.New("roll back")
	if err := s.Update(ctx, "mobility", func(tx store.Tx) error {
		if err := tx.SetMobilityConfig(set); err != nil {
			return err
		}
		return errRollback
	}); err != errRollback {
		t.Fatalf("update: %v", err)
	}
	view(t, s, "mobility", func(tx store.Tx) error {
		equal(t, "rolled back", must(tx.MobilityConfig()).get(t), cleared)
		return nil
	})
	if err := s.View(ctx, "mobility", func(tx store.Tx) error { return tx.SetMobilityConfig(set) }); err == nil {
		t.Fatal("a view wrote the configuration")
	}
	// Postgres text refuses NUL; the store must not fail on one.
	update(t, s, "mobility", func(tx store.Tx) error {
		return tx.SetMobilityConfig(store.MobilityConfig{PartsOrderingURI: "http://a\x00b", UpdatedAt: at(3)})
	})
	update(t, s, "mobility", func(tx store.Tx) error { return tx.SetMobilityConfig(set) })
	if err := s.ResetTenant(ctx, "mobility"); err != nil {
		t.Fatal(err)
	}
	view(t, s, "mobility", func(tx store.Tx) error {
		equal(t, "after reset", must(tx.MobilityConfig()).get(t), store.MobilityConfig{})
		return nil
	})
}

func newCheck(i int) store.ContractCheck {
	c := store.ContractCheck{
		ID: uuid.New(), Time: at(i), Target: "http://127.0.0.1:9/" + strconv.Itoa(i), Status: 200,
		Latency: time.Duration(i) * time.Millisecond, FindingCount: i % 3, OK: i%3 == 0,
	}
	for j := range i % 3 {
		c.Findings = append(c.Findings, store.CheckFinding{Path: "/Orders/" + strconv.Itoa(j), Message: "want an object"})
	}
	return c
}

func testContractChecks(t *testing.T, s store.Store) {
	equal(t, "empty", len(must(s.ContractChecks(ctx, "checks", 0)).get(t)), 0)
	var all []store.ContractCheck
	for i := range store.CheckLogCap + 3 {
		c := newCheck(i)
		if i == 1 {
			// Findings quote implementers' bytes, NUL included.
			c.Findings = []store.CheckFinding{{Path: "/Qt\x00y", Message: "unknown field \"Qt\x00y\""}}
			c.FindingCount = 1
		}
		all = append(all, c)
	}
	for _, c := range all[:5] {
		if err := s.AddContractCheck(ctx, "checks", c); err != nil {
			t.Fatal(err)
		}
	}
	got := must(s.ContractChecks(ctx, "checks", 0)).get(t)
	equal(t, "newest first", got, []store.ContractCheck{all[4], all[3], all[2], all[1], all[0]})
	equal(t, "limit keeps the newest", must(s.ContractChecks(ctx, "checks", 2)).get(t), []store.ContractCheck{all[4], all[3]})
	equal(t, "other tenant", len(must(s.ContractChecks(ctx, "checks-other", 0)).get(t)), 0)
	for _, c := range all[5:] {
		if err := s.AddContractCheck(ctx, "checks", c); err != nil {
			t.Fatal(err)
		}
	}
	got = must(s.ContractChecks(ctx, "checks", 0)).get(t)
	equal(t, "kept", len(got), store.CheckLogCap)
	equal(t, "newest kept", got[0], all[len(all)-1])
	equal(t, "oldest kept", got[len(got)-1], all[3])
	if err := s.ResetTenant(ctx, "checks"); err != nil {
		t.Fatal(err)
	}
	equal(t, "after reset", len(must(s.ContractChecks(ctx, "checks", 0)).get(t)), 0)
}
