package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
)

const (
	ptLakeshore = "Lakeshore Parts Distribution"
	ptBadger    = "Badger State Auto Parts"
	ptIndy      = "Lakeshore Parts — Indianapolis"
)

// TestPartageBooking: every rule a booking must pass, and the credit it
// takes from the company that carries it.
func TestPartageBooking(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-book"
		c := newPT(t, a.URL(), tenant)
		mon := setClock(t, a.URL(), tenant, ptMonday())
		wed := map[string]any{"origin": day(mon, 2)}

		// What a booking needs: both addresses, commodity, value, pieces.
		bare := c.create(map[string]any{"equipment": "van", "origin_postal_code": "60612", "destination_postal_code": "12186"}, nil)
		c.fails("quotes.book", bare.Quote.Number, map[string]any{"mode": "truckload"}, http.StatusNotAcceptable,
			"needs origin_address, destination_address, commodity, value, pieces to be booked")
		noValue := c.create(lane("12186", map[string]any{"value": nil, "pieces": nil}), nil)
		c.fails("quotes.book", noValue.Quote.Number, map[string]any{"mode": "truckload"}, http.StatusNotAcceptable, "needs value, pieces")
		// Addresses are checked when quoting: required fields, and postal
		// codes that match the quote's.
		for field, want := range map[string]string{
			"name": "quote.origin_address.name can't be blank", "address_one": "quote.origin_address.address_one can't be blank",
			"phone": "quote.origin_address.phone can't be blank", "postal_code": "quote.origin_address.postal_code can't be blank",
		} {
			q := lane("12186", nil)
			delete(q["origin_address"].(map[string]any), field)
			c.fails("quotes.create", "", map[string]any{"quote": q}, http.StatusPreconditionFailed, want)
		}
		moved := lane("12186", nil)
		moved["destination_address"].(map[string]any)["postal_code"] = "60614"
		c.fails("quotes.create", "", map[string]any{"quote": moved}, http.StatusPreconditionFailed,
			"quote.destination_address.postal_code 60614 does not match quote.destination_postal_code 12186")
		badPhone := lane("12186", nil)
		badPhone["origin_address"].(map[string]any)["phone"] = "call me"
		c.fails("quotes.create", "", map[string]any{"quote": badPhone}, http.StatusPreconditionFailed, "quote.origin_address.phone must hold 10 to 15 digits")
		for field, v := range map[string]any{"commodity": 42, "value": "lots", "pieces": 2.5} {
			c.fails("quotes.create", "", map[string]any{"quote": lane("12186", map[string]any{field: v})}, http.StatusPreconditionFailed, "quote."+field+" must be")
		}

		// The mode must be one the quote offers.
		q := c.create(lane("12186", map[string]any{"timing": wed}), nil) // truckload and intermodal
		c.fails("quotes.book", q.Quote.Number, map[string]any{}, http.StatusPreconditionFailed, "mode can't be blank")
		c.fails("quotes.book", q.Quote.Number, map[string]any{"mode": "rail"}, http.StatusPreconditionFailed, "mode must be one of truckload, partial_truckload, intermodal")
		c.fails("quotes.book", q.Quote.Number, map[string]any{"mode": "partial_truckload"}, http.StatusNotAcceptable,
			"partial_truckload is not an option of quote "+q.Quote.Number+" (its options: truckload, intermodal)")
		c.fails("quotes.book", "PLZZZZ", map[string]any{"mode": "truckload"}, http.StatusNotAcceptable, "Quote not found")

		before := c.company(ptLakeshore).CreditUtilization
		v := c.book(q.Quote.Number, "intermodal")
		total := q.totals()["intermodal"]
		var sum int64
		for _, ch := range v.Rate.Charges {
			sum += ch.Total
		}
		if v.Status != partage.StatusBooked || v.Mode == nil || *v.Mode != "intermodal" || v.Rate.Total != total || sum != total ||
			v.Rate.Charges[0].Name != "Linehaul" || v.Rate.BookedAt.Before(mon) || v.Rate.BookedAt.After(mon.Add(10*time.Minute)) ||
			v.Rate.BookedBy.Name == "" || !strings.Contains(v.Rate.BookedBy.Email, "@") || v.Carrier != nil || v.Rate.Invoice != nil {
			t.Fatalf("booked view: %+v %+v", v, v.Rate)
		}
		if got := c.company(ptLakeshore).CreditUtilization; got != before+total {
			t.Fatalf("the parent's utilization is %d, want %d + %d", got, before, total)
		}
		// Booking again in the same mode answers the booking again and
		// charges nothing; another mode is refused.
		if again := c.book(v.PLID, "intermodal"); again.Rate.Total != total || c.company(ptLakeshore).CreditUtilization != before+total {
			t.Fatal("booking twice charged twice")
		}
		c.fails("quotes.book", q.Quote.Number, map[string]any{"mode": "truckload"}, http.StatusNotAcceptable, "is already booked as intermodal")

		// Badger State books on its own credit (5,000, 3,900 in use): a
		// Chicago–Memphis truckload is more than the 1,100 left; a
		// Chicago–Milwaukee one is not.
		own := map[string]any{"external_id": seed.PartageBadgerExternalID, "own_credit": true}
		memphis := c.create(lane("38115", map[string]any{"timing": wed}), own)
		c.fails("quotes.book", memphis.Quote.Number, map[string]any{"mode": "truckload"}, http.StatusNotAcceptable,
			"would take Badger State Auto Parts past its credit limit of $5,000 ($3,900 in use)")
		milwaukee := c.create(lane("53204", map[string]any{"timing": wed}), own)
		c.book(milwaukee.Quote.Number, "truckload")
		if got := c.company(ptBadger).CreditUtilization; got != 3900+milwaukee.totals()["truckload"] {
			t.Fatalf("Badger State's utilization is %d", got)
		}
		// Without own_credit its load goes on the parent's credit.
		parent := c.company(ptLakeshore).CreditUtilization
		viaParent := c.create(lane("38115", map[string]any{"timing": wed}), map[string]any{"external_id": seed.PartageBadgerExternalID})
		c.book(viaParent.Quote.Number, "truckload")
		if got := c.company(ptLakeshore).CreditUtilization; got != parent+viaParent.totals()["truckload"] {
			t.Fatalf("the parent's utilization is %d after Badger State booked on it", got)
		}

		// The Indianapolis branch shares the parent's credit: its loads count
		// against the parent's limit (50,000) and show in both figures.
		// A month of layover, warehousing and drop trailer makes a load of
		// more than 30,000.
		long := map[string]any{"timing": wed, "services": map[string]any{"load": map[string]any{"Layover": 30, "Warehousing": 30, "Drop Trailer": 30}}}
		indy := map[string]any{"external_id": seed.PartageIndyExternalID}
		first := c.create(lane("38115", long), indy)
		parent, branch := c.company(ptLakeshore).CreditUtilization, c.company(ptIndy).CreditUtilization
		c.book(first.Quote.Number, "truckload")
		big := first.totals()["truckload"]
		if big < 30000 || c.company(ptLakeshore).CreditUtilization != parent+big || c.company(ptIndy).CreditUtilization != branch+big {
			t.Fatalf("a same_credit booking of %d: %+v", big, c.companies())
		}
		second := c.create(lane("38115", long), indy)
		c.fails("quotes.book", second.Quote.Number, map[string]any{"mode": "truckload"}, http.StatusNotAcceptable,
			"would take Lakeshore Parts Distribution past its credit limit of $50,000")

		// A pickup window that has opened, and a cancelled quote, take no booking.
		today := c.create(lane("60615", map[string]any{"timing": map[string]any{"origin": day(mon, 0)}}), nil)
		c.fails("quotes.book", today.Quote.Number, map[string]any{"mode": "truckload"}, http.StatusNotAcceptable, "opened at")
		gone := c.create(lane("60615", map[string]any{"timing": wed}), nil)
		c.ok("quotes.cancel", gone.Quote.Number, nil, nil)
		c.fails("quotes.book", gone.Quote.Number, map[string]any{"mode": "truckload"}, http.StatusNotAcceptable, "is cancelled")
		// Another family cannot book this family's quote.
		c.as(seed.PartageOtherToken).fails("quotes.book", second.Quote.Number, map[string]any{"mode": "truckload"}, http.StatusNotAcceptable, "Quote not found")
	})
}

