package postgres_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/postgres"
)

// TestTransactionTimeout: a database that stops answering mid-way fails
// the call at the transaction timeout instead of holding it for ever, and
// once it answers again, calls work.
func TestTransactionTimeout(t *testing.T) {
	t.Parallel()
	url := pgtest.New(t)
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	target := cc.Host
	network := "tcp"
	if filepath.IsAbs(target) { // the throwaway server's unix socket
		network, target = "unix", filepath.Join(target, fmt.Sprintf(".s.PGSQL.%d", cc.Port))
	} else {
		target = net.JoinHostPort(target, fmt.Sprint(cc.Port))
	}
	var silent atomic.Bool // the proxy swallows what the client sends
	var mu sync.Mutex
	var conns []net.Conn // to reset when the database comes back
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if silent.Load() {
				c.Close() // pgx's cancel request of the stuck call, say
				continue
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() {
				defer c.Close()
				s, err := net.Dial(network, target)
				if err != nil {
					return
				}
				defer s.Close()
				go func() {
					_, _ = io.Copy(c, s)
					c.Close() // the server hung up: so does the proxy
				}()
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					if !silent.Load() {
						if _, err := s.Write(buf[:n]); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	proxied := fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", cc.User, ln.Addr(), cc.Database)
	s, err := postgres.OpenWith(context.Background(), proxied, postgres.Options{TransactionTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	read := func() error {
		return s.View(ctx, "timeout", func(tx store.Tx) error {
			_, err := tx.Organizations(store.RoleSupplier)
			return err
		})
	}
	if err := read(); err != nil {
		t.Fatal(err)
	}
	silent.Store(true)
	done := make(chan error, 1)
	go func() { done <- read() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a read answered while the database was silent")
		}
	case <-time.After(time.Minute): // far past the timeout: the call hangs
		t.Fatal("a read is still waiting for a silent database")
	}
	// The database comes back as one restarted would: the connections of
	// before are gone.
	mu.Lock()
	for _, c := range conns {
		c.Close()
	}
	mu.Unlock()
	silent.Store(false)
	if err := read(); err != nil {
		t.Fatalf("after the database answers again: %v", err)
	}
}
