package mcpserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/mcpserver"
	"github.com/partifact/mockserver/internal/mcpserver/mcptest"
	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
)

// troy is the README's lane: Chicago to Troy, NY, ten pallet spots, with
// everything a booking needs and a liftgate at the drop.
func troy(extra map[string]any) map[string]any {
	in := map[string]any{
		"origin_postal_code": "60612", "destination_postal_code": "12186", "equipment": "van",
		"weight": 10000, "pallet_spots": 10, "pallets": 10,
		"origin_address":      map[string]any{"name": "Lakeshore Parts Distribution", "address_one": "2250 W Carroll Ave", "phone": "312-555-0148"},
		"destination_address": map[string]any{"name": "Capital Region Collision", "address_one": "14 Maple Ave", "address_two": "Bay 3", "phone": "518-555-0100"},
		"commodity":           "Collision parts", "value": 12500, "pieces": 40,
		"services": []map[string]any{{"location": "destination", "name": "Liftgate", "units": 1}},
	}
	for k, v := range extra {
		if v == nil {
			delete(in, k)
		} else {
			in[k] = v
		}
	}
	return in
}

func totals(opts []any) map[string]float64 {
	out := map[string]float64{}
	for _, o := range opts {
		m := o.(map[string]any)
		out[m["mode"].(string)] = m["total"].(float64)
	}
	return out
}

// scenarioOf reads scenario://current.
func scenarioOf(t *testing.T, c *mcptest.Client, out any) string {
	t.Helper()
	res, err := c.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "scenario://current"})
	if err != nil {
		t.Fatal(err)
	}
	text := res.Contents[0].Text
	if err := json.Unmarshal([]byte(text), out); err != nil {
		t.Fatalf("scenario://current: %v\n%s", err, text)
	}
	return text
}

