package methods

// tier1.vehicles.preload queues vehicles for later use in the vendor's
// other services. The mock keeps none: nothing in the API reads a queue
// back (tier1.prepare answers from the world's vehicle register either
// way), and a kept queue only grew. Every identifier is checked by the
// request schema (the VIN and plate rules are there).
var tier1VehiclesPreload = def("tier1.vehicles.preload", Repairer, false,
	func(*Call, *Tier1PreloadRequest) (any, error) { return Empty{}, nil })
