package servicemobility

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
)

// Name qualifies the module's operations in faults, the journal, coverage
// and metrics.
const Name = "servicemobility"

// DocumentName is the module's document, as served and embedded.
const DocumentName = "openapi-servicemobility.json"

// Module is the ServiceMobility parts ordering API as the edge serves it,
// under Prefix: the stand-in (logon, system configuration, the Parts
// Ordering API that forwards) and the reference implementation of the
// interface; and the contract-check log as a sandbox route.
func Module(st store.Store, doc *spec.Doc, cfg Config) *httpapi.Module {
	s := New(cfg)
	post := func(op, path string, tx httpapi.TxMode, h func(*httpapi.Call) (any, error)) httpapi.Route {
		return httpapi.Route{Op: op, Verb: http.MethodPost, Path: strings.TrimPrefix(path, "/"), Tx: tx, Decodes: true, Handle: h}
	}
	return &httpapi.Module{
		Name: Name, Prefix: Prefix + "/", Doc: doc, Errors: family{},
		Routes: []httpapi.Route{
			post(OpCreateJWT, PathCreateJWT, httpapi.TxView, func(c *httpapi.Call) (any, error) {
				return s.CreateJWT(c.Tx, c.Body)
			}),
			{Op: OpSysConfigGet, Verb: http.MethodGet, Path: strings.TrimPrefix(PathSysConfig, "/"), Tx: httpapi.TxView,
				Handle: func(c *httpapi.Call) (any, error) { return s.GetSysConfig(c.Tx, token(c)) }},
			post(OpSysConfigSet, PathSysConfig, httpapi.TxUpdate, func(c *httpapi.Call) (any, error) {
				return s.SetSysConfig(c.Tx, token(c), c.Body)
			}),
			post(OpPartsOrdersSubmit, PathPartsOrders, httpapi.TxUpdate, func(c *httpapi.Call) (any, error) {
				return s.PartsOrders(c.Ctx, c.Tx, token(c), c.Body)
			}),
			// The stand-in calls out over the network: no transaction is
			// held while the implementer answers.
			post(OpPartsOrderingSubmit, PathPartsOrdering, httpapi.TxNone, func(c *httpapi.Call) (any, error) {
				relay, err := s.PartsOrdering(c.Ctx, st, Submission{Tenant: c.Tenant, Token: token(c), Body: c.Body,
					Forwarded: c.Request.Header.Get(ForwardedHeader) != ""})
				c.Keep(relay.Written)
				if relay.Check.Target != "" {
					c.Note(Summary(relay.Check))
				}
				if relay.RecordErr != nil {
					httpapi.Logger(c.Request).Warn("servicemobility: contract check not logged", "error", relay.RecordErr)
				}
				if err != nil {
					return nil, err
				}
				return httpapi.Raw{Status: relay.Status, ContentType: "application/json", Body: relay.Body}, nil
			}),
		},
		Sandbox: []httpapi.Route{{
			Op: "sandbox.servicemobility.checks.list", Verb: http.MethodGet, Path: strings.TrimPrefix(PathChecks, httpapi.SandboxPrefix),
			Tx: httpapi.TxNone, Handle: func(c *httpapi.Call) (any, error) {
				limit := 0
				if v := c.Request.URL.Query().Get("limit"); v != "" {
					n, err := strconv.Atoi(v)
					if err != nil || n < 1 || n > store.CheckLogCap {
						return nil, httpapi.BadInput("/query/limit", "an integer from 1 to "+strconv.Itoa(store.CheckLogCap))
					}
					limit = n
				}
				return Checks(c.Ctx, st, c.Tenant, limit)
			},
		}},
	}
}

func token(c *httpapi.Call) string { return c.Request.Header.Get(TokenHeader) }

// Variants of the error family, as coverage and faults name them: the
// interface's statuses.
const (
	variantUnauthorized = "401"
	variantFailed       = "500"
)

// family renders every error of the module in the interface's one shape,
// {"Status":"2001","StatusMsg":"…"}: 401 for the logon and the token, 500
// for everything else the caller got wrong or the mock failed at (the
// interface has no 400), and 404/405 for a path or verb it does not serve.
type family struct{}

func (family) Render(_ string, err error) httpapi.Answer {
	var ref *httpapi.Refusal
	var inj *httpapi.Injected
	switch {
	case errors.As(err, &inj):
		status := inj.Status
		if status == 0 {
			status, _ = strconv.Atoi(inj.ErrorType)
		}
		msg, _ := inj.ErrorFields["StatusMsg"].(string)
		if msg == "" {
			msg = "Injected fault: " + http.StatusText(status) + "."
		}
		err = &Error{HTTPStatus: status, Msg: msg}
	case errors.As(err, &ref):
		switch ref.Kind {
		case httpapi.UnknownRoute, httpapi.MethodNotAllowed:
			err = &Error{HTTPStatus: ref.Status, Msg: "No such operation: " + ref.Message + "."}
		case httpapi.Internal:
			err = &Error{HTTPStatus: http.StatusInternalServerError, Msg: internalMsg}
		default:
			msg := ref.Message
			if ref.Path != "" {
				msg = ref.Path + ": " + msg
			}
			err = invalid("Invalid request: %s.", msg)
		}
	}
	status, body := Render(err)
	return httpapi.Answer{Status: status, Variant: strconv.Itoa(status), Body: body}
}

func (family) Variants(string) []string { return []string{variantUnauthorized, variantFailed} }

// ResolveFault accepts the interface's two error answers, by variant or by
// status, with an optional StatusMsg in fields.
func (family) ResolveFault(_ string, f *store.Fault) error {
	if f.ErrorType == "" {
		f.ErrorType = variantFailed
		if f.Status < 500 {
			f.ErrorType = variantUnauthorized
		}
	}
	if !slices.Contains([]string{variantUnauthorized, variantFailed}, f.ErrorType) {
		return httpapi.BadInput("/error", "the ServiceMobility interface answers errors with 401 or 500")
	}
	for k, v := range f.ErrorFields {
		if _, ok := v.(string); k != "StatusMsg" || !ok {
			return httpapi.BadInput("/fields", "the only field is StatusMsg, a string")
		}
	}
	return nil
}