// pdfText is what pdftotext reads in a PDF.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bol.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils) cannot read the bill of lading: %v", err)
	}
	return string(out)
}

// TestPartageBillOfLading: a real one-page PDF once booked, with what the
// carrier needs; 406 before.
func TestPartageBillOfLading(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-bol"
		c := newPT(t, a.URL(), tenant)
		mon := setClock(t, a.URL(), tenant, ptMonday())
		q := c.create(lane("12186", map[string]any{"weight": 10000, "pallet_spots": 10, "pallets": 10, "timing": map[string]any{"origin": day(mon, 2)}}), nil)
		c.fails("quotes.bol", q.Quote.Number, nil, http.StatusNotAcceptable, "is not booked; the bill of lading comes with the booking")
		v := c.book(q.Quote.Number, "partial_truckload")

		for _, accept := range []string{"application/pdf", "application/json", "*/*", "application/pdf, application/json;q=0.5"} {
			req := c.request("quotes.bol", v.PLID, nil)
			req.Header.Set("Accept", accept)
			status, h, pdf := c.send("quotes.bol", req)
			if status != http.StatusOK || h.Get("Content-Type") != "application/pdf" {
				t.Fatalf("Accept %s: %d %s", accept, status, h.Get("Content-Type"))
			}
			text := pdfText(t, pdf)
			for _, want := range []string{"BILL OF LADING", q.Quote.Number, v.PLID, "Lakeshore Parts DC", "2250 W Carroll Ave",
				"Consignee Body Shop", "14 Maple Ave", "Front bumper covers", " 12 ", "10000", "$4200.50", "partial_truckload", "To be assigned"} {
				if !strings.Contains(text, want) {
					t.Fatalf("the bill of lading does not say %q:\n%s", want, text)
				}
			}
			if pages := strings.Count(text, "\f"); pages != 1 {
				t.Fatalf("the bill of lading has %d pages", pages)
			}
		}
		req := c.request("quotes.bol", v.PLID, nil)
		req.Header.Set("Accept", "text/html")
		if status, _, _ := c.send("quotes.bol", req); status != http.StatusNotAcceptable {
			t.Fatalf("Accept text/html: %d", status)
		}
		// Once a carrier covers the load, it is on the document.
		advanceClock(t, a.URL(), tenant, partage.CoverDelay)
		carrier := c.show(v.PLID).Carrier
		_, _, pdf := c.send("quotes.bol", c.request("quotes.bol", q.Quote.Number, nil))
		if text := pdfText(t, pdf); carrier == nil || !strings.Contains(text, carrier.Name) || !strings.Contains(text, carrier.MCNumber) {
			t.Fatalf("the carrier %+v is not on the bill of lading:\n%s", carrier, text)
		}
		c.as(seed.PartageOtherToken).fails("quotes.bol", v.PLID, nil, http.StatusNotAcceptable, "Quote not found")
		c.as("").fails("quotes.bol", v.PLID, nil, http.StatusUnauthorized, "Invalid token")
	})
}

