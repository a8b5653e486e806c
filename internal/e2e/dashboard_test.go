package e2e

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/sandbox"
)

// hostile is what a request may put in a record for the dashboard to show:
// it must be shown as text, never run.
const hostile = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">"'&`

// page is a browser's view of the dashboard over plain HTTP: it keeps
// cookies, sends Accept: text/html and does not follow redirects.
type page struct {
	t    testing.TB
	base string
	c    *http.Client
}

func newPage(t testing.TB, base string) *page {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &page{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (p *page) do(req *http.Request) (int, http.Header, string) {
	p.t.Helper()
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	resp, err := p.c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (p *page) get(path string) (int, string) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.base+path, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	status, _, body := p.do(req)
	return status, body
}

// world is a world's page, which must answer 200.
func (p *page) world(tenant string) string {
	p.t.Helper()
	status, body := p.get("/ui/world?tenant=" + tenant)
	if status != http.StatusOK {
		p.t.Fatalf("the page of %s: %d\n%s", tenant, status, body)
	}
	return body
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([0-9a-f]{32})"`)

// post submits a control's form, with the token of the world's page
// unless form sets one, and returns the status, the redirect and the page.
func (p *page) post(tenant string, form url.Values) (int, string, string) {
	p.t.Helper()
	if !form.Has("csrf_token") {
		m := csrfInput.FindStringSubmatch(p.world(tenant))
		if m == nil {
			p.t.Fatal("the world's page has no form with a CSRF token")
		}
		form.Set("csrf_token", m[1])
	}
	form.Set("tenant", tenant)
	req, err := http.NewRequest(http.MethodPost, p.base+"/ui/action", strings.NewReader(form.Encode()))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, h, body := p.do(req)
	return status, h.Get("Location"), body
}

// walkWithWebhooks subscribes the demo repairer to the built-in sink and
// walks the README in the world; it waits until the walk's deliveries are
// delivered and returns its procurement.
func walkWithWebhooks(t *testing.T, srv *sandbox.Server, tenant string) methods.ProcurementV1 {
	t.Helper()
	ctlOK(t, srv.URL, tenant, "POST /__webhooks/subscribe", "", map[string]any{
		"integration_id": seed.RepairerIntegrationID, "url": srv.URL + "/__webhooks/sink"}, nil)
	rep := newClient(t, srv, tenant, sandbox.Repairer)
	walkREADME(t, rep, rep.as(sandbox.Supplier))
	var procs methods.ItemsV1[methods.ProcurementV1]
	rep.as(sandbox.Supplier).ok("supplier.procurements.list", map[string]any{}, &procs)
	if len(procs.Items) != 1 {
		t.Fatalf("the walk made %d procurements", len(procs.Items))
	}
	waitDelivered(t, srv, tenant, 2) // the order requested and confirmed
	return procs.Items[0]
}

// addHostileJob opens a job whose claim and job numbers are markup, and
// waits for its repairer.job.inserted delivery.
func addHostileJob(t *testing.T, srv *sandbox.Server, tenant string) {
	t.Helper()
	newClient(t, srv, tenant, sandbox.Repairer).ok("repairer.jobs.insert", map[string]any{
		"data": map[string]any{"claim_number": hostile, "job_number": hostile, "repairer_site_id": seed.AddingtonSiteID,
			"vehicle": nil, "work_provider_id": nil},
		"identity": map[string]any{"external": "DASH-1"}, "if_": map[string]any{"exists": "update"},
	}, nil)
	waitDelivered(t, srv, tenant, 3)
}

// waitDelivered waits until the world has n deliveries, all delivered.
func waitDelivered(t *testing.T, srv *sandbox.Server, tenant string, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d deliveries delivered", n), func() bool {
		var log struct{ Items []struct{ Status string } }
		ctlOK(t, srv.URL, tenant, "GET /__webhooks/deliveries", "", nil, &log)
		return len(log.Items) == n && !slices.ContainsFunc(log.Items, func(d struct{ Status string }) bool { return d.Status != "delivered" })
	})
}

// TestDashboardShowsAWorld: after the README's walk, a world's page shows
// its job with parts, the procurement with lines and history, the invoice
// with its totals, every delivery with its attempts and the signature each
// was sent with, the journal and coverage; markup in a record is text; and
// no other world's page shows any of it.
func TestDashboardShowsAWorld(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL})
		const tenant = "dash-world"
		proc := walkWithWebhooks(t, srv, tenant)
		addHostileJob(t, srv, tenant)
		p := newPage(t, srv.URL)
		body := p.world(tenant)

		for what, want := range map[string]string{
			"the demo job":         `id="job-` + seed.DemoJobID.String() + `"`,
			"its parts":            "3 parts",
			"a part number":        seed.HeadlampLHPN,
			"the procurement":      `id="procurement-` + proc.ID.String() + `"`,
			"its status":           `data-status="order_confirmed"`,
			"its history":          "confirmed_at",
			"the confirm's events": "repairer.procurement.order_confirmed",
			"its subtotal":         "955.65 NZD",
			"the invoice's tax":    "143.35 NZD",
			"the invoice's total":  "1099.00 NZD",
			"the subscription":     srv.URL + "/__webhooks/sink",
			"the journal":          "repairer.procurements.invoices.list",
			"coverage":             "answers and webhook events exercised",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page does not show %s (%s)", what, want)
			}
		}
		// Every delivery, with each attempt's signature as the sink got it.
		var log struct {
			Items []struct {
				ID        string
				MessageID string `json:"message_id"`
			}
		}
		ctlOK(t, srv.URL, tenant, "GET /__webhooks/deliveries", "", nil, &log)
		var sink struct {
			Items []struct{ Headers map[string]string }
		}
		ctlOK(t, srv.URL, tenant, "GET /__webhooks/sink", "", nil, &sink)
		if len(sink.Items) != len(log.Items) {
			t.Fatalf("%d deliveries, %d received", len(log.Items), len(sink.Items))
		}
		for _, d := range log.Items {
			if !strings.Contains(body, `id="delivery-`+d.ID+`"`) || !strings.Contains(body, d.MessageID) {
				t.Errorf("delivery %s is not shown", d.ID)
			}
		}
		text := html.UnescapeString(body)
		for _, rec := range sink.Items {
			if sig := rec.Headers["partly-hmac-sha256"]; sig == "" || !strings.Contains(text, sig) {
				t.Errorf("the signature %q the sink got is not shown", sig)
			}
		}
		// Markup from a request is text.
		if strings.Contains(body, "<script>window") || strings.Contains(body, "<img src=x") {
			t.Error("markup from a request reached the page unescaped")
		}
		if !strings.Contains(body, html.EscapeString(hostile)) {
			t.Error("the hostile claim number is not shown as text")
		}

		// Another world's page shows none of it; the home page names both.
		other := p.world("dash-other")
		for _, leak := range []string{proc.ID.String(), "DASH-1", "1099.00", srv.URL + "/__webhooks/sink"} {
			if strings.Contains(other, leak) {
				t.Errorf("another world's page shows %q", leak)
			}
		}
		status, home := p.get("/")
		if status != http.StatusOK || !strings.Contains(home, `href="/ui/world?tenant=dash-world"`) ||
			!strings.Contains(home, `href="/ui/world?tenant=dash-other"`) || strings.Contains(home, proc.ID.String()) {
			t.Errorf("the home page (%d) does not list the worlds, or shows their records", status)
		}
	})
}

