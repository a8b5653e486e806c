package webhooks_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/controls"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
	"github.com/partifact/mockserver/webhook"
)

type listenerV1 struct {
	OK               bool   `json:"ok"`
	Reason           string `json:"reason"`
	ListenerID       string `json:"listener_id"`
	IntegrationID    string `json:"integration_id"`
	EndpointID       string `json:"endpoint_id"`
	Secret           string `json:"secret"`
	WaitMaxSeconds   int    `json:"wait_max_seconds"`
	IdleAfterSeconds int    `json:"idle_after_seconds"`
	PageMax          int    `json:"page_max"`
}

type pageV1 struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
	Items  []struct {
		Seq        int64             `json:"seq"`
		ReceivedAt time.Time         `json:"received_at"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body_base64"`
	} `json:"items"`
	Next   int64 `json:"next"`
	Missed int64 `json:"missed"`
}

var sandboxDoc = sync.OnceValues(func() (*spec.Doc, error) { return spec.Parse("openapi-sandbox.json") })

// listenCall calls a listen route (route is "VERB /template" as
// openapi-sandbox.json spells it, path the concrete one) and checks the
// answer against the schema the document gives its status.
func (s *server) listenCall(route, path, tenant string, headers map[string]string, body any, out any) int {
	s.t.Helper()
	verb, template, _ := strings.Cut(route, " ")
	var raw json.RawMessage
	code := s.do(verb, path, tenant, headers, body, &raw)
	doc, err := sandboxDoc()
	if err != nil {
		s.t.Fatal(err)
	}
	schema := spec.AnswerSchema(doc.OperationAt(template, verb), strconv.Itoa(code))
	if schema == nil {
		s.t.Fatalf("openapi-sandbox.json declares no %d answer of %s: %s", code, route, raw)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		s.t.Fatal(err)
	}
	if problems := spec.Validate(schema, v, false); len(problems) > 0 {
		s.t.Fatalf("%s: the %d answer does not match its schema: %v\n%s", route, code, problems, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatal(err)
		}
	}
	return code
}

const (
	routeOpen  = "POST /__webhooks/listen"
	routePoll  = "GET /__webhooks/listen/{listener_id}"
	routeClose = "DELETE /__webhooks/listen/{listener_id}"
	routeInbox = "POST /__webhooks/listen/{listener_id}/inbox"
)

func (s *server) listen(tenant string, integration uuid.UUID) listenerV1 {
	s.t.Helper()
	var l listenerV1
	if code := s.listenCall(routeOpen, "/__webhooks/listen", tenant, nil, map[string]any{"integration_id": integration}, &l); code != 200 || !l.OK {
		s.t.Fatalf("listen: %d %+v", code, l)
	}
	return l
}

func (s *server) poll(tenant, id, query string) (int, pageV1) {
	s.t.Helper()
	var p pageV1
	code := s.listenCall(routePoll, "/__webhooks/listen/"+id+query, tenant, nil, nil, &p)
	return code, p
}

