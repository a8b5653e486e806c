package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/partifact/mockserver/sandbox"
)

// Malformed JSON is bad_request with a message that says what is wrong,
// whether the value is broken or followed by more data.
func TestMalformedJSON(t *testing.T) {
	t.Parallel()
	rep := newClient(t, sandbox.Start(t), "malformed", sandbox.Repairer)
	for _, c := range []struct{ body, message string }{
		{`{"identity":`, "malformed JSON: unexpected EOF"},
		{`{"identity":{"external":"CCC-2026-04817"}`, "malformed JSON: unexpected EOF"},
		{`{"identity":{"external":"CCC-2026-04817"}} {}`, "malformed JSON: data after the value"},
		{`{"identity":{"external":"CCC-2026-04817"}}x`, "malformed JSON: data after the value"},
		{`{'identity':1}`, "malformed JSON: invalid character '\\'' looking for beginning of object key string"},
	} {
		resp := rep.fails("repairer.jobs.get", c.body, http.StatusBadRequest, "bad_request")
		var got struct {
			Errors []struct{ Path, Message string }
		}
		if err := json.Unmarshal(resp, &got); err != nil || len(got.Errors) != 1 || got.Errors[0].Message != c.message {
			t.Errorf("%s: got %s, want the message %q", c.body, resp, c.message)
		}
	}
	// Trailing white space is not more data.
	rep.ok("repairer.jobs.get", "{\"identity\":{\"external\":\"CCC-2026-04817\"}}\n\t ", nil)
}

// A route remembers the bodies that passed its schema; the memo must never
// let an invalid body through, however the valid and invalid ones mix.
func TestRepeatedBodiesAreJudgedAlike(t *testing.T) {
	t.Parallel()
	rep := newClient(t, sandbox.Start(t), "repeated", sandbox.Repairer)
	valid := `{"identity":{"external":"CCC-2026-04817"}}`
	invalid := []string{
		`{"identity":{"external":""}}`,
		`{"identity":{"id":"not-a-uuid"}}`,
		`{"identity":{}}`,
		valid[:len(valid)-1],
	}
	for range 3 {
		rep.ok("repairer.jobs.get", valid, nil)
		for _, b := range invalid {
			rep.fails("repairer.jobs.get", b, http.StatusBadRequest, "bad_request")
		}
	}
	// The same bytes sent to another method are judged by its own schema.
	rep.fails("repairer.procurements.get", valid, http.StatusBadRequest, "bad_request")
	// A body only differing in white space is validated on its own.
	rep.ok("repairer.jobs.get", strings.ReplaceAll(valid, ":", ": "), nil)
}
