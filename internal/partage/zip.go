package partage

import (
	_ "embed"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // stop windows are local to the stop, whatever zoneinfo the host has
)

//go:generate go run ./zipgen -zipcodes ${ZIPCODES_PKG} -timezones ${ZIPTZ_PKG} -out zip3.csv

// zip3CSV is the table of 3-digit ZIP prefixes of the contiguous United
// States: centroid latitude and longitude, state, main city and time zone.
// It is derived by ./zipgen from the npm packages zipcodes 8.0.0 (BSD
// licence, Dav Glass; data from federalgovernmentzipcodes.us) and
// zipcode-to-timezone 0.0.9 (MIT licence, Dor Technologies); neither package
// is part of this repository.
//
//go:embed zip3.csv
var zip3CSV string

// Prefix is one 3-digit ZIP prefix (a sectional center).
type Prefix struct {
	Lat, Lon float64 // centroid, degrees
	State    string  // two letters
	City     string  // the city most of its ZIP codes name
	Zone     *time.Location
}

// prefixes is the table, read at the first quote rather than by every
// start-up (time zones are loaded from the system's database then).
var prefixes = sync.OnceValue(func() map[string]Prefix { return loadPrefixes(zip3CSV) })

func loadPrefixes(csv string) map[string]Prefix {
	out := map[string]Prefix{}
	zones := map[string]*time.Location{}
	for line := range strings.Lines(csv) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != 6 {
			panic("partage: bad zip3.csv line " + line)
		}
		lat, err1 := strconv.ParseFloat(f[1], 64)
		lon, err2 := strconv.ParseFloat(f[2], 64)
		loc, ok := zones[f[5]]
		if !ok {
			var err error
			if loc, err = time.LoadLocation(f[5]); err != nil {
				panic("partage: zip3.csv: " + err.Error())
			}
			zones[f[5]] = loc
		}
		if err1 != nil || err2 != nil {
			panic("partage: bad zip3.csv line " + line)
		}
		out[f[0]] = Prefix{Lat: lat, Lon: lon, State: f[3], City: f[4], Zone: loc}
	}
	return out
}

// LookupZIP finds the prefix of a 5-digit ZIP code (or ZIP+4).
func LookupZIP(code string) (Prefix, bool) {
	if !validZIP(code) {
		return Prefix{}, false
	}
	p, ok := prefixes()[code[:3]]
	return p, ok
}

// validZIP accepts "12345" and "12345-6789".
func validZIP(s string) bool {
	if len(s) != 5 && len(s) != 10 {
		return false
	}
	for i := range len(s) {
		switch {
		case i == 5:
			if s[i] != '-' {
				return false
			}
		case s[i] < '0' || s[i] > '9':
			return false
		}
	}
	return true
}

// zip5 is the 5-digit part of a valid ZIP code.
func zip5(s string) string { return s[:5] }

// Road miles between two prefixes: the great-circle distance between their
// centroids times RoadFactor, rounded half up, at least MinMiles (a lane
// inside one prefix still drives somewhere).
const (
	RoadFactor   = 1.18
	MinMiles     = 10
	earthRadiusM = 3958.8 // mean radius of the Earth, statute miles
)

// Miles is the priced distance between two prefixes.
func Miles(from, to Prefix) int {
	rad := math.Pi / 180
	dLat := (to.Lat - from.Lat) * rad
	dLon := (to.Lon - from.Lon) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(from.Lat*rad)*math.Cos(to.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	gc := 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(a)))
	return max(MinMiles, int(math.Floor(gc*RoadFactor+0.5)))
}
