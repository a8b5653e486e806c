package main

// End-to-end tests of the client commands, trigger and listen, against a
// server started in the test.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/sandboxclient"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/webhooks"
	"github.com/partifact/mockserver/webhook"
)

// wire posts a wire method as the demo repairer in tenant and decodes a
// 200 answer into out.
func wire(t *testing.T, base, tenant, method string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+methods.PathPrefix+method, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+seed.RepairerAPIKey)
	req.Header.Set("Partly-Integration-ID", seed.RepairerIntegrationID.String())
	req.Header.Set("x-partifact-tenant", tenant)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", method, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
	}
}

// placeOrder places a procurement of the demo job's bumper cover and returns
// its id.
func placeOrder(t *testing.T, base, tenant string) string {
	t.Helper()
	job := map[string]any{"external": seed.DemoJobExternalID}
	wire(t, base, tenant, "repairer.jobs.parts.insert", map[string]any{"job": job,
		"parts": []any{map[string]any{"description": "Front bumper cover", "part_number": seed.BumperCoverPN, "quantity": 1}}}, nil)
	var basket struct {
		Offers []struct{ ID, SupplierID string }
	}
	wire(t, base, tenant, "repairer.jobs.baskets.latest.get", map[string]any{"job": job}, &basket)
	var p struct{ ID string }
	wire(t, base, tenant, "repairer.procurements.insert", map[string]any{"job": job, "offer_ids": []string{basket.Offers[0].ID}}, &p)
	return p.ID
}

func newJob(t *testing.T, base, tenant, external string) {
	t.Helper()
	wire(t, base, tenant, "repairer.jobs.insert", map[string]any{
		"identity": map[string]any{"external": external}, "if_": map[string]any{"exists": "update"},
		"data": map[string]any{"claim_number": nil, "job_number": nil, "repairer_site_id": seed.AddingtonSiteID,
			"vehicle": nil, "work_provider_id": nil}}, nil)
}

// runTrigger runs `mockserver trigger args…`.
func runTrigger(args ...string) (int, string, string) {
	var out, errs bytes.Buffer
	code := trigger(context.Background(), args, &out, &errs)
	return code, out.String(), errs.String()
}

func TestTrigger(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, app.DefaultConfig())
	const tenant = "trigger"
	at := []string{"--url", a.URL(), "--tenant", tenant}
	ctl := &sandboxclient.Client{BaseURL: a.URL(), Tenant: tenant}
	id := placeOrder(t, a.URL(), tenant)
	later := time.Now().Add(5 * time.Hour).UTC().Format(time.RFC3339)

	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout when it succeeds, in stderr when it fails
	}{
		{[]string{"procurement.confirm", "--id", id}, 0, "Procurement " + id + " is order_confirmed."},
		{[]string{"procurement.cancel", "--id", id}, 1, "mockserver trigger: 409 invalid_status: the record is order_confirmed"},
		{[]string{"procurement.confirm", "--id", uuid.NewString()}, 1, "404 not_found"},
		{[]string{"clock.advance", "2h"}, 0, "(2h0m0s ahead of the wall clock)."},
		{[]string{"clock"}, 0, "(2h0m0s ahead of the wall clock)."},
		{[]string{"clock.set", later}, 0, "Clock " + later[:len("2026-01-01T10")]},
		{[]string{"clock.set", "2020-01-01T00:00:00Z"}, 1, "400 bad_request: /set: the clock only moves forward"},
		{[]string{"clock.real"}, 0, "(the wall clock)."},
		{[]string{"fault", "--method", "repairer.jobs.get", "--error", "not_found", "--count", "2"}, 0,
			"partly repairer.jobs.get answers not_found (404) on the next 2 calls."},
		{[]string{"fault", "--method", "businesses.list", "--latency", "1500ms", "--probability", "0.5", "--api", "partly"}, 0,
			"partly businesses.list waits 1500 ms on every call until cleared, with probability 0.5."},
		{[]string{"fault", "--method", "supplier.procurements.confirm", "--error", "invalid_status", "--fields", `{"status":"cancelled"}`, "--status", "422"}, 0,
			"answers invalid_status (422)"},
		{[]string{"fault", "--method", "repairer.jobs.insert", "--status", "503", "--count", "1"}, 0, "answers bad_request (503) on the next call."},
		{[]string{"fault", "--method", "repairer.jobs.get", "--error", "no_such_variant"}, 1, "400 bad_request"},
		{[]string{"fault", "--method", "no.such.method", "--status", "500"}, 1, "400 bad_request: /method"},
	} {
		code, out, errs := runTrigger(append(tc.args, at...)...)
		got := out
		if tc.code != 0 {
			got = errs
		}
		if code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("trigger %v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, out, errs, tc.code, tc.want)
		}
	}

	faults, err := ctl.Faults(context.Background())
	if err != nil || len(faults) != 4 || *faults[0].Remaining != 2 || faults[1].LatencyMS != 1500 || *faults[2].Status != 422 || *faults[3].Remaining != 1 {
		t.Fatalf("faults set: %+v %v", faults, err)
	}
	if code, out, _ := runTrigger(append([]string{"faults.clear"}, at...)...); code != 0 || out != "Every fault of world \"trigger\" is cleared.\n" {
		t.Fatalf("faults.clear: %d %q", code, out)
	}
	if faults, _ := ctl.Faults(context.Background()); len(faults) != 0 {
		t.Fatalf("faults after clearing: %+v", faults)
	}

	// --json prints the server's answer as it is.
	code, out, _ := runTrigger(append([]string{"clock", "--json"}, at...)...)
	var clock map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &clock) != nil || clock["real"] != true {
		t.Fatalf("clock --json: %d %q", code, out)
	}

	// reset: the procurement is gone with the rest of the world.
	if code, out, _ := runTrigger(append([]string{"reset"}, at...)...); code != 0 || out != "World \"trigger\" is seeded afresh.\n" {
		t.Fatalf("reset: %d %q", code, out)
	}
	if code, _, errs := runTrigger(append([]string{"procurement.confirm", "--id", id}, at...)...); code != 1 || !strings.Contains(errs, "404 not_found") {
		t.Fatalf("confirm after reset: %d %q", code, errs)
	}
	// Without --tenant, the shared world; flags and arguments in any order.
	if code, out, _ := runTrigger("clock.advance", "--url", a.URL(), "1h"); code != 0 || !strings.Contains(out, "1h0m0s ahead") {
		t.Fatalf("shared world: %d %q", code, out)
	}
	if c, err := (&sandboxclient.Client{BaseURL: a.URL()}).Clock(context.Background()); err != nil || c.Offset != time.Hour {
		t.Fatalf("the shared world's clock: %+v %v", c, err)
	}
}

