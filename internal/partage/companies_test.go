package partage

import (
	"testing"

	"github.com/partifact/mockserver/internal/seed"
)

func TestCompanies(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		got := w.companies()
		want := []CompanyView{
			{Name: lakeshore, CreditLimit: i64(50000), CreditUtilization: 12480},
			{Name: "Badger State Auto Parts", ExternalID: strp("badger-state"), CreditLimit: i64(5000), CreditUtilization: 3900},
			{Name: "Lakeshore Parts — Indianapolis", ExternalID: strp("lakeshore-indy"), CreditUtilization: 2150, SameCredit: true},
		}
		equalCompanies(t, got, want)

		// The seed's two request shapes.
		full := w.ok("companies.create", "", `{"company":{"external_id":"the id","same_credit":false,"name":"A Subcompany Name",
			"duns_number":"Optional, free-form text","location":{"address_one":"333 N Oakley","address_two":"Suite 200","postal_code":"60612"},
			"accounts_payable":{"first_name":"AP Contact Last Name","last_name":"AP Contact First Name","email":"ap@example.com","phone":"123 123 1234"}}}`).
			JSON.(CompanyCreated).Company
		equalCompanies(t, []CompanyView{full}, []CompanyView{{Name: "A Subcompany Name", ExternalID: strp("the id"), CreditLimit: i64(NewCreditLimit)}})
		org := w.ok("companies.create", "", `{"company":{"external_id":"org","same_credit":true,"name":"Organizational"}}`).JSON.(CompanyCreated).Company
		equalCompanies(t, []CompanyView{org}, []CompanyView{{Name: "Organizational", ExternalID: strp("org"), SameCredit: true}})
		equalCompanies(t, w.companies(), append(want, full, org))

		// A new sub-company is quoted for by its external id at once.
		w.create(`{"external_id":"the id","quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`)

		wantMessage(t, w.fails(406, "companies.create", "", `{"company":{"external_id":"org","same_credit":true,"name":"Again"}}`),
			`A sub-company with external_id "org" exists already`)
		msgs := w.fails(412, "companies.create", "", `{"company":{"same_credit":false,"name":"No id"}}`)
		wantMessage(t, msgs, "company.external_id can't be blank")
		wantMessage(t, msgs, "company.location can't be blank when same_credit is false")
		wantMessage(t, msgs, "company.accounts_payable can't be blank when same_credit is false")
		wantMessage(t, w.fails(412, "companies.create", "", `{"company":{"external_id":"x","name":"X"}}`), "company.same_credit can't be blank")
		wantMessage(t, w.fails(412, "companies.create", "", `{"company":{"external_id":"x","same_credit":false,"name":"X",
			"location":{"address_one":"1","postal_code":"6061"},"accounts_payable":{"first_name":"a","last_name":"b","email":"nope","phone":"1"}}}`),
			"company.accounts_payable.email must be an email address")
		wantMessage(t, w.fails(412, "companies.create", "", `{"company":{"external_id":"x\u0000","same_credit":true,"name":"X"}}`),
			"company.external_id must not contain NUL characters")
		wantMessage(t, w.fails(412, "companies.create", "", `{}`), "company can't be blank")

		// Another family sees only its own.
		w.token = seed.PartageOtherToken
		equalCompanies(t, w.companies(), []CompanyView{{Name: "Gulf Coast Auto Supply", CreditLimit: i64(20000)}})
		wantMessage(t, w.fails(406, "quotes.create", "", `{"external_id":"badger-state","quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`),
			`Gulf Coast Auto Supply has no sub-company with external_id "badger-state"`)
	})
}

func TestSubCompanyCap(t *testing.T) {
	w := memWorld(t)
	for i := len(w.companies()) - 1; i < MaxSubCompanies; i++ {
		w.ok("companies.create", "", `{"company":{"external_id":"s`+itoa(i)+`","same_credit":true,"name":"S"}}`)
	}
	wantMessage(t, w.fails(406, "companies.create", "", `{"company":{"external_id":"one more","same_credit":true,"name":"S"}}`),
		"at most 100 sub-companies")
}

func itoa(i int) string { return string(rune('a'+i/26)) + string(rune('a'+i%26)) }

func strp(s string) *string { return &s }

func equalCompanies(t *testing.T, got, want []CompanyView) {
	t.Helper()
	show := func(cs []CompanyView) (out []string) {
		for _, c := range cs {
			out = append(out, jsonString(c.Name)+"|"+deref(c.ExternalID)+"|"+count(c.CreditLimit)+"|"+itoa64(c.CreditUtilization)+"|"+boolStr(c.SameCredit))
		}
		return out
	}
	g, w := show(got), show(want)
	if len(g) != len(w) {
		t.Fatalf("companies\n got  %v\n want %v", g, w)
	}
	for i := range g {
		if g[i] != w[i] {
			t.Fatalf("companies\n got  %v\n want %v", g, w)
		}
	}
}

func itoa64(n int64) string { return count(&n) }

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
