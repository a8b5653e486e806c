package e2e

import (
	"bytes"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
)

// ptRate is the contract's rate ex-fuel per mile, in mills (partage-freight.md, Pricing).
var ptRate = map[string]int64{"van": 1660, "refrigerated": 2020, "flatbed": 2030}

// ptPrice is what the contract's pricing rules give a lane of miles, by
// mode, worked out here from the rules rather than by the server's code.
func ptPrice(equipment string, miles int64, spots int64, ftlOnly bool) map[string]int64 {
	round := func(mills int64) int64 { return (mills + 500) / 1000 }
	lh, fuel := round(miles*ptRate[equipment]), round(miles*partage.FuelMillsPerMile)
	if lh+fuel < partage.TruckloadMinimum {
		lh = partage.TruckloadMinimum - fuel
	}
	full := lh + fuel
	out := map[string]int64{partage.ModeTruckload: full}
	if spots > 0 && !ftlOnly {
		bp := int64(math.Round(math.Pow(float64(spots)/partage.TrailerSpots, 0.576) * 10000))
		out[partage.ModePartial] = max((full*bp+5000)/10000, min(full, partage.PartialMinimum))
	}
	if miles > partage.IntermodalMinMiles && equipment != "flatbed" {
		out[partage.ModeIntermodal] = (lh*partage.IntermodalPercent+50)/100 + (fuel*partage.IntermodalPercent+50)/100
	}
	return out
}

func ptMiles(t *testing.T, from, to string) int64 {
	t.Helper()
	a, ok := partage.LookupZIP(from)
	b, ok2 := partage.LookupZIP(to)
	if !ok || !ok2 {
		t.Fatalf("ZIP %s or %s unknown", from, to)
	}
	return int64(partage.Miles(a, b))
}

