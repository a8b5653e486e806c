package methods_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
)

var (
	docOnce         sync.Once
	doc, sandboxDoc *spec.Doc
	docErr          error
)

// installEnv is a server on 127.0.0.1 over a memory store the test can
// reach directly (to move a tenant's clock).
type installEnv struct {
	t      *testing.T
	url    string
	st     store.Store
	doc    *spec.Doc // openapi.json and openapi-sandbox.json, by the paths they describe
	sbDoc  *spec.Doc
	client *http.Client // never follows redirects: where they go is the point
}

func newInstallEnv(t *testing.T) *installEnv {
	t.Helper()
	docOnce.Do(func() {
		if doc, docErr = spec.Load(); docErr == nil {
			sandboxDoc, docErr = spec.Parse("openapi-sandbox.json")
		}
	})
	if docErr != nil {
		t.Fatal(docErr)
	}
	a := apptest.Start(t, app.DefaultConfig())
	return &installEnv{t: t, url: a.URL(), st: a.Store(), doc: doc, sbDoc: sandboxDoc, client: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// answer is what a request got back.
type answer struct {
	status   int
	header   http.Header
	body     string
	location *url.URL
}

func (e *installEnv) do(req *http.Request) answer {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if loc := resp.Header.Get("Location"); loc != "" {
		if a.location, err = url.Parse(loc); err != nil {
			e.t.Fatalf("Location %q: %v", loc, err)
		}
	}
	return a
}

// page opens the consent page with a query and optional headers.
func (e *installEnv) page(q url.Values, header http.Header) answer {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+methods.AuthorizePath+"?"+q.Encode(), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return e.do(req)
}

// submit posts the consent form.
func (e *installEnv) submit(form url.Values, cookie *http.Cookie, header http.Header) answer {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+methods.AuthorizePath, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return e.do(req)
}

var inputPattern = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// consent opens a valid consent page and returns the form it would post
// (its hidden fields, approving the first organization) and its cookie.
func (e *installEnv) consent(q url.Values) (url.Values, *http.Cookie) {
	e.t.Helper()
	a := e.page(q, nil)
	if a.status != http.StatusOK {
		e.t.Fatalf("consent page: %d\n%s", a.status, a.body)
	}
	form := url.Values{}
	for _, m := range inputPattern.FindAllStringSubmatch(a.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	form.Set("decision", "approve")
	form.Set("organization_id", seed.OtherRepairerOrgID.String())
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if c.Name == "partly_install_csrf" {
			cookie = c
		}
	}
	if cookie == nil {
		e.t.Fatalf("consent page set no CSRF cookie: %v", a.header)
	}
	return form, &http.Cookie{Name: cookie.Name, Value: cookie.Value}
}

// postJSON posts to a sandbox route or a wire method and validates the
// answer against openapi.json: the 200 schema or the error union.
func (e *installEnv) postJSON(path, tenant string, body any) (int, []byte) {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, e.url+path, bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tenant != "" {
		req.Header.Set("x-mock-tenant", tenant)
	}
	a := e.do(req)
	e.checkJSON(path, a.status, []byte(a.body))
	return a.status, []byte(a.body)
}

func (e *installEnv) checkJSON(path string, status int, body []byte) {
	e.t.Helper()
	item := e.doc.Paths.Value(path)
	if item == nil {
		item = e.sbDoc.Paths.Value(path)
	}
	if item == nil || item.Post == nil {
		e.t.Fatalf("neither openapi.json nor openapi-sandbox.json has POST %s", path)
	}
	which := "default"
	if status == http.StatusOK {
		which = "200"
	}
	r := item.Post.Responses.Value(which)
	if r == nil || r.Value == nil || r.Value.Content.Get("application/json") == nil {
		e.t.Fatalf("POST %s: openapi.json has no JSON %s response", path, which)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		e.t.Fatalf("POST %s: %d answer is not JSON: %s", path, status, body)
	}
	if p := spec.Validate(r.Value.Content.Get("application/json").Schema.Value, v, false); len(p) > 0 {
		e.t.Fatalf("POST %s: %d answer does not match its %s schema: %v\n%s", path, status, which, p, body)
	}
}

// wantError requires a status and error type.
func wantError(t *testing.T, status int, body []byte, wantStatus int, wantType string) {
	t.Helper()
	var v struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &v); err != nil || status != wantStatus || v.Type != wantType {
		t.Fatalf("got %d %s, want %d %s", status, body, wantStatus, wantType)
	}
}

// mint asks /__access-codes for a code; org may be empty.
func (e *installEnv) mint(tenant, clientID, role, org string) string {
	e.t.Helper()
	body := map[string]any{"client_id": clientID, "scopes": []string{role}}
	if org != "" {
		body["organization_id"] = org
	}
	status, b := e.postJSON("/__access-codes", tenant, body)
	if status != http.StatusOK {
		e.t.Fatalf("mint: %d %s", status, b)
	}
	var c methods.AccessCodeV1
	if err := json.Unmarshal(b, &c); err != nil {
		e.t.Fatal(err)
	}
	return c.AccessCode
}

// exchange calls integrations.insert.
func (e *installEnv) exchange(tenant, clientID, secret, code string) (int, []byte) {
	e.t.Helper()
	return e.postJSON(methods.PathPrefix+"integrations.insert", tenant,
		map[string]string{"client_id": clientID, "client_secret": secret, "access_code": code})
}

type installed struct {
	APIKey        string `json:"api_key"`
	IntegrationID string `json:"integration_id"`
}

// install exchanges a code and requires success.
func (e *installEnv) install(tenant, clientID, secret, code string) installed {
	e.t.Helper()
	status, b := e.exchange(tenant, clientID, secret, code)
	if status != http.StatusOK {
		e.t.Fatalf("integrations.insert: %d %s", status, b)
	}
	var in installed
	if err := json.Unmarshal(b, &in); err != nil {
		e.t.Fatal(err)
	}
	if !regexp.MustCompile(`^partly_[0-9a-f]{32}$`).MatchString(in.APIKey) {
		e.t.Fatalf("api key %q is not partly_<32hex>", in.APIKey)
	}
	return in
}

// call runs a wire method with a credential and returns status and body.
func (e *installEnv) call(tenant string, in installed, method string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+methods.PathPrefix+method, strings.NewReader("{}"))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+in.APIKey)
	req.Header.Set("Partly-Integration-ID", in.IntegrationID)
	if tenant != "" {
		req.Header.Set("x-mock-tenant", tenant)
	}
	a := e.do(req)
	return a.status, []byte(a.body)
}

