package methods

import "github.com/partifact/mockserver/internal/store"

// supplier.procurements.confirm moves a procurement from order_requested to
// order_confirmed (the terminal public state) and tells buyer and supplier.
// Confirming a confirmed procurement returns it unchanged and tells no one.
var supplierProcurementsConfirm = def("supplier.procurements.confirm", Supplier, true,
	func(c *Call, r *ProcurementIDRequest) (any, error) {
		p, err := c.Tx.SupplierProcurement(c.Caller.OrganizationID, r.ID)
		if err != nil {
			return nil, err
		}
		p, err = ConfirmProcurement(c.Tx, p)
		if err != nil {
			return nil, err
		}
		return procurementV1(p), nil
	})

// ConfirmProcurement applies the confirm transition to p within tx and tells
// both sides. Confirming a confirmed procurement changes nothing and tells no
// one; any status other than order_requested or order_confirmed is a
// *store.StatusError.
func ConfirmProcurement(tx store.Tx, p store.Procurement) (store.Procurement, error) {
	switch p.Status {
	case store.ProcurementOrderConfirmed:
		return p, nil
	case store.ProcurementOrderRequested:
	default:
		return p, &store.StatusError{Status: p.Status}
	}
	now := tx.Now()
	p.Status = store.ProcurementOrderConfirmed
	p.ConfirmedAt = &now
	p.UpdatedAt = now
	if err := tx.UpdateProcurement(p); err != nil {
		return p, err
	}
	return p, NotifyProcurement(tx, p, "order_confirmed")
}
