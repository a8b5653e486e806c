// Package memory is the default Store: every tenant is a world of maps behind
// its own lock. Writers of one tenant run one at a time (so transitions are
// race-free), readers run together, and tenants never wait on each other.
// A failed Update is rolled back by replaying an undo log.
package memory

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// Store keeps every tenant in process memory.
type Store struct {
	mu      sync.Mutex
	tenants map[string]*world
	// wallClock is the real clock; tests may replace it.
	wallClock func() time.Time
	wake      chan struct{}
}

// New returns an empty store; tenants are seeded on first use.
func New() *Store {
	return &Store{tenants: map[string]*world{}, wallClock: time.Now, wake: make(chan struct{}, 1)}
}

var _ store.Store = (*Store)(nil)

func (s *Store) world(tenant string) *world {
	s.mu.Lock()
	w, ok := s.tenants[tenant]
	if !ok {
		w = newWorld(seed.New())
		s.tenants[tenant] = w
	}
	s.mu.Unlock()
	w.lastUsed.Store(s.wallClock().UnixNano())
	return w
}

func (s *Store) View(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := s.world(tenant)
	w.mu.RLock()
	defer w.mu.RUnlock()
	return fn(&tx{w: w, now: w.now(s.wallClock())})
}

// maxAttempts bounds how often Update runs a function that reports a conflict.
const maxAttempts = 5

// Update runs fn again, a few times, when it returns store.ErrConflict, as
// the interface promises. Writers of a tenant run one at a time here, so a
// retry sees every write that happened before it.
func (s *Store) Update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.update(ctx, tenant, fn)
		if attempt == maxAttempts || !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
}

func (s *Store) update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := s.world(tenant)
	w.mu.Lock()
	defer w.mu.Unlock()
	t := &tx{w: w, now: w.now(s.wallClock()), write: true}
	committed := false
	defer func() {
		// A failed or panicking fn leaves nothing half-written: the undo
		// log runs before the lock is released (and the panic goes on).
		if !committed {
			for i := len(t.undo) - 1; i >= 0; i-- {
				t.undo[i]()
			}
		}
		t.write = false // a Tx kept past its function must not write
	}()
	err := fn(t)
	committed = err == nil
	return err
}

func (s *Store) ResetTenant(ctx context.Context, tenant string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fresh := newWorld(seed.New())
	fresh.lastUsed.Store(s.wallClock().UnixNano())
	s.mu.Lock()
	s.tenants[tenant] = fresh
	s.mu.Unlock()
	return nil
}

func (s *Store) DropIdleTenants(ctx context.Context, before time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var dropped []string
	for name, w := range s.tenants {
		if w.lastUsed.Load() < before.UnixNano() {
			delete(s.tenants, name)
			dropped = append(dropped, name)
		}
	}
	slices.Sort(dropped)
	return dropped, ctx.Err()
}

func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }
func (s *Store) Close() error                   { return nil }

// world is one tenant.
type world struct {
	mu       sync.RWMutex
	lastUsed atomic.Int64 // unix nanos of the wall clock

	clockOffset time.Duration

	orgs          map[uuid.UUID]store.Organization
	businesses    map[uuid.UUID]store.Business
	integrations  map[uuid.UUID]store.Integration
	keys          map[string]uuid.UUID
	clients       map[string]store.Client
	codes         map[string]store.AccessCode
	workProviders []store.WorkProvider
	vehicles      []store.Vehicle
	catalogue     []store.CatalogueItem

	jobs      map[uuid.UUID]store.Job
	jobsByExt map[orgKey]uuid.UUID
	parts     map[uuid.UUID][]store.Part // by job, in ordinal order

	procurements map[uuid.UUID]store.Procurement

	outbox   []store.Event
	eventIDs map[uuid.UUID]struct{} // of outbox, so a new event's check costs nothing
	// procurementsOf counts the procurements of each job.
	procurementsOf map[uuid.UUID]int

	endpoints  []store.Endpoint
	deliveries []store.Delivery // oldest first
	attempts   map[uuid.UUID][]store.Attempt
	sink       []store.SinkRecord // oldest first
	sinkBytes  int                // the Size of the records in sink
	sinkSeq    int64              // the last record's Seq
	// sinkAccepted counts the records in sink accepting each message id.
	sinkAccepted map[string]int
	faults       []store.Fault
	journal      journal
	coverage     map[string]int

	mobility store.MobilityConfig
	checks   []store.ContractCheck // oldest first

	partage partageWorld

	listeners []store.Listener // oldest first
	inboxes   map[uuid.UUID]*inbox
}

