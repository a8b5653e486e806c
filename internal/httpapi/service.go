package httpapi

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/partifact/mockserver/internal/logx"
)

// loop runs fn every interval until stopped.
type loop struct {
	interval time.Duration
	what     string
	log      *slog.Logger
	fn       func(context.Context) error
	stop     chan struct{}
	mu       sync.Mutex // orders Start and Stop, which may race
	stopped  bool
	done     sync.WaitGroup
}

// Every is a service that runs fn every interval until stopped, each run
// bounded by a 10 s deadline. After a failure (the store is down) the next
// run waits twice as long each time, up to loopBackoffMax, and the log
// says so once per logx.DefaultInterval, not once per run.
func Every(interval time.Duration, what string, log *slog.Logger, fn func(context.Context) error) Service {
	return &loop{interval: interval, what: what, log: log, fn: fn, stop: make(chan struct{})}
}

func (l *loop) Start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped { // Stop came first: there is nothing to start
		return
	}
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		log := logx.NewLimited(l.log, 0)
		wait := l.interval
		for {
			select {
			case <-l.stop:
				return
			case <-time.After(wait):
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := l.fn(ctx)
			cancel()
			if err == nil {
				wait = l.interval
				continue
			}
			wait = min(max(2*wait, l.interval), max(loopBackoffMax, l.interval))
			log.Warn(l.what, "error", err, "retry_in", wait)
		}
	}()
}

// loopBackoffMax bounds the wait of a background loop whose runs fail.
const loopBackoffMax = 30 * time.Second

// Stop ends the loop after the run in flight, or when ctx ends.
func (l *loop) Stop(ctx context.Context) error {
	l.mu.Lock()
	if !l.stopped {
		l.stopped = true
		close(l.stop)
	}
	l.mu.Unlock()
	done := make(chan struct{})
	go func() { l.done.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
