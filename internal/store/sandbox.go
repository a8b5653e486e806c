package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

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

// DefaultMaxFaults is how many faults a tenant may have set at once by
// default: every call of a method reads that method's faults.
const DefaultMaxFaults = 100

// SandboxTx is the per-tenant part of sandbox state inside a transaction.
type SandboxTx interface {
	InsertFault(Fault) error
	// Faults lists the tenant's faults, oldest first; an empty method lists
	// those of every method.
	Faults(method string) ([]Fault, error)
	// UseFault takes one use of a fault, removing it with its last one;
	// ErrNotFound when none is left.
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

// Recording is what the recorder writes of one tenant at once.
type Recording struct {
	// Journal holds new entries, oldest first, their Time on the wall
	// clock: the store moves them to the tenant's clock as it writes them.
	Journal []JournalEntry
	// Keep is how many entries the tenant's journal keeps (the newest);
	// negative: all.
	Keep int
	// Coverage holds counts to add to the tenant's coverage counters (keys
	// such as "repairer.jobs.get 200" or "repairer.jobs.get not_found").
	Coverage map[string]int
}

// Sandbox is the part that works outside method transactions, so that
// recording a request never slows or fails the request itself.
type Sandbox interface {
	// Record writes one tenant's journal entries and coverage counts in
	// one transaction: all of it or, on an error, none. Text the store
	// cannot hold as it is (a NUL, invalid UTF-8) is kept as CleanText
	// makes it; bodies are kept byte for byte.
	Record(ctx context.Context, tenant string, r Recording) error
	// Journal lists entries oldest first.
	Journal(ctx context.Context, tenant string, f JournalFilter) ([]JournalEntry, error)
	ClearJournal(ctx context.Context, tenant string) error
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

// CleanText is s as every store keeps journaled text (a method name, a
// request id): a NUL or invalid UTF-8 becomes U+FFFD, since Postgres text
// holds neither. Both stores apply it, to what they write and to filters,
// so they answer alike and a filter finds what was written.
func CleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
