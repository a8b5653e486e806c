package methods

import (
	"regexp"
	"strings"

	"github.com/partifact/mockserver/internal/store"
)

// tier1.prepare normalizes a vehicle identifier into the vehicle it names.
var tier1Prepare = def("tier1.prepare", Repairer, false,
	func(c *Call, r *Tier1PrepareRequest) (any, error) {
		id, err := vehicleIdentifier(r.Identifier, "/identifier")
		if err != nil {
			return nil, err
		}
		var v store.Vehicle
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

// A VIN is 17 characters without I, O or Q (ISO 3779).
var vinPattern = regexp.MustCompile(`^[A-HJ-NPR-Z0-9]{17}$`)

// vehicleIdentifier normalizes an identifier (upper case, plates without
// spaces or dashes) and rejects a malformed VIN.
func vehicleIdentifier(v VehicleIdentifierV1, path string) (store.VehicleIdentifier, error) {
	if v.ChassisNumber != nil {
		vin := strings.ToUpper(strings.TrimSpace(*v.ChassisNumber))
		if !vinPattern.MatchString(vin) {
			return store.VehicleIdentifier{}, BadRequest(path+"/chassis_number",
				"a VIN is 17 characters of A-H, J-N, P, R-Z and 0-9")
		}
		return store.VehicleIdentifier{ChassisNumber: vin}, nil
	}
	if v.Vrm == nil { // unreachable after schema validation
		return store.VehicleIdentifier{}, BadRequest(path, "needs one of chassis_number or vrm")
	}
	plate := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.ToUpper(v.Vrm.Plate))
	if plate == "" {
		return store.VehicleIdentifier{}, BadRequest(path+"/vrm/plate", "the plate is empty")
	}
	return store.VehicleIdentifier{Plate: plate, Country: v.Vrm.Location.Country}, nil
}
