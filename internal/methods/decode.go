package methods

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/partifact/mockserver/internal/httpapi"
)

// decode reads a body that passed its schema into the method's request
// type. JSON Schema calls 2019.0 and 2.019e3 integers, and so does the
// schema, while encoding/json will not put them in an int: such numbers are
// rewritten as plain integers and the body read again. What still fails is
// a disagreement between the schema and the Go type, answered as the
// caller's bad input in the API's own words (never Go's type names).
func decode(body []byte, req any) error {
	err := json.Unmarshal(body, req)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && strings.HasPrefix(typeErr.Value, "number") {
		if plain, ok := integralNumbers(body); ok {
			if err = json.Unmarshal(plain, req); err == nil {
				return nil
			}
		}
	}
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		// Field names the members on the way but no array index, so it is
		// said in the message rather than passed off as a JSON Pointer.
		return BadRequest("", "the value of "+strconv.Quote(typeErr.Field)+" does not fit its field")
	}
	return BadRequest("", "the body does not fit the request")
}

// integralNumbers re-encodes a JSON value with every number that has an
// integer value written as an integer (2019.0 → 2019). ok is false when no
// number changed.
func integralNumbers(body []byte) (out []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	changed := false
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case json.Number:
			if !strings.ContainsAny(string(x), ".eE") {
				return x
			}
			f, err := strconv.ParseFloat(string(x), 64)
			// Beyond 2^53 a float no longer holds every integer; such a
			// number fits no field of this API anyway.
			if err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
				changed = true
				return json.Number(strconv.FormatInt(int64(f), 10))
			}
		}
		return v
	}
	v = walk(v)
	if !changed {
		return nil, false
	}
	out, err := httpapi.MarshalJSON(v)
	return out, err == nil
}
