package methods

// repairer.jobs.get reads one job of the caller's organization.
var jobsGet = def("repairer.jobs.get", Repairer, false,
	func(c *Call, r *JobsGetRequest) (any, error) {
		job, err := findJob(c, r.Identity)
		if err != nil {
			return nil, err
		}
		return jobV1(job), nil
	})
