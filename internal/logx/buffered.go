package logx

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// Buffered collects log lines and writes them out in batches: at most
// every interval, and at once when its buffer fills. One line per request
// otherwise costs the server a write system call per request, a tenth of
// its time on the hot path. A line waits at most the interval; Close
// writes what is left.
type Buffered struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// BufferSize is how much a Buffered holds before it writes at once.
const BufferSize = 64 << 10

// NewBuffered writes to w every interval (<= 0: 100 ms).
func NewBuffered(w io.Writer, every time.Duration) *Buffered {
	if every <= 0 {
		every = 100 * time.Millisecond
	}
	b := &Buffered{w: bufio.NewWriterSize(w, BufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.Flush()
			}
		}
	}()
	return b
}

// Write buffers p (one log line: slog writes each record in one call).
func (b *Buffered) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes what is buffered.
func (b *Buffered) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// Close stops the timer and writes what is left; it is safe to call twice.
func (b *Buffered) Close() error {
	b.once.Do(func() {
		close(b.stop)
		<-b.done
	})
	return b.Flush()
}
