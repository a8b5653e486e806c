package e2e

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
)

// TestPartageFaults: faults set on a Partage operation answer in the
// family's shape, with a status the operation declares.
func TestPartageFaults(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-faults"
		c := newPT(t, a.URL(), tenant)
		fault := func(f map[string]any) {
			t.Helper()
			ctlOK(t, a.URL(), tenant, "POST /__faults", "", f, nil)
		}

		// A status with messages of one's own, once.
		fault(map[string]any{"api": "partage", "method": "quotes.create", "status": 406, "count": 1,
			"fields": map[string]any{"errors": []any{"Lane closed for the holidays.", "Call your account manager."}}})
		msgs := c.fails("quotes.create", "", map[string]any{"quote": lane("12186", nil)}, http.StatusNotAcceptable, "Lane closed for the holidays.")
		if !reflect.DeepEqual(msgs, []string{"Lane closed for the holidays.", "Call your account manager."}) {
			t.Fatalf("injected messages: %q", msgs)
		}
		c.create(lane("12186", nil), nil) // used up

		// A variant alone, and a status alone: the family's usual words for it.
		for _, tc := range []struct {
			f      map[string]any
			status int
			want   string
		}{
			{map[string]any{"api": "partage", "method": "companies.list", "error": "500"}, 500, "Internal application error"},
			{map[string]any{"api": "partage", "method": "companies.list", "status": 401}, 401, "Invalid token. Company not found."},
			{map[string]any{"api": "partage", "method": "companies.list", "status": 412}, 412, "Invalid request format"},
			{map[string]any{"api": "partage", "method": "companies.list", "error": "406"}, 406, "Invalid quote"},
			// A status the API never answers becomes its internal error.
			{map[string]any{"api": "partage", "method": "companies.list", "status": 503}, 500, "Internal application error"},
			// Without "api": the operation names it.
			{map[string]any{"method": "quotes.show", "status": 500}, 500, "Internal application error"},
		} {
			tc.f["count"] = 1
			fault(tc.f)
			op := tc.f["method"].(string)
			id := ""
			if op == "quotes.show" {
				id = "PLAAAA"
			}
			c.fails(op, id, nil, tc.status, tc.want)
		}
		var list struct {
			Items []struct {
				API, Method string
				Status      *int
			}
		}
		fault(map[string]any{"api": "partage", "method": "quotes.bol", "status": 503})
		ctlOK(t, a.URL(), tenant, "GET /__faults", "", nil, &list)
		if len(list.Items) != 1 || list.Items[0].API != partage.Name || list.Items[0].Method != "quotes.bol" ||
			list.Items[0].Status == nil || *list.Items[0].Status != 500 {
			t.Fatalf("faults: %+v", list.Items)
		}
		ctlOK(t, a.URL(), tenant, "DELETE /__faults", "", nil, nil)

		// Faults the API could never answer are refused.
		for name, bad := range map[string]map[string]any{
			"NotAnOperation":   {"api": "partage", "method": "quotes.delete", "status": 500},
			"PartlyVariant":    {"api": "partage", "method": "quotes.create", "error": "not_found"},
			"StatusAndVariant": {"api": "partage", "method": "quotes.create", "error": "412", "status": 406},
			"Success":          {"api": "partage", "method": "quotes.create", "status": 200},
			"OtherFields":      {"api": "partage", "method": "quotes.create", "status": 406, "fields": map[string]any{"message": "no"}},
			"NumberMessages":   {"api": "partage", "method": "quotes.create", "status": 406, "fields": map[string]any{"errors": []any{1}}},
			"EmptyMessages":    {"api": "partage", "method": "quotes.create", "status": 406, "fields": map[string]any{"errors": []any{}}},
			"NoAPI":            {"api": "freightly", "method": "quotes.create", "status": 500},
		} {
			t.Run(name, func(t *testing.T) {
				ctlFails(t, a.URL(), tenant, "POST /__faults", "", bad, http.StatusBadRequest, "bad_request")
			})
		}
		// A latency-only fault delays and answers as usual.
		fault(map[string]any{"api": "partage", "method": "companies.list", "latency_ms": 20, "count": 1})
		c.companies()
	})
}

