package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
)

// Targets, checked in the notes: of the first round (issue 8), raised for
// the bare handler by the second (issue 17, writes.go).
const (
	targetVsBare     = 0.75
	targetVsWireMock = 3
	targetVsPrism    = 10
	targetStartup    = 100 * time.Millisecond
	targetStartupPG  = time.Second
	targetTenantsRSS = 300 << 20
	targetWebhookP50 = 50 * time.Millisecond
)

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

// newLoad is a run with the harness's settings, charging s's CPU time.
func (h *harness) newLoad(s *server) *load {
	return &load{conns: h.conns, warmup: h.warmup, duration: h.duration, maxRequests: h.maxRequests, server: s.proc}
}

// coldWindow is the first stretch of load after a target answered its
// first request, recorded on its own: what a CI job that starts a mock and
// runs a short suite against it sees. WireMock and Prism run on JIT
// compilers, far slower at first than once warm.
const coldWindow = 3 * time.Second

// rounds is how many turns the jobs.get targets take. The machine is shared,
// so its speed drifts; taking turns in short slices spreads the drift over
// every target instead of charging it to whichever ran at a bad moment.
const rounds = 5

func rssOf(s *server) int64 {
	n, _ := s.rss()
	return n
}

// startup measures process start to the first 200 of jobs.get, several
// times, with the RSS right after.
func (h *harness) startup() []row {
	rows := []row{h.startupRow("memory", "", targetStartup)}
	if h.databaseURL == "" {
		rows = append(rows, row{scenario: "startup", target: "mock (postgres)", note: "skipped: set -database-url or DATABASE_URL"})
	} else {
		rows = append(rows, h.startupRow("postgres", h.databaseURL, targetStartupPG))
	}
	return rows
}

func (h *harness) startupRow(kind, dbURL string, target time.Duration) row {
	r := row{scenario: "startup", target: "mock (" + kind + ")"}
	res := &result{}
	var rssSum int64
	for i := range h.starts {
		s, took, _, err := h.readyMock(fmt.Sprintf("startup-%s-%d", kind, i), dbURL)
		if err != nil {
			if dbURL != "" && i == 0 {
				r.note = "skipped: the mock did not start on DATABASE_URL: " + err.Error()
				return r
			}
			res.errors++
			r.note = err.Error()
			continue
		}
		res.requests++
		res.lat = append(res.lat, took)
		rssSum += rssOf(s)
		s.stop()
	}
	if ok := res.requests; ok > 0 {
		r.res = res
		r.rss = rssSum / int64(ok)
		p50, _ := res.quantiles()
		if r.note == "" {
			r.note = fmt.Sprintf("%d starts, time to first 200 of jobs.get; RSS after it; target p50 < %v: %s", ok, target, verdict(p50 < target))
		}
	}
	return r
}

// jobsTarget is one server answering the jobs.get request.
type jobsTarget struct {
	row
	s      *server
	warmup time.Duration
	goal   float64 // the mock's least ratio to this one; 0 for the mock itself
	client *http.Client
	cold   result // the first coldWindow of load
	total  result // the rounds, once warm
}

