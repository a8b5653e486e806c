package servicemobility_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

const goodAnswer = `{"Orders":[{"EstimatedDelivery":"2014-12-18T10:00:00.000Z","PartOrderNum":"PO-1","TrackingNumber":null,
 "Parts":[{"ProdNum":"52119-12D90","PartStatus":"Ordered","ProdAttrs":{"Desc":"Bumper","IsBatch":false,"IsInvCtrl":true,
 "IsSerialized":false,"Price":549.50,"ProdType":"1001"},"Qty":10.0,"ShipToLocation":"LOC-7","Urgency":"Normal",
 "SupersededParts":[{"ProdNum":"52119-12D80","PartStatus":"Superseded","ProdAttrs":{"Desc":"Old bumper"},"Qty":10.0}]}]}],
 "Status":"1001","StatusMsg":"ok"}`

// implementer is an endpoint on 127.0.0.1:0 that answers as told and
// remembers what it was sent.
type implementer struct {
	*httptest.Server
	mu   sync.Mutex
	got  []*http.Request
	body [][]byte
}

func newImplementer(t *testing.T, h http.HandlerFunc) *implementer {
	im := &implementer{}
	im.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		im.mu.Lock()
		im.got, im.body = append(im.got, r), append(im.body, b)
		im.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(im.Close)
	return im
}

