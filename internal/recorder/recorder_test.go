package recorder_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/recorder"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/store/postgres"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// flaky fails the writes of the tenants in failing, and counts writes.
type flaky struct {
	store.Store
	mu      sync.Mutex
	failing map[string]bool
	writes  atomic.Int64
}

var errDown = errors.New("store down for this tenant")

func (f *flaky) Record(ctx context.Context, tenant string, r store.Recording) error {
	f.writes.Add(1)
	f.mu.Lock()
	fail := f.failing[tenant]
	f.mu.Unlock()
	if fail {
		return errDown
	}
	return f.Store.Record(ctx, tenant, r)
}

func (f *flaky) set(tenant string, fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing[tenant] = fail
}

func call(rec *recorder.Recorder, tenant, method string) {
	rec.Journal(tenant, store.JournalEntry{ID: uuid.New(), Time: time.Now(), Method: method, Status: 200,
		RequestBody: []byte(`{"client_secret":"s3cr3t"}`)})
	rec.Count(tenant, recorder.VariantKey(method, "200"))
}

func counts(t *testing.T, st store.Store, tenant string) (journal int, coverage int) {
	t.Helper()
	es, err := st.Journal(ctx, tenant, store.JournalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	cov, err := st.Coverage(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range cov {
		coverage += n
	}
	return len(es), coverage
}

// TestOneTenantsFailureStaysItsOwn: a tenant whose writes fail neither
// fails nor holds up another's flush, and loses nothing: once its writes
// work again, everything recorded for it lands, exactly once.
func TestOneTenantsFailureStaysItsOwn(t *testing.T) {
	t.Parallel()
	st := &flaky{Store: memory.New(), failing: map[string]bool{"poisoned": true}}
	rec := recorder.New(st, 100, nil)
	for range 3 {
		call(rec, "poisoned", "repairer.jobs.get")
		call(rec, "clean", "repairer.jobs.get")
	}
	if err := rec.FlushTenant(ctx, "clean"); err != nil {
		t.Fatalf("the clean tenant's flush: %v", err)
	}
	if j, c := counts(t, st, "clean"); j != 3 || c != 3 {
		t.Fatalf("clean: %d entries, %d counts", j, c)
	}
	err := rec.Flush(ctx)
	if !errors.Is(err, errDown) || !strings.Contains(err.Error(), "1 tenants not written") {
		t.Fatalf("flush of everything: %v", err)
	}
	if err := rec.FlushTenant(ctx, "poisoned"); !errors.Is(err, errDown) {
		t.Fatalf("the poisoned tenant's own flush: %v", err)
	}
	call(rec, "poisoned", "repairer.jobs.insert") // more, while failing
	st.set("poisoned", false)
	if err := rec.FlushTenant(ctx, "poisoned"); err != nil {
		t.Fatal(err)
	}
	if j, c := counts(t, st, "poisoned"); j != 4 || c != 4 {
		t.Fatalf("poisoned after recovery: %d entries, %d counts, want 4 and 4", j, c)
	}
	es, _ := st.Journal(ctx, "poisoned", store.JournalFilter{})
	if es[3].Method != "repairer.jobs.insert" || strings.Contains(string(es[0].RequestBody), "s3cr3t") {
		t.Fatalf("order or redaction: %+v", es)
	}
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestBackgroundRetries: the background flush retries a failed write until
// it lands; nobody has to ask.
func TestBackgroundRetries(t *testing.T) {
	t.Parallel()
	st := &flaky{Store: memory.New(), failing: map[string]bool{"w": true}}
	rec := recorder.New(st, 100, nil)
	call(rec, "w", "repairer.jobs.get")
	for st.writes.Load() < 3 { // a few failed rounds
		time.Sleep(10 * time.Millisecond)
	}
	st.set("w", false)
	for {
		if j, c := counts(t, st, "w"); j == 1 && c == 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestBufferKeepsTheNewest: a tenant's buffer holds at most its journal's
// cap, the newest, like the journal itself; coverage counts every call.
func TestBufferKeepsTheNewest(t *testing.T) {
	t.Parallel()
	st := &flaky{Store: memory.New(), failing: map[string]bool{"w": true}}
	rec := recorder.New(st, 5, nil)
	for i := range 20 {
		call(rec, "w", fmt.Sprintf("m%d", i))
		_ = rec.FlushTenant(ctx, "w") // fails: put back, trimmed
	}
	st.set("w", false)
	if err := rec.FlushTenant(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	es, _ := st.Journal(ctx, "w", store.JournalFilter{})
	if len(es) != 5 || es[0].Method != "m15" || es[4].Method != "m19" {
		t.Fatalf("journal %+v", es)
	}
	if _, c := counts(t, st, "w"); c != 20 {
		t.Fatalf("coverage %d, want 20", c)
	}
}

// TestManyWorldsPostgres: thousands of worlds, one call each, from
// concurrent callers while background flushes run, on Postgres: every
// journal entry and every count is there, in its own world.
func TestManyWorldsPostgres(t *testing.T) {
	t.Parallel()
	const worlds = 3000
	url := pgtest.New(t)
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The worlds exist, as their calls' transactions would have made them,
	// without their seeded records, which the journal does not need.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO tenants (tenant) SELECT 'world-' || n FROM generate_series(0, $1 - 1) n`, worlds); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	rec := recorder.New(st, 1000, nil)
	start := time.Now()
	next := make(chan int)
	go func() {
		for i := range worlds {
			next <- i
		}
		close(next)
	}()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range next {
				tenant := fmt.Sprintf("world-%d", i)
				call(rec, tenant, "repairer.jobs.get")
				if i%7 == 0 { // and another method, in some worlds
					call(rec, tenant, "repairer.jobs.list")
				}
			}
		})
	}
	wg.Wait()
	t.Logf("recorded in %v", time.Since(start))
	start = time.Now()
	var bad []string
	for i := range worlds {
		tenant := fmt.Sprintf("world-%d", i)
		if err := rec.FlushTenant(ctx, tenant); err != nil {
			t.Fatal(err)
		}
		want := 1
		if i%7 == 0 {
			want = 2
		}
		if j, c := counts(t, st, tenant); j != want || c != want {
			bad = append(bad, fmt.Sprintf("%s: %d entries, %d counts, want %d", tenant, j, c, want))
		}
	}
	t.Logf("read in %v", time.Since(start))
	if len(bad) > 0 {
		t.Fatalf("%d of %d worlds lost data, e.g. %v", len(bad), worlds, bad[:min(len(bad), 5)])
	}
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestNULWorldPostgres: a NUL (which Postgres text refuses) in one world's
// journaled method name fails nothing, neither there nor next door.
func TestNULWorldPostgres(t *testing.T) {
	t.Parallel()
	st, err := postgres.Open(ctx, pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := recorder.New(st, 100, nil)
	call(rec, "poisoned", "repairer.jobs.get\x00")
	rec.Journal("poisoned", store.JournalEntry{ID: uuid.New(), Time: time.Now(), RequestID: "\x00", Method: "x", Status: 400,
		RequestBody: []byte(`{"a":"\u0000"}` + "\x00"), ResponseBody: []byte("\x00")})
	call(rec, "clean", "repairer.jobs.get")
	if err := rec.FlushTenant(ctx, "clean"); err != nil {
		t.Fatal(err)
	}
	if err := rec.Flush(ctx); err != nil {
		t.Fatalf("flush with a NUL in one world: %v", err)
	}
	if err := st.ResetTenant(ctx, "clean"); err != nil {
		t.Fatal(err)
	}
	es, err := st.Journal(ctx, "poisoned", store.JournalFilter{Method: "repairer.jobs.get\x00"})
	if err != nil || len(es) != 1 || es[0].Method != "repairer.jobs.get\uFFFD" {
		t.Fatalf("poisoned journal by its own name: %+v %v", es, err)
	}
	all, _ := st.Journal(ctx, "poisoned", store.JournalFilter{})
	if len(all) != 2 || string(all[1].RequestBody) != `{"a":"\u0000"}`+"\x00" {
		t.Fatalf("bodies are kept byte for byte: %+v", all)
	}
	if _, c := counts(t, st, "poisoned"); c != 1 {
		t.Fatalf("poisoned coverage %d", c)
	}
}
