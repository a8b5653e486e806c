package controls

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// The listen routes (webhooks.Listen): a client opens a listener, polls it
// with a wait, and the server's own inbox receives the listener's
// deliveries.
//
//	POST   /__webhooks/listen                 {"integration_id"} → listener id and secret
//	GET    /__webhooks/listen/{id}?after=&wait=&limit=   long poll
//	DELETE /__webhooks/listen/{id}
//	POST   /__webhooks/listen/{id}/inbox      where the deliveries go

// Bounds of a poll.
const (
	// MaxListenWait is the longest a poll waits for a delivery (under
	// the minute idle proxies and load balancers commonly allow).
	MaxListenWait = 30 * time.Second
	// MaxListenPage is the most deliveries one poll answers (a listener
	// keeps store.ListenKeep, of store.ListenKeepBytes at most).
	MaxListenPage = store.ListenKeep
	// listenRecheck is how often a waiting poll looks in the store, for
	// deliveries another instance received; this one's wake it at once.
	listenRecheck = 500 * time.Millisecond
)

// listenKey names a listener across worlds.
type listenKey struct {
	tenant string
	id     uuid.UUID
}

// listenHub wakes this process's waiting polls. One poll per listener
// waits: a newer one takes over and the older answers at once, so a world
// holds at most webhooks.MaxListeners waiting requests per instance.
type listenHub struct {
	mu    sync.Mutex
	polls map[listenKey]*waiter
}

type waiter struct {
	wake    chan struct{} // closed when a delivery arrives
	replace chan struct{} // closed when a newer poll takes over
}

// join registers a poll and returns it with a function to leave.
func (h *listenHub) join(k listenKey) (*waiter, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if old := h.polls[k]; old != nil {
		close(old.replace)
	}
	w := &waiter{wake: make(chan struct{}), replace: make(chan struct{})}
	h.polls[k] = w
	return w, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.polls[k] == w {
			delete(h.polls, k)
		}
	}
}

// rearm gives a waiter a fresh wake channel before it looks again, so a
// delivery between its look and its wait still wakes it.
func (h *listenHub) rearm(k listenKey, w *waiter) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-w.wake:
		w.wake = make(chan struct{})
	default:
	}
	return w.wake
}

func (h *listenHub) notify(k listenKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w := h.polls[k]; w != nil {
		select {
		case <-w.wake:
		default:
			close(w.wake)
		}
	}
}

func (h *webhookRoutes) listen(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IntegrationID uuid.UUID `json:"integration_id"`
	}
	if !h.decode(w, r, "/listen", &req) {
		return
	}
	self := h.self()
	if self == "" {
		refuse(w, http.StatusServiceUnavailable, "listen_unavailable",
			"the server does not listen on a loopback address it could send its own deliveries to")
		return
	}
	var l store.Listener
	var in store.Integration
	err := h.st.Update(r.Context(), httpapi.Tenant(r), func(tx store.Tx) (err error) {
		l, in, err = webhooks.Listen(tx, h.sender.Policy(), h.limits.Endpoints, req.IntegrationID, func(id uuid.UUID) string {
			return self + WebhookPrefix + "/listen/" + id.String() + "/inbox"
		})
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
			fmt.Sprintf("an integration has at most %d endpoints, a listener's among them: unsubscribe one first", h.limits.Endpoints))
	case errors.Is(err, webhooks.ErrTooManyListeners):
		refuse(w, http.StatusConflict, "too_many_listeners",
			fmt.Sprintf("a world has at most %d listeners; close one (DELETE) or let it idle out (%s without a poll)", webhooks.MaxListeners, webhooks.ListenIdle))
	case err != nil:
		fail(w, r, err)
	default:
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "listener_id": l.ID, "integration_id": in.ID,
			"endpoint_id": l.EndpointID, "secret": in.WebhookSecret,
			"wait_max_seconds": int(MaxListenWait / time.Second), "idle_after_seconds": int(webhooks.ListenIdle / time.Second),
			"page_max": MaxListenPage})
	}
}

