package mcpserver

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// readPDF reads what bill_of_lading shows of a PDF: its version, its page
// count and the text its pages draw, line by line. It reads the simple
// PDFs the freight API writes (go-pdf/fpdf: core fonts in WinAnsiEncoding,
// each cell a "x y Td (text) Tj" in a Flate or plain content stream), not
// PDF at large: what it cannot read it leaves out, and a body that is no
// PDF has no version. Bounded: MaxPDFText bytes of content inflated,
// MaxPDFLines lines of at most MaxPDFLine characters.
func readPDF(b []byte) (pdfDoc, error) {
	var d pdfDoc
	if m := pdfHeader.FindSubmatch(b[:min(len(b), 32)]); m != nil {
		d.version = string(m[1])
	} else {
		return d, nil
	}
	d.pages = len(pdfPage.FindAll(b, -1))
	var cells []pdfCell
	budget := MaxPDFText
	for rest := b; ; {
		i := bytes.Index(rest, []byte("stream"))
		if i < 0 {
			break
		}
		head := rest[:i]
		rest = rest[i+len("stream"):]
		// "endstream" also ends in "stream": only a keyword after ">>" opens one.
		if !bytes.HasSuffix(bytes.TrimRight(head, " \r\n"), []byte(">>")) {
			continue
		}
		rest = bytes.TrimPrefix(bytes.TrimPrefix(rest, []byte("\r")), []byte("\n"))
		j := bytes.Index(rest, []byte("endstream"))
		if j < 0 {
			break
		}
		data := rest[:j]
		rest = rest[j:]
		dict := head[max(0, bytes.LastIndex(head, []byte("<<"))):]
		if bytes.Contains(dict, []byte("/FlateDecode")) {
			inflated, err := inflate(data, budget)
			if err != nil {
				return d, err
			}
			data = inflated
		}
		budget -= len(data)
		cells = append(cells, pdfCells(data)...)
		if budget <= 0 {
			break
		}
	}
	d.lines = pdfLines(cells)
	return d, nil
}

// Bounds of readPDF.
const (
	MaxPDFText  = 4 << 20 // bytes of content streams read, inflated
	MaxPDFLines = 200
	MaxPDFLine  = 500 // characters
)

type pdfDoc struct {
	version string // "1.3"; "" for a body that is no PDF
	pages   int
	lines   []string
}

var (
	pdfHeader = regexp.MustCompile(`^%PDF-([0-9]\.[0-9])`)
	// A page object, not the page tree (/Pages).
	pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)
	// fpdf's text cell: the position, then the string shown.
	pdfShow = regexp.MustCompile(`(-?[0-9.]+) (-?[0-9.]+) Td \(((?:\\.|[^\\)])*)\)\s*Tj`)
)

func inflate(data []byte, budget int) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("a content stream does not inflate: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(max(budget, 0))+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("a content stream does not inflate: %w", err)
	}
	return out[:min(len(out), max(budget, 0))], nil
}

type pdfCell struct {
	x, y float64
	text string
}

func pdfCells(content []byte) []pdfCell {
	var out []pdfCell
	for _, m := range pdfShow.FindAllSubmatch(content, -1) {
		x, err1 := strconv.ParseFloat(string(m[1]), 64)
		y, err2 := strconv.ParseFloat(string(m[2]), 64)
		if err1 != nil || err2 != nil {
			continue
		}
		if t := strings.TrimSpace(winAnsi(unescapePDF(m[3]))); t != "" {
			out = append(out, pdfCell{x, y, t})
		}
	}
	return out
}

// pdfLines joins the cells of a baseline, left to right, and lists the
// lines top to bottom (PDF's y grows upwards).
func pdfLines(cells []pdfCell) []string {
	row := func(y float64) float64 { return math.Round(y * 2) } // half-point rows
	slices.SortStableFunc(cells, func(a, b pdfCell) int {
		return cmp.Or(cmp.Compare(row(b.y), row(a.y)), cmp.Compare(a.x, b.x))
	})
	var lines []string
	for i := 0; i < len(cells) && len(lines) < MaxPDFLines; {
		var parts []string
		j := i
		for ; j < len(cells) && row(cells[j].y) == row(cells[i].y); j++ {
			parts = append(parts, cells[j].text)
		}
		line := strings.Join(parts, "  ")
		if r := []rune(line); len(r) > MaxPDFLine {
			line = string(r[:MaxPDFLine-1]) + "…"
		}
		lines = append(lines, line)
		i = j
	}
	return lines
}

// unescapePDF reads a literal string's escapes: \n \r \t \b \f \( \) \\
// and octal \ddd.
func unescapePDF(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			out = append(out, c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := 0, 0
			for ; n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7'; n++ {
				v = v*8 + int(s[i+n]-'0')
			}
			out = append(out, byte(v))
			i += n - 1
		default: // \( \) \\ and any other: the character itself
			out = append(out, e)
		}
	}
	return out
}

// winAnsi decodes WinAnsiEncoding (Windows-1252), the core fonts'.
func winAnsi(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c >= 0x80 && c <= 0x9f:
			sb.WriteRune(cp1252[c-0x80])
		default:
			sb.WriteRune(rune(c)) // ASCII, and Latin-1 above 0xA0
		}
	}
	return sb.String()
}

// cp1252 are the characters of 0x80 to 0x9F (U+FFFD where none is set).
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}
