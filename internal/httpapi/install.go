package httpapi

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
)

// The install flow's front half (contract §3.1): the consent page a user is
// sent to, and two sandbox routes that register clients and mint access
// codes without a browser. integrations.insert, the back half, is a wire
// method like the others.

// AuthorizePath is the consent page; its form posts back to the same path.
const AuthorizePath = "/auth/integration/authorize"

const (
	// csrfCookie holds a random token the consent form repeats in a hidden
	// field (the double-submit pattern). Another site can neither read the
	// cookie nor, with SameSite=Lax, have it sent with a cross-site POST, so
	// it cannot make the user's browser approve an install. It needs no
	// server-side state, so several instances on one database agree.
	csrfCookie = "partly_install_csrf"
	csrfField  = "csrf_token"
	// maxState bounds the opaque state echoed back to the client.
	maxState = 2048
	// maxForm bounds the consent form's body.
	maxForm = 64 << 10
)

var (
	//go:embed install.html
	installHTML  string
	installPages = template.Must(template.New("install").Parse(installHTML))
	csrfPattern  = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// install serves the flow from one store and the schemas of its JSON routes.
type install struct {
	st                       store.Store
	clientSchema, codeSchema *openapi3.Schema
}

// mountInstall adds the consent page, /__clients and /__access-codes. It
// fails when openapi.json does not describe the JSON routes, so they are
// never served unvalidated.
func mountInstall(r chi.Router, st store.Store, doc *spec.Doc) error {
	f := &install{st: st}
	var err error
	if f.clientSchema, err = sandboxRequestSchema(doc, "/__clients"); err != nil {
		return err
	}
	if f.codeSchema, err = sandboxRequestSchema(doc, "/__access-codes"); err != nil {
		return err
	}
	r.Get(AuthorizePath, f.consentPage)
	r.Post(AuthorizePath, f.decide)
	r.Post("/__clients", f.registerClient)
	r.Post("/__access-codes", f.mintAccessCode)
	return nil
}

// sandboxRequestSchema is the JSON request schema of the POST at path.
func sandboxRequestSchema(doc *spec.Doc, path string) (*openapi3.Schema, error) {
	item := doc.Paths.Value(path)
	if item == nil || item.Post == nil || item.Post.RequestBody == nil || item.Post.RequestBody.Value == nil {
		return nil, fmt.Errorf("httpapi: openapi.json has no POST %s with a request body", path)
	}
	mt := item.Post.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil, fmt.Errorf("httpapi: POST %s in openapi.json has no JSON request schema", path)
	}
	return mt.Schema.Value, nil
}

// grant is an authorization request that passed every check.
type grant struct {
	client   store.Client
	redirect *url.URL
	rawURL   string
	state    string
	scopes   string
	role     store.Role
}

// pageError is a problem shown on the error page, never sent to the client.
type pageError struct {
	status  int
	message string
}

func (e *pageError) Error() string { return e.message }

