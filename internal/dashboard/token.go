package dashboard

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"time"
)

// When the server runs with a sandbox token, the world pages, their
// stream and the controls are the sandbox's too, and need it. A browser
// cannot send a header, so the token is given once in a form and kept in
// a cookie that holds only a hash of it: the cookie proves knowledge of
// the token without carrying it.

const tokenCookie = "mockserver_sandbox"

// tokenProof is what the cookie holds for a token.
func tokenProof(token string) string {
	sum := sha256.Sum256([]byte("mockserver sandbox token\x00" + token))
	return hex.EncodeToString(sum[:])
}

// unlocked says whether the request may see the sandbox's pages.
func (d *Dashboard) unlocked(r *http.Request) bool {
	if d.cfg.SandboxToken == "" {
		return true
	}
	c, err := r.Cookie(tokenCookie)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(tokenProof(d.cfg.SandboxToken))) == 1
}

// locked serves h only to an unlocked browser; others get the token form.
func (d *Dashboard) locked(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !d.unlocked(r) {
			d.tokenPage(w, r, http.StatusUnauthorized, "")
			return
		}
		h(w, r)
	}
}

type tokenData struct {
	Title, CSRF, Problem string
	Sandbox              bool // for the page head: the worlds' link
}

func (d *Dashboard) tokenPage(w http.ResponseWriter, r *http.Request, status int, problem string) {
	d.render(w, status, "token", tokenData{Title: "Sandbox token", CSRF: csrfToken(w, r), Problem: problem, Sandbox: true})
}

// unlock checks the token a form sends and, when it is the server's,
// keeps its proof in a cookie for the dashboard's pages.
func (d *Dashboard) unlock(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil || !csrfValid(r) {
		d.tokenPage(w, r, http.StatusForbidden, "This form did not come from this page, or its session ended. Try again.")
		return
	}
	given := r.PostForm.Get("token")
	if d.cfg.SandboxToken == "" || subtle.ConstantTimeCompare([]byte(given), []byte(d.cfg.SandboxToken)) != 1 {
		d.tokenPage(w, r, http.StatusUnauthorized, "That is not this server's sandbox token.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: tokenCookie, Value: tokenProof(d.cfg.SandboxToken), Path: "/ui/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: int(12 * time.Hour / time.Second),
	})
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}
