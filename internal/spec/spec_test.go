package spec

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	mockserver "github.com/partifact/mockserver"
)

// Validate's quick pass answers valid values alone; invalid ones must still
// get every problem with its path.
func TestValidateListsProblemsOfInvalidValues(t *testing.T) {
	t.Parallel()
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	schema := d.RequestSchema("repairer.jobs.get")
	cases := []struct {
		body string
		path string // "" when valid
	}{
		{`{"identity":{"external":"CCC-2026-04817"}}`, ""},
		{`{"identity":{"id":"0e000000-0000-4000-8000-000000000001"}}`, ""},
		{`{}`, "/identity"},
		{`{"identity":{}}`, "/identity"},
		{`{"identity":{"id":"not-a-uuid"}}`, "/identity"},
		{`{"identity":{"external":""}}`, "/identity"},
		{`{"identity":"CCC-2026-04817"}`, "/identity"},
		{`[]`, "/"},
	}
	for _, c := range cases {
		var v any
		if err := json.Unmarshal([]byte(c.body), &v); err != nil {
			t.Fatal(err)
		}
		problems := Validate(schema, v, true)
		if c.path == "" {
			if len(problems) != 0 {
				t.Errorf("%s: valid, got %+v", c.body, problems)
			}
			continue
		}
		if len(problems) == 0 {
			t.Errorf("%s: want a problem at %s, got none", c.body, c.path)
			continue
		}
		found := false
		for _, p := range problems {
			found = found || strings.HasPrefix(p.Path, c.path)
			if p.Message == "" {
				t.Errorf("%s: problem at %s without a message", c.body, p.Path)
			}
		}
		if !found {
			t.Errorf("%s: want a problem at %s, got %+v", c.body, c.path, problems)
		}
	}
}

func TestDeclaresReadOnlyOrWriteOnly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		doc  string
		want bool
	}{
		{`{"components":{"schemas":{"A":{"properties":{"x":{"type":"string"}}}}}}`, false},
		{`{"components":{"schemas":{"A":{"properties":{"x":{"readOnly":true}}}}}}`, true},
		{`{"a":[{"b":{"writeOnly":true}}]}`, true},
		{`{"a":{"readOnly":false,"writeOnly":false}}`, true}, // errs on the safe side
		{`{"description":"readOnly"}`, true},
		{`{"readonly":true}`, false},
	}
	for _, c := range cases {
		if got := declaresReadOnlyOrWriteOnly([]byte(c.doc)); got != c.want {
			t.Errorf("%s: got %v, want %v", c.doc, got, c.want)
		}
	}
}

// TestEmbeddedDocumentsAreValid: every document the server carries is valid
// OpenAPI, so the server need not validate them when it starts.
func TestEmbeddedDocumentsAreValid(t *testing.T) {
	t.Parallel()
	for name, raw := range mockserver.Documents {
		d, err := ParseData(name, raw)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := d.Validate(context.Background()); err != nil {
			t.Errorf("%s is invalid: %v", name, err)
		}
	}
	if len(mockserver.Documents) < 4 {
		t.Fatalf("only %d embedded documents", len(mockserver.Documents))
	}
}

// A problem is said once, and a nullable object that is wrong is not also
// told to be null.
func TestValidateProblemsAreDistinct(t *testing.T) {
	t.Parallel()
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		op, body string
		want     []Problem
	}{
		{"repairer.jobs.get", `{"identity":5}`, []Problem{{"/identity", "value must be an object"}}},
		{"repairer.jobs.insert", `{"data":{"repairer_site_id":"0b000000-0000-4000-8000-000000000001",` +
			`"vehicle":{"vin":null,"plate":null,"make":null,"model":null,"year":2019.5,"body_style":null,"colour":null}},` +
			`"identity":{"external":"X"},"if_":{"exists":"update"}}`,
			[]Problem{{"/data/vehicle/year", "value must be an integer"}}},
		{"repairer.jobs.insert", `{"data":{"repairer_site_id":"0b000000-0000-4000-8000-000000000001","vehicle":5},` +
			`"identity":{"external":"X"},"if_":{"exists":"update"}}`,
			[]Problem{{"/data/vehicle", "value must be an object"}}},
		// The validator's own wording is put plainly, paths kept.
		{"repairer.jobs.get", `null`, []Problem{{"/", "value must not be null"}}},
		{"repairer.jobs.get", `{"identity":null}`, []Problem{{"/identity", "value must not be null"}}},
		{"repairer.jobs.get", `{"identity":{"id":"0e000000-0000-4000-8000-000000000001","external":"X"}}`,
			[]Problem{{"/identity", "value must match exactly one of the variants, it matches 2"}}},
	}
	for _, c := range cases {
		var v any
		if err := json.Unmarshal([]byte(c.body), &v); err != nil {
			t.Fatal(err)
		}
		if got := Validate(d.RequestSchema(c.op), v, true); !slices.Equal(got, c.want) {
			t.Errorf("%s %s: %+v, want %+v", c.op, c.body, got, c.want)
		}
	}
}

// TestRefusingAWideValueAllocatesLittle: refusing a wide value must not
// format it into error texts (a oneOf's branches each wrap the value's
// errors, and kin-openapi writes the value into every one of them by
// default). Refusing it allocates no more than a small multiple of what
// decoding it did (kin-openapi copies the value for each branch of the
// oneOf, here three). Not parallel: the process's allocations are counted.
func TestRefusingAWideValueAllocatesLittle(t *testing.T) {
	d, err := Parse("openapi-sandbox.json")
	if err != nil {
		t.Fatal(err)
	}
	schema := BodySchema(d.Op("sandbox.clock.set").Operation) // a oneOf of three objects
	var b strings.Builder
	b.WriteString("{")
	for i := range 20000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":{"x":[1]}`, i)
	}
	b.WriteString("}")
	var v any
	decoding := allocated(func() {
		if err := json.Unmarshal([]byte(b.String()), &v); err != nil {
			t.Fatal(err)
		}
	})
	var problems []Problem
	refusing := allocated(func() { problems = Validate(schema, v, true) })
	if len(problems) == 0 {
		t.Fatal("the value passed")
	}
	if refusing > 3*decoding {
		t.Fatalf("refusing the value allocated %d bytes, decoding it %d: more than 3 times", refusing, decoding)
	}
}

// allocated is how many bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