// Every freight tool: a happy path and an error path, in one world.
func TestFreightTools(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")
	world := c.OK(t, "get_started", nil)["world"].(string)

	// quote_freight: the README's lane and prices, a fresh world's first pl_id.
	q := c.OK(t, "quote_freight", troy(nil))
	if q["pl_id"] != partage.PLID(1) || q["miles"] != 831.0 || q["bookable"] != true || q["lane"] != "60612 Chicago, IL → 12186 Troy, NY" {
		t.Errorf("quote_freight: %v", q)
	}
	if got := totals(q["options"].([]any)); got["truckload"] != 1732 || got["partial_truckload"] != 1249 || got["intermodal"] != 1472 {
		t.Errorf("options %v, want the README's 1732, 1249, 1472", got)
	}
	if p := q["pickup"].(map[string]any); p["start_at"] == "" || !strings.Contains(q["next"].(string), "book_freight with quote_id "+partage.PLID(1)) {
		t.Errorf("quote_freight pickup or next: %v", q)
	}
	plid := q["pl_id"].(string)
	// Without what a booking needs, it says what is missing.
	bare := c.OK(t, "quote_freight", map[string]any{"origin_postal_code": "60612", "destination_postal_code": "53204"})
	if bare["bookable"] != false || !slices.Equal(toStrings(bare["missing_for_booking"]), []string{"origin_address", "destination_address", "commodity", "value", "pieces"}) ||
		len(bare["options"].([]any)) != 1 || !strings.Contains(bare["next"].(string), "quote_freight again with origin_address") {
		t.Errorf("quote_freight without booking details: %v", bare)
	}
	c.Fail(t, "quote_freight", map[string]any{"origin_postal_code": "6061", "destination_postal_code": "12186"}, mcpserver.CodeInvalidInput)
	c.Fail(t, "quote_freight", troy(map[string]any{"equipment": "tanker"}), mcpserver.CodeInvalidInput)
	c.Fail(t, "quote_freight", troy(map[string]any{"services": []map[string]any{
		{"location": "destination", "name": "Liftgate", "units": 1}, {"location": "destination", "name": "Liftgate", "units": 2}}}), mcpserver.CodeInvalidInput)
	e := c.Fail(t, "quote_freight", troy(map[string]any{"destination_postal_code": "99501"}), "invalid_format") // Anchorage
	if ps := e["problems"].([]any); len(ps) == 0 || ps[0].(map[string]any)["path"] != "quote.destination_postal_code" ||
		!strings.Contains(e["message"].(string), "contiguous") || e["retryable"] != false {
		t.Errorf("invalid_format: %v", e)
	}
	e = c.Fail(t, "quote_freight", troy(map[string]any{"weight": 50000}), "invalid_quote")
	if !strings.Contains(e["message"].(string), "more than a trailer carries") || !strings.Contains(e["message"].(string), "Next: ") {
		t.Errorf("invalid_quote: %v", e)
	}
	c.Fail(t, "quote_freight", troy(map[string]any{"external_id": "no-such-branch"}), "invalid_quote")

	// book_freight: the partial truckload, its charges and windows, no carrier yet.
	b := c.OK(t, "book_freight", map[string]any{"quote_id": plid, "mode": "partial_truckload"})
	load := b["load"].(map[string]any)
	rate := load["rate"].(map[string]any)
	if load["status"] != "booked" || load["mode"] != "partial_truckload" || rate["total"] != 1249.0 || load["carrier"] != nil || load["invoice"] != nil {
		t.Errorf("book_freight: %v", b)
	}
	var consolidation float64
	for _, ch := range rate["charges"].([]any) {
		if m := ch.(map[string]any); m["name"] == "Consolidation" {
			consolidation = m["total"].(float64)
		}
	}
	stops := load["stops"].([]any)
	if consolidation != -733 || len(stops) != 2 || stops[0].(map[string]any)["location"] != "2250 W Carroll Ave, Chicago, IL 60612" ||
		stops[1].(map[string]any)["window"].(map[string]any)["start_at"] == "" || !slices.Contains(toStrings(load["special_services"]), "Liftgate (destination) × 1 Stop") {
		t.Errorf("book_freight charges or stops: %v", load)
	}
	c.OK(t, "book_freight", map[string]any{"quote_id": plid, "mode": "partial_truckload"}) // the same booking again answers it
	e = c.Fail(t, "book_freight", map[string]any{"quote_id": bare["number"], "mode": "truckload"}, "booking_refused")
	if !strings.Contains(e["message"].(string), "needs origin_address") || !strings.Contains(e["message"].(string), "quote_freight") {
		t.Errorf("booking_refused: %v", e)
	}
	c.Fail(t, "book_freight", map[string]any{"quote_id": plid, "mode": "truckload"}, "booking_refused") // booked as another mode
	c.Fail(t, "book_freight", map[string]any{"quote_id": "2026-01-01-99", "mode": "truckload"}, "quote_not_found")
	c.Fail(t, "book_freight", map[string]any{"quote_id": plid, "mode": "air"}, mcpserver.CodeInvalidInput)

	// get_freight
	g := c.OK(t, "get_freight", map[string]any{"quote_id": q["number"]})
	if g["load"].(map[string]any)["pl_id"] != plid || !strings.Contains(g["next"].(string), "advance_clock by 2h") {
		t.Errorf("get_freight: %v", g)
	}
	e = c.Fail(t, "get_freight", map[string]any{"quote_id": "nonsense"}, "quote_not_found")
	if !strings.Contains(e["message"].(string), "quote_freight") {
		t.Errorf("quote_not_found: %v", e)
	}
	// The wire is what an HTTP client gets, byte for byte.
	path := "/partage/api/quotes/nonsense?api_token=" + seed.PartageDemoToken
	status, body := post(t, a, http.MethodGet, path, world, http.Header{"Accept": {"application/json"}}, nil)
	if w := e["wire"].(map[string]any); w["status"] != float64(status) || w["body"] != string(body) || w["request"] != "GET "+path {
		t.Errorf("the wire %v, HTTP %d %s", w, status, body)
	}

	// bill_of_lading: a one-page PDF whose text is what pdftotext reads.
	bol := c.OK(t, "bill_of_lading", map[string]any{"quote_id": plid})
	text := toStrings(bol["text"])
	if bol["is_pdf"] != true || bol["pages"] != 1.0 || bol["content_type"] != "application/pdf" || bol["bytes"].(float64) < 1000 ||
		len(text) == 0 || text[0] != "STRAIGHT BILL OF LADING" || !slices.Contains(text, "PL ID  "+plid) {
		t.Errorf("bill_of_lading: %v", bol)
	}
	status, pdf := post(t, a, http.MethodGet, strings.TrimPrefix(bol["url"].(string), a.URL()), world, http.Header{"Accept": {"*/*"}}, nil)
	if status != 200 || len(pdf) != int(bol["bytes"].(float64)) {
		t.Fatalf("the bill of lading's url: %d, %d bytes", status, len(pdf))
	}
	if want := pdfWords(t, pdf); want != nil {
		if got := strings.Fields(strings.Join(text, " ")); !sameWords(got, want) {
			t.Errorf("the text read %v\npdftotext reads %v", got, want)
		}
	}
	e = c.Fail(t, "bill_of_lading", map[string]any{"quote_id": bare["pl_id"]}, "invalid_quote")
	if !strings.Contains(e["message"].(string), "book_freight first") {
		t.Errorf("bill_of_lading before booking: %v", e)
	}

	// cancel_freight: a quote, then a booked load once covered (refused).
	cn := c.OK(t, "cancel_freight", map[string]any{"quote_id": bare["pl_id"]})
	if l := cn["load"].(map[string]any); l["status"] != "cancelled" || l["cancelled_at"] == nil || !strings.Contains(cn["next"].(string), "quote_freight") {
		t.Errorf("cancel_freight: %v", cn)
	}
	c.OK(t, "advance_clock", map[string]any{"by": "2h"})
	e = c.Fail(t, "cancel_freight", map[string]any{"quote_id": plid}, "cancel_refused")
	if !strings.Contains(e["message"].(string), "TONU") || !strings.Contains(e["message"].(string), "get_freight") {
		t.Errorf("cancel_refused: %v", e)
	}
	if l := c.OK(t, "get_freight", map[string]any{"quote_id": plid})["load"].(map[string]any); l["status"] != "covered" || l["carrier"] == nil {
		t.Errorf("after 2h the load is %v", l)
	}

	// An injected fault is the family's: a 500 is retryable, the wire kept.
	if status, b := post(t, a, http.MethodPost, "/__faults", world, nil, map[string]any{"api": partage.Name, "method": "quotes.show", "status": 500, "count": 1}); status != 200 {
		t.Fatalf("fault: %d %s", status, b)
	}
	e = c.Fail(t, "get_freight", map[string]any{"quote_id": plid}, "internal_error")
	if w := e["wire"].(map[string]any); e["retryable"] != true || w["status"] != 500.0 || !strings.HasPrefix(w["body"].(string), `{"errors":[`) {
		t.Errorf("injected 500: %v", e)
	}
	c.OK(t, "get_freight", map[string]any{"quote_id": plid})
}

