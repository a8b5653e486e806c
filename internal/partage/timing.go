package partage

import (
	"strconv"
	"strings"
	"time"

	"github.com/partifact/mockserver/internal/store"
)

// Timing (seed 003, Timing). Dates are local to the stop ("2014-07-27"),
// times local 24-hour clock ("6:00"); each of the four times defaults to
// 8:00 open, 14:00 close. Designed here:
//
//   - No origin date: the first weekday whose 8:00 (or the asked open time)
//     is at least 24 hours away on the tenant clock, so that no close-in fee
//     applies ("we'll choose dates that won't incur extra fees").
//   - No destination date: the origin date plus TransitDays, moved off a
//     weekend to the Monday.
//   - A pickup window that has closed, a destination before the origin, a
//     close not after its open, or an origin date more than MaxDaysAhead
//     away make the quote invalid (406).
const (
	DefaultOpen   = "8:00"
	DefaultClose  = "14:00"
	CloseInWindow = 24 * time.Hour
	MilesPerDay   = 500 // a driver's day on the road [D]
	MaxDaysAhead  = 365
)

// HomeZone is the broker's own clock (Chicago): quote numbers carry the
// date of creation there [D].
var HomeZone = mustZone("America/Chicago")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// parseClock reads "H:MM" or "HH:MM" (0:00 to 23:59) as minutes after
// midnight and gives it back in the seed's spelling ("6:00"). By hand rather
// than by a regular expression: every view reads the four stop times.
func parseClock(s string) (minutes int, canonical string, ok bool) {
	hh, mm, found := strings.Cut(s, ":")
	if !found || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, "", false
	}
	h, okH := digits(hh)
	m, okM := digits(mm)
	if !okH || !okM || h > 23 || m > 59 {
		return 0, "", false
	}
	return h*60 + m, strconv.Itoa(h) + ":" + mm, true
}

// digits reads a string of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseDate reads "2006-01-02".
func parseDate(s string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil && d.Format(time.DateOnly) == s
}

// TimingRequest is the timing block as asked; nil means use the default.
type TimingRequest struct {
	Origin, Destination               *string // dates
	OriginOpen, OriginClose           *string // clocks
	DestinationOpen, DestinationClose *string
}

// TransitDays is how many days after pickup a load of that many miles is
// delivered by default: a day per MilesPerDay, at least one.
func TransitDays(miles int64) int { return int(max(1, (miles+MilesPerDay-1)/MilesPerDay)) }

// at is the instant of a local date and a minute of its day in a zone.
func at(date time.Time, minutes int, zone *time.Location) time.Time {
	return time.Date(date.Year(), date.Month(), date.Day(), 0, minutes, 0, 0, zone).UTC()
}

func weekend(d time.Time) bool { return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday }

// resolveTiming applies the defaults and the rules above.
func resolveTiming(r TimingRequest, miles int64, origin Prefix, now time.Time) (store.PartageTiming, error) {
	clock := func(p *string, def string) (int, string) {
		if p == nil {
			p = &def
		}
		m, c, _ := parseClock(*p) // checked by the decoder
		return m, c
	}
	oOpen, oOpenS := clock(r.OriginOpen, DefaultOpen)
	oClose, oCloseS := clock(r.OriginClose, DefaultClose)
	dOpen, dOpenS := clock(r.DestinationOpen, DefaultOpen)
	dClose, dCloseS := clock(r.DestinationClose, DefaultClose)
	if oClose <= oOpen {
		return store.PartageTiming{}, invalidQuote("timing.origin_close %s is not after timing.origin_open %s.", oCloseS, oOpenS)
	}
	if dClose <= dOpen {
		return store.PartageTiming{}, invalidQuote("timing.destination_close %s is not after timing.destination_open %s.", dCloseS, dOpenS)
	}

	today := now.In(origin.Zone)
	todayDate := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var oDate time.Time
	if r.Origin != nil {
		oDate, _ = parseDate(*r.Origin)
	} else {
		oDate = todayDate.AddDate(0, 0, 1)
		for weekend(oDate) || at(oDate, oOpen, origin.Zone).Sub(now) < CloseInWindow {
			oDate = oDate.AddDate(0, 0, 1)
		}
	}
	if !at(oDate, oClose, origin.Zone).After(now) {
		return store.PartageTiming{}, invalidQuote("The pickup window on %s has passed.", oDate.Format(time.DateOnly))
	}
	if oDate.Sub(todayDate) > MaxDaysAhead*24*time.Hour {
		return store.PartageTiming{}, invalidQuote("timing.origin %s is more than %d days ahead.", oDate.Format(time.DateOnly), MaxDaysAhead)
	}

	var dDate time.Time
	if r.Destination != nil {
		dDate, _ = parseDate(*r.Destination)
		if dDate.Before(oDate) {
			return store.PartageTiming{}, invalidQuote("timing.destination %s is before timing.origin %s.",
				dDate.Format(time.DateOnly), oDate.Format(time.DateOnly))
		}
		if dDate.Sub(oDate) > MaxDaysAhead*24*time.Hour {
			return store.PartageTiming{}, invalidQuote("timing.destination %s is more than %d days after the pickup.",
				dDate.Format(time.DateOnly), MaxDaysAhead)
		}
	} else {
		dDate = oDate.AddDate(0, 0, TransitDays(miles))
		for weekend(dDate) {
			dDate = dDate.AddDate(0, 0, 1)
		}
	}
	return store.PartageTiming{
		OriginDate: oDate.Format(time.DateOnly), OriginOpen: oOpenS, OriginClose: oCloseS,
		DestinationDate: dDate.Format(time.DateOnly), DestinationOpen: dOpenS, DestinationClose: dCloseS,
	}, nil
}
