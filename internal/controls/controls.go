// Package controls serves the sandbox controls, the routes under /__ that
// are part of no API's contract and work the same for every API: reset,
// clock, faults, journal, coverage and the webhook tools. They are
// described by openapi-sandbox.json; the modules add their own triggers.
// It also observes every call for the journal and coverage.
package controls

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/recorder"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// Config is what the controls are built from.
type Config struct {
	Store store.Store
	// Doc gives openapi-sandbox.json (see httpapi.Sandbox.Doc).
	Doc      func() (*spec.Doc, error)
	Recorder *recorder.Recorder
	// Modules are the APIs served: faults, the journal and coverage name
	// their operations.
	Modules []*httpapi.Module
	// Sender sends the webhook probe's requests; default: loopback only.
	Sender *webhooks.Sender
	// Sample is an event the probe may send to an integration.
	Sample func(tx store.Tx, in store.Integration) (store.Event, error)
	// WebhookLimits bound endpoints per integration and each world's sink
	// (zero values: the defaults); MaxFaults is how many faults a world
	// may have set (0: store.DefaultMaxFaults).
	WebhookLimits webhooks.Limits
	MaxFaults     int
	// SelfURL is the server's own base URL on loopback, where listeners'
	// deliveries go ("" or nil: the server has none, and cannot listen).
	SelfURL func() string
}

// Controls are the shared sandbox routes.
type Controls struct {
	cfg Config
	st  store.Store
	rec *recorder.Recorder

	stopping    chan struct{} // closed by StopWaiting
	stopWaiting sync.Once
}

// New builds the controls.
func New(cfg Config) *Controls {
	if cfg.Sender == nil {
		cfg.Sender = webhooks.NewSender(webhooks.Policy{}, 0)
	}
	cfg.MaxFaults = cmp.Or(cfg.MaxFaults, store.DefaultMaxFaults)
	return &Controls{cfg: cfg, st: cfg.Store, rec: cfg.Recorder, stopping: make(chan struct{})}
}

// StopWaiting answers the polls that wait for webhooks at once, and any
// that come later without waiting: the server is shutting down, which
// waits for the requests in flight.
func (c *Controls) StopWaiting() { c.stopWaiting.Do(func() { close(c.stopping) }) }

// Sandbox is the sandbox group the edge serves.
func (c *Controls) Sandbox() httpapi.Sandbox {
	return httpapi.Sandbox{
		Doc: c.cfg.Doc, Errors: Errors, Mount: c.mountWebhooks,
		Routes: []httpapi.Route{
			{Op: "sandbox.reset", Verb: http.MethodPost, Path: "reset", Tx: httpapi.TxNone, Handle: c.reset},
			{Op: "sandbox.clock.get", Verb: http.MethodGet, Path: "clock", Tx: httpapi.TxView, Handle: c.clockGet},
			{Op: "sandbox.clock.set", Verb: http.MethodPost, Path: "clock", Tx: httpapi.TxNone, Handle: c.clockSet},
			{Op: "sandbox.faults.list", Verb: http.MethodGet, Path: "faults", Tx: httpapi.TxView, Handle: c.faultsList},
			{Op: "sandbox.faults.insert", Verb: http.MethodPost, Path: "faults", Tx: httpapi.TxUpdate, Handle: c.faultsInsert},
			{Op: "sandbox.faults.delete", Verb: http.MethodDelete, Path: "faults", Tx: httpapi.TxUpdate, Handle: c.faultsDelete},
			{Op: "sandbox.journal.list", Verb: http.MethodGet, Path: "journal", Tx: httpapi.TxNone, Handle: c.journalList},
			{Op: "sandbox.journal.delete", Verb: http.MethodDelete, Path: "journal", Tx: httpapi.TxNone, Handle: c.journalDelete},
			{Op: "sandbox.coverage.get", Verb: http.MethodGet, Path: "coverage", Tx: httpapi.TxNone, Handle: c.coverage},
		},
	}
}

// DefaultJournalSize is how many calls a tenant's journal keeps by default.
const DefaultJournalSize = 1000

type okV1 struct {
	OK bool `json:"ok"`
}

// ---- observing calls ----

// Observer journals every wire call and counts it for coverage, with the
// webhook events it wrote; of sandbox routes, only the events count.
func (c *Controls) Observer() httpapi.Observer {
	return &observer{rec: c.rec, variants: map[[2]string]string{}}
}

