package mcpserver

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// The Partly 2026-01 tools: the lifecycle from a vehicle to a reconciled
// invoice, acting as the demo repairer (Southern Cross Panel & Paint) on
// the wire, and as the supplier through the sandbox trigger.

//go:embed lifecycle.md
var lifecycleGuide []byte

// Partly is the Partly API's extension: its tools, guide://lifecycle, and
// its jobs and procurements in scenario://current.
func Partly() Extension {
	return Extension{
		Name: methods.Name,
		Tools: []Tool{
			NewTool("get_started", "Start here: who the tools act as, the seeded demo records, the lifecycle step by step and this world's HTTP access.", nil, getStarted,
				ReadOnly("Get started")),
			NewTool("prepare_vehicle", "Identify a vehicle by plate (with country) or VIN: the normalized vehicle to open a repair job with.", Hints{
				"not_found":   "no vehicle with that plate or VIN in the register; the seeded plates are NKR419, MZD303, RNG221, JAZ117 and HLX880 (country NZ)",
				"bad_request": "a VIN is 17 characters of A-H, J-N, P and R-Z and 0-9; a plate needs its country (e.g. NZ)",
			}, prepareVehicle,
				Example("plate", "NKR419"), Example("country", "NZ"), Example("vin", "JTNKARJE20J012345"),
				Bound("plate", 1, 16), Pattern("country", "^[A-Z]{2}$"), Default("country", "NZ"), Bound("vin", 1, 32),
				ReadOnly("Prepare a vehicle")),
			NewTool("open_repair_job", "Open a repair job under your external id, or update the one that has it (idempotent): the job to add parts to.", Hints{
				"not_found":   "the site is not one of the repairer's (Addington 0b000000-0000-4000-8000-000000000001, Hornby …0002, Timaru …0003) or the work provider is unknown (AMI Insurance 0d000000-0000-4000-8000-000000000001)",
				"bad_request": "a field is malformed: problems say which; ids are UUIDs",
			}, openRepairJob,
				Example("job", seed.DemoJobExternalID), Example("site_id", seed.AddingtonSiteID.String()),
				Example("work_provider_id", seed.AMIInsuranceID.String()), Example("claim_number", "AMI-CLM-552019"),
				Example("job_number", "J-10482"), Example("vehicle", demoVehicle()),
				Bound("job", 1, 200), Bound("site_id", 1, 64), Bound("work_provider_id", 1, 64), Bound("claim_number", 1, 200), Bound("job_number", 1, 200),
				Changes("Open a repair job", true, false)),
			NewTool("add_parts", "Add the damaged parts to a job (1 to 200, each estimated): what the basket is priced from.", Hints{
				"not_found":   "no job with that external id in this world; open it with open_repair_job",
				"bad_request": "a part is malformed: each needs a description, an optional part number and a quantity of 1 or more",
			}, addParts,
				Example("job", seed.DemoJobExternalID),
				Example("parts", []map[string]any{
					{"description": "Front bumper cover", "part_number": seed.BumperCoverPN, "quantity": 1},
					{"description": "Headlamp assembly, left", "part_number": seed.HeadlampLHPN, "quantity": 1},
				}),
				Bound("job", 1, 200), Bound("parts", 1, 200), Bound("parts/items/description", 1, 200), Bound("parts/items/part_number", 1, 200),
				Range("parts/items/quantity", 1, 10000),
				Changes("Add parts", false, false)),
			NewTool("recommend_basket", "Price a job's parts still to buy: offers per part, cheapest first, and the one supplier covering most parts for least.", Hints{
				"not_found": "no job with that external id in this world; open it with open_repair_job",
			}, recommendBasket,
				Example("job", seed.DemoJobExternalID), Example("condition", "new"), Example("supplier_id", seed.ChristchurchToyotaID.String()),
				Bound("job", 1, 200), Enum("condition", "new", "used", "aftermarket"), Bound("supplier_id", 1, 64), Range("offers_per_part", 1, 10), Example("offers_per_part", 3),
				ReadOnly("Recommend a basket")),
			NewTool("place_procurement", "Order offers of one supplier for a job: a procurement awaiting the supplier's confirmation.", Hints{
				"not_found":   "the job is unknown, or an offer id is not in the job's latest basket (offers of ordered parts leave it): call recommend_basket for current offer ids",
				"bad_request": "all offers of one procurement come from one supplier, one offer per part: problems say which offer",
			}, placeProcurement,
				Example("job", seed.DemoJobExternalID),
				Example("offer_ids", []string{"e5e77721-6967-58ee-a6f6-62e66de7eb3d", "4e33bef3-26b3-5663-a15e-69c938b23688"}),
				Bound("job", 1, 200), Bound("offer_ids", 1, 200), Bound("offer_ids/items", 1, 64),
				Changes("Place a procurement", false, false)),
			NewTool("confirm_as_supplier", "Confirm a procurement as its supplier would (order_requested → order_confirmed), which issues the invoice and sends both sides a webhook.", Hints{
				"not_found":      "no procurement with that id in this world; place_procurement returns it",
				"invalid_status": "the procurement was cancelled, and a cancelled order cannot be confirmed; place a new one",
				"bad_request":    "procurement_id is a UUID, as place_procurement returns it",
			}, confirmAsSupplier,
				Example("procurement_id", "2b9063ae-d2c6-52c6-8925-201a5a79f4ad"), Bound("procurement_id", 1, 64),
				Changes("Confirm as the supplier", true, false)),
			NewTool("reconcile_invoice", "Check a procurement's invoice against the order, line by line: subtotal, GST and total.", Hints{
				"not_found":   "no procurement of the demo repairer with that id in this world; place_procurement returns it",
				"bad_request": "procurement_id is a UUID, as place_procurement returns it",
			}, reconcileInvoice,
				Example("procurement_id", "2b9063ae-d2c6-52c6-8925-201a5a79f4ad"), Bound("procurement_id", 1, 64),
				ReadOnly("Reconcile the invoice")),
			NewTool("get_job", "Read a job by its external id: status, site, work provider, vehicle, and what to do next.", Hints{
				"not_found": "no job with that external id in this world; open it with open_repair_job",
			}, getJob,
				Example("job", seed.DemoJobExternalID), Bound("job", 1, 200),
				ReadOnly("Get a job")),
			NewTool("get_procurement", "Read a procurement: status, supplier, lines and subtotal, and what to do next.", Hints{
				"not_found":   "no procurement of the demo repairer with that id in this world; place_procurement returns it",
				"bad_request": "procurement_id is a UUID, as place_procurement returns it",
			}, getProcurement,
				Example("procurement_id", "2b9063ae-d2c6-52c6-8925-201a5a79f4ad"), Bound("procurement_id", 1, 64),
				ReadOnly("Get a procurement")),
		},
		Resources: []Resource{{URI: "guide://lifecycle", Name: "lifecycle", MIMEType: "text/markdown",
			Description: "The lifecycle walked with these tools, from the plate NKR419 to the reconciled NZD 1,099.00 invoice, with the wire method behind each step.",
			Read:        func(context.Context, *World) ([]byte, error) { return lifecycleGuide, nil }}},
		Scenario: partlyScenario,
	}
}