type orgKey struct {
	org uuid.UUID
	key string
}

func newWorld(s seed.World) *world {
	w := &world{
		orgs:           map[uuid.UUID]store.Organization{},
		businesses:     map[uuid.UUID]store.Business{},
		integrations:   map[uuid.UUID]store.Integration{},
		keys:           map[string]uuid.UUID{},
		clients:        map[string]store.Client{},
		codes:          map[string]store.AccessCode{},
		workProviders:  s.WorkProviders,
		vehicles:       s.Vehicles,
		catalogue:      s.Catalogue,
		jobs:           map[uuid.UUID]store.Job{},
		jobsByExt:      map[orgKey]uuid.UUID{},
		parts:          map[uuid.UUID][]store.Part{},
		procurements:   map[uuid.UUID]store.Procurement{},
		eventIDs:       map[uuid.UUID]struct{}{},
		procurementsOf: map[uuid.UUID]int{},
		attempts:       map[uuid.UUID][]store.Attempt{},
		sinkAccepted:   map[string]int{},
		coverage:       map[string]int{},
		partage:        newPartageWorld(s.PartageCompanies),
		inboxes:        map[uuid.UUID]*inbox{},
	}
	for _, o := range s.Organizations {
		w.orgs[o.ID] = o
	}
	for _, b := range s.Businesses {
		w.businesses[b.ID] = b
	}
	for _, i := range s.Integrations {
		w.integrations[i.ID] = i
		w.keys[i.APIKey] = i.ID
	}
	for _, c := range s.Clients {
		w.clients[c.ID] = c
	}
	for _, c := range s.AccessCodes {
		w.codes[c.Code] = c
	}
	for _, j := range s.Jobs {
		w.jobs[j.ID] = j
		if j.ExternalID != nil {
			w.jobsByExt[orgKey{j.OrganizationID, *j.ExternalID}] = j.ID
		}
	}
	return w
}

// now is the tenant clock, at the precision every store keeps.
func (w *world) now(wall time.Time) time.Time {
	return wall.Add(w.clockOffset).UTC().Truncate(time.Microsecond)
}

// tx implements store.Tx over one world. Records are copied in and out so a
// caller never aliases stored state.
type tx struct {
	w     *world
	now   time.Time
	write bool
	undo  []func()
}

var errReadOnly = errors.New("memory: write in a read-only transaction")

func (t *tx) writable() error {
	if !t.write {
		return errReadOnly
	}
	return nil
}

func (t *tx) Now() time.Time { return t.now }

func (t *tx) ClockOffset() time.Duration { return t.w.clockOffset }

func (t *tx) SetClockOffset(d time.Duration) error {
	if err := t.writable(); err != nil {
		return err
	}
	old := t.w.clockOffset
	t.w.clockOffset = d
	t.undo = append(t.undo, func() { t.w.clockOffset = old })
	return nil
}

func (t *tx) Integration(id uuid.UUID) (store.Integration, error) {
	i, ok := t.w.integrations[id]
	if !ok {
		return store.Integration{}, store.ErrNotFound
	}
	return i, nil
}

func (t *tx) InsertClient(c store.Client) error {
	if err := t.writable(); err != nil {
		return err
	}
	if _, ok := t.w.clients[c.ID]; ok {
		return store.ErrConflict
	}
	c.RedirectURLs = slices.Clone(c.RedirectURLs)
	t.w.clients[c.ID] = c
	t.undo = append(t.undo, func() { delete(t.w.clients, c.ID) })
	return nil
}

func (t *tx) CountClients() (int, error) { return len(t.w.clients), nil }

func (t *tx) PruneAccessCodes() (int, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	for code, c := range t.w.codes {
		if c.UsedAt != nil || !t.now.Before(c.ExpiresAt) {
			delete(t.w.codes, code)
			t.undo = append(t.undo, func() { t.w.codes[code] = c })
		}
	}
	return len(t.w.codes), nil
}

