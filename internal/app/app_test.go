package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
)

// TestCloseTwice: closing a server again is harmless and says what the
// first close said.
func TestCloseTwice(t *testing.T) {
	t.Parallel()
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.Logger = "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.SupplierAutoConfirm = time.Minute // one more service to stop
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first := a.Close(ctx)
	if err := a.Close(ctx); err != first {
		t.Fatalf("second close: %v, first: %v", err, first)
	}
	if first != nil {
		t.Fatalf("close: %v", first)
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// TestDefaultConfig is what the README and --help promise.
func TestDefaultConfig(t *testing.T) {
	t.Parallel()
	cfg := app.DefaultConfig()
	if cfg.Addr != ":8080" || cfg.TenantIdle != time.Hour || cfg.JournalSize != 1000 || cfg.WebhookPoll != time.Second ||
		cfg.NoSandboxRoutes || cfg.SupplierAutoConfirm != 0 || cfg.DatabaseURL != "" || len(cfg.WebhookBackoff) == 0 ||
		cfg.MCPMaxSessions != 100 || cfg.MCPSessionIdle != 30*time.Minute {
		t.Fatalf("defaults changed: %+v", cfg)
	}
}
