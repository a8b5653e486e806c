// Package sandbox gives a Go test a mock server of the Partly 2026-01
// Integrations API with a world of its own: the seeded demo world, reached
// at a base URL no other test shares, with typed helpers for the sandbox
// controls (reset, clock, triggers, faults, journal, coverage) and a
// webhook receiver that verifies every signature.
//
//	func TestOrder(t *testing.T) {
//		t.Parallel()
//		srv := sandbox.Start(t)
//		hooks := srv.Webhooks(t) // subscribed for sandbox.Repairer
//		// … point your client at srv.URL (or use srv.Client()) with sandbox.Repairer …
//		srv.ConfirmAsSupplier(procurementID)
//		env := hooks.Wait(t, "repairer.procurement.order_confirmed")
//	}
//
// One server runs per test binary and every Start gets a fresh world of it
// (a tenant with a name of its own), so starting is cheap and tests that
// run in parallel never see each other's records, journal, faults, clock
// or webhooks. Options that change the server's configuration start a
// server of the test's own instead.
//
// The helpers fail the test that called Start (t.Fatalf) on any error,
// with the server's answer; srv.For(t) fails another test (a subtest)
// instead.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/sandboxclient"
	"github.com/partifact/mockserver/internal/seed"
)

// Credential is an api key with its integration id: send them as
// "Authorization: Bearer <APIKey>" and "Partly-Integration-ID: <IntegrationID>".
type Credential struct {
	APIKey        string
	IntegrationID string
}

// The seeded demo credentials, the same in every world.
var (
	Repairer = Credential{seed.RepairerAPIKey, seed.RepairerIntegrationID.String()}
	Supplier = Credential{seed.SupplierAPIKey, seed.SupplierIntegrationID.String()}
	// A repairer and a supplier of two other organizations.
	OtherRepairer = Credential{seed.OtherRepairerAPIKey, seed.OtherRepairerIntegID.String()}
	OtherSupplier = Credential{seed.OtherSupplierAPIKey, seed.OtherSupplierIntegID.String()}
)

// TenantHeader names a world on every request to the server; requests to
// Server.URL that do not name one run in the Server's world.
const TenantHeader = sandboxclient.TenantHeader

// CallTimeout bounds every helper's call to the server.
const CallTimeout = 30 * time.Second

// Options adjust Start; the zero value shares the test binary's server.
// Any other value starts a server of the test's own, stopped when the test
// ends.
type Options struct {
	Logger *slog.Logger // default: discard
	// SupplierAutoConfirm confirms new procurements this long after their
	// creation, on the world's clock (0: never), as --supplier-auto-confirm.
	SupplierAutoConfirm time.Duration
	// DatabaseURL keeps the state in this Postgres database (migrated on
	// start) instead of in memory.
	DatabaseURL string
	// Dedicated starts a server of the test's own even with the defaults,
	// for what is per process rather than per world (the /metrics counters).
	Dedicated bool
}

func (o Options) dedicated() bool { return o != Options{} }

// Server is one world of a running mock.
type Server struct {
	// URL is the world's base URL ("http://127.0.0.1:<port>"): a request to
	// it that names no world itself (no tenant header, no tenant parameter)
	// runs in Tenant. Webhooks may be subscribed to it too.
	URL string
	// Tenant is the world's name, fresh for every Start.
	Tenant string
	// ServerURL is the server's own address, where a request runs in the
	// world its tenant header names (the shared one without). Every world
	// of the test binary's server is there.
	ServerURL string

	tb  testing.TB
	ctl *sandboxclient.Client
}

// shared is the test binary's server, started by the first Start that
// needs it and left running until the binary exits.
var shared struct {
	once sync.Once
	app  *app.App
	err  error
}

func sharedApp() (*app.App, error) {
	shared.once.Do(func() {
		cfg := app.DefaultConfig()
		cfg.Addr = "127.0.0.1:0"
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		a, err := app.New(context.Background(), cfg)
		if err != nil {
			shared.err = err
			return
		}
		go func() { _ = a.Run() }()
		shared.app = a
	})
	return shared.app, shared.err
}

// Start gives the test a world of its own on a running mock, until the
// test ends.
func Start(tb testing.TB, opts ...Options) *Server {
	tb.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	var a *app.App
	if o.dedicated() {
		a = apptest.Start(tb, apptest.Config(func(c *app.Config) {
			c.Logger = o.Logger
			c.SupplierAutoConfirm = o.SupplierAutoConfirm
			c.DatabaseURL = o.DatabaseURL
		}))
	} else {
		var err error
		if a, err = sharedApp(); err != nil {
			tb.Fatalf("sandbox: start the server: %v", err)
		}
	}
	tenant := newTenant()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("sandbox: listen: %v", err)
	}
	front := &http.Server{Handler: inWorld(tenant, a.Handler()), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() { _ = front.Serve(ln) }()
	s := &Server{URL: "http://" + ln.Addr().String(), Tenant: tenant, ServerURL: a.URL(), tb: tb,
		ctl: &sandboxclient.Client{BaseURL: a.URL(), Tenant: tenant, HTTP: &http.Client{Timeout: CallTimeout}}}
	tb.Cleanup(func() {
		if !o.dedicated() {
			// The world stays on the shared server until it idles out:
			// seeded afresh, without the test's records, endpoints or
			// pending webhook retries.
			ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
			defer cancel()
			if err := s.ctl.Reset(ctx); err != nil {
				tb.Errorf("sandbox: reset world %s after the test: %v", tenant, err)
			}
		}
		_ = front.Close()
	})
	return s
}

// newTenant names a fresh world.
func newTenant() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "sandbox-" + hex.EncodeToString(b[:])
}

// inWorld serves h with the world's tenant header on every request that
// names no world of its own.
func inWorld(tenant string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !namesWorld(r) {
			r = r.Clone(r.Context())
			r.Header.Set(TenantHeader, tenant)
		}
		h.ServeHTTP(w, r)
	})
}

// namesWorld reports whether a request chose its world itself: by a
// tenant header or by a tenant parameter, which the pages a browser opens
// (the consent page, the dashboard) take since a browser cannot send
// headers, and which their forms repeat in the fields they post back.
func namesWorld(r *http.Request) bool {
	if len(r.Header.Values("x-partifact-tenant")) > 0 || len(r.Header.Values("x-mock-tenant")) > 0 || r.URL.Query().Has("tenant") {
		return true
	}
	browserPage := strings.HasPrefix(r.URL.Path, "/auth/") || strings.HasPrefix(r.URL.Path, "/ui/")
	return browserPage && r.Method != http.MethodGet && r.Method != http.MethodHead
}

// For is the same world with its helpers failing tb instead of the test
// that called Start (a subtest's t, say).
func (s *Server) For(tb testing.TB) *Server {
	c := *s
	c.tb = tb
	return &c
}

// Client is an http.Client for the world: it sends the world's tenant
// header on every request that has none (so it works against URL and
// ServerURL alike) and gives up on a call after CallTimeout.
func (s *Server) Client() *http.Client {
	return &http.Client{Timeout: CallTimeout, Transport: tenantTransport{tenant: s.Tenant, next: http.DefaultTransport}}
}

type tenantTransport struct {
	tenant string
	next   http.RoundTripper
}

func (t tenantTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !namesWorld(r) {
		r = r.Clone(r.Context()) // a RoundTripper must not change its request
		r.Header.Set(TenantHeader, t.tenant)
	}
	return t.next.RoundTrip(r)
}

// call runs one control call with the helpers' timeout, failing the test
// on error.
func (s *Server) call(what string, fn func(ctx context.Context) error) {
	s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	defer cancel()
	if err := fn(ctx); err != nil {
		s.tb.Fatalf("sandbox: %s: %v", what, err)
	}
}

// Reset replaces the world by the seeded one: records, webhook endpoints
// and deliveries, the journal, faults, coverage and the clock.
func (s *Server) Reset() {
	s.tb.Helper()
	s.call("reset", s.ctl.Reset)
}

// Clock is a world's clock.
type Clock struct {
	Now    time.Time
	Offset time.Duration // how far it is ahead of the wall clock (0: it follows it)
}

func clockOf(c sandboxclient.Clock) Clock { return Clock{Now: c.Now, Offset: c.Offset} }

// Clock reads the world's clock.
func (s *Server) Clock() Clock {
	s.tb.Helper()
	var c sandboxclient.Clock
	s.call("read the clock", func(ctx context.Context) (err error) { c, err = s.ctl.Clock(ctx); return err })
	return clockOf(c)
}

func (s *Server) moveClock(what string, ch sandboxclient.ClockChange) Clock {
	s.tb.Helper()
	var c sandboxclient.Clock
	s.call(what, func(ctx context.Context) (err error) { c, err = s.ctl.SetClock(ctx, ch); return err })
	return clockOf(c)
}