// PartlySubscribers are the demo integrations inspect_webhooks subscribes
// to the sink.
func PartlySubscribers() []Subscriber {
	return []Subscriber{
		{Name: "demo repairer (Southern Cross Panel & Paint)", IntegrationID: seed.RepairerIntegrationID},
		{Name: "demo supplier (Christchurch Toyota)", IntegrationID: seed.SupplierIntegrationID},
	}
}

var repairerHeader = http.Header{
	"Authorization":         {"Bearer " + seed.RepairerAPIKey},
	"Partly-Integration-Id": {seed.RepairerIntegrationID.String()},
}

// repairer calls a wire method as the demo repairer.
func repairer(ctx context.Context, w *World, method string, body, out any) error {
	return w.Call(ctx, Request{Path: methods.PathPrefix + method, Header: repairerHeader, Body: body}, out)
}

func external(job string) map[string]any { return map[string]any{"external": job} }

// ---- projections ----

// vehicle is the wire's vehicle, which the tools show as it is.
type vehicle methods.VehicleV1

// demoVehicle is the demo job's vehicle as prepare_vehicle returns it.
func demoVehicle() vehicle {
	v := seed.DemoVehicle()
	return vehicle{VIN: v.VIN, Plate: v.Plate, Make: v.Make, Model: v.Model, Year: v.Year, BodyStyle: v.BodyStyle, Colour: v.Colour}
}

// summary says a vehicle in a few words: "2019 Toyota Corolla (NKR419)".
func (v *vehicle) summary() string {
	if v == nil {
		return "no vehicle"
	}
	var words []string
	if v.Year != nil {
		words = append(words, strconv.Itoa(*v.Year))
	}
	for _, p := range []*string{v.Make, v.Model} {
		if p != nil {
			words = append(words, *p)
		}
	}
	s := strings.Join(words, " ")
	switch {
	case v.Plate != nil:
		s += " (" + *v.Plate + ")"
	case v.VIN != nil:
		s += " (VIN " + *v.VIN + ")"
	}
	return strings.TrimSpace(s)
}

type jobOut struct {
	ID             string  `json:"id"`
	ExternalID     *string `json:"external_id"`
	Status         string  `json:"status" jsonschema:"draft, then parts_ordered once a procurement is placed"`
	SiteID         string  `json:"site_id"`
	WorkProviderID *string `json:"work_provider_id"`
	ClaimNumber    *string `json:"claim_number"`
	JobNumber      *string `json:"job_number"`
	Vehicle        string  `json:"vehicle" jsonschema:"the vehicle in a few words"`
}

func jobOf(j methods.JobV1) jobOut {
	out := jobOut{ID: j.ID.String(), ExternalID: j.ExternalID, Status: j.Status.Type, SiteID: j.SiteID.String(),
		ClaimNumber: j.ClaimNumber, JobNumber: j.JobNumber}
	if j.WorkProviderID != nil {
		s := j.WorkProviderID.String()
		out.WorkProviderID = &s
	}
	var v *vehicle
	if j.Vehicle != nil {
		vv := vehicle(*j.Vehicle)
		v = &vv
	}
	out.Vehicle = v.summary()
	return out
}

type lineOut struct {
	PartID      string  `json:"part_id"`
	OfferID     string  `json:"offer_id"`
	Description string  `json:"description"`
	PartNumber  *string `json:"part_number"`
	Quantity    int     `json:"quantity"`
	UnitPrice   string  `json:"unit_price"`
	LineTotal   string  `json:"line_total"`
}

