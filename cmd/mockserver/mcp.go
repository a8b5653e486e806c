package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/mcpserver"
)

const mcpUsage = `usage: mockserver mcp [flags]

Serves the sandbox's MCP server over stdin and stdout (newline-delimited
JSON-RPC), with the mock running in this process: in memory unless a
database is given. Logs go to stderr only. The mock's HTTP API also answers
on --addr (loopback, a free port by default; the URL is logged and
get_started tells it), so webhooks can reach the built-in sink. Flags:
`

// mcpCommand is `mockserver mcp`.
func mcpCommand(args []string, stderr io.Writer) int {
	cfg := app.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	world, logFormat := "", "text"
	fs := flag.NewFlagSet("mockserver mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, mcpUsage)
		fs.PrintDefaults()
	}
	f := &flags{fs: fs}
	f.bind(stringValue{&world}, "world", "MCP_WORLD", "the world (tenant) the session works in; empty: the shared world")
	f.bind(stringValue{&cfg.Addr}, "addr", "ADDR", "where the mock's HTTP API also listens")
	f.bind(stringValue{&cfg.DatabaseURL}, "database-url", "DATABASE_URL", "Postgres URL; empty keeps state in memory")
	f.bind(durationValue{&cfg.TenantIdle}, "tenant-idle", "TENANT_IDLE", "drop a tenant's world after this long unused, 0 never")
	f.bind(choiceValue{&logFormat, []string{"text", "json"}}, "log-format", "LOG_FORMAT", "log format on stderr: text or json")
	f.bind(backoffValue{&cfg.WebhookBackoff}, "webhook-backoff", "WEBHOOK_BACKOFF", "waits between webhook attempts, on the tenant's clock; the last repeats up to 8 attempts")
	f.bind(listValue{&cfg.WebhookAllowHosts}, "webhook-allow-host", "WEBHOOK_ALLOW_HOST", "comma-separated host names webhooks may go to besides loopback")
	f.bind(positiveDuration{durationValue{&cfg.WebhookPoll}}, "webhook-poll", "WEBHOOK_POLL", "how often the webhook dispatcher looks for due deliveries without a wakeup")
	f.bind(intValue{&cfg.JournalSize}, "journal-size", "JOURNAL_SIZE", "calls kept in each tenant's /__journal, 0 none")
	f.bind(durationValue{&cfg.SupplierAutoConfirm}, "supplier-auto-confirm", "SUPPLIER_AUTO_CONFIRM", "confirm procurements this long after creation on the tenant clock, 0 never")
	if err := f.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "mockserver mcp: %v\n", err)
		return 2
	}
	if world != "" && !httpapi.TenantPattern.MatchString(world) {
		fmt.Fprintf(stderr, "mockserver mcp: --world %q: a world name is 1 to 64 characters of a-z, 0-9, _ and -\n", world)
		return 2
	}

	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if logFormat == "json" {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	slog.SetDefault(log)
	cfg.Logger = log

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	a, err := app.New(ctx, cfg)
	if err != nil {
		log.Error("start", "error", err)
		return 1
	}
	served := make(chan error, 1)
	go func() { served <- a.Run() }()
	// The session ends when the client closes stdin (once every request
	// read is answered), or on a signal.
	err = a.MCP().Run(ctx, world, mcpserver.Stdio(os.Stdin, os.Stdout))
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer scancel()
	if cerr := a.Close(sctx); cerr != nil && err == nil {
		err = cerr
	}
	if serr := <-served; serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		log.Error("mcp", "error", err)
		return 1
	}
	return 0
}
