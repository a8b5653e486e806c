package e2e

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/partifact/mockserver/sandbox"
)

// ptClientMain drives a live server with the client oapi-codegen generated
// from /openapi-partage-3.0.json. It replays the README's Partage walk
// (steps.json: each step's operation, quote id, query token, tenant and
// body; a step of no operation, the clock, is sent as it is) through the
// generated calls, with the seed's Accept header added by a request editor,
// and prints each answer with whether it decoded into the generated type
// of its status. Then it shows the walked load with a typed call and names
// its stops by the union's discriminator, makes a quote with a typed body,
// and reads the refusal of a call without Accept as the generated Error.
const ptClientMain = `package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

type step struct {
	Op, ID, Token, Tenant, Verb, URL, Body string
}

type answer struct {
	Status int    ` + "`json:\"status\"`" + `
	Typed  bool   ` + "`json:\"typed\"`" + `
	Body   []byte ` + "`json:\"body\"`" + `
}

func main() {
	c, err := NewClientWithResponses(os.Args[1])
	if err != nil {
		panic(err)
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	var steps []step
	if err := json.Unmarshal(raw, &steps); err != nil {
		panic(err)
	}
	ctx := context.Background()
	const ct = "application/json"
	var out []answer
	var plID, token, tenant string
	for _, s := range steps {
		tenant = s.Tenant
		ed := func(_ context.Context, r *http.Request) error {
			r.Header.Set("x-mock-tenant", s.Tenant)
			r.Header.Set("Accept", "application/json")
			return nil
		}
		var tok *string
		if s.Token != "" {
			tok = &s.Token
		}
		body := func() io.Reader { return strings.NewReader(s.Body) }
		var a answer
		switch s.Op {
		case "companies.list":
			r, err := c.CompaniesListWithResponse(ctx, &CompaniesListParams{ApiToken: tok}, ed)
			a = result(err, r.HTTPResponse, r.Body, r.JSON200 != nil, r.JSON401, r.JSON406, r.JSON412, r.JSON500)
		case "quotes.create":
			r, err := c.QuotesCreateWithBodyWithResponse(ctx, &QuotesCreateParams{ApiToken: tok}, ct, body(), ed)
			a = result(err, r.HTTPResponse, r.Body, r.JSON200 != nil, r.JSON401, r.JSON406, r.JSON412, r.JSON500)
		case "quotes.book":
			plID = s.ID
			var b struct {
				APIToken string ` + "`json:\"api_token\"`" + `
			}
			if err := json.Unmarshal([]byte(s.Body), &b); err == nil {
				token = b.APIToken
			}
			r, err := c.QuotesBookWithBodyWithResponse(ctx, s.ID, &QuotesBookParams{ApiToken: tok}, ct, body(), ed)
			a = result(err, r.HTTPResponse, r.Body, r.JSON200 != nil, r.JSON401, r.JSON406, r.JSON412, r.JSON500)
		case "quotes.bol":
			r, err := c.QuotesBolWithResponse(ctx, s.ID, &QuotesBolParams{ApiToken: tok}, ed)
			pdf := err == nil && r.HTTPResponse.Header.Get("Content-Type") == "application/pdf"
			a = result(err, r.HTTPResponse, r.Body, pdf, r.JSON401, r.JSON406, r.JSON412, r.JSON500)
		case "quotes.notes.create":
			r, err := c.QuotesNotesCreateWithBodyWithResponse(ctx, s.ID, &QuotesNotesCreateParams{ApiToken: tok}, ct, body(), ed)
			a = result(err, r.HTTPResponse, r.Body, r.JSON200 != nil, r.JSON401, r.JSON406, r.JSON412, r.JSON500)
		case "quotes.show":
			r, err := c.QuotesShowWithResponse(ctx, s.ID, &QuotesShowParams{ApiToken: tok}, ed)
			a = result(err, r.HTTPResponse, r.Body, r.JSON200 != nil, r.JSON401, r.JSON406, r.JSON412, r.JSON500)
		case "quotes.cancel":
			r, err := c.QuotesCancelWithBodyWithResponse(ctx, s.ID, &QuotesCancelParams{ApiToken: tok}, ct, body(), ed)
			a = result(err, r.HTTPResponse, r.Body, r.JSON200 != nil, r.JSON401, r.JSON406, r.JSON412, r.JSON500)
		case "":
			req, err := http.NewRequest(s.Verb, s.URL, body())
			if err != nil {
				panic(err)
			}
			req.Header.Set("Content-Type", ct)
			_ = ed(ctx, req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				panic(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			a = answer{Status: resp.StatusCode, Typed: true, Body: b}
		default:
			panic("no generated call for " + s.Op)
		}
		out = append(out, a)
	}

	ed := func(_ context.Context, r *http.Request) error {
		r.Header.Set("x-mock-tenant", tenant)
		r.Header.Set("Accept", "application/json")
		return nil
	}
	// The walked load, typed: its stops told apart by the discriminator.
	shown, err := c.QuotesShowWithResponse(ctx, plID, &QuotesShowParams{ApiToken: &token}, ed)
	if err != nil || shown.JSON200 == nil {
		panic(fmt.Sprintf("typed quotes.show: %v %d %s", err, shown.StatusCode(), shown.Body))
	}
	var stops []string
	delivered := false
	for _, s := range shown.JSON200.Quote.Stops {
		kind, err := s.Discriminator()
		if err != nil {
			panic(err)
		}
		stops = append(stops, kind)
		v, err := s.ValueByDiscriminator()
		if err != nil {
			panic(err)
		}
		if drop, ok := v.(DropStop); ok {
			delivered = drop.ProofOfDelivery != nil && drop.Schedule.DepartedAt != nil
		}
	}

	// A typed body: a quote with weight and pallet spots.
	weight, spots := 10000, 10
	created, err := c.QuotesCreateWithResponse(ctx, &QuotesCreateParams{}, QuotesCreateJSONRequestBody{ApiToken: &token,
		Quote: QuoteTerms{Equipment: QuoteTermsEquipmentVan, OriginPostalCode: "60612", DestinationPostalCode: "12186", Weight: &weight, PalletSpots: &spots}}, ed)
	if err != nil || created.JSON200 == nil {
		panic(fmt.Sprintf("typed quotes.create: %v %d %s", err, created.StatusCode(), created.Body))
	}
	var modes []string
	for _, o := range created.JSON200.Quote.Options {
		modes = append(modes, string(o.Mode))
	}

	// No Accept header, as Go's client sends none: the seed's 406.
	refused, err := c.CompaniesListWithResponse(ctx, &CompaniesListParams{ApiToken: &token}, func(_ context.Context, r *http.Request) error {
		r.Header.Set("x-mock-tenant", tenant)
		return nil
	})
	if err != nil || refused.JSON406 == nil {
		panic(fmt.Sprintf("companies.list without Accept: %v %d %s", err, refused.StatusCode(), refused.Body))
	}

	b, err := json.Marshal(map[string]any{"steps": out, "stops": stops, "delivered": delivered, "modes": modes,
		"not_acceptable": refused.JSON406.Errors})
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(b)
}

// result is an answer, typed when it decoded into its status's generated
// type (the 200's, or the Error of the status).
func result(err error, resp *http.Response, body []byte, ok200 bool, e401, e406, e412, e500 *Error) answer {
	if err != nil {
		panic(err)
	}
	typed := map[int]bool{200: ok200, 401: e401 != nil, 406: e406 != nil, 412: e412 != nil, 500: e500 != nil}
	return answer{Status: resp.StatusCode, Typed: typed[resp.StatusCode], Body: body}
}
`

