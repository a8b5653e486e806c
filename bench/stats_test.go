package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample", ms(7), 99, 7 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 of 1..100", ms(hundred...), 100, 100 * time.Millisecond},
		{"p50 of four rounds up", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of four is the maximum", ms(1, 2, 3, 4), 99, 4 * time.Millisecond},
		{"tiny p is the minimum", ms(1, 2, 3), 0.1, 1 * time.Millisecond},
	}
	for _, c := range cases {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("%s: percentile(%v) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}

func TestResultQuantilesAndRate(t *testing.T) {
	t.Parallel()
	r := result{elapsed: 2 * time.Second}
	r.merge(&result{requests: 3, errors: 1, lat: []time.Duration{30, 10, 20}})
	r.merge(&result{requests: 1, lat: []time.Duration{40}})
	if r.requests != 4 || r.errors != 1 {
		t.Fatalf("merge: %+v", r)
	}
	if got := r.rate(); got != 2 {
		t.Errorf("rate = %v, want 2", got)
	}
	p50, p99 := r.quantiles()
	if p50 != 20 || p99 != 40 {
		t.Errorf("quantiles = %v, %v; want 20ns, 40ns", p50, p99)
	}
	r.serverCPU = 8 * time.Millisecond
	if got := r.cpuPerRequest(); got != 2*time.Millisecond {
		t.Errorf("cpuPerRequest = %v, want 2ms", got)
	}
	if (&result{}).cpuPerRequest() != 0 {
		t.Error("cpuPerRequest with no requests should be 0")
	}
	if (&result{}).rate() != 0 {
		t.Error("rate with no elapsed time should be 0")
	}
}
