// Package store holds the domain of the mock (organizations, jobs, parts,
// procurements, …), the Store interface every backend implements, and the
// typed errors those backends return. It knows nothing about HTTP.
//
// A Store is partitioned into tenants ("worlds"): every call names one, and a
// tenant that does not exist yet is created and seeded on first use. Within a
// tenant all reads and writes go through a Tx, so that every wire method is one
// transaction: View for reads, Update for writes. Business rules live in the
// callers (internal/methods); a Tx only reads and writes records.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// SharedTenant is the world used when a request names no tenant. No tenant
// header can select it, since header values are at least one character long.
const SharedTenant = ""

// Typed errors. Backends translate their own failures into these.
var (
	// ErrNotFound: no such record in this tenant (or not visible to the caller).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a uniqueness rule was hit by a concurrent writer. Update
	// retries the whole transaction when its function returns it.
	ErrConflict = errors.New("store: conflict")
)

// StatusError reports an illegal state transition: the record is in Status.
type StatusError struct{ Status string }

func (e *StatusError) Error() string { return fmt.Sprintf("store: invalid status %q", e.Status) }

// Store is implemented by the memory and Postgres adapters.
type Store interface {
	// View runs fn in a read-only transaction of tenant, seeding the tenant
	// first if it does not exist. fn may run more than once (the Postgres
	// store runs it again when what the instance kept of the tenant was out
	// of date): it must set what it hands out afresh each time.
	View(ctx context.Context, tenant string, fn func(Tx) error) error
	// Update runs fn in a read-write transaction of tenant. If fn returns an
	// error nothing it wrote is kept. If fn returns ErrConflict (a concurrent
	// writer won a race), the transaction is retried a few times.
	//
	// An insert (Insert…, AddEvent) may answer nil and be sent later, with
	// the transaction's next statement or its commit (the Postgres store
	// does so, to save a round trip per insert). When such an insert finds
	// its key taken, the statement it went with fails, nothing fn wrote is
	// kept, and fn runs again with every insert answered at its call, where
	// the insert reports ErrConflict. So fn, like View's, may run more than
	// once, and must not take for granted that a call after an insert
	// succeeds.
	Update(ctx context.Context, tenant string, fn func(Tx) error) error
	// ResetTenant replaces the tenant's world by a freshly seeded one.
	ResetTenant(ctx context.Context, tenant string) error
	// DropIdleTenants removes tenants not used since before, returning their names.
	DropIdleTenants(ctx context.Context, before time.Time) ([]string, error)
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	Close() error

	Outbox
	Sandbox
}

// Tx is one transaction inside one tenant. Lookups return ErrNotFound when
// nothing matches; lookups that take an organization id only see that
// organization's records, which is how one organization never reads another's.
//
// A record a lookup returns may share what its pointers and slices point
// to with the store (the memory store's jobs do, so that a read copies
// nothing): change a record by setting its fields to new values, never by
// writing through them, then write it back. The same holds for a record
// given to an insert: the memory store may keep what it points to.
type Tx interface {
	// Now is the tenant's clock, fixed for the transaction: the wall clock
	// plus the tenant's clock offset.
	Now() time.Time
	// ClockOffset is how far the tenant's clock is ahead of the wall clock.
	ClockOffset() time.Duration
	// SetClockOffset moves the tenant's clock (from the next transaction on).
	SetClockOffset(time.Duration) error

	IntegrationByKey(apiKey string) (Integration, error)
	Integration(id uuid.UUID) (Integration, error)
	// IntegrationsOf lists the integrations of an organization, oldest first.
	IntegrationsOf(orgID uuid.UUID) ([]Integration, error)
	InsertIntegration(Integration) error
	Client(clientID string) (Client, error)
	// InsertClient returns ErrConflict when the client id exists.
	InsertClient(Client) error
	// InsertAccessCode returns ErrConflict when the code exists.
	InsertAccessCode(AccessCode) error
	// UseAccessCode marks an unused, unexpired code used and returns it;
	// ErrNotFound when the code is unknown, used or expired at Now.
	UseAccessCode(code string) (AccessCode, error)
	// CountClients counts the world's clients.
	CountClients() (int, error)
	// PruneAccessCodes removes the codes used or expired at Now (none can
	// be exchanged any more) and counts those left.
	PruneAccessCodes() (int, error)

	Organization(id uuid.UUID) (Organization, error)
	// Organizations lists the organizations of a role, by name.
	Organizations(role Role) ([]Organization, error)
	// Businesses lists an organization's businesses (its sites), by name.
	Businesses(orgID uuid.UUID) ([]Business, error)
	// Business finds any business of the world, whatever its organization.
	Business(id uuid.UUID) (Business, error)
	WorkProviders() ([]WorkProvider, error)
	WorkProvider(id uuid.UUID) (WorkProvider, error)
	// VehicleByVIN and VehicleByPlate read the world's vehicle register.
	VehicleByVIN(vin string) (Vehicle, error)
	VehicleByPlate(country, plate string) (Vehicle, error)
	// Catalogue lists every offerable item of the world, in a stable order.
	Catalogue() ([]CatalogueItem, error)

	Job(orgID, id uuid.UUID) (Job, error)
	JobByExternal(orgID uuid.UUID, externalID string) (Job, error)
	// Jobs lists an organization's jobs, newest first (by id among equals),
	// optionally filtered and paged.
	Jobs(orgID uuid.UUID, f JobFilter) ([]Job, error)
	// InsertJob returns ErrConflict when the id or (org, external id) exists.
	InsertJob(Job) error
	UpdateJob(Job) error

	// Parts lists a job's parts in insertion order.
	Parts(jobID uuid.UUID) ([]Part, error)
	InsertParts([]Part) error
	UpdatePart(Part) error

	// Procurement finds a procurement bought by buyerOrg.
	Procurement(buyerOrg, id uuid.UUID) (Procurement, error)
	// SupplierProcurement finds a procurement sold by supplierOrg.
	SupplierProcurement(supplierOrg, id uuid.UUID) (Procurement, error)
	// SupplierProcurements lists what supplierOrg sells, newest first; an empty
	// status means every status.
	SupplierProcurements(supplierOrg uuid.UUID, status string) ([]Procurement, error)
	// JobProcurementCount counts the procurements of a job (for minting ids).
	JobProcurementCount(jobID uuid.UUID) (int, error)
	InsertProcurement(Procurement) error
	UpdateProcurement(Procurement) error

	// AddEvent writes an event to the outbox in this transaction: it exists
	// exactly when the state change that caused it does.
	AddEvent(Event) error
	// Events lists the tenant's events, oldest first.
	Events() ([]Event, error)

	OutboxTx
	SandboxTx
	ServiceMobilityTx
	PartageTx
	ListenTx
}

