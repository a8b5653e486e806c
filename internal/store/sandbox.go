package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Sandbox state: per-tenant controls outside the contract (faults, the
// request journal and contract coverage). Like everything else it lives in
// the store, so several instances on one database agree.

// Fault makes a method answer an injected error or status, after an
// optional delay, with some probability, a limited number of times.
type Fault struct {
	ID          uuid.UUID
	Method      string
	ErrorType   string         // a variant of the method's union, or ""
	ErrorFields map[string]any // fields beside the variant's type
	Status      int            // the HTTP status; 0: the variant's usual one
	LatencyMS   int
	Probability float64 // 0 < p <= 1
	Remaining   int     // times left; -1: unlimited
	CreatedAt   time.Time
}

// JournalEntry is one request the tenant received.
type JournalEntry struct {
	ID            uuid.UUID
	Time          time.Time // tenant clock
	RequestID     string
	Method        string // wire method, or the path for other routes
	Status        int
	Latency       time.Duration
	IntegrationID *uuid.UUID // the credential, by integration id only: keys are never kept
	RequestBody   []byte
	ResponseBody  []byte
	// Note is what the API that served the call adds (the ServiceMobility
	// stand-in's verdict on the implementer's answer), "" mostly.
	Note string
}

// JournalFilter narrows Sandbox.Journal; zero values match everything.
type JournalFilter struct {
	Method string
	Status int
	Limit  int // 0: every kept entry
}

// SandboxTx is the per-tenant part of sandbox state inside a transaction.
type SandboxTx interface {
	InsertFault(Fault) error
	// Faults lists the tenant's faults with Remaining != 0, oldest first; an
	// empty method lists those of every method.
	Faults(method string) ([]Fault, error)
	// UseFault takes one use of a fault; ErrNotFound when none is left.
	UseFault(id uuid.UUID) error
	DeleteFaults() error
	// ProcurementByID finds a procurement whatever its organizations, for
	// triggers acting as the other party. In an Update it locks the record,
	// so concurrent confirmers (the auto-confirm loop of several instances)
	// take turns.
	ProcurementByID(id uuid.UUID) (Procurement, error)
}

// DueProcurement names a procurement of one tenant.
type DueProcurement struct {
	Tenant string
	ID     uuid.UUID
}

// Sandbox is the part that works outside method transactions, so that
// recording a request never slows or fails the request itself.
type Sandbox interface {
	// AppendJournal adds entries (oldest first) and keeps the newest keep.
	AppendJournal(ctx context.Context, tenant string, entries []JournalEntry, keep int) error
	// Journal lists entries oldest first.
	Journal(ctx context.Context, tenant string, f JournalFilter) ([]JournalEntry, error)
	ClearJournal(ctx context.Context, tenant string) error
	// AddCoverage adds counts to the tenant's coverage counters (keys such as
	// "repairer.jobs.get 200" or "repairer.jobs.get not_found").
	AddCoverage(ctx context.Context, tenant string, counts map[string]int) error
	Coverage(ctx context.Context, tenant string) (map[string]int, error)
	// DueProcurements lists, across all tenants, up to limit procurements
	// still order_requested whose CreatedAt is at or before their tenant's
	// clock minus age, oldest first (for supplier auto-confirm).
	DueProcurements(ctx context.Context, age time.Duration, limit int) ([]DueProcurement, error)
	// CountTenants counts the tenants alive (seeded and not dropped).
	CountTenants(ctx context.Context) (int, error)

	ServiceMobilityLog
	// Tenants lists up to limit of the tenants alive, most recently used
	// first (ties by name), with the count of them all; limit <= 0 lists
	// none. A store holds any number of worlds, so every caller names how
	// many it can show.
	Tenants(ctx context.Context, limit int) ([]TenantUse, int, error)
}

// TenantUse is a world alive in the store and when it was last used.
type TenantUse struct {
	Name string // SharedTenant for the shared world
	// LastUsed is on the wall clock, in UTC. Stores may refresh it lazily
	// (Postgres at most every few seconds), as dropping idle worlds needs
	// no finer grain.
	LastUsed time.Time
}
