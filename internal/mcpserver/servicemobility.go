package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/store"
)

// The ServiceMobility parts ordering tools: order parts as the demo
// technician through the stand-in, which forwards the order to the
// configured endpoint (an implementer's) or to the reference
// implementation, whose orders are Partly procurements; and read the
// stand-in's verdict on every answer.

// ServiceMobility is the ServiceMobility module's extension: its tools,
// and its configuration and newest contract checks in scenario://current.
func ServiceMobility() Extension {
	return Extension{
		Name: sm.Name,
		Tools: []Tool{
			NewTool("order_parts", "Order parts for a work order as the demo technician, through the ServiceMobility stand-in: the orders (PartOrderNum, part statuses) and the contract check of the endpoint's answer.",
				Hints{
					"failed":       "the parts order failed: the message is the endpoint's StatusMsg; contract_checks shows the verdict on its answer, set_parts_endpoint with \"\" goes back to the reference implementation",
					"unauthorized": "the logon or its token was refused: an injected fault (clear faults), since the tool logs on as demo.technician each call",
				}, orderParts,
				Example("WorkOrder", "WO-1001"), Bound("WorkOrder", 1, 200),
				Example("Parts", []map[string]any{{"ProdNum": "52119-12D90", "Qty": 1, "Desc": "Front bumper cover"}, {"ProdNum": "81170-12N30", "Qty": 1}}),
				Bound("Parts", 1, 200), Bound("Parts/items/ProdNum", 1, 200), Bound("Parts/items/Desc", 0, 200),
				Range("Parts/items/Qty", 0.001, 1000000), Default("Command", sm.CommandOrder), Enum("Command", sm.CommandOrder, sm.CommandCheck),
				Changes("Order parts", false, false)),
			NewTool("set_parts_endpoint", "Point the stand-in's parts orders at an endpoint of yours (SysConfig PartsOrdering.EntityServiceURI), or at the reference implementation with \"\".",
				Hints{
					"failed":       "the stand-in refused the endpoint (the message says why): an absolute http(s) URL on a loopback host or one the mock may call (--webhook-allow-host), or \"\"",
					"unauthorized": "the logon or its token was refused: an injected fault (clear faults)",
				}, setPartsEndpoint,
				Example("EntityServiceURI", "http://127.0.0.1:4000/parts-orders", ""), Bound("EntityServiceURI", 0, 2048),
				Changes("Set the parts endpoint", true, false)),
			NewTool("contract_checks", "The stand-in's newest contract checks, newest first: each answer of a parts ordering endpoint judged against the interface, with its findings at JSON paths.",
				nil, contractChecks,
				Range("limit", 1, MaxListItems), Example("limit", 5),
				ReadOnly("Contract checks")),
		},
		Scenario: serviceMobilityScenario,
	}
}

// partsErrors reads the interface's one error shape,
// {"Status":"2001","StatusMsg":"…"}: 401 for the logon and its token, 500
// for everything else (the interface has no 400). A 500 is retryable only
// where the server failed rather than the request: the stand-in's own
// failure, an injected fault, an endpoint that gave no answer.
func partsErrors(status int, body []byte) ErrorReading {
	var b sm.ErrorBody
	_ = json.Unmarshal(body, &b) // a body of no such shape says nothing
	rd := ErrorReading{Code: fmt.Sprintf("http_%d", status), Said: b.StatusMsg}
	switch status {
	case http.StatusUnauthorized:
		rd.Code = "unauthorized"
	case http.StatusInternalServerError:
		rd.Code = "failed"
		rd.Retryable = b.StatusMsg == "" || strings.HasPrefix(b.StatusMsg, "An error occurred") ||
			strings.HasPrefix(b.StatusMsg, "Injected fault") || strings.Contains(b.StatusMsg, "gave no answer")
	case http.StatusNotFound:
		rd.Code = "not_found"
	default:
		rd.Retryable = status > 500 || status == http.StatusTooManyRequests
	}
	return rd
}

// logon logs on as the demo technician: the token of the calls that follow.
func logon(ctx context.Context, w *World) (string, error) {
	var t sm.TokenResponse
	err := w.Call(ctx, Request{Path: sm.Prefix + sm.PathCreateJWT, Errors: partsErrors,
		Body: sm.Logon{Username: sm.DemoUsername, Password: sm.DemoPassword}}, &t)
	return t.Token, err
}

func tokenHeader(token string) http.Header { return http.Header{sm.TokenHeader: {token}} }

