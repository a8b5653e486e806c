package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/sandbox"
)

// chromiumPath is Debian's Chromium, which .ci/run installs. Without it the
// browser test is skipped on a developer's machine, but fails in CI: a
// silently skipped test there would pass without having run.
func chromiumPath(t *testing.T) string {
	t.Helper()
	const path = "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the browser test needs %s in CI (.ci/run installs it): %v", path, err)
		}
		t.Skipf("no %s (apt-get install chromium) — skipping the browser test", path)
	}
	return path
}

// TestInstallInBrowser is the whole install flow as a user and an
// integration live it: a real headless Chromium opens the authorize URL,
// the user picks an organization and approves, the browser lands on the
// integration's callback with a code, and the integration exchanges it for
// a key that reads that organization's businesses. Page scripts are off: the
// consent page must work without JavaScript.
func TestInstallInBrowser(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	srv := sandbox.Start(t)
	const tenant = "browser-install"

	// The integration's callback server: it records the query it is sent
	// back with and shows a page the browser can wait for.
	back := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		select {
		case back <- r.URL.Query():
		default:
		}
		fmt.Fprint(w, `<!doctype html><title>Installed</title><p id="done">Back in the application.</p>`)
	}))
	defer cb.Close()
	redirect := cb.URL + "/callback"

	anon := newClient(t, srv, tenant, sandbox.Credential{}).anonymous()
	if status, b := ctl(t, srv.URL, tenant, "POST /__clients", "", map[string]any{
		"client_id": "browser_test_client", "client_secret": "browser-secret-42",
		"name": "Browser Test Estimating", "redirect_urls": []string{redirect},
	}); status != http.StatusOK {
		t.Fatalf("register the client: %d %s", status, b)
	}

	state := "state-" + fmt.Sprint(time.Now().UnixNano())
	authorize := srv.URL + "/auth/integration/authorize?" + url.Values{
		"client_id": {"browser_test_client"}, "state": {state}, "scopes": {`["repairer"]`},
		"redirect_url": {redirect}, "tenant": {tenant},
	}.Encode()

	ctx := newBrowser(t, chromium)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("browser: disable scripts: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(authorize)); err != nil {
		t.Fatalf("browser: open the consent page: %v", err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatalf("browser: read the heading: %v", err)
	}
	err = chromedp.Do(ctx,
		// Choose by clicking the label: it works only if the label is tied
		// to its radio button, as a screen reader needs it to be. The
		// organization is not the preselected one.
		chromedp.Click(`//label[normalize-space(.)="Southern Cross Panel & Paint"]`),
		chromedp.Click(chromedp.CSS(`button[value="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS("#done")),
	)
	if err != nil {
		t.Fatalf("browser: approve: %v", err)
	}
	landed, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("browser: location: %v", err)
	}
	if heading != "Install “Browser Test Estimating”" {
		t.Fatalf("the consent page's heading is %q", heading)
	}
	var q url.Values
	select {
	case q = <-back:
	case <-ctx.Done():
		t.Fatal("the callback was never called")
	}
	if q.Get("state") != state || q.Has("error") {
		t.Fatalf("landed on %s, want state %s and no error", landed, state)
	}

	var creds methods.IntegrationsInsertResponse
	anon.ok("integrations.insert", map[string]string{
		"client_id": "browser_test_client", "client_secret": "browser-secret-42", "access_code": q.Get("access_code"),
	}, &creds)
	installed := anon.as(sandbox.Credential{APIKey: creds.APIKey, IntegrationID: creds.IntegrationID.String()})
	var businesses methods.ItemsV1[methods.BusinessV1]
	installed.ok("businesses.list", nil, &businesses)
	want := map[string]bool{seed.AddingtonSiteID.String(): true, seed.HornbySiteID.String(): true, seed.TimaruSiteID.String(): true}
	if len(businesses.Items) != len(want) {
		t.Fatalf("businesses.list: %+v, want the three sites of Southern Cross Panel & Paint", businesses.Items)
	}
	for _, b := range businesses.Items {
		if !want[b.ID.String()] || b.OrganizationID != seed.RepairerOrgID {
			t.Fatalf("businesses.list: %+v is not a site of the chosen organization", b)
		}
	}
	// The code was single use.
	anon.fails("integrations.insert", map[string]string{
		"client_id": "browser_test_client", "client_secret": "browser-secret-42", "access_code": q.Get("access_code"),
	}, http.StatusBadRequest, "invalid_access_code")
}

// newBrowser starts a headless Chromium for the length of the test, with
// one deadline for its whole life, so a wedged browser fails the test
// instead of hanging it.
func newBrowser(t *testing.T, chromium string, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	base, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	alloc, cancelAlloc := chromedp.NewExecAllocator(base, append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // Chromium refuses to run as root with its sandbox
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-proxy-server", true), // loopback only, whatever the environment says
		chromedp.UserDataDir(t.TempDir()),
	}, opts...)...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); cancel() })
	return ctx
}