func (t *tx) InsertAccessCode(c store.AccessCode) error {
	if err := t.writable(); err != nil {
		return err
	}
	if _, ok := t.w.codes[c.Code]; ok {
		return store.ErrConflict
	}
	t.w.codes[c.Code] = c
	t.undo = append(t.undo, func() { delete(t.w.codes, c.Code) })
	return nil
}

func (t *tx) Organizations(role store.Role) ([]store.Organization, error) {
	var out []store.Organization
	for _, o := range t.w.orgs {
		if o.Role == role {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b store.Organization) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID.String(), b.ID.String()))
	})
	return out, nil
}

func (t *tx) Events() ([]store.Event, error) { return slices.Clone(t.w.outbox), nil }

func (t *tx) IntegrationByKey(key string) (store.Integration, error) {
	id, ok := t.w.keys[key]
	if !ok {
		return store.Integration{}, store.ErrNotFound
	}
	return t.w.integrations[id], nil
}

func (t *tx) IntegrationsOf(org uuid.UUID) ([]store.Integration, error) {
	var out []store.Integration
	for _, i := range t.w.integrations {
		if i.OrganizationID == org {
			out = append(out, i)
		}
	}
	slices.SortFunc(out, func(a, b store.Integration) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID.String(), b.ID.String()))
	})
	return out, nil
}

func (t *tx) InsertIntegration(i store.Integration) error {
	if err := t.writable(); err != nil {
		return err
	}
	if _, ok := t.w.integrations[i.ID]; ok {
		return store.ErrConflict
	}
	if _, ok := t.w.keys[i.APIKey]; ok {
		return store.ErrConflict
	}
	t.w.integrations[i.ID] = i
	t.w.keys[i.APIKey] = i.ID
	t.undo = append(t.undo, func() {
		delete(t.w.integrations, i.ID)
		delete(t.w.keys, i.APIKey)
	})
	return nil
}

func (t *tx) Client(id string) (store.Client, error) {
	c, ok := t.w.clients[id]
	if !ok {
		return store.Client{}, store.ErrNotFound
	}
	c.RedirectURLs = slices.Clone(c.RedirectURLs)
	return c, nil
}

func (t *tx) UseAccessCode(code string) (store.AccessCode, error) {
	if err := t.writable(); err != nil {
		return store.AccessCode{}, err
	}
	c, ok := t.w.codes[code]
	if !ok || c.UsedAt != nil || !t.now.Before(c.ExpiresAt) {
		return store.AccessCode{}, store.ErrNotFound
	}
	old := c
	now := t.now
	c.UsedAt = &now
	t.w.codes[code] = c
	t.undo = append(t.undo, func() { t.w.codes[code] = old })
	return c, nil
}

func (t *tx) Organization(id uuid.UUID) (store.Organization, error) {
	o, ok := t.w.orgs[id]
	if !ok {
		return store.Organization{}, store.ErrNotFound
	}
	return o, nil
}

func (t *tx) Businesses(org uuid.UUID) ([]store.Business, error) {
	var out []store.Business
	for _, b := range t.w.businesses {
		if b.OrganizationID == org {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b store.Business) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID.String(), b.ID.String()))
	})
	return out, nil
}

func (t *tx) Business(id uuid.UUID) (store.Business, error) {
	b, ok := t.w.businesses[id]
	if !ok {
		return store.Business{}, store.ErrNotFound
	}
	return b, nil
}

func (t *tx) WorkProviders() ([]store.WorkProvider, error) {
	return slices.Clone(t.w.workProviders), nil
}

func (t *tx) WorkProvider(id uuid.UUID) (store.WorkProvider, error) {
	for _, p := range t.w.workProviders {
		if p.ID == id {
			return p, nil
		}
	}
	return store.WorkProvider{}, store.ErrNotFound
}

func (t *tx) VehicleByVIN(vin string) (store.Vehicle, error) {
	for _, v := range t.w.vehicles {
		if v.VIN != nil && *v.VIN == vin {
			return cloneVehicle(v), nil
		}
	}
	return store.Vehicle{}, store.ErrNotFound
}

