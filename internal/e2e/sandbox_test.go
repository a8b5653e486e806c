package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/controls"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/sandbox"
)

// startApp serves an app with cfg until the test ends, for tests that need
// its store or options sandbox.Start does not offer.
func startApp(t *testing.T, cfg app.Config) *app.App { return apptest.Start(t, cfg) }

func clientOf(t *testing.T, base, tenant string, cred sandbox.Credential) *client {
	return &client{t: t, base: base, tenant: tenant, cred: &cred}
}

// ctl calls a sandbox control: route is "VERB /template" as openapi.json
// spells it, path the concrete path ("" when it is the template), body
// nil, a string or a value to encode. A JSON answer is validated against
// the route's schemas.
func ctl(t testing.TB, base, tenant, route, path string, body any) (int, []byte) {
	t.Helper()
	verb, template, _ := strings.Cut(route, " ")
	if path == "" {
		path = template
	}
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(verb, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tenant != "" {
		req.Header.Set("x-partifact-tenant", tenant)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		op := loadSandboxDoc(t).OperationAt(template, verb)
		if op == nil {
			t.Fatalf("openapi-sandbox.json has no %s", route)
		}
		which := "default"
		if resp.StatusCode == http.StatusOK {
			which = "200"
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: answer is not JSON: %s", route, b)
		}
		if problems := spec.Validate(spec.AnswerSchema(op, which), v, false); len(problems) > 0 {
			t.Fatalf("%s: %d answer does not match its %s schema: %v\n%s", route, resp.StatusCode, which, problems, b)
		}
	}
	return resp.StatusCode, b
}

// ctlOK calls a control, requires 200 and decodes the answer into out.
func ctlOK(t testing.TB, base, tenant, route, path string, body, out any) {
	t.Helper()
	status, b := ctl(t, base, tenant, route, path, body)
	if status != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", route, path, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

// ctlFails calls a control and requires a status and error variant.
func ctlFails(t testing.TB, base, tenant, route, path string, body any, wantStatus int, wantType string) {
	t.Helper()
	status, b := ctl(t, base, tenant, route, path, body)
	if status != wantStatus || errorType(b) != wantType {
		t.Fatalf("%s %s: got %d %s, want %d %s", route, path, status, b, wantStatus, wantType)
	}
}

var demoJob = map[string]any{"identity": map[string]any{"external": "CCC-2026-04817"}}

func TestReset(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL})
		rep := newClient(t, srv, "reset", sandbox.Repairer)
		walkREADME(t, rep, rep.as(sandbox.Supplier))
		var created methods.JobV1
		rep.ok("repairer.jobs.insert", map[string]any{
			"data": map[string]any{"claim_number": nil, "job_number": "J-1", "repairer_site_id": seed.AddingtonSiteID,
				"vehicle": nil, "work_provider_id": nil},
			"identity": map[string]any{"external": "RESET-1"}, "if_": map[string]any{"exists": "update"},
		}, &created)

		ctlOK(t, srv.URL, "reset", "POST /__reset", "", nil, nil)

		var job methods.JobV1
		rep.ok("repairer.jobs.get", demoJob, &job)
		if job.ID != seed.DemoJobID || job.Status.Type != "draft" {
			t.Fatalf("demo job after reset: %+v", job)
		}
		rep.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": created.ID}}, http.StatusNotFound, "not_found")
		var inbox methods.ItemsV1[methods.ProcurementV1]
		rep.as(sandbox.Supplier).ok("supplier.procurements.list", map[string]any{}, &inbox)
		if len(inbox.Items) != 0 {
			t.Fatalf("procurements survived the reset: %+v", inbox.Items)
		}
		// Only the named tenant is reset.
		other := newClient(t, srv, "reset-other", sandbox.Repairer)
		other.ok("repairer.jobs.insert", map[string]any{
			"data": map[string]any{"claim_number": nil, "job_number": nil, "repairer_site_id": seed.AddingtonSiteID,
				"vehicle": nil, "work_provider_id": nil},
			"identity": map[string]any{"external": "KEEP-1"}, "if_": map[string]any{"exists": "update"},
		}, nil)
		ctlOK(t, srv.URL, "reset", "POST /__reset", "", nil, nil)
		other.ok("repairer.jobs.get", map[string]any{"identity": map[string]any{"external": "KEEP-1"}}, nil)
	})
}

