package partage

import (
	"math"
	"strings"

	"github.com/partifact/mockserver/internal/store"
)

// Pricing (contract partage-freight.md, Pricing [D], from public freight
// market figures). Every price is whole dollars; every rounding is half up
// to the dollar, once per charge line; an option's total is the sum of its
// lines.
//
//	miles        = max(10, round(great-circle(centroid A, centroid B) × 1.18))     zip.go
//	linehaul     = round(miles × rate ex-fuel)        van 1.66, refrigerated 2.02, flatbed 2.03 $/mi
//	fuel         = round(miles × (3.80 − 1.25) ÷ 6)   = 0.425 $/mi
//	truckload    = linehaul + fuel, at least $350 (the linehaul is raised to reach it)
//	partial      = truckload − consolidation, consolidation = round((1 − share) × (linehaul + fuel)),
//	               share = (pallet_spots ÷ 26)^0.576 (a quarter of the trailer costs 45%), at least $175 [D]
//	intermodal   = round(linehaul × 0.85) + round(fuel × 0.85)
//	each option  + its services (seed 003's price list) + the close-in fee ($150 [D]) when the pickup
//	               opens less than 24 hours after the quote is made
//
// Partial truckload is offered only with weight and pallet_spots, when
// ftl_only is not set (a load that does not fit a trailer is no quote at
// all, see quote.go). Intermodal is offered on lanes of more than 750 miles
// for vans and reefers (no flatbed moves by rail container [D]). The
// partial's discount is shown as a negative "Consolidation" charge (in
// Dollar, over the truckload's linehaul and fuel), as the seed's booked
// example shows it.

// Mode names, in the order options are listed.
const (
	ModeTruckload  = "truckload"
	ModePartial    = "partial_truckload"
	ModeIntermodal = "intermodal"
)

// Equipment types, with their rate ex-fuel in mills ($0.001) per mile.
var ratePerMile = map[string]int64{
	"van":          1660,
	"refrigerated": 2020,
	"flatbed":      2030,
}

// Equipments lists the equipment types a quote may ask for.
var Equipments = []string{"van", "flatbed", "refrigerated"}

// Constants of the price.
const (
	DieselPrice          = 3.80 // $/gallon
	FuelBasePrice        = 1.25 // $/gallon already in the rate
	MilesPerGallon       = 6
	FuelMillsPerMile     = 425 // (3.80 − 1.25) ÷ 6 $/mi, in mills
	TruckloadMinimum     = 350 // $
	PartialMinimum       = 175 // $ [D]
	TrailerSpots         = 26  // pallet spots of a 53 ft trailer
	TrailerMaxWeight     = 45000
	IntermodalMinMiles   = 750 // intermodal is offered above this
	IntermodalPercent    = 85  // of the truckload's linehaul and fuel
	CloseInFee           = 150 // $ [D]
	TONUFee              = 200 // $, truck ordered not used
	MaxServiceUnits      = 30  // stops, days or pieces of one service
	MaxLumperPassThrough = 5000
)

// partialShare is (spots ÷ 26)^0.576 in basis points, for 1…26 spots: the
// formula evaluated once (pricing_test.go checks it), so that no floating
// point enters a price.
var partialShare = [TrailerSpots + 1]int64{0,
	1531, 2282, 2883, 3402, 3869, 4297, 4696, 5072, 5428, 5767, 6093, 6406, 6708,
	7001, 7285, 7560, 7829, 8091, 8347, 8597, 8842, 9083, 9318, 9549, 9777, 10000}

// Service is one entry of the seed's service price list.
type Service struct {
	Name          string
	Price         int64  // $ per unit; for the lumper, the fee on top of the pass-through
	UnitOfMeasure string // Stop, Day, Piece, Shipment; Dollar for the pass-through
	LTLOnly       bool   // priced on partial truckload options only
	PassThrough   bool   // units are dollars passed through (the lumper)
}

// Services is the seed's price list (Services section), in its order.
var Services = []Service{
	{Name: "Coil Rack", Price: 250, UnitOfMeasure: "Stop"},
	{Name: "Drop Trailer", Price: 300, UnitOfMeasure: "Day"},
	{Name: "Dunnage", Price: 10, UnitOfMeasure: "Piece"}, // 2"x4", per piece
	{Name: "Extra Stop", Price: 75, UnitOfMeasure: "Stop"},
	{Name: "Layover", Price: 350, UnitOfMeasure: "Day"},
	{Name: "Liftgate", Price: 250, UnitOfMeasure: "Stop", LTLOnly: true},
	{Name: "Lumper", Price: 10, UnitOfMeasure: "Dollar", PassThrough: true},
	{Name: "Pallet Jack", Price: 250, UnitOfMeasure: "Stop"},
	{Name: "Same Day Booking", Price: 100, UnitOfMeasure: "Shipment"},
	{Name: "Tarps (4 ft)", Price: 50, UnitOfMeasure: "Stop"},
	{Name: "Tarps (6 ft)", Price: 100, UnitOfMeasure: "Stop"},
	{Name: "Tarps (8 ft)", Price: 150, UnitOfMeasure: "Stop"},
	{Name: "Warehousing", Price: 350, UnitOfMeasure: "Day"},
}

