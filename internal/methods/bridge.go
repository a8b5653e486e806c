package methods

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// The bridge: Partly domain operations for other API modules (the
// ServiceMobility reference implementation turns parts orders into repair
// jobs and procurements). Each runs the wire method's own handler as
// c.Caller, inside c.Tx, so one set of rules holds whichever API the call
// came in by: the same ids, the same checks, the same webhook events.
// The edge checks the methods' schemas on the wire, and nothing checks them
// here: callers keep within their bounds (external ids 1..200 characters,
// part numbers up to 64, descriptions 1..500, quantities 1..9999).

// FindJob is the caller's job with that external id (repairer.jobs.get);
// store.ErrNotFound when there is none.
func FindJob(c *Call, externalID string) (JobV1, error) {
	return serveAs[JobV1](jobsGet, c, JobsGetRequest{Identity: JobIdentityV1{External: &externalID}})
}

// OpenJob opens a draft job under an external id (repairer.jobs.insert):
// at a site of the caller's organization, with a job number, no claim, no
// vehicle and no work provider. A job already under that id is updated as
// the method updates (non-null fields overwrite); use FindJob first to
// leave one alone.
func OpenJob(c *Call, externalID string, siteID uuid.UUID, jobNumber *string) (JobV1, error) {
	return serveAs[JobV1](jobsInsert, c, JobsInsertRequest{
		Data:     ExternalInsertV1{RepairerSiteID: siteID, JobNumber: jobNumber},
		Identity: JobIdentityV1{External: &externalID},
		If:       IfConflictOnInsertV1{Exists: "update"},
	})
}

// AddParts adds estimated parts to a job (repairer.jobs.parts.insert).
func AddParts(c *Call, externalID string, parts []PartInsertV1) ([]PartV1, error) {
	out, err := serveAs[JobsPartsInsertResponse](jobsPartsInsert, c, JobsPartsInsertRequest{
		Job: JobIdentityV1{External: &externalID}, Parts: parts,
	})
	return out.Parts, err
}

// BasketOffer is an offer of a job's latest basket with the catalogue item
// it offers.
type BasketOffer struct {
	ID     uuid.UUID
	PartID uuid.UUID
	Item   store.CatalogueItem
}

// BasketOffers is the job's latest basket (repairer.jobs.baskets.latest.get)
// with the items behind its offers, by part, cheapest first.
func BasketOffers(c *Call, externalID string) ([]BasketOffer, error) {
	if !basketsLatestGet.Access.Allows(c.Caller.Role) {
		return nil, ErrForbidden
	}
	job, err := findJob(c, JobIdentityV1{External: &externalID})
	if err != nil {
		return nil, err
	}
	offers, err := basketOf(c.Tx, job)
	if err != nil {
		return nil, err
	}
	out := make([]BasketOffer, len(offers))
	for i, o := range offers {
		out[i] = BasketOffer{ID: o.ID, PartID: o.Part.ID, Item: o.Item}
	}
	return out, nil
}

// PlaceProcurement orders offers of the job's basket from one supplier
// (repairer.procurements.insert): the procurement starts order_requested
// and both sides are sent its webhook events.
func PlaceProcurement(c *Call, externalID string, offerIDs []uuid.UUID) (ProcurementV1, error) {
	return serveAs[ProcurementV1](procurementsInsert, c, ProcurementsInsertRequest{
		Job: JobIdentityV1{External: &externalID}, OfferIDs: offerIDs,
	})
}

// OffersPartNumber reports whether a basket would offer the catalogue item
// for a part with this part number (case, spaces and hyphens do not count).
func OffersPartNumber(it store.CatalogueItem, partNumber string) bool {
	return partNumber != "" && matches(store.Part{PartNumber: &partNumber}, it)
}

// SamePartNumber reports whether two part numbers name one part, by the
// basket's rule.
func SamePartNumber(a, b string) bool { return normalizePartNumber(a) == normalizePartNumber(b) }

// serveAs runs m's handler as c.Caller with req as its body.
func serveAs[T any](m Method, c *Call, req any) (T, error) {
	var zero T
	if !m.Access.Allows(c.Caller.Role) {
		return zero, ErrForbidden
	}
	body, err := json.Marshal(req)
	if err != nil {
		return zero, err
	}
	out, err := m.Serve(c, body)
	if err != nil {
		return zero, err
	}
	v, ok := out.(T)
	if !ok {
		return zero, fmt.Errorf("methods: %s answered %T, not %T", m.Name, out, zero)
	}
	return v, nil
}
