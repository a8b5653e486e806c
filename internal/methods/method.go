// Package methods is the Partly 2026-01 API module: the wire methods, one
// file per method, and one table (All) naming each with its role and
// handler; the module the edge serves them by (module.go), with its
// credential check (credential.go) and its error family (family.go); the
// consent page of the install flow, the module's sandbox routes and
// supplier auto-confirm. Handlers read and write through a store.Tx and
// return typed errors; they know nothing about HTTP, and the family
// renders their errors.
package methods

import (
	"context"
	"sync"

	"github.com/partifact/mockserver/internal/store"
)

// Access says who may call a method.
type Access int

const (
	Public   Access = iota // no credential (integrations.insert)
	AnyRole                // any authenticated integration
	Repairer               // integrations with the repairer role
	Supplier               // integrations with the supplier role
)

// Allows reports whether an integration of role may call a method.
func (a Access) Allows(role store.Role) bool {
	switch a {
	case Repairer:
		return role == store.RoleRepairer
	case Supplier:
		return role == store.RoleSupplier
	default:
		return true
	}
}

// Call is the context a handler runs in.
type Call struct {
	Ctx    context.Context
	Tx     store.Tx
	Caller store.Integration // zero for Public methods
}

// Method is one row of the route table.
type Method struct {
	Name   string
	Access Access
	// Write methods run in store.Update, the others in store.View.
	Write bool
	// BareErrors: the error union is bare JSON strings (vendor decision D24).
	BareErrors bool
	// Serve decodes a schema-valid JSON body and runs the handler.
	Serve func(c *Call, body []byte) (any, error)
}

// def builds a Method whose handler takes a typed request.
//
// A read method's requests are decoded once per body (decoded): pollers
// and test suites send the same bytes again and again, and decoding is a
// pure function of them. Each call gets a copy of its own.
func def[Req any](name string, access Access, write bool, h func(*Call, *Req) (any, error)) Method {
	var memo decoded[Req]
	return Method{
		Name: name, Access: access, Write: write,
		Serve: func(c *Call, body []byte) (any, error) {
			if !write {
				if seen, ok := memo.get(body); ok {
					return h(c, &seen)
				}
			}
			req := new(Req)
			if err := decode(body, req); err != nil {
				return nil, err
			}
			if !write {
				memo.add(body, *req)
			}
			return h(c, req)
		},
	}
}

// Bounds of a read method's memo of decoded requests.
const (
	maxDecodedBody   = 4 << 10 // larger bodies are decoded every time
	maxDecodedBodies = 256     // a full memo starts over
)

// decoded remembers requests decoded from bodies. Read methods treat their
// request as read-only, so the copy each call gets may share what the
// request points to. The zero value is ready to use.
type decoded[Req any] struct {
	mu sync.RWMutex
	m  map[string]Req
}

func (d *decoded[Req]) get(body []byte) (Req, bool) {
	d.mu.RLock()
	r, ok := d.m[string(body)] // no allocation: the compiler converts in place
	d.mu.RUnlock()
	return r, ok
}

func (d *decoded[Req]) add(body []byte, r Req) {
	if len(body) > maxDecodedBody {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= maxDecodedBodies {
		d.m = make(map[string]Req, 64)
	}
	d.m[string(body)] = r
}

// All is the route table: every wire method the server serves.
var All = []Method{
	integrationsInsert,
	businessesList,
	tier1Prepare,
	tier1VehiclesPreload,
	workProvidersList,
	jobsInsert,
	jobsGet,
	jobsList,
	jobsPartsInsert,
	basketsLatestGet,
	procurementsInsert,
	procurementsGet,
	procurementsInvoicesList,
	supplierProcurementsList,
	supplierProcurementsGet,
	supplierProcurementsConfirm,
}
