package seed

import "testing"

// TestSupersessions: every successor is sold and no old number is.
func TestSupersessions(t *testing.T) {
	sold := map[string]bool{}
	for _, it := range New().Catalogue {
		sold[it.PartNumber] = true
	}
	for _, s := range Supersessions() {
		if !sold[s.New] || sold[s.Old] || s.Reason == "" {
			t.Errorf("%+v: successor sold %v, old number sold %v", s, sold[s.New], sold[s.Old])
		}
	}
}
