package methods

import (
	"errors"
	"fmt"

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
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		// A new identity creates a draft job (contract 3.4). Under an
		// external reference its id is minted from it, the same in every
		// fresh world; under an id, the job takes that id, so a retry or a
		// later repairer.jobs.get with the same identity finds it.
		now := c.Tx.Now()
		job = store.Job{OrganizationID: org, Images: []string{}, Status: store.JobDraft,
			CreatedAt: now, UpdatedAt: now}
		if r.Identity.External != nil {
			job.ID, job.ExternalID = seed.Mint(org, "job:"+*r.Identity.External), r.Identity.External
		} else {
			job.ID = *r.Identity.ID
		}
		applyInsertData(&job, r.Data, true)
		if err := c.Tx.InsertJob(job); err != nil {
			if errors.Is(err, store.ErrConflict) && r.Identity.ID != nil {
				// Ids are one space per world: this one is either being
				// created by a concurrent call of the caller (the retry that
				// ErrConflict asks of the store finds it and updates it) or
				// already names another organization's job, which is
				// not_found like every job of another organization.
				return nil, errIDTaken
			}
			return nil, err
		}
		out := jobV1(job)
		if err := event(c.Tx, "repairer.job.inserted", org, store.RoleRepairer, "job", job.ID, out); err != nil {
			return nil, err
		}
		return out, nil
	})

// errIDTaken makes the store retry the transaction (store.ErrConflict) and,
// when every retry finds the id taken, answers not_found.
var errIDTaken = fmt.Errorf("%w: %w", store.ErrConflict, &Error{Type: VariantNotFound})

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
