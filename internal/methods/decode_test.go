package methods

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeIntegralNumbers(t *testing.T) {
	t.Parallel()
	type req struct {
		N    int     `json:"n"`
		P    *int    `json:"p"`
		Name string  `json:"name"`
		List []int   `json:"list"`
		F    float64 `json:"f"`
	}
	var r req
	if err := decode([]byte(`{"n":2019.0,"p":2.019e3,"name":"1.0 & 2e0","list":[1,2.0,3e0],"f":1.5}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.N != 2019 || *r.P != 2019 || r.Name != "1.0 & 2e0" || len(r.List) != 3 || r.List[2] != 3 || r.F != 1.5 {
		t.Fatalf("%+v", r)
	}
	// What no integer can be is the caller's bad input, said without Go.
	for _, body := range []string{`{"n":1.5}`, `{"n":"x"}`, `{"n":1e300}`, `{"list":{"a":1}}`} {
		err := decode([]byte(body), &r)
		var e *Error
		if !errors.As(err, &e) || e.Type != VariantBadRequest {
			t.Fatalf("%s: %v", body, err)
		}
		got := e.Fields["errors"].([]FieldError)
		if len(got) != 1 || got[0].Path != "" || strings.Contains(got[0].Message, "Go") ||
			strings.Contains(got[0].Message, "int") {
			t.Fatalf("%s: %+v", body, got)
		}
	}
}
