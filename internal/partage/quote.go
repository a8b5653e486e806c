package partage

import (
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/partifact/mockserver/internal/store"
)

// QuoteRequest is the body of POST /api/quotes, decoded and checked.
type QuoteRequest struct {
	ExternalID *string // quote for this sub-company
	OwnCredit  bool    // book on the sub-company's own credit
	Quote      QuoteTerms
}

// QuoteTerms is the "quote" object.
type QuoteTerms struct {
	Equipment             string
	OriginPostalCode      string
	DestinationPostalCode string
	Weight                *int64
	PalletSpots           *int64
	Pallets               *int64
	FTLOnly               bool
	OriginAddress         *store.PartageAddress
	DestinationAddress    *store.PartageAddress
	Commodity             *string
	ValueCents            *int64
	Pieces                *int64
	Timing                TimingRequest
	Services              []store.PartageService
}

// Bounds of a quote's numbers [D]. Weight and pallet spots past a trailer's
// limits are accepted as numbers and refused as a quote (406).
const (
	MaxWeight      = 1000000 // lb
	MaxPalletSpots = 1000
	MaxPallets     = 1000
	MaxPieces      = 1000000
	MaxValue       = 10000000 // $
)

// DecodeQuoteRequest checks a create-quote body (412 on any problem, every
// problem listed).
func DecodeQuoteRequest(raw []byte) (QuoteRequest, error) {
	b, err := parseBody(raw)
	if err != nil {
		return QuoteRequest{}, err
	}
	return decodeQuote(b)
}

func decodeQuote(b body) (QuoteRequest, error) {
	var p problems
	top := object{m: b, p: &p}
	r := QuoteRequest{
		ExternalID: top.text("external_id", false, MaxTextLength),
		OwnCredit:  top.boolean("own_credit"),
	}
	q, ok := top.obj("quote")
	if !ok && !top.has("quote") {
		p.add("quote", "can't be blank")
	}
	t := &r.Quote
	t.Equipment = q.oneOf("equipment", Equipments...)
	t.OriginPostalCode = postalCode(q, "origin_postal_code")
	t.DestinationPostalCode = postalCode(q, "destination_postal_code")
	t.Weight = q.integer("weight", false, 1, MaxWeight)
	t.PalletSpots = q.integer("pallet_spots", false, 1, MaxPalletSpots)
	t.Pallets = q.integer("pallets", false, 1, MaxPallets)
	t.FTLOnly = q.boolean("ftl_only")
	t.OriginAddress = address(q, "origin_address")
	t.DestinationAddress = address(q, "destination_address")
	t.Commodity = q.text("commodity", false, MaxTextLength)
	if v := q.number("value", false, 0, MaxValue); v != nil {
		cents := int64(math.Round(*v * 100))
		t.ValueCents = &cents
	}
	t.Pieces = q.integer("pieces", false, 1, MaxPieces)
	t.Timing = timing(q)
	t.Services = services(q)
	// An address must be where the quote says (seed: "must match").
	for _, stop := range []struct {
		side string
		addr *store.PartageAddress
		zip  string
	}{{"origin", t.OriginAddress, t.OriginPostalCode}, {"destination", t.DestinationAddress, t.DestinationPostalCode}} {
		if a := stop.addr; a != nil && stop.zip != "" && validZIP(a.PostalCode) && zip5(a.PostalCode) != zip5(stop.zip) {
			p.add(q.at(stop.side+"_address.postal_code"), "%s does not match %s %s",
				a.PostalCode, q.at(stop.side+"_postal_code"), stop.zip)
		}
	}
	return r, p.err()
}

// postalCode reads a required ZIP code that the ZIP table knows.
func postalCode(o object, name string) string {
	s := o.text(name, true, MaxTextLength)
	if s == nil {
		return ""
	}
	if !validZIP(*s) {
		o.p.add(o.at(name), "must be a 5-digit ZIP code")
		return ""
	}
	if _, ok := LookupZIP(*s); !ok {
		o.p.add(o.at(name), "is not a ZIP code Partage serves (the contiguous United States)")
		return ""
	}
	return *s
}

// address reads an address: name, address_one, phone and postal_code are
// required, address_two is optional.
func address(o object, name string) *store.PartageAddress {
	a, ok := o.obj(name)
	if !ok {
		return nil
	}
	out := store.PartageAddress{}
	req := func(field string) string {
		if s := a.text(field, true, MaxTextLength); s != nil {
			return *s
		}
		return ""
	}
	out.Name, out.AddressOne = req("name"), req("address_one")
	if s := a.text("address_two", false, MaxTextLength); s != nil {
		out.AddressTwo = *s
	}
	out.Phone = req("phone")
	if out.Phone != "" && !validPhone(out.Phone) {
		a.p.add(a.at("phone"), "must hold 10 to 15 digits")
	}
	out.PostalCode = req("postal_code")
	if out.PostalCode != "" && !validZIP(out.PostalCode) {
		a.p.add(a.at("postal_code"), "must be a 5-digit ZIP code")
	}
	return &out
}

// validPhone accepts any punctuation around 10 to 15 digits [D].
func validPhone(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '+' || r == 'x':
		default:
			return false
		}
	}
	return n >= 10 && n <= 15
}