func TestClock(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "clock"
		rep := clientOf(t, a.URL(), tenant, sandbox.Repairer).anonymous()

		// Two codes with the usual 15-minute life, granted now.
		err := a.Store().Update(context.Background(), tenant, func(tx store.Tx) error {
			for _, code := range []string{"ac_clock_early", "ac_clock_late"} {
				if err := tx.InsertAccessCode(store.AccessCode{Code: code, ClientID: seed.DemoClientID,
					OrganizationID: seed.RepairerOrgID, Role: store.RoleRepairer, ExpiresAt: tx.Now().Add(15 * time.Minute)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		install := func(code string) map[string]any {
			return map[string]any{"access_code": code, "client_id": seed.DemoClientID, "client_secret": seed.DemoClientSecret}
		}
		rep.ok("integrations.insert", install("ac_clock_early"), nil)

		var clock struct {
			Now           time.Time `json:"now"`
			Offset        string    `json:"offset"`
			OffsetSeconds float64   `json:"offset_seconds"`
			Real          bool      `json:"real"`
		}
		ctlOK(t, a.URL(), tenant, "POST /__clock", "", map[string]any{"advance": "16m"}, &clock)
		if clock.Offset != "16m0s" || clock.OffsetSeconds != 960 || clock.Real {
			t.Fatalf("after advancing: %+v", clock)
		}
		rep.fails("integrations.insert", install("ac_clock_late"), http.StatusBadRequest, "invalid_access_code")

		// Timestamps in bodies read the tenant clock.
		var job methods.JobV1
		rep.as(sandbox.Repairer).ok("repairer.jobs.insert", map[string]any{
			"data": map[string]any{"claim_number": nil, "job_number": nil, "repairer_site_id": seed.AddingtonSiteID,
				"vehicle": nil, "work_provider_id": nil},
			"identity": map[string]any{"external": "CLOCK-1"}, "if_": map[string]any{"exists": "update"},
		}, &job)

		// Forward only; other tenants keep the wall clock.
		ctlFails(t, a.URL(), tenant, "POST /__clock", "", map[string]any{"set": "2020-01-01T00:00:00Z"}, http.StatusBadRequest, "bad_request")
		ctlFails(t, a.URL(), tenant, "POST /__clock", "", map[string]any{"advance": "-1m"}, http.StatusBadRequest, "bad_request")
		ctlFails(t, a.URL(), tenant, "POST /__clock", "", map[string]any{"advance": "soon"}, http.StatusBadRequest, "bad_request")
		ctlFails(t, a.URL(), tenant, "POST /__clock", "", map[string]any{"advance": "1m", "real": true}, http.StatusBadRequest, "bad_request")
		ctlFails(t, a.URL(), tenant, "POST /__clock", "", map[string]any{}, http.StatusBadRequest, "bad_request")
		ctlFails(t, a.URL(), tenant, "POST /__clock", "", "{", http.StatusBadRequest, "bad_request")
		set := clock.Now.Add(48 * time.Hour).Format(time.RFC3339)
		ctlOK(t, a.URL(), tenant, "POST /__clock", "", map[string]any{"set": set}, &clock)
		if got := clock.Now.Format(time.RFC3339); got != set || clock.OffsetSeconds < 48*3600 {
			t.Fatalf("after set %s: %+v", set, clock)
		}
		ctlOK(t, a.URL(), "clock-other", "GET /__clock", "", nil, &clock)
		if !clock.Real {
			t.Fatalf("another tenant's clock moved: %+v", clock)
		}
		ctlOK(t, a.URL(), tenant, "POST /__clock", "", map[string]any{"real": true}, &clock)
		if !clock.Real || clock.Offset != "0s" {
			t.Fatalf("after real: %+v", clock)
		}
	})
}

func TestFaults(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL})
		const tenant = "faults"
		rep := newClient(t, srv, tenant, sandbox.Repairer)
		ctlOK(t, srv.URL, tenant, "POST /__faults", "", map[string]any{"method": "repairer.jobs.get", "error": "not_found", "count": 2}, nil)
		for range 2 {
			rep.fails("repairer.jobs.get", demoJob, http.StatusNotFound, "not_found")
		}
		rep.ok("repairer.jobs.get", demoJob, nil)
		var list struct {
			Items []map[string]any `json:"items"`
		}
		ctlOK(t, srv.URL, tenant, "GET /__faults", "", nil, &list)
		if len(list.Items) != 0 {
			t.Fatalf("a used-up fault is still listed: %+v", list.Items)
		}

		// Status only: the variant usually sent with it, else bad_request; a
		// bare-string union stays bare.
		ctlOK(t, srv.URL, tenant, "POST /__faults", "", map[string]any{"method": "repairer.jobs.get", "status": 401, "count": 1}, nil)
		rep.fails("repairer.jobs.get", demoJob, http.StatusUnauthorized, "unauthorized")
		ctlOK(t, srv.URL, tenant, "POST /__faults", "", map[string]any{"method": "repairer.jobs.parts.insert", "status": 503, "count": 1}, nil)
		rep.fails("repairer.jobs.parts.insert", map[string]any{"job": map[string]any{"external": "CCC-2026-04817"}, "parts": []any{}},
			http.StatusServiceUnavailable, "bad_request")
		// Required members of a variant come from the schema's example.
		ctlOK(t, srv.URL, tenant, "POST /__faults", "", map[string]any{"method": "supplier.procurements.confirm", "error": "invalid_status", "count": 1}, nil)
		body := rep.as(sandbox.Supplier).fails("supplier.procurements.confirm", map[string]any{"id": uuid.New()}, http.StatusConflict, "invalid_status")
		if !strings.Contains(string(body), `"status":"cancelled"`) {
			t.Fatalf("invalid_status without its status: %s", body)
		}

		for name, bad := range map[string]map[string]any{
			"NotAMethod":     {"method": "repairer.jobs.delete", "error": "not_found"},
			"NotAVariant":    {"method": "repairer.jobs.get", "error": "invalid_status"},
			"NothingToDo":    {"method": "repairer.jobs.get"},
			"StatusTooLow":   {"method": "repairer.jobs.get", "status": 200},
			"NoProbability":  {"method": "repairer.jobs.get", "error": "not_found", "probability": 0},
			"ZeroCount":      {"method": "repairer.jobs.get", "error": "not_found", "count": 0},
			"HugeCount":      {"method": "repairer.jobs.get", "error": "not_found", "count": 2147483648},
			"TooSlow":        {"method": "repairer.jobs.get", "latency_ms": 60000},
			"BadFields":      {"method": "supplier.procurements.confirm", "error": "invalid_status", "fields": map[string]any{"status": 3}},
			"FieldsOnBare":   {"method": "repairer.jobs.parts.insert", "error": "not_found", "fields": map[string]any{"x": 1}},
			"FieldsNoAnswer": {"method": "repairer.jobs.get", "latency_ms": 5, "fields": map[string]any{"x": 1}},
		} {
			t.Run(name, func(t *testing.T) {
				ctlFails(t, srv.URL, tenant, "POST /__faults", "", bad, http.StatusBadRequest, "bad_request")
			})
		}

		// A slow answer holds up no one else, and a client that gives up is
		// released at once.
		ctlOK(t, srv.URL, tenant, "POST /__faults", "", map[string]any{"method": "businesses.list", "latency_ms": 30000, "count": 1}, nil)
		ctx, cancel := context.WithCancel(context.Background())
		slow := make(chan error, 1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+methods.PathPrefix+"businesses.list", strings.NewReader("{}"))
			req.Header.Set("x-mock-tenant", tenant)
			req.Header.Set("Authorization", "Bearer "+sandbox.Repairer.APIKey)
			req.Header.Set("Partly-Integration-ID", sandbox.Repairer.IntegrationID)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			slow <- err
		}()
		waitFor(t, "the slow call to take its fault", func() bool {
			_, b := ctl(t, srv.URL, tenant, "GET /__faults", "", nil)
			return !strings.Contains(string(b), "businesses.list")
		})
		rep.ok("repairer.jobs.get", demoJob, nil)
		select {
		case err := <-slow:
			t.Fatalf("the slow call ended before it was cancelled: %v", err)
		default:
		}
		cancel()
		select {
		case err := <-slow:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("slow call: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the slow call was not released")
		}

		ctlOK(t, srv.URL, tenant, "POST /__faults", "", map[string]any{"method": "repairer.jobs.get", "error": "forbidden"}, nil)
		ctlOK(t, srv.URL, tenant, "DELETE /__faults", "", nil, nil)
		rep.ok("repairer.jobs.get", demoJob, nil)
	})
}

