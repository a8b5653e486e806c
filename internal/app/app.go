// Package app wires the server together: the store, the HTTP edge on a
// listener it opens itself (":0" works), the idle-tenant janitor, and an
// ordered shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/store/postgres"
)

// Config is the server's whole configuration.
type Config struct {
	Addr        string        // listen address, e.g. ":8080" or "127.0.0.1:0"
	DatabaseURL string        // empty: the in-memory store
	TenantIdle  time.Duration // drop worlds idle this long (0: never)
	Logger      *slog.Logger
}

// App is a running server.
type App struct {
	cfg      Config
	store    store.Store
	listener net.Listener
	server   *http.Server
	log      *slog.Logger

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
	h, err := httpapi.New(httpapi.Config{Store: st, Doc: doc, Logger: cfg.Logger})
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
		server: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		},
	}, nil
}

// openStore picks Postgres when a database URL is given (migrating it first),
// else the in-memory store.
func openStore(ctx context.Context, cfg Config) (store.Store, error) {
	if cfg.DatabaseURL != "" {
		return postgres.Open(ctx, cfg.DatabaseURL)
	}
	return memory.New(), nil
}

// URL is the server's base URL.
func (a *App) URL() string { return "http://" + a.listener.Addr().String() }

// Store is the server's store (for tests).
func (a *App) Store() store.Store { return a.store }

// Run serves until Close is called or serving fails.
func (a *App) Run() error {
	if a.cfg.TenantIdle > 0 {
		a.wg.Add(1)
		go a.janitor()
	}
	a.log.Info("serving", "url", a.URL())
	if err := a.server.Serve(a.listener); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// janitor drops idle tenants; they are seeded again on next use.
func (a *App) janitor() {
	defer a.wg.Done()
	every := min(a.cfg.TenantIdle/4, time.Minute)
	t := time.NewTicker(max(every, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			dropped, err := a.store.DropIdleTenants(context.Background(), time.Now().Add(-a.cfg.TenantIdle))
			if err != nil {
				a.log.Warn("drop idle tenants", "error", err)
			} else if len(dropped) > 0 {
				a.log.Info("dropped idle tenants", "count", len(dropped))
			}
		}
	}
}

// Close stops HTTP first (letting requests in flight finish), then the
// background work, then the store.
func (a *App) Close(ctx context.Context) error {
	err := a.server.Shutdown(ctx)
	close(a.stop)
	a.wg.Wait()
	return errors.Join(err, a.store.Close())
}
