package main

// Tests of the built binary as separate processes on one Postgres database:
// crash durability (kill -9) and several instances behaving as one.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	mockserver "github.com/partifact/mockserver"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/postgres"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// The version and commit the test binary is stamped with.
const (
	testVersion = "v0.0.0-test"
	testCommit  = "0123456789abcdef"
)

// build compiles the mockserver once per test run, stamped as a release
// build is.
func build() {
	if binDir, binErr = os.MkdirTemp("", "mockserver-bin-"); binErr != nil {
		return
	}
	binPath = filepath.Join(binDir, "mockserver")
	ldflags := "-X github.com/partifact/mockserver/internal/version.Version=" + testVersion +
		" -X github.com/partifact/mockserver/internal/version.Commit=" + testCommit
	if out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", binPath, ".").CombinedOutput(); err != nil {
		binErr = fmt.Errorf("go build: %v: %s", err, out)
	}
}

// proc is a running mockserver process.
type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
	done chan struct{}
}

// syncBuffer is a buffer written by a process's or a command's goroutine
// and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingLine = regexp.MustCompile(`msg=serving url=(http://\S+)`)

// start runs the binary on the database and waits until it serves.
func start(t *testing.T, dbURL string, flags ...string) *proc {
	t.Helper()
	p, err := launch(t, dbURL, flags...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// launch is start for any goroutine: it reports failure as an error.
func launch(t *testing.T, dbURL string, flags ...string) (*proc, error) {
	binOnce.Do(build)
	if binErr != nil {
		return nil, binErr
	}
	cmd := exec.Command(binPath, append([]string{"--addr", "127.0.0.1:0", "--tenant-idle", "0"}, flags...)...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_FORMAT=text")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.logs, line)
			if m := servingLine.FindStringSubmatch(line); m != nil {
				urls <- m[1]
			}
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.url = <-urls:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("mockserver exited before serving:\n%s", p.logs)
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("mockserver did not serve within 60s:\n%s", p.logs)
	}
}

// kill9 kills the process without any chance to clean up.
func (p *proc) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// call posts a wire method as an integration of tenant; out may be nil.
func (p *proc) call(tenant string, key, integration, method string, body, out any) (int, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodPost, p.url+methods.PathPrefix+method, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Partly-Integration-ID", integration)
	req.Header.Set("x-partifact-tenant", tenant)
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode == http.StatusOK && out != nil {
		return resp.StatusCode, json.Unmarshal(data, out)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("%s: %d %s", method, resp.StatusCode, data)
	}
	return resp.StatusCode, nil
}

func (p *proc) repairer(tenant, method string, body, out any) (int, error) {
	return p.call(tenant, seed.RepairerAPIKey, seed.RepairerIntegrationID.String(), method, body, out)
}

func (p *proc) supplier(tenant, method string, body, out any) (int, error) {
	return p.call(tenant, seed.SupplierAPIKey, seed.SupplierIntegrationID.String(), method, body, out)
}

func openStore(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func jobInsert(ext string) map[string]any {
	return map[string]any{
		"data": map[string]any{"claim_number": "CLM-" + ext, "job_number": nil, "repairer_site_id": seed.AddingtonSiteID,
			"vehicle": nil, "work_provider_id": nil},
		"identity": map[string]any{"external": ext},
		"if_":      map[string]any{"exists": "update"},
	}
}

// order opens a job, adds a part and orders it from Christchurch Toyota,
// recording each write that was answered 200.
func order(p *proc, tenant, ext string, acked *ackLog) error {
	if _, err := p.repairer(tenant, "repairer.jobs.insert", jobInsert(ext), nil); err != nil {
		return err
	}
	acked.add("job", ext)
	job := map[string]any{"external": ext}
	if _, err := p.repairer(tenant, "repairer.jobs.parts.insert", map[string]any{"job": job, "parts": []map[string]any{
		{"description": "Front bumper cover", "part_number": seed.BumperCoverPN, "quantity": 1}}}, nil); err != nil {
		return err
	}
	acked.add("parts", ext)
	var basket methods.BasketV1
	if _, err := p.repairer(tenant, "repairer.jobs.baskets.latest.get", map[string]any{"job": job}, &basket); err != nil {
		return err
	}
	for _, o := range basket.Offers {
		if o.SupplierID == seed.ChristchurchToyotaID {
			var proc methods.ProcurementV1
			if _, err := p.repairer(tenant, "repairer.procurements.insert",
				map[string]any{"job": job, "offer_ids": []uuid.UUID{o.ID}}, &proc); err != nil {
				return err
			}
			acked.add("procurement", ext)
			return nil
		}
	}
	return fmt.Errorf("no Christchurch Toyota offer for %s", ext)
}

// ackLog is what the server acknowledged, by kind and external id.
type ackLog struct {
	mu   sync.Mutex
	acks map[string][]string
}

func (a *ackLog) add(kind, ext string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.acks[kind] = append(a.acks[kind], ext)
}

// TestKill9 writes through the binary on Postgres, kills it with SIGKILL
// mid-stream and starts it again: every write answered 200 is there, and no
// write is half there.
func TestKill9(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	first := start(t, db)
	const tenant = "durable"

	acked := &ackLog{acks: map[string][]string{}}
	var procurements atomic.Int64
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				if err := order(first, tenant, fmt.Sprintf("DUR-%d-%d", w, i), acked); err != nil {
					return // the server is gone
				}
				if procurements.Add(1) >= 12 {
					once.Do(func() { close(enough) })
				}
			}
		})
	}
	select {
	case <-enough:
	case <-time.After(2 * time.Minute):
		t.Fatalf("too few writes succeeded:\n%s", first.logs)
	}
	first.kill9(t) // writers are still writing
	wg.Wait()

	second := start(t, db)
	for kind, exts := range acked.acks {
		for _, ext := range exts {
			var job methods.JobV1
			if _, err := second.repairer(tenant, "repairer.jobs.get", map[string]any{"identity": map[string]any{"external": ext}}, &job); err != nil {
				t.Errorf("%s of %s was acknowledged but the job is gone: %v", kind, ext, err)
				continue
			}
			if kind == "procurement" && job.Status.Type != store.JobPartsOrdered {
				t.Errorf("procurement of %s was acknowledged but the job is %s", ext, job.Status.Type)
			}
		}
	}

	// Nothing half-written: a job has a procurement exactly when its parts
	// are ordered and it is parts_ordered, with the two events of the order.
	partsAcked := map[string]bool{}
	for _, ext := range acked.acks["parts"] {
		partsAcked[ext] = true
	}
	s := openStore(t, db)
	err := s.View(context.Background(), tenant, func(tx store.Tx) error {
		jobs, err := tx.Jobs(seed.RepairerOrgID, store.JobFilter{})
		if err != nil {
			return err
		}
		ordered := 0
		for _, j := range jobs {
			if j.ID == seed.DemoJobID {
				continue
			}
			n, err := tx.JobProcurementCount(j.ID)
			if err != nil {
				return err
			}
			parts, err := tx.Parts(j.ID)
			if err != nil {
				return err
			}
			if partsAcked[*j.ExternalID] && len(parts) != 1 {
				t.Errorf("parts of %s were acknowledged; stored: %+v", *j.ExternalID, parts)
			}
			partsOrdered := len(parts) == 1 && parts[0].Status == store.PartOrdered
			if (n == 1) != partsOrdered || (n == 1) != (j.Status == store.JobPartsOrdered) || n > 1 {
				t.Errorf("job %s: %d procurements, parts %+v, status %s", *j.ExternalID, n, parts, j.Status)
			}
			ordered += n
		}
		events, err := tx.Events()
		if err != nil {
			return err
		}
		inserted, requested := 0, 0
		for _, e := range events {
			switch e.Type {
			case "repairer.job.inserted":
				inserted++
			case "repairer.procurement.order_requested", "supplier.procurement.order_requested":
				requested++
			}
		}
		if inserted != len(jobs)-1 || requested != 2*ordered {
			t.Errorf("events: %d job.inserted for %d jobs, %d order_requested for %d procurements",
				inserted, len(jobs)-1, requested, ordered)
		}
		if ordered < len(acked.acks["procurement"]) {
			t.Errorf("%d procurements stored, %d acknowledged", ordered, len(acked.acks["procurement"]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestInstances runs two processes on one new database: they migrate it
// together (once), and a write through one is read through the other at
// once, as is a reset and a race between them.
func TestInstances(t *testing.T) {
	t.Parallel()
	db := pgtest.NewEmpty(t)
	var a, b *proc
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { a, errA = launch(t, db) })
	wg.Go(func() { b, errB = launch(t, db) })
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("start: %v; %v", errA, errB)
	}
	s := openStore(t, db) // finds nothing left to migrate
	const tenant = "shared"

	var job methods.JobV1
	if _, err := a.repairer(tenant, "repairer.jobs.insert", jobInsert("MULTI-1"), &job); err != nil {
		t.Fatal(err)
	}
	var read methods.JobV1
	if _, err := b.repairer(tenant, "repairer.jobs.get", map[string]any{"identity": map[string]any{"id": job.ID}}, &read); err != nil {
		t.Fatalf("written through one instance, not read through the other: %v", err)
	}

	// Two confirms of one procurement, one per instance: one transition.
	acked := &ackLog{acks: map[string][]string{}}
	if err := order(a, tenant, "MULTI-2", acked); err != nil {
		t.Fatal(err)
	}
	var procID uuid.UUID
	err := s.View(context.Background(), tenant, func(tx store.Tx) error {
		ps, err := tx.SupplierProcurements(seed.ChristchurchToyotaO, store.ProcurementOrderRequested)
		if len(ps) == 1 {
			procID = ps[0].ID
		}
		return err
	})
	if err != nil || procID == uuid.Nil {
		t.Fatalf("procurement: %v", err)
	}
	var confirms sync.WaitGroup
	var confirmed [2]methods.ProcurementV1
	for i, p := range []*proc{a, b} {
		confirms.Go(func() {
			if _, err := p.supplier(tenant, "supplier.procurements.confirm", map[string]any{"id": procID}, &confirmed[i]); err != nil {
				t.Error(err)
			}
		})
	}
	confirms.Wait()
	if *confirmed[0].ConfirmedAt != *confirmed[1].ConfirmedAt {
		t.Errorf("two confirmations: %s and %s", *confirmed[0].ConfirmedAt, *confirmed[1].ConfirmedAt)
	}
	err = s.View(context.Background(), tenant, func(tx store.Tx) error {
		events, err := tx.Events()
		n := 0
		for _, e := range events {
			if e.Type == "supplier.procurement.order_confirmed" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d order_confirmed events, want 1", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// A reset through one instance is seen by both at once.
	if err := a.post(tenant, "/__reset", nil); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*proc{"a": a, "b": b} {
		status, _ := p.repairer(tenant, "repairer.jobs.get", map[string]any{"identity": map[string]any{"id": job.ID}}, nil)
		if status != http.StatusNotFound {
			t.Errorf("instance %s after reset: status %d, want 404", name, status)
		}
	}

	// Both ran the migrations at start-up; each version was applied once.
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var applied, distinct int
	if err := conn.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(mockserver.Migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) || distinct != len(files) {
		t.Errorf("%d migration rows (%d versions), want %d", applied, distinct, len(files))
	}
}

// TestGCPercent: the binary runs its collector at defaultGCPercent unless
// GOGC says otherwise, as /metrics shows.
func TestGCPercent(t *testing.T) {
	for _, c := range []struct{ gogc, want string }{{"", "200"}, {"150", "150"}} {
		t.Setenv("GOGC", c.gogc)
		p := start(t, "")
		resp, err := http.Get(p.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !regexp.MustCompile(`(?m)^go_gc_gogc_percent ` + c.want + `$`).Match(b) {
			t.Errorf("GOGC=%q: want go_gc_gogc_percent %s in /metrics", c.gogc, c.want)
		}
	}
}