// TestFaultCap: a world holds at most its cap of faults; the next is
// bad_request, used-up faults make room by themselves, and a fault's fields
// are bounded.
func TestFaultCap(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		cfg.MaxFaults = 3
		a := startApp(t, cfg)
		const tenant = "fault-cap"
		rep := clientOf(t, a.URL(), tenant, sandbox.Repairer)
		for range 2 {
			ctlOK(t, a.URL(), tenant, "POST /__faults", "", map[string]any{"method": "repairer.jobs.get", "latency_ms": 1}, nil)
		}
		ctlOK(t, a.URL(), tenant, "POST /__faults", "", map[string]any{"method": "businesses.list", "error": "forbidden", "count": 1}, nil)
		_, body := ctl(t, a.URL(), tenant, "POST /__faults", "", map[string]any{"method": "repairer.jobs.get", "latency_ms": 1})
		if !strings.Contains(string(body), "at most 3 faults") {
			t.Fatalf("over the cap: %s", body)
		}
		ctlFails(t, a.URL(), tenant, "POST /__faults", "", map[string]any{"method": "repairer.jobs.get", "latency_ms": 1},
			http.StatusBadRequest, "bad_request")
		rep.fails("businesses.list", map[string]any{}, http.StatusForbidden, "forbidden") // its one use
		ctlOK(t, a.URL(), tenant, "POST /__faults", "", map[string]any{"method": "repairer.jobs.get", "latency_ms": 1}, nil)
		ctlOK(t, a.URL(), tenant, "DELETE /__faults", "", nil, nil)
		ctlFails(t, a.URL(), tenant, "POST /__faults", "", map[string]any{"method": "repairer.jobs.get", "error": "not_found",
			"fields": map[string]any{"message": strings.Repeat("x", 17<<10)}}, http.StatusBadRequest, "bad_request")
	})
}

