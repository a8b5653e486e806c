package postgres_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/postgres"
	"github.com/partifact/mockserver/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, pgtest.New(t)) })
}

// TestMigrations: up, down to zero (nothing left), up again, on a real database.
func TestMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewEmpty(t)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	p, err := postgres.Provider(db)
	if err != nil {
		t.Fatal(err)
	}
	tables := func() int {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	up := func() {
		t.Helper()
		if _, err := p.Up(ctx); err != nil {
			t.Fatal(err)
		}
		// Versions need not be consecutive: migrations of parallel work
		// take numbers ahead of time.
		srcs := p.ListSources()
		if v, err := p.GetDBVersion(ctx); err != nil || v != srcs[len(srcs)-1].Version {
			t.Fatalf("version %d (%v), want %d", v, err, srcs[len(srcs)-1].Version)
		}
		if tables() == 0 {
			t.Fatal("no tables after up")
		}
	}
	up()
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if n := tables(); n != 0 {
		t.Fatalf("%d tables left after down to zero", n)
	}
	up()
	s := open(t, url)
	defer s.Close()
	if err := s.View(ctx, "after", func(tx store.Tx) error {
		_, err := tx.Job(seed.RepairerOrgID, seed.DemoJobID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSeedOnceAcrossInstances: two stores (as two instances) meeting a new
// tenant at the same moment seed it once.
func TestSeedOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.New(t)
	a, b := open(t, url), open(t, url)
	defer a.Close()
	defer b.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		s := []*postgres.Store{a, b}[i%2]
		wg.Go(func() {
			if err := s.View(ctx, "newcomer", func(store.Tx) error { return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := a.View(ctx, "newcomer", func(tx store.Tx) error {
		sup, err := tx.Organizations(store.RoleSupplier)
		if len(sup) != len(seed.New().Organizations)-2 {
			t.Errorf("%d supplier organizations", len(sup))
		}
		jobs, _ := tx.Jobs(seed.RepairerOrgID, store.JobFilter{})
		if len(jobs) != 1 {
			t.Errorf("%d jobs", len(jobs))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestKickReachesOtherInstances: a kick wakes the dispatchers of every
// instance, not only the kicker's.
func TestKickReachesOtherInstances(t *testing.T) {
	t.Parallel()
	url := pgtest.New(t)
	a, b := open(t, url), open(t, url)
	defer a.Close()
	defer b.Close()
	if err := a.Kick(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Wakeups():
	case <-time.After(10 * time.Second):
		t.Fatal("the other instance was not woken")
	}
}
