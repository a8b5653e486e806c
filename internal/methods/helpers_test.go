package methods

import "github.com/partifact/mockserver/internal/store"

func partWith(pn *string, desc string) store.Part {
	return store.Part{PartNumber: pn, Description: desc, Status: store.PartEstimated}
}

func item(pn, desc string) store.CatalogueItem {
	return store.CatalogueItem{PartNumber: pn, Description: desc}
}
