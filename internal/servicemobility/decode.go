package servicemobility

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds of what the stand-in and the reference implementation accept
// (designed: the vendor states none). Every violation is a 500 whose
// StatusMsg names the field, the interface's answer to bad input.
const (
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes = 1 << 20
	// MaxParts bounds the parts of one order: as many as a job takes in one
	// repairer.jobs.parts.insert.
	MaxParts = 200
	// MaxStringLen bounds every string, in characters.
	MaxStringLen = 1000
	// MaxWorkOrderLen bounds WorkOrder, which becomes the Partly job's
	// external id (at most 200 characters there).
	MaxWorkOrderLen = 200
	// MaxListLen bounds the other lists (Contacts, Phones).
	MaxListLen = 50
	// MaxURILen bounds PartsOrdering.EntityServiceURI.
	MaxURILen = 2000
)

// ReadBody reads a request body of at most MaxBodyBytes.
func ReadBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBodyBytes+1))
	if err != nil {
		return nil, invalid("The request body could not be read.")
	}
	if len(b) > MaxBodyBytes {
		return nil, invalid("The request body is larger than %d bytes.", MaxBodyBytes)
	}
	return b, nil
}

// DecodePartsOrder reads and parses a Parts Ordering Object, returning the
// bytes too: the stand-in forwards exactly what it was sent.
func DecodePartsOrder(r io.Reader) (PartsOrder, []byte, error) {
	b, err := ReadBody(r)
	if err != nil {
		return PartsOrder{}, nil, err
	}
	o, err := ParsePartsOrder(b)
	return o, b, err
}

// ParsePartsOrder parses and checks a Parts Ordering Object. Field names
// match exactly (JSON is case-sensitive, unlike encoding/json's structs);
// unknown fields are ignored, as the interface may grow. The first problem
// found is the answer.
func ParsePartsOrder(body []byte) (PartsOrder, error) {
	root, err := parseJSON(body)
	if err != nil {
		return PartsOrder{}, err
	}
	d := &decoder{}
	o := d.order(root)
	if d.err != nil {
		return PartsOrder{}, d.err
	}
	return o, nil
}

// ParseLogon parses createjwt's body. A missing username or password is a
// failed logon, not bad input.
func ParseLogon(body []byte) (Logon, error) {
	root, err := parseJSON(body)
	if err != nil {
		return Logon{}, err
	}
	d := &decoder{}
	var l Logon
	if m := d.object(root, field{}, true); m != nil {
		l.Username = d.str(m, field{}, "username", false)
		l.Password = d.str(m, field{}, "password", false)
	}
	return l, d.err
}

// SysConfigUpdate is what a POST of the configuration changes: nil leaves a
// setting as it is.
type SysConfigUpdate struct {
	EntityServiceURI *string
}

// ParseSysConfig parses a posted Entity System Configuration Object. The
// vendor's object holds many settings; the stand-in keeps
// PartsOrdering.EntityServiceURI only and ignores the others, but inside
// PartsOrdering an unknown name is refused, so a misspelling is not lost.
func ParseSysConfig(body []byte) (SysConfigUpdate, error) {
	root, err := parseJSON(body)
	if err != nil {
		return SysConfigUpdate{}, err
	}
	d := &decoder{}
	var u SysConfigUpdate
	m := d.object(root, field{}, true)
	if m == nil {
		return u, d.err
	}
	at := field{}.key("PartsOrdering")
	po := d.object(m["PartsOrdering"], at, false)
	for k := range po {
		if k != "EntityServiceURI" {
			return u, invalid("%s is not a setting the stand-in knows (it knows %s).", at.key(k), at.key("EntityServiceURI"))
		}
	}
	if v, ok := po["EntityServiceURI"]; ok {
		s := d.strMax(po, at, "EntityServiceURI", false, MaxURILen)
		if v == nil {
			s = ""
		}
		u.EntityServiceURI = &s
	}
	return u, d.err
}

// parseJSON decodes one JSON value, numbers kept as their literals.
func parseJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, invalid("The request body is empty: it must be a JSON object.")
		}
		return nil, invalid("The request body is not valid JSON: %s.", jsonError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("The request body is not valid JSON: it holds more than one value.")
	}
	return v, nil
}

