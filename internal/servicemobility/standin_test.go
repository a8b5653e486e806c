package servicemobility_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/seed"
	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/webhooks"
)

func setEndpoint(t *testing.T, s *sm.Service, st store.Store, tenant, token, uri string) sm.SysConfig {
	t.Helper()
	var out sm.SysConfig
	err := st.Update(ctx, tenant, func(tx store.Tx) error {
		var err error
		out, err = s.SetSysConfig(tx, token, mustJSON(t, map[string]any{"PartsOrdering": map[string]any{"EntityServiceURI": uri}}))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	validate(t, "SysConfig", mustJSON(t, out))
	return out
}

func getConfig(t *testing.T, s *sm.Service, st store.Store, tenant, token string) (sm.SysConfig, error) {
	var out sm.SysConfig
	err := st.View(ctx, tenant, func(tx store.Tx) error {
		var err error
		out, err = s.GetSysConfig(tx, token)
		return err
	})
	return out, err
}

func TestSysConfig(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		const tenant = "sysconfig"
		s := newService(sm.Config{Policy: webhooks.Policy{AllowHosts: []string{"erp"}}})
		tok := logon(t, s, st, tenant)
		c, err := getConfig(t, s, st, tenant, tok)
		if err != nil || c.PartsOrdering.EntityServiceURI != "" {
			t.Fatalf("default %+v %v", c, err)
		}
		if b := string(mustJSON(t, c)); b != `{"PartsOrdering":{"EntityServiceURI":""}}` {
			t.Fatalf("shape %s", b)
		}
		setEndpoint(t, s, st, tenant, tok, "http://127.0.0.1:9000/parts-orders")
		setEndpoint(t, s, st, tenant, tok, "http://erp:8080/po") // an allowed host
		if c, _ := getConfig(t, s, st, tenant, tok); c.PartsOrdering.EntityServiceURI != "http://erp:8080/po" {
			t.Fatalf("after set %+v", c)
		}
		// A body that names nothing changes nothing; other vendor settings are ignored.
		err = st.Update(ctx, tenant, func(tx store.Tx) error {
			c, err := s.SetSysConfig(tx, tok, []byte(`{"AllowMobileCreateOrder":true}`))
			if c.PartsOrdering.EntityServiceURI != "http://erp:8080/po" {
				t.Fatalf("kept %+v", c)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for uri, msg := range map[string]string{
			"http://example.com/po":                         "must name a loopback host",
			"http://10.0.0.1/po":                            "must name a loopback host",
			"ftp://127.0.0.1/po":                            "must be an absolute http or https URL",
			"127.0.0.1:9000":                                "must be an absolute http or https URL",
			"http://user:pw@127.0.0.1/":                     "must be an absolute http or https URL",
			"http://127.0.0.1/" + strings.Repeat("a", 2000): "longer than 2000",
			"http://127.0.0.1/\x00":                         "must not contain the NUL",
			"http://127.0.0.1/\n":                           "must be an absolute http or https URL",
		} {
			err := st.Update(ctx, tenant, func(tx store.Tx) error {
				_, err := s.SetSysConfig(tx, tok, mustJSON(t, map[string]any{"PartsOrdering": map[string]any{"EntityServiceURI": uri}}))
				return err
			})
			wantError(t, err, http.StatusInternalServerError, msg)
		}
		setEndpoint(t, s, st, tenant, tok, "") // back to the reference
		if c, _ := getConfig(t, s, st, tenant, tok); c.PartsOrdering.EntityServiceURI != "" {
			t.Fatalf("cleared %+v", c)
		}
		_, err = getConfig(t, s, st, tenant, "")
		wantError(t, err, http.StatusUnauthorized, "missing")
		err = st.Update(ctx, tenant, func(tx store.Tx) error {
			_, err := s.SetSysConfig(tx, "nope", []byte(`{}`))
			return err
		})
		wantError(t, err, http.StatusUnauthorized, "malformed")
		// A reset forgets the endpoint.
		setEndpoint(t, s, st, tenant, tok, "http://127.0.0.1:9000/x")
		if err := st.ResetTenant(ctx, tenant); err != nil {
			t.Fatal(err)
		}
		if c, _ := getConfig(t, s, st, tenant, tok); c.PartsOrdering.EntityServiceURI != "" {
			t.Fatalf("after reset %+v", c)
		}
	})
}

func listChecks(t *testing.T, st store.Store, tenant string) sm.ContractChecksV1 {
	t.Helper()
	cs, err := sm.Checks(ctx, st, tenant, 0)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, "ContractChecks", mustJSON(t, cs))
	return cs
}

// TestStandIn: the stand-in forwards to the reference implementation when
// no endpoint is configured, to the endpoint when one is, answers what it
// got unchanged, and logs a check of every answer.
func TestStandIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		const tenant = "standin"
		s := newService(sm.Config{Timeout: 300 * time.Millisecond})
		tok := logon(t, s, st, tenant)
		// Someone listens, so the reference's procurements have deliveries.
		if err := st.Update(ctx, tenant, func(tx store.Tx) error {
			return tx.InsertEndpoint(store.Endpoint{ID: seed.Mint(seed.RepairerIntegrationID, "ep"), IntegrationID: seed.RepairerIntegrationID,
				URL: "http://127.0.0.1:9/hook", CreatedAt: seed.Epoch})
		}); err != nil {
			t.Fatal(err)
		}
		body := []byte(`{"Command":1002,"WorkOrder":"WO-SI-1","Parts":[{"ProdNum":"53112-12290","Qty":1.0}]}`)
		relay, err := s.PartsOrdering(ctx, st, sm.Submission{Tenant: tenant, Token: tok, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if relay.Status != 200 || !relay.Check.OK || relay.Check.Target != sm.ReferenceTarget || relay.RecordErr != nil || len(relay.Written.Deliveries) != 2 {
			t.Fatalf("relay %d %s %+v %v %d", relay.Status, relay.Body, relay.Check, relay.RecordErr, len(relay.Written.Deliveries))
		}
		validate(t, "PartsOrderingResponseObject", relay.Body)
		if !strings.Contains(string(relay.Body), `"Qty":1.0`) {
			t.Fatalf("Qty not answered as asked: %s", relay.Body)
		}

		// An implementer that gets a field name wrong: its answer goes back
		// unchanged, and the check says what is wrong.
		const wrong = `{"Orders":[{"PartOrderNum":"PO-77","Parts":[{"ProdNum":"53112-12290","Qty":"1.0"}]}],"Status":1001}`
		im := newImplementer(t, answering(200, wrong))
		setEndpoint(t, s, st, tenant, tok, im.URL+"/parts-orders")
		relay, err = s.PartsOrdering(ctx, st, sm.Submission{Tenant: tenant, Token: tok, Body: body})
		if err != nil || relay.Status != 200 || string(relay.Body) != wrong || relay.Check.OK || relay.Check.FindingCount != 2 || len(relay.Written.Deliveries) != 0 {
			t.Fatalf("relay %d %s %+v %v", relay.Status, relay.Body, relay.Check, err)
		}
		if string(im.body[0]) != string(body) || im.got[0].Header.Get("x-access-token") != tok {
			t.Fatalf("forwarded %q", im.body[0])
		}
		if s := sm.Summary(relay.Check); !strings.Contains(s, "/Orders/0/Parts/0/Qty: want a number, got string") || !strings.Contains(s, "/Status: want a string, got integer") {
			t.Fatalf("summary %q", s)
		}
		// 401 and 500 pass through as they are.
		const denied = `{"Status":"2001","StatusMsg":"denied"}`
		im401 := newImplementer(t, answering(401, denied))
		setEndpoint(t, s, st, tenant, tok, im401.URL)
		relay, err = s.PartsOrdering(ctx, st, sm.Submission{Tenant: tenant, Token: tok, Body: body})
		if err != nil || relay.Status != 401 || string(relay.Body) != denied || !relay.Check.OK {
			t.Fatalf("relay %d %s %+v %v", relay.Status, relay.Body, relay.Check, err)
		}
		// No answer in time: the stand-in answers 500 and the check says why.
		slow := newImplementer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		setEndpoint(t, s, st, tenant, tok, slow.URL)
		relay, err = s.PartsOrdering(ctx, st, sm.Submission{Tenant: tenant, Token: tok, Body: body})
		wantError(t, err, http.StatusInternalServerError, "gave no answer: no complete answer within the timeout")
		if relay.Check.OK || relay.Check.Status != 0 || !strings.Contains(relay.Check.Findings[0].Message, "timeout") {
			t.Fatalf("check %+v", relay.Check)
		}

		cs := listChecks(t, st, tenant)
		if len(cs.Items) != 4 || cs.Items[0].OK || cs.Items[0].Target != slow.URL || cs.Items[3].Target != sm.ReferenceTarget ||
			!cs.Items[3].OK || cs.Items[2].FindingCount != 2 || len(cs.Items[2].Findings) != 2 {
			t.Fatalf("checks %+v", cs)
		}
		if one, _ := sm.Checks(ctx, st, tenant, 1); len(one.Items) != 1 || one.Items[0].ID != cs.Items[0].ID {
			t.Fatalf("limit %+v", one)
		}

		// Refused before forwarding: nothing sent, nothing logged.
		n := len(im.got)
		for _, c := range []struct {
			sub    sm.Submission
			status int
			msg    string
		}{
			{sm.Submission{Tenant: tenant, Body: body}, 401, "missing"},
			{sm.Submission{Tenant: tenant, Token: tok + "x", Body: body}, 401, "not signed"},
			{sm.Submission{Tenant: tenant, Token: tok, Body: []byte(`{"Command":1002,"Parts":[{"ProdNum":"A","Qty":1}]}`)}, 500, "WorkOrder is required"},
			{sm.Submission{Tenant: tenant, Token: tok, Body: []byte(`{"Command":1002,"WorkOrder":"W","Parts":[{"ProdNum":"A","Qty":0}]}`)}, 500, "Parts[0].Qty must be greater than 0"},
			{sm.Submission{Tenant: tenant, Token: tok, Body: []byte(`{`)}, 500, "not valid JSON"},
			{sm.Submission{Tenant: tenant, Token: tok, Body: body, Forwarded: true}, 500, "Forwarding loop"},
		} {
			relay, err := s.PartsOrdering(ctx, st, c.sub)
			wantError(t, err, c.status, c.msg)
			if relay.Check.ID != [16]byte{} {
				t.Fatalf("a refused call was checked: %+v", relay.Check)
			}
		}
		setEndpoint(t, s, st, tenant, tok, im.URL)
		if len(im.got) != n || len(listChecks(t, st, tenant).Items) != 4 {
			t.Fatal("a refused call was forwarded or logged")
		}
		// The checks are the world's: another tenant has none, a reset clears them.
		if len(listChecks(t, st, "standin-other").Items) != 0 {
			t.Fatal("another tenant sees the checks")
		}
		if err := st.ResetTenant(ctx, tenant); err != nil {
			t.Fatal(err)
		}
		if len(listChecks(t, st, tenant).Items) != 0 {
			t.Fatal("a reset kept the checks")
		}
	})
}

// TestStandInCallerGone: a caller that goes away while the endpoint works
// does not cut the forwarded call short: the endpoint gets to answer, and
// the check judges that answer, not a call the stand-in broke off.
func TestStandInCallerGone(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		const tenant = "standin-gone"
		s := newService(sm.Config{})
		tok := logon(t, s, st, tenant)
		body := []byte(`{"Command":1002,"WorkOrder":"WO-GONE-1","Parts":[{"ProdNum":"53112-12290","Qty":1}]}`)

		arrived, release := make(chan struct{}), make(chan struct{})
		im := newImplementer(t, func(w http.ResponseWriter, r *http.Request) {
			close(arrived)
			<-release
			answering(200, goodAnswer)(w, r)
		})
		setEndpoint(t, s, st, tenant, tok, im.URL)
		callCtx, hangUp := context.WithCancel(ctx)
		done := make(chan sm.Relay)
		go func() {
			relay, _ := s.PartsOrdering(callCtx, st, sm.Submission{Tenant: tenant, Token: tok, Body: body})
			done <- relay
		}()
		<-arrived
		hangUp()
		close(release)
		relay := <-done
		if relay.Status != 200 || string(relay.Body) != goodAnswer || !relay.Check.OK || relay.RecordErr != nil {
			t.Fatalf("relay %d %s %+v %v", relay.Status, relay.Body, relay.Check, relay.RecordErr)
		}
		if cs := listChecks(t, st, tenant); len(cs.Items) != 1 || !cs.Items[0].OK || cs.Items[0].Status != 200 {
			t.Fatalf("checks %+v", cs)
		}
	})
}

