package httpapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/metrics"
	"github.com/partifact/mockserver/internal/recorder"
	"github.com/partifact/mockserver/internal/spec"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// SandboxPrefix starts every sandbox control route.
const SandboxPrefix = "/__"

// sandbox serves the controls outside the contract (reset, clock,
// triggers, faults, journal, coverage) and observes every wire call for the
// journal, coverage and metrics.
type sandbox struct {
	st      store.Store
	doc     *spec.Doc
	rec     *recorder.Recorder
	met     *metrics.Metrics
	log     *slog.Logger
	methods map[string]bool
	// bodies are the request schemas of the routes that take a body, by
	// "VERB path" as openapi.json spells the path.
	bodies    map[string]*openapi3.Schema
	maxFaults int
}

// bodyRoutes take a JSON body validated against openapi.json.
var bodyRoutes = []string{"POST /__clock", "POST /__faults"}

func newSandbox(cfg Config) (*sandbox, error) {
	s := &sandbox{st: cfg.Store, doc: cfg.Doc, rec: cfg.Recorder, met: cfg.Metrics, log: cfg.Logger,
		methods: map[string]bool{}, bodies: map[string]*openapi3.Schema{}, maxFaults: cmp.Or(cfg.MaxFaults, store.DefaultMaxFaults)}
	if s.rec == nil {
		s.rec = recorder.New(cfg.Store, DefaultJournalSize, cfg.Logger)
	}
	if s.met == nil {
		s.met = metrics.New(cfg.Store.CountTenants)
	}
	for _, m := range cfg.Methods {
		s.methods[m.Name] = true
	}
	for _, route := range bodyRoutes {
		verb, path, _ := strings.Cut(route, " ")
		schema := spec.BodySchema(cfg.Doc.OperationAt(path, verb))
		if schema == nil {
			return nil, fmt.Errorf("httpapi: %s has no request schema in openapi.json", route)
		}
		s.bodies[route] = schema
	}
	return s, nil
}

// DefaultJournalSize is how many calls a tenant's journal keeps by default.
const DefaultJournalSize = 1000

