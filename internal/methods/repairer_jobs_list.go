package methods

import "github.com/partifact/mockserver/internal/store"

// repairer.jobs.list lists the organization's jobs, newest first, optionally
// of one site and one status.
var jobsList = def("repairer.jobs.list", Repairer, false,
	func(c *Call, r *JobsListRequest) (any, error) {
		f := store.JobFilter{SiteID: r.SiteID}
		if r.Status != nil {
			f.Status = *r.Status
		}
		if r.SiteID != nil {
			site, err := c.Tx.Business(*r.SiteID)
			if err != nil {
				return nil, err
			}
			if site.OrganizationID != c.Caller.OrganizationID {
				return nil, store.ErrNotFound
			}
		}
		jobs, err := c.Tx.Jobs(c.Caller.OrganizationID, f)
		if err != nil {
			return nil, err
		}
		out := ItemsV1[JobV1]{Items: make([]JobV1, len(jobs))}
		for i, j := range jobs {
			out.Items[i] = jobV1(j)
		}
		return out, nil
	})
