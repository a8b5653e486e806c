package methods

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// Name qualifies the Partly API's operations in faults, the journal,
// coverage and metrics.
const Name = "partly"

// PathPrefix is where every wire method lives.
const PathPrefix = "/api/2026-01/"

// Config is what the Partly module is built from.
type Config struct {
	Store store.Store
	// Doc is openapi.json (spec.Load).
	Doc    *spec.Doc
	Logger *slog.Logger
	// SupplierAutoConfirm confirms procurements this long after their
	// creation, on the tenant clock, as the supplier would; 0: never.
	SupplierAutoConfirm time.Duration
	// Wrote is told what background work (auto-confirm) wrote to the
	// outbox, for contract coverage; nil: nobody.
	Wrote func(tenant string, w webhooks.Written)
}

// Module is the Partly 2026-01 API as the edge serves it: the wire methods
// of All, the consent page of the install flow, the sandbox triggers that
// act as the other party, and supplier auto-confirm.
func Module(cfg Config) *httpapi.Module {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	routes := make([]httpapi.Route, len(All))
	for i, m := range All {
		routes[i] = m.route()
	}
	consent := &install{st: cfg.Store}
	m := &httpapi.Module{
		Name: Name, Prefix: PathPrefix, Doc: cfg.Doc, Routes: routes,
		Errors: newFamily(cfg.Doc), Caller: claimedIntegration,
		Mount:   consent.mount,
		Sandbox: sandboxRoutes,
	}
	if cfg.SupplierAutoConfirm > 0 {
		m.Services = append(m.Services, newAutoConfirm(cfg))
	}
	return m
}

// route is the method's row in the edge's route table.
func (m Method) route() httpapi.Route {
	rt := httpapi.Route{Op: m.Name, Verb: http.MethodPost, Path: m.Name, Tx: httpapi.TxView}
	if m.Write {
		rt.Tx = httpapi.TxUpdate
	}
	if m.Access != Public {
		rt.Auth = credentialFor(m.Access)
	}
	rt.Handle = func(c *httpapi.Call) (any, error) {
		caller, _ := c.Caller.(store.Integration)
		return m.Serve(&Call{Ctx: c.Ctx, Tx: c.Tx, Caller: caller}, c.Body)
	}
	return rt
}

// claimedIntegration is the integration a request names in its header,
// for the journal, whether or not its key matches.
func claimedIntegration(r *http.Request) *uuid.UUID {
	id, err := uuid.Parse(r.Header.Get(integrationHeader))
	if err != nil {
		return nil
	}
	return &id
}
