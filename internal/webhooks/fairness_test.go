package webhooks_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/webhooks"
)

// hanging is a receiver that never answers: it holds every request until
// the sender gives up or the test ends, and says how many it holds.
type hanging struct {
	srv     *httptest.Server
	release chan struct{}
	arrived chan struct{}

	mu       sync.Mutex
	open     int
	maxOpen  int
	arrivals []time.Time
}

// newHanging must be called after the server starts, so that it lets its
// requests go before the server waits for them to end.
func newHanging(t *testing.T) *hanging {
	h := &hanging{release: make(chan struct{}), arrived: make(chan struct{}, 1000)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.open++
		h.maxOpen = max(h.maxOpen, h.open)
		h.arrivals = append(h.arrivals, time.Now())
		h.mu.Unlock()
		h.arrived <- struct{}{}
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
		h.mu.Lock()
		h.open--
		h.mu.Unlock()
	}))
	t.Cleanup(func() {
		close(h.release)
		h.srv.Close()
	})
	return h
}

func (h *hanging) state() (open, maxOpen int, arrivals []time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open, h.maxOpen, append([]time.Time(nil), h.arrivals...)
}

// waitArrivals waits for the nth request, at most 20 s.
func (h *hanging) waitArrivals(t *testing.T, n int) {
	t.Helper()
	for {
		if _, _, a := h.state(); len(a) >= n {
			return
		}
		select {
		case <-h.arrived:
		case <-time.After(20 * time.Second):
			t.Fatalf("the hanging receiver never got %d requests", n)
		}
	}
}

// TestFairnessAcrossWorlds: world A's receivers never answer and it has
// more deliveries than the dispatcher has slots; world B's delivery still
// goes out at once, while every one of A's attempts is still hanging. A
// holds no more than its share of the slots.
func TestFairnessAcrossWorlds(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, base app.Config) {
		base.WebhookTimeout = time.Minute // A's attempts outlast the test
		s := start(t, base)
		dead := newHanging(t)
		good := newReceiver(t, nil)
		for i := range 8 {
			s.subscribe("fair-a", seed.RepairerIntegrationID, fmt.Sprintf("%s/dead/%d", dead.srv.URL, i))
		}
		for i := range 3 { // 24 deliveries, more than the 16 slots
			if code := s.insertJob("fair-a", fmt.Sprintf("A-%d", i)); code != 200 {
				t.Fatalf("jobs.insert: %d", code)
			}
		}
		dead.waitArrivals(t, webhooks.DefaultPerTenant)
		s.subscribe("fair-b", seed.RepairerIntegrationID, good.srv.URL)
		if code := s.insertJob("fair-b", "B-1"); code != 200 {
			t.Fatalf("jobs.insert: %d", code)
		}
		r := good.next(t)
		if r.env.Type != "repairer.job.inserted" {
			t.Fatalf("B got %+v", r.env)
		}
		open, maxOpen, arrivals := dead.state()
		if open != len(arrivals) {
			t.Fatalf("one of A's attempts ended (%d open of %d) before B's delivery came: B waited for A", open, len(arrivals))
		}
		if maxOpen != webhooks.DefaultPerTenant {
			t.Fatalf("A had %d attempts in flight at once, want its share, %d", maxOpen, webhooks.DefaultPerTenant)
		}
	})
}

// TestFairnessManyHangingWorlds: more worlds hang on their receivers than
// the dispatcher has shares for, so every slot is held; another world's
// delivery then takes one of the next slots that free, before any world
// that holds a slot gets another, however long their backlogs: only the
// worlds that were waiting with nothing in flight go before it. It waits
// for attempts to end, not for the hanging worlds' queues. (Slots free one
// at a time here: the hanging receiver lets its requests go one by one.)
func TestFairnessManyHangingWorlds(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, base app.Config) {
		base.WebhookTimeout = time.Minute // nothing frees a slot but the test
		s := start(t, base)
		dead := newGated(t)
		good := newReceiver(t, nil)
		worlds := webhooks.DefaultConcurrency/webhooks.DefaultPerTenant + 2
		for w := range worlds {
			tenant := fmt.Sprint("hang-", w)
			for i := range 2 * webhooks.DefaultPerTenant {
				s.subscribe(tenant, seed.RepairerIntegrationID, fmt.Sprintf("%s/%s/%d", dead.srv.URL, tenant, i))
			}
			for i := range 3 {
				if code := s.insertJob(tenant, fmt.Sprintf("H-%d", i)); code != 200 {
					t.Fatalf("jobs.insert: %d", code)
				}
			}
		}
		dead.waitArrivals(t, webhooks.DefaultConcurrency) // every slot is held
		// The worlds holding no slot wait with deliveries due; they go first.
		waiting := worlds - dead.worlds()
		s.subscribe("patient", seed.RepairerIntegrationID, good.srv.URL)
		if code := s.insertJob("patient", "P-1"); code != 200 {
			t.Fatalf("jobs.insert: %d", code)
		}
		for released := 1; ; released++ {
			dead.one <- struct{}{} // one slot frees
			select {
			case r := <-good.got:
				if r.env.Type != "repairer.job.inserted" {
					t.Fatalf("got %+v", r.env)
				}
				if released > waiting+1 {
					t.Fatalf("the delivery took the slot freed %dth; only %d worlds waited before it", released, waiting)
				}
				return
			case <-dead.arrived:
				if released == 3*webhooks.DefaultConcurrency {
					t.Fatalf("%d slots freed went to the hanging worlds, none to the waiting delivery", released)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("a freed slot was not used")
			}
		}
	})
}

