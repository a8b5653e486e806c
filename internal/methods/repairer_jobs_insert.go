package methods

import (
	"errors"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// repairer.jobs.insert opens a repair job or, when the identity exists,
// updates it (non-null fields of data overwrite) or replaces it (every field
// of data overwrites), so the call is idempotent on the external id.
var jobsInsert = def("repairer.jobs.insert", Repairer, true,
	func(c *Call, r *JobsInsertRequest) (any, error) {
		org := c.Caller.OrganizationID
		site, err := c.Tx.Business(r.Data.RepairerSiteID)
		if err != nil {
			return nil, err
		}
		if site.OrganizationID != org {
			return nil, store.ErrNotFound
		}
		if r.Data.WorkProviderID != nil {
			if _, err := c.Tx.WorkProvider(*r.Data.WorkProviderID); err != nil {
				return nil, err
			}
		}
		job, err := findJob(c, r.Identity)
		switch {
		case err == nil:
			applyInsertData(&job, r.Data, r.If.Exists == "replace")
			job.UpdatedAt = c.Tx.Now()
			if err := c.Tx.UpdateJob(job); err != nil {
				return nil, err
			}
			return jobV1(job), nil
		case !errors.Is(err, store.ErrNotFound) || r.Identity.External == nil:
			// Jobs are only created under an external id; an unknown id is not_found.
			return nil, err
		}
		now := c.Tx.Now()
		job = store.Job{
			ID: seed.Mint(org, "job:"+*r.Identity.External), OrganizationID: org,
			ExternalID: r.Identity.External, Images: []string{}, Status: store.JobDraft,
			CreatedAt: now, UpdatedAt: now,
		}
		applyInsertData(&job, r.Data, true)
		if err := c.Tx.InsertJob(job); err != nil {
			return nil, err
		}
		out := jobV1(job)
		if err := event(c.Tx, "repairer.job.inserted", org, store.RoleRepairer, "job", job.ID, out); err != nil {
			return nil, err
		}
		return out, nil
	})

func applyInsertData(j *store.Job, d ExternalInsertV1, replace bool) {
	j.SiteID = d.RepairerSiteID
	if replace || d.ClaimNumber != nil {
		j.ClaimNumber = d.ClaimNumber
	}
	if replace || d.JobNumber != nil {
		j.JobNumber = d.JobNumber
	}
	if replace || d.WorkProviderID != nil {
		j.WorkProviderID = d.WorkProviderID
	}
	if replace || d.Vehicle != nil {
		j.Vehicle = nil
		if d.Vehicle != nil {
			v := vehicleOf(*d.Vehicle)
			j.Vehicle = &v
		}
	}
}
