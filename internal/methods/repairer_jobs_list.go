package methods

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// Paging of repairer.jobs.list [designed]: a page is JobsPage jobs unless
// the request asks for up to MaxJobsPage.
const (
	JobsPage    = 50
	MaxJobsPage = 200
)

// repairer.jobs.list lists the organization's jobs, newest first, optionally
// of one site and one status, a page at a time.
var jobsList = def("repairer.jobs.list", Repairer, false,
	func(c *Call, r *JobsListRequest) (any, error) {
		f := store.JobFilter{SiteID: r.SiteID, Limit: JobsPage + 1}
		if r.Status != nil {
			f.Status = *r.Status
		}
		if r.Limit != nil {
			f.Limit = *r.Limit + 1 // the schema bounds it
		}
		if r.Cursor != nil {
			key, ok := parseJobCursor(*r.Cursor)
			if !ok {
				return nil, BadRequest("/cursor", "not a next_cursor of repairer.jobs.list")
			}
			f.After = &key
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
		out := JobsListResponse{}
		// One more than the page says whether there is a next one.
		if len(jobs) == f.Limit {
			jobs = jobs[:len(jobs)-1]
			last := jobs[len(jobs)-1]
			cursor := jobCursor(store.JobKey{CreatedAt: last.CreatedAt, ID: last.ID})
			out.NextCursor = &cursor
		}
		out.Items = make([]JobV1, len(jobs))
		for i, j := range jobs {
			out.Items[i] = jobV1(j)
		}
		return out, nil
	})

// jobCursor is the opaque cursor of the page after key.
func jobCursor(k store.JobKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte("jobs:" + strconv.FormatInt(k.CreatedAt.UnixMicro(), 10) + ":" + k.ID.String()))
}

func parseJobCursor(s string) (store.JobKey, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.JobKey{}, false
	}
	rest, ok := strings.CutPrefix(string(b), "jobs:")
	if !ok {
		return store.JobKey{}, false
	}
	us, id, ok := strings.Cut(rest, ":")
	if !ok {
		return store.JobKey{}, false
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return store.JobKey{}, false
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return store.JobKey{}, false
	}
	return store.JobKey{CreatedAt: time.UnixMicro(n).UTC(), ID: u}, true
}
