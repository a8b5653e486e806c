package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/sandboxclient"
)

// The client commands (trigger, listen) talk to a running server, in one
// world, named by flags bound to environment variables as the server's
// own flags are.

// triggerCommand and listenCommand are the commands' entries in the
// command table: their output goes to the process's stdout, and listen
// runs until interrupted.
func triggerCommand(args []string, stderr io.Writer) int {
	return trigger(context.Background(), args, os.Stdout, stderr)
}

func listenCommand(args []string, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return listen(ctx, args, os.Stdout, stderr)
}

// remote is the server a client command talks to, and its world.
type remote struct {
	url    string
	tenant string
	token  string
}

func (r *remote) bind(f *flags) {
	r.url = "http://localhost:8080"
	f.bind(urlValue{p: &r.url}, "url", "MOCKSERVER_URL", "the server's base URL")
	f.bind(tenantValue{&r.tenant}, "tenant", "MOCKSERVER_TENANT", "the world (tenant) to work in; empty: the shared world")
	f.bind(stringValue{&r.token}, "sandbox-token", "MOCKSERVER_SANDBOX_TOKEN", "the server's sandbox token, when it runs with --sandbox-token")
}

// client calls the server; each call is bounded by its context.
func (r *remote) client() *sandboxclient.Client {
	return &sandboxclient.Client{BaseURL: r.url, Tenant: r.tenant, Token: r.token, HTTP: &http.Client{}}
}

// world names the world for people.
func (r *remote) world() string {
	if r.tenant == "" {
		return "the shared world"
	}
	return fmt.Sprintf("world %q", r.tenant)
}

// clientFlags is a flag set for a client command: it prints nothing
// itself (the command reports errors and usage in one way).
func clientFlags(name string) *flags {
	fs := flag.NewFlagSet("mockserver "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{fs: fs}
}

// parseArgs reads the environment, then flags and positional arguments in
// any order ("clock.advance 2h --tenant t" and "--tenant t clock.advance
// 2h"). Anything wrong is a usageError; -h is flag.ErrHelp.
func (f *flags) parseArgs(args []string) ([]string, error) {
	for _, e := range f.env {
		if v, ok := os.LookupEnv(e.variable); ok {
			if err := e.value.Set(v); err != nil {
				return nil, usagef("%s=%q: %v", e.variable, v, err)
			}
		}
	}
	var pos []string
	for {
		if err := f.fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, err
		} else if err != nil {
			return nil, usageError{err.Error()}
		}
		if args = f.fs.Args(); len(args) == 0 {
			return pos, nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// usageError is bad usage: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exit reports err for a command and says which status to exit with.
func exit(stderr io.Writer, name string, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "mockserver %s: %v\n", name, err)
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintf(stderr, "run 'mockserver %s --help' for its usage\n", name)
		return 2
	}
	return 1
}

// urlValue is an absolute http or https URL; example shows one in the
// error ("http://localhost:8080" when empty).
type urlValue struct {
	p       *string
	example string
}

func (v urlValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v urlValue) Set(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		example := v.example
		if example == "" {
			example = "http://localhost:8080"
		}
		return fmt.Errorf("want an absolute http or https URL like %s", example)
	}
	*v.p = s
	return nil
}

type tenantValue struct{ p *string }

func (v tenantValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v tenantValue) Set(s string) error {
	if s != "" && !httpapi.TenantPattern.MatchString(s) {
		return fmt.Errorf("want a tenant name of 1 to 64 characters of a-z, 0-9, _ and -")
	}
	*v.p = s
	return nil
}
