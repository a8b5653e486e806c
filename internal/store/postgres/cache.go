package postgres

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partifact/mockserver/internal/store"
)

// What an instance keeps of each tenant in its own memory, so that a call
// need not ask the database for it: a snapshot of what changes seldom (the
// integrations its callers are found by, the businesses of the seeded
// world, the webhook endpoints every event fans out to), read at one
// version of the tenant, and whether the tenant had a fault left.
//
// Several instances share one database, so nothing kept is trusted
// blindly. A tenant's version changes with every change of its
// integrations or endpoints and with every reset (migration 00012; a
// tenant dropped and seeded again gets a version it never had). Every
// transaction reads the version, and whether the tenant has faults, in its
// opening round trip; a transaction that took anything from the snapshot
// before its opening (opening.go) runs again, on a snapshot read anew,
// when they do not agree.

// Bounds: tenants kept (a full cache forgets one at random to make room),
// and rows of each kind a snapshot holds (a tenant with more is not kept,
// and its calls ask the database).
const (
	maxCachedTenants = 1024
	maxCachedRows    = 256
)

type cache struct {
	mu      sync.RWMutex
	tenants map[string]*snapshot
}

// snapshot is one tenant at one version. Nothing in it changes once it is
// in the cache.
type snapshot struct {
	version      int64
	faults       bool // it had a fault left at its last opening
	integrations []store.Integration
	byKey        map[string]int // index in integrations
	businesses   map[uuid.UUID]store.Business
	endpoints    map[uuid.UUID][]store.Endpoint // by integration, oldest first
}

func newCache() *cache { return &cache{tenants: map[string]*snapshot{}} }

// get is what is kept of tenant, or nil.
func (c *cache) get(tenant string) *snapshot {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tenants[tenant]
}

func (c *cache) put(tenant string, s *snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tenants[tenant]; !ok && len(c.tenants) >= maxCachedTenants {
		for t := range c.tenants { // map order is random enough here
			delete(c.tenants, t)
			break
		}
	}
	c.tenants[tenant] = s
}

// opened records what a transaction's opening read of tenant: a snapshot
// of another version is forgotten (the next transaction reads one anew).
func (c *cache) opened(tenant string, version int64, faults bool) {
	s := c.get(tenant)
	switch {
	case s == nil || s.version == version && s.faults == faults:
	case s.version != version:
		c.forget(tenant)
	default:
		fresh := *s
		fresh.faults = faults
		c.put(tenant, &fresh)
	}
}

// forget drops what is kept of tenants.
func (c *cache) forget(tenants ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range tenants {
		delete(c.tenants, t)
	}
}

// load reads tenant's snapshot on conn, in a REPEATABLE READ transaction
// of its own (one round trip), and keeps it. errNoTenant: the tenant is not
// seeded.
func (c *cache) load(ctx context.Context, conn *pgxpool.Conn, tenant string) (*snapshot, error) {
	s := &snapshot{byKey: map[string]int{}, businesses: map[uuid.UUID]store.Business{},
		endpoints: map[uuid.UUID][]store.Endpoint{}}
	var found, tooBig bool
	b := &pgx.Batch{}
	b.Queue(beginRead)
	b.Queue(`SELECT version, EXISTS (SELECT 1 FROM faults WHERE faults.tenant = $1 AND remaining <> 0)
		FROM tenants WHERE tenant = $1`, tenant).QueryRow(func(r pgx.Row) error {
		err := r.Scan(&s.version, &s.faults)
		found = err == nil
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	b.Queue(`SELECT `+integrationCols+` FROM integrations WHERE tenant = $1 ORDER BY created_at, id LIMIT $2`,
		tenant, maxCachedRows+1).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			in, err := scanIntegration(rows)
			if err != nil {
				return err
			}
			s.byKey[in.APIKey] = len(s.integrations)
			s.integrations = append(s.integrations, in)
		}
		tooBig = tooBig || len(s.integrations) > maxCachedRows
		return rows.Err()
	})
	b.Queue(`SELECT `+businessCols+` FROM businesses WHERE tenant = $1 LIMIT $2`, tenant, maxCachedRows+1).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				x, err := scanBusiness(rows)
				if err != nil {
					return err
				}
				s.businesses[x.ID] = x
			}
			tooBig = tooBig || len(s.businesses) > maxCachedRows
			return rows.Err()
		})
	b.Queue(`SELECT `+endpointCols+` FROM endpoints WHERE tenant = $1 ORDER BY seq LIMIT $2`, tenant, maxCachedRows+1).
		Query(func(rows pgx.Rows) error {
			n := 0
			for ; rows.Next(); n++ {
				e, err := scanEndpoint(rows)
				if err != nil {
					return err
				}
				s.endpoints[e.IntegrationID] = append(s.endpoints[e.IntegrationID], e)
			}
			tooBig = tooBig || n > maxCachedRows
			return rows.Err()
		})
	b.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	switch {
	case !found:
		return nil, errNoTenant
	case tooBig:
		// Too big to keep whole: only its version and fault flag are, so
		// that reads can still open lazily; lookups ask the database.
		s = &snapshot{version: s.version, faults: s.faults}
	}
	c.put(tenant, s)
	return s, nil
}

// complete says whether s holds the tenant's integrations, businesses and
// endpoints (false for a tenant too big to keep).
func (s *snapshot) complete() bool { return s.byKey != nil }

func (s *snapshot) integrationsOf(org uuid.UUID) []store.Integration {
	var out []store.Integration
	for _, in := range s.integrations {
		if in.OrganizationID == org {
			out = append(out, in)
		}
	}
	return out
}

func (s *snapshot) integrationByKey(key string) (store.Integration, bool) {
	i, ok := s.byKey[key]
	if !ok {
		return store.Integration{}, false
	}
	return s.integrations[i], true
}

func (s *snapshot) endpointsOf(integration uuid.UUID) []store.Endpoint {
	return slices.Clone(s.endpoints[integration])
}
