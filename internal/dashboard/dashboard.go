// Package dashboard serves the pages a person opens in a browser. The home
// page, at / and /ui/, says what the server is and links its documents,
// guides and demo credentials; with the sandbox routes on it also lists the
// worlds alive and opens any of them. A world's page, /ui/world?tenant=…,
// shows what each API module keeps there (a Section per module), its
// webhooks with every attempt, its request journal, contract coverage and
// clock, kept current over server-sent events, with controls that call the
// sandbox routes themselves. Pages are html/template with an embedded
// stylesheet and one small script: nothing comes from elsewhere, so they
// work offline.
//
// At /, only a client that accepts text/html gets the home page: any other
// request (curl's */*, an API client's application/json, a POST) gets the
// answer every path of no route gets, in the Partly error shape, as before
// the dashboard existed.
package dashboard

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	mockserver "github.com/partifact/mockserver"
	"github.com/partifact/mockserver/internal/apidocs"
	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
)

// Bounds and defaults.
const (
	// MaxWorlds is how many worlds the home page lists (the most recently
	// used); it counts the others.
	MaxWorlds = 100
	// DefaultMaxStreams bounds the live-update streams open at once, and
	// DefaultMaxStreamsPerWorld those of one world, so that one world's
	// open tabs cannot take every stream.
	DefaultMaxStreams         = 16
	DefaultMaxStreamsPerWorld = 4
	// DefaultPoll is how often a stream looks for a change of its world.
	DefaultPoll = time.Second
	// DefaultHeartbeat is how often an idle stream sends a comment, so
	// that proxies and browsers keep it open and a gone client is noticed.
	DefaultHeartbeat = 15 * time.Second
	// DefaultStreamLifetime ends a stream after this long; the browser
	// opens a new one at once, so no stream lives forever.
	DefaultStreamLifetime = 30 * time.Minute
	// streamWriteTimeout bounds each write of a stream.
	streamWriteTimeout = 10 * time.Second
	// maxForm bounds a control's form.
	maxForm = 64 << 10
	// maxAnswer bounds what is kept of a sandbox route's answer to a
	// control (shown when it is an error).
	maxAnswer = 1 << 20
	// forwardTimeout bounds a control's call of its sandbox route.
	forwardTimeout = 30 * time.Second
)

// Config is what the dashboard is built from. Zero stream settings take
// the defaults.
type Config struct {
	Store store.Store
	// Modules are the APIs served: their operations fill the journal
	// filter and the fault form, and coverage counts their answers.
	Modules []*httpapi.Module
	// Sections are what the modules show of a world, in page order.
	Sections []Section
	// Docs are the OpenAPI documents served, linked from the home page.
	Docs []apidocs.Document
	// NoSandboxRoutes leaves out everything of the sandbox: worlds, world
	// pages, controls. The home page remains, with the contracts only.
	NoSandboxRoutes bool
	// Sandbox serves the sandbox routes the controls call: the edge, so a
	// control takes the one path its route takes.
	Sandbox http.Handler
	// SandboxToken, when set, guards the world pages and the controls as
	// it guards the sandbox routes; the controls forward it to them.
	SandboxToken string
	// Flush writes what the journal and coverage still buffer, before a
	// page reads them; nil: nothing is buffered.
	Flush func(context.Context) error

	MaxStreams         int
	MaxStreamsPerWorld int
	Poll               time.Duration
	Heartbeat          time.Duration
	StreamLifetime     time.Duration
}

// Dashboard serves the pages; Mount adds them to a router.
type Dashboard struct {
	cfg     Config
	st      store.Store
	ops     []operation // every operation of every module
	pages   []link      // the guides served under /docs/
	streams *streams

	closing   chan struct{}
	closeOnce sync.Once
}

// operation is an operation of a module, as the journal and faults name it.
type operation struct {
	API, Name string
	Key       string // httpapi.Key(API, Name)
	Variants  []string
}

type link struct{ Title, Href string }

