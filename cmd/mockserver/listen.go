package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/sandboxclient"
	"github.com/partifact/mockserver/internal/seed"
)

const listenUsage = `usage: mockserver listen --forward-to URL [flags]

Receives an integration's webhooks from a running server and posts each one
to a local URL, byte for byte with its headers, so its partly-hmac-sha256
signature verifies with the secret printed at start. The server need not be
able to reach that URL (it may run in a container and your receiver on the
host): this command opens a listener on the server and pulls the deliveries
over its own connection. It prints a line per delivery: the time, the event
type, the message id and what your receiver answered. Ctrl-C stops it and
closes the listener.

Flags:
`

// pollWait is how long each poll waits for a delivery (the server allows
// up to 30 s).
const pollWait = 25 * time.Second

// forwardTimeout bounds one post to the local receiver, as the server
// bounds its own attempts.
const forwardTimeout = 10 * time.Second

// listen runs `mockserver listen` until ctx ends.
func listen(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := clientFlags("listen")
	var r remote
	r.bind(f)
	to := ""
	f.fs.Var(urlValue{&to, "http://localhost:4000/webhooks"}, "forward-to", "where to post each delivery, e.g. http://localhost:4000/webhooks (required)")
	integration := seed.RepairerIntegrationID.String()
	f.fs.StringVar(&integration, "integration-id", integration, "the integration whose webhooks to receive (default: the demo repairer)")
	usage := func() {
		fmt.Fprint(stdout, listenUsage)
		f.fs.SetOutput(stdout)
		f.fs.PrintDefaults()
	}
	pos, err := f.parseArgs(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage()
		return 0
	case err != nil:
		return exit(stderr, "listen", err)
	case len(pos) > 0:
		return exit(stderr, "listen", usagef("unexpected argument %q", pos[0]))
	case to == "":
		return exit(stderr, "listen", usagef("--forward-to is required: the local URL to post deliveries to"))
	}
	if _, err := uuid.Parse(integration); err != nil {
		return exit(stderr, "listen", usagef("--integration-id %q: want an integration id (a UUID)", integration))
	}
	fw := &forwarder{r: &r, c: r.client(), to: to, integration: integration, out: stdout, errw: stderr,
		http: &http.Client{
			Transport: &http.Transport{Proxy: nil, DisableCompression: true, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute},
			// A redirect is an answer like any other: shown, not followed
			// (the server does the same with its own deliveries).
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
	return exit(stderr, "listen", fw.run(ctx))
}

// forwarder pulls a listener's deliveries and posts them to the local URL.
type forwarder struct {
	r           *remote
	c           *sandboxclient.Client
	to          string
	integration string
	out, errw   io.Writer
	http        *http.Client
}

// open opens a listener and says so.
func (f *forwarder) open(ctx context.Context) (sandboxclient.Listener, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	l, err := f.c.Listen(ctx, f.integration)
	if err != nil {
		return l, reachable(f.r.url, err)
	}
	fmt.Fprintf(f.out, "Ready: forwarding the webhooks of integration %s in %s to %s\n", l.IntegrationID, f.r.world(), f.to)
	fmt.Fprintf(f.out, "Webhook secret: %s (the partly-hmac-sha256 header verifies with it)\n", l.Secret)
	return l, nil
}

func (f *forwarder) run(ctx context.Context) error {
	l, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// Close the listener (and its endpoint) even though ctx is done.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := f.c.Unlisten(cctx, l.ListenerID); err != nil {
			fmt.Fprintf(f.errw, "mockserver listen: closing the listener: %v\n", err)
			return
		}
		fmt.Fprintln(f.out, "Stopped; the listener is closed.")
	}()
	var after int64
	retry := time.Duration(0) // the wait before the next try while the server is unreachable
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, pollWait+callTimeout)
		page, err := f.c.Poll(pctx, l.ListenerID, after, pollWait)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case sandboxclient.IsType(err, "unknown_listener"):
			// Its world was reset, it idled out, or a server keeping state
			// in memory restarted.
			fmt.Fprintln(f.errw, "The listener was closed on the server (a reset, a restart or a long pause); opening a new one.")
			next, err := f.open(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if !transient(err) {
					return err
				}
				retry = f.pause(ctx, retry, err)
				continue
			}
			l, after = next, 0
			continue
		case transient(err):
			retry = f.pause(ctx, retry, err)
			continue
		case err != nil:
			return err
		}
		if retry > 0 {
			fmt.Fprintln(f.errw, "Reached the server again.")
			retry = 0
		}
		if page.Missed > 0 {
			fmt.Fprintf(f.errw, "%d deliveries were dropped on the server before they could be fetched (a listener keeps its newest 100).\n", page.Missed)
		}
		for _, d := range page.Items {
			if ctx.Err() != nil {
				return nil
			}
			f.forward(ctx, d)
		}
		after = page.Next
	}
	return nil
}

// transient reports an error worth trying again: the server unreachable,
// or answering 5xx (restarting, behind a proxy that lost it).
func transient(err error) bool {
	var se *sandboxclient.Error
	if errors.As(err, &se) {
		return se.Status >= 500
	}
	return err != nil
}

// pause waits before the next try, longer each time up to 10 s, and says
// why on the first.
func (f *forwarder) pause(ctx context.Context, last time.Duration, err error) time.Duration {
	next := min(max(2*last, time.Second), 10*time.Second)
	if last == 0 {
		fmt.Fprintf(f.errw, "mockserver listen: %v; trying again\n", reachable(f.r.url, err))
	}
	select {
	case <-ctx.Done():
	case <-time.After(next):
	}
	return next
}

// notForwarded are headers of the connection, not of the message (and
// the server's HTTP client's own accept-encoding).
var notForwarded = map[string]bool{"accept-encoding": true, "connection": true, "content-length": true, "host": true,
	"keep-alive": true, "proxy-connection": true, "te": true, "trailer": true, "transfer-encoding": true, "upgrade": true}

// forward posts one delivery to the local URL and prints its line.
func (f *forwarder) forward(ctx context.Context, d sandboxclient.Delivery) {
	var env struct {
		MessageID string `json:"message_id"`
		Type      string `json:"type"`
		Attempt   int    `json:"attempt"`
	}
	if json.Unmarshal(d.Body, &env) != nil || env.Type == "" {
		env.Type, env.MessageID = "(not an envelope)", "-"
	}
	status := f.post(ctx, d)
	line := fmt.Sprintf("%s  %s  %s", time.Now().Format(time.RFC3339), env.Type, env.MessageID)
	if env.Attempt > 1 {
		line += fmt.Sprintf(" (attempt %d)", env.Attempt)
	}
	fmt.Fprintf(f.out, "%s  -> %s\n", line, status)
}

// post sends the delivery's exact bytes with its headers and words the
// answer.
func (f *forwarder) post(ctx context.Context, d sandboxclient.Delivery) string {
	ctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.to, bytes.NewReader(d.Body))
	if err != nil {
		return "error: " + err.Error()
	}
	for k, v := range d.Headers {
		if !notForwarded[k] {
			req.Header.Set(k, v)
		}
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.Status
}
