package servicemobility

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/partifact/mockserver/internal/store"
)

// The contract check of an implementer's answer. What a 200 body must look
// like is read from the module's OpenAPI document (the response schema of
// partsorders.submit), so the document is the one statement of the
// contract: the checker interprets the few JSON Schema keywords the
// document uses (type, enum, const, pattern, format date-time, minLength,
// properties, required, additionalProperties false, items, if/then) and
// reports every difference at its JSON pointer path.

// MaxFindings is how many findings a check keeps; it counts them all.
const MaxFindings = 50

// maxFindingText bounds a finding's path and message, so that an answer of
// hostile field names cannot fill the log.
const maxFindingText = 300

// checkedStatuses are the statuses the interface answers with.
var checkedStatuses = []int{http.StatusOK, http.StatusUnauthorized, http.StatusInternalServerError}

// Check judges what a target answered: a record for the checks log (ID and
// Time left to the caller) with every finding.
func Check(r Reply, target string) store.ContractCheck {
	f := &findings{}
	switch {
	case errors.Is(r.Err, ErrTimeout):
		f.add("", "no answer: %v", r.Err)
	case errors.Is(r.Err, ErrAnswerTooLarge):
		f.add("", "the answer's body is too large: %v", r.Err)
	case r.Err != nil:
		f.add("", "no answer: %v", r.Err)
	case !slices.Contains(checkedStatuses, r.Status):
		f.add("", "status %d: the interface answers 200, 401 or 500", r.Status)
	case r.Status == http.StatusOK:
		checkBody(r.Body, f)
	case r.Status == http.StatusInternalServerError && len(bytes.TrimSpace(r.Body)) == 0:
		f.add("", "a 500 must say in its body what went wrong")
	case len(bytes.TrimSpace(r.Body)) > 0 && !json.Valid(r.Body):
		// A 401 may come without a body; one that is there, like a 500's,
		// goes back to the technician's app as the answer of
		// ServiceMobility's JSON API.
		f.add("", "the body of a %d is not JSON: ServiceMobility hands it to the technician's app as the answer of its JSON API", r.Status)
	}
	return store.ContractCheck{
		Target: target, Status: r.Status, Latency: r.Latency,
		Findings: f.list, FindingCount: f.n, OK: f.n == 0,
	}
}

// Summary is one line on a check for the request journal.
func Summary(c store.ContractCheck) string {
	if c.OK {
		return fmt.Sprintf("contract check of %s: ok", c.Target)
	}
	parts := make([]string, 0, min(len(c.Findings), 3))
	for _, f := range c.Findings[:min(len(c.Findings), 3)] {
		parts = append(parts, FindingText(f))
	}
	more := ""
	if c.FindingCount > len(parts) {
		more = fmt.Sprintf("; and %d more", c.FindingCount-len(parts))
	}
	return fmt.Sprintf("contract check of %s: %d finding(s): %s%s", c.Target, c.FindingCount, strings.Join(parts, "; "), more)
}

// FindingText is a finding as one line: "/Orders/0/Qty: want a number, got string".
func FindingText(f store.CheckFinding) string {
	if f.Path == "" {
		return f.Message
	}
	return f.Path + ": " + f.Message
}

type findings struct {
	list []store.CheckFinding
	n    int
}

func (f *findings) add(path, format string, args ...any) {
	f.n++
	if len(f.list) < MaxFindings {
		f.list = append(f.list, store.CheckFinding{Path: clip(path), Message: clip(fmt.Sprintf(format, args...))})
	}
}

func clip(s string) string {
	if len(s) <= maxFindingText {
		return s
	}
	cut := maxFindingText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// responseSchema is the 200 schema of partsorders.submit in the embedded
// document.
var responseSchema = sync.OnceValues(func() (*openapi3.Schema, error) {
	doc, err := LoadDocument()
	if err != nil {
		return nil, err
	}
	s := ResponseSchema(doc, OpPartsOrdersSubmit, "200")
	if s == nil {
		return nil, errors.New("servicemobility: the document has no 200 schema for " + OpPartsOrdersSubmit)
	}
	return s, nil
})

func checkBody(body []byte, f *findings) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			f.add("", "a 200 must carry a Parts Ordering Response Object; the body is empty")
		} else {
			f.add("", "the body is not JSON: %v", err)
		}
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		f.add("", "the body is not JSON: it holds more than one value")
		return
	}
	s, err := responseSchema()
	if err != nil {
		f.add("", "the check cannot run: %v", err)
		return
	}
	walk(s, v, "", f)
}

