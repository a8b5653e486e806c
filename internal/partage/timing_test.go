package partage

import (
	"fmt"
	"regexp"
	"testing"
)

// TestParseClock: the hand-written reader accepts exactly what the
// document's pattern for stop times does, and spells it as the seed.
func TestParseClock(t *testing.T) {
	pattern := regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)
	const alphabet = "0123456789:"
	var try func(prefix string, n int)
	try = func(s string, n int) {
		if _, _, ok := parseClock(s); ok != pattern.MatchString(s) {
			t.Fatalf("parseClock(%q) ok %v, the pattern says %v", s, ok, !ok)
		}
		if n > 0 {
			for _, c := range alphabet {
				try(s+string(c), n-1)
			}
		}
	}
	try("", 5)
	for _, s := range []string{"+1:00", " 1:00", "1:00 ", "1:0", "٣:00", "1:٣٣", "-0:00", "1:00:00"} {
		if _, _, ok := parseClock(s); ok {
			t.Errorf("parseClock(%q) accepted it", s)
		}
	}
	for in, want := range map[string]string{"6:00": "6:00", "06:30": "6:30", "0:00": "0:00", "23:59": "23:59", "18:05": "18:05"} {
		if m, got, ok := parseClock(in); !ok || got != want || fmt.Sprintf("%d:%02d", m/60, m%60) != want {
			t.Errorf("parseClock(%q) = %d %q %v, want %q", in, m, got, ok, want)
		}
	}
}
