package dashboard

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/store"
)

// Bounds of the Partage section.
const (
	MaxFreightQuotes = 50 // newest quotes shown, over every family
	MaxFreightNotes  = 20 // notes shown per load
	MaxCompanies     = 100
)

// Partage is the Partage freight module's section: the world's quotes and
// loads, newest first, each as GET /partage/api/quotes/:id shows it to its
// family on the world's clock (status, carrier, stops with their windows
// and schedule, the rate's charges, the invoice, the notes), and the
// companies with their credit.
func Partage() Section { return freight{} }

type freight struct{}

func (freight) Title() string { return "Partage freight" }

func (freight) Read(_ context.Context, tx store.Tx) ([]Table, error) {
	quotes, err := freightQuotes(tx)
	if err != nil {
		return nil, err
	}
	companies, err := freightCompanies(tx)
	if err != nil {
		return nil, err
	}
	return []Table{quotes, companies}, nil
}

func freightQuotes(tx store.Tx) (Table, error) {
	t := Table{Title: "Quotes and loads", Empty: "No quotes: POST /partage/api/quotes prices a lane.",
		Note:    "As GET /partage/api/quotes/:id shows each to its company on the world's clock; totals in whole US dollars.",
		Columns: []string{"Number", "PL ID", "Company", "Lane", "Equipment", "Options", "Status", "Carrier", "Booked total", "Created"}}
	quotes, count, err := tx.PartageQuotes(MaxFreightQuotes)
	if err != nil {
		return t, err
	}
	t.More = count - len(quotes)
	names := map[uuid.UUID]string{}
	company := func(id uuid.UUID) (store.PartageCompany, error) {
		c, err := tx.PartageCompany(id)
		if err == nil {
			names[id] = c.Name
		}
		return c, err
	}
	for _, q := range quotes {
		family, err := company(q.FamilyID)
		if err != nil {
			return t, err
		}
		if _, ok := names[q.CompanyID]; !ok {
			if _, err := company(q.CompanyID); err != nil {
				return t, err
			}
		}
		shown, err := partage.ShowQuote(&partage.Call{Tx: tx, Caller: family}, q.PLID)
		if err != nil {
			return t, err
		}
		t.Rows = append(t.Rows, freightRow(q, shown.Quote, names[q.CompanyID]))
	}
	return t, nil
}

