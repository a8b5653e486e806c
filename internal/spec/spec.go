// Package spec loads the embedded OpenAPI documents and validates JSON
// values against the schemas of their operations. Validation uses
// kin-openapi's schema visitor directly on the decoded body: each route
// knows its operation, so no router is needed to find the schema.
package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	mockserver "github.com/partifact/mockserver"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func init() {
	// kin-openapi validates only the formats it is told about.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
		if !uuidPattern.MatchString(s) {
			return errors.New("not a UUID")
		}
		return nil
	}))
}

// Doc is one parsed document.
type Doc struct {
	*openapi3.T
	// Name is the file name the document is served and referred to by.
	Name string
	Raw  []byte
	ops  map[string]*Op
}

// Op is an operation of a document with where it lives.
type Op struct {
	ID   string // its operationId
	Verb string // GET, POST, …
	Path string // as the document spells it, e.g. "/__procurements/{id}/confirm"
	*openapi3.Operation
}

// Load parses openapi.json, the Partly contract.
func Load() (*Doc, error) { return Parse("openapi.json") }

// Parse parses the embedded document of that name (a key of
// mockserver.Documents). References into the other embedded documents
// ("openapi.json#/components/schemas/…") are resolved from them.
func Parse(name string) (*Doc, error) {
	docs, err := ParseAll(name)
	if err != nil {
		return nil, err
	}
	return docs[0], nil
}

