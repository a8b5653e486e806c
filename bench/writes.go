package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/servicemobility"
)

// Targets of the second round of performance work (issue 17), checked in
// the notes.
const (
	targetVsBareCPU     = 1.5  // the mock's CPU per jobs.get at most this many times the bare handler's
	targetPostgresRatio = 0.4  // jobs.get on Postgres at least this share of the memory store's
	targetInsertsPG     = 4000 // repairer.jobs.insert per second on Postgres
)

// stores are the stores a write scenario runs on: memory, and Postgres
// when the run has a database.
func (h *harness) stores() []struct{ kind, url string } {
	out := []struct{ kind, url string }{{"memory", ""}}
	if h.databaseURL != "" {
		out = append(out, struct{ kind, url string }{"postgres", h.databaseURL})
	}
	return out
}

// runID keeps one run's new records apart from another's on the same
// database.
var runID = time.Now().UnixNano() % 1e9

// jobsInsert: every virtual user opens new repair jobs, one call each, on
// each store: the write every integration starts with (a job, its event,
// the outbox).
func (h *harness) jobsInsert() []row {
	var rows []row
	for _, st := range h.stores() {
		r := row{scenario: "jobs.insert", target: "mock (" + st.kind + ")"}
		s, _, _, err := h.readyMock("jobs.insert-"+st.kind, st.url)
		if err != nil {
			r.note = "failed: " + err.Error()
			rows = append(rows, r)
			continue
		}
		url := s.url + methods.PathPrefix + "repairer.jobs.insert"
		hdr := repairer("")
		res := h.newLoad(s).run(func(v *vu) error {
			body := fmt.Appendf(nil, `{"data":{"claim_number":"CLM-1","job_number":null,"repairer_site_id":"%s",`+
				`"vehicle":null,"work_provider_id":null},"identity":{"external":"BENCH-%d-%d-%d"},"if_":{"exists":"update"}}`,
				seed.AddingtonSiteID, runID, v.id, v.iter)
			return v.post(url, hdr, body, nil)
		})
		r.res, r.rss = &res, rssOf(s)
		r.note = "a new job per call (its event written to the outbox)"
		if st.kind == "postgres" {
			r.note += fmt.Sprintf("; target ≥ %d/s: %s", targetInsertsPG, verdict(res.rate() >= targetInsertsPG))
		}
		s.stop()
		rows = append(rows, r)
	}
	return rows
}

// smOrderBody is a technician's order of two parts, one of them
// superseded, under a new work order each time.
func smOrderBody(v *vu) []byte {
	return fmt.Appendf(nil, `{"Command":1002,"WorkOrder":"WO-%d-%d-%d","UserName":"demo.technician","Parts":[`+
		`{"ProdNum":"%s","ProdAttrs":{"Desc":"Front bumper cover"},"Qty":1.0},{"ProdNum":"81170-12N30","Qty":1.0}]}`,
		runID, v.id, v.iter, seed.BumperCoverPN)
}

// serviceMobilityOrders: every virtual user, logged on as the demo
// technician in a world of its own, sends parts orders to the reference
// implementation, each for a new work order: a repair job, its parts, a
// basket and one procurement per supplier, with their events.
func (h *harness) serviceMobilityOrders() []row {
	var rows []row
	for _, st := range h.stores() {
		r := row{scenario: "servicemobility.orders", target: "mock (" + st.kind + ")"}
		s, _, _, err := h.readyMock("servicemobility-"+st.kind, st.url)
		if err != nil {
			r.note = "failed: " + err.Error()
			rows = append(rows, r)
			continue
		}
		headers := make([]http.Header, h.conns)
		url := s.url + servicemobility.Prefix + "/parts-orders"
		res := h.newLoad(s).run(func(v *vu) error {
			if headers[v.id] == nil {
				hdr := http.Header{}
				hdr.Set("Content-Type", "application/json")
				hdr.Set("x-mock-tenant", fmt.Sprintf("sm-%d-%d", runID, v.id))
				var logon struct {
					Token string `json:"token"`
				}
				if err := v.post(s.url+servicemobility.Prefix+"/createjwt", hdr,
					[]byte(`{"username":"demo.technician","password":"demo-password"}`), &logon); err != nil {
					return err
				}
				hdr.Set("x-access-token", logon.Token)
				headers[v.id] = hdr
			}
			var answer struct{ Status string }
			if err := v.post(url, headers[v.id], smOrderBody(v), &answer); err != nil {
				return err
			}
			if answer.Status != "1001" {
				return fmt.Errorf("parts order: Status %q, want 1001", answer.Status)
			}
			return nil
		})
		r.res, r.rss = &res, rssOf(s)
		r.note = "POST /servicemobility/parts-orders (Command 1002, 2 parts, one superseded), a new work order each time, " +
			"each connection in a world of its own (its logon counted once)"
		s.stop()
		rows = append(rows, r)
	}
	return rows
}
