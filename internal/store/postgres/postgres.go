// Package postgres is the durable Store: every tenant's world lives in one
// Postgres database (a tenant column on every table), so several mock
// instances on one database behave as one. Each wire method is one
// database transaction. An instance keeps in memory only what changes
// seldom (a snapshot of each tenant's integrations, businesses and webhook
// endpoints, and whether it has faults), and trusts it only as far as
// every transaction's opening confirms it (cache.go, opening.go).
//
// Concurrency: a write transaction runs at READ COMMITTED and locks the rows
// it transitions (Job, JobByExternal, Procurement and SupplierProcurement lock
// the row they return), so two writers of one record run one after the other
// and the second sees the first's result. Records minted with deterministic
// ids (jobs, parts, procurements) collide on their primary key when two
// writers race to create them; the loser's insert reports store.ErrConflict
// and Update runs it again, now finding the winner's record. Every write
// transaction also holds its tenant's advisory lock shared, so resetting or
// dropping a tenant (which take it exclusively) waits for writes in flight,
// and writes never land in a world that has just been replaced.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	mockserver "github.com/partifact/mockserver"
	"github.com/partifact/mockserver/internal/store"
)

// Store is a Store on a pgx connection pool.
type Store struct {
	pool  *pgxpool.Pool
	cache *cache
	reads reads
	trims trims
	// txTimeout bounds each transaction (Options.TransactionTimeout).
	txTimeout time.Duration
	wake      chan struct{}
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	host      string
	database  string
}

var _ store.Store = (*Store)(nil)

// touchEvery is how stale a tenant's last_used may get before a request
// refreshes it: idle tenants are dropped after an hour or so, and writing
// the row on every request would make every request a write.
const touchEvery = 5 * time.Second

// maxAttempts bounds how often Update runs a function that lost a race.
const maxAttempts = 5

// notifyChannel is the LISTEN/NOTIFY channel of dispatcher wakeups.
const notifyChannel = "mockserver_outbox"

// Start-up defaults: Open tries DefaultConnectAttempts times, each bounded
// by DefaultConnectTimeout, waiting connectBackoffMin, doubling up to
// connectBackoffMax, in between: about 80 s in all when the host never
// answers, about 30 s when it refuses. A Postgres that comes up within that
// (compose starting both at once) is connected to when it does.
const (
	DefaultConnectTimeout  = 5 * time.Second
	DefaultConnectAttempts = 10
	connectBackoffMin      = 250 * time.Millisecond
	connectBackoffMax      = 5 * time.Second
)

// DefaultTransactionTimeout bounds one transaction, from taking a
// connection to its commit: a database that accepts connections and then
// stops answering fails the call instead of holding it for ever. No
// transaction of the mock takes a noticeable part of it.
const DefaultTransactionTimeout = 30 * time.Second

// Options is how Open reaches the database; zero values take the defaults.
type Options struct {
	// ConnectTimeout bounds each connection attempt (dial, TLS, start-up and
	// a ping), at start-up and whenever the pool opens a connection later,
	// unless the URL sets connect_timeout.
	ConnectTimeout time.Duration
	// ConnectAttempts is how often start-up tries before it gives up.
	ConnectAttempts int
	// Logger hears one line per failed attempt; nil: slog.Default().
	Logger *slog.Logger
	// TransactionTimeout bounds every View and Update
	// (DefaultTransactionTimeout).
	TransactionTimeout time.Duration
}

