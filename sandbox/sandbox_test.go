package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/sandbox"
	"github.com/partifact/mockserver/webhook"
)

// call sends a wire method as cred through the world's client; it returns
// the status and the answer.
func call(t *testing.T, srv *sandbox.Server, base string, cred sandbox.Credential, method string, body any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/api/2026-01/"+method, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+cred.APIKey)
	req.Header.Set("Partly-Integration-ID", cred.IntegrationID)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// ok is call that must answer 200, decoded into out.
func ok(t *testing.T, srv *sandbox.Server, cred sandbox.Credential, method string, body, out any) {
	t.Helper()
	status, b := call(t, srv, srv.URL, cred, method, body)
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", method, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

func insertJob(t *testing.T, srv *sandbox.Server, external, claim string) {
	t.Helper()
	ok(t, srv, sandbox.Repairer, "repairer.jobs.insert", map[string]any{
		"identity": map[string]any{"external": external}, "if_": map[string]any{"exists": "update"},
		"data": map[string]any{"claim_number": claim, "job_number": nil, "repairer_site_id": seed.AddingtonSiteID,
			"vehicle": nil, "work_provider_id": nil},
	}, nil)
}

// claimOf reads a job's claim number, "" when the world has no such job.
func claimOf(t *testing.T, srv *sandbox.Server, external string) string {
	t.Helper()
	status, b := call(t, srv, srv.URL, sandbox.Repairer, "repairer.jobs.get", map[string]any{"identity": map[string]any{"external": external}})
	if status == http.StatusNotFound {
		return ""
	}
	var job struct {
		ClaimNumber string `json:"claim_number"`
	}
	if status != http.StatusOK || json.Unmarshal(b, &job) != nil {
		t.Fatalf("repairer.jobs.get: %d %s", status, b)
	}
	return job.ClaimNumber
}

// placeOrder orders the demo job's bumper cover from Christchurch Toyota
// Parts and returns the procurement's id.
func placeOrder(t *testing.T, srv *sandbox.Server) string {
	t.Helper()
	demo := map[string]any{"external": seed.DemoJobExternalID}
	ok(t, srv, sandbox.Repairer, "repairer.jobs.parts.insert", map[string]any{"job": demo,
		"parts": []any{map[string]any{"description": "Front bumper cover", "part_number": seed.BumperCoverPN, "quantity": 1}}}, nil)
	var basket struct {
		Offers []struct {
			ID         string `json:"id"`
			SupplierID string `json:"supplier_id"`
		} `json:"offers"`
	}
	ok(t, srv, sandbox.Repairer, "repairer.jobs.baskets.latest.get", map[string]any{"job": demo}, &basket)
	i := slices.IndexFunc(basket.Offers, func(o struct {
		ID         string `json:"id"`
		SupplierID string `json:"supplier_id"`
	}) bool {
		return o.SupplierID == seed.ChristchurchToyotaID.String()
	})
	if i < 0 {
		t.Fatalf("no offer of Christchurch Toyota Parts in %+v", basket)
	}
	var p struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	ok(t, srv, sandbox.Repairer, "repairer.procurements.insert", map[string]any{"job": demo, "offer_ids": []string{basket.Offers[i].ID}}, &p)
	if p.Status != "order_requested" {
		t.Fatalf("new procurement: %+v", p)
	}
	return p.ID
}

// Tests running in parallel each get a world of their own: records,
// journal, faults, clock and webhooks of one never show in another.
func TestParallelWorldsAreApart(t *testing.T) {
	t.Parallel()
	const n = 4
	for i := range n {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			srv := sandbox.Start(t)
			hooks := srv.Webhooks(t)
			claim := fmt.Sprintf("CLM-%d", i)
			if got := claimOf(t, srv, "APART-1"); got != "" {
				t.Fatalf("a fresh world has another test's job (claim %s)", got)
			}
			insertJob(t, srv, "APART-1", claim)
			srv.Fault(sandbox.Fault{Method: "repairer.jobs.list", Error: "not_found", Count: 1})
			clock := srv.AdvanceClock(time.Duration(i+1) * time.Hour)

			env := hooks.Wait(t, "repairer.job.inserted")
			var job struct {
				ClaimNumber string `json:"claim_number"`
			}
			if err := json.Unmarshal(env.Payload, &job); err != nil || job.ClaimNumber != claim {
				t.Fatalf("webhook of another world: %s", env.Payload)
			}
			if got := claimOf(t, srv, "APART-1"); got != claim {
				t.Fatalf("claim %q, want %q", got, claim)
			}
			if fs := srv.Faults(); len(fs) != 1 {
				t.Fatalf("faults %+v, want this world's one", fs)
			}
			if got := srv.Clock().Offset; got != clock.Offset || got != time.Duration(i+1)*time.Hour {
				t.Fatalf("clock offset %v, want %v", got, clock.Offset)
			}
			if js := srv.Journal(sandbox.JournalFilter{Method: "repairer.jobs.insert"}); len(js) != 1 {
				t.Fatalf("journal of jobs.insert: %d entries, want this world's 1", len(js))
			}
			// The other worlds' jobs, inserted meanwhile, send their
			// webhooks to their own receivers only.
			for _, env := range hooks.Received() {
				if err := json.Unmarshal(env.Payload, &job); err != nil || job.ClaimNumber != claim {
					t.Errorf("webhook of another world: %s", env.Payload)
				}
			}
		})
	}
}

