package logx

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTest(every time.Duration) (*Limited, *bytes.Buffer, *fakeClock) {
	var buf bytes.Buffer
	l := NewLimited(slog.New(slog.NewTextHandler(&buf, nil)), every)
	c := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l.now = c.now
	return l, &buf, c
}

func lines(buf *bytes.Buffer) []string {
	s := strings.TrimSpace(buf.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestLimitedOneLinePerInterval(t *testing.T) {
	t.Parallel()
	l, buf, clock := newTest(time.Second)
	if !l.Warn("claim deliveries", "error", "refused") {
		t.Fatal("the first line was not written")
	}
	for range 999 {
		if l.Warn("claim deliveries", "error", "refused") {
			t.Fatal("a repeat within the interval was written")
		}
		clock.add(time.Millisecond - time.Microsecond) // 999 × just under 1 ms stays within 1 s
	}
	if got := lines(buf); len(got) != 1 || strings.Contains(got[0], "suppressed") {
		t.Fatalf("lines after 1,000 calls in one interval: %q", got)
	}
	clock.add(time.Second)
	l.Warn("claim deliveries", "error", "refused")
	got := lines(buf)
	if len(got) != 2 || !strings.Contains(got[1], "suppressed=999") || !strings.Contains(got[1], "error=refused") {
		t.Fatalf("the line after the interval: %q", got)
	}
	clock.add(time.Second)
	l.Warn("claim deliveries", "error", "refused")
	if got := lines(buf); len(got) != 3 || strings.Contains(got[2], "suppressed") {
		t.Fatalf("nothing was held back, yet: %q", got)
	}
}

func TestLimitedKeysByLevelAndMessage(t *testing.T) {
	t.Parallel()
	l, buf, _ := newTest(time.Hour)
	l.Warn("journal flush failed")
	l.Warn("claim deliveries")
	l.Error("journal flush failed")
	l.Warn("journal flush failed")
	if got := lines(buf); len(got) != 3 {
		t.Fatalf("want one line per (level, message), got %q", got)
	}
}

func TestLimitedDisabledLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := NewLimited(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError})), 0)
	if l.Warn("x") || buf.Len() != 0 {
		t.Fatalf("a disabled level was written: %q", buf.String())
	}
	if l.every != DefaultInterval {
		t.Fatalf("interval %v, want the default %v", l.every, DefaultInterval)
	}
}

func TestLimitedConcurrent(t *testing.T) {
	t.Parallel()
	l, buf, _ := newTest(time.Hour)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				l.Error("store down")
			}
		})
	}
	wg.Wait()
	if got := lines(buf); len(got) != 1 {
		t.Fatalf("8,000 concurrent calls wrote %d lines", len(got))
	}
}
