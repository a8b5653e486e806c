package partage

import (
	"hash/fnv"
	"time"

	"github.com/partifact/mockserver/internal/store"
)

// What happens to a booked load follows from the booking and the tenant
// clock alone, so that moving the clock (POST /__clock) moves the load
// along. Designed [D]:
//
//   - A carrier covers the load CoverDelay after booking, but no later than
//     an hour before the pickup window opens (and never before booking).
//   - At each stop the truck arrives Dwell after the window opens (half the
//     window when it is shorter than two Dwells) and leaves Dwell later. At
//     the drop it arrives no sooner than an hour after leaving the pick.
//   - The proof of delivery is the signed bill of lading, on file when the
//     truck leaves the drop.
//   - The invoice is made InvoiceDelay after delivery, approved a day later,
//     due NetDays after it was made (a Chicago date), for the booked total.
//   - A cancelled load stops where it was cancelled: the clock moves it no
//     further (a cancel is refused once a carrier covered it, so a cancelled
//     load never shows a carrier, a schedule, a proof of delivery or an
//     invoice).
//
// Each time shows on the wire once the tenant clock has reached it.
const (
	CoverDelay   = 2 * time.Hour
	Dwell        = time.Hour
	InvoiceDelay = 2 * time.Hour
	ApproveDelay = 24 * time.Hour
	NetDays      = 30
)

// Load statuses [D]: where a quote is in its life.
const (
	StatusQuoted    = "quoted"
	StatusBooked    = "booked"
	StatusCovered   = "covered"
	StatusInTransit = "in_transit"
	StatusDelivered = "delivered"
	StatusCancelled = "cancelled"
)

type window struct{ start, end time.Time }

// windows are the pick and drop windows of a quote, in UTC.
func windows(q store.PartageQuote) (pick, drop window) {
	o, _ := LookupZIP(q.OriginPostalCode) // both checked when the quote was made
	d, _ := LookupZIP(q.DestinationPostalCode)
	t := q.Timing
	stop := func(date, open, close string, zone Prefix) window {
		day, _ := parseDate(date)
		om, _, _ := parseClock(open)
		cm, _, _ := parseClock(close)
		return window{at(day, om, zone.Zone), at(day, cm, zone.Zone)}
	}
	return stop(t.OriginDate, t.OriginOpen, t.OriginClose, o), stop(t.DestinationDate, t.DestinationOpen, t.DestinationClose, d)
}

// timeline is every event of a booked load.
type timeline struct {
	pick, drop                window
	covered                   time.Time
	pickArrived, pickDeparted time.Time
	dropArrived, dropDeparted time.Time
	invoiced, approved        time.Time
}

func visit(w window, notBefore time.Time) (arrived, departed time.Time) {
	dwell := min(Dwell, w.end.Sub(w.start)/2)
	arrived = w.start.Add(dwell)
	if arrived.Before(notBefore) {
		arrived = notBefore
	}
	return arrived, arrived.Add(dwell)
}

func timelineOf(q store.PartageQuote) timeline {
	var tl timeline
	tl.pick, tl.drop = windows(q)
	b := q.Booking
	if b == nil {
		return tl
	}
	tl.covered = b.BookedAt.Add(CoverDelay)
	if latest := tl.pick.start.Add(-time.Hour); tl.covered.After(latest) {
		tl.covered = latest
	}
	if tl.covered.Before(b.BookedAt) {
		tl.covered = b.BookedAt
	}
	tl.pickArrived, tl.pickDeparted = visit(tl.pick, tl.covered)
	tl.dropArrived, tl.dropDeparted = visit(tl.drop, tl.pickDeparted.Add(time.Hour))
	tl.invoiced = tl.dropDeparted.Add(InvoiceDelay)
	tl.approved = tl.invoiced.Add(ApproveDelay)
	return tl
}

// progressAt is the time a quote's load has reached at now: now, or the
// moment it was cancelled when that came first.
func progressAt(q store.PartageQuote, now time.Time) time.Time {
	if q.CancelledAt != nil && q.CancelledAt.Before(now) {
		return *q.CancelledAt
	}
	return now
}

// statusOf is where the quote is at now.
func statusOf(q store.PartageQuote, tl timeline, now time.Time) string {
	switch {
	case q.CancelledAt != nil:
		return StatusCancelled
	case q.Booking == nil:
		return StatusQuoted
	case !now.Before(tl.dropDeparted):
		return StatusDelivered
	case !now.Before(tl.pickDeparted):
		return StatusInTransit
	case !now.Before(tl.covered):
		return StatusCovered
	}
	return StatusBooked
}

// Carrier is a fictional carrier: names and MC/DOT numbers are made up
// (numbers in ranges the FMCSA has not issued).
type Carrier struct {
	Name, MCNumber, DOTNumber string
}

var (
	truckCarriers = []Carrier{
		{"Prairie Line Transport", "MC-9904417", "9904417"},
		{"Great Lakes Freightways", "MC-9911208", "9911208"},
		{"Two Rivers Trucking", "MC-9923561", "9923561"},
		{"Blue Ridge Haulers", "MC-9937802", "9937802"},
		{"High Plains Carriers", "MC-9941139", "9941139"},
		{"Cumberland Road Express", "MC-9958620", "9958620"},
	}
	railCarriers = []Carrier{
		{"Heartland Intermodal Drayage", "MC-9962284", "9962284"},
		{"Transcontinental Rail Logistics", "MC-9975016", "9975016"},
	}
	// Who at Partage covers loads and approves invoices [D].
	carrierDesk = store.PartageUser{Name: "Marcus Bell", Email: "marcus.bell@partage.example"}
	billingDesk = "Renee Castillo"
)

// carrierOf picks the load's carrier from its pl_id and mode: the same load
// always gets the same carrier.
func carrierOf(q store.PartageQuote) Carrier {
	list := truckCarriers
	if q.Booking != nil && q.Booking.Mode == ModeIntermodal {
		list = railCarriers
	}
	h := fnv.New32a()
	h.Write([]byte(q.PLID))
	return list[h.Sum32()%uint32(len(list))]
}
