package partage

import (
	"strconv"
	"strings"
	"time"

	"github.com/partifact/mockserver/internal/store"
)

// The wire views. Field names are the seed's; fields the seed does not show
// are designed and marked so in openapi-partage.json. Absent values are
// null, never missing, except proof_of_delivery, which only the drop stop
// has (null until delivered).

// QuoteCreated answers POST /api/quotes: the seed's create response.
type QuoteCreated struct {
	Quote CreatedQuote `json:"quote"`
}

type CreatedQuote struct {
	DestinationPostalCode string       `json:"destination_postal_code"`
	Equipment             string       `json:"equipment"`
	OriginPostalCode      string       `json:"origin_postal_code"`
	PalletSpots           *int64       `json:"pallet_spots"`
	Weight                *int64       `json:"weight"`
	Miles                 int64        `json:"miles"`
	Number                string       `json:"number"`
	URL                   string       `json:"url"`
	Options               []OptionView `json:"options"`
}

type OptionView struct {
	Mode  string `json:"mode"`
	Total int64  `json:"total"`
}

// QuoteShown answers show, book and cancel: the seed's show response.
type QuoteShown struct {
	Quote QuoteView `json:"quote"`
}

type QuoteView struct {
	PLID          string `json:"pl_id"`
	Number        string `json:"number"`
	Length        *int64 `json:"length"` // linear feet
	Weight        *int64 `json:"weight"`
	PalletSpots   *int64 `json:"pallet_spots"`
	Pallets       *int64 `json:"pallets"`
	EquipmentType string `json:"equipment_type"`
	// Designed: what the create response echoed, and the state.
	Status                string       `json:"status"`
	Mode                  *string      `json:"mode"`
	Equipment             string       `json:"equipment"`
	OriginPostalCode      string       `json:"origin_postal_code"`
	DestinationPostalCode string       `json:"destination_postal_code"`
	Miles                 int64        `json:"miles"`
	URL                   string       `json:"url"`
	Options               []OptionView `json:"options"`
	CancelledAt           *string      `json:"cancelled_at"`

	Rate            *RateView            `json:"rate"`
	Carrier         *CarrierView         `json:"carrier"`
	Shipments       []ShipmentView       `json:"shipments"`
	Stops           []any                `json:"stops"` // PickStopView, DropStopView
	SpecialServices []SpecialServiceView `json:"special_services"`
}

type UserView struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type NoteUserView struct {
	Name    string `json:"name"`
	Company string `json:"company"`
}

type NoteView struct {
	Content       string       `json:"content"`
	User          NoteUserView `json:"user"`
	AttachmentURL *string      `json:"attachment_url"`
	CreatedAt     string       `json:"created_at"`
}

type ChargeView struct {
	Name          string  `json:"name"`
	Total         int64   `json:"total"`
	UnitOfMeasure string  `json:"unit_of_measure"`
	Units         float64 `json:"units"`
}

type RateView struct {
	BookedAt string       `json:"booked_at"`
	BookedBy UserView     `json:"booked_by"`
	Total    int64        `json:"total"`
	Charges  []ChargeView `json:"charges"`
	Notes    []NoteView   `json:"notes"`
	Invoice  *InvoiceView `json:"invoice"`
}

type ApproverView struct {
	Name string `json:"name"`
}

type InvoiceView struct {
	DueDate    string        `json:"due_date"`
	Adjustment int64         `json:"adjustment"`
	Total      int64         `json:"total"`
	Balance    int64         `json:"balance"`
	CreatedAt  string        `json:"created_at"`
	ApprovedBy *ApproverView `json:"approved_by"`
	ApprovedAt *string       `json:"approved_at"`
	Notes      []NoteView    `json:"notes"`
}

type CarrierView struct {
	Name      string   `json:"name"`
	MCNumber  string   `json:"mc_number"`
	DOTNumber string   `json:"dot_number"`
	CoveredAt string   `json:"covered_at"`
	BookedBy  UserView `json:"booked_by"`
}

type ShipmentView struct {
	ID          int64      `json:"id"`
	Weight      *int64     `json:"weight"`
	PalletSpots *int64     `json:"pallet_spots"`
	Pallets     *int64     `json:"pallets"`
	Commodity   *string    `json:"commodity"`
	Notes       []NoteView `json:"notes"`
}

type ShipmentRef struct {
	ID int64 `json:"id"`
}

