package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
)

// A client of the Partage freight API over HTTP, as the seed tells one to
// call it: Accept application/json, JSON bodies carrying api_token, the
// token in the query on GET. Every answer is checked against
// openapi-partage.json by operation and status, so no test can pass on an
// answer the document does not describe.

var (
	ptDocOnce sync.Once
	ptDocVal  *spec.Doc
	ptDocErr  error
)

// ptDoc is openapi-partage.json.
func ptDoc(t testing.TB) *spec.Doc {
	t.Helper()
	ptDocOnce.Do(func() { ptDocVal, ptDocErr = spec.Parse(partage.DocumentName) })
	if ptDocErr != nil {
		t.Fatal(ptDocErr)
	}
	return ptDocVal
}

// ptStatuses are the statuses the family answers with: the seed's four and
// the designed 404 (no such path) and 405 (a verb the path does not take).
var ptStatuses = []int{401, 404, 405, 406, 412, 500}

type ptClient struct {
	t      testing.TB
	base   string
	tenant string
	token  string // sent with every call; "" sends none
}

func newPT(t testing.TB, base, tenant string) *ptClient {
	return &ptClient{t: t, base: base, tenant: tenant, token: seed.PartageDemoToken}
}

// as is the same client with another token.
func (c *ptClient) as(token string) *ptClient {
	n := *c
	n.token = token
	return &n
}

// ptPath is the operation's verb and path with {id} filled in.
func ptPath(t testing.TB, op, id string) (verb, path string) {
	t.Helper()
	o := ptDoc(t).Op(op)
	if o == nil {
		t.Fatalf("openapi-partage.json has no operation %s", op)
	}
	return o.Verb, strings.Replace(o.Path, "{id}", url.PathEscape(id), 1)
}

// request builds the call of op as the seed describes it: on POST the body
// (nil: {}) with api_token added unless it has one, on GET the token in
// the query.
func (c *ptClient) request(op, id string, body map[string]any) *http.Request {
	c.t.Helper()
	verb, path := ptPath(c.t, op, id)
	var rd io.Reader
	if verb == http.MethodPost {
		m := map[string]any{}
		for k, v := range body {
			m[k] = v
		}
		if _, ok := m["api_token"]; !ok && c.token != "" {
			m["api_token"] = c.token
		}
		b, err := json.Marshal(m)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else if c.token != "" {
		path += "?api_token=" + url.QueryEscape(c.token)
	}
	req, err := http.NewRequest(verb, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if verb == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.tenant != "" {
		req.Header.Set("x-mock-tenant", c.tenant)
	}
	return req
}

// send sends a request and checks the answer against op's document.
func (c *ptClient) send(op string, req *http.Request) (int, http.Header, []byte) {
	c.t.Helper()
	resp, err := httpClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := ptShape(c.t, op, resp.StatusCode, resp.Header.Get("Content-Type"), b); err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// do calls op and returns the status and body.
func (c *ptClient) do(op, id string, body map[string]any) (int, []byte) {
	c.t.Helper()
	status, _, b := c.send(op, c.request(op, id, body))
	return status, b
}

// ok calls op, requires 200 and decodes the answer into out (when not nil).
func (c *ptClient) ok(op, id string, body map[string]any, out any) []byte {
	c.t.Helper()
	status, b := c.do(op, id, body)
	if status != http.StatusOK {
		c.t.Fatalf("%s %s: %d %s, want 200", op, id, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s: %v", op, err)
		}
	}
	return b
}

// fails calls op and requires status with a message containing want.
func (c *ptClient) fails(op, id string, body map[string]any, status int, want string) []string {
	c.t.Helper()
	got, b := c.do(op, id, body)
	msgs := ptMessages(b)
	if got != status || !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, want) }) {
		c.t.Fatalf("%s %s: %d %s, want %d with a message containing %q", op, id, got, b, status, want)
	}
	return msgs
}

func ptMessages(b []byte) []string {
	var e partage.ErrorBody
	_ = json.Unmarshal(b, &e)
	return e.Errors
}

