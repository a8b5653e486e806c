package methods

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// Money is integer cents on the inside and a two-place decimal string on the
// wire; floats never touch it.
func formatCents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// gstCents is New Zealand GST (15%) on an amount, rounded half up to the cent.
func gstCents(c int64) int64 { return (c*15 + 50) / 100 }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// currencyOf is the currency a supplier invoices in: every seeded supplier
// is in New Zealand.
func currencyOf(store.Business) string { return "NZD" }

func vehicleV1(v store.Vehicle) VehicleV1 {
	return VehicleV1{VIN: v.VIN, Plate: v.Plate, Make: v.Make, Model: v.Model, Year: v.Year,
		BodyStyle: v.BodyStyle, Colour: v.Colour}
}

func vehicleOf(v VehicleV1) store.Vehicle {
	return store.Vehicle{VIN: v.VIN, Plate: v.Plate, Make: v.Make, Model: v.Model, Year: v.Year,
		BodyStyle: v.BodyStyle, Colour: v.Colour}
}

func jobV1(j store.Job) JobV1 {
	out := JobV1{
		ClaimNumber: j.ClaimNumber, ExternalID: j.ExternalID, ID: j.ID, Images: j.Images,
		JobNumber: j.JobNumber, SiteID: j.SiteID, Status: TaggedV1{Type: j.Status},
		WorkProviderID: j.WorkProviderID,
	}
	if out.Images == nil {
		out.Images = []string{}
	}
	if j.Vehicle != nil {
		v := vehicleV1(*j.Vehicle)
		out.Vehicle = &v
	}
	return out
}

func partV1(p store.Part) PartV1 {
	return PartV1{ID: p.ID, JobID: p.JobID, Description: p.Description, PartNumber: p.PartNumber,
		Quantity: p.Quantity, Status: p.Status}
}

func procurementV1(p store.Procurement) ProcurementV1 {
	out := ProcurementV1{
		ID: p.ID, JobID: p.JobID, SupplierID: p.SupplierID, BuyerBusinessID: p.BuyerBusinessID,
		Status: p.Status, CurrencyCode: p.CurrencyCode, Lines: make([]ProcurementLineV1, len(p.Lines)),
		Subtotal: formatCents(p.SubtotalCents()), CreatedAt: formatTime(p.CreatedAt),
		UpdatedAt: formatTime(p.UpdatedAt),
	}
	for i, l := range p.Lines {
		out.Lines[i] = ProcurementLineV1{
			ID: l.ID, PartID: l.PartID, OfferID: l.OfferID, Description: l.Description,
			PartNumber: l.PartNumber, Quantity: l.Quantity, UnitPrice: formatCents(l.UnitPriceCents),
			LineTotal: formatCents(l.UnitPriceCents * int64(l.Quantity)),
		}
	}
	if p.ConfirmedAt != nil {
		s := formatTime(*p.ConfirmedAt)
		out.ConfirmedAt = &s
	}
	return out
}

// invoiceV1 is the invoice a confirmed procurement is billed by. It is
// derived, not stored: everything on it follows from the procurement.
func invoiceV1(p store.Procurement) InvoiceV1 {
	id := seed.Mint(p.ID, "invoice")
	sub := p.SubtotalCents()
	tax := gstCents(sub)
	inv := InvoiceV1{
		ID: id, Number: "INV-" + strings.ToUpper(id.String()[:8]), ProcurementID: p.ID,
		CurrencyCode: p.CurrencyCode, Lines: make([]InvoiceLineV1, len(p.Lines)),
		Subtotal: formatCents(sub), Tax: formatCents(tax), Total: formatCents(sub + tax),
		IssuedAt: formatTime(*p.ConfirmedAt),
	}
	for i, l := range p.Lines {
		inv.Lines[i] = InvoiceLineV1{
			ID: seed.Mint(id, "line:"+l.ID.String()), PartID: l.PartID, Description: l.Description,
			PartNumber: l.PartNumber, Quantity: l.Quantity, UnitPrice: formatCents(l.UnitPriceCents),
			LineTotal: formatCents(l.UnitPriceCents * int64(l.Quantity)),
		}
	}
	return inv
}

// findJob resolves a JobIdentityV1 within the caller's organization; another
// organization's job is not_found, exactly like a job that does not exist.
func findJob(c *Call, id JobIdentityV1) (store.Job, error) {
	switch {
	case id.ID != nil:
		return c.Tx.Job(c.Caller.OrganizationID, *id.ID)
	case id.External != nil:
		return c.Tx.JobByExternal(c.Caller.OrganizationID, *id.External)
	}
	// The schema's one-of makes this unreachable; answer as it would.
	return store.Job{}, BadRequest("", "identity needs exactly one of id or external")
}

// event writes an outbox event for one organization and role, with payload
// rendered as the object's wire JSON.
// The same transaction writes a delivery per subscribed endpoint.
func event(tx store.Tx, typ string, org uuid.UUID, role store.Role, objType string, objID uuid.UUID, payload any) error {
	ev := store.Event{
		ID: uuid.New(), Type: typ, OrganizationID: org, Role: role,
		ObjectType: objType, ObjectID: objID, Payload: mustJSON(payload), CreatedAt: tx.Now(),
	}
	if err := tx.AddEvent(ev); err != nil {
		return err
	}
	return webhooks.Fanout(tx, ev)
}
