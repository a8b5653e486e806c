package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// The Partage freight tools: quote a lane, book it, follow the load on the
// world's clock to its delivery and invoice, read its bill of lading,
// cancel it. They act as the demo company, Lakeshore Parts Distribution
// (token partage_demo_token_5c2e), or one of its sub-companies.

// Partage is the Partage freight API's extension: its tools and its quotes
// and companies in scenario://current.
func Partage() Extension {
	// Examples with a date name a day to come (a past pickup is refused),
	// from the wall clock the world's clock starts on.
	now := time.Now()
	quoteID := func(o ...ToolOption) []ToolOption {
		return append([]ToolOption{Example("quote_id", "PLUIYD", partage.Number(now, 1)), Bound("quote_id", 1, 64)}, o...)
	}
	return Extension{
		Name: partage.Name,
		Tools: []Tool{
			NewTool("quote_freight", "Price a freight lane (origin and destination ZIPs, equipment, optional weight and pallet spots, services, timing): the quote's number, pl_id, miles and one total per mode offered.",
				freightHints(Hints{
					"invalid_format": "a field is malformed (problems name it); ZIPs are 5 digits of the contiguous US, e.g. 60612 (Chicago) to 12186 (Troy, NY)",
					"invalid_quote":  "the lane cannot be quoted as asked (the message says why): change it and call quote_freight again",
				}), quoteFreight,
				Example("origin_postal_code", "60612"), Example("destination_postal_code", "12186"),
				Enum("equipment", anySlice(partage.Equipments)...), Default("equipment", "van"),
				Range("weight", 1, partage.MaxWeight), Range("pallet_spots", 1, partage.MaxPalletSpots), Range("pallets", 1, partage.MaxPallets),
				Example("weight", 10000), Example("pallet_spots", 10), Example("pallets", 10),
				Pattern("origin_postal_code", zipPattern), Pattern("destination_postal_code", zipPattern),
				Example("origin_address", map[string]any{"name": "Lakeshore Parts Distribution", "address_one": "2250 W Carroll Ave", "phone": "312-555-0148"}),
				Example("destination_address", map[string]any{"name": "Capital Region Collision", "address_one": "14 Maple Ave", "address_two": "Bay 3", "phone": "518-555-0100"}),
				Bound("origin_address/name", 1, partage.MaxTextLength), Bound("origin_address/address_one", 1, partage.MaxTextLength),
				Bound("origin_address/address_two", 0, partage.MaxTextLength), Bound("origin_address/phone", 1, 32),
				Bound("destination_address/name", 1, partage.MaxTextLength), Bound("destination_address/address_one", 1, partage.MaxTextLength),
				Bound("destination_address/address_two", 0, partage.MaxTextLength), Bound("destination_address/phone", 1, 32),
				Example("commodity", "Collision parts"), Bound("commodity", 1, partage.MaxTextLength),
				Example("value", 12500), Range("value", 0, partage.MaxValue), Example("pieces", 40), Range("pieces", 1, partage.MaxPieces),
				Example("services", []map[string]any{{"location": "destination", "name": "Liftgate", "units": 1}}),
				Bound("services", 0, len(partage.Services)*3), Enum("services/items/location", "load", "origin", "destination"),
				Enum("services/items/name", serviceNames()...), Range("services/items/units", 0.01, partage.MaxLumperPassThrough),
				Example("timing", map[string]any{"origin": examplePickup(now), "origin_open": "8:00", "origin_close": "14:00"}),
				Bound("timing/origin", 1, 10), Bound("timing/destination", 1, 10),
				Bound("timing/origin_open", 1, 5), Bound("timing/origin_close", 1, 5), Bound("timing/destination_open", 1, 5), Bound("timing/destination_close", 1, 5),
				Example("external_id", seed.PartageBadgerExternalID, seed.PartageIndyExternalID), Bound("external_id", 1, partage.MaxTextLength),
				Changes("Quote freight", false, false)),
			NewTool("book_freight", "Book one mode of a freight quote: the load with its rate, stops and windows; a carrier covers it two hours later on the world's clock.",
				freightHints(Hints{
					"booking_refused": "quote again (quote_freight) with what the message names, or pick a mode the quote offers (get_freight lists them)",
				}), bookFreight,
				quoteID(Enum("mode", partage.ModeTruckload, partage.ModePartial, partage.ModeIntermodal), Example("mode", partage.ModePartial),
					Changes("Book freight", true, false))...),
			NewTool("get_freight", "Read a freight quote or load as the world's clock sees it now: status, rate, carrier, stops with windows and schedule, invoice, and what to do next.",
				freightHints(nil), getFreight, quoteID(ReadOnly("Get freight"))...),
			NewTool("cancel_freight", "Cancel a freight quote, or a booked load before a carrier covers it and before its pickup day (otherwise a TONU fee might apply and it is refused).",
				freightHints(Hints{
					"cancel_refused": "the load stays booked: the real API sends you to Partage's phone line; follow it with get_freight, or reset_world to start over",
				}), cancelFreight, quoteID(Changes("Cancel freight", true, true))...),
			NewTool("bill_of_lading", "Fetch a booked load's bill of lading (a one-page PDF): its size, that it is a PDF, the text it prints line by line, and the URL to download it.",
				freightHints(Hints{
					"invalid_quote": "only a booked load has a bill of lading: book_freight first (a cancelled one has none)",
				}), billOfLading, quoteID(ReadOnly("Bill of lading"))...),
		},
		Scenario: partageScenario,
	}
}

