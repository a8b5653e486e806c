package httpapi

import "sync"

// Bounds of a route's memo of valid bodies.
const (
	maxKeptBody   = 4 << 10 // larger bodies are validated every time
	maxKeptBodies = 256     // a full memo starts over (16 routes: 16 MiB at most)
)

// memo remembers the request bodies that passed a route's schema, so
// that a body seen again skips decoding and schema validation, the largest
// cost of a read on the hot path (see docs/benchmarks.md). Test suites send
// the same fixtures over and over, and pollers the same read. Validation is
// a pure function of the bytes and the schema, so the memo cannot change an
// answer; invalid bodies are never kept. The zero value is ready to use.
type memo struct {
	mu sync.RWMutex
	m  map[string]struct{}
}

func (c *memo) has(body []byte) bool {
	c.mu.RLock()
	_, ok := c.m[string(body)] // no allocation: the compiler converts in place
	c.mu.RUnlock()
	return ok
}

func (c *memo) add(body []byte) {
	if len(body) > maxKeptBody {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxKeptBodies {
		c.m = make(map[string]struct{}, 64)
	}
	c.m[string(body)] = struct{}{}
}
