package controls

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
)

// maxFaultFields bounds a fault's fields, and so GET /__faults (at most
// the world's faults times this).
const maxFaultFields = 16 << 10

type faultInsertV1 struct {
	API         *string        `json:"api"`
	Method      string         `json:"method"`
	Error       *string        `json:"error"`
	Fields      map[string]any `json:"fields"`
	Status      *int           `json:"status"`
	LatencyMS   *int           `json:"latency_ms"`
	Probability *float64       `json:"probability"`
	Count       *int           `json:"count"`
}

type faultV1 struct {
	ID          uuid.UUID      `json:"id"`
	API         string         `json:"api"`
	Method      string         `json:"method"`
	Error       *string        `json:"error"`
	Fields      map[string]any `json:"fields"`
	Status      *int           `json:"status"`
	LatencyMS   int            `json:"latency_ms"`
	Probability float64        `json:"probability"`
	Remaining   *int           `json:"remaining"`
	CreatedAt   string         `json:"created_at"`
}

func (c *Controls) faultWire(f store.Fault) faultV1 {
	api, op := httpapi.SplitKey(f.Method)
	out := faultV1{ID: f.ID, API: api, Method: op, Fields: f.ErrorFields, LatencyMS: f.LatencyMS,
		Probability: f.Probability, CreatedAt: f.CreatedAt.UTC().Format(time.RFC3339)}
	if f.ErrorType != "" {
		out.Error = &f.ErrorType
		status := f.Status
		if m := c.module(api); m != nil && status == 0 {
			status = m.Errors.Render(op, &httpapi.Injected{Fault: f}).Status
		}
		out.Status = &status
	}
	if f.Remaining > 0 {
		out.Remaining = &f.Remaining
	}
	return out
}

func (c *Controls) module(api string) *httpapi.Module {
	i := slices.IndexFunc(c.cfg.Modules, func(m *httpapi.Module) bool { return m.Name == api })
	if i < 0 {
		return nil
	}
	return c.cfg.Modules[i]
}

func (c *Controls) faultsInsert(call *httpapi.Call) (any, error) {
	var req faultInsertV1
	if err := decode(call, &req); err != nil {
		return nil, err
	}
	f, err := c.resolveFault(req)
	if err != nil {
		return nil, err
	}
	set, err := call.Tx.Faults("")
	if err != nil {
		return nil, err
	}
	if len(set) >= c.cfg.MaxFaults {
		return nil, httpapi.BadInput("", fmt.Sprintf("a world has at most %d faults set: DELETE /__faults clears them, and used-up ones go by themselves", c.cfg.MaxFaults))
	}
	f.CreatedAt = call.Tx.Now()
	if err := call.Tx.InsertFault(f); err != nil {
		return nil, err
	}
	return c.faultWire(f), nil
}

// resolveFault checks a fault request: the operation must be one of an
// API's routes, and the API's error family checks and completes the answer
// the fault will give.
func (c *Controls) resolveFault(req faultInsertV1) (store.Fault, error) {
	api := c.apiOf(ptr(req.API), req.Method)
	f := store.Fault{ID: uuid.New(), Method: httpapi.Key(api, req.Method), Probability: 1, Remaining: -1, ErrorFields: req.Fields}
	m := c.module(api)
	if m == nil {
		return f, httpapi.BadInput("/api", "not an API this server serves")
	}
	if !slices.ContainsFunc(m.Routes, func(rt httpapi.Route) bool { return rt.Op == req.Method }) {
		return f, httpapi.BadInput("/method", "not an operation of "+api)
	}
	if req.Error != nil {
		f.ErrorType = *req.Error
	}
	if req.Status != nil {
		f.Status = *req.Status
	}
	if req.LatencyMS != nil {
		f.LatencyMS = *req.LatencyMS
	}
	if req.Probability != nil {
		f.Probability = *req.Probability
	}
	if req.Count != nil {
		f.Remaining = *req.Count
	}
	if b, _ := json.Marshal(f.ErrorFields); len(b) > maxFaultFields {
		return f, httpapi.BadInput("/fields", fmt.Sprintf("at most %d bytes of JSON", maxFaultFields))
	}
	if f.ErrorType == "" && f.Status == 0 {
		if f.LatencyMS == 0 {
			return f, httpapi.BadInput("", "a fault needs an error, a status or a latency_ms")
		}
		if len(f.ErrorFields) > 0 {
			return f, httpapi.BadInput("/fields", "fields need an error or a status to go with")
		}
		return f, nil
	}
	return f, m.Errors.ResolveFault(req.Method, &f)
}

func ptr[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (c *Controls) faultsList(call *httpapi.Call) (any, error) {
	faults, err := call.Tx.Faults("")
	if err != nil {
		return nil, err
	}
	items := make([]faultV1, len(faults))
	for i, f := range faults {
		items[i] = c.faultWire(f)
	}
	return itemsV1[faultV1]{Items: items}, nil
}

func (c *Controls) faultsDelete(call *httpapi.Call) (any, error) {
	if err := call.Tx.DeleteFaults(); err != nil {
		return nil, err
	}
	return okV1{true}, nil
}

// decode reads a route's body, which passed the route's schema.
func decode(call *httpapi.Call, v any) error {
	if err := json.Unmarshal(call.Body, v); err != nil {
		return httpapi.BadInput("", err.Error())
	}
	return nil
}