// MOCKSERVER_URL and MOCKSERVER_TENANT stand for the flags, which win.
func TestTriggerEnvironment(t *testing.T) {
	a := apptest.Start(t, app.DefaultConfig())
	t.Setenv("MOCKSERVER_URL", a.URL())
	t.Setenv("MOCKSERVER_TENANT", "from-env")
	if code, out, errs := runTrigger("clock.advance", "3h"); code != 0 || !strings.Contains(out, "3h0m0s") {
		t.Fatalf("from the environment: %d %q %q", code, out, errs)
	}
	if code, _, errs := runTrigger("clock.advance", "1h", "--tenant", "from-flag"); code != 0 {
		t.Fatalf("flag over the environment: %d %q", code, errs)
	}
	for tenant, want := range map[string]time.Duration{"from-env": 3 * time.Hour, "from-flag": time.Hour} {
		if c, err := (&sandboxclient.Client{BaseURL: a.URL(), Tenant: tenant}).Clock(context.Background()); err != nil || c.Offset != want {
			t.Errorf("world %s: %+v %v, want offset %v", tenant, c, err, want)
		}
	}
	t.Setenv("MOCKSERVER_TENANT", "Not A Tenant")
	if code, _, errs := runTrigger("clock"); code != 2 || !strings.Contains(errs, `MOCKSERVER_TENANT="Not A Tenant": want a tenant name`) {
		t.Fatalf("a bad MOCKSERVER_TENANT: %d %q", code, errs)
	}
}

