package methods

import "fmt"

// tier1.vehicles.preload queues vehicles for later use in the vendor's
// other services. The mock checks every identifier and keeps none: nothing
// in the API reads a queue back (tier1.prepare answers from the world's
// vehicle register either way), and a kept queue only grew.
var tier1VehiclesPreload = def("tier1.vehicles.preload", Repairer, false,
	func(c *Call, r *Tier1PreloadRequest) (any, error) {
		for i, v := range r.Identifiers {
			if _, err := vehicleIdentifier(v, fmt.Sprintf("/identifiers/%d", i)); err != nil {
				return nil, err
			}
		}
		return Empty{}, nil
	})
