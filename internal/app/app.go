// Package app wires the server together and runs it: the store, the API
// modules on the shared HTTP edge, the sandbox controls and the docs, on a
// listener it opens itself (":0" works); background services started in
// order and stopped in reverse, after HTTP.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	mockserver "github.com/partifact/mockserver"

	"github.com/partifact/mockserver/internal/apidocs"
	"github.com/partifact/mockserver/internal/controls"
	"github.com/partifact/mockserver/internal/dashboard"
	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/mcpserver"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/metrics"
	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/recorder"
	"github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/store/postgres"
	"github.com/partifact/mockserver/internal/webhooks"
)

// Config is the server's whole configuration. Every field means what it
// says, zero included; DefaultConfig is where the defaults are.
type Config struct {
	Addr string // listen address, e.g. ":8080" or "127.0.0.1:0"
	// WriteTimeout bounds writing one answer, from its first byte.
	WriteTimeout time.Duration
	// ReadHeaderTimeout and ReadTimeout bound how long a request's headers,
	// and the request with its body, may take to arrive; IdleTimeout closes
	// a keep-alive connection that sends no request this long. Zero takes
	// the defaults (DefaultReadHeaderTimeout, …); no flag sets them.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	DatabaseURL       string // empty: the in-memory store
	// Start-up against Postgres: each connection attempt is bounded by
	// DatabaseConnectTimeout (also every later connection the pool opens),
	// and start-up gives up after DatabaseConnectAttempts.
	DatabaseConnectTimeout  time.Duration
	DatabaseConnectAttempts int
	// DatabaseTransactionTimeout bounds each store transaction on Postgres.
	DatabaseTransactionTimeout time.Duration
	TenantIdle                 time.Duration // drop worlds idle this long; 0: never
	Logger                     *slog.Logger  // nil: slog.Default()

	// Webhooks: the retry schedule on the tenant's clock, hosts allowed
	// beside loopback, the fallback poll interval, how long one attempt may
	// take, how many deliveries are sent at once, of one tenant and to one
	// endpoint, and the circuit breaker of endpoints that keep timing out.
	WebhookBackoff         []time.Duration
	WebhookAllowHosts      []string
	WebhookPoll            time.Duration
	WebhookTimeout         time.Duration
	WebhookConcurrency     int
	WebhookPerTenant       int
	WebhookPerEndpoint     int
	WebhookBreakerTimeouts int
	WebhookBreakerCooldown time.Duration
	// Webhook state a world keeps: endpoints per integration, and the
	// sink's newest records within a byte budget.
	WebhookMaxEndpoints int
	SinkMaxRecords      int
	SinkMaxBytes        int
	// Sandbox controls.
	NoSandboxRoutes     bool          // answer every /__ route 404
	SandboxToken        string        // when set, every /__ route requires it (x-sandbox-token or Authorization: Bearer)
	JournalSize         int           // calls journaled per tenant; 0: none
	MaxFaults           int           // faults a tenant may have set
	SupplierAutoConfirm time.Duration // confirm procurements this long after creation, on the tenant clock; 0: never
	// ServiceMobilitySecret signs and checks the ServiceMobility stand-in's
	// HS256 tokens; ServiceMobilityTimeout bounds a forwarded parts order,
	// the implementer's answer read included.
	ServiceMobilitySecret  string
	ServiceMobilityTimeout time.Duration
	// MCP over streamable HTTP at /mcp, served with the sandbox controls
	// (its tools drive them): open sessions at most, and how long an idle
	// one lives.
	MCPMaxSessions int
	MCPSessionIdle time.Duration
}

