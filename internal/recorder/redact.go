package recorder

import (
	"bytes"
	"regexp"
)

// secretField matches a JSON member holding a credential, with its string
// value (escapes included), also in a body cut short.
var secretField = regexp.MustCompile(`("(?:api_key|client_secret|secret)"\s*:\s*)"(?:[^"\\]|\\.)*"?`)

// Redact replaces the values of credential members (api_key, client_secret,
// secret) by "[redacted]": the journal shows who called, never their keys.
func Redact(body []byte) []byte {
	// Every match holds one of these literally; most bodies hold neither,
	// and the substring test costs far less than the regexp.
	if !bytes.Contains(body, []byte("secret")) && !bytes.Contains(body, []byte("api_key")) {
		return body
	}
	return secretField.ReplaceAll(body, []byte(`$1"[redacted]"`))
}