// Open connects to the database at url with the default Options.
func Open(ctx context.Context, url string) (*Store, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith connects to the database at url, retrying while it cannot be
// reached, applies pending migrations and starts listening for dispatcher
// wakeups.
func OpenWith(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.ConnectAttempts <= 0 {
		opts.ConnectAttempts = DefaultConnectAttempts
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.TransactionTimeout <= 0 {
		opts.TransactionTimeout = DefaultTransactionTimeout
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without one, a host that accepts the connection and never
		// answers holds start-up, and later every request, for ever.
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	if !strings.Contains(url, "pool_max_conns") && cfg.MaxConns < int32(4*runtime.GOMAXPROCS(0)) {
		// Requests spend most of their time waiting on the database; more
		// connections than cores keep the cores busy.
		cfg.MaxConns = int32(4 * runtime.GOMAXPROCS(0))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := connect(ctx, pool, cfg.ConnConfig, opts); err != nil {
		pool.Close()
		return nil, err
	}
	if err := migrate(ctx, stdlib.OpenDBFromPool(pool)); err != nil {
		pool.Close()
		return nil, err
	}
	// Subscribed before Open returns, so no kick after it is missed.
	conn, err := subscribe(ctx, cfg.ConnConfig)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: listen: %s", describe(err, cfg.ConnConfig.ConnectTimeout))
	}
	lctx, cancel := context.WithCancel(context.Background())
	s := &Store{pool: pool, cache: newCache(), txTimeout: opts.TransactionTimeout, wake: make(chan struct{}, 1), cancel: cancel,
		host: Host(cfg.ConnConfig), database: cfg.ConnConfig.Database}
	s.wg.Add(1)
	go s.listen(lctx, cfg.ConnConfig, conn)
	return s, nil
}

// connect pings the database until it answers, logging each failed
// attempt, and gives up after opts.ConnectAttempts, or at once on an error
// that waiting cannot mend (a wrong password, a database that does not
// exist).
func connect(ctx context.Context, pool *pgxpool.Pool, cc *pgx.ConnConfig, opts Options) error {
	host := Host(cc)
	wait := connectBackoffMin
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
		err := pool.Ping(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("postgres: start-up stopped while connecting to %s", host)
		}
		why := describe(err, opts.ConnectTimeout)
		if !transient(err) {
			return fmt.Errorf("postgres: cannot connect to %s (database %s): %s", host, cc.Database, why)
		}
		if attempt == opts.ConnectAttempts {
			return fmt.Errorf("postgres: cannot connect to %s (database %s) after %d attempts: %s", host, cc.Database, attempt, why)
		}
		opts.Logger.Warn("postgres: cannot connect yet", "host", host, "database", cc.Database,
			"attempt", attempt, "of", opts.ConnectAttempts, "error", why, "retry_in", wait)
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres: start-up stopped while connecting to %s", host)
		case <-time.After(wait):
		}
		wait = min(2*wait, connectBackoffMax)
	}
}

// Host names the server a connection config dials: host:port, or the unix
// socket's path. It never includes the user or the password.
func Host(cc *pgx.ConnConfig) string {
	if strings.HasPrefix(cc.Host, "/") {
		return fmt.Sprintf("%s/.s.PGSQL.%d", cc.Host, cc.Port)
	}
	return net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
}

// transient: the server may answer later (it is down, starting, full or
// unreachable); an answer it gave about the credentials or the database
// will not change by waiting.
func transient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "57P03" || pe.Code == "53300" || strings.HasPrefix(pe.Code, "08") // cannot_connect_now, too_many_connections, connection_exception
	}
	return true
}

// describe says on one line why a connection failed, without pgx's
// wrapping (which repeats the user and database, and lists every address
// tried on lines of their own).
func describe(err error, timeout time.Duration) string {
	var pe *pgconn.PgError
	var dns *net.DNSError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
		return fmt.Sprintf("no answer within %s", timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection"
	case errors.As(err, &dns):
		return "cannot resolve " + dns.Name
	}
	for {
		switch e := err.(type) {
		case interface{ Unwrap() error }:
			if inner := e.Unwrap(); inner != nil {
				err = inner
				continue
			}
		case interface{ Unwrap() []error }:
			if errs := e.Unwrap(); len(errs) > 0 {
				err = errs[len(errs)-1] // the last address tried
				continue
			}
		}
		return strings.Join(strings.Fields(err.Error()), " ")
	}
}

// Target names the server and database the store is connected to (never
// the credentials), for the start-up log.
func (s *Store) Target() (host, database string) { return s.host, s.database }

// Provider returns a goose provider of the embedded migrations on db. Its
// session lock (a Postgres advisory lock) lets several instances start at
// once: one migrates, the others wait and then find nothing to do.
func Provider(db *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(mockserver.Migrations, "migrations")
	if err != nil {
		return nil, err
	}
	// Waiters poll the lock every second (the default is five), for up to
	// two minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 120))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
}

// Migrate applies every pending migration to the database at url.
func Migrate(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return migrate(ctx, stdlib.OpenDB(*cfg))
}