// TestPartageQuotes: the options a lane is offered in and their totals,
// over HTTP, as the contract's pricing rules give them; numbers per family
// and day on the tenant clock; quotes for sub-companies.
func TestPartageQuotes(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-quotes"
		c := newPT(t, a.URL(), tenant)
		mon := setClock(t, a.URL(), tenant, ptMonday())
		n := 0
		next := func() string { n++; return day(mon, 0) + "-" + strconv.Itoa(n) }

		for _, tc := range []struct {
			name      string
			equipment string
			dest      string
			spots     int64 // with a weight; 0: neither
			ftlOnly   bool
			modes     []string
		}{
			{"SeedLane", "van", "12186", 0, false, []string{"truckload", "intermodal"}},
			{"Partial", "van", "12186", 10, false, []string{"truckload", "partial_truckload", "intermodal"}},
			{"FTLOnly", "van", "12186", 10, true, []string{"truckload", "intermodal"}},
			{"ShortLaneMinimums", "van", "60615", 1, false, []string{"truckload", "partial_truckload"}},
			{"ShortLaneTruckloadOnly", "refrigerated", "46201", 0, false, []string{"truckload"}},
			{"FlatbedNoRail", "flatbed", "90001", 26, false, []string{"truckload", "partial_truckload"}},
			{"ReeferRail", "refrigerated", "90001", 0, false, []string{"truckload", "intermodal"}},
		} {
			extra := map[string]any{"equipment": tc.equipment}
			if tc.spots > 0 {
				extra["weight"], extra["pallet_spots"] = 10000, tc.spots
			}
			if tc.ftlOnly {
				extra["ftl_only"] = true
			}
			q := c.create(lane(tc.dest, extra), nil)
			miles := ptMiles(t, "60612", tc.dest)
			want := ptPrice(tc.equipment, miles, tc.spots, tc.ftlOnly)
			if q.Quote.Miles != miles || !slices.Equal(q.modes(), tc.modes) || !equalTotals(q.totals(), want) {
				t.Errorf("%s: miles %d modes %v totals %v; want %d %v %v", tc.name, q.Quote.Miles, q.modes(), q.totals(), miles, tc.modes, want)
			}
			if num := next(); q.Quote.Number != num {
				t.Errorf("%s: number %s, want %s", tc.name, q.Quote.Number, num)
			}
			if !strings.HasPrefix(q.Quote.URL, a.URL()+"/partage/companies/"+seed.PartageLakeshoreID.String()+"/quotes/PL") {
				t.Errorf("%s: url %s", tc.name, q.Quote.URL)
			}
		}
		// The seed's request, without addresses, as its curl example sends it.
		q := c.create(map[string]any{"equipment": "van", "origin_postal_code": "60612", "destination_postal_code": "12186"}, nil)
		if q.Quote.Weight != nil || q.Quote.PalletSpots != nil || len(q.Quote.Options) != 2 {
			t.Errorf("the seed's quote: %+v", q.Quote)
		}
		next()

		// Services are in every option's total; the liftgate only in the
		// partial's (LTL only), the lumper passed through plus its fee.
		partial := map[string]any{"weight": 10000, "pallet_spots": 10}
		base := c.create(lane("12186", partial), nil).totals()
		withServices := lane("12186", partial)
		withServices["services"] = map[string]any{
			"origin":      map[string]any{"Liftgate": 1, "Lumper": 30},
			"destination": map[string]any{"Pallet Jack": 1},
		}
		svc := c.create(withServices, nil).totals()
		if svc["truckload"]-base["truckload"] != 250+30+10 || svc["intermodal"]-base["intermodal"] != 250+30+10 ||
			svc["partial_truckload"]-base["partial_truckload"] != 250+250+30+10 {
			t.Errorf("services: %v over %v", svc, base)
		}
		// The close-in fee, when the pickup opens less than 24 hours after
		// quoting on the tenant clock: Tuesday 8:00 is 22 hours away.
		tuesday := c.create(lane("12186", map[string]any{"timing": map[string]any{"origin": day(mon, 1)}}), nil).totals()
		wednesday := c.create(lane("12186", map[string]any{"timing": map[string]any{"origin": day(mon, 2)}}), nil).totals()
		for mode, total := range wednesday {
			if tuesday[mode]-total != partage.CloseInFee {
				t.Errorf("close-in fee on %s: %d against %d", mode, tuesday[mode], total)
			}
		}
		// Quoting without a date picks one that carries no fee.
		if dflt := c.create(lane("12186", nil), nil).totals(); !equalTotals(dflt, wednesday) {
			t.Errorf("the default pickup date costs %v, Wednesday %v", dflt, wednesday)
		}
		n += 5

		// A quote for a sub-company continues the family's numbers and
		// lives at the sub-company's URL.
		var sub ptCreated
		c.ok("quotes.create", "", map[string]any{"external_id": seed.PartageBadgerExternalID, "own_credit": true, "quote": lane("12186", nil)}, &sub)
		if sub.Quote.Number != next() || !strings.Contains(sub.Quote.URL, seed.PartageBadgerID.String()) {
			t.Errorf("sub-company quote: %+v", sub.Quote)
		}
		c.fails("quotes.create", "", map[string]any{"external_id": "no-such-branch", "quote": lane("12186", nil)},
			http.StatusNotAcceptable, `has no sub-company with external_id "no-such-branch"`)
		c.fails("quotes.create", "", map[string]any{"external_id": seed.PartageIndyExternalID, "own_credit": true, "quote": lane("12186", nil)},
			http.StatusNotAcceptable, "same_credit")
		// Another family numbers its own quotes.
		var other ptCreated
		c.as(seed.PartageOtherToken).ok("quotes.create", "", map[string]any{"quote": lane("12186", nil)}, &other)
		if other.Quote.Number != day(mon, 0)+"-1" {
			t.Errorf("the other family's first quote is %s", other.Quote.Number)
		}

		// Quotes that cannot be made.
		for _, bad := range []struct {
			quote  map[string]any
			status int
			want   string
		}{
			{lane("12186", map[string]any{"weight": 45001, "pallet_spots": 10}), 406, "more than a trailer carries (45000 lb)"},
			{lane("12186", map[string]any{"weight": 1000, "pallet_spots": 27}), 406, "more than a trailer has (26)"},
			{lane("12186", map[string]any{"timing": map[string]any{"origin": day(mon, -1)}}), 406, "has passed"},
			{lane("12186", map[string]any{"timing": map[string]any{"origin": day(mon, 2), "destination": day(mon, 1)}}), 406, "is before timing.origin"},
			{lane("12186", map[string]any{"timing": map[string]any{"origin_open": "18:00", "origin_close": "6:00"}}), 406, "is not after timing.origin_open"},
			{lane("12186", map[string]any{"timing": map[string]any{"origin": "2026-02-30"}}), 412, "quote.timing.origin must be a date like 2014-07-27"},
			{lane("12186", map[string]any{"timing": map[string]any{"origin_open": "25:00"}}), 412, "quote.timing.origin_open must be a 24-hour time"},
			{lane("12186", map[string]any{"equipment": "boxcar"}), 412, "quote.equipment must be one of van, flatbed, refrigerated"},
			{lane("12186", map[string]any{"equipment": nil}), 412, "quote.equipment can't be blank"},
			{lane("99501", nil), 412, "is not a ZIP code Partage serves"}, // Anchorage
			{lane("1218", nil), 412, "quote.destination_postal_code must be a 5-digit ZIP code"},
			{lane("12186", map[string]any{"weight": "heavy"}), 412, "quote.weight must be a number"},
			{lane("12186", map[string]any{"ftl_only": "yes"}), 412, "quote.ftl_only must be true or false"},
			{lane("12186", map[string]any{"services": map[string]any{"origin": map[string]any{"Hovercraft": 1}}}), 412, `has "Hovercraft", which is not a service Partage offers`},
			{lane("12186", map[string]any{"services": map[string]any{"roof": map[string]any{"Liftgate": 1}}}), 412, "not a service location"},
			{lane("12186", map[string]any{"services": map[string]any{"load": map[string]any{"Layover": 31}}}), 412, "quote.services.load.Layover must be between 1 and 30"},
		} {
			c.fails("quotes.create", "", map[string]any{"quote": bad.quote}, bad.status, bad.want)
		}
		c.fails("quotes.create", "", map[string]any{}, http.StatusPreconditionFailed, "quote can't be blank")
		// Every problem is named at once.
		msgs := c.fails("quotes.create", "", map[string]any{"quote": map[string]any{"weight": -1}}, http.StatusPreconditionFailed, "quote.equipment can't be blank")
		if len(msgs) != 4 {
			t.Errorf("want 4 problems named: %q", msgs)
		}
		// Refused quotes use no number.
		if q := c.create(lane("12186", nil), nil); q.Quote.Number != next() {
			t.Errorf("after refusals the number is %s", q.Quote.Number)
		}
	})
}