// Bad usage exits 2 with a message saying what is wrong.
func TestClientUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"trigger"}, "which event? one of clock, clock.advance"},
		{[]string{"trigger", "nope"}, `unknown event "nope"`},
		{[]string{"trigger", "--tenant", "t", "reset"}, `the event comes first`},
		{[]string{"trigger", "procurement.confirm"}, "procurement.confirm needs --id"},
		{[]string{"trigger", "procurement.cancel", "--id", "42"}, `--id "42": want a procurement id`},
		{[]string{"trigger", "clock.advance"}, "clock.advance takes DURATION"},
		{[]string{"trigger", "clock.advance", "1h", "2h"}, "clock.advance takes DURATION"},
		{[]string{"trigger", "clock.advance", "soon"}, `clock.advance "soon": want a duration`},
		{[]string{"trigger", "clock.advance", "--", "-1h"}, `clock.advance "-1h": want a duration that is not negative`},
		{[]string{"trigger", "clock.set", "tomorrow"}, "want an RFC 3339 time"},
		{[]string{"trigger", "reset", "now"}, `reset takes no argument, got "now"`},
		{[]string{"trigger", "fault"}, "fault needs --method"},
		{[]string{"trigger", "fault", "--method", "m", "--fields", "[1]"}, "--fields \"[1]\": want a JSON object"},
		{[]string{"trigger", "fault", "--method", "m", "--count", "two"}, `invalid value "two" for flag -count: want a whole number`},
		{[]string{"trigger", "fault", "--method", "m", "--latency", "-1s"}, "want a duration"},
		{[]string{"trigger", "reset", "--url", "localhost:8080"}, "want an absolute http or https URL like http://localhost:8080"},
		{[]string{"trigger", "reset", "--tenant", "Upper"}, "want a tenant name of 1 to 64 characters"},
		{[]string{"trigger", "reset", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"listen"}, "--forward-to is required"},
		{[]string{"listen", "--forward-to", "ftp://host/x"}, "want an absolute http or https URL like http://localhost:4000/webhooks"},
		{[]string{"listen", "--forward-to", "http://localhost:4000", "--integration-id", "42"}, `--integration-id "42": want an integration id`},
		{[]string{"listen", "--forward-to", "http://localhost:4000", "extra"}, `unexpected argument "extra"`},
	} {
		var errs bytes.Buffer
		if code := run(tc.args, &errs); code != 2 || !strings.Contains(errs.String(), tc.want) || !strings.Contains(errs.String(), "--help") {
			t.Errorf("%v: exit %d, said %q; want exit 2 saying %q and where the usage is", tc.args, code, errs.String(), tc.want)
		}
	}
	for _, cmd := range []func(io.Writer) int{
		func(w io.Writer) int { return trigger(context.Background(), []string{"--help"}, w, io.Discard) },
		func(w io.Writer) int { return trigger(context.Background(), []string{"clock", "-h"}, w, io.Discard) },
		func(w io.Writer) int { return listen(context.Background(), []string{"--help"}, w, io.Discard) },
	} {
		var out bytes.Buffer
		if code := cmd(&out); code != 0 || !strings.Contains(out.String(), "usage: mockserver") ||
			!strings.Contains(out.String(), "MOCKSERVER_URL") || !strings.Contains(out.String(), "MOCKSERVER_TENANT") {
			t.Errorf("help: exit %d:\n%s", code, out.String())
		}
	}
}

// A server that is not there: exit 1, naming the URL.
func TestClientUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	ln.Close()
	if code, _, errs := runTrigger("reset", "--url", gone); code != 1 || !strings.Contains(errs, "cannot reach the server at "+gone) {
		t.Fatalf("trigger: %d %q", code, errs)
	}
	var errs bytes.Buffer
	if code := listen(context.Background(), []string{"--forward-to", "http://127.0.0.1:1/x", "--url", gone}, io.Discard, &errs); code != 1 ||
		!strings.Contains(errs.String(), "cannot reach the server at "+gone) {
		t.Fatalf("listen: %d %q", code, errs.String())
	}
}

type forwarded struct {
	path   string
	header http.Header
	body   []byte
}

