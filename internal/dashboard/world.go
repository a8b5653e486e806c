package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/recorder"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/webhook"
)

// Bounds of the shared panels of a world's page.
const (
	MaxJournal       = 50   // newest journal entries shown
	MaxDeliveries    = 50   // newest deliveries shown
	MaxAttempts      = 20   // newest attempts shown per delivery
	MaxSubscriptions = 100  // webhook endpoints shown
	BodyExcerpt      = 2048 // bytes shown of a journaled body
)

// journalFilter narrows the journal panel.
type journalFilter struct {
	Method string // an operation key (httpapi.Key), or ""
	Status int    // 0: any
}

// filterOf reads the journal filter of a page's query.
func (d *Dashboard) filterOf(q url.Values) (journalFilter, error) {
	var f journalFilter
	m, err := single(q, "method")
	if err != nil {
		return f, err
	}
	if m != "" {
		i := slices.IndexFunc(d.ops, func(o operation) bool { return o.Key == m })
		if i < 0 {
			return f, badPage("No API served here has an operation %q.", m)
		}
		f.Method = m
	}
	s, err := single(q, "status")
	if err != nil {
		return f, err
	}
	if s != "" {
		if f.Status, err = strconv.Atoi(s); err != nil || f.Status < 100 || f.Status > 599 {
			return f, badPage("The status to filter by is a number from 100 to 599.")
		}
	}
	return f, nil
}

func (f journalFilter) query() url.Values {
	q := url.Values{}
	if f.Method != "" {
		q.Set("method", f.Method)
	}
	if f.Status != 0 {
		q.Set("status", strconv.Itoa(f.Status))
	}
	return q
}

// ---- the page ----

type worldData struct {
	Title, Tenant, WorldName string
	Shared, Sandbox          bool
	CSRF                     string
	Now                      string
	Live                     template.HTML
	Version                  string
	Events                   string // the stream's URL, without the version
	Ops                      []opView
	Variants                 []string
	Filter                   journalFilter
	Done                     string
	Failure                  *failure
}

type opView struct {
	Key, API, Name string
	Selected       bool
}

// failure is a control whose route refused it, shown on the page.
type failure struct {
	What   string
	Status int
	Body   string
}

func (d *Dashboard) worldPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tenant, err := pageTenant(r, q)
	if err != nil {
		d.errorPage(w, r, err)
		return
	}
	f, err := d.filterOf(q)
	if err != nil {
		d.errorPage(w, r, err)
		return
	}
	done := doneMessages[q.Get("done")]
	if what := q.Get("what"); q.Get("done") == "route" && routeCall.MatchString(what) {
		done = what + ": done."
	}
	d.renderWorld(w, r, http.StatusOK, tenant, f, done, nil)
}

// renderWorld writes a world's page with status, and a message or a
// failure of a control.
func (d *Dashboard) renderWorld(w http.ResponseWriter, r *http.Request, status int, tenant string, f journalFilter, done string, fail *failure) {
	csrf := csrfToken(w, r)
	// What the journal still buffers goes to the store first, so the page
	// shows every call answered before it.
	if err := d.cfg.Flush(r.Context()); err != nil {
		d.errorPage(w, r, err)
		return
	}
	live, now, err := d.live(r.Context(), tenant, f, csrf)
	if err != nil {
		d.errorPage(w, r, err)
		return
	}
	// live is the output of the live template, escaped there.
	data := worldData{Title: worldName(tenant), Tenant: tenant, WorldName: worldName(tenant), Shared: tenant == "",
		Sandbox: true, CSRF: csrf, Now: stamp(now), Live: template.HTML(live), Version: version(live),
		Events: "/ui/events?" + withTenant(tenant, f.query()).Encode(), Filter: f, Done: done, Failure: fail}
	seen := map[string]bool{}
	for _, o := range d.ops {
		data.Ops = append(data.Ops, opView{Key: o.Key, API: o.API, Name: o.Name, Selected: o.Key == f.Method})
		for _, v := range o.Variants {
			if !seen[v] {
				seen[v] = true
				data.Variants = append(data.Variants, v)
			}
		}
	}
	slices.Sort(data.Variants)
	d.render(w, status, "world", data)
}

func withTenant(tenant string, q url.Values) url.Values {
	if tenant != "" {
		q.Set("tenant", tenant)
	}
	return q
}

// ---- the live part ----

// liveData is the part of a world's page its stream sends again when it
// changes. It holds nothing that changes by itself (the clock's reading is
// the script's), so an unchanged world renders the same bytes.
type liveData struct {
	OffsetMS int64
	Offset   string
	Panels   []panelView
}

