package partage

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// TestRunIsServeAfterAuthentication: an edge that authenticates itself
// (TokenOf, Authenticate) and calls Run gets what Serve answers.
func TestRunIsServeAfterAuthentication(t *testing.T) {
	body := []byte(`{"api_token":"` + seed.PartageDemoToken + `","quote":{"equipment":"van","origin_postal_code":"60612","destination_postal_code":"12186"}}`)
	answers := make([]string, 2)
	for i := range answers {
		w := memWorld(t)
		err := w.s.Update(context.Background(), w.tenant, func(tx store.Tx) error {
			tx = fixedClock{tx, w.now}
			op := operation("quotes.create")
			var out any
			if i == 0 {
				res, err := op.Serve(tx, Input{Body: body, BaseURL: testBase})
				if err != nil {
					return err
				}
				out = res.JSON
			} else {
				caller, err := Authenticate(tx, TokenOf(body, ""))
				if err != nil {
					return err
				}
				if out, err = op.Run(&Call{Tx: tx, Caller: caller, BaseURL: testBase}, "", body); err != nil {
					return err
				}
			}
			b, _ := json.Marshal(out)
			answers[i] = string(b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if answers[0] != answers[1] {
		t.Fatalf("Serve %s\nRun   %s", answers[0], answers[1])
	}
	if _, err := operation("quotes.book").Run(&Call{}, "PLAAAA", []byte(`{`)); ErrorOf(err).Status != StatusInvalidFormat {
		t.Fatalf("a malformed body: %v", err)
	}
}