// waitFor polls cond until it holds, failing after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type journalEntry struct {
	Time          time.Time `json:"time"`
	RequestID     string    `json:"request_id"`
	Method        string    `json:"method"`
	Status        int       `json:"status"`
	IntegrationID *string   `json:"integration_id"`
	RequestBody   string    `json:"request_body"`
	ResponseBody  string    `json:"response_body"`
}

func TestJournal(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL})
		const tenant = "journal"
		rep := newClient(t, srv, tenant, sandbox.Repairer)
		var installed methods.IntegrationsInsertResponse
		rep.anonymous().ok("integrations.insert", map[string]any{"access_code": seed.DemoAccessCode,
			"client_id": seed.DemoClientID, "client_secret": seed.DemoClientSecret}, &installed)
		rep.ok("repairer.jobs.get", demoJob, nil)
		rep.fails("repairer.jobs.get", map[string]any{"identity": map[string]any{"id": uuid.New()}}, http.StatusNotFound, "not_found")
		rep.fails("repairer.jobs.get", "{", http.StatusBadRequest, "bad_request")
		rep.ok("businesses.list", nil, nil)

		var j struct{ Items []journalEntry }
		ctlOK(t, srv.URL, tenant, "GET /__journal", "", nil, &j)
		want := []struct {
			method string
			status int
		}{{"integrations.insert", 200}, {"repairer.jobs.get", 200}, {"repairer.jobs.get", 404}, {"repairer.jobs.get", 400}, {"businesses.list", 200}}
		if len(j.Items) != len(want) {
			t.Fatalf("journal has %d entries, want %d: %+v", len(j.Items), len(want), j.Items)
		}
		for i, w := range want {
			e := j.Items[i]
			if e.Method != w.method || e.Status != w.status || e.RequestID == "" {
				t.Fatalf("entry %d: %+v, want %s %d", i, e, w.method, w.status)
			}
			if i > 0 && e.Time.Before(j.Items[i-1].Time) {
				t.Fatalf("entries out of order: %v then %v", j.Items[i-1].Time, e.Time)
			}
		}
		if j.Items[0].IntegrationID != nil || j.Items[1].IntegrationID == nil || *j.Items[1].IntegrationID != sandbox.Repairer.IntegrationID {
			t.Fatalf("credentials are shown by integration id: %+v %+v", j.Items[0], j.Items[1])
		}
		if !strings.Contains(j.Items[1].ResponseBody, "CCC-2026-04817") || !strings.Contains(j.Items[1].RequestBody, "CCC-2026-04817") {
			t.Fatalf("bodies are journaled: %+v", j.Items[1])
		}
		raw, _ := json.Marshal(j)
		for _, secret := range []string{sandbox.Repairer.APIKey, installed.APIKey, seed.DemoClientSecret} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("the journal shows a key: %s", raw)
			}
		}

		ctlOK(t, srv.URL, tenant, "GET /__journal", "/__journal?method=repairer.jobs.get&status=404", nil, &j)
		if len(j.Items) != 1 || j.Items[0].Status != 404 {
			t.Fatalf("filtered: %+v", j.Items)
		}
		ctlOK(t, srv.URL, tenant, "GET /__journal", "/__journal?limit=2", nil, &j)
		if len(j.Items) != 2 || j.Items[1].Method != "businesses.list" {
			t.Fatalf("limited: %+v", j.Items)
		}
		for _, q := range []string{"status=abc", "status=42", "limit=0", "limit=-3"} {
			ctlFails(t, srv.URL, tenant, "GET /__journal", "/__journal?"+q, nil, http.StatusBadRequest, "bad_request")
		}
		ctlOK(t, srv.URL, "journal-other", "GET /__journal", "", nil, &j)
		if len(j.Items) != 0 {
			t.Fatalf("another tenant's journal: %+v", j.Items)
		}
		ctlOK(t, srv.URL, tenant, "DELETE /__journal", "", nil, nil)
		ctlOK(t, srv.URL, tenant, "GET /__journal", "", nil, &j)
		if len(j.Items) != 0 {
			t.Fatalf("after clearing: %+v", j.Items)
		}
	})
}

