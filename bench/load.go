package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

var (
	// errStopped ends a virtual user's step when the run is over; it is not
	// counted as an error.
	errStopped = errors.New("run over")
	// errDone from a step ends that virtual user alone: it has no work left.
	errDone = errors.New("no work left")
)

// load is one run: conns virtual users over keep-alive connections, a
// warm-up that is not recorded, then a recorded phase bounded by duration
// and, when maxRequests > 0, by the number of requests.
type load struct {
	conns       int
	warmup      time.Duration
	duration    time.Duration
	maxRequests int
	// client, when set, is used instead of a fresh one, so that runs in
	// turn against one server keep their connections.
	client *http.Client
	// server, when set, is the process whose CPU time the recorded phase
	// is charged.
	server *proc
	cpu0   time.Duration

	recording atomic.Bool
	stopped   atomic.Bool
	started   atomic.Int64 // requests started while recording
}

// newClient is a keep-alive client holding up to conns connections to one
// host, as a test suite's client would.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			DisableCompression:  true,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// run calls step in a loop on every virtual user until the run is over or
// every step returned errDone. A step's other errors are counted as errors
// unless vu.post counted them already; errStopped is not an error.
func (l *load) run(step func(v *vu) error) result {
	client := l.client
	if client == nil {
		client = newClient(l.conns)
		defer client.CloseIdleConnections()
	}
	if l.warmup == 0 {
		// Record from the first request.
		l.startRecording()
	}
	start := time.Now()
	vus := make([]*vu, l.conns)
	var wg sync.WaitGroup
	for i := range vus {
		vus[i] = &vu{id: i, l: l, client: client}
		wg.Add(1)
		go func(v *vu) {
			defer wg.Done()
			for !l.stopped.Load() {
				err := step(v)
				if errors.Is(err, errDone) {
					return
				}
				if err != nil && !errors.Is(err, errStopped) && !errors.Is(err, errCounted) && l.recording.Load() {
					v.res.errors++
				}
				v.iter++
			}
		}(vus[i])
	}
	if l.warmup > 0 {
		time.Sleep(l.warmup)
		start = time.Now()
		l.startRecording()
	}
	timer := time.AfterFunc(l.duration, func() { l.stopped.Store(true) })
	wg.Wait()
	timer.Stop()
	out := result{elapsed: time.Since(start)}
	if l.server != nil {
		if cpu, err := l.server.cpu(); err == nil {
			out.serverCPU = cpu - l.cpu0
		}
	}
	for _, v := range vus {
		out.merge(&v.res)
	}
	return out
}

func (l *load) startRecording() {
	if l.server != nil {
		l.cpu0, _ = l.server.cpu()
	}
	l.recording.Store(true)
}

// vu is one virtual user: it runs its steps one after another.
type vu struct {
	id     int
	iter   int // steps begun so far
	l      *load
	client *http.Client
	res    result
}

// post sends one JSON request and decodes a 200 answer into out (when not
// nil). The request is timed and counted when the run is recording; a
// transport failure or another status is an error.
func (v *vu) post(url string, header http.Header, body []byte, out any) error {
	l := v.l
	if l.stopped.Load() {
		return errStopped
	}
	rec := l.recording.Load()
	if rec && l.maxRequests > 0 && l.started.Add(1) > int64(l.maxRequests) {
		l.stopped.Store(true)
		return errStopped
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	// Shared read-only by every request: the client sends it without
	// changing it (there are no redirects here).
	req.Header = header
	t0 := time.Now()
	resp, err := v.client.Do(req)
	var b []byte
	if err == nil {
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	d := time.Since(t0)
	if rec {
		v.res.requests++
		v.res.lat = append(v.res.lat, d)
	}
	switch {
	case err != nil:
	case resp.StatusCode != http.StatusOK:
		err = fmt.Errorf("%s: status %d: %.200s", url, resp.StatusCode, b)
	case out != nil:
		err = json.Unmarshal(b, out)
	}
	if err != nil && rec {
		v.res.errors++
		// Counted here; the step must not count it again.
		return fmt.Errorf("%w: %v", errCounted, err)
	}
	return err
}

// errCounted marks an error post already counted.
var errCounted = errors.New("counted")
