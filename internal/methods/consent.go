package methods

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
)

// The install flow's front half (contract §3.1): the consent page a user is
// sent to. Two sandbox routes register clients and mint access codes
// without a browser (sandbox.go); integrations.insert, the back half, is a
// wire method like the others.

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
	//go:embed consent.html
	installHTML  string
	installPages = template.Must(template.New("install").Parse(installHTML))
	csrfPattern  = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// install serves the consent page from one store.
type install struct{ st store.Store }

// mount adds the consent page and the form it posts.
func (f *install) mount(r httpapi.Router) error {
	r.Get(AuthorizePath, f.consentPage)
	r.Post(AuthorizePath, f.decide)
	return nil
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

// single is the one value of a page's parameter (httpapi.OneValue).
func single(v url.Values, name string) (string, error) {
	s, err := httpapi.OneValue(v, name)
	if err != nil {
		return "", badGrant("%s", err)
	}
	return s, nil
}

// pageTenant is the world of the page (httpapi.PageTenant).
func pageTenant(r *http.Request, v url.Values) (string, error) {
	t, err := httpapi.PageTenant(r, v)
	if err != nil {
		return "", badGrant("%s", err)
	}
	return t, nil
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
	case !RedirectRegistered(g.client, g.rawURL):
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
	if g.role, err = ParseScopes(g.scopes); err != nil {
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
		if _, err := OrganizationOfRole(tx, orgID, g.role); errors.Is(err, store.ErrNotFound) {
			return badGrant("The chosen organization is not a %s organization of this world.", g.role)
		} else if err != nil {
			return err
		}
		code, err := IssueAccessCode(tx, g.client.ID, g.role, orgID)
		if errors.Is(err, ErrTooManyAccessCodes) {
			return badGrant("This world holds too many access codes waiting to be exchanged; try again once some have expired (%s after issue).", AccessCodeTTL)
		}
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
		httpapi.Failed(r, slog.LevelError, "install flow failed", "error", err)
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