func TestCoverageAfterWalkthrough(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "coverage"
		rep := clientOf(t, a.URL(), tenant, sandbox.Repairer)
		walkREADME(t, rep, rep.as(sandbox.Supplier))
		// The calls the walk makes, each answering 200.
		walked := []string{"tier1.prepare", "businesses.list", "repairer.work-providers.list", "repairer.jobs.insert",
			"repairer.jobs.parts.insert", "repairer.jobs.baskets.latest.get", "repairer.procurements.insert",
			"supplier.procurements.list", "repairer.procurements.invoices.list", "supplier.procurements.confirm",
			"repairer.procurements.get", "supplier.procurements.get", "repairer.jobs.get", "repairer.jobs.list"}

		var rep1 struct {
			Methods []struct {
				Method   string
				Variants []struct {
					Name      string
					Count     int
					Exercised bool
				}
			}
			Webhooks []struct {
				Name      string
				Count     int
				Exercised bool
			}
			Exercised, Total int
		}
		ctlOK(t, a.URL(), tenant, "GET /__coverage", "/__coverage?api=partly", nil, &rep1)
		// The events the walk causes: placing the order and confirming it.
		walkedEvents := []string{"repairer.procurement.order_requested", "supplier.procurement.order_requested",
			"repairer.procurement.order_confirmed", "supplier.procurement.order_confirmed"}
		if len(rep1.Webhooks) != len(loadDoc(t).Webhooks) {
			t.Fatalf("coverage lists %d event types, openapi.json has %d", len(rep1.Webhooks), len(loadDoc(t).Webhooks))
		}
		for _, w := range rep1.Webhooks {
			if w.Exercised != slices.Contains(walkedEvents, w.Name) || w.Exercised != (w.Count == 1) {
				t.Errorf("event %s: %+v", w.Name, w)
			}
		}
		seen := map[string]bool{}
		for _, m := range rep1.Methods {
			for _, v := range m.Variants {
				if v.Exercised != (v.Count > 0) {
					t.Fatalf("%s %s: %+v", m.Method, v.Name, v)
				}
				if v.Exercised {
					seen[m.Method+" "+v.Name] = true
				}
			}
		}
		if len(rep1.Methods) != len(wireMethods(t)) {
			t.Fatalf("coverage lists %d methods, openapi.json has %d", len(rep1.Methods), len(wireMethods(t)))
		}
		for _, m := range walked {
			if !seen[m+" 200"] {
				t.Errorf("the walk's %s 200 is not marked", m)
			}
			delete(seen, m+" 200")
		}
		if len(seen) > 0 || rep1.Exercised != len(walked)+len(walkedEvents) {
			t.Fatalf("marked beyond the walk: %v (exercised %d)", seen, rep1.Exercised)
		}

		// Webhook events are counted as they are written.
		counts, err := a.Store().Coverage(context.Background(), tenant)
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range walkedEvents {
			if counts["webhook "+typ] != 1 {
				t.Errorf("event %s counted %d times, want 1 (%v)", typ, counts["webhook "+typ], counts)
			}
		}

		status, b := ctl(t, a.URL(), tenant, "GET /__coverage", "/__coverage?format=junit&api=partly", nil)
		var junit struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Suites   []struct {
				Name  string `xml:"name,attr"`
				Cases []struct {
					Name    string    `xml:"name,attr"`
					Failure *struct{} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(b, &junit); status != http.StatusOK || err != nil {
			t.Fatalf("junit: %d %v %s", status, err, b)
		}
		if junit.Tests != rep1.Total || junit.Failures != rep1.Total-rep1.Exercised {
			t.Fatalf("junit: %d tests, %d failures; json: %d total, %d exercised", junit.Tests, junit.Failures, rep1.Total, rep1.Exercised)
		}
		for _, s := range junit.Suites {
			if s.Name == "supplier.procurements.confirm" {
				for _, c := range s.Cases {
					if (c.Failure == nil) != (c.Name == "200") {
						t.Fatalf("confirm's %s: failure %v", c.Name, c.Failure != nil)
					}
				}
			}
		}
		ctlFails(t, a.URL(), tenant, "GET /__coverage", "/__coverage?format=csv", nil, http.StatusBadRequest, "bad_request")
	})
}

// placeOrder puts the demo job's bumper and headlamp on order and returns
// the procurement.
func placeOrder(t *testing.T, rep *client) methods.ProcurementV1 {
	t.Helper()
	var parts methods.JobsPartsInsertResponse
	rep.ok("repairer.jobs.parts.insert", map[string]any{"job": map[string]any{"external": "CCC-2026-04817"},
		"parts": []map[string]any{{"description": "Front bumper cover", "part_number": seed.BumperCoverPN, "quantity": 1}}}, &parts)
	var basket methods.BasketV1
	rep.ok("repairer.jobs.baskets.latest.get", map[string]any{"job": map[string]any{"external": "CCC-2026-04817"}}, &basket)
	for _, o := range basket.Offers {
		if o.SupplierID == seed.ChristchurchToyotaID {
			var p methods.ProcurementV1
			rep.ok("repairer.procurements.insert", map[string]any{"job": map[string]any{"external": "CCC-2026-04817"},
				"offer_ids": []any{o.ID}}, &p)
			return p
		}
	}
	t.Fatal("no offer from Christchurch Toyota")
	return methods.ProcurementV1{}
}

func TestTriggers(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "triggers"
		rep := clientOf(t, a.URL(), tenant, sandbox.Repairer)
		sup := rep.as(sandbox.Supplier)
		p := placeOrder(t, rep)

		var out methods.ProcurementV1
		ctlOK(t, a.URL(), tenant, "POST /__procurements/{id}/cancel", "/__procurements/"+p.ID.String()+"/cancel", nil, &out)
		if out.Status != "cancelled" || out.ID != p.ID {
			t.Fatalf("cancel: %+v", out)
		}
		sup.ok("supplier.procurements.get", map[string]any{"id": p.ID}, &out)
		if out.Status != "cancelled" {
			t.Fatalf("supplier reads: %+v", out)
		}
		sup.fails("supplier.procurements.confirm", map[string]any{"id": p.ID}, http.StatusConflict, "invalid_status")
		ctlFails(t, a.URL(), tenant, "POST /__procurements/{id}/cancel", "/__procurements/"+p.ID.String()+"/cancel", nil, http.StatusConflict, "invalid_status")
		ctlFails(t, a.URL(), tenant, "POST /__procurements/{id}/confirm", "/__procurements/"+p.ID.String()+"/confirm", nil, http.StatusConflict, "invalid_status")

		// The cancelled part is offered again, and can be ordered anew.
		q := placeOrder(t, rep)
		ctlOK(t, a.URL(), tenant, "POST /__procurements/{id}/confirm", "/__procurements/"+q.ID.String()+"/confirm", nil, &out)
		if out.Status != "order_confirmed" || out.ConfirmedAt == nil {
			t.Fatalf("confirm: %+v", out)
		}
		ctlOK(t, a.URL(), tenant, "POST /__procurements/{id}/confirm", "/__procurements/"+q.ID.String()+"/confirm", nil, &out)
		ctlFails(t, a.URL(), tenant, "POST /__procurements/{id}/cancel", "/__procurements/"+q.ID.String()+"/cancel", nil, http.StatusConflict, "invalid_status")

		var types []string
		err := a.Store().View(context.Background(), tenant, func(tx store.Tx) error {
			events, err := tx.Events()
			for _, e := range events {
				types = append(types, e.Type)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := "repairer.procurement.order_requested supplier.procurement.order_requested " +
			"repairer.procurement.cancelled supplier.procurement.cancelled " +
			"repairer.procurement.order_requested supplier.procurement.order_requested " +
			"repairer.procurement.order_confirmed supplier.procurement.order_confirmed"
		if got := strings.Join(types, " "); got != want {
			t.Fatalf("events:\n got %s\nwant %s", got, want)
		}

		ctlFails(t, a.URL(), tenant, "POST /__procurements/{id}/confirm", "/__procurements/"+uuid.NewString()+"/confirm", nil, http.StatusNotFound, "not_found")
		ctlFails(t, a.URL(), tenant, "POST /__procurements/{id}/cancel", "/__procurements/nope/cancel", nil, http.StatusBadRequest, "bad_request")
		// Another tenant does not see the procurement.
		ctlFails(t, a.URL(), "triggers-other", "POST /__procurements/{id}/confirm", "/__procurements/"+q.ID.String()+"/confirm", nil, http.StatusNotFound, "not_found")
	})
}

func TestSupplierAutoConfirm(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL, SupplierAutoConfirm: 30 * time.Second})
		const tenant = "autoconfirm"
		rep := newClient(t, srv, tenant, sandbox.Repairer)
		p := placeOrder(t, rep)
		var out methods.ProcurementV1
		rep.ok("repairer.procurements.get", map[string]any{"id": p.ID}, &out)
		if out.Status != "order_requested" {
			t.Fatalf("confirmed before its time: %+v", out)
		}
		ctlOK(t, srv.URL, tenant, "POST /__clock", "", map[string]any{"advance": "31s"}, nil)
		waitFor(t, "the supplier to confirm", func() bool {
			rep.ok("repairer.procurements.get", map[string]any{"id": p.ID}, &out)
			return out.Status == "order_confirmed"
		})
	})
}