// TestPartageJournalAndCoverage: the journal names the API and each
// operation; coverage lists every operation of openapi-partage.json with
// the statuses it declares and counts what the tenant saw.
func TestPartageJournalAndCoverage(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-coverage"
		c := newPT(t, a.URL(), tenant)
		q := c.create(lane("12186", nil), nil)
		c.fails("quotes.create", "", map[string]any{}, http.StatusPreconditionFailed, "quote")
		c.as("nope").fails("quotes.create", "", map[string]any{}, http.StatusUnauthorized, "Invalid token")
		c.show(q.Quote.Number)
		c.fails("quotes.show", "PLZZZZ", nil, http.StatusNotAcceptable, "Quote not found")
		c.companies()
		ptRaw(t, a.URL(), tenant, "", "GET", "/partage/api/nowhere", nil, nil)

		var j struct {
			Items []struct {
				API, Method  string
				Status       int
				RequestBody  string `json:"request_body"`
				ResponseBody string `json:"response_body"`
			}
		}
		ctlOK(t, a.URL(), tenant, "GET /__journal", "/__journal?api=partage", nil, &j)
		var got []string
		for _, e := range j.Items {
			if e.API != partage.Name {
				t.Errorf("journal entry of API %q", e.API)
			}
			got = append(got, e.Method+" "+http.StatusText(e.Status))
		}
		want := []string{"quotes.create OK", "quotes.create Precondition Failed", "quotes.create Unauthorized", "quotes.show OK",
			"quotes.show Not Acceptable", "companies.list OK", "api/nowhere Not Found"}
		if !slices.Equal(got, want) {
			t.Fatalf("journal:\n got %q\nwant %q", got, want)
		}
		if !strings.Contains(j.Items[0].ResponseBody, q.Quote.Number) || !strings.Contains(j.Items[0].RequestBody, "12186") {
			t.Errorf("the journal keeps the bodies: %+v", j.Items[0])
		}
		ctlOK(t, a.URL(), tenant, "GET /__journal", "/__journal?api=partage&method=quotes.show&status=406", nil, &j)
		if len(j.Items) != 1 {
			t.Errorf("filtered journal: %+v", j.Items)
		}

		var cov struct {
			Methods []struct {
				API, Method string
				Variants    []struct {
					Name  string
					Count int
				}
			}
			Exercised, Total int
		}
		ctlOK(t, a.URL(), tenant, "GET /__coverage", "/__coverage?api=partage", nil, &cov)
		ops := ptDoc(t).OpsUnder(partage.PathPrefix + "/")
		counted := map[string]int{}
		var listed []string
		total := 0
		for _, m := range cov.Methods {
			listed = append(listed, m.Method)
			var variants []string
			for _, v := range m.Variants {
				variants = append(variants, v.Name)
				if v.Count > 0 {
					counted[m.Method+" "+v.Name] = v.Count
				}
			}
			var declared []string
			for status := range ptDoc(t).Op(m.Method).Responses.Map() {
				declared = append(declared, status)
			}
			slices.Sort(declared)
			total += len(declared)
			if m.API != partage.Name || !slices.Equal(variants, declared) {
				t.Errorf("%s: variants %v, the document declares %v", m.Method, variants, declared)
			}
		}
		slices.Sort(listed)
		wantCounts := map[string]int{"quotes.create 200": 1, "quotes.create 412": 1, "quotes.create 401": 1,
			"quotes.show 200": 1, "quotes.show 406": 1, "companies.list 200": 1}
		if !slices.Equal(listed, ops) || !reflect.DeepEqual(counted, wantCounts) || cov.Exercised != len(wantCounts) || cov.Total != total {
			t.Fatalf("coverage: %v, counts %v (exercised %d of %d)", listed, counted, cov.Exercised, cov.Total)
		}
	})
}

// TestPartageResetAndIsolation: /__reset brings a world's companies back
// and forgets its quotes; worlds and families never see each other's.
func TestPartageResetAndIsolation(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-reset"
		c := newPT(t, a.URL(), tenant)
		mon := setClock(t, a.URL(), tenant, ptMonday())
		c.ok("companies.create", "", map[string]any{"company": map[string]any{"external_id": "temp", "same_credit": true, "name": "Temporary"}}, nil)
		q := c.create(lane("12186", map[string]any{"timing": map[string]any{"origin": day(mon, 2)}}), nil)
		c.book(q.Quote.Number, "truckload")
		if got := c.companies(); reflect.DeepEqual(got, ptSeeded) {
			t.Fatal("nothing changed before the reset")
		}

		// Another world is untouched by all this, and numbers its own quotes.
		elsewhere := newPT(t, a.URL(), tenant+"-elsewhere")
		if got := elsewhere.companies(); !reflect.DeepEqual(got, ptSeeded) {
			t.Fatalf("another world's companies: %+v", got)
		}
		elsewhere.fails("quotes.show", q.Quote.Number, nil, http.StatusNotAcceptable, "Quote not found")
		if n := elsewhere.create(lane("12186", nil), nil).Quote.Number; !strings.HasSuffix(n, "-1") {
			t.Fatalf("another world's first quote is %s", n)
		}
		// Another family in the same world sees neither the quote nor the company.
		other := c.as(seed.PartageOtherToken)
		other.fails("quotes.show", q.Quote.Number, nil, http.StatusNotAcceptable, "Quote not found")
		other.fails("quotes.create", "", map[string]any{"external_id": "temp", "quote": lane("12186", nil)}, http.StatusNotAcceptable, "has no sub-company")

		ctlOK(t, a.URL(), tenant, "POST /__reset", "", nil, nil)
		if got := c.companies(); !reflect.DeepEqual(got, ptSeeded) {
			t.Fatalf("companies after the reset: %+v", got)
		}
		c.fails("quotes.show", q.Quote.Number, nil, http.StatusNotAcceptable, "Quote not found")
		c.fails("quotes.create", "", map[string]any{"external_id": "temp", "quote": lane("12186", nil)}, http.StatusNotAcceptable, "has no sub-company")
		if n := c.create(lane("12186", nil), nil).Quote.Number; !strings.HasSuffix(n, "-1") {
			t.Fatalf("the first quote after the reset is %s", n)
		}
		if got := len(elsewhere.companies()); got != len(ptSeeded) {
			t.Fatal("the reset reached another world")
		}
		if n := elsewhere.create(lane("12186", nil), nil).Quote.Number; !strings.HasSuffix(n, "-2") {
			t.Fatalf("the reset reached another world's numbers: %s", n)
		}
	})
}