// New builds the dashboard.
func New(cfg Config) (*Dashboard, error) {
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = DefaultMaxStreams
	}
	if cfg.MaxStreamsPerWorld <= 0 {
		cfg.MaxStreamsPerWorld = DefaultMaxStreamsPerWorld
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.StreamLifetime <= 0 {
		cfg.StreamLifetime = DefaultStreamLifetime
	}
	if cfg.Flush == nil {
		cfg.Flush = func(context.Context) error { return nil }
	}
	if cfg.Sandbox == nil && !cfg.NoSandboxRoutes {
		return nil, errors.New("dashboard: the controls need the sandbox routes' handler")
	}
	d := &Dashboard{cfg: cfg, st: cfg.Store, closing: make(chan struct{}),
		streams: &streams{max: cfg.MaxStreams, perWorld: cfg.MaxStreamsPerWorld, open: map[string]int{}}}
	for _, m := range cfg.Modules {
		for _, rt := range m.Routes {
			d.ops = append(d.ops, operation{API: m.Name, Name: rt.Op, Key: httpapi.Key(m.Name, rt.Op),
				Variants: m.Errors.Variants(rt.Op)})
		}
	}
	slices.SortFunc(d.ops, func(a, b operation) int { return strings.Compare(a.Key, b.Key) })
	var err error
	if d.pages, err = guides(cfg.NoSandboxRoutes); err != nil {
		return nil, err
	}
	return d, nil
}

// guides are the markdown pages /docs/ serves. Without the sandbox routes
// the docs leave out the pages that tell of them (those naming a /__
// route), and so does this list.
func guides(withoutSandbox bool) ([]link, error) {
	files, err := fs.Glob(mockserver.Docs, "docs/*.md")
	if err != nil {
		return nil, err
	}
	var out []link
	for _, f := range files {
		b, err := fs.ReadFile(mockserver.Docs, f)
		if err != nil {
			return nil, err
		}
		if withoutSandbox && bytes.Contains(b, []byte("/__")) {
			continue
		}
		title, _, _ := strings.Cut(string(b), "\n")
		out = append(out, link{Title: strings.TrimPrefix(title, "# "), Href: "/docs/" + path.Base(f)})
	}
	return out, nil
}

// Shutdown ends the live-update streams, which would otherwise keep an
// http.Server's Shutdown waiting (pass it to RegisterOnShutdown).
func (d *Dashboard) Shutdown() { d.closeOnce.Do(func() { close(d.closing) }) }

// Mount adds the pages to r, the edge's router: / for browsers, and /ui/.
// The world pages, their stream and the controls are left out without the
// sandbox routes.
func (d *Dashboard) Mount(r chi.Router) error {
	mux, ok := r.(interface{ NotFoundHandler() http.HandlerFunc })
	if !ok {
		return errors.New("dashboard: the router does not tell its not-found answer")
	}
	r.Handle("/", d.root(mux.NotFoundHandler))
	r.Get("/ui", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, "/ui/", http.StatusMovedPermanently)
	})
	r.Get("/ui/", d.home)
	r.Get("/ui/static/{file}", d.static)
	r.Get("/ui/walkthrough", d.walkthrough)
	if !d.cfg.NoSandboxRoutes {
		r.Get("/ui/world", d.locked(d.worldPage))
		r.Get("/ui/events", d.locked(d.events))
		r.Post("/ui/action", d.locked(d.action))
		if d.cfg.SandboxToken != "" {
			r.Get("/ui/token", func(w http.ResponseWriter, req *http.Request) { d.tokenPage(w, req, http.StatusOK, "") })
			r.Post("/ui/token", d.unlock)
		}
	}
	r.Get("/ui/*", func(w http.ResponseWriter, req *http.Request) {
		d.errorPage(w, req, &pageError{http.StatusNotFound, "There is no page at " + req.URL.Path + "."})
	})
	return nil
}

// root is the home page for browsers; any other request at / answers as a
// path of no route does (the router's answer, looked up when the request
// comes, since the edge sets it after mounting).
func (d *Dashboard) root(notFound func() http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && acceptsHTML(r.Header.Values("Accept")) {
			d.home(w, r)
			return
		}
		if rctx := chi.RouteContext(r.Context()); rctx != nil {
			rctx.RoutePatterns = rctx.RoutePatterns[:0] // counted as unknown in the metrics, as before
		}
		notFound()(w, r)
	}
}

