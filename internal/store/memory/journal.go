package memory

import "github.com/partifact/mockserver/internal/store"

// journal is a world's journal: its newest keep entries. Once full it is a
// ring (the oldest entry at head), so that a new entry overwrites the
// oldest in place: writing one copies nothing else, whatever the rate.
type journal struct {
	entries []store.JournalEntry
	head    int
	keep    int // negative: keep all
}

// add appends e, keeping the newest keep. A keep other than the last one
// first cuts the journal to what the last one left.
func (j *journal) add(keep int, e store.JournalEntry) {
	if keep != j.keep {
		*j = journal{entries: j.list(), keep: keep}
		if keep >= 0 && len(j.entries) > keep {
			j.entries = j.entries[len(j.entries)-keep:]
		}
	}
	switch {
	case keep < 0 || len(j.entries) < keep:
		j.entries = append(j.entries, e)
	case keep > 0:
		j.entries[j.head] = e
		j.head = (j.head + 1) % keep
	}
}

// list is every entry, oldest first, in a slice of its own.
func (j *journal) list() []store.JournalEntry {
	out := make([]store.JournalEntry, 0, len(j.entries))
	return append(append(out, j.entries[j.head:]...), j.entries[:j.head]...)
}

// each calls fn on every entry, oldest first.
func (j *journal) each(fn func(e *store.JournalEntry)) {
	for i := range j.entries {
		fn(&j.entries[(j.head+i)%len(j.entries)])
	}
}