// DefaultConfig is the configuration of `go run ./cmd/mockserver` with no
// flag and no environment variable, and of every test server.
func DefaultConfig() Config {
	return Config{
		Addr:                       ":8080",
		WriteTimeout:               DefaultWriteTimeout,
		DatabaseConnectTimeout:     postgres.DefaultConnectTimeout,
		DatabaseConnectAttempts:    postgres.DefaultConnectAttempts,
		DatabaseTransactionTimeout: postgres.DefaultTransactionTimeout,
		TenantIdle:                 time.Hour,
		WebhookBackoff:             slices.Clone(webhooks.DefaultBackoff),
		WebhookPoll:                time.Second,
		WebhookTimeout:             webhooks.AttemptTimeout,
		WebhookConcurrency:         webhooks.DefaultConcurrency,
		WebhookPerTenant:           webhooks.DefaultPerTenant,
		WebhookPerEndpoint:         webhooks.DefaultPerEndpoint,
		WebhookBreakerTimeouts:     webhooks.DefaultBreakerTimeouts,
		WebhookBreakerCooldown:     webhooks.DefaultBreakerCooldown,
		WebhookMaxEndpoints:        webhooks.DefaultMaxEndpoints,
		SinkMaxRecords:             store.DefaultSinkRecords,
		SinkMaxBytes:               store.DefaultSinkBytes,
		JournalSize:                controls.DefaultJournalSize,
		MaxFaults:                  store.DefaultMaxFaults,

		ServiceMobilitySecret:  servicemobility.DefaultSecret,
		ServiceMobilityTimeout: servicemobility.DefaultTimeout,
		MCPMaxSessions:         mcpserver.DefaultMaxSessions,
		MCPSessionIdle:         mcpserver.DefaultSessionIdle,
	}
}

// App is a running server.
type App struct {
	cfg      Config
	store    store.Store
	listener net.Listener
	server   *http.Server
	log      *slog.Logger
	recorder *recorder.Recorder
	metrics  *metrics.Metrics
	// dash ends its live streams when HTTP shuts down.
	dash *dashboard.Dashboard
	mcp  *lazyMCP // nil without the sandbox routes
	// services start in order after the store and stop in reverse.
	services []httpapi.Service
	// onShutdown runs when HTTP starts shutting down, before it waits
	// for the requests in flight (long polls answer then).
	onShutdown []func()

	closeOnce sync.Once
	closeErr  error
}

// New opens the store and the listener; Run serves.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, store: st, log: cfg.Logger,
		recorder: recorder.New(st, max(cfg.JournalSize, 0), cfg.Logger),
		metrics:  metrics.New(st.CountTenants)}
	h, err := a.handler()
	if err != nil {
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("app: listen on %s: %w", cfg.Addr, err)
	}
	a.listener = ln
	a.server = &http.Server{
		Handler:           writeDeadline(h, cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)),
		ReadHeaderTimeout: cmp.Or(cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       cmp.Or(cfg.ReadTimeout, DefaultReadTimeout),
		IdleTimeout:       cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout),
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	a.server.RegisterOnShutdown(a.dash.Shutdown)
	for _, f := range a.onShutdown {
		a.server.RegisterOnShutdown(f)
	}
	return a, nil
}

