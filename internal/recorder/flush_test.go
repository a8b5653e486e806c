package recorder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
)

// down fails every write and counts them.
type down struct {
	store.Store
	writes atomic.Int64
}

func (d *down) Record(context.Context, string, store.Recording) error {
	d.writes.Add(1)
	return errors.New("connection refused")
}

// TestBackgroundRoundStopsWhenTheStoreIsDown: a background round that
// meets nothing but failures stops after a few, keeping the rest buffered
// for the next round, rather than have every world meet the failure.
func TestBackgroundRoundStopsWhenTheStoreIsDown(t *testing.T) {
	t.Parallel()
	st := &down{Store: memory.New()}
	r := New(st, 10, nil)
	r.mu.Lock()
	r.closed = true // no timers: the test runs the round itself
	r.mu.Unlock()
	for i := range 100 {
		r.Journal(fmt.Sprint("w", i), store.JournalEntry{ID: uuid.New(), Time: time.Now(), Method: "m", Status: 200})
	}
	failed, err := r.flushAll(context.Background(), true)
	if failed != 100 || err == nil {
		t.Fatalf("failed %d (%v), want all 100 not written", failed, err)
	}
	if n := st.writes.Load(); n >= 2*flushWorkers {
		t.Fatalf("%d writes tried with the store down, want fewer than %d", n, 2*flushWorkers)
	}
	if r.entries != 100 {
		t.Fatalf("%d entries still buffered, want 100", r.entries)
	}
}

// TestBufferBound: while the store cannot be written, the buffer holds
// entries up to its bound, then keeps new ones without their bodies, then
// drops them; coverage counts all the same. Once the store is back,
// everything held is written.
func TestBufferBound(t *testing.T) {
	t.Parallel()
	st := &switchable{Store: memory.New()}
	st.down.Store(true)
	r := New(st, 1000, nil)
	r.maxBytes = 10 * (1024 + entryOverhead)
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	body := make([]byte, 512)
	for i := range 30 {
		r.Journal("w", store.JournalEntry{ID: uuid.New(), Time: time.Now(), Method: fmt.Sprint(i), Status: 200,
			RequestBody: body, ResponseBody: body})
		r.Count("w", "m 200")
	}
	if r.bytes > r.maxBytes+r.maxBytes/8 {
		t.Fatalf("%d bytes buffered, over the bound %d", r.bytes, r.maxBytes+r.maxBytes/8)
	}
	if r.dropped == 0 || r.stripped == 0 {
		t.Fatalf("stripped %d, dropped %d: want both", r.stripped, r.dropped)
	}
	st.down.Store(false)
	if err := r.FlushTenant(context.Background(), "w"); err != nil {
		t.Fatal(err)
	}
	es, _ := st.Journal(context.Background(), "w", store.JournalFilter{})
	if len(es) != 10+r.stripped || len(es[0].RequestBody) != 512 || string(es[len(es)-1].RequestBody) != string(bodyDropped) {
		t.Fatalf("%d entries written, want the 10 whole and %d without bodies", len(es), r.stripped)
	}
	if cov, _ := st.Coverage(context.Background(), "w"); cov["m 200"] != 30 {
		t.Fatalf("coverage %v, want all 30 calls", cov)
	}
}

// switchable fails every write while down.
type switchable struct {
	store.Store
	down atomic.Bool
}

func (s *switchable) Record(ctx context.Context, tenant string, rec store.Recording) error {
	if s.down.Load() {
		return errors.New("connection refused")
	}
	return s.Store.Record(ctx, tenant, rec)
}

// slow holds every write until released.
type slow struct {
	store.Store
	release chan struct{}
}

func (s *slow) Record(ctx context.Context, tenant string, rec store.Recording) error {
	<-s.release
	return s.Store.Record(ctx, tenant, rec)
}

// TestOneRoundInFlight: while the store is slow, calls in many worlds
// keep coming and each batch-full mark used to start another background
// round over every buffered world, each waiting for a writer and holding
// its list of worlds (thousands of goroutines and O(worlds²) memory).
// Only one round is ever in flight; once the store answers, every call is
// written.
func TestOneRoundInFlight(t *testing.T) {
	// Not parallel: the goroutines of this package are counted.
	st := &slow{Store: memory.New(), release: make(chan struct{})}
	r := New(st, 10, nil)
	const worlds = 8 * flushBatch
	for i := range worlds {
		r.Journal(fmt.Sprint("w", i), store.JournalEntry{ID: uuid.New(), Time: time.Now(), Method: "m", Status: 200})
		r.Count(fmt.Sprint("w", i), "m 200")
	}
	if n := goroutinesIn("(*Recorder).background("); n > 1 {
		t.Errorf("%d background rounds in flight after %d calls, want at most 1", n, worlds)
	}
	close(st.release)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range worlds {
		if cov, _ := st.Coverage(context.Background(), fmt.Sprint("w", i)); cov["m 200"] != 1 {
			t.Fatalf("world w%d: coverage %v, want its one call", i, cov)
		}
	}
}

// goroutinesIn counts the goroutines with fn on their stack.
func goroutinesIn(fn string) int {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 2)
	n := 0
	for _, g := range strings.Split(buf.String(), "\n\n") {
		if strings.Contains(g, fn) {
			n++
		}
	}
	return n
}