// mobilityConfig is the world's stand-in configuration, read from the
// store (it says where the stand-in sends orders; reading it needs no
// logon and is not journaled).
func mobilityConfig(ctx context.Context, w *World) (store.MobilityConfig, error) {
	var cfg store.MobilityConfig
	err := w.View(ctx, func(tx store.Tx) (err error) { cfg, err = tx.MobilityConfig(); return err })
	return cfg, err
}

// endpointName says where parts orders go.
func endpointName(uri string) string {
	if uri == "" {
		return "the reference implementation (" + sm.ReferenceTarget + "), which orders from the Partly world"
	}
	return uri
}

// ---- order_parts ----

type orderPartIn struct {
	ProdNum string  `json:"ProdNum" jsonschema:"the part number; superseded numbers are ordered as their successor"`
	Qty     float64 `json:"Qty" jsonschema:"how many (the reference implementation orders whole numbers 1 to 9999)"`
	Desc    string  `json:"Desc,omitempty" jsonschema:"the technician's description (ProdAttrs.Desc)"`
}

type orderPartsIn struct {
	WorkOrder string        `json:"WorkOrder" jsonschema:"the technician's work order; the reference implementation opens (or uses) the demo repairer's job of that external id"`
	Parts     []orderPartIn `json:"Parts"`
	Command   int           `json:"Command,omitempty" jsonschema:"1002 orders, 1001 only prices and checks availability"`
}

type orderedPartOut struct {
	supersedingOut
	SupersededBy []supersedingOut `json:"SupersededBy,omitempty" jsonschema:"the part ordered instead of a superseded one"`
}

type supersedingOut struct {
	ProdNum    string `json:"ProdNum"`
	PartStatus string `json:"PartStatus" jsonschema:"Ordered, Available, Not found, Superseded by …, or why not"`
	Qty        string `json:"Qty"`
	Desc       string `json:"Desc"`
	Price      string `json:"Price,omitempty"`
}

type orderOut struct {
	PartOrderNum      string           `json:"PartOrderNum" jsonschema:"the back end's order; from the reference implementation, a Partly procurement id"`
	EstimatedDelivery string           `json:"EstimatedDelivery"`
	TrackingNumber    string           `json:"TrackingNumber,omitempty"`
	Parts             []orderedPartOut `json:"Parts"`
}

type findingOut struct {
	Path    string `json:"path" jsonschema:"JSON pointer into the answer; empty for the answer as a whole"`
	Message string `json:"message"`
}

type partsCheckOut struct {
	ID           string       `json:"id"`
	Time         string       `json:"time"`
	Target       string       `json:"target" jsonschema:"the URL called, or the reference implementation"`
	Status       int          `json:"status" jsonschema:"the HTTP status it answered; 0 when no answer came"`
	LatencyMS    float64      `json:"latency_ms"`
	OK           bool         `json:"ok" jsonschema:"the answer follows the interface"`
	FindingCount int          `json:"finding_count"`
	Findings     []findingOut `json:"findings"`
}

type orderPartsOut struct {
	Endpoint       string         `json:"endpoint" jsonschema:"where the stand-in sent the order"`
	HTTPStatus     int            `json:"http_status" jsonschema:"the endpoint's status, relayed unchanged"`
	Status         string         `json:"Status" jsonschema:"1001 all ordered (or available), 1002 partly, 2001 failed"`
	StatusMsg      string         `json:"StatusMsg"`
	Orders         []orderOut     `json:"Orders"`
	ProcurementIDs []string       `json:"procurement_ids" jsonschema:"the PartOrderNums that are Partly procurements of this world, for confirm_as_supplier"`
	Answer         string         `json:"answer,omitempty" jsonschema:"the endpoint's body, when it could not be read as the interface's answer"`
	Check          *partsCheckOut `json:"check" jsonschema:"the stand-in's verdict on the answer (the newest check of the world)"`
	Next           string         `json:"next"`
}

// orderAnswer is a Parts Ordering Response Object, read leniently: an
// implementer's answer may be anything, and the check says what is wrong.
type orderAnswer struct {
	Status    string `json:"Status"`
	StatusMsg string `json:"StatusMsg"`
	Orders    []struct {
		PartOrderNum      string       `json:"PartOrderNum"`
		EstimatedDelivery string       `json:"EstimatedDelivery"`
		TrackingNumber    string       `json:"TrackingNumber"`
		Parts             []answerPart `json:"Parts"`
	} `json:"Orders"`
}

type answerPart struct {
	ProdNum    string      `json:"ProdNum"`
	PartStatus string      `json:"PartStatus"`
	Qty        json.Number `json:"Qty"`
	ProdAttrs  struct {
		Desc  string      `json:"Desc"`
		Price json.Number `json:"Price"`
	} `json:"ProdAttrs"`
	SupersededParts []answerPart `json:"SupersededParts"`
}