// migrate applies the pending migrations on db and closes it.
func migrate(ctx context.Context, db *sql.DB) error {
	defer db.Close()
	p, err := Provider(db)
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Close stops the listener and closes the pool.
func (s *Store) Close() error {
	s.cancel()
	s.wg.Wait()
	s.pool.Close()
	return nil
}

func (s *Store) View(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	return s.run(ctx, tenant, false, false, fn)
}

// Update runs fn again when it lost a race: a conflict it reports itself, a
// unique violation, a serialization failure or a deadlock. When a
// statement sent later failed (see insert), fn runs again at once, eager,
// and that run does not count as an attempt: fn has not met the failure.
func (s *Store) Update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	eager := false
	for attempt := 1; ; attempt++ {
		err := s.run(ctx, tenant, true, eager, fn)
		if errors.Is(err, errLater) && !eager {
			eager, attempt = true, attempt-1
			continue
		}
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		// A short random pause lets the winner commit before the retry.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(rand.Int64N(int64(attempt) * int64(time.Millisecond)))):
		}
	}
}

func retryable(err error) bool {
	if errors.Is(err, store.ErrConflict) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505", "40001", "40P01": // unique_violation, serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}

// tenantLockClass is the advisory-lock namespace of tenant locks (the
// second key is the hash of the tenant's name). Write transactions hold
// their tenant's lock shared; resetting or dropping a tenant takes it
// exclusively, so it waits for the writes in flight and holds off new ones.
// Advisory locks live in memory: unlike a row lock on the tenants row they
// cost no write per transaction.
const tenantLockClass int32 = 0x6d6f636b // "mock"

// run is one transaction of tenant: a REPEATABLE READ snapshot (or one
// implicit transaction) for reads, READ COMMITTED with row locks for
// writes (opening.go tells how each opens). A tenant met for the first
// time is seeded, in its own transaction, and the transaction starts
// over; so does a read that trusted an out-of-date cache.
func (s *Store) run(ctx context.Context, tenant string, write, eager bool, fn func(store.Tx) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.txTimeout)
	defer cancel()
	// A transaction starts with what the instance keeps of the tenant
	// (read first if need be; a tenant met for the first time is seeded
	// then, before fn runs) and opens lazily. One that finds the snapshot
	// out of date runs again on one read anew; after a second time, it
	// opens first.
	seeded, lazy, stale := false, true, 0
	for {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		var snap *snapshot
		if lazy {
			if snap = s.cache.get(tenant); snap == nil {
				snap, err = s.cache.load(ctx, conn, tenant)
			}
			if errors.Is(err, errNoTenant) && !seeded {
				conn.Release()
				if err := s.seed(ctx, tenant); err != nil {
					return err
				}
				seeded = true
				continue
			}
			if err != nil {
				conn.Release()
				return err
			}
		}
		t := &tx{ctx: ctx, s: s, q: conn, tenant: tenant, write: write, eager: eager, lazy: lazy, snapshot: snap}
		if !lazy {
			err = t.open(true)
		}
		if err == nil {
			err = t.call(conn, fn)
		}
		if t.fail == nil && !t.opened && t.assumed {
			// What the read took from the cache is checked even when it
			// sent no statement.
			_ = t.open(false)
		}
		if t.fail != nil {
			err = t.fail
		}
		switch {
		case errors.Is(err, errNoTenant) && !seeded:
			t.rollback(conn)
			s.cache.forget(tenant) // dropped by another instance
			if err := s.seed(ctx, tenant); err != nil {
				return err
			}
			seeded = true
			continue
		case errors.Is(err, errStale) && lazy:
			t.rollback(conn)
			if stale++; stale == 2 {
				lazy = false
			}
			continue
		case err != nil:
			t.rollback(conn)
			return err
		}
		t.done = true
		if t.begun {
			if err := t.commit(); err != nil {
				if errors.Is(err, errLater) {
					t.rollback(conn) // the transaction failed: it is still open
				} else {
					conn.Release() // a connection left inside a transaction is closed, not reused
				}
				return err
			}
		}
		conn.Release()
		if t.wroteCached || t.faults && t.write {
			// This write changed the tenant's version, or may have
			// changed whether it has faults: the next transaction here
			// reads them anew rather than run on a snapshot out of date.
			s.cache.forget(tenant)
		}
		if t.opened && t.dbNow.Sub(t.lastUsed) > touchEvery {
			s.touch(ctx, tenant)
		}
		return nil
	}
}

// call runs fn; if fn does not return (a panic, or runtime.Goexit as a
// failed test's t.Fatal), the transaction is rolled back and its
// connection released on the way out, so the tenant's lock is freed and
// the pool keeps its connection count (Close waits for every connection).
func (t *tx) call(conn *pgxpool.Conn, fn func(store.Tx) error) error {
	returned := false
	defer func() {
		if !returned {
			t.rollback(conn)
		}
	}()
	err := fn(t)
	returned = true
	return err
}