// AdvanceClock moves the world's clock forward by d (not negative):
// access-code expiry, webhook retries and supplier auto-confirm see it at
// once, and webhook timestamps move with it.
func (s *Server) AdvanceClock(d time.Duration) Clock {
	s.tb.Helper()
	return s.moveClock("advance the clock", sandboxclient.ClockChange{Advance: d.String()})
}

// SetClock moves the world's clock forward to t.
func (s *Server) SetClock(t time.Time) Clock {
	s.tb.Helper()
	return s.moveClock("set the clock", sandboxclient.ClockChange{Set: t.UTC().Format(time.RFC3339Nano)})
}

// RealClock puts the world's clock back on the wall clock.
func (s *Server) RealClock() Clock {
	s.tb.Helper()
	return s.moveClock("put the clock back", sandboxclient.ClockChange{Real: true})
}

// Procurement is a procurement as a trigger left it.
type Procurement struct {
	ID     string
	Status string          // "order_confirmed", "cancelled", …
	JSON   json.RawMessage // the whole ProcurementV1, as the buyer reads it
}

func procurementOf(p sandboxclient.Procurement) Procurement {
	return Procurement{ID: p.ID, Status: p.Status, JSON: p.JSON}
}

// ConfirmAsSupplier confirms a procurement as its supplier would, without
// the supplier's credential: the same transition and webhooks as
// supplier.procurements.confirm.
func (s *Server) ConfirmAsSupplier(procurementID string) Procurement {
	s.tb.Helper()
	var p sandboxclient.Procurement
	s.call("confirm procurement "+procurementID, func(ctx context.Context) (err error) {
		p, err = s.ctl.ConfirmProcurement(ctx, procurementID)
		return err
	})
	return procurementOf(p)
}

// CancelProcurement cancels a procurement still order_requested, which the
// public API never does; its parts become orderable again.
func (s *Server) CancelProcurement(procurementID string) Procurement {
	s.tb.Helper()
	var p sandboxclient.Procurement
	s.call("cancel procurement "+procurementID, func(ctx context.Context) (err error) {
		p, err = s.ctl.CancelProcurement(ctx, procurementID)
		return err
	})
	return procurementOf(p)
}

// Fault makes an operation misbehave. Method is required; with Error the
// call answers that variant of the method's error union, with only Status
// that status with its usual variant, with only Latency it is slowed down.
type Fault struct {
	API         string         // default: the API with an operation named Method ("partly")
	Method      string         // e.g. "repairer.jobs.get"
	Error       string         // e.g. "not_found"
	Fields      map[string]any // members beside the variant's type, e.g. {"status": "cancelled"}
	Status      int            // an HTTP status, 400 to 599; 0: the variant's usual one
	Latency     time.Duration  // delay before answering, up to 30 s (milliseconds are kept)
	Probability float64        // 0 < p <= 1; 0 means 1
	Count       int            // how many calls it hits; 0: until cleared
}

// InjectedFault is a fault as the server keeps it.
type InjectedFault struct {
	ID          string
	API         string
	Method      string
	Error       string // "" for a latency-only fault
	Status      int    // the status answered; 0 for a latency-only fault
	Latency     time.Duration
	Probability float64
	Remaining   int // calls left to hit; -1: until cleared
}

func injectedOf(f sandboxclient.Fault) InjectedFault {
	out := InjectedFault{ID: f.ID, API: f.API, Method: f.Method, Latency: time.Duration(f.LatencyMS) * time.Millisecond,
		Probability: f.Probability, Remaining: -1}
	if f.Error != nil {
		out.Error = *f.Error
	}
	if f.Status != nil {
		out.Status = *f.Status
	}
	if f.Remaining != nil {
		out.Remaining = *f.Remaining
	}
	return out
}

// Fault sets a fault; several on one method fire oldest first.
func (s *Server) Fault(f Fault) InjectedFault {
	s.tb.Helper()
	req := sandboxclient.FaultRequest{Method: f.Method, Fields: f.Fields}
	if f.API != "" {
		req.API = &f.API
	}
	if f.Error != "" {
		req.Error = &f.Error
	}
	if f.Status != 0 {
		req.Status = &f.Status
	}
	if f.Latency != 0 {
		ms := int(f.Latency / time.Millisecond)
		req.LatencyMS = &ms
	}
	if f.Probability != 0 {
		req.Probability = &f.Probability
	}
	if f.Count != 0 {
		req.Count = &f.Count
	}
	var out sandboxclient.Fault
	s.call("set a fault on "+f.Method, func(ctx context.Context) (err error) { out, err = s.ctl.InsertFault(ctx, req); return err })
	return injectedOf(out)
}

