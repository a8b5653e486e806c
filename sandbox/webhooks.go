package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partifact/mockserver/webhook"
)

// WaitTimeout is how long Webhooks.Wait waits for an event.
const WaitTimeout = 10 * time.Second

// maxWebhookBody bounds what the receiver reads of one request.
const maxWebhookBody = 1 << 20

// Webhooks is a receiver on a server of its own (httptest, 127.0.0.1),
// subscribed in the world for one or more integrations. It verifies every
// request as a correct receiver does (webhook.Verify over the raw body,
// with the secret of the integration the envelope names, the timestamp
// against the world's clock) and answers 400 to what fails; the test
// waits for the verified events it expects.
type Webhooks struct {
	// URL is the receiver's address, subscribed for each integration.
	URL string

	srv     *Server
	secrets map[string]string // by integration id

	mu      sync.Mutex
	got     []webhook.Envelope
	refused []RefusedWebhook
	taken   map[string]bool // message ids Wait returned
	arrived chan struct{}   // closed (and replaced) when anything arrives
}

// RefusedWebhook is a request the receiver answered 400.
type RefusedWebhook struct {
	Header http.Header
	Body   []byte
	Err    error // webhook.ErrMissingSignature, ErrBadSignature, ErrStale, ErrMalformed, or an unknown integration
}

// Webhooks starts a receiver until the test ends and subscribes it for
// each integration (default: the demo repairer, sandbox.Repairer).
func (s *Server) Webhooks(tb testing.TB, integrations ...Credential) *Webhooks {
	tb.Helper()
	if len(integrations) == 0 {
		integrations = []Credential{Repairer}
	}
	w := &Webhooks{srv: s, secrets: map[string]string{}, taken: map[string]bool{}, arrived: make(chan struct{})}
	hs := httptest.NewServer(http.HandlerFunc(w.receive))
	w.URL = hs.URL + "/webhooks"
	var endpoints []string
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
		defer cancel()
		for _, id := range endpoints {
			if err := s.ctl.Unsubscribe(ctx, id); err != nil {
				tb.Errorf("sandbox: unsubscribe the webhook receiver: %v", err)
			}
		}
		hs.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	defer cancel()
	for _, in := range integrations {
		sub, err := s.ctl.Subscribe(ctx, in.IntegrationID, w.URL)
		if err != nil {
			tb.Fatalf("sandbox: subscribe the webhook receiver for %s: %v", in.IntegrationID, err)
		}
		w.mu.Lock()
		w.secrets[sub.IntegrationID] = sub.Secret
		w.mu.Unlock()
		endpoints = append(endpoints, sub.EndpointID)
	}
	return w
}

var errUnknownIntegration = errors.New("sandbox: the envelope names an integration this receiver is not subscribed for")

func (w *Webhooks) receive(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil || len(body) > maxWebhookBody {
		http.Error(rw, "body unreadable or larger than 1 MiB", http.StatusRequestEntityTooLarge)
		return
	}
	env, err := w.verify(r.Context(), r.Header.Get(webhook.SignatureHeader), body)
	w.mu.Lock()
	if err != nil {
		w.refused = append(w.refused, RefusedWebhook{Header: r.Header.Clone(), Body: body, Err: err})
	} else {
		w.got = append(w.got, env)
	}
	close(w.arrived)
	w.arrived = make(chan struct{})
	w.mu.Unlock()
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

// verify checks a request as a correct receiver does. The timestamp is
// judged by the world's clock, which the test may have moved: the mock
// stamps webhooks with it.
func (w *Webhooks) verify(ctx context.Context, sig string, body []byte) (webhook.Envelope, error) {
	if sig == "" {
		return webhook.Envelope{}, webhook.ErrMissingSignature
	}
	var head struct {
		IntegrationID string `json:"integration_id"`
	}
	if json.Unmarshal(body, &head) != nil {
		return webhook.Envelope{}, webhook.ErrMalformed
	}
	w.mu.Lock()
	secret, ok := w.secrets[head.IntegrationID]
	w.mu.Unlock()
	if !ok {
		return webhook.Envelope{}, errUnknownIntegration
	}
	env, err := webhook.Verify(secret, body, sig, time.Now())
	if !errors.Is(err, webhook.ErrStale) {
		return env, err
	}
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	clock, cerr := w.srv.ctl.Clock(ctx)
	if cerr != nil {
		return env, fmt.Errorf("%w (and the world's clock could not be read: %v)", err, cerr)
	}
	return webhook.Verify(secret, body, sig, clock.Now)
}

// Wait returns the next verified event of that type that Wait has not
// returned yet (a retry of a message it returned is skipped), waiting up
// to WaitTimeout; it fails the test when none comes.
func (w *Webhooks) Wait(tb testing.TB, eventType string) webhook.Envelope {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitTimeout)
	defer cancel()
	env, err := w.WaitContext(ctx, eventType)
	if err != nil {
		tb.Fatalf("sandbox: %v", err)
	}
	return env
}

// WaitContext is Wait with a deadline of the caller's.
func (w *Webhooks) WaitContext(ctx context.Context, eventType string) (webhook.Envelope, error) {
	for {
		w.mu.Lock()
		for _, env := range w.got {
			if env.Type == eventType && !w.taken[env.MessageID] {
				w.taken[env.MessageID] = true
				w.mu.Unlock()
				return env, nil
			}
		}
		arrived := w.arrived
		w.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return webhook.Envelope{}, fmt.Errorf("no %s webhook came: %w; %s", eventType, ctx.Err(), w.summary())
		}
	}
}

// summary says what did come, for a failed wait.
func (w *Webhooks) summary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	types := make([]string, len(w.got))
	for i, env := range w.got {
		types[i] = env.Type
	}
	s := "received: [" + strings.Join(types, ", ") + "]"
	if len(w.refused) > 0 {
		errs := make([]string, len(w.refused))
		for i, r := range w.refused {
			errs[i] = r.Err.Error()
		}
		s += fmt.Sprintf("; refused %d: %s", len(w.refused), strings.Join(slices.Compact(errs), "; "))
	}
	return s
}

// Received lists every verified request, in arrival order (retries
// included: a message_id may come more than once).
func (w *Webhooks) Received() []webhook.Envelope {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

// Refused lists the requests the receiver answered 400.
func (w *Webhooks) Refused() []RefusedWebhook {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.refused)
}

// Secret is the webhook secret of a subscribed integration.
func (w *Webhooks) Secret(integrationID string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.secrets[integrationID]
}