func (t *tx) VehicleByPlate(country, plate string) (store.Vehicle, error) {
	if country != "NZ" { // the register only knows New Zealand plates
		return store.Vehicle{}, store.ErrNotFound
	}
	for _, v := range t.w.vehicles {
		if v.Plate != nil && *v.Plate == plate {
			return cloneVehicle(v), nil
		}
	}
	return store.Vehicle{}, store.ErrNotFound
}

func (t *tx) Catalogue() ([]store.CatalogueItem, error) {
	return slices.Clone(t.w.catalogue), nil
}

func (t *tx) Job(org, id uuid.UUID) (store.Job, error) {
	j, ok := t.w.jobs[id]
	if !ok || j.OrganizationID != org {
		return store.Job{}, store.ErrNotFound
	}
	return j, nil // stored jobs are never changed in place (see store.Tx)
}

func (t *tx) JobByExternal(org uuid.UUID, ext string) (store.Job, error) {
	id, ok := t.w.jobsByExt[orgKey{org, ext}]
	if !ok {
		return store.Job{}, store.ErrNotFound
	}
	return t.Job(org, id)
}

func (t *tx) Jobs(org uuid.UUID, f store.JobFilter) ([]store.Job, error) {
	var out []store.Job
	for _, j := range t.w.jobs {
		if j.OrganizationID != org ||
			(f.SiteID != nil && j.SiteID != *f.SiteID) ||
			(f.Status != "" && j.Status != f.Status) {
			continue
		}
		out = append(out, j)
	}
	order := func(a, b store.Job) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID.String(), b.ID.String()))
	}
	slices.SortFunc(out, order)
	if f.After != nil {
		key := store.Job{CreatedAt: f.After.CreatedAt, ID: f.After.ID}
		i, found := slices.BinarySearchFunc(out, key, order)
		if found {
			i++
		}
		out = out[i:]
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (t *tx) InsertJob(j store.Job) error {
	if err := t.writable(); err != nil {
		return err
	}
	if _, ok := t.w.jobs[j.ID]; ok {
		return store.ErrConflict
	}
	if j.ExternalID != nil {
		k := orgKey{j.OrganizationID, *j.ExternalID}
		if _, ok := t.w.jobsByExt[k]; ok {
			return store.ErrConflict
		}
		t.w.jobsByExt[k] = j.ID
		t.undo = append(t.undo, func() { delete(t.w.jobsByExt, k) })
	}
	t.w.jobs[j.ID] = cloneJob(j)
	t.undo = append(t.undo, func() { delete(t.w.jobs, j.ID) })
	return nil
}

func (t *tx) UpdateJob(j store.Job) error {
	if err := t.writable(); err != nil {
		return err
	}
	old, ok := t.w.jobs[j.ID]
	if !ok || old.OrganizationID != j.OrganizationID {
		return store.ErrNotFound
	}
	// The external id is the job's identity and is never changed by an update.
	j.ExternalID = old.ExternalID
	t.w.jobs[j.ID] = cloneJob(j)
	t.undo = append(t.undo, func() { t.w.jobs[j.ID] = old })
	return nil
}

func (t *tx) Parts(job uuid.UUID) ([]store.Part, error) {
	return slices.Clone(t.w.parts[job]), nil
}

func (t *tx) InsertParts(ps []store.Part) error {
	if err := t.writable(); err != nil {
		return err
	}
	byJob := map[uuid.UUID][]store.Part{}
	for _, p := range ps {
		byJob[p.JobID] = append(byJob[p.JobID], p)
	}
	for job, add := range byJob {
		old := t.w.parts[job]
		for _, q := range old {
			for _, p := range add {
				if q.ID == p.ID {
					return store.ErrConflict
				}
			}
		}
		// Clip so the append copies: the undo keeps old intact.
		t.w.parts[job] = append(slices.Clip(old), add...)
		t.undo = append(t.undo, func() { t.w.parts[job] = old })
	}
	return nil
}

func (t *tx) UpdatePart(p store.Part) error {
	if err := t.writable(); err != nil {
		return err
	}
	old := t.w.parts[p.JobID]
	i := slices.IndexFunc(old, func(q store.Part) bool { return q.ID == p.ID })
	if i < 0 {
		return store.ErrNotFound
	}
	next := slices.Clone(old)
	next[i] = p
	t.w.parts[p.JobID] = next
	t.undo = append(t.undo, func() { t.w.parts[p.JobID] = old })
	return nil
}

func (t *tx) Procurement(buyer, id uuid.UUID) (store.Procurement, error) {
	p, ok := t.w.procurements[id]
	if !ok || p.BuyerOrgID != buyer {
		return store.Procurement{}, store.ErrNotFound
	}
	return cloneProcurement(p), nil
}

func (t *tx) SupplierProcurement(supplier, id uuid.UUID) (store.Procurement, error) {
	p, ok := t.w.procurements[id]
	if !ok || p.SupplierOrgID != supplier {
		return store.Procurement{}, store.ErrNotFound
	}
	return cloneProcurement(p), nil
}

func (t *tx) SupplierProcurements(supplier uuid.UUID, status string) ([]store.Procurement, error) {
	var out []store.Procurement
	for _, p := range t.w.procurements {
		if p.SupplierOrgID == supplier && (status == "" || p.Status == status) {
			out = append(out, cloneProcurement(p))
		}
	}
	slices.SortFunc(out, func(a, b store.Procurement) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID.String(), b.ID.String()))
	})
	return out, nil
}