func jsonKind(v any) string {
	switch n := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if isInteger(n) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

func isInteger(n json.Number) bool {
	if _, err := n.Int64(); err == nil {
		return true
	}
	f, err := n.Float64()
	return err == nil && f == float64(int64(f))
}

func article(kind string) string {
	switch kind {
	case "null":
		return "null"
	case "integer", "object", "array":
		return "an " + kind
	}
	return "a " + kind
}

// typeAllows: a schema "number" takes integers too.
func typeAllows(t *openapi3.Types, kind string) bool {
	if t == nil || t.IsEmpty() {
		return true
	}
	return t.Includes(kind) || (kind == "integer" && t.Includes("number"))
}

var patterns sync.Map // pattern → *regexp.Regexp

func compiled(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(p) // the document's own patterns: Validate has compiled them
	patterns.Store(p, re)
	return re
}

// walk checks v against s at path.
func walk(s *openapi3.Schema, v any, path string, f *findings) {
	if len(s.OneOf) > 0 {
		// The document's only one-of is a nullable object: [null, T].
		var t *openapi3.Schema
		for _, b := range s.OneOf {
			switch {
			case b.Value == nil:
			case b.Value.Type.Is("null"):
				if v == nil {
					return
				}
			default:
				t = b.Value
			}
		}
		if t != nil {
			walk(t, v, path, f)
		}
		return
	}
	kind := jsonKind(v)
	if !typeAllows(s.Type, kind) {
		f.add(path, "want %s, got %s", wantTypes(s.Type), kind)
		return
	}
	if s.Const != nil && !equalJSON(s.Const, v) {
		f.add(path, "want %s, got %s", quoteJSON(s.Const), quoteJSON(v))
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return equalJSON(e, v) }) {
		want := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			want[i] = quoteJSON(e)
		}
		f.add(path, "want one of %s, got %s", strings.Join(want, ", "), quoteJSON(v))
	}
	switch x := v.(type) {
	case string:
		checkString(s, x, path, f)
	case []any:
		if s.Items != nil && s.Items.Value != nil {
			for i, e := range x {
				walk(s.Items.Value, e, path+"/"+strconv.Itoa(i), f)
			}
		}
	case map[string]any:
		checkObject(s, x, path, f)
	}
	if s.If != nil && s.If.Value != nil && s.Then != nil && s.Then.Value != nil && matchesSchema(s.If.Value, v) {
		walk(s.Then.Value, v, path, f)
	}
}

func checkString(s *openapi3.Schema, x, path string, f *findings) {
	want, _ := s.Extensions["x-want"].(string)
	switch {
	case uint64(utf8.RuneCountInString(x)) < s.MinLength:
		if s.MinLength == 1 {
			f.add(path, "want a non-empty string")
		} else {
			f.add(path, "want at least %d characters, got %d", s.MinLength, utf8.RuneCountInString(x))
		}
	case s.Pattern != "" && !compiled(s.Pattern).MatchString(x):
		if want == "" {
			want = "a string matching " + s.Pattern
		}
		f.add(path, "want %s, got %s", want, quoteJSON(x))
	case s.Format == "date-time" && !validTime(x):
		if want == "" {
			want = "an RFC 3339 date-time"
		}
		f.add(path, "want %s, got %s (not a real time)", want, quoteJSON(x))
	}
}

func validTime(x string) bool {
	_, err := time.Parse(time.RFC3339Nano, x)
	return err == nil
}

func checkObject(s *openapi3.Schema, x map[string]any, path string, f *findings) {
	for _, k := range s.Required {
		if _, ok := x[k]; !ok {
			f.add(path+"/"+pointerToken(k), "missing (required)")
		}
	}
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	slices.Sort(keys) // findings in a stable order
	closed := s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has
	for _, k := range keys {
		p := path + "/" + pointerToken(k)
		ps, ok := s.Properties[k]
		switch {
		case ok && ps.Value != nil:
			walk(ps.Value, x[k], p, f)
		case closed:
			if near := nearestName(k, s.Properties); near != "" {
				f.add(p, "unknown field (did you mean %q?)", near)
			} else {
				f.add(p, "unknown field")
			}
		}
	}
}

// matchesSchema reports whether v meets s, finding nothing.
func matchesSchema(s *openapi3.Schema, v any) bool {
	f := &findings{}
	walk(s, v, "", f)
	return f.n == 0
}

// pointerToken escapes a key as a JSON pointer token (RFC 6901).
func pointerToken(k string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
}

func wantTypes(t *openapi3.Types) string {
	var ts []string
	for _, k := range t.Slice() {
		if k != "null" {
			ts = append(ts, article(k))
		}
	}
	return strings.Join(ts, " or ")
}

func equalJSON(a, b any) bool {
	if n, ok := b.(json.Number); ok {
		fa, ok := a.(float64)
		fb, err := n.Float64()
		return ok && err == nil && fa == fb
	}
	return a == b
}

func quoteJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// nearestName is the property a misspelt key most likely meant: the same
// name in another case, one at most two edits away, or one that starts
// alike and is at most half its length in edits away (StatusMessage for
// StatusMsg); "" when none is.
func nearestName(k string, props openapi3.Schemas) string {
	if len(k) > 64 {
		return ""
	}
	lk := strings.ToLower(k)
	best, bestDist := "", -1
	for name := range props {
		if strings.EqualFold(name, k) {
			return name
		}
		ln := strings.ToLower(name)
		d := editDistance(lk, ln)
		near := d <= 2 || (d <= min(len(lk), len(ln))/2 && commonPrefix(lk, ln) >= 3)
		if near && (bestDist < 0 || d < bestDist || (d == bestDist && name < best)) {
			best, bestDist = name, d
		}
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// editDistance is the Levenshtein distance between short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
