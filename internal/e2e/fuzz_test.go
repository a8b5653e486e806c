package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/sandbox"
)

// FuzzWireMethods posts arbitrary bodies to every method: the answer is
// never a 500 and always a declared variant (the 200 schema or the method's
// error union). `go test` runs the seed corpus; `go test -fuzz
// FuzzWireMethods ./internal/e2e` explores.
func FuzzWireMethods(f *testing.F) {
	for i, m := range methods.All {
		for _, body := range []any{validBody(m.Name), invalidBody(m.Name)} {
			b, _ := json.Marshal(body)
			f.Add(uint8(i), b)
		}
		f.Add(uint8(i), []byte(`{"identity":{"id":null},"job":{"external":""},"parts":[{"quantity":1e400}]}`))
		f.Add(uint8(i), []byte(`{"identifier":{"chassis_number":"\u0000"},"offer_ids":["00000000-0000-0000-0000-000000000000"]}`))
		f.Add(uint8(i), []byte(`nul`))
		f.Add(uint8(i), []byte("\xff\xfe{}"))
	}
	srv := sandbox.Start(f)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		m := methods.All[int(which)%len(methods.All)]
		cred := sandbox.Repairer
		if m.Access == methods.Supplier {
			cred = sandbox.Supplier
		}
		c := newClient(t, srv, "fuzz", cred)
		status, _, resp := c.raw(http.MethodPost, m.Name, body)
		if status == http.StatusInternalServerError {
			t.Fatalf("%s answered 500 to %q: %s", m.Name, body, resp)
		}
		checkResponse(t, m.Name, status, resp)
	})
}
