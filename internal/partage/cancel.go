package partage

import (
	"time"

	"github.com/partifact/mockserver/internal/store"
)

// CancelQuote cancels a quote or a booked load (seed: Cancel Quote). A
// booked load that a carrier has covered, or that picks up today (the
// origin's date on the tenant clock), might incur the TONU fee and is
// refused with 406. Cancelling a booked load gives its credit back;
// cancelling a cancelled quote answers it again [D]. The answer is the
// cancelled quote's view [D].
func CancelQuote(c *Call, id string) (QuoteShown, error) {
	q, err := findQuote(c.Tx, familyOf(c.Caller), id)
	if err != nil {
		return QuoteShown{}, err
	}
	now := c.Tx.Now()
	if q.CancelledAt != nil {
		return quoteView(c.BaseURL, q, now), nil
	}
	if q.Booking != nil {
		tl := timelineOf(q)
		if !now.Before(tl.covered) {
			return QuoteShown{}, tonu(q, "a carrier covered it at "+stamp(tl.covered))
		}
		if sameDay(now, tl.pick.start, originZone(q)) {
			return QuoteShown{}, tonu(q, "it picks up today")
		}
		if err := release(c.Tx, q); err != nil {
			return QuoteShown{}, err
		}
	}
	q.CancelledAt = &now
	if err := c.Tx.UpdatePartageQuote(q); err != nil {
		return QuoteShown{}, err
	}
	return quoteView(c.BaseURL, q, now), nil
}

func tonu(q store.PartageQuote, why string) *Error {
	return newError(StatusInvalidQuote, "Cancel refused. Quote "+q.Number+" might incur a TONU fee of "+
		dollars(TONUFee)+": "+why+". Call Partage to cancel it.")
}

func originZone(q store.PartageQuote) *time.Location {
	p, _ := LookupZIP(q.OriginPostalCode)
	return p.Zone
}

func sameDay(a, b time.Time, zone *time.Location) bool {
	return a.In(zone).Format(time.DateOnly) == b.In(zone).Format(time.DateOnly)
}

// release takes a booked load's total back from the credit it was charged to.
func release(tx store.Tx, q store.PartageQuote) error {
	company, err := tx.PartageCompany(q.CompanyID)
	if err != nil {
		return err
	}
	account := company
	if q.Booking.AccountID != company.ID {
		if account, err = tx.PartageCompany(q.Booking.AccountID); err != nil {
			return err
		}
	}
	return charge(tx, company, account, -q.Booking.Total)
}