// gated is a receiver that holds every request until the test lets one
// go (one), answering it 200. It notes the first segment of each path.
type gated struct {
	srv     *httptest.Server
	one     chan struct{}
	arrived chan struct{}
	n       atomic.Int64

	mu     sync.Mutex
	firsts map[string]bool
}

// worlds is how many first path segments came.
func (g *gated) worlds() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.firsts)
}

func newGated(t *testing.T) *gated {
	g := &gated{one: make(chan struct{}), arrived: make(chan struct{}, 1000), firsts: map[string]bool{}}
	done := make(chan struct{})
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		g.mu.Lock()
		g.firsts[first] = true
		g.mu.Unlock()
		g.n.Add(1)
		g.arrived <- struct{}{}
		select {
		case <-g.one:
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() {
		close(done)
		g.srv.Close()
	})
	return g
}

// waitArrivals drains the arrivals until n requests came, at most 20 s.
func (g *gated) waitArrivals(t *testing.T, n int) {
	t.Helper()
	for g.n.Load() < int64(n) {
		select {
		case <-g.arrived:
		case <-time.After(20 * time.Second):
			t.Fatalf("the receiver got %d requests, want %d", g.n.Load(), n)
		}
	}
	for len(g.arrived) > 0 {
		<-g.arrived
	}
}

// TestCircuitBreaker: an endpoint whose attempts keep timing out is held
// back for the cool-down: nothing is sent to it meanwhile, its deliveries
// stay pending with their attempts uncounted, then one delivery probes it.
func TestCircuitBreaker(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, base app.Config) {
		const cooldown = 1500 * time.Millisecond
		base.WebhookTimeout = 200 * time.Millisecond
		base.WebhookBreakerTimeouts = 2
		base.WebhookBreakerCooldown = cooldown
		base.WebhookPerEndpoint = 1 // one attempt after the other: the second timeout opens the breaker
		s := start(t, base)
		dead := newHanging(t)
		s.subscribe("breaker", seed.RepairerIntegrationID, dead.srv.URL)
		for i := range 5 {
			if code := s.insertJob("breaker", fmt.Sprintf("BR-%d", i)); code != 200 {
				t.Fatalf("jobs.insert: %d", code)
			}
		}
		dead.waitArrivals(t, 3) // two that time out, then the probe
		_, _, arrivals := dead.state()
		// Without the breaker the next attempt would follow within the 10 ms
		// retry backoff of the test server.
		if gap := arrivals[2].Sub(arrivals[1]); gap < cooldown {
			t.Fatalf("the probe came %v after the second timed-out attempt, within the %v cool-down", gap, cooldown)
		}
		// The probe's attempt is recorded once it times out.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var log struct {
				Items []struct {
					Status       string `json:"status"`
					AttemptCount int    `json:"attempt_count"`
				}
			}
			s.do(http.MethodGet, "/__webhooks/deliveries", "breaker", nil, nil, &log)
			sum, untried := 0, 0
			for _, d := range log.Items {
				if d.Status != "pending" && d.Status != "in_flight" {
					t.Fatalf("a held-back delivery is %s: %+v", d.Status, log.Items)
				}
				sum += d.AttemptCount
				if d.AttemptCount == 0 {
					untried++
				}
			}
			if len(log.Items) != 5 {
				t.Fatalf("%d deliveries, want 5", len(log.Items))
			}
			if sum >= 3 {
				if _, _, a := dead.state(); sum > len(a) {
					t.Fatalf("%d attempts counted, %d requests sent: held-back deliveries were counted", sum, len(a))
				}
				if untried < 2 {
					t.Fatalf("only %d deliveries never tried: %+v", untried, log.Items)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the probe's attempt was never recorded: %+v", log.Items)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