type observer struct {
	rec *recorder.Recorder
	// variants holds the coverage key of each operation's answers, made
	// once: a route's variants are the few its family names, so the map
	// stays small (unknown routes are never counted).
	mu       sync.RWMutex
	variants map[[2]string]string
}

// variantKey is recorder.VariantKey(key, variant), kept.
func (o *observer) variantKey(key, variant string) string {
	o.mu.RLock()
	k, ok := o.variants[[2]string{key, variant}]
	o.mu.RUnlock()
	if !ok {
		k = recorder.VariantKey(key, variant)
		o.mu.Lock()
		o.variants[[2]string{key, variant}] = k
		o.mu.Unlock()
	}
	return k
}

func (o *observer) Observe(out *httpapi.Outcome) {
	if out.NoWorld {
		return // a refused tenant name: there is no world to record in
	}
	var buf [4]string
	keys := buf[:0]
	if out.API != "" && out.Op != "" {
		keys = append(keys, o.variantKey(out.Key, out.Variant))
	}
	for _, typ := range out.Written.Events {
		keys = append(keys, recorder.EventKey(typ))
	}
	o.rec.Count(out.Tenant, keys...)
	if out.API == "" {
		return // the sandbox's own calls are not journaled
	}
	o.rec.Journal(out.Tenant, store.JournalEntry{
		ID: uuid.New(), Time: out.Start, RequestID: out.RequestID, Method: out.Key,
		Status: out.Status, Latency: out.Latency, IntegrationID: out.IntegrationID,
		RequestBody: out.Request, ResponseBody: out.Body, Note: out.Note,
	})
}

// ---- reset and clock ----

func (c *Controls) reset(call *httpapi.Call) (any, error) {
	// Buffered journal entries and counts belong to the world being
	// replaced: write them there first so none lands in the fresh one.
	if err := c.rec.FlushTenant(call.Ctx, call.Tenant); err != nil {
		return nil, err
	}
	if err := c.st.ResetTenant(call.Ctx, call.Tenant); err != nil {
		return nil, err
	}
	return okV1{true}, nil
}

type clockV1 struct {
	Now           string  `json:"now"`
	Offset        string  `json:"offset"`
	OffsetSeconds float64 `json:"offset_seconds"`
	Real          bool    `json:"real"`
}

func clockOf(now time.Time, offset time.Duration) clockV1 {
	return clockV1{Now: now.UTC().Format(time.RFC3339Nano), Offset: offset.String(),
		OffsetSeconds: offset.Seconds(), Real: offset == 0}
}

func (c *Controls) clockGet(call *httpapi.Call) (any, error) {
	return clockOf(call.Tx.Now(), call.Tx.ClockOffset()), nil
}

type clockSetV1 struct {
	Advance *string `json:"advance"`
	Set     *string `json:"set"`
	Real    *bool   `json:"real"`
}

func (c *Controls) clockSet(call *httpapi.Call) (any, error) {
	var req clockSetV1
	if err := decode(call, &req); err != nil {
		return nil, err
	}
	// Journal times are stamped with the offset read at flush time: flush
	// before the offset moves.
	if err := c.rec.FlushTenant(call.Ctx, call.Tenant); err != nil {
		return nil, err
	}
	var out clockV1
	err := call.Work(true, func(tx store.Tx) error {
		now, offset := tx.Now(), tx.ClockOffset()
		next := time.Duration(0) // {"real":true}
		switch {
		case req.Advance != nil:
			d, err := time.ParseDuration(*req.Advance)
			if err != nil || d < 0 {
				return httpapi.BadInput("/advance", "a duration that is not negative, such as 90s, 20m or 48h")
			}
			next = offset + d
		case req.Set != nil:
			t, err := time.Parse(time.RFC3339, *req.Set)
			if err != nil {
				return httpapi.BadInput("/set", "an RFC 3339 date-time")
			}
			if t.Before(now) {
				return httpapi.BadInput("/set", "the clock only moves forward: "+*req.Set+" is before the tenant clock "+now.Format(time.RFC3339Nano))
			}
			next = offset + t.Sub(now)
		}
		if next < offset && req.Real == nil {
			// The sum overflowed: further than a Duration reaches.
			return httpapi.BadInput("", "the clock cannot move that far")
		}
		if err := tx.SetClockOffset(next); err != nil {
			return err
		}
		out = clockOf(now.Add(next-offset), next)
		return nil
	})
	return out, err
}

