package postgres

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

const partageCompanyCols = `id, parent_id, name, external_id, api_token, api_user, same_credit, credit_limit,
	credit_utilization, duns_number, location, accounts_payable, created_at`

func scanPartageCompany(r scanner) (store.PartageCompany, error) {
	var c store.PartageCompany
	err := r.Scan(&c.ID, &c.ParentID, &c.Name, &c.ExternalID, &c.APIToken, &c.APIUser, &c.SameCredit,
		&c.CreditLimit, &c.CreditUtilization, &c.DUNSNumber, &c.Location, &c.AccountsPayable, &c.CreatedAt)
	utc(&c.CreatedAt)
	return c, err
}

func partageCompanyArgs(c store.PartageCompany) []any {
	return []any{c.ID, c.ParentID, c.Name, c.ExternalID, c.APIToken, c.APIUser, c.SameCredit, c.CreditLimit,
		c.CreditUtilization, c.DUNSNumber, c.Location, c.AccountsPayable, c.CreatedAt}
}

const insertPartageCompany = `INSERT INTO partage_companies (tenant, ` + partageCompanyCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

func (t *tx) PartageCompanyByToken(token string) (store.PartageCompany, error) {
	return get(t, scanPartageCompany, `SELECT `+partageCompanyCols+` FROM partage_companies
		WHERE tenant = $1 AND api_token = $2`, token)
}

func (t *tx) PartageCompany(id uuid.UUID) (store.PartageCompany, error) {
	return get(t, scanPartageCompany, `SELECT `+partageCompanyCols+` FROM partage_companies
		WHERE tenant = $1 AND id = $2`+t.forUpdate(), id)
}

func (t *tx) PartageSubCompanies(parent uuid.UUID) ([]store.PartageCompany, error) {
	return list(t, scanPartageCompany, `SELECT `+partageCompanyCols+` FROM partage_companies
		WHERE tenant = $1 AND parent_id = $2 ORDER BY seq`, parent)
}

func (t *tx) PartageSubCompanyByExternalID(parent uuid.UUID, ext string) (store.PartageCompany, error) {
	return get(t, scanPartageCompany, `SELECT `+partageCompanyCols+` FROM partage_companies
		WHERE tenant = $1 AND parent_id = $2 AND external_id = $3`+t.forUpdate(), parent, ext)
}

func (t *tx) InsertPartageCompany(c store.PartageCompany) error {
	return t.insert(insertPartageCompany, partageCompanyArgs(c)...)
}

func (t *tx) UpdatePartageCompany(c store.PartageCompany) error {
	return t.update(`UPDATE partage_companies SET name = $3, api_user = $4, same_credit = $5, credit_limit = $6,
		credit_utilization = $7, duns_number = $8, location = $9, accounts_payable = $10
		WHERE tenant = $1 AND id = $2`,
		c.ID, c.Name, c.APIUser, c.SameCredit, c.CreditLimit, c.CreditUtilization, c.DUNSNumber, c.Location,
		c.AccountsPayable)
}

// NextPartageCounter is one upsert: concurrent writers of one counter queue
// on its row and each gets its own value.
func (t *tx) NextPartageCounter(name string) (int64, error) {
	return get(t, func(r scanner) (int64, error) {
		var n int64
		err := r.Scan(&n)
		return n, err
	}, `INSERT INTO partage_counters (tenant, name, value) VALUES ($1, $2, 1)
		ON CONFLICT (tenant, name) DO UPDATE SET value = partage_counters.value + 1 RETURNING value`, name)
}

const partageQuoteCols = `id, family_id, company_id, seq, number, pl_id, own_credit, equipment, origin_postal_code,
	destination_postal_code, weight, pallet_spots, pallets, ftl_only, origin_address, destination_address,
	commodity, value_cents, pieces, timing, services, miles, options, booking, notes, cancelled_at, created_at`