// Role is what an integration may do.
type Role string

const (
	RoleRepairer Role = "repairer"
	RoleSupplier Role = "supplier"
)

type Organization struct {
	ID   uuid.UUID
	Name string
	Role Role
}

// Address is where a business is.
type Address struct {
	Line1    string
	City     string
	Region   string
	Postcode string
	Country  string
}

// Business is one site of an organization: a repairer's workshop or a
// supplier's branch. Jobs are opened at a repairer business; a supplier
// business is what offers and procurements name as supplier.
type Business struct {
	ID             uuid.UUID
	OrganizationID uuid.UUID
	Name           string
	Role           Role
	Address        Address
}

// Integration is an installed credential: an api key bound to one
// organization with one role.
type Integration struct {
	ID             uuid.UUID
	APIKey         string
	OrganizationID uuid.UUID
	Role           Role
	ClientID       string
	WebhookSecret  string
	CreatedAt      time.Time
}

// Client is an OAuth client that may install integrations.
type Client struct {
	ID           string
	Secret       string
	Name         string
	RedirectURLs []string
}

// AccessCode is the short-lived grant exchanged by integrations.insert.
type AccessCode struct {
	Code           string
	ClientID       string
	OrganizationID uuid.UUID
	Role           Role
	ExpiresAt      time.Time
	UsedAt         *time.Time
}

type WorkProvider struct {
	ID   uuid.UUID
	Name string
	Kind string
}

// Vehicle is a vehicle as the world knows it; unknown attributes are nil.
type Vehicle struct {
	VIN       *string
	Plate     *string
	Make      *string
	Model     *string
	Year      *int
	BodyStyle *string
	Colour    *string
}

// VehicleIdentifier is either a chassis number or a plate with its country.
type VehicleIdentifier struct {
	ChassisNumber string
	Plate         string
	Country       string
}

// CatalogueItem is something a supplier sells; baskets are derived from it.
type CatalogueItem struct {
	ID                uuid.UUID
	SupplierID        uuid.UUID // a supplier Business
	PartNumber        string
	Description       string
	UnitPriceCents    int64
	QuantityAvailable int
	Condition         string
	LeadTimeDays      int
}

// Job statuses.
const (
	JobDraft        = "draft"
	JobPartsOrdered = "parts_ordered"
	JobClosed       = "closed"
)

type Job struct {
	ID             uuid.UUID
	OrganizationID uuid.UUID
	SiteID         uuid.UUID
	ExternalID     *string
	ClaimNumber    *string
	JobNumber      *string
	Vehicle        *Vehicle
	WorkProviderID *uuid.UUID
	Images         []string
	Status         string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// JobFilter narrows Jobs; zero values match everything.
type JobFilter struct {
	SiteID *uuid.UUID
	Status string
	// After lists only the jobs after this one in the listing's order
	// (newest first, then by id): the next page.
	After *JobKey
	Limit int // at most this many; 0: all
}

// JobKey is a job's place in a listing.
type JobKey struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// Part statuses.
const (
	PartEstimated = "estimated"
	PartOrdered   = "ordered"
)

type Part struct {
	ID          uuid.UUID
	JobID       uuid.UUID
	Ordinal     int // 1-based position on the job
	Description string
	PartNumber  *string
	Quantity    int
	Status      string
	CreatedAt   time.Time
}

// Procurement statuses.
const (
	ProcurementOrderRequested = "order_requested"
	ProcurementOrderConfirmed = "order_confirmed"
	ProcurementCancelled      = "cancelled"
)

type Procurement struct {
	ID              uuid.UUID
	BuyerOrgID      uuid.UUID
	JobID           uuid.UUID
	SupplierID      uuid.UUID // the supplier Business
	SupplierOrgID   uuid.UUID
	BuyerBusinessID uuid.UUID // the job's site
	Status          string
	CurrencyCode    string
	Lines           []ProcurementLine
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ConfirmedAt     *time.Time
}

type ProcurementLine struct {
	ID             uuid.UUID
	PartID         uuid.UUID
	OfferID        uuid.UUID
	Description    string
	PartNumber     *string
	Quantity       int
	UnitPriceCents int64
}

// SubtotalCents is the sum of the lines, in integer cents.
func (p Procurement) SubtotalCents() int64 {
	var s int64
	for _, l := range p.Lines {
		s += l.UnitPriceCents * int64(l.Quantity)
	}
	return s
}

// Event is one outbox row: a state change to tell one organization's
// integrations of one role about. Payload is the wire JSON of the object as
// that role reads it.
type Event struct {
	ID             uuid.UUID // the webhook message_id
	Type           string
	OrganizationID uuid.UUID
	Role           Role
	ObjectType     string
	ObjectID       uuid.UUID
	Payload        []byte
	CreatedAt      time.Time
}
