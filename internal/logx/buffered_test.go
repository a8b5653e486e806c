package logx

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	n  int // writes
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return l.b.Write(p)
}

func (l *lockedBuffer) snapshot() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.n
}

// TestBuffered: lines come out in order, in few writes, within the
// interval, and Close writes the rest.
func TestBuffered(t *testing.T) {
	t.Parallel()
	out := &lockedBuffer{}
	b := NewBuffered(out, 20*time.Millisecond)
	for i := range 100 {
		_, _ = b.Write([]byte(strings.Repeat("x", i%7) + "\n"))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, n := out.snapshot()
		if strings.Count(s, "\n") == 100 {
			if n > 5 {
				t.Errorf("100 lines took %d writes", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lines were not written within the interval")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, _ = b.Write([]byte("last\n"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if s, _ := out.snapshot(); !strings.HasSuffix(s, "last\n") {
		t.Fatal("Close did not write the rest")
	}
	if err := b.Close(); err != nil {
		t.Fatal("a second Close failed")
	}
}
