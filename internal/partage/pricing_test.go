package partage

import (
	"math"
	"testing"

	"github.com/partifact/mockserver/internal/store"
)

func lane(from, to string) int64 {
	a, ok1 := LookupZIP(from)
	b, ok2 := LookupZIP(to)
	if !ok1 || !ok2 {
		panic("unknown ZIP in a test lane")
	}
	return int64(Miles(a, b))
}

func i64(n int64) *int64 { return &n }

func totals(opts []store.PartageOption) map[string]int64 {
	out := map[string]int64{}
	for _, o := range opts {
		out[o.Mode] = o.Total
	}
	return out
}

func TestMilesOfKnownLanes(t *testing.T) {
	for _, c := range []struct {
		from, to string
		miles    int64
	}{
		{"60612", "12186", 831},  // Chicago – Albany area (the seed's lane)
		{"12186", "60654", 831},  // and back: symmetric
		{"60612", "90001", 2056}, // Chicago – Los Angeles
		{"60612", "38115", 565},  // Chicago – Memphis
		{"64116", "38115", 440},  // the seed's booked example, Kansas City – Memphis
		{"60612", "53204", 98},   // Chicago – Milwaukee
		{"60612", "60615", 10},   // inside one prefix: the minimum
	} {
		if got := lane(c.from, c.to); got != c.miles {
			t.Errorf("%s → %s: %d miles, want %d", c.from, c.to, got, c.miles)
		}
	}
}

func TestPriceKnownLanes(t *testing.T) {
	for _, c := range []struct {
		name string
		l    Lane
		want map[string]int64
	}{
		{"van Chicago–Albany, truckload and intermodal",
			Lane{Equipment: "van", Miles: 831},
			// linehaul round(831×1.66)=1379, fuel round(831×0.425)=353; intermodal 1172+300
			map[string]int64{ModeTruckload: 1732, ModeIntermodal: 1472}},
		{"with weight and spots: partial too",
			Lane{Equipment: "van", Miles: 831, Weight: i64(10000), PalletSpots: i64(10)},
			// consolidation 1732 − round(1732×0.5767)=733
			map[string]int64{ModeTruckload: 1732, ModePartial: 999, ModeIntermodal: 1472}},
		{"ftl_only suppresses partial",
			Lane{Equipment: "van", Miles: 831, Weight: i64(10000), PalletSpots: i64(10), FTLOnly: true},
			map[string]int64{ModeTruckload: 1732, ModeIntermodal: 1472}},
		{"weight without spots: no partial",
			Lane{Equipment: "van", Miles: 831, Weight: i64(10000)},
			map[string]int64{ModeTruckload: 1732, ModeIntermodal: 1472}},
		{"spots without weight: no partial",
			Lane{Equipment: "van", Miles: 831, PalletSpots: i64(10)},
			map[string]int64{ModeTruckload: 1732, ModeIntermodal: 1472}},
		{"refrigerated: 2.02 $/mi",
			Lane{Equipment: "refrigerated", Miles: 831},
			// 1679 + 353; intermodal 1427 + 300
			map[string]int64{ModeTruckload: 2032, ModeIntermodal: 1727}},
		{"flatbed: 2.03 $/mi, no intermodal",
			Lane{Equipment: "flatbed", Miles: 2056},
			// round(2056×2.03)=4174 + 874
			map[string]int64{ModeTruckload: 5048}},
		{"short lane: no intermodal",
			Lane{Equipment: "van", Miles: 565},
			map[string]int64{ModeTruckload: 1178}},
		{"intermodal starts above 750 miles",
			Lane{Equipment: "van", Miles: 751},
			// 1247 + 319 = 1566; 1060 + 271
			map[string]int64{ModeTruckload: 1566, ModeIntermodal: 1331}},
		{"750 miles: still no intermodal",
			Lane{Equipment: "van", Miles: 750},
			map[string]int64{ModeTruckload: 1564}},
		{"minimum truckload $350",
			Lane{Equipment: "van", Miles: 10},
			map[string]int64{ModeTruckload: 350}},
		{"minimum partial $175",
			Lane{Equipment: "van", Miles: 10, Weight: i64(500), PalletSpots: i64(1)},
			map[string]int64{ModeTruckload: 350, ModePartial: 175}},
		{"a full trailer as partial costs the truckload",
			Lane{Equipment: "van", Miles: 831, Weight: i64(45000), PalletSpots: i64(26)},
			map[string]int64{ModeTruckload: 1732, ModePartial: 1732, ModeIntermodal: 1472}},
		{"close-in fee on every option",
			Lane{Equipment: "van", Miles: 831, Weight: i64(10000), PalletSpots: i64(10), CloseIn: true},
			map[string]int64{ModeTruckload: 1882, ModePartial: 1149, ModeIntermodal: 1622}},
		{"services included; liftgate on partial only",
			Lane{Equipment: "van", Miles: 831, Weight: i64(10000), PalletSpots: i64(10), Services: []store.PartageService{
				{Location: "origin", Name: "Liftgate", Units: 1},         // 250, partial only
				{Location: "origin", Name: "Lumper", Units: 30},          // 30 + 10
				{Location: "destination", Name: "Pallet Jack", Units: 1}, // 250
				{Location: "load", Name: "Tarps (8 ft)", Units: 2},       // 300
			}},
			map[string]int64{ModeTruckload: 1732 + 590, ModePartial: 999 + 840, ModeIntermodal: 1472 + 590}},
		{"lumper pass-through rounds half up",
			Lane{Equipment: "van", Miles: 831, Services: []store.PartageService{{Location: "destination", Name: "Lumper", Units: 30.5}}},
			map[string]int64{ModeTruckload: 1732 + 41, ModeIntermodal: 1472 + 41}},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := Price(c.l)
			equalMaps(t, totals(opts), c.want)
			for _, o := range opts {
				var sum int64
				for _, ch := range o.Charges {
					sum += ch.Total
				}
				if sum != o.Total {
					t.Errorf("%s: charges add up to %d, total %d", o.Mode, sum, o.Total)
				}
			}
		})
	}
}