// serviceNamed finds a service by name, ignoring case and surrounding space.
func serviceNamed(name string) (Service, bool) {
	name = strings.TrimSpace(name)
	for _, s := range Services {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return Service{}, false
}

// Lane is what a price depends on.
type Lane struct {
	Equipment   string
	Miles       int64
	Weight      *int64
	PalletSpots *int64
	FTLOnly     bool
	Services    []store.PartageService
	CloseIn     bool // the pickup opens less than 24 hours after quoting
}

// roundMills rounds mills half up to whole dollars.
func roundMills(m int64) int64 { return (m + 500) / 1000 }

// roundBP is round(x × bp ÷ 10000), half up, for x ≥ 0.
func roundBP(x, bp int64) int64 { return (x*bp + 5000) / 10000 }

// Price lists the options a lane is offered in.
func Price(l Lane) []store.PartageOption {
	lh := roundMills(l.Miles * ratePerMile[l.Equipment])
	fuel := roundMills(l.Miles * FuelMillsPerMile)
	if lh+fuel < TruckloadMinimum {
		lh = TruckloadMinimum - fuel
	}
	miles := float64(l.Miles)
	line := func(name string, total int64) store.PartageCharge {
		return store.PartageCharge{Name: name, Total: total, UnitOfMeasure: "Mile", Units: miles}
	}

	opts := []store.PartageOption{option(ModeTruckload, l, line("Linehaul", lh), line("Fuel", fuel))}

	if l.Weight != nil && l.PalletSpots != nil && !l.FTLOnly {
		full := lh + fuel
		consolidation := full - roundBP(full, partialShare[*l.PalletSpots])
		if full-consolidation < PartialMinimum {
			consolidation = max(0, full-PartialMinimum)
		}
		opts = append(opts, option(ModePartial, l, line("Linehaul", lh),
			store.PartageCharge{Name: "Consolidation", Total: -consolidation, UnitOfMeasure: "Dollar", Units: float64(full)},
			line("Fuel", fuel)))
	}

	if l.Miles > IntermodalMinMiles && l.Equipment != "flatbed" {
		opts = append(opts, option(ModeIntermodal, l,
			line("Linehaul", roundBP(lh, IntermodalPercent*100)), line("Fuel", roundBP(fuel, IntermodalPercent*100))))
	}
	return opts
}

// option adds the lane's services and fees to a mode's base charges.
func option(mode string, l Lane, base ...store.PartageCharge) store.PartageOption {
	charges := base
	for _, s := range l.Services {
		svc, _ := serviceNamed(s.Name) // decoded requests name known services only
		if svc.LTLOnly && mode != ModePartial {
			continue
		}
		charges = append(charges, serviceCharge(svc, s.Units))
	}
	if l.CloseIn {
		charges = append(charges, store.PartageCharge{Name: "Close-In Fee", Total: CloseInFee, UnitOfMeasure: "Shipment", Units: 1})
	}
	var total int64
	for _, c := range charges {
		total += c.Total
	}
	return store.PartageOption{Mode: mode, Total: total, Charges: charges}
}

// serviceCharge prices units of a service: units × price, or for the
// lumper the pass-through plus the fee, rounded half up to the dollar.
func serviceCharge(s Service, units float64) store.PartageCharge {
	total := int64(units) * s.Price
	if s.PassThrough {
		cents := int64(math.Round(units * 100))
		total = (cents+50)/100 + s.Price
	}
	return store.PartageCharge{Name: s.Name, Total: total, UnitOfMeasure: s.UnitOfMeasure, Units: units}
}

// appliesTo says whether a service is priced (and so performed) on a mode.
func appliesTo(s store.PartageService, mode string) bool {
	svc, _ := serviceNamed(s.Name)
	return !svc.LTLOnly || mode == ModePartial
}

// optionOf finds a quote's option of a mode.
func optionOf(q store.PartageQuote, mode string) (store.PartageOption, bool) {
	for _, o := range q.Options {
		if o.Mode == mode {
			return o, true
		}
	}
	return store.PartageOption{}, false
}
