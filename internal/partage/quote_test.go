package partage

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

func TestCreateQuoteSeedExample(t *testing.T) {
	w := memWorld(t)
	q := w.create(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`)
	b, _ := json.Marshal(q)
	// The seed's response: weight and pallet_spots null when not given.
	want := `{"destination_postal_code":"12186","equipment":"van","origin_postal_code":"60612","pallet_spots":null,` +
		`"weight":null,"miles":831,"number":"2026-03-02-1","url":"http://mock.test/partage/companies/` +
		seed.PartageLakeshoreID.String() + `/quotes/` + PLID(1) + `","options":[{"mode":"truckload","total":1732},{"mode":"intermodal","total":1472}]}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	// With weight and pallet spots, a partial option too.
	q = w.create(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","weight":10000,"pallet_spots":10}}`)
	if q.Number != "2026-03-02-2" || len(q.Options) != 3 || q.Options[1].Mode != ModePartial || *q.Weight != 10000 {
		t.Fatalf("%+v", q)
	}
}

func TestNumbersAndPLIDs(t *testing.T) {
	w := memWorld(t)
	body := `{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"60615"}}`
	seen := map[string]bool{}
	for i := 1; i <= 3; i++ {
		q := w.create(body)
		if want := "2026-03-02-" + string(rune('0'+i)); q.Number != want {
			t.Fatalf("number %s, want %s", q.Number, want)
		}
	}
	// Sub-companies share the family's sequence: numbers stay unique in it.
	q := w.create(`{"external_id":"badger-state","quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"60615"}}`)
	if q.Number != "2026-03-02-4" {
		t.Fatalf("sub-company's number %s", q.Number)
	}
	// Another family has its own sequence; pl_ids run through the world.
	w.token = seed.PartageOtherToken
	if q := w.create(body); q.Number != "2026-03-02-1" {
		t.Fatalf("other family's number %s", q.Number)
	}
	// The date is Chicago's: 23:30 in Chicago is still that day, 00:30 the next.
	w.token = seed.PartageDemoToken
	w.now = time.Date(2026, 3, 3, 5, 30, 0, 0, time.UTC) // 23:30 CST on March 2nd
	if q := w.create(body); q.Number != "2026-03-02-5" {
		t.Fatalf("late evening number %s", q.Number)
	}
	w.now = w.now.Add(time.Hour)
	if q := w.create(body); q.Number != "2026-03-03-1" {
		t.Fatalf("after midnight %s", q.Number)
	}
	for n := int64(1); n <= 2000; n++ {
		id := PLID(n)
		if !plIDPattern.MatchString(id) || seen[id] {
			t.Fatalf("pl_id %d: %s (seen %v)", n, id, seen[id])
		}
		seen[id] = true
	}
	if PLID(1) != "PLUIYD" || PLID(MaxQuotes) == PLID(1) {
		t.Fatalf("pl_ids moved: %s %s", PLID(1), PLID(MaxQuotes))
	}
}

// TestFreshWorldSameIDs: the same calls against a fresh world give the same ids.
func TestFreshWorldSameIDs(t *testing.T) {
	var runs [2][]string
	for i := range runs {
		w := memWorld(t)
		for range 3 {
			q := w.create(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`)
			runs[i] = append(runs[i], q.Number, w.show(q.Number).PLID)
		}
	}
	if strings.Join(runs[0], " ") != strings.Join(runs[1], " ") {
		t.Fatalf("%v vs %v", runs[0], runs[1])
	}
}

func TestShowQuote(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		c := w.create(bookable("2026-03-05", `,"services":{"origin":{"Liftgate":1}}`))
		v := w.show(c.Number)
		if w.show(v.PLID).Number != c.Number {
			t.Fatal("pl_id and number name different quotes")
		}
		if v.Status != StatusQuoted || v.Rate != nil || v.Carrier != nil || v.Mode != nil || *v.Length != 20 ||
			v.EquipmentType != "Van" || len(v.Options) != 3 || len(v.Stops) != 2 || len(v.SpecialServices) != 1 {
			t.Fatalf("%+v", v)
		}
		pick := v.Stops[0].(PickStopView)
		drop := v.Stops[1].(DropStopView)
		// 8:00–14:00 local: Chicago is UTC−6 in early March, Albany UTC−5.
		if pick.Window != (WindowView{"2026-03-05T14:00:00Z", "2026-03-05T20:00:00Z"}) || *pick.Location.Street != "2250 W Carroll Ave" ||
			pick.Location.City != "Chicago" || pick.Location.State != "IL" {
			t.Fatalf("pick %+v", pick)
		}
		// Destination date defaulted: 831 miles is 2 days, Saturday 7th moves to Monday 9th (after DST: UTC−4).
		if drop.Window != (WindowView{"2026-03-09T12:00:00Z", "2026-03-09T18:00:00Z"}) || drop.ProofOfDelivery != nil ||
			*drop.Location.Street != "14 Maple Ave Bay 3" || drop.Schedule.ArrivedAt != nil {
			t.Fatalf("drop %+v", drop)
		}
		// Another family does not see it; an id of no shape is not looked up.
		w.token = seed.PartageOtherToken
		wantMessage(t, w.fails(StatusInvalidQuote, "quotes.show", c.Number, ""), "Quote not found")
		w.token = seed.PartageDemoToken
		for _, id := range []string{"PLZZZZ", "2026-03-02-99", "nope", "PL\x00000", "", "2026-03-02-0"} {
			wantMessage(t, w.fails(StatusInvalidQuote, "quotes.show", id, ""), "Quote not found")
		}
	})
}

func TestCreateQuoteErrors(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		for _, c := range []struct {
			body   string
			status int
			says   string
		}{
			{`{"quote":{"equipment":"van","origin_postal_code":"96813","destination_postal_code":"12186"}}`, 412,
				"quote.origin_postal_code is not a ZIP code Partage serves"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"00001"}}`, 412,
				"quote.destination_postal_code is not a ZIP code Partage serves"},
			{`{"quote":{"equipment":"truck","origin_postal_code":"60612","destination_postal_code":"12186"}}`, 412,
				"quote.equipment must be one of van, flatbed, refrigerated"},
			{`{"quote":{"origin_postal_code":"60612"}}`, 412, "quote.destination_postal_code can't be blank"},
			{`{}`, 412, "quote can't be blank"},
			{`{"quote":[]}`, 412, "quote must be an object"},
			{`{"quote":{"equipment":"van","origin_postal_code":60612,"destination_postal_code":"12186"}}`, 412,
				"quote.origin_postal_code must be a string"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","weight":"10"}}`, 412,
				"quote.weight must be a number"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","pallet_spots":2.5}}`, 412,
				"quote.pallet_spots must be a whole number"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","commodity":"a\u0000b"}}`, 412,
				"quote.commodity must not contain NUL characters"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
				"origin_address":{"name":"x","address_one":"y","phone":"312-555-0148","postal_code":"60615"}}}`, 412,
				"quote.origin_address.postal_code 60615 does not match quote.origin_postal_code 60612"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
				"origin_address":{"name":"x","postal_code":"60612"}}}`, 412, "quote.origin_address.phone can't be blank"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
				"services":{"origin":{"Jetpack":1}}}}`, 412, `quote.services.origin has "Jetpack", which is not a service Partage offers`},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
				"services":{"origin":{"Liftgate":0}}}}`, 412, "quote.services.origin.Liftgate must be between 1 and 30"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
				"timing":{"origin":"27/07/2014"}}}`, 412, "quote.timing.origin must be a date like 2014-07-27"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
				"timing":{"origin_open":"25:00"}}}`, 412, "quote.timing.origin_open must be a 24-hour time"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","weight":50000}}`, 406,
				"Invalid quote. A load of 50000 lb is more than a trailer carries"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","pallet_spots":27}}`, 406,
				"27 pallet spots are more than a trailer has"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
				"timing":{"origin":"2014-07-27"}}}`, 406, "The pickup window on 2014-07-27 has passed"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
				"timing":{"origin":"2026-03-10","destination":"2026-03-09"}}}`, 406, "timing.destination 2026-03-09 is before timing.origin 2026-03-10"},
			{`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186",
				"timing":{"origin_open":"14:00","origin_close":"8:00"}}}`, 406, "timing.origin_close 8:00 is not after timing.origin_open 14:00"},
			{`{"external_id":"nope","quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`, 406,
				`Lakeshore Parts Distribution has no sub-company with external_id "nope"`},
			{`{"external_id":"lakeshore-indy","own_credit":true,"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`, 406,
				"shares its parent's credit"},
			{`not json`, 412, "The body is not valid JSON"},
			{`[1]`, 412, "The body must be a JSON object"},
			{`{"quote":{}} {}`, 412, "data after the value"},
		} {
			msgs := w.fails(c.status, "quotes.create", "", c.body)
			wantMessage(t, msgs, c.says)
			for _, m := range msgs {
				if strings.ContainsRune(m, 0) {
					t.Fatalf("a message echoes a NUL: %q", m)
				}
			}
		}
		// Every problem is listed at once, and the list is bounded.
		msgs := w.fails(412, "quotes.create", "", `{"quote":{"weight":-1,"pallet_spots":"x","pieces":0.5}}`)
		if len(msgs) != 6 {
			t.Fatalf("%d messages: %q", len(msgs), msgs)
		}
		var many strings.Builder
		many.WriteString(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","services":{"origin":{`)
		for i := range 50 {
			if i > 0 {
				many.WriteString(",")
			}
			many.WriteString(`"S` + strings.Repeat("x", i) + `":1`)
		}
		many.WriteString(`}}}}`)
		msgs = w.fails(412, "quotes.create", "", many.String())
		if len(msgs) != MaxMessages || !strings.Contains(msgs[MaxMessages-1], "41 more problems") {
			t.Fatalf("%d messages, last %q", len(msgs), msgs[len(msgs)-1])
		}
	})
}

