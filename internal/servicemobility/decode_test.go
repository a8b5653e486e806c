package servicemobility_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	sm "github.com/partifact/mockserver/internal/servicemobility"
)

// fullOrder is a Parts Ordering Object with every field the vendor lists.
const fullOrder = `{
  "AccountNum": "ACCT-0042",
  "Command": 1002,
  "Location": {
    "Address": {"AddrLine1": "41 Whiteleigh Avenue", "AddrLine2": "", "AddrLine3": "", "AddrLine4": "", "AddrType": "1001",
                "City": "Christchurch", "Country": "NZ", "Region": "Canterbury", "Zip": "8024"},
    "Contacts": [{"Email": "ops@example.com", "FirstName": "Ana", "IsPrimary": true, "LastName": "Ruiz",
                  "Phones": [{"PhoneNum": "+64 3 555 0100", "PhoneType": "1001"}]}],
    "Email": "site@example.com", "LanguageID": "en", "LocationNum": "LOC-7", "Name": "Addington",
    "Notes": "Back door", "POReq": false, "ServiceAreaID": "SA-1", "SigReq": true,
    "StorageLocationID": "VAN-3", "WorkCenter": "WC-2"
  },
  "Parts": [
    {"ProdNum": "52119-12D90", "ProdAttrs": {"Desc": "Front bumper cover"}, "Qty": 10.0, "ShipToLocation": "LOC-7", "Urgency": "Normal"},
    {"ProdNum": "53112-12290", "Qty": 1}
  ],
  "UserName": "demo.technician",
  "WorkOrder": "WO-100234",
  "SomeFutureField": {"ignored": true}
}`

func TestParseFullOrder(t *testing.T) {
	o, err := sm.ParsePartsOrder([]byte(fullOrder))
	if err != nil {
		t.Fatal(err)
	}
	if o.Command != sm.CommandOrder || o.WorkOrder != "WO-100234" || o.AccountNum != "ACCT-0042" || o.UserName != "demo.technician" {
		t.Fatalf("top level %+v", o)
	}
	l := o.Location
	if l == nil || l.Address.City != "Christchurch" || !l.SigReq || l.POReq || l.Contacts[0].Phones[0].PhoneNum != "+64 3 555 0100" ||
		!l.Contacts[0].IsPrimary || l.StorageLocationID != "VAN-3" {
		t.Fatalf("location %+v", l)
	}
	if len(o.Parts) != 2 || o.Parts[0].Qty != "10.0" || o.Parts[0].Desc() != "Front bumper cover" || o.Parts[1].Desc() != "" ||
		o.Parts[0].ShipToLocation != "LOC-7" || o.Parts[0].Urgency != "Normal" {
		t.Fatalf("parts %+v", o.Parts)
	}
	// A Qty is answered as it was written.
	if b, _ := json.Marshal(o.Parts[0].Qty); string(b) != "10.0" {
		t.Fatalf("Qty renders %s", b)
	}
	validate(t, "PartsOrderingObject", []byte(fullOrder))
}

func order(parts string) string {
	return `{"Command":1002,"WorkOrder":"WO-1","Parts":` + parts + `}`
}