// TestDashboardControls: each control is a CSRF-checked form that calls its
// sandbox route; destructive ones need confirming; a route's refusal is
// shown with its status.
func TestDashboardControls(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL})
		const tenant = "dash-controls"
		proc := walkWithWebhooks(t, srv, tenant)
		addHostileJob(t, srv, tenant)
		p := newPage(t, srv.URL)
		procPath := "/__procurements/" + proc.ID.String()

		// Refused before anything is called.
		if status, _, _ := p.post(tenant, url.Values{"do": {"reset"}, "confirm": {"yes"}, "csrf_token": {strings.Repeat("0", 32)}}); status != http.StatusForbidden {
			t.Fatalf("a form with another token: %d, want 403", status)
		}
		// Destructive calls need confirming, whichever control makes them.
		for _, unconfirmed := range []url.Values{
			{"do": {"reset"}},
			{"do": {"faults-clear"}},
			{"do": {"journal-clear"}},
			{"do": {"route"}, "verb": {"POST"}, "path": {procPath + "/cancel"}},
			{"do": {"route"}, "verb": {"POST"}, "path": {"/__reset"}},
			{"do": {"route"}, "verb": {"DELETE"}, "path": {"/__journal"}},
			{"do": {"route"}, "verb": {"POST"}, "path": {procPath + "/cancel"}, "confirm": {"no"}},
		} {
			if status, _, body := p.post(tenant, unconfirmed); status != http.StatusBadRequest || !strings.Contains(body, "confirming") {
				t.Errorf("unconfirmed %v: %d, want 400 asking for confirmation", unconfirmed, status)
			}
		}
		for _, bad := range []url.Values{
			{"do": {"route"}, "verb": {"POST"}, "path": {"/api/2026-01/repairer.jobs.get"}},
			{"do": {"route"}, "verb": {"GET"}, "path": {"/__journal"}},
			{"do": {"route"}, "verb": {"POST"}, "path": {"/__webhooks/../api/2026-01/x"}},
			{"do": {"fault"}, "op": {"partly:no.such.method"}},
			{"do": {"launch"}},
		} {
			if status, _, _ := p.post(tenant, bad); status != http.StatusBadRequest {
				t.Errorf("%v: %d, want 400", bad, status)
			}
		}
		if p.world(tenant); !strings.Contains(p.world(tenant), proc.ID.String()) {
			t.Fatal("a refused control changed the world")
		}

		// A route's refusal is the page's status, with what it said.
		status, _, body := p.post(tenant, url.Values{"do": {"route"}, "verb": {"POST"}, "path": {procPath + "/cancel"}, "confirm": {"yes"}})
		if status != http.StatusConflict || !strings.Contains(body, `id="failure"`) || !strings.Contains(body, "invalid_status") {
			t.Fatalf("cancelling a confirmed procurement: %d\n%s", status, body)
		}
		status, _, body = p.post(tenant, url.Values{"do": {"clock"}, "advance": {"soon"}})
		if status != http.StatusBadRequest || !strings.Contains(body, "bad_request") {
			t.Fatalf("a bad duration: %d", status)
		}

		// Controls that work redirect to the page, which says so.
		ok := func(form url.Values) {
			t.Helper()
			status, loc, body := p.post(tenant, form)
			if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/world?") {
				t.Fatalf("%v: %d %s\n%s", form, status, loc, body)
			}
			if status, page := p.get(loc); status != http.StatusOK || !strings.Contains(page, `id="done"`) {
				t.Fatalf("%v: the page after it (%d) says nothing", form, status)
			}
		}
		ok(url.Values{"do": {"route"}, "verb": {"POST"}, "path": {procPath + "/confirm"}})
		ok(url.Values{"do": {"clock"}, "advance": {"20m"}})
		var clock struct{ Offset string }
		ctlOK(t, srv.URL, tenant, "GET /__clock", "", nil, &clock)
		if clock.Offset != "20m0s" {
			t.Fatalf("clock after advancing 20m: %+v", clock)
		}
		if !strings.Contains(p.world(tenant), "20m0s ahead") {
			t.Fatal("the page does not say the clock is ahead")
		}
		ok(url.Values{"do": {"clock-real"}})
		ctlOK(t, srv.URL, tenant, "GET /__clock", "", nil, &clock)
		if clock.Offset != "0s" {
			t.Fatalf("clock after going back to wall time: %+v", clock)
		}

		ok(url.Values{"do": {"fault"}, "op": {"partly:repairer.jobs.get"}, "error": {"not_found"}, "count": {"1"}})
		if !strings.Contains(p.world(tenant), `id="fault-`) {
			t.Fatal("the fault set is not shown")
		}
		rep := newClient(t, srv, tenant, sandbox.Repairer)
		rep.fails("repairer.jobs.get", demoJob, http.StatusNotFound, "not_found")
		rep.ok("repairer.jobs.get", demoJob, nil) // it was set for one call
		ok(url.Values{"do": {"fault"}, "op": {"partly:repairer.jobs.get"}, "latency_ms": {"1"}})
		ok(url.Values{"do": {"faults-clear"}, "confirm": {"yes"}})
		var faults struct{ Items []any }
		ctlOK(t, srv.URL, tenant, "GET /__faults", "", nil, &faults)
		if len(faults.Items) != 0 {
			t.Fatalf("faults after clearing: %v", faults.Items)
		}

		// Re-send a delivery: the replay route sends it once more.
		var log struct {
			Items []struct {
				ID       string
				Attempts int `json:"attempt_count"`
				Status   string
			}
		}
		ctlOK(t, srv.URL, tenant, "GET /__webhooks/deliveries", "", nil, &log)
		first := log.Items[0]
		ok(url.Values{"do": {"route"}, "verb": {"POST"}, "path": {"/__webhooks/deliveries/" + first.ID + "/replay"}})
		waitFor(t, "the re-sent delivery's second attempt", func() bool {
			ctlOK(t, srv.URL, tenant, "GET /__webhooks/deliveries", "", nil, &log)
			d := log.Items[0] // newest first, as before
			return d.ID == first.ID && d.Attempts == first.Attempts+1 && d.Status == "delivered"
		})

		ok(url.Values{"do": {"journal-clear"}, "confirm": {"yes"}})
		var journal struct{ Items []any }
		ctlOK(t, srv.URL, tenant, "GET /__journal", "", nil, &journal)
		if len(journal.Items) != 0 {
			t.Fatalf("journal after clearing: %d entries", len(journal.Items))
		}

		ok(url.Values{"do": {"reset"}, "confirm": {"yes"}})
		after := p.world(tenant)
		for _, gone := range []string{proc.ID.String(), "DASH-1", `id="delivery-`, `id="invoice-`} {
			if strings.Contains(after, gone) {
				t.Errorf("after the reset the page still shows %q", gone)
			}
		}
		if !strings.Contains(after, `id="job-`+seed.DemoJobID.String()+`"`) {
			t.Error("after the reset the seeded demo job is not shown")
		}
	})
}

