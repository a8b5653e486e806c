package partage

import "github.com/partifact/mockserver/internal/store"

// Call is what an operation runs with: one transaction of the world, the
// company the API token belongs to (Authenticate), and the scheme and host
// the client reached the mock at ("http://127.0.0.1:8080"), which the
// views' URLs start with ("" gives paths alone).
type Call struct {
	Tx      store.Tx
	Caller  store.PartageCompany
	BaseURL string
}
