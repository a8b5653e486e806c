package methods

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// repairer.procurements.insert (extension) orders offers of the job's latest
// basket from one supplier: the procurement starts order_requested, its parts
// become ordered, the job parts_ordered, and buyer and supplier are told.
var procurementsInsert = def("repairer.procurements.insert", Repairer, true,
	func(c *Call, r *ProcurementsInsertRequest) (any, error) {
		job, err := findJob(c, r.Job)
		if err != nil {
			return nil, err
		}
		basket, err := basketOf(c.Tx, job)
		if err != nil {
			return nil, err
		}
		byID := make(map[uuid.UUID]offer, len(basket))
		for _, o := range basket {
			byID[o.ID] = o
		}
		chosen := make([]offer, len(r.OfferIDs))
		parts := map[uuid.UUID]bool{}
		for i, id := range r.OfferIDs {
			o, ok := byID[id]
			if !ok {
				// Unknown, of another job, or for a part already ordered.
				return nil, store.ErrNotFound
			}
			if i > 0 && o.Item.SupplierID != chosen[0].Item.SupplierID {
				return nil, BadRequest(fmt.Sprintf("/offer_ids/%d", i), "all offers of a procurement must come from one supplier")
			}
			if parts[o.Part.ID] {
				return nil, BadRequest(fmt.Sprintf("/offer_ids/%d", i), "two offers for the same part")
			}
			parts[o.Part.ID] = true
			chosen[i] = o
		}
		supplier, err := c.Tx.Business(chosen[0].Item.SupplierID)
		if err != nil {
			return nil, err
		}
		n, err := c.Tx.JobProcurementCount(job.ID)
		if err != nil {
			return nil, err
		}
		now := c.Tx.Now()
		p := store.Procurement{
			ID: seed.Mint(job.ID, fmt.Sprintf("procurement:%d", n+1)), BuyerOrgID: job.OrganizationID,
			JobID: job.ID, SupplierID: supplier.ID, SupplierOrgID: supplier.OrganizationID,
			BuyerBusinessID: job.SiteID, Status: store.ProcurementOrderRequested,
			CurrencyCode: currencyOf(supplier), CreatedAt: now, UpdatedAt: now,
		}
		for _, o := range chosen {
			p.Lines = append(p.Lines, store.ProcurementLine{
				ID: seed.Mint(p.ID, "line:"+o.Part.ID.String()), PartID: o.Part.ID, OfferID: o.ID,
				Description: o.Item.Description, PartNumber: &o.Item.PartNumber, Quantity: o.Part.Quantity,
				UnitPriceCents: o.Item.UnitPriceCents,
			})
			part := o.Part
			part.Status = store.PartOrdered
			if err := c.Tx.UpdatePart(part); err != nil {
				return nil, err
			}
		}
		if err := c.Tx.InsertProcurement(p); err != nil {
			return nil, err
		}
		if job.Status == store.JobDraft {
			job.Status = store.JobPartsOrdered
			job.UpdatedAt = now
			if err := c.Tx.UpdateJob(job); err != nil {
				return nil, err
			}
		}
		out := procurementV1(p)
		if err := NotifyProcurement(c.Tx, p, "order_requested"); err != nil {
			return nil, err
		}
		return out, nil
	})

// NotifyProcurement tells both sides of a procurement about a transition
// (order_requested, order_confirmed, cancelled): one event for the buyer's
// repairer integrations and one for the supplier's, each with the
// procurement as that role reads it.
func NotifyProcurement(tx store.Tx, p store.Procurement, transition string) error {
	payload := procurementV1(p)
	if err := event(tx, "repairer.procurement."+transition, p.BuyerOrgID, store.RoleRepairer,
		"procurement", p.ID, payload); err != nil {
		return err
	}
	return event(tx, "supplier.procurement."+transition, p.SupplierOrgID, store.RoleSupplier,
		"procurement", p.ID, payload)
}