// A listener's poll gives the exact bytes and headers the mock signed: the
// integration's secret verifies them, as the host's receiver will.
func TestListenDeliversWhatWasSigned(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		l := s.listen("listen", seed.RepairerIntegrationID)
		if l.Secret != seed.RepairerWebhookSecret || l.IntegrationID != seed.RepairerIntegrationID.String() ||
			l.WaitMaxSeconds != int(controls.MaxListenWait/time.Second) || l.IdleAfterSeconds != int(webhooks.ListenIdle/time.Second) ||
			l.PageMax != controls.MaxListenPage {
			t.Fatalf("listener: %+v", l)
		}
		if code := s.insertJob("listen", "LISTEN-1"); code != 200 {
			t.Fatalf("jobs.insert: %d", code)
		}
		code, p := s.poll("listen", l.ListenerID, "?after=0&wait=10s")
		if code != 200 || len(p.Items) != 1 || p.Next != p.Items[0].Seq || p.Items[0].Seq != 1 || p.Missed != 0 {
			t.Fatalf("poll: %d %+v", code, p)
		}
		it := p.Items[0]
		body, err := base64.StdEncoding.DecodeString(it.Body)
		if err != nil {
			t.Fatal(err)
		}
		env, err := webhook.Verify(l.Secret, body, it.Headers[webhook.SignatureHeader], time.Now())
		if err != nil || env.Type != "repairer.job.inserted" || env.IntegrationID != l.IntegrationID {
			t.Fatalf("the forwarded delivery does not verify: %v %+v", err, env)
		}
		for name, want := range map[string]string{"content-type": "application/json", "user-agent": webhooks.UserAgent,
			webhooks.TenantHeader: "listen"} {
			if it.Headers[name] != want {
				t.Errorf("header %s: %q, want %q (all: %v)", name, it.Headers[name], want, it.Headers)
			}
		}
		// It is an ordinary delivery: logged, to the listener's endpoint.
		d := waitDelivery(t, s, "listen", store.DeliveryDelivered)
		if d["endpoint_id"] != l.EndpointID || !strings.HasSuffix(d["url"].(string), "/__webhooks/listen/"+l.ListenerID+"/inbox") {
			t.Fatalf("delivery %v, want it to the listener's endpoint %s", d, l.EndpointID)
		}
		// Past the cursor there is nothing more; the cursor stays.
		if code, p := s.poll("listen", l.ListenerID, fmt.Sprintf("?after=%d", p.Next)); code != 200 || len(p.Items) != 0 || p.Next != 1 {
			t.Fatalf("poll past the cursor: %d %+v", code, p)
		}
		// Closing unsubscribes the endpoint and forgets the listener.
		var closed struct{ Removed int }
		if code := s.listenCall(routeClose, "/__webhooks/listen/"+l.ListenerID, "listen", nil, nil, &closed); code != 200 || closed.Removed != 1 {
			t.Fatalf("close: %d %+v", code, closed)
		}
		var in struct{ Endpoints []map[string]any }
		s.do(http.MethodGet, "/__webhooks/integrations/"+seed.RepairerIntegrationID.String(), "listen", nil, nil, &in)
		if len(in.Endpoints) != 0 {
			t.Fatalf("endpoints after close: %v", in.Endpoints)
		}
		if code, p := s.poll("listen", l.ListenerID, ""); code != 404 || p.Reason != "unknown_listener" {
			t.Fatalf("poll a closed listener: %d %+v", code, p)
		}
		if code := s.listenCall(routeClose, "/__webhooks/listen/"+l.ListenerID, "listen", nil, nil, &closed); code != 200 || closed.Removed != 0 {
			t.Fatalf("close again: %d %+v", code, closed)
		}
	})
}