func TestAuthentication(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		for _, tok := range []string{"", "partage_wrong", "bad\x00token", strings.Repeat("x", 300), "\xff\xfe"} {
			w.token = tok
			for _, op := range Operations {
				body := ""
				if op.Method == "POST" {
					body = `{"api_token":` + jsonString(tok) + `}`
				}
				msgs := w.fails(StatusUnauthorized, op.ID, "PLAAAA", body)
				if len(msgs) != 1 || msgs[0] != "Invalid token. Company not found." {
					t.Fatalf("%s: %q", op.ID, msgs)
				}
			}
		}
		// The body's token wins over the query's, even when it is no string.
		w.token = seed.PartageDemoToken
		if _, err := w.serve("companies.create", Input{QueryToken: seed.PartageDemoToken,
			Body: []byte(`{"api_token":"partage_wrong","company":{"external_id":"x","same_credit":true,"name":"X"}}`)}); err == nil || err.Status != 401 {
			t.Fatalf("body token ignored: %v", err)
		}
		if _, err := w.serve("companies.create", Input{QueryToken: seed.PartageDemoToken,
			Body: []byte(`{"api_token":5,"company":{"external_id":"x","same_credit":true,"name":"X"}}`)}); err == nil || err.Status != 401 {
			t.Fatalf("a token that is no string: %v", err)
		}
		if _, err := w.serve("companies.create", Input{QueryToken: seed.PartageDemoToken,
			Body: []byte(`{"api_token":null,"company":{"external_id":"x","same_credit":true,"name":"X"}}`)}); err != nil {
			t.Fatalf("a null body token hides the query's: %v", err)
		}
		if tokenIn(body{"api_token": "a"}, "b") != "a" || tokenIn(body{}, "b") != "b" || tokenIn(body{"api_token": nil}, "b") != "b" ||
			tokenIn(body{"api_token": json.Number("1")}, "b") != "" {
			t.Fatal("tokenIn")
		}
		// A malformed POST body is a format error before any token is asked for.
		if _, err := w.serve("quotes.book", Input{ID: "PLAAAA", Body: []byte(`{`)}); err == nil || err.Status != 412 {
			t.Fatalf("malformed body: %v", err)
		}
		// A GET's body is ignored but for its token.
		if _, err := w.serve("companies.list", Input{Body: []byte(`{`), QueryToken: seed.PartageDemoToken}); err != nil {
			t.Fatalf("GET with a body: %v", err)
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestTimingDefaultsAndCloseIn(t *testing.T) {
	w := memWorld(t)
	// Monday 10:00 Chicago: no timing → Tuesday 8:00 is 22 h away, so Wednesday; no close-in fee.
	c := w.create(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`)
	v := w.show(c.Number)
	if pick := v.Stops[0].(PickStopView); pick.Window.StartAt != "2026-03-04T14:00:00Z" {
		t.Fatalf("default pickup %+v", pick.Window)
	}
	if c.Options[0].Total != 1732 {
		t.Fatalf("close-in fee on a default date: %+v", c.Options)
	}
	// Tomorrow 8:00 is under 24 h away: the close-in fee on every option.
	c = w.create(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","timing":{"origin":"2026-03-03"}}}`)
	if c.Options[0].Total != 1732+CloseInFee || c.Options[1].Total != 1472+CloseInFee {
		t.Fatalf("no close-in fee: %+v", c.Options)
	}
	// A later open time tomorrow is 24 h away or more: no fee.
	c = w.create(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","timing":{"origin":"2026-03-03","origin_open":"10:00","origin_close":"18:00"}}}`)
	if c.Options[0].Total != 1732 {
		t.Fatalf("fee at 24 h: %+v", c.Options)
	}
	// Today, window still open: allowed, with the fee.
	c = w.create(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","timing":{"origin":"2026-03-02"}}}`)
	if c.Options[0].Total != 1732+CloseInFee {
		t.Fatalf("today: %+v", c.Options)
	}
	// Friday afternoon: the default skips the weekend.
	w.now = time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)
	c = w.create(`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"60615"}}`)
	if pick := w.show(c.Number).Stops[0].(PickStopView); pick.Window.StartAt != "2026-03-09T13:00:00Z" {
		t.Fatalf("Friday's default pickup %+v", pick.Window)
	}
}

// TestQuoteCap: a world keeps at most MaxQuotes quotes.
func TestQuoteCap(t *testing.T) {
	w := memWorld(t)
	if err := w.s.Update(context.Background(), w.tenant, func(tx store.Tx) error {
		for range MaxQuotes {
			if _, err := tx.NextPartageCounter("pl_id"); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, w.fails(406, "quotes.create", "", `{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`),
		"This world holds 100000 quotes, the most it keeps")
}
