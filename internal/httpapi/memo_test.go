package httpapi

import (
	"fmt"
	"strings"
	"testing"
)

func TestValidBodiesIsBounded(t *testing.T) {
	t.Parallel()
	var c memo
	if c.has([]byte("{}")) {
		t.Fatal("an empty memo knows a body")
	}
	c.add([]byte("{}"))
	if !c.has([]byte("{}")) || c.has([]byte("{ }")) {
		t.Fatal("the memo must know exactly the bytes it was given")
	}
	big := []byte(`{"x":"` + strings.Repeat("a", maxKeptBody) + `"}`)
	c.add(big)
	if c.has(big) {
		t.Error("a body over maxKeptBody was kept")
	}
	for i := range maxKeptBodies + 10 {
		c.add([]byte(fmt.Sprintf(`{"n":%d}`, i)))
	}
	if len(c.m) > maxKeptBodies {
		t.Errorf("the memo holds %d bodies, more than %d", len(c.m), maxKeptBodies)
	}
	if !c.has([]byte(fmt.Sprintf(`{"n":%d}`, maxKeptBodies+9))) {
		t.Error("the latest body was not kept after starting over")
	}
}