type LocationView struct {
	Street     *string `json:"street"`
	City       string  `json:"city"`
	State      string  `json:"state"`
	PostalCode string  `json:"postal_code"`
}

type WindowView struct {
	StartAt string `json:"start_at"`
	EndAt   string `json:"end_at"`
}

type ScheduleView struct {
	ArrivedAt  *string `json:"arrived_at"`
	DepartedAt *string `json:"departed_at"`
}

type PickStopView struct {
	Shipments []ShipmentRef `json:"shipments"`
	Type      string        `json:"type"`
	Location  LocationView  `json:"location"`
	Window    WindowView    `json:"window"`
	Schedule  ScheduleView  `json:"schedule"`
	Notes     []NoteView    `json:"notes"`
}

type DropStopView struct {
	PickStopView
	ProofOfDelivery *ProofView `json:"proof_of_delivery"`
}

type ProofView struct {
	AttachmentURL string `json:"attachment_url"`
	CreatedAt     string `json:"created_at"`
}

// SpecialServiceView is a service on the load [D shape]: on a booked load,
// those its mode performs; before, every one asked for.
type SpecialServiceView struct {
	Name          string  `json:"name"`
	Location      string  `json:"location"`
	Units         float64 `json:"units"`
	UnitOfMeasure string  `json:"unit_of_measure"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// stampIf is the time when now has reached it, else nil.
func stampIf(t, now time.Time) *string {
	if now.Before(t) {
		return nil
	}
	s := stamp(t)
	return &s
}

var equipmentTypes = map[string]string{"van": "Van", "flatbed": "Flatbed", "refrigerated": "Refrigerated"}

// lengthOf is the load's linear feet: two pallets abreast, 4 ft a row
// (4 spots are 8 ft, as in the seed's example) [D].
func lengthOf(spots *int64) *int64 {
	if spots == nil {
		return nil
	}
	ft := (*spots + 1) / 2 * 4
	return &ft
}

func optionViews(opts []store.PartageOption) []OptionView {
	out := make([]OptionView, len(opts))
	for i, o := range opts {
		out[i] = OptionView{Mode: o.Mode, Total: o.Total}
	}
	return out
}

func chargeViews(cs []store.PartageCharge) []ChargeView {
	out := make([]ChargeView, len(cs))
	for i, c := range cs {
		out[i] = ChargeView(c)
	}
	return out
}

func noteViews(ns []store.PartageNote) []NoteView {
	out := make([]NoteView, len(ns))
	for i, n := range ns {
		out[i] = noteView(n)
	}
	return out
}

func noteView(n store.PartageNote) NoteView {
	return NoteView{Content: n.Content, User: NoteUserView{Name: n.UserName, Company: n.UserCompany},
		CreatedAt: stamp(n.CreatedAt)}
}

// quoteURL is where the quote lives in the broker's web app [D]; the mock
// serves the API only.
func quoteURL(base string, q store.PartageQuote) string {
	return base + "/partage/companies/" + q.CompanyID.String() + "/quotes/" + q.PLID
}

// bolURL is the bill of lading of a quote (the token goes in the query).
func bolURL(base string, q store.PartageQuote) string {
	return base + "/partage/api/quotes/" + q.Number + "/bol.pdf"
}

func createdView(base string, q store.PartageQuote) QuoteCreated {
	return QuoteCreated{Quote: CreatedQuote{
		DestinationPostalCode: q.DestinationPostalCode, Equipment: q.Equipment, OriginPostalCode: q.OriginPostalCode,
		PalletSpots: q.PalletSpots, Weight: q.Weight, Miles: q.Miles, Number: q.Number, URL: quoteURL(base, q),
		Options: optionViews(q.Options),
	}}
}

// quoteView is the show view of a quote at the tenant clock's now.
func quoteView(base string, q store.PartageQuote, now time.Time) QuoteShown {
	tl := timelineOf(q)
	status := statusOf(q, tl, now)
	now = progressAt(q, now)
	v := QuoteView{
		PLID: q.PLID, Number: q.Number, Length: lengthOf(q.PalletSpots), Weight: q.Weight,
		PalletSpots: q.PalletSpots, Pallets: q.Pallets, EquipmentType: equipmentTypes[q.Equipment],
		Status: status, Equipment: q.Equipment, OriginPostalCode: q.OriginPostalCode,
		DestinationPostalCode: q.DestinationPostalCode, Miles: q.Miles, URL: quoteURL(base, q),
		Options: optionViews(q.Options),
		Shipments: []ShipmentView{{ID: shipmentID(q), Weight: q.Weight, PalletSpots: q.PalletSpots,
			Pallets: q.Pallets, Commodity: q.Commodity, Notes: noteViews(q.Notes)}},
		SpecialServices: []SpecialServiceView{},
	}
	if q.CancelledAt != nil {
		s := stamp(*q.CancelledAt)
		v.CancelledAt = &s
	}
	for _, s := range q.Services {
		if q.Booking != nil && !appliesTo(s, q.Booking.Mode) {
			continue
		}
		svc, _ := serviceNamed(s.Name)
		v.SpecialServices = append(v.SpecialServices, SpecialServiceView{Name: svc.Name, Location: s.Location,
			Units: s.Units, UnitOfMeasure: svc.UnitOfMeasure})
	}

	pick := PickStopView{Shipments: []ShipmentRef{{ID: shipmentID(q)}}, Type: "pick",
		Location: location(q.OriginAddress, q.OriginPostalCode),
		Window:   WindowView{StartAt: stamp(tl.pick.start), EndAt: stamp(tl.pick.end)}, Notes: []NoteView{}}
	drop := DropStopView{PickStopView: PickStopView{Shipments: []ShipmentRef{{ID: shipmentID(q)}}, Type: "drop",
		Location: location(q.DestinationAddress, q.DestinationPostalCode),
		Window:   WindowView{StartAt: stamp(tl.drop.start), EndAt: stamp(tl.drop.end)}, Notes: []NoteView{}}}

	if b := q.Booking; b != nil {
		mode := b.Mode
		v.Mode = &mode
		v.Rate = &RateView{BookedAt: stamp(b.BookedAt), BookedBy: UserView(b.BookedBy), Total: b.Total,
			Charges: chargeViews(b.Charges), Notes: []NoteView{}}
		if !now.Before(tl.invoiced) {
			inv := &InvoiceView{
				DueDate: tl.invoiced.In(HomeZone).AddDate(0, 0, NetDays).Format(time.DateOnly),
				Total:   b.Total, Balance: b.Total, CreatedAt: stamp(tl.invoiced),
				ApprovedAt: stampIf(tl.approved, now), Notes: []NoteView{},
			}
			if inv.ApprovedAt != nil {
				inv.ApprovedBy = &ApproverView{Name: billingDesk}
			}
			v.Rate.Invoice = inv
		}
		if !now.Before(tl.covered) {
			c := carrierOf(q)
			v.Carrier = &CarrierView{Name: c.Name, MCNumber: c.MCNumber, DOTNumber: c.DOTNumber,
				CoveredAt: stamp(tl.covered), BookedBy: UserView(carrierDesk)}
			// The carrier desk files the pickup number with the shipper's stop.
			pick.Notes = append(pick.Notes, NoteView{
				Content: "PICK UP #" + q.PLID + "-" + strconv.FormatInt(shipmentID(q), 10),
				User:    NoteUserView{Name: carrierDesk.Name, Company: "Partage"}, CreatedAt: stamp(tl.covered)})
		}
		pick.Schedule = ScheduleView{ArrivedAt: stampIf(tl.pickArrived, now), DepartedAt: stampIf(tl.pickDeparted, now)}
		drop.Schedule = ScheduleView{ArrivedAt: stampIf(tl.dropArrived, now), DepartedAt: stampIf(tl.dropDeparted, now)}
		if !now.Before(tl.dropDeparted) {
			drop.ProofOfDelivery = &ProofView{AttachmentURL: bolURL(base, q), CreatedAt: stamp(tl.dropDeparted)}
		}
	}
	v.Stops = []any{pick, drop}
	return QuoteShown{Quote: v}
}

// location is a stop's location: the street from the address when there is
// one, city and state from the ZIP prefix table [D].
func location(a *store.PartageAddress, postal string) LocationView {
	p, _ := LookupZIP(postal)
	l := LocationView{City: p.City, State: p.State, PostalCode: postal}
	if a != nil {
		street := strings.TrimSpace(strings.TrimSpace(a.AddressOne) + " " + strings.TrimSpace(a.AddressTwo))
		l.Street = &street
	}
	return l
}
