package methods

// businesses.list lists the businesses (sites or branches) of the caller's
// organization.
var businessesList = def("businesses.list", AnyRole, false,
	func(c *Call, _ *Empty) (any, error) {
		bs, err := c.Tx.Businesses(c.Caller.OrganizationID)
		if err != nil {
			return nil, err
		}
		out := ItemsV1[BusinessV1]{Items: make([]BusinessV1, len(bs))}
		for i, b := range bs {
			a := b.Address
			out.Items[i] = BusinessV1{ID: b.ID, Name: b.Name, OrganizationID: b.OrganizationID, Role: string(b.Role),
				Address: AddressV1{Line1: a.Line1, City: a.City, Region: a.Region, Postcode: a.Postcode, Country: a.Country}}
		}
		return out, nil
	})
