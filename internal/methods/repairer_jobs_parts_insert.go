package methods

import (
	"fmt"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// MaxPartsPerJob bounds a job's parts so that baskets stay cheap to derive.
const MaxPartsPerJob = 1000

// repairer.jobs.parts.insert adds identified parts to a job, as estimated.
// Its errors are bare JSON strings (vendor decision D24): see BareErrors.
var jobsPartsInsert = func() Method {
	m := def("repairer.jobs.parts.insert", Repairer, true,
		func(c *Call, r *JobsPartsInsertRequest) (any, error) {
			job, err := findJob(c, r.Job)
			if err != nil {
				return nil, err
			}
			existing, err := c.Tx.Parts(job.ID)
			if err != nil {
				return nil, err
			}
			if len(existing)+len(r.Parts) > MaxPartsPerJob {
				return nil, BadRequest("/parts", fmt.Sprintf("a job holds at most %d parts", MaxPartsPerJob))
			}
			now := c.Tx.Now()
			parts := make([]store.Part, len(r.Parts))
			out := JobsPartsInsertResponse{Parts: make([]PartV1, len(r.Parts))}
			for i, in := range r.Parts {
				ordinal := len(existing) + i + 1
				parts[i] = store.Part{
					ID: seed.Mint(job.ID, fmt.Sprintf("part:%d", ordinal)), JobID: job.ID, Ordinal: ordinal,
					Description: in.Description, PartNumber: in.PartNumber, Quantity: in.Quantity,
					Status: store.PartEstimated, CreatedAt: now,
				}
				out.Parts[i] = partV1(parts[i])
			}
			if err := c.Tx.InsertParts(parts); err != nil {
				return nil, err
			}
			return out, nil
		})
	m.BareErrors = true
	return m
}()