func TestSandboxRoutesOff(t *testing.T) {
	t.Parallel()
	a := startApp(t, apptest.Config(func(c *app.Config) { c.NoSandboxRoutes = true }))
	for _, route := range []string{"POST /__reset", "GET /__clock", "GET /__journal", "GET /__faults", "GET /__coverage"} {
		verb, path, _ := strings.Cut(route, " ")
		req, _ := http.NewRequest(verb, a.URL()+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || errorType(b) != "unknown_method" {
			t.Fatalf("%s with the routes off: %d %s", route, resp.StatusCode, b)
		}
	}
	clientOf(t, a.URL(), "", sandbox.Repairer).ok("repairer.jobs.get", demoJob, nil)
	// Nothing the server says of itself mentions the routes it hides.
	if status, _, _ := get(t, a.URL()+"/openapi-sandbox.json"); status != http.StatusNotFound {
		t.Errorf("/openapi-sandbox.json with the routes off: %d", status)
	}
	for _, p := range []string{"/openapi.json", "/openapi-3.0.json", "/llms.txt", "/llms-full.txt"} {
		status, _, body := get(t, a.URL()+p)
		if status != http.StatusOK || strings.Contains(body, "/__") {
			t.Errorf("%s with the routes off: %d, mentions /__: %v", p, status, strings.Contains(body, "/__"))
		}
	}
	if status, _, _ := get(t, a.URL()+"/docs/sandbox.md"); status != http.StatusNotFound {
		t.Errorf("/docs/sandbox.md with the routes off: %d", status)
	}
}

// TestSandboxToken: with --sandbox-token, every /__ route needs the token
// (in either header), answering in its family's shape without it; the
// wire methods and the mock's own deliveries to its sink are unaffected.
func TestSandboxToken(t *testing.T) {
	t.Parallel()
	const token = "s3cret-sandbox"
	a := startApp(t, apptest.Config(func(c *app.Config) { c.SandboxToken = token; c.WebhookPoll = 20 * time.Millisecond }))
	call := func(verb, path string, header ...string) (int, []byte) {
		req, _ := http.NewRequest(verb, a.URL()+path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-mock-tenant", "tokened")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for _, p := range []string{"/__reset", "/__faults", "/__procurements/" + uuid.NewString() + "/confirm", "/__nope"} {
		if status, b := call("POST", p); status != 401 || errorType(b) != "unauthorized" {
			t.Errorf("POST %s without the token: %d %s", p, status, b)
		}
		if status, b := call("POST", p, "x-sandbox-token", "wrong"); status != 401 {
			t.Errorf("POST %s with a wrong token: %d %s", p, status, b)
		}
	}
	if status, b := call("GET", "/__webhooks/integrations/"+seed.RepairerIntegrationID.String()); status != 401 || !bytes.Contains(b, []byte(`"reason":"unauthorized"`)) {
		t.Errorf("webhook secret without the token: %d %s", status, b)
	}
	if status, b := call("POST", "/__reset", "x-sandbox-token", token); status != 200 {
		t.Errorf("reset with the token: %d %s", status, b)
	}
	if status, b := call("POST", "/__reset", "Authorization", "Bearer "+token); status != 200 {
		t.Errorf("reset with the token as a bearer: %d %s", status, b)
	}
	// The wire is unchanged, and webhooks still reach the built-in sink.
	if status, b := call("POST", "/__webhooks/subscribe", "x-sandbox-token", token); status != 400 {
		t.Errorf("subscribe with the token, no body: %d %s", status, b)
	}
	ctlHeader := func(path string, body any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", a.URL()+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-mock-tenant", "tokened")
		req.Header.Set("x-sandbox-token", token)
		resp, err := httpClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}
	ctlHeader("/__webhooks/subscribe", map[string]any{"integration_id": seed.RepairerIntegrationID, "url": a.URL() + "/__webhooks/sink"})
	clientOf(t, a.URL(), "tokened", sandbox.Repairer).ok("repairer.jobs.insert", map[string]any{
		"data":     map[string]any{"claim_number": nil, "job_number": nil, "repairer_site_id": seed.AddingtonSiteID, "vehicle": nil, "work_provider_id": nil},
		"identity": map[string]any{"external": "TOKEN-1"}, "if_": map[string]any{"exists": "update"}}, nil)
	waitFor(t, "the delivery to reach the sink", func() bool {
		status, b := call("GET", "/__webhooks/sink", "x-sandbox-token", token)
		return status == 200 && bytes.Contains(b, []byte(`"signature_valid":true`))
	})
}

// TestPreloadKeepsNothing: tier1.vehicles.preload answers every good call
// and stores nothing, however often it is called.
func TestPreloadKeepsNothing(t *testing.T) {
	t.Parallel()
	url := pgtest.New(t)
	a := startApp(t, apptest.Config(func(c *app.Config) { c.DatabaseURL = url }))
	rep := clientOf(t, a.URL(), "preload", sandbox.Repairer)
	rep.ok("repairer.jobs.get", demoJob, nil) // the world exists
	// rows counts the world's rows in every table but the journal's.
	rows := func() int64 {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		tables, err := conn.Query(ctx, `SELECT table_name FROM information_schema.columns
			WHERE column_name = 'tenant' AND table_schema = 'public' AND table_name NOT IN ('journal', 'coverage')`)
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(tables, pgx.RowTo[string])
		if err != nil || len(names) < 10 {
			t.Fatalf("tables %v %v", names, err)
		}
		var total int64
		for _, name := range names {
			var n int64
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+name+` WHERE tenant = 'preload'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			total += n
		}
		return total
	}
	before := rows()
	ids := repeat(map[string]any{"vrm": map[string]any{"plate": "NKR419", "location": map[string]any{"country": "NZ"}}}, 100)
	for range 20 {
		rep.ok("tier1.vehicles.preload", map[string]any{"identifiers": ids}, nil)
	}
	if after := rows(); after != before {
		t.Fatalf("2,000 preloaded identifiers added %d rows", after-before)
	}
}

// TestJobsListPages: repairer.jobs.list answers a page at a time, the same
// as before for a small world (every job, next_cursor null), and its
// cursor walks every job once, in order.
func TestJobsListPages(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		rep := clientOf(t, a.URL(), "job-pages", sandbox.Repairer)
		type page struct {
			Items      []methods.JobV1 `json:"items"`
			NextCursor *string         `json:"next_cursor"`
		}
		var small page
		rep.ok("repairer.jobs.list", map[string]any{}, &small)
		if len(small.Items) != 1 || small.NextCursor != nil {
			t.Fatalf("a small world: %+v", small)
		}
		for i := range 54 {
			rep.ok("repairer.jobs.insert", map[string]any{
				"data":     map[string]any{"repairer_site_id": seed.AddingtonSiteID},
				"identity": map[string]any{"external": fmt.Sprintf("PAGE-%02d", i)},
				"if_":      map[string]any{"exists": "update"},
			}, nil)
		}
		var first page
		rep.ok("repairer.jobs.list", map[string]any{}, &first)
		if len(first.Items) != methods.JobsPage || first.NextCursor == nil {
			t.Fatalf("default page: %d items, next %v", len(first.Items), first.NextCursor)
		}
		seen := map[uuid.UUID]bool{}
		var order []string
		var cursor any
		for range 20 {
			var p page
			rep.ok("repairer.jobs.list", map[string]any{"limit": 7, "cursor": cursor}, &p)
			for _, j := range p.Items {
				if seen[j.ID] {
					t.Fatalf("job %s twice", j.ID)
				}
				seen[j.ID] = true
				if j.ExternalID != nil {
					order = append(order, *j.ExternalID)
				}
			}
			if p.NextCursor == nil {
				break
			}
			cursor = *p.NextCursor
		}
		if len(seen) != 55 || order[0] != "PAGE-53" || order[52] != "PAGE-01" {
			t.Fatalf("walked %d jobs: %v", len(seen), order)
		}
		rep.fails("repairer.jobs.list", map[string]any{"cursor": "not-a-cursor"}, http.StatusBadRequest, "bad_request")
		rep.fails("repairer.jobs.list", map[string]any{"limit": 201}, http.StatusBadRequest, "bad_request")
		rep.fails("repairer.jobs.list", map[string]any{"limit": 0}, http.StatusBadRequest, "bad_request")
	})
}

// TestJournalAnswerIsBounded: however large the calls, one journal answer
// holds at most controls.MaxJournalAnswer of bodies, the newest entries,
// and says how many older ones it left out.
func TestJournalAnswerIsBounded(t *testing.T) {
	t.Parallel()
	a := startApp(t, app.DefaultConfig())
	const tenant = "big-journal"
	body := `{"pad":"` + strings.Repeat("x", 15<<10) + `"}`
	c := clientOf(t, a.URL(), tenant, sandbox.Repairer)
	for range 700 { // 700 × 15 KiB of request bodies alone: over 8 MiB
		c.raw(http.MethodPost, "businesses.list", []byte(body))
	}
	var j struct {
		Items []struct {
			RequestBody string `json:"request_body"`
		}
		Omitted int
	}
	ctlOK(t, a.URL(), tenant, "GET /__journal", "", nil, &j)
	size := 0
	for _, e := range j.Items {
		size += len(e.RequestBody)
	}
	if size > controls.MaxJournalAnswer || j.Omitted == 0 || len(j.Items)+j.Omitted != 700 {
		t.Fatalf("%d entries of %d bytes, %d omitted", len(j.Items), size, j.Omitted)
	}
}