// TestStandInToReferenceThroughEdge: the stand-in's call of the reference
// implementation through the edge keeps a forward's bounds: an answer over
// MaxAnswerBytes is no answer, as from an endpoint over HTTP.
func TestStandInToReferenceThroughEdge(t *testing.T) {
	t.Parallel()
	post := func(url, path, token, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, url+sm.Prefix+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(sm.TokenHeader, token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	order := `{"Command":1002,"WorkOrder":"WO-EDGE-1","Parts":[{"ProdNum":"53112-12290","Qty":1.0}]}`
	for _, c := range []struct {
		max    int64
		status int
		want   string
	}{
		{0, 200, `"PartStatus":"Ordered"`}, // DefaultMaxAnswerBytes
		{64, 500, "gave no answer: the answer's body is over the size cap (64 bytes)"},
	} {
		url := serveModule(t, memory.New(), sm.Config{MaxAnswerBytes: c.max}, io.Discard)
		_, b := post(url, sm.PathCreateJWT, "", `{"username":"demo.technician","password":"demo-password"}`)
		var tok sm.TokenResponse
		if err := json.Unmarshal([]byte(b), &tok); err != nil {
			t.Fatal(err)
		}
		if status, b := post(url, sm.PathPartsOrdering, tok.Token, order); status != c.status || !strings.Contains(b, c.want) {
			t.Errorf("MaxAnswerBytes %d: %d %s, want %d with %q", c.max, status, b, c.status, c.want)
		}
	}
}
