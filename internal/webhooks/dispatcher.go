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

	"github.com/partifact/mockserver/internal/store"
)

// DefaultConcurrency is how many deliveries are in flight at once.
const DefaultConcurrency = 16

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

// Config is what a Dispatcher runs with; zero values take the defaults.
type Config struct {
	Store       store.Store
	Sender      *Sender         // default: loopback only, AttemptTimeout
	Backoff     []time.Duration // default: DefaultBackoff
	Concurrency int             // deliveries in flight at once; default DefaultConcurrency
	Poll        time.Duration   // fallback poll when no wakeup comes; default 1s
	Logger      *slog.Logger
	// OnAttempt, when set, hears the outcome of every recorded attempt:
	// "delivered", "retry" (another attempt is scheduled) or "failed" (none
	// is left). It must not block.
	OnAttempt func(outcome string)
}

// Dispatcher claims due deliveries from the outbox and sends them.
type Dispatcher struct {
	cfg   Config
	lease time.Duration
	log   *slog.Logger

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
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Dispatcher{
		cfg: cfg, log: cfg.Logger.With("component", "webhooks"),
		// Long enough for an attempt to time out and be recorded.
		lease: cfg.Sender.timeout + 20*time.Second,
		stop:  make(chan struct{}), loopDone: make(chan struct{}),
		freed: make(chan struct{}, 1), sendCtx: ctx, cancelSend: cancel,
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

func (d *Dispatcher) loop() {
	defer close(d.loopDone)
	slots := make(chan struct{}, d.cfg.Concurrency)
	poll := time.NewTicker(d.cfg.Poll)
	defer poll.Stop()
	wake := d.cfg.Store.Wakeups()
	for {
		if free := cap(slots) - len(slots); free > 0 {
			claimed, err := d.cfg.Store.ClaimDeliveries(d.sendCtx, free, d.lease)
			if err != nil {
				d.log.Warn("claim deliveries", "error", err)
			}
			for _, del := range claimed {
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
			if err == nil && len(claimed) == free {
				// There may be more due: claim again once a slot frees.
				select {
				case <-d.stop:
					return
				case <-d.freed:
				}
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
	}
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

// backoff is the wait after failed attempt n (1-based).
func (d *Dispatcher) backoff(n int) time.Duration {
	return d.cfg.Backoff[min(n, len(d.cfg.Backoff))-1]
}
