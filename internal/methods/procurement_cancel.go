package methods

import (
	"slices"

	"github.com/partifact/mockserver/internal/store"
)

// CancelProcurement drives an order_requested procurement to cancelled (no
// public method does; the sandbox triggers it as the supplier declining).
// Its parts become estimated again, so the job's basket offers them anew,
// and both sides are told. Any other status is a *store.StatusError.
func CancelProcurement(tx store.Tx, p store.Procurement) (store.Procurement, error) {
	if p.Status != store.ProcurementOrderRequested {
		return p, &store.StatusError{Status: p.Status}
	}
	parts, err := tx.Parts(p.JobID)
	if err != nil {
		return p, err
	}
	for _, part := range parts {
		ordered := slices.ContainsFunc(p.Lines, func(l store.ProcurementLine) bool { return l.PartID == part.ID })
		if ordered && part.Status == store.PartOrdered {
			part.Status = store.PartEstimated
			if err := tx.UpdatePart(part); err != nil {
				return p, err
			}
		}
	}
	p.Status = store.ProcurementCancelled
	p.UpdatedAt = tx.Now()
	if err := tx.UpdateProcurement(p); err != nil {
		return p, err
	}
	return p, NotifyProcurement(tx, p, "cancelled")
}

// ProcurementWire is a procurement as both roles read it on the wire.
func ProcurementWire(p store.Procurement) ProcurementV1 { return procurementV1(p) }