// businessOrgs lists the organizations of the businesses the credential sees.
func (e *installEnv) businessOrgs(tenant string, in installed) map[string]bool {
	e.t.Helper()
	status, b := e.call(tenant, in, "businesses.list")
	if status != http.StatusOK {
		e.t.Fatalf("businesses.list: %d %s", status, b)
	}
	var list struct {
		Items []struct {
			OrganizationID string `json:"organization_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		e.t.Fatal(err)
	}
	orgs := map[string]bool{}
	for _, it := range list.Items {
		orgs[it.OrganizationID] = true
	}
	return orgs
}

// validQuery is an authorization request of the demo client.
func validQuery(tenant string) url.Values {
	q := url.Values{
		"client_id":    {seed.DemoClientID},
		"state":        {"st-8731"},
		"scopes":       {`["repairer"]`},
		"redirect_url": {"http://127.0.0.1:3000/callback"},
	}
	if tenant != "" {
		q.Set("tenant", tenant)
	}
	return q
}

func TestAuthorizePage(t *testing.T) {
	t.Parallel()
	e := newInstallEnv(t)
	if status, b := e.postJSON("/__clients", "elsewhere", map[string]any{"client_id": "elsewhere_client",
		"client_secret": "s3cret", "name": "Elsewhere", "redirect_urls": []string{"http://127.0.0.1:3000/callback"}}); status != http.StatusOK {
		t.Fatalf("register: %d %s", status, b)
	}
	with := func(change func(url.Values)) url.Values {
		q := validQuery("")
		change(q)
		return q
	}
	tests := []struct {
		name   string
		query  url.Values
		header http.Header
		want   int
		says   string // on the page
	}{
		{"OK", validQuery(""), nil, 200, "Harbour City Collision"},
		{"OKSupplier", with(func(q url.Values) { q.Set("scopes", `["supplier"]`) }), nil, 200, "Wellington Genuine Parts"},
		{"OKTenantParameter", validQuery("page-world"), nil, 200, "page-world"},
		{"OKTenantHeaderAgrees", validQuery("page-world"), http.Header{"X-Mock-Tenant": {"page-world"}}, 200, "page-world"},
		{"OKTenantHeaderOnly", validQuery(""), http.Header{"X-Mock-Tenant": {"header-world"}}, 200, "header-world"},
		{"ErrMissingClient", with(func(q url.Values) { q.Del("client_id") }), nil, 400, "client_id is missing"},
		{"ErrUnknownClient", with(func(q url.Values) { q.Set("client_id", "nobody") }), nil, 400, "No client &#34;nobody&#34;"},
		{"ErrClientOfAnotherWorld", with(func(q url.Values) { q.Set("client_id", "elsewhere_client") }), nil, 400, "No client"},
		{"ErrClientEscaped", with(func(q url.Values) { q.Set("client_id", "<script>x</script>") }), nil, 400, "&lt;script&gt;"},
		{"ErrTwoClients", with(func(q url.Values) { q.Add("client_id", "other") }), nil, 400, "more than once"},
		{"ErrMissingRedirect", with(func(q url.Values) { q.Del("redirect_url") }), nil, 400, "redirect_url is missing"},
		{"ErrUnregisteredRedirect", with(func(q url.Values) { q.Set("redirect_url", "https://evil.example/cb") }), nil, 400, "does not exactly match"},
		{"ErrRedirectTrailingSlash", with(func(q url.Values) { q.Set("redirect_url", "http://127.0.0.1:3000/callback/") }), nil, 400, "does not exactly match"},
		{"ErrRedirectExtraQuery", with(func(q url.Values) { q.Set("redirect_url", "http://127.0.0.1:3000/callback?next=/") }), nil, 400, "does not exactly match"},
		{"ErrRedirectOtherCase", with(func(q url.Values) { q.Set("redirect_url", "http://LOCALHOST:3000/callback") }), nil, 400, "does not exactly match"},
		{"ErrMissingState", with(func(q url.Values) { q.Del("state") }), nil, 400, "state is missing"},
		{"ErrEmptyState", with(func(q url.Values) { q.Set("state", "") }), nil, 400, "state is missing"},
		{"ErrLongState", with(func(q url.Values) { q.Set("state", strings.Repeat("s", 2049)) }), nil, 400, "longer than 2048"},
		{"ErrMissingScopes", with(func(q url.Values) { q.Del("scopes") }), nil, 400, "scopes must be exactly"},
		{"ErrScopesNotJSON", with(func(q url.Values) { q.Set("scopes", "repairer") }), nil, 400, "scopes must be exactly"},
		{"ErrScopesEmpty", with(func(q url.Values) { q.Set("scopes", "[]") }), nil, 400, "scopes must be exactly"},
		{"ErrScopesBoth", with(func(q url.Values) { q.Set("scopes", `["repairer","supplier"]`) }), nil, 400, "scopes must be exactly"},
		{"ErrScopesUnknown", with(func(q url.Values) { q.Set("scopes", `["admin"]`) }), nil, 400, "scopes must be exactly"},
		{"ErrScopesNotStrings", with(func(q url.Values) { q.Set("scopes", `[1]`) }), nil, 400, "scopes must be exactly"},
		{"ErrScopesObject", with(func(q url.Values) { q.Set("scopes", `{"repairer":true}`) }), nil, 400, "scopes must be exactly"},
		{"ErrBadTenant", validQuery("Not_A_Tenant!"), nil, 400, "name is 1 to 64 characters"},
		{"ErrBadTenantHeader", validQuery(""), http.Header{"X-Mock-Tenant": {"Not A Tenant"}}, 400, "tenant header is refused"},
		{"ErrTenantsDisagree", validQuery("page-world"), http.Header{"X-Mock-Tenant": {"other-world"}}, 400, "different worlds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := e.page(tt.query, tt.header)
			if a.status != tt.want || !strings.Contains(a.body, tt.says) {
				t.Fatalf("got %d, want %d saying %q:\n%s", a.status, tt.want, tt.says, a.body)
			}
			if a.location != nil {
				t.Fatalf("the page redirected to %s", a.location)
			}
			if ct := a.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Fatalf("Content-Type %q", ct)
			}
			if a.header.Get("X-Frame-Options") != "DENY" || !strings.Contains(a.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Fatalf("the page may be framed: %v", a.header)
			}
			if strings.Contains(a.body, "<script") || strings.Contains(a.body, "<link") || strings.Contains(a.body, "src=") {
				t.Fatalf("the page loads scripts or external assets:\n%s", a.body)
			}
			if a.status == http.StatusOK && strings.Contains(a.body, "Christchurch Toyota") == (tt.query.Get("scopes") == `["repairer"]`) {
				t.Fatalf("the organizations offered are not those of the role:\n%s", a.body)
			}
		})
	}
}

func TestAuthorizeDecide(t *testing.T) {
	t.Parallel()
	e := newInstallEnv(t)
	tests := []struct {
		name   string
		change func(form url.Values, cookie *http.Cookie) *http.Cookie // returns the cookie to send
		header http.Header
		want   int    // 302 or the error page's status
		says   string // on the error page, or the redirect's error parameter
	}{
		{"OKApprove", nil, nil, 302, ""},
		{"OKDeny", func(f url.Values, c *http.Cookie) *http.Cookie {
			f.Set("decision", "deny")
			f.Del("organization_id")
			return c
		}, nil, 302, "access_denied"},
		{"ErrNoCookie", func(url.Values, *http.Cookie) *http.Cookie { return nil }, nil, 403, "did not come from this consent page"},
		{"ErrNoToken", func(f url.Values, c *http.Cookie) *http.Cookie { f.Del("csrf_token"); return c }, nil, 403, "did not come from this consent page"},
		{"ErrTokenMismatch", func(f url.Values, c *http.Cookie) *http.Cookie {
			f.Set("csrf_token", strings.Repeat("0", 32))
			return c
		}, nil, 403, "did not come from this consent page"},
		{"ErrCookieMalformed", func(f url.Values, c *http.Cookie) *http.Cookie {
			f.Set("csrf_token", "x")
			return &http.Cookie{Name: c.Name, Value: "x"}
		}, nil, 403, "did not come from this consent page"},
		{"ErrRedirectTampered", func(f url.Values, c *http.Cookie) *http.Cookie {
			f.Set("redirect_url", "https://evil.example/cb")
			return c
		}, nil, 400, "does not exactly match"},
		{"ErrDenyRedirectTampered", func(f url.Values, c *http.Cookie) *http.Cookie {
			f.Set("decision", "deny")
			f.Set("redirect_url", "https://evil.example/cb")
			return c
		}, nil, 400, "does not exactly match"},
		{"ErrClientTampered", func(f url.Values, c *http.Cookie) *http.Cookie { f.Set("client_id", "nobody"); return c }, nil, 400, "No client"},
		{"ErrStateRemoved", func(f url.Values, c *http.Cookie) *http.Cookie { f.Del("state"); return c }, nil, 400, "state is missing"},
		{"ErrScopesTampered", func(f url.Values, c *http.Cookie) *http.Cookie { f.Set("scopes", `["admin"]`); return c }, nil, 400, "scopes must be exactly"},
		{"ErrOrganizationOfOtherRole", func(f url.Values, c *http.Cookie) *http.Cookie {
			f.Set("organization_id", seed.ChristchurchToyotaO.String())
			return c
		}, nil, 400, "not a repairer organization"},
		{"ErrOrganizationUnknown", func(f url.Values, c *http.Cookie) *http.Cookie {
			f.Set("organization_id", "0a000000-0000-4000-8000-0000000000ff")
			return c
		}, nil, 400, "not a repairer organization"},
		{"ErrOrganizationNotUUID", func(f url.Values, c *http.Cookie) *http.Cookie { f.Set("organization_id", "first"); return c }, nil, 400, "Choose the organization"},
		{"ErrOrganizationMissing", func(f url.Values, c *http.Cookie) *http.Cookie { f.Del("organization_id"); return c }, nil, 400, "Choose the organization"},
		{"ErrTwoOrganizations", func(f url.Values, c *http.Cookie) *http.Cookie {
			f.Add("organization_id", seed.RepairerOrgID.String())
			return c
		}, nil, 400, "more than once"},
		{"ErrDecisionMissing", func(f url.Values, c *http.Cookie) *http.Cookie { f.Del("decision"); return c }, nil, 400, "decision must be approve or deny"},
		{"ErrDecisionUnknown", func(f url.Values, c *http.Cookie) *http.Cookie { f.Set("decision", "maybe"); return c }, nil, 400, "decision must be approve or deny"},
		{"ErrBadTenant", func(f url.Values, c *http.Cookie) *http.Cookie { f.Set("tenant", "Bad Tenant"); return c }, nil, 400, "name is 1 to 64 characters"},
		{"ErrTenantsDisagree", nil, http.Header{"X-Mock-Tenant": {"other-world"}}, 400, "different worlds"},
		{"ErrFormTooLarge", func(f url.Values, c *http.Cookie) *http.Cookie {
			f.Set("padding", strings.Repeat("p", 70<<10))
			return c
		}, nil, 400, "could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tenant := "decide-" + strings.ToLower(tt.name)
			form, cookie := e.consent(validQuery(tenant))
			if tt.change != nil {
				cookie = tt.change(form, cookie)
			}
			a := e.submit(form, cookie, tt.header)
			if a.status != tt.want {
				t.Fatalf("got %d, want %d:\n%s", a.status, tt.want, a.body)
			}
			if tt.want != http.StatusFound {
				if a.location != nil || !strings.Contains(a.body, tt.says) {
					t.Fatalf("want an error page saying %q, no redirect; got Location %v:\n%s", tt.says, a.location, a.body)
				}
				return
			}
			back := a.location.Query()
			if a.location.Scheme+"://"+a.location.Host+a.location.Path != "http://127.0.0.1:3000/callback" || back.Get("state") != "st-8731" {
				t.Fatalf("redirect to %s", a.location)
			}
			if tt.says != "" {
				if back.Get("error") != tt.says || back.Has("access_code") {
					t.Fatalf("redirect to %s, want error=%s and no code", a.location, tt.says)
				}
				return
			}
			code := back.Get("access_code")
			if !regexp.MustCompile(`^ac_[0-9a-f]{32}$`).MatchString(code) || back.Has("error") {
				t.Fatalf("redirect to %s, want a fresh access code", a.location)
			}
			// The code belongs to the form's world and installs into the
			// organization chosen (not the page's first one).
			if status, b := e.exchange("", seed.DemoClientID, seed.DemoClientSecret, code); status != http.StatusBadRequest {
				t.Fatalf("the code worked in the shared world: %d %s", status, b)
			}
			in := e.install(tenant, seed.DemoClientID, seed.DemoClientSecret, code)
			if orgs := e.businessOrgs(tenant, in); len(orgs) != 1 || !orgs[seed.OtherRepairerOrgID.String()] {
				t.Fatalf("the new key sees businesses of %v, want only %s", orgs, seed.OtherRepairerOrgID)
			}
		})
	}
}

// TestAuthorizeKeepsRedirectQuery: the answer is added to a registered
// URL's own query, which is kept.
func TestAuthorizeKeepsRedirectQuery(t *testing.T) {
	t.Parallel()
	e := newInstallEnv(t)
	const tenant = "redirect-query"
	if status, b := e.postJSON("/__clients", tenant, map[string]any{"client_id": "acme", "client_secret": "acme-secret",
		"name": "Acme Estimating", "redirect_urls": []string{"https://acme.example/oauth?from=partly"}}); status != http.StatusOK {
		t.Fatalf("register: %d %s", status, b)
	}
	q := url.Values{"client_id": {"acme"}, "state": {"s1"}, "scopes": {`["supplier"]`},
		"redirect_url": {"https://acme.example/oauth?from=partly"}, "tenant": {tenant}}
	form, cookie := e.consent(q)
	if !strings.Contains(e.page(q, nil).body, "Acme Estimating") {
		t.Fatal("the page does not name the client")
	}
	form.Set("organization_id", seed.WellingtonGenuineO.String())
	a := e.submit(form, cookie, nil)
	if a.status != http.StatusFound {
		t.Fatalf("got %d:\n%s", a.status, a.body)
	}
	back := a.location.Query()
	if a.location.Host != "acme.example" || back.Get("from") != "partly" || back.Get("state") != "s1" || back.Get("access_code") == "" {
		t.Fatalf("redirect to %s", a.location)
	}
	in := e.install(tenant, "acme", "acme-secret", back.Get("access_code"))
	if orgs := e.businessOrgs(tenant, in); len(orgs) != 1 || !orgs[seed.WellingtonGenuineO.String()] {
		t.Fatalf("the new key sees businesses of %v", orgs)
	}
}

func TestIntegrationsInsert(t *testing.T) {
	t.Parallel()
	e := newInstallEnv(t)

	t.Run("OKRoleAndOrganization", func(t *testing.T) {
		t.Parallel()
		const tenant = "insert-ok"
		in := e.install(tenant, seed.DemoClientID, seed.DemoClientSecret, e.mint(tenant, seed.DemoClientID, "supplier", seed.CanterburyUsedOrg.String()))
		if orgs := e.businessOrgs(tenant, in); len(orgs) != 1 || !orgs[seed.CanterburyUsedOrg.String()] {
			t.Fatalf("the new key sees businesses of %v", orgs)
		}
		// A supplier credential works on supplier methods and nowhere else.
		if status, b := e.call(tenant, in, "supplier.procurements.list"); status != http.StatusOK {
			t.Fatalf("supplier.procurements.list: %d %s", status, b)
		}
		if status, b := e.call(tenant, in, "repairer.jobs.list"); status != http.StatusForbidden {
			t.Fatalf("repairer.jobs.list: %d %s, want 403", status, b)
		}
		// Each install mints a new pair.
		again := e.install(tenant, seed.DemoClientID, seed.DemoClientSecret, e.mint(tenant, seed.DemoClientID, "supplier", ""))
		if again.APIKey == in.APIKey || again.IntegrationID == in.IntegrationID {
			t.Fatalf("two installs share a credential: %+v %+v", in, again)
		}
	})

	t.Run("ErrReplayedCode", func(t *testing.T) {
		t.Parallel()
		const tenant = "insert-replay"
		code := e.mint(tenant, seed.DemoClientID, "repairer", "")
		e.install(tenant, seed.DemoClientID, seed.DemoClientSecret, code)
		status, b := e.exchange(tenant, seed.DemoClientID, seed.DemoClientSecret, code)
		wantError(t, status, b, http.StatusBadRequest, "invalid_access_code")
	})

	t.Run("ErrReplayedDemoCode", func(t *testing.T) {
		t.Parallel()
		const tenant = "insert-demo-replay"
		e.install(tenant, seed.DemoClientID, seed.DemoClientSecret, seed.DemoAccessCode)
		status, b := e.exchange(tenant, seed.DemoClientID, seed.DemoClientSecret, seed.DemoAccessCode)
		wantError(t, status, b, http.StatusBadRequest, "invalid_access_code")
	})

	t.Run("ErrExpiredCode", func(t *testing.T) {
		t.Parallel()
		const tenant = "insert-expired"
		fresh := e.mint(tenant, seed.DemoClientID, "repairer", "")
		expired := e.mint(tenant, seed.DemoClientID, "repairer", "")
		// The tenant's clock decides: 14 minutes on, a code still works…
		e.advance(tenant, 14*time.Minute)
		e.install(tenant, seed.DemoClientID, seed.DemoClientSecret, fresh)
		// …and 15 minutes after issue it has expired (the TTL is 15 minutes).
		e.advance(tenant, 15*time.Minute)
		status, b := e.exchange(tenant, seed.DemoClientID, seed.DemoClientSecret, expired)
		wantError(t, status, b, http.StatusBadRequest, "invalid_access_code")
		// The demo code never expires by age.
		e.install(tenant, seed.DemoClientID, seed.DemoClientSecret, seed.DemoAccessCode)
	})

	t.Run("ErrSecretMismatch", func(t *testing.T) {
		t.Parallel()
		const tenant = "insert-secret"
		code := e.mint(tenant, seed.DemoClientID, "repairer", "")
		for _, secret := range []string{"secret_demo_8f3b", "secret_demo_8f3", "secret_demo_8f3a ", "SECRET_DEMO_8F3A"} {
			status, b := e.exchange(tenant, seed.DemoClientID, secret, code)
			wantError(t, status, b, http.StatusUnauthorized, "invalid_client")
		}
		// A refused exchange does not use the code up.
		e.install(tenant, seed.DemoClientID, seed.DemoClientSecret, code)
	})

	t.Run("ErrUnknownClient", func(t *testing.T) {
		t.Parallel()
		status, b := e.exchange("insert-unknown", "nobody", "whatever", seed.DemoAccessCode)
		wantError(t, status, b, http.StatusUnauthorized, "invalid_client")
	})

	t.Run("ErrCodeOfAnotherClient", func(t *testing.T) {
		t.Parallel()
		const tenant = "insert-other-client"
		if status, b := e.postJSON("/__clients", tenant, map[string]any{"client_id": "acme", "client_secret": "acme-secret",
			"name": "Acme", "redirect_urls": []string{"http://localhost:4000/cb"}}); status != http.StatusOK {
			t.Fatalf("register: %d %s", status, b)
		}
		code := e.mint(tenant, seed.DemoClientID, "repairer", "")
		status, b := e.exchange(tenant, "acme", "acme-secret", code)
		wantError(t, status, b, http.StatusBadRequest, "invalid_access_code")
		e.install(tenant, seed.DemoClientID, seed.DemoClientSecret, code)
	})

	t.Run("ErrCodeOfAnotherWorld", func(t *testing.T) {
		t.Parallel()
		code := e.mint("insert-world-a", seed.DemoClientID, "repairer", "")
		status, b := e.exchange("insert-world-b", seed.DemoClientID, seed.DemoClientSecret, code)
		wantError(t, status, b, http.StatusBadRequest, "invalid_access_code")
	})

	t.Run("ErrUnknownCode", func(t *testing.T) {
		t.Parallel()
		status, b := e.exchange("insert-unknown-code", seed.DemoClientID, seed.DemoClientSecret, "ac_00000000000000000000000000000000")
		wantError(t, status, b, http.StatusBadRequest, "invalid_access_code")
	})

	t.Run("ErrMissingField", func(t *testing.T) {
		t.Parallel()
		status, b := e.postJSON(methods.PathPrefix+"integrations.insert", "insert-missing",
			map[string]string{"client_id": seed.DemoClientID, "client_secret": seed.DemoClientSecret})
		wantError(t, status, b, http.StatusBadRequest, "bad_request")
	})
}

// advance moves a tenant's clock to d ahead of the wall clock.
func (e *installEnv) advance(tenant string, d time.Duration) {
	e.t.Helper()
	if err := e.st.Update(context.Background(), tenant, func(tx store.Tx) error { return tx.SetClockOffset(d) }); err != nil {
		e.t.Fatal(err)
	}
}

// now reads a tenant's clock.
func (e *installEnv) now(tenant string) time.Time {
	e.t.Helper()
	var now time.Time
	if err := e.st.View(context.Background(), tenant, func(tx store.Tx) error { now = tx.Now(); return nil }); err != nil {
		e.t.Fatal(err)
	}
	return now
}

func TestSandboxClients(t *testing.T) {
	t.Parallel()
	e := newInstallEnv(t)
	valid := func(change func(map[string]any)) map[string]any {
		b := map[string]any{"client_id": "acme_estimating", "client_secret": "secret_acme_1234", "name": "Acme Estimating",
			"redirect_urls": []string{"http://localhost:4000/oauth/callback", "https://acme.example/cb?x=1"}}
		if change != nil {
			change(b)
		}
		return b
	}
	badURL := func(u string) map[string]any {
		return valid(func(b map[string]any) { b["redirect_urls"] = []string{"http://localhost:4000/ok", u} })
	}
	tests := []struct {
		name     string
		body     any
		want     int
		wantType string
		wantPath string // of the first field error, when given
	}{
		{"OK", valid(nil), 200, "", ""},
		{"ErrDemoClientExists", valid(func(b map[string]any) { b["client_id"] = seed.DemoClientID }), 409, "conflict", ""},
		{"ErrMissingSecret", valid(func(b map[string]any) { delete(b, "client_secret") }), 400, "bad_request", ""},
		{"ErrMissingName", valid(func(b map[string]any) { delete(b, "name") }), 400, "bad_request", ""},
		{"ErrNoRedirects", valid(func(b map[string]any) { b["redirect_urls"] = []string{} }), 400, "bad_request", "/redirect_urls"},
		{"ErrClientIDSpaces", valid(func(b map[string]any) { b["client_id"] = "has space" }), 400, "bad_request", "/client_id"},
		{"ErrRelativeURL", badURL("/callback"), 400, "bad_request", "/redirect_urls/1"},
		{"ErrOtherScheme", badURL("ftp://localhost/cb"), 400, "bad_request", "/redirect_urls/1"},
		{"ErrJavascriptURL", badURL("javascript:alert(1)"), 400, "bad_request", "/redirect_urls/1"},
		{"ErrNoHost", badURL("http:///cb"), 400, "bad_request", "/redirect_urls/1"},
		{"ErrFragment", badURL("http://localhost:4000/cb#done"), 400, "bad_request", "/redirect_urls/1"},
		{"ErrUserinfo", badURL("http://user:pw@localhost:4000/cb"), 400, "bad_request", "/redirect_urls/1"},
		{"ErrNotAURL", badURL("http://[::1/cb"), 400, "bad_request", "/redirect_urls/1"},
		{"ErrMalformedJSON", `{"client_id":`, 400, "bad_request", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, b := e.postJSON("/__clients", "clients-"+strings.ToLower(tt.name), tt.body)
			if tt.want == http.StatusOK {
				var c methods.ClientV1
				if status != http.StatusOK || json.Unmarshal(b, &c) != nil || c.ClientID != "acme_estimating" || len(c.RedirectURLs) != 2 || strings.Contains(string(b), "secret") {
					t.Fatalf("got %d %s", status, b)
				}
				return
			}
			wantError(t, status, b, tt.want, tt.wantType)
			if tt.wantPath != "" {
				var v struct {
					Errors []struct{ Path string } `json:"errors"`
				}
				if json.Unmarshal(b, &v) != nil || len(v.Errors) == 0 || v.Errors[0].Path != tt.wantPath {
					t.Fatalf("want the error at %s: %s", tt.wantPath, b)
				}
			}
		})
	}

	t.Run("ErrDuplicate", func(t *testing.T) {
		t.Parallel()
		if status, b := e.postJSON("/__clients", "clients-dup", valid(nil)); status != http.StatusOK {
			t.Fatalf("first: %d %s", status, b)
		}
		status, b := e.postJSON("/__clients", "clients-dup", valid(func(b map[string]any) { b["name"] = "Another" }))
		wantError(t, status, b, http.StatusConflict, "conflict")
		// Clients belong to a world: the same id is free in another one.
		if status, b := e.postJSON("/__clients", "clients-dup-other", valid(nil)); status != http.StatusOK {
			t.Fatalf("other world: %d %s", status, b)
		}
	})

	t.Run("ErrNotJSON", func(t *testing.T) {
		t.Parallel()
		req, err := http.NewRequest(http.MethodPost, e.url+"/__clients", strings.NewReader("client_id=x"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		a := e.do(req)
		e.checkJSON("/__clients", a.status, []byte(a.body))
		wantError(t, a.status, []byte(a.body), http.StatusUnsupportedMediaType, "bad_request")
	})
}

func TestSandboxAccessCodes(t *testing.T) {
	t.Parallel()
	e := newInstallEnv(t)

	t.Run("OKDefaultOrganization", func(t *testing.T) {
		t.Parallel()
		const tenant = "codes-default"
		e.advance(tenant, 3*time.Hour) // expiry follows the tenant's clock, not the wall's
		before := e.now(tenant)
		status, b := e.postJSON("/__access-codes", tenant, map[string]any{"client_id": seed.DemoClientID, "scopes": []string{"repairer"}, "organization_id": nil})
		after := e.now(tenant)
		var c methods.AccessCodeV1
		if status != http.StatusOK || json.Unmarshal(b, &c) != nil {
			t.Fatalf("got %d %s", status, b)
		}
		// The first repairer organization by name.
		if c.OrganizationID != seed.OtherRepairerOrgID {
			t.Fatalf("organization %s, want %s", c.OrganizationID, seed.OtherRepairerOrgID)
		}
		expires, err := time.Parse(time.RFC3339, c.ExpiresAt)
		if err != nil {
			t.Fatal(err)
		}
		if lo, hi := before.Add(15*time.Minute).Truncate(time.Second), after.Add(15*time.Minute); expires.Before(lo) || expires.After(hi) {
			t.Fatalf("expires at %s, want 15 minutes after issue (between %s and %s)", expires, lo, hi)
		}
	})

	tests := []struct {
		name     string
		body     map[string]any
		want     int
		wantType string
	}{
		{"OKOrganization", map[string]any{"client_id": seed.DemoClientID, "scopes": []string{"supplier"}, "organization_id": seed.AutoPartsDirectOrg}, 200, ""},
		{"ErrUnknownClient", map[string]any{"client_id": "nobody", "scopes": []string{"repairer"}}, 404, "not_found"},
		{"ErrOrganizationOfOtherRole", map[string]any{"client_id": seed.DemoClientID, "scopes": []string{"supplier"}, "organization_id": seed.RepairerOrgID}, 400, "bad_request"},
		{"ErrUnknownOrganization", map[string]any{"client_id": seed.DemoClientID, "scopes": []string{"repairer"}, "organization_id": "0a000000-0000-4000-8000-0000000000ff"}, 400, "bad_request"},
		{"ErrOrganizationNotUUID", map[string]any{"client_id": seed.DemoClientID, "scopes": []string{"repairer"}, "organization_id": "first"}, 400, "bad_request"},
		{"ErrScopesMissing", map[string]any{"client_id": seed.DemoClientID}, 400, "bad_request"},
		{"ErrScopesEmpty", map[string]any{"client_id": seed.DemoClientID, "scopes": []string{}}, 400, "bad_request"},
		{"ErrScopesBoth", map[string]any{"client_id": seed.DemoClientID, "scopes": []string{"repairer", "supplier"}}, 400, "bad_request"},
		{"ErrScopesUnknown", map[string]any{"client_id": seed.DemoClientID, "scopes": []string{"admin"}}, 400, "bad_request"},
		{"ErrScopesString", map[string]any{"client_id": seed.DemoClientID, "scopes": "repairer"}, 400, "bad_request"},
		{"ErrClientMissing", map[string]any{"scopes": []string{"repairer"}}, 400, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, b := e.postJSON("/__access-codes", "codes-"+strings.ToLower(tt.name), tt.body)
			if tt.want == http.StatusOK {
				var c methods.AccessCodeV1
				if status != http.StatusOK || json.Unmarshal(b, &c) != nil || c.OrganizationID != seed.AutoPartsDirectOrg {
					t.Fatalf("got %d %s", status, b)
				}
				return
			}
			wantError(t, status, b, tt.want, tt.wantType)
		})
	}
}

// TestInstallCaps: a world holds at most MaxClients clients and
// MaxAccessCodes codes that can still be exchanged; past them the routes
// say so, and used codes make room.
func TestInstallCaps(t *testing.T) {
	t.Parallel()
	e := newInstallEnv(t)
	const tenant = "install-caps"
	for i := 0; ; i++ {
		status, b := e.postJSON("/__clients", tenant, map[string]any{"client_id": fmt.Sprintf("cap_%d", i),
			"client_secret": "s", "name": "n", "redirect_urls": []string{"https://example.com/cb"}})
		if status == http.StatusBadRequest {
			if i+1 < methods.MaxClients || !strings.Contains(string(b), "at most") {
				t.Fatalf("client %d refused: %s", i, b)
			}
			break
		}
		if status != http.StatusOK || i > methods.MaxClients {
			t.Fatalf("client %d: %d %s", i, status, b)
		}
	}
	mint := func() (int, []byte) {
		return e.postJSON("/__access-codes", tenant, map[string]any{"client_id": seed.DemoClientID, "scopes": []string{"repairer"}})
	}
	for i := 0; ; i++ {
		status, b := mint()
		if status == http.StatusBadRequest {
			if i+1 < methods.MaxAccessCodes || !strings.Contains(string(b), "at most") {
				t.Fatalf("code %d refused: %s", i, b)
			}
			break
		}
		if status != http.StatusOK || i > methods.MaxAccessCodes {
			t.Fatalf("code %d: %d %s", i, status, b)
		}
	}
	e.advance(tenant, methods.AccessCodeTTL) // every code expires
	if status, b := mint(); status != http.StatusOK {
		t.Fatalf("after the codes expired: %d %s", status, b)
	}
}
