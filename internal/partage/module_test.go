package partage

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
)

func testFamily(t *testing.T) family {
	t.Helper()
	doc, err := spec.Parse(DocumentName)
	if err != nil {
		t.Fatal(err)
	}
	return family{doc}
}

func renderedMessages(t *testing.T, a httpapi.Answer) []string {
	t.Helper()
	var b ErrorBody
	if err := json.Unmarshal(a.Body, &b); err != nil || len(b.Errors) == 0 {
		t.Fatalf("not the family's body: %s", a.Body)
	}
	return b.Errors
}

// TestRenderRefusals: the edge's refusals say the family's heading once.
func TestRenderRefusals(t *testing.T) {
	f := testFamily(t)
	for _, ref := range []*httpapi.Refusal{
		{Kind: httpapi.BadHeader, Status: 400, Path: "/headers/x-mock-tenant", Message: "a tenant name is 1 to 64 characters"},
		httpapi.BadInput("/query/limit", "at most 100"),
	} {
		a := f.Render("companies.list", ref)
		msgs := renderedMessages(t, a)
		if a.Status != StatusInvalidFormat || a.Variant != "412" || len(msgs) != 1 ||
			!strings.HasPrefix(msgs[0], "Invalid request format. ") || strings.Count(msgs[0], "Invalid request format.") != 1 {
			t.Errorf("%+v rendered %d %q", ref, a.Status, msgs)
		}
		// The edge's message is a sentence of the family's: capitalized.
		if rest := strings.TrimPrefix(msgs[0], "Invalid request format. "); rest[0] >= 'a' && rest[0] <= 'z' {
			t.Errorf("%+v rendered %q, a sentence in lower case", ref, msgs[0])
		}
	}
}

// TestInjectedFaults: a fault answers a status the operation declares, in
// the family's words unless it brings its own.
func TestInjectedFaults(t *testing.T) {
	f := testFamily(t)
	for _, tc := range []struct {
		fault  store.Fault
		status int
		say    string
	}{
		{store.Fault{Status: 401}, 401, ErrInvalidToken.Messages[0]},
		{store.Fault{ErrorType: "406"}, 406, "Invalid quote"},
		{store.Fault{Status: 412}, 412, "Invalid request format"},
		{store.Fault{Status: 503}, 500, "Internal application error"},
		{store.Fault{Status: 404}, 500, "Internal application error"},
		{store.Fault{ErrorType: "406", Status: 406, ErrorFields: map[string]any{"errors": []any{"Lane closed."}}}, 406, "Lane closed."},
	} {
		ft := tc.fault
		if err := f.ResolveFault("quotes.create", &ft); err != nil {
			t.Fatalf("%+v: %v", tc.fault, err)
		}
		a := f.Render("quotes.create", &httpapi.Injected{Fault: ft})
		msgs := renderedMessages(t, a)
		if a.Status != tc.status || ft.Status != tc.status || !slices.Contains(f.Variants("quotes.create"), a.Variant) ||
			len(msgs) != 1 || !strings.HasPrefix(msgs[0], tc.say) {
			t.Errorf("%+v: %d (fault status %d, variant %s) %q, want %d %q", tc.fault, a.Status, ft.Status, a.Variant, msgs, tc.status, tc.say)
		}
	}
	for _, bad := range []store.Fault{
		{ErrorType: "not_found"},
		{ErrorType: "412", Status: 406},
		{Status: 406, ErrorFields: map[string]any{"message": "x"}},
		{Status: 406, ErrorFields: map[string]any{"errors": []any{}}},
		{Status: 406, ErrorFields: map[string]any{"errors": []any{""}}},
		{Status: 406, ErrorFields: map[string]any{"errors": make([]any, MaxMessages+1)}},
	} {
		if err := f.ResolveFault("quotes.create", &bad); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
	if got := f.Variants("quotes.create"); !slices.Equal(got, []string{"401", "406", "412", "500"}) {
		t.Errorf("variants %v", got)
	}
}

// TestBodyMustBeUTF8: bytes that are not UTF-8 are refused, not read as
// U+FFFD.
func TestBodyMustBeUTF8(t *testing.T) {
	_, err := DecodeNoteRequest([]byte("{\"note\":{\"content\":\"\xff\"}}"))
	if e := ErrorOf(err); err == nil || e.Status != StatusInvalidFormat || e.Messages[0] != "Invalid request format. The body is not valid UTF-8." {
		t.Fatalf("got %v", err)
	}
}
