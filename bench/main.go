// Command bench measures the mock server against the limit of this machine
// and against other mock servers, and prints one table.
//
//	go run ./bench                       # every scenario, about 80 s with WireMock and Prism
//	go run ./bench -scenarios jobs.get -duration 10s
//
// Every server runs as its own process on 127.0.0.1; the load comes from this
// process. Scenarios:
//
//	startup    process start to the first 200 of repairer.jobs.get (memory,
//	           and Postgres when -database-url or DATABASE_URL is set)
//	jobs.get   the hot read with the demo repairer, against the mock, a bare
//	           net/http handler (the limit), WireMock and Prism
//	jobs.insert  a new repair job per call
//	lifecycle  every virtual user walks the README in a tenant of its own
//	tenants    create and use -tenants tenants, then read the server's RSS
//	webhooks   from the 200 of repairer.jobs.insert to delivery at a receiver
//	partage.quotes  Partage quote creation (POST /partage/api/quotes) taking
//	           turns with repairer.jobs.get on one mock, and their ratio
//	servicemobility.orders  parts orders to the ServiceMobility reference
//	           implementation, each for a new work order
//
// Write scenarios and the lifecycle run on the memory store, and on
// Postgres too when -database-url or DATABASE_URL is set.
//
// WireMock and Prism are used when bench/install-peers.sh installed them.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

var allScenarios = []string{"startup", "jobs.get", "jobs.insert", "lifecycle", "tenants", "webhooks", "partage.quotes", "servicemobility.orders"}

// harness holds the run's settings and the binaries it built.
type harness struct {
	root        string // the module's root directory
	tmp         string // binaries, logs, stub files
	peers       string // where install-peers.sh put WireMock and Prism
	duration    time.Duration
	warmup      time.Duration
	peerWarmup  time.Duration
	conns       int
	maxRequests int
	tenants     int
	starts      int
	webhooks    int
	databaseURL string

	mockBin, bareBin string
}

// row is one line of the table. res is nil for a skipped row.
type row struct {
	scenario, target string
	res              *result
	rss              int64 // bytes; 0: not measured
	note             string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	h := &harness{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scen := fs.String("scenarios", strings.Join(allScenarios, ","), "comma-separated scenarios to run: "+strings.Join(allScenarios, ", "))
	fs.DurationVar(&h.duration, "duration", 5*time.Second, "recorded time of each load run")
	fs.DurationVar(&h.warmup, "warmup", time.Second, "unrecorded warm-up before each load run")
	fs.DurationVar(&h.peerWarmup, "peer-warmup", 20*time.Second, "warm-up of WireMock and Prism, whose JIT compilers take that long to reach full speed")
	fs.IntVar(&h.conns, "conns", 32, "concurrent connections (virtual users)")
	fs.IntVar(&h.maxRequests, "requests", 0, "stop a load run after this many requests (0: only -duration bounds it)")
	fs.IntVar(&h.tenants, "tenants", 1000, "tenants the tenants scenario creates")
	fs.IntVar(&h.starts, "starts", 5, "process starts the startup scenario measures")
	fs.IntVar(&h.webhooks, "webhooks", 100, "deliveries the webhooks scenario waits for (also bounded by -duration)")
	fs.StringVar(&h.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "Postgres URL for the Postgres rows; empty skips them (env DATABASE_URL)")
	fs.StringVar(&h.peers, "peers", "", "directory of the installed peers (default: bench/.peers)")
	fs.StringVar(&h.mockBin, "mockserver", "", "measure this mockserver binary instead of building ./cmd/mockserver (e.g. another version, to compare)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*scen, ",") {
		s = strings.TrimSpace(s)
		if !contains(allScenarios, s) {
			fmt.Fprintf(stderr, "bench: unknown scenario %q (have %s)\n", s, strings.Join(allScenarios, ", "))
			return 2
		}
		want[s] = true
	}
	if h.conns < 1 || h.duration <= 0 || h.warmup < 0 || h.peerWarmup < 0 || h.tenants < 1 || h.starts < 1 || h.webhooks < 1 || h.maxRequests < 0 {
		fmt.Fprintln(stderr, "bench: -conns, -duration, -tenants, -starts and -webhooks must be positive; -warmup, -peer-warmup and -requests not negative")
		return 2
	}

	var err error
	if h.root, err = moduleRoot(); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if h.peers == "" {
		h.peers = filepath.Join(h.root, "bench", ".peers")
	}
	if h.tmp, err = os.MkdirTemp("", "mockserver-bench-"); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	defer os.RemoveAll(h.tmp)
	if err := h.build(stderr); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}

	began := time.Now()
	var rows []row
	for _, s := range allScenarios {
		if !want[s] {
			continue
		}
		fmt.Fprintf(stderr, "bench: %s\n", s)
		var got []row
		switch s {
		case "startup":
			got = h.startup()
		case "jobs.get":
			got = h.jobsGet()
		case "lifecycle":
			got = h.lifecycle()
		case "tenants":
			got = h.tenantsScenario()
		case "webhooks":
			got = h.webhooksScenario()
		case "partage.quotes":
			got = h.partageQuotes()
		case "jobs.insert":
			got = h.jobsInsert()
		case "servicemobility.orders":
			got = h.serviceMobilityOrders()
		}
		rows = append(rows, got...)
	}
	printTable(stdout, rows)
	fmt.Fprintf(stdout, "\n%d connections, %v warm-up + %v per load run; %s; measured in %v\n",
		h.conns, h.warmup, h.duration, machine(), time.Since(began).Round(100*time.Millisecond))
	return 0
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// moduleRoot walks up from the working directory to the mock's go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/partifact/mockserver\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the mockserver module (no go.mod of github.com/partifact/mockserver above the working directory)")
		}
		dir = parent
	}
}

