package httpapi

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The name patterns accept exactly what the regular expressions they
// stand for accept.
func TestNamePatterns(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p  *NamePattern
		re *regexp.Regexp
	}{
		{TenantPattern, regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)},
		{requestIDPattern, regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)},
	} {
		alphabet := "aZ09_-.:/ é\x00"
		cases := []string{"", "a", strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("a", 128), strings.Repeat("a", 129)}
		r := rand.New(rand.NewPCG(1, 2))
		for range 5000 {
			var b strings.Builder
			for range r.IntN(140) {
				b.WriteByte(alphabet[r.IntN(len(alphabet))])
			}
			cases = append(cases, b.String())
		}
		for _, s := range cases {
			if got, want := c.p.MatchString(s), c.re.MatchString(s); got != want {
				t.Fatalf("%s on %q: %v, want %v", c.re, s, got, want)
			}
		}
	}
}
