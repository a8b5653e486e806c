// Package app wires the server together: the store, the HTTP edge on a
// listener it opens itself (":0" works), the webhook dispatcher, the
// idle-tenant janitor, and an ordered shutdown.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/logx"
	"github.com/partifact/mockserver/internal/metrics"
	"github.com/partifact/mockserver/internal/recorder"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/store/postgres"
	"github.com/partifact/mockserver/internal/webhooks"
)

// Config is the server's whole configuration.
type Config struct {
	Addr string // listen address, e.g. ":8080" or "127.0.0.1:0"
	// WriteTimeout bounds writing one answer, from its first byte (0:
	// DefaultWriteTimeout).
	WriteTimeout time.Duration
	DatabaseURL  string // empty: the in-memory store
	// Start-up against Postgres: each connection attempt is bounded by
	// DatabaseConnectTimeout (also used for every later connection the pool
	// opens), and start-up gives up after DatabaseConnectAttempts (0: the
	// defaults, postgres.DefaultConnectTimeout and DefaultConnectAttempts).
	DatabaseConnectTimeout  time.Duration
	DatabaseConnectAttempts int
	TenantIdle              time.Duration // drop worlds idle this long (0: never)
	Logger                  *slog.Logger

	// Webhooks: the retry schedule on the tenant's clock (nil: the
	// default), hosts allowed beside loopback, the fallback poll interval,
	// how long one attempt may take, how many deliveries are sent at once,
	// of one tenant and to one endpoint, and the circuit breaker of
	// endpoints that keep timing out (0: the defaults, webhooks.AttemptTimeout
	// and webhooks.Default*).
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
	// sink's newest records within a byte budget (0: the defaults,
	// webhooks.DefaultMaxEndpoints, store.DefaultSinkRecords and
	// store.DefaultSinkBytes).
	WebhookMaxEndpoints int
	SinkMaxRecords      int
	SinkMaxBytes        int
	// Sandbox controls.
	NoSandboxRoutes     bool          // answer every /__ route 404
	JournalSize         int           // calls journaled per tenant; 0: 1,000, negative: none
	MaxFaults           int           // faults a tenant may have set; 0: store.DefaultMaxFaults (100)
	SupplierAutoConfirm time.Duration // confirm procurements this long after creation, on the tenant clock; 0: never
}

