package postgres

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A transaction's opening is its first round trip: BEGIN (for writes also
// the tenant's lock), then the tenant's row: the database's time, the
// tenant's clock, its version and whether it has faults. No tenant row
// means the tenant is to be seeded.
//
// A write opens at once. A read opens lazily: what it asks before its
// first statement may come from the instance's cache (a caller's
// integration, whether the tenant has faults), and the opening goes out in
// one batch with that first statement. When the opening shows that what
// was taken from the cache is out of date, the read runs again, opening
// first. A read that sends one statement needs no transaction at all: the
// batch is one implicit transaction, so such a read is one round trip.
// Reads that send more run in a REPEATABLE READ transaction, so that they
// see one snapshot; which first statements lead to more is learned (see
// reads), and the first read of each such kind runs its later statements
// in a transaction begun after the first.

var (
	// errStale ends a read that used what was kept at another version.
	errStale = errors.New("postgres: the instance's cache of the tenant was out of date")
	// errNoTenant ends a transaction of a tenant that is not seeded yet.
	errNoTenant = errors.New("postgres: the tenant does not exist")
	// errReadOnly refuses a write in a read transaction.
	errReadOnly = errors.New("postgres: a read-only transaction cannot write")
)

const (
	beginWrite = `BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE`
	beginRead  = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`
	lockShared = `SELECT pg_advisory_xact_lock_shared($1, hashtext($2))`
	tenantRow  = `SELECT now(), clock_offset, last_used, version,
			EXISTS (SELECT 1 FROM faults WHERE faults.tenant = $1 AND remaining <> 0)
		FROM tenants WHERE tenant = $1`
)

// queueOpening queues the opening: in a transaction begun here (begin), or
// as the start of an implicit one.
func (t *tx) queueOpening(b *pgx.Batch, begin bool) {
	switch {
	case t.write:
		b.Queue(beginWrite)
		b.Queue(lockShared, tenantLockClass, t.tenant)
	case begin:
		b.Queue(beginRead)
	}
	b.Queue(tenantRow, t.tenant)
}

// readOpening reads the opening's results from br and checks what the
// transaction took from the cache before it.
func (t *tx) readOpening(br pgx.BatchResults, begin bool) error {
	n := 0
	switch {
	case t.write:
		n = 2
	case begin:
		n = 1
	}
	for range n {
		if _, err := br.Exec(); err != nil {
			return t.failWith(err)
		}
	}
	t.begun = n > 0 // from here a rollback has a transaction to end
	var offset int64
	err := br.QueryRow().Scan(&t.dbNow, &offset, &t.lastUsed, &t.version, &t.faults)
	if errors.Is(err, pgx.ErrNoRows) {
		return t.failWith(errNoTenant)
	}
	if err != nil {
		return t.failWith(err)
	}
	t.opened = true
	t.offset = time.Duration(offset)
	t.now = t.dbNow.Add(t.offset).UTC().Truncate(time.Microsecond)
	t.s.cache.opened(t.tenant, t.version, t.faults)
	if t.assumed && (t.snapshot.version != t.version || (t.assumedNoFaults && t.faults)) {
		return t.failWith(errStale)
	}
	return nil
}

// open sends the opening alone.
func (t *tx) open(begin bool) error {
	if t.fail != nil {
		return t.fail
	}
	b := &pgx.Batch{}
	t.queueOpening(b, begin)
	br := t.q.SendBatch(t.ctx, b)
	err := t.readOpening(br, begin)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = t.failWith(cerr)
	}
	return err
}

// ensureOpen opens a transaction that has not opened yet (a read asking
// for the tenant's clock before any statement).
func (t *tx) ensureOpen() {
	if !t.opened && t.fail == nil && !t.done {
		_ = t.open(true)
	}
}

func (t *tx) failWith(err error) error {
	if t.fail == nil {
		t.fail = err
	}
	return t.fail
}

// snap is the snapshot the transaction may read from now, or nil (ask
// the database): before its opening the one it started with (which the
// opening checks), after it the one kept at its version. A transaction
// that changed what snapshots hold reads it from the database.
func (t *tx) snap() *snapshot {
	switch {
	case t.fail != nil || t.wroteCached:
		return nil
	case !t.opened:
		if !t.lazy || t.snapshot == nil || !t.snapshot.complete() {
			return nil
		}
		t.assumed = true
		return t.snapshot
	}
	if s := t.s.cache.get(t.tenant); s != nil && s.version == t.version && s.complete() {
		return s
	}
	return nil
}

// results is where a statement's result is read: a batch's (pgx's), or
// the connection's for a statement sent alone (direct).
type results interface {
	Exec() (pgconn.CommandTag, error)
	Query() (pgx.Rows, error)
	QueryRow() pgx.Row
}

// direct sends one statement on its own, with pgx's own calls: one write
// to the connection where a batch takes two.
type direct struct {
	t    *tx
	sql  string
	args []any
}

func (d direct) Exec() (pgconn.CommandTag, error) { return d.t.q.Exec(d.t.ctx, d.sql, d.args...) }
func (d direct) Query() (pgx.Rows, error)         { return d.t.q.Query(d.t.ctx, d.sql, d.args...) }
func (d direct) QueryRow() pgx.Row                { return d.t.q.QueryRow(d.t.ctx, d.sql, d.args...) }

// do sends one statement, with the opening when the transaction has not
// opened yet, and lets read take its result.
func (t *tx) do(sql string, args []any, read func(br results) error) error {
	if t.fail != nil {
		return t.fail
	}
	if t.done {
		return errDone
	}
	if !t.write && writes(sql) {
		return errReadOnly
	}
	if t.opened && t.begun && len(t.later) == 0 {
		return read(direct{t, sql, t.args(args)})
	}
	b := &pgx.Batch{}
	opening, begin := !t.opened, false
	later := t.queueLater(b)
	switch {
	case opening:
		// A read whose first statement has led to more before begins a
		// transaction for them; any other needs none.
		begin = t.s.reads.many(sql)
		t.first = sql
		t.queueOpening(b, begin)
	case !t.begun:
		// The read's first statement ran in an implicit transaction: this
		// one needs a transaction, and reads starting so will begin one.
		t.s.reads.learn(t.first)
		b.Queue(beginRead)
		t.begun = true
	}
	b.Queue(sql, t.args(args)...)
	br := t.q.SendBatch(t.ctx, b)
	err := t.readLater(br, later)
	switch {
	case err != nil:
	case opening:
		err = t.readOpening(br, begin)
	case b.Len() == later+2: // BEGIN, then the statement
		_, err = br.Exec()
	}
	if err == nil {
		err = read(br)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// errLater wraps the failure of a statement sent later (see insert): the
// transaction is undone, and Update runs fn again, eager.
var errLater = errors.New("postgres: a statement sent later failed")

// deferrable says whether a statement whose only answer is an error may
// be sent later: in a write that has begun, unless it runs eager.
func (t *tx) deferrable() bool {
	return t.write && t.opened && t.begun && !t.eager && t.fail == nil && !t.done
}

// queueLater queues the statements held for later into b, and says how
// many.
func (t *tx) queueLater(b *pgx.Batch) int {
	n := len(t.later)
	for _, st := range t.later {
		b.Queue(st.sql, st.args...)
	}
	t.later = t.later[:0]
	return n
}

// readLater reads the results of the n statements queueLater queued; the
// first failure fails the transaction. Only a failure the database
// reported is errLater, which runs fn again: then the database has undone
// the transaction. A lost connection may have lost the answer to a COMMIT
// that took effect, so that failure is given as it is.
func (t *tx) readLater(br pgx.BatchResults, n int) error {
	for range n {
		if _, err := br.Exec(); err != nil {
			if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) {
				err = fmt.Errorf("%w: %w", errLater, err)
			}
			return t.failWith(err)
		}
	}
	return nil
}

// commit sends what was held for later with the COMMIT, in one round
// trip. A COMMIT of a transaction that failed answers ROLLBACK.
func (t *tx) commit() error {
	b := &pgx.Batch{}
	later := t.queueLater(b)
	if later == 0 {
		tag, err := t.q.Exec(t.ctx, `COMMIT`)
		return committed(tag, err)
	}
	b.Queue(`COMMIT`)
	br := t.q.SendBatch(t.ctx, b)
	err := t.readLater(br, later)
	if err == nil {
		err = committed(br.Exec())
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

func committed(tag pgconn.CommandTag, err error) error {
	if err == nil && tag.String() == "ROLLBACK" {
		err = errors.New("postgres: the transaction failed earlier and was rolled back")
	}
	return err
}

// writes says whether a statement changes rows (reads never send one).
func writes(sql string) bool {
	verb, _, _ := strings.Cut(strings.TrimSpace(sql), " ")
	switch strings.ToUpper(verb) {
	case "INSERT", "UPDATE", "DELETE":
		return true
	}
	return false
}

// reads learns which first statements of a read lead to more, so that
// those reads begin a transaction at once.
type reads struct {
	mu   sync.RWMutex
	more map[string]bool
}

// maxLearnedReads bounds what reads learns: statements are the code's own
// constants, a few hundred at most.
const maxLearnedReads = 1024

func (r *reads) many(first string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.more[first]
}

func (r *reads) learn(first string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.more == nil {
		r.more = map[string]bool{}
	}
	if len(r.more) < maxLearnedReads {
		r.more[first] = true
	}
}
