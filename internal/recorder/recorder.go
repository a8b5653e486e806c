// Package recorder keeps the sandbox's request journal and contract
// coverage without slowing requests: entries and counts are buffered in
// memory per tenant and written to the store off the request path, each
// tenant in a transaction of its own.
//
// Nothing recorded is lost while the store works: a tenant's batch that
// fails to be written goes back to the buffer and is tried again, with a
// backoff, so coverage is exact and every journal entry within the
// tenant's cap is kept. One tenant's failing write never holds up or fails
// another's. Memory is bounded (BufferBytes): only when the store cannot be
// written for long are journal bodies, and then entries, dropped, and the
// log says how many.
package recorder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/partifact/mockserver/internal/logx"
	"github.com/partifact/mockserver/internal/store"
)

const (
	// BodyLimit is how much of a request or response body is journaled.
	BodyLimit = 16 << 10
	// BufferBytes bounds the journal held in memory while the store falls
	// behind or is down (entries count their bodies plus entryOverhead).
	// Past it, new entries are kept without their bodies; past it by an
	// eighth, they are dropped. Coverage counts are never dropped: they
	// are a few counters per tenant.
	BufferBytes = 64 << 20
	// flushEvery bounds how long an entry waits in memory.
	flushEvery = 50 * time.Millisecond
	// flushBatch entries trigger a flush at once.
	flushBatch = 256
	// flushWorkers tenants are written at once by background flushes,
	// leaving the rest of the store's connections to requests.
	flushWorkers = 4
	// writeTimeout bounds one tenant's write; it starts when the write
	// does, never while it waits its turn.
	writeTimeout = 10 * time.Second
	// retryMin and retryMax bound the wait before a failed write is tried
	// again; it doubles with every failed round.
	retryMin = 100 * time.Millisecond
	retryMax = 5 * time.Second

	entryOverhead = 256
)

// bodyDropped stands for a body the full buffer could not hold.
var bodyDropped = []byte("[not journaled: the journal buffer was full while the store fell behind]")

// Recorder buffers journal entries and coverage counts per tenant. It runs
// no goroutine while idle: the first buffered item arms a timer.
type Recorder struct {
	st       store.Store
	keep     int
	maxBytes int // BufferBytes; tests lower it
	log      *logx.Limited
	// workers bounds the tenants background flushes write at once.
	workers chan struct{}

	mu       sync.Mutex
	pending  map[string]*tenantBuffer
	bytes    int // journal bytes buffered, written or not yet
	entries  int // journal entries not yet taken by a flush
	armed    bool
	kicked   bool
	running  bool // a background round is writing; it schedules the next
	failures int  // background rounds that failed in a row
	closed   bool
	stripped int // entries kept without bodies since the last warning
	dropped  int // entries dropped since the last warning
}

// tenantBuffer is one tenant's part. flushMu makes that tenant's writes go
// one at a time, in order, and lets a read of the tenant wait for a write
// in flight; users counts who holds or waits for it, so the buffer stays
// in the map (and is found by the next flusher) until nobody does.
type tenantBuffer struct {
	flushMu sync.Mutex
	users   int
	batch
}

type batch struct {
	entries []store.JournalEntry
	counts  map[string]int
	bytes   int
}

func (b *batch) empty() bool { return len(b.entries) == 0 && len(b.counts) == 0 }

// New returns a recorder keeping the newest keep journal entries per tenant
// (0: no journal).
func New(st store.Store, keep int, log *slog.Logger) *Recorder {
	return &Recorder{st: st, keep: keep, maxBytes: BufferBytes, log: logx.NewLimited(log, 0),
		workers: make(chan struct{}, flushWorkers), pending: map[string]*tenantBuffer{}}
}

// Keep is how many journal entries a tenant keeps.
func (r *Recorder) Keep() int { return r.keep }

// buffer is tenant's buffer, made if need be. Called with mu held.
func (r *Recorder) buffer(tenant string) *tenantBuffer {
	b := r.pending[tenant]
	if b == nil {
		b = &tenantBuffer{}
		r.pending[tenant] = b
	}
	return b
}

func cost(e store.JournalEntry) int { return len(e.RequestBody) + len(e.ResponseBody) + entryOverhead }

