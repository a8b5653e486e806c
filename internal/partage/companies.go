package partage

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// Sub-companies (seed: Sub-companies). Designed:
//   - A sub-company with same_credit false starts with NewCreditLimit ("a
//     small limit, to allow them to book the first load") and needs a
//     location (address_one, postal_code) and an accounts_payable contact
//     (first_name, last_name, email, phone) for the credit check.
//   - external_id is required and unique among the parent's sub-companies
//     (406 when taken); a family holds at most MaxSubCompanies.
//   - The answer is {"company": …}, the list's view of the new company.
const (
	NewCreditLimit  = 2500 // $
	MaxSubCompanies = 100
)

// CompanyView is one company as GET /api/companies lists it.
type CompanyView struct {
	Name              string  `json:"name"`
	ExternalID        *string `json:"external_id"`
	CreditLimit       *int64  `json:"credit_limit"`
	CreditUtilization int64   `json:"credit_utilization"`
	SameCredit        bool    `json:"same_credit"`
}

// CompanyCreated answers POST /api/companies [D].
type CompanyCreated struct {
	Company CompanyView `json:"company"`
}

func companyView(c store.PartageCompany) CompanyView {
	return CompanyView{Name: c.Name, ExternalID: c.ExternalID, CreditLimit: c.CreditLimit,
		CreditUtilization: c.CreditUtilization, SameCredit: c.SameCredit}
}

// ListCompanies is the caller's company first, then its sub-companies,
// oldest first.
func ListCompanies(c *Call) ([]CompanyView, error) {
	parent, err := c.Tx.PartageCompany(familyOf(c.Caller))
	if err != nil {
		return nil, err
	}
	subs, err := c.Tx.PartageSubCompanies(parent.ID)
	if err != nil {
		return nil, err
	}
	out := []CompanyView{companyView(parent)}
	for _, s := range subs {
		out = append(out, companyView(s))
	}
	return out, nil
}

// CompanyRequest is the body of POST /api/companies, in either of the
// seed's two shapes.
type CompanyRequest struct {
	ExternalID      string
	SameCredit      bool
	Name            string
	DUNSNumber      *string
	Location        *store.PartageLocation
	AccountsPayable *store.PartageContact
}

// DecodeCompanyRequest checks a sub-company body.
func DecodeCompanyRequest(raw []byte) (CompanyRequest, error) {
	b, err := parseBody(raw)
	if err != nil {
		return CompanyRequest{}, err
	}
	return decodeCompany(b)
}

func decodeCompany(b body) (CompanyRequest, error) {
	var p problems
	top := object{m: b, p: &p}
	co, ok := top.obj("company")
	if !ok && !top.has("company") {
		p.add("company", "can't be blank")
	}
	var r CompanyRequest
	req := func(o object, name string) string {
		if s := o.text(name, true, MaxTextLength); s != nil {
			return *s
		}
		return ""
	}
	r.ExternalID = req(co, "external_id")
	if !co.has("same_credit") {
		p.add(co.at("same_credit"), "can't be blank")
	}
	r.SameCredit = co.boolean("same_credit")
	r.Name = req(co, "name")
	r.DUNSNumber = co.text("duns_number", false, MaxTextLength)

	needed := co.m != nil && !r.SameCredit // separate liability needs the credit-check details
	if loc, ok := co.obj("location"); ok {
		r.Location = &store.PartageLocation{AddressOne: req(loc, "address_one"), PostalCode: req(loc, "postal_code")}
		if s := loc.text("address_two", false, MaxTextLength); s != nil {
			r.Location.AddressTwo = *s
		}
		if r.Location.PostalCode != "" && !validZIP(r.Location.PostalCode) {
			p.add(loc.at("postal_code"), "must be a 5-digit ZIP code")
		}
	} else if needed && !co.has("location") {
		p.add(co.at("location"), "can't be blank when same_credit is false")
	}
	if ap, ok := co.obj("accounts_payable"); ok {
		r.AccountsPayable = &store.PartageContact{FirstName: req(ap, "first_name"), LastName: req(ap, "last_name"),
			Email: req(ap, "email"), Phone: req(ap, "phone")}
		if e := r.AccountsPayable.Email; e != "" && !validEmail(e) {
			p.add(ap.at("email"), "must be an email address")
		}
		if ph := r.AccountsPayable.Phone; ph != "" && !validPhone(ph) {
			p.add(ap.at("phone"), "must hold 10 to 15 digits")
		}
	} else if needed && !co.has("accounts_payable") {
		p.add(co.at("accounts_payable"), "can't be blank when same_credit is false")
	}
	return r, p.err()
}

// CreateCompany adds a sub-company to the caller's family.
func CreateCompany(c *Call, r CompanyRequest) (CompanyCreated, error) {
	family := familyOf(c.Caller)
	switch _, err := c.Tx.PartageSubCompanyByExternalID(family, r.ExternalID); {
	case err == nil:
		return CompanyCreated{}, newError(StatusInvalidQuote, fmt.Sprintf(
			"Invalid company. A sub-company with external_id %s exists already.", quoted(r.ExternalID)))
	case !errors.Is(err, store.ErrNotFound):
		return CompanyCreated{}, err
	}
	subs, err := c.Tx.PartageSubCompanies(family)
	if err != nil {
		return CompanyCreated{}, err
	}
	if len(subs) >= MaxSubCompanies {
		return CompanyCreated{}, newError(StatusInvalidQuote, fmt.Sprintf(
			"Invalid company. A company has at most %d sub-companies.", MaxSubCompanies))
	}
	n, err := c.Tx.NextPartageCounter("company")
	if err != nil {
		return CompanyCreated{}, err
	}
	parent := family
	sub := store.PartageCompany{
		ID: seed.Mint(family, fmt.Sprintf("partage-company:%d", n)), ParentID: &parent, Name: r.Name,
		ExternalID: &r.ExternalID, SameCredit: r.SameCredit, DUNSNumber: r.DUNSNumber, Location: r.Location,
		AccountsPayable: r.AccountsPayable, CreatedAt: c.Tx.Now(),
	}
	if !r.SameCredit {
		limit := int64(NewCreditLimit)
		sub.CreditLimit = &limit
	}
	if err := c.Tx.InsertPartageCompany(sub); err != nil {
		return CompanyCreated{}, err
	}
	return CompanyCreated{Company: companyView(sub)}, nil
}

// validEmail wants something on both sides of one "@" and no spaces.
func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at == strings.LastIndexByte(s, '@') && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}

// Families are the ids of the top-level companies, whose families hold
// every quote and sub-company: the seed's, since the API makes
// sub-companies only.
var Families = sync.OnceValue(func() []uuid.UUID {
	var ids []uuid.UUID
	for _, c := range seed.New().PartageCompanies {
		if c.ParentID == nil {
			ids = append(ids, c.ID)
		}
	}
	return ids
})