// rollback ends the transaction and releases its connection, also when
// the call's context is gone (a connection whose ROLLBACK failed is closed
// on release, not reused). A transaction that began none has nothing to
// roll back.
func (t *tx) rollback(conn *pgxpool.Conn) {
	t.done = true
	if t.begun {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 5*time.Second)
		defer cancel()
		_, _ = conn.Exec(ctx, `ROLLBACK`)
	}
	conn.Release()
}

// touch records that the tenant was used. Failing to is harmless (at worst
// an idle tenant is dropped and seeded again), so errors are ignored.
func (s *Store) touch(ctx context.Context, tenant string) {
	_, _ = s.pool.Exec(ctx, `UPDATE tenants SET last_used = now() WHERE tenant = $1 AND last_used < now() - $2 * interval '1 microsecond'`,
		tenant, touchEvery.Microseconds())
}

// ensure seeds the tenant if it does not exist (for calls that work outside
// a tenant transaction) and refreshes its last use.
func (s *Store) ensure(ctx context.Context, tenant string) error {
	var stale bool
	err := s.pool.QueryRow(ctx, `SELECT last_used < now() - $2 * interval '1 microsecond' FROM tenants WHERE tenant = $1`,
		tenant, touchEvery.Microseconds()).Scan(&stale)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.seed(ctx, tenant)
	}
	if err != nil {
		return err
	}
	if stale {
		s.touch(ctx, tenant)
	}
	return nil
}

// tables holds every table with a tenant column except tenants itself.
var tables = []string{
	"organizations", "businesses", "integrations", "clients", "access_codes", "work_providers",
	"vehicles", "catalogue", "jobs", "parts", "procurements", "events", "endpoints",
	"deliveries", "attempts", "sink_records", "faults", "journal", "coverage",
	"servicemobility_config", "servicemobility_checks",
	"partage_companies", "partage_quotes", "partage_counters",
	"listeners", "listened",
}

// clear deletes everything a tenant owns except its tenants row.
func clear(ctx context.Context, q pgx.Tx, tenants []string) error {
	b := &pgx.Batch{}
	for _, t := range tables {
		b.Queue(`DELETE FROM `+t+` WHERE tenant = ANY($1)`, tenants)
	}
	return q.SendBatch(ctx, b).Close()
}

// seed creates the tenant in one transaction. Two instances seeding one
// tenant at once both insert its tenants row; the second insert waits for
// the first transaction and then does nothing, so the world is seeded once.
func (s *Store) seed(ctx context.Context, tenant string) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(q pgx.Tx) error {
		tag, err := q.Exec(ctx, `INSERT INTO tenants (tenant) VALUES ($1) ON CONFLICT DO NOTHING`, tenant)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		// Rows left by a write that raced a drop of this tenant go first.
		if err := clear(ctx, q, []string{tenant}); err != nil {
			return err
		}
		return insertSeed(ctx, q, tenant)
	})
}

// ResetTenant replaces the world in one transaction, under the tenant's
// exclusive lock.
func (s *Store) ResetTenant(ctx context.Context, tenant string) error {
	defer s.cache.forget(tenant)
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(q pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, tenantLockClass, tenant)
		b.Queue(`INSERT INTO tenants (tenant) VALUES ($1)
			ON CONFLICT (tenant) DO UPDATE SET clock_offset = 0, last_used = now(), sink_bytes = 0, sink_count = 0,
				version = nextval('tenant_versions')`, tenant)
		if err := q.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if err := clear(ctx, q, []string{tenant}); err != nil {
			return err
		}
		return insertSeed(ctx, q, tenant)
	})
}

// DropIdleTenants deletes, in one transaction, every tenant last used before
// before, with everything it owns.
func (s *Store) DropIdleTenants(ctx context.Context, before time.Time) ([]string, error) {
	var dropped []string
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(q pgx.Tx) error {
		rows, err := q.Query(ctx, `DELETE FROM tenants WHERE last_used < $1 RETURNING tenant`, before)
		if err != nil {
			return err
		}
		if dropped, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(dropped) == 0 {
			return err
		}
		// Wait for writes in flight (in name order, so two droppers cannot
		// deadlock), then delete what they wrote too.
		if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(t))
			FROM (SELECT unnest($2::text[]) AS t ORDER BY 1) names`, tenantLockClass, dropped); err != nil {
			return err
		}
		return clear(ctx, q, dropped)
	})
	if err != nil {
		return nil, err
	}
	s.cache.forget(dropped...)
	slices.Sort(dropped)
	return dropped, nil
}