// handler builds the edge: the API modules, the sandbox controls, the docs,
// the dashboard, and the services they run.
func (a *App) handler() (http.Handler, error) {
	cfg := a.cfg
	parsed, err := spec.ParseAll("openapi.json", partage.DocumentName, servicemobility.DocumentName)
	if err != nil {
		return nil, err
	}
	partlyDoc, partageDoc, smDoc := parsed[0], parsed[1], parsed[2]
	// The sandbox's document (which refers to the three others, so it is
	// the largest parse) is not needed by the APIs' calls: it is parsed
	// while the server starts serving them.
	sandboxDoc := spec.Later(sandboxDocName)
	policy := webhooks.Policy{AllowHosts: cfg.WebhookAllowHosts}
	sender := webhooks.NewSender(policy, cfg.WebhookTimeout)
	partly := methods.Module(methods.Config{Store: a.store, Doc: partlyDoc, Logger: cfg.Logger,
		SupplierAutoConfirm: cfg.SupplierAutoConfirm,
		Wrote:               func(tenant string, w webhooks.Written) { a.recorder.CountEvents(tenant, w.Events) }})
	// The dashboard's controls and the stand-in's calls of the reference
	// implementation go through the edge itself, which exists once
	// everything is mounted in it.
	var edge http.Handler
	inProcess := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { edge.ServeHTTP(w, r) })
	modules := []*httpapi.Module{
		partly,
		partage.Module(partageDoc),
		servicemobility.Module(a.store, smDoc, servicemobility.Config{Secret: []byte(cfg.ServiceMobilitySecret),
			Policy: policy, Timeout: cfg.ServiceMobilityTimeout, Edge: inProcess}),
	}

	ctl := controls.New(controls.Config{Store: a.store, Doc: sandboxDoc, Recorder: a.recorder,
		Modules: modules, Sender: sender, Sample: methods.SampleEvent, MaxFaults: cfg.MaxFaults, SelfURL: a.selfURL,
		WebhookLimits: webhooks.Limits{Endpoints: cfg.WebhookMaxEndpoints,
			Sink: store.SinkLimits{Records: cfg.SinkMaxRecords, Bytes: cfg.SinkMaxBytes}}})
	a.onShutdown = append(a.onShutdown, ctl.StopWaiting)
	docs := []apidocs.Document{
		{Name: partlyDoc.Name, Path: "/openapi.json", Raw: partlyDoc.Raw, Prefix: methods.PathPrefix, Derived30: "/openapi-3.0.json"},
		{Name: partageDoc.Name, Path: "/" + partageDoc.Name, Raw: partageDoc.Raw, Prefix: partage.PathPrefix + "/", Derived30: "/openapi-partage-3.0.json"},
		{Name: smDoc.Name, Path: "/" + smDoc.Name, Raw: smDoc.Raw, Prefix: servicemobility.Prefix + "/"},
	}
	if !cfg.NoSandboxRoutes {
		docs = append(docs, apidocs.Document{Name: sandboxDocName, Path: "/" + sandboxDocName, Raw: mockserver.Documents[sandboxDocName]})
	}
	a.dash, err = dashboard.New(dashboard.Config{Store: a.store, Modules: modules,
		Sections: []dashboard.Section{dashboard.Partly(), dashboard.Partage(), dashboard.ServiceMobility()}, Docs: slices.Clone(docs),
		NoSandboxRoutes: cfg.NoSandboxRoutes, SandboxToken: cfg.SandboxToken, Flush: a.recorder.Flush,
		Sandbox: inProcess})
	if err != nil {
		return nil, err
	}
	fallback := methods.Family(partlyDoc)
	mountDocs, err := apidocs.Mount(docs, cfg.NoSandboxRoutes, func(w http.ResponseWriter, r *http.Request) {
		b := fallback.Render("", &httpapi.Refusal{Kind: httpapi.UnknownRoute, Status: http.StatusNotFound})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(b.Status)
		_, _ = w.Write(b.Body)
	})
	if err != nil {
		return nil, err
	}

	a.services = append(a.services, webhooks.New(webhooks.Config{
		Store: a.store, Sender: sender, Backoff: cfg.WebhookBackoff, Poll: cfg.WebhookPoll,
		Concurrency: cfg.WebhookConcurrency, PerTenant: cfg.WebhookPerTenant, PerEndpoint: cfg.WebhookPerEndpoint,
		BreakerTimeouts: cfg.WebhookBreakerTimeouts, BreakerCooldown: cfg.WebhookBreakerCooldown,
		Logger: cfg.Logger, OnAttempt: a.metrics.WebhookAttempt,
	}))
	if cfg.TenantIdle > 0 {
		a.services = append(a.services, httpapi.Every(max(min(cfg.TenantIdle/4, time.Minute), 10*time.Millisecond), "drop idle tenants", cfg.Logger, a.dropIdle))
	}
	for _, m := range modules {
		a.services = append(a.services, m.Services...)
	}
	mount := func(r chi.Router) error {
		if err := mountDocs(r); err != nil {
			return err
		}
		return a.dash.Mount(r)
	}
	if !cfg.NoSandboxRoutes {
		// Made at the first MCP request (or `mockserver mcp`), not by every
		// start-up: describing its tools takes a tenth of a start.
		a.mcp = &lazyMCP{make: func() *mcpserver.Server {
			return mcpserver.New(mcpserver.Config{
				// The tools call the edge itself, in-process, with the sandbox
				// token when the server has one.
				API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if cfg.SandboxToken != "" {
						r.Header.Set(httpapi.SandboxTokenHeader, cfg.SandboxToken)
					}
					edge.ServeHTTP(w, r)
				}),
				Store: a.store, BaseURL: a.loopbackURL, Logger: cfg.Logger,
				MaxSessions: cfg.MCPMaxSessions, SessionIdle: cfg.MCPSessionIdle,
				Extensions: []mcpserver.Extension{
					mcpserver.Sandbox(mcpserver.PartlySubscribers()...),
					mcpserver.Partly(),
					mcpserver.Partage(),
					mcpserver.ServiceMobility(),
					{Name: "documents", Resources: documentResources(docs)},
				},
			})
		}}
		// The tools drive the sandbox: with a sandbox token, /mcp needs it too.
		mcpHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if cfg.SandboxToken != "" && !httpapi.HoldsSandboxToken(r, cfg.SandboxToken) {
				http.Error(w, "this server's MCP endpoint needs its sandbox token (x-sandbox-token or Authorization: Bearer)", http.StatusUnauthorized)
				return
			}
			a.mcp.get().ServeHTTP(w, r)
		})
		withDocs := mount
		mount = func(r chi.Router) error {
			if err := withDocs(r); err != nil {
				return err
			}
			r.Handle(mcpserver.Path, mcpHandler)
			r.Handle(mcpserver.Path+"/*", mcpHandler)
			return nil
		}
	}
	edge, err = httpapi.New(httpapi.Config{
		Store: a.store, Logger: cfg.Logger, Metrics: a.metrics, Modules: modules,
		Observers: []httpapi.Observer{ctl.Observer()},
		Sandbox:   ctl.Sandbox(), NoSandboxRoutes: cfg.NoSandboxRoutes, SandboxToken: cfg.SandboxToken,
		Mount: mount, Fallback: fallback,
	})
	return edge, err
}

