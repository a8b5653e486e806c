package recorder

import (
	"context"
	"errors"
	"fmt"
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
