package postgres

import (
	"fmt"
	"testing"
)

// The cache keeps at most maxCachedTenants tenants, and reads learns at
// most maxLearnedReads statements.
func TestCacheBounds(t *testing.T) {
	t.Parallel()
	c := newCache()
	for i := range maxCachedTenants + 100 {
		c.put(fmt.Sprintf("t-%d", i), &snapshot{version: int64(i)})
	}
	if n := len(c.tenants); n != maxCachedTenants {
		t.Fatalf("%d tenants kept, want %d", n, maxCachedTenants)
	}
	last := fmt.Sprintf("t-%d", maxCachedTenants+99)
	if s := c.get(last); s == nil || s.version != int64(maxCachedTenants+99) {
		t.Fatal("the newest tenant was not kept")
	}
	c.opened(last, 7, false) // another version: forgotten
	if c.get(last) != nil {
		t.Fatal("a snapshot of another version was kept")
	}

	var r reads
	for i := range maxLearnedReads + 10 {
		r.learn(fmt.Sprintf("SELECT %d", i))
	}
	if n := len(r.more); n != maxLearnedReads {
		t.Fatalf("%d statements learned, want %d", n, maxLearnedReads)
	}
	if !r.many("SELECT 1") || r.many("SELECT -1") {
		t.Fatal("learned statements are not told apart")
	}
}
