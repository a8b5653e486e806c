package partage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Requests are decoded by hand from the JSON value rather than into
// structs, so that every problem is reported at once, in the family's words
// ("Invalid request format. quote.weight must be a number."), with the
// field's path. Unknown fields are ignored (as the vendor's framework does);
// null is the same as absent. The OpenAPI document describes the same
// shapes and is never stricter than this decoder (see the fuzz test).

// Bounds of request values.
const (
	MaxTextLength  = 200  // names, addresses, commodity, ids
	MaxNoteLength  = 4000 // a note's content
	MaxTokenLength = 200
)

// body is a request body decoded to a JSON object.
type body map[string]any

// parseBody reads a request body: empty means {}, anything else must be one
// JSON object, in UTF-8 (encoding/json would quietly turn bytes that are not
// into U+FFFD, and keep text the client never sent).
func parseBody(raw []byte) (body, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return body{}, nil
	}
	if !utf8.Valid(raw) {
		return nil, invalidFormat("The body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalidFormat("The body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidFormat("The body is not valid JSON: data after the value.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalidFormat("The body must be a JSON object.")
	}
	return m, nil
}

// tokenIn is the API token a call carries: the body's top-level api_token
// when it has one (one that is not a string names no company, so it is ""),
// else the query's (?api_token=).
func tokenIn(b body, queryToken string) string {
	if v, ok := b["api_token"]; ok && v != nil {
		s, _ := v.(string)
		return s
	}
	return queryToken
}

// problems collects what is wrong with a request.
type problems []string

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, path+" "+fmt.Sprintf(format, args...)+".")
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return invalidFormat(p...)
}

// object reads fields of one JSON object at a path.
type object struct {
	m    map[string]any
	path string
	p    *problems
}

func (o object) at(name string) string {
	if o.path == "" {
		return name
	}
	return o.path + "." + name
}

// get is the field's value, nil when absent or null.
func (o object) get(name string) any {
	if o.m == nil {
		return nil
	}
	return o.m[name]
}

func (o object) has(name string) bool { return o.get(name) != nil }

// obj reads a nested object; ok is false when it is absent or not an
// object (the latter is reported).
func (o object) obj(name string) (object, bool) {
	v := o.get(name)
	if v == nil {
		return object{path: o.at(name), p: o.p}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.p.add(o.at(name), "must be an object")
		return object{path: o.at(name), p: o.p}, false
	}
	return object{m: m, path: o.at(name), p: o.p}, true
}

// text reads a string of at most max characters; required reports it when
// absent or blank. Strings with NUL characters are refused: no store keeps
// them alike (Postgres text refuses them), so none reaches a store.
func (o object) text(name string, required bool, max int) *string {
	v := o.get(name)
	if v == nil {
		if required {
			o.p.add(o.at(name), "can't be blank")
		}
		return nil
	}
	s, ok := v.(string)
	if !ok {
		o.p.add(o.at(name), "must be a string")
		return nil
	}
	if msg := checkText(s, max); msg != "" {
		o.p.add(o.at(name), "%s", msg)
		return nil
	}
	if required && strings.TrimSpace(s) == "" {
		o.p.add(o.at(name), "can't be blank")
		return nil
	}
	return &s
}

// checkText says what is wrong with a string value, or "".
func checkText(s string, max int) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain NUL characters"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("is too long (at most %d characters)", max)
	}
	return ""
}

// number reads a JSON number within [min, max].
func (o object) number(name string, required bool, min, max float64) *float64 {
	v := o.get(name)
	if v == nil {
		if required {
			o.p.add(o.at(name), "can't be blank")
		}
		return nil
	}
	n, ok := v.(json.Number)
	if !ok {
		o.p.add(o.at(name), "must be a number")
		return nil
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		o.p.add(o.at(name), "must be a number")
		return nil
	}
	if f < min || f > max {
		o.p.add(o.at(name), "must be between %s and %s", fmtNum(min), fmtNum(max))
		return nil
	}
	return &f
}

// integer reads a whole JSON number within [min, max].
func (o object) integer(name string, required bool, min, max int64) *int64 {
	f := o.number(name, required, float64(min), float64(max))
	if f == nil {
		return nil
	}
	if *f != math.Trunc(*f) {
		o.p.add(o.at(name), "must be a whole number")
		return nil
	}
	n := int64(*f)
	return &n
}

func (o object) boolean(name string) bool {
	v := o.get(name)
	if v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		o.p.add(o.at(name), "must be true or false")
	}
	return b
}

// oneOf reads a required string that must be one of choices.
func (o object) oneOf(name string, choices ...string) string {
	s := o.text(name, true, MaxTextLength)
	if s == nil {
		return ""
	}
	for _, c := range choices {
		if *s == c {
			return c
		}
	}
	o.p.add(o.at(name), "must be one of %s", strings.Join(choices, ", "))
	return ""
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
