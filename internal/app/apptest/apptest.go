// Package apptest serves an app for the length of a test.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
)

// Config is app.DefaultConfig with change applied: the configuration a
// test server differs from the binary's by.
func Config(change func(*app.Config)) app.Config {
	cfg := app.DefaultConfig()
	change(&cfg)
	return cfg
}

// Start serves an app with cfg (from app.DefaultConfig or Config) on
// 127.0.0.1, on a port of its own, until the test ends; the app must then
// close cleanly. Logs are discarded unless cfg.Logger is set.
func Start(tb testing.TB, cfg app.Config) *app.App {
	tb.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("start: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run() }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			tb.Errorf("close: %v", err)
		}
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	return a
}
