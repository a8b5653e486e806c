package methods

// supplier.procurements.list is the supplier's inbox: the procurements it
// sells, newest first, optionally of one status.
var supplierProcurementsList = def("supplier.procurements.list", Supplier, false,
	func(c *Call, r *SupplierProcurementsListRequest) (any, error) {
		status := ""
		if r.Status != nil {
			status = *r.Status
		}
		ps, err := c.Tx.SupplierProcurements(c.Caller.OrganizationID, status)
		if err != nil {
			return nil, err
		}
		out := ItemsV1[ProcurementV1]{Items: make([]ProcurementV1, len(ps))}
		for i, p := range ps {
			out.Items[i] = procurementV1(p)
		}
		return out, nil
	})
