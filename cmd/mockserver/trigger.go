package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/sandboxclient"
)

const triggerUsage = `usage: mockserver trigger <event> [arguments] [flags]

Drives the sandbox controls of a running server, in one world, and prints
its answer briefly (the whole JSON answer with --json). Exit status 0 when
the server did it, 1 when it refused (its error is printed) or could not be
reached, 2 on bad usage.

Events:
  procurement.confirm --id ID   confirm a procurement as its supplier would
  procurement.cancel --id ID    cancel a procurement still order_requested
  clock                         show the world's clock
  clock.advance DURATION        move the world's clock forward, e.g. 2h or 90m
  clock.set TIME                move it forward to an RFC 3339 time
  clock.real                    put it back on the wall clock
  reset                         replace the world by the seeded one
  fault --method M [--error VARIANT] [--status N] [--count N]
        [--latency D] [--probability P] [--fields JSON] [--api A]
                                make an operation answer an error, a status or slowly
  faults.clear                  remove every fault

Flags of every event:
`

// callTimeout bounds one call of a client command.
const callTimeout = 30 * time.Second

// event is one trigger: its flags and what it sends.
type event struct {
	args  string // what it takes besides flags, for the usage
	nargs int
	flags func(f *flags, v *eventArgs)
	// request builds the call from the arguments; a usageError when they
	// are wrong.
	request func(v *eventArgs, pos []string) (method, path string, body any, err error)
	// brief words a 200 answer for people.
	brief func(r *remote, answer []byte) (string, error)
}

// eventArgs are every event's flag values.
type eventArgs struct {
	id                              string
	method, errorVariant, api       string
	fields                          string
	status, count                   int
	latency                         time.Duration
	probability                     float64
	statusSet, countSet, latencySet bool
}

var events = map[string]event{
	"procurement.confirm": procurementEvent("confirm"),
	"procurement.cancel":  procurementEvent("cancel"),
	"clock": {
		request: func(*eventArgs, []string) (string, string, any, error) { return http.MethodGet, "/__clock", nil, nil },
		brief:   briefClock,
	},
	"clock.advance": {args: "DURATION", nargs: 1, brief: briefClock,
		request: func(_ *eventArgs, pos []string) (string, string, any, error) {
			d, err := time.ParseDuration(pos[0])
			if err != nil || d < 0 {
				return "", "", nil, usagef("clock.advance %q: want a duration that is not negative, like 2h, 90m or 30s", pos[0])
			}
			return http.MethodPost, "/__clock", sandboxclient.ClockChange{Advance: d.String()}, nil
		}},
	"clock.set": {args: "TIME", nargs: 1, brief: briefClock,
		request: func(_ *eventArgs, pos []string) (string, string, any, error) {
			if _, err := time.Parse(time.RFC3339, pos[0]); err != nil {
				return "", "", nil, usagef("clock.set %q: want an RFC 3339 time like 2027-06-01T09:00:00Z", pos[0])
			}
			return http.MethodPost, "/__clock", sandboxclient.ClockChange{Set: pos[0]}, nil
		}},
	"clock.real": {brief: briefClock,
		request: func(*eventArgs, []string) (string, string, any, error) {
			return http.MethodPost, "/__clock", sandboxclient.ClockChange{Real: true}, nil
		}},
	"reset": {
		request: func(*eventArgs, []string) (string, string, any, error) { return http.MethodPost, "/__reset", nil, nil },
		brief: func(r *remote, _ []byte) (string, error) {
			return strings.ToUpper(r.world()[:1]) + r.world()[1:] + " is seeded afresh.", nil
		}},
	"fault": {args: "--method M …", flags: faultFlags, request: faultRequest, brief: briefFault},
	"faults.clear": {
		request: func(*eventArgs, []string) (string, string, any, error) {
			return http.MethodDelete, "/__faults", nil, nil
		},
		brief: func(r *remote, _ []byte) (string, error) { return "Every fault of " + r.world() + " is cleared.", nil },
	},
}

func procurementEvent(action string) event {
	return event{args: "--id ID",
		flags: func(f *flags, v *eventArgs) { f.fs.StringVar(&v.id, "id", "", "the procurement's id") },
		request: func(v *eventArgs, _ []string) (string, string, any, error) {
			if v.id == "" {
				return "", "", nil, usagef("procurement.%s needs --id, the procurement's id", action)
			}
			if _, err := uuid.Parse(v.id); err != nil {
				return "", "", nil, usagef("--id %q: want a procurement id (a UUID)", v.id)
			}
			return http.MethodPost, "/__procurements/" + v.id + "/" + action, nil, nil
		},
		brief: func(_ *remote, b []byte) (string, error) {
			var p struct{ ID, Status string }
			if err := json.Unmarshal(b, &p); err != nil {
				return "", err
			}
			return "Procurement " + p.ID + " is " + p.Status + ".", nil
		}}
}

func faultFlags(f *flags, v *eventArgs) {
	f.fs.StringVar(&v.method, "method", "", "the operation, e.g. repairer.jobs.get")
	f.fs.StringVar(&v.errorVariant, "error", "", "a variant of the method's error union, e.g. not_found")
	f.fs.StringVar(&v.api, "api", "", "the API of the method (default: the one that has it)")
	f.fs.StringVar(&v.fields, "fields", "", `members beside the variant's type, as a JSON object, e.g. '{"status":"cancelled"}'`)
	f.fs.Func("status", "the HTTP status to answer, 400 to 599", func(s string) error {
		v.statusSet = true
		return intFlag(s, &v.status)
	})
	f.fs.Func("count", "how many calls it hits (default: until cleared)", func(s string) error {
		v.countSet = true
		return intFlag(s, &v.count)
	})
	f.fs.Func("latency", "a delay before answering, e.g. 2s (up to 30s)", func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return errors.New("want a duration like 2s or 500ms")
		}
		v.latency, v.latencySet = d, true
		return nil
	})
	f.fs.Float64Var(&v.probability, "probability", 0, "how likely it fires on each call, above 0 and at most 1 (default 1)")
}

