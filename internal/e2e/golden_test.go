package e2e

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/sandbox"
)

// TestGoldenAnswers compares the exact bytes of a few answers with
// testdata/golden (UPDATE_GOLDEN=1 rewrites them): compact JSON in the
// order of the contract, & < > sent as themselves (the vendor's serializer
// escapes no HTML; Go's default would send \u0026), the error variants'
// bodies, and the whole-body path "" of bad_request.
func TestGoldenAnswers(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	rep := newClient(t, srv, "golden", sandbox.Repairer)
	jobsInsert := `{"data":{"claim_number":"AMI & <Tower>","job_number":null,"repairer_site_id":"` + seed.AddingtonSiteID.String() +
		`","vehicle":null,"work_provider_id":null},"identity":{"external":"GOLD-1"},"if_":{"exists":"update"}}`
	for _, c := range []struct {
		name   string
		c      *client
		verb   string
		method string
		body   string
		status int
	}{
		{"businesses_list", rep, http.MethodPost, "businesses.list", `{}`, 200},
		{"jobs_get", rep, http.MethodPost, "repairer.jobs.get", `{"identity":{"external":"CCC-2026-04817"}}`, 200},
		{"jobs_insert_ampersand", rep, http.MethodPost, "repairer.jobs.insert", jobsInsert, 200},
		{"not_found", rep, http.MethodPost, "repairer.jobs.get", `{"identity":{"external":"nothing"}}`, 404},
		{"parts_insert_not_found", rep, http.MethodPost, "repairer.jobs.parts.insert",
			`{"job":{"external":"nothing"},"parts":[{"description":"x","part_number":null,"quantity":1}]}`, 404},
		{"unauthorized", rep.anonymous(), http.MethodPost, "repairer.jobs.get", `{}`, 401},
		{"malformed_json", rep, http.MethodPost, "repairer.jobs.get", `{"identity":`, 400},
		{"not_an_object", rep, http.MethodPost, "repairer.jobs.get", `[]`, 400},
		{"null_body", rep, http.MethodPost, "repairer.jobs.get", `null`, 400},
		{"ambiguous_identity", rep, http.MethodPost, "repairer.jobs.get", `{"identity":{"id":"` + seed.DemoJobID.String() + `","external":"CCC-2026-04817"}}`, 400},
		{"get_verb", rep, http.MethodGet, "repairer.jobs.get", ``, 405},
		{"unknown_method", rep, http.MethodPost, "repairer.jobs.delete", `{}`, 404},
		{"two_tenants", withHeaders(rep, "X-Partifact-Tenant", "one", "X-Mock-Tenant", "two"), http.MethodPost, "businesses.list", `{}`, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			status, _, got := c.c.raw(c.verb, c.method, body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, got)
			}
			if c.method != "repairer.jobs.delete" {
				checkResponse(t, c.method, status, got)
			}
			if bytes.Contains(got, []byte(`\u00`)) {
				t.Errorf("HTML-escaped answer: %s", got)
			}
			file := filepath.Join("testdata", "golden", c.name+".json")
			if os.Getenv("UPDATE_GOLDEN") == "1" {
				if err := os.WriteFile(file, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, bytes.TrimSuffix(want, []byte("\n"))) {
				t.Fatalf("answer\n%s\nbut %s holds\n%s", got, file, want)
			}
		})
	}
}

// withHeaders is c sending the given header pairs, in no tenant of its own.
func withHeaders(c *client, kv ...string) *client {
	n := *c
	n.tenant = ""
	n.header = http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		n.header.Add(kv[i], kv[i+1])
	}
	return &n
}
