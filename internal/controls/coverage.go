package controls

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/recorder"
)

type coverageItemV1 struct {
	Name      string `json:"name"`
	Count     int    `json:"count"`
	Exercised bool   `json:"exercised"`
}

type coverageMethodV1 struct {
	API      string           `json:"api"`
	Method   string           `json:"method"`
	Variants []coverageItemV1 `json:"variants"`
}

type coverageV1 struct {
	Methods   []coverageMethodV1 `json:"methods"`
	Webhooks  []coverageItemV1   `json:"webhooks"`
	Exercised int                `json:"exercised"`
	Total     int                `json:"total"`
}

// coverage reports, for the tenant, how often each answer of each
// operation of each API (or of the one ?api= names) and each webhook event
// type its document declares was seen.
func (c *Controls) coverage(call *httpapi.Call) (any, error) {
	q := call.Request.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "junit" {
		return nil, httpapi.BadInput("/query/format", "json or junit")
	}
	api := q.Get("api")
	if api != "" && c.module(api) == nil {
		return nil, httpapi.BadInput("/query/api", "not an API this server serves")
	}
	if err := c.rec.FlushTenant(call.Ctx, call.Tenant); err != nil {
		return nil, err
	}
	counts, err := c.st.Coverage(call.Ctx, call.Tenant)
	if err != nil {
		return nil, err
	}
	rep := coverageV1{Methods: []coverageMethodV1{}, Webhooks: []coverageItemV1{}}
	item := func(key, name string) coverageItemV1 {
		n := counts[key]
		rep.Total++
		if n > 0 {
			rep.Exercised++
		}
		return coverageItemV1{Name: name, Count: n, Exercised: n > 0}
	}
	for _, m := range c.cfg.Modules {
		if api != "" && m.Name != api {
			continue
		}
		ops := make([]string, len(m.Routes))
		for i, rt := range m.Routes {
			ops[i] = rt.Op
		}
		slices.Sort(ops)
		for _, op := range ops {
			cm := coverageMethodV1{API: m.Name, Method: op}
			for _, v := range append([]string{"200"}, m.Errors.Variants(op)...) {
				cm.Variants = append(cm.Variants, item(recorder.VariantKey(httpapi.Key(m.Name, op), v), v))
			}
			rep.Methods = append(rep.Methods, cm)
		}
		for _, typ := range m.Doc.EventTypes() {
			rep.Webhooks = append(rep.Webhooks, item(recorder.EventKey(typ), typ))
		}
	}
	if format != "junit" {
		return rep, nil
	}
	b, err := xml.MarshalIndent(junitOf(rep), "", "  ")
	if err != nil {
		return nil, err
	}
	return httpapi.Raw{Status: http.StatusOK, ContentType: "application/xml; charset=utf-8",
		Body: append([]byte(xml.Header), append(b, '\n')...)}, nil
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
