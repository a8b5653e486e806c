// Package seed is the deterministic world every tenant starts from: the demo
// credentials, organizations and their businesses, work providers, the vehicle
// register, the parts catalogue, the demo repair job and the Partage freight
// companies (partage.go). Every id is fixed so
// that documentation and tests can name them.
package seed

import (
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// Published demo credentials (README, contract §5).
const (
	RepairerAPIKey = "partly_demo_repairer_3f8a1c0d9e2b4a67b1c2"
	SupplierAPIKey = "partly_demo_supplier_8b1e5d2c4f7a4e93a0d6"

	// Webhook secrets of the demo integrations (fixed and documented so a
	// receiver can be written before any subscription is made).
	RepairerWebhookSecret = "pwh_5e0c1d2a3b4c5d6e7f8091a2b3c4d5e6"
	SupplierWebhookSecret = "pwh_9a8b7c6d5e4f30211203f4e5d6c7b8a9"

	// Credentials of two more organizations (a second repairer and a second
	// supplier), so isolation between organizations can be tried on the wire.
	OtherRepairerAPIKey = "partly_4a1b2c3d4e5f60718293a4b5c6d7e8f9"
	OtherSupplierAPIKey = "partly_5b2c3d4e5f60718293a4b5c6d7e8f90a"

	DemoClientID     = "partly_client_demo"
	DemoClientSecret = "secret_demo_8f3a"
	DemoAccessCode   = "ac_demo_valid_15m"

	DemoJobExternalID = "CCC-2026-04817"
)

var (
	RepairerIntegrationID = uuid.MustParse("0c000000-0000-4000-8000-000000000001")
	SupplierIntegrationID = uuid.MustParse("0c000000-0000-4000-8000-000000000002")
	OtherRepairerIntegID  = uuid.MustParse("0c000000-0000-4000-8000-000000000003")
	OtherSupplierIntegID  = uuid.MustParse("0c000000-0000-4000-8000-000000000004")

	// Organizations.
	RepairerOrgID       = uuid.MustParse("0a000000-0000-4000-8000-000000000001")
	OtherRepairerOrgID  = uuid.MustParse("0a000000-0000-4000-8000-000000000002")
	ChristchurchToyotaO = uuid.MustParse("0a000000-0000-4000-8000-000000000011")
	AutoPartsDirectOrg  = uuid.MustParse("0a000000-0000-4000-8000-000000000012")
	CanterburyUsedOrg   = uuid.MustParse("0a000000-0000-4000-8000-000000000013")
	WellingtonGenuineO  = uuid.MustParse("0a000000-0000-4000-8000-000000000014")

	// Repairer sites.
	AddingtonSiteID = uuid.MustParse("0b000000-0000-4000-8000-000000000001")
	HornbySiteID    = uuid.MustParse("0b000000-0000-4000-8000-000000000002")
	TimaruSiteID    = uuid.MustParse("0b000000-0000-4000-8000-000000000003")
	OtherSiteID     = uuid.MustParse("0b000000-0000-4000-8000-000000000009")

	// Supplier businesses.
	ChristchurchToyotaID = uuid.MustParse("0b000000-0000-4000-8000-000000000011")
	AutoPartsDirectID    = uuid.MustParse("0b000000-0000-4000-8000-000000000012")
	CanterburyUsedID     = uuid.MustParse("0b000000-0000-4000-8000-000000000013")
	WellingtonGenuineID  = uuid.MustParse("0b000000-0000-4000-8000-000000000014")

	// Work providers.
	AMIInsuranceID = uuid.MustParse("0d000000-0000-4000-8000-000000000001")

	DemoJobID = uuid.MustParse("0e000000-0000-4000-8000-000000000001")

	// Epoch is the creation time of every seeded record.
	Epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

	// namespace for ids the server mints (see Mint).
	namespace = uuid.MustParse("6f2d3c8e-5a41-4b7e-9c0a-2d8e4f1b7a60")
)

// Mint derives an id from its parent and a name. The server mints the ids of
// jobs, parts, offers, procurements and invoices this way so that the same
// calls against a fresh world return the same ids (scripted walk-throughs and
// contract tests can name them), while ids stay unique within a world because
// every name is unique under its parent.
func Mint(parent uuid.UUID, name string) uuid.UUID {
	return uuid.NewSHA1(namespace, append(parent[:], name...))
}

// World is everything a tenant starts with.
type World struct {
	Organizations []store.Organization
	Businesses    []store.Business
	Integrations  []store.Integration
	Clients       []store.Client
	AccessCodes   []store.AccessCode
	WorkProviders []store.WorkProvider
	Vehicles      []store.Vehicle
	Catalogue     []store.CatalogueItem
	Jobs          []store.Job

	PartageCompanies []store.PartageCompany // parents before their sub-companies
}

func ptr[T any](v T) *T { return &v }

// DemoVehicle is the demo job's 2019 Toyota Corolla.
func DemoVehicle() store.Vehicle {
	return store.Vehicle{
		VIN: ptr("JTNKARJE20J012345"), Plate: ptr("NKR419"), Make: ptr("Toyota"),
		Model: ptr("Corolla"), Year: ptr(2019), BodyStyle: ptr("Hatchback"), Colour: ptr("Silver"),
	}
}

// New builds the world. It returns fresh values each call, so a store may
// keep and mutate them.
func New() World {
	nz := func(line1, city, region, postcode string) store.Address {
		return store.Address{Line1: line1, City: city, Region: region, Postcode: postcode, Country: "NZ"}
	}
	w := World{
		Organizations: []store.Organization{
			{ID: RepairerOrgID, Name: "Southern Cross Panel & Paint", Role: store.RoleRepairer},
			{ID: OtherRepairerOrgID, Name: "Harbour City Collision", Role: store.RoleRepairer},
			{ID: ChristchurchToyotaO, Name: "Christchurch Toyota", Role: store.RoleSupplier},
			{ID: AutoPartsDirectOrg, Name: "Auto Parts Direct", Role: store.RoleSupplier},
			{ID: CanterburyUsedOrg, Name: "Canterbury Used Auto Parts", Role: store.RoleSupplier},
			{ID: WellingtonGenuineO, Name: "Wellington Genuine Parts", Role: store.RoleSupplier},
		},
		Businesses: []store.Business{
			{ID: AddingtonSiteID, OrganizationID: RepairerOrgID, Role: store.RoleRepairer,
				Name: "Southern Cross Panel & Paint — Addington", Address: nz("41 Whiteleigh Avenue", "Christchurch", "Canterbury", "8024")},
			{ID: HornbySiteID, OrganizationID: RepairerOrgID, Role: store.RoleRepairer,
				Name: "Southern Cross Panel & Paint — Hornby", Address: nz("12 Chalmers Street", "Christchurch", "Canterbury", "8042")},
			{ID: TimaruSiteID, OrganizationID: RepairerOrgID, Role: store.RoleRepairer,
				Name: "Southern Cross Panel & Paint — Timaru", Address: nz("88 Hilton Highway", "Timaru", "Canterbury", "7910")},
			{ID: OtherSiteID, OrganizationID: OtherRepairerOrgID, Role: store.RoleRepairer,
				Name: "Harbour City Collision — Petone", Address: nz("5 Jackson Street", "Lower Hutt", "Wellington", "5012")},
			{ID: ChristchurchToyotaID, OrganizationID: ChristchurchToyotaO, Role: store.RoleSupplier,
				Name: "Christchurch Toyota Parts", Address: nz("165 Moorhouse Avenue", "Christchurch", "Canterbury", "8011")},
			{ID: AutoPartsDirectID, OrganizationID: AutoPartsDirectOrg, Role: store.RoleSupplier,
				Name: "Auto Parts Direct", Address: nz("230 Great South Road", "Auckland", "Auckland", "1051")},
			{ID: CanterburyUsedID, OrganizationID: CanterburyUsedOrg, Role: store.RoleSupplier,
				Name: "Canterbury Used Auto Parts", Address: nz("19 Shands Road", "Christchurch", "Canterbury", "8042")},
			{ID: WellingtonGenuineID, OrganizationID: WellingtonGenuineO, Role: store.RoleSupplier,
				Name: "Wellington Genuine Parts", Address: nz("70 Kent Terrace", "Wellington", "Wellington", "6011")},
		},
		Integrations: []store.Integration{
			{ID: RepairerIntegrationID, APIKey: RepairerAPIKey, OrganizationID: RepairerOrgID, Role: store.RoleRepairer,
				ClientID: DemoClientID, WebhookSecret: RepairerWebhookSecret, CreatedAt: Epoch},
			{ID: SupplierIntegrationID, APIKey: SupplierAPIKey, OrganizationID: ChristchurchToyotaO, Role: store.RoleSupplier,
				ClientID: DemoClientID, WebhookSecret: SupplierWebhookSecret, CreatedAt: Epoch},
			{ID: OtherRepairerIntegID, APIKey: OtherRepairerAPIKey, OrganizationID: OtherRepairerOrgID, Role: store.RoleRepairer,
				ClientID: DemoClientID, WebhookSecret: "pwh_0f1e2d3c4b5a69788796a5b4c3d2e1f0", CreatedAt: Epoch},
			{ID: OtherSupplierIntegID, APIKey: OtherSupplierAPIKey, OrganizationID: AutoPartsDirectOrg, Role: store.RoleSupplier,
				ClientID: DemoClientID, WebhookSecret: "pwh_1f2e3d4c5b6a79889706b5c4d3e2f101", CreatedAt: Epoch},
		},
		Clients: []store.Client{{
			ID: DemoClientID, Secret: DemoClientSecret, Name: "Demo Integration",
			RedirectURLs: []string{"http://localhost:3000/callback", "http://127.0.0.1:3000/callback"},
		}},
		// The demo code never expires by age: "works once per world".
		AccessCodes: []store.AccessCode{{
			Code: DemoAccessCode, ClientID: DemoClientID, OrganizationID: RepairerOrgID,
			Role: store.RoleRepairer, ExpiresAt: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		}},
		WorkProviders: []store.WorkProvider{
			{ID: AMIInsuranceID, Name: "AMI Insurance", Kind: "insurer"},
			{ID: uuid.MustParse("0d000000-0000-4000-8000-000000000002"), Name: "AA Insurance", Kind: "insurer"},
			{ID: uuid.MustParse("0d000000-0000-4000-8000-000000000003"), Name: "Tower Insurance", Kind: "insurer"},
			{ID: uuid.MustParse("0d000000-0000-4000-8000-000000000004"), Name: "State Insurance", Kind: "insurer"},
			{ID: uuid.MustParse("0d000000-0000-4000-8000-000000000005"), Name: "Fleet Partners NZ", Kind: "fleet"},
			{ID: uuid.MustParse("0d000000-0000-4000-8000-000000000006"), Name: "Private customer", Kind: "private"},
		},
		Vehicles: []store.Vehicle{
			DemoVehicle(),
			{VIN: ptr("JM0BP2HY600123456"), Plate: ptr("MZD303"), Make: ptr("Mazda"), Model: ptr("3"),
				Year: ptr(2020), BodyStyle: ptr("Sedan"), Colour: ptr("Soul Red")},
			{VIN: ptr("MNAUMFF50LW123456"), Plate: ptr("RNG221"), Make: ptr("Ford"), Model: ptr("Ranger"),
				Year: ptr(2021), BodyStyle: ptr("Ute"), Colour: ptr("White")},
			{VIN: ptr("JHMGK58A0HS123456"), Plate: ptr("JAZ117"), Make: ptr("Honda"), Model: ptr("Jazz"),
				Year: ptr(2017), BodyStyle: ptr("Hatchback"), Colour: ptr("Blue")},
			// Known by plate only: an imported vehicle whose VIN the register lacks.
			{Plate: ptr("HLX880"), Make: ptr("Toyota"), Model: ptr("Hilux"), Year: ptr(2018), BodyStyle: ptr("Ute")},
		},
		Catalogue:        catalogue(),
		PartageCompanies: partageCompanies(),
	}
	v := DemoVehicle()
	w.Jobs = []store.Job{{
		ID: DemoJobID, OrganizationID: RepairerOrgID, SiteID: AddingtonSiteID,
		ExternalID: ptr(DemoJobExternalID), ClaimNumber: ptr("AMI-CLM-552019"), JobNumber: ptr("J-10482"),
		Vehicle: &v, WorkProviderID: ptr(AMIInsuranceID), Images: []string{},
		Status: store.JobDraft, CreatedAt: Epoch, UpdatedAt: Epoch,
	}}
	return w
}

// Part numbers of the 2019 Corolla front end, used in the README walk-through.
const (
	BumperCoverPN  = "52119-12D90"
	HeadlampLHPN   = "81170-12N40"
	HeadlampRHPN   = "81130-12N40"
	GrillePN       = "53112-12290"
	BonnetPN       = "53301-12C20"
	RadSupportPN   = "53201-12A50"
	FrontGuardLHPN = "53812-12A30"
)

func catalogue() []store.CatalogueItem {
	type row struct {
		supplier  uuid.UUID
		pn, desc  string
		cents     int64
		qty, lead int
		cond      string
	}
	ct, apd, cu, wg := ChristchurchToyotaID, AutoPartsDirectID, CanterburyUsedID, WellingtonGenuineID
	rows := []row{
		// Christchurch Toyota, genuine new parts. Bumper cover + LH headlamp
		// = 955.65, + 15% GST (143.35) = 1099.00: the walk-through's invoice.
		{ct, BumperCoverPN, "Front bumper cover", 54950, 4, 1, "new"},
		{ct, HeadlampLHPN, "Headlamp assembly, left", 40615, 2, 2, "new"},
		{ct, HeadlampRHPN, "Headlamp assembly, right", 40615, 2, 2, "new"},
		{ct, GrillePN, "Radiator grille", 18990, 3, 1, "new"},
		{ct, BonnetPN, "Bonnet", 89500, 1, 3, "new"},
		{ct, RadSupportPN, "Radiator support", 61240, 1, 5, "new"},
		{ct, FrontGuardLHPN, "Front guard, left", 38800, 2, 2, "new"},
		// Auto Parts Direct, aftermarket, Auckland.
		{apd, BumperCoverPN, "Front bumper cover (aftermarket)", 28900, 12, 3, "aftermarket"},
		{apd, HeadlampLHPN, "Headlamp assembly, left (aftermarket)", 21450, 6, 3, "aftermarket"},
		{apd, HeadlampRHPN, "Headlamp assembly, right (aftermarket)", 21450, 6, 3, "aftermarket"},
		{apd, GrillePN, "Radiator grille (aftermarket)", 9900, 10, 3, "aftermarket"},
		{apd, FrontGuardLHPN, "Front guard, left (aftermarket)", 17500, 5, 4, "aftermarket"},
		// Canterbury Used Auto Parts, used, Christchurch.
		{cu, BumperCoverPN, "Front bumper cover (used, grade A)", 19500, 1, 1, "used"},
		{cu, HeadlampLHPN, "Headlamp assembly, left (used)", 16000, 1, 1, "used"},
		{cu, BonnetPN, "Bonnet (used, grade B)", 32000, 1, 2, "used"},
		// Wellington Genuine Parts, genuine new, further away.
		{wg, BumperCoverPN, "Front bumper cover", 56200, 2, 4, "new"},
		{wg, RadSupportPN, "Radiator support", 59800, 2, 4, "new"},
	}
	items := make([]store.CatalogueItem, len(rows))
	for i, r := range rows {
		items[i] = store.CatalogueItem{
			ID:         uuid.MustParse("1a000000-0000-4000-8000-0000000000" + twoDigits(i+1)),
			SupplierID: r.supplier, PartNumber: r.pn, Description: r.desc,
			UnitPriceCents: r.cents, QuantityAvailable: r.qty, Condition: r.cond, LeadTimeDays: r.lead,
		}
	}
	return items
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }
