package partage

import (
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/seed"
)

const lakeshore = "Lakeshore Parts Distribution"

func (w *world) book(id, mode string) QuoteView {
	w.t.Helper()
	return w.ok("quotes.book", id, `{"mode":"`+mode+`"}`).JSON.(QuoteShown).Quote
}

func TestBookingRules(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		bare := w.create(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`)
		msgs := w.fails(406, "quotes.book", bare.Number, `{"mode":"truckload"}`)
		wantMessage(t, msgs, "Booking refused. Quote "+bare.Number+" needs origin_address, destination_address, commodity, value, pieces to be booked")

		q := w.create(bookable("2026-03-05", ""))
		wantMessage(t, w.fails(412, "quotes.book", q.Number, `{}`), "Invalid request format. mode can't be blank.")
		wantMessage(t, w.fails(412, "quotes.book", q.Number, `{"mode":"rail"}`), "mode must be one of truckload, partial_truckload, intermodal")
		noPartial := w.create(strings.Replace(bookable("2026-03-05", ""), `"weight":10000,`, "", 1))
		wantMessage(t, w.fails(406, "quotes.book", noPartial.Number, `{"mode":"partial_truckload"}`),
			"partial_truckload is not an option of quote "+noPartial.Number+" (its options: truckload, intermodal)")
		wantMessage(t, w.fails(406, "quotes.book", "PLZZZZ", `{"mode":"truckload"}`), "Quote not found")

		before := w.company(lakeshore).CreditUtilization
		v := w.book(q.Number, ModeTruckload)
		if v.Status != StatusBooked || *v.Mode != ModeTruckload || v.Rate == nil || v.Rate.Total != 1732 ||
			v.Rate.BookedAt != "2026-03-02T16:00:00Z" || v.Rate.BookedBy != (UserView{"Dana Kowalski", "dana.kowalski@lakeshoreparts.example"}) ||
			v.Rate.Invoice != nil || v.Carrier != nil || len(v.Rate.Charges) != 2 || v.Rate.Charges[0].Name != "Linehaul" {
			t.Fatalf("booked view %+v %+v", v, v.Rate)
		}
		if got := w.company(lakeshore).CreditUtilization; got != before+1732 {
			t.Fatalf("utilization %d, want %d", got, before+1732)
		}
		// Booking again in the same mode answers the same; another mode is refused.
		if again := w.book(q.PLID(w), ModeTruckload); again.Rate.Total != 1732 || w.company(lakeshore).CreditUtilization != before+1732 {
			t.Fatal("a second booking charged again")
		}
		wantMessage(t, w.fails(406, "quotes.book", q.Number, `{"mode":"intermodal"}`), "is already booked as truckload")

		// The pickup window has opened: no booking.
		late := w.create(bookable("2026-03-03", ""))
		w.now = time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC) // 8:00 in Chicago
		wantMessage(t, w.fails(406, "quotes.book", late.Number, `{"mode":"truckload"}`), "pickup window of quote "+late.Number+" opened at 2026-03-03T14:00:00Z")
	})
}

// PLID is the pl_id of a created quote, read through show.
func (q CreatedQuote) PLID(w *world) string { return w.show(q.Number).PLID }

func TestCreditLimit(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		// Badger State: limit 5,000, 3,900 in use; Chicago–Memphis truckload is 1,178.
		memphis := func(extra string) string {
			return `{` + extra + `"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"38115",
				"origin_address":{"name":"DC","address_one":"1 A St","phone":"3125550148","postal_code":"60612"},
				"destination_address":{"name":"Shop","address_one":"2 B St","phone":"9015550100","postal_code":"38115"},
				"commodity":"Bumpers","value":900,"pieces":12,"timing":{"origin":"2026-03-05"}}}`
		}
		own := w.create(memphis(`"external_id":"badger-state","own_credit":true,`))
		msgs := w.fails(406, "quotes.book", own.Number, `{"mode":"truckload"}`)
		wantMessage(t, msgs, "Booking refused. Booking quote "+own.Number+" ($1,178) would take Badger State Auto Parts past its credit limit of $5,000 ($3,900 in use).")
		if w.company("Badger State Auto Parts").CreditUtilization != 3900 {
			t.Fatal("a refused booking charged")
		}

		// Without own_credit the parent's credit carries it, and only the parent's figure shows it.
		parent := w.company(lakeshore).CreditUtilization
		viaParent := w.create(memphis(`"external_id":"badger-state",`))
		w.book(viaParent.Number, ModeTruckload)
		if b := w.company("Badger State Auto Parts").CreditUtilization; b != 3900 {
			t.Fatalf("sub's utilization %d", b)
		}
		if p := w.company(lakeshore).CreditUtilization; p != parent+1178 {
			t.Fatalf("parent's utilization %d", p)
		}
		// A same_credit sub-company books on the parent's limit; both figures show it.
		indy := w.create(memphis(`"external_id":"lakeshore-indy",`))
		w.book(indy.Number, ModeTruckload)
		if i := w.company("Lakeshore Parts — Indianapolis"); i.CreditUtilization != 2150+1178 || i.CreditLimit != nil {
			t.Fatalf("indy %+v", i)
		}
		if p := w.company(lakeshore).CreditUtilization; p != parent+2*1178 {
			t.Fatalf("parent's utilization %d", p)
		}
		// A small own-credit load still fits: 1,100 left.
		small := w.create(`{"external_id":"badger-state","own_credit":true,"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"60615",
			"origin_address":{"name":"DC","address_one":"1 A St","phone":"3125550148","postal_code":"60612"},
			"destination_address":{"name":"Shop","address_one":"2 B St","phone":"3125550100","postal_code":"60615"},
			"commodity":"Bumpers","value":900,"pieces":12,"timing":{"origin":"2026-03-05"}}}`)
		w.book(small.Number, ModeTruckload)
		if b := w.company("Badger State Auto Parts").CreditUtilization; b != 3900+350 {
			t.Fatalf("own-credit utilization %d", b)
		}
		if p := w.company(lakeshore).CreditUtilization; p != parent+2*1178 {
			t.Fatalf("an own-credit load reached the parent: %d", p)
		}
	})
}

func TestCancel(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		// An unbooked quote cancels; again answers the same; it cannot be booked.
		q := w.create(bookable("2026-03-05", ""))
		v := w.ok("quotes.cancel", q.Number, "").JSON.(QuoteShown).Quote
		if v.Status != StatusCancelled || *v.CancelledAt != "2026-03-02T16:00:00Z" {
			t.Fatalf("%+v", v)
		}
		w.ok("quotes.cancel", q.Number, "")
		wantMessage(t, w.fails(406, "quotes.book", q.Number, `{"mode":"truckload"}`), "is cancelled")
		wantMessage(t, w.fails(406, "quotes.bol", q.Number, ""), "is cancelled")

		// Booked, not covered, not today: cancels and gives the credit back.
		before := w.company(lakeshore).CreditUtilization
		q = w.create(bookable("2026-03-05", ""))
		w.book(q.Number, ModeTruckload)
		w.now = w.now.Add(CoverDelay - time.Minute)
		if v := w.ok("quotes.cancel", q.Number, "").JSON.(QuoteShown).Quote; v.Status != StatusCancelled || v.Rate == nil {
			t.Fatalf("%+v", v)
		}
		if got := w.company(lakeshore).CreditUtilization; got != before {
			t.Fatalf("credit not given back: %d, want %d", got, before)
		}

		// Covered: TONU.
		q = w.create(bookable("2026-03-05", ""))
		w.book(q.Number, ModeTruckload)
		w.now = w.now.Add(CoverDelay)
		msgs := w.fails(406, "quotes.cancel", q.Number, "")
		wantMessage(t, msgs, "Cancel refused. Quote "+q.Number+" might incur a TONU fee of $200: a carrier covered it at")
		if w.show(q.Number).Status != StatusCovered {
			t.Fatal("a refused cancel cancelled")
		}

		// Picks up today, not yet covered: TONU.
		q = w.create(bookable("2026-03-06", ""))
		w.now = time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC) // 6:00 in Chicago; window opens at 14:00Z
		w.book(q.Number, ModeTruckload)                      // covered an hour before the window: 13:00Z
		msgs = w.fails(406, "quotes.cancel", q.Number, "")
		wantMessage(t, msgs, "might incur a TONU fee of $200: it picks up today")
	})
}

// TestCancelledLoadStops: a cancelled load stays where it was cancelled
// however far the clock moves: no carrier, no schedule, no proof of
// delivery, no invoice; the booking it had stays on show.
func TestCancelledLoadStops(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		q := w.create(bookable("2026-03-05", ""))
		w.book(q.Number, ModeTruckload)
		w.now = w.now.Add(CoverDelay - time.Minute)
		cancelled := w.ok("quotes.cancel", q.Number, "").JSON.(QuoteShown).Quote
		for _, now := range []time.Time{w.now, w.now.Add(CoverDelay), time.Date(2026, 3, 5, 17, 0, 0, 0, time.UTC), time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)} {
			w.now = now
			v := w.show(q.Number)
			pick, drop := v.Stops[0].(PickStopView), v.Stops[1].(DropStopView)
			if v.Status != StatusCancelled || v.Carrier != nil || len(pick.Notes) != 0 ||
				pick.Schedule != (ScheduleView{}) || drop.Schedule != (ScheduleView{}) || drop.ProofOfDelivery != nil {
				t.Fatalf("at %s: %+v %+v %+v", now, v, pick, drop)
			}
			if v.Rate == nil || v.Rate.Invoice != nil || v.Rate.BookedAt != cancelled.Rate.BookedAt || v.Mode == nil || *v.Mode != ModeTruckload {
				t.Fatalf("at %s: rate %+v", now, v.Rate)
			}
			if v.CancelledAt == nil || *v.CancelledAt != *cancelled.CancelledAt {
				t.Fatalf("at %s: cancelled_at %v", now, v.CancelledAt)
			}
		}
	})
}

// TestClockDrivesTheLoad: moving the tenant clock moves a booked load along.
func TestClockDrivesTheLoad(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		q := w.create(bookable("2026-03-05", ""))
		booked := w.book(q.Number, ModeTruckload)
		if booked.Carrier != nil || booked.Status != StatusBooked {
			t.Fatalf("%+v", booked)
		}
		stops := func(v QuoteView) (PickStopView, DropStopView) {
			return v.Stops[0].(PickStopView), v.Stops[1].(DropStopView)
		}
		at := func(s string) {
			t.Helper()
			var err error
			if w.now, err = time.Parse(time.RFC3339, s); err != nil {
				t.Fatal(err)
			}
		}

		at("2026-03-02T18:00:00Z") // booked at 16:00 + 2 h
		v := w.show(q.Number)
		pick, drop := stops(v)
		if v.Status != StatusCovered || v.Carrier == nil || v.Carrier.CoveredAt != "2026-03-02T18:00:00Z" ||
			!strings.HasPrefix(v.Carrier.MCNumber, "MC-") || v.Carrier.BookedBy.Name != "Marcus Bell" ||
			len(pick.Notes) != 1 || !strings.HasPrefix(pick.Notes[0].Content, "PICK UP #"+v.PLID) || pick.Schedule.ArrivedAt != nil {
			t.Fatalf("covered: %+v %+v", v, pick)
		}
		carrier := *v.Carrier

		at("2026-03-05T15:30:00Z") // pick window 14:00–20:00Z: arrived 15:00, leaves 16:00
		v = w.show(q.Number)
		pick, _ = stops(v)
		if v.Status != StatusCovered || *pick.Schedule.ArrivedAt != "2026-03-05T15:00:00Z" || pick.Schedule.DepartedAt != nil {
			t.Fatalf("at the pick: %+v", pick.Schedule)
		}
		at("2026-03-05T20:00:00Z")
		v = w.show(q.Number)
		pick, drop = stops(v)
		if v.Status != StatusInTransit || *pick.Schedule.DepartedAt != "2026-03-05T16:00:00Z" || drop.Schedule.ArrivedAt != nil || drop.ProofOfDelivery != nil {
			t.Fatalf("in transit: %+v %+v", pick.Schedule, drop)
		}

		at("2026-03-09T18:00:00Z") // past the drop window (8:00–14:00 EDT = 12:00–18:00Z)
		v = w.show(q.Number)
		_, drop = stops(v)
		if v.Status != StatusDelivered || *drop.Schedule.ArrivedAt != "2026-03-09T13:00:00Z" || *drop.Schedule.DepartedAt != "2026-03-09T14:00:00Z" ||
			drop.ProofOfDelivery == nil || drop.ProofOfDelivery.CreatedAt != "2026-03-09T14:00:00Z" ||
			drop.ProofOfDelivery.AttachmentURL != testBase+"/partage/api/quotes/"+q.Number+"/bol.pdf" {
			t.Fatalf("delivered: %+v %+v", v, drop)
		}
		inv := v.Rate.Invoice
		if inv == nil || inv.CreatedAt != "2026-03-09T16:00:00Z" || inv.DueDate != "2026-04-08" || inv.Total != 1732 ||
			inv.Balance != 1732 || inv.Adjustment != 0 || inv.ApprovedAt != nil || inv.ApprovedBy != nil {
			t.Fatalf("invoice %+v", inv)
		}
		if *v.Carrier != carrier {
			t.Fatal("the carrier changed")
		}
		at("2026-03-10T16:00:00Z")
		if inv := w.show(q.Number).Rate.Invoice; *inv.ApprovedAt != "2026-03-10T16:00:00Z" || inv.ApprovedBy.Name != "Renee Castillo" {
			t.Fatalf("approved %+v", inv)
		}
		// And back: the clock decides, nothing is stored.
		at("2026-03-02T17:00:00Z")
		if v := w.show(q.Number); v.Status != StatusBooked || v.Carrier != nil {
			t.Fatalf("%+v", v)
		}
	})
}

func TestNotes(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		q := w.create(bookable("2026-03-05", ""))
		n := w.ok("quotes.notes.create", q.Number, `{"note":{"content":"This is a note."}}`).JSON.(NoteAdded).Note
		if n.Content != "This is a note." || n.User != (NoteUserView{"Dana Kowalski", lakeshore}) || n.CreatedAt != "2026-03-02T16:00:00Z" || n.AttachmentURL != nil {
			t.Fatalf("%+v", n)
		}
		if notes := w.show(q.Number).Shipments[0].Notes; len(notes) != 1 || notes[0] != n {
			t.Fatalf("%+v", notes)
		}
		wantMessage(t, w.fails(412, "quotes.notes.create", q.Number, `{"note":{"content":"  "}}`), "note.content can't be blank")
		wantMessage(t, w.fails(412, "quotes.notes.create", q.Number, `{"note":{"content":"a\u0000"}}`), "note.content must not contain NUL")
		wantMessage(t, w.fails(412, "quotes.notes.create", q.Number, `{"note":{"content":"`+strings.Repeat("x", MaxNoteLength+1)+`"}}`), "is too long")
		wantMessage(t, w.fails(412, "quotes.notes.create", q.Number, `{}`), "note can't be blank")
		w.token = seed.PartageOtherToken
		wantMessage(t, w.fails(406, "quotes.notes.create", q.Number, `{"note":{"content":"x"}}`), "Quote not found")
		w.token = seed.PartageDemoToken
		for range MaxNotes - 1 {
			w.ok("quotes.notes.create", q.Number, `{"note":{"content":"x"}}`)
		}
		wantMessage(t, w.fails(406, "quotes.notes.create", q.Number, `{"note":{"content":"x"}}`), "the most a load keeps")
	})
}
