package controls

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// The sandbox's webhook routes, outside the contract (the "__" prefix): no
// api key, the tenant header selects the world as everywhere. Every answer is
// {"ok":true,…} or {"ok":false,"reason":…} (contract §4's style).

// WebhookPrefix is where the webhook routes live.
const WebhookPrefix = "/__webhooks"

type webhookRoutes struct {
	st       store.Store
	sender   *webhooks.Sender
	sample   func(tx store.Tx, in store.Integration) (store.Event, error)
	limits   webhooks.Limits
	schemas  func() (map[string]*openapi3.Schema, error) // request body schema by path, at first use
	self     func() string                               // the server's own loopback base URL, "" when it has none
	listens  *listenHub
	stopping <-chan struct{} // closed when the server shuts down
}

// mountWebhooks adds the routes; their request bodies are validated against
// openapi-sandbox.json, which must document them.
func (c *Controls) mountWebhooks(r chi.Router) error {
	h := &webhookRoutes{st: c.st, sender: c.cfg.Sender, sample: c.cfg.Sample, limits: c.cfg.WebhookLimits.OrDefault(),
		self: c.cfg.SelfURL, listens: &listenHub{polls: map[listenKey]*waiter{}}, stopping: c.stopping}
	if h.self == nil {
		h.self = func() string { return "" }
	}
	h.schemas = sync.OnceValues(func() (map[string]*openapi3.Schema, error) {
		doc, err := c.cfg.Doc()
		if err != nil {
			return nil, err
		}
		schemas := map[string]*openapi3.Schema{}
		for _, p := range []string{"/subscribe", "/unsubscribe", "/probe", "/listen"} {
			item := doc.Paths.Value(WebhookPrefix + p)
			if item == nil || item.Post == nil || spec.BodySchema(item.Post) == nil {
				return nil, fmt.Errorf("controls: %s does not document POST %s%s with a JSON body", doc.Name, WebhookPrefix, p)
			}
			schemas[p] = spec.BodySchema(item.Post)
		}
		return schemas, nil
	})
	r.Route(WebhookPrefix, func(r chi.Router) {
		r.Use(h.world)
		sub := r
		r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
			// The verbs the path takes, as HTTP asks of a 405 (HEAD
			// wherever GET is).
			var allow []string
			path := chi.RouteContext(req.Context()).RoutePath
			for _, v := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
				if sub.Match(chi.NewRouteContext(), v, path) {
					allow = append(allow, v)
					if v == http.MethodGet {
						allow = append(allow, http.MethodHead)
					}
				}
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			refuse(w, http.StatusMethodNotAllowed, "method_not_allowed", "")
		})
		r.Post("/subscribe", h.subscribe)
		r.Post("/unsubscribe", h.unsubscribe)
		r.Get("/integrations/{id}", h.integration)
		r.Post("/sink", h.sinkReceive)
		r.Get("/sink", h.sinkList)
		r.Get("/deliveries", h.deliveries)
		r.Post("/deliveries/{id}/replay", h.replay)
		r.Post("/probe", h.probe)
		r.Post("/listen", h.listen)
		r.Get("/listen/{id}", h.listenPoll)
		r.Delete("/listen/{id}", h.unlisten)
		r.Post("/listen/{id}/inbox", h.listenInbox)
	})
	return nil
}

// world refuses a request whose tenant header the edge refused (the
// webhook tools have no world to work in then), and one without the
// sandbox token when the server has one, but for deliveries to the sink
// and to listeners' inboxes: those come from the mock itself, and carry
// their signature instead.
func (h *webhookRoutes) world(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ref := httpapi.TenantError(r); ref != nil {
			refuse(w, ref.Status, "bad_tenant", ref.Message)
			return
		}
		if ref := httpapi.SandboxRefusal(r); ref != nil && !receivesDeliveries(r) {
			refuse(w, ref.Status, "unauthorized", ref.Message)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// receivesDeliveries reports a request to one of the mock's own
// receivers: the sink, or a listener's inbox.
func receivesDeliveries(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := strings.TrimPrefix(r.URL.Path, WebhookPrefix)
	return p == "/sink" || (strings.HasPrefix(p, "/listen/") && strings.HasSuffix(p, "/inbox") && strings.Count(p, "/") == 3)
}

// refuse answers {"ok":false,"reason":…}, with a detail for people when
// there is one: the one writer of this family's errors.
func refuse(w http.ResponseWriter, status int, reason, detail string) {
	body := map[string]any{"ok": false, "reason": reason}
	if detail != "" {
		body["detail"] = detail
	}
	httpapi.WriteJSON(w, status, body)
}

// fail answers an error no input causes (the store failing).
func fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the caller went away
	}
	httpapi.Failed(r, slog.LevelError, "webhook route failed", "error", err)
	refuse(w, http.StatusInternalServerError, "internal", "")
}

