package methods

// Wire shapes of the 2026-01 API: requests and 200 responses, exactly as
// openapi.json declares them. Nullable fields are pointers without omitempty,
// so they are always present, as null when unset (the vendor's style).

import (
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/httpapi"
)

// JobIdentityV1 is exactly one of {"id":…} or {"external":…}; the schema
// enforces the one-of, so at most one field is set after validation.
type JobIdentityV1 struct {
	ID       *uuid.UUID `json:"id,omitempty"`
	External *string    `json:"external,omitempty"`
}

// VrmLocationV1 is where a plate is registered. The vendor's LocationV1 is
// the plate variant itself (VehicleIdentifierV1's {"vrm":…}).
type VrmLocationV1 struct {
	Country string `json:"country"`
}

type VrmV1 struct {
	Plate    string        `json:"plate"`
	Location VrmLocationV1 `json:"location"`
}

// VehicleIdentifierV1 is one of {"chassis_number":…} or {"vrm":{…}}.
type VehicleIdentifierV1 struct {
	ChassisNumber *string `json:"chassis_number,omitempty"`
	Vrm           *VrmV1  `json:"vrm,omitempty"`
}

type VehicleV1 struct {
	VIN       *string `json:"vin"`
	Plate     *string `json:"plate"`
	Make      *string `json:"make"`
	Model     *string `json:"model"`
	Year      *int    `json:"year"`
	BodyStyle *string `json:"body_style"`
	Colour    *string `json:"colour"`
}

type AddressV1 struct {
	Line1    string `json:"line1"`
	City     string `json:"city"`
	Region   string `json:"region"`
	Postcode string `json:"postcode"`
	Country  string `json:"country"`
}

type BusinessV1 struct {
	ID             uuid.UUID `json:"id"`
	Name           string    `json:"name"`
	OrganizationID uuid.UUID `json:"organization_id"`
	Role           string    `json:"role"`
	Address        AddressV1 `json:"address"`
}

type WorkProviderV1 struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	Kind string    `json:"kind"`
}

// TaggedV1 is an internally tagged status such as {"type":"draft"}.
type TaggedV1 struct {
	Type string `json:"type"`
}

type JobV1 struct {
	ClaimNumber    *string    `json:"claim_number"`
	ExternalID     *string    `json:"external_id"`
	ID             uuid.UUID  `json:"id"`
	Images         []string   `json:"images"`
	JobNumber      *string    `json:"job_number"`
	SiteID         uuid.UUID  `json:"site_id"`
	Status         TaggedV1   `json:"status"`
	Vehicle        *VehicleV1 `json:"vehicle"`
	WorkProviderID *uuid.UUID `json:"work_provider_id"`
}

type PartV1 struct {
	ID          uuid.UUID `json:"id"`
	JobID       uuid.UUID `json:"job_id"`
	Description string    `json:"description"`
	PartNumber  *string   `json:"part_number"`
	Quantity    int       `json:"quantity"`
	Status      string    `json:"status"`
}

type SupplierLocationV1 struct {
	City    string `json:"city"`
	Region  string `json:"region"`
	Country string `json:"country"`
}

type SupplierV1 struct {
	ID       uuid.UUID          `json:"id"`
	Name     string             `json:"name"`
	Location SupplierLocationV1 `json:"location"`
}

// OfferV1 deliberately has no currency (vendor decision D52).
type OfferV1 struct {
	ID                uuid.UUID `json:"id"`
	PartID            uuid.UUID `json:"part_id"`
	SupplierID        uuid.UUID `json:"supplier_id"`
	PartNumber        string    `json:"part_number"`
	Description       string    `json:"description"`
	UnitPrice         string    `json:"unit_price"`
	QuantityAvailable int       `json:"quantity_available"`
	Condition         string    `json:"condition"`
	LeadTimeDays      int       `json:"lead_time_days"`
}

type ProcurementLineV1 struct {
	ID          uuid.UUID `json:"id"`
	PartID      uuid.UUID `json:"part_id"`
	OfferID     uuid.UUID `json:"offer_id"`
	Description string    `json:"description"`
	PartNumber  *string   `json:"part_number"`
	Quantity    int       `json:"quantity"`
	UnitPrice   string    `json:"unit_price"`
	LineTotal   string    `json:"line_total"`
}