// jobsGet runs the hot read against the mock and every peer that is
// installed, taking turns, and gives the mock's throughput as a ratio of
// each. With a database URL, a Postgres-backed mock takes part too.
func (h *harness) jobsGet() []row {
	mock, _, answer, err := h.readyMock("jobs.get-mock", "")
	if err != nil {
		return []row{{scenario: "jobs.get", target: "mock (memory)", note: "failed: " + err.Error()}}
	}
	targets := []*jobsTarget{{row: row{target: "mock (memory)", note: fmt.Sprintf("%d-byte answer", len(answer))}, s: mock}}
	if h.databaseURL != "" {
		t := &jobsTarget{row: row{target: "mock (postgres)"}}
		if t.s, _, _, err = h.readyMock("jobs.get-postgres", h.databaseURL); err != nil {
			t.note = "skipped: the mock did not start on DATABASE_URL: " + err.Error()
		}
		targets = append(targets, t)
	}
	answerFile := filepath.Join(h.tmp, "jobs-get-answer.json")
	if err := os.WriteFile(answerFile, answer, 0o600); err != nil {
		mock.stop()
		return []row{{scenario: "jobs.get", target: "mock (memory)", note: "failed: " + err.Error()}}
	}
	for _, p := range []struct {
		name   string
		start  func(answerFile string, answer []byte) (*server, string, error)
		goal   float64
		warmup time.Duration
	}{
		{"bare net/http", h.startBare, targetVsBare, 0},
		{"wiremock", h.startWireMock, targetVsWireMock, h.peerWarmup},
		{"prism", h.startPrism, targetVsPrism, h.peerWarmup},
	} {
		t := &jobsTarget{row: row{target: p.name}, goal: p.goal, warmup: p.warmup}
		t.s, t.note, err = p.start(answerFile, answer)
		if err != nil {
			t.note = "failed: " + err.Error()
		}
		targets = append(targets, t)
	}
	var live []*jobsTarget
	for _, t := range targets {
		if t.s != nil {
			t.client = newClient(h.conns)
			live = append(live, t)
		}
	}
	run := func(t *jobsTarget, warmup, duration time.Duration, maxRequests int) result {
		l := &load{conns: h.conns, warmup: warmup, duration: duration, maxRequests: maxRequests, client: t.client, server: t.s.proc}
		url := t.s.jobsGetURL()
		hdr := repairer("")
		return l.run(func(v *vu) error { return v.post(url, hdr, jobsGetBody, nil) })
	}
	for _, t := range live {
		// The cold figure, then the rest of the warm-up: connections open,
		// caches and JIT compilers warm.
		t.cold = run(t, 0, coldWindow, 0)
		if rest := max(h.warmup, t.warmup) - coldWindow; rest > 0 {
			run(t, 0, rest, 0)
		}
	}
	perRound := (h.maxRequests + rounds - 1) / rounds
	for range rounds {
		for _, t := range live {
			r := run(t, 0, h.duration/rounds, perRound)
			t.total.merge(&r)
			t.total.elapsed += r.elapsed
		}
	}
	for _, t := range live {
		t.res, t.rss = &t.total, rssOf(t.s)
		t.client.CloseIdleConnections()
		t.s.stop()
	}

	// The mock's throughput as a share of each other target's, warm (the
	// verdict) and in the first seconds.
	mem := targets[0]
	var ratios []string
	for _, t := range targets[1:] {
		if t.s == nil {
			continue
		}
		ratio := mem.total.rate() / t.total.rate()
		cold := mem.cold.rate() / t.cold.rate()
		switch {
		case t.target == "mock (postgres)":
			share := t.total.rate() / mem.total.rate()
			t.note = fmt.Sprintf("%.2f× the memory store (target ≥ %.1f×: %s)", share, targetPostgresRatio, verdict(share >= targetPostgresRatio))
		case t.target == "bare net/http":
			ratios = append(ratios, fmt.Sprintf("%.2f× bare (target ≥ %.2f×: %s)", ratio, t.goal, verdict(ratio >= t.goal)))
			if c := t.total.cpuPerRequest(); c > 0 {
				cpu := float64(mem.total.cpuPerRequest()) / float64(c)
				ratios = append(ratios, fmt.Sprintf("%.2f× bare's CPU per request (target ≤ %.1f×: %s)", cpu, targetVsBareCPU, verdict(cpu <= targetVsBareCPU)))
			}
		default:
			ratios = append(ratios, fmt.Sprintf("%.1f× %s warm, %.1f× in the first %v (target ≥ %.0f×: %s)",
				ratio, t.target, cold, coldWindow, t.goal, verdict(ratio >= t.goal)))
			t.note = fmt.Sprintf("mock is %.1f× this warm (after %v of load), %.1f× in its first %v (%.0f req/s, %s CPU/req); %s",
				ratio, max(h.warmup, t.warmup), cold, coldWindow, t.cold.rate(), fmtDur(t.cold.cpuPerRequest()), t.note)
		}
	}
	for _, s := range ratios {
		targets[0].note += "; " + s
	}
	rows := make([]row, len(targets))
	for i, t := range targets {
		rows[i] = t.row
		rows[i].scenario = "jobs.get"
	}
	return rows
}

