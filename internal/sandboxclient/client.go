// Package sandboxclient calls a running server's sandbox controls (the /__
// routes of openapi-sandbox.json) over HTTP, in one world: the client under
// the public Go test helper (package sandbox) and the `mockserver trigger`
// and `listen` commands. It knows the routes' wire shapes and both of their
// error families, and nothing of the server's insides.
package sandboxclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TenantHeader names the world a request works in.
const TenantHeader = "x-partifact-tenant"

// TokenHeader carries the sandbox token of a server that runs with one.
const TokenHeader = "x-sandbox-token"

// MaxAnswer bounds what the client reads of one answer (a listen page is
// at most a few MiB; nothing else comes near).
const MaxAnswer = 32 << 20

// Client calls one server in one world.
type Client struct {
	BaseURL string       // e.g. "http://localhost:8080"
	Tenant  string       // "" works in the shared world (no tenant header)
	Token   string       // the server's sandbox token, if it runs with one
	HTTP    *http.Client // nil: a client without a timeout (bound calls with their contexts)
}

// Error is an answer other than 200: its status and what the body says, in
// either error family of the sandbox routes ({"type":…} or
// {"ok":false,"reason":…}).
type Error struct {
	Status int
	Type   string // the variant or reason, e.g. "invalid_status", "url_not_loopback"
	Detail string // what was wrong, for people ("" when the body says no more)
	Body   []byte // the body as answered (cut at 4 KiB)
}

func (e *Error) Error() string {
	s := strconv.Itoa(e.Status)
	if e.Type != "" {
		s += " " + e.Type
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// IsType reports whether err is an Error of that type.
func IsType(err error, typ string) bool {
	var e *Error
	return errors.As(err, &e) && e.Type == typ
}

// Do sends a request to path (with its query) and decodes a 200 answer
// into out (nil: discard it). body is sent as JSON unless nil.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Tenant != "" {
		req.Header.Set(TenantHeader, c.Tenant)
	}
	if c.Token != "" {
		req.Header.Set(TokenHeader, c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if len(b) > MaxAnswer {
		return fmt.Errorf("%s %s: the answer is larger than %d bytes", method, path, MaxAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		return refusal(resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not what this client reads: %v", method, path, err)
	}
	return nil
}

// refusal reads an error answer of either family.
func refusal(status int, body []byte) *Error {
	e := &Error{Status: status, Body: body[:min(len(body), 4096)]}
	var v struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
		Detail string `json:"detail"`
		Status string `json:"status"`
		Errors []struct {
			Path    string `json:"path"`
			Message string `json:"message"`
		} `json:"errors"`
		ErrorCount int `json:"error_count"`
	}
	if json.Unmarshal(body, &v) != nil {
		// Not one of ours (a proxy's page, say): show its start.
		e.Detail = strings.TrimSpace(strings.ToValidUTF8(string(e.Body[:min(len(e.Body), 200)]), "?"))
		return e
	}
	e.Type, e.Detail = v.Type, v.Detail
	if e.Type == "" {
		e.Type = v.Reason
	}
	if v.Status != "" && e.Detail == "" {
		e.Detail = "the record is " + v.Status
	}
	var probs []string
	for _, p := range v.Errors {
		if p.Path != "" {
			probs = append(probs, p.Path+": "+p.Message)
		} else {
			probs = append(probs, p.Message)
		}
	}
	if more := v.ErrorCount - len(v.Errors); more > 0 {
		probs = append(probs, fmt.Sprintf("and %d more", more))
	}
	if len(probs) > 0 {
		e.Detail = strings.Join(probs, "; ")
	}
	return e
}

// ---- reset and clock ----

// Reset replaces the world by the seeded one.
func (c *Client) Reset(ctx context.Context) error {
	return c.Do(ctx, http.MethodPost, "/__reset", nil, nil)
}

// Clock is a world's clock.
type Clock struct {
	Now    time.Time
	Offset time.Duration // how far it is ahead of the wall clock
	Real   bool          // it follows the wall clock
}

type clockV1 struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"`
	Real   bool      `json:"real"`
}

func (v clockV1) clock() (Clock, error) {
	d, err := time.ParseDuration(v.Offset)
	if err != nil {
		return Clock{}, fmt.Errorf("clock offset %q: %v", v.Offset, err)
	}
	return Clock{Now: v.Now, Offset: d, Real: v.Real}, nil
}

// Clock reads the world's clock.
func (c *Client) Clock(ctx context.Context) (Clock, error) {
	var v clockV1
	if err := c.Do(ctx, http.MethodGet, "/__clock", nil, &v); err != nil {
		return Clock{}, err
	}
	return v.clock()
}

// ClockChange moves a clock: exactly one member is set.
type ClockChange struct {
	Advance string `json:"advance,omitempty"` // a Go duration, e.g. "2h"
	Set     string `json:"set,omitempty"`     // an RFC 3339 date-time
	Real    bool   `json:"real,omitempty"`    // back to the wall clock
}

// SetClock moves the world's clock.
func (c *Client) SetClock(ctx context.Context, ch ClockChange) (Clock, error) {
	var v clockV1
	if err := c.Do(ctx, http.MethodPost, "/__clock", ch, &v); err != nil {
		return Clock{}, err
	}
	return v.clock()
}

// ---- triggers ----

// Procurement is a procurement as a trigger answered it.
type Procurement struct {
	ID     string
	Status string
	JSON   json.RawMessage // the whole ProcurementV1
}

func (c *Client) trigger(ctx context.Context, id, action string) (Procurement, error) {
	var raw json.RawMessage
	if err := c.Do(ctx, http.MethodPost, "/__procurements/"+url.PathEscape(id)+"/"+action, nil, &raw); err != nil {
		return Procurement{}, err
	}
	var p struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return Procurement{}, err
	}
	return Procurement{ID: p.ID, Status: p.Status, JSON: raw}, nil
}

// ConfirmProcurement confirms a procurement as its supplier would.
func (c *Client) ConfirmProcurement(ctx context.Context, id string) (Procurement, error) {
	return c.trigger(ctx, id, "confirm")
}

// CancelProcurement cancels a procurement still order_requested.
func (c *Client) CancelProcurement(ctx context.Context, id string) (Procurement, error) {
	return c.trigger(ctx, id, "cancel")
}

// ---- faults ----

// FaultRequest is the body of POST /__faults; nil members are left out.
type FaultRequest struct {
	API         *string        `json:"api,omitempty"`
	Method      string         `json:"method"`
	Error       *string        `json:"error,omitempty"`
	Fields      map[string]any `json:"fields,omitempty"`
	Status      *int           `json:"status,omitempty"`
	LatencyMS   *int           `json:"latency_ms,omitempty"`
	Probability *float64       `json:"probability,omitempty"`
	Count       *int           `json:"count,omitempty"`
}

// Fault is a fault as the server keeps it.
type Fault struct {
	ID          string         `json:"id"`
	API         string         `json:"api"`
	Method      string         `json:"method"`
	Error       *string        `json:"error"`
	Fields      map[string]any `json:"fields"`
	Status      *int           `json:"status"`
	LatencyMS   int            `json:"latency_ms"`
	Probability float64        `json:"probability"`
	Remaining   *int           `json:"remaining"` // nil: until cleared
	CreatedAt   time.Time      `json:"created_at"`
}

// InsertFault sets a fault.
func (c *Client) InsertFault(ctx context.Context, f FaultRequest) (Fault, error) {
	var out Fault
	err := c.Do(ctx, http.MethodPost, "/__faults", f, &out)
	return out, err
}

// Faults lists the faults with calls left to hit, oldest first.
func (c *Client) Faults(ctx context.Context) ([]Fault, error) {
	var out struct {
		Items []Fault `json:"items"`
	}
	err := c.Do(ctx, http.MethodGet, "/__faults", nil, &out)
	return out.Items, err
}

// ClearFaults removes every fault.
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.Do(ctx, http.MethodDelete, "/__faults", nil, nil)
}

