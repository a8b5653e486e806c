package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partifact/mockserver/internal/store"
)

// tx implements store.Tx. Every statement's first parameter ($1) is the
// tenant, so no query can reach another tenant's rows. Its opening is
// described in opening.go.
type tx struct {
	ctx    context.Context
	s      *Store
	q      *pgxpool.Conn
	tenant string
	write  bool
	// lazy: a read whose opening waits for its first statement.
	lazy bool
	// opened: the opening has been read; begun: a transaction was begun
	// (writes, and reads that send more than one statement).
	opened, begun bool
	// first is the read's first statement (see reads).
	first    string
	dbNow    time.Time // the database's transaction time
	now      time.Time // the tenant's clock
	offset   time.Duration
	lastUsed time.Time
	version  int64
	// faults: the tenant had a fault left when the transaction opened, or
	// the transaction inserted one. Without, Faults needs no round trip:
	// every wire call asks for faults, and almost none finds any.
	faults bool
	// snapshot is what the instance kept of the tenant when the
	// transaction started (cache.go); assumed: the transaction took
	// something from it before its opening (assumedNoFaults: that the
	// tenant has no fault), which the opening then checks.
	snapshot        *snapshot
	assumed         bool
	assumedNoFaults bool
	// wroteCached: the transaction changed what snapshots hold, which it
	// then reads from the database.
	wroteCached bool
	// later: a write's statements sent with its next statement or its
	// COMMIT (see insert); eager: none may wait so (a run again after
	// one of them failed).
	later []statement
	eager bool
	// fail ends the transaction whatever fn makes of it (stale cache, no
	// tenant, a failed opening); done: fn has returned.
	fail error
	done bool
}

// statement is one statement and its arguments, the tenant first.
type statement struct {
	sql  string
	args []any
}

var errDone = errors.New("postgres: transaction used after its function returned")

type scanner interface{ Scan(dest ...any) error }

func (t *tx) args(args []any) []any {
	out := make([]any, 0, len(args)+1)
	out = append(out, t.tenant)
	for _, a := range args {
		out = append(out, param(a))
	}
	return out
}

// param is a as pgx encodes it best: a uuid.UUID is sent as the 16 bytes
// it is (its driver.Valuer would send it as text, which pgx then encodes
// and the database parses).
func param(a any) any {
	switch v := a.(type) {
	case uuid.UUID:
		return pgtype.UUID{Bytes: v, Valid: true}
	case *uuid.UUID:
		if v == nil {
			return pgtype.UUID{}
		}
		return pgtype.UUID{Bytes: *v, Valid: true}
	}
	return a
}

func (t *tx) exec(sql string, args ...any) (tag pgconn.CommandTag, err error) {
	err = t.do(sql, args, func(br results) error {
		tag, err = br.Exec()
		return err
	})
	return tag, err
}

// insert runs an INSERT … ON CONFLICT DO NOTHING: a row not written means a
// key was taken. Unlike a unique violation this leaves the transaction
// usable, as the memory store's transactions stay after an ErrConflict.
//
// In a write that has opened, the INSERT is instead sent later, plain,
// with the transaction's next statement or its COMMIT, in the same round
// trip: most inserts are of rows that are new, and fn then goes on without
// waiting for the database. Should the row exist after all, the INSERT
// fails, everything after it in the transaction is undone (Postgres
// ignores the rest of a batch after an error, the COMMIT included), and
// Update runs fn again with every statement waited for (eager), where it
// meets ErrConflict as above.
func (t *tx) insert(sql string, args ...any) error {
	if t.hold(sql, args) {
		return nil
	}
	tag, err := t.exec(sql+` ON CONFLICT DO NOTHING`, args...)
	if err == nil && tag.RowsAffected() == 0 {
		return store.ErrConflict
	}
	return err
}

// hold keeps an insert to be sent later (see insert), when the write
// allows it and each argument can be copied: pgx encodes arguments only
// when it sends them, and what fn changes after its call must not reach
// the database. An argument of another kind (a value pgx would encode as
// JSON, say) sends the insert at once.
func (t *tx) hold(sql string, args []any) bool {
	if !t.deferrable() {
		return false
	}
	st := statement{sql, t.args(args)}
	for i, a := range st.args {
		c, ok := detached(a)
		if !ok {
			return false
		}
		st.args[i] = c
	}
	t.later = append(t.later, st)
	return true
}