// readRouteBody reads a body with the checks of the wire methods (content
// type, size) and answers a failure in this family's shape; false when it
// answered.
func readRouteBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := httpapi.ReadBody(w, r)
	if err == nil {
		return b, true
	}
	status, msg := http.StatusBadRequest, "the body could not be read"
	var ref *httpapi.Refusal
	if errors.As(err, &ref) {
		status, msg = ref.Status, ref.Message
	}
	refuse(w, status, "bad_body", msg)
	return nil, false
}

// decode reads the JSON body of a POST route into dst: malformed JSON or a
// value its schema refuses is bad_body, an absent, null or empty required
// field missing_field. false when it answered.
func (h *webhookRoutes) decode(w http.ResponseWriter, r *http.Request, path string, dst any) bool {
	b, ok := readRouteBody(w, r)
	if !ok {
		return false
	}
	v, err := httpapi.Decode(&b)
	if err != nil {
		var ref *httpapi.Refusal
		errors.As(err, &ref)
		refuse(w, http.StatusBadRequest, "bad_body", ref.Message+problemText(ref))
		return false
	}
	schemas, err := h.schemas()
	if err != nil {
		fail(w, r, err)
		return false
	}
	schema := schemas[path]
	if obj, ok := v.(map[string]any); ok {
		for _, name := range schema.Required {
			if f, present := obj[name]; !present || f == nil || f == "" {
				refuse(w, http.StatusBadRequest, "missing_field", name)
				return false
			}
		}
	}
	if err := httpapi.Validate(schema, v); err != nil {
		var ref *httpapi.Refusal
		errors.As(err, &ref)
		refuse(w, http.StatusBadRequest, "bad_body", problemText(ref))
		return false
	}
	if err := json.Unmarshal(b, dst); err != nil {
		refuse(w, http.StatusBadRequest, "bad_body", err.Error())
		return false
	}
	return true
}

// problemText words a refusal's problems for the detail member.
func problemText(ref *httpapi.Refusal) string {
	msgs := make([]string, len(ref.Problems))
	for i, p := range ref.Problems {
		msgs[i] = p.Path + ": " + p.Message
	}
	if more := ref.Total - len(ref.Problems); more > 0 {
		msgs = append(msgs, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(msgs, "; ")
}

func (h *webhookRoutes) subscribe(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IntegrationID uuid.UUID `json:"integration_id"`
		URL           string    `json:"url"`
	}
	if !h.decode(w, r, "/subscribe", &req) {
		return
	}
	var ep store.Endpoint
	var in store.Integration
	err := h.st.Update(r.Context(), httpapi.Tenant(r), func(tx store.Tx) (err error) {
		ep, in, err = webhooks.Subscribe(tx, h.sender.Policy(), h.limits.Endpoints, req.IntegrationID, req.URL)
		return err
	})
	if urlRefused(w, err) {
		return
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		refuse(w, http.StatusBadRequest, "unknown_integration", "")
	case errors.Is(err, webhooks.ErrTooManyEndpoints):
		refuse(w, http.StatusBadRequest, "too_many_endpoints",
			fmt.Sprintf("an integration has at most %d endpoints: unsubscribe one first", h.limits.Endpoints))
	case err != nil:
		fail(w, r, err)
	default:
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "secret": in.WebhookSecret,
			"endpoint_id": ep.ID, "integration_id": in.ID, "url": ep.URL})
	}
}

// urlRefused answers a URL the policy refused; false when err is not that.
func urlRefused(w http.ResponseWriter, err error) bool {
	switch {
	case errors.Is(err, webhooks.ErrNotLoopback):
		refuse(w, http.StatusBadRequest, "url_not_loopback", "only loopback URLs (localhost, 127.0.0.0/8, [::1], 0.0.0.0) and the hosts of --webhook-allow-host")
	case errors.Is(err, webhooks.ErrBadURL):
		refuse(w, http.StatusBadRequest, "bad_body", "url: an absolute http or https URL")
	default:
		return false
	}
	return true
}

func (h *webhookRoutes) unsubscribe(w http.ResponseWriter, r *http.Request) {
	var req struct {
		EndpointID    *uuid.UUID `json:"endpoint_id"`
		IntegrationID *uuid.UUID `json:"integration_id"`
		URL           string     `json:"url"`
	}
	if !h.decode(w, r, "/unsubscribe", &req) {
		return
	}
	if req.EndpointID == nil && (req.IntegrationID == nil || req.URL == "") {
		refuse(w, http.StatusBadRequest, "missing_field", "endpoint_id, or integration_id and url")
		return
	}
	removed := 0
	err := h.st.Update(r.Context(), httpapi.Tenant(r), func(tx store.Tx) error {
		removed = 0
		if req.EndpointID != nil {
			err := tx.DeleteEndpoint(*req.EndpointID)
			if errors.Is(err, store.ErrNotFound) {
				return nil // already gone: unsubscribing is idempotent
			}
			removed = 1
			return err
		}
		var err error
		removed, err = webhooks.UnsubscribeURL(tx, *req.IntegrationID, req.URL)
		return err
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "removed": removed})
}