// The walk: quote, book, bill of lading, ten days on the clock, delivered
// and invoiced; scenario://current lists the load and the companies'
// credit, on both stores.
func TestFreightWalk(t *testing.T) {
	for name, cfg := range map[string]func(t *testing.T) app.Config{
		"memory": func(*testing.T) app.Config { return app.DefaultConfig() },
		"postgres": func(t *testing.T) app.Config {
			return apptest.Config(func(c *app.Config) { c.DatabaseURL = pgtest.New(t) })
		},
	} {
		t.Run(name, func(t *testing.T) {
			a := apptest.Start(t, cfg(t))
			c := connect(t, a, "/mcp")
			q := c.OK(t, "quote_freight", troy(nil))
			id := q["pl_id"].(string)
			c.OK(t, "book_freight", map[string]any{"quote_id": id, "mode": "partial_truckload"})
			if bol := c.OK(t, "bill_of_lading", map[string]any{"quote_id": id}); bol["is_pdf"] != true {
				t.Fatalf("bill_of_lading: %v", bol)
			}
			c.OK(t, "advance_clock", map[string]any{"by": "240h"})
			g := c.OK(t, "get_freight", map[string]any{"quote_id": id})
			load := g["load"].(map[string]any)
			drop := load["stops"].([]any)[1].(map[string]any)
			inv, _ := load["invoice"].(map[string]any)
			if load["status"] != "delivered" || drop["departed_at"] == nil || !strings.HasSuffix(drop["proof_of_delivery"].(string), "/bol.pdf") ||
				inv == nil || inv["total"] != 1249.0 || inv["approved_at"] == nil || !strings.Contains(g["next"].(string), "approved") {
				t.Fatalf("after ten days: %v", g)
			}
			if !strings.HasPrefix(load["url"].(string), a.URL()+"/partage/") {
				t.Errorf("the load's url %v does not name the server", load["url"])
			}

			var sc struct {
				Partage struct {
					Quotes []struct {
						PLID    string `json:"pl_id"`
						Status  string `json:"status"`
						Invoice *struct {
							Total int64 `json:"total"`
						} `json:"invoice"`
					} `json:"quotes"`
					QuoteCount int `json:"quote_count"`
					Companies  []struct {
						Name              string `json:"name"`
						CreditUtilization int64  `json:"credit_utilization"`
					} `json:"companies"`
				} `json:"partage"`
			}
			text := scenarioOf(t, c, &sc)
			p := sc.Partage
			if p.QuoteCount != 1 || len(p.Quotes) != 1 || p.Quotes[0].PLID != id || p.Quotes[0].Status != "delivered" || p.Quotes[0].Invoice == nil ||
				p.Quotes[0].Invoice.Total != 1249 || len(p.Companies) != 4 || p.Companies[0].Name != "Lakeshore Parts Distribution" ||
				p.Companies[0].CreditUtilization != 12480+1249 {
				t.Fatalf("scenario://current partage: %s", text)
			}

			// A load booked then cancelled stays where it was cancelled
			// however far the clock moves.
			gone := c.OK(t, "quote_freight", troy(nil))["pl_id"].(string)
			c.OK(t, "book_freight", map[string]any{"quote_id": gone, "mode": "truckload"})
			c.OK(t, "cancel_freight", map[string]any{"quote_id": gone})
			c.OK(t, "advance_clock", map[string]any{"by": "240h"})
			cancelled := c.OK(t, "get_freight", map[string]any{"quote_id": gone})["load"].(map[string]any)
			for _, s := range cancelled["stops"].([]any) {
				if s := s.(map[string]any); s["arrived_at"] != nil || s["departed_at"] != nil || s["proof_of_delivery"] != nil {
					t.Fatalf("a cancelled load's stop moved on: %v", s)
				}
			}
			if cancelled["status"] != "cancelled" || cancelled["carrier"] != nil || cancelled["invoice"] != nil || cancelled["rate"] == nil {
				t.Fatalf("a cancelled load moved on: %v", cancelled)
			}
		})
	}
}

