package postgres

import (
	"sync"

	"github.com/partifact/mockserver/internal/store"
)

// What an instance keeps of each tenant in its own memory, so that a call
// need not ask the database for it: the integrations its callers were
// found by, and whether the tenant had a fault left. Several instances
// share one database, so nothing kept is trusted blindly: every
// transaction reads the tenant's version (migration 00012: it changes with
// every change of the tenant's integrations) and whether it has faults in
// its opening round trip, and uses what is kept only when both agree. A
// read that used what was kept before its opening reached the database
// (lazy opening, tx.go) runs again when they do not.

// Bounds of the cache: it holds at most maxCachedTenants tenants (a full
// cache forgets one at random to make room) and maxCachedKeys keys each
// (keys nobody has are never kept, so a caller trying keys cannot grow it).
const (
	maxCachedTenants = 4096
	maxCachedKeys    = 64
)

type cache struct {
	mu      sync.RWMutex
	tenants map[string]*cached
}

// cached is one tenant at one version. Its fields never change once it is
// in the cache but for keys, guarded by the cache's lock.
type cached struct {
	version int64
	faults  bool // it had a fault left at its last opening
	keys    map[string]store.Integration
}

func newCache() *cache { return &cache{tenants: map[string]*cached{}} }

// get is what is kept of tenant, or nil.
func (c *cache) get(tenant string) *cached {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tenants[tenant]
}

// integration is the integration of key kept for tenant at version.
func (c *cache) integration(tenant string, version int64, key string) (store.Integration, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t := c.tenants[tenant]
	if t == nil || t.version != version {
		return store.Integration{}, false
	}
	in, ok := t.keys[key]
	return in, ok
}

// opened records what a transaction's opening read of tenant: what was
// kept at another version is forgotten.
func (c *cache) opened(tenant string, version int64, faults bool) {
	if t := c.get(tenant); t != nil && t.version == version && t.faults == faults {
		return // what almost every opening finds: nothing to change
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenants[tenant]
	switch {
	case t == nil:
		c.makeRoom()
		c.tenants[tenant] = &cached{version: version, faults: faults}
	case t.version != version:
		c.tenants[tenant] = &cached{version: version, faults: faults}
	case t.faults != faults:
		c.tenants[tenant] = &cached{version: version, faults: faults, keys: t.keys}
	}
}

// keep remembers the integration found by key in tenant at version.
func (c *cache) keep(tenant string, version int64, key string, in store.Integration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenants[tenant]
	if t == nil || t.version != version || len(t.keys) >= maxCachedKeys {
		return
	}
	if t.keys == nil {
		t.keys = map[string]store.Integration{}
	}
	t.keys[key] = in
}

// forget drops what is kept of tenant (it was reset or dropped here).
func (c *cache) forget(tenants ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range tenants {
		delete(c.tenants, t)
	}
}

// makeRoom forgets a tenant when the cache is full. Called with mu held.
func (c *cache) makeRoom() {
	if len(c.tenants) < maxCachedTenants {
		return
	}
	for t := range c.tenants { // map order is random enough here
		delete(c.tenants, t)
		return
	}
}