// listen forwards the mock's deliveries to a local receiver that the mock
// itself never reaches: the receiver verifies them with the secret the
// command printed, as the host's receiver would.
func TestListenForwards(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, app.DefaultConfig())
	const tenant = "listen-cli"
	got := make(chan forwarded, 10)
	var answer sync.Mutex
	status := http.StatusOK
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- forwarded{r.URL.Path, r.Header.Clone(), b}
		answer.Lock()
		defer answer.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	out, errs := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- listen(ctx, []string{"--forward-to", rc.URL + "/hooks", "--url", a.URL(), "--tenant", tenant}, out, errs)
	}()
	secretLine := regexp.MustCompile(`Webhook secret: (pwh_[0-9a-f]{32})`)
	eventually(t, "listen printed the secret", func() bool { return secretLine.MatchString(out.String()) })
	secret := secretLine.FindStringSubmatch(out.String())[1]
	if !strings.Contains(out.String(), "Ready: forwarding the webhooks of integration "+seed.RepairerIntegrationID.String()+` in world "listen-cli" to `+rc.URL+"/hooks") {
		t.Fatalf("ready line: %q", out.String())
	}

	next := func() (forwarded, webhook.Envelope) {
		t.Helper()
		select {
		case f := <-got:
			env, err := webhook.Verify(secret, f.body, f.header.Get(webhook.SignatureHeader), time.Now())
			if err != nil {
				t.Fatalf("the forwarded delivery does not verify: %v\n%s", err, f.body)
			}
			return f, env
		case <-time.After(20 * time.Second):
			t.Fatalf("nothing was forwarded; stdout %q, stderr %q", out.String(), errs.String())
			return forwarded{}, webhook.Envelope{}
		}
	}
	newJob(t, a.URL(), tenant, "CLI-1")
	f, env := next()
	if f.path != "/hooks" || env.Type != "repairer.job.inserted" {
		t.Fatalf("forwarded %s %+v", f.path, env)
	}
	for name, want := range map[string]string{"Content-Type": "application/json", "User-Agent": webhooks.UserAgent, "X-Partifact-Tenant": tenant} {
		if f.header.Get(name) != want {
			t.Errorf("forwarded header %s: %q, want %q", name, f.header.Get(name), want)
		}
	}
	if f.header.Get("Accept-Encoding") != "" {
		t.Errorf("forwarded the server's HTTP client's Accept-Encoding")
	}
	eventually(t, "a line for the delivery", func() bool {
		return strings.Contains(out.String(), "  repairer.job.inserted  "+env.MessageID+"  -> 200 OK\n")
	})

	// What the receiver answers is printed, whatever it is.
	answer.Lock()
	status = http.StatusInternalServerError
	answer.Unlock()
	newJob(t, a.URL(), tenant, "CLI-2")
	_, env = next()
	eventually(t, "a line for the refused delivery", func() bool {
		return strings.Contains(out.String(), env.MessageID+"  -> 500 Internal Server Error\n")
	})
	answer.Lock()
	status = http.StatusOK
	answer.Unlock()

	// A reset closes the listener on the server: the command opens a new one.
	if err := (&sandboxclient.Client{BaseURL: a.URL(), Tenant: tenant}).Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a new listener", func() bool { return strings.Count(out.String(), "Webhook secret: ") == 2 })
	if !strings.Contains(errs.String(), "opening a new one") {
		t.Errorf("stderr %q does not say the listener was opened again", errs.String())
	}
	newJob(t, a.URL(), tenant, "CLI-3")
	if _, env := next(); env.Type != "repairer.job.inserted" {
		t.Fatalf("after the reset: %+v", env)
	}

	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("listen did not stop")
	}
	if !strings.HasSuffix(out.String(), "Stopped; the listener is closed.\n") {
		t.Fatalf("stdout %q", out.String())
	}
	var in struct{ Endpoints []any }
	if err := (&sandboxclient.Client{BaseURL: a.URL(), Tenant: tenant}).Do(context.Background(), http.MethodGet,
		"/__webhooks/integrations/"+seed.RepairerIntegrationID.String(), nil, &in); err != nil || len(in.Endpoints) != 0 {
		t.Fatalf("endpoints after stopping: %+v %v", in, err)
	}
}

func TestListenUnknownIntegration(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, app.DefaultConfig())
	var errs bytes.Buffer
	code := listen(context.Background(), []string{"--forward-to", "http://127.0.0.1:1/x", "--url", a.URL(),
		"--integration-id", uuid.NewString()}, io.Discard, &errs)
	if code != 1 || !strings.Contains(errs.String(), "400 unknown_integration") {
		t.Fatalf("exit %d: %q", code, errs.String())
	}
}

// Against a server with a sandbox token the commands need it; listen's
// deliveries reach the listener's inbox without it, as the sink's do.
func TestClientSandboxToken(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Config(func(c *app.Config) { c.SandboxToken = "s3cret-token" }))
	const tenant = "tokened-cli"
	if code, _, errs := runTrigger("reset", "--url", a.URL(), "--tenant", tenant); code != 1 || !strings.Contains(errs, "401 unauthorized") {
		t.Fatalf("without the token: %d %q", code, errs)
	}
	if code, out, errs := runTrigger("clock.advance", "1h", "--url", a.URL(), "--tenant", tenant, "--sandbox-token", "s3cret-token"); code != 0 ||
		!strings.Contains(out, "1h0m0s ahead") {
		t.Fatalf("with the token: %d %q %q", code, out, errs)
	}

	got := make(chan []byte, 1)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	t.Cleanup(rc.Close)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	out, errs := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- listen(ctx, []string{"--forward-to", rc.URL, "--url", a.URL(), "--tenant", tenant, "--sandbox-token", "s3cret-token"}, out, errs)
	}()
	eventually(t, "listen to start", func() bool { return strings.Contains(out.String(), "Webhook secret: ") })
	newJob(t, a.URL(), tenant, "TOKEN-1")
	select {
	case b := <-got:
		if !strings.Contains(string(b), `"type":"repairer.job.inserted"`) {
			t.Fatalf("forwarded %s", b)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("nothing forwarded; stdout %q, stderr %q", out.String(), errs.String())
	}
	stop()
	if code := <-done; code != 0 {
		t.Fatalf("listen: exit %d: %s", code, errs.String())
	}

	var errb bytes.Buffer
	if code := listen(context.Background(), []string{"--forward-to", rc.URL, "--url", a.URL()}, io.Discard, &errb); code != 1 ||
		!strings.Contains(errb.String(), "401 unauthorized") {
		t.Fatalf("listen without the token: %d %q", code, errb.String())
	}
}