type ProcurementV1 struct {
	ID              uuid.UUID           `json:"id"`
	JobID           uuid.UUID           `json:"job_id"`
	SupplierID      uuid.UUID           `json:"supplier_id"`
	BuyerBusinessID uuid.UUID           `json:"buyer_business_id"`
	Status          string              `json:"status"`
	CurrencyCode    string              `json:"currency_code"`
	Lines           []ProcurementLineV1 `json:"lines"`
	Subtotal        string              `json:"subtotal"`
	CreatedAt       string              `json:"created_at"`
	UpdatedAt       string              `json:"updated_at"`
	ConfirmedAt     *string             `json:"confirmed_at"`
}

type InvoiceLineV1 struct {
	ID          uuid.UUID `json:"id"`
	PartID      uuid.UUID `json:"part_id"`
	Description string    `json:"description"`
	PartNumber  *string   `json:"part_number"`
	Quantity    int       `json:"quantity"`
	UnitPrice   string    `json:"unit_price"`
	LineTotal   string    `json:"line_total"`
}

type InvoiceV1 struct {
	ID            uuid.UUID       `json:"id"`
	Number        string          `json:"number"`
	ProcurementID uuid.UUID       `json:"procurement_id"`
	CurrencyCode  string          `json:"currency_code"`
	Lines         []InvoiceLineV1 `json:"lines"`
	Subtotal      string          `json:"subtotal"`
	Tax           string          `json:"tax"`
	Total         string          `json:"total"`
	IssuedAt      string          `json:"issued_at"`
}

// ---- requests and responses, one pair per method ----

type IntegrationsInsertRequest struct {
	AccessCode   string `json:"access_code"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

type IntegrationsInsertResponse struct {
	APIKey        string    `json:"api_key"`
	IntegrationID uuid.UUID `json:"integration_id"`
}

type Empty struct{}

type ItemsV1[T any] struct {
	Items []T `json:"items"`
}

type Tier1PrepareRequest struct {
	Identifier VehicleIdentifierV1 `json:"identifier"`
}

type Tier1PrepareResponse struct {
	Vehicle VehicleV1 `json:"vehicle"`
}

type Tier1PreloadRequest struct {
	Identifiers []VehicleIdentifierV1 `json:"identifiers"`
}

// ExternalInsertV1 is the data of repairer.jobs.insert.
type ExternalInsertV1 struct {
	ClaimNumber    *string    `json:"claim_number"`
	JobNumber      *string    `json:"job_number"`
	RepairerSiteID uuid.UUID  `json:"repairer_site_id"`
	Vehicle        *VehicleV1 `json:"vehicle"`
	WorkProviderID *uuid.UUID `json:"work_provider_id"`
}

type IfConflictOnInsertV1 struct {
	Exists string `json:"exists"`
}

type JobsInsertRequest struct {
	Data     ExternalInsertV1     `json:"data"`
	Identity JobIdentityV1        `json:"identity"`
	If       IfConflictOnInsertV1 `json:"if_"`
}

type JobsGetRequest struct {
	Identity JobIdentityV1 `json:"identity"`
}

type JobsListRequest struct {
	SiteID *uuid.UUID `json:"site_id"`
	Status *string    `json:"status"`
}

type PartInsertV1 struct {
	Description string  `json:"description"`
	PartNumber  *string `json:"part_number"`
	Quantity    int     `json:"quantity"`
}

type JobsPartsInsertRequest struct {
	Job   JobIdentityV1  `json:"job"`
	Parts []PartInsertV1 `json:"parts"`
}

type JobsPartsInsertResponse struct {
	Parts []PartV1 `json:"parts"`
}

type BasketGetRequest struct {
	Job JobIdentityV1 `json:"job"`
}

type BasketV1 struct {
	Offers    []OfferV1    `json:"offers"`
	Suppliers []SupplierV1 `json:"suppliers"`
}

type ProcurementsInsertRequest struct {
	Job      JobIdentityV1 `json:"job"`
	OfferIDs []uuid.UUID   `json:"offer_ids"`
}

type ProcurementIDRequest struct {
	ID uuid.UUID `json:"id"`
}

type SupplierProcurementsListRequest struct {
	Status *string `json:"status"`
}

type InvoicesListRequest struct {
	ProcurementID uuid.UUID `json:"procurement_id"`
}

// mustJSON renders a value the server built itself, as the answers are
// (no HTML escaping); failure is a bug.
func mustJSON(v any) []byte {
	b, err := httpapi.MarshalJSON(v)
	if err != nil {
		panic(err)
	}
	return b
}
