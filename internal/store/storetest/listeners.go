package storetest

import (
	"bytes"
	"errors"
	"strconv"
	"testing"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

func newListener(minute int) store.Listener {
	return store.Listener{ID: uuid.New(), IntegrationID: seed.RepairerIntegrationID, EndpointID: uuid.New(),
		CreatedAt: at(minute), SeenAt: at(minute)}
}

func testListeners(t *testing.T, s store.Store) {
	a, b := newListener(1), newListener(2)
	b.IntegrationID = seed.SupplierIntegrationID
	// Bodies are kept byte for byte, whatever they hold.
	binary := []byte{0xff, 0x00, '{', 0xfe}
	updateTaken(t, s, "listen", func(tx store.Tx, taken func(error)) error {
		if err := tx.InsertListener(a); err != nil {
			return err
		}
		if err := tx.InsertListener(b); err != nil {
			return err
		}
		for i, body := range [][]byte{[]byte(`{"n":1}`), binary, []byte(`{"n":3}`)} {
			seq := must(tx.AddListened(a.ID, store.Listened{ReceivedAt: at(10 + i),
				Headers: map[string]string{"partly-hmac-sha256": "sig" + strconv.Itoa(i), "content-type": "application/json"}, Body: body})).get(t)
			equal(t, "seq", seq, int64(i+1))
		}
		_, err := tx.AddListened(uuid.New(), store.Listened{Body: []byte("x")})
		wantErr(t, err, store.ErrNotFound)
		taken(tx.InsertListener(a))
		return nil
	})
	view(t, s, "listen", func(tx store.Tx) error {
		equal(t, "listener", must(tx.Listener(a.ID)).get(t), a)
		equal(t, "listeners, oldest first", must(tx.Listeners()).get(t), []store.Listener{a, b})
		_, err := tx.Listener(uuid.New())
		wantErr(t, err, store.ErrNotFound)

		all := must(tx.ListenedAfter(a.ID, 0, 10)).get(t)
		equal(t, "kept", len(all), 3)
		equal(t, "first", all[0], store.Listened{Seq: 1, ReceivedAt: at(10),
			Headers: map[string]string{"partly-hmac-sha256": "sig0", "content-type": "application/json"}, Body: []byte(`{"n":1}`)})
		if !bytes.Equal(all[1].Body, binary) {
			t.Fatalf("binary body came back as %x", all[1].Body)
		}
		after := must(tx.ListenedAfter(a.ID, 1, 1)).get(t)
		equal(t, "after 1, one", len(after), 1)
		equal(t, "after 1, seq", after[0].Seq, int64(2))
		equal(t, "after the last", len(must(tx.ListenedAfter(a.ID, 3, 10)).get(t)), 0)
		equal(t, "another listener's", len(must(tx.ListenedAfter(b.ID, 0, 10)).get(t)), 0)
		return nil
	})
	view(t, s, "listen-other", func(tx store.Tx) error {
		_, err := tx.Listener(a.ID)
		wantErr(t, err, store.ErrNotFound)
		equal(t, "another tenant's messages", len(must(tx.ListenedAfter(a.ID, 0, 10)).get(t)), 0)
		return nil
	})

	// A failed transaction keeps nothing and uses up no number.
	boom := errors.New("boom")
	if err := s.Update(ctx, "listen", func(tx store.Tx) error {
		if _, err := tx.AddListened(a.ID, store.Listened{ReceivedAt: at(20), Body: []byte("lost")}); err != nil {
			return err
		}
		if err := tx.TouchListener(a.ID, at(30)); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("update: %v", err)
	}
	update(t, s, "listen", func(tx store.Tx) error {
		equal(t, "seq after a rollback", must(tx.AddListened(a.ID, store.Listened{ReceivedAt: at(21), Body: []byte("kept")})).get(t), int64(4))
		equal(t, "seen after a rollback", must(tx.Listener(a.ID)).get(t).SeenAt, a.SeenAt)
		if err := tx.TouchListener(a.ID, at(40)); err != nil {
			return err
		}
		wantErr(t, tx.TouchListener(uuid.New(), at(40)), store.ErrNotFound)
		return nil
	})
	update(t, s, "listen", func(tx store.Tx) error {
		equal(t, "seen", must(tx.Listener(a.ID)).get(t).SeenAt, at(40))
		if err := tx.DeleteListener(a.ID); err != nil {
			return err
		}
		wantErr(t, tx.DeleteListener(a.ID), store.ErrNotFound)
		_, err := tx.AddListened(a.ID, store.Listened{Body: []byte("x")})
		wantErr(t, err, store.ErrNotFound)
		return nil
	})
	view(t, s, "listen", func(tx store.Tx) error {
		equal(t, "left", must(tx.Listeners()).get(t), []store.Listener{b})
		equal(t, "a deleted listener's messages", len(must(tx.ListenedAfter(a.ID, 0, 10)).get(t)), 0)
		return nil
	})

	if err := s.ResetTenant(ctx, "listen"); err != nil {
		t.Fatal(err)
	}
	view(t, s, "listen", func(tx store.Tx) error {
		equal(t, "listeners after a reset", len(must(tx.Listeners()).get(t)), 0)
		return nil
	})
}

func testListenerCaps(t *testing.T, s store.Store) {
	byCount, byBytes := newListener(1), newListener(2)
	add := func(l store.Listener, n, size int) {
		t.Helper()
		update(t, s, "caps", func(tx store.Tx) error {
			for range n {
				if _, err := tx.AddListened(l.ID, store.Listened{ReceivedAt: at(3), Headers: map[string]string{"k": "v"},
					Body: bytes.Repeat([]byte("x"), size)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	update(t, s, "caps", func(tx store.Tx) error {
		if err := tx.InsertListener(byCount); err != nil {
			return err
		}
		return tx.InsertListener(byBytes)
	})
	add(byCount, store.ListenKeep+5, 10)
	// Each message is a MiB and 2 bytes: the cap holds three.
	add(byBytes, 6, 1<<20)
	view(t, s, "caps", func(tx store.Tx) error {
		kept := must(tx.ListenedAfter(byCount.ID, 0, 2*store.ListenKeep)).get(t)
		equal(t, "kept by count", len(kept), store.ListenKeep)
		equal(t, "oldest kept", kept[0].Seq, int64(6))
		equal(t, "newest kept", kept[len(kept)-1].Seq, int64(store.ListenKeep+5))
		kept = must(tx.ListenedAfter(byBytes.ID, 0, 10)).get(t)
		equal(t, "kept by size", len(kept), store.ListenKeepBytes/(1<<20)-1)
		equal(t, "oldest kept by size", kept[0].Seq, int64(6-len(kept)+1))
		return nil
	})
	// One message larger than the cap is kept on its own.
	add(byBytes, 1, store.ListenKeepBytes+1)
	view(t, s, "caps", func(tx store.Tx) error {
		kept := must(tx.ListenedAfter(byBytes.ID, 0, 10)).get(t)
		equal(t, "one oversized", len(kept), 1)
		equal(t, "its seq", kept[0].Seq, int64(7))
		return nil
	})
}
