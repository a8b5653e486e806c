package e2e

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	sm "github.com/partifact/mockserver/internal/servicemobility"
)

// readmeLane is the Partage README's quote: Chicago to Troy, NY, ten
// pallet spots and a liftgate at the drop, the partial truckload $1,249,
// with commodity as given.
func readmeLane(commodity string) map[string]any {
	return lane("12186", map[string]any{"weight": 10000, "pallet_spots": 10, "pallets": 10, "commodity": commodity,
		"value": 12500, "pieces": 40, "services": map[string]any{"destination": map[string]any{"Liftgate": 1}}})
}

// TestDashboardShowsFreightAndParts: a world's page shows its Partage loads
// (lane, options, status, carrier, stops with windows and schedule, charges,
// invoice, notes) and companies with their credit, and the ServiceMobility
// endpoint and contract checks with their findings, newest first; markup
// from a request or an endpoint's answer is text; another world shows none.
func TestDashboardShowsFreightAndParts(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := apptest.Start(t, cfg)
		const tenant = "dash-freight"

		// Partage: a load with a hostile commodity and note, delivered and invoiced.
		pt := newPT(t, a.URL(), tenant)
		q := pt.create(readmeLane(hostile), nil)
		booked := pt.book(q.Quote.Number, "partial_truckload")
		pt.ok("quotes.notes.create", q.Quote.Number, map[string]any{"note": map[string]any{"content": hostile}}, nil)
		cancelled := pt.create(lane("53204", nil), nil)
		pt.ok("quotes.cancel", cancelled.Quote.Number, nil, nil)
		advanceClock(t, a.URL(), tenant, 240*time.Hour)
		load := pt.show(q.Quote.Number)

		// ServiceMobility: an implementer whose answer carries markup, then
		// the reference implementation.
		impl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"Status":"1001","Orders":[],"` + strings.ReplaceAll(hostile, `"`, `\"`) + `":1}`))
		}))
		defer impl.Close()
		smc := newSMClient(t, a.URL(), tenant)
		tok := smc.token()
		if status, b := smc.call(sm.OpSysConfigSet, tok, `{"PartsOrdering":{"EntityServiceURI":"`+impl.URL+`/parts-orders"}}`); status != 200 {
			t.Fatalf("sysconfig: %d %s", status, b)
		}
		req, _ := http.NewRequest(http.MethodPost, a.URL()+sm.Prefix+sm.PathPartsOrdering, strings.NewReader(smOrder))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-mock-tenant", tenant)
		req.Header.Set(sm.TokenHeader, tok)
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if status, b := smc.call(sm.OpSysConfigSet, tok, `{"PartsOrdering":{"EntityServiceURI":""}}`); status != 200 {
			t.Fatalf("sysconfig: %d %s", status, b)
		}
		if status, b := smc.call(sm.OpPartsOrderingSubmit, tok, smOrder); status != 200 {
			t.Fatalf("parts order: %d %s", status, b)
		}

		p := newPage(t, a.URL())
		body := p.world(tenant)
		for what, want := range map[string]string{
			"the load":             `id="partage-quote-` + booked.PLID + `"`,
			"its number":           q.Quote.Number,
			"its lane":             "60612 → 12186 (831 mi)",
			"its options":          "partial_truckload $1,249",
			"its status":           `data-status="delivered"`,
			"its carrier":          load.Carrier.Name + " (" + load.Carrier.MCNumber + ")",
			"its pickup window":    load.Stops[0].Window.StartAt.UTC().Format(time.RFC3339),
			"its drop's departure": load.Stops[1].Schedule.DepartedAt.UTC().Format(time.RFC3339),
			"its drop's location":  "14 Maple Ave Bay 3, Troy, NY 12186",
			"its proof":            "/bol.pdf",
			"its discount":         "-$733",
			"its invoice":          `id="partage-invoice-` + booked.PLID + `"`,
			"its due date":         load.Rate.Invoice.DueDate,
			"the carrier's note":   "PICK UP #" + booked.PLID,
			"the cancelled quote":  `data-status="cancelled"`,
			"the company's credit": "$13,729", // 12,480 before, and the load
			"a sub-company":        "badger-state",
			"the endpoint":         "the reference implementation",
			"the failed check":     impl.URL + "/parts-orders",
			"its finding's path":   html.EscapeString("/" + strings.ReplaceAll(hostile, "/", "~1")), // a JSON pointer
			"the passing check":    sm.ReferenceTarget,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page does not show %s (%s)", what, want)
			}
		}
		// Checks newest first: the reference's, then the implementer's.
		if i, j := strings.Index(body, ">"+sm.ReferenceTarget+"<"), strings.Index(body, ">"+impl.URL+"/parts-orders<"); i < 0 || j < 0 || i > j {
			t.Errorf("the checks are not newest first (%d, %d)", i, j)
		}
		// Markup from a request or an answer is text.
		if strings.Contains(body, "<script>window") || strings.Contains(body, "<img src=x") {
			t.Error("markup reached the page unescaped")
		}
		if n := strings.Count(body, html.EscapeString(hostile)); n != 2 { // the commodity, the note
			t.Errorf("the hostile commodity and note are shown as text %d times, want 2", n)
		}

		other := p.world("dash-freight-other")
		for _, leak := range []string{booked.PLID, q.Quote.Number, "$13,729", impl.URL, sm.ReferenceTarget + "<"} {
			if strings.Contains(other, leak) {
				t.Errorf("another world's page shows %q", leak)
			}
		}
		if !regexp.MustCompile(`No quotes: POST /partage/api/quotes`).MatchString(other) || !strings.Contains(other, "No parts order was forwarded yet.") {
			t.Error("an empty world's page does not say it has no quotes and no checks")
		}
	})
}