// ParseAll parses the embedded documents of those names. Documents that
// refer to one another share a loader, so that the one referred to is read
// once (the sandbox's refers to the APIs'); documents that share nothing
// are parsed at the same time. It does not validate them: the embedded
// documents are fixed, and TestEmbeddedDocumentsAreValid validates every
// one, so the server's start-up need not (a sixth of it).
func ParseAll(names ...string) ([]*Doc, error) {
	for _, name := range names {
		if _, ok := mockserver.Documents[name]; !ok {
			return nil, fmt.Errorf("spec: no embedded document %s", name)
		}
	}
	out := make([]*Doc, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for _, group := range groups(names) {
		wg.Go(func() {
			l := newLoader()
			l.validate = false
			// The ones referred to first, so each is parsed once.
			slices.SortStableFunc(group, func(a, b int) int { return len(refsOf(names[a])) - len(refsOf(names[b])) })
			for _, i := range group {
				out[i], errs[i] = l.parse(names[i], mockserver.Documents[names[i]])
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// Later parses the embedded document of that name in the background, from
// now: the returned function waits for it. A server parses at start the
// documents its first calls need, and the others while it serves.
func Later(name string) func() (*Doc, error) {
	done := make(chan struct{})
	var doc *Doc
	var err error
	go func() {
		defer close(done)
		doc, err = Parse(name)
	}()
	return func() (*Doc, error) {
		<-done
		return doc, err
	}
}

// refsOf names the embedded documents a document refers to.
func refsOf(name string) []string {
	var out []string
	for other := range mockserver.Documents {
		if other != name && bytes.Contains(mockserver.Documents[name], []byte(`"`+other+`#`)) {
			out = append(out, other)
		}
	}
	return out
}

// groups splits names (by index) into sets that refer to no document of
// another set.
func groups(names []string) [][]int {
	set := make([]int, len(names)) // union-find over indexes
	for i := range set {
		set[i] = i
	}
	find := func(i int) int {
		for set[i] != i {
			i = set[i]
		}
		return i
	}
	for i, name := range names {
		for _, ref := range refsOf(name) {
			if j := slices.Index(names, ref); j >= 0 {
				set[find(i)] = find(j)
			}
		}
	}
	byRoot := map[int][]int{}
	var roots []int
	for i := range names {
		r := find(i)
		if byRoot[r] == nil {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], i)
	}
	out := make([][]int, len(roots))
	for k, r := range roots {
		out[k] = byRoot[r]
	}
	return out
}

// ParseData parses and validates a document given as bytes (tests build
// their own).
func ParseData(name string, raw []byte) (*Doc, error) { return newLoader().parse(name, raw) }

// compacted holds each embedded document compacted, made once.
var compacted sync.Map

func compactDoc(name string) []byte {
	if b, ok := compacted.Load(name); ok {
		return b.([]byte)
	}
	b, _ := compacted.LoadOrStore(name, compact(mockserver.Documents[name]))
	return b.([]byte)
}

// compact is a document without the whitespace between its tokens: the
// loader's decoders check each nested value's bytes again at every level,
// so a third fewer bytes is a third less work at start-up. Raw stays as
// written, for serving.
func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw // the loader says what is wrong with it
	}
	return b.Bytes()
}

type loader struct {
	*openapi3.Loader
	validate bool
}

func newLoader() loader {
	l := openapi3.NewLoader()
	l.IsExternalRefsAllowed = true
	l.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		if _, ok := mockserver.Documents[path.Base(u.Path)]; ok {
			return compactDoc(path.Base(u.Path)), nil
		}
		return nil, fmt.Errorf("spec: a document refers to %s, which is not an embedded document", u)
	}
	return loader{Loader: l, validate: true}
}

func (l loader) parse(name string, raw []byte) (*Doc, error) {
	t, err := l.LoadFromDataWithPath(compact(raw), &url.URL{Path: name})
	if err != nil {
		return nil, fmt.Errorf("spec: parse %s: %w", name, err)
	}
	if l.validate {
		if err := t.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("spec: %s is invalid: %w", name, err)
		}
	}
	d := &Doc{T: t, Name: name, Raw: raw, ops: map[string]*Op{}}
	for p, item := range t.Paths.Map() {
		for verb, op := range item.Operations() {
			if op.OperationID == "" {
				return nil, fmt.Errorf("spec: %s: %s %s has no operationId", name, verb, p)
			}
			if d.ops[op.OperationID] != nil {
				return nil, fmt.Errorf("spec: %s: operationId %s is used twice", name, op.OperationID)
			}
			d.ops[op.OperationID] = &Op{ID: op.OperationID, Verb: verb, Path: p, Operation: op}
		}
	}
	return d, nil
}

// Ops lists the document's operations by operationId.
func (d *Doc) Ops() []*Op {
	out := make([]*Op, 0, len(d.ops))
	for _, op := range d.ops {
		out = append(out, op)
	}
	slices.SortFunc(out, func(a, b *Op) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// OpsUnder lists the operationIds of the operations whose path starts with
// prefix, sorted.
func (d *Doc) OpsUnder(prefix string) []string {
	var out []string
	for _, op := range d.Ops() {
		if strings.HasPrefix(op.Path, prefix) {
			out = append(out, op.ID)
		}
	}
	return out
}

// Op is the operation with that operationId, or nil.
func (d *Doc) Op(id string) *Op { return d.ops[id] }

// RequestSchema is an operation's JSON request body schema, or nil.
func (d *Doc) RequestSchema(id string) *openapi3.Schema {
	op := d.ops[id]
	if op == nil {
		return nil
	}
	return BodySchema(op.Operation)
}

// ResponseSchema is the JSON schema of an operation's response for status
// ("200", "default", …), or nil.
func (d *Doc) ResponseSchema(id, status string) *openapi3.Schema {
	op := d.ops[id]
	if op == nil {
		return nil
	}
	return AnswerSchema(op.Operation, status)
}

// Problem is one reason a value does not match a schema.
type Problem struct {
	Path    string // JSON pointer into the value
	Message string
}

// Validate checks a decoded JSON value (any of map[string]any, []any,
// string, float64, bool, nil) against a schema of the embedded document and
// lists every problem.
//
// Valid values, the common case on the hot path, take one fail-fast pass
// that builds no error values. Only an invalid value pays for the full pass
// that lists every problem.
func Validate(schema *openapi3.Schema, value any, asRequest bool) []Problem {
	if schema.VisitJSON(value, quickOptions(asRequest)...) == nil {
		return nil
	}
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails()}
	if asRequest {
		opts = append(opts, openapi3.VisitAsRequest())
	} else {
		opts = append(opts, openapi3.VisitAsResponse())
	}
	err := schema.VisitJSON(value, opts...)
	if err == nil {
		// The passes disagree only if kin-openapi does; trust the full one.
		return nil
	}
	var out, nulls []Problem
	collect(err, &out, &nulls)
	if len(out) == 0 {
		out = nulls
	}
	return distinct(out)
}

// distinct drops repeated problems: the branches of a one-of that fail
// alike ("/identity": value must be an object, once per variant).
func distinct(ps []Problem) []Problem {
	out := ps[:0]
	for _, p := range ps {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// directional says whether an embedded document declares a readOnly or
// writeOnly property anywhere. When it does not, validating "as a request"
// or "as a response" changes no outcome, yet costs: kin-openapi then deep
// copies the value for every oneOf branch and sorts the property names of
// every object it visits. The quick pass leaves the direction out then.
// The keywords are looked for as bytes (a property named so counts too,
// which errs on the safe side): decoding the documents here would cost
// every start-up a tenth of its time.
var directional = func() bool {
	for _, raw := range mockserver.Documents {
		if declaresReadOnlyOrWriteOnly(raw) {
			return true
		}
	}
	return false
}()

// declaresReadOnlyOrWriteOnly reports whether a JSON document holds the
// key "readOnly" or "writeOnly" (or a string spelled so) anywhere.
func declaresReadOnlyOrWriteOnly(doc []byte) bool {
	return bytes.Contains(doc, []byte(`"readOnly"`)) || bytes.Contains(doc, []byte(`"writeOnly"`))
}

var (
	quickUndirected = []openapi3.SchemaValidationOption{openapi3.FailFast(), openapi3.DisableSchemaErrorDetails()}
	quickAsRequest  = []openapi3.SchemaValidationOption{openapi3.FailFast(), openapi3.DisableSchemaErrorDetails(), openapi3.VisitAsRequest()}
	quickAsResponse = []openapi3.SchemaValidationOption{openapi3.FailFast(), openapi3.DisableSchemaErrorDetails(), openapi3.VisitAsResponse()}
)

func quickOptions(asRequest bool) []openapi3.SchemaValidationOption {
	switch {
	case !directional:
		return quickUndirected
	case asRequest:
		return quickAsRequest
	}
	return quickAsResponse
}

func collect(err error, out, nulls *[]Problem) {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		for _, e := range multi {
			collect(e, out, nulls)
		}
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		path := "/" + strings.Join(se.JSONPointer(), "/")
		msg := plainReason(se)
		if se.Origin != nil && msg == "" {
			msg = se.Origin.Error()
		}
		if se.SchemaField == "type" && se.Schema != nil && se.Schema.Type != nil && se.Schema.Type.Is("null") && se.Schema.Type.IsSingle() {
			*nulls = append(*nulls, Problem{Path: path, Message: msg})
			return
		}
		*out = append(*out, Problem{Path: path, Message: msg})
		return
	}
	*out = append(*out, Problem{Path: "/", Message: err.Error()})
}

// plainReason is a schema error's reason, with the few that speak of the
// validator rather than of the value put plainly, in the style of the rest
// ("value must be an object"): a null where none is allowed, and a value
// that fits several variants of a one-of.
func plainReason(se *openapi3.SchemaError) string {
	switch {
	case se.SchemaField == "nullable":
		return "value must not be null"
	case se.SchemaField == "oneOf" && errors.Is(se, openapi3.ErrOneOfConflict) && se.Schema != nil:
		n := 0
		for _, v := range se.Schema.OneOf {
			if v.Value != nil && v.Value.VisitJSON(se.Value, quickUndirected...) == nil {
				n++
			}
		}
		if n < 2 {
			return "value must match exactly one of the variants, it matches more than one"
		}
		return fmt.Sprintf("value must match exactly one of the variants, it matches %d", n)
	}
	return se.Reason
}
