package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/logx"
	"github.com/partifact/mockserver/internal/store"
)

// MaxAttempts is how many times a delivery is tried before it fails.
const MaxAttempts = 8

// DefaultBackoff is the wait after each failed attempt, on the tenant's
// clock; the last one repeats if attempts outnumber it.
var DefaultBackoff = []time.Duration{
	time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute,
	10 * time.Minute, 30 * time.Minute, time.Hour,
}

// ParseBackoff reads a comma-separated list of durations ("1s,5s,30s").
func ParseBackoff(s string) ([]time.Duration, error) {
	var out []time.Duration
	for part := range strings.SplitSeq(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("webhooks: backoff %q: %w", s, err)
		}
		if d < 0 {
			return nil, fmt.Errorf("webhooks: backoff %q: negative duration", s)
		}
		out = append(out, d)
	}
	return out, nil
}

// Fairness defaults (docs/webhooks.md). Each instance's dispatcher sends
// DefaultConcurrency deliveries at once, at most DefaultPerTenant of one
// tenant and DefaultPerEndpoint to one endpoint, so one tenant's dead
// receivers hold at most a quarter of the slots. An endpoint whose last
// DefaultBreakerTimeouts attempts all timed out is held back for
// DefaultBreakerCooldown (its pending deliveries are moved later, not
// attempted, and their attempts are not counted); then one delivery probes
// it, and the next ones follow if it answers.
const (
	DefaultConcurrency     = 16
	DefaultPerTenant       = 4
	DefaultPerEndpoint     = 2
	DefaultBreakerTimeouts = 3
	DefaultBreakerCooldown = 30 * time.Second
)

// breakerForget is how long a breaker is kept after its last timeout
// without a delivery coming to it (the endpoint is gone or has nothing due).
const breakerForget = time.Hour

// Config is what a Dispatcher runs with; zero values take the defaults.
type Config struct {
	Store       store.Store
	Sender      *Sender         // default: loopback only, AttemptTimeout
	Backoff     []time.Duration // default: DefaultBackoff
	Concurrency int             // deliveries in flight at once; default DefaultConcurrency
	PerTenant   int             // of one tenant at once; default DefaultPerTenant
	PerEndpoint int             // to one endpoint at once; default DefaultPerEndpoint
	// BreakerTimeouts attempts in a row that time out hold an endpoint
	// back for BreakerCooldown (defaults DefaultBreakerTimeouts and
	// DefaultBreakerCooldown).
	BreakerTimeouts int
	BreakerCooldown time.Duration
	Poll            time.Duration // fallback poll when no wakeup comes; default 1s
	Logger          *slog.Logger
	// OnAttempt, when set, hears the outcome of every recorded attempt:
	// "delivered", "retry" (another attempt is scheduled) or "failed" (none
	// is left). It must not block.
	OnAttempt func(outcome string)
}

// Dispatcher claims due deliveries from the outbox and sends them.
type Dispatcher struct {
	cfg   Config
	lease time.Duration
	log   *logx.Limited

	stop     chan struct{}
	loopDone chan struct{}
	freed    chan struct{} // a worker finished: there may be room to claim
	workers  sync.WaitGroup
	// sendCtx is cancelled when Stop's deadline passes, abandoning the
	// attempts still in flight: their leases run out and they are claimed
	// again, by this process after a restart or by another one.
	sendCtx    context.Context
	cancelSend context.CancelFunc
	started    atomic.Bool
	stopOnce   sync.Once

	// What is in flight, per tenant and per endpoint, and the breakers of
	// endpoints whose attempts time out.
	mu        sync.Mutex
	tenants   map[string]int
	endpoints map[uuid.UUID]int
	breakers  map[uuid.UUID]*breaker
}

// breaker is an endpoint's circuit breaker: closed while timeouts <
// BreakerTimeouts; then open until openUntil; then half-open, letting one
// delivery through (probing) whose outcome closes or opens it again.
type breaker struct {
	timeouts  int
	openUntil time.Time
	probing   bool
	touched   time.Time
}