// Faults lists the faults with calls left to hit, oldest first.
func (s *Server) Faults() []InjectedFault {
	s.tb.Helper()
	var fs []sandboxclient.Fault
	s.call("list faults", func(ctx context.Context) (err error) { fs, err = s.ctl.Faults(ctx); return err })
	out := make([]InjectedFault, len(fs))
	for i, f := range fs {
		out[i] = injectedOf(f)
	}
	return out
}

// ClearFaults removes every fault of the world.
func (s *Server) ClearFaults() {
	s.tb.Helper()
	s.call("clear faults", s.ctl.ClearFaults)
}

// JournalFilter narrows Journal; zero values match everything.
type JournalFilter struct {
	API    string // default: the API of Method
	Method string // e.g. "repairer.jobs.get"
	Status int
	Limit  int // the newest Limit entries
}

// JournalEntry is one call of the APIs the world received.
type JournalEntry struct {
	ID            string
	Time          time.Time // on the world's clock
	RequestID     string    // the x-request-id answered
	API           string    // "partly"
	Method        string    // the operation, e.g. "repairer.jobs.get"
	Status        int
	Latency       time.Duration
	IntegrationID string // the Partly-Integration-ID sent ("" if none); keys are never kept
	RequestBody   string // cut at 16 KiB; secrets read [redacted]
	ResponseBody  string
}

// Journal lists the world's calls of the APIs (the last 1,000 by default),
// oldest first.
func (s *Server) Journal(filter ...JournalFilter) []JournalEntry {
	s.tb.Helper()
	var f JournalFilter
	if len(filter) > 0 {
		f = filter[0]
	}
	var es []sandboxclient.JournalEntry
	s.call("read the journal", func(ctx context.Context) (err error) {
		es, err = s.ctl.Journal(ctx, sandboxclient.JournalFilter{API: f.API, Method: f.Method, Status: f.Status, Limit: f.Limit})
		return err
	})
	out := make([]JournalEntry, len(es))
	for i, e := range es {
		out[i] = JournalEntry{ID: e.ID, Time: e.Time, RequestID: e.RequestID, API: e.API, Method: e.Method, Status: e.Status,
			Latency: time.Duration(e.LatencyMS * float64(time.Millisecond)), RequestBody: e.RequestBody, ResponseBody: e.ResponseBody}
		if e.IntegrationID != nil {
			out[i].IntegrationID = *e.IntegrationID
		}
	}
	return out
}

// ClearJournal empties the world's journal.
func (s *Server) ClearJournal() {
	s.tb.Helper()
	s.call("clear the journal", s.ctl.ClearJournal)
}

// Coverage is which answers of the APIs and which webhook events the
// world produced.
type Coverage struct {
	Methods   []CoverageMethod
	Webhooks  []CoverageItem // every event type the APIs declare
	Exercised int            // items seen at least once
	Total     int
}

// CoverageMethod is one operation's answer variants ("200" and each error).
type CoverageMethod struct {
	API      string
	Method   string
	Variants []CoverageItem
}

// CoverageItem is an answer variant or an event type, with how often the
// world saw it.
type CoverageItem struct {
	Name  string
	Count int
}

// Missing names what the world never produced: "partly repairer.jobs.get
// not_found" for a variant, "webhook repairer.job.inserted" for an event.
func (c Coverage) Missing() []string {
	var out []string
	for _, m := range c.Methods {
		for _, v := range m.Variants {
			if v.Count == 0 {
				out = append(out, m.API+" "+m.Method+" "+v.Name)
			}
		}
	}
	for _, w := range c.Webhooks {
		if w.Count == 0 {
			out = append(out, "webhook "+w.Name)
		}
	}
	return out
}

// Coverage reads which answers and events the world produced.
func (s *Server) Coverage() Coverage {
	s.tb.Helper()
	var c sandboxclient.Coverage
	s.call("read coverage", func(ctx context.Context) (err error) { c, err = s.ctl.Coverage(ctx); return err })
	items := func(in []sandboxclient.CoverageItem) []CoverageItem {
		out := make([]CoverageItem, len(in))
		for i, it := range in {
			out[i] = CoverageItem{Name: it.Name, Count: it.Count}
		}
		return out
	}
	out := Coverage{Webhooks: items(c.Webhooks), Exercised: c.Exercised, Total: c.Total}
	for _, m := range c.Methods {
		out.Methods = append(out.Methods, CoverageMethod{API: m.API, Method: m.Method, Variants: items(m.Variants)})
	}
	return out
}
