package partage

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
)

// Name qualifies the API's operations in faults, the journal, coverage and
// metrics.
const Name = "partage"

// DocumentName is the API's document, as served and embedded.
const DocumentName = "openapi-partage.json"

// Module is the Partage freight API as the edge serves it, under /partage/.
// The decoders are the bodies' validators (their messages are the API's,
// naming each field), so the edge checks only size and content type.
func Module(doc *spec.Doc) *httpapi.Module {
	routes := make([]httpapi.Route, len(Operations))
	for i, op := range Operations {
		rt := httpapi.Route{Op: op.ID, Verb: op.Method, Path: strings.TrimPrefix(op.Path, "/"),
			Tx: httpapi.TxView, Decodes: true, Auth: authenticate}
		if op.Write {
			rt.Tx = httpapi.TxUpdate
		}
		rt.Handle = func(c *httpapi.Call) (any, error) {
			caller, _ := c.Caller.(store.PartageCompany)
			out, err := op.Run(&Call{Tx: c.Tx, Caller: caller, BaseURL: baseURL(c.Request)}, c.Param("id"), c.Body)
			if pdf, ok := out.([]byte); ok && err == nil {
				return httpapi.Raw{Status: http.StatusOK, ContentType: "application/pdf", Body: pdf}, nil
			}
			return out, err
		}
		routes[i] = rt
	}
	return &httpapi.Module{
		Name: Name, Prefix: PathPrefix + "/", Doc: doc, Routes: routes,
		Errors: family{doc}, Check: checkHeaders,
	}
}

// checkHeaders holds clients to the seed's content types: an Accept header
// that includes application/json (*/* is fine; the bill of lading also
// takes application/pdf), and a JSON body on every POST.
func checkHeaders(r *http.Request) error {
	if !accepts(r.Header.Values("Accept"), strings.HasSuffix(r.URL.Path, ".pdf")) {
		return ErrNotAcceptable
	}
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			return ErrContentType
		}
	}
	return nil
}

func accepts(values []string, pdf bool) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || params["q"] == "0" {
				continue
			}
			switch mt {
			case "application/json", "*/*", "application/*":
				return true
			case "application/pdf":
				if pdf {
					return true
				}
			}
		}
	}
	return false
}

// authenticate reads the API token of the body (a body that is not a JSON
// object is refused first, as Invalid request format) or of the query, and
// checks it in the call's transaction.
func authenticate(r *http.Request, raw []byte) (httpapi.Check, error) {
	token := r.URL.Query().Get("api_token")
	if r.Method == http.MethodPost {
		if _, err := parseBody(raw); err != nil {
			return nil, err
		}
		token = TokenOf(raw, token)
	}
	return func(tx store.Tx) (any, error) { return Authenticate(tx, token) }, nil
}

// baseURL is where the client reached the mock, for the views' URLs.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// family renders every error of the API as the seed does,
// {"errors":["…"]} with 401, 406, 412 or 500; an unknown path under
// /partage/ is 404, a verb a path does not take 405 [D].
type family struct{ doc *spec.Doc }

func (family) Render(_ string, err error) httpapi.Answer {
	var ref *httpapi.Refusal
	var inj *httpapi.Injected
	var e *Error
	switch {
	case errors.As(err, &inj):
		status := inj.Status
		if status == 0 {
			status, _ = strconv.Atoi(inj.ErrorType)
		}
		msgs := []string{"Internal application error (an injected fault)."}
		if list, ok := inj.ErrorFields["errors"].([]any); ok && len(list) > 0 {
			msgs = msgs[:0]
			for _, m := range list {
				msgs = append(msgs, fmt.Sprint(m))
			}
		}
		e = newError(status, msgs...)
	case errors.As(err, &ref):
		switch ref.Kind {
		case httpapi.UnknownRoute:
			e = ErrNoRoute
		case httpapi.MethodNotAllowed:
			e = newError(http.StatusMethodNotAllowed, "Method not allowed. This endpoint is called with "+ref.Allow+".")
		case httpapi.TooLarge:
			e = ErrBodyTooLarge
		case httpapi.UnsupportedMedia:
			e = ErrContentType
		case httpapi.Internal:
			e = ErrorOf(err)
		default:
			msgs := []string{}
			for _, p := range ref.Problems {
				msgs = append(msgs, fmt.Sprintf("Invalid request format. %s: %s.", p.Path, p.Message))
			}
			if len(msgs) == 0 {
				msgs = append(msgs, "Invalid request format. "+ref.Message+".")
			}
			e = invalidFormat(msgs...)
		}
	default:
		e = ErrorOf(err)
	}
	return httpapi.Answer{Status: e.Status, Variant: strconv.Itoa(e.Status), Body: e.Body()}
}

// Variants are the error statuses the document declares for op.
func (f family) Variants(op string) []string {
	o := f.doc.Op(op)
	if o == nil {
		return nil
	}
	var out []string
	for status := range o.Responses.Map() {
		if status != "default" && status[0] != '2' {
			out = append(out, status)
		}
	}
	slices.Sort(out)
	return out
}

// ResolveFault accepts the statuses op declares, by variant or by status
// (a status it does not declare answers 500), with an optional list of
// messages in fields.errors.
func (f family) ResolveFault(op string, ft *store.Fault) error {
	variants := f.Variants(op)
	if ft.ErrorType == "" {
		ft.ErrorType = strconv.Itoa(ft.Status)
		if !slices.Contains(variants, ft.ErrorType) {
			ft.ErrorType = strconv.Itoa(StatusInternal)
		}
	}
	if !slices.Contains(variants, ft.ErrorType) {
		return httpapi.BadInput("/error", op+" answers errors with "+strings.Join(variants, ", "))
	}
	for k, v := range ft.ErrorFields {
		list, ok := v.([]any)
		if k != "errors" || !ok || slices.ContainsFunc(list, func(m any) bool { _, s := m.(string); return !s }) {
			return httpapi.BadInput("/fields", `the only field is "errors", a list of messages`)
		}
	}
	return nil
}