// App is a running server.
type App struct {
	cfg      Config
	store    store.Store
	listener net.Listener
	server   *http.Server
	log      *slog.Logger
	webhooks *webhooks.Dispatcher
	recorder *recorder.Recorder
	metrics  *metrics.Metrics

	stop chan struct{}
	wg   sync.WaitGroup
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
	doc, err := spec.Load()
	if err != nil {
		st.Close()
		return nil, err
	}
	sender := webhooks.NewSender(webhooks.Policy{AllowHosts: cfg.WebhookAllowHosts}, cfg.WebhookTimeout)
	journal := cmp.Or(cfg.JournalSize, httpapi.DefaultJournalSize)
	rec := recorder.New(st, max(journal, 0), cfg.Logger)
	met := metrics.New(st.CountTenants)
	h, err := httpapi.New(httpapi.Config{Store: st, Doc: doc, Logger: cfg.Logger, WebhookSender: sender,
		WebhookLimits: webhooks.Limits{Endpoints: cfg.WebhookMaxEndpoints,
			Sink: store.SinkLimits{Records: cfg.SinkMaxRecords, Bytes: cfg.SinkMaxBytes}},
		Recorder: rec, Metrics: met, NoSandboxRoutes: cfg.NoSandboxRoutes, MaxFaults: cfg.MaxFaults})
	if err != nil {
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("app: listen on %s: %w", cfg.Addr, err)
	}
	return &App{
		cfg: cfg, store: st, listener: ln, log: cfg.Logger, stop: make(chan struct{}),
		webhooks: webhooks.New(webhooks.Config{
			Store: st, Sender: sender, Backoff: cfg.WebhookBackoff, Poll: cfg.WebhookPoll,
			Concurrency: cfg.WebhookConcurrency, PerTenant: cfg.WebhookPerTenant, PerEndpoint: cfg.WebhookPerEndpoint,
			BreakerTimeouts: cfg.WebhookBreakerTimeouts, BreakerCooldown: cfg.WebhookBreakerCooldown,
			Logger: cfg.Logger, OnAttempt: met.WebhookAttempt,
		}),
		recorder: rec, metrics: met,
		server: &http.Server{
			Handler:           writeDeadline(h, cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		},
	}, nil
}

// openStore picks Postgres when a database URL is given (migrating it first),
// else the in-memory store, and says which it chose (never the credentials).
func openStore(ctx context.Context, cfg Config) (store.Store, error) {
	if cfg.DatabaseURL == "" {
		cfg.Logger.Info("store", "kind", "memory")
		return memory.New(), nil
	}
	st, err := postgres.OpenWith(ctx, cfg.DatabaseURL, postgres.Options{
		ConnectTimeout: cfg.DatabaseConnectTimeout, ConnectAttempts: cfg.DatabaseConnectAttempts, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	host, db := st.Target()
	cfg.Logger.Info("store", "kind", "postgres", "host", host, "database", db)
	return st, nil
}

// URL is the server's base URL.
func (a *App) URL() string { return "http://" + a.listener.Addr().String() }

// Store is the server's store (for tests).
func (a *App) Store() store.Store { return a.store }

// Metrics is the server's instrumentation (the webhook dispatcher counts
// its attempts there).
func (a *App) Metrics() *metrics.Metrics { return a.metrics }

// Run serves until Close is called or serving fails.
func (a *App) Run() error {
	if a.cfg.TenantIdle > 0 {
		a.wg.Add(1)
		go a.loop(max(min(a.cfg.TenantIdle/4, time.Minute), 10*time.Millisecond), "drop idle tenants", a.dropIdle)
	}
	a.webhooks.Start()
	if a.cfg.SupplierAutoConfirm > 0 {
		a.wg.Add(1)
		// Due procurements are asked of the store on every pass, so several
		// instances on one database share the work and a moved tenant clock
		// is seen at once.
		go a.loop(min(max(a.cfg.SupplierAutoConfirm/4, 10*time.Millisecond), 500*time.Millisecond),
			"supplier auto-confirm", a.confirmDue)
	}
	a.log.Info("serving", "url", a.URL())
	if err := a.server.Serve(a.listener); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loop runs fn every interval until Close, each run bounded in time. After
// a failure (the store is down) the next run waits twice as long each time,
// up to loopBackoffMax, and the log says so once per logx.DefaultInterval.
func (a *App) loop(interval time.Duration, what string, fn func(context.Context) error) {
	defer a.wg.Done()
	log := logx.NewLimited(a.log, 0)
	wait := interval
	for {
		select {
		case <-a.stop:
			return
		case <-time.After(wait):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := fn(ctx)
		cancel()
		if err == nil {
			wait = interval
			continue
		}
		wait = min(max(2*wait, interval), max(loopBackoffMax, interval))
		log.Warn(what, "error", err, "retry_in", wait)
	}
}

// loopBackoffMax bounds the wait of a background loop whose runs fail.
const loopBackoffMax = 30 * time.Second

// dropIdle drops idle tenants; they are seeded again on next use.
func (a *App) dropIdle(ctx context.Context) error {
	dropped, err := a.store.DropIdleTenants(ctx, time.Now().Add(-a.cfg.TenantIdle))
	if len(dropped) > 0 {
		a.log.Info("dropped idle tenants", "count", len(dropped))
	}
	return err
}

// Close stops HTTP first (letting requests in flight finish), then the
// webhook dispatcher (letting deliveries in flight finish while ctx lasts),
// then the other background work, then writes what the journal still
// buffers, then closes the store.
func (a *App) Close(ctx context.Context) error {
	err := a.server.Shutdown(ctx)
	werr := a.webhooks.Stop(ctx)
	close(a.stop)
	a.wg.Wait()
	return errors.Join(err, werr, a.recorder.Close(ctx), a.store.Close())
}
