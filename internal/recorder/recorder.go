// Package recorder keeps the sandbox's request journal and contract
// coverage without slowing requests: entries and counts are buffered in
// memory and written to the store in batches, off the request path.
package recorder

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/partifact/mockserver/internal/store"
)

const (
	// BodyLimit is how much of a request or response body is journaled.
	BodyLimit = 16 << 10
	// flushEvery bounds how long an entry waits in memory.
	flushEvery = 50 * time.Millisecond
	// flushBatch entries trigger a flush at once.
	flushBatch = 256
	// maxBuffered caps memory when the store falls behind; beyond it new
	// journal entries are dropped (and counted in a warning).
	maxBuffered = 4096
)

// Recorder buffers journal entries and coverage counts per tenant. It runs
// no goroutine while idle: the first buffered item arms a timer.
type Recorder struct {
	st   store.Store
	keep int
	log  *slog.Logger

	flushMu sync.Mutex // one flush at a time, so batches land in order

	mu       sync.Mutex
	journal  map[string][]store.JournalEntry
	coverage map[string]map[string]int
	n        int // journal entries buffered
	dropped  int
	armed    bool // a timed flush is scheduled
	kicked   bool // a flush of a full batch is on its way
}

// New returns a recorder keeping the newest keep journal entries per tenant
// (0: no journal).
func New(st store.Store, keep int, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.Default()
	}
	return &Recorder{st: st, keep: keep, log: log, journal: map[string][]store.JournalEntry{}, coverage: map[string]map[string]int{}}
}

// Keep is how many journal entries a tenant keeps.
func (r *Recorder) Keep() int { return r.keep }

// Journal buffers one entry. Its Time is on the wall clock; the flush moves
// it to the tenant's clock. Bodies are cut at BodyLimit here and their keys
// redacted at flush time, off the request path.
func (r *Recorder) Journal(tenant string, e store.JournalEntry) {
	if r.keep <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n >= maxBuffered {
		r.dropped++
		return
	}
	e.RequestBody, e.ResponseBody = cut(e.RequestBody), cut(e.ResponseBody)
	r.journal[tenant] = append(r.journal[tenant], e)
	r.n++
	r.schedule()
}

// Count adds one to each coverage key of tenant.
func (r *Recorder) Count(tenant string, keys ...string) {
	if len(keys) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.coverage[tenant]
	if c == nil {
		c = map[string]int{}
		r.coverage[tenant] = c
	}
	for _, k := range keys {
		c[k]++
	}
	r.schedule()
}

// schedule arms a flush after flushEvery, or at once when a batch is
// full (the timer's flush then finds less, or nothing, to do). Called with
// mu held.
func (r *Recorder) schedule() {
	if !r.armed {
		r.armed = true
		time.AfterFunc(flushEvery, r.background)
	}
	if r.n >= flushBatch && !r.kicked {
		r.kicked = true
		go r.background()
	}
}

func (r *Recorder) background() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Flush(ctx); err != nil {
		r.log.Warn("journal flush", "error", err)
	}
}

// Flush writes everything buffered so far to the store. When it returns,
// every entry recorded before the call is readable there.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	journal, coverage, dropped := r.journal, r.coverage, r.dropped
	r.journal, r.coverage = map[string][]store.JournalEntry{}, map[string]map[string]int{}
	r.n, r.dropped, r.armed, r.kicked = 0, 0, false, false
	r.mu.Unlock()

	if dropped > 0 {
		r.log.Warn("journal entries dropped: the store is falling behind", "count", dropped)
	}
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for tenant, entries := range journal {
		keep(r.writeJournal(ctx, tenant, entries))
	}
	for tenant, counts := range coverage {
		keep(r.st.AddCoverage(ctx, tenant, counts))
	}
	return first
}

func (r *Recorder) writeJournal(ctx context.Context, tenant string, entries []store.JournalEntry) error {
	// One read of the tenant's clock per batch. Routes that move the clock
	// flush first, so an entry never gets an offset set after it was made.
	var offset time.Duration
	if err := r.st.View(ctx, tenant, func(tx store.Tx) error {
		offset = tx.ClockOffset()
		return nil
	}); err != nil {
		return err
	}
	for i := range entries {
		e := &entries[i]
		e.Time = e.Time.Add(offset).UTC()
		e.RequestBody = Redact(e.RequestBody)
		e.ResponseBody = Redact(e.ResponseBody)
	}
	return r.st.AppendJournal(ctx, tenant, entries, r.keep)
}

func cut(b []byte) []byte {
	if len(b) > BodyLimit {
		return bytes.Clone(b[:BodyLimit]) // do not pin the whole body
	}
	return b
}

// secretField matches a JSON member holding a credential, with its string
// value (escapes included), also in a body cut short.
var secretField = regexp.MustCompile(`("(?:api_key|client_secret|secret)"\s*:\s*)"(?:[^"\\]|\\.)*"?`)

// Redact replaces the values of credential members (api_key, client_secret,
// secret) by "[redacted]": the journal shows who called, never their keys.
func Redact(body []byte) []byte {
	// Every match holds one of these literally; most bodies hold neither,
	// and the substring test costs far less than the regexp.
	if !bytes.Contains(body, []byte("secret")) && !bytes.Contains(body, []byte("api_key")) {
		return body
	}
	return secretField.ReplaceAll(body, []byte(`$1"[redacted]"`))
}

// Close writes what is still buffered.
func (r *Recorder) Close(ctx context.Context) error { return r.Flush(ctx) }

// Coverage keys.

// VariantKey counts an answer of a method: "200" or an error variant.
func VariantKey(method, variant string) string { return method + " " + variant }

// EventKey counts an emitted webhook event type.
func EventKey(eventType string) string { return "webhook " + eventType }

// CountEvents counts the types of the events a transaction wrote (call
// after its commit, so that coverage counts exactly the events committed).
func (r *Recorder) CountEvents(tenant string, types []string) {
	keys := make([]string, len(types))
	for i, typ := range types {
		keys[i] = EventKey(typ)
	}
	r.Count(tenant, keys...)
}
