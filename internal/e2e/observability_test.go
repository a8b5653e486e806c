package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/partifact/mockserver/sandbox"
)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t, sandbox.Options{Dedicated: true}) // the counters are the process's
	rep := newClient(t, srv, "metrics", sandbox.Repairer)
	rep.ok("repairer.jobs.get", demoJob, nil)
	rep.ok("repairer.jobs.get", demoJob, nil)
	rep.anonymous().fails("repairer.jobs.get", demoJob, http.StatusUnauthorized, "unauthorized")
	if status, _, _ := rep.raw(http.MethodPost, "no.such.method", nil); status != http.StatusNotFound {
		t.Fatalf("unknown method: %d", status)
	}

	status, _, body := get(t, srv.URL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not Prometheus text: %v\n%s", err, body)
	}
	requests := map[string]float64{}
	for _, m := range families["mockserver_requests_total"].GetMetric() {
		requests[label(m, "method")+" "+label(m, "status")] = m.GetCounter().GetValue()
	}
	want := map[string]float64{"repairer.jobs.get 200": 2, "repairer.jobs.get 401": 1, "unknown 404": 1}
	if len(requests) != len(want) {
		t.Fatalf("requests: %v, want %v", requests, want)
	}
	for k, n := range want {
		if requests[k] != n {
			t.Fatalf("requests: %v, want %v", requests, want)
		}
	}
	for _, m := range families["mockserver_request_duration_seconds"].GetMetric() {
		if label(m, "method") == "repairer.jobs.get" && m.GetHistogram().GetSampleCount() != 3 {
			t.Fatalf("latency samples: %d, want 3", m.GetHistogram().GetSampleCount())
		}
	}
	if tenants := families["mockserver_tenants_alive"].GetMetric(); len(tenants) != 1 || tenants[0].GetGauge().GetValue() < 1 {
		t.Fatalf("tenants alive: %v", tenants)
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	if status, _, body := get(t, srv.URL+"/readyz"); status != http.StatusOK || !strings.Contains(body, "ready") {
		t.Fatalf("/readyz: %d %s", status, body)
	}
}

func TestMachineReadableDocs(t *testing.T) {
	t.Parallel()
	srv := sandbox.Start(t)
	_, _, index := get(t, srv.URL+"/llms.txt")
	status, h, full := get(t, srv.URL+"/llms-full.txt")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("/llms-full.txt: %d %s", status, h.Get("Content-Type"))
	}
	for _, m := range wireMethods(t) {
		if !strings.Contains(full, "\n### "+m+"\n") {
			t.Errorf("/llms-full.txt does not describe %s", m)
		}
		if !strings.Contains(index, "["+m+"]") {
			t.Errorf("/llms.txt does not list %s", m)
		}
	}
	// Schemas are resolved: a method's error union shows its variants.
	if strings.Contains(full, `"$ref"`) || !strings.Contains(full, `"invalid_access_code"`) {
		t.Errorf("/llms-full.txt schemas are not resolved")
	}
	// The contract and the sandbox controls are two documents, both listed.
	for _, d := range []string{"/openapi.json", "/openapi-3.0.json", "/openapi-sandbox.json"} {
		if !strings.Contains(index, "("+d+")") {
			t.Errorf("/llms.txt does not list %s", d)
		}
	}
	if _, _, contract := get(t, srv.URL+"/openapi.json"); strings.Contains(contract, `"/__`) {
		t.Error("/openapi.json describes sandbox routes: an SDK generated from it would have them")
	}
	if status, _, sb := get(t, srv.URL+"/openapi-sandbox.json"); status != http.StatusOK || !strings.Contains(sb, `"/__reset"`) {
		t.Errorf("/openapi-sandbox.json: %d", status)
	}
	if !strings.Contains(index, "(/docs/sandbox.md)") {
		t.Errorf("/llms.txt does not list the docs: %s", index)
	}
	status, h, page := get(t, srv.URL+"/docs/sandbox.md")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/markdown") || !strings.HasPrefix(page, "# ") {
		t.Fatalf("/docs/sandbox.md: %d %s %.40q", status, h.Get("Content-Type"), page)
	}
	// The same page without the suffix, as for Accept: text/markdown.
	if status, h, bare := get(t, srv.URL+"/docs/sandbox"); status != http.StatusOK || bare != page ||
		!strings.HasPrefix(h.Get("Content-Type"), "text/markdown") {
		t.Fatalf("/docs/sandbox: %d %s", status, h.Get("Content-Type"))
	}
	for _, p := range []string{"/docs/nope.md", "/docs/nope", "/docs/..%2Fopenapi.json", "/docs/sandbox.md.md"} {
		if status, _, body := get(t, srv.URL+p); status != http.StatusNotFound || !strings.Contains(body, "unknown_method") {
			t.Errorf("%s: %d %s", p, status, body)
		}
	}
}