// ptShape says what is wrong with an answer of op ("" when no operation
// matched the path): a PDF only as a bill of lading's 200, otherwise JSON
// that matches the document's schema for op and status; errors are the
// family's {"errors":[…]} with one of its statuses.
func ptShape(t testing.TB, op string, status int, contentType string, body []byte) error {
	t.Helper()
	d := ptDoc(t)
	if contentType == "application/pdf" {
		if op != "quotes.bol" || status != http.StatusOK || !bytes.HasPrefix(body, []byte("%PDF-")) {
			return fmt.Errorf("a PDF answer %d for %q: %.40q", status, op, body)
		}
		return nil
	}
	if contentType != "application/json" {
		return fmt.Errorf("answer %d with content type %q: %.200s", status, contentType, body)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("answer %d is not JSON: %.200s", status, body)
	}
	if status != http.StatusOK {
		if !slices.Contains(ptStatuses, status) {
			return fmt.Errorf("status %d is none of the family's %v: %.200s", status, ptStatuses, body)
		}
		var e struct {
			Errors []string `json:"errors"`
		}
		if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) == 0 || len(e.Errors) > partage.MaxMessages {
			return fmt.Errorf("answer %d is not the family's {\"errors\":[…]} of 1 to %d messages: %.200s", status, partage.MaxMessages, body)
		}
	}
	var schema = d.ResponseSchema(op, strconv.Itoa(status))
	if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
		// Designed statuses no operation declares: the document's Error.
		schema = d.Components.Schemas["Error"].Value
	}
	if schema == nil {
		return fmt.Errorf("%q answered %d, which openapi-partage.json does not declare: %.200s", op, status, body)
	}
	if problems := spec.Validate(schema, v, false); len(problems) > 0 {
		return fmt.Errorf("%q %d does not match openapi-partage.json: %v\n%s", op, status, problems, body)
	}
	return nil
}

// The wire views as the tests read them.
type ptCreated struct {
	Quote struct {
		Number      string `json:"number"`
		URL         string `json:"url"`
		Miles       int64  `json:"miles"`
		Weight      *int64 `json:"weight"`
		PalletSpots *int64 `json:"pallet_spots"`
		Options     []struct {
			Mode  string `json:"mode"`
			Total int64  `json:"total"`
		} `json:"options"`
	} `json:"quote"`
}

// totals are a created quote's option totals by mode.
func (q ptCreated) totals() map[string]int64 {
	out := map[string]int64{}
	for _, o := range q.Quote.Options {
		out[o.Mode] = o.Total
	}
	return out
}

func (q ptCreated) modes() []string {
	var out []string
	for _, o := range q.Quote.Options {
		out = append(out, o.Mode)
	}
	return out
}

type ptNote struct {
	Content string `json:"content"`
	User    struct {
		Name    string `json:"name"`
		Company string `json:"company"`
	} `json:"user"`
	CreatedAt string `json:"created_at"`
}

type ptStop struct {
	Type     string `json:"type"`
	Location struct {
		Street     *string `json:"street"`
		City       string  `json:"city"`
		State      string  `json:"state"`
		PostalCode string  `json:"postal_code"`
	} `json:"location"`
	Window struct {
		StartAt time.Time `json:"start_at"`
		EndAt   time.Time `json:"end_at"`
	} `json:"window"`
	Schedule struct {
		ArrivedAt  *time.Time `json:"arrived_at"`
		DepartedAt *time.Time `json:"departed_at"`
	} `json:"schedule"`
	Notes           []ptNote `json:"notes"`
	ProofOfDelivery *struct {
		AttachmentURL string    `json:"attachment_url"`
		CreatedAt     time.Time `json:"created_at"`
	} `json:"proof_of_delivery"`
}

