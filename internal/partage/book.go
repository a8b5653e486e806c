package partage

import (
	"fmt"
	"strings"

	"github.com/partifact/mockserver/internal/store"
)

// BookRequest is the body of POST /api/quotes/:id/book.
type BookRequest struct {
	Mode string
}

// DecodeBookRequest checks a booking body: {"mode":"intermodal"}.
func DecodeBookRequest(raw []byte) (BookRequest, error) {
	b, err := parseBody(raw)
	if err != nil {
		return BookRequest{}, err
	}
	return decodeBook(b)
}

func decodeBook(b body) (BookRequest, error) {
	var p problems
	top := object{m: b, p: &p}
	r := BookRequest{Mode: top.oneOf("mode", ModeTruckload, ModePartial, ModeIntermodal)}
	return r, p.err()
}

// BookQuote books one of a quote's options (seed: Book Quote). Refused
// (406) when the quote is cancelled or booked in another mode, the mode is
// not one of its options, it lacks what a booking needs (both addresses,
// commodity, value, pieces), its pickup window has opened, or the total
// would take the credit it is charged to past its limit. Booking a booked
// quote again in the same mode answers it again [D].
//
// Credit [D]: a load is charged to its company's own credit when the quote
// asked for own_credit (only a sub-company with same_credit false has
// any), else to the family's parent. The total adds to the
// credit_utilization of the company whose credit carries it and, for a
// same_credit sub-company (no limit of its own), to its own figure too: a
// parent's utilization includes what its sub-companies booked on it, and a
// dependent sub-company shows what it booked (as in the seed's companies
// example), while a company's own limit is only ever measured against the
// loads on its own credit.
func BookQuote(c *Call, id string, r BookRequest) (QuoteShown, error) {
	q, err := findQuote(c.Tx, familyOf(c.Caller), id)
	if err != nil {
		return QuoteShown{}, err
	}
	now := c.Tx.Now()
	switch {
	case q.CancelledAt != nil:
		return QuoteShown{}, bookingRefused("Quote %s is cancelled.", q.Number)
	case q.Booking != nil && q.Booking.Mode == r.Mode:
		return quoteView(c.BaseURL, q, now), nil
	case q.Booking != nil:
		return QuoteShown{}, bookingRefused("Quote %s is already booked as %s.", q.Number, q.Booking.Mode)
	}
	opt, ok := optionOf(q, r.Mode)
	if !ok {
		return QuoteShown{}, bookingRefused("%s is not an option of quote %s (its options: %s).", r.Mode, q.Number, modes(q))
	}
	if missing := missingForBooking(q); len(missing) > 0 {
		return QuoteShown{}, bookingRefused("Quote %s needs %s to be booked; make a new quote with them.",
			q.Number, strings.Join(missing, ", "))
	}
	if pick, _ := windows(q); !now.Before(pick.start) {
		return QuoteShown{}, bookingRefused("The pickup window of quote %s opened at %s; make a new quote with a later pickup.",
			q.Number, stamp(pick.start))
	}

	company, err := c.Tx.PartageCompany(q.CompanyID)
	if err != nil {
		return QuoteShown{}, err
	}
	account := company
	if !(q.OwnCredit && company.CreditLimit != nil) && company.ParentID != nil {
		if account, err = c.Tx.PartageCompany(*company.ParentID); err != nil {
			return QuoteShown{}, err
		}
	}
	if account.CreditLimit != nil && account.CreditUtilization+opt.Total > *account.CreditLimit {
		return QuoteShown{}, bookingRefused("Booking quote %s (%s) would take %s past its credit limit of %s (%s in use).",
			q.Number, dollars(opt.Total), account.Name, dollars(*account.CreditLimit), dollars(account.CreditUtilization))
	}
	if err := charge(c.Tx, company, account, opt.Total); err != nil {
		return QuoteShown{}, err
	}
	q.Booking = &store.PartageBooking{Mode: r.Mode, BookedAt: now, BookedBy: c.Caller.APIUser, Total: opt.Total,
		Charges: opt.Charges, AccountID: account.ID}
	if err := c.Tx.UpdatePartageQuote(q); err != nil {
		return QuoteShown{}, err
	}
	return quoteView(c.BaseURL, q, now), nil
}

// charge adds amount (negative to release) to the utilization of the
// account carrying a load and, when the load's company is a same_credit
// sub-company, to the company's own figure.
func charge(tx store.Tx, company, account store.PartageCompany, amount int64) error {
	account.CreditUtilization = max(0, account.CreditUtilization+amount)
	if err := tx.UpdatePartageCompany(account); err != nil {
		return err
	}
	if account.ID == company.ID || !company.SameCredit {
		return nil
	}
	company.CreditUtilization = max(0, company.CreditUtilization+amount)
	return tx.UpdatePartageCompany(company)
}

// missingForBooking names what a quote lacks to be booked.
func missingForBooking(q store.PartageQuote) []string {
	var out []string
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"origin_address", q.OriginAddress == nil},
		{"destination_address", q.DestinationAddress == nil},
		{"commodity", q.Commodity == nil || strings.TrimSpace(*q.Commodity) == ""},
		{"value", q.ValueCents == nil},
		{"pieces", q.Pieces == nil},
	} {
		if f.missing {
			out = append(out, f.name)
		}
	}
	return out
}

func modes(q store.PartageQuote) string {
	var out []string
	for _, o := range q.Options {
		out = append(out, o.Mode)
	}
	return strings.Join(out, ", ")
}

// dollars spells whole dollars as the vendor's messages would: $12,480.
func dollars(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + "$" + s
}
