package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// ServiceMobility state: what the ServiceMobility stand-in keeps per tenant.
// Its system configuration is part of the world (read and written inside
// transactions, reset with the world); its log of contract checks is kept
// like the request journal, outside the call's transaction, so that recording
// a check never slows or fails the call.

// MobilityConfig is the part of the entity's "mobility" system configuration
// the stand-in acts on.
type MobilityConfig struct {
	// PartsOrderingURI is PartsOrdering.EntityServiceURI: the implementer's
	// endpoint parts orders are forwarded to; "" forwards them to the
	// reference implementation.
	PartsOrderingURI string
	UpdatedAt        time.Time // zero while never set
}

// ContractCheck is the verdict on one answer of a parts ordering endpoint.
type ContractCheck struct {
	ID      uuid.UUID
	Time    time.Time // tenant clock, when the call was made
	Target  string    // the URL called, or the reference implementation's name
	Status  int       // the HTTP status; 0 when no answer came
	Latency time.Duration
	// Findings are the first differences from the interface found; FindingCount
	// counts them all, including those not kept.
	Findings     []CheckFinding
	FindingCount int
	OK           bool
}

// CheckFinding is one difference from the interface, at a JSON pointer path
// of the answer ("" for the answer as a whole).
type CheckFinding struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// CheckLogCap is how many contract checks a tenant keeps (the newest).
const CheckLogCap = 200

// ServiceMobilityTx is the per-tenant ServiceMobility state inside a
// transaction.
type ServiceMobilityTx interface {
	// MobilityConfig is the tenant's configuration: the zero value until set.
	MobilityConfig() (MobilityConfig, error)
	SetMobilityConfig(MobilityConfig) error
}

// ServiceMobilityLog is the contract-check log, kept outside transactions.
type ServiceMobilityLog interface {
	// AddContractCheck records c and keeps the newest CheckLogCap checks of
	// the tenant.
	AddContractCheck(ctx context.Context, tenant string, c ContractCheck) error
	// ContractChecks lists the tenant's checks, newest first; limit 0 lists
	// every kept one.
	ContractChecks(ctx context.Context, tenant string, limit int) ([]ContractCheck, error)
}
