package servicemobility

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// Bounds of a forwarded call (the webhook rules' numbers).
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultTimeout        = webhooks.AttemptTimeout // the whole call, answer read included
	DefaultMaxAnswerBytes = 1 << 20
)

// ForwardedHeader marks a parts order the stand-in forwards. A stand-in
// refuses an order that carries it: an endpoint configured to point back at
// a stand-in would otherwise forward forever.
const ForwardedHeader = "x-servicemobility-forwarded"

// ReferenceTarget names the in-process reference implementation in check
// records.
const ReferenceTarget = "reference:" + Prefix + PathPartsOrders

// Reply is what a target answered, or why it did not.
type Reply struct {
	Status  int // 0 when no answer came
	Body    []byte
	Latency time.Duration
	Err     error // ErrTimeout, ErrAnswerTooLarge, or another failure to get an answer
	// Written is what the reference implementation, called directly (no
	// edge), wrote to the outbox: its deliveries go out once the stand-in
	// has answered. Through the edge, the edge releases them after the
	// reference's own answer, as for a call from outside.
	Written webhooks.Written
}

var (
	// ErrTimeout: no complete answer within the timeout.
	ErrTimeout = errors.New("no complete answer within the timeout")
	// ErrAnswerTooLarge: the answer's body is over the size cap.
	ErrAnswerTooLarge = errors.New("the answer's body is over the size cap")
)

// Target is where the stand-in sends a parts order: the implementer's
// endpoint over HTTP, or the reference implementation in-process.
type Target interface {
	// Name is the URL, or ReferenceTarget.
	Name() string
	// Submit sends the order's bytes with the caller's token.
	Submit(ctx context.Context, token string, body []byte) Reply
}

// Forwarder posts parts orders to implementers within the webhook rules:
// only to loopback or allowed hosts, re-checked at dial time; bounded
// connect and total time; answers read up to a cap; no redirects followed.
type Forwarder struct {
	client   *http.Client
	timeout  time.Duration
	maxBytes int64
}

// NewForwarder builds a forwarder from the module's configuration.
func NewForwarder(cfg Config) *Forwarder {
	connect := cfg.ConnectTimeout
	if connect <= 0 {
		connect = DefaultConnectTimeout
	}
	f := &Forwarder{timeout: cfg.Timeout, maxBytes: cfg.MaxAnswerBytes}
	if f.timeout <= 0 {
		f.timeout = DefaultTimeout
	}
	if f.maxBytes <= 0 {
		f.maxBytes = DefaultMaxAnswerBytes
	}
	policy := cfg.Policy
	f.client = &http.Client{
		Transport: &http.Transport{
			Proxy: nil, // implementers are dialled directly, never through a proxy
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				ctx, cancel := context.WithTimeout(ctx, connect)
				defer cancel()
				return policy.DialContext(ctx, network, addr)
			},
			TLSHandshakeTimeout: connect,
			MaxIdleConnsPerHost: 8,
			IdleConnTimeout:     90 * time.Second,
		},
		// The interface answers 200, 401 or 500; a redirect is an answer to check.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f
}

// Target is the implementer's endpoint at url, called for tenant's world.
func (f *Forwarder) Target(url, tenant string) Target { return httpTarget{f, url, tenant} }

type httpTarget struct {
	f      *Forwarder
	url    string
	tenant string
}

func (t httpTarget) Name() string { return t.url }

// Submit posts the same bytes, with Content-Type application/json and the
// same x-access-token, as ServiceMobility does; the mock adds the tenant
// header (so an endpoint that is itself a mock answers from the same world)
// and ForwardedHeader.
func (t httpTarget) Submit(ctx context.Context, token string, body []byte) Reply {
	ctx, cancel := context.WithTimeout(ctx, t.f.timeout)
	defer cancel()
	start := time.Now()
	fail := func(err error) Reply {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w (%s)", ErrTimeout, t.f.timeout)
		}
		return Reply{Latency: time.Since(start), Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return fail(err)
	}
	forwardHeaders(req, token, t.tenant)
	resp, err := t.f.client.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, t.f.maxBytes+1))
	if err != nil {
		r := fail(err)
		r.Status = resp.StatusCode
		return r
	}
	if int64(len(b)) > t.f.maxBytes {
		return Reply{Status: resp.StatusCode, Latency: time.Since(start),
			Err: fmt.Errorf("%w (%d bytes)", ErrAnswerTooLarge, t.f.maxBytes)}
	}
	return Reply{Status: resp.StatusCode, Body: b, Latency: time.Since(start)}
}

