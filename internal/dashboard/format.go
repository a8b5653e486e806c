package dashboard

import (
	"fmt"
	"time"
)

func deref[T any](p *T, none T) T {
	if p == nil {
		return none
	}
	return *p
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// stamp shows a time to the second, in UTC, as the wire does.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.RFC3339)
}

// whenMS shows a time to the millisecond (journal entries and attempts
// come several a second).
func whenMS(t time.Time) Cell { return Cell{t.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Moment} }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ms shows a latency in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// cut keeps the first max bytes of a body, on a rune boundary, saying how
// much was left out.
func cut(b []byte, max int) string {
	if len(b) <= max {
		return string(b)
	}
	n := max
	for n > 0 && b[n]&0xC0 == 0x80 {
		n--
	}
	return fmt.Sprintf("%s… (%d more bytes)", b[:n], len(b)-n)
}
