package memory

import (
	"slices"
	"testing"

	"github.com/partifact/mockserver/internal/store"
)

// The journal ring keeps the newest entries in order however often it
// wraps, and a change of keep cuts to what the last keep left.
func TestJournalRing(t *testing.T) {
	var j journal
	statuses := func() []int {
		var out []int
		j.each(func(e *store.JournalEntry) { out = append(out, e.Status) })
		if l := j.list(); len(l) != len(out) {
			t.Fatalf("list has %d entries, each %d", len(l), len(out))
		}
		return out
	}
	for i := 1; i <= 11; i++ {
		j.add(4, store.JournalEntry{Status: i})
	}
	if got := statuses(); !slices.Equal(got, []int{8, 9, 10, 11}) {
		t.Fatalf("keep 4 after 11: %v", got)
	}
	j.add(-1, store.JournalEntry{Status: 12})
	if got := statuses(); !slices.Equal(got, []int{8, 9, 10, 11, 12}) {
		t.Fatalf("keep all: %v", got)
	}
	j.add(2, store.JournalEntry{Status: 13})
	if got := statuses(); !slices.Equal(got, []int{12, 13}) {
		t.Fatalf("keep 2: %v", got)
	}
	j.add(3, store.JournalEntry{Status: 14})
	j.add(3, store.JournalEntry{Status: 15})
	if got := statuses(); !slices.Equal(got, []int{13, 14, 15}) {
		t.Fatalf("keep 3: %v", got)
	}
}
