package partage

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/store/postgres"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const testBase = "http://mock.test"

// eachStore runs fn on a fresh memory store and a fresh Postgres store.
func eachStore(t *testing.T, fn func(t *testing.T, w *world)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		fn(t, newWorld(t, memory.New()))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s, err := postgres.Open(context.Background(), pgtest.New(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, newWorld(t, s))
	})
}

// world drives one tenant of a store with a clock the test sets: every
// operation sees now, exactly.
type world struct {
	t      *testing.T
	s      store.Store
	tenant string
	now    time.Time
	token  string
}

// start is a Monday, 10:00 in Chicago.
var start = time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)

func newWorld(t *testing.T, s store.Store) *world {
	return &world{t: t, s: s, tenant: "partage-test", now: start, token: seed.PartageDemoToken}
}

func memWorld(t *testing.T) *world { return newWorld(t, memory.New()) }

// fixedClock is a Tx whose clock the test holds.
type fixedClock struct {
	store.Tx
	now time.Time
}

func (f fixedClock) Now() time.Time { return f.now }

func operation(id string) Operation {
	for _, op := range Operations {
		if op.ID == id {
			return op
		}
	}
	panic("no operation " + id)
}

// do serves an operation as the glue would: one transaction, the token in
// the query (GET) or the body (POST, when it has none of its own).
func (w *world) do(opID, id, body string) (Result, *Error) {
	w.t.Helper()
	op := operation(opID)
	in := Input{ID: id, Body: []byte(body), BaseURL: testBase}
	if op.Method == "GET" {
		in.QueryToken = w.token
	} else if body == "" {
		in.Body = []byte(`{"api_token":"` + w.token + `"}`)
	} else {
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) == nil {
			if _, ok := m["api_token"]; !ok {
				m["api_token"] = w.token
				in.Body, _ = json.Marshal(m)
			}
		}
	}
	return w.serve(opID, in)
}

// serve runs an operation on exactly the input given.
func (w *world) serve(opID string, in Input) (Result, *Error) {
	w.t.Helper()
	op := operation(opID)
	var res Result
	run := func(tx store.Tx) error {
		var err error
		res, err = op.Serve(fixedClock{tx, w.now}, in)
		return err
	}
	var err error
	if op.Write {
		err = w.s.Update(context.Background(), w.tenant, run)
	} else {
		err = w.s.View(context.Background(), w.tenant, run)
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			w.t.Fatalf("%s %s: an error outside the family: %v", opID, in.ID, err)
		}
		return res, e
	}
	return res, nil
}

// ok is do for a call that must succeed.
func (w *world) ok(opID, id, body string) Result {
	w.t.Helper()
	res, err := w.do(opID, id, body)
	if err != nil {
		w.t.Fatalf("%s %s %s: %d %v", opID, id, body, err.Status, err.Messages)
	}
	return res
}

// fails is do for a call that must fail with status; it returns the messages.
func (w *world) fails(status int, opID, id, body string) []string {
	w.t.Helper()
	_, err := w.do(opID, id, body)
	if err == nil {
		w.t.Fatalf("%s %s %s succeeded, want %d", opID, id, body, status)
	}
	if err.Status != status {
		w.t.Fatalf("%s %s %s: %d %v, want %d", opID, id, body, err.Status, err.Messages, status)
	}
	return err.Messages
}

func (w *world) create(body string) CreatedQuote {
	w.t.Helper()
	return w.ok("quotes.create", "", body).JSON.(QuoteCreated).Quote
}

func (w *world) show(id string) QuoteView {
	w.t.Helper()
	return w.ok("quotes.show", id, "").JSON.(QuoteShown).Quote
}

func (w *world) companies() []CompanyView {
	w.t.Helper()
	return w.ok("companies.list", "", "").JSON.([]CompanyView)
}

func (w *world) company(name string) CompanyView {
	w.t.Helper()
	for _, c := range w.companies() {
		if c.Name == name {
			return c
		}
	}
	w.t.Fatalf("no company %q", name)
	return CompanyView{}
}

// bookable is a quote body with everything a booking needs, picking up on
// the date given (origin Chicago 60612, destination 12186 near Albany).
func bookable(pickup string, extra string) string {
	return `{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
		"weight":10000,"pallet_spots":10,"pallets":10,
		"origin_address":{"name":"Lakeshore Parts DC","address_one":"2250 W Carroll Ave","phone":"312-555-0148","postal_code":"60612"},
		"destination_address":{"name":"Capital Region Collision","address_one":"14 Maple Ave","address_two":"Bay 3","phone":"518-555-0100","postal_code":"12186"},
		"commodity":"Auto parts","value":12500.5,"pieces":40,
		"timing":{"origin":"` + pickup + `"}` + extra + `}}`
}

func wantMessage(t *testing.T, msgs []string, part string) {
	t.Helper()
	if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, part) }) {
		t.Fatalf("messages %q do not say %q", msgs, part)
	}
}
