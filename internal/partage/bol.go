package partage

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/partifact/mockserver/internal/store"
)

// BillOfLading is the straight bill of lading of a booked load, a one-page
// PDF (seed: Bill Of Lading; the layout is designed): load number and
// pl_id, shipper and consignee with their stop windows, the carrier once
// one covers the load, and the freight (commodity, pieces, pallets, weight,
// declared value, equipment, mode, special services). The document's dates
// are the booking's, so the same load gives the same bytes whenever the
// clock has not moved it on (the carrier appears once it covers). Before
// booking, or once cancelled: 406.
func BillOfLading(c *Call, id string) ([]byte, error) {
	q, err := findQuote(c.Tx, familyOf(c.Caller), id)
	if err != nil {
		return nil, err
	}
	switch {
	case q.CancelledAt != nil:
		return nil, invalidQuote("Quote %s is cancelled; it has no bill of lading.", q.Number)
	case q.Booking == nil:
		return nil, invalidQuote("Quote %s is not booked; the bill of lading comes with the booking.", q.Number)
	}
	company, err := c.Tx.PartageCompany(q.CompanyID)
	if err != nil {
		return nil, err
	}
	return renderBOL(q, company, c.Tx.Now())
}

func renderBOL(q store.PartageQuote, company store.PartageCompany, now time.Time) ([]byte, error) {
	b := q.Booking
	tl := timelineOf(q)
	pdf := fpdf.New("P", "pt", "Letter", "")
	pdf.SetCatalogSort(true) // fonts in a fixed order: the same load gives the same bytes
	pdf.SetCreationDate(b.BookedAt)
	pdf.SetModificationDate(b.BookedAt)
	pdf.SetTitle("Bill of Lading "+q.Number, false)
	pdf.SetAuthor("Partage", false)
	pdf.SetProducer("Partage mock", false)
	pdf.SetAutoPageBreak(false, 0) // one page: every field is bounded and cut to its box
	pdf.SetMargins(36, 36, 36)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("") // the core fonts speak cp1252
	text := func(s string, maxRunes int) string {
		if r := []rune(s); len(r) > maxRunes {
			s = string(r[:maxRunes-1]) + "…"
		}
		return tr(s)
	}

	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(0, 24, "STRAIGHT BILL OF LADING", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 14, text("Partage, LLC - freight brokerage - booked for "+company.Name, 90), "", 1, "L", false, 0, "")
	pdf.Ln(6)

	field := func(label, value string) {
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(110, 14, tr(label), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		pdf.CellFormat(0, 14, text(value, 80), "", 1, "L", false, 0, "")
	}
	field("Load number", q.Number)
	field("PL ID", q.PLID)
	field("Shipment", strconv.FormatInt(shipmentID(q), 10))
	field("Booked at", stamp(b.BookedAt)+" by "+b.BookedBy.Name)
	field("Mode / equipment", b.Mode+" / "+equipmentTypes[q.Equipment])
	field("Miles", strconv.FormatInt(q.Miles, 10))
	pdf.Ln(8)

	party := func(title string, a *store.PartageAddress, postal string, w window) {
		loc := location(a, postal)
		x, y := pdf.GetX(), pdf.GetY()
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(260, 16, tr(title), "B", 2, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		lines := []string{a.Name, a.AddressOne}
		if strings.TrimSpace(a.AddressTwo) != "" {
			lines = append(lines, a.AddressTwo)
		}
		lines = append(lines, loc.City+", "+loc.State+" "+postal, "Phone: "+a.Phone,
			"Window: "+stamp(w.start)+" - "+stamp(w.end))
		for _, l := range lines {
			pdf.CellFormat(260, 13, text(l, 55), "", 2, "L", false, 0, "")
		}
		pdf.SetXY(x+280, y)
	}
	y := pdf.GetY()
	party("SHIPPER (pick)", q.OriginAddress, q.OriginPostalCode, tl.pick)
	party("CONSIGNEE (drop)", q.DestinationAddress, q.DestinationPostalCode, tl.drop)
	pdf.SetXY(36, y+120)

	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 16, "CARRIER", "B", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	if now.Before(tl.covered) {
		pdf.CellFormat(0, 13, "To be assigned by Partage", "", 1, "L", false, 0, "")
	} else {
		cr := carrierOf(q)
		pdf.CellFormat(0, 13, tr(cr.Name+"   "+cr.MCNumber+"   DOT "+cr.DOTNumber), "", 1, "L", false, 0, "")
	}
	pdf.Ln(8)

	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 16, "FREIGHT", "B", 1, "L", false, 0, "")
	cols := []struct {
		head string
		w    float64
	}{{"Commodity", 200}, {"Pieces", 70}, {"Pallets", 70}, {"Weight (lb)", 90}, {"Declared value", 110}}
	pdf.SetFont("Helvetica", "B", 9)
	for _, c := range cols {
		pdf.CellFormat(c.w, 16, c.head, "1", 0, "L", false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 9)
	cells := []string{text(deref(q.Commodity), 38), count(q.Pieces), count(q.Pallets), count(q.Weight), cents(q.ValueCents)}
	for i, c := range cols {
		pdf.CellFormat(c.w, 16, cells[i], "1", 0, "L", false, 0, "")
	}
	pdf.Ln(24)

	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 16, "SPECIAL SERVICES", "B", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	var svcs []string
	for _, s := range q.Services {
		if appliesTo(s, b.Mode) {
			svcs = append(svcs, fmt.Sprintf("%s (%s) x %s", s.Name, s.Location, strconv.FormatFloat(s.Units, 'f', -1, 64)))
		}
	}
	if len(svcs) == 0 {
		svcs = []string{"None"}
	}
	pdf.MultiCell(0, 13, text(strings.Join(svcs, "; "), 600), "", "L", false)
	pdf.Ln(24)

	pdf.SetFont("Helvetica", "", 9)
	sig := pdf.GetY()
	for i, who := range []string{"Shipper signature / date", "Carrier signature / date", "Consignee signature / date"} {
		pdf.SetXY(36+float64(i)*180, sig+30)
		pdf.CellFormat(170, 13, who, "T", 0, "L", false, 0, "")
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func count(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}

func cents(c *int64) string {
	if c == nil {
		return "-"
	}
	return fmt.Sprintf("$%d.%02d", *c/100, *c%100)
}