func (h *webhookRoutes) integration(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		refuse(w, http.StatusNotFound, "unknown_integration", "")
		return
	}
	var in store.Integration
	var eps []store.Endpoint
	err = h.st.View(r.Context(), httpapi.Tenant(r), func(tx store.Tx) error {
		if in, err = tx.Integration(id); err != nil {
			return err
		}
		eps, err = tx.Endpoints(id)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		refuse(w, http.StatusNotFound, "unknown_integration", "")
		return
	case err != nil:
		fail(w, r, err)
		return
	}
	list := make([]map[string]any, len(eps))
	for i, ep := range eps {
		list[i] = map[string]any{"id": ep.ID, "url": ep.URL, "created_at": ep.CreatedAt.UTC().Format(time.RFC3339)}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "integration_id": in.ID, "role": in.Role,
		"secret": in.WebhookSecret, "endpoints": list})
}

func (h *webhookRoutes) sinkReceive(w http.ResponseWriter, r *http.Request) {
	body, ok := readRouteBody(w, r)
	if !ok {
		return
	}
	headers := make(map[string]string, len(r.Header))
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	var v webhooks.SinkVerdict
	err := h.st.Update(r.Context(), httpapi.Tenant(r), func(tx store.Tx) (err error) {
		v, err = webhooks.Sink(tx, h.limits.Sink, headers, body)
		return err
	})
	switch {
	case err != nil:
		fail(w, r, err)
	case v.Reason != "":
		httpapi.WriteJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "reason": v.Reason, "id": v.Record.ID})
	default:
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "id": v.Record.ID, "duplicate": v.Duplicate})
	}
}

// Sink pages: sinkPageSize records by default, at most maxSinkPage, and
// no more than sinkPageBytes of bodies and headers (at least one record).
const (
	sinkPageSize  = 100
	maxSinkPage   = 500
	sinkPageBytes = 1 << 20
)

func (h *webhookRoutes) sinkList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := store.SinkPage{Limit: sinkPageSize, MaxBytes: sinkPageBytes}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxSinkPage {
			refuse(w, http.StatusBadRequest, "bad_query", fmt.Sprintf("limit: 1 to %d", maxSinkPage))
			return
		}
		page.Limit = n
	}
	if s := q.Get("cursor"); s != "" {
		seq, ok := webhooks.ParseSinkCursor(s)
		if !ok {
			refuse(w, http.StatusBadRequest, "bad_query", "cursor: the next_cursor of a previous page")
			return
		}
		page.Before = seq
	}
	var recs []store.SinkRecord
	var next any
	err := h.st.View(r.Context(), httpapi.Tenant(r), func(tx store.Tx) (err error) {
		if recs, err = tx.SinkRecords(page); err != nil || len(recs) == 0 {
			return err
		}
		last := recs[len(recs)-1].Seq
		rest, err := tx.SinkRecords(store.SinkPage{Before: last, Limit: 1})
		if len(rest) > 0 {
			next = webhooks.SinkCursor(last)
		}
		return err
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	items := make([]map[string]any, len(recs))
	for i, rec := range recs {
		items[i] = map[string]any{"id": rec.ID, "received_at": rec.ReceivedAt.UTC().Format(time.RFC3339Nano),
			"integration_id": rec.IntegrationID, "signature_valid": rec.SignatureValid,
			"headers": rec.Headers, "body": strings.ToValidUTF8(string(rec.Body), "\uFFFD")}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "items": items, "next_cursor": next})
}

// maxDeliveries bounds one page of the delivery log.
const maxDeliveries = 500