func equalTotals(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

var plIDPattern = regexp.MustCompile(`^PL[0-9A-Z]{4}$`)

// TestPartageShowAndNotes: a quote by number and by pl_id, its view before
// booking, notes, and the ids nobody may read.
func TestPartageShowAndNotes(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-show"
		c := newPT(t, a.URL(), tenant)
		mon := setClock(t, a.URL(), tenant, ptMonday())
		q := c.create(lane("12186", map[string]any{"weight": 10000, "pallet_spots": 10, "pallets": 9,
			"timing": map[string]any{"origin": day(mon, 2), "origin_open": "6:00", "destination_close": "18:30"}}), nil)

		_, byNumber := c.do("quotes.show", q.Quote.Number, nil)
		v := c.show(q.Quote.Number)
		if !plIDPattern.MatchString(v.PLID) || v.Number != q.Quote.Number || v.Status != partage.StatusQuoted ||
			v.Mode != nil || v.Rate != nil || v.Carrier != nil || v.CancelledAt != nil || v.URL != q.Quote.URL {
			t.Fatalf("quoted view: %+v", v)
		}
		if _, byPLID := c.do("quotes.show", v.PLID, nil); !bytes.Equal(byNumber, byPLID) {
			t.Fatalf("by number and by pl_id differ:\n%s\n%s", byNumber, byPLID)
		}
		// The stops: where (the street from the address, city and state from
		// the ZIP), and when, local to each stop.
		pick, drop := v.Stops[0], v.Stops[1]
		chicago := time.Date(mon.Year(), mon.Month(), mon.Day()+2, 6, 0, 0, 0, partage.HomeZone)
		if pick.Type != "pick" || pick.Location.Street == nil || *pick.Location.Street != "2250 W Carroll Ave" ||
			pick.Location.PostalCode != "60612" || pick.Location.State == "" || !pick.Window.StartAt.Equal(chicago) ||
			!pick.Window.EndAt.Equal(chicago.Add(8*time.Hour)) || pick.Schedule.ArrivedAt != nil {
			t.Errorf("pick stop: %+v", pick)
		}
		if drop.Type != "drop" || *drop.Location.Street != "14 Maple Ave Bay 3" || drop.ProofOfDelivery != nil ||
			drop.Window.EndAt.Sub(drop.Window.StartAt) != 10*time.Hour+30*time.Minute || !drop.Window.StartAt.After(pick.Window.EndAt) {
			t.Errorf("drop stop: %+v", drop)
		}

		// Notes go on the load's shipment, in order, by the token's user.
		var added struct{ Note ptNote }
		c.ok("quotes.notes.create", v.PLID, map[string]any{"note": map[string]any{"content": "Dock 4, call ahead."}}, &added)
		c.ok("quotes.notes.create", q.Quote.Number, map[string]any{"note": map[string]any{"content": "Fragile: bumpers."}}, nil)
		if added.Note.Content != "Dock 4, call ahead." || added.Note.User.Company != "Lakeshore Parts Distribution" || added.Note.User.Name == "" {
			t.Errorf("note: %+v", added.Note)
		}
		notes := c.show(v.PLID).Shipments[0].Notes
		if len(notes) != 2 || notes[0].Content != "Dock 4, call ahead." || notes[1].Content != "Fragile: bumpers." {
			t.Errorf("notes on the load: %+v", notes)
		}
		c.fails("quotes.notes.create", v.PLID, map[string]any{}, http.StatusPreconditionFailed, "note can't be blank")
		c.fails("quotes.notes.create", v.PLID, map[string]any{"note": map[string]any{"content": "  "}}, http.StatusPreconditionFailed, "note.content can't be blank")
		c.fails("quotes.notes.create", v.PLID, map[string]any{"note": "hello"}, http.StatusPreconditionFailed, "note must be an object")
		c.fails("quotes.notes.create", v.PLID, map[string]any{"note": map[string]any{"content": strings.Repeat("é", partage.MaxNoteLength+1)}},
			http.StatusPreconditionFailed, "note.content is too long (at most "+strconv.Itoa(partage.MaxNoteLength)+" characters)")

		// Ids that name no quote of the family: 406, as an invalid quote.
		for _, id := range []string{day(mon, 0) + "-99", "PLZZZZ", "plzzzz", "2026-13-01-1", "garbage", "../companies", strings.Repeat("9", 300)} {
			c.fails("quotes.show", id, nil, http.StatusNotAcceptable, "Quote not found")
		}
		other := c.as(seed.PartageOtherToken)
		for _, id := range []string{q.Quote.Number, v.PLID} {
			other.fails("quotes.show", id, nil, http.StatusNotAcceptable, "Quote not found")
			other.fails("quotes.notes.create", id, map[string]any{"note": map[string]any{"content": "mine now"}}, http.StatusNotAcceptable, "Quote not found")
			newPT(t, a.URL(), tenant+"-elsewhere").fails("quotes.show", id, nil, http.StatusNotAcceptable, "Quote not found")
		}
		if len(c.show(v.PLID).Shipments[0].Notes) != 2 {
			t.Error("another family's note reached the load")
		}
	})
}