// TestPartageCancel: a quote, or a booked load that will not cost a TONU
// fee, is cancelled and its credit given back; a covered load, or one
// picking up today, is refused with the fee named.
func TestPartageCancel(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-cancel"
		c := newPT(t, a.URL(), tenant)
		mon := setClock(t, a.URL(), tenant, ptMonday())
		wed := map[string]any{"timing": map[string]any{"origin": day(mon, 2)}}
		tonu := "might incur a TONU fee of $" + strconv.Itoa(partage.TONUFee)

		quoted := c.create(lane("12186", wed), nil)
		var v ptShown
		c.ok("quotes.cancel", quoted.Quote.Number, nil, &v)
		if v.Quote.Status != partage.StatusCancelled || v.Quote.CancelledAt == nil {
			t.Fatalf("cancelled: %+v", v.Quote)
		}
		c.ok("quotes.cancel", v.Quote.PLID, nil, nil) // again: the same answer
		c.fails("quotes.bol", quoted.Quote.Number, nil, http.StatusNotAcceptable, "is cancelled")

		// Booked, not covered, not picking up today: cancelled, credit back.
		before := c.company(ptLakeshore).CreditUtilization
		booked := c.create(lane("12186", wed), nil)
		c.book(booked.Quote.Number, "truckload")
		c.ok("quotes.cancel", booked.Quote.Number, nil, &v)
		if v.Quote.Status != partage.StatusCancelled || c.company(ptLakeshore).CreditUtilization != before {
			t.Fatalf("cancelling a booked load: %s, utilization %d, want %d", v.Quote.Status, c.company(ptLakeshore).CreditUtilization, before)
		}

		// Picking up today (15:00–18:00, booked at 10:00): refused.
		today := c.create(lane("60615", map[string]any{"timing": map[string]any{"origin": day(mon, 0), "origin_open": "15:00", "origin_close": "18:00"}}), nil)
		c.book(today.Quote.Number, "truckload")
		c.fails("quotes.cancel", today.Quote.Number, nil, http.StatusNotAcceptable, tonu+": it picks up today")

		// Covered: two hours after booking, on the tenant clock.
		covered := c.create(lane("12186", wed), nil)
		c.book(covered.Quote.Number, "truckload")
		advanceClock(t, a.URL(), tenant, partage.CoverDelay)
		c.fails("quotes.cancel", covered.Quote.Number, nil, http.StatusNotAcceptable, tonu+": a carrier covered it at")
		if s := c.show(covered.Quote.Number).Status; s != partage.StatusCovered {
			t.Fatalf("a refused cancel changed the load: %s", s)
		}
		c.as(seed.PartageOtherToken).fails("quotes.cancel", covered.Quote.Number, nil, http.StatusNotAcceptable, "Quote not found")
	})
}

