package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
)

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	a, err := app.New(context.Background(), apptest.Config(func(c *app.Config) { c.Addr = "127.0.0.1:0"; c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) }))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
		<-done
	})
	up := strings.TrimPrefix(a.URL(), "http://")

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(failing.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"OK", []string{"healthcheck", "--addr", up}, 0},
		{"ErrNotHealthy", []string{"healthcheck", "--addr", strings.TrimPrefix(failing.URL, "http://")}, 1},
		{"ErrNoServer", []string{"healthcheck", "--addr", closed}, 1},
		{"ErrBadAddr", []string{"healthcheck", "--addr", "no-port"}, 2},
		{"ErrBadFlag", []string{"healthcheck", "--nope"}, 2},
		{"ErrExtraArg", []string{"healthcheck", "--addr", up, "extra"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := run(tc.args, &stderr); got != tc.want {
				t.Fatalf("exit %d, want %d (stderr: %s)", got, tc.want, stderr.String())
			}
		})
	}
}

// The port of an address on every interface is asked on loopback.
func TestHealthcheckUnspecifiedHost(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	for _, addr := range []string{":" + port, "0.0.0.0:" + port} {
		var stderr bytes.Buffer
		if got := run([]string{"healthcheck", "--addr", addr}, &stderr); got != 0 {
			t.Errorf("%s: exit %d (stderr: %s)", addr, got, stderr.String())
		}
	}
}