// TestPartageCodegen: /openapi-partage-3.0.json is a valid 3.0 document
// from which oapi-codegen v2.8.2 (a tool of this module) generates a Go
// client that compiles and walks the README's Partage walk-through, each
// answer decoding into the generated type of its status and equal to the
// README's (times and dates aside; the bill of lading read back by
// pdftotext).
func TestPartageCodegen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the code generator")
	}
	t.Parallel()
	// A server of its own: the walk names its world (partage-walkthrough),
	// as TestReadmePartage does on the shared one.
	srv := sandbox.Start(t, sandbox.Options{Dedicated: true})
	doc30 := fetchDoc30(t, srv.URL+"/openapi-partage-3.0.json")

	// The README's walk, as steps for the generated client.
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := ptSection.FindSubmatch(readme)
	if section == nil {
		t.Fatal("README.md has no Partage freight section")
	}
	type step struct {
		Op, ID, Token, Tenant, Verb, URL, Body string
	}
	var steps []step
	var want []string // the README's answer, or "pdf:" and pdftotext's text
	for _, m := range ptStep.FindAllSubmatch(section[1], -1) {
		cmd := strings.TrimSpace(string(m[1]))
		if strings.HasPrefix(cmd, "pdftotext ") {
			want[len(want)-1] = "pdf:" + string(m[3])
			continue
		}
		if o := ptOutput.FindStringSubmatch(cmd); o != nil {
			cmd = strings.Replace(cmd, o[0], "", 1)
		}
		req := parseCurl(t, cmd, srv.URL)
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		s := step{Op: ptOpOf(t, req.Method, req.URL.Path), Token: req.URL.Query().Get("api_token"),
			Tenant: req.Header.Get("x-mock-tenant"), Verb: req.Method, URL: req.URL.String(), Body: string(body)}
		if _, rest, ok := strings.Cut(req.URL.Path, "/api/quotes/"); ok {
			s.ID, _, _ = strings.Cut(rest, "/")
		}
		steps = append(steps, s)
		want = append(want, strings.ReplaceAll(string(m[3]), "localhost:8080", strings.TrimPrefix(srv.URL, "http://")))
	}
	ops := map[string]bool{}
	for _, s := range steps {
		ops[s.Op] = true
	}
	for _, op := range []string{"companies.list", "quotes.create", "quotes.book", "quotes.bol", "quotes.notes.create", "quotes.show", "quotes.cancel", ""} {
		if !ops[op] {
			t.Fatalf("the README's walk has no step of %q: %+v", op, steps)
		}
	}

	dir, runClient := generateClient(t, "oapigen-partage-", doc30, ptClientMain)
	out := runClient(srv.URL, writeJSON(t, filepath.Join(dir, "steps.json"), steps))
	var got struct {
		Steps []struct {
			Status int
			Typed  bool
			Body   []byte
		}
		Stops         []string
		Delivered     bool
		Modes         []string
		NotAcceptable []string `json:"not_acceptable"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("generated client printed %q: %v", out, err)
	}
	if len(got.Steps) != len(steps) {
		t.Fatalf("%d answers for %d steps", len(got.Steps), len(steps))
	}
	for i, a := range got.Steps {
		name := steps[i].Op + " " + steps[i].ID
		if !a.Typed {
			t.Fatalf("%s: %d did not decode into the generated type of its status: %s", name, a.Status, a.Body)
		}
		if pdf, ok := strings.CutPrefix(want[i], "pdf:"); ok {
			if text := pdfText(t, a.Body); !reflect.DeepEqual(ptNormalizeText(text), ptNormalizeText(pdf)) {
				t.Fatalf("%s reads\n%s\nbut README.md shows\n%s", name, text, pdf)
			}
			continue
		}
		if !reflect.DeepEqual(ptNormalize(t, a.Body), ptNormalize(t, []byte(want[i]))) {
			t.Fatalf("%s answers the generated client (%d)\n%s\nbut README.md shows\n%s", name, a.Status, a.Body, want[i])
		}
	}
	if !slices.Equal(got.Stops, []string{"pick", "drop"}) || !got.Delivered {
		t.Errorf("the typed load's stops %v, delivered %v", got.Stops, got.Delivered)
	}
	if !slices.Equal(got.Modes, []string{"truckload", "partial_truckload", "intermodal"}) {
		t.Errorf("the typed quote's options %v", got.Modes)
	}
	if len(got.NotAcceptable) != 1 || !strings.Contains(got.NotAcceptable[0], "Accept header that includes application/json") {
		t.Errorf("without Accept: %q", got.NotAcceptable)
	}
}