// build compiles the mock (unless -mockserver named one) and the bare
// handler, as a user would run them.
func (h *harness) build(stderr io.Writer) error {
	h.bareBin = filepath.Join(h.tmp, "bare")
	builds := []struct{ out, pkg string }{{h.bareBin, "./bench/bare"}}
	if h.mockBin == "" {
		h.mockBin = filepath.Join(h.tmp, "mockserver")
		builds = append(builds, struct{ out, pkg string }{h.mockBin, "./cmd/mockserver"})
	} else if _, err := os.Stat(h.mockBin); err != nil {
		return fmt.Errorf("-mockserver: %w", err)
	}
	for _, b := range builds {
		fmt.Fprintf(stderr, "bench: go build %s\n", b.pkg)
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Dir = h.root
		cmd.Stderr = stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", b.pkg, err)
		}
	}
	return nil
}

// machine describes the CPU the figures come from.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average " + strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("%d × %s%s", runtime.NumCPU(), model, load)
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tTARGET\tREQ/S\tP50\tP99\tREQUESTS\tERRORS\tCPU/REQ\tRSS\tNOTES")
	for _, r := range rows {
		rate, p50, p99, n, errs, cpu := "-", "-", "-", "-", "-", "-"
		if r.res != nil {
			if r.res.elapsed > 0 {
				rate = fmt.Sprintf("%.0f", r.res.rate())
			}
			if a, b := r.res.quantiles(); len(r.res.lat) > 0 {
				p50, p99 = fmtDur(a), fmtDur(b)
			}
			n, errs = fmt.Sprint(r.res.requests), fmt.Sprint(r.res.errors)
			if c := r.res.cpuPerRequest(); c > 0 {
				cpu = fmtDur(c)
			}
		}
		rss := "-"
		if r.rss > 0 {
			rss = fmt.Sprintf("%.1f MB", float64(r.rss)/(1<<20))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.scenario, r.target, rate, p50, p99, n, errs, cpu, rss, r.note)
	}
	tw.Flush()
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(time.Second).String()
}