// jsonError is the part of a decoding error worth showing.
func jsonError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	return err.Error()
}

// field is where a value sits, written as the StatusMsg names it:
// Parts[1].ProdAttrs.Desc.
type field struct{ path string }

func (f field) key(k string) field {
	if f.path == "" {
		return field{k}
	}
	return field{f.path + "." + k}
}

func (f field) index(i int) field { return field{f.path + "[" + strconv.Itoa(i) + "]"} }

func (f field) String() string {
	if f.path == "" {
		return "The request body"
	}
	return f.path
}

// decoder converts a decoded JSON value into the wire types, keeping the
// first problem it meets; once one is kept, every accessor returns zero
// values, so the conversion code reads straight through.
type decoder struct{ err error }

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = invalid(format, args...)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	}
	return "an object"
}

// object is v as an object; nil when absent (or null) or wrong.
func (d *decoder) object(v any, at field, required bool) map[string]any {
	if d.err != nil {
		return nil
	}
	switch m := v.(type) {
	case map[string]any:
		return m
	case nil:
		if required {
			d.fail("%s must be a JSON object.", at)
		}
		return nil
	}
	d.fail("%s must be an object, not %s.", at, typeName(v))
	return nil
}

// list is m[k] as an array of at most maxLen elements.
func (d *decoder) list(m map[string]any, parent field, k string, maxLen int) []any {
	at := parent.key(k)
	switch a := m[k].(type) {
	case nil:
		return nil
	case []any:
		if len(a) > maxLen {
			d.fail("%s holds %d entries; at most %d are accepted.", at, len(a), maxLen)
			return nil
		}
		return a
	}
	d.fail("%s must be an array, not %s.", at, typeName(m[k]))
	return nil
}

func (d *decoder) str(m map[string]any, parent field, k string, required bool) string {
	return d.strMax(m, parent, k, required, MaxStringLen)
}

// strMax is m[k] as a string of at most maxLen characters; a required one
// must not be empty. NUL is refused: the Partly world's database cannot keep
// it, and no part number or name needs it.
func (d *decoder) strMax(m map[string]any, parent field, k string, required bool, maxLen int) string {
	if d.err != nil {
		return ""
	}
	at := parent.key(k)
	switch s := m[k].(type) {
	case nil:
		if required {
			d.fail("%s is required.", at)
		}
		return ""
	case string:
		switch {
		case required && strings.TrimSpace(s) == "":
			d.fail("%s must not be empty.", at)
		case len(s) > maxLen && utf8.RuneCountInString(s) > maxLen:
			d.fail("%s is longer than %d characters.", at, maxLen)
		case strings.IndexByte(s, 0) >= 0:
			d.fail("%s must not contain the NUL character.", at)
		}
		return s
	}
	d.fail("%s must be a string, not %s.", at, typeName(m[k]))
	return ""
}

func (d *decoder) boolean(m map[string]any, parent field, k string) bool {
	if d.err != nil {
		return false
	}
	switch b := m[k].(type) {
	case nil:
		return false
	case bool:
		return b
	}
	d.fail("%s must be a boolean (true or false), not %s.", parent.key(k), typeName(m[k]))
	return false
}

func (d *decoder) number(m map[string]any, parent field, k string) (json.Number, bool) {
	if d.err != nil {
		return "", false
	}
	switch n := m[k].(type) {
	case nil:
		d.fail("%s is required.", parent.key(k))
	case json.Number:
		return n, true
	default:
		d.fail("%s must be a number, not %s.", parent.key(k), typeName(m[k]))
	}
	return "", false
}

