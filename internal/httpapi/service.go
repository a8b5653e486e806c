package httpapi

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// loop runs fn every interval until stopped.
type loop struct {
	interval time.Duration
	what     string
	log      *slog.Logger
	fn       func(context.Context) error
	stop     chan struct{}
	once     sync.Once
	done     sync.WaitGroup
}

// Every is a service that runs fn every interval until stopped, each run
// bounded by a 10 s deadline; errors are logged, and the next tick tries
// again.
func Every(interval time.Duration, what string, log *slog.Logger, fn func(context.Context) error) Service {
	return &loop{interval: interval, what: what, log: log, fn: fn, stop: make(chan struct{})}
}

func (l *loop) Start() {
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		t := time.NewTicker(l.interval)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if err := l.fn(ctx); err != nil {
					l.log.Warn(l.what, "error", err)
				}
				cancel()
			}
		}
	}()
}

// Stop ends the loop after the run in flight, or when ctx ends.
func (l *loop) Stop(ctx context.Context) error {
	l.once.Do(func() { close(l.stop) })
	done := make(chan struct{})
	go func() { l.done.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
