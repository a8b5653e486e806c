// Command mockserver serves mocks of the collision-repair parts supply
// chain's APIs (today the Partly 2026-01 Integrations API) on a seeded,
// stateful world. With no configuration it keeps everything in memory.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/logx"
	"github.com/partifact/mockserver/internal/version"
)

func main() {
	setGCPercent()
	os.Exit(run(os.Args[1:], os.Stderr))
}

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// The server's live heap is small (tens of MB) and every call allocates a
// few KB, so at Go's default of 100 the collector runs many times a
// second; at 200 it runs half as often, for a heap that may grow to three
// times the live one instead of two. docs/benchmarks.md has the figures.
const defaultGCPercent = 200

// setGCPercent applies defaultGCPercent unless GOGC says otherwise (Go
// reads GOGC itself). Only the binary does: a test suite that runs the
// server in its own process (the sandbox package) keeps its settings.
func setGCPercent() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}

// commands are the subcommands besides serving (which needs none).
var commands = map[string]func(args []string, stderr io.Writer) int{
	"healthcheck": healthcheck,
	"trigger":     triggerCommand,
	"listen":      listenCommand,
	"mcp":         mcpCommand,
}

const usage = `usage: mockserver [flags]
       mockserver healthcheck [--addr ADDR]
       mockserver trigger <event> [flags]   (mockserver trigger --help lists the events)
       mockserver listen --forward-to URL [flags]
       mockserver mcp [flags]   (MCP over stdio; mockserver mcp --help)
       mockserver --version [flags]

Serves the mock APIs. Every flag can also be set by the environment
variable named beside it; a flag given wins over its variable. Flags:
`