// listenQuery reads a poll's parameters; false when it answered.
func listenQuery(w http.ResponseWriter, r *http.Request) (after int64, wait time.Duration, limit int, ok bool) {
	q := r.URL.Query()
	limit = MaxListenPage
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			refuse(w, http.StatusBadRequest, "bad_query", "after: the cursor of the last poll, a whole number from 0")
			return 0, 0, 0, false
		}
		after = n
	}
	if s := q.Get("wait"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > MaxListenWait {
			refuse(w, http.StatusBadRequest, "bad_query", "wait: a duration from 0s to "+MaxListenWait.String())
			return 0, 0, 0, false
		}
		wait = d
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxListenPage {
			refuse(w, http.StatusBadRequest, "bad_query", fmt.Sprintf("limit: 1 to %d", MaxListenPage))
			return 0, 0, 0, false
		}
		limit = n
	}
	return after, wait, limit, true
}

// listenPoll answers the listener's deliveries after the cursor, waiting
// up to wait for one when there is none yet.
func (h *webhookRoutes) listenPoll(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		refuse(w, http.StatusNotFound, "unknown_listener", "")
		return
	}
	after, wait, limit, ok := listenQuery(w, r)
	if !ok {
		return
	}
	tenant := httpapi.Tenant(r)
	k := listenKey{tenant, id}
	select {
	case <-h.stopping:
		wait = 0
	default:
	}
	deadline := time.Now().Add(wait)
	// A server-wide write timeout must not cut a poll short.
	_ = http.NewResponseController(w).SetWriteDeadline(deadline.Add(10 * time.Second))

	me, leave := h.listens.join(k)
	defer leave()
	var page webhooks.Page
	wake := h.listens.rearm(k, me)
	err = h.st.Update(r.Context(), tenant, func(tx store.Tx) (err error) {
		page, err = webhooks.Poll(tx, id, after, limit)
		return err
	})
	for err == nil && len(page.Items) == 0 && time.Until(deadline) > 0 {
		timer := time.NewTimer(min(listenRecheck, time.Until(deadline)))
		select {
		case <-wake:
		case <-timer.C:
		case <-me.replace:
			deadline = time.Now() // a newer poll waits instead: answer what there is
		case <-h.stopping:
			deadline = time.Now() // shutting down: answer, rather than hold the shutdown
		case <-r.Context().Done():
			timer.Stop()
			return
		}
		timer.Stop()
		wake = h.listens.rearm(k, me)
		err = h.st.View(r.Context(), tenant, func(tx store.Tx) (err error) {
			page, err = webhooks.Fetch(tx, id, after, limit)
			return err
		})
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		refuse(w, http.StatusNotFound, "unknown_listener", "closed, idle for "+webhooks.ListenIdle.String()+", or its world was reset: open a new one")
		return
	case err != nil:
		fail(w, r, err)
		return
	}
	items := make([]map[string]any, len(page.Items))
	for i, m := range page.Items {
		items[i] = map[string]any{"seq": m.Seq, "received_at": m.ReceivedAt.UTC().Format(time.RFC3339Nano),
			"headers": m.Headers, "body_base64": base64.StdEncoding.EncodeToString(m.Body)}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "items": items, "next": page.Next(after), "missed": page.Missed})
}

func (h *webhookRoutes) unlisten(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "removed": 0})
		return
	}
	removed := false
	err = h.st.Update(r.Context(), httpapi.Tenant(r), func(tx store.Tx) (err error) {
		removed, err = webhooks.Unlisten(tx, id)
		return err
	})
	if err != nil {
		fail(w, r, err)
		return
	}
	h.listens.notify(listenKey{httpapi.Tenant(r), id}) // a waiting poll learns at once
	n := 0
	if removed {
		n = 1
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "removed": n})
}

// listenInbox is the endpoint of every listener: it keeps the request as
// it came, headers and bytes, for the listener's polls.
func (h *webhookRoutes) listenInbox(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		refuse(w, http.StatusNotFound, "unknown_listener", "")
		return
	}
	body, ok := readRouteBody(w, r)
	if !ok {
		return
	}
	headers := make(map[string]string, len(r.Header))
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	var seq int64
	tenant := httpapi.Tenant(r)
	err = h.st.Update(r.Context(), tenant, func(tx store.Tx) (err error) {
		seq, err = webhooks.Inbox(tx, id, headers, body)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		refuse(w, http.StatusNotFound, "unknown_listener", "")
	case err != nil:
		fail(w, r, err)
	default:
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "seq": seq})
		h.listens.notify(listenKey{tenant, id})
	}
}