func intFlag(s string, p *int) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want a whole number")
	}
	*p = n
	return nil
}

func faultRequest(v *eventArgs, _ []string) (string, string, any, error) {
	if v.method == "" {
		return "", "", nil, usagef("fault needs --method, e.g. --method repairer.jobs.get")
	}
	req := sandboxclient.FaultRequest{Method: v.method}
	if v.api != "" {
		req.API = &v.api
	}
	if v.errorVariant != "" {
		req.Error = &v.errorVariant
	}
	if v.fields != "" {
		if err := json.Unmarshal([]byte(v.fields), &req.Fields); err != nil || req.Fields == nil {
			return "", "", nil, usagef("--fields %q: want a JSON object", v.fields)
		}
	}
	if v.statusSet {
		req.Status = &v.status
	}
	if v.countSet {
		req.Count = &v.count
	}
	if v.latencySet {
		ms := int(v.latency / time.Millisecond)
		req.LatencyMS = &ms
	}
	if v.probability != 0 {
		req.Probability = &v.probability
	}
	return http.MethodPost, "/__faults", req, nil
}

func briefClock(_ *remote, b []byte) (string, error) {
	var c struct {
		Now    string `json:"now"`
		Offset string `json:"offset"`
		Real   bool   `json:"real"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return "", err
	}
	if c.Real {
		return "Clock " + c.Now + " (the wall clock).", nil
	}
	return "Clock " + c.Now + " (" + c.Offset + " ahead of the wall clock).", nil
}

func briefFault(_ *remote, b []byte) (string, error) {
	var f sandboxclient.Fault
	if err := json.Unmarshal(b, &f); err != nil {
		return "", err
	}
	var what []string
	if f.Error != nil {
		status := ""
		if f.Status != nil {
			status = fmt.Sprintf(" (%d)", *f.Status)
		}
		what = append(what, "answers "+*f.Error+status)
	}
	if f.LatencyMS > 0 {
		what = append(what, fmt.Sprintf("waits %d ms", f.LatencyMS))
	}
	when := "on every call until cleared"
	switch {
	case f.Remaining != nil && *f.Remaining == 1:
		when = "on the next call"
	case f.Remaining != nil:
		when = fmt.Sprintf("on the next %d calls", *f.Remaining)
	}
	if f.Probability < 1 {
		when += fmt.Sprintf(", with probability %g", f.Probability)
	}
	return fmt.Sprintf("Fault %s: %s %s %s %s.", f.ID, f.API, f.Method, strings.Join(what, " and "), when), nil
}

// trigger runs `mockserver trigger`.
func trigger(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	names := slices.Sorted(maps.Keys(events))
	usage := func(w io.Writer) {
		fmt.Fprint(w, triggerUsage)
		f := clientFlags("trigger")
		var r remote
		r.bind(f)
		f.fs.Bool("json", false, "print the server's whole JSON answer")
		f.fs.SetOutput(w)
		f.fs.PrintDefaults()
	}
	if len(args) == 0 {
		return exit(stderr, "trigger", usagef("which event? one of %s", strings.Join(names, ", ")))
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(stdout)
		return 0
	}
	ev, ok := events[args[0]]
	if !ok && strings.HasPrefix(args[0], "-") {
		return exit(stderr, "trigger", usagef("the event comes first, then flags and arguments in any order (got %q first)", args[0]))
	}
	if !ok {
		return exit(stderr, "trigger", usagef("unknown event %q (the events are %s)", args[0], strings.Join(names, ", ")))
	}
	f := clientFlags("trigger " + args[0])
	var r remote
	r.bind(f)
	asJSON := f.fs.Bool("json", false, "print the server's whole JSON answer")
	var v eventArgs
	if ev.flags != nil {
		ev.flags(f, &v)
	}
	pos, err := f.parseArgs(args[1:])
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return 0
	}
	if err != nil {
		return exit(stderr, "trigger", err)
	}
	if len(pos) != ev.nargs {
		if ev.nargs == 0 {
			return exit(stderr, "trigger", usagef("%s takes no argument, got %q", args[0], pos[0]))
		}
		return exit(stderr, "trigger", usagef("%s takes %s", args[0], ev.args))
	}
	method, path, body, err := ev.request(&v, pos)
	if err != nil {
		return exit(stderr, "trigger", err)
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var answer json.RawMessage
	if err := r.client().Do(ctx, method, path, body, &answer); err != nil {
		return exit(stderr, "trigger", reachable(r.url, err))
	}
	if *asJSON {
		fmt.Fprintln(stdout, string(answer))
		return 0
	}
	line, err := ev.brief(&r, answer)
	if err != nil {
		return exit(stderr, "trigger", fmt.Errorf("the server's answer is not what this command reads: %v: %s", err, answer))
	}
	fmt.Fprintln(stdout, line)
	return 0
}

// reachable words a failure to reach the server.
func reachable(url string, err error) error {
	var se *sandboxclient.Error
	if errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("cannot reach the server at %s (--url, MOCKSERVER_URL): %v", url, err)
}
