package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/partifact/mockserver/internal/httpapi"
)

// The controls are forms posted to /ui/action. Each is checked (the CSRF
// token, the world) and then passed on, as a JSON call, to the sandbox
// route that does the work, through the edge: the control and the route
// are one implementation, observed and logged as the route is.

// routeCall is what a row's action may call: a POST or DELETE of a path
// under the sandbox prefix, its path of at most maxRouteCall bytes. (The bound is
// not in the pattern: a counted repetition compiles to one state per
// count, which every start-up would pay for.)
var routeCall = callPattern{regexp.MustCompile(`^(POST|DELETE) /__[A-Za-z0-9._~/-]+$`)}

// maxRouteCall bounds the path of a route call after its /__.
const maxRouteCall = 500

type callPattern struct{ re *regexp.Regexp }

func (p callPattern) MatchString(call string) bool {
	_, path, _ := strings.Cut(call, " /__")
	return len(path) <= maxRouteCall && p.re.MatchString(call)
}

// destructive are the sandbox calls a control makes only with confirm=yes,
// which the confirming button of its form sends: reset, clearing the
// faults or the journal, cancelling a procurement. The call decides, not
// the control's name, so that no control (a row's action names any route)
// makes one unasked. Every Action with a Confirm question is one of them.
var destructive = []*regexp.Regexp{
	regexp.MustCompile(`^POST /__reset$`),
	regexp.MustCompile(`^DELETE /__faults$`),
	regexp.MustCompile(`^DELETE /__journal$`),
	regexp.MustCompile(`^POST /__procurements/[^/]+/cancel$`),
}

// isDestructive reports whether verb path is a destructive call.
func isDestructive(verb, path string) bool {
	call := verb + " " + path
	for _, re := range destructive {
		if re.MatchString(call) {
			return true
		}
	}
	return false
}

func (d *Dashboard) action(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		d.errorPage(w, r, badPage("The form could not be read."))
		return
	}
	if !csrfValid(r) {
		d.errorPage(w, r, &pageError{http.StatusForbidden,
			"This form did not come from this dashboard, or its session ended. Open the world's page again."})
		return
	}
	form := r.PostForm
	tenant, err := pageTenant(r, form)
	if err != nil {
		d.errorPage(w, r, err)
		return
	}
	do := form.Get("do")
	verb, path, body, err := d.callOf(do, form)
	if err != nil {
		d.errorPage(w, r, err)
		return
	}
	if isDestructive(verb, path) && form.Get("confirm") != "yes" {
		d.errorPage(w, r, badPage("This control needs confirming: use the button that asks for it."))
		return
	}
	status, answer := d.forward(w, r, tenant, verb, path, body)
	if status >= 200 && status < 300 {
		q := url.Values{"done": {do}}
		if do == "route" {
			q.Set("what", verb+" "+path)
		}
		http.Redirect(w, r, worldURL(tenant, q), http.StatusSeeOther)
		return
	}
	d.renderWorld(w, r, status, tenant, journalFilter{}, "",
		&failure{What: verb + " " + path, Status: status, Body: cut(answer, BodyExcerpt)})
}

// callOf is the sandbox call a control makes.
func (d *Dashboard) callOf(do string, form url.Values) (verb, path string, body []byte, err error) {
	switch do {
	case "reset":
		return http.MethodPost, "/__reset", nil, nil
	case "clock":
		advance := strings.TrimSpace(form.Get("advance"))
		if advance == "" {
			return "", "", nil, badPage("Say how far to move the clock, such as 90s, 20m or 48h.")
		}
		body, err = json.Marshal(map[string]string{"advance": advance})
		return http.MethodPost, "/__clock", body, err
	case "clock-real":
		return http.MethodPost, "/__clock", []byte(`{"real":true}`), nil
	case "fault":
		body, err = d.faultBody(form)
		return http.MethodPost, "/__faults", body, err
	case "faults-clear":
		return http.MethodDelete, "/__faults", nil, nil
	case "journal-clear":
		return http.MethodDelete, "/__journal", nil, nil
	case "route":
		call := form.Get("verb") + " " + form.Get("path")
		if !routeCall.MatchString(call) || strings.Contains(call, "..") {
			return "", "", nil, badPage("An action calls a sandbox route (POST or DELETE of a /__ path).")
		}
		return form.Get("verb"), form.Get("path"), nil, nil
	}
	return "", "", nil, badPage("There is no control %q.", do)
}

// faultBody is POST /__faults's body from the fault form; the route checks
// the rest.
func (d *Dashboard) faultBody(form url.Values) ([]byte, error) {
	key := form.Get("op")
	var op *operation
	for i := range d.ops {
		if d.ops[i].Key == key {
			op = &d.ops[i]
		}
	}
	if op == nil {
		return nil, badPage("Choose an operation of an API served here.")
	}
	f := map[string]any{"api": op.API, "method": op.Name}
	if e := strings.TrimSpace(form.Get("error")); e != "" {
		f["error"] = e
	}
	for _, name := range []string{"status", "latency_ms", "count"} {
		v := strings.TrimSpace(form.Get(name))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, badPage("%s is a whole number.", name)
		}
		f[name] = n
	}
	return json.Marshal(f)
}

// forward calls a sandbox route of the world through the edge, as a client
// would, and returns its status and answer (the first maxAnswer bytes).
func (d *Dashboard) forward(w http.ResponseWriter, r *http.Request, tenant, verb, path string, body []byte) (int, []byte) {
	// A context of its own: the edge's router must not find this request's
	// route in it, and a control, once sent, is not dropped halfway because
	// the browser left.
	ctx, cancel := context.WithTimeout(context.Background(), forwardTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, verb, path, bytes.NewReader(body))
	if err != nil {
		return http.StatusBadRequest, []byte(err.Error())
	}
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	req.Header.Set("User-Agent", "mockserver-dashboard")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tenant != "" {
		req.Header.Set(httpapi.TenantHeaders[0], tenant)
	}
	if d.cfg.SandboxToken != "" {
		req.Header.Set(httpapi.SandboxTokenHeader, d.cfg.SandboxToken)
	}
	if id := w.Header().Get("X-Request-Id"); id != "" {
		req.Header.Set("X-Request-Id", id) // the route's log line names the dashboard's request
	}
	rec := &capture{header: http.Header{}, status: http.StatusOK}
	d.cfg.Sandbox.ServeHTTP(rec, req)
	return rec.status, rec.body.Bytes()
}

// capture keeps a route's answer to a control.
type capture struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(status int) {
	if !c.wrote {
		c.status, c.wrote = status, true
	}
}

func (c *capture) Write(b []byte) (int, error) {
	c.wrote = true
	if room := maxAnswer - c.body.Len(); room > 0 {
		c.body.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}