// TestParseRefuses: every bad input is a 500 whose StatusMsg names the field.
func TestParseRefuses(t *testing.T) {
	long := strings.Repeat("x", sm.MaxStringLen+1)
	manyParts := "[" + strings.TrimSuffix(strings.Repeat(`{"ProdNum":"A","Qty":1},`, sm.MaxParts+1), ",") + "]"
	cases := []struct{ body, msg string }{
		{``, "empty"},
		{`   `, "empty"},
		{`{"Command":1002,`, "not valid JSON"},
		{`{"Command":1002}x`, "not valid JSON"},
		{`{} {}`, "more than one value"},
		{`nul`, "not valid JSON"},
		{"\xff\xfe{}", "not valid JSON"},
		{`[]`, "The request body must be an object, not an array"},
		{`"order"`, "must be an object, not a string"},
		{`null`, "must be a JSON object"},
		{`{"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`, "Command is required"},
		{`{"Command":"1002","WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`, "Command must be a number, not a string"},
		{`{"Command":1002.5,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`, "Command must be an integer"},
		{`{"Command":1003,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`, "Command must be 1001"},
		{`{"Command":1002.000001,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`, "Command must be an integer, not 1002.000001"},
		{`{"Command":1e400,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`, "Command must be an integer, not 1e400"},
		{`{"Command":1001.5e0,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`, "Command must be an integer"},
		{`{"Command":2.002e3,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`, "Command must be 1001 (price and availability) or 1002 (place the order), not 2.002e3"},
		{`{"Command":1002,"Parts":[{"ProdNum":"A","Qty":1}]}`, "WorkOrder is required"},
		{`{"Command":1002,"WorkOrder":null,"Parts":[{"ProdNum":"A","Qty":1}]}`, "WorkOrder is required"},
		{`{"Command":1002,"workorder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`, "WorkOrder is required"},
		{`{"Command":1002,"WorkOrder":"","Parts":[{"ProdNum":"A","Qty":1}]}`, "WorkOrder must not be empty"},
		{`{"Command":1002,"WorkOrder":"  ","Parts":[{"ProdNum":"A","Qty":1}]}`, "WorkOrder must not be empty"},
		{`{"Command":1002,"WorkOrder":42,"Parts":[{"ProdNum":"A","Qty":1}]}`, "WorkOrder must be a string, not a number"},
		{`{"Command":1002,"WorkOrder":"` + strings.Repeat("w", sm.MaxWorkOrderLen+1) + `","Parts":[{"ProdNum":"A","Qty":1}]}`, "WorkOrder is longer than 200"},
		{`{"Command":1002,"WorkOrder":"WO\u0000","Parts":[{"ProdNum":"A","Qty":1}]}`, "WorkOrder must not contain the NUL"},
		{`{"Command":1002,"WorkOrder":"WO-1"}`, "Parts is required"},
		{order(`null`), "Parts is required"},
		{order(`[]`), "Parts must hold at least one part"},
		{order(`{}`), "Parts must be an array, not an object"},
		{order(manyParts), "Parts holds 201 entries; at most 200"},
		{order(`[null]`), "Parts[0] must be a JSON object"},
		{order(`["A"]`), "Parts[0] must be an object, not a string"},
		{order(`[{"Qty":1}]`), "Parts[0].ProdNum is required"},
		{order(`[{"ProdNum":"","Qty":1}]`), "Parts[0].ProdNum must not be empty"},
		{order(`[{"ProdNum":"A","Qty":1},{"ProdNum":7,"Qty":1}]`), "Parts[1].ProdNum must be a string, not a number"},
		{order(`[{"ProdNum":"` + long + `","Qty":1}]`), "Parts[0].ProdNum is longer than 1000"},
		{order(`[{"ProdNum":"A"}]`), "Parts[0].Qty is required"},
		{order(`[{"ProdNum":"A","Qty":0}]`), "Parts[0].Qty must be greater than 0"},
		{order(`[{"ProdNum":"A","Qty":0.0}]`), "Parts[0].Qty must be greater than 0"},
		{order(`[{"ProdNum":"A","Qty":-1.5}]`), "Parts[0].Qty must be greater than 0"},
		{order(`[{"ProdNum":"A","Qty":"1"}]`), "Parts[0].Qty must be a number, not a string"},
		{order(`[{"ProdNum":"A","Qty":1e400}]`), "Parts[0].Qty must be a decimal number"},
		{order(`[{"ProdNum":"A","Qty":1,"ProdAttrs":"x"}]`), "Parts[0].ProdAttrs must be an object"},
		{order(`[{"ProdNum":"A","Qty":1,"ProdAttrs":{"Desc":5}}]`), "Parts[0].ProdAttrs.Desc must be a string"},
		{order(`[{"ProdNum":"A","Qty":1,"Urgency":1}]`), "Parts[0].Urgency must be a string"},
		{order(`[{"ProdNum":"A","Qty":1,"ShipToLocation":[]}]`), "Parts[0].ShipToLocation must be a string, not an array"},
		{`{"Command":1002,"WorkOrder":"WO-1","AccountNum":1,"Parts":[{"ProdNum":"A","Qty":1}]}`, "AccountNum must be a string"},
		{`{"Command":1002,"WorkOrder":"WO-1","UserName":false,"Parts":[{"ProdNum":"A","Qty":1}]}`, "UserName must be a string, not a boolean"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":"here","Parts":[{"ProdNum":"A","Qty":1}]}`, "Location must be an object"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":{"POReq":"false"},"Parts":[{"ProdNum":"A","Qty":1}]}`, "Location.POReq must be a boolean"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":{"SigReq":1},"Parts":[{"ProdNum":"A","Qty":1}]}`, "Location.SigReq must be a boolean"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":{"Address":{"Zip":8024}},"Parts":[{"ProdNum":"A","Qty":1}]}`, "Location.Address.Zip must be a string"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":{"Contacts":{}},"Parts":[{"ProdNum":"A","Qty":1}]}`, "Location.Contacts must be an array"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":{"Contacts":[{"IsPrimary":"yes"}]},"Parts":[{"ProdNum":"A","Qty":1}]}`, "Location.Contacts[0].IsPrimary must be a boolean"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":{"Contacts":[{"Phones":[{"PhoneNum":5}]}]},"Parts":[{"ProdNum":"A","Qty":1}]}`, "Location.Contacts[0].Phones[0].PhoneNum must be a string"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":{"Notes":"` + long + `"},"Parts":[{"ProdNum":"A","Qty":1}]}`, "Location.Notes is longer than 1000"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":{"Contacts":` + contacts(sm.MaxListLen+1, 1) + `},"Parts":[{"ProdNum":"A","Qty":1}]}`,
			"Location.Contacts holds 51 entries; at most 50"},
		{`{"Command":1002,"WorkOrder":"WO-1","Location":{"Contacts":` + contacts(1, sm.MaxListLen+1) + `},"Parts":[{"ProdNum":"A","Qty":1}]}`,
			"Location.Contacts[0].Phones holds 51 entries; at most 50"},
	}
	for _, c := range cases {
		name := c.msg
		t.Run(name, func(t *testing.T) {
			_, err := sm.ParsePartsOrder([]byte(c.body))
			wantError(t, err, http.StatusInternalServerError, c.msg)
		})
	}
}

