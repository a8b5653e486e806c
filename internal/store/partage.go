package store

import (
	"time"

	"github.com/google/uuid"
)

// The Partage freight domain: companies (a parent that holds the API token
// and its sub-companies), quotes and what happens to them (booking, notes,
// cancellation), and the world's counters that quote numbers and pl_ids are
// minted from. Rules (pricing, credit, what may be cancelled) live in
// internal/partage; these records only carry what it decided.
//
// Strings reaching a PartageTx never hold NUL characters: internal/partage
// refuses them at the edge of the domain (Postgres text and jsonb cannot
// hold them, and both stores must behave alike).

// PartageTx is the Partage part of a Tx.
type PartageTx interface {
	// PartageCompanyByToken finds the company an API token belongs to.
	PartageCompanyByToken(token string) (PartageCompany, error)
	// PartageCompany finds a company by id. In an Update it locks the record,
	// so that two bookings checking one credit limit take turns.
	PartageCompany(id uuid.UUID) (PartageCompany, error)
	// PartageSubCompanies lists a company's sub-companies, oldest first.
	PartageSubCompanies(parentID uuid.UUID) ([]PartageCompany, error)
	// PartageSubCompanyByExternalID finds parentID's sub-company with that
	// external id.
	PartageSubCompanyByExternalID(parentID uuid.UUID, externalID string) (PartageCompany, error)
	// InsertPartageCompany returns ErrConflict when the id, the token, or the
	// external id among the parent's sub-companies is taken.
	InsertPartageCompany(PartageCompany) error
	// UpdatePartageCompany writes a company's mutable fields (name, credit,
	// details). Its identity (id, parent, token, external id, created at)
	// never changes. ErrNotFound when there is no such company.
	UpdatePartageCompany(PartageCompany) error

	// NextPartageCounter adds one to the world's counter of that name and
	// returns the new value (1 the first time). It is part of the
	// transaction: a failed Update takes the increment back.
	NextPartageCounter(name string) (int64, error)

	// PartageQuoteByNumber and PartageQuoteByPLID find a quote of a family
	// (the quotes of a parent company and of its sub-companies). In an
	// Update they lock the record.
	PartageQuoteByNumber(familyID uuid.UUID, number string) (PartageQuote, error)
	PartageQuoteByPLID(familyID uuid.UUID, plID string) (PartageQuote, error)
	// PartageQuotes lists up to limit of the world's quotes, of every
	// family, newest (highest Seq) first, and counts them all (the
	// dashboard and the MCP scenario show them).
	PartageQuotes(limit int) ([]PartageQuote, int, error)
	// InsertPartageQuote returns ErrConflict when the id, the pl_id or the
	// number within the family is taken.
	InsertPartageQuote(PartageQuote) error
	// UpdatePartageQuote writes what may change on a quote: booking, notes,
	// cancellation. Its identity and terms (everything set at creation) stay.
	// ErrNotFound when the quote is not the family's.
	UpdatePartageQuote(PartageQuote) error
}

// PartageCompany is a customer of the broker. A top-level company holds an
// API token; a sub-company (ParentID set) is reached through its parent's
// token by its ExternalID.
type PartageCompany struct {
	ID         uuid.UUID
	ParentID   *uuid.UUID
	Name       string
	ExternalID *string
	APIToken   *string
	// APIUser is who calls made with the company's token act as (booked_by,
	// the author of notes).
	APIUser PartageUser
	// SameCredit: the company books on its parent's credit and has no limit
	// of its own (CreditLimit nil).
	SameCredit  bool
	CreditLimit *int64 // whole dollars
	// CreditUtilization is an open booked total in whole dollars: for a
	// company with a limit, the loads on its credit (its sub-companies'
	// included); for a same_credit company, its own loads.
	CreditUtilization int64
	DUNSNumber        *string
	Location          *PartageLocation
	AccountsPayable   *PartageContact
	CreatedAt         time.Time
}

// PartageUser is a person named on a record (booked_by, a note's author).
type PartageUser struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// PartageLocation is where a company is.
type PartageLocation struct {
	AddressOne string `json:"address_one"`
	AddressTwo string `json:"address_two"`
	PostalCode string `json:"postal_code"`
}

// PartageContact is a company's accounts-payable contact.
type PartageContact struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

// PartageAddress is a stop's address as the quote gave it.
type PartageAddress struct {
	Name       string `json:"name"`
	AddressOne string `json:"address_one"`
	AddressTwo string `json:"address_two"`
	Phone      string `json:"phone"`
	PostalCode string `json:"postal_code"`
}

// PartageTiming is a quote's resolved stop timing: local dates
// ("2006-01-02") and local times ("15:04") of each stop, defaults applied.
type PartageTiming struct {
	OriginDate       string `json:"origin_date"`
	OriginOpen       string `json:"origin_open"`
	OriginClose      string `json:"origin_close"`
	DestinationDate  string `json:"destination_date"`
	DestinationOpen  string `json:"destination_open"`
	DestinationClose string `json:"destination_close"`
}

// PartageService is one service asked for on the load or at a stop.
type PartageService struct {
	Location string  `json:"location"` // load, origin or destination
	Name     string  `json:"name"`
	Units    float64 `json:"units"`
}

// PartageCharge is one line of a price.
type PartageCharge struct {
	Name          string  `json:"name"`
	Total         int64   `json:"total"` // whole dollars
	UnitOfMeasure string  `json:"unit_of_measure"`
	Units         float64 `json:"units"`
}

// PartageOption is one mode a quote offers, priced.
type PartageOption struct {
	Mode    string          `json:"mode"`
	Total   int64           `json:"total"` // whole dollars, the sum of the charges
	Charges []PartageCharge `json:"charges"`
}

// PartageNote is a note on a load.
type PartageNote struct {
	Content     string    `json:"content"`
	UserName    string    `json:"user_name"`
	UserCompany string    `json:"user_company"`
	CreatedAt   time.Time `json:"created_at"`
}

// PartageBooking is what booking a quote fixed.
type PartageBooking struct {
	Mode     string          `json:"mode"`
	BookedAt time.Time       `json:"booked_at"`
	BookedBy PartageUser     `json:"booked_by"`
	Total    int64           `json:"total"`
	Charges  []PartageCharge `json:"charges"`
	// AccountID is the company whose credit the load is charged to.
	AccountID uuid.UUID `json:"account_id"`
}

// PartageQuote is a priced load: a quote until booked, a booked load after.
// Its lists (Services, Options, Notes) read back empty, never nil.
type PartageQuote struct {
	ID        uuid.UUID
	FamilyID  uuid.UUID // the top-level company whose token made it
	CompanyID uuid.UUID // the company it is for (FamilyID or a sub-company)
	Seq       int64     // its rank among the world's quotes, from 1
	Number    string    // YYYY-MM-DD-N
	PLID      string    // "PL" + 4 characters
	OwnCredit bool

	Equipment             string
	OriginPostalCode      string
	DestinationPostalCode string
	Weight                *int64 // pounds
	PalletSpots           *int64
	Pallets               *int64
	FTLOnly               bool
	OriginAddress         *PartageAddress
	DestinationAddress    *PartageAddress
	Commodity             *string
	ValueCents            *int64
	Pieces                *int64
	Timing                PartageTiming
	Services              []PartageService
	Miles                 int64
	Options               []PartageOption

	Booking     *PartageBooking
	Notes       []PartageNote
	CancelledAt *time.Time
	CreatedAt   time.Time
}