// New builds a dispatcher; Start runs it.
func New(cfg Config) *Dispatcher {
	if cfg.Sender == nil {
		cfg.Sender = NewSender(Policy{}, 0)
	}
	if len(cfg.Backoff) == 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.PerTenant <= 0 {
		cfg.PerTenant = DefaultPerTenant
	}
	if cfg.PerEndpoint <= 0 {
		cfg.PerEndpoint = DefaultPerEndpoint
	}
	if cfg.BreakerTimeouts <= 0 {
		cfg.BreakerTimeouts = DefaultBreakerTimeouts
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = DefaultBreakerCooldown
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Dispatcher{
		cfg: cfg, log: logx.NewLimited(cfg.Logger.With("component", "webhooks"), 0),
		// Long enough for an attempt to time out and be recorded.
		lease: cfg.Sender.timeout + 20*time.Second,
		stop:  make(chan struct{}), loopDone: make(chan struct{}),
		freed: make(chan struct{}, 1), sendCtx: ctx, cancelSend: cancel,
		tenants: map[string]int{}, endpoints: map[uuid.UUID]int{}, breakers: map[uuid.UUID]*breaker{},
	}
}

// Start runs the claim loop in the background; a second Start does nothing.
func (d *Dispatcher) Start() {
	if d.started.CompareAndSwap(false, true) {
		go d.loop()
	}
}

// Stop stops claiming and waits for the attempts in flight until ctx ends;
// then it abandons them (see sendCtx) and returns ctx's error.
func (d *Dispatcher) Stop(ctx context.Context) error {
	d.stopOnce.Do(func() { close(d.stop) })
	if d.started.Load() {
		<-d.loopDone
	}
	done := make(chan struct{})
	go func() { d.workers.Wait(); close(done) }()
	select {
	case <-done:
		d.cancelSend()
		return nil
	case <-ctx.Done():
		d.cancelSend()
		<-done
		return ctx.Err()
	}
}

// loop claims in rounds, each taking at most one delivery of any tenant
// and none of the tenants and endpoints whose share is in use or that are
// held back, so a tenant with a backlog never fills a round; rounds go on
// while they find something and slots are free.
//
// Slots are filled level by level: a round at level n passes over every
// tenant with n or more deliveries in flight, and the level rises only when
// a round finds nothing. So a slot that frees goes first to a tenant with
// nothing in flight, then to one with one, and so on: tenants whose
// receivers hang hold the slots only while no other tenant has a delivery
// due, and another tenant's delivery waits at most for the next slot to
// free (one attempt timeout), however many tenants' receivers hang.
func (d *Dispatcher) loop() {
	defer close(d.loopDone)
	slots := make(chan struct{}, d.cfg.Concurrency)
	poll := time.NewTicker(d.cfg.Poll)
	defer poll.Stop()
	wake := d.cfg.Store.Wakeups()
	failures, level := 0, 1
	for {
		if free := cap(slots) - len(slots); free > 0 {
			skipTenants, skipEndpoints, busiest := d.skips(time.Now(), level)
			claimed, err := d.cfg.Store.ClaimDeliveries(d.sendCtx, store.Claim{Limit: free, Lease: d.lease, PerTenant: 1,
				SkipTenants: skipTenants, SkipEndpoints: skipEndpoints})
			if err != nil {
				// The store is failing (Postgres down): wait longer each
				// time, whatever wakes us, rather than ask again at every
				// poll and kick.
				failures++
				d.log.Warn("claim deliveries", "error", err, "retry_in", errorBackoff(failures))
				select {
				case <-d.stop:
					return
				case <-time.After(errorBackoff(failures)):
				}
				continue
			}
			failures = 0
			for _, del := range claimed {
				d.hold(del)
				slots <- struct{}{}
				d.workers.Add(1)
				go func() {
					defer d.workers.Done()
					d.attempt(del)
					<-slots
					select {
					case d.freed <- struct{}{}:
					default:
					}
				}()
			}
			if len(claimed) == free {
				// Every slot is taken: claim again once one frees.
				select {
				case <-d.stop:
					return
				case <-d.freed:
				}
				level = 1
				continue
			}
			if len(claimed) > 0 {
				continue // the next round may find other tenants' deliveries
			}
			if level <= busiest && level < d.cfg.PerTenant {
				level++ // nothing for tenants this idle: let busier ones take more
				continue
			}
		}
		select {
		case <-d.stop:
			return
		case <-wake:
		case <-poll.C:
		case <-d.freed:
		}
		level = 1
	}
}

// skips lists the tenants and endpoints a claim at level passes over:
// tenants with level or more deliveries in flight (or their whole share),
// endpoints whose share is in flight, and endpoints held back by their
// breaker (open, or half-open with its probe in flight). busiest is the
// most deliveries any tenant has in flight.
func (d *Dispatcher) skips(now time.Time, level int) (tenants []string, endpoints []uuid.UUID, busiest int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for t, n := range d.tenants {
		if n >= min(level, d.cfg.PerTenant) {
			tenants = append(tenants, t)
		}
		busiest = max(busiest, n)
	}
	for ep, n := range d.endpoints {
		if n >= d.cfg.PerEndpoint {
			endpoints = append(endpoints, ep)
		}
	}
	for ep, b := range d.breakers {
		switch {
		case !b.openUntil.IsZero() && (now.Before(b.openUntil) || b.probing):
			endpoints = append(endpoints, ep)
		case now.Sub(b.touched) > breakerForget && !b.probing:
			// Nothing came to probe it for an hour: the endpoint is gone or
			// idle, and a fresh breaker serves it as well.
			delete(d.breakers, ep)
		}
	}
	return tenants, endpoints, busiest
}

// hold counts a claimed delivery in flight; one to an endpoint past its
// cool-down is that endpoint's probe.
func (d *Dispatcher) hold(del store.Delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tenants[del.Tenant]++
	d.endpoints[del.EndpointID]++
	if b := d.breakers[del.EndpointID]; b != nil && !b.openUntil.IsZero() {
		b.probing = true
	}
}

// release counts a delivery out of flight and feeds its endpoint's breaker
// with how the attempt went (sent: false when none was made). It reports
// whether the breaker opened.
func (d *Dispatcher) release(del store.Delivery, sent bool, res Result) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tenants[del.Tenant]--; d.tenants[del.Tenant] <= 0 {
		delete(d.tenants, del.Tenant)
	}
	if d.endpoints[del.EndpointID]--; d.endpoints[del.EndpointID] <= 0 {
		delete(d.endpoints, del.EndpointID)
	}
	b := d.breakers[del.EndpointID]
	switch {
	case !sent:
		if b != nil {
			b.probing = false
		}
		return false
	case !res.TimedOut:
		// Any answer, or a quick failure: the endpoint costs no slot time.
		delete(d.breakers, del.EndpointID)
		return false
	}
	if b == nil {
		b = &breaker{}
		d.breakers[del.EndpointID] = b
	}
	now := time.Now()
	b.timeouts++
	b.probing = false
	b.touched = now
	if b.timeouts < d.cfg.BreakerTimeouts {
		return false
	}
	b.openUntil = now.Add(d.cfg.BreakerCooldown)
	return true
}

