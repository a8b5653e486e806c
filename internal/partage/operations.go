package partage

import (
	"github.com/partifact/mockserver/internal/store"
)

// PathPrefix is where the API is mounted in the mock [D].
const PathPrefix = "/partage"

// Operation is one row of the route table: what the HTTP glue needs to
// serve an endpoint of openapi-partage.json.
type Operation struct {
	ID     string // the operationId in openapi-partage.json
	Method string // GET or POST
	Path   string // under PathPrefix, with {id} for the number or pl_id
	Write  bool   // run it in store.Update; the others in store.View
	PDF    bool   // answers application/pdf rather than JSON
	run    func(c *Call, id string, b body) (any, error)
}

// Input is one request as the glue hands it over.
type Input struct {
	ID         string // the {id} path value, or ""
	Body       []byte // the raw body (ignored on GET but for its api_token)
	QueryToken string // ?api_token=
	BaseURL    string // scheme://host the client reached, for the views' URLs
}

// Result is an operation's answer, always with status 200: JSON to encode,
// or a PDF's bytes. Caller is the authenticated company (for the journal);
// it is set whenever authentication passed, even if the operation failed.
type Result struct {
	JSON   any
	PDF    []byte
	Caller store.PartageCompany
}

// Serve runs the operation inside tx: the body must be a JSON object (412),
// then the token must name a company (401), then the body must be a valid
// request (412), then the rules apply (406). Errors are *Error or become
// one through ErrorOf.
func (op Operation) Serve(tx store.Tx, in Input) (Result, error) {
	b, err := parseBody(in.Body)
	if err != nil {
		if op.Method != "POST" {
			b, err = body{}, nil // a GET's body means nothing
		} else {
			return Result{}, err
		}
	}
	caller, err := Authenticate(tx, tokenIn(b, in.QueryToken))
	if err != nil {
		return Result{}, err
	}
	res := Result{Caller: caller}
	out, err := op.run(&Call{Tx: tx, Caller: caller, BaseURL: in.BaseURL}, in.ID, b)
	if err != nil {
		return res, err
	}
	res.set(out)
	return res, nil
}

func (res *Result) set(out any) {
	if pdf, ok := out.([]byte); ok {
		res.PDF = pdf
	} else {
		res.JSON = out
	}
}

// Operations is the route table, in the order of the seed.
var Operations = []Operation{
	{ID: "quotes.create", Method: "POST", Path: "/api/quotes", Write: true,
		run: func(c *Call, _ string, b body) (any, error) {
			r, err := decodeQuote(b)
			if err != nil {
				return nil, err
			}
			return CreateQuote(c, r)
		}},
	{ID: "quotes.show", Method: "GET", Path: "/api/quotes/{id}",
		run: func(c *Call, id string, _ body) (any, error) { return ShowQuote(c, id) }},
	{ID: "quotes.notes.create", Method: "POST", Path: "/api/quotes/{id}/notes", Write: true,
		run: func(c *Call, id string, b body) (any, error) {
			r, err := decodeNote(b)
			if err != nil {
				return nil, err
			}
			return AddNote(c, id, r)
		}},
	{ID: "quotes.book", Method: "POST", Path: "/api/quotes/{id}/book", Write: true,
		run: func(c *Call, id string, b body) (any, error) {
			r, err := decodeBook(b)
			if err != nil {
				return nil, err
			}
			return BookQuote(c, id, r)
		}},
	{ID: "quotes.bol", Method: "GET", Path: "/api/quotes/{id}/bol.pdf", PDF: true,
		run: func(c *Call, id string, _ body) (any, error) { return BillOfLading(c, id) }},
	{ID: "quotes.cancel", Method: "POST", Path: "/api/quotes/{id}/cancel", Write: true,
		run: func(c *Call, id string, _ body) (any, error) { return CancelQuote(c, id) }},
	{ID: "companies.list", Method: "GET", Path: "/api/companies",
		run: func(c *Call, _ string, _ body) (any, error) { return ListCompanies(c) }},
	{ID: "companies.create", Method: "POST", Path: "/api/companies", Write: true,
		run: func(c *Call, _ string, b body) (any, error) {
			r, err := decodeCompany(b)
			if err != nil {
				return nil, err
			}
			return CreateCompany(c, r)
		}},
}
