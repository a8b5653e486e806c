package methods

import (
	"errors"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// SampleEvent is an event the integration could receive, for the webhook
// receiver probe: about the newest object its role reads (a repairer's job,
// a supplier's procurement), or, when it has none, about a made-up object of
// the right shape whose id names nothing.
func SampleEvent(tx store.Tx, in store.Integration) (store.Event, error) {
	org := in.OrganizationID
	ev := store.Event{Type: "repairer.job.inserted", OrganizationID: org, Role: in.Role,
		ObjectType: "job", CreatedAt: tx.Now()}
	if in.Role == store.RoleSupplier {
		ev.Type, ev.ObjectType = "supplier.procurement.order_requested", "procurement"
		ps, err := tx.SupplierProcurements(org, "")
		if err != nil {
			return ev, err
		}
		var p store.Procurement
		if len(ps) > 0 {
			p = ps[0]
			ev.Type = "supplier.procurement." + p.Status
		} else {
			site, err := firstBusiness(tx, org)
			if err != nil {
				return ev, err
			}
			p = store.Procurement{
				ID: seed.Mint(in.ID, "probe:procurement"), JobID: seed.Mint(in.ID, "probe:job"),
				SupplierID: site, SupplierOrgID: org, BuyerBusinessID: seed.AddingtonSiteID,
				Status: store.ProcurementOrderRequested, CurrencyCode: "NZD",
				CreatedAt: ev.CreatedAt, UpdatedAt: ev.CreatedAt,
			}
		}
		ev.ObjectID, ev.Payload = p.ID, mustJSON(procurementV1(p))
		return ev, nil
	}
	jobs, err := tx.Jobs(org, store.JobFilter{})
	if err != nil {
		return ev, err
	}
	var j store.Job
	if len(jobs) > 0 {
		j = jobs[0]
	} else {
		site, err := firstBusiness(tx, org)
		if err != nil {
			return ev, err
		}
		j = store.Job{ID: seed.Mint(in.ID, "probe:job"), OrganizationID: org, SiteID: site,
			Status: store.JobDraft, CreatedAt: ev.CreatedAt, UpdatedAt: ev.CreatedAt}
	}
	ev.ObjectID, ev.Payload = j.ID, mustJSON(jobV1(j))
	return ev, nil
}

func firstBusiness(tx store.Tx, org uuid.UUID) (uuid.UUID, error) {
	bs, err := tx.Businesses(org)
	if err != nil {
		return uuid.Nil, err
	}
	if len(bs) == 0 {
		return uuid.Nil, errors.New("methods: organization has no business")
	}
	return bs[0].ID, nil
}