// ---- journal and coverage ----

// JournalFilter narrows Journal; zero values match everything.
type JournalFilter struct {
	API    string
	Method string
	Status int
	Limit  int // the newest n
}

// JournalEntry is one call the world received.
type JournalEntry struct {
	ID            string    `json:"id"`
	Time          time.Time `json:"time"` // on the world's clock
	RequestID     string    `json:"request_id"`
	API           string    `json:"api"`
	Method        string    `json:"method"`
	Status        int       `json:"status"`
	LatencyMS     float64   `json:"latency_ms"`
	IntegrationID *string   `json:"integration_id"`
	RequestBody   string    `json:"request_body"`
	ResponseBody  string    `json:"response_body"`
}

// Journal lists the world's calls, oldest first.
func (c *Client) Journal(ctx context.Context, f JournalFilter) ([]JournalEntry, error) {
	q := url.Values{}
	if f.API != "" {
		q.Set("api", f.API)
	}
	if f.Method != "" {
		q.Set("method", f.Method)
	}
	if f.Status != 0 {
		q.Set("status", strconv.Itoa(f.Status))
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	path := "/__journal"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out struct {
		Items []JournalEntry `json:"items"`
	}
	err := c.Do(ctx, http.MethodGet, path, nil, &out)
	return out.Items, err
}

// ClearJournal empties the world's journal.
func (c *Client) ClearJournal(ctx context.Context) error {
	return c.Do(ctx, http.MethodDelete, "/__journal", nil, nil)
}

// CoverageItem is one answer variant or event type with how often the
// world saw it.
type CoverageItem struct {
	Name      string `json:"name"`
	Count     int    `json:"count"`
	Exercised bool   `json:"exercised"`
}

// CoverageMethod is one operation's variants.
type CoverageMethod struct {
	API      string         `json:"api"`
	Method   string         `json:"method"`
	Variants []CoverageItem `json:"variants"`
}

// Coverage is GET /__coverage.
type Coverage struct {
	Methods   []CoverageMethod `json:"methods"`
	Webhooks  []CoverageItem   `json:"webhooks"`
	Exercised int              `json:"exercised"`
	Total     int              `json:"total"`
}

// Coverage reads which answers and events the world produced.
func (c *Client) Coverage(ctx context.Context) (Coverage, error) {
	var out Coverage
	err := c.Do(ctx, http.MethodGet, "/__coverage", nil, &out)
	return out, err
}

// ---- webhooks ----

// Subscription is an endpoint subscribed for an integration.
type Subscription struct {
	EndpointID    string `json:"endpoint_id"`
	IntegrationID string `json:"integration_id"`
	URL           string `json:"url"`
	Secret        string `json:"secret"` // the integration's webhook secret
}

// Subscribe adds url as an endpoint of the integration.
func (c *Client) Subscribe(ctx context.Context, integrationID, endpointURL string) (Subscription, error) {
	var out Subscription
	err := c.Do(ctx, http.MethodPost, "/__webhooks/subscribe",
		map[string]string{"integration_id": integrationID, "url": endpointURL}, &out)
	return out, err
}

// Unsubscribe removes an endpoint; removing one already gone is no error.
func (c *Client) Unsubscribe(ctx context.Context, endpointID string) error {
	return c.Do(ctx, http.MethodPost, "/__webhooks/unsubscribe", map[string]string{"endpoint_id": endpointID}, nil)
}
