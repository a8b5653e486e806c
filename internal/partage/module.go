package partage

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
			in, _ := c.Caller.(caller)
			out, err := op.run(&Call{Tx: c.Tx, Caller: in.company, BaseURL: baseURL(c.Request)}, c.Param("id"), in.body)
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
			if err != nil || refused(params["q"]) {
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

// refused says whether a quality value ("0", "0.0", "0.000") turns a
// media range down; a missing or unreadable one does not.
func refused(q string) bool {
	f, err := strconv.ParseFloat(q, 64)
	return q != "" && err == nil && f == 0
}

// caller is what the credential check hands the handler: the company the
// token belongs to, and the body, parsed once for both (it was parsed
// three times, the largest cost of creating a quote).
type caller struct {
	company store.PartageCompany
	body    body
}

// authenticate reads the API token of the body (a body that is not a JSON
// object is refused first, as Invalid request format) or of the query, and
// checks it in the call's transaction. A GET's body is not read: its token
// is the query's, and a GET that sends a body but no query token is told
// so beside the seed's message (clients such as Python's requests.get(…,
// json=…) put it there).
func authenticate(r *http.Request, raw []byte) (httpapi.Check, error) {
	b := body{}
	if r.Method == http.MethodPost {
		var err error
		if b, err = parseBody(raw); err != nil {
			return nil, err
		}
	}
	query := r.URL.Query().Get("api_token")
	token := tokenIn(b, query)
	tokenInGETBody := r.Method == http.MethodGet && query == "" && r.ContentLength != 0
	return func(tx store.Tx) (any, error) {
		company, err := Authenticate(tx, token)
		if err == ErrInvalidToken && tokenInGETBody {
			err = ErrTokenInGETBody
		}
		return caller{company, b}, err
	}, nil
}

// baseURL is where the client reached the mock, for the views' URLs.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sentence is the edge's message ("the JSON nests deeper than 32 levels")
// as a sentence of the family's messages, capitalized.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
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
		status, _ := strconv.Atoi(inj.ErrorType) // ResolveFault made it a status the operation declares
		msgs := []string{injectedMessages[status]}
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
			// invalidFormat puts the heading before each problem.
			var problems []string
			for _, p := range ref.Problems {
				problems = append(problems, fmt.Sprintf("%s: %s.", p.Path, p.Message))
			}
			if len(problems) == 0 {
				problems = append(problems, sentence(ref.Message)+".")
			}
			e = invalidFormat(problems...)
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

// injectedMessages are what an injected fault says when its fields give
// no messages: the family's own words for the status, so that a client
// sees what a real answer of that status looks like.
var injectedMessages = map[int]string{
	StatusUnauthorized:  ErrInvalidToken.Messages[0],
	StatusInvalidQuote:  "Invalid quote (an injected fault).",
	StatusInvalidFormat: "Invalid request format (an injected fault).",
	StatusInternal:      "Internal application error (an injected fault).",
}

// ResolveFault accepts the statuses op declares, by variant or by status,
// with an optional list of messages in fields.errors. The variant is the
// status, so both given must agree; a status the operation does not
// declare (the API answers no 503) becomes its 500.
func (f family) ResolveFault(op string, ft *store.Fault) error {
	variants := f.Variants(op)
	if ft.ErrorType != "" && ft.Status != 0 && ft.ErrorType != strconv.Itoa(ft.Status) {
		return httpapi.BadInput("/status", "the variant is the status: give one of error and status, or the same")
	}
	if ft.ErrorType == "" {
		ft.ErrorType = strconv.Itoa(ft.Status)
		if !slices.Contains(variants, ft.ErrorType) {
			ft.ErrorType = strconv.Itoa(StatusInternal)
		}
	}
	if !slices.Contains(variants, ft.ErrorType) {
		return httpapi.BadInput("/error", op+" answers errors with "+strings.Join(variants, ", "))
	}
	ft.Status, _ = strconv.Atoi(ft.ErrorType)
	for k, v := range ft.ErrorFields {
		list, ok := v.([]any)
		if k != "errors" || !ok || len(list) == 0 || len(list) > MaxMessages ||
			slices.ContainsFunc(list, func(m any) bool { s, ok := m.(string); return !ok || s == "" }) {
			return httpapi.BadInput("/fields", fmt.Sprintf(`the only field is "errors", a list of 1 to %d messages`, MaxMessages))
		}
	}
	return nil
}
