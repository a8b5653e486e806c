package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/partifact/mockserver/internal/app"
)

// healthcheck asks a server on this machine for /readyz: exit status 0
// when it answers 200, 1 when it does not (the server is down, or its store
// is unreachable), 2 on bad usage. Container images without curl use it as
// their HEALTHCHECK.
func healthcheck(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("mockserver healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := app.DefaultConfig().Addr
	timeout := 3 * time.Second
	f := &flags{fs: fs}
	f.bind(stringValue{&addr}, "addr", "ADDR", "the server's listen address")
	fs.Var(positiveDuration{durationValue{&timeout}}, "timeout", "give up after this long")
	if err := f.parse(args); err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintf(stderr, "mockserver healthcheck: %v\n", err)
		}
		return 2
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		fmt.Fprintf(stderr, "mockserver healthcheck: bad address %q\n", addr)
		return 2
	}
	// A server listening on every interface is asked on loopback.
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/readyz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "mockserver healthcheck: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "mockserver healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "mockserver healthcheck: %s answered %s\n", url, resp.Status)
		return 1
	}
	return 0
}
