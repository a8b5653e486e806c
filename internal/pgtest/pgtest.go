// Package pgtest gives tests a real, throwaway Postgres without Docker.
//
// TEST_DATABASE_URL names a server to use. Otherwise the package finds the
// PostgreSQL binaries (PATH, then /usr/lib/postgresql/*/bin), initialises a
// cluster in a temporary directory and starts it on a unix socket with
// durability switched off (tests do not survive power cuts anyway). initdb
// refuses to run as root, so as root the binaries run as the postgres user.
//
// One server serves the whole test binary: the schema is migrated once into a
// template database and every test gets a copy (CREATE DATABASE … TEMPLATE),
// which takes tens of milliseconds. A package that uses pgtest calls Main
// from its TestMain so that the server stops when the tests end.
//
// Without binaries the tests skip, unless REQUIRE_POSTGRES=1 (as in CI):
// then they fail.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partifact/mockserver/internal/store/postgres"
)

// Main runs the tests, then stops the server if one was started.
func Main(m *testing.M) int {
	code := m.Run()
	srv.stop()
	return code
}

// New returns the URL of a fresh database migrated to the latest schema.
func New(tb testing.TB) string {
	tb.Helper()
	s := get(tb)
	return s.create(tb, s.template)
}

// NewEmpty returns the URL of a fresh database without any schema.
func NewEmpty(tb testing.TB) string {
	tb.Helper()
	s := get(tb)
	return s.create(tb, "template0")
}

type server struct {
	once     sync.Once
	err      error
	skip     string
	base     *url.URL // the server, database part to be replaced
	template string
	cmd      *exec.Cmd
	dir      string
	exited   chan struct{}
	mu       sync.Mutex // CREATE DATABASE from one template, one at a time
	n        atomic.Int64
	external bool
}

var srv = &server{}

func get(tb testing.TB) *server {
	tb.Helper()
	srv.once.Do(srv.start)
	if srv.skip != "" {
		if os.Getenv("REQUIRE_POSTGRES") == "1" {
			tb.Fatalf("pgtest: REQUIRE_POSTGRES=1 but %s", srv.skip)
		}
		tb.Skipf("pgtest: %s (set TEST_DATABASE_URL or install PostgreSQL)", srv.skip)
	}
	if srv.err != nil {
		tb.Fatalf("pgtest: %v", srv.err)
	}
	return srv
}

func (s *server) start() {
	s.template = fmt.Sprintf("mockserver_template_%d", os.Getpid())
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		s.external = true
		s.base, s.err = url.Parse(u)
	} else {
		s.err = s.startLocal()
	}
	if s.err == nil && s.skip == "" {
		s.err = s.makeTemplate()
	}
}

// binDir finds the directory holding initdb and postgres.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- { // the newest version first
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errors.New("no PostgreSQL binaries (initdb, postgres) found")
}

// runAs returns the credential to run the binaries with: the postgres user
// when we are root (created if missing), else ourselves.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("create the postgres user: %v: %s", err, out)
		}
		if u, err = user.Lookup("postgres"); err != nil {
			return nil, err
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *server) startLocal() error {
	bin, err := binDir()
	if err != nil {
		s.skip = err.Error()
		return nil
	}
	cred, err := runAs()
	if err != nil {
		return err
	}
	if s.dir, err = os.MkdirTemp("", "pgtest-"); err != nil {
		return err
	}
	if cred != nil {
		if err := os.Chown(s.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	data := filepath.Join(s.dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "--no-sync", "-A", "trust", "-U", "postgres", "-E", "UTF8", "-D", data)
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, out)
	}
	log, err := os.Create(filepath.Join(s.dir, "postgres.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", s.dir, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=32MB")
	s.cmd.Stdout, s.cmd.Stderr = log, log
	// Pdeathsig: a test binary that dies without running Main takes its
	// server with it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.exited = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	s.base = &url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {s.dir}, "sslmode": {"disable"}}.Encode()}

	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.base.String())
		cancel()
		if err == nil {
			return conn.Close(context.Background())
		}
		select {
		case <-s.exited:
			out, _ := os.ReadFile(log.Name())
			return fmt.Errorf("postgres exited: %s", out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 30s: %v", err)
		}
	}
}

// URL names a database of the server.
func (s *server) URL(db string) string {
	u := *s.base
	u.Path = "/" + db
	return u.String()
}

func (s *server) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.URL(strings.TrimPrefix(s.base.Path, "/")))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func (s *server) makeTemplate() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.admin(ctx, "CREATE DATABASE "+s.template); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	if err := postgres.Migrate(ctx, s.URL(s.template)); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	return nil
}

func (s *server) create(tb testing.TB, template string) string {
	tb.Helper()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), s.n.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.mu.Lock()
	err := s.admin(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template))
	s.mu.Unlock()
	if err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	if s.external {
		tb.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := s.admin(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
				tb.Logf("pgtest: drop %s: %v", name, err)
			}
		})
	}
	return s.URL(name)
}

func (s *server) stop() {
	if s.external && s.err == nil && s.base != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = s.admin(ctx, "DROP DATABASE IF EXISTS "+s.template+" WITH (FORCE)")
	}
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}
