package dashboard

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/store"
)

// Bounds of the Partly section: a world may hold any number of records,
// the page shows the newest of each kind and counts the rest.
const (
	MaxJobs         = 50  // newest jobs shown, over every repairer
	MaxParts        = 100 // parts shown per job
	MaxProcurements = 50  // newest procurements shown, over every supplier
)

// Partly is the Partly 2026-01 module's section: every repairer's jobs
// with their parts, every procurement with its lines and status history,
// and the invoices of confirmed ones, read through the wire method that
// serves them, so the page shows what the buyer would be sent.
func Partly() Section { return partly{} }

type partly struct{}

func (partly) Title() string { return "Partly 2026-01" }

func (partly) Read(ctx context.Context, tx store.Tx) ([]Table, error) {
	r := &partlyReader{ctx: ctx, tx: tx, names: map[uuid.UUID]string{}}
	jobs, err := r.jobs()
	if err != nil {
		return nil, err
	}
	procs, procTable, err := r.procurements()
	if err != nil {
		return nil, err
	}
	invoices, err := r.invoices(procs)
	if err != nil {
		return nil, err
	}
	return []Table{jobs, procTable, invoices}, r.err
}

type partlyReader struct {
	ctx   context.Context
	tx    store.Tx
	names map[uuid.UUID]string // businesses by id
	err   error                // the first failure to read a business
	// external ids of the world's jobs, to name a procurement's job
	jobRefs map[uuid.UUID]string
}

// business names a business (a repairer site or a supplier), or shows its
// id when the world has none by it.
func (r *partlyReader) business(id uuid.UUID) string {
	if n, ok := r.names[id]; ok {
		return n
	}
	n := id.String()
	b, err := r.tx.Business(id)
	switch {
	case err == nil:
		n = b.Name
	case !errors.Is(err, store.ErrNotFound) && r.err == nil:
		r.err = err
	}
	r.names[id] = n
	return n
}

func (r *partlyReader) jobs() (Table, error) {
	t := Table{Title: "Jobs", Empty: "No jobs.",
		Columns: []string{"External id", "Claim number", "Job number", "Status", "Site", "Vehicle", "Updated"}}
	orgs, err := r.tx.Organizations(store.RoleRepairer)
	if err != nil {
		return t, err
	}
	var all []store.Job
	for _, o := range orgs {
		js, err := r.tx.Jobs(o.ID, store.JobFilter{})
		if err != nil {
			return t, err
		}
		all = append(all, js...)
	}
	slices.SortFunc(all, func(a, b store.Job) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID.String(), b.ID.String()))
	})
	r.jobRefs = make(map[uuid.UUID]string, len(all))
	for _, j := range all {
		r.jobRefs[j.ID] = deref(j.ExternalID, j.ID.String())
	}
	shown := all[:min(len(all), MaxJobs)]
	t.More = len(all) - len(shown)
	for _, j := range shown {
		parts, err := r.tx.Parts(j.ID)
		if err != nil {
			return t, err
		}
		pt := Table{Title: "Parts", Empty: "No parts identified yet.",
			Columns: []string{"#", "Description", "Part number", "Quantity", "Status"}}
		for _, p := range parts[:min(len(parts), MaxParts)] {
			pt.Rows = append(pt.Rows, Row{ID: "part-" + p.ID.String(), Cells: []Cell{
				Num(fmt.Sprint(p.Ordinal)), Text(p.Description), Code(deref(p.PartNumber, "—")),
				Num(fmt.Sprint(p.Quantity)), Badge(p.Status)}})
		}
		pt.More = len(parts) - len(pt.Rows)
		t.Rows = append(t.Rows, Row{
			ID: "job-" + j.ID.String(),
			Cells: []Cell{Code(deref(j.ExternalID, "—")), Text(deref(j.ClaimNumber, "—")), Text(deref(j.JobNumber, "—")),
				Badge(j.Status), Text(r.business(j.SiteID)), Text(vehicle(j.Vehicle)), When(j.UpdatedAt)},
			Details: []Table{pt}, DetailsLabel: plural(len(parts), "part", "parts"),
		})
	}
	return t, nil
}

