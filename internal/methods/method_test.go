package methods

import (
	"fmt"
	"strings"
	"testing"
)

func TestDecodedIsBounded(t *testing.T) {
	t.Parallel()
	var d decoded[JobsGetRequest]
	if _, ok := d.get([]byte("{}")); ok {
		t.Fatal("an empty memo knows a body")
	}
	d.add([]byte("{}"), JobsGetRequest{})
	if _, ok := d.get([]byte("{}")); !ok {
		t.Fatal("the memo forgot a body")
	}
	big := []byte(`{"x":"` + strings.Repeat("a", maxDecodedBody) + `"}`)
	d.add(big, JobsGetRequest{})
	if _, ok := d.get(big); ok {
		t.Error("a body over maxDecodedBody was kept")
	}
	for i := range maxDecodedBodies + 10 {
		d.add([]byte(fmt.Sprintf(`{"n":%d}`, i)), JobsGetRequest{})
	}
	if len(d.m) > maxDecodedBodies {
		t.Errorf("the memo holds %d requests, more than %d", len(d.m), maxDecodedBodies)
	}
}

// TestReadRequestsAreCopies: each call of a read method gets its own copy
// of a remembered request.
func TestReadRequestsAreCopies(t *testing.T) {
	t.Parallel()
	var seen []*JobsListRequest
	m := def("test.read", Repairer, false, func(_ *Call, r *JobsListRequest) (any, error) {
		seen = append(seen, r)
		return nil, nil
	})
	body := []byte(`{"site_id":null,"status":"draft"}`)
	for range 2 {
		if _, err := m.Serve(&Call{}, body); err != nil {
			t.Fatal(err)
		}
	}
	if seen[0] == seen[1] || *seen[1].Status != "draft" {
		t.Fatalf("the calls shared one request, or the second lost it: %p %p", seen[0], seen[1])
	}
}