var (
	timeType = reflect.TypeFor[time.Time]()
	uuidType = reflect.TypeFor[pgtype.UUID]()
)

// detached is a, sharing no memory with it: a value of a basic kind, a
// time or a uuid as it is, a pointer to one as its value (nil as nil), a
// slice of them (bytes included) or of byte slices as a copy. ok is false
// for any other kind.
func detached(a any) (c any, ok bool) {
	if a == nil {
		return nil, true
	}
	v := reflect.ValueOf(a)
	switch {
	case scalar(v.Type()):
		return a, true
	case v.Kind() == reflect.Pointer && scalar(v.Type().Elem()):
		if v.IsNil() {
			return nil, true
		}
		return v.Elem().Interface(), true
	case v.Kind() == reflect.Slice && (scalar(v.Type().Elem()) || v.Type().Elem().Kind() == reflect.Slice && v.Type().Elem().Elem().Kind() == reflect.Uint8):
		if v.IsNil() {
			return a, true
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(out, v)
		if v.Type().Elem().Kind() == reflect.Slice {
			for i := range out.Len() {
				if e := out.Index(i); !e.IsNil() {
					e.Set(reflect.AppendSlice(reflect.MakeSlice(e.Type(), 0, e.Len()), e))
				}
			}
		}
		return out.Interface(), true
	}
	return nil, false
}

// scalar: a type whose values share no memory that can change.
func scalar(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return t == timeType || t == uuidType
}

// insertNew runs an INSERT of a row whose key was just made at random (an
// event's, a delivery's id): it cannot be taken, so the insert need not
// be speculative as insert's are, which costs the database about as much
// again. Should it be taken all the same, the answer is ErrConflict as
// insert's, but the transaction cannot go on: Update runs it again.
func (t *tx) insertNew(sql string, args ...any) error {
	if t.hold(sql, args) {
		return nil
	}
	_, err := t.exec(sql, args...)
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "23505" {
		return store.ErrConflict
	}
	return err
}

// update runs an UPDATE or DELETE that must hit a row.
func (t *tx) update(sql string, args ...any) error {
	tag, err := t.exec(sql, args...)
	if err == nil && tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return err
}

func get[T any](t *tx, scan func(scanner) (T, error), sql string, args ...any) (v T, err error) {
	err = t.do(sql, args, func(br results) error {
		v, err = scan(br.QueryRow())
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	return v, err
}

func list[T any](t *tx, scan func(scanner) (T, error), sql string, args ...any) (out []T, err error) {
	err = t.do(sql, args, func(br results) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// forUpdate locks the rows a write transaction reads before changing them.
func (t *tx) forUpdate() string {
	if t.write {
		return ` FOR UPDATE`
	}
	return ``
}

// utc normalises times read back (pgx returns local times) so that records
// compare equal to what was written.
func utc(ts ...*time.Time) {
	for _, p := range ts {
		*p = p.UTC()
	}
}

func utcPtr(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	v := p.UTC()
	return &v
}

func (t *tx) Now() time.Time {
	t.ensureOpen()
	return t.now
}

func (t *tx) ClockOffset() time.Duration {
	t.ensureOpen()
	return t.offset
}

func (t *tx) SetClockOffset(d time.Duration) error {
	if err := t.update(`UPDATE tenants SET clock_offset = $2 WHERE tenant = $1`, int64(d)); err != nil {
		return err
	}
	t.offset = d
	return nil
}

const integrationCols = `id, api_key, organization_id, role, client_id, webhook_secret, created_at`

func scanIntegration(r scanner) (store.Integration, error) {
	var i store.Integration
	err := r.Scan(&i.ID, &i.APIKey, &i.OrganizationID, &i.Role, &i.ClientID, &i.WebhookSecret, &i.CreatedAt)
	utc(&i.CreatedAt)
	return i, err
}

// IntegrationByKey finds the caller of every authenticated call.
func (t *tx) IntegrationByKey(key string) (store.Integration, error) {
	if s := t.snap(); s != nil {
		if in, ok := s.integrationByKey(key); ok {
			return in, nil
		}
		return store.Integration{}, store.ErrNotFound
	}
	return get(t, scanIntegration, `SELECT `+integrationCols+` FROM integrations WHERE tenant = $1 AND api_key = $2`, key)
}

func (t *tx) Integration(id uuid.UUID) (store.Integration, error) {
	return get(t, scanIntegration, `SELECT `+integrationCols+` FROM integrations WHERE tenant = $1 AND id = $2`, id)
}

func (t *tx) IntegrationsOf(org uuid.UUID) ([]store.Integration, error) {
	if s := t.snap(); s != nil {
		return s.integrationsOf(org), nil
	}
	return list(t, scanIntegration, `SELECT `+integrationCols+` FROM integrations
		WHERE tenant = $1 AND organization_id = $2 ORDER BY created_at, id`, org)
}

func (t *tx) InsertIntegration(i store.Integration) error {
	t.wroteCached = true
	return t.insert(`INSERT INTO integrations (tenant, `+integrationCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		i.ID, i.APIKey, i.OrganizationID, i.Role, i.ClientID, i.WebhookSecret, i.CreatedAt)
}

func scanClient(r scanner) (store.Client, error) {
	var c store.Client
	err := r.Scan(&c.ID, &c.Secret, &c.Name, &c.RedirectURLs)
	return c, err
}

func (t *tx) Client(id string) (store.Client, error) {
	return get(t, scanClient, `SELECT id, secret, name, redirect_urls FROM clients WHERE tenant = $1 AND id = $2`, id)
}

func (t *tx) InsertClient(c store.Client) error {
	return t.insert(`INSERT INTO clients (tenant, id, secret, name, redirect_urls) VALUES ($1, $2, $3, $4, $5)`,
		c.ID, c.Secret, c.Name, c.RedirectURLs)
}

func (t *tx) CountClients() (int, error) {
	return get(t, func(r scanner) (n int, err error) { err = r.Scan(&n); return }, `SELECT count(*) FROM clients WHERE tenant = $1`)
}

func (t *tx) PruneAccessCodes() (int, error) {
	if _, err := t.exec(`DELETE FROM access_codes WHERE tenant = $1 AND (used_at IS NOT NULL OR expires_at <= $2)`, t.Now()); err != nil {
		return 0, err
	}
	return get(t, func(r scanner) (n int, err error) { err = r.Scan(&n); return }, `SELECT count(*) FROM access_codes WHERE tenant = $1`)
}

func (t *tx) InsertAccessCode(c store.AccessCode) error {
	return t.insert(`INSERT INTO access_codes (tenant, code, client_id, organization_id, role, expires_at, used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.Code, c.ClientID, c.OrganizationID, c.Role, c.ExpiresAt, c.UsedAt)
}

func scanAccessCode(r scanner) (store.AccessCode, error) {
	var c store.AccessCode
	err := r.Scan(&c.Code, &c.ClientID, &c.OrganizationID, &c.Role, &c.ExpiresAt, &c.UsedAt)
	utc(&c.ExpiresAt)
	c.UsedAt = utcPtr(c.UsedAt)
	return c, err
}

// UseAccessCode is one conditional UPDATE: of two concurrent uses of a code,
// the second waits for the first and then finds the code used.
func (t *tx) UseAccessCode(code string) (store.AccessCode, error) {
	return get(t, scanAccessCode, `UPDATE access_codes SET used_at = $3
		WHERE tenant = $1 AND code = $2 AND used_at IS NULL AND $3 < expires_at
		RETURNING code, client_id, organization_id, role, expires_at, used_at`, code, t.Now())
}

func scanOrganization(r scanner) (store.Organization, error) {
	var o store.Organization
	err := r.Scan(&o.ID, &o.Name, &o.Role)
	return o, err
}

func (t *tx) Organization(id uuid.UUID) (store.Organization, error) {
	return get(t, scanOrganization, `SELECT id, name, role FROM organizations WHERE tenant = $1 AND id = $2`, id)
}

func (t *tx) Organizations(role store.Role) ([]store.Organization, error) {
	return list(t, scanOrganization, `SELECT id, name, role FROM organizations
		WHERE tenant = $1 AND role = $2 ORDER BY name, id`, role)
}

const businessCols = `id, organization_id, name, role, line1, city, region, postcode, country`

func scanBusiness(r scanner) (store.Business, error) {
	var b store.Business
	a := &b.Address
	err := r.Scan(&b.ID, &b.OrganizationID, &b.Name, &b.Role, &a.Line1, &a.City, &a.Region, &a.Postcode, &a.Country)
	return b, err
}

func (t *tx) Businesses(org uuid.UUID) ([]store.Business, error) {
	return list(t, scanBusiness, `SELECT `+businessCols+` FROM businesses
		WHERE tenant = $1 AND organization_id = $2 ORDER BY name, id`, org)
}

func (t *tx) Business(id uuid.UUID) (store.Business, error) {
	if s := t.snap(); s != nil {
		if b, ok := s.businesses[id]; ok {
			return b, nil
		}
		return store.Business{}, store.ErrNotFound
	}
	return get(t, scanBusiness, `SELECT `+businessCols+` FROM businesses WHERE tenant = $1 AND id = $2`, id)
}

func scanWorkProvider(r scanner) (store.WorkProvider, error) {
	var p store.WorkProvider
	err := r.Scan(&p.ID, &p.Name, &p.Kind)
	return p, err
}

func (t *tx) WorkProviders() ([]store.WorkProvider, error) {
	return list(t, scanWorkProvider, `SELECT id, name, kind FROM work_providers WHERE tenant = $1 ORDER BY ordinal`)
}

func (t *tx) WorkProvider(id uuid.UUID) (store.WorkProvider, error) {
	return get(t, scanWorkProvider, `SELECT id, name, kind FROM work_providers WHERE tenant = $1 AND id = $2`, id)
}

const vehicleCols = `vin, plate, make, model, year, body_style, colour`

func scanVehicle(r scanner) (store.Vehicle, error) {
	var v store.Vehicle
	err := r.Scan(&v.VIN, &v.Plate, &v.Make, &v.Model, &v.Year, &v.BodyStyle, &v.Colour)
	return v, err
}

func (t *tx) VehicleByVIN(vin string) (store.Vehicle, error) {
	return get(t, scanVehicle, `SELECT `+vehicleCols+` FROM vehicles WHERE tenant = $1 AND vin = $2 ORDER BY ordinal LIMIT 1`, vin)
}

func (t *tx) VehicleByPlate(country, plate string) (store.Vehicle, error) {
	return get(t, scanVehicle, `SELECT `+vehicleCols+` FROM vehicles
		WHERE tenant = $1 AND country = $2 AND plate = $3 ORDER BY ordinal LIMIT 1`, country, plate)
}

func scanCatalogueItem(r scanner) (store.CatalogueItem, error) {
	var c store.CatalogueItem
	err := r.Scan(&c.ID, &c.SupplierID, &c.PartNumber, &c.Description, &c.UnitPriceCents,
		&c.QuantityAvailable, &c.Condition, &c.LeadTimeDays)
	return c, err
}

func (t *tx) Catalogue() ([]store.CatalogueItem, error) {
	return list(t, scanCatalogueItem, `SELECT id, supplier_id, part_number, description, unit_price_cents,
		quantity_available, condition, lead_time_days FROM catalogue WHERE tenant = $1 ORDER BY ordinal`)
}

const jobCols = `id, organization_id, site_id, external_id, claim_number, job_number, vehicle,
	work_provider_id, images, status, created_at, updated_at`

func scanJob(r scanner) (store.Job, error) {
	var j store.Job
	var vehicle []byte
	err := r.Scan(&j.ID, &j.OrganizationID, &j.SiteID, &j.ExternalID, &j.ClaimNumber, &j.JobNumber, &vehicle,
		&j.WorkProviderID, &j.Images, &j.Status, &j.CreatedAt, &j.UpdatedAt)
	if err != nil {
		return j, err
	}
	if vehicle != nil {
		j.Vehicle = new(store.Vehicle)
		if err := json.Unmarshal(vehicle, j.Vehicle); err != nil {
			return j, err
		}
	}
	if j.Images == nil {
		j.Images = []string{}
	}
	utc(&j.CreatedAt, &j.UpdatedAt)
	return j, nil
}

func vehicleJSON(v *store.Vehicle) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

func images(j store.Job) []string {
	if j.Images == nil {
		return []string{}
	}
	return j.Images
}

func (t *tx) Job(org, id uuid.UUID) (store.Job, error) {
	return get(t, scanJob, `SELECT `+jobCols+` FROM jobs WHERE tenant = $1 AND organization_id = $2 AND id = $3`+t.forUpdate(), org, id)
}

func (t *tx) JobByExternal(org uuid.UUID, ext string) (store.Job, error) {
	return get(t, scanJob, `SELECT `+jobCols+` FROM jobs WHERE tenant = $1 AND organization_id = $2 AND external_id = $3`+t.forUpdate(), org, ext)
}

func (t *tx) Jobs(org uuid.UUID, f store.JobFilter) ([]store.Job, error) {
	var after *time.Time
	var afterID *uuid.UUID
	if f.After != nil {
		after, afterID = &f.After.CreatedAt, &f.After.ID
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	return list(t, scanJob, `SELECT `+jobCols+` FROM jobs
		WHERE tenant = $1 AND organization_id = $2 AND ($3::uuid IS NULL OR site_id = $3) AND ($4 = '' OR status = $4)
		  AND ($5::timestamptz IS NULL OR created_at < $5 OR (created_at = $5 AND id > $6))
		ORDER BY created_at DESC, id LIMIT $7`, org, f.SiteID, f.Status, after, afterID, limit)
}

func (t *tx) InsertJob(j store.Job) error {
	v, err := vehicleJSON(j.Vehicle)
	if err != nil {
		return err
	}
	return t.insert(`INSERT INTO jobs (tenant, `+jobCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		j.ID, j.OrganizationID, j.SiteID, j.ExternalID, j.ClaimNumber, j.JobNumber, v, j.WorkProviderID, images(j),
		j.Status, j.CreatedAt, j.UpdatedAt)
}

// UpdateJob never changes the external id: it is the job's identity.
func (t *tx) UpdateJob(j store.Job) error {
	v, err := vehicleJSON(j.Vehicle)
	if err != nil {
		return err
	}
	return t.update(`UPDATE jobs SET site_id = $4, claim_number = $5, job_number = $6, vehicle = $7,
		work_provider_id = $8, images = $9, status = $10, created_at = $11, updated_at = $12
		WHERE tenant = $1 AND id = $2 AND organization_id = $3`,
		j.ID, j.OrganizationID, j.SiteID, j.ClaimNumber, j.JobNumber, v, j.WorkProviderID, images(j),
		j.Status, j.CreatedAt, j.UpdatedAt)
}

const partCols = `id, job_id, ordinal, description, part_number, quantity, status, created_at`

func scanPart(r scanner) (store.Part, error) {
	var p store.Part
	err := r.Scan(&p.ID, &p.JobID, &p.Ordinal, &p.Description, &p.PartNumber, &p.Quantity, &p.Status, &p.CreatedAt)
	utc(&p.CreatedAt)
	return p, err
}

func (t *tx) Parts(job uuid.UUID) ([]store.Part, error) {
	return list(t, scanPart, `SELECT `+partCols+` FROM parts WHERE tenant = $1 AND job_id = $2 ORDER BY seq`, job)
}

func (t *tx) InsertParts(ps []store.Part) error {
	for _, p := range ps {
		if err := t.insert(`INSERT INTO parts (tenant, `+partCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, p.JobID, p.Ordinal, p.Description, p.PartNumber, p.Quantity, p.Status, p.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UpdatePart(p store.Part) error {
	return t.update(`UPDATE parts SET ordinal = $4, description = $5, part_number = $6, quantity = $7,
		status = $8, created_at = $9 WHERE tenant = $1 AND id = $2 AND job_id = $3`,
		p.ID, p.JobID, p.Ordinal, p.Description, p.PartNumber, p.Quantity, p.Status, p.CreatedAt)
}

const procurementCols = `id, buyer_org_id, job_id, supplier_id, supplier_org_id, buyer_business_id, status,
	currency_code, lines, created_at, updated_at, confirmed_at`

func scanProcurement(r scanner) (store.Procurement, error) {
	var p store.Procurement
	var lines []byte
	err := r.Scan(&p.ID, &p.BuyerOrgID, &p.JobID, &p.SupplierID, &p.SupplierOrgID, &p.BuyerBusinessID, &p.Status,
		&p.CurrencyCode, &lines, &p.CreatedAt, &p.UpdatedAt, &p.ConfirmedAt)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(lines, &p.Lines); err != nil {
		return p, err
	}
	utc(&p.CreatedAt, &p.UpdatedAt)
	p.ConfirmedAt = utcPtr(p.ConfirmedAt)
	return p, nil
}

func (t *tx) Procurement(buyer, id uuid.UUID) (store.Procurement, error) {
	return get(t, scanProcurement, `SELECT `+procurementCols+` FROM procurements
		WHERE tenant = $1 AND buyer_org_id = $2 AND id = $3`+t.forUpdate(), buyer, id)
}

func (t *tx) SupplierProcurement(supplier, id uuid.UUID) (store.Procurement, error) {
	return get(t, scanProcurement, `SELECT `+procurementCols+` FROM procurements
		WHERE tenant = $1 AND supplier_org_id = $2 AND id = $3`+t.forUpdate(), supplier, id)
}

func (t *tx) SupplierProcurements(supplier uuid.UUID, status string) ([]store.Procurement, error) {
	return list(t, scanProcurement, `SELECT `+procurementCols+` FROM procurements
		WHERE tenant = $1 AND supplier_org_id = $2 AND ($3 = '' OR status = $3)
		ORDER BY created_at DESC, id`, supplier, status)
}

func (t *tx) JobProcurementCount(job uuid.UUID) (int, error) {
	return get(t, func(r scanner) (int, error) {
		var n int
		err := r.Scan(&n)
		return n, err
	}, `SELECT count(*) FROM procurements WHERE tenant = $1 AND job_id = $2`, job)
}

func (t *tx) InsertProcurement(p store.Procurement) error {
	lines, err := json.Marshal(p.Lines)
	if err != nil {
		return err
	}
	return t.insert(`INSERT INTO procurements (tenant, `+procurementCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		p.ID, p.BuyerOrgID, p.JobID, p.SupplierID, p.SupplierOrgID, p.BuyerBusinessID, p.Status,
		p.CurrencyCode, lines, p.CreatedAt, p.UpdatedAt, p.ConfirmedAt)
}

func (t *tx) UpdateProcurement(p store.Procurement) error {
	lines, err := json.Marshal(p.Lines)
	if err != nil {
		return err
	}
	return t.update(`UPDATE procurements SET buyer_org_id = $3, job_id = $4, supplier_id = $5, supplier_org_id = $6,
		buyer_business_id = $7, status = $8, currency_code = $9, lines = $10, created_at = $11, updated_at = $12,
		confirmed_at = $13 WHERE tenant = $1 AND id = $2`,
		p.ID, p.BuyerOrgID, p.JobID, p.SupplierID, p.SupplierOrgID, p.BuyerBusinessID, p.Status,
		p.CurrencyCode, lines, p.CreatedAt, p.UpdatedAt, p.ConfirmedAt)
}

func (t *tx) AddEvent(e store.Event) error {
	return t.insertNew(`INSERT INTO events (tenant, id, type, organization_id, role, object_type, object_id, payload, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, e.Type, e.OrganizationID, e.Role, e.ObjectType, e.ObjectID, e.Payload, e.CreatedAt)
}

func scanEvent(r scanner) (store.Event, error) {
	var e store.Event
	err := r.Scan(&e.ID, &e.Type, &e.OrganizationID, &e.Role, &e.ObjectType, &e.ObjectID, &e.Payload, &e.CreatedAt)
	utc(&e.CreatedAt)
	return e, err
}

func (t *tx) Events() ([]store.Event, error) {
	return list(t, scanEvent, `SELECT id, type, organization_id, role, object_type, object_id, payload, created_at
		FROM events WHERE tenant = $1 ORDER BY seq`)
}
