package recorder

import (
	"bytes"
	"encoding/json"
)

// secretKeys are the members whose values the journal never shows: the
// Partly api key, client secret and webhook secrets, the Partage api
// token, the ServiceMobility logon's password and its token.
var secretKeys = []string{"api_key", "client_secret", "secret", "api_token", "password", "token"}

// maxKeyLiteral is the longest JSON string literal that can decode to a
// secret key: every character escaped as \uXXXX, and the quotes.
const maxKeyLiteral = 2 + 6*len("client_secret")

var redacted = []byte(`"[redacted]"`)

// Redact replaces the value of every member named one of secretKeys, at
// any depth, by "[redacted]": the journal shows who called, never their
// keys.
//
// Keys are compared as JSON decodes them, so an escaped spelling
// ("client\u005fsecret") is one too. The body is read as a sequence of
// JSON tokens rather than parsed whole, so a body cut at BodyLimit, or one
// that is not valid JSON at all, is redacted as far as it goes: a value cut
// short is redacted to the end. Everything else is left byte for byte as
// it came.
func Redact(body []byte) []byte {
	// A key decoding to one of the names holds it literally or uses a
	// \u escape; most bodies hold neither, and these tests cost far less
	// than the scan.
	if !bytes.Contains(body, []byte("secret")) && !bytes.Contains(body, []byte("api_key")) &&
		!bytes.Contains(body, []byte("token")) && !bytes.Contains(body, []byte("password")) &&
		!bytes.Contains(body, []byte(`\u`)) {
		return body
	}
	var out []byte // nil until something is redacted
	last := 0      // body[last:] is not copied to out yet
	for i := 0; i < len(body); {
		if body[i] != '"' {
			i++
			continue
		}
		end, closed := stringEnd(body, i)
		colon := skipSpace(body, end)
		if !closed || colon == len(body) || body[colon] != ':' || !secretKey(body[i:end]) {
			i = end
			continue
		}
		v := skipSpace(body, colon+1)
		out = append(append(out, body[last:v]...), redacted...)
		last = valueEnd(body, v)
		i = last
	}
	if out == nil {
		return body
	}
	return append(out, body[last:]...)
}

// secretKey reports whether a string literal (quotes included) decodes to
// one of secretKeys.
func secretKey(lit []byte) bool {
	if len(lit) > maxKeyLiteral {
		return false
	}
	raw := lit[1 : len(lit)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		for _, k := range secretKeys {
			if string(raw) == k { // compared in place, not copied
				return true
			}
		}
		return false
	}
	var name string
	if json.Unmarshal(lit, &name) != nil {
		return false
	}
	for _, k := range secretKeys {
		if name == k {
			return true
		}
	}
	return false
}

// stringEnd returns the index just past the string literal starting at
// b[i] ('"'), and whether it is closed before b ends.
func stringEnd(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return len(b), false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at b[i], or
// len(b) when b ends first: a string, an object or array (brackets
// counted outside strings), or a scalar up to the next delimiter.
func valueEnd(b []byte, i int) int {
	if i == len(b) {
		return i
	}
	switch b[i] {
	case '"':
		end, _ := stringEnd(b, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _ := stringEnd(b, j)
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && bytes.IndexByte([]byte(",}] \t\r\n"), b[j]) < 0 {
		j++
	}
	return j
}
