package servicemobility

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// The reference implementation of the Parts Ordering REST API Interface, on
// the Partly world (designed throughout: the interface leaves the back end
// to the implementer). A parts order is placed by the demo repairer:
//
//   - WorkOrder is the external id of its repair job, opened when missing at
//     RepairSite with job_number = WorkOrder and no claim number, vehicle or
//     work provider (the Parts Ordering Object carries none of them); an
//     existing job is used as it is.
//   - Each ProdNum is looked up in the catalogue by the basket's rule; a
//     superseded number (seed.Supersessions) by its successor.
//   - Each part is ordered from its best offer: one with enough in stock for
//     Qty first, then the lowest unit price, then the shortest lead time, then
//     catalogue order.
//   - One Partly procurement per supplier, through repairer.procurements.insert:
//     one Orders entry each, PartOrderNum = the procurement id,
//     EstimatedDelivery = the tenant clock plus the longest lead time of its
//     parts. The parts not ordered come last, in an entry of their own.
//
// Command 1001 answers the same, without PartOrderNum, and writes nothing;
// its Status is "1001" only when every part is in stock for its Qty.

// RepairSite is the demo repairer's site where parts orders open jobs.
var RepairSite = seed.AddingtonSiteID

// PartStatus texts of the reference implementation.
const (
	PartOrdered    = "Ordered"
	PartAvailable  = "Available"
	PartNotFound   = "Not found"
	partLowStock   = "Available: only %d in stock"
	partSuperseded = "Superseded by %s"
	partBadQty     = "Not ordered: Qty must be a whole number from 1 to 9999"
	partJobFull    = "Not ordered: the work order holds too many parts"
)

// ProdTypePart is the ProdType of every catalogue part.
const ProdTypePart = "1001"

// maxQty is the largest quantity a Partly part takes.
const maxQty = 9999

// deliveryLayout is ISO 8601 UTC with milliseconds, as the vendor writes it.
const deliveryLayout = "2006-01-02T15:04:05.000Z"

// PartsOrders is POST /servicemobility/parts-orders. Run it in one
// read-write transaction whose outbox writes are released after the
// answer; an error rolls everything back.
func (s *Service) PartsOrders(ctx context.Context, tx store.Tx, token string, body []byte) (PartsOrderResponse, error) {
	if _, err := s.Authenticate(tx, token); err != nil {
		return PartsOrderResponse{}, err
	}
	order, err := ParsePartsOrder(body)
	if err != nil {
		return PartsOrderResponse{}, err
	}
	catalogue, err := tx.Catalogue()
	if err != nil {
		return PartsOrderResponse{}, err
	}
	lines := make([]line, len(order.Parts))
	for i, p := range order.Parts {
		lines[i] = resolve(p, catalogue)
	}
	if order.Command == CommandCheck {
		return answer(lines, tx.Now(), false, ""), nil
	}
	caller, err := tx.Integration(seed.RepairerIntegrationID)
	if err != nil {
		return PartsOrderResponse{}, err
	}
	return place(&methods.Call{Ctx: ctx, Tx: tx, Caller: caller}, order.WorkOrder, lines)
}

// line is one part of the order and what became of it.
type line struct {
	req       OrderPart
	successor string               // the number that superseded ProdNum, or ""
	best      *store.CatalogueItem // the offer to order from; nil: not orderable
	qty       int
	why       string    // PartStatus when not orderable
	partID    uuid.UUID // the Partly part, once added
	orderNum  string    // the procurement, once ordered
}

func resolve(p OrderPart, catalogue []store.CatalogueItem) line {
	l := line{req: p}
	pn := p.ProdNum
	for _, sup := range seed.Supersessions() {
		if methods.SamePartNumber(sup.Old, pn) {
			l.successor, pn = sup.New, sup.New
			break
		}
	}
	var offers []store.CatalogueItem
	for _, it := range catalogue {
		if methods.OffersPartNumber(it, pn) {
			offers = append(offers, it)
		}
	}
	q := p.Qty.Float()
	switch {
	case len(offers) == 0:
		l.why = PartNotFound
	case q != math.Trunc(q) || q < 1 || q > maxQty:
		l.why = partBadQty
	default:
		l.qty = int(q)
		best := bestOffer(offers, l.qty)
		l.best = &best
	}
	return l
}