// sandboxDocName is the sandbox controls' document.
const sandboxDocName = "openapi-sandbox.json"

// documentResources offers the served OpenAPI documents and the docs pages
// as MCP resources, read from the server as any client reads them.
func documentResources(docs []apidocs.Document) []mcpserver.Resource {
	var out []mcpserver.Resource
	for _, d := range docs {
		out = append(out, mcpserver.HTTPResource("openapi://"+d.Name, d.Name, "The OpenAPI document "+d.Name+", as GET "+d.Path+" serves it.", "application/json", d.Path))
		if d.Derived30 != "" {
			name := strings.TrimPrefix(d.Derived30, "/")
			out = append(out, mcpserver.HTTPResource("openapi://"+name, name, "The 3.0.3 form of "+d.Name+", for generators that read only 3.0.", "application/json", d.Derived30))
		}
	}
	return append(out, mcpserver.DocsResources()...)
}

// openStore picks Postgres when a database URL is given (migrating it first),
// else the in-memory store, and says which it chose (never the credentials).
func openStore(ctx context.Context, cfg Config) (store.Store, error) {
	if cfg.DatabaseURL == "" {
		cfg.Logger.Info("store", "kind", "memory")
		return memory.New(), nil
	}
	st, err := postgres.OpenWith(ctx, cfg.DatabaseURL, postgres.Options{
		ConnectTimeout: cfg.DatabaseConnectTimeout, ConnectAttempts: cfg.DatabaseConnectAttempts,
		TransactionTimeout: cfg.DatabaseTransactionTimeout, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	host, db := st.Target()
	cfg.Logger.Info("store", "kind", "postgres", "host", host, "database", db)
	return st, nil
}

// URL is the server's base URL.
func (a *App) URL() string { return "http://" + a.listener.Addr().String() }

// selfURL is the server's base URL on loopback, where it can send
// requests to itself (its listeners' deliveries); "" when it listens on a
// specific address that is not loopback. Every instance on one database
// serves the same routes, so the port of this one reaches any of them
// started alike (compose replicas).
func (a *App) selfURL() string { return loopbackBase(a.listener.Addr()) }

func loopbackBase(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	switch {
	case !ok:
		return ""
	case tcp.IP.IsUnspecified():
		return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	case tcp.IP.IsLoopback():
		return "http://" + net.JoinHostPort(tcp.IP.String(), strconv.Itoa(tcp.Port))
	}
	return ""
}

// Handler is the server's HTTP handler, for serving it on another
// listener as well (the Go test helper gives each world an address).
func (a *App) Handler() http.Handler { return a.server.Handler }

// loopbackURL is the server's base URL as this machine reaches it: a
// listener on every address (":8080") answers on 127.0.0.1.
func (a *App) loopbackURL() string {
	host, port, err := net.SplitHostPort(a.listener.Addr().String())
	if ip := net.ParseIP(host); err == nil && (ip == nil || ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// MCP is the server's MCP server (for `mockserver mcp`, which serves it
// over stdio); nil with the sandbox routes off.
func (a *App) MCP() *mcpserver.Server {
	if a.mcp == nil {
		return nil
	}
	return a.mcp.get()
}

// lazyMCP is the MCP server, made at its first use.
type lazyMCP struct {
	once sync.Once
	make func() *mcpserver.Server
	mu   sync.Mutex
	s    *mcpserver.Server
}

func (l *lazyMCP) get() *mcpserver.Server {
	l.once.Do(func() {
		s := l.make()
		l.mu.Lock()
		l.s = s
		l.mu.Unlock()
	})
	return l.s
}

// made is the server if it was made, else nil.
func (l *lazyMCP) made() *mcpserver.Server {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s
}

// Store is the server's store (for tests).
func (a *App) Store() store.Store { return a.store }

// Metrics is the server's instrumentation.
func (a *App) Metrics() *metrics.Metrics { return a.metrics }

// Run starts the services and serves until Close is called or serving
// fails.
func (a *App) Run() error {
	for _, s := range a.services {
		s.Start()
	}
	// The published demo secret is printed so that a developer can sign
	// tokens of their own; a secret someone chose stays out of the log.
	secret := "(set by the operator, not shown)"
	if s := a.cfg.ServiceMobilitySecret; s == "" || s == servicemobility.DefaultSecret {
		secret = servicemobility.DefaultSecret
	}
	a.log.Info("serving", "url", a.URL(), "servicemobility_secret", secret)
	if err := a.server.Serve(a.listener); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// dropIdle drops idle tenants; they are seeded again on next use.
func (a *App) dropIdle(ctx context.Context) error {
	dropped, err := a.store.DropIdleTenants(ctx, time.Now().Add(-a.cfg.TenantIdle))
	if len(dropped) > 0 {
		a.log.Info("dropped idle tenants", "count", len(dropped))
	}
	return err
}

// Close stops HTTP first (letting requests in flight finish), then the
// services in reverse order of their start (the webhook dispatcher lets
// deliveries in flight finish while ctx lasts), then writes what the
// journal still buffers, then closes the store. Calling it again returns
// the first call's result.
func (a *App) Close(ctx context.Context) error {
	a.closeOnce.Do(func() {
		if a.mcp != nil {
			if s := a.mcp.made(); s != nil {
				s.Close() // ends the MCP streams, which Shutdown would wait for
			}
		}
		errs := []error{a.server.Shutdown(ctx)}
		for i := len(a.services) - 1; i >= 0; i-- {
			errs = append(errs, a.services[i].Stop(ctx))
		}
		errs = append(errs, a.recorder.Close(ctx), a.store.Close())
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}