func partOf(p answerPart) orderedPartOut {
	out := orderedPartOut{supersedingOut: supersedingOf(p)}
	for _, sp := range p.SupersededParts[:min(len(p.SupersededParts), MaxListItems)] {
		out.SupersededBy = append(out.SupersededBy, supersedingOf(sp))
	}
	return out
}

func supersedingOf(p answerPart) supersedingOut {
	return supersedingOut{ProdNum: p.ProdNum, PartStatus: p.PartStatus, Qty: p.Qty.String(), Desc: p.ProdAttrs.Desc, Price: p.ProdAttrs.Price.String()}
}

func orderParts(ctx context.Context, w *World, in orderPartsIn) (orderPartsOut, error) {
	token, err := logon(ctx, w)
	if err != nil {
		return orderPartsOut{}, err
	}
	cfg, err := mobilityConfig(ctx, w)
	if err != nil {
		return orderPartsOut{}, err
	}
	order := sm.PartsOrder{Command: in.Command, WorkOrder: in.WorkOrder, UserName: sm.DemoUsername}
	for _, p := range in.Parts {
		op := sm.OrderPart{ProdNum: p.ProdNum, Qty: sm.Decimal(strconv.FormatFloat(p.Qty, 'f', -1, 64))}
		if p.Desc != "" {
			op.ProdAttrs = &sm.ProdAttrs{Desc: p.Desc}
		}
		order.Parts = append(order.Parts, op)
	}
	path := sm.Prefix + sm.PathPartsOrdering
	a, err := w.Do(ctx, Request{Path: path, Header: tokenHeader(token), Body: order})
	if err != nil {
		return orderPartsOut{}, err
	}
	if a.Status < 200 || a.Status > 299 {
		return orderPartsOut{}, &WireError{Path: path, Status: a.Status, Body: a.Body, Errors: partsErrors}
	}
	out := orderPartsOut{Endpoint: endpointName(cfg.PartsOrderingURI), HTTPStatus: a.Status, Orders: []orderOut{}, ProcurementIDs: []string{}}
	if out.Check, err = newestCheck(ctx, w); err != nil {
		return orderPartsOut{}, err
	}
	var ans orderAnswer
	if err := json.Unmarshal(a.Body, &ans); err != nil {
		out.Answer = cut(string(a.Body), MaxWireBody)
		out.Next = "the endpoint's answer is not the interface's Parts Ordering Response Object: check.findings say where it differs; fix the endpoint and order again"
		return out, nil
	}
	out.Status, out.StatusMsg = ans.Status, ans.StatusMsg
	for _, o := range ans.Orders[:min(len(ans.Orders), MaxListItems)] {
		oo := orderOut{PartOrderNum: o.PartOrderNum, EstimatedDelivery: o.EstimatedDelivery, TrackingNumber: o.TrackingNumber, Parts: []orderedPartOut{}}
		for _, p := range o.Parts[:min(len(o.Parts), MaxListItems)] {
			oo.Parts = append(oo.Parts, partOf(p))
		}
		out.Orders = append(out.Orders, oo)
		if cfg.PartsOrderingURI == "" && o.PartOrderNum != "" {
			out.ProcurementIDs = append(out.ProcurementIDs, o.PartOrderNum)
		}
	}
	switch {
	case out.Check != nil && !out.Check.OK:
		out.Next = fmt.Sprintf("the answer breaks the interface in %d places (check.findings): fix the endpoint and order again", out.Check.FindingCount)
	case ans.Status == sm.StatusFailed:
		out.Next = "nothing was ordered: each part's PartStatus says why; the seeded catalogue has e.g. 52119-12D90 (bumper cover) and 81170-12N40 (left headlamp)"
	case len(out.ProcurementIDs) > 0:
		out.Next = "each PartOrderNum is a Partly procurement awaiting its supplier: confirm_as_supplier with procurement_id " + out.ProcurementIDs[0] + ", then reconcile_invoice"
		if ans.Status == sm.StatusPartlyOrdered {
			out.Next = "some parts were not ordered (each part's PartStatus says why); " + out.Next
		}
	case in.Command == sm.CommandCheck:
		out.Next = "priced and checked, nothing ordered: order_parts with Command 1002 to order"
	default:
		out.Next = "ordered at your endpoint; contract_checks lists the verdict on each answer"
	}
	return out, nil
}

// newestCheck is the world's newest contract check, nil when none.
func newestCheck(ctx context.Context, w *World) (*partsCheckOut, error) {
	cs, err := checks(ctx, w, 1)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &cs[0], nil
}

