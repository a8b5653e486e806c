package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
)

// TestFreightAndPartsBounds: a world with more quotes, notes on a load and
// contract checks than the page shows lists the newest of each and says
// how many it left out.
func TestFreightAndPartsBounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	const tenant = "freight-crowded"
	extra := 3
	err := st.Update(ctx, tenant, func(tx store.Tx) error {
		demo, err := tx.PartageCompanyByToken(seed.PartageDemoToken)
		if err != nil {
			return err
		}
		other, err := tx.PartageCompanyByToken(seed.PartageOtherToken)
		if err != nil {
			return err
		}
		for i := range MaxFreightQuotes + extra {
			caller := demo
			if i == 0 {
				caller = other // the oldest, of the other family
			}
			r, err := partage.DecodeQuoteRequest([]byte(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"53204"}}`))
			if err != nil {
				return err
			}
			if _, err := partage.CreateQuote(&partage.Call{Tx: tx, Caller: caller}, r); err != nil {
				return err
			}
		}
		newest := partage.PLID(int64(MaxFreightQuotes + extra))
		for i := range MaxFreightNotes + extra {
			r, err := partage.DecodeNoteRequest(fmt.Appendf(nil, `{"note":{"content":"note %d"}}`, i))
			if err != nil {
				return err
			}
			if _, err := partage.AddNote(&partage.Call{Tx: tx, Caller: demo}, newest, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range MaxChecks + extra {
		c := store.ContractCheck{ID: uuid.New(), Time: seed.Epoch.Add(time.Duration(i) * time.Second), Target: fmt.Sprintf("http://127.0.0.1:1/t-%d", i),
			Status: 200, OK: true}
		if i == MaxChecks+extra-1 { // the newest: more findings than it kept
			c.OK, c.FindingCount = false, 60
			for j := range 50 {
				c.Findings = append(c.Findings, store.CheckFinding{Path: fmt.Sprintf("/Orders/%d", j), Message: "want an object"})
			}
		}
		if err := st.AddContractCheck(ctx, tenant, c); err != nil {
			t.Fatal(err)
		}
	}

	d, err := New(Config{Store: st, Sections: []Section{Partage(), ServiceMobility()}, Sandbox: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := d.live(ctx, tenant, journalFilter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	count := func(re string) int { return len(regexp.MustCompile(re).FindAllString(page, -1)) }
	if n := count(`<tr id="partage-quote-PL[0-9A-Z]{4}"`); n != MaxFreightQuotes {
		t.Errorf("%d quotes shown, want %d", n, MaxFreightQuotes)
	}
	if n := count(`<tr id="check-[0-9a-f-]{36}"`); n != MaxChecks {
		t.Errorf("%d checks shown, want %d", n, MaxChecks)
	}
	// Newest first: the newest quote and check lead; the oldest are left out.
	first := regexp.MustCompile(`<tr id="partage-quote-(PL[0-9A-Z]{4})"`).FindStringSubmatch(page)
	if first == nil || first[1] != partage.PLID(int64(MaxFreightQuotes+extra)) || strings.Contains(page, `id="partage-quote-`+partage.PLID(1)+`"`) {
		t.Errorf("the quotes shown are not the newest: first %v", first)
	}
	if !strings.Contains(page, fmt.Sprintf("t-%d", MaxChecks+extra-1)) || strings.Contains(page, ">http://127.0.0.1:1/t-0<") {
		t.Error("the checks shown are not the newest")
	}
	for what, want := range map[string]string{
		"the quotes left out":   fmt.Sprintf("and %d more, not shown", extra),
		"the notes left out":    fmt.Sprintf("and %d more, not shown", extra),
		"the findings left out": "and 10 more, not shown",
		"the checks kept":       fmt.Sprintf("The newest %d; GET /__servicemobility/checks lists up to %d.", MaxChecks, store.CheckLogCap),
		"the notes counted":     fmt.Sprintf("%d notes", MaxFreightNotes+extra),
		"the verdict":           `data-status="60 findings"`,
		"the companies":         "Gulf Coast Auto Supply",
		"the endpoint":          "the reference implementation",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not show %s (%q)", what, want)
		}
	}
	if n := count(`>note [0-9]+<`); n != MaxFreightNotes {
		t.Errorf("%d notes shown, want %d", n, MaxFreightNotes)
	}
}

func TestUSD(t *testing.T) {
	for n, want := range map[int64]string{0: "$0", 999: "$999", 1000: "$1,000", 12480: "$12,480", -733: "-$733", 1234567: "$1,234,567"} {
		if got := usd(n); got != want {
			t.Errorf("usd(%d) = %q, want %q", n, got, want)
		}
	}
}