// lifecycle: every virtual user walks the README (the steps of
// internal/e2e/lifecycle_test.go) again and again, each walk in a fresh
// tenant, so every walk starts from the seeded world.
func (h *harness) lifecycle() []row {
	var rows []row
	for _, st := range h.stores() {
		r := row{scenario: "lifecycle", target: "mock (" + st.kind + ")"}
		s, _, _, err := h.readyMock("lifecycle-"+st.kind, st.url)
		if err != nil {
			r.note = "failed: " + err.Error()
			rows = append(rows, r)
			continue
		}
		var walks atomic.Int64
		l := h.newLoad(s)
		res := l.run(func(v *vu) error {
			err := walk(v, s.url, fmt.Sprintf("lc-%d-%d-%d", runID, v.id, v.iter))
			if err == nil && l.recording.Load() {
				walks.Add(1)
			}
			return err
		})
		r.res, r.rss = &res, rssOf(s)
		r.note = fmt.Sprintf("%d walks of 17 calls (%.0f walks/s), each in a new tenant", walks.Load(), float64(walks.Load())/res.elapsed.Seconds())
		s.stop()
		rows = append(rows, r)
	}
	return rows
}

// walk is the README walk-through: identify the vehicle, open the job, add
// parts, read the basket, order from one supplier, confirm as the supplier,
// reconcile the invoice.
func walk(v *vu, base, tenant string) error {
	rep, sup := repairer(tenant), supplier(tenant)
	call := func(h http.Header, method string, body, out any) error {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		return v.post(base+methods.PathPrefix+method, h, b, out)
	}
	demoJob := map[string]any{"external": "CCC-2026-04817"}

	var prepared methods.Tier1PrepareResponse
	if err := call(rep, "tier1.prepare", map[string]any{"identifier": map[string]any{
		"vrm": map[string]any{"plate": "NKR419", "location": map[string]any{"country": "NZ"}}}}, &prepared); err != nil {
		return err
	}
	if err := call(rep, "businesses.list", map[string]any{}, nil); err != nil {
		return err
	}
	if err := call(rep, "repairer.work-providers.list", map[string]any{}, nil); err != nil {
		return err
	}
	if err := call(rep, "repairer.jobs.insert", map[string]any{
		"data": map[string]any{"claim_number": "AMI-CLM-552019", "job_number": nil,
			"repairer_site_id": seed.AddingtonSiteID, "vehicle": nil, "work_provider_id": seed.AMIInsuranceID},
		"identity": demoJob,
		"if_":      map[string]any{"exists": "update"},
	}, nil); err != nil {
		return err
	}
	var parts methods.JobsPartsInsertResponse
	if err := call(rep, "repairer.jobs.parts.insert", map[string]any{
		"job": demoJob,
		"parts": []map[string]any{
			{"description": "Front bumper cover", "part_number": seed.BumperCoverPN, "quantity": 1},
			{"description": "Headlamp assembly, left", "part_number": seed.HeadlampLHPN, "quantity": 1},
			{"description": "Radiator grille", "part_number": nil, "quantity": 1},
		},
	}, &parts); err != nil {
		return err
	}
	if len(parts.Parts) != 3 {
		return fmt.Errorf("parts.insert: %d parts", len(parts.Parts))
	}
	var basket methods.BasketV1
	if err := call(rep, "repairer.jobs.baskets.latest.get", map[string]any{"job": demoJob}, &basket); err != nil {
		return err
	}
	var chosen []uuid.UUID
	for _, o := range basket.Offers {
		if o.SupplierID == seed.ChristchurchToyotaID && (o.PartID == parts.Parts[0].ID || o.PartID == parts.Parts[1].ID) {
			chosen = append(chosen, o.ID)
		}
	}
	if len(chosen) != 2 {
		return fmt.Errorf("basket: %d offers from Christchurch Toyota for the two parts", len(chosen))
	}
	var proc methods.ProcurementV1
	if err := call(rep, "repairer.procurements.insert", map[string]any{"job": demoJob, "offer_ids": chosen}, &proc); err != nil {
		return err
	}
	if err := call(sup, "supplier.procurements.list", map[string]any{"status": "order_requested"}, nil); err != nil {
		return err
	}
	byID := map[string]any{"id": proc.ID}
	invoicesOf := map[string]any{"procurement_id": proc.ID}
	if err := call(rep, "repairer.procurements.invoices.list", invoicesOf, nil); err != nil {
		return err
	}
	var confirmed methods.ProcurementV1
	if err := call(sup, "supplier.procurements.confirm", byID, &confirmed); err != nil {
		return err
	}
	if confirmed.Status != "order_confirmed" {
		return fmt.Errorf("confirm: status %s", confirmed.Status)
	}
	if err := call(sup, "supplier.procurements.confirm", byID, nil); err != nil {
		return err
	}
	var invoices methods.ItemsV1[methods.InvoiceV1]
	if err := call(rep, "repairer.procurements.invoices.list", invoicesOf, &invoices); err != nil {
		return err
	}
	if len(invoices.Items) != 1 || invoices.Items[0].Total != "1099.00" {
		return fmt.Errorf("invoices after confirmation: %+v", invoices.Items)
	}
	for _, step := range []struct {
		h      http.Header
		method string
		body   any
	}{
		{rep, "repairer.procurements.get", byID},
		{sup, "supplier.procurements.get", byID},
		{rep, "repairer.jobs.get", map[string]any{"identity": demoJob}},
		{rep, "repairer.jobs.baskets.latest.get", map[string]any{"job": demoJob}},
		{rep, "repairer.jobs.list", map[string]any{"status": "parts_ordered"}},
	} {
		if err := call(step.h, step.method, step.body, nil); err != nil {
			return err
		}
	}
	return nil
}

