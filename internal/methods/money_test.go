package methods

import "testing"

func TestFormatCents(t *testing.T) {
	for _, tc := range []struct {
		cents int64
		want  string
	}{{0, "0.00"}, {5, "0.05"}, {54950, "549.50"}, {109900, "1099.00"}, {-5, "-0.05"}, {-12345, "-123.45"}} {
		if got := formatCents(tc.cents); got != tc.want {
			t.Errorf("formatCents(%d) = %s, want %s", tc.cents, got, tc.want)
		}
	}
}

// GST is 15% rounded half up to the cent, in integers.
func TestGSTCents(t *testing.T) {
	for _, tc := range []struct{ sub, tax int64 }{
		{95565, 14335}, // 14334.75 → 14335: the walk-through invoice
		{10, 2},        // 1.5 → 2
		{3, 0},         // 0.45 → 0
		{100, 15},
		{0, 0},
	} {
		if got := gstCents(tc.sub); got != tc.tax {
			t.Errorf("gstCents(%d) = %d, want %d", tc.sub, got, tc.tax)
		}
	}
}

func TestMatches(t *testing.T) {
	pn := "52119 12d90"
	if !matches(partWith(&pn, "anything"), item("52119-12D90", "Front bumper cover")) {
		t.Error("part numbers match ignoring case, spaces and dashes")
	}
	if matches(partWith(&pn, "Front bumper cover"), item("81170-12N40", "Front bumper cover")) {
		t.Error("a part with a number matches by number only")
	}
	if !matches(partWith(nil, " front  Bumper cover "), item("x", "Front bumper cover (aftermarket)")) {
		t.Error("descriptions match ignoring case, spacing and the parenthesised grade")
	}
}