// contacts is a Contacts list of n contacts with phones phones each.
func contacts(n, phones int) string {
	phone := `{"PhoneNum":"+64 3 555 0100"}`
	contact := `{"FirstName":"Ana","Phones":[` + strings.TrimSuffix(strings.Repeat(phone+",", phones), ",") + `]}`
	return "[" + strings.TrimSuffix(strings.Repeat(contact+",", n), ",") + "]"
}

// TestParseAccepts: what the document's schema accepts, the decoder takes,
// integers as JSON Schema reads them included (1002.0 is 1002).
func TestParseAccepts(t *testing.T) {
	for _, body := range []string{
		order(`[{"ProdNum":"A","Qty":0.5}]`),
		`{"Command":1002.0,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`,
		`{"Command":1.001e3,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`,
		`{"Command":1002,"WorkOrder":"WO-1","Location":{"Contacts":` + contacts(sm.MaxListLen, sm.MaxListLen) + `},"Parts":[{"ProdNum":"A","Qty":1}]}`,
		`{"Command":1002,"WorkOrder":"` + strings.Repeat("w", sm.MaxWorkOrderLen) + `","Parts":[{"ProdNum":"A","Qty":1}]}`,
		order(`[{"ProdNum":"A","Qty":1,"ProdAttrs":null,"Urgency":null}]`),
		`{"Command":1001,"WorkOrder":"WO-1","Location":null,"AccountNum":null,"Parts":[{"ProdNum":"A","Qty":1e2}]}`,
		order(`[{"ProdNum":"` + strings.Repeat("é", sm.MaxStringLen) + `","Qty":1}]`),
		order("[" + strings.TrimSuffix(strings.Repeat(`{"ProdNum":"A","Qty":1},`, sm.MaxParts), ",") + "]"),
	} {
		if _, err := sm.ParsePartsOrder([]byte(body)); err != nil {
			t.Errorf("%.80s: %v", body, err)
		}
		validate(t, "PartsOrderingObject", []byte(body))
	}
	o, err := sm.ParsePartsOrder([]byte(`{"Command":1.001e3,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":1}]}`))
	if err != nil || o.Command != sm.CommandCheck {
		t.Fatalf("Command 1.001e3: %+v %v", o, err)
	}
}