// The scenario lists the newest quotes first, capped, with their count:
// every rank of the world, whichever family made it.
func TestFreightScenarioCounts(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	c := connect(t, a, "/mcp")
	world := c.OK(t, "get_started", nil)["world"].(string)
	n := mcpserver.MaxListItems + 3
	for i := range n {
		if i == 5 { // one quote of the other family, over HTTP
			status, b := post(t, a, http.MethodPost, "/partage/api/quotes", world, http.Header{"Accept": {"application/json"}},
				map[string]any{"api_token": seed.PartageOtherToken, "quote": map[string]any{"equipment": "van", "origin_postal_code": "77011", "destination_postal_code": "60612"}})
			if status != 200 {
				t.Fatalf("a quote of Gulf Coast: %d %s", status, b)
			}
			continue
		}
		c.OK(t, "quote_freight", map[string]any{"origin_postal_code": "60612", "destination_postal_code": "53204"})
	}
	var sc struct {
		Partage struct {
			Quotes []struct {
				PLID string `json:"pl_id"`
			} `json:"quotes"`
			QuoteCount int `json:"quote_count"`
		} `json:"partage"`
	}
	scenarioOf(t, c, &sc)
	if sc.Partage.QuoteCount != n || len(sc.Partage.Quotes) != mcpserver.MaxListItems || sc.Partage.Quotes[0].PLID != partage.PLID(int64(n)) ||
		sc.Partage.Quotes[len(sc.Partage.Quotes)-1].PLID != partage.PLID(int64(n-mcpserver.MaxListItems+1)) {
		t.Fatalf("scenario: %d quotes counted, %d listed, first %v", sc.Partage.QuoteCount, len(sc.Partage.Quotes), sc.Partage.Quotes[:1])
	}
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// pdfWords are the words pdftotext (poppler-utils) reads in a PDF; nil
// when it is not installed and CI does not require it.
func pdfWords(t *testing.T, pdf []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing (apt-get install poppler-utils)")
		}
		t.Log("pdftotext is missing: the bill of lading's text is not compared")
		return nil
	}
	path := filepath.Join(t.TempDir(), "bol.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Fields(string(out))
}

func sameWords(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