func badGrant(format string, args ...any) *pageError {
	return &pageError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// single is the one value of a parameter: absent is "", repeated is an error
// (two client_ids or two states are ambiguous, not a choice).
func single(v url.Values, name string) (string, error) {
	switch vs := v[name]; len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", badGrant("%s is given more than once.", name)
}

// pageTenant is the world of the page: the tenant parameter (a browser
// cannot set headers) or else the tenant header. A parameter naming another
// world than the header is refused rather than guessed.
func pageTenant(r *http.Request, v url.Values) (string, error) {
	name, err := single(v, "tenant")
	if err != nil {
		return "", err
	}
	if name == "" {
		return Tenant(r), nil
	}
	if !tenantPattern.MatchString(name) {
		return "", badGrant("tenant must be 1 to 64 characters of a-z, 0-9, _ and -.")
	}
	if h := Tenant(r); h != store.SharedTenant && h != name {
		return "", badGrant("The tenant parameter and the tenant header name different worlds.")
	}
	return name, nil
}

// checkGrant validates an authorization request, from the query of the page
// or from the fields of its form: nothing the browser sends back is trusted.
// Failures are pageErrors, or store errors.
func checkGrant(tx store.Tx, v url.Values) (grant, error) {
	var g grant
	var clientID string
	var err error
	if clientID, err = single(v, "client_id"); err != nil {
		return g, err
	}
	if g.rawURL, err = single(v, "redirect_url"); err != nil {
		return g, err
	}
	if g.state, err = single(v, "state"); err != nil {
		return g, err
	}
	if g.scopes, err = single(v, "scopes"); err != nil {
		return g, err
	}
	if clientID == "" {
		return g, badGrant("client_id is missing.")
	}
	g.client, err = tx.Client(clientID)
	if errors.Is(err, store.ErrNotFound) {
		return g, badGrant("No client %q is registered in this world.", clientID)
	} else if err != nil {
		return g, err
	}
	switch {
	case g.rawURL == "":
		return g, badGrant("redirect_url is missing.")
	case !methods.RedirectRegistered(g.client, g.rawURL):
		return g, badGrant("redirect_url does not exactly match a redirect URL registered for %q.", clientID)
	}
	// Registered URLs were checked when registered; parsing again keeps the
	// redirect built from a URL value, never from string concatenation.
	if g.redirect, err = url.Parse(g.rawURL); err != nil {
		return g, badGrant("redirect_url is not a valid URL.")
	}
	switch {
	case g.state == "":
		return g, badGrant("state is missing: the application must send one and check it when you come back.")
	case len(g.state) > maxState:
		return g, badGrant("state is longer than %d bytes.", maxState)
	}
	if g.role, err = methods.ParseScopes(g.scopes); err != nil {
		return g, badGrant(`scopes must be exactly ["repairer"] or ["supplier"].`)
	}
	return g, nil
}

// consentPage renders the page for a valid request, or the error page.
func (f *install) consentPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tenant, err := pageTenant(r, q)
	if err != nil {
		f.errorPage(w, r, err)
		return
	}
	var g grant
	var orgs []store.Organization
	err = f.st.View(r.Context(), tenant, func(tx store.Tx) error {
		var err error
		if g, err = checkGrant(tx, q); err != nil {
			return err
		}
		orgs, err = tx.Organizations(g.role)
		return err
	})
	if err != nil {
		f.errorPage(w, r, err)
		return
	}
	token := csrfToken(r)
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: token, Path: AuthorizePath, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: int(time.Hour / time.Second),
	})
	f.render(w, http.StatusOK, "consent", map[string]any{
		"ClientName": g.client.Name, "ClientID": g.client.ID, "Role": string(g.role),
		"Tenant": tenant, "RedirectURL": g.rawURL, "State": g.state, "Scopes": g.scopes,
		"CSRF": token, "Organizations": orgs,
	})
}

// csrfToken keeps the browser's token when it has one, so two open consent
// tabs both stay valid, and makes a new one otherwise.
func csrfToken(r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && csrfPattern.MatchString(c.Value) {
		return c.Value
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it aborts the process instead)
	return hex.EncodeToString(b[:])
}

// decide handles the consent form: deny sends the user back with
// error=access_denied, approve with a fresh access code. Everything is
// checked again; only a request that passes goes back to the application.
func (f *install) decide(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		f.errorPage(w, r, badGrant("The form could not be read."))
		return
	}
	form := r.PostForm
	cookie, err := r.Cookie(csrfCookie)
	if err != nil || !csrfPattern.MatchString(cookie.Value) ||
		subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(form.Get(csrfField))) != 1 {
		f.errorPage(w, r, &pageError{http.StatusForbidden,
			"This form did not come from this consent page, or its session ended. Open the install link again."})
		return
	}
	tenant, err := pageTenant(r, form)
	if err != nil {
		f.errorPage(w, r, err)
		return
	}
	decision, err := single(form, "decision")
	if err != nil {
		f.errorPage(w, r, err)
		return
	}
	var g grant
	var answer url.Values
	err = f.st.Update(r.Context(), tenant, func(tx store.Tx) error {
		var err error
		if g, err = checkGrant(tx, form); err != nil {
			return err
		}
		switch decision {
		case "deny":
			answer = url.Values{"error": {"access_denied"}, "state": {g.state}}
			return nil
		case "approve":
		default:
			return badGrant("decision must be approve or deny.")
		}
		orgField, err := single(form, "organization_id")
		if err != nil {
			return err
		}
		orgID, err := uuid.Parse(orgField)
		if err != nil {
			return badGrant("Choose the organization to install into.")
		}
		if _, err := methods.OrganizationOfRole(tx, orgID, g.role); errors.Is(err, store.ErrNotFound) {
			return badGrant("The chosen organization is not a %s organization of this world.", g.role)
		} else if err != nil {
			return err
		}
		code, err := methods.IssueAccessCode(tx, g.client.ID, g.role, orgID)
		if err != nil {
			return err
		}
		answer = url.Values{"access_code": {code.Code}, "state": {g.state}}
		return nil
	})
	if err != nil {
		f.errorPage(w, r, err)
		return
	}
	u := *g.redirect
	q := u.Query()
	for k, vs := range answer {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// errorPage shows why a request cannot go on. It never redirects: sending
// the user to an unchecked URL is how open redirects and stolen codes happen.
func (f *install) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		logger(r).Error("install flow failed", "error", err)
		pe = &pageError{http.StatusInternalServerError, "Something went wrong on our side. Try again."}
	}
	f.render(w, pe.status, "error", pe.message)
}

