package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/partifact/mockserver/internal/webhooks"
)

// flags binds each flag to its environment variable, in one way: the
// variable sets the default, the flag wins over it, and either one's bad
// value is an error naming the variable or the flag and the value.
type flags struct {
	fs  *flag.FlagSet
	env []envFlag
}

type envFlag struct {
	name, variable string
	value          flag.Value
}

// bind adds flag name (env variable) with value, whose current contents
// are the default.
func (f *flags) bind(value flag.Value, name, variable, usage string) {
	f.fs.Var(value, name, usage+" (env "+variable+")")
	f.env = append(f.env, envFlag{name, variable, value})
}

// parse reads the environment, then the arguments.
func (f *flags) parse(args []string) error {
	for _, e := range f.env {
		if v, ok := os.LookupEnv(e.variable); ok {
			if err := e.value.Set(v); err != nil {
				return fmt.Errorf("%s=%q: %v", e.variable, v, err)
			}
		}
	}
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", f.fs.Arg(0))
	}
	return nil
}

// The values flags and variables take, each saying what it wants.

type stringValue struct{ p *string }

func (v stringValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}
func (v stringValue) Set(s string) error { *v.p = s; return nil }

type durationValue struct{ p *time.Duration }

func (v durationValue) String() string {
	if v.p == nil {
		return "0s"
	}
	return v.p.String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("want a duration like 1h, 30s or 0")
	}
	*v.p = d
	return nil
}

type positiveDuration struct{ durationValue }

func (v positiveDuration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration like 1s or 250ms")
	}
	*v.p = d
	return nil
}

type intValue struct{ p *int }

func (v intValue) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a whole number, 0 or more")
	}
	*v.p = n
	return nil
}

// boolValue is a bool flag (--sandbox-routes=false); inverted, it sets
// a field that says the opposite (NoSandboxRoutes).
type positiveInt struct{ intValue }

func (v positiveInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a whole number, 1 or more")
	}
	*v.p = n
	return nil
}

type boolValue struct {
	p      *bool
	invert bool
}

func (v boolValue) String() string {
	if v.p == nil {
		return "false"
	}
	return strconv.FormatBool(*v.p != v.invert)
}

func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	*v.p = b != v.invert
	return nil
}

func (v boolValue) IsBoolFlag() bool { return true }

type backoffValue struct{ p *[]time.Duration }

func (v backoffValue) String() string {
	if v.p == nil {
		return ""
	}
	parts := make([]string, len(*v.p))
	for i, d := range *v.p {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

func (v backoffValue) Set(s string) error {
	b, err := webhooks.ParseBackoff(s)
	if err != nil || len(b) == 0 {
		return fmt.Errorf("want comma-separated durations like 1s,5s,30s")
	}
	*v.p = b
	return nil
}

type listValue struct{ p *[]string }

func (v listValue) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}

func (v listValue) Set(s string) error {
	var out []string
	for h := range strings.SplitSeq(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	*v.p = out
	return nil
}

type choiceValue struct {
	p       *string
	choices []string
}

func (v choiceValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v choiceValue) Set(s string) error {
	for _, c := range v.choices {
		if s == c {
			*v.p = s
			return nil
		}
	}
	return fmt.Errorf("want %s", strings.Join(v.choices, " or "))
}
