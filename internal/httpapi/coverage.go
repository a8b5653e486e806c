package httpapi

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/recorder"
)

type coverageItemV1 struct {
	Name      string `json:"name"`
	Count     int    `json:"count"`
	Exercised bool   `json:"exercised"`
}

type coverageMethodV1 struct {
	Method   string           `json:"method"`
	Variants []coverageItemV1 `json:"variants"`
}

type coverageV1 struct {
	Methods   []coverageMethodV1 `json:"methods"`
	Webhooks  []coverageItemV1   `json:"webhooks"`
	Exercised int                `json:"exercised"`
	Total     int                `json:"total"`
}

// coverage reports, for the tenant, how often each answer variant of each
// method in openapi.json and each webhook event type it declares was seen.
func (s *sandbox) coverage(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "junit" {
		writeError(w, r, false, methods.BadRequest("/query/format", "json or junit"))
		return
	}
	if err := s.rec.FlushTenant(r.Context(), Tenant(r)); err != nil {
		writeError(w, r, false, err)
		return
	}
	counts, err := s.st.Coverage(r.Context(), Tenant(r))
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	rep := coverageV1{Webhooks: []coverageItemV1{}}
	item := func(key, name string) coverageItemV1 {
		n := counts[key]
		rep.Total++
		if n > 0 {
			rep.Exercised++
		}
		return coverageItemV1{Name: name, Count: n, Exercised: n > 0}
	}
	names := s.doc.Methods()
	slices.Sort(names)
	for _, m := range names {
		cm := coverageMethodV1{Method: m}
		for _, v := range append([]string{"200"}, s.doc.ErrorVariants(m)...) {
			cm.Variants = append(cm.Variants, item(recorder.VariantKey(m, v), v))
		}
		rep.Methods = append(rep.Methods, cm)
	}
	for _, typ := range s.doc.EventTypes() {
		rep.Webhooks = append(rep.Webhooks, item(recorder.EventKey(typ), typ))
	}
	if format != "junit" {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	b, err := xml.MarshalIndent(junitOf(rep), "", "  ")
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write(append([]byte(xml.Header), append(b, '\n')...))
}

// JUnit XML, as CI systems read it: a suite per method (and one for
// webhooks), a test case per variant, failing when never exercised.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
}

func junitOf(rep coverageV1) junitSuites {
	out := junitSuites{Name: "contract coverage", Tests: rep.Total, Failures: rep.Total - rep.Exercised}
	suite := func(name string, items []coverageItemV1, what string) junitSuite {
		s := junitSuite{Name: name, Tests: len(items)}
		for _, it := range items {
			c := junitCase{Name: it.Name, Classname: name}
			if it.Exercised {
				c.SystemOut = fmt.Sprintf("seen %d times", it.Count)
			} else {
				s.Failures++
				c.Failure = &junitFailure{Type: "not_exercised", Message: fmt.Sprintf("your tests never saw %s %s", what, it.Name)}
			}
			s.Cases = append(s.Cases, c)
		}
		return s
	}
	for _, m := range rep.Methods {
		out.Suites = append(out.Suites, suite(m.Method, m.Variants, "`"+m.Method+"` answer"))
	}
	if len(rep.Webhooks) > 0 {
		out.Suites = append(out.Suites, suite("webhooks", rep.Webhooks, "the webhook event"))
	}
	return out
}
