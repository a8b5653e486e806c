package methods

import "github.com/partifact/mockserver/internal/store"

// tier1.vehicles.preload queues vehicles for later lookups. The queue is kept
// with the organization's records; nothing in the public API reads it back.
var tier1VehiclesPreload = def("tier1.vehicles.preload", Repairer, true,
	func(c *Call, r *Tier1PreloadRequest) (any, error) {
		ids := make([]store.VehicleIdentifier, len(r.Identifiers))
		for i, v := range r.Identifiers {
			ids[i] = vehicleIdentifier(v)
		}
		if err := c.Tx.AddPreloads(c.Caller.OrganizationID, ids); err != nil {
			return nil, err
		}
		return Empty{}, nil
	})