// The world's URL selects the world by itself; ServerURL needs the
// tenant header; a request that names a world of its own keeps it.
func TestURLSelectsTheWorld(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	insertJob(t, srv, "URL-1", "CLM-URL")

	plain := &http.Client{Timeout: 10 * time.Second}
	get := func(base string, header map[string]string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/api/2026-01/repairer.jobs.get",
			strings.NewReader(`{"identity":{"external":"URL-1"}}`))
		req.Header.Set("Authorization", "Bearer "+sandbox.Repairer.APIKey)
		req.Header.Set("Partly-Integration-ID", sandbox.Repairer.IntegrationID)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name   string
		base   string
		header map[string]string
		want   int
	}{
		{"WorldURL", srv.URL, nil, http.StatusOK},
		{"ServerURLWithHeader", srv.ServerURL, map[string]string{sandbox.TenantHeader: srv.Tenant}, http.StatusOK},
		{"ServerURLWithShortHeader", srv.ServerURL, map[string]string{"x-mock-tenant": srv.Tenant}, http.StatusOK},
		{"ServerURLSharedWorld", srv.ServerURL, nil, http.StatusNotFound},
		{"WorldURLOtherWorld", srv.URL, map[string]string{sandbox.TenantHeader: srv.Tenant + "-other"}, http.StatusNotFound},
	} {
		if got := get(tc.base, tc.header); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	// A browser cannot send the header: the consent page opened at the
	// world's URL is the world's, and its form says so.
	consent := srv.URL + "/auth/integration/authorize?client_id=partly_client_demo&state=s1&scopes=%5B%22repairer%22%5D" +
		"&redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fcallback"
	resp, err := plain.Get(consent)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `name="tenant" value="`+srv.Tenant+`"`) {
		t.Fatalf("consent page: %d, want it in world %s:\n%s", resp.StatusCode, srv.Tenant, page)
	}

	// So is the dashboard's page of the world.
	resp, err = plain.Get(srv.URL + "/ui/world")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), srv.Tenant) {
		t.Fatalf("dashboard: %d, want the page of world %s:\n%s", resp.StatusCode, srv.Tenant, page)
	}

	// Client() sends the world's header, so it works on ServerURL too.
	if status, b := call(t, srv, srv.ServerURL, sandbox.Repairer, "repairer.jobs.get", map[string]any{"identity": map[string]any{"external": "URL-1"}}); status != http.StatusOK {
		t.Fatalf("Client() on ServerURL: %d %s", status, b)
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	insertJob(t, srv, "RESET-1", "CLM-R")
	srv.Fault(sandbox.Fault{Method: "repairer.jobs.list", Status: 503})
	srv.AdvanceClock(time.Hour)
	srv.Reset()
	if got := claimOf(t, srv, "RESET-1"); got != "" {
		t.Fatalf("the job outlived the reset (claim %s)", got)
	}
	if fs := srv.Faults(); len(fs) != 0 {
		t.Fatalf("faults after reset: %+v", fs)
	}
	if c := srv.Clock(); c.Offset != 0 {
		t.Fatalf("clock after reset: %+v", c)
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	if c := srv.Clock(); c.Offset != 0 || time.Since(c.Now).Abs() > time.Minute {
		t.Fatalf("a fresh world's clock: %+v", c)
	}
	if c := srv.AdvanceClock(2 * time.Hour); c.Offset != 2*time.Hour {
		t.Fatalf("advanced: %+v", c)
	}
	target := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	if c := srv.SetClock(target); c.Now.Sub(target).Abs() > time.Second || c.Offset < 47*time.Hour {
		t.Fatalf("set to %v: %+v", target, c)
	}
	if c := srv.RealClock(); c.Offset != 0 {
		t.Fatalf("back to real: %+v", c)
	}
}

func TestTriggersAndWebhooks(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	hooks := srv.Webhooks(t, sandbox.Repairer, sandbox.Supplier)
	id := placeOrder(t, srv)
	if env := hooks.Wait(t, "supplier.procurement.order_requested"); env.Object.ID != id || env.IntegrationID != sandbox.Supplier.IntegrationID {
		t.Fatalf("order_requested to the supplier: %+v", env)
	}

	p := srv.ConfirmAsSupplier(id)
	if p.ID != id || p.Status != "order_confirmed" || !json.Valid(p.JSON) {
		t.Fatalf("confirmed: %+v", p)
	}
	env := hooks.Wait(t, "repairer.procurement.order_confirmed")
	var payload struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(env.Payload, &payload); err != nil || env.Object.ID != id || payload.Status != "order_confirmed" {
		t.Fatalf("order_confirmed: %+v %s", env, env.Payload)
	}
	if env.IntegrationID != sandbox.Repairer.IntegrationID || hooks.Secret(env.IntegrationID) != seed.RepairerWebhookSecret {
		t.Fatalf("integration %s, secret %q", env.IntegrationID, hooks.Secret(env.IntegrationID))
	}
	hooks.Wait(t, "supplier.procurement.order_confirmed")

	// A second wait for the same type wants another message: none comes.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if env, err := hooks.WaitContext(ctx, "repairer.procurement.order_confirmed"); err == nil {
		t.Fatalf("a message was returned twice: %+v", env)
	}

	// Cancelling a confirmed procurement is refused: the helper fails the
	// test with the server's answer.
	if msg := fatal(t, func(tb testing.TB) { srv.For(tb).CancelProcurement(id) }); !strings.Contains(msg, "409 invalid_status") {
		t.Fatalf("cancel a confirmed procurement: %q", msg)
	}
	if msg := fatal(t, func(tb testing.TB) { sandbox.Start(tb).ConfirmAsSupplier(id) }); !strings.Contains(msg, "404 not_found") {
		t.Fatalf("confirm in another world: %q", msg)
	}

	// Cancel one still order_requested.
	srv.Reset()
	id = placeOrder(t, srv)
	hooks = srv.Webhooks(t) // the reset removed the endpoints
	if p := srv.CancelProcurement(id); p.Status != "cancelled" {
		t.Fatalf("cancelled: %+v", p)
	}
	if env := hooks.Wait(t, "repairer.procurement.cancelled"); env.Object.ID != id {
		t.Fatalf("cancelled: %+v", env)
	}
}

