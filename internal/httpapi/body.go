package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/partifact/mockserver/internal/spec"
)

// Bounds of what the edge reads, the same for every API.
const (
	// MaxBody is the largest request body accepted (1 MiB); larger is
	// refused TooLarge.
	MaxBody = 1 << 20
	// MaxDepth is how deeply arrays and objects may nest in a JSON body.
	// No request of any API needs more than a handful of levels; the limit
	// keeps validation linear in the body (a validator's error for a deep
	// value formats the value at every level, quadratic in its depth).
	MaxDepth = 32
	// MaxProblems is how many schema problems a refusal lists; Total
	// counts the rest.
	MaxProblems = 20
)

// ReadBody checks the content type (JSON, or none) and reads at most
// MaxBody bytes.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	// The usual spelling needs no parsing.
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, refuse(UnsupportedMedia, http.StatusUnsupportedMediaType, "/headers/content-type", "the body must be application/json")
		}
	}
	if n := r.ContentLength; n > 0 && n <= MaxBody {
		// net/http reads a body of a declared length no further: read it
		// into a slice of that size at once.
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, refuse(Malformed, http.StatusBadRequest, "", "the body could not be read")
		}
		return body, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, refuse(TooLarge, http.StatusRequestEntityTooLarge, "", "the body is larger than 1 MiB")
		}
		return nil, refuse(Malformed, http.StatusBadRequest, "", "the body could not be read")
	}
	return body, nil
}

// Decode reads a JSON body into a generic value: an empty body is read as
// {} (and body is set to "{}"), nesting deeper than MaxDepth, anything but
// one JSON value, and strings holding U+0000 (which no store keeps the
// same way) are refused.
func Decode(body *[]byte) (any, error) {
	if len(bytes.TrimSpace(*body)) == 0 {
		*body = []byte("{}")
	}
	nul, err := scan(*body)
	if err != nil {
		return nil, err
	}
	var v any
	// json.Unmarshal accepts exactly one value, as the decoder below does,
	// without the decoder's buffer; the decoder only words the error.
	if json.Unmarshal(*body, &v) != nil {
		dec := json.NewDecoder(bytes.NewReader(*body))
		if err := dec.Decode(&v); err != nil {
			return nil, refuse(Malformed, http.StatusBadRequest, "", "malformed JSON: "+err.Error())
		}
		return nil, refuse(Malformed, http.StatusBadRequest, "", "malformed JSON: data after the value")
	}
	if nul {
		path := nulPath(v, "")
		return nil, &Refusal{Kind: Invalid, Status: http.StatusBadRequest, Path: path, Total: 1,
			Problems: []spec.Problem{{Path: path, Message: "strings must not contain the NUL character (U+0000)"}}}
	}
	return v, nil
}

// scan checks nesting depth in one pass over the bytes and reports whether
// a string escapes U+0000. Malformed JSON is left to the decoder.
func scan(b []byte) (nul bool, err error) {
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				if i+5 < len(b) && b[i+1] == 'u' && string(b[i+2:i+6]) == "0000" {
					nul = true
				}
				i++ // the escaped character never ends the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			if depth++; depth > MaxDepth {
				return nul, refuse(Malformed, http.StatusBadRequest, "", fmt.Sprintf("the JSON nests deeper than %d levels", MaxDepth))
			}
		case ']', '}':
			depth--
		}
	}
	return nul, nil
}

// nulPath is the JSON pointer of the first string (member name or value)
// in v that holds U+0000.
func nulPath(v any, at string) string {
	switch x := v.(type) {
	case string:
		if strings.ContainsRune(x, 0) {
			return at
		}
	case []any:
		for i, e := range x {
			if p := nulPath(e, at+"/"+strconv.Itoa(i)); p != "" {
				return p
			}
		}
	case map[string]any:
		for k, e := range x {
			name := at + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
			if strings.ContainsRune(k, 0) {
				return name
			}
			if p := nulPath(e, name); p != "" {
				return p
			}
		}
	}
	return ""
}

// Validate checks a decoded body against a request schema; a failure is a
// Refusal listing the first MaxProblems problems.
func Validate(schema *openapi3.Schema, v any) error {
	problems := spec.Validate(schema, v, true)
	if len(problems) == 0 {
		return nil
	}
	ref := &Refusal{Kind: Invalid, Status: http.StatusBadRequest, Path: problems[0].Path,
		Message: problems[0].Message, Total: len(problems), Problems: problems}
	if len(problems) > MaxProblems {
		ref.Problems = problems[:MaxProblems:MaxProblems]
	}
	return ref
}

// DecodeValid reads a JSON body with Decode and checks it against schema
// (nil: any JSON value).
func DecodeValid(schema *openapi3.Schema, body *[]byte) error {
	v, err := Decode(body)
	if err != nil || schema == nil {
		return err
	}
	return Validate(schema, v)
}