// forwardHeaders are those of a forwarded parts order: Content-Type
// application/json and the same x-access-token, as ServiceMobility sends
// them, and the mock's tenant header and ForwardedHeader.
func forwardHeaders(req *http.Request, token, tenant string) {
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(TokenHeader, token)
	req.Header.Set("User-Agent", "partly-mock-servicemobility")
	req.Header.Set(ForwardedHeader, "1")
	if tenant != "" {
		req.Header.Set(webhooks.TenantHeader, tenant)
	}
}

// edgeTarget sends a parts order to the reference implementation through
// the server's own handler, in-process: the request a forward over HTTP to
// POST /servicemobility/parts-orders would make, within the forwarder's
// timeout and answer cap. Faults set on the reference's operation fire, and
// the edge journals, counts and logs the call as its own.
type edgeTarget struct {
	f      *Forwarder
	edge   http.Handler
	tenant string
}

func (t edgeTarget) Name() string { return ReferenceTarget }

func (t edgeTarget) Submit(_ context.Context, token string, body []byte) Reply {
	start := time.Now()
	// A context of its own: the router must not find the stand-in's route
	// in it, and the order runs to its end whoever hangs up. At the
	// timeout it is cancelled, as a forwarder hanging up would be.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	timer := time.AfterFunc(t.f.timeout, cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, Prefix+PathPartsOrders, bytes.NewReader(body))
	if err != nil {
		timer.Stop()
		return Reply{Latency: time.Since(start), Err: err}
	}
	forwardHeaders(req, token, t.tenant)
	rec := &answerRecorder{header: http.Header{}, status: http.StatusOK, max: t.f.maxBytes}
	t.edge.ServeHTTP(rec, req)
	if !timer.Stop() {
		return Reply{Latency: time.Since(start), Err: fmt.Errorf("%w (%s)", ErrTimeout, t.f.timeout)}
	}
	if rec.over {
		return Reply{Status: rec.status, Latency: time.Since(start),
			Err: fmt.Errorf("%w (%d bytes)", ErrAnswerTooLarge, t.f.maxBytes)}
	}
	return Reply{Status: rec.status, Body: rec.body.Bytes(), Latency: time.Since(start)}
}

// answerRecorder keeps an in-process answer, up to max bytes.
type answerRecorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
	max    int64
	over   bool
}

func (a *answerRecorder) Header() http.Header { return a.header }

func (a *answerRecorder) WriteHeader(status int) {
	if !a.wrote {
		a.status, a.wrote = status, true
	}
}

func (a *answerRecorder) Write(b []byte) (int, error) {
	a.wrote = true
	n := len(b)
	if room := a.max - int64(a.body.Len()); int64(n) > room {
		a.over = true
		b = b[:max(room, 0)]
	}
	a.body.Write(b)
	return n, nil
}

// referenceTarget runs the reference implementation directly, without the
// edge (a service used without a server), in one
// read-write transaction of the tenant, as the HTTP edge would run
// POST /servicemobility/parts-orders: the same bytes, the same token, and
// its outbox deliveries released once the stand-in has answered.
type referenceTarget struct {
	s      *Service
	st     store.Store
	tenant string
}

func (t referenceTarget) Name() string { return ReferenceTarget }

func (t referenceTarget) Submit(ctx context.Context, token string, body []byte) Reply {
	start := time.Now()
	var resp PartsOrderResponse
	w, err := webhooks.Work(ctx, t.st, t.tenant, true, func(tx store.Tx) error {
		var err error
		resp, err = t.s.PartsOrders(ctx, tx, token, body)
		return err
	})
	if err != nil {
		status, b := Render(err)
		return Reply{Status: status, Body: b, Latency: time.Since(start)}
	}
	return Reply{Status: http.StatusOK, Body: mustJSON(resp), Latency: time.Since(start), Written: w}
}