func answering(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func findingTexts(c store.ContractCheck) []string {
	var out []string
	for _, f := range c.Findings {
		out = append(out, sm.FindingText(f))
	}
	return out
}

func wantFindings(t *testing.T, c store.ContractCheck, want ...string) {
	t.Helper()
	got := findingTexts(c)
	if c.OK != (len(want) == 0) || c.FindingCount != len(got) {
		t.Fatalf("ok %v, %d findings: %q", c.OK, c.FindingCount, got)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Fatalf("no finding %q in %q", w, got)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
}

// TestForwardAndCheck: the forwarder posts the same bytes with the same token
// to an endpoint on 127.0.0.1:0, and the check judges each kind of answer.
func TestForwardAndCheck(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"right", 200, goodAnswer, nil},
		{"401 with a JSON body", 401, `{"Status":"2001","StatusMsg":"Invalid logon"}`, nil},
		{"401 without a body", 401, ``, nil},
		{"401 with a body that is not JSON", 401, `Invalid logon`, []string{"the body of a 401 is not JSON"}},
		{"500 with a reason", 500, `{"Status":"2001","StatusMsg":"ERP down"}`, nil},
		{"500 with a reason that is not JSON", 500, `ERP down`, []string{"the body of a 500 is not JSON"}},
		{"500 without a reason", 500, ``, []string{"a 500 must say in its body what went wrong"}},
		{"status outside the interface", 404, `{}`, []string{"status 404: the interface answers 200, 401 or 500"}},
		{"numeric Status", 200, `{"Orders":[],"Status":1001}`, []string{"/Status: want a string, got integer"}},
		{"unknown Status", 200, `{"Orders":[],"Status":"OK"}`, []string{`/Status: want one of "1001", "1002", "2001", got "OK"`}},
		{"2001 without StatusMsg", 200, `{"Status":"2001"}`, []string{"/StatusMsg: missing (required)"}},
		{"2001 with an empty StatusMsg", 200, `{"Status":"2001","StatusMsg":""}`, []string{"/StatusMsg: want a non-empty string"}},
		{"no Status", 200, `{"Orders":[]}`, []string{"/Status: missing (required)"}},
		{"wrong field names", 200, `{"orders":[],"Status":"1001","StatusMessage":"x","Orders":[{"PartOrderNumber":"1","Parts":[{"ProdNum":"A","Partstatus":"Ordered","ProdAttr":{}}]}]}`,
			[]string{`/orders: unknown field (did you mean "Orders"?)`, `/StatusMessage: unknown field (did you mean "StatusMsg"?)`,
				`/Orders/0/PartOrderNumber: unknown field (did you mean "PartOrderNum"?)`,
				`/Orders/0/Parts/0/Partstatus: unknown field (did you mean "PartStatus"?)`,
				`/Orders/0/Parts/0/ProdAttr: unknown field (did you mean "ProdAttrs"?)`}},
		{"wrong types", 200, `{"Status":"1002","Orders":[{"EstimatedDelivery":"2014-12-18T10:00:00Z","Parts":[{"ProdNum":"A","Qty":"1"},{"ProdNum":"B","Qty":1,"ProdAttrs":{"Price":"9.99","IsBatch":"no"}}]}]}`,
			[]string{"/Orders/0/EstimatedDelivery: want ISO 8601 UTC with milliseconds, like 2014-12-18T10:00:00.000Z, got \"2014-12-18T10:00:00Z\"",
				"/Orders/0/Parts/0/Qty: want a number, got string", "/Orders/0/Parts/1/ProdAttrs/IsBatch: want a boolean, got string",
				"/Orders/0/Parts/1/ProdAttrs/Price: want a number, got string"}},
		{"impossible date", 200, `{"Status":"1001","Orders":[{"EstimatedDelivery":"2014-13-45T10:00:00.000Z","Parts":[]}]}`,
			[]string{"/Orders/0/EstimatedDelivery: want ISO 8601 UTC with milliseconds, like 2014-12-18T10:00:00.000Z, got \"2014-13-45T10:00:00.000Z\" (not a real time)"}},
		{"missing Parts and ProdNum", 200, `{"Status":"1001","Orders":[{"PartOrderNum":"1"},{"Parts":[{"Qty":1,"SupersededParts":[{}]}]}]}`,
			[]string{"/Orders/0/Parts: missing (required)", "/Orders/1/Parts/0/ProdNum: missing (required)", "/Orders/1/Parts/0/SupersededParts/0/ProdNum: missing (required)"}},
		{"not an object", 200, `[]`, []string{"want an object, got array"}},
		{"non-JSON", 200, `<html>Thanks!</html>`, []string{"the body is not JSON"}},
		{"two values", 200, `{"Status":"1001"} {}`, []string{"the body is not JSON: it holds more than one value"}},
		{"empty 200", 200, ``, []string{"a 200 must carry a Parts Ordering Response Object; the body is empty"}},
		{"nulls are no value", 200, `{"Orders":[{"EstimatedDelivery":null,"PartOrderNum":null,"Parts":[{"ProdNum":"A","PartStatus":null,"ProdAttrs":null,"Qty":null,"SupersededParts":null}],"TrackingNumber":null}],"Status":"1002","StatusMsg":null}`, nil},
		{"a pointer token is escaped", 200, `{"Status":"1001","a/b~c":1}`, []string{"/a~1b~0c: unknown field"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			im := newImplementer(t, answering(c.status, c.body))
			f := sm.NewForwarder(sm.Config{})
			const sent = `{"Command":1002,"WorkOrder":"WO-1","Parts":[{"ProdNum":"A","Qty":10.0}]}`
			target := f.Target(im.URL+"/parts", "team-a")
			r := target.Submit(ctx, "the.jwt", []byte(sent))
			if r.Err != nil || r.Status != c.status || string(r.Body) != c.body {
				t.Fatalf("reply %d %q %v", r.Status, r.Body, r.Err)
			}
			got := im.got[0]
			if string(im.body[0]) != sent || got.Method != http.MethodPost || got.URL.Path != "/parts" ||
				got.Header.Get("Content-Type") != "application/json" || got.Header.Get("x-access-token") != "the.jwt" ||
				got.Header.Get(sm.ForwardedHeader) != "1" || got.Header.Get(webhooks.TenantHeader) != "team-a" {
				t.Fatalf("forwarded %s %s %v %q", got.Method, got.URL, got.Header, im.body[0])
			}
			check := sm.Check(r, target.Name())
			if check.Target != im.URL+"/parts" || check.Status != c.status {
				t.Fatalf("check %+v", check)
			}
			wantFindings(t, check, c.want...)
			if check.OK && c.status == 200 {
				validate(t, "PartsOrderingResponseObject", []byte(c.body))
			}
		})
	}
}