func TestReadBody(t *testing.T) {
	b, err := sm.ReadBody(bytes.NewReader(make([]byte, sm.MaxBodyBytes)))
	if err != nil || len(b) != sm.MaxBodyBytes {
		t.Fatalf("%d %v", len(b), err)
	}
	_, err = sm.ReadBody(bytes.NewReader(make([]byte, sm.MaxBodyBytes+1)))
	wantError(t, err, http.StatusInternalServerError, "larger than 1048576 bytes")
	o, raw, err := sm.DecodePartsOrder(strings.NewReader(fullOrder))
	if err != nil || string(raw) != fullOrder || o.WorkOrder != "WO-100234" {
		t.Fatalf("decode: %v", err)
	}
}

func TestParseSysConfig(t *testing.T) {
	u, err := sm.ParseSysConfig([]byte(`{"PartsOrdering":{"EntityServiceURI":"http://127.0.0.1:1/x"},"AllowMobileCreateOrder":true}`))
	if err != nil || u.EntityServiceURI == nil || *u.EntityServiceURI != "http://127.0.0.1:1/x" {
		t.Fatalf("%+v %v", u, err)
	}
	for body, want := range map[string]*string{`{}`: nil, `{"PartsOrdering":{}}`: nil, `{"PartsOrdering":null}`: nil,
		`{"PartsOrdering":{"EntityServiceURI":null}}`: new(string), `{"PartsOrdering":{"EntityServiceURI":""}}`: new(string)} {
		u, err := sm.ParseSysConfig([]byte(body))
		if err != nil || (u.EntityServiceURI == nil) != (want == nil) || (want != nil && *u.EntityServiceURI != "") {
			t.Errorf("%s: %+v %v", body, u, err)
		}
	}
	for body, msg := range map[string]string{
		``:  "empty",
		`[`: "not valid JSON",
		`{"PartsOrdering":{"EntityServiceUri":"http://127.0.0.1/"}}`: "PartsOrdering.EntityServiceUri is not a setting",
		`{"PartsOrdering":"http://127.0.0.1/"}`:                      "PartsOrdering must be an object",
		`{"PartsOrdering":{"EntityServiceURI":5}}`:                   "PartsOrdering.EntityServiceURI must be a string",
		`{"PartsOrdering":{"EntityServiceURI":"http://a\u0000b"}}`:   "must not contain the NUL",
	} {
		_, err := sm.ParseSysConfig([]byte(body))
		wantError(t, err, http.StatusInternalServerError, msg)
	}
	uri := "http://127.0.0.1/" + strings.Repeat("p", sm.MaxURILen-len("http://127.0.0.1/"))
	if u, err := sm.ParseSysConfig([]byte(`{"PartsOrdering":{"EntityServiceURI":"` + uri + `"}}`)); err != nil || *u.EntityServiceURI != uri {
		t.Fatalf("a URI of %d characters: %v", sm.MaxURILen, err)
	}
	_, err = sm.ParseSysConfig([]byte(`{"PartsOrdering":{"EntityServiceURI":"` + uri + `p"}}`))
	wantError(t, err, http.StatusInternalServerError, "PartsOrdering.EntityServiceURI is longer than 2000 characters")
}