// serveFlags binds the server's flags to cfg, each with its environment
// variable.
func serveFlags(cfg *app.Config, logFormat *string, showVersion *bool, stderr io.Writer) *flags {
	fs := flag.NewFlagSet("mockserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	f := &flags{fs: fs}
	fs.BoolVar(showVersion, "version", false, "print the build's version and exit")
	f.bind(stringValue{&cfg.Addr}, "addr", "ADDR", "listen address")
	f.bind(stringValue{&cfg.DatabaseURL}, "database-url", "DATABASE_URL", "Postgres URL; empty keeps state in memory")
	f.bind(positiveDuration{durationValue{&cfg.DatabaseConnectTimeout}}, "database-connect-timeout", "DATABASE_CONNECT_TIMEOUT", "how long one attempt to reach Postgres may take (also every later connection)")
	f.bind(positiveInt{intValue{&cfg.DatabaseConnectAttempts}}, "database-connect-attempts", "DATABASE_CONNECT_ATTEMPTS", "attempts to reach Postgres at start-up before giving up, with backoff between them")
	f.bind(positiveDuration{durationValue{&cfg.DatabaseTransactionTimeout}}, "database-transaction-timeout", "DATABASE_TRANSACTION_TIMEOUT", "how long one Postgres transaction may take before its call fails (a database that stopped answering)")
	f.bind(positiveDuration{durationValue{&cfg.WriteTimeout}}, "write-timeout", "WRITE_TIMEOUT", "how long writing one answer may take, from its first byte")
	f.bind(durationValue{&cfg.TenantIdle}, "tenant-idle", "TENANT_IDLE", "drop a tenant's world after this long unused, 0 never")
	f.bind(choiceValue{logFormat, []string{"text", "json"}}, "log-format", "LOG_FORMAT", "log format: text or json")
	f.bind(backoffValue{&cfg.WebhookBackoff}, "webhook-backoff", "WEBHOOK_BACKOFF", "waits between webhook attempts, on the tenant's clock; the last repeats up to 8 attempts")
	f.bind(listValue{&cfg.WebhookAllowHosts}, "webhook-allow-host", "WEBHOOK_ALLOW_HOST", "comma-separated host names webhooks may go to besides loopback, e.g. compose services")
	f.bind(positiveDuration{durationValue{&cfg.WebhookPoll}}, "webhook-poll", "WEBHOOK_POLL", "how often the webhook dispatcher looks for due deliveries without a wakeup")
	f.bind(positiveDuration{durationValue{&cfg.WebhookTimeout}}, "webhook-timeout", "WEBHOOK_TIMEOUT", "how long one webhook attempt may take")
	f.bind(positiveInt{intValue{&cfg.WebhookConcurrency}}, "webhook-concurrency", "WEBHOOK_CONCURRENCY", "webhook deliveries in flight at once")
	f.bind(positiveInt{intValue{&cfg.WebhookPerTenant}}, "webhook-per-tenant", "WEBHOOK_PER_TENANT", "of them, at most this many of one world")
	f.bind(positiveInt{intValue{&cfg.WebhookPerEndpoint}}, "webhook-per-endpoint", "WEBHOOK_PER_ENDPOINT", "of them, at most this many to one endpoint")
	f.bind(positiveInt{intValue{&cfg.WebhookBreakerTimeouts}}, "webhook-breaker-timeouts", "WEBHOOK_BREAKER_TIMEOUTS", "timeouts in a row that hold an endpoint back")
	f.bind(positiveDuration{durationValue{&cfg.WebhookBreakerCooldown}}, "webhook-breaker-cooldown", "WEBHOOK_BREAKER_COOLDOWN", "how long an endpoint is held back")
	f.bind(positiveInt{intValue{&cfg.WebhookMaxEndpoints}}, "webhook-max-endpoints", "WEBHOOK_MAX_ENDPOINTS", "webhook endpoints an integration may subscribe")
	f.bind(positiveInt{intValue{&cfg.SinkMaxRecords}}, "sink-max-records", "SINK_MAX_RECORDS", "records the built-in webhook sink keeps per world (the newest)")
	f.bind(positiveInt{intValue{&cfg.SinkMaxBytes}}, "sink-max-bytes", "SINK_MAX_BYTES", "bytes of bodies and headers the sink keeps per world")
	f.bind(boolValue{&cfg.NoSandboxRoutes, true}, "sandbox-routes", "SANDBOX_ROUTES", "serve the /__ sandbox controls; false shows only the contracts")
	f.bind(stringValue{&cfg.SandboxToken}, "sandbox-token", "SANDBOX_TOKEN", "when set, the /__ sandbox routes require this token (header x-sandbox-token or Authorization: Bearer); for shared deployments")
	f.bind(intValue{&cfg.JournalSize}, "journal-size", "JOURNAL_SIZE", "calls kept in each tenant's /__journal, 0 none")
	f.bind(positiveInt{intValue{&cfg.MaxFaults}}, "max-faults", "MAX_FAULTS", "faults a world may have set at once")
	f.bind(durationValue{&cfg.SupplierAutoConfirm}, "supplier-auto-confirm", "SUPPLIER_AUTO_CONFIRM", "confirm procurements this long after creation on the tenant clock, 0 never")
	f.bind(stringValue{&cfg.ServiceMobilitySecret}, "servicemobility-secret", "SERVICEMOBILITY_SECRET", "HS256 secret of the ServiceMobility stand-in's tokens (the demo secret by default, printed at start-up; one of your own is not printed)")
	f.bind(positiveDuration{durationValue{&cfg.ServiceMobilityTimeout}}, "servicemobility-timeout", "SERVICEMOBILITY_TIMEOUT", "how long the ServiceMobility stand-in waits for the implementer's whole answer")
	f.bind(intValue{&cfg.MCPMaxSessions}, "mcp-max-sessions", "MCP_MAX_SESSIONS", "MCP sessions open at once at /mcp, 0 none")
	f.bind(durationValue{&cfg.MCPSessionIdle}, "mcp-session-idle", "MCP_SESSION_IDLE", "close an MCP session after this long without a request, 0 never")
	return f
}

func run(args []string, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, ok := commands[args[0]]
		if !ok {
			fmt.Fprintf(stderr, "mockserver: unknown command %q (the commands are: %s; run with no command to serve)\n", args[0], strings.Join(slices.Sorted(maps.Keys(commands)), ", "))
			return 2
		}
		return cmd(args[1:], stderr)
	}
	// --version answers among any other flags, whatever the environment
	// holds: the arguments alone are read for it first.
	var showVersion bool
	if probe := serveFlags(&app.Config{}, new(string), &showVersion, io.Discard); probe.fs.Parse(args) == nil && showVersion {
		fmt.Println(version.Get())
		return 0
	}
	cfg := app.DefaultConfig()
	logFormat := "text"
	f := serveFlags(&cfg, &logFormat, &showVersion, stderr)
	if err := f.parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintf(stderr, "mockserver: %v\n", err)
		return 2
	}

	// The log goes out in batches (every 100 ms, or a full buffer): a
	// line per request would otherwise cost a write per request.
	logs := logx.NewBuffered(stderr, 0)
	defer logs.Close()
	var h slog.Handler = slog.NewTextHandler(logs, nil)
	if logFormat == "json" {
		h = slog.NewJSONHandler(logs, nil)
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
