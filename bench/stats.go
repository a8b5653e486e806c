package main

import (
	"math"
	"slices"
	"time"
)

// result is what one load run against one target measured.
type result struct {
	requests int           // completed while recording, errors included
	errors   int           // transport failures, non-200 answers, failed checks
	elapsed  time.Duration // from the start of recording until the last worker stopped
	lat      []time.Duration
	// serverCPU is the CPU time the server used while recording (0: not
	// measured).
	serverCPU time.Duration
}

// merge adds another worker's figures.
func (r *result) merge(o *result) {
	r.requests += o.requests
	r.errors += o.errors
	r.serverCPU += o.serverCPU
	r.lat = append(r.lat, o.lat...)
}

// rate is completed requests per second.
func (r *result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// cpuPerRequest is the server's CPU time per completed request, a cost that
// hardly depends on how busy the machine is (0: not measured).
func (r *result) cpuPerRequest() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return r.serverCPU / time.Duration(r.requests)
}

// percentile is the nearest-rank percentile (0 < p <= 100) of sorted
// latencies: the smallest value with at least p% of the samples at or below
// it. It is 0 for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// rank = ceil(p/100 * n); the epsilon keeps float rounding from turning
	// 99% of 100 samples (98.99999…) into rank 100.
	n := len(sorted)
	rank := int(math.Ceil(p/100*float64(n) - 1e-9))
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}

// quantiles sorts the latencies and returns p50 and p99.
func (r *result) quantiles() (p50, p99 time.Duration) {
	slices.Sort(r.lat)
	return percentile(r.lat, 50), percentile(r.lat, 99)
}