// gate answers every sandbox route as unknown when the routes are off, so
// a deployment shows only the contract (whoever mounted the route).
func gate(off bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if !off {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, SandboxPrefix) {
				writeError(w, r, false, &methods.Error{Type: "unknown_method"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// mount serves the controls and the operators' routes.
func (s *sandbox) mount(r chi.Router) {
	s.mountOps(r)
	r.Post("/__reset", s.reset)
	r.Get("/__clock", s.clockGet)
	r.Post("/__clock", s.clockSet)
	r.Post("/__procurements/{id}/confirm", s.trigger(methods.ConfirmProcurement))
	r.Post("/__procurements/{id}/cancel", s.trigger(methods.CancelProcurement))
	r.Get("/__faults", s.faultsList)
	r.Post("/__faults", s.faultsInsert)
	r.Delete("/__faults", s.faultsDelete)
	r.Get("/__journal", s.journalList)
	r.Delete("/__journal", s.journalDelete)
	r.Get("/__coverage", s.coverage)
}

// ---- observing wire calls ----

// observe wraps the wire method route: it buffers the answer, counts it
// (metrics, coverage), journals it, and only then sends it, so a client
// that reads the journal or the metrics after an answer finds that call.
func (s *sandbox) observe(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		name := chi.URLParam(r, "method")
		reqBody := &capped{}
		r.Body = teeBody{r.Body, reqBody}
		buf := &bufferedWriter{header: w.Header(), status: http.StatusOK}
		next(buf, r)
		took := time.Since(start)

		tenant := Tenant(r)
		label := name
		if !s.methods[name] {
			label = "unknown"
		} else {
			keys := []string{recorder.VariantKey(name, answerVariant(buf.status, buf.body.Bytes()))}
			for _, typ := range writtenBy(r).recorder().EventTypes() {
				keys = append(keys, recorder.EventKey(typ))
			}
			s.rec.Count(tenant, keys...)
		}
		s.met.Request(label, buf.status, took)
		e := store.JournalEntry{
			ID: uuid.New(), Time: start, RequestID: w.Header().Get("X-Request-Id"), Method: name,
			Status: buf.status, Latency: took, RequestBody: reqBody.b.Bytes(), ResponseBody: buf.body.Bytes(),
		}
		if id, err := uuid.Parse(r.Header.Get("Partly-Integration-ID")); err == nil {
			e.IntegrationID = &id
		}
		s.rec.Journal(tenant, e)

		w.WriteHeader(buf.status)
		_, _ = w.Write(buf.body.Bytes())
	}
}

// answerVariant names an answer for coverage: "200", or the error variant
// the body carries (a bare string or an object's type).
func answerVariant(status int, body []byte) string {
	if status == http.StatusOK {
		return "200"
	}
	var bare string
	if json.Unmarshal(body, &bare) == nil {
		return bare
	}
	var tagged struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &tagged)
	return tagged.Type
}

// bufferedWriter holds an answer until observe has recorded it.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(code int)        { b.status = code }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

// capped keeps the first recorder.BodyLimit bytes written to it.
type capped struct{ b bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := recorder.BodyLimit - c.b.Len(); room > 0 {
		c.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// teeBody copies what the handler reads of a request body.
type teeBody struct {
	io.ReadCloser
	copy *capped
}

func (t teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	_, _ = t.copy.Write(p[:n])
	return n, err
}

// ---- reset and clock ----

func (s *sandbox) reset(w http.ResponseWriter, r *http.Request) {
	// Buffered journal entries and counts belong to the world being
	// replaced: write them there first so none lands in the fresh one.
	if err := s.rec.FlushTenant(r.Context(), Tenant(r)); err != nil {
		writeError(w, r, false, err)
		return
	}
	if err := s.st.ResetTenant(r.Context(), Tenant(r)); err != nil {
		writeError(w, r, false, err)
		return
	}
	writeJSON(w, http.StatusOK, okV1{true})
}

type okV1 struct {
	OK bool `json:"ok"`
}

type clockV1 struct {
	Now           string  `json:"now"`
	Offset        string  `json:"offset"`
	OffsetSeconds float64 `json:"offset_seconds"`
	Real          bool    `json:"real"`
}

func clockOf(now time.Time, offset time.Duration) clockV1 {
	return clockV1{Now: now.UTC().Format(time.RFC3339Nano), Offset: offset.String(),
		OffsetSeconds: offset.Seconds(), Real: offset == 0}
}

func (s *sandbox) clockGet(w http.ResponseWriter, r *http.Request) {
	var out clockV1
	err := s.st.View(r.Context(), Tenant(r), func(tx store.Tx) error {
		out = clockOf(tx.Now(), tx.ClockOffset())
		return nil
	})
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type clockSetV1 struct {
	Advance *string `json:"advance"`
	Set     *string `json:"set"`
	Real    *bool   `json:"real"`
}

func (s *sandbox) clockSet(w http.ResponseWriter, r *http.Request) {
	var req clockSetV1
	if !s.decode(w, r, "POST /__clock", &req) {
		return
	}
	// Journal times are stamped with the offset read at flush time: flush
	// before the offset moves.
	if err := s.rec.FlushTenant(r.Context(), Tenant(r)); err != nil {
		writeError(w, r, false, err)
		return
	}
	var out clockV1
	err := s.st.Update(r.Context(), Tenant(r), func(tx store.Tx) error {
		now, offset := tx.Now(), tx.ClockOffset()
		next := time.Duration(0) // {"real":true}
		switch {
		case req.Advance != nil:
			d, err := time.ParseDuration(*req.Advance)
			if err != nil || d < 0 {
				return methods.BadRequest("/advance", "a duration that is not negative, such as 90s, 20m or 48h")
			}
			next = offset + d
		case req.Set != nil:
			t, err := time.Parse(time.RFC3339, *req.Set)
			if err != nil {
				return methods.BadRequest("/set", "an RFC 3339 date-time")
			}
			if t.Before(now) {
				return methods.BadRequest("/set", "the clock only moves forward: "+*req.Set+" is before the tenant clock "+now.Format(time.RFC3339Nano))
			}
			next = offset + t.Sub(now)
		}
		if next < offset && req.Real == nil {
			// The sum overflowed: further than a Duration reaches.
			return methods.BadRequest("", "the clock cannot move that far")
		}
		if err := tx.SetClockOffset(next); err != nil {
			return err
		}
		out = clockOf(now.Add(next-offset), next)
		return nil
	})
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// ---- triggers ----

// trigger runs a procurement transition as the other party would, without
// its credential, and answers the procurement.
func (s *sandbox) trigger(transition func(store.Tx, store.Procurement) (store.Procurement, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			writeError(w, r, false, methods.BadRequest("/path/id", "a procurement id (uuid)"))
			return
		}
		tenant := Tenant(r)
		var out methods.ProcurementV1
		var held *webhooks.Recorder
		err = s.st.Update(r.Context(), tenant, func(tx store.Tx) error {
			held = webhooks.Track(tx)
			p, err := tx.ProcurementByID(id)
			if err != nil {
				return err
			}
			if p, err = transition(held, p); err != nil {
				return err
			}
			out = methods.ProcurementWire(p)
			return nil
		})
		if err != nil {
			writeError(w, r, false, err)
			return
		}
		s.rec.CountEvents(tenant, held.EventTypes())
		writeJSON(w, http.StatusOK, out)
		// Deliveries go out only after the answer, as for wire methods.
		releaseAfterAnswer(w, r, s.st, held.Written())
	}
}

// ---- journal ----

type journalEntryV1 struct {
	ID            uuid.UUID  `json:"id"`
	Time          string     `json:"time"`
	RequestID     string     `json:"request_id"`
	Method        string     `json:"method"`
	Status        int        `json:"status"`
	LatencyMS     float64    `json:"latency_ms"`
	IntegrationID *uuid.UUID `json:"integration_id"`
	RequestBody   string     `json:"request_body"`
	ResponseBody  string     `json:"response_body"`
}

func (s *sandbox) journalList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.JournalFilter{Method: q.Get("method")}
	var err error
	if f.Status, err = intParam(q.Get("status"), 100, 599, "/query/status"); err != nil {
		writeError(w, r, false, err)
		return
	}
	if f.Limit, err = intParam(q.Get("limit"), 1, 1<<30, "/query/limit"); err != nil {
		writeError(w, r, false, err)
		return
	}
	if err := s.rec.FlushTenant(r.Context(), Tenant(r)); err != nil {
		writeError(w, r, false, err)
		return
	}
	entries, err := s.st.Journal(r.Context(), Tenant(r), f)
	if err != nil {
		writeError(w, r, false, err)
		return
	}
	items := make([]journalEntryV1, len(entries))
	for i, e := range entries {
		items[i] = journalEntryV1{
			ID: e.ID, Time: e.Time.UTC().Format(time.RFC3339Nano), RequestID: e.RequestID, Method: e.Method,
			Status: e.Status, LatencyMS: float64(e.Latency.Microseconds()) / 1000, IntegrationID: e.IntegrationID,
			RequestBody: string(e.RequestBody), ResponseBody: string(e.ResponseBody),
		}
	}
	writeJSON(w, http.StatusOK, methods.ItemsV1[journalEntryV1]{Items: items})
}

// intParam reads an optional integer query parameter within [lo, hi]; 0
// when absent.
func intParam(v string, lo, hi int, path string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, methods.BadRequest(path, fmt.Sprintf("an integer from %d to %d", lo, hi))
	}
	return n, nil
}

func (s *sandbox) journalDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.rec.FlushTenant(r.Context(), Tenant(r)); err != nil {
		writeError(w, r, false, err)
		return
	}
	if err := s.st.ClearJournal(r.Context(), Tenant(r)); err != nil {
		writeError(w, r, false, err)
		return
	}
	writeJSON(w, http.StatusOK, okV1{true})
}

// ---- request bodies ----

// decode reads a control's JSON body (empty reads as {}), validates it
// against the route's schema in openapi.json and decodes it into v. On
// failure it has answered and returns false.
func (s *sandbox) decode(w http.ResponseWriter, r *http.Request, route string, v any) bool {
	if err := readSandboxJSON(w, r, s.bodies[route], v); err != nil {
		writeError(w, r, false, err)
		return false
	}
	return true
}