// Journal buffers one entry. Its Time is on the wall clock; the store
// moves it to the tenant's clock. Bodies are cut at BodyLimit here and
// their secrets redacted at flush time, off the request path.
func (r *Recorder) Journal(tenant string, e store.JournalEntry) {
	if r.keep <= 0 {
		return
	}
	e.RequestBody, e.ResponseBody = cut(e.RequestBody), cut(e.ResponseBody)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bytes+cost(e) > r.maxBytes {
		if e.RequestBody != nil {
			e.RequestBody = bodyDropped
		}
		if e.ResponseBody != nil {
			e.ResponseBody = bodyDropped
		}
		if r.bytes+cost(e) > r.maxBytes+r.maxBytes/8 {
			r.dropped++
			return
		}
		r.stripped++
	}
	b := r.buffer(tenant)
	b.entries = append(b.entries, e)
	b.bytes += cost(e)
	r.bytes += cost(e)
	r.entries++
	r.trim(&b.batch)
	r.schedule()
}

// trim drops a batch's oldest entries beyond keep, which the store would
// drop on the next write anyway, once they are as many as those kept: a
// tenant called faster than its batches are written then costs a copy of
// its batch every keep calls, not on every call. Called with mu held.
func (r *Recorder) trim(b *batch) {
	over := len(b.entries) - r.keep
	if over <= 0 || over < r.keep {
		return
	}
	for _, e := range b.entries[:over] {
		b.bytes -= cost(e)
		r.bytes -= cost(e)
	}
	r.entries -= over
	b.entries = append([]store.JournalEntry(nil), b.entries[over:]...)
}

// Count adds one to each coverage key of tenant.
func (r *Recorder) Count(tenant string, keys ...string) {
	if len(keys) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.buffer(tenant)
	if b.counts == nil {
		b.counts = map[string]int{}
	}
	for _, k := range keys {
		b.counts[k]++
	}
	r.schedule()
}

// CountEvents counts the types of the events a transaction wrote (call
// after its commit, so that coverage counts exactly the events committed).
func (r *Recorder) CountEvents(tenant string, types []string) {
	keys := make([]string, len(types))
	for i, typ := range types {
		keys[i] = EventKey(typ)
	}
	r.Count(tenant, keys...)
}

// schedule arms a flush after flushEvery (longer after failures), or at
// once when a batch is full. While a round runs, nothing is armed: the
// round schedules the next when it ends, so at most one round is ever in
// flight however fast calls come. Called with mu held.
func (r *Recorder) schedule() {
	if r.closed || r.running {
		return
	}
	if !r.armed {
		r.armed = true
		time.AfterFunc(r.delay(), r.background)
	}
	if r.entries >= flushBatch && !r.kicked && r.failures == 0 {
		r.kicked = true
		go r.background()
	}
}

// delay is how long the next timed flush waits. Called with mu held.
func (r *Recorder) delay() time.Duration {
	if r.failures == 0 {
		return flushEvery
	}
	return min(retryMin<<min(r.failures-1, 16), retryMax)
}

// background writes every tenant's buffer, then arms the next round if
// anything is left (new items, or batches that failed and went back).
func (r *Recorder) background() {
	r.mu.Lock()
	if r.closed || r.running {
		r.mu.Unlock()
		return
	}
	r.armed, r.kicked, r.running = false, false, true
	r.mu.Unlock()
	failed, err := r.flushAll(context.Background(), true)
	r.mu.Lock()
	r.running = false
	if failed > 0 {
		r.failures++
	} else {
		r.failures = 0
	}
	stripped, dropped := r.stripped, r.dropped
	r.stripped, r.dropped = 0, 0
	for _, b := range r.pending {
		if !b.empty() {
			r.schedule()
			break
		}
	}
	r.mu.Unlock()
	if failed > 0 {
		r.log.Warn("journal and coverage not written yet: will retry", "tenants", failed, "error", err)
	}
	if stripped > 0 || dropped > 0 {
		r.log.Warn("journal buffer full: the store is falling behind", "bodies_dropped", stripped, "entries_dropped", dropped)
	}
}

// Flush writes everything buffered so far. When it returns nil, every
// entry and count recorded before the call is in the store; an error says
// how many tenants could not be written (their data stays buffered and is
// tried again).
func (r *Recorder) Flush(ctx context.Context) error {
	_, err := r.flushAll(ctx, false)
	return err
}