type procurementOut struct {
	ID          string    `json:"id"`
	Status      string    `json:"status" jsonschema:"order_requested, order_confirmed (terminal) or cancelled"`
	JobID       string    `json:"job_id"`
	SupplierID  string    `json:"supplier_id"`
	Currency    string    `json:"currency"`
	Lines       []lineOut `json:"lines"`
	LineCount   int       `json:"line_count"`
	Subtotal    string    `json:"subtotal" jsonschema:"before GST, two-place decimal"`
	CreatedAt   string    `json:"created_at"`
	ConfirmedAt *string   `json:"confirmed_at"`
}

func procurementOf(p methods.ProcurementV1) procurementOut {
	out := procurementOut{ID: p.ID.String(), Status: p.Status, JobID: p.JobID.String(), SupplierID: p.SupplierID.String(),
		Currency: p.CurrencyCode, Lines: []lineOut{}, LineCount: len(p.Lines), Subtotal: p.Subtotal,
		CreatedAt: p.CreatedAt, ConfirmedAt: p.ConfirmedAt}
	for _, l := range p.Lines[:min(len(p.Lines), MaxListItems)] {
		out.Lines = append(out.Lines, lineOut{PartID: l.PartID.String(), OfferID: l.OfferID.String(), Description: l.Description,
			PartNumber: l.PartNumber, Quantity: l.Quantity, UnitPrice: l.UnitPrice, LineTotal: l.LineTotal})
	}
	return out
}

func procurementNext(p methods.ProcurementV1) string {
	switch p.Status {
	case store.ProcurementOrderRequested:
		return "waiting for the supplier: confirm_as_supplier with procurement_id " + p.ID.String()
	case store.ProcurementOrderConfirmed:
		return "confirmed: reconcile_invoice with procurement_id " + p.ID.String()
	default:
		return "cancelled: its parts are estimated again; recommend_basket and place_procurement anew"
	}
}

// ---- get_started ----

type startIn struct{}

type demoOut struct {
	Job             string `json:"job" jsonschema:"the demo job's external id"`
	JobStatus       string `json:"job_status" jsonschema:"its status in this world now"`
	Plate           string `json:"plate"`
	Country         string `json:"country"`
	VIN             string `json:"vin"`
	SiteID          string `json:"site_id" jsonschema:"the repairer's Addington site"`
	WorkProviderID  string `json:"work_provider_id" jsonschema:"AMI Insurance"`
	GenuineSupplier string `json:"genuine_supplier_id" jsonschema:"Christchurch Toyota Parts: genuine new parts"`
}

type stepOut struct {
	Tool      string         `json:"tool"`
	Does      string         `json:"does"`
	Arguments map[string]any `json:"arguments" jsonschema:"example arguments"`
}

type httpOut struct {
	BaseURL      string `json:"base_url" jsonschema:"where the mock's HTTP API answers"`
	TenantHeader string `json:"tenant_header" jsonschema:"the header that selects this world over HTTP; empty: the shared world"`
	Repairer     string `json:"repairer_credential" jsonschema:"the demo repairer's headers"`
	Supplier     string `json:"supplier_credential" jsonschema:"the demo supplier's headers"`
}

type startOut struct {
	World    string    `json:"world" jsonschema:"this session's world (tenant)"`
	Now      string    `json:"now" jsonschema:"the world's clock"`
	ActingAs string    `json:"acting_as"`
	Demo     demoOut   `json:"demo"`
	Steps    []stepOut `json:"steps" jsonschema:"the lifecycle, one tool per step"`
	Also     []string  `json:"also" jsonschema:"tools and resources beside the walk"`
	HTTP     httpOut   `json:"http"`
	Next     string    `json:"next"`
}

func getStarted(ctx context.Context, w *World, _ startIn) (startOut, error) {
	var j methods.JobV1
	status := "absent"
	err := repairer(ctx, w, "repairer.jobs.get", map[string]any{"identity": external(seed.DemoJobExternalID)}, &j)
	var we *WireError
	switch {
	case err == nil:
		status = j.Status.Type
	case errors.As(err, &we) && we.Status == http.StatusNotFound:
	default:
		return startOut{}, err
	}
	var clock struct {
		Now string `json:"now"`
	}
	if err := w.Call(ctx, Request{Method: http.MethodGet, Path: "/__clock"}, &clock); err != nil {
		return startOut{}, err
	}
	job := seed.DemoJobExternalID
	out := startOut{
		World: w.Name, Now: clock.Now,
		ActingAs: "the demo repairer, Southern Cross Panel & Paint (integration " + seed.RepairerIntegrationID.String() + "), on the Partly 2026-01 wire; confirm_as_supplier acts as the procurement's supplier through the sandbox",
		Demo: demoOut{Job: job, JobStatus: status, Plate: "NKR419", Country: "NZ", VIN: "JTNKARJE20J012345",
			SiteID: seed.AddingtonSiteID.String(), WorkProviderID: seed.AMIInsuranceID.String(), GenuineSupplier: seed.ChristchurchToyotaID.String()},
		Steps: []stepOut{
			{"prepare_vehicle", "identify the vehicle (tier1.prepare)", map[string]any{"plate": "NKR419", "country": "NZ"}},
			{"open_repair_job", "open or update the job under your reference (repairer.jobs.insert)", map[string]any{"job": job, "work_provider_id": seed.AMIInsuranceID.String(), "claim_number": "AMI-CLM-552019"}},
			{"add_parts", "list the damaged parts (repairer.jobs.parts.insert)", map[string]any{"job": job, "parts": []map[string]any{
				{"description": "Front bumper cover", "part_number": seed.BumperCoverPN}, {"description": "Headlamp assembly, left", "part_number": seed.HeadlampLHPN}}}},
			{"recommend_basket", "price them: offers per part and the best single supplier (repairer.jobs.baskets.latest.get)", map[string]any{"job": job, "condition": "new"}},
			{"place_procurement", "order the recommended offers (repairer.procurements.insert)", map[string]any{"job": job, "offer_ids": []string{"<recommended.offer_ids>"}}},
			{"confirm_as_supplier", "confirm as the supplier (POST /__procurements/{id}/confirm)", map[string]any{"procurement_id": "<procurement id>"}},
			{"reconcile_invoice", "check the invoice against the order: NZD 955.65 + 143.35 GST = 1,099.00 for the two genuine parts (repairer.procurements.invoices.list)", map[string]any{"procurement_id": "<procurement id>"}},
		},
		Also: []string{"get_job and get_procurement read state", "inspect_webhooks shows the events and deliveries",
			"advance_clock moves this world's clock", "reset_world re-seeds it",
			"resources: guide://lifecycle, scenario://current, openapi://…, docs://…"},
		HTTP: httpOut{BaseURL: w.BaseURL(), TenantHeader: w.TenantHeader(),
			Repairer: "Authorization: Bearer " + seed.RepairerAPIKey + "; Partly-Integration-ID: " + seed.RepairerIntegrationID.String(),
			Supplier: "Authorization: Bearer " + seed.SupplierAPIKey + "; Partly-Integration-ID: " + seed.SupplierIntegrationID.String()},
		Next: "prepare_vehicle with plate NKR419, country NZ",
	}
	if status == store.JobPartsOrdered {
		out.Next = "the demo job has parts ordered already: get_job, or reset_world to walk again"
	}
	return out, nil
}