// examplePickup is a pickup date an example can give: the first weekday at
// least two days after now, in Chicago.
func examplePickup(now time.Time) string {
	d := now.In(partage.HomeZone).AddDate(0, 0, 2)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format(time.DateOnly)
}

// zipPattern is a ZIP code as the API takes it: 5 digits, or ZIP+4.
const zipPattern = `^[0-9]{5}(-[0-9]{4})?$`

func anySlice[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func serviceNames() []any {
	out := make([]any, len(partage.Services))
	for i, s := range partage.Services {
		out[i] = s.Name
	}
	return out
}

// freightHints are a tool's hints over those every Partage call can meet.
func freightHints(own Hints) Hints {
	h := Hints{
		"quote_not_found":    "no quote with that number or pl_id in the demo company's family in this world: quote_freight makes one (scenario://current lists them)",
		"invalid_token":      "the demo token was refused: an injected fault (clear faults with DELETE /__faults), since the tools always send partage_demo_token_5c2e",
		"invalid_format":     "the request was refused as malformed: problems name the field; fix the arguments and call again",
		"invalid_quote":      "the request was refused (the message says why): read the load with get_freight",
		"booking_refused":    "read the quote with get_freight to see its options and state",
		"cancel_refused":     "read the load with get_freight",
		"not_acceptable":     "the Accept header was refused: an injected fault, or a bug of the tool",
		"internal_error":     "the API failed (or an injected fault fired): call again, or clear faults",
		"not_found":          "no such path of the Partage API: a bug of the tool",
		"method_not_allowed": "the path does not take that verb: a bug of the tool",
	}
	for k, v := range own {
		h[k] = v
	}
	return h
}

// freightErrors reads the Partage family, {"errors":["…"]}: the status
// says the kind (401 token, 406 invalid quote, 412 request format, 500),
// and the first message's heading ("Booking refused.") the variant of a
// 406, so that the hint can name the right next step.
func freightErrors(status int, body []byte) ErrorReading {
	var b partage.ErrorBody
	_ = json.Unmarshal(body, &b) // a body of no such shape says nothing
	first := ""
	if len(b.Errors) > 0 {
		first = b.Errors[0]
	}
	code := fmt.Sprintf("http_%d", status)
	switch status {
	case partage.StatusUnauthorized:
		code = "invalid_token"
	case partage.StatusInvalidFormat:
		code = "invalid_format"
	case partage.StatusNotFound:
		code = "not_found"
	case http.StatusMethodNotAllowed:
		code = "method_not_allowed"
	case partage.StatusInternal:
		code = "internal_error"
	case partage.StatusInvalidQuote:
		switch {
		case strings.HasPrefix(first, "Invalid quote. Quote not found."):
			code = "quote_not_found"
		case strings.HasPrefix(first, "Booking refused."):
			code = "booking_refused"
		case strings.HasPrefix(first, "Cancel refused."):
			code = "cancel_refused"
		case strings.HasPrefix(first, "Not acceptable."):
			code = "not_acceptable"
		default:
			code = "invalid_quote"
		}
	}
	rd := ErrorReading{Code: code, Said: strings.Join(b.Errors[:min(len(b.Errors), 3)], " "),
		Retryable: status >= 500 || status == http.StatusTooManyRequests}
	if status == partage.StatusInvalidFormat {
		for _, m := range b.Errors[:min(len(b.Errors), MaxProblems)] {
			rd.Problems = append(rd.Problems, freightProblem(m))
		}
	}
	return rd
}

// fieldFirst finds the field a request-format message names first
// ("Invalid request format. quote.weight must be a number.").
var fieldFirst = regexp.MustCompile(`^Invalid request format\. ([a-z_]+(?:\.[a-z_]+)*) `)

func freightProblem(m string) Problem {
	p := Problem{Message: m}
	if f := fieldFirst.FindStringSubmatch(m); f != nil {
		p.Path = f[1]
	}
	return p
}

// freight calls an operation of the API as the demo company: the token in
// the body of a POST and in the query of a GET.
func freight(ctx context.Context, w *World, method, path string, body map[string]any, out any) error {
	r := Request{Method: method, Path: partage.PathPrefix + path, Errors: freightErrors,
		Header: http.Header{"Accept": {"application/json"}}}
	if method == http.MethodGet {
		r.Path += "?api_token=" + url.QueryEscape(seed.PartageDemoToken)
	} else {
		if body == nil {
			body = map[string]any{}
		}
		body["api_token"] = seed.PartageDemoToken
		r.Body = body
	}
	return w.Call(ctx, r, out)
}

func quotePath(id, tail string) string { return "/api/quotes/" + url.PathEscape(id) + tail }

// ---- projections ----

// freightWire is a quote as show, book and cancel answer it.
type freightWire struct {
	Quote struct {
		partage.QuoteView
		Stops []struct {
			partage.PickStopView
			ProofOfDelivery *partage.ProofView `json:"proof_of_delivery"`
		} `json:"stops"`
	} `json:"quote"`
}

type freightOptionOut struct {
	Mode  string `json:"mode" jsonschema:"truckload, partial_truckload or intermodal"`
	Total int64  `json:"total" jsonschema:"whole US dollars, every charge and service of the mode included"`
}

type windowOut struct {
	StartAt string `json:"start_at"`
	EndAt   string `json:"end_at"`
}

type freightStopOut struct {
	Type       string    `json:"type" jsonschema:"pick or drop"`
	Location   string    `json:"location" jsonschema:"street, city, state and ZIP"`
	Window     windowOut `json:"window" jsonschema:"when the stop is open, UTC"`
	ArrivedAt  *string   `json:"arrived_at" jsonschema:"when the truck arrived; null until it has, on the world's clock"`
	DepartedAt *string   `json:"departed_at" jsonschema:"when it left; null until it has"`
	// ProofOfDelivery is the drop's, once delivered.
	ProofOfDelivery *string `json:"proof_of_delivery,omitempty" jsonschema:"the drop's proof of delivery (the bill of lading's URL), once delivered"`
}

type chargeOut struct {
	Name          string  `json:"name"`
	Total         int64   `json:"total" jsonschema:"whole dollars; the partial truckload's discount is a negative Consolidation charge"`
	Units         float64 `json:"units"`
	UnitOfMeasure string  `json:"unit_of_measure"`
}

type rateOut struct {
	Total    int64       `json:"total" jsonschema:"the booked total, whole US dollars"`
	Charges  []chargeOut `json:"charges"`
	BookedAt string      `json:"booked_at"`
	BookedBy string      `json:"booked_by"`
}

type carrierOut struct {
	Name      string `json:"name"`
	MCNumber  string `json:"mc_number"`
	DOTNumber string `json:"dot_number"`
	CoveredAt string `json:"covered_at"`
}

type freightInvoiceOut struct {
	Total      int64   `json:"total"`
	Balance    int64   `json:"balance"`
	DueDate    string  `json:"due_date"`
	CreatedAt  string  `json:"created_at"`
	ApprovedAt *string `json:"approved_at" jsonschema:"null until approved, a day after it is made"`
}

type freightNoteOut struct {
	Content   string `json:"content"`
	By        string `json:"by" jsonschema:"author and company"`
	On        string `json:"on" jsonschema:"shipment or the stop it is filed with"`
	CreatedAt string `json:"created_at"`
}

type freightOut struct {
	Number          string             `json:"number" jsonschema:"YYYY-MM-DD-N, the Chicago date of creation and the family's rank that day"`
	PLID            string             `json:"pl_id" jsonschema:"PL and 4 characters; the tools take it or the number"`
	Status          string             `json:"status" jsonschema:"quoted, booked, covered, in_transit, delivered or cancelled, on the world's clock"`
	Mode            *string            `json:"mode" jsonschema:"the booked mode; null until booked"`
	Equipment       string             `json:"equipment"`
	Lane            string             `json:"lane" jsonschema:"origin → destination"`
	Miles           int64              `json:"miles"`
	Weight          *int64             `json:"weight"`
	PalletSpots     *int64             `json:"pallet_spots"`
	Commodity       *string            `json:"commodity"`
	Options         []freightOptionOut `json:"options"`
	SpecialServices []string           `json:"special_services"`
	Rate            *rateOut           `json:"rate" jsonschema:"null until booked"`
	Carrier         *carrierOut        `json:"carrier" jsonschema:"null until a carrier covers the load"`
	Stops           []freightStopOut   `json:"stops"`
	Invoice         *freightInvoiceOut `json:"invoice" jsonschema:"null until two hours after delivery"`
	Notes           []freightNoteOut   `json:"notes"`
	NoteCount       int                `json:"note_count"`
	CancelledAt     *string            `json:"cancelled_at"`
	URL             string             `json:"url"`
}

func freightOf(v freightWire) freightOut {
	q := v.Quote
	out := freightOut{Number: q.Number, PLID: q.PLID, Status: q.Status, Mode: q.Mode, Equipment: q.Equipment,
		Miles: q.Miles, Weight: q.Weight, PalletSpots: q.PalletSpots, CancelledAt: q.CancelledAt, URL: q.URL,
		Options: []freightOptionOut{}, SpecialServices: []string{}, Stops: []freightStopOut{}, Notes: []freightNoteOut{}}
	for _, o := range q.Options {
		out.Options = append(out.Options, freightOptionOut(o))
	}
	for _, s := range q.SpecialServices {
		out.SpecialServices = append(out.SpecialServices, fmt.Sprintf("%s (%s) × %g %s", s.Name, s.Location, s.Units, s.UnitOfMeasure))
	}
	if r := q.Rate; r != nil {
		out.Rate = &rateOut{Total: r.Total, Charges: []chargeOut{}, BookedAt: r.BookedAt, BookedBy: r.BookedBy.Name}
		for _, c := range r.Charges {
			out.Rate.Charges = append(out.Rate.Charges, chargeOut{Name: c.Name, Total: c.Total, Units: c.Units, UnitOfMeasure: c.UnitOfMeasure})
		}
		if i := r.Invoice; i != nil {
			out.Invoice = &freightInvoiceOut{Total: i.Total, Balance: i.Balance, DueDate: i.DueDate, CreatedAt: i.CreatedAt, ApprovedAt: i.ApprovedAt}
		}
	}
	if c := q.Carrier; c != nil {
		out.Carrier = &carrierOut{Name: c.Name, MCNumber: c.MCNumber, DOTNumber: c.DOTNumber, CoveredAt: c.CoveredAt}
	}
	note := func(n partage.NoteView, on string) {
		out.NoteCount++
		if len(out.Notes) < MaxListItems {
			out.Notes = append(out.Notes, freightNoteOut{Content: n.Content, By: n.User.Name + " (" + n.User.Company + ")", On: on, CreatedAt: n.CreatedAt})
		}
	}
	for _, sh := range q.Shipments {
		for _, n := range sh.Notes {
			note(n, "shipment")
		}
	}
	var ends []string
	for _, s := range q.Stops {
		loc := s.Location
		place := fmt.Sprintf("%s, %s %s", loc.City, loc.State, loc.PostalCode)
		ends = append(ends, loc.PostalCode+" "+loc.City+", "+loc.State)
		if loc.Street != nil && *loc.Street != "" {
			place = *loc.Street + ", " + place
		}
		st := freightStopOut{Type: s.Type, Location: place, Window: windowOut(s.Window),
			ArrivedAt: s.Schedule.ArrivedAt, DepartedAt: s.Schedule.DepartedAt}
		if s.ProofOfDelivery != nil {
			st.ProofOfDelivery = &s.ProofOfDelivery.AttachmentURL
		}
		out.Stops = append(out.Stops, st)
		for _, n := range s.Notes {
			note(n, s.Type+" stop")
		}
	}
	out.Lane = strings.Join(ends, " → ")
	if len(q.Shipments) > 0 {
		out.Commodity = q.Shipments[0].Commodity
	}
	return out
}

// freightNext is the step that usually follows, by the load's status.
func freightNext(f freightOut) string {
	stop := func(typ string) freightStopOut {
		for _, s := range f.Stops {
			if s.Type == typ {
				return s
			}
		}
		return freightStopOut{}
	}
	switch f.Status {
	case partage.StatusQuoted:
		var opts []string
		for _, o := range f.Options {
			opts = append(opts, fmt.Sprintf("%s ($%d)", o.Mode, o.Total))
		}
		return fmt.Sprintf("book_freight with quote_id %s and a mode: %s", f.PLID, strings.Join(opts, ", "))
	case partage.StatusBooked:
		return "booked: a carrier covers it two hours after booking (advance_clock by 2h, then get_freight); bill_of_lading has the PDF; cancel_freight still cancels it"
	case partage.StatusCovered:
		return "covered by " + carrierName(f) + ": advance_clock to " + stop("pick").Window.EndAt + " (the pickup window's end) and get_freight shows it picked up"
	case partage.StatusInTransit:
		return "in transit: advance_clock to " + stop("drop").Window.EndAt + " (the drop window's end) and get_freight shows it delivered"
	case partage.StatusDelivered:
		switch {
		case f.Invoice == nil:
			return "delivered: the invoice is made two hours after delivery (advance_clock by 2h, then get_freight)"
		case f.Invoice.ApprovedAt == nil:
			return fmt.Sprintf("delivered and invoiced ($%d, due %s): it is approved a day after it is made (advance_clock by 24h)", f.Invoice.Total, f.Invoice.DueDate)
		default:
			return fmt.Sprintf("delivered; the invoice of $%d is approved, due %s: done (quote_freight for the next load)", f.Invoice.Total, f.Invoice.DueDate)
		}
	case partage.StatusCancelled:
		return "cancelled: quote_freight for a new quote"
	}
	return "get_freight shows where it is"
}

func carrierName(f freightOut) string {
	if f.Carrier == nil {
		return "a carrier"
	}
	return f.Carrier.Name
}

type freightResult struct {
	Load freightOut `json:"load"`
	Next string     `json:"next"`
}

func freightAnswer(v freightWire) freightResult {
	f := freightOf(v)
	return freightResult{Load: f, Next: freightNext(f)}
}

// ---- quote_freight ----

type freightAddressIn struct {
	Name       string `json:"name" jsonschema:"who ships or receives at the stop"`
	AddressOne string `json:"address_one" jsonschema:"street address"`
	AddressTwo string `json:"address_two,omitempty" jsonschema:"suite, bay, floor"`
	Phone      string `json:"phone" jsonschema:"10 to 15 digits, any punctuation"`
	PostalCode string `json:"postal_code,omitempty" jsonschema:"the stop's ZIP; default the lane's (a booking needs them to match)"`
}

type freightServiceIn struct {
	Location string  `json:"location" jsonschema:"load, origin or destination"`
	Name     string  `json:"name" jsonschema:"a service of Partage's price list"`
	Units    float64 `json:"units" jsonschema:"stops, days or pieces (whole, 1 to 30); the Lumper's dollars passed through"`
}

type freightTimingIn struct {
	Origin           string `json:"origin,omitempty" jsonschema:"the pickup date at the origin, YYYY-MM-DD local to it; default the first weekday a day ahead"`
	Destination      string `json:"destination,omitempty" jsonschema:"the drop date; default a day per 500 miles after pickup, off weekends"`
	OriginOpen       string `json:"origin_open,omitempty" jsonschema:"local 24-hour time the origin opens, 8:00 by default"`
	OriginClose      string `json:"origin_close,omitempty" jsonschema:"local time it closes, 14:00 by default"`
	DestinationOpen  string `json:"destination_open,omitempty"`
	DestinationClose string `json:"destination_close,omitempty"`
}

type quoteFreightIn struct {
	OriginPostalCode      string             `json:"origin_postal_code" jsonschema:"the pickup ZIP (5 digits or ZIP+4, contiguous US)"`
	DestinationPostalCode string             `json:"destination_postal_code" jsonschema:"the drop ZIP"`
	Equipment             string             `json:"equipment,omitempty" jsonschema:"van, flatbed or refrigerated"`
	Weight                *int64             `json:"weight,omitempty" jsonschema:"pounds; with pallet_spots, a partial truckload is offered too"`
	PalletSpots           *int64             `json:"pallet_spots,omitempty" jsonschema:"floor spots the load takes (26 fill a trailer)"`
	Pallets               *int64             `json:"pallets,omitempty"`
	FTLOnly               bool               `json:"ftl_only,omitempty" jsonschema:"offer no partial truckload"`
	Services              []freightServiceIn `json:"services,omitempty" jsonschema:"special services, priced into every option they apply to"`
	Timing                *freightTimingIn   `json:"timing,omitempty"`
	OriginAddress         *freightAddressIn  `json:"origin_address,omitempty" jsonschema:"needed to book"`
	DestinationAddress    *freightAddressIn  `json:"destination_address,omitempty" jsonschema:"needed to book"`
	Commodity             string             `json:"commodity,omitempty" jsonschema:"what is shipped; needed to book"`
	Value                 *float64           `json:"value,omitempty" jsonschema:"declared value in US dollars; needed to book"`
	Pieces                *int64             `json:"pieces,omitempty" jsonschema:"handling units; needed to book"`
	ExternalID            string             `json:"external_id,omitempty" jsonschema:"quote for this sub-company of the demo company instead"`
	OwnCredit             bool               `json:"own_credit,omitempty" jsonschema:"book on the sub-company's own credit rather than the parent's"`
}

type quoteFreightOut struct {
	Number            string             `json:"number"`
	PLID              string             `json:"pl_id"`
	Miles             int64              `json:"miles"`
	Lane              string             `json:"lane"`
	Equipment         string             `json:"equipment"`
	Options           []freightOptionOut `json:"options" jsonschema:"one per mode offered, with its total"`
	Pickup            windowOut          `json:"pickup" jsonschema:"the pickup window, UTC"`
	Delivery          windowOut          `json:"delivery" jsonschema:"the drop window, UTC"`
	Bookable          bool               `json:"bookable" jsonschema:"whether the quote holds everything a booking needs"`
	MissingForBooking []string           `json:"missing_for_booking" jsonschema:"what a booking would still need; quote again with it"`
	URL               string             `json:"url"`
	Next              string             `json:"next"`
}

func (a *freightAddressIn) wire(zip string) map[string]any {
	m := map[string]any{"name": a.Name, "address_one": a.AddressOne, "phone": a.Phone, "postal_code": zip}
	if a.AddressTwo != "" {
		m["address_two"] = a.AddressTwo
	}
	if a.PostalCode != "" {
		m["postal_code"] = a.PostalCode
	}
	return m
}

func quoteFreight(ctx context.Context, w *World, in quoteFreightIn) (quoteFreightOut, error) {
	q := map[string]any{"equipment": in.Equipment, "origin_postal_code": in.OriginPostalCode,
		"destination_postal_code": in.DestinationPostalCode}
	set := func(k string, v any, ok bool) {
		if ok {
			q[k] = v
		}
	}
	set("weight", in.Weight, in.Weight != nil)
	set("pallet_spots", in.PalletSpots, in.PalletSpots != nil)
	set("pallets", in.Pallets, in.Pallets != nil)
	set("ftl_only", true, in.FTLOnly)
	set("commodity", in.Commodity, in.Commodity != "")
	set("value", in.Value, in.Value != nil)
	set("pieces", in.Pieces, in.Pieces != nil)
	if in.OriginAddress != nil {
		q["origin_address"] = in.OriginAddress.wire(in.OriginPostalCode)
	}
	if in.DestinationAddress != nil {
		q["destination_address"] = in.DestinationAddress.wire(in.DestinationPostalCode)
	}
	if t := in.Timing; t != nil {
		tm := map[string]any{}
		for k, v := range map[string]string{"origin": t.Origin, "destination": t.Destination, "origin_open": t.OriginOpen,
			"origin_close": t.OriginClose, "destination_open": t.DestinationOpen, "destination_close": t.DestinationClose} {
			if v != "" {
				tm[k] = v
			}
		}
		q["timing"] = tm
	}
	if len(in.Services) > 0 {
		svc := map[string]map[string]any{}
		for _, s := range in.Services {
			if svc[s.Location] == nil {
				svc[s.Location] = map[string]any{}
			}
			if _, twice := svc[s.Location][s.Name]; twice {
				return quoteFreightOut{}, Fail(CodeInvalidInput, fmt.Sprintf("%s is given twice at %s: give each service once per location, with its units", s.Name, s.Location))
			}
			svc[s.Location][s.Name] = s.Units
		}
		q["services"] = svc
	}
	body := map[string]any{"quote": q}
	if in.ExternalID != "" {
		body["external_id"] = in.ExternalID
	}
	if in.OwnCredit {
		body["own_credit"] = true
	}
	var created partage.QuoteCreated
	if err := freight(ctx, w, http.MethodPost, "/api/quotes", body, &created); err != nil {
		return quoteFreightOut{}, err
	}
	// The create answer has no pl_id nor windows: the quote's view has.
	var v freightWire
	if err := freight(ctx, w, http.MethodGet, quotePath(created.Quote.Number, ""), nil, &v); err != nil {
		return quoteFreightOut{}, err
	}
	f := freightOf(v)
	out := quoteFreightOut{Number: f.Number, PLID: f.PLID, Miles: created.Quote.Miles, Lane: f.Lane, Equipment: f.Equipment,
		Options: []freightOptionOut{}, MissingForBooking: []string{}, URL: created.Quote.URL}
	for _, o := range created.Quote.Options {
		out.Options = append(out.Options, freightOptionOut(o))
	}
	for _, s := range f.Stops {
		if s.Type == "pick" {
			out.Pickup = s.Window
		} else {
			out.Delivery = s.Window
		}
	}
	for _, m := range []struct {
		name    string
		missing bool
	}{
		{"origin_address", in.OriginAddress == nil}, {"destination_address", in.DestinationAddress == nil},
		{"commodity", strings.TrimSpace(in.Commodity) == ""}, {"value", in.Value == nil}, {"pieces", in.Pieces == nil},
	} {
		if m.missing {
			out.MissingForBooking = append(out.MissingForBooking, m.name)
		}
	}
	out.Bookable = len(out.MissingForBooking) == 0
	if out.Bookable {
		out.Next = freightNext(f)
	} else {
		out.Next = "priced; to book it, quote_freight again with " + strings.Join(out.MissingForBooking, ", ")
	}
	return out, nil
}

// ---- book_freight, get_freight, cancel_freight ----

type freightIDIn struct {
	QuoteID string `json:"quote_id" jsonschema:"the quote's pl_id (PLUIYD is a fresh world's first) or number (YYYY-MM-DD-N: the Chicago date it was made, its rank that day)"`
}

type bookFreightIn struct {
	QuoteID string `json:"quote_id" jsonschema:"the quote's pl_id (PLUIYD is a fresh world's first) or number (YYYY-MM-DD-N: the Chicago date it was made, its rank that day)"`
	Mode    string `json:"mode" jsonschema:"one of the quote's options: truckload, partial_truckload or intermodal"`
}

func bookFreight(ctx context.Context, w *World, in bookFreightIn) (freightResult, error) {
	var v freightWire
	if err := freight(ctx, w, http.MethodPost, quotePath(in.QuoteID, "/book"), map[string]any{"mode": in.Mode}, &v); err != nil {
		return freightResult{}, err
	}
	return freightAnswer(v), nil
}

func getFreight(ctx context.Context, w *World, in freightIDIn) (freightResult, error) {
	var v freightWire
	if err := freight(ctx, w, http.MethodGet, quotePath(in.QuoteID, ""), nil, &v); err != nil {
		return freightResult{}, err
	}
	return freightAnswer(v), nil
}

func cancelFreight(ctx context.Context, w *World, in freightIDIn) (freightResult, error) {
	var v freightWire
	if err := freight(ctx, w, http.MethodPost, quotePath(in.QuoteID, "/cancel"), nil, &v); err != nil {
		return freightResult{}, err
	}
	return freightAnswer(v), nil
}

// ---- bill_of_lading ----

type bolOut struct {
	QuoteID     string   `json:"quote_id"`
	ContentType string   `json:"content_type"`
	Bytes       int      `json:"bytes"`
	IsPDF       bool     `json:"is_pdf" jsonschema:"the body starts with the PDF signature"`
	PDFVersion  string   `json:"pdf_version"`
	Pages       int      `json:"pages"`
	Text        []string `json:"text" jsonschema:"the lines the document prints, top to bottom (cells of one line joined by two spaces)"`
	URL         string   `json:"url" jsonschema:"where to download it over HTTP (curl -o bol.pdf '<url>' with the tenant header)"`
	Next        string   `json:"next"`
}

func billOfLading(ctx context.Context, w *World, in freightIDIn) (bolOut, error) {
	path := partage.PathPrefix + quotePath(in.QuoteID, "/bol.pdf") + "?api_token=" + url.QueryEscape(seed.PartageDemoToken)
	a, err := w.Do(ctx, Request{Method: http.MethodGet, Path: path, Header: http.Header{"Accept": {"application/pdf"}}})
	if err != nil {
		return bolOut{}, err
	}
	if a.Status != http.StatusOK {
		return bolOut{}, &WireError{Method: http.MethodGet, Path: path, Status: a.Status, Body: a.Body, Errors: freightErrors}
	}
	doc, err := readPDF(a.Body)
	if err != nil {
		return bolOut{}, fmt.Errorf("mcpserver: the bill of lading of %s: %w", in.QuoteID, err)
	}
	out := bolOut{QuoteID: in.QuoteID, ContentType: a.Header.Get("Content-Type"), Bytes: len(a.Body), IsPDF: doc.version != "",
		PDFVersion: doc.version, Pages: doc.pages, Text: doc.lines, URL: w.BaseURL() + path,
		Next: "get_freight follows the load; the proof of delivery is this document once delivered"}
	if out.Text == nil {
		out.Text = []string{}
	}
	return out, nil
}

// ---- scenario ----

// partageScenario is the world's newest quotes, newest first, and the
// demo families' companies with their credit, read from the store.
func partageScenario(ctx context.Context, w *World) (any, error) {
	type companyItem struct {
		Name              string  `json:"name"`
		ExternalID        *string `json:"external_id"`
		CreditLimit       *int64  `json:"credit_limit"`
		CreditUtilization int64   `json:"credit_utilization"`
		SameCredit        bool    `json:"same_credit"`
		Parent            string  `json:"parent,omitempty"`
	}
	out := struct {
		Quotes     []freightOut  `json:"quotes"`
		QuoteCount int           `json:"quote_count"`
		Companies  []companyItem `json:"companies"`
	}{Quotes: []freightOut{}, Companies: []companyItem{}}
	err := w.View(ctx, func(tx store.Tx) error {
		for _, fam := range partage.Families() {
			parent, err := tx.PartageCompany(fam)
			if err != nil {
				return err
			}
			subs, err := tx.PartageSubCompanies(fam)
			if err != nil {
				return err
			}
			for _, c := range append([]store.PartageCompany{parent}, subs...) {
				if len(out.Companies) == MaxListItems {
					break
				}
				it := companyItem{Name: c.Name, ExternalID: c.ExternalID, CreditLimit: c.CreditLimit, CreditUtilization: c.CreditUtilization, SameCredit: c.SameCredit}
				if c.ParentID != nil {
					it.Parent = parent.Name
				}
				out.Companies = append(out.Companies, it)
			}
		}
		quotes, n, err := tx.PartageQuotes(MaxListItems)
		if err != nil {
			return err
		}
		out.QuoteCount = n
		for _, q := range quotes {
			family, err := tx.PartageCompany(q.FamilyID)
			if err != nil {
				return err
			}
			shown, err := partage.ShowQuote(&partage.Call{Tx: tx, Caller: family, BaseURL: w.BaseURL()}, q.PLID)
			if err != nil {
				return err
			}
			// One projection for the tools and the scenario: the view as
			// the wire spells it.
			b, err := json.Marshal(shown)
			if err != nil {
				return err
			}
			var v freightWire
			if err := json.Unmarshal(b, &v); err != nil {
				return err
			}
			out.Quotes = append(out.Quotes, freightOf(v))
		}
		return nil
	})
	return out, err
}
