package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
)

// BenchmarkNew: building a server, from its configuration to a listener
// ready to serve (documents parsed, routes mounted), on the memory store.
func BenchmarkNew(b *testing.B) {
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.Logger = "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil))
	for b.Loop() {
		a, err := app.New(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = a.Close(ctx)
		cancel()
	}
}
