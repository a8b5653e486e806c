package e2e

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
)

func ptStr(s string) *string { return &s }
func ptInt(n int64) *int64   { return &n }

// ptSeeded is the demo family as every world starts it (internal/seed/partage.go).
var ptSeeded = []ptCompany{
	{Name: ptLakeshore, CreditLimit: ptInt(50000), CreditUtilization: 12480},
	{Name: ptBadger, ExternalID: ptStr(seed.PartageBadgerExternalID), CreditLimit: ptInt(5000), CreditUtilization: 3900},
	{Name: ptIndy, ExternalID: ptStr(seed.PartageIndyExternalID), CreditUtilization: 2150, SameCredit: true},
}

// TestPartageCompanies: the family as GET /api/companies lists it,
// sub-companies made in both of the seed's request shapes, and quotes for
// them by external_id.
func TestPartageCompanies(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-companies"
		c := newPT(t, a.URL(), tenant)
		if got := c.companies(); !reflect.DeepEqual(got, ptSeeded) {
			t.Fatalf("companies: %+v", got)
		}

		// Separate liability: location and accounts payable, a small limit.
		var made struct{ Company ptCompany }
		c.ok("companies.create", "", map[string]any{"company": map[string]any{
			"external_id": "toledo-branch", "same_credit": false, "name": "Maumee Valley Auto Parts", "duns_number": "Optional, free-form text",
			"location":         map[string]any{"address_one": "1 Summit St", "address_two": "Suite 200", "postal_code": "43604"},
			"accounts_payable": map[string]any{"first_name": "Ann", "last_name": "Lee", "email": "ap@maumee.example", "phone": "419 555 0100"},
		}}, &made)
		want := ptCompany{Name: "Maumee Valley Auto Parts", ExternalID: ptStr("toledo-branch"), CreditLimit: ptInt(partage.NewCreditLimit)}
		if !reflect.DeepEqual(made.Company, want) {
			t.Fatalf("created %+v, want %+v", made.Company, want)
		}
		// For organization only: the short shape, on the parent's credit.
		c.ok("companies.create", "", map[string]any{"company": map[string]any{
			"external_id": "fleet-desk", "same_credit": true, "name": "Fleet Desk"}}, &made)
		if made.Company.CreditLimit != nil || !made.Company.SameCredit {
			t.Fatalf("a same_credit sub-company: %+v", made.Company)
		}
		list := c.companies()
		if len(list) != len(ptSeeded)+2 || list[0].Name != ptLakeshore || list[3].Name != "Maumee Valley Auto Parts" || list[4].Name != "Fleet Desk" {
			t.Fatalf("companies after two more: %+v", list)
		}

		for _, bad := range []struct {
			company any
			status  int
			want    string
		}{
			{map[string]any{"external_id": "toledo-branch", "same_credit": true, "name": "Again"}, 406, `external_id "toledo-branch" exists already`},
			{map[string]any{"external_id": seed.PartageBadgerExternalID, "same_credit": true, "name": "Again"}, 406, "exists already"},
			{map[string]any{"external_id": "x", "same_credit": false, "name": "No details"}, 412, "company.location can't be blank when same_credit is false"},
			{map[string]any{"external_id": "x", "same_credit": false, "name": "No details"}, 412, "company.accounts_payable can't be blank when same_credit is false"},
			{map[string]any{"same_credit": true, "name": "No id"}, 412, "company.external_id can't be blank"},
			{map[string]any{"external_id": "x", "name": "No credit choice"}, 412, "company.same_credit can't be blank"},
			{map[string]any{"external_id": "x", "same_credit": "no", "name": "N"}, 412, "company.same_credit must be true or false"},
			{map[string]any{"external_id": "x", "same_credit": true}, 412, "company.name can't be blank"},
			{map[string]any{"external_id": "x", "same_credit": false, "name": "N",
				"location":         map[string]any{"address_one": "1 A St", "postal_code": "4360"},
				"accounts_payable": map[string]any{"first_name": "A", "last_name": "B", "email": "not-an-email", "phone": "12"}}, 412, "company.location.postal_code must be a 5-digit ZIP code"},
			{map[string]any{"external_id": "x", "same_credit": false, "name": "N",
				"location":         map[string]any{"address_one": "1 A St", "postal_code": "43604"},
				"accounts_payable": map[string]any{"first_name": "A", "last_name": "B", "email": "not-an-email", "phone": "4195550100"}}, 412, "company.accounts_payable.email must be an email address"},
			{"Acme", 412, "company must be an object"},
			{nil, 412, "company can't be blank"},
		} {
			c.fails("companies.create", "", map[string]any{"company": bad.company}, bad.status, bad.want)
		}
		if got := len(c.companies()); got != len(ptSeeded)+2 {
			t.Fatalf("refused companies were kept: %d companies", got)
		}

		// Quotes for the new sub-companies, by external_id; the one with
		// its own credit may book on it.
		var q ptCreated
		c.ok("quotes.create", "", map[string]any{"external_id": "toledo-branch", "own_credit": true, "quote": lane("43604", nil)}, &q)
		c.ok("quotes.create", "", map[string]any{"external_id": "fleet-desk", "quote": lane("43604", nil)}, nil)
		c.book(q.Quote.Number, "truckload")
		if got := c.company("Maumee Valley Auto Parts").CreditUtilization; got != q.totals()["truckload"] {
			t.Fatalf("the new sub-company's utilization is %d", got)
		}

		// Another family sees none of it, and may use the same external_id.
		other := c.as(seed.PartageOtherToken)
		if got := other.companies(); len(got) != 1 || got[0].Name != "Gulf Coast Auto Supply" {
			t.Fatalf("the other family: %+v", got)
		}
		other.fails("quotes.create", "", map[string]any{"external_id": "toledo-branch", "quote": lane("43604", nil)}, http.StatusNotAcceptable, "has no sub-company")
		other.ok("companies.create", "", map[string]any{"company": map[string]any{"external_id": "toledo-branch", "same_credit": true, "name": "Gulf Toledo"}}, nil)
		if got := other.companies(); len(got) != 2 || !strings.Contains(got[1].Name, "Gulf Toledo") {
			t.Fatalf("the other family's sub-company: %+v", got)
		}
		if got := len(c.companies()); got != len(ptSeeded)+2 {
			t.Fatalf("the other family's sub-company joined this one: %d", got)
		}
	})
}