// TestDashboardAtRoot: / is the home page for browsers only; for any other
// client it answers as every path of no route does, in the Partly shape.
func TestDashboardAtRoot(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	call := func(verb, path, accept string) (int, string, string) {
		req, err := http.NewRequest(verb, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	wantStatus, wantType, wantBody := call(http.MethodGet, "/no-such-path", "")
	if wantStatus != http.StatusNotFound || wantType != "application/json" {
		t.Fatalf("an unknown path: %d %s %s", wantStatus, wantType, wantBody)
	}
	for _, c := range []struct{ verb, accept string }{
		{http.MethodGet, ""}, {http.MethodGet, "*/*"}, {http.MethodGet, "application/json"},
		{http.MethodPost, "text/html"}, {http.MethodDelete, ""},
	} {
		status, typ, body := call(c.verb, "/", c.accept)
		if status != wantStatus || typ != wantType || body != wantBody {
			t.Errorf("%s / (Accept %q): %d %s %s, want the unknown path's answer", c.verb, c.accept, status, typ, body)
		}
	}
	for _, path := range []string{"/", "/ui/"} {
		status, typ, body := call(http.MethodGet, path, "text/html,*/*;q=0.8")
		if status != http.StatusOK || typ != "text/html; charset=utf-8" || !strings.Contains(body, "Demo credentials") {
			t.Errorf("GET %s from a browser: %d %s", path, status, typ)
		}
	}
	if status, typ, _ := call(http.MethodGet, "/ui/", "application/json"); status != http.StatusOK || !strings.HasPrefix(typ, "text/html") {
		t.Errorf("/ui/ is the dashboard whatever the client accepts: %d %s", status, typ)
	}
	if status, typ, _ := call(http.MethodGet, "/ui/nothing-here", ""); status != http.StatusNotFound || !strings.HasPrefix(typ, "text/html") {
		t.Errorf("an unknown page under /ui/: %d %s", status, typ)
	}
}

// TestDashboardLinks: every link of the home page answers, with and
// without the sandbox routes; without them the home page shows no world
// and no control, and nothing under /ui/ but the home page is served.
func TestDashboardLinks(t *testing.T) {
	t.Parallel()
	href := regexp.MustCompile(`href="(/[^"#]*)"`)
	for _, noSandbox := range []bool{false, true} {
		t.Run(fmt.Sprintf("sandbox=%v", !noSandbox), func(t *testing.T) {
			t.Parallel()
			a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.NoSandboxRoutes = noSandbox }))
			p := newPage(t, a.URL())
			status, home := p.get("/")
			if status != http.StatusOK {
				t.Fatalf("home: %d", status)
			}
			// The walk-through, and the demo credentials of every API.
			for _, want := range []string{`href="/ui/walkthrough"`, seed.RepairerAPIKey, seed.PartageDemoToken, seed.PartageOtherToken,
				sm.DemoUsername, sm.DemoPassword} {
				if !strings.Contains(home, want) {
					t.Errorf("the home page has no %s", want)
				}
			}
			links := href.FindAllStringSubmatch(home, -1)
			if len(links) < 8 {
				t.Fatalf("the home page has %d links", len(links))
			}
			for _, l := range links {
				target := html.UnescapeString(l[1])
				if status, _ := p.get(target); status != http.StatusOK {
					t.Errorf("the home page links %s, which answers %d", target, status)
				}
			}
			if !noSandbox {
				return
			}
			_, walk := p.get("/ui/walkthrough")
			for _, leak := range []string{"/__", `id="worlds"`, "/ui/world"} {
				if strings.Contains(home, leak) {
					t.Errorf("without the sandbox routes the home page mentions %q", leak)
				}
				if strings.Contains(walk, leak) {
					t.Errorf("without the sandbox routes the walk-through mentions %q", leak)
				}
			}
			for _, path := range []string{"/ui/world?tenant=x", "/ui/events?tenant=x"} {
				if status, _ := p.get(path); status != http.StatusNotFound {
					t.Errorf("without the sandbox routes %s answers %d", path, status)
				}
			}
			req, _ := http.NewRequest(http.MethodPost, a.URL()+"/ui/action", strings.NewReader("do=reset&confirm=yes"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if status, _, _ := p.do(req); status == http.StatusSeeOther || status == http.StatusOK {
				t.Errorf("without the sandbox routes a control answers %d", status)
			}
		})
	}
}

// TestDashboardSandboxToken: with --sandbox-token, the worlds, their pages
// and the controls need the token, given once in a form; the controls then
// pass it to the sandbox routes they call.
func TestDashboardSandboxToken(t *testing.T) {
	t.Parallel()
	const token = "dashboard-s3cret"
	a := startApp(t, apptest.Config(func(c *app.Config) { c.SandboxToken = token }))
	p := newPage(t, a.URL())
	if status, body := p.get("/ui/world?tenant=locked"); status != http.StatusUnauthorized || !strings.Contains(body, `action="/ui/token"`) {
		t.Fatalf("a world's page without the token: %d\n%s", status, body)
	}
	if _, body := p.get("/ui/"); strings.Contains(body, "/ui/world?tenant=") || !strings.Contains(body, "/ui/token") {
		t.Fatalf("the home page lists worlds without the token:\n%s", body)
	}
	unlock := func(given string) int {
		_, body := p.get("/ui/token")
		m := csrfInput.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the token page has no CSRF token:\n%s", body)
		}
		form := url.Values{"csrf_token": {m[1]}, "token": {given}}
		req, _ := http.NewRequest(http.MethodPost, a.URL()+"/ui/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		status, _, _ := p.do(req)
		return status
	}
	if status := unlock("wrong"); status != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %d", status)
	}
	if status, _ := p.get("/ui/world?tenant=locked"); status != http.StatusUnauthorized {
		t.Fatalf("a wrong token opened the sandbox: %d", status)
	}
	if status := unlock(token); status != http.StatusSeeOther {
		t.Fatalf("the right token: %d", status)
	}
	p.world("locked")
	if status, loc, body := p.post("locked", url.Values{"do": {"reset"}, "confirm": {"yes"}}); status != http.StatusSeeOther {
		t.Fatalf("reset through the dashboard with the token: %d %s\n%s", status, loc, body)
	}
}
