package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// Module is one API the edge serves. The edge knows nothing of any API but
// what its module gives it here; adding an API is one package that builds a
// Module plus one line where the app lists its modules.
type Module struct {
	// Name qualifies the module's operations in faults, the journal,
	// coverage and metrics ("partly").
	Name string
	// Prefix starts every path of the module ("/api/2026-01/"). An unknown
	// path under it is answered in the module's error family.
	Prefix string
	// Doc is the module's OpenAPI document. A route whose operation declares
	// a JSON request body has it validated against that schema.
	Doc    *spec.Doc
	Routes []Route
	Errors ErrorFamily
	// Check runs before the body is read on every route of the module (for
	// instance an Accept header the API insists on); nil: none.
	Check func(r *http.Request) error
	// Caller names, for the journal, the integration a request claims to
	// be, whether or not its credential holds; nil: none.
	Caller func(r *http.Request) *uuid.UUID
	// Mount adds routes the route table does not describe (the Partly
	// consent page), at their full paths; nil: none.
	Mount func(r Router) error
	// Sandbox routes are the module's own controls (triggers), served under
	// /__ beside the shared ones, with the sandbox document's schemas and
	// error family, hidden with them.
	Sandbox []Route
	// Services run in the background while the server runs.
	Services []Service
}

// Router is the part of chi's router a module's Mount may use.
type Router interface {
	Get(pattern string, h http.HandlerFunc)
	Post(pattern string, h http.HandlerFunc)
}

// Service is background work of a module, started after the store and
// stopped before it (and after HTTP).
type Service interface {
	Start()
	Stop(ctx context.Context) error
}

// TxMode says in which kind of transaction a route's handler runs.
type TxMode int

const (
	TxView   TxMode = iota // a read-only transaction
	TxUpdate               // a read-write transaction
	// TxNone: no transaction around the handler, which opens its own
	// through Call.Work (for routes that call out over the network, which
	// must not happen inside a transaction).
	TxNone
)

// Route is one row of a route table.
type Route struct {
	// Op is the operation's operationId in the document the route is
	// described in.
	Op   string
	Verb string // http.MethodPost, …
	// Path is the chi pattern after the prefix ("repairer.jobs.get",
	// "api/quotes/{id}"; "reset" for the sandbox's /__reset).
	Path string
	Tx   TxMode
	// Auth reads and checks the caller; nil: anyone may call.
	Auth Auth
	// Decodes: the handler's own decoder is the validator of the body (its
	// messages are the API's); the edge checks only its size and content
	// type, not the document's schema.
	Decodes bool
	// Handle answers the call. A Raw value is written as it is; any other
	// value is written as JSON with status 200. An error is rendered by the
	// route's error family.
	Handle func(c *Call) (any, error)
}

// Auth reads a caller's credential before the call's transaction (so a
// request without one costs no store round trip) and returns the check
// that runs inside it. An error from either is the call's answer.
type Auth func(r *http.Request, body []byte) (Check, error)

// Check finds the caller in the store; what it returns is Call.Caller.
type Check func(tx store.Tx) (any, error)

// Call is one request to a route, as its handler sees it.
type Call struct {
	Ctx     context.Context
	Request *http.Request
	Tenant  string
	// Body is the request body; on routes with a JSON request schema it
	// passed that schema ("{}" when the request sent none).
	Body []byte
	// Tx is the call's transaction, writes to the outbox tracked (nil on
	// TxNone routes).
	Tx     store.Tx
	Caller any

	st  store.Store
	out *Outcome
}

// Work runs fn in a transaction of the call's world (a read-write one when
// write is true) as one unit of work: what it writes to the outbox is
// released after the call's answer, as for a route's own transaction. For
// TxNone routes.
func (c *Call) Work(write bool, fn func(tx store.Tx) error) error {
	w, err := webhooks.Work(c.Ctx, c.st, c.Tenant, write, fn)
	if err == nil {
		c.Keep(w)
	}
	return err
}

// Keep adds what a unit of work of the handler's own wrote to the outbox
// (one that ran through webhooks.Work elsewhere), so that it is released
// after the call's answer and counted with the call.
func (c *Call) Keep(w Written) { c.out.Written.Add(w) }

// Note adds a line to the call's journal entry (what the API wants a
// developer to see beside the bodies).
func (c *Call) Note(note string) { c.out.Note = note }

// Raw is an answer written as it is: a status, a content type and bytes
// (a PDF, a body relayed from elsewhere).
type Raw struct {
	Status      int
	ContentType string
	Body        []byte
}

// ErrorFamily is how one API answers errors: every error a call of the
// API can end in (the module's own typed errors, store errors, the edge's
// Refusals, an injected fault) becomes a status and a body exactly once,
// here.
type ErrorFamily interface {
	// Render answers err for a call of op ("" when no route matched).
	Render(op string, err error) Answer
	// Variants lists the answers op can give besides success, as Render
	// names them in Answer.Variant (coverage counts each).
	Variants(op string) []string
	// ResolveFault checks a fault request for op and completes it (the
	// variant a bare status answers with, required fields), so that an
	// injected answer is always one a client may receive.
	ResolveFault(op string, f *store.Fault) error
}

// Answer is a rendered error.
type Answer struct {
	Status  int
	Variant string // its name for coverage ("not_found", "412", …)
	Body    []byte
}

// Injected is the error a fault makes a call end in; the family renders it
// as it renders the variant the fault names.
type Injected struct{ store.Fault }

func (e *Injected) Error() string { return "injected fault " + e.ErrorType }

// ByDesign is implemented by the errors an API answers by design, whatever
// status its wire gives them (ServiceMobility answers bad input, and an
// implementer that gave no answer, with a 500): they are no failure of the
// server and are not logged as one.
type ByDesign interface{ ByDesign() }

// serverFailure says whether err, answered with a 5xx, is the server's own
// failure (logged as an error): not an injected fault, an edge refusal of
// the request, or an API's answer by design.
func serverFailure(err error) bool {
	var inj *Injected
	var ref *Refusal
	var bd ByDesign
	switch {
	case errors.As(err, &inj), errors.As(err, &bd):
		return false
	case errors.As(err, &ref):
		return ref.Kind == Internal
	}
	return true
}

// Key qualifies an operation by its API, as faults, the journal and
// coverage store it ("partly:repairer.jobs.get").
func Key(api, op string) string { return api + ":" + op }

// SplitKey undoes Key.
func SplitKey(key string) (api, op string) {
	api, op, _ = strings.Cut(key, ":")
	return api, op
}

// Param is the value of a path parameter of the route ("id" in
// "procurements/{id}/confirm").
func (c *Call) Param(name string) string { return chi.URLParam(c.Request, name) }