// jobRef names a job by its external id, else its id.
func (r *partlyReader) jobRef(id uuid.UUID) string {
	if ref, ok := r.jobRefs[id]; ok {
		return ref
	}
	return id.String()
}

func (r *partlyReader) procurements() ([]store.Procurement, Table, error) {
	t := Table{Title: "Procurements", Empty: "No procurements.",
		Note: "The store keeps no status history: each procurement's is derived from its timestamps " +
			"(created, confirmed, updated) and the outbox events its transitions wrote.",
		Columns: []string{"Id", "Job", "Supplier", "Status", "Subtotal", "Created"}}
	orgs, err := r.tx.Organizations(store.RoleSupplier)
	if err != nil {
		return nil, t, err
	}
	var all []store.Procurement
	for _, o := range orgs {
		ps, err := r.tx.SupplierProcurements(o.ID, "")
		if err != nil {
			return nil, t, err
		}
		all = append(all, ps...)
	}
	slices.SortFunc(all, func(a, b store.Procurement) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID.String(), b.ID.String()))
	})
	shown := all[:min(len(all), MaxProcurements)]
	t.More = len(all) - len(shown)
	if len(shown) == 0 {
		return nil, t, nil
	}
	told, err := r.transitionEvents()
	if err != nil {
		return nil, t, err
	}
	for _, p := range shown {
		w := methods.ProcurementWire(p)
		lines := Table{Title: "Lines", Columns: []string{"Description", "Part number", "Quantity", "Unit price", "Line total"}}
		for _, l := range w.Lines {
			lines.Rows = append(lines.Rows, Row{Cells: []Cell{Text(l.Description), Code(deref(l.PartNumber, "—")),
				Num(fmt.Sprint(l.Quantity)), Num(l.UnitPrice), Num(l.LineTotal)}})
		}
		row := Row{
			ID: "procurement-" + p.ID.String(),
			Cells: []Cell{Code(p.ID.String()), Code(r.jobRef(p.JobID)),
				Text(r.business(p.SupplierID)), Badge(p.Status), Num(w.Subtotal + " " + w.CurrencyCode), When(p.CreatedAt)},
			Details:      []Table{lines, history(p, told[p.ID])},
			DetailsLabel: plural(len(p.Lines), "line", "lines") + " · status history",
		}
		if p.Status == store.ProcurementOrderRequested {
			row.Actions = []Action{
				Post("Confirm as supplier", "/__procurements/"+p.ID.String()+"/confirm"),
				{Label: "Cancel as supplier", Verb: "POST", Path: "/__procurements/" + p.ID.String() + "/cancel",
					Confirm: "Cancel this procurement as its supplier? It is cancelled for good, its parts become estimated again and both sides are told."},
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return shown, t, nil
}

// transitionEvents are the outbox events of procurement transitions, by
// procurement and transition ("order_confirmed"), oldest first.
func (r *partlyReader) transitionEvents() (map[uuid.UUID]map[string][]store.Event, error) {
	events, err := r.tx.Events()
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID]map[string][]store.Event{}
	for _, e := range events {
		if e.ObjectType != "procurement" {
			continue
		}
		_, transition, ok := strings.Cut(e.Type, ".procurement.")
		if !ok {
			continue
		}
		if out[e.ObjectID] == nil {
			out[e.ObjectID] = map[string][]store.Event{}
		}
		out[e.ObjectID][transition] = append(out[e.ObjectID][transition], e)
	}
	return out, nil
}

// history is a procurement's status history. The state machine is
// order_requested → order_confirmed | cancelled, so the timestamps place
// every transition; the events show who was told of each.
func history(p store.Procurement, told map[string][]store.Event) Table {
	t := Table{Title: "Status history", Columns: []string{"Status", "At", "From", "Webhook events written"}}
	add := func(status string, at time.Time, from string) {
		var evs []string
		for _, e := range told[status] {
			evs = append(evs, e.Type+" "+e.ID.String())
		}
		t.Rows = append(t.Rows, Row{Cells: []Cell{Badge(status), When(at), Text(from), Code(orNone(strings.Join(evs, "\n")))}})
	}
	add(store.ProcurementOrderRequested, p.CreatedAt, "created_at")
	switch {
	case p.ConfirmedAt != nil:
		add(store.ProcurementOrderConfirmed, *p.ConfirmedAt, "confirmed_at")
	case p.Status == store.ProcurementCancelled:
		add(store.ProcurementCancelled, p.UpdatedAt, "updated_at")
	}
	return t
}

func (r *partlyReader) invoices(procs []store.Procurement) (Table, error) {
	t := Table{Title: "Invoices", Empty: "No invoices: a procurement is invoiced once its supplier confirms it.",
		Note:    "As repairer.procurements.invoices.list answers the buyer.",
		Columns: []string{"Number", "Procurement", "Subtotal", "Tax (GST)", "Total", "Issued"}}
	serve, err := wireMethod("repairer.procurements.invoices.list")
	if err != nil {
		return t, err
	}
	for _, p := range procs {
		if p.Status != store.ProcurementOrderConfirmed {
			continue // never invoiced: spare the call
		}
		body, err := json.Marshal(methods.InvoicesListRequest{ProcurementID: p.ID})
		if err != nil {
			return t, err
		}
		out, err := serve(&methods.Call{Ctx: r.ctx, Tx: r.tx,
			Caller: store.Integration{OrganizationID: p.BuyerOrgID, Role: store.RoleRepairer}}, body)
		if err != nil {
			return t, err
		}
		list, ok := out.(methods.ItemsV1[methods.InvoiceV1])
		if !ok {
			return t, fmt.Errorf("dashboard: repairer.procurements.invoices.list answered a %T", out)
		}
		for _, inv := range list.Items {
			lines := Table{Title: "Lines", Columns: []string{"Description", "Part number", "Quantity", "Unit price", "Line total"}}
			for _, l := range inv.Lines {
				lines.Rows = append(lines.Rows, Row{Cells: []Cell{Text(l.Description), Code(deref(l.PartNumber, "—")),
					Num(fmt.Sprint(l.Quantity)), Num(l.UnitPrice), Num(l.LineTotal)}})
			}
			cur := " " + inv.CurrencyCode
			t.Rows = append(t.Rows, Row{
				ID: "invoice-" + inv.ID.String(),
				Cells: []Cell{Code(inv.Number), Code(inv.ProcurementID.String()), Num(inv.Subtotal + cur),
					Num(inv.Tax + cur), Num(inv.Total + cur), {inv.IssuedAt, Moment}},
				Details: []Table{lines}, DetailsLabel: plural(len(inv.Lines), "line", "lines"),
			})
		}
	}
	return t, nil
}

// wireMethod is the handler of a Partly wire method, by name.
func wireMethod(name string) (func(*methods.Call, []byte) (any, error), error) {
	for _, m := range methods.All {
		if m.Name == name {
			return m.Serve, nil
		}
	}
	return nil, fmt.Errorf("dashboard: the Partly module has no method %s", name)
}

func vehicle(v *store.Vehicle) string {
	if v == nil {
		return "—"
	}
	var parts []string
	if v.Plate != nil {
		parts = append(parts, *v.Plate)
	}
	desc := strings.TrimSpace(deref(v.Make, "") + " " + deref(v.Model, ""))
	if v.Year != nil {
		desc = strings.TrimSpace(desc + " " + fmt.Sprint(*v.Year))
	}
	if desc != "" {
		parts = append(parts, desc)
	}
	if len(parts) == 0 && v.VIN != nil {
		parts = append(parts, *v.VIN)
	}
	return orNone(strings.Join(parts, " · "))
}
