package methods

// repairer.work-providers.list lists the work providers (insurers, fleets)
// jobs can be opened for.
var workProvidersList = def("repairer.work-providers.list", Repairer, false,
	func(c *Call, _ *Empty) (any, error) {
		wps, err := c.Tx.WorkProviders()
		if err != nil {
			return nil, err
		}
		out := ItemsV1[WorkProviderV1]{Items: make([]WorkProviderV1, len(wps))}
		for i, w := range wps {
			out.Items[i] = WorkProviderV1{ID: w.ID, Name: w.Name, Kind: w.Kind}
		}
		return out, nil
	})