// TestPartageLoadFollowsTheClock: moving the tenant clock moves a booked
// load along: covered, picked up, delivered with a proof of delivery,
// invoiced and approved.
func TestPartageLoadFollowsTheClock(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-clock"
		c := newPT(t, a.URL(), tenant)
		mon := setClock(t, a.URL(), tenant, ptMonday())
		q := c.create(lane("46201", map[string]any{"timing": map[string]any{"origin": day(mon, 2)}}), nil)
		v := c.book(q.Quote.Number, "truckload")
		pick, drop := v.Stops[0], v.Stops[1]
		if pick.Schedule.ArrivedAt != nil || drop.Schedule.DepartedAt != nil || drop.ProofOfDelivery != nil || v.Carrier != nil {
			t.Fatalf("just booked: %+v", v)
		}

		advanceClock(t, a.URL(), tenant, partage.CoverDelay)
		v = c.show(q.Quote.Number)
		if v.Status != partage.StatusCovered || v.Carrier == nil || !strings.HasPrefix(v.Carrier.MCNumber, "MC-") || v.Carrier.DOTNumber == "" ||
			len(v.Stops[0].Notes) != 1 || !strings.HasPrefix(v.Stops[0].Notes[0].Content, "PICK UP #"+v.PLID) {
			t.Fatalf("covered: %+v", v)
		}

		// The truck leaves the drop two dwells after its window opens: the
		// load is delivered, the proof of delivery on file.
		setClock(t, a.URL(), tenant, drop.Window.StartAt.Add(2*partage.Dwell))
		v = c.show(q.Quote.Number)
		pick, drop = v.Stops[0], v.Stops[1]
		if v.Status != partage.StatusDelivered || pick.Schedule.ArrivedAt == nil || pick.Schedule.DepartedAt == nil ||
			drop.Schedule.ArrivedAt == nil || drop.Schedule.DepartedAt == nil || drop.ProofOfDelivery == nil {
			t.Fatalf("delivered: %+v", v)
		}
		if !pick.Schedule.ArrivedAt.Before(*pick.Schedule.DepartedAt) || !pick.Schedule.DepartedAt.Before(*drop.Schedule.ArrivedAt) ||
			!drop.Schedule.ArrivedAt.Before(*drop.Schedule.DepartedAt) || drop.Schedule.ArrivedAt.Before(drop.Window.StartAt) ||
			!drop.ProofOfDelivery.CreatedAt.Equal(*drop.Schedule.DepartedAt) {
			t.Fatalf("the schedule is out of order: pick %+v, drop %+v", pick.Schedule, drop.Schedule)
		}
		if pod := drop.ProofOfDelivery.AttachmentURL; pod != a.URL()+"/partage/api/quotes/"+q.Quote.Number+"/bol.pdf" {
			t.Fatalf("proof of delivery at %s", pod)
		}
		// The invoice comes two hours after delivery, approved a day later.
		if v.Rate.Invoice != nil {
			t.Fatalf("invoiced at delivery: %+v", v.Rate.Invoice)
		}
		advanceClock(t, a.URL(), tenant, partage.InvoiceDelay)
		if inv := c.show(q.Quote.Number).Rate.Invoice; inv == nil || inv.Total != v.Rate.Total || inv.ApprovedAt != nil || inv.DueDate == "" {
			t.Fatalf("invoice: %+v", inv)
		}
		advanceClock(t, a.URL(), tenant, partage.ApproveDelay)
		if inv := c.show(q.Quote.Number).Rate.Invoice; inv == nil || inv.ApprovedAt == nil {
			t.Fatalf("approved invoice: %+v", inv)
		}
		// A delivered load cannot be cancelled.
		c.fails("quotes.cancel", q.Quote.Number, nil, http.StatusNotAcceptable, "TONU")
	})
}
