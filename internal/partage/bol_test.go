package partage

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pdfText runs pdftotext (poppler-utils) on a PDF. Under CI a missing
// pdftotext fails the test; elsewhere it skips.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext is missing (apt-get install poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "bol.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func pdfPages(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdfinfo")
	if err != nil {
		return ""
	}
	path := filepath.Join(t.TempDir(), "bol.pdf")
	_ = os.WriteFile(path, pdf, 0o600)
	out, _ := exec.Command(bin, path).Output()
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "Pages:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestBillOfLading(t *testing.T) {
	eachStore(t, func(t *testing.T, w *world) {
		q := w.create(bookable("2026-03-05", `,"services":{"origin":{"Liftgate":1},"destination":{"Pallet Jack":1}}`))
		wantMessage(t, w.fails(406, "quotes.bol", q.Number, ""), "is not booked; the bill of lading comes with the booking")
		v := w.book(q.Number, ModePartial)
		pdf := w.ok("quotes.bol", v.PLID, "").PDF
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("not a PDF: %q", pdf[:min(20, len(pdf))])
		}
		if p := pdfPages(t, pdf); p != "" && p != "1" {
			t.Fatalf("%s pages", p)
		}
		text := pdfText(t, pdf)
		for _, want := range []string{
			"BILL OF LADING", q.Number, v.PLID,
			"Lakeshore Parts DC", "2250 W Carroll Ave", "Chicago, IL 60612", // shipper
			"Capital Region Collision", "14 Maple Ave", "Bay 3", "12186", // consignee
			"Auto parts", "40", "10000", "$12500.50", "partial_truckload", "Liftgate (origin)", "Pallet Jack (destination)",
			"To be assigned",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the bill of lading lacks %q:\n%s", want, text)
			}
		}
		// Same load, same clock: same bytes. Once covered, the carrier is on it.
		if again := w.ok("quotes.bol", q.Number, "").PDF; !bytes.Equal(again, pdf) {
			t.Error("the bill of lading is not deterministic")
		}
		w.now = w.now.Add(3 * time.Hour)
		covered := w.show(q.Number).Carrier
		text = pdfText(t, w.ok("quotes.bol", q.Number, "").PDF)
		if !strings.Contains(text, covered.Name) || !strings.Contains(text, covered.MCNumber) {
			t.Errorf("no carrier on the covered load's bill of lading:\n%s", text)
		}
	})
}
