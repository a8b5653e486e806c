// Command mockserver serves the Partly 2026-01 Integrations API on a seeded,
// stateful world. With no configuration it keeps everything in memory.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/webhooks"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// env returns the environment variable or a default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func run(args []string, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(args[1:], stderr)
	}
	fs := flag.NewFlagSet("mockserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("ADDR", ":8080"), "listen address (env ADDR)")
	dbURL := fs.String("database-url", env("DATABASE_URL", ""), "Postgres URL; empty keeps state in memory (env DATABASE_URL)")
	idle := fs.Duration("tenant-idle", time.Hour, "drop a tenant's world after this long unused, 0 never (env TENANT_IDLE)")
	logFormat := fs.String("log-format", env("LOG_FORMAT", "text"), "log format: text or json (env LOG_FORMAT)")
	whBackoff := fs.String("webhook-backoff", env("WEBHOOK_BACKOFF", "1s,5s,30s,2m,10m,30m,1h"), "waits between webhook attempts, on the tenant's clock; the last repeats up to 8 attempts (env WEBHOOK_BACKOFF)")
	whAllow := fs.String("webhook-allow-host", env("WEBHOOK_ALLOW_HOST", ""), "comma-separated host names webhooks may go to besides loopback, e.g. compose services (env WEBHOOK_ALLOW_HOST)")
	whPoll := fs.String("webhook-poll", env("WEBHOOK_POLL", "1s"), "how often the webhook dispatcher looks for due deliveries without a wakeup (env WEBHOOK_POLL)")
	// Sandbox controls; SANDBOX_ROUTES, JOURNAL_SIZE and SUPPLIER_AUTO_CONFIRM set them too.
	sandboxRoutes := fs.Bool("sandbox-routes", true, "serve the /__ sandbox controls; false shows only the contract (env SANDBOX_ROUTES)")
	journalSize := fs.Int("journal-size", 1000, "calls kept in each tenant's /__journal, 0 none (env JOURNAL_SIZE)")
	autoConfirm := fs.Duration("supplier-auto-confirm", 0, "confirm procurements this long after creation on the tenant clock, 0 never (env SUPPLIER_AUTO_CONFIRM)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mockserver [flags]\n       mockserver healthcheck [--addr ADDR]\n\nServes the Partly 2026-01 Integrations API mock. Flags:")
		fs.PrintDefaults()
	}
	if v, ok := os.LookupEnv("TENANT_IDLE"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			fmt.Fprintf(stderr, "mockserver: TENANT_IDLE: %v\n", err)
			return 2
		}
		*idle = d
	}
	for name, variable := range map[string]string{"sandbox-routes": "SANDBOX_ROUTES", "journal-size": "JOURNAL_SIZE", "supplier-auto-confirm": "SUPPLIER_AUTO_CONFIRM"} {
		if v, ok := os.LookupEnv(variable); ok {
			if err := fs.Set(name, v); err != nil {
				fmt.Fprintf(stderr, "mockserver: %s: %v\n", variable, err)
				return 2
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *journalSize < 0 || *autoConfirm < 0 {
		fmt.Fprintln(stderr, "mockserver: --journal-size and --supplier-auto-confirm cannot be negative")
		return 2
	}
	if *journalSize == 0 {
		*journalSize = -1 // app.Config reads 0 as the default
	}

	backoff, err := webhooks.ParseBackoff(*whBackoff)
	if err != nil {
		fmt.Fprintf(stderr, "mockserver: --webhook-backoff: %v\n", err)
		return 2
	}
	poll, err := time.ParseDuration(*whPoll)
	if err != nil || poll <= 0 {
		fmt.Fprintf(stderr, "mockserver: --webhook-poll must be a positive duration, not %q\n", *whPoll)
		return 2
	}
	var allowHosts []string
	for h := range strings.SplitSeq(*whAllow, ",") {
		if h = strings.TrimSpace(h); h != "" {
			allowHosts = append(allowHosts, h)
		}
	}

	var h slog.Handler
	switch *logFormat {
	case "text":
		h = slog.NewTextHandler(stderr, nil)
	case "json":
		h = slog.NewJSONHandler(stderr, nil)
	default:
		fmt.Fprintf(stderr, "mockserver: --log-format must be text or json, not %q\n", *logFormat)
		return 2
	}
	log := slog.New(h)
	slog.SetDefault(log)

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	a, err := app.New(ctx, app.Config{Addr: *addr, DatabaseURL: *dbURL, TenantIdle: *idle, Logger: log,
		WebhookBackoff: backoff, WebhookAllowHosts: allowHosts, WebhookPoll: poll,
		NoSandboxRoutes: !*sandboxRoutes, JournalSize: *journalSize, SupplierAutoConfirm: *autoConfirm})
	if err != nil {
		log.Error("start", "error", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- a.Run() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		log.Info("shutting down")
	}
	sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer scancel()
	if cerr := a.Close(sctx); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		log.Error("serve", "error", err)
		return 1
	}
	return 0
}