// ---- prepare_vehicle ----

type prepareIn struct {
	Plate   string `json:"plate,omitempty" jsonschema:"a licence plate (VRM), the identifier the vendor recommends"`
	Country string `json:"country,omitempty" jsonschema:"the plate's country, ISO 3166-1 alpha-2"`
	VIN     string `json:"vin,omitempty" jsonschema:"a 17-character VIN, instead of a plate"`
}

type prepareOut struct {
	Vehicle vehicle `json:"vehicle"`
	Summary string  `json:"summary"`
	Next    string  `json:"next"`
}

func prepareVehicle(ctx context.Context, w *World, in prepareIn) (prepareOut, error) {
	var id map[string]any
	switch {
	case in.Plate != "" && in.VIN != "":
		return prepareOut{}, Fail(CodeInvalidInput, "give a plate (with its country) or a vin, not both")
	case in.Plate != "":
		id = map[string]any{"vrm": map[string]any{"plate": in.Plate, "location": map[string]any{"country": in.Country}}}
	case in.VIN != "":
		id = map[string]any{"chassis_number": in.VIN}
	default:
		return prepareOut{}, Fail(CodeInvalidInput, "give a plate (e.g. NKR419, country NZ) or a vin (e.g. JTNKARJE20J012345)")
	}
	var r methods.Tier1PrepareResponse
	if err := repairer(ctx, w, "tier1.prepare", map[string]any{"identifier": id}, &r); err != nil {
		return prepareOut{}, err
	}
	v := vehicle(r.Vehicle)
	return prepareOut{Vehicle: v, Summary: v.summary(),
		Next: "open_repair_job with your job reference (the demo's is " + seed.DemoJobExternalID + ") and this vehicle"}, nil
}

// ---- open_repair_job ----

type openJobIn struct {
	Job            string   `json:"job" jsonschema:"your reference for the job (its external id)"`
	SiteID         string   `json:"site_id,omitempty" jsonschema:"the repairer site; default: the job's own site, or Addington for a new job"`
	WorkProviderID string   `json:"work_provider_id,omitempty" jsonschema:"the insurer or fleet paying for the repair"`
	ClaimNumber    string   `json:"claim_number,omitempty"`
	JobNumber      string   `json:"job_number,omitempty"`
	Vehicle        *vehicle `json:"vehicle,omitempty" jsonschema:"the vehicle as prepare_vehicle returned it"`
	Replace        bool     `json:"replace,omitempty" jsonschema:"replace every field of an existing job, unset ones included; default: only the fields given change"`
}

type openJobOut struct {
	Job  jobOut `json:"job"`
	Next string `json:"next"`
}