func (f *install) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := installPages.ExecuteTemplate(&buf, name, data); err != nil {
		// The templates are fixed and their data built here; failing is a bug.
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// No framing (clickjacking a consent page is the classic attack), no
	// assets from anywhere, and no Referer carrying the state elsewhere.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// ClientInsertRequest is the body of POST /__clients.
type ClientInsertRequest struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Name         string   `json:"name"`
	RedirectURLs []string `json:"redirect_urls"`
}

// ClientV1 is a registered client as /__clients answers it (never the secret).
type ClientV1 struct {
	ClientID     string   `json:"client_id"`
	Name         string   `json:"name"`
	RedirectURLs []string `json:"redirect_urls"`
}

// errClientExists answers a client id already registered in the world.
var errClientExists = &withStatus{http.StatusConflict, &methods.Error{Type: "conflict"}}

// registerClient adds an OAuth client to the tenant's world.
func (f *install) registerClient(w http.ResponseWriter, r *http.Request) {
	var req ClientInsertRequest
	if err := readSandboxJSON(w, r, f.clientSchema, &req); err != nil {
		writeError(w, r, false, err)
		return
	}
	for i, u := range req.RedirectURLs {
		if err := methods.CheckRedirectURL(u); err != nil {
			writeError(w, r, false, methods.BadRequest(fmt.Sprintf("/redirect_urls/%d", i), err.Error()))
			return
		}
	}
	err := f.st.Update(r.Context(), Tenant(r), func(tx store.Tx) error {
		// Look first: the store's ErrConflict means a lost race, which
		// Update may retry, while an existing id is simply an answer.
		if _, err := tx.Client(req.ClientID); err == nil {
			return errClientExists
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		err := tx.InsertClient(store.Client{ID: req.ClientID, Secret: req.ClientSecret, Name: req.Name, RedirectURLs: req.RedirectURLs})
		if errors.Is(err, store.ErrConflict) {
			return errClientExists
		}
		return err
	})
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	writeJSON(w, http.StatusOK, ClientV1{ClientID: req.ClientID, Name: req.Name, RedirectURLs: req.RedirectURLs})
}

// AccessCodeInsertRequest is the body of POST /__access-codes.
type AccessCodeInsertRequest struct {
	ClientID       string          `json:"client_id"`
	Scopes         json.RawMessage `json:"scopes"`
	OrganizationID *uuid.UUID      `json:"organization_id"`
}

// AccessCodeV1 is a freshly minted access code.
type AccessCodeV1 struct {
	AccessCode     string    `json:"access_code"`
	ExpiresAt      string    `json:"expires_at"`
	OrganizationID uuid.UUID `json:"organization_id"`
}

// mintAccessCode issues a code as an approved consent page would, for CI
// that cannot click. Without organization_id it installs into the first
// organization of the role by name.
func (f *install) mintAccessCode(w http.ResponseWriter, r *http.Request) {
	var req AccessCodeInsertRequest
	if err := readSandboxJSON(w, r, f.codeSchema, &req); err != nil {
		writeError(w, r, false, err)
		return
	}
	role, err := methods.ParseScopes(string(req.Scopes))
	if err != nil {
		writeError(w, r, false, methods.BadRequest("/scopes", err.Error()))
		return
	}
	var code store.AccessCode
	err = f.st.Update(r.Context(), Tenant(r), func(tx store.Tx) error {
		if _, err := tx.Client(req.ClientID); err != nil {
			return err // not_found for an unknown client
		}
		org, err := f.organizationFor(tx, role, req.OrganizationID)
		if err != nil {
			return err
		}
		code, err = methods.IssueAccessCode(tx, req.ClientID, role, org)
		return err
	})
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	writeJSON(w, http.StatusOK, AccessCodeV1{
		AccessCode: code.Code, ExpiresAt: code.ExpiresAt.UTC().Format(time.RFC3339), OrganizationID: code.OrganizationID,
	})
}

// organizationFor is the organization a minted code installs into: the one
// named, which must have the role, or else the first of the role by name.
func (f *install) organizationFor(tx store.Tx, role store.Role, id *uuid.UUID) (uuid.UUID, error) {
	if id != nil {
		_, err := methods.OrganizationOfRole(tx, *id, role)
		if errors.Is(err, store.ErrNotFound) {
			return uuid.Nil, methods.BadRequest("/organization_id", fmt.Sprintf("no %s organization of this world has this id", role))
		}
		return *id, err
	}
	orgs, err := tx.Organizations(role)
	if err != nil {
		return uuid.Nil, err
	}
	if len(orgs) == 0 {
		// Seeded worlds have organizations of both roles; this keeps an
		// emptied one from indexing out of range.
		return uuid.Nil, methods.BadRequest("/organization_id", fmt.Sprintf("this world has no %s organization", role))
	}
	return orgs[0].ID, nil
}
