package main

import (
	"fmt"
	"net/http"

	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
)

// targetQuotesVsJobsGet: Partage quote creation at least half the
// throughput of repairer.jobs.get on the same run (issue 12).
const targetQuotesVsJobsGet = 0.5

// partageQuoteBody is a quote as an integrator that means to book sends it:
// the seed's lane with weight and spots (three options), both addresses,
// commodity, value, pieces and a service.
var partageQuoteBody = []byte(`{"api_token":"` + seed.PartageDemoToken + `","quote":{"equipment":"van",` +
	`"origin_postal_code":"60612","destination_postal_code":"12186","weight":10000,"pallet_spots":10,"pallets":10,` +
	`"origin_address":{"name":"Lakeshore Parts Distribution","address_one":"2250 W Carroll Ave","phone":"312-555-0148","postal_code":"60612"},` +
	`"destination_address":{"name":"Capital Region Collision","address_one":"14 Maple Ave","address_two":"Bay 3","phone":"518-555-0100","postal_code":"12186"},` +
	`"commodity":"Collision parts","value":12500,"pieces":40,"services":{"destination":{"Liftgate":1}}}}`)

// partageHeader is what a Partage client sends: the seed's Accept and
// Content-Type, in a tenant of its own.
func partageHeader(tenant string) http.Header {
	h := http.Header{}
	h.Set("Accept", "application/json")
	h.Set("Content-Type", "application/json")
	h.Set("x-mock-tenant", tenant)
	return h
}

// partageQuotes runs POST /partage/api/quotes and repairer.jobs.get against
// one mock process, taking turns in rounds as the jobs.get targets do, and
// gives quote creation's throughput as a share of jobs.get's. Each virtual
// user quotes in a world of its own: a world keeps at most
// partage.MaxQuotes quotes, and a test suite's workers would each have
// theirs.
func (h *harness) partageQuotes() []row {
	s, _, _, err := h.readyMock("partage.quotes", "")
	if err != nil {
		return []row{{scenario: "partage.quotes", target: "mock (memory)", note: "failed: " + err.Error()}}
	}
	defer s.stop()
	client := newClient(h.conns)
	defer client.CloseIdleConnections()
	headers := make([]http.Header, h.conns)
	for i := range headers {
		headers[i] = partageHeader(fmt.Sprintf("pq-%d", i))
	}
	quoteURL := s.url + partage.PathPrefix + "/api/quotes"
	jobs := repairer("")
	quotes := func(warmup bool, max int) result {
		l := &load{conns: h.conns, duration: h.duration / rounds, maxRequests: max, client: client, server: s.proc}
		if warmup {
			l.duration = h.warmup
		}
		return l.run(func(v *vu) error { return v.post(quoteURL, headers[v.id], partageQuoteBody, nil) })
	}
	reads := func(warmup bool, max int) result {
		l := &load{conns: h.conns, duration: h.duration / rounds, maxRequests: max, client: client, server: s.proc}
		if warmup {
			l.duration = h.warmup
		}
		return l.run(func(v *vu) error { return v.post(s.jobsGetURL(), jobs, jobsGetBody, nil) })
	}
	// Warm both (each world seeded, connections open), then take turns.
	quotes(true, 0)
	reads(true, 0)
	var q, j result
	perRound := (h.maxRequests + rounds - 1) / rounds
	for range rounds {
		r := quotes(false, perRound)
		q.merge(&r)
		q.elapsed += r.elapsed
		r = reads(false, perRound)
		j.merge(&r)
		j.elapsed += r.elapsed
	}
	ratio := q.rate() / j.rate()
	rss := rssOf(s)
	return []row{
		{scenario: "partage.quotes", target: "mock (memory)", res: &q, rss: rss, note: fmt.Sprintf(
			"POST /partage/api/quotes, %d-byte body (3 options, addresses, a service), each connection in a world of its own; "+
				"%.2f× repairer.jobs.get on the same process, taking turns (target ≥ %.1f×: %s)",
			len(partageQuoteBody), ratio, targetQuotesVsJobsGet, verdict(ratio >= targetQuotesVsJobsGet))},
		{scenario: "partage.quotes", target: "mock (memory), jobs.get", res: &j, rss: rss,
			note: "repairer.jobs.get in turns with the quotes above: the reference of the ratio"},
	}
}
