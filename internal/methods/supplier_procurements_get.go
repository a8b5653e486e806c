package methods

// supplier.procurements.get reads one procurement the caller's organization sells.
var supplierProcurementsGet = def("supplier.procurements.get", Supplier, false,
	func(c *Call, r *ProcurementIDRequest) (any, error) {
		p, err := c.Tx.SupplierProcurement(c.Caller.OrganizationID, r.ID)
		if err != nil {
			return nil, err
		}
		return procurementV1(p), nil
	})
