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
	"syscall"
	"time"

	"github.com/partifact/mockserver/internal/app"
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
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
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
	a, err := app.New(ctx, app.Config{Addr: *addr, DatabaseURL: *dbURL, TenantIdle: *idle, Logger: log})
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