// fatal runs fn with a test double whose Fatalf ends fn and reports the
// message instead of failing t.
func fatal(t *testing.T, fn func(tb testing.TB)) string {
	t.Helper()
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	if f.msg == "" {
		t.Fatal("the helper did not fail the test")
	}
	return f.msg
}

type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// The receiver verifies every request: the mock's pass, forged, unsigned,
// malformed or unknown ones are answered 400 and never returned by Wait.
func TestWebhooksVerifySignatures(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	hooks := srv.Webhooks(t)
	insertJob(t, srv, "SIG-1", "CLM-S")
	real := hooks.Wait(t, "repairer.job.inserted")

	forge := func(secret string, env map[string]any, sign bool) int {
		t.Helper()
		b, _ := json.Marshal(env)
		req, _ := http.NewRequest(http.MethodPost, hooks.URL, bytes.NewReader(b))
		if sign {
			req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, b))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	envelope := func(integration string, ts time.Time) map[string]any {
		return map[string]any{"message_id": "6f1c0000-0000-4000-8000-0000000000ff", "type": "repairer.job.inserted",
			"timestamp": ts.UTC().Format(time.RFC3339), "api_version": "2026-01", "integration_id": integration,
			"attempt": 1, "object": map[string]any{"type": "job", "id": real.Object.ID}, "payload": map[string]any{}}
	}
	now := time.Now()
	for _, tc := range []struct {
		name string
		code int
	}{
		{"ErrForged", forge("pwh_00000000000000000000000000000000", envelope(sandbox.Repairer.IntegrationID, now), true)},
		{"ErrUnsigned", forge("", envelope(sandbox.Repairer.IntegrationID, now), false)},
		{"ErrStale", forge(seed.RepairerWebhookSecret, envelope(sandbox.Repairer.IntegrationID, now.Add(-10*time.Minute)), true)},
		{"ErrNotSubscribed", forge(seed.SupplierWebhookSecret, envelope(sandbox.Supplier.IntegrationID, now), true)},
	} {
		if tc.code != http.StatusBadRequest {
			t.Errorf("%s: answered %d, want 400", tc.name, tc.code)
		}
	}
	refused := hooks.Refused()
	if len(refused) != 4 {
		t.Fatalf("refused %d, want 4: %+v", len(refused), refused)
	}
	for i, want := range []error{webhook.ErrBadSignature, webhook.ErrMissingSignature, webhook.ErrStale} {
		if !errors.Is(refused[i].Err, want) {
			t.Errorf("refusal %d: %v, want %v", i, refused[i].Err, want)
		}
	}
	if !strings.Contains(refused[3].Err.Error(), "not subscribed") {
		t.Errorf("refusal 3: %v, want an integration it is not subscribed for", refused[3].Err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if env, err := hooks.WaitContext(ctx, "repairer.job.inserted"); err == nil {
		t.Fatalf("Wait returned a refused request: %+v", env)
	} else if !strings.Contains(err.Error(), "refused 4") {
		t.Fatalf("the failed wait does not say what was refused: %v", err)
	}
	if got := hooks.Received(); len(got) != 1 || got[0].MessageID != real.MessageID {
		t.Fatalf("received %+v, want the mock's one message", got)
	}
}

// Webhook timestamps follow the world's clock; the receiver judges them by
// it, so a test that moved the clock still gets its events.
func TestWebhooksOnAMovedClock(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	hooks := srv.Webhooks(t)
	srv.AdvanceClock(3 * time.Hour)
	insertJob(t, srv, "CLOCK-1", "CLM-C")
	env := hooks.Wait(t, "repairer.job.inserted")
	if d := time.Until(env.Timestamp); d < 2*time.Hour {
		t.Fatalf("timestamp %v is not on the moved clock", env.Timestamp)
	}
	if len(hooks.Refused()) != 0 {
		t.Fatalf("refused: %+v", hooks.Refused())
	}
}

func TestWaitTimesOut(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	hooks := srv.Webhooks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := hooks.WaitContext(ctx, "repairer.job.inserted")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no repairer.job.inserted webhook came") {
		t.Fatalf("err %v", err)
	}
}

func TestFaultsJournalCoverage(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	demo := map[string]any{"identity": map[string]any{"external": seed.DemoJobExternalID}}

	f := srv.Fault(sandbox.Fault{Method: "repairer.jobs.get", Error: "not_found", Count: 1})
	if f.ID == "" || f.API != "partly" || f.Method != "repairer.jobs.get" || f.Error != "not_found" || f.Status != 404 || f.Remaining != 1 {
		t.Fatalf("fault: %+v", f)
	}
	slow := srv.Fault(sandbox.Fault{API: "partly", Method: "businesses.list", Latency: 20 * time.Millisecond, Probability: 0.5})
	if slow.Latency != 20*time.Millisecond || slow.Probability != 0.5 || slow.Remaining != -1 || slow.Status != 0 {
		t.Fatalf("latency fault: %+v", slow)
	}
	if fs := srv.Faults(); len(fs) != 2 || fs[0] != f || fs[1] != slow {
		t.Fatalf("faults %+v", fs)
	}
	if status, b := call(t, srv, srv.URL, sandbox.Repairer, "repairer.jobs.get", demo); status != http.StatusNotFound {
		t.Fatalf("faulted call: %d %s", status, b)
	}
	ok(t, srv, sandbox.Repairer, "repairer.jobs.get", demo, nil)
	if fs := srv.Faults(); len(fs) != 1 || fs[0].ID != slow.ID {
		t.Fatalf("after the fault's one use: %+v", fs)
	}
	srv.ClearFaults()
	if fs := srv.Faults(); len(fs) != 0 {
		t.Fatalf("after clearing: %+v", fs)
	}
	if msg := fatal(t, func(tb testing.TB) {
		srv.For(tb).Fault(sandbox.Fault{Method: "repairer.jobs.get", Error: "no_such_variant"})
	}); !strings.Contains(msg, "400 bad_request") {
		t.Fatalf("a bad fault: %q", msg)
	}

	all := srv.Journal()
	if len(all) != 2 {
		t.Fatalf("journal: %+v", all)
	}
	first := all[0]
	if first.API != "partly" || first.Method != "repairer.jobs.get" || first.Status != 404 || first.IntegrationID != sandbox.Repairer.IntegrationID ||
		first.RequestID == "" || !strings.Contains(first.RequestBody, seed.DemoJobExternalID) || !strings.Contains(first.ResponseBody, "not_found") {
		t.Fatalf("journal entry: %+v", first)
	}
	if got := srv.Journal(sandbox.JournalFilter{Method: "repairer.jobs.get", Status: 200}); len(got) != 1 || got[0].Status != 200 {
		t.Fatalf("filtered journal: %+v", got)
	}
	if got := srv.Journal(sandbox.JournalFilter{Limit: 1}); len(got) != 1 || got[0].ID != all[1].ID {
		t.Fatalf("newest 1: %+v", got)
	}

	cov := srv.Coverage()
	count := func(method, variant string) int {
		for _, m := range cov.Methods {
			if m.API == "partly" && m.Method == method {
				for _, v := range m.Variants {
					if v.Name == variant {
						return v.Count
					}
				}
			}
		}
		return -1
	}
	if count("repairer.jobs.get", "200") != 1 || count("repairer.jobs.get", "not_found") != 1 || count("repairer.jobs.insert", "200") != 0 {
		t.Fatalf("coverage: %+v", cov)
	}
	missing := cov.Missing()
	if slices.Contains(missing, "partly repairer.jobs.get not_found") || !slices.Contains(missing, "partly repairer.jobs.insert 200") ||
		!slices.Contains(missing, "webhook repairer.job.inserted") || len(missing) != cov.Total-cov.Exercised || cov.Exercised != 2 {
		t.Fatalf("missing %v of %+v", missing, cov)
	}

	srv.ClearJournal()
	if got := srv.Journal(); len(got) != 0 {
		t.Fatalf("journal after clearing: %+v", got)
	}
}

// Options that change the configuration start a server of the test's own.
func TestDedicated(t *testing.T) {
	t.Parallel()
	shared, own := sandbox.Start(t), sandbox.Start(t, sandbox.Options{SupplierAutoConfirm: time.Minute})
	if own.ServerURL == shared.ServerURL || sandbox.Start(t).ServerURL != shared.ServerURL {
		t.Fatalf("shared %s, own %s", shared.ServerURL, own.ServerURL)
	}
	hooks := own.Webhooks(t)
	id := placeOrder(t, own)
	own.AdvanceClock(2 * time.Minute)
	if env := hooks.Wait(t, "repairer.procurement.order_confirmed"); env.Object.ID != id {
		t.Fatalf("auto-confirmed: %+v", env)
	}
}
