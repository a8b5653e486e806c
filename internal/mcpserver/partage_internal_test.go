package mcpserver

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"
)

func TestFreightErrors(t *testing.T) {
	for _, tc := range []struct {
		status    int
		body      string
		code      string
		retryable bool
		problems  []string // paths
	}{
		{401, `{"errors":["Invalid token. Company not found."]}`, "invalid_token", false, nil},
		{406, `{"errors":["Invalid quote. Quote not found."]}`, "quote_not_found", false, nil},
		{406, `{"errors":["Booking refused. Quote 2026-12-01-1 is cancelled."]}`, "booking_refused", false, nil},
		{406, `{"errors":["Cancel refused. Quote 2026-12-01-1 might incur a TONU fee of $200: it picks up today. Call Partage to cancel it."]}`, "cancel_refused", false, nil},
		{406, `{"errors":["Not acceptable. Send an Accept header that includes application/json; */* is fine."]}`, "not_acceptable", false, nil},
		{406, `{"errors":["Invalid quote (an injected fault)."]}`, "invalid_quote", false, nil},
		{412, `{"errors":["Invalid request format. quote.weight must be a number.","Invalid request format. The body is not valid JSON."]}`, "invalid_format", false, []string{"quote.weight", ""}},
		{500, `{"errors":["Internal application error."]}`, "internal_error", true, nil},
		{404, `{"errors":["Not found. No such API endpoint."]}`, "not_found", false, nil},
		{405, `{"errors":["Method not allowed. This endpoint is called with GET."]}`, "method_not_allowed", false, nil},
		{502, `<html>bad gateway</html>`, "http_502", true, nil},
	} {
		rd := freightErrors(tc.status, []byte(tc.body))
		var paths []string
		for _, p := range rd.Problems {
			paths = append(paths, p.Path)
		}
		if rd.Code != tc.code || rd.Retryable != tc.retryable || fmt.Sprint(paths) != fmt.Sprint(tc.problems) {
			t.Errorf("%d %s: %+v, want %s retryable %v problems %v", tc.status, tc.body, rd, tc.code, tc.retryable, tc.problems)
		}
		if strings.HasPrefix(tc.body, "{") && (rd.Said == "" || !strings.Contains(tc.body, rd.Said[:10])) {
			t.Errorf("%d %s: said %q", tc.status, tc.body, rd.Said)
		}
	}
	// A long list says three messages and lists at most MaxProblems.
	many := `{"errors":[` + strings.TrimSuffix(strings.Repeat(`"Invalid request format. quote.x can't be blank.",`, MaxProblems+5), ",") + `]}`
	if rd := freightErrors(412, []byte(many)); len(rd.Problems) != MaxProblems || strings.Count(rd.Said, "Invalid request format.") != 3 {
		t.Errorf("a long error: %d problems, said %q", len(rd.Problems), rd.Said)
	}
}

// pdfOf is a PDF whose page draws content, compressed or not.
func pdfOf(content string, flate bool) []byte {
	var stream bytes.Buffer
	filter := ""
	if flate {
		zw := zlib.NewWriter(&stream)
		zw.Write([]byte(content))
		zw.Close()
		filter = "/Filter /FlateDecode "
	} else {
		stream.WriteString(content)
	}
	return fmt.Appendf(nil, "%%PDF-1.3\n3 0 obj\n<</Type /Page\n/Parent 1 0 R>>\nendobj\n4 0 obj\n<<%s/Length %d>>\nstream\n%s\nendstream\nendobj\n1 0 obj\n<</Type /Pages /Count 1>>\nendobj\n%%%%EOF\n",
		filter, stream.Len(), stream.Bytes())
}

func TestReadPDF(t *testing.T) {
	content := `BT 31.19 746.25 Td (STRAIGHT \(BILL\) OF LADING \227 \351 \\ x)Tj ET
BT 141.19 727.25 Td (Value)Tj ET
BT 31.19 727.25 Td (Label)Tj ET
BT 31.19 700.00 Td (   )Tj ET
BT 31.19 690.00 Td (tab\there)Tj ET`
	want := []string{"STRAIGHT (BILL) OF LADING — é \\ x", "Label  Value", "tab\there"}
	for _, flate := range []bool{true, false} {
		d, err := readPDF(pdfOf(content, flate))
		if err != nil || d.version != "1.3" || d.pages != 1 || fmt.Sprint(d.lines) != fmt.Sprint(want) {
			t.Errorf("flate %v: %+v %v, want lines %q", flate, d, err, want)
		}
	}
	// Not a PDF: nothing read, no error.
	if d, err := readPDF([]byte(`{"errors":["Invalid quote."]}`)); err != nil || d.version != "" || d.lines != nil {
		t.Errorf("JSON read as a PDF: %+v %v", d, err)
	}
	// A stream that claims Flate but is not: an error, not a panic.
	bad := bytes.Replace(pdfOf("BT 1 1 Td (x)Tj ET", false), []byte("<</Length"), []byte("<</Filter /FlateDecode /Length"), 1)
	if _, err := readPDF(bad); err == nil {
		t.Error("a broken Flate stream read without an error")
	}
	// Bounded: a stream that inflates past MaxPDFText is cut there, and
	// lines are capped in number and length.
	var huge strings.Builder
	for i := range MaxPDFLines + 50 {
		fmt.Fprintf(&huge, "BT 10 %d Td (%s)Tj ET\n", 10000-i, strings.Repeat("w", MaxPDFLine+10))
	}
	for huge.Len() < MaxPDFText+1000 {
		huge.WriteString("% padding padding padding padding padding padding padding\n")
	}
	d, err := readPDF(pdfOf(huge.String(), true))
	if err != nil || len(d.lines) != MaxPDFLines || len([]rune(d.lines[0])) != MaxPDFLine {
		t.Errorf("a huge PDF: %d lines, the first %d characters, %v", len(d.lines), len([]rune(d.lines[0])), err)
	}
}