// TestForwardFailures: a slow endpoint, a huge answer, a refused connection,
// a host outside the rules and a redirect are findings too.
func TestForwardFailures(t *testing.T) {
	release := make(chan struct{})
	slow := newImplementer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	huge := newImplementer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write(bytes.Repeat([]byte(" "), 4<<10))
	})
	redirect := newImplementer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	l.Close()

	f := sm.NewForwarder(sm.Config{Timeout: 200 * time.Millisecond, MaxAnswerBytes: 1 << 10})
	cases := []struct {
		name, url string
		status    int
		want      string
	}{
		{"slow", slow.URL, 0, "no answer: no complete answer within the timeout (200ms)"},
		{"huge", huge.URL, 200, "the answer's body is too large: the answer's body is over the size cap (1024 bytes)"},
		{"refused", closed, 0, "connection refused"},
		{"not loopback", "http://10.255.255.1:9/", 0, "url is not loopback"},
		{"redirect", redirect.URL, 302, "status 302: the interface answers 200, 401 or 500"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.Target(c.url, "").Submit(ctx, "tok", []byte(`{}`))
			check := sm.Check(r, c.url)
			if r.Status != c.status || check.OK || check.FindingCount != 1 || !strings.Contains(check.Findings[0].Message, c.want) {
				t.Fatalf("reply %d %v; findings %q", r.Status, r.Err, findingTexts(check))
			}
		})
	}
	// Connecting is bounded on its own: a TLS endpoint that never
	// completes the handshake is given ConnectTimeout, not the whole call's
	// Timeout.
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			held <- c // accepted, never answered
		}
	}()
	t.Cleanup(func() {
		mute.Close()
		for len(held) > 0 {
			(<-held).Close()
		}
	})
	connect := sm.NewForwarder(sm.Config{ConnectTimeout: 100 * time.Millisecond, Timeout: time.Hour})
	r := connect.Target("https://"+mute.Addr().String()+"/", "").Submit(ctx, "tok", []byte(`{}`))
	if check := sm.Check(r, "mute"); r.Err == nil || errors.Is(r.Err, sm.ErrTimeout) || !strings.Contains(r.Err.Error(), "TLS handshake timeout") ||
		check.OK || !strings.Contains(check.Findings[0].Message, "no answer") {
		t.Fatalf("a mute TLS endpoint: %v; findings %q", r.Err, findingTexts(check))
	}
	// The caller's context bounds the call too.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if r := f.Target(slow.URL, "").Submit(cctx, "tok", []byte(`{}`)); r.Err == nil {
		t.Fatal("a canceled call got an answer")
	}
}

// TestCheckIsBounded: thousands of wrong fields make MaxFindings findings
// and a count of them all; hostile names are clipped.
func TestCheckIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"Status":"1001","Orders":[{"Parts":[`)
	for i := range 3000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"ProdNum":1}`)
	}
	b.WriteString(`]}],"` + strings.Repeat("k", 10000) + `\u0000":1}`)
	c := sm.Check(sm.Reply{Status: 200, Body: []byte(b.String())}, "x")
	if len(c.Findings) != sm.MaxFindings || c.FindingCount != 3001 || c.OK {
		t.Fatalf("%d kept, %d counted", len(c.Findings), c.FindingCount)
	}
	for _, f := range c.Findings {
		if len(f.Path) > 310 || len(f.Message) > 310 {
			t.Fatalf("finding not clipped: %d/%d", len(f.Path), len(f.Message))
		}
	}
	if s := sm.Summary(c); !strings.Contains(s, "3001 finding(s)") || !strings.Contains(s, "and 2998 more") {
		t.Fatalf("summary %q", s)
	}
	if s := sm.Summary(sm.Check(sm.Reply{Status: 200, Body: []byte(goodAnswer)}, "http://x/")); s != "contract check of http://x/: ok" {
		t.Fatalf("summary %q", s)
	}
}