// bestOffer: enough in stock first, then cheapest, then soonest; ties go to
// the first in catalogue order.
func bestOffer(items []store.CatalogueItem, qty int) store.CatalogueItem {
	inStock := func(it store.CatalogueItem) int {
		if it.QuantityAvailable >= qty {
			return 0
		}
		return 1
	}
	return slices.MinFunc(items, func(a, b store.CatalogueItem) int {
		return cmp.Or(cmp.Compare(inStock(a), inStock(b)), cmp.Compare(a.UnitPriceCents, b.UnitPriceCents),
			cmp.Compare(a.LeadTimeDays, b.LeadTimeDays))
	})
}

// place orders the orderable lines as c.Caller: the job, its parts, then one
// procurement per supplier.
func place(c *methods.Call, workOrder string, lines []line) (PartsOrderResponse, error) {
	var add []methods.PartInsertV1
	var added []int
	for i, l := range lines {
		if l.best != nil {
			pn := l.best.PartNumber
			add = append(add, methods.PartInsertV1{Description: partDescription(l), PartNumber: &pn, Quantity: l.qty})
			added = append(added, i)
		}
	}
	now := c.Tx.Now()
	if len(add) == 0 {
		return answer(lines, now, true, ""), nil
	}
	job, err := methods.FindJob(c, workOrder)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if _, err := methods.OpenJob(c, workOrder, RepairSite, &workOrder); err != nil {
			return PartsOrderResponse{}, err
		}
	case err != nil:
		return PartsOrderResponse{}, err
	default:
		existing, err := c.Tx.Parts(job.ID)
		if err != nil {
			return PartsOrderResponse{}, err
		}
		if len(existing)+len(add) > methods.MaxPartsPerJob {
			for _, i := range added {
				lines[i].best, lines[i].why = nil, partJobFull
			}
			return answer(lines, now, true, fmt.Sprintf("Nothing was ordered: work order %s already holds %d parts, and its job takes at most %d.",
				workOrder, len(existing), methods.MaxPartsPerJob)), nil
		}
	}
	parts, err := methods.AddParts(c, workOrder, add)
	if err != nil {
		return PartsOrderResponse{}, err
	}
	byPart := make(map[uuid.UUID]int, len(parts))
	for k, p := range parts {
		lines[added[k]].partID = p.ID
		byPart[p.ID] = added[k]
	}
	offers, err := methods.BasketOffers(c, workOrder)
	if err != nil {
		return PartsOrderResponse{}, err
	}
	chosen := map[uuid.UUID]uuid.UUID{} // part → offer
	for _, o := range offers {
		if i, ok := byPart[o.PartID]; ok && o.Item.ID == lines[i].best.ID {
			chosen[o.PartID] = o.ID
		}
	}
	for _, supplier := range suppliersOf(lines) {
		var ids []uuid.UUID
		var of []int
		for _, i := range added {
			if lines[i].best.SupplierID == supplier {
				id, ok := chosen[lines[i].partID]
				if !ok {
					return PartsOrderResponse{}, fmt.Errorf("servicemobility: no basket offer for part %s", lines[i].partID)
				}
				ids = append(ids, id)
				of = append(of, i)
			}
		}
		p, err := methods.PlaceProcurement(c, workOrder, ids)
		if err != nil {
			return PartsOrderResponse{}, err
		}
		for _, i := range of {
			lines[i].orderNum = p.ID.String()
		}
	}
	return answer(lines, now, true, ""), nil
}

// suppliersOf lists the suppliers of the orderable lines, in request order.
func suppliersOf(lines []line) []uuid.UUID {
	var out []uuid.UUID
	for _, l := range lines {
		if l.best != nil && !slices.Contains(out, l.best.SupplierID) {
			out = append(out, l.best.SupplierID)
		}
	}
	return out
}

