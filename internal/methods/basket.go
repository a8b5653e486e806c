package methods

import (
	"cmp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// offer is a catalogue item offered for one part of a job.
type offer struct {
	ID   uuid.UUID
	Part store.Part
	Item store.CatalogueItem
}

// basketOf derives the current offers for a job: for every part still to buy
// (status estimated), every catalogue item that matches it, by part number
// when the part has one and by description otherwise. Offer ids are minted
// from the part and the item, so an offer id stays valid while its part is
// still to buy. Offers come by part, cheapest first.
func basketOf(tx store.Tx, job store.Job) ([]offer, error) {
	parts, err := tx.Parts(job.ID)
	if err != nil {
		return nil, err
	}
	items, err := tx.Catalogue()
	if err != nil {
		return nil, err
	}
	var offers []offer
	for _, p := range parts {
		if p.Status != store.PartEstimated {
			continue
		}
		start := len(offers)
		for _, it := range items {
			if matches(p, it) {
				offers = append(offers, offer{ID: seed.Mint(p.ID, "offer:"+it.ID.String()), Part: p, Item: it})
			}
		}
		slices.SortStableFunc(offers[start:], func(a, b offer) int {
			return cmp.Compare(a.Item.UnitPriceCents, b.Item.UnitPriceCents)
		})
	}
	return offers, nil
}

func matches(p store.Part, it store.CatalogueItem) bool {
	if p.PartNumber != nil && *p.PartNumber != "" {
		return normalizePartNumber(*p.PartNumber) == normalizePartNumber(it.PartNumber)
	}
	desc, _, _ := strings.Cut(it.Description, "(")
	return normalizeWords(desc) == normalizeWords(p.Description)
}

func normalizePartNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(s))
}

func normalizeWords(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.ReplaceAll(s, ",", " "))), " ")
}
