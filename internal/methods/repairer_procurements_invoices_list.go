package methods

import "github.com/partifact/mockserver/internal/store"

// repairer.procurements.invoices.list (extension) lists a procurement's
// invoices: none until the supplier confirms, then one itemized invoice with
// GST.
var procurementsInvoicesList = def("repairer.procurements.invoices.list", Repairer, false,
	func(c *Call, r *InvoicesListRequest) (any, error) {
		p, err := c.Tx.Procurement(c.Caller.OrganizationID, r.ProcurementID)
		if err != nil {
			return nil, err
		}
		out := ItemsV1[InvoiceV1]{Items: []InvoiceV1{}}
		if p.Status == store.ProcurementOrderConfirmed && p.ConfirmedAt != nil {
			out.Items = append(out.Items, invoiceV1(p))
		}
		return out, nil
	})