// partDescription is the Partly part's description: the technician's, or
// the catalogue's, within the 500 characters a part takes.
func partDescription(l line) string {
	d := strings.TrimSpace(l.req.Desc())
	if d == "" {
		d = l.best.Description
	}
	if utf8.RuneCountInString(d) > 500 {
		d = string([]rune(d)[:500])
	}
	return d
}

// answer renders the lines: one order per supplier, in request order, then
// the parts not orderable. failMsg, when set, is the StatusMsg of an order
// that failed as a whole.
func answer(lines []line, now time.Time, ordering bool, failMsg string) PartsOrderResponse {
	var out PartsOrderResponse
	n := 0    // lines with an offer
	done := 0 // of them, ordered or (a check) in stock for the whole Qty
	for _, supplier := range suppliersOf(lines) {
		o := Order{Parts: []ResponsePart{}}
		lead := 0
		for _, l := range lines {
			if l.best == nil || l.best.SupplierID != supplier {
				continue
			}
			n++
			if ordering || l.best.QuantityAvailable >= l.qty {
				done++
			}
			lead = max(lead, l.best.LeadTimeDays)
			o.PartOrderNum = l.orderNum
			o.Parts = append(o.Parts, responsePart(l, ordering))
		}
		o.EstimatedDelivery = now.Add(time.Duration(lead) * 24 * time.Hour).UTC().Format(deliveryLayout)
		out.Orders = append(out.Orders, o)
	}
	if n < len(lines) {
		o := Order{Parts: []ResponsePart{}}
		for _, l := range lines {
			if l.best == nil {
				o.Parts = append(o.Parts, responsePart(l, ordering))
			}
		}
		out.Orders = append(out.Orders, o)
	}
	verb := "ordered"
	if !ordering {
		verb = "available"
	}
	switch {
	case done == len(lines):
		out.Status, out.StatusMsg = StatusAllOrdered, fmt.Sprintf("%d of %d parts %s.", done, len(lines), verb)
	case n > 0:
		// Some ordered; or, for a check, some short of stock or not found.
		out.Status, out.StatusMsg = StatusPartlyOrdered, fmt.Sprintf("%d of %d parts %s: see each part's PartStatus.", done, len(lines), verb)
	case failMsg != "":
		out.Status, out.StatusMsg = StatusFailed, failMsg
	case ordering:
		out.Status, out.StatusMsg = StatusFailed, "No part could be ordered: see each part's PartStatus."
	default:
		out.Status, out.StatusMsg = StatusFailed, "No part is available: see each part's PartStatus."
	}
	return out
}

func responsePart(l line, ordering bool) ResponsePart {
	p := ResponsePart{
		ProdNum: l.req.ProdNum, Qty: l.req.Qty, ShipToLocation: l.req.ShipToLocation, Urgency: l.req.Urgency,
		ProdAttrs: ResponseAttrs{Desc: l.req.Desc()}, PartStatus: l.why,
	}
	if l.best != nil {
		p.PartStatus = PartOrdered
		if !ordering {
			p.PartStatus = PartAvailable
			if l.best.QuantityAvailable < l.qty {
				p.PartStatus = fmt.Sprintf(partLowStock, l.best.QuantityAvailable)
			}
		}
		p.ProdAttrs = attrsOf(*l.best)
		if d := l.req.Desc(); d != "" {
			p.ProdAttrs.Desc = d
		}
	}
	if l.successor != "" {
		sp := SupersededPart{ProdNum: l.successor, PartStatus: p.PartStatus, Qty: l.req.Qty}
		if l.best != nil {
			sp.ProdAttrs = attrsOf(*l.best)
		}
		p.PartStatus = fmt.Sprintf(partSuperseded, l.successor)
		p.SupersededParts = []SupersededPart{sp}
	}
	return p
}

func attrsOf(it store.CatalogueItem) ResponseAttrs {
	return ResponseAttrs{Desc: it.Description, Price: Decimal(fmt.Sprintf("%d.%02d", it.UnitPriceCents/100, it.UnitPriceCents%100)),
		ProdType: ProdTypePart}
}
