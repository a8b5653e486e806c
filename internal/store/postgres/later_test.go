package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

func job(ext string) store.Job {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	return store.Job{ID: uuid.New(), OrganizationID: seed.RepairerOrgID, SiteID: seed.AddingtonSiteID,
		ExternalID: &ext, Images: []string{}, Status: store.JobDraft, CreatedAt: now, UpdatedAt: now}
}

// TestInsertSentLater: a write's inserts go with its next statement or its
// COMMIT. One whose key is taken undoes the whole run, the rows inserted
// before it included; fn then runs again with every insert answered at its
// call, and that run is not counted among Update's attempts.
func TestInsertSentLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, pgtest.New(t))
	defer s.Close()
	taken := job("TAKEN")
	if err := s.Update(ctx, "later", func(tx store.Tx) error { return tx.InsertJob(taken) }); err != nil {
		t.Fatal(err)
	}

	// Taken found at the COMMIT.
	fresh := job("FRESH")
	var answers []error
	err := s.Update(ctx, "later", func(tx store.Tx) error {
		// A write sends its first statement with its opening, at once.
		if _, err := tx.JobByExternal(seed.RepairerOrgID, "NONE"); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.InsertJob(fresh); err != nil {
			return err
		}
		again := job("TAKEN")
		err := tx.InsertJob(again)
		answers = append(answers, err)
		if errors.Is(err, store.ErrConflict) {
			return nil // kept fresh, left the taken one
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 2 || answers[0] != nil || !errors.Is(answers[1], store.ErrConflict) {
		t.Fatalf("answers of the taken insert, run by run: %v; want [<nil> %v]", answers, store.ErrConflict)
	}
	err = s.View(ctx, "later", func(tx store.Tx) error {
		jobs, err := tx.Jobs(seed.RepairerOrgID, store.JobFilter{})
		if err != nil {
			return err
		}
		n := 0
		for _, j := range jobs {
			if j.ID == fresh.ID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the job inserted before the taken one is there %d times, want once", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Taken found by the statement after it: that statement fails too.
	runs := 0
	var after []error
	err = s.Update(ctx, "later", func(tx store.Tx) error {
		runs++
		// A write sends its first statement with its opening, at once.
		if _, err := tx.JobByExternal(seed.RepairerOrgID, "FRESH"); err != nil {
			return err
		}
		err := tx.InsertJob(job("TAKEN"))
		_, lookup := tx.JobByExternal(seed.RepairerOrgID, "FRESH")
		after = append(after, lookup)
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Update: got %v, want %v after its attempts", err, store.ErrConflict)
	}
	if after[0] == nil {
		t.Errorf("the lookup after a taken insert sent later answered nil")
	}
	for i, e := range after[1:] {
		if e != nil {
			t.Errorf("run %d: the lookup after an insert answered at its call: %v", i+2, e)
		}
	}
	// The first run met the taken key later; the next runs are the
	// attempts, each meeting it at the call.
	if want := 1 + 5; runs != want {
		t.Errorf("fn ran %d times, want %d (one sent later, then %d attempts)", runs, want, want-1)
	}
}

// TestHeldInsertWritesWhatWasGiven: pgx encodes a statement's arguments
// when it sends them, so an insert held for later is copied at its call:
// what fn changes afterwards through the record's pointers and slices
// does not reach the database.
func TestHeldInsertWritesWhatWasGiven(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, pgtest.New(t))
	defer s.Close()
	j := job("GIVEN")
	claim := "CLM-GIVEN"
	j.ClaimNumber, j.Images = &claim, []string{"https://example.test/given.jpg"}
	want := j
	want.ExternalID, want.ClaimNumber, want.Images = ptr("GIVEN"), ptr("CLM-GIVEN"), []string{"https://example.test/given.jpg"}
	event := store.Event{ID: uuid.New(), Type: "repairer.job.inserted", OrganizationID: seed.RepairerOrgID,
		Role: store.RoleRepairer, ObjectType: "job", ObjectID: j.ID, Payload: []byte(`{"n":1}`), CreatedAt: j.CreatedAt}
	err := s.Update(ctx, "given", func(tx store.Tx) error {
		if _, err := tx.JobByExternal(seed.RepairerOrgID, "NONE"); !errors.Is(err, store.ErrNotFound) {
			return err // the opening, so that the inserts below are held
		}
		if err := tx.InsertJob(j); err != nil {
			return err
		}
		if err := tx.AddEvent(event); err != nil {
			return err
		}
		*j.ExternalID, *j.ClaimNumber, j.Images[0] = "CHANGED", "CLM-CHANGED", "https://example.test/changed.jpg"
		event.Payload[1] = 'x'
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, "given", func(tx store.Tx) error {
		got, err := tx.JobByExternal(seed.RepairerOrgID, "GIVEN")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("job:\n got  %+v\n want %+v", got, want)
		}
		events, err := tx.Events()
		if err != nil {
			return err
		}
		if p := string(events[len(events)-1].Payload); p != `{"n":1}` {
			t.Errorf("event payload %s, want {\"n\":1}", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
