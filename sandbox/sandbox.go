// Package sandbox starts an in-process mock server for Go tests: a real HTTP
// server on 127.0.0.1 with a port of its own and the seeded demo world.
//
//	srv := sandbox.Start(t)
//	// point your client at srv.URL with sandbox.Repairer's credentials
package sandbox

import (
	"log/slog"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/seed"
)

// Credential is an api key with its integration id.
type Credential struct {
	APIKey        string
	IntegrationID string
}

// The seeded demo credentials.
var (
	Repairer = Credential{seed.RepairerAPIKey, seed.RepairerIntegrationID.String()}
	Supplier = Credential{seed.SupplierAPIKey, seed.SupplierIntegrationID.String()}
	// A repairer and a supplier of two other organizations.
	OtherRepairer = Credential{seed.OtherRepairerAPIKey, seed.OtherRepairerIntegID.String()}
	OtherSupplier = Credential{seed.OtherSupplierAPIKey, seed.OtherSupplierIntegID.String()}
)

// Server is a running mock.
type Server struct {
	URL string
	app *app.App
}

// Options adjust Start; the zero value is the default.
type Options struct {
	Logger *slog.Logger // default: discard
	// SupplierAutoConfirm confirms new procurements this long after their
	// creation, on the tenant clock (0: never), as --supplier-auto-confirm.
	SupplierAutoConfirm time.Duration
	// DatabaseURL keeps the state in this Postgres database (migrated on
	// start) instead of in memory.
	DatabaseURL string
}

// Start serves a mock until the test ends.
func Start(tb testing.TB, opts ...Options) *Server {
	tb.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	a := apptest.Start(tb, apptest.Config(func(c *app.Config) {
		c.Logger = o.Logger
		c.SupplierAutoConfirm = o.SupplierAutoConfirm
		c.DatabaseURL = o.DatabaseURL
	}))
	return &Server{URL: a.URL(), app: a}
}
