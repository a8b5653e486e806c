package memory

import (
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// inbox is what one listener keeps: its messages oldest first, the last
// Seq it gave and the Size of what it holds.
type inbox struct {
	last  int64
	msgs  []store.Listened
	bytes int
}

func (t *tx) InsertListener(l store.Listener) error {
	if err := t.writable(); err != nil {
		return err
	}
	if slices.ContainsFunc(t.w.listeners, func(x store.Listener) bool { return x.ID == l.ID }) {
		return store.ErrConflict
	}
	old := t.w.listeners
	t.w.listeners = append(slices.Clip(old), l)
	t.w.inboxes[l.ID] = &inbox{}
	t.undo = append(t.undo, func() {
		t.w.listeners = old
		delete(t.w.inboxes, l.ID)
	})
	return nil
}

func (t *tx) Listener(id uuid.UUID) (store.Listener, error) {
	i := slices.IndexFunc(t.w.listeners, func(x store.Listener) bool { return x.ID == id })
	if i < 0 {
		return store.Listener{}, store.ErrNotFound
	}
	return t.w.listeners[i], nil
}

func (t *tx) Listeners() ([]store.Listener, error) { return slices.Clone(t.w.listeners), nil }

func (t *tx) TouchListener(id uuid.UUID, seenAt time.Time) error {
	if err := t.writable(); err != nil {
		return err
	}
	i := slices.IndexFunc(t.w.listeners, func(x store.Listener) bool { return x.ID == id })
	if i < 0 {
		return store.ErrNotFound
	}
	old := t.w.listeners
	next := slices.Clone(old)
	next[i].SeenAt = seenAt
	t.w.listeners = next
	t.undo = append(t.undo, func() { t.w.listeners = old })
	return nil
}

func (t *tx) DeleteListener(id uuid.UUID) error {
	if err := t.writable(); err != nil {
		return err
	}
	i := slices.IndexFunc(t.w.listeners, func(x store.Listener) bool { return x.ID == id })
	if i < 0 {
		return store.ErrNotFound
	}
	old, box := t.w.listeners, t.w.inboxes[id]
	t.w.listeners = slices.Delete(slices.Clone(old), i, i+1)
	delete(t.w.inboxes, id)
	t.undo = append(t.undo, func() {
		t.w.listeners = old
		t.w.inboxes[id] = box
	})
	return nil
}

func (t *tx) AddListened(id uuid.UUID, m store.Listened) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	box := t.w.inboxes[id]
	if box == nil {
		return 0, store.ErrNotFound
	}
	old := *box
	m.Seq = box.last + 1
	m.Headers = maps.Clone(m.Headers)
	m.Body = slices.Clone(m.Body)
	msgs, bytes := append(slices.Clip(box.msgs), m), box.bytes+m.Size()
	drop := 0
	for len(msgs)-drop > 1 && (len(msgs)-drop > store.ListenKeep || bytes > store.ListenKeepBytes) {
		bytes -= msgs[drop].Size()
		drop++
	}
	*box = inbox{last: m.Seq, msgs: msgs[drop:], bytes: bytes}
	t.undo = append(t.undo, func() { *box = old })
	return m.Seq, nil
}

func (t *tx) ListenedAfter(id uuid.UUID, after int64, limit int) ([]store.Listened, error) {
	box := t.w.inboxes[id]
	if box == nil {
		return nil, nil
	}
	// Seqs ascend: find the first one past the cursor.
	i, _ := slices.BinarySearchFunc(box.msgs, after+1, func(m store.Listened, seq int64) int {
		return int(m.Seq - seq)
	})
	out := slices.Clone(box.msgs[i:min(len(box.msgs), i+max(limit, 0))])
	for j := range out {
		out[j].Headers = maps.Clone(out[j].Headers)
		out[j].Body = slices.Clone(out[j].Body)
	}
	return out, nil
}
