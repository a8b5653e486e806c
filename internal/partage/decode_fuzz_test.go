package partage

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// decoders are the request decoders, by operation.
var decoders = map[string]func([]byte) (any, error){
	"quotes.create":       func(b []byte) (any, error) { return DecodeQuoteRequest(b) },
	"quotes.notes.create": func(b []byte) (any, error) { return DecodeNoteRequest(b) },
	"quotes.book":         func(b []byte) (any, error) { return DecodeBookRequest(b) },
	"companies.create":    func(b []byte) (any, error) { return DecodeCompanyRequest(b) },
}

var decoderOrder = []string{"quotes.create", "quotes.notes.create", "quotes.book", "companies.create"}

func fuzzCorpus() []string {
	return []string{
		bookable("2026-03-05", `,"services":{"origin":{"Liftgate":1,"Lumper":30},"destination":{"Pallet Jack":1},"load":{"Tarps (8 ft)":2}}`),
		`{"external_id":"badger-state","own_credit":true,"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","ftl_only":true}}`,
		`{"quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186","timing":{"origin":"2014-07-27","destination":"2014-07-31","origin_open":"6:00","destination_open":"6:30","origin_close":"18:00","destination_close":"18:30"}}}`,
		`{"note":{"content":"This is a note."}}`,
		`{"mode":"intermodal"}`,
		`{"company":{"external_id":"the id","same_credit":true,"name":"A Subcompany Name"}}`,
		`{"company":{"external_id":"the id","same_credit":false,"name":"A","duns_number":"x","location":{"address_one":"333 N Oakley","address_two":"Suite 200","postal_code":"60612"},"accounts_payable":{"first_name":"a","last_name":"b","email":"ap@example.com","phone":"123 123 1234"}}}`,
		`{"quote":{"weight":1e400,"pallet_spots":-0,"pieces":1.0000000000000002,"value":"1"}}`,
		`{"quote":{"commodity":"\u0000","origin_address":{"name":"\ud800"}},"note":{"content":"\u0000"}}`,
		`{"quote":{"services":{"origin":{"liftgate":1,"LIFTGATE":1},"elsewhere":{},"load":[]}}}`,
		`{"quote":null,"note":null,"mode":null,"company":null}`,
		`{"mode":["truckload"]}`,
		`[]`, `null`, `"x"`, `{`, `{}{}`, "\xff\xfe{}", ``, `{"a":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`,
	}
}

// FuzzDecoders: any body gets a decoded request or a 412 of the family,
// with a bounded list of clean messages, and a decoded request holds no
// string a store could not keep. `go test` runs the corpus; `go test
// -fuzz FuzzDecoders ./internal/partage` explores.
func FuzzDecoders(f *testing.F) {
	for i := range decoderOrder {
		for _, b := range fuzzCorpus() {
			f.Add(uint8(i), []byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		name := decoderOrder[int(which)%len(decoderOrder)]
		req, err := decoders[name](raw)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != StatusInvalidFormat {
				t.Fatalf("%s: %v is not a 412 of the family", name, err)
			}
			if len(e.Messages) == 0 || len(e.Messages) > MaxMessages {
				t.Fatalf("%s: %d messages", name, len(e.Messages))
			}
			for _, m := range e.Messages {
				if strings.ContainsRune(m, 0) || !strings.HasPrefix(m, "Invalid request format. ") {
					t.Fatalf("%s: message %q", name, m)
				}
			}
			if !json.Valid(e.Body()) {
				t.Fatalf("%s: body %q", name, e.Body())
			}
			return
		}
		checkSchemaAgrees(t, name, raw)
		walkStrings(reflect.ValueOf(req), func(s string) {
			if checkText(s, MaxNoteLength) != "" {
				t.Fatalf("%s: decoded %q", name, s)
			}
		})
	})
}

func walkStrings(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.String:
		fn(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkStrings(v.Field(i), fn)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkStrings(v.Index(i), fn)
		}
	}
}