// flushAll writes every tenant buffered now, flushWorkers at a time, and
// says how many failed. Background writes get a timeout each; others use
// ctx alone.
func (r *Recorder) flushAll(ctx context.Context, timed bool) (int, error) {
	r.mu.Lock()
	tenants := make([]string, 0, len(r.pending))
	for t := range r.pending {
		tenants = append(tenants, t)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	failed, written := 0, 0
	for i, t := range tenants {
		select {
		case r.workers <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return failed + len(tenants) - i, fmt.Errorf("recorder: tenants not written: %w", ctx.Err())
		}
		mu.Lock()
		down := timed && written == 0 && failed >= flushWorkers
		mu.Unlock()
		if down {
			// Every write so far failed: the store is down. The rest wait
			// for the next round rather than each meet the failure (a
			// connect timeout, perhaps) in turn.
			<-r.workers
			wg.Wait()
			return failed + len(tenants) - i, fmt.Errorf("recorder: %d tenants not written: %w", failed+len(tenants)-i, first)
		}
		wg.Go(func() {
			defer func() { <-r.workers }()
			err := r.flushTenant(ctx, t, timed)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				written++
				return
			}
			failed++
			if first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	if failed > 0 {
		return failed, fmt.Errorf("recorder: %d tenants not written: %w", failed, first)
	}
	return 0, nil
}

// FlushTenant writes what tenant has buffered, after any write of it in
// flight. When it returns nil, everything recorded for tenant before the
// call is in the store. Other tenants' buffers are left alone, so their
// troubles never reach this tenant's reads.
func (r *Recorder) FlushTenant(ctx context.Context, tenant string) error {
	return r.flushTenant(ctx, tenant, false)
}

func (r *Recorder) flushTenant(ctx context.Context, tenant string, timed bool) error {
	r.mu.Lock()
	b := r.pending[tenant]
	if b == nil {
		r.mu.Unlock()
		return nil
	}
	b.users++
	r.mu.Unlock()

	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	r.mu.Lock()
	out := b.batch
	b.batch = batch{}
	r.entries -= len(out.entries)
	r.mu.Unlock()

	var err error
	if !out.empty() {
		if timed {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, writeTimeout)
			defer cancel()
		}
		err = r.write(ctx, tenant, out)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		// Back in front of what came meanwhile, to be tried again.
		b.entries = append(out.entries, b.entries...)
		b.bytes += out.bytes
		r.entries += len(out.entries)
		for k, n := range b.counts {
			if out.counts == nil {
				out.counts = map[string]int{}
			}
			out.counts[k] += n
		}
		b.counts = out.counts
		r.trim(&b.batch)
	} else {
		r.bytes -= out.bytes
	}
	b.users--
	if b.users == 0 && b.empty() {
		delete(r.pending, tenant)
	}
	return err
}

// write redacts the batch's bodies in place (the flush owns the batch; a
// failed write puts it back redacted, and redacting again changes nothing)
// and writes it.
func (r *Recorder) write(ctx context.Context, tenant string, b batch) error {
	for i := range b.entries {
		e := &b.entries[i]
		e.RequestBody, e.ResponseBody = Redact(e.RequestBody), Redact(e.ResponseBody)
	}
	return r.st.Record(ctx, tenant, store.Recording{Journal: b.entries, Keep: r.keep, Coverage: b.counts})
}

func cut(b []byte) []byte {
	if len(b) > BodyLimit {
		return bytes.Clone(b[:BodyLimit]) // do not pin the whole body
	}
	return b
}

// Close writes what is still buffered and stops the background flushes;
// what cannot be written by ctx's end is lost, and the error says so.
func (r *Recorder) Close(ctx context.Context) error {
	err := r.Flush(ctx)
	r.mu.Lock()
	r.closed = true
	lost := r.entries
	r.mu.Unlock()
	if err != nil {
		return errors.Join(fmt.Errorf("recorder: %d journal entries and their tenants' coverage not written", lost), err)
	}
	return nil
}

// Coverage keys.

// VariantKey counts an answer of a method: "200" or an error variant.
func VariantKey(method, variant string) string { return method + " " + variant }

// EventKey counts an emitted webhook event type.
func EventKey(eventType string) string { return "webhook " + eventType }