func freightRow(q store.PartageQuote, v partage.QuoteView, company string) Row {
	var opts []string
	for _, o := range v.Options {
		opts = append(opts, o.Mode+" "+usd(o.Total))
	}
	carrier, total := "—", "—"
	if c := v.Carrier; c != nil {
		carrier = c.Name + " (" + c.MCNumber + ")"
	}
	if v.Rate != nil {
		total = usd(v.Rate.Total)
		if v.Mode != nil {
			total = *v.Mode + " " + total
		}
	}

	stops := Table{Title: "Stops", Columns: []string{"Stop", "Location", "Window opens", "Window closes", "Arrived", "Departed", "Proof of delivery"}}
	notes := Table{Title: "Notes", Empty: "No notes.", Columns: []string{"On", "Content", "By", "At"}}
	addNotes := func(on string, ns []partage.NoteView) {
		for _, n := range ns {
			if len(notes.Rows) == MaxFreightNotes {
				notes.More++
				continue
			}
			notes.Rows = append(notes.Rows, Row{Cells: []Cell{Text(on), Text(n.Content),
				Text(n.User.Name + " (" + n.User.Company + ")"), {n.CreatedAt, Moment}}})
		}
	}
	for _, sh := range v.Shipments {
		addNotes("shipment "+strconv.FormatInt(sh.ID, 10), sh.Notes)
	}
	for _, s := range v.Stops {
		var pick partage.PickStopView
		proof := "—"
		switch s := s.(type) {
		case partage.PickStopView:
			pick = s
		case partage.DropStopView:
			pick = s.PickStopView
			if s.ProofOfDelivery != nil {
				proof = s.ProofOfDelivery.AttachmentURL + " (" + s.ProofOfDelivery.CreatedAt + ")"
			}
		default:
			continue
		}
		stops.Rows = append(stops.Rows, Row{Cells: []Cell{Badge(pick.Type), Text(place(pick.Location)),
			{pick.Window.StartAt, Moment}, {pick.Window.EndAt, Moment},
			{deref(pick.Schedule.ArrivedAt, "—"), Moment}, {deref(pick.Schedule.DepartedAt, "—"), Moment}, Code(proof)}})
		addNotes(pick.Type+" stop", pick.Notes)
	}

	shipment := Table{Title: "Freight", Columns: []string{"Commodity", "Pieces", "Pallets", "Pallet spots", "Weight (lb)", "Declared value", "Special services"}}
	var services []string
	for _, s := range v.SpecialServices {
		services = append(services, fmt.Sprintf("%s (%s) × %g", s.Name, s.Location, s.Units))
	}
	value := "—"
	if q.ValueCents != nil {
		value = fmt.Sprintf("$%d.%02d", *q.ValueCents/100, *q.ValueCents%100)
	}
	shipment.Rows = []Row{{Cells: []Cell{Text(deref(q.Commodity, "—")), Num(count(q.Pieces)), Num(count(q.Pallets)),
		Num(count(q.PalletSpots)), Num(count(q.Weight)), Num(value), Text(orNone(strings.Join(services, ", ")))}}}

	details := []Table{shipment, stops}
	label := "stops"
	if r := v.Rate; r != nil {
		charges := Table{Title: "Rate", Note: "Booked " + r.BookedAt + " by " + r.BookedBy.Name + ".",
			Columns: []string{"Charge", "Units", "Unit", "Total"}}
		for _, c := range r.Charges {
			charges.Rows = append(charges.Rows, Row{Cells: []Cell{Text(c.Name), Num(strconv.FormatFloat(c.Units, 'f', -1, 64)), Text(c.UnitOfMeasure), Num(usd(c.Total))}})
		}
		invoice := Table{Title: "Invoice", Empty: "Not invoiced yet: the invoice is made two hours after delivery.",
			Columns: []string{"Total", "Balance", "Due", "Made", "Approved"}}
		if i := r.Invoice; i != nil {
			invoice.Rows = []Row{{ID: "partage-invoice-" + v.PLID, Cells: []Cell{Num(usd(i.Total)), Num(usd(i.Balance)), Text(i.DueDate),
				{i.CreatedAt, Moment}, {deref(i.ApprovedAt, "—"), Moment}}}}
		}
		details = append(details, charges, invoice)
		label += " · rate · invoice"
	}
	details = append(details, notes)
	label += " · " + plural(len(notes.Rows)+notes.More, "note", "notes")

	return Row{ID: "partage-quote-" + v.PLID,
		Cells: []Cell{Code(v.Number), Code(v.PLID), Text(company), Text(v.OriginPostalCode + " → " + v.DestinationPostalCode + fmt.Sprintf(" (%d mi)", v.Miles)),
			Text(v.EquipmentType), Text(orNone(strings.Join(opts, ", "))), Badge(v.Status), Text(carrier), Num(total), When(q.CreatedAt)},
		Details: details, DetailsLabel: label}
}

// place is a stop's location in one line.
func place(l partage.LocationView) string {
	s := l.City + ", " + l.State + " " + l.PostalCode
	if l.Street != nil && *l.Street != "" {
		s = *l.Street + ", " + s
	}
	return s
}

func count(n *int64) string {
	if n == nil {
		return "—"
	}
	return strconv.FormatInt(*n, 10)
}

// usd spells whole dollars: $12,480, -$733.
func usd(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + "$" + s
}

func freightCompanies(tx store.Tx) (Table, error) {
	t := Table{Title: "Companies", Note: "The families of the API tokens, with their credit: utilization is the open booked total on it.",
		Columns: []string{"Company", "External id", "Parent", "Credit limit", "Credit in use", "Same credit"}}
	for _, fam := range partage.Families() {
		parent, err := tx.PartageCompany(fam)
		if err != nil {
			return t, err
		}
		subs, err := tx.PartageSubCompanies(fam)
		if err != nil {
			return t, err
		}
		for _, c := range append([]store.PartageCompany{parent}, subs...) {
			if len(t.Rows) == MaxCompanies {
				t.More++
				continue
			}
			limit, of := "—", "—"
			if c.CreditLimit != nil {
				limit = usd(*c.CreditLimit)
			}
			if c.ParentID != nil {
				of = parent.Name
			}
			same := "no"
			if c.SameCredit {
				same = "yes: books on " + parent.Name + "'s"
			}
			t.Rows = append(t.Rows, Row{ID: "partage-company-" + c.ID.String(), Cells: []Cell{Text(c.Name), Code(deref(c.ExternalID, "—")),
				Text(of), Num(limit), Num(usd(c.CreditUtilization)), Text(same)}})
		}
	}
	return t, nil
}
