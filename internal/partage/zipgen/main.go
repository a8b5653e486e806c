// Command zipgen derives the table of 3-digit ZIP prefixes that Partage
// pricing measures miles with (internal/partage/zip3.csv) from two public
// npm packages, read from disk (they are never committed or downloaded by
// the build):
//
//   - zipcodes 8.0.0 by Dav Glass, BSD licence (3-clause, see its LICENSE;
//     its US data comes from federalgovernmentzipcodes.us): lib/codes.js,
//     every ZIP code with latitude, longitude, city and state;
//   - zipcode-to-timezone 0.0.9 by Dor Technologies, MIT licence:
//     zipcodes.json and index.js, the IANA time zone of every ZIP code.
//
// For each prefix of the contiguous United States (the 48 states and DC,
// where a truck can drive) it writes the mean latitude and longitude of the
// prefix's ZIP codes (those with coordinates), the state most of them are
// in, the city most of them name (ties: alphabetical) and the time zone most
// of them are in. Usage (from internal/partage, after
// `npm pack zipcodes@8.0.0 zipcode-to-timezone@0.0.9` and untarring each):
//
//	go run ./zipgen -zipcodes /tmp/zipcodes/package -timezones /tmp/zipcode-to-timezone/package -out zip3.csv
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// contiguous lists the states (and DC) a truck reaches: no Alaska, Hawaii,
// territories or military post offices.
var contiguous = strings.Fields(`AL AZ AR CA CO CT DE DC FL GA ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT
	NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY`)

// canonical replaces zone names the IANA database keeps only as links.
var canonical = map[string]string{"America/Shiprock": "America/Denver"}

type zip struct {
	Zip       string  `json:"zip"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	City      string  `json:"city"`
	State     string  `json:"state"`
}

func main() {
	zipDir := flag.String("zipcodes", "", "directory of the unpacked zipcodes npm package")
	tzDir := flag.String("timezones", "", "directory of the unpacked zipcode-to-timezone npm package")
	out := flag.String("out", "zip3.csv", "file to write")
	flag.Parse()
	if *zipDir == "" || *tzDir == "" {
		flag.Usage()
		os.Exit(2)
	}
	zips, err := readZips(filepath.Join(*zipDir, "lib", "codes.js"))
	if err != nil {
		log.Fatal(err)
	}
	zones, err := readZones(*tzDir)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("# prefix,lat,lon,state,city,zone\n")
	buf.WriteString("# Derived by internal/partage/zipgen from the npm packages zipcodes 8.0.0 (BSD licence, Dav Glass)\n")
	buf.WriteString("# and zipcode-to-timezone 0.0.9 (MIT licence, Dor Technologies). Do not edit.\n")
	// The packages' licences travel with the table (embedded in the binary
	// too), as the BSD licence asks of redistributions in binary form.
	for _, lic := range []struct{ pkg, dir string }{{"zipcodes 8.0.0", *zipDir}, {"zipcode-to-timezone 0.0.9", *tzDir}} {
		text, err := os.ReadFile(filepath.Join(lic.dir, "LICENSE"))
		if err != nil {
			log.Fatal(err)
		}
		buf.WriteString("#\n# The licence of " + lic.pkg + ":\n#\n")
		for line := range strings.Lines(string(text)) {
			buf.WriteString(strings.TrimRight("# "+strings.TrimRight(line, "\r\n"), " ") + "\n")
		}
	}
	for _, row := range derive(zips, zones) {
		buf.WriteString(row + "\n")
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

// readZips reads the `exports.codes = {…};` line of codes.js.
func readZips(path string) (map[string]zip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "exports.codes = ")
		if !ok {
			continue
		}
		var m map[string]zip
		if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimSpace(line), ";")), &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return m, nil
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%s: no exports.codes line", path)
}

// readZones joins zipcodes.json (ZIP → index) with the TIMEZONE_MAP of
// index.js (index → zone name).
func readZones(dir string) (map[string]string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "zipcodes.json"))
	if err != nil {
		return nil, err
	}
	var idx map[string]int
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, err
	}
	js, err := os.ReadFile(filepath.Join(dir, "index.js"))
	if err != nil {
		return nil, err
	}
	names := map[int]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(\d+):\s*"([^"]+)"`).FindAllSubmatch(js, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		names[n] = string(m[2])
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no TIMEZONE_MAP entries", dir)
	}
	out := make(map[string]string, len(idx))
	for z, i := range idx {
		if name, ok := names[i]; ok {
			if c, ok := canonical[name]; ok {
				name = c
			}
			out[z] = name
		}
	}
	return out, nil
}

func derive(zips map[string]zip, zones map[string]string) []string {
	type acc struct {
		lat, lon float64
		n        int
		states   map[string]int
		cities   map[string]int
		zones    map[string]int
	}
	prefixes := map[string]*acc{}
	// In ZIP order, so that the sums (and so the table) never depend on map order.
	for _, code := range slices.Sorted(maps.Keys(zips)) {
		z := zips[code]
		if len(code) != 5 || !slices.Contains(contiguous, z.State) {
			continue
		}
		a := prefixes[code[:3]]
		if a == nil {
			a = &acc{states: map[string]int{}, cities: map[string]int{}, zones: map[string]int{}}
			prefixes[code[:3]] = a
		}
		if z.Latitude != 0 || z.Longitude != 0 {
			a.lat += z.Latitude
			a.lon += z.Longitude
			a.n++
		}
		a.states[z.State]++
		a.cities[z.City]++
		if tz, ok := zones[code]; ok {
			a.zones[tz]++
		}
	}
	var rows []string
	for p, a := range prefixes {
		if a.n == 0 || len(a.zones) == 0 {
			continue // nowhere to measure from, or no known clock
		}
		rows = append(rows, fmt.Sprintf("%s,%.4f,%.4f,%s,%s,%s", p, a.lat/float64(a.n), a.lon/float64(a.n),
			most(a.states), strings.ReplaceAll(most(a.cities), ",", " "), most(a.zones)))
	}
	slices.Sort(rows)
	return rows
}

// most is the key with the highest count; ties go to the smallest key.
func most(m map[string]int) string {
	best, n := "", -1
	for k, c := range m {
		if c > n || (c == n && k < best) {
			best, n = k, c
		}
	}
	return best
}