// ---- journal ----

type journalEntryV1 struct {
	ID            uuid.UUID  `json:"id"`
	Time          string     `json:"time"`
	RequestID     string     `json:"request_id"`
	API           string     `json:"api"`
	Method        string     `json:"method"`
	Status        int        `json:"status"`
	LatencyMS     float64    `json:"latency_ms"`
	IntegrationID *uuid.UUID `json:"integration_id"`
	RequestBody   string     `json:"request_body"`
	ResponseBody  string     `json:"response_body"`
	Note          *string    `json:"note"`
}

type itemsV1[T any] struct {
	Items []T `json:"items"`
}

func (c *Controls) journalList(call *httpapi.Call) (any, error) {
	q := call.Request.URL.Query()
	f := store.JournalFilter{}
	if m := q.Get("method"); m != "" {
		f.Method = httpapi.Key(c.apiOf(q.Get("api"), m), m)
	}
	var err error
	if f.Status, err = intParam(q.Get("status"), 100, 599, "/query/status"); err != nil {
		return nil, err
	}
	if f.Limit, err = intParam(q.Get("limit"), 1, 1<<30, "/query/limit"); err != nil {
		return nil, err
	}
	if err := c.rec.FlushTenant(call.Ctx, call.Tenant); err != nil {
		return nil, err
	}
	entries, err := c.st.Journal(call.Ctx, call.Tenant, f)
	if err != nil {
		return nil, err
	}
	items := make([]journalEntryV1, len(entries))
	for i, e := range entries {
		api, method := httpapi.SplitKey(e.Method)
		items[i] = journalEntryV1{
			ID: e.ID, Time: e.Time.UTC().Format(time.RFC3339Nano), RequestID: e.RequestID, API: api, Method: method,
			Status: e.Status, LatencyMS: float64(e.Latency.Microseconds()) / 1000, IntegrationID: e.IntegrationID,
			RequestBody: string(e.RequestBody), ResponseBody: string(e.ResponseBody),
		}
		if e.Note != "" {
			items[i].Note = &e.Note
		}
	}
	// An answer holds at most MaxJournalAnswer bytes of bodies and notes:
	// the oldest entries beyond it are left out, and counted.
	size, keepFrom := 0, len(items)
	for keepFrom > 0 {
		e := items[keepFrom-1]
		n := len(e.RequestBody) + len(e.ResponseBody) + len(entries[keepFrom-1].Note)
		if size+n > MaxJournalAnswer && keepFrom < len(items) {
			break
		}
		size += n
		keepFrom--
	}
	return journalV1{Items: items[keepFrom:], Omitted: keepFrom}, nil
}

// MaxJournalAnswer bounds the bodies one GET /__journal answers (at least
// the newest entry is always answered).
const MaxJournalAnswer = 8 << 20

type journalV1 struct {
	Items []journalEntryV1 `json:"items"`
	// Omitted counts the older entries the filter matched that the answer
	// leaves out to stay under MaxJournalAnswer.
	Omitted int `json:"omitted"`
}

// apiOf is the API a journal filter or a fault means: the one named, else
// the one whose route table has op, else the first.
func (c *Controls) apiOf(named, op string) string {
	if named != "" {
		return named
	}
	for _, m := range c.cfg.Modules {
		for _, rt := range m.Routes {
			if rt.Op == op {
				return m.Name
			}
		}
	}
	if len(c.cfg.Modules) > 0 {
		return c.cfg.Modules[0].Name
	}
	return ""
}

// intParam reads an optional integer query parameter within [lo, hi]; 0
// when absent.
func intParam(v string, lo, hi int, path string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, httpapi.BadInput(path, fmt.Sprintf("an integer from %d to %d", lo, hi))
	}
	return n, nil
}

func (c *Controls) journalDelete(call *httpapi.Call) (any, error) {
	if err := c.rec.FlushTenant(call.Ctx, call.Tenant); err != nil {
		return nil, err
	}
	if err := c.st.ClearJournal(call.Ctx, call.Tenant); err != nil {
		return nil, err
	}
	return okV1{true}, nil
}