func scanPartageQuote(r scanner) (store.PartageQuote, error) {
	var q store.PartageQuote
	err := r.Scan(&q.ID, &q.FamilyID, &q.CompanyID, &q.Seq, &q.Number, &q.PLID, &q.OwnCredit, &q.Equipment,
		&q.OriginPostalCode, &q.DestinationPostalCode, &q.Weight, &q.PalletSpots, &q.Pallets, &q.FTLOnly,
		&q.OriginAddress, &q.DestinationAddress, &q.Commodity, &q.ValueCents, &q.Pieces, &q.Timing, &q.Services,
		&q.Miles, &q.Options, &q.Booking, &q.Notes, &q.CancelledAt, &q.CreatedAt)
	if err != nil {
		return q, err
	}
	utc(&q.CreatedAt)
	q.CancelledAt = utcPtr(q.CancelledAt)
	if q.Booking != nil {
		utc(&q.Booking.BookedAt)
	}
	for i := range q.Notes {
		utc(&q.Notes[i].CreatedAt)
	}
	return q, nil
}

// jsonList keeps an empty list an empty list: nil would be stored as null.
func jsonList[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (t *tx) PartageQuoteByNumber(family uuid.UUID, number string) (store.PartageQuote, error) {
	return get(t, scanPartageQuote, `SELECT `+partageQuoteCols+` FROM partage_quotes
		WHERE tenant = $1 AND family_id = $2 AND number = $3`+t.forUpdate(), family, number)
}

func (t *tx) PartageQuoteByPLID(family uuid.UUID, plID string) (store.PartageQuote, error) {
	return get(t, scanPartageQuote, `SELECT `+partageQuoteCols+` FROM partage_quotes
		WHERE tenant = $1 AND family_id = $2 AND pl_id = $3`+t.forUpdate(), family, plID)
}

func (t *tx) PartageQuotes(limit int) ([]store.PartageQuote, int, error) {
	n, err := get(t, func(r scanner) (n int, err error) { err = r.Scan(&n); return }, `SELECT count(*) FROM partage_quotes WHERE tenant = $1`)
	if err != nil || limit <= 0 {
		return nil, n, err
	}
	qs, err := list(t, scanPartageQuote, `SELECT `+partageQuoteCols+` FROM partage_quotes WHERE tenant = $1
		ORDER BY seq DESC LIMIT $2`, limit)
	return qs, n, err
}

func (t *tx) InsertPartageQuote(q store.PartageQuote) error {
	return t.insert(`INSERT INTO partage_quotes (tenant, `+partageQuoteCols+`) VALUES ($1, $2, $3, $4, $5, $6,
		$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)`,
		q.ID, q.FamilyID, q.CompanyID, q.Seq, q.Number, q.PLID, q.OwnCredit, q.Equipment, q.OriginPostalCode,
		q.DestinationPostalCode, q.Weight, q.PalletSpots, q.Pallets, q.FTLOnly, q.OriginAddress,
		q.DestinationAddress, q.Commodity, q.ValueCents, q.Pieces, q.Timing, jsonList(q.Services), q.Miles,
		jsonList(q.Options), q.Booking, jsonList(q.Notes), q.CancelledAt, q.CreatedAt)
}

func (t *tx) UpdatePartageQuote(q store.PartageQuote) error {
	return t.update(`UPDATE partage_quotes SET booking = $4, notes = $5, cancelled_at = $6
		WHERE tenant = $1 AND id = $2 AND family_id = $3`,
		q.ID, q.FamilyID, q.Booking, jsonList(q.Notes), q.CancelledAt)
}

// queuePartageSeed adds the seeded Partage companies to a seeding batch.
func queuePartageSeed(b *pgx.Batch, tenant string, w seed.World) {
	for _, c := range w.PartageCompanies {
		b.Queue(insertPartageCompany, append([]any{tenant}, partageCompanyArgs(c)...)...)
	}
}
