package methods

// repairer.procurements.get reads one procurement the caller's organization bought.
var procurementsGet = def("repairer.procurements.get", Repairer, false,
	func(c *Call, r *ProcurementIDRequest) (any, error) {
		p, err := c.Tx.Procurement(c.Caller.OrganizationID, r.ID)
		if err != nil {
			return nil, err
		}
		return procurementV1(p), nil
	})
