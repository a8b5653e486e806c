package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
)

// ptRaw sends exactly the request given (headers replace the seed's
// defaults; a "" value removes one) and checks the answer's shape for op.
func ptRaw(t *testing.T, base, tenant, op, verb, path string, header map[string]string, body []byte) (int, http.Header, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(verb, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = nil, 0
	}
	req.Header.Set("Accept", "application/json")
	if verb != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("x-mock-tenant", tenant)
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b, ptShape(t, op, resp.StatusCode, resp.Header.Get("Content-Type"), b)
}

// TestPartageTransport: the token (body or query), Accept and Content-Type
// as the seed demands them, malformed bodies, unknown paths and verbs:
// each answered in the family's shape with its status and a message that
// says what is wrong.
func TestPartageTransport(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-transport"
		token := "?api_token=" + seed.PartageDemoToken
		quote := `"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}`
		withToken := `{"api_token":"` + seed.PartageDemoToken + `",` + quote + `}`
		for _, tc := range []struct {
			name       string
			op         string // "" for a path no operation has
			verb, path string
			header     map[string]string
			body       string
			status     int
			want       string // in a message; "" for a 200
			allow      string // the Allow header of a 405
		}{
			{"NoToken", "companies.list", "GET", "/partage/api/companies", nil, "", 401, "Invalid token. Company not found.", ""},
			{"WrongQueryToken", "companies.list", "GET", "/partage/api/companies?api_token=nope", nil, "", 401, "Invalid token", ""},
			{"EmptyQueryToken", "companies.list", "GET", "/partage/api/companies?api_token=", nil, "", 401, "Invalid token", ""},
			{"OtherQueryParamOnly", "companies.list", "GET", "/partage/api/companies?token=" + seed.PartageDemoToken, nil, "", 401, "Invalid token", ""},
			{"QueryToken", "companies.list", "GET", "/partage/api/companies" + token, nil, "", 200, "", ""},
			{"GETBodyIgnored", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Content-Type": "application/json"}, `{"api_token":"nope"}`, 200, "", ""},
			{"GETBodyTokenNotRead", "companies.list", "GET", "/partage/api/companies", map[string]string{"Content-Type": "application/json"}, `{"api_token":"` + seed.PartageDemoToken + `"}`, 401, "Invalid token. Company not found.", ""},
			{"GETBodyTokenHint", "quotes.show", "GET", "/partage/api/quotes/PLAAAA", map[string]string{"Content-Type": "application/json"}, `{"api_token":"` + seed.PartageDemoToken + `"}`, 401, "The body of a GET is not read: send the token in the query (?api_token=", ""},
			{"WrongBodyToken", "quotes.create", "POST", "/partage/api/quotes", nil, `{"api_token":"nope",` + quote + `}`, 401, "Invalid token", ""},
			{"TokenNotAString", "quotes.create", "POST", "/partage/api/quotes", nil, `{"api_token":12345,` + quote + `}`, 401, "Invalid token", ""},
			{"NoTokenInBody", "quotes.create", "POST", "/partage/api/quotes", nil, `{` + quote + `}`, 401, "Invalid token", ""},
			{"QueryTokenOnPOST", "quotes.create", "POST", "/partage/api/quotes" + token, nil, `{` + quote + `}`, 200, "", ""},
			{"NullBodyTokenTakesTheQuery", "quotes.create", "POST", "/partage/api/quotes" + token, nil, `{"api_token":null,` + quote + `}`, 200, "", ""},
			{"BodyTokenWins", "quotes.create", "POST", "/partage/api/quotes" + token, nil, `{"api_token":"nope",` + quote + `}`, 401, "Invalid token", ""},
			{"OtherFamilysTokenWorks", "companies.list", "GET", "/partage/api/companies?api_token=" + seed.PartageOtherToken, nil, "", 200, "", ""},

			{"NoAccept", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": ""}, "", 406, "Send an Accept header that includes application/json", ""},
			{"AcceptHTML", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": "text/html"}, "", 406, "Not acceptable", ""},
			{"AcceptJSONRefused", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": "application/json;q=0"}, "", 406, "Not acceptable", ""},
			{"AcceptJSONRefusedDecimal", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": "application/json;q=0.000, text/html"}, "", 406, "Not acceptable", ""},
			{"AcceptJSONLowQuality", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": "application/json;q=0.001"}, "", 200, "", ""},
			{"AcceptPDFForJSON", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": "application/pdf"}, "", 406, "Not acceptable", ""},
			{"AcceptGarbage", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": ";;;"}, "", 406, "Not acceptable", ""},
			{"AcceptAnything", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": "*/*"}, "", 200, "", ""},
			{"AcceptApplicationAny", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": "application/*"}, "", 200, "", ""},
			{"AcceptAmongOthers", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"Accept": "text/html, application/json;q=0.9"}, "", 200, "", ""},
			{"AcceptBeforeToken", "companies.list", "GET", "/partage/api/companies?api_token=nope", map[string]string{"Accept": ""}, "", 406, "Not acceptable", ""},
			{"AcceptOnPOST", "quotes.create", "POST", "/partage/api/quotes", map[string]string{"Accept": "text/plain"}, withToken, 406, "Not acceptable", ""},

			{"TextPlain", "quotes.create", "POST", "/partage/api/quotes", map[string]string{"Content-Type": "text/plain"}, withToken, 412, "Send the body as Content-Type: application/json", ""},
			{"FormBody", "quotes.create", "POST", "/partage/api/quotes", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, withToken, 412, "Content-Type: application/json", ""},
			{"NoContentType", "quotes.create", "POST", "/partage/api/quotes", map[string]string{"Content-Type": ""}, withToken, 412, "Content-Type: application/json", ""},
			{"BadContentType", "quotes.create", "POST", "/partage/api/quotes", map[string]string{"Content-Type": "application/json; ===="}, withToken, 412, "Content-Type: application/json", ""},
			{"JSONWithCharset", "quotes.create", "POST", "/partage/api/quotes", map[string]string{"Content-Type": "application/json; charset=utf-8"}, withToken, 200, "", ""},
			{"ContentTypeBeforeToken", "quotes.create", "POST", "/partage/api/quotes", map[string]string{"Content-Type": "text/plain"}, `{"api_token":"nope"}`, 412, "Content-Type", ""},
			{"MalformedJSON", "quotes.create", "POST", "/partage/api/quotes", nil, `{"api_token":`, 412, "The body is not valid JSON.", ""},
			{"TrailingData", "quotes.create", "POST", "/partage/api/quotes", nil, withToken + ` {}`, 412, "data after the value", ""},
			{"ArrayBody", "quotes.create", "POST", "/partage/api/quotes", nil, `[` + withToken + `]`, 412, "The body must be a JSON object.", ""},
			{"MalformedBeforeToken", "companies.create", "POST", "/partage/api/companies", nil, `{"api_token":"nope"`, 412, "not valid JSON", ""},
			{"TooDeep", "quotes.create", "POST", "/partage/api/quotes", nil, `{"quote":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, 412, "Invalid request format. The JSON nests deeper than", ""},
			{"EmptyBodyIsAnEmptyObject", "quotes.create", "POST", "/partage/api/quotes" + token, nil, "", 412, "quote can't be blank", ""},
			{"BadTenant", "companies.list", "GET", "/partage/api/companies" + token, map[string]string{"x-mock-tenant": "Not A Name!"}, "", 412, "Invalid request format. A tenant name", ""},

			{"UnknownPath", "", "GET", "/partage/api/nope" + token, nil, "", 404, "Not found. No such API endpoint.", ""},
			{"UnknownSubPath", "", "POST", "/partage/api/quotes/PLAAAA/undo", nil, withToken, 404, "No such API endpoint", ""},
			{"PrefixOnly", "", "GET", "/partage/", nil, "", 404, "No such API endpoint", ""},
			{"WrongVerb", "quotes.create", "DELETE", "/partage/api/quotes", nil, "", 405, "called with POST", "POST"},
			{"GETOnAPOST", "quotes.create", "GET", "/partage/api/quotes" + token, nil, "", 405, "called with POST", "POST"},
			{"PUTOnCompanies", "companies.list", "PUT", "/partage/api/companies", nil, withToken, 405, "called with GET, HEAD, POST", "GET, HEAD, POST"},
			{"POSTOnTheBOL", "quotes.bol", "POST", "/partage/api/quotes/PLAAAA/bol.pdf", nil, withToken, 405, "called with GET, HEAD", "GET, HEAD"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var body []byte
				if tc.body != "" || tc.verb == http.MethodPost {
					body = []byte(tc.body)
				}
				status, h, b, err := ptRaw(t, a.URL(), tenant, tc.op, tc.verb, tc.path, tc.header, body)
				if err != nil {
					t.Fatal(err)
				}
				msgs := ptMessages(b)
				if status != tc.status || tc.want != "" && !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, tc.want) }) {
					t.Fatalf("%d %s, want %d with a message containing %q", status, b, tc.status, tc.want)
				}
				for _, m := range msgs {
					if strings.Count(m, "Invalid request format.") > 1 {
						t.Errorf("a message says its heading twice: %q", m)
					}
				}
				if h.Get("Allow") != tc.allow {
					t.Errorf("Allow %q, want %q", h.Get("Allow"), tc.allow)
				}
			})
		}
	})
}

// TestPartageHostileInput: requests built to break a server (deep JSON,
// bodies past the limit, NUL and invalid UTF-8, numbers out of range,
// arrays where objects go, thousands of keys) on every operation. Every
// answer is {"errors":[…]} with one of the family's statuses, never a 500,
// and the world is served as before afterwards.
func TestPartageHostileInput(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		a := startApp(t, cfg)
		const tenant = "partage-hostile"
		c := newPT(t, a.URL(), tenant)
		q := c.create(lane("12186", nil), nil)
		// Cancel reads nothing but the token, so a hostile body may well
		// cancel: it gets a quote of its own.
		spare := c.create(lane("12186", nil), nil)
		tok := `"api_token":"` + seed.PartageDemoToken + `"`
		keys := func(n int, value string) string {
			var b strings.Builder
			for i := range n {
				fmt.Fprintf(&b, `"k%d":%s,`, i, value)
			}
			return strings.TrimSuffix(b.String(), ",")
		}
		bodies := map[string]string{
			"DeepArrays":         `{` + tok + `,"quote":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
			"DeepObjects":        `{` + tok + `,"quote":` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat("}", 5000) + `}`,
			"DeepPastTheDecoder": strings.Repeat("[", 200000) + strings.Repeat("]", 200000),
			"PastTheLimit":       `{` + tok + `,"quote":{"commodity":"` + strings.Repeat("x", httpapi.MaxBody) + `"}}`,
			"LongStrings": `{` + tok + `,"external_id":"` + strings.Repeat("x", 300000) + `","note":{"content":"` + strings.Repeat("y", 300000) +
				`"},"mode":"` + strings.Repeat("z", 300000) + `"}`,
			"ManyKeys":     `{` + tok + `,"quote":{` + keys(20000, "1") + `},"note":{` + keys(20000, `"x"`) + `}}`,
			"ManyServices": `{` + tok + `,"quote":{"equipment":"van","services":{"origin":{` + keys(20000, "1") + `}}}}`,
			"NULInToken":   `{"api_token":"` + seed.PartageDemoToken + `\u0000"}`,
			"NULInFields":  `{` + tok + `,"mode":"truck\u0000load","note":{"content":"\u0000"},"quote":{"equipment":"van\u0000","commodity":"a\u0000"},"company":{"name":"\u0000","external_id":"\u0000x"}}`,
			"NULInKey":     `{` + tok + `,"quote":{"equip\u0000ment":"van"}}`,
			"RawNUL":       "{" + tok + ",\"mode\":\"a\x00b\"}",
			"InvalidUTF8":  "{" + tok + ",\"mode\":\"\xff\xfe\",\"note\":{\"content\":\"\xc3\x28\"},\"quote\":{\"commodity\":\"\xed\xa0\x80\"},\"company\":{\"name\":\"\xff\"}}",
			// A lone surrogate escape reads as U+FFFD, as in most JSON parsers.
			"LoneSurrogate":     `{` + tok + `,"mode":"\ud800","company":{"name":"\ud800"},"quote":{"equipment":"\udfff"}}`,
			"HugeNumbers":       `{` + tok + `,"quote":{"weight":1e400,"pallet_spots":-1e400,"pieces":123456789012345678901234567890,"value":1e308}}`,
			"TinyNumbers":       `{` + tok + `,"quote":{"weight":1e-400,"pallet_spots":-0,"value":-0.0000001,"pieces":0}}`,
			"NumbersAsText":     `{` + tok + `,"quote":{"weight":"10000","pallet_spots":"10","value":"12.5","pieces":"3"},"mode":1}`,
			"ArraysForObjects":  `{` + tok + `,"quote":[],"note":[],"company":[],"mode":[]}`,
			"NestedArrays":      `{` + tok + `,"quote":{"origin_address":[],"destination_address":[1],"timing":[],"services":[]},"company":{"location":[],"accounts_payable":[]}}`,
			"ObjectsForStrings": `{"api_token":{"token":"` + seed.PartageDemoToken + `"},"mode":{}}`,
			"WrongScalars":      `{` + tok + `,"own_credit":1,"external_id":true,"quote":{"ftl_only":"true","equipment":7},"company":{"same_credit":"false"}}`,
			"ServicesOfArrays":  `{` + tok + `,"quote":{"services":{"origin":[],"destination":{"Liftgate":[1]},"load":{"Lumper":{"dollars":30}}}}}`,
			"DuplicateKeys":     `{"api_token":"nope",` + tok + `,"mode":"truckload","mode":"nope"}`,
			"ByteOrderMark":     "\xef\xbb\xbf{" + tok + "}",
			"Null":              `null`,
			"Scalar":            `"` + seed.PartageDemoToken + `"`,
			"Number":            `1e999`,
			"Whitespace":        " \n\t ",
			"NaN":               `{` + tok + `,"quote":{"weight":NaN}}`,
			"Hex":               `{` + tok + `,"quote":{"weight":0x10}}`,
			"Comment":           `{` + tok + ` /* hi */}`,
		}
		// Every body goes to the quote (or to no id); every id gets an
		// ordinary body.
		ids := map[string]string{"": "", "number": q.Quote.Number, "nul": "\x00", "long": strings.Repeat("PL", 5000), "dots": "..", "unicode": "PLÉÉÉÉ"}
		for _, op := range ptDoc(t).OpsUnder(partage.PathPrefix + "/") {
			verb, _ := ptPath(t, op, "")
			for idName, id := range ids {
				if hasID := strings.Contains(ptDoc(t).Op(op).Path, "{id}"); hasID == (idName == "") {
					continue
				}
				if verb == http.MethodPost && idName != "number" && idName != "" {
					_, path := ptPath(t, op, id)
					status, _, b, err := ptRaw(t, a.URL(), tenant, op, verb, path, nil, []byte(`{`+tok+`,"mode":"truckload","note":{"content":"x"}}`))
					if err != nil || status != http.StatusNotAcceptable {
						t.Errorf("%s (id %s): %d %v %.300s", op, idName, status, err, b)
					}
					continue
				}
				if op == "quotes.cancel" && idName == "number" {
					id = spare.Quote.Number
				}
				_, path := ptPath(t, op, id)
				if verb == http.MethodGet {
					// A GET's body means nothing: its query is what it sends.
					for _, query := range []string{"", "?api_token=" + url.QueryEscape("\x00"), "?api_token=" + strings.Repeat("t", 20000),
						"?api_token=" + seed.PartageDemoToken + "&api_token=nope", "?api_token=%ff%fe", "?api_token=" + seed.PartageDemoToken} {
						status, _, b, err := ptRaw(t, a.URL(), tenant, op, verb, path+query, nil, nil)
						if err != nil || status == http.StatusInternalServerError {
							t.Errorf("%s %s%.60s: %d %v %.200s", op, idName, query, status, err, b)
						}
					}
					continue
				}
				for name, body := range bodies {
					status, _, b, err := ptRaw(t, a.URL(), tenant, op, verb, path, nil, []byte(body))
					if err != nil || status == http.StatusOK && op != "quotes.cancel" || status == http.StatusInternalServerError {
						t.Errorf("%s (id %s) %s: %d %v %.300s", op, idName, name, status, err, b)
					}
				}
			}
		}
		// Nothing broke: the world answers as before.
		if got := c.show(q.Quote.Number); got.Status != partage.StatusQuoted || len(got.Shipments[0].Notes) != 0 {
			t.Fatalf("the quote after the hostile requests: %+v", got)
		}
		if got := c.companies(); len(got) != len(ptSeeded) {
			t.Fatalf("companies after the hostile requests: %+v", got)
		}
	})
}