func (t *tx) JobProcurementCount(job uuid.UUID) (int, error) {
	return t.w.procurementsOf[job], nil
}

func (t *tx) InsertProcurement(p store.Procurement) error {
	if err := t.writable(); err != nil {
		return err
	}
	if _, ok := t.w.procurements[p.ID]; ok {
		return store.ErrConflict
	}
	t.w.procurements[p.ID] = cloneProcurement(p)
	t.w.procurementsOf[p.JobID]++
	t.undo = append(t.undo, func() {
		delete(t.w.procurements, p.ID)
		t.w.procurementsOf[p.JobID]--
	})
	return nil
}

func (t *tx) UpdateProcurement(p store.Procurement) error {
	if err := t.writable(); err != nil {
		return err
	}
	old, ok := t.w.procurements[p.ID]
	if !ok {
		return store.ErrNotFound
	}
	p.JobID = old.JobID // a procurement is for its job for good (and counted so)
	t.w.procurements[p.ID] = cloneProcurement(p)
	t.undo = append(t.undo, func() { t.w.procurements[p.ID] = old })
	return nil
}

func (t *tx) AddEvent(e store.Event) error {
	if err := t.writable(); err != nil {
		return err
	}
	if _, ok := t.w.eventIDs[e.ID]; ok {
		return store.ErrConflict
	}
	n := len(t.w.outbox)
	t.w.outbox = append(t.w.outbox, e)
	t.w.eventIDs[e.ID] = struct{}{}
	t.undo = append(t.undo, func() {
		t.w.outbox = t.w.outbox[:n]
		delete(t.w.eventIDs, e.ID)
	})
	return nil
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneVehicle(v store.Vehicle) store.Vehicle {
	return store.Vehicle{
		VIN: clonePtr(v.VIN), Plate: clonePtr(v.Plate), Make: clonePtr(v.Make), Model: clonePtr(v.Model),
		Year: clonePtr(v.Year), BodyStyle: clonePtr(v.BodyStyle), Colour: clonePtr(v.Colour),
	}
}

func cloneJob(j store.Job) store.Job {
	j.ExternalID = clonePtr(j.ExternalID)
	j.ClaimNumber = clonePtr(j.ClaimNumber)
	j.JobNumber = clonePtr(j.JobNumber)
	j.WorkProviderID = clonePtr(j.WorkProviderID)
	if j.Vehicle != nil {
		v := cloneVehicle(*j.Vehicle)
		j.Vehicle = &v
	}
	j.Images = slices.Clone(j.Images)
	if j.Images == nil {
		j.Images = []string{}
	}
	return j
}

func cloneProcurement(p store.Procurement) store.Procurement {
	p.Lines = slices.Clone(p.Lines)
	p.ConfirmedAt = clonePtr(p.ConfirmedAt)
	return p
}