func (d *decoder) order(root any) PartsOrder {
	var o PartsOrder
	m := d.object(root, field{}, true)
	if m == nil {
		return o
	}
	top := field{}
	if n, ok := d.number(m, top, "Command"); ok {
		// An integer as JSON Schema reads one: 1002.0 and 1.002e3 are 1002,
		// as the document's "type": "integer" accepts them.
		f, err := strconv.ParseFloat(n.String(), 64)
		switch {
		case err != nil || f != math.Trunc(f):
			d.fail("Command must be an integer, not %s.", n)
		case f != CommandCheck && f != CommandOrder:
			d.fail("Command must be %d (price and availability) or %d (place the order), not %s.", CommandCheck, CommandOrder, n)
		default:
			o.Command = int(f)
		}
	}
	o.WorkOrder = d.strMax(m, top, "WorkOrder", true, MaxWorkOrderLen)
	o.AccountNum = d.str(m, top, "AccountNum", false)
	o.UserName = d.str(m, top, "UserName", false)
	o.Location = d.location(d.object(m["Location"], top.key("Location"), false), top.key("Location"))
	if d.err != nil {
		return o
	}
	if _, ok := m["Parts"]; !ok || m["Parts"] == nil {
		d.fail("Parts is required: an order holds at least one part.")
		return o
	}
	parts := d.list(m, top, "Parts", MaxParts)
	if d.err == nil && len(parts) == 0 {
		d.fail("Parts must hold at least one part.")
	}
	o.Parts = make([]OrderPart, 0, len(parts))
	for i, v := range parts {
		at := top.key("Parts").index(i)
		pm := d.object(v, at, true)
		if pm == nil {
			break
		}
		p := OrderPart{
			ProdNum:        d.str(pm, at, "ProdNum", true),
			ShipToLocation: d.str(pm, at, "ShipToLocation", false),
			Urgency:        d.str(pm, at, "Urgency", false),
		}
		if am := d.object(pm["ProdAttrs"], at.key("ProdAttrs"), false); am != nil {
			p.ProdAttrs = &ProdAttrs{Desc: d.str(am, at.key("ProdAttrs"), "Desc", false)}
		}
		if n, ok := d.number(pm, at, "Qty"); ok {
			q, err := strconv.ParseFloat(n.String(), 64)
			switch {
			case err != nil:
				d.fail("%s must be a decimal number, not %s.", at.key("Qty"), n)
			case q <= 0:
				d.fail("%s must be greater than 0, not %s.", at.key("Qty"), n)
			}
			p.Qty = Decimal(n)
		}
		o.Parts = append(o.Parts, p)
	}
	return o
}

func (d *decoder) location(m map[string]any, at field) *Location {
	if m == nil {
		return nil
	}
	l := &Location{
		Email: d.str(m, at, "Email", false), LanguageID: d.str(m, at, "LanguageID", false),
		LocationNum: d.str(m, at, "LocationNum", false), Name: d.str(m, at, "Name", false),
		Notes: d.str(m, at, "Notes", false), POReq: d.boolean(m, at, "POReq"),
		ServiceAreaID: d.str(m, at, "ServiceAreaID", false), SigReq: d.boolean(m, at, "SigReq"),
		StorageLocationID: d.str(m, at, "StorageLocationID", false), WorkCenter: d.str(m, at, "WorkCenter", false),
	}
	if am := d.object(m["Address"], at.key("Address"), false); am != nil {
		a := at.key("Address")
		l.Address = &Address{
			AddrLine1: d.str(am, a, "AddrLine1", false), AddrLine2: d.str(am, a, "AddrLine2", false),
			AddrLine3: d.str(am, a, "AddrLine3", false), AddrLine4: d.str(am, a, "AddrLine4", false),
			AddrType: d.str(am, a, "AddrType", false), City: d.str(am, a, "City", false),
			Country: d.str(am, a, "Country", false), Region: d.str(am, a, "Region", false), Zip: d.str(am, a, "Zip", false),
		}
	}
	for i, v := range d.list(m, at, "Contacts", MaxListLen) {
		c := at.key("Contacts").index(i)
		cm := d.object(v, c, true)
		if cm == nil {
			break
		}
		contact := Contact{
			Email: d.str(cm, c, "Email", false), FirstName: d.str(cm, c, "FirstName", false),
			IsPrimary: d.boolean(cm, c, "IsPrimary"), LastName: d.str(cm, c, "LastName", false),
		}
		for j, pv := range d.list(cm, c, "Phones", MaxListLen) {
			p := c.key("Phones").index(j)
			pm := d.object(pv, p, true)
			if pm == nil {
				break
			}
			contact.Phones = append(contact.Phones, Phone{PhoneNum: d.str(pm, p, "PhoneNum", false), PhoneType: d.str(pm, p, "PhoneType", false)})
		}
		l.Contacts = append(l.Contacts, contact)
	}
	return l
}