// tenantsScenario creates h.tenants tenants (a read seeds each one, then a
// write changes it) and reads the server's RSS afterwards.
func (h *harness) tenantsScenario() []row {
	r := row{scenario: "tenants", target: "mock (memory)"}
	s, _, _, err := h.readyMock("tenants", "")
	if err != nil {
		r.note = "failed: " + err.Error()
		return []row{r}
	}
	defer s.stop()
	before := rssOf(s)
	var next atomic.Int64
	part := []byte(`{"job":{"external":"CCC-2026-04817"},"parts":[{"description":"Front bumper cover","part_number":"` + seed.BumperCoverPN + `","quantity":1}]}`)
	// No warm-up and no time bound: the run is the fixed amount of work.
	l := &load{conns: h.conns, duration: 10 * time.Minute, server: s.proc}
	res := l.run(func(v *vu) error {
		i := next.Add(1) - 1
		if i >= int64(h.tenants) {
			return errDone
		}
		hdr := repairer(fmt.Sprintf("t-%05d", i))
		if err := v.post(s.jobsGetURL(), hdr, jobsGetBody, nil); err != nil {
			return err
		}
		return v.post(s.url+methods.PathPrefix+"repairer.jobs.parts.insert", hdr, part, nil)
	})
	r.res, r.rss = &res, rssOf(s)
	per := float64(r.rss-before) / float64(h.tenants) / 1024
	r.note = fmt.Sprintf("%d tenants, each seeded by jobs.get then changed by parts.insert; RSS %.1f MB before, ~%.0f KB per tenant",
		h.tenants, float64(before)/(1<<20), per)
	if h.tenants == 1000 {
		r.note += "; target < 300 MB: " + verdict(r.rss < targetTenantsRSS)
	}
	return []row{r}
}