// Fuzzing the decoders: never a panic, every refusal a 500 of the error
// family, every acceptance within the bounds. `go test` runs the seeds.

func FuzzParsePartsOrder(f *testing.F) {
	for _, s := range []string{fullOrder, order(`[{"ProdNum":"A","Qty":1}]`), order(`[{"ProdNum":"A","Qty":0}]`), `{"Command":1001}`,
		`{"Command":1002,"WorkOrder":"\u0000","Parts":[{"ProdNum":"\ud800","Qty":1e999}]}`, `[{"a":[[[[[[[]]]]]]]}]`, "\x00", `{"Parts":[null,{}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := sm.ParsePartsOrder(body)
		if err != nil {
			var e *sm.Error
			if !errors.As(err, &e) || e.HTTPStatus != http.StatusInternalServerError || e.Msg == "" {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		if o.WorkOrder == "" || len(o.Parts) == 0 || len(o.Parts) > sm.MaxParts || (o.Command != sm.CommandCheck && o.Command != sm.CommandOrder) {
			t.Fatalf("accepted %+v", o)
		}
		// What the decoder takes, the document's schema takes.
		validate(t, "PartsOrderingObject", body)
		for _, p := range o.Parts {
			if p.ProdNum == "" || p.Qty.Float() <= 0 || strings.ContainsRune(p.ProdNum, 0) {
				t.Fatalf("accepted part %+v", p)
			}
		}
	})
}

func FuzzParseSysConfig(f *testing.F) {
	for _, s := range []string{`{"PartsOrdering":{"EntityServiceURI":"http://127.0.0.1/"}}`, `{"PartsOrdering":{"X":1}}`, `{}`, `[]`, `{"PartsOrdering":{"EntityServiceURI":null}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := sm.ParseSysConfig(body)
		if err != nil {
			if e, ok := err.(*sm.Error); !ok || e.HTTPStatus != http.StatusInternalServerError {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		if u.EntityServiceURI != nil && strings.ContainsRune(*u.EntityServiceURI, 0) {
			t.Fatal("accepted a NUL")
		}
	})
}

func FuzzParseLogon(f *testing.F) {
	for _, s := range []string{`{"username":"demo.technician","password":"demo-password"}`, `{"username":1}`, `x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, err := sm.ParseLogon(body); err != nil {
			if e, ok := err.(*sm.Error); !ok || e.HTTPStatus != http.StatusInternalServerError {
				t.Fatalf("refusal %v", err)
			}
		}
	})
}

// FuzzCheck: the contract check never panics and keeps its findings bounded,
// whatever an implementer answers.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{goodAnswer, `{"Status":1001}`, `{"Orders":[{"Parts":[{"Qty":"1"}]}],"Status":"2001"}`, `<html>`, ``,
		`{"Orders":[{"Parts":[{"ProdNum":"A","SupersededParts":[{"ProdNum":5}]}],"EstimatedDelivery":"2014-12-18"}],"Status":"1001","x":1}`} {
		f.Add(200, []byte(s))
	}
	f.Add(404, []byte(`not found`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		c := sm.Check(sm.Reply{Status: status, Body: body}, "http://127.0.0.1/")
		if len(c.Findings) > sm.MaxFindings || c.FindingCount < len(c.Findings) || c.OK != (c.FindingCount == 0) {
			t.Fatalf("check %+v", c)
		}
		var v any
		if c.OK && status == 200 && json.Unmarshal(body, &v) == nil {
			validate(t, "PartsOrderingResponseObject", body)
		}
		_ = fmt.Sprint(sm.Summary(c))
	})
}