func (h *webhookRoutes) deliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.DeliveryFilter{Type: q.Get("type"), Status: q.Get("status"), Limit: 100}
	if s := q.Get("integration_id"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			refuse(w, http.StatusBadRequest, "bad_query", "integration_id: a UUID")
			return
		}
		f.IntegrationID = &id
	}
	switch f.Status {
	case "", store.DeliveryPending, store.DeliveryInFlight, store.DeliveryDelivered, store.DeliveryFailed:
	default:
		refuse(w, http.StatusBadRequest, "bad_query", "status: pending, in_flight, delivered or failed")
		return
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxDeliveries {
			refuse(w, http.StatusBadRequest, "bad_query", fmt.Sprintf("limit: 1 to %d", maxDeliveries))
			return
		}
		f.Limit = n
	}
	var items []map[string]any
	err := h.st.View(r.Context(), httpapi.Tenant(r), func(tx store.Tx) error {
		ds, err := tx.Deliveries(f)
		if err != nil {
			return err
		}
		items = make([]map[string]any, len(ds))
		for i, d := range ds {
			if items[i], err = deliveryJSON(tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "items": items})
}

// maxAttemptsShown bounds the attempts a delivery shows (replays add
// attempts past webhooks.MaxAttempts), so a page of the log is bounded.
const maxAttemptsShown = 20

// deliveryJSON renders a delivery with its newest attempts for the
// delivery log.
func deliveryJSON(tx store.Tx, d store.Delivery) (map[string]any, error) {
	as, err := tx.Attempts(d.ID)
	if err != nil {
		return nil, err
	}
	as = as[max(0, len(as)-maxAttemptsShown):]
	attempts := make([]map[string]any, len(as))
	for i, a := range as {
		var code any
		if a.StatusCode != 0 {
			code = a.StatusCode
		}
		attempts[i] = map[string]any{"number": a.Number, "at": a.At.UTC().Format(time.RFC3339Nano),
			"status_code": code, "latency_ms": float64(a.Latency.Microseconds()) / 1000,
			"error": nullable(a.Error), "response_excerpt": a.ResponseExcerpt}
	}
	var next any
	if d.Status == store.DeliveryPending {
		next = d.NextAttemptAt.UTC().Format(time.RFC3339Nano)
	}
	return map[string]any{"id": d.ID, "message_id": d.MessageID, "type": d.Type,
		"integration_id": d.IntegrationID, "endpoint_id": d.EndpointID, "url": d.URL,
		"object": map[string]any{"type": d.ObjectType, "id": d.ObjectID}, "status": d.Status,
		"attempt_count": d.Attempts, "next_attempt_at": next, "last_error": nullable(d.LastError),
		"created_at": d.CreatedAt.UTC().Format(time.RFC3339Nano), "attempts": attempts}, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (h *webhookRoutes) replay(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		refuse(w, http.StatusNotFound, "unknown_delivery", "")
		return
	}
	var item map[string]any
	err = h.st.Update(r.Context(), httpapi.Tenant(r), func(tx store.Tx) error {
		d, err := webhooks.Replay(tx, id)
		if err != nil {
			return err
		}
		item, err = deliveryJSON(tx, d)
		return err
	})
	var se *store.StatusError
	switch {
	case errors.Is(err, store.ErrNotFound):
		refuse(w, http.StatusNotFound, "unknown_delivery", "")
		return
	case errors.As(err, &se):
		refuse(w, http.StatusConflict, "in_flight", "the delivery is being sent right now")
		return
	case err != nil:
		fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "delivery": item})
	if err := h.st.Kick(context.WithoutCancel(r.Context())); err != nil {
		httpapi.Failed(r, slog.LevelWarn, "kick webhooks", "error", err)
	}
}

func (h *webhookRoutes) probe(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IntegrationID uuid.UUID `json:"integration_id"`
		URL           string    `json:"url"`
	}
	if !h.decode(w, r, "/probe", &req) {
		return
	}
	if urlRefused(w, h.sender.Policy().Check(req.URL)) {
		return
	}
	var in store.Integration
	var sample store.Event
	var now time.Time
	err := h.st.View(r.Context(), httpapi.Tenant(r), func(tx store.Tx) (err error) {
		now = tx.Now()
		if in, err = tx.Integration(req.IntegrationID); err != nil {
			return err
		}
		sample, err = h.sample(tx, in)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		refuse(w, http.StatusBadRequest, "unknown_integration", "")
		return
	case err != nil:
		fail(w, r, err)
		return
	}
	// Sent outside any transaction: a slow receiver holds nothing.
	checks, err := h.sender.Probe(r.Context(), req.URL, httpapi.Tenant(r), in, sample, now)
	if err != nil {
		fail(w, r, err)
		return
	}
	passed := true
	out := make([]map[string]any, len(checks))
	for i, c := range checks {
		passed = passed && c.Passed
		var code any
		if c.StatusCode != 0 {
			code = c.StatusCode
		}
		out[i] = map[string]any{"name": c.Name, "expect": c.Expect, "message_id": c.MessageID,
			"status_code": code, "error": nullable(c.Error), "response_excerpt": c.Excerpt,
			"passed": c.Passed, "detail": c.Detail}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "passed": passed, "url": req.URL,
		"integration_id": in.ID, "type": sample.Type, "checks": out})
}
