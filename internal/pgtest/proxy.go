package pgtest

import (
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Proxy is a TCP port on 127.0.0.1 in front of a test database, for tests
// of a Postgres that is not up yet or goes away. While down it accepts
// connections and closes them at once, as a host whose server has not
// started (or has died) does; while up it forwards them to the server.
type Proxy struct {
	ln     net.Listener
	target string // network address of the server: a unix socket path or host:port
	unix   bool
	url    string

	mu    sync.Mutex
	up    bool
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// NewProxy returns a proxy, down, for the database at dbURL (from New);
// the test's end closes it.
func NewProxy(tb testing.TB, dbURL string) *Proxy {
	tb.Helper()
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		tb.Fatalf("pgtest: proxy: %v", err)
	}
	p := &Proxy{conns: map[net.Conn]bool{}}
	if strings.HasPrefix(cfg.Host, "/") {
		p.unix, p.target = true, filepath.Join(cfg.Host, ".s.PGSQL."+strconv.Itoa(int(cfg.Port)))
	} else {
		p.target = net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	}
	if p.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		tb.Fatalf("pgtest: proxy: %v", err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("pgtest: proxy: %v", err)
	}
	q := u.Query()
	q.Del("host")
	q.Del("port")
	u.Host, u.RawQuery = p.ln.Addr().String(), q.Encode()
	p.url = u.String()
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.close)
	return p
}

// URL is the database's URL through the proxy.
func (p *Proxy) URL() string { return p.url }

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Up forwards connections from now on.
func (p *Proxy) Up() {
	p.mu.Lock()
	p.up = true
	p.mu.Unlock()
}

// Down cuts every forwarded connection and refuses new ones, as a server
// that was killed.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = false
	for c := range p.conns {
		_ = c.Close()
	}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		up := p.up
		if up {
			p.conns[c] = true
		}
		p.mu.Unlock()
		if !up {
			_ = c.Close()
			continue
		}
		p.wg.Add(1)
		go p.forward(c)
	}
}

func (p *Proxy) forward(c net.Conn) {
	defer p.wg.Done()
	network := "tcp"
	if p.unix {
		network = "unix"
	}
	s, err := net.Dial(network, p.target)
	if err == nil {
		p.mu.Lock()
		if p.up {
			p.conns[s] = true
		} else {
			_ = s.Close()
		}
		p.mu.Unlock()
		done := make(chan struct{}, 2)
		pipe := func(dst, src net.Conn) {
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			_ = src.Close()
			done <- struct{}{}
		}
		go pipe(s, c)
		go pipe(c, s)
		<-done
		<-done
	}
	_ = c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

func (p *Proxy) close() {
	_ = p.ln.Close()
	p.Down()
	p.wg.Wait()
}