// attempt sends one claimed delivery once and records how it went.
func (d *Dispatcher) attempt(del store.Delivery) {
	n := del.Attempts + 1
	var secret string
	var now time.Time
	err := d.cfg.Store.View(d.sendCtx, del.Tenant, func(tx store.Tx) error {
		now = tx.Now()
		in, err := tx.Integration(del.IntegrationID)
		secret = in.WebhookSecret
		return err
	})
	var res Result
	var sig string
	sent := false
	defer func() {
		if d.release(del, sent, res) {
			d.holdBack(del)
		}
	}()
	switch {
	case d.sendCtx.Err() != nil:
		return // shutting down: the lease will run out and it is retried
	case errors.Is(err, store.ErrNotFound):
		res.Err = "the integration no longer exists"
	case err != nil:
		d.log.Warn("read integration", "delivery_id", del.ID, "error", err)
		return // the store is failing; the lease runs out and it is retried
	default:
		body, err := Envelope(del, n, now)
		if err != nil {
			res.Err = err.Error()
			break
		}
		sig = Sign(secret, body)
		res = d.cfg.Sender.Send(d.sendCtx, del.URL, del.Tenant, body, sig)
		if d.sendCtx.Err() != nil {
			return
		}
		sent = true
	}
	status, next := store.DeliveryDelivered, time.Time{}
	if !res.OK() {
		status = store.DeliveryFailed
		if n < MaxAttempts {
			status = store.DeliveryPending
			next = now.Add(res.Latency + d.backoff(n))
		}
	}
	a := store.Attempt{
		DeliveryID: del.ID, Number: n, At: now, StatusCode: res.StatusCode,
		Latency: res.Latency, Error: res.Err, ResponseExcerpt: res.Excerpt, Signature: sig,
	}
	if res.Err == "" && !res.OK() {
		a.Error = fmt.Sprintf("the receiver answered %d", res.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.cfg.Store.CompleteAttempt(ctx, del.Tenant, a, status, next); err != nil {
		// ErrNotFound: the lease ran out and another claimer took it over,
		// or the tenant was reset; its record wins.
		d.log.Warn("record attempt", "delivery_id", del.ID, "attempt", n, "error", err)
		return
	}
	if d.cfg.OnAttempt != nil {
		outcome := status
		if status == store.DeliveryPending {
			outcome = "retry"
		}
		d.cfg.OnAttempt(outcome)
	}
}

// holdBack moves the pending deliveries of an endpoint whose breaker just
// opened past its cool-down, so claims do not meet them meanwhile.
func (d *Dispatcher) holdBack(del store.Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := d.cfg.Store.DeferEndpoint(ctx, del.Tenant, del.EndpointID, d.cfg.BreakerCooldown)
	if err != nil {
		d.log.Warn("hold back endpoint", "endpoint_id", del.EndpointID, "error", err)
		return
	}
	d.log.Warn("webhook endpoint held back: its attempts keep timing out", "tenant", del.Tenant,
		"endpoint_id", del.EndpointID, "url", del.URL, "timeouts", d.cfg.BreakerTimeouts,
		"for", d.cfg.BreakerCooldown, "deliveries_moved", n)
}

// errorBackoff is the wait after the nth store failure in a row: 100 ms,
// doubling, at most 5 s.
func errorBackoff(n int) time.Duration {
	return min(100*time.Millisecond<<min(n-1, 16), 5*time.Second)
}

// backoff is the wait after failed attempt n (1-based).
func (d *Dispatcher) backoff(n int) time.Duration {
	return d.cfg.Backoff[min(n, len(d.cfg.Backoff))-1]
}