type ptQuote struct {
	PLID        string  `json:"pl_id"`
	Number      string  `json:"number"`
	Status      string  `json:"status"`
	Mode        *string `json:"mode"`
	URL         string  `json:"url"`
	CancelledAt *string `json:"cancelled_at"`
	Rate        *struct {
		BookedAt time.Time `json:"booked_at"`
		BookedBy struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"booked_by"`
		Total   int64 `json:"total"`
		Charges []struct {
			Name  string `json:"name"`
			Total int64  `json:"total"`
		} `json:"charges"`
		Invoice *struct {
			DueDate    string  `json:"due_date"`
			Total      int64   `json:"total"`
			ApprovedAt *string `json:"approved_at"`
		} `json:"invoice"`
	} `json:"rate"`
	Carrier *struct {
		Name      string    `json:"name"`
		MCNumber  string    `json:"mc_number"`
		DOTNumber string    `json:"dot_number"`
		CoveredAt time.Time `json:"covered_at"`
	} `json:"carrier"`
	Shipments []struct {
		ID        int64    `json:"id"`
		Commodity *string  `json:"commodity"`
		Notes     []ptNote `json:"notes"`
	} `json:"shipments"`
	Stops           []ptStop `json:"stops"`
	SpecialServices []struct {
		Name     string `json:"name"`
		Location string `json:"location"`
	} `json:"special_services"`
}

type ptShown struct {
	Quote ptQuote `json:"quote"`
}

type ptCompany struct {
	Name              string  `json:"name"`
	ExternalID        *string `json:"external_id"`
	CreditLimit       *int64  `json:"credit_limit"`
	CreditUtilization int64   `json:"credit_utilization"`
	SameCredit        bool    `json:"same_credit"`
}

func (c *ptClient) create(quote map[string]any, top map[string]any) ptCreated {
	c.t.Helper()
	body := map[string]any{"quote": quote}
	for k, v := range top {
		body[k] = v
	}
	var q ptCreated
	c.ok("quotes.create", "", body, &q)
	return q
}

func (c *ptClient) show(id string) ptQuote {
	c.t.Helper()
	var v ptShown
	c.ok("quotes.show", id, nil, &v)
	return v.Quote
}

func (c *ptClient) book(id, mode string) ptQuote {
	c.t.Helper()
	var v ptShown
	c.ok("quotes.book", id, map[string]any{"mode": mode}, &v)
	return v.Quote
}

func (c *ptClient) companies() []ptCompany {
	c.t.Helper()
	var list []ptCompany
	c.ok("companies.list", "", nil, &list)
	return list
}

func (c *ptClient) company(name string) ptCompany {
	c.t.Helper()
	for _, co := range c.companies() {
		if co.Name == name {
			return co
		}
	}
	c.t.Fatalf("no company %q", name)
	return ptCompany{}
}

// ptMonday is a Monday at 10:00 in Chicago at least two days from now: a
// tenant clock set there makes dates, numbers and close-in fees exact.
func ptMonday() time.Time {
	d := time.Now().In(partage.HomeZone).AddDate(0, 0, 2)
	d = time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, partage.HomeZone)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// setClock puts the tenant clock at t (forward only) and returns it.
func setClock(tb testing.TB, base, tenant string, t time.Time) time.Time {
	tb.Helper()
	ctlOK(tb, base, tenant, "POST /__clock", "", map[string]any{"set": t.UTC().Format(time.RFC3339)}, nil)
	return t
}

func advanceClock(tb testing.TB, base, tenant string, d time.Duration) {
	tb.Helper()
	ctlOK(tb, base, tenant, "POST /__clock", "", map[string]any{"advance": d.String()}, nil)
}

// day is a date in Chicago, as timing and numbers spell it.
func day(t time.Time, plus int) string {
	return t.In(partage.HomeZone).AddDate(0, 0, plus).Format(time.DateOnly)
}

// lane is a quote from the Lakeshore DC in Chicago (60612) to dest, with
// everything a booking needs.
func lane(dest string, extra map[string]any) map[string]any {
	q := map[string]any{
		"equipment": "van", "origin_postal_code": "60612", "destination_postal_code": dest,
		"origin_address": map[string]any{"name": "Lakeshore Parts DC", "address_one": "2250 W Carroll Ave",
			"phone": "312-555-0148", "postal_code": "60612"},
		"destination_address": map[string]any{"name": "Consignee Body Shop", "address_one": "14 Maple Ave",
			"address_two": "Bay 3", "phone": "555-555-0100", "postal_code": dest},
		"commodity": "Front bumper covers", "value": 4200.5, "pieces": 12,
	}
	for k, v := range extra {
		if v == nil {
			delete(q, k)
		} else {
			q[k] = v
		}
	}
	return q
}
