package methods

import (
	"strings"

	"github.com/partifact/mockserver/internal/store"
)

// tier1.prepare normalizes a vehicle identifier into the vehicle it names.
var tier1Prepare = def("tier1.prepare", Repairer, false,
	func(c *Call, r *Tier1PrepareRequest) (any, error) {
		id := vehicleIdentifier(r.Identifier)
		var v store.Vehicle
		var err error
		if id.ChassisNumber != "" {
			v, err = c.Tx.VehicleByVIN(id.ChassisNumber)
		} else {
			v, err = c.Tx.VehicleByPlate(id.Country, id.Plate)
		}
		if err != nil {
			return nil, err
		}
		return Tier1PrepareResponse{Vehicle: vehicleV1(v)}, nil
	})

// vehicleIdentifier normalizes an identifier: upper case, plates without
// spaces or dashes. The schema has already refused a malformed VIN (17
// characters of A-H, J-N, P, R-Z and 0-9, ISO 3779, in either case) and a
// plate of nothing but spaces and dashes.
func vehicleIdentifier(v VehicleIdentifierV1) store.VehicleIdentifier {
	if v.ChassisNumber != nil {
		return store.VehicleIdentifier{ChassisNumber: strings.ToUpper(*v.ChassisNumber)}
	}
	if v.Vrm == nil { // the schema's one-of makes this unreachable
		return store.VehicleIdentifier{}
	}
	plate := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.ToUpper(v.Vrm.Plate))
	return store.VehicleIdentifier{Plate: plate, Country: v.Vrm.Location.Country}
}
