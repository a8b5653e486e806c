package methods

import (
	"github.com/google/uuid"
)

// repairer.jobs.baskets.latest.get prices the job's parts still to buy
// against the world's catalogue. Offers carry no currency (vendor decision
// D52): the currency appears on procurements and invoices only.
var basketsLatestGet = def("repairer.jobs.baskets.latest.get", Repairer, false,
	func(c *Call, r *BasketGetRequest) (any, error) {
		job, err := findJob(c, r.Job)
		if err != nil {
			return nil, err
		}
		offers, err := basketOf(c.Tx, job)
		if err != nil {
			return nil, err
		}
		out := BasketV1{Offers: make([]OfferV1, len(offers)), Suppliers: []SupplierV1{}}
		seen := map[uuid.UUID]bool{}
		for i, o := range offers {
			it := o.Item
			out.Offers[i] = OfferV1{
				ID: o.ID, PartID: o.Part.ID, SupplierID: it.SupplierID, PartNumber: it.PartNumber,
				Description: it.Description, UnitPrice: formatCents(it.UnitPriceCents),
				QuantityAvailable: it.QuantityAvailable, Condition: it.Condition, LeadTimeDays: it.LeadTimeDays,
			}
			if seen[it.SupplierID] {
				continue
			}
			seen[it.SupplierID] = true
			b, err := c.Tx.Business(it.SupplierID)
			if err != nil {
				return nil, err
			}
			out.Suppliers = append(out.Suppliers, SupplierV1{ID: b.ID, Name: b.Name,
				Location: SupplierLocationV1{City: b.Address.City, Region: b.Address.Region, Country: b.Address.Country}})
		}
		return out, nil
	})