// A poll with a wait answers as soon as a delivery comes.
func TestListenLongPoll(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	l := s.listen("long", seed.RepairerIntegrationID)
	got := make(chan pageV1, 1)
	go func() {
		var p pageV1
		s.do(http.MethodGet, "/__webhooks/listen/"+l.ListenerID+"?wait=30s", "long", nil, nil, &p)
		got <- p
	}()
	waitPolled(t, s, "long", l.ListenerID)
	if code := s.insertJob("long", "LONG-1"); code != 200 {
		t.Fatalf("jobs.insert: %d", code)
	}
	select {
	case p := <-got:
		if len(p.Items) != 1 {
			t.Fatalf("poll: %+v", p)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("the waiting poll did not answer when the delivery came")
	}
	// Without a delivery a short wait answers empty.
	if code, p := s.poll("long", l.ListenerID, "?after=1&wait=50ms"); code != 200 || len(p.Items) != 0 || p.Next != 1 {
		t.Fatalf("poll: %d %+v", code, p)
	}
}

// waitPolled waits until a poll has touched the listener (it is waiting).
func waitPolled(t *testing.T, s *server, tenant, id string) {
	t.Helper()
	lid := uuid.MustParse(id)
	var created time.Time
	for i := 0; ; i++ {
		var l store.Listener
		err := s.app.Store().View(context.Background(), tenant, func(tx store.Tx) (err error) {
			l, err = tx.Listener(lid)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			created = l.CreatedAt
		}
		if l.SeenAt.After(created) {
			return
		}
		if i > 2000 {
			t.Fatal("no poll touched the listener")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Only the newest poll of a listener waits: an older one answers at once.
func TestListenNewestPollWaits(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	l := s.listen("newest", seed.RepairerIntegrationID)
	older := make(chan pageV1, 1)
	go func() {
		var p pageV1
		s.do(http.MethodGet, "/__webhooks/listen/"+l.ListenerID+"?wait=30s", "newest", nil, nil, &p)
		older <- p
	}()
	waitPolled(t, s, "newest", l.ListenerID)
	newer := make(chan pageV1, 1)
	go func() {
		var p pageV1
		s.do(http.MethodGet, "/__webhooks/listen/"+l.ListenerID+"?wait=30s", "newest", nil, nil, &p)
		newer <- p
	}()
	select {
	case p := <-older:
		if !p.OK || len(p.Items) != 0 {
			t.Fatalf("the older poll: %+v", p)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("the older poll went on waiting beside a newer one")
	}
	if code := s.insertJob("newest", "NEWEST-1"); code != 200 {
		t.Fatalf("jobs.insert: %d", code)
	}
	select {
	case p := <-newer:
		if len(p.Items) != 1 {
			t.Fatalf("the newer poll: %+v", p)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("the newer poll did not answer when the delivery came")
	}
}

// A listener keeps its newest deliveries; a poll says how many after its
// cursor were dropped, and pages.
func TestListenKeepsTheNewest(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	l := s.listen("keep", seed.RepairerIntegrationID)
	for i := range store.ListenKeep + 2 {
		var ok struct {
			OK  bool
			Seq int64
		}
		if code := s.listenCall(routeInbox, "/__webhooks/listen/"+l.ListenerID+"/inbox", "keep", nil, []byte(fmt.Sprintf(`{"n":%d}`, i)), &ok); code != 200 || ok.Seq != int64(i+1) {
			t.Fatalf("inbox %d: %d %+v", i, code, ok)
		}
	}
	code, p := s.poll("keep", l.ListenerID, "")
	if code != 200 || len(p.Items) != store.ListenKeep || p.Items[0].Seq != 3 || p.Missed != 2 || p.Next != store.ListenKeep+2 {
		t.Fatalf("poll from 0: %d, %d items from %d, missed %d, next %d", code, len(p.Items), p.Items[0].Seq, p.Missed, p.Next)
	}
	if b, _ := base64.StdEncoding.DecodeString(p.Items[0].Body); string(b) != `{"n":2}` {
		t.Fatalf("body %q", b)
	}
	code, p = s.poll("keep", l.ListenerID, "?after=10&limit=5")
	if code != 200 || len(p.Items) != 5 || p.Items[0].Seq != 11 || p.Next != 15 || p.Missed != 0 {
		t.Fatalf("page: %d %+v", code, p)
	}
}

func TestListenRefusals(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	l := s.listen("refuse", seed.RepairerIntegrationID)
	for _, q := range []string{"?after=-1", "?after=x", "?wait=31s", "?wait=-1s", "?wait=soon", "?limit=0",
		fmt.Sprintf("?limit=%d", controls.MaxListenPage+1)} {
		if code, p := s.poll("refuse", l.ListenerID, q); code != 400 || p.Reason != "bad_query" {
			t.Errorf("%s: %d %+v", q, code, p)
		}
	}
	for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
		if code, p := s.poll("refuse", id, ""); code != 404 || p.Reason != "unknown_listener" {
			t.Errorf("poll %s: %d %+v", id, code, p)
		}
		var r struct{ Reason string }
		if code := s.listenCall(routeInbox, "/__webhooks/listen/"+id+"/inbox", "refuse", nil, []byte(`{}`), &r); code != 404 || r.Reason != "unknown_listener" {
			t.Errorf("inbox %s: %d %+v", id, code, r)
		}
	}
	// Another world does not see the listener.
	if code, p := s.poll("refuse-other", l.ListenerID, ""); code != 404 {
		t.Errorf("poll from another world: %d %+v", code, p)
	}
	var r struct{ Reason string }
	for body, want := range map[string]string{`{}`: "missing_field", `{"integration_id":"` + uuid.NewString() + `"}`: "unknown_integration",
		`{"integration_id":42}`: "bad_body", `[`: "bad_body"} {
		if code := s.listenCall(routeOpen, "/__webhooks/listen", "refuse", nil, []byte(body), &r); code != 400 || r.Reason != want {
			t.Errorf("listen %s: %d %+v, want %s", body, code, r, want)
		}
	}
	if code := s.listenCall(routeInbox, "/__webhooks/listen/"+l.ListenerID+"/inbox", "refuse",
		map[string]string{"Content-Type": "text/plain"}, []byte(`hello`), &r); code != 415 || r.Reason != "bad_body" {
		t.Errorf("inbox text/plain: %d %+v", code, r)
	}
	if code := s.do(http.MethodPut, "/__webhooks/listen/"+l.ListenerID, "refuse", nil, nil, &r); code != 405 {
		t.Errorf("PUT: %d %+v", code, r)
	}
}

// A world has at most MaxListeners; idle ones, and ones whose endpoint was
// unsubscribed or whose world was reset, are closed.
func TestListenerLimits(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	var ls []listenerV1
	for range webhooks.MaxListeners {
		ls = append(ls, s.listen("limits", seed.SupplierIntegrationID))
	}
	var r struct{ Reason string }
	if code := s.listenCall(routeOpen, "/__webhooks/listen", "limits", nil, map[string]any{"integration_id": seed.RepairerIntegrationID}, &r); code != 409 || r.Reason != "too_many_listeners" {
		t.Fatalf("one listener too many: %d %+v", code, r)
	}
	// Other worlds have their own allowance.
	s.listen("limits-other", seed.RepairerIntegrationID)

	// The first goes idle: the next open closes it and takes its place.
	idle := uuid.MustParse(ls[0].ListenerID)
	if err := s.app.Store().Update(context.Background(), "limits", func(tx store.Tx) error {
		return tx.TouchListener(idle, time.Now().Add(-webhooks.ListenIdle-time.Minute))
	}); err != nil {
		t.Fatal(err)
	}
	s.listen("limits", seed.RepairerIntegrationID)
	if code, _ := s.poll("limits", ls[0].ListenerID, ""); code != 404 {
		t.Fatalf("poll an idle listener: %d", code)
	}
	var in struct{ Endpoints []struct{ ID string } }
	s.do(http.MethodGet, "/__webhooks/integrations/"+seed.SupplierIntegrationID.String(), "limits", nil, nil, &in)
	if len(in.Endpoints) != webhooks.MaxListeners-1 {
		t.Fatalf("endpoints %+v, want the idle listener's gone", in.Endpoints)
	}

	// An idle listener's inbox refuses deliveries (and closes it).
	second := uuid.MustParse(ls[1].ListenerID)
	if err := s.app.Store().Update(context.Background(), "limits", func(tx store.Tx) error {
		return tx.TouchListener(second, time.Now().Add(-webhooks.ListenIdle-time.Minute))
	}); err != nil {
		t.Fatal(err)
	}
	if code := s.listenCall(routeInbox, "/__webhooks/listen/"+ls[1].ListenerID+"/inbox", "limits", nil, []byte(`{}`), &r); code != 404 {
		t.Fatalf("an idle listener's inbox: %d %+v", code, r)
	}

	// Unsubscribing a listener's endpoint closes it.
	if code := s.do(http.MethodPost, "/__webhooks/unsubscribe", "limits", nil, map[string]any{"endpoint_id": ls[2].EndpointID}, nil); code != 200 {
		t.Fatalf("unsubscribe: %d", code)
	}
	if code, _ := s.poll("limits", ls[2].ListenerID, ""); code != 404 {
		t.Fatalf("poll a listener whose endpoint went: %d", code)
	}

	// A reset closes them all.
	if code := s.do(http.MethodPost, "/__reset", "limits", nil, nil, nil); code != 200 {
		t.Fatalf("reset: %d", code)
	}
	if code, _ := s.poll("limits", ls[3].ListenerID, ""); code != 404 {
		t.Fatalf("poll after a reset: %d", code)
	}
}

// A waiting poll answers when the server shuts down, rather than hold the
// shutdown (which waits for requests in flight) until its wait ends.
func TestListenPollEndsAtShutdown(t *testing.T) {
	t.Parallel()
	s := start(t, app.DefaultConfig())
	l := s.listen("shutdown", seed.RepairerIntegrationID)
	got := make(chan int, 1)
	go func() {
		code, _ := s.poll("shutdown", l.ListenerID, "?wait=30s")
		got <- code
	}()
	waitPolled(t, s, "shutdown", l.ListenerID)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.app.Close(ctx); err != nil {
		t.Fatalf("close with a poll waiting: %v", err)
	}
	select {
	case code := <-got:
		if code != http.StatusOK {
			t.Fatalf("the waiting poll: %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting poll did not answer")
	}
}
