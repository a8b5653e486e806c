package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/partage"
)

// ptAnswer is one answer of a call made from a goroutine of its own (the
// checks run after, on the test's goroutine).
type ptAnswer struct {
	op     string
	status int
	ct     string
	body   []byte
	err    error
}

func ptSendAll(t *testing.T, reqs []*http.Request, ops []string) []ptAnswer {
	t.Helper()
	out := make([]ptAnswer, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			a := ptAnswer{op: ops[i]}
			resp, err := httpClient.Do(req)
			if err == nil {
				a.status, a.ct = resp.StatusCode, resp.Header.Get("Content-Type")
				a.body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			a.err = err
			out[i] = a
		})
	}
	wg.Wait()
	for _, a := range out {
		if a.err != nil {
			t.Fatal(a.err)
		}
		if err := ptShape(t, a.op, a.status, a.ct, a.body); err != nil {
			t.Fatalf("%s: %v", a.op, err)
		}
	}
	return out
}

// TestPartageConcurrentWrites: calls racing in one family over HTTP lose
// nothing and break no rule, on both stores. Quotes made at once get
// distinct numbers, the day's ranks 1 to n, and distinct pl_ids; bookings
// racing for one credit limit take it exactly up to the limit, the rest
// refused with 406, and the utilization is the seeded one plus what was
// booked.
func TestPartageConcurrentWrites(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-concurrent"
		c := newPT(t, a.URL(), tenant)
		monday := setClock(t, a.URL(), tenant, ptMonday())

		// Quotes for Badger State on its own credit, Chicago to Milwaukee:
		// each costs the truckload minimum.
		const n = 16
		reqs, ops := make([]*http.Request, n), make([]string, n)
		for i := range n {
			reqs[i] = c.request("quotes.create", "", map[string]any{"external_id": "badger-state", "own_credit": true,
				"quote": lane("53202", nil)})
			ops[i] = "quotes.create"
		}
		var numbers, plIDs []string
		var total int64
		for _, ans := range ptSendAll(t, reqs, ops) {
			if ans.status != http.StatusOK {
				t.Fatalf("quotes.create: %d %s", ans.status, ans.body)
			}
			var q ptCreated
			if err := json.Unmarshal(ans.body, &q); err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, q.Quote.Number)
			plIDs = append(plIDs, q.Quote.URL[strings.LastIndex(q.Quote.URL, "/")+1:])
			total = q.totals()[partage.ModeTruckload]
		}
		want := make([]string, n)
		for i := range n {
			want[i] = fmt.Sprintf("%s-%d", day(monday, 0), i+1)
		}
		slices.Sort(numbers)
		slices.Sort(want)
		if !slices.Equal(numbers, want) {
			t.Fatalf("numbers %v, want %v", numbers, want)
		}
		if slices.Sort(plIDs); len(slices.Compact(plIDs)) != n {
			t.Fatalf("pl_ids are not distinct: %v", plIDs)
		}

		// Book them all at once: the limit holds exactly.
		badger := c.company("Badger State Auto Parts")
		fits := (*badger.CreditLimit - badger.CreditUtilization) / total
		if fits < 1 || fits >= n {
			t.Fatalf("a setup that proves nothing: %d of %d bookings of $%d fit", fits, n, total)
		}
		for i := range n {
			reqs[i] = c.request("quotes.book", plIDs[i], map[string]any{"mode": partage.ModeTruckload})
			ops[i] = "quotes.book"
		}
		booked := int64(0)
		for _, ans := range ptSendAll(t, reqs, ops) {
			switch {
			case ans.status == http.StatusOK:
				booked++
			case ans.status == http.StatusNotAcceptable && bytes.Contains(ans.body, []byte("past its credit limit")):
			default:
				t.Fatalf("quotes.book: %d %s", ans.status, ans.body)
			}
		}
		if booked != fits {
			t.Fatalf("%d bookings went through, %d fit the credit", booked, fits)
		}
		if got := c.company("Badger State Auto Parts").CreditUtilization; got != badger.CreditUtilization+booked*total {
			t.Fatalf("utilization %d, want %d + %d × %d", got, badger.CreditUtilization, booked, total)
		}
		// The parent's credit was never touched.
		if got := c.company(ptLakeshore).CreditUtilization; got != ptSeeded[0].CreditUtilization {
			t.Fatalf("the parent's utilization moved to %d", got)
		}
	})
}