func openRepairJob(ctx context.Context, w *World, in openJobIn) (openJobOut, error) {
	site := in.SiteID
	if site == "" {
		// The wire requires a site; keep the job's own rather than move it.
		var j methods.JobV1
		err := repairer(ctx, w, "repairer.jobs.get", map[string]any{"identity": external(in.Job)}, &j)
		var we *WireError
		switch {
		case err == nil:
			site = j.SiteID.String()
		case errors.As(err, &we) && we.Status == http.StatusNotFound:
			site = seed.AddingtonSiteID.String()
		default:
			return openJobOut{}, err
		}
	}
	data := map[string]any{"repairer_site_id": site, "claim_number": orNil(in.ClaimNumber), "job_number": orNil(in.JobNumber),
		"work_provider_id": orNil(in.WorkProviderID), "vehicle": nil}
	if in.Vehicle != nil {
		data["vehicle"] = in.Vehicle
	}
	mode := "update"
	if in.Replace {
		mode = "replace"
	}
	var j methods.JobV1
	err := repairer(ctx, w, "repairer.jobs.insert", map[string]any{"data": data, "identity": external(in.Job), "if_": map[string]any{"exists": mode}}, &j)
	if err != nil {
		return openJobOut{}, err
	}
	return openJobOut{Job: jobOf(j), Next: jobNext(j)}, nil
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func jobNext(j methods.JobV1) string {
	ref := j.ID.String()
	if j.ExternalID != nil {
		ref = *j.ExternalID
	}
	if j.Status.Type == store.JobPartsOrdered {
		return "parts are ordered: get_procurement or reconcile_invoice with the procurement's id; add_parts for more"
	}
	return "add_parts to job " + ref + ", then recommend_basket"
}

// ---- add_parts ----

type partIn struct {
	Description string `json:"description" jsonschema:"what the part is"`
	PartNumber  string `json:"part_number,omitempty" jsonschema:"the OEM part number; without it the basket matches by description"`
	Quantity    int    `json:"quantity,omitempty" jsonschema:"how many (default 1)"`
}

type addPartsIn struct {
	Job   string   `json:"job" jsonschema:"the job's external id"`
	Parts []partIn `json:"parts" jsonschema:"the parts to add"`
}

type partOut struct {
	ID          string  `json:"id"`
	Description string  `json:"description"`
	PartNumber  *string `json:"part_number"`
	Quantity    int     `json:"quantity"`
	Status      string  `json:"status" jsonschema:"estimated, then ordered"`
}

type addPartsOut struct {
	Job        string    `json:"job"`
	Added      []partOut `json:"added"`
	AddedCount int       `json:"added_count"`
	Next       string    `json:"next"`
}

func addParts(ctx context.Context, w *World, in addPartsIn) (addPartsOut, error) {
	parts := make([]map[string]any, len(in.Parts))
	for i, p := range in.Parts {
		q := p.Quantity
		if q == 0 {
			q = 1
		}
		parts[i] = map[string]any{"description": p.Description, "part_number": orNil(p.PartNumber), "quantity": q}
	}
	var r methods.JobsPartsInsertResponse
	if err := repairer(ctx, w, "repairer.jobs.parts.insert", map[string]any{"job": external(in.Job), "parts": parts}, &r); err != nil {
		return addPartsOut{}, err
	}
	out := addPartsOut{Job: in.Job, Added: []partOut{}, AddedCount: len(r.Parts),
		Next: "recommend_basket for job " + in.Job + " to see offers"}
	for _, p := range r.Parts[:min(len(r.Parts), MaxListItems)] {
		out.Added = append(out.Added, partOut{ID: p.ID.String(), Description: p.Description, PartNumber: p.PartNumber, Quantity: p.Quantity, Status: p.Status})
	}
	return out, nil
}

// ---- recommend_basket ----

type basketIn struct {
	Job           string `json:"job" jsonschema:"the job's external id"`
	Condition     string `json:"condition,omitempty" jsonschema:"only offers in this condition"`
	SupplierID    string `json:"supplier_id,omitempty" jsonschema:"only this supplier's offers"`
	OffersPerPart int    `json:"offers_per_part,omitempty" jsonschema:"offers listed per part, cheapest first (default 3)"`
}

type offerOut struct {
	OfferID           string `json:"offer_id"`
	SupplierID        string `json:"supplier_id"`
	Supplier          string `json:"supplier"`
	Description       string `json:"description"`
	UnitPrice         string `json:"unit_price" jsonschema:"before GST; offers carry no currency (vendor decision D52)"`
	Condition         string `json:"condition"`
	LeadTimeDays      int    `json:"lead_time_days"`
	QuantityAvailable int    `json:"quantity_available"`
}

type basketPartOut struct {
	PartID     string     `json:"part_id"`
	PartNumber string     `json:"part_number"`
	Offers     []offerOut `json:"offers"`
	OfferCount int        `json:"offer_count" jsonschema:"offers for this part after the filters"`
}

type supplierOut struct {
	SupplierID        string `json:"supplier_id"`
	Name              string `json:"name"`
	City              string `json:"city"`
	PartsCovered      int    `json:"parts_covered"`
	EstimatedSubtotal string `json:"estimated_subtotal" jsonschema:"its cheapest offer per part, one of each"`
}

type recommendationOut struct {
	SupplierID        string   `json:"supplier_id"`
	Supplier          string   `json:"supplier"`
	OfferIDs          []string `json:"offer_ids" jsonschema:"pass these to place_procurement (200 at most, one order's worth)"`
	PartsCovered      int      `json:"parts_covered"`
	PartsPriced       int      `json:"parts_priced" jsonschema:"parts with any offer after the filters"`
	EstimatedSubtotal string   `json:"estimated_subtotal" jsonschema:"one of each; the procurement prices the quantities"`
	LeadTimeDays      int      `json:"lead_time_days" jsonschema:"the longest of the offers"`
}

type basketOut struct {
	Job         string             `json:"job"`
	Parts       []basketPartOut    `json:"parts" jsonschema:"the parts still to buy that have offers"`
	PartCount   int                `json:"part_count"`
	Suppliers   []supplierOut      `json:"suppliers" jsonschema:"by parts covered, then price"`
	Recommended *recommendationOut `json:"recommended" jsonschema:"the single supplier covering most parts for least; null when nothing is offered"`
	Next        string             `json:"next"`
}

func recommendBasket(ctx context.Context, w *World, in basketIn) (basketOut, error) {
	var b methods.BasketV1
	if err := repairer(ctx, w, "repairer.jobs.baskets.latest.get", map[string]any{"job": external(in.Job)}, &b); err != nil {
		return basketOut{}, err
	}
	perPart := in.OffersPerPart
	if perPart == 0 {
		perPart = 3
	}
	suppliers := map[uuid.UUID]methods.SupplierV1{}
	for _, s := range b.Suppliers {
		suppliers[s.ID] = s
	}
	// Offers by part, in the basket's order (cheapest first), filtered.
	var partIDs []uuid.UUID
	byPart := map[uuid.UUID][]methods.OfferV1{}
	for _, o := range b.Offers {
		if in.Condition != "" && o.Condition != in.Condition || in.SupplierID != "" && !strings.EqualFold(o.SupplierID.String(), in.SupplierID) {
			continue
		}
		if _, seen := byPart[o.PartID]; !seen {
			partIDs = append(partIDs, o.PartID)
		}
		byPart[o.PartID] = append(byPart[o.PartID], o)
	}
	out := basketOut{Job: in.Job, Parts: []basketPartOut{}, PartCount: len(partIDs), Suppliers: []supplierOut{}}
	for _, id := range partIDs[:min(len(partIDs), MaxListItems)] {
		offers := byPart[id]
		p := basketPartOut{PartID: id.String(), PartNumber: offers[0].PartNumber, Offers: []offerOut{}, OfferCount: len(offers)}
		for _, o := range offers[:min(len(offers), perPart)] {
			p.Offers = append(p.Offers, offerOut{OfferID: o.ID.String(), SupplierID: o.SupplierID.String(), Supplier: suppliers[o.SupplierID].Name,
				Description: o.Description, UnitPrice: o.UnitPrice, Condition: o.Condition, LeadTimeDays: o.LeadTimeDays, QuantityAvailable: o.QuantityAvailable})
		}
		out.Parts = append(out.Parts, p)
	}

	// Each supplier's cheapest offer per part it covers.
	type pick struct {
		offers []methods.OfferV1
		cents  int64
		lead   int
	}
	picks := map[uuid.UUID]*pick{}
	for _, id := range partIDs {
		for _, o := range byPart[id] {
			pk := picks[o.SupplierID]
			if pk == nil {
				pk = &pick{}
				picks[o.SupplierID] = pk
			}
			if len(pk.offers) > 0 && pk.offers[len(pk.offers)-1].PartID == id {
				continue // a cheaper one of this supplier came first
			}
			c, err := cents(o.UnitPrice)
			if err != nil {
				return basketOut{}, err
			}
			pk.offers = append(pk.offers, o)
			pk.cents += c
			pk.lead = max(pk.lead, o.LeadTimeDays)
		}
	}
	ranked := make([]uuid.UUID, 0, len(picks))
	for id := range picks {
		ranked = append(ranked, id)
	}
	slices.SortFunc(ranked, func(a, b uuid.UUID) int {
		pa, pb := picks[a], picks[b]
		return cmp.Or(cmp.Compare(len(pb.offers), len(pa.offers)), cmp.Compare(pa.cents, pb.cents),
			cmp.Compare(pa.lead, pb.lead), strings.Compare(a.String(), b.String()))
	})
	for _, id := range ranked[:min(len(ranked), MaxListItems)] {
		pk, s := picks[id], suppliers[id]
		out.Suppliers = append(out.Suppliers, supplierOut{SupplierID: id.String(), Name: s.Name, City: s.Location.City,
			PartsCovered: len(pk.offers), EstimatedSubtotal: money(pk.cents)})
	}
	if len(ranked) == 0 {
		out.Next = "nothing is offered for the parts still to buy (with these filters): add_parts with catalogue part numbers (e.g. " + seed.BumperCoverPN + "), or loosen the filters"
		return out, nil
	}
	best, pk := ranked[0], picks[ranked[0]]
	rec := &recommendationOut{SupplierID: best.String(), Supplier: suppliers[best].Name, OfferIDs: []string{},
		PartsCovered: len(pk.offers), PartsPriced: len(partIDs), EstimatedSubtotal: money(pk.cents), LeadTimeDays: pk.lead}
	for _, o := range pk.offers[:min(len(pk.offers), maxOffersPerProcurement)] {
		rec.OfferIDs = append(rec.OfferIDs, o.ID.String())
	}
	out.Recommended = rec
	out.Next = "place_procurement for job " + in.Job + " with recommended.offer_ids (one supplier per procurement)"
	return out, nil
}

// maxOffersPerProcurement is the most offers one procurement takes (the
// wire's limit), so a recommendation is always one order.
const maxOffersPerProcurement = 200

// cents reads a two-place decimal amount ("549.50").
func cents(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || len(frac) != 2 {
		return 0, fmt.Errorf("mcpserver: amount %q is not a two-place decimal", s)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 || w < 0 {
		return 0, fmt.Errorf("mcpserver: amount %q is not a two-place decimal", s)
	}
	return w*100 + f, nil
}

func money(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// ---- place_procurement ----

type placeIn struct {
	Job      string   `json:"job" jsonschema:"the job's external id"`
	OfferIDs []string `json:"offer_ids" jsonschema:"offers of one supplier from the job's latest basket (recommend_basket)"`
}

type procurementResult struct {
	Procurement procurementOut `json:"procurement"`
	Next        string         `json:"next"`
}

func placeProcurement(ctx context.Context, w *World, in placeIn) (procurementResult, error) {
	var p methods.ProcurementV1
	if err := repairer(ctx, w, "repairer.procurements.insert", map[string]any{"job": external(in.Job), "offer_ids": in.OfferIDs}, &p); err != nil {
		return procurementResult{}, err
	}
	return procurementResult{Procurement: procurementOf(p), Next: procurementNext(p)}, nil
}

// ---- confirm_as_supplier ----

type procurementIn struct {
	ProcurementID string `json:"procurement_id" jsonschema:"the procurement's id, as place_procurement returned it"`
}

func confirmAsSupplier(ctx context.Context, w *World, in procurementIn) (procurementResult, error) {
	var p methods.ProcurementV1
	if err := w.Call(ctx, Request{Path: "/__procurements/" + url.PathEscape(in.ProcurementID) + "/confirm"}, &p); err != nil {
		return procurementResult{}, err
	}
	return procurementResult{Procurement: procurementOf(p), Next: procurementNext(p)}, nil
}

// ---- get_procurement, get_job ----

func getProcurement(ctx context.Context, w *World, in procurementIn) (procurementResult, error) {
	var p methods.ProcurementV1
	if err := repairer(ctx, w, "repairer.procurements.get", map[string]any{"id": in.ProcurementID}, &p); err != nil {
		return procurementResult{}, err
	}
	return procurementResult{Procurement: procurementOf(p), Next: procurementNext(p)}, nil
}

type jobIn struct {
	Job string `json:"job" jsonschema:"the job's external id"`
}

func getJob(ctx context.Context, w *World, in jobIn) (openJobOut, error) {
	var j methods.JobV1
	if err := repairer(ctx, w, "repairer.jobs.get", map[string]any{"identity": external(in.Job)}, &j); err != nil {
		return openJobOut{}, err
	}
	return openJobOut{Job: jobOf(j), Next: jobNext(j)}, nil
}

// ---- reconcile_invoice ----

type invoiceLineOut struct {
	PartID      string  `json:"part_id"`
	Description string  `json:"description"`
	PartNumber  *string `json:"part_number"`
	Quantity    int     `json:"quantity"`
	UnitPrice   string  `json:"unit_price"`
	LineTotal   string  `json:"line_total"`
}

type invoiceOut struct {
	ID        string           `json:"id"`
	Number    string           `json:"number"`
	Currency  string           `json:"currency"`
	Lines     []invoiceLineOut `json:"lines"`
	LineCount int              `json:"line_count"`
	Subtotal  string           `json:"subtotal"`
	Tax       string           `json:"tax" jsonschema:"GST, 15% in NZ"`
	Total     string           `json:"total"`
	IssuedAt  string           `json:"issued_at"`
}

type checkOut struct {
	Check  string `json:"check"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

type reconcileOut struct {
	ProcurementID       string      `json:"procurement_id"`
	ProcurementStatus   string      `json:"procurement_status"`
	ProcurementSubtotal string      `json:"procurement_subtotal"`
	Invoice             *invoiceOut `json:"invoice" jsonschema:"null until the supplier confirms"`
	Reconciled          bool        `json:"reconciled" jsonschema:"every check passed"`
	Checks              []checkOut  `json:"checks"`
	Next                string      `json:"next"`
}

func reconcileInvoice(ctx context.Context, w *World, in procurementIn) (reconcileOut, error) {
	var p methods.ProcurementV1
	if err := repairer(ctx, w, "repairer.procurements.get", map[string]any{"id": in.ProcurementID}, &p); err != nil {
		return reconcileOut{}, err
	}
	var inv methods.ItemsV1[methods.InvoiceV1]
	if err := repairer(ctx, w, "repairer.procurements.invoices.list", map[string]any{"procurement_id": in.ProcurementID}, &inv); err != nil {
		return reconcileOut{}, err
	}
	out := reconcileOut{ProcurementID: p.ID.String(), ProcurementStatus: p.Status, ProcurementSubtotal: p.Subtotal, Checks: []checkOut{}}
	if len(inv.Items) == 0 {
		out.Checks = append(out.Checks, checkOut{"invoice issued", false, "no invoice yet: the procurement is " + p.Status})
		out.Next = procurementNext(p)
		if p.Status == store.ProcurementOrderConfirmed {
			out.Next = "confirmed but not invoiced: read it again with reconcile_invoice"
		}
		return out, nil
	}
	iv := inv.Items[0]
	io := &invoiceOut{ID: iv.ID.String(), Number: iv.Number, Currency: iv.CurrencyCode, Lines: []invoiceLineOut{}, LineCount: len(iv.Lines),
		Subtotal: iv.Subtotal, Tax: iv.Tax, Total: iv.Total, IssuedAt: iv.IssuedAt}
	for _, l := range iv.Lines[:min(len(iv.Lines), MaxListItems)] {
		io.Lines = append(io.Lines, invoiceLineOut{PartID: l.PartID.String(), Description: l.Description, PartNumber: l.PartNumber,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, LineTotal: l.LineTotal})
	}
	out.Invoice = io
	check := func(name string, ok bool, detail string) {
		out.Checks = append(out.Checks, checkOut{name, ok, detail})
	}
	check("invoice issued", true, fmt.Sprintf("%s, issued %s", iv.Number, iv.IssuedAt))
	if len(inv.Items) > 1 {
		check("one invoice", false, fmt.Sprintf("%d invoices for one procurement", len(inv.Items)))
	}
	check("currency", iv.CurrencyCode == p.CurrencyCode, fmt.Sprintf("invoice %s, order %s", iv.CurrencyCode, p.CurrencyCode))
	check("subtotal", iv.Subtotal == p.Subtotal, fmt.Sprintf("invoice %s, order %s", iv.Subtotal, p.Subtotal))
	// Every ordered line is invoiced once, at its quantity and price.
	invoiced := map[uuid.UUID]methods.InvoiceLineV1{}
	for _, l := range iv.Lines {
		invoiced[l.PartID] = l
	}
	matched := 0
	var mismatch []string
	for _, l := range p.Lines {
		il, ok := invoiced[l.PartID]
		switch {
		case !ok:
			mismatch = append(mismatch, l.Description+" is not invoiced")
		case il.Quantity != l.Quantity || il.UnitPrice != l.UnitPrice:
			mismatch = append(mismatch, fmt.Sprintf("%s: invoiced %d × %s, ordered %d × %s", l.Description, il.Quantity, il.UnitPrice, l.Quantity, l.UnitPrice))
		default:
			matched++
		}
	}
	detail := fmt.Sprintf("%d of %d order lines match (%d invoice lines)", matched, len(p.Lines), len(iv.Lines))
	if len(mismatch) > 0 {
		detail += ": " + strings.Join(mismatch[:min(len(mismatch), 5)], "; ")
	}
	check("lines", len(mismatch) == 0 && len(iv.Lines) == len(p.Lines), detail)
	sub, err1 := cents(iv.Subtotal)
	tax, err2 := cents(iv.Tax)
	total, err3 := cents(iv.Total)
	if err := errors.Join(err1, err2, err3); err != nil {
		return reconcileOut{}, err
	}
	check("total", sub+tax == total, fmt.Sprintf("%s + %s GST = %s %s", iv.Subtotal, iv.Tax, iv.Total, iv.CurrencyCode))
	out.Reconciled = true
	for _, c := range out.Checks {
		out.Reconciled = out.Reconciled && c.OK
	}
	if out.Reconciled {
		out.Next = fmt.Sprintf("reconciled: %s %s; inspect_webhooks shows the order_confirmed events, reset_world walks again", iv.CurrencyCode, iv.Total)
	} else {
		out.Next = "the invoice does not match the order: see the failed checks"
	}
	return out, nil
}

// ---- scenario ----

// maxPartsShown bounds the parts listed per job in the scenario.
const maxPartsShown = 20

func partlyScenario(ctx context.Context, w *World) (any, error) {
	type partItem struct {
		Description string  `json:"description"`
		PartNumber  *string `json:"part_number"`
		Quantity    int     `json:"quantity"`
		Status      string  `json:"status"`
	}
	type jobItem struct {
		jobOut
		Parts     []partItem `json:"parts"`
		PartCount int        `json:"part_count"`
		CreatedAt string     `json:"created_at"`
	}
	type procItem struct {
		procurementOut
		Supplier string `json:"supplier"`
	}
	out := struct {
		Jobs             []jobItem  `json:"jobs"`
		JobCount         int        `json:"job_count"`
		Procurements     []procItem `json:"procurements"`
		ProcurementCount int        `json:"procurement_count"`
	}{Jobs: []jobItem{}, Procurements: []procItem{}}
	err := w.View(ctx, func(tx store.Tx) error {
		orgs, err := tx.Organizations(store.RoleRepairer)
		if err != nil {
			return err
		}
		for _, org := range orgs {
			jobs, err := tx.Jobs(org.ID, store.JobFilter{})
			if err != nil {
				return err
			}
			out.JobCount += len(jobs)
			for _, j := range jobs {
				if len(out.Jobs) == MaxListItems {
					break
				}
				parts, err := tx.Parts(j.ID)
				if err != nil {
					return err
				}
				it := jobItem{jobOut: jobOf(jobWire(j)), Parts: []partItem{}, PartCount: len(parts), CreatedAt: j.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}
				for _, p := range parts[:min(len(parts), maxPartsShown)] {
					it.Parts = append(it.Parts, partItem{p.Description, p.PartNumber, p.Quantity, p.Status})
				}
				out.Jobs = append(out.Jobs, it)
			}
		}
		sups, err := tx.Organizations(store.RoleSupplier)
		if err != nil {
			return err
		}
		var all []store.Procurement
		for _, org := range sups {
			ps, err := tx.SupplierProcurements(org.ID, "")
			if err != nil {
				return err
			}
			all = append(all, ps...)
		}
		slices.SortFunc(all, func(a, b store.Procurement) int {
			return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID.String(), b.ID.String()))
		})
		out.ProcurementCount = len(all)
		for _, p := range all[:min(len(all), MaxListItems)] {
			name := ""
			if b, err := tx.Business(p.SupplierID); err == nil {
				name = b.Name
			}
			out.Procurements = append(out.Procurements, procItem{procurementOf(methods.ProcurementWire(p)), name})
		}
		return nil
	})
	return out, err
}

// jobWire is a stored job as the wire shows it, for projection.
func jobWire(j store.Job) methods.JobV1 {
	out := methods.JobV1{ID: j.ID, ExternalID: j.ExternalID, SiteID: j.SiteID, Status: methods.TaggedV1{Type: j.Status},
		ClaimNumber: j.ClaimNumber, JobNumber: j.JobNumber, WorkProviderID: j.WorkProviderID}
	if j.Vehicle != nil {
		v := j.Vehicle
		out.Vehicle = &methods.VehicleV1{VIN: v.VIN, Plate: v.Plate, Make: v.Make, Model: v.Model, Year: v.Year, BodyStyle: v.BodyStyle, Colour: v.Colour}
	}
	return out
}