func timing(q object) TimingRequest {
	t, ok := q.obj("timing")
	if !ok {
		return TimingRequest{}
	}
	date := func(name string) *string {
		s := t.text(name, false, MaxTextLength)
		if s != nil {
			if _, ok := parseDate(*s); !ok {
				t.p.add(t.at(name), "must be a date like 2014-07-27")
				return nil
			}
		}
		return s
	}
	clock := func(name string) *string {
		s := t.text(name, false, MaxTextLength)
		if s != nil {
			if _, _, ok := parseClock(*s); !ok {
				t.p.add(t.at(name), "must be a 24-hour time like 6:00 or 18:30")
				return nil
			}
		}
		return s
	}
	return TimingRequest{
		Origin: date("origin"), Destination: date("destination"),
		OriginOpen: clock("origin_open"), OriginClose: clock("origin_close"),
		DestinationOpen: clock("destination_open"), DestinationClose: clock("destination_close"),
	}
}

// serviceLocations are where services attach, in the order they are kept.
var serviceLocations = []string{"load", "origin", "destination"}

func services(q object) []store.PartageService {
	s, ok := q.obj("services")
	if !ok {
		return []store.PartageService{}
	}
	for key := range s.m {
		if !slices.Contains(serviceLocations, key) {
			s.p.add(s.path, "has %s, which is not a service location (load, origin, destination)", quoted(key))
		}
	}
	var out []store.PartageService
	for _, loc := range serviceLocations {
		l, ok := s.obj(loc)
		if !ok {
			continue
		}
		names := slices.Sorted(maps.Keys(l.m))
		seen := map[string]bool{}
		for _, name := range names {
			svc, known := serviceNamed(name)
			if known && seen[svc.Name] {
				l.p.add(l.path, "names %s twice", svc.Name)
				continue
			}
			seen[svc.Name] = true
			if !known {
				l.p.add(l.path, "has %s, which is not a service Partage offers", quoted(name))
				continue
			}
			var units *float64
			if svc.PassThrough {
				units = l.number(name, true, 0.01, MaxLumperPassThrough)
			} else if n := l.integer(name, true, 1, MaxServiceUnits); n != nil {
				f := float64(*n)
				units = &f
			}
			if units != nil {
				out = append(out, store.PartageService{Location: loc, Name: svc.Name, Units: *units})
			}
		}
	}
	if out == nil {
		out = []store.PartageService{}
	}
	return out
}

// quoted echoes a name from the request in a message, when it is short
// clean text; otherwise it says only that it is a name.
func quoted(name string) string {
	if checkText(name, MaxTextLength) != "" {
		return "a name"
	}
	return strconv.Quote(name)
}

// CreateQuote prices a lane for the caller or one of its sub-companies and
// keeps the quote (seed: Create Quote).
func CreateQuote(c *Call, r QuoteRequest) (QuoteCreated, error) {
	family := familyOf(c.Caller)
	company := c.Caller
	if r.ExternalID != nil {
		sub, err := c.Tx.PartageSubCompanyByExternalID(family, *r.ExternalID)
		if err != nil {
			return QuoteCreated{}, notFoundAs(err, invalidQuote("%s has no sub-company with external_id %s.",
				c.Caller.Name, quoted(*r.ExternalID)))
		}
		company = sub
	}
	if r.OwnCredit && company.SameCredit {
		return QuoteCreated{}, invalidQuote("%s shares its parent's credit (same_credit); it has no credit of its own to book on.", company.Name)
	}
	t := r.Quote
	if t.Weight != nil && *t.Weight > TrailerMaxWeight {
		return QuoteCreated{}, invalidQuote("A load of %d lb is more than a trailer carries (%d lb).", *t.Weight, TrailerMaxWeight)
	}
	if t.PalletSpots != nil && *t.PalletSpots > TrailerSpots {
		return QuoteCreated{}, invalidQuote("%d pallet spots are more than a trailer has (%d).", *t.PalletSpots, TrailerSpots)
	}
	origin, _ := LookupZIP(t.OriginPostalCode) // the decoder checked both
	dest, _ := LookupZIP(t.DestinationPostalCode)
	miles := int64(Miles(origin, dest))
	now := c.Tx.Now()
	tm, err := resolveTiming(t.Timing, miles, origin, now)
	if err != nil {
		return QuoteCreated{}, err
	}
	q := store.PartageQuote{
		FamilyID: family, CompanyID: company.ID, OwnCredit: r.OwnCredit,
		Equipment: t.Equipment, OriginPostalCode: t.OriginPostalCode, DestinationPostalCode: t.DestinationPostalCode,
		Weight: t.Weight, PalletSpots: t.PalletSpots, Pallets: t.Pallets, FTLOnly: t.FTLOnly,
		OriginAddress: t.OriginAddress, DestinationAddress: t.DestinationAddress, Commodity: t.Commodity,
		ValueCents: t.ValueCents, Pieces: t.Pieces, Timing: tm, Services: t.Services, Miles: miles,
		Notes: []store.PartageNote{}, CreatedAt: now,
	}
	pick, _ := windows(q)
	q.Options = Price(Lane{Equipment: t.Equipment, Miles: miles, Weight: t.Weight, PalletSpots: t.PalletSpots,
		FTLOnly: t.FTLOnly, Services: t.Services, CloseIn: pick.start.Sub(now) < CloseInWindow})
	if q.Seq, q.Number, q.PLID, err = mintQuote(c.Tx, family); err != nil {
		return QuoteCreated{}, err
	}
	q.ID = quoteID(family, q.Seq)
	if err := c.Tx.InsertPartageQuote(q); err != nil {
		return QuoteCreated{}, err
	}
	return createdView(c.BaseURL, q), nil
}

// ShowQuote is a quote of the caller's family, by number or pl_id, as the
// tenant clock sees it now (seed: Show Quote).
func ShowQuote(c *Call, id string) (QuoteShown, error) {
	q, err := findQuote(c.Tx, familyOf(c.Caller), id)
	if err != nil {
		return QuoteShown{}, err
	}
	return quoteView(c.BaseURL, q, c.Tx.Now()), nil
}