type panelView struct {
	ID, Title, Note string
	Tables          []tableView
}

type tableView struct {
	Table
	ID         string
	Rows       []rowView
	HasActions bool
	Span       int // columns, the actions' included
}

type rowView struct {
	Row
	Details []tableView
	Actions []actionView
}

type actionView struct {
	Action
	ID, Tenant, CSRF string
}

// live renders the live part of a world's page, and says the world's
// clock.
func (d *Dashboard) live(ctx context.Context, tenant string, f journalFilter, csrf string) ([]byte, time.Time, error) {
	var ld liveData
	var now time.Time
	var sections [][]Table
	var shared []panelView
	err := d.st.View(ctx, tenant, func(tx store.Tx) error {
		now = tx.Now()
		off := tx.ClockOffset()
		ld.OffsetMS, ld.Offset = off.Milliseconds(), off.String()
		sections = sections[:0]
		for _, s := range d.cfg.Sections {
			tables, err := s.Read(ctx, tx)
			if err != nil {
				return fmt.Errorf("dashboard: section %s: %w", s.Title(), err)
			}
			sections = append(sections, tables)
		}
		hooks, err := webhooksPanel(tx)
		if err != nil {
			return err
		}
		faults, err := d.faultsTable(tx)
		if err != nil {
			return err
		}
		shared = []panelView{hooks, panel("Faults", "", []Table{faults})}
		return nil
	})
	if err != nil {
		return nil, now, err
	}
	var panels []panelView
	for i, s := range d.cfg.Sections {
		if ls, ok := s.(LogSection); ok {
			tables, err := ls.ReadLog(ctx, d.st, tenant)
			if err != nil {
				return nil, now, fmt.Errorf("dashboard: section %s: %w", s.Title(), err)
			}
			sections[i] = append(sections[i], tables...)
		}
		panels = append(panels, panel(s.Title(), "", sections[i]))
	}
	panels = append(panels, shared...)
	journal, err := d.journalPanel(ctx, tenant, f)
	if err != nil {
		return nil, now, err
	}
	coverage, err := d.coveragePanel(ctx, tenant)
	if err != nil {
		return nil, now, err
	}
	ld.Panels = append(panels, journal, coverage)
	for i := range ld.Panels {
		p := &ld.Panels[i]
		for j := range p.Tables {
			bind(&p.Tables[j], tenant, csrf)
		}
	}
	var buf bytes.Buffer
	if err := pages().ExecuteTemplate(&buf, "live", ld); err != nil {
		return nil, now, err
	}
	return buf.Bytes(), now, nil
}

var idUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes an HTML id of a title.
func slug(s string) string {
	return strings.Trim(idUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// panel makes a panel of tables, naming every table, row and details on
// the page (ids the stream keeps, so folds opened stay open).
func panel(title, note string, tables []Table) panelView {
	p := panelView{ID: slug(title), Title: title, Note: note}
	for i, t := range tables {
		p.Tables = append(p.Tables, view(t, fmt.Sprintf("%s-%d-%s", p.ID, i, slug(t.Title))))
	}
	return p
}

func view(t Table, id string) tableView {
	tv := tableView{Table: t, ID: id, Span: len(t.Columns)}
	if tv.Empty == "" {
		tv.Empty = "None."
	}
	for i, r := range t.Rows {
		rv := rowView{Row: r}
		if rv.ID == "" {
			rv.ID = fmt.Sprintf("%s-r%d", id, i)
		}
		if rv.DetailsLabel == "" {
			rv.DetailsLabel = "Details"
		}
		for j, dt := range r.Details {
			rv.Details = append(rv.Details, view(dt, fmt.Sprintf("%s-d%d", rv.ID, j)))
		}
		for j, a := range r.Actions {
			rv.Actions = append(rv.Actions, actionView{Action: a, ID: fmt.Sprintf("%s-a%d", rv.ID, j)})
		}
		tv.HasActions = tv.HasActions || len(r.Actions) > 0
		tv.Rows = append(tv.Rows, rv)
	}
	if tv.HasActions {
		tv.Span++
	}
	return tv
}

// bind gives every action of a table the world and the token its form
// posts.
func bind(t *tableView, tenant, csrf string) {
	for i := range t.Rows {
		r := &t.Rows[i]
		for j := range r.Actions {
			r.Actions[j].Tenant, r.Actions[j].CSRF = tenant, csrf
		}
		for j := range r.Details {
			bind(&r.Details[j], tenant, csrf)
		}
	}
}

// ---- the panels every world has ----

// webhooksPanel shows the world's subscriptions and its newest deliveries,
// each with its attempts and a button to send it again.
func webhooksPanel(tx store.Tx) (panelView, error) {
	subs := Table{Title: "Subscriptions", Empty: "No endpoint is subscribed (POST /__webhooks/subscribe).",
		Columns: []string{"Integration", "Role", "Organization", "URL", "Since"}}
	total := 0
	for _, role := range []store.Role{store.RoleRepairer, store.RoleSupplier} {
		orgs, err := tx.Organizations(role)
		if err != nil {
			return panelView{}, err
		}
		for _, o := range orgs {
			ins, err := tx.IntegrationsOf(o.ID)
			if err != nil {
				return panelView{}, err
			}
			for _, in := range ins {
				eps, err := tx.Endpoints(in.ID)
				if err != nil {
					return panelView{}, err
				}
				for _, ep := range eps {
					total++
					if len(subs.Rows) < MaxSubscriptions {
						subs.Rows = append(subs.Rows, Row{ID: "endpoint-" + ep.ID.String(), Cells: []Cell{
							Code(in.ID.String()), Text(string(in.Role)), Text(o.Name), Code(ep.URL), When(ep.CreatedAt)}})
					}
				}
			}
		}
	}
	subs.More = total - len(subs.Rows)

	dels := Table{Title: "Deliveries", Empty: "No delivery yet: webhooks are sent to subscribed endpoints after the call that caused them.",
		Columns: []string{"Created", "Event", "To", "Status", "Attempts", "Next attempt"}}
	ds, err := tx.Deliveries(store.DeliveryFilter{Limit: MaxDeliveries + 1})
	if err != nil {
		return panelView{}, err
	}
	if len(ds) > MaxDeliveries {
		ds = ds[:MaxDeliveries]
		dels.Note = fmt.Sprintf("The newest %d; GET /__webhooks/deliveries lists more.", MaxDeliveries)
	}
	for _, del := range ds {
		as, err := tx.Attempts(del.ID)
		if err != nil {
			return panelView{}, err
		}
		at := Table{Title: "Attempts", Empty: "Not sent yet.",
			Columns: []string{"#", "At", "Answer", "Latency", "Signature (" + webhook.SignatureHeader + ")", "Error", "Answer's start"}}
		if len(as) > MaxAttempts {
			at.More, as = len(as)-MaxAttempts, as[len(as)-MaxAttempts:]
		}
		for _, a := range slices.Backward(as) {
			answer := "—"
			if a.StatusCode != 0 {
				answer = strconv.Itoa(a.StatusCode)
			}
			at.Rows = append(at.Rows, Row{Cells: []Cell{Num(strconv.Itoa(a.Number)), whenMS(a.At), Badge(answer),
				Num(ms(a.Latency)), Code(orNone(a.Signature)), Text(orNone(a.Error)), Body(a.ResponseExcerpt)}})
		}
		info := Table{Title: "Message", Columns: []string{"Message id", "Integration", "Object", "Last error"},
			Rows: []Row{{Cells: []Cell{Code(del.MessageID.String()), Code(del.IntegrationID.String()),
				Code(del.ObjectType + " " + del.ObjectID.String()), Text(orNone(del.LastError))}}}}
		next := When(time.Time{})
		if del.Status == store.DeliveryPending {
			next = When(del.NextAttemptAt)
		}
		row := Row{ID: "delivery-" + del.ID.String(),
			Cells: []Cell{whenMS(del.CreatedAt), Code(del.Type), Code(del.URL), Badge(del.Status),
				Num(strconv.Itoa(del.Attempts)), next},
			Details: []Table{at, info}, DetailsLabel: plural(del.Attempts, "attempt", "attempts")}
		if del.Status != store.DeliveryInFlight {
			row.Actions = []Action{Post("Re-send", "/__webhooks/deliveries/"+del.ID.String()+"/replay")}
		}
		dels.Rows = append(dels.Rows, row)
	}
	return panel("Webhooks", "", []Table{subs, dels}), nil
}

func (d *Dashboard) faultsTable(tx store.Tx) (Table, error) {
	t := Table{Title: "Faults set", Empty: "No fault is set: every call is answered normally.",
		Columns: []string{"API", "Operation", "Error", "Status", "Latency", "Probability", "Times left", "Set at"}}
	fs, err := tx.Faults("")
	if err != nil {
		return t, err
	}
	for _, f := range fs {
		api, op := httpapi.SplitKey(f.Method)
		status, left := "usual", "until cleared"
		if f.Status != 0 {
			status = strconv.Itoa(f.Status)
		}
		if f.Remaining > 0 {
			left = strconv.Itoa(f.Remaining)
		}
		t.Rows = append(t.Rows, Row{ID: "fault-" + f.ID.String(), Cells: []Cell{Text(api), Code(op), Code(orNone(f.ErrorType)),
			Text(status), Num(fmt.Sprintf("%d ms", f.LatencyMS)), Num(strconv.FormatFloat(f.Probability, 'f', -1, 64)),
			Num(left), When(f.CreatedAt)}})
	}
	return t, nil
}

// journalPanel shows the newest calls the world received, newest first.
func (d *Dashboard) journalPanel(ctx context.Context, tenant string, f journalFilter) (panelView, error) {
	entries, err := d.st.Journal(ctx, tenant, store.JournalFilter{Method: f.Method, Status: f.Status, Limit: MaxJournal})
	if err != nil {
		return panelView{}, err
	}
	t := Table{Title: "Requests", Empty: "No request yet" + map[bool]string{true: " matches the filter.", false: "."}[f != journalFilter{}],
		Columns: []string{"Time", "API", "Operation", "Status", "Latency", "Request id", "Integration"}}
	note := fmt.Sprintf("Newest first: the newest %d kept (GET /__journal has them all, with whole bodies).", MaxJournal)
	if f.Method != "" || f.Status != 0 {
		note += " Filtered:"
		if f.Method != "" {
			note += " operation " + f.Method
		}
		if f.Status != 0 {
			note += " status " + strconv.Itoa(f.Status)
		}
		note += "."
	}
	for _, e := range slices.Backward(entries) {
		api, op := httpapi.SplitKey(e.Method)
		in := "—"
		if e.IntegrationID != nil {
			in = e.IntegrationID.String()
		}
		bodies := Table{Title: "Bodies", Columns: []string{"Request", "Answer"},
			Rows: []Row{{Cells: []Cell{Body(cut(e.RequestBody, BodyExcerpt)), Body(cut(e.ResponseBody, BodyExcerpt))}}}}
		t.Rows = append(t.Rows, Row{ID: "call-" + e.ID.String(),
			Cells: []Cell{whenMS(e.Time), Text(api), Code(op), Badge(strconv.Itoa(e.Status)), Num(ms(e.Latency)),
				Code(e.RequestID), Code(in)},
			Details: []Table{bodies}, DetailsLabel: "Bodies"})
	}
	return panel("Journal", note, []Table{t}), nil
}

// coveragePanel shows which answers of each operation, and which webhook
// events, the world has seen, counted as GET /__coverage counts them.
func (d *Dashboard) coveragePanel(ctx context.Context, tenant string) (panelView, error) {
	counts, err := d.st.Coverage(ctx, tenant)
	if err != nil {
		return panelView{}, err
	}
	exercised, total := 0, 0
	ops := Table{Title: "Operations", Columns: []string{"API", "Operation", "Seen", "Never seen"}}
	events := Table{Title: "Webhook events", Columns: []string{"API", "Event", "Seen"}, Empty: "No API here sends webhooks."}
	for _, m := range d.cfg.Modules {
		for _, o := range d.ops {
			if o.API != m.Name {
				continue
			}
			var seen, never []string
			for _, v := range append([]string{"200"}, o.Variants...) {
				total++
				if n := counts[recorder.VariantKey(o.Key, v)]; n > 0 {
					exercised++
					seen = append(seen, fmt.Sprintf("%s ×%d", v, n))
				} else {
					never = append(never, v)
				}
			}
			ops.Rows = append(ops.Rows, Row{Cells: []Cell{Text(o.API), Code(o.Name),
				Text(orNone(strings.Join(seen, ", "))), Text(orNone(strings.Join(never, ", ")))}})
		}
		for _, typ := range m.Doc.EventTypes() {
			total++
			n := counts[recorder.EventKey(typ)]
			if n > 0 {
				exercised++
			}
			events.Rows = append(events.Rows, Row{Cells: []Cell{Text(m.Name), Code(typ), Num(strconv.Itoa(n))}})
		}
	}
	note := fmt.Sprintf("%d of %d answers and webhook events exercised in this world (GET /__coverage?format=junit for CI).", exercised, total)
	return panel("Coverage", note, []Table{ops, events}), nil
}

// doneMessages say what a control did, after it did it.
var doneMessages = map[string]string{
	"reset":         "The world was reset to its seeded state.",
	"clock":         "The clock moved forward.",
	"clock-real":    "The clock follows wall time again.",
	"fault":         "The fault is set.",
	"faults-clear":  "Every fault is cleared.",
	"journal-clear": "The journal is cleared.",
}