// checks reads the contract-check log through its sandbox route.
func checks(ctx context.Context, w *World, limit int) ([]partsCheckOut, error) {
	var list sm.ContractChecksV1
	if err := w.Call(ctx, Request{Method: http.MethodGet, Path: sm.PathChecks + "?limit=" + strconv.Itoa(limit)}, &list); err != nil {
		return nil, err
	}
	out := []partsCheckOut{}
	for _, c := range list.Items {
		co := partsCheckOut{ID: c.ID.String(), Time: c.Time, Target: c.Target, Status: c.Status, LatencyMS: c.LatencyMS,
			OK: c.OK, FindingCount: c.FindingCount, Findings: []findingOut{}}
		for _, f := range c.Findings[:min(len(c.Findings), MaxListItems)] {
			co.Findings = append(co.Findings, findingOut(f))
		}
		out = append(out, co)
	}
	return out, nil
}

// ---- set_parts_endpoint ----

type endpointIn struct {
	EntityServiceURI string `json:"EntityServiceURI" jsonschema:"your endpoint's URL, or \"\" for the reference implementation"`
}

type partsEndpointOut struct {
	EntityServiceURI string `json:"EntityServiceURI"`
	Endpoint         string `json:"endpoint" jsonschema:"where parts orders go now"`
	Next             string `json:"next"`
}

func setPartsEndpoint(ctx context.Context, w *World, in endpointIn) (partsEndpointOut, error) {
	token, err := logon(ctx, w)
	if err != nil {
		return partsEndpointOut{}, err
	}
	var cfg sm.SysConfig
	err = w.Call(ctx, Request{Path: sm.Prefix + sm.PathSysConfig, Header: tokenHeader(token), Errors: partsErrors,
		Body: sm.SysConfig{PartsOrdering: sm.PartsOrderingConfig{EntityServiceURI: in.EntityServiceURI}}}, &cfg)
	if err != nil {
		return partsEndpointOut{}, err
	}
	uri := cfg.PartsOrdering.EntityServiceURI
	return partsEndpointOut{EntityServiceURI: uri, Endpoint: endpointName(uri),
		Next: "order_parts sends the next order there; contract_checks shows the verdict on its answer"}, nil
}

// ---- contract_checks ----

type checksIn struct {
	Limit int `json:"limit,omitempty" jsonschema:"the newest this many checks (default 10)"`
}

type checksOut struct {
	Endpoint string          `json:"endpoint" jsonschema:"where parts orders go now"`
	Checks   []partsCheckOut `json:"checks" jsonschema:"newest first"`
	Shown    int             `json:"shown"`
	Failed   int             `json:"failed" jsonschema:"of those shown, how many broke the interface"`
	Next     string          `json:"next"`
}

func contractChecks(ctx context.Context, w *World, in checksIn) (checksOut, error) {
	limit := in.Limit
	if limit == 0 {
		limit = 10
	}
	cfg, err := mobilityConfig(ctx, w)
	if err != nil {
		return checksOut{}, err
	}
	cs, err := checks(ctx, w, limit)
	if err != nil {
		return checksOut{}, err
	}
	out := checksOut{Endpoint: endpointName(cfg.PartsOrderingURI), Checks: cs, Shown: len(cs)}
	for _, c := range cs {
		if !c.OK {
			out.Failed++
		}
	}
	switch {
	case len(cs) == 0:
		out.Next = "no parts order was forwarded yet: order_parts sends one"
	case out.Failed > 0:
		out.Next = "fix what the findings name (each at a JSON path of the answer) and order_parts again"
	default:
		out.Next = "every answer shown follows the interface"
	}
	return out, nil
}

// ---- scenario ----

// maxChecksShown bounds the checks in the scenario.
const maxChecksShown = 10

func serviceMobilityScenario(ctx context.Context, w *World) (any, error) {
	cfg, err := mobilityConfig(ctx, w)
	if err != nil {
		return nil, err
	}
	cs, err := checks(ctx, w, maxChecksShown)
	if err != nil {
		return nil, err
	}
	out := struct {
		EntityServiceURI string          `json:"entity_service_uri"`
		Endpoint         string          `json:"endpoint"`
		UpdatedAt        *string         `json:"updated_at"`
		Checks           []partsCheckOut `json:"checks"`
		Note             string          `json:"note"`
	}{EntityServiceURI: cfg.PartsOrderingURI, Endpoint: endpointName(cfg.PartsOrderingURI), Checks: cs,
		Note: fmt.Sprintf("the newest %d contract checks; contract_checks lists more", maxChecksShown)}
	if !cfg.UpdatedAt.IsZero() {
		s := cfg.UpdatedAt.UTC().Format(time.RFC3339)
		out.UpdatedAt = &s
	}
	return out, nil
}