// acceptsHTML reports whether an Accept header names text/html (or
// XHTML) with a weight above zero, as browsers do for pages; */* is not
// enough, since curl and most API clients send it.
func acceptsHTML(accept []string) bool {
	for _, a := range accept {
		for part := range strings.SplitSeq(a, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || (mt != "text/html" && mt != "application/xhtml+xml") {
				continue
			}
			if q, err := strconv.ParseFloat(params["q"], 64); params["q"] == "" || (err == nil && q > 0) {
				return true
			}
		}
	}
	return false
}

//go:embed pages.html
var pagesHTML string

//go:embed static
var staticFiles embed.FS

// pages are the templates, parsed at the first page asked for rather
// than by every start-up (a test parses them).
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("pages").Parse(pagesHTML))
})

var staticTypes = map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

func (d *Dashboard) static(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "file")
	b, err := staticFiles.ReadFile("static/" + name)
	ct := staticTypes[path.Ext(name)]
	if err != nil || ct == "" {
		d.errorPage(w, r, &pageError{http.StatusNotFound, "There is no file " + name + "."})
		return
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

// pageError is a problem shown on the error page.
type pageError struct {
	status  int
	message string
}

func (e *pageError) Error() string { return e.message }

func badPage(format string, args ...any) *pageError {
	return &pageError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func (d *Dashboard) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		if !errors.Is(err, context.Canceled) {
			httpapi.Failed(r, slog.LevelError, "dashboard page failed", "error", err)
		}
		pe = &pageError{http.StatusInternalServerError, "Something went wrong on the server; its log says what."}
	}
	d.render(w, pe.status, "error", map[string]any{"Title": "Not shown", "Message": pe.message, "Sandbox": !d.cfg.NoSandboxRoutes})
}

// render writes a page. The policy allows the page's own stylesheet,
// script and streams, and nothing else: no inline script, so markup that
// slipped through could not run, and no framing.
func (d *Dashboard) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages().ExecuteTemplate(&buf, name, data); err != nil {
		// The templates are fixed and their data built here; failing is a bug.
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeHTML(w, status, buf.Bytes())
}

func writeHTML(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ---- worlds and CSRF ----

// single is the one value of a page's parameter (httpapi.OneValue).
func single(v url.Values, name string) (string, error) {
	s, err := httpapi.OneValue(v, name)
	if err != nil {
		return "", badPage("%s", err)
	}
	return s, nil
}

// pageTenant is the world of the page (httpapi.PageTenant).
func pageTenant(r *http.Request, v url.Values) (string, error) {
	t, err := httpapi.PageTenant(r, v)
	if err != nil {
		return "", badPage("%s", err)
	}
	return t, nil
}

// worldName is how a page names a world.
func worldName(tenant string) string {
	if tenant == store.SharedTenant {
		return "the shared world"
	}
	return tenant
}

// worldURL is the page of a world, with more parameters.
func worldURL(tenant string, more url.Values) string {
	q := url.Values{}
	for k, v := range more {
		q[k] = v
	}
	if tenant != "" {
		q.Set("tenant", tenant)
	}
	if len(q) == 0 {
		return "/ui/world"
	}
	return "/ui/world?" + q.Encode()
}

const (
	// csrfCookie holds a random token every control's form repeats in a
	// hidden field (the double-submit pattern, as the consent page does).
	// Another site can neither read the cookie nor, with SameSite=Strict,
	// have it sent with its own posts. It needs no server-side state, so
	// several instances on one database agree.
	csrfCookie = "mock_dashboard_csrf"
	csrfField  = "csrf_token"
)

var csrfPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// csrfToken keeps the browser's token when it has one, so several open
// pages stay valid, and makes a new one otherwise; it sets the cookie.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && csrfPattern.MatchString(c.Value) {
		return c.Value
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it aborts the process instead)
	token := hex.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: token, Path: "/ui/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: int(12 * time.Hour / time.Second),
	})
	return token
}

// csrfValid checks a form's token against the cookie.
func csrfValid(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	return err == nil && csrfPattern.MatchString(c.Value) &&
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get(csrfField))) == 1
}

// version names a rendering of a world's live part.
func version(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