func equalMaps(t *testing.T, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("options %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("options %v, want %v", got, want)
		}
	}
}

func TestPriceOptionOrderAndCharges(t *testing.T) {
	opts := Price(Lane{Equipment: "van", Miles: 831, Weight: i64(10000), PalletSpots: i64(10), CloseIn: true,
		Services: []store.PartageService{{Location: "origin", Name: "Liftgate", Units: 1}}})
	var modes []string
	for _, o := range opts {
		modes = append(modes, o.Mode)
	}
	if len(modes) != 3 || modes[0] != ModeTruckload || modes[1] != ModePartial || modes[2] != ModeIntermodal {
		t.Fatalf("modes %v", modes)
	}
	names := func(o store.PartageOption) (out []string) {
		for _, c := range o.Charges {
			out = append(out, c.Name+"/"+c.UnitOfMeasure)
		}
		return out
	}
	want := map[string][]string{
		ModeTruckload:  {"Linehaul/Mile", "Fuel/Mile", "Close-In Fee/Shipment"},
		ModePartial:    {"Linehaul/Mile", "Consolidation/Dollar", "Fuel/Mile", "Liftgate/Stop", "Close-In Fee/Shipment"},
		ModeIntermodal: {"Linehaul/Mile", "Fuel/Mile", "Close-In Fee/Shipment"},
	}
	for _, o := range opts {
		got := names(o)
		if len(got) != len(want[o.Mode]) {
			t.Fatalf("%s charges %v, want %v", o.Mode, got, want[o.Mode])
		}
		for i := range got {
			if got[i] != want[o.Mode][i] {
				t.Fatalf("%s charges %v, want %v", o.Mode, got, want[o.Mode])
			}
		}
	}
	if c := opts[1].Charges[1]; c.Total != -733 || c.Units != 1732 {
		t.Errorf("consolidation %+v", c)
	}
}

// TestPartialShareTable: the table is the formula, (spots/26)^(ln .45/ln .25).
func TestPartialShareTable(t *testing.T) {
	exp := math.Log(0.45) / math.Log(0.25)
	for s := 1; s <= TrailerSpots; s++ {
		want := int64(math.Round(10000 * math.Pow(float64(s)/TrailerSpots, exp)))
		if partialShare[s] != want {
			t.Errorf("share of %d spots: %d, want %d", s, partialShare[s], want)
		}
	}
	// A quarter of the trailer (6.5 spots) costs about 45%.
	if q := (partialShare[6] + partialShare[7]) / 2; q < 4400 || q > 4600 {
		t.Errorf("a quarter trailer costs %d bp", q)
	}
	// Concave: each further spot costs less than the one before.
	for s := 2; s < TrailerSpots; s++ {
		if partialShare[s+1]-partialShare[s] > partialShare[s]-partialShare[s-1] {
			t.Errorf("share not concave at %d", s)
		}
	}
}

func TestFuelConstant(t *testing.T) {
	if got := math.Round((DieselPrice - FuelBasePrice) / MilesPerGallon * 1000); got != FuelMillsPerMile {
		t.Fatalf("fuel surcharge %v mills/mi, constant %d", got, FuelMillsPerMile)
	}
}

func TestZIPTable(t *testing.T) {
	if n := len(prefixes()); n < 850 || n > 1000 {
		t.Fatalf("%d prefixes", n)
	}
	p, ok := LookupZIP("60612")
	if !ok || p.City != "Chicago" || p.State != "IL" || p.Zone.String() != "America/Chicago" {
		t.Fatalf("60612: %+v", p)
	}
	if _, ok := LookupZIP("60612-1234"); !ok {
		t.Error("ZIP+4 not accepted")
	}
	for _, bad := range []string{"96813" /* Honolulu */, "99501" /* Anchorage */, "00901" /* San Juan */, "000", "6061", "606120", "abcde", "60612-12", ""} {
		if _, ok := LookupZIP(bad); ok {
			t.Errorf("%q found", bad)
		}
	}
}
