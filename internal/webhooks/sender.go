package webhooks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/partifact/mockserver/webhook"
)

// AttemptTimeout bounds one request to a receiver.
const AttemptTimeout = 10 * time.Second

// excerptLen is how much of a receiver's answer the delivery log keeps.
const excerptLen = 512

// Sender posts signed bodies to receivers, within the URL policy.
type Sender struct {
	policy  Policy
	timeout time.Duration
	client  *http.Client
}

// NewSender builds a sender; timeout 0 means AttemptTimeout.
func NewSender(p Policy, timeout time.Duration) *Sender {
	if timeout <= 0 {
		timeout = AttemptTimeout
	}
	return &Sender{policy: p, timeout: timeout, client: &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // a receiver is dialled directly, never through a proxy
			DialContext:         p.dial,
			MaxIdleConnsPerHost: 32,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: timeout,
		},
		// A redirect is an answer that is not 2xx: a failed attempt.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Policy is the URL policy the sender dials within.
func (s *Sender) Policy() Policy { return s.policy }

// Result is what one request to a receiver came to.
type Result struct {
	StatusCode int // 0 when no answer came
	Latency    time.Duration
	Err        string // why no answer came
	TimedOut   bool   // no answer within the timeout
	Excerpt    string // the start of the answer's body
}

// OK reports a 2xx answer.
func (r Result) OK() bool { return r.StatusCode >= 200 && r.StatusCode < 300 }

// Send posts body, signed with sig, to url. tenant names the world the
// message comes from (see TenantHeader).
func (s *Sender) Send(ctx context.Context, url, tenant string, body []byte, sig string) Result {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(webhook.SignatureHeader, sig)
	if tenant != "" {
		req.Header.Set(TenantHeader, tenant)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var ne net.Error
		timedOut := ctx.Err() == context.DeadlineExceeded || (errors.As(err, &ne) && ne.Timeout())
		return Result{Latency: time.Since(start), Err: err.Error(), TimedOut: timedOut}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, excerptLen))
	// Drain a little more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return Result{StatusCode: resp.StatusCode, Latency: time.Since(start), Excerpt: excerpt(head)}
}

// excerpt makes a body's start printable JSON text: invalid UTF-8 (a
// binary answer, a rune cut by the limit) becomes U+FFFD.
func excerpt(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }
