package dashboard

import (
	"errors"
	"net/http"
	"strings"
	"unicode"

	mockserver "github.com/partifact/mockserver"
)

// The walk-through page, /ui/walkthrough: the README's walk-through, from
// the vehicle to the reconciled invoice, read from the README the binary
// carries, with this server's address in its commands and links. The
// README is markdown; the page knows the little of it the section uses
// (headings, paragraphs, fenced code, `code`, **bold**, links) and hands
// the template text only, which escapes it.

// walkthroughHeading starts the README's section; the next "## " ends it.
const walkthroughHeading = "## Walk-through"

// readmeHost is how the README names the server in its commands.
const readmeHost = "localhost:8080"

// mdBlock is a heading, a paragraph or a code block.
type mdBlock struct {
	Heading bool
	Code    bool
	Text    string   // a code block's text
	Spans   []mdSpan // a heading's or paragraph's text
}

// mdSpan is a run of a paragraph's text.
type mdSpan struct {
	Text       string
	Href       string // a link
	Code, Bold bool
}

type walkthroughData struct {
	Title   string
	Sandbox bool
	Heading []mdSpan
	Blocks  []mdBlock
}

// walkthroughSection parses the walk-through out of a README: its heading
// and its blocks, the server named by base. Without the sandbox routes the
// sentences that name one (/__) or a world's page (/ui/) are left out, as
// everything the server serves then leaves them out.
func walkthroughSection(readme, base string, withoutSandbox bool) (heading []mdSpan, blocks []mdBlock, err error) {
	_, rest, found := strings.Cut(readme, "\n"+walkthroughHeading)
	if !found {
		return nil, nil, errors.New("dashboard: the README has no walk-through section")
	}
	title, body, _ := strings.Cut(walkthroughHeading[3:]+rest, "\n")
	if end := strings.Index(body, "\n## "); end >= 0 {
		body = body[:end]
	}
	local := func(s string) string {
		s = strings.ReplaceAll(s, "http://"+readmeHost, base)
		return strings.ReplaceAll(s, readmeHost, base)
	}
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		text := strings.Join(para, " ")
		para = nil
		if withoutSandbox {
			var kept []string
			for _, s := range sentences(text) {
				if !strings.Contains(s, "/__") && !strings.Contains(s, "/ui/") {
					kept = append(kept, s)
				}
			}
			text = strings.Join(kept, " ")
		}
		if text != "" {
			blocks = append(blocks, mdBlock{Spans: spans(local(text))})
		}
	}
	lines := strings.Split(body, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "```"):
			flush()
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				code = append(code, lines[i])
			}
			blocks = append(blocks, mdBlock{Code: true, Text: local(strings.Join(code, "\n"))})
		case strings.HasPrefix(line, "#"):
			flush()
			blocks = append(blocks, mdBlock{Heading: true, Spans: spans(strings.TrimLeft(line, "# "))})
		case strings.TrimSpace(line) == "":
			flush()
		default:
			para = append(para, strings.TrimSpace(line))
		}
	}
	flush()
	return spans(title), blocks, nil
}

// sentences splits a paragraph after each full stop that a capital
// letter follows.
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(text); i++ {
		if text[i] == '.' && text[i+1] == ' ' && unicode.IsUpper(rune(text[i+2])) {
			out = append(out, text[start:i+1])
			start = i + 2
		}
	}
	return append(out, text[start:])
}

// spans reads a paragraph's inline markdown: `code`, **bold**,
// [text](href) and <url>. A link into the README itself (#…) keeps only
// its text; markup the page does not know stays as it is, as text.
func spans(text string) []mdSpan {
	var out []mdSpan
	var plain strings.Builder
	emit := func(s mdSpan) {
		if plain.Len() > 0 {
			out = append(out, mdSpan{Text: plain.String()})
			plain.Reset()
		}
		out = append(out, s)
	}
	for i := 0; i < len(text); {
		rest := text[i:]
		switch {
		case rest[0] == '`':
			if end := strings.IndexByte(rest[1:], '`'); end >= 0 {
				emit(mdSpan{Text: rest[1 : end+1], Code: true})
				i += end + 2
				continue
			}
		case strings.HasPrefix(rest, "**"):
			if end := strings.Index(rest[2:], "**"); end >= 0 {
				emit(mdSpan{Text: rest[2 : end+2], Bold: true})
				i += end + 4
				continue
			}
		case rest[0] == '[':
			if mid := strings.Index(rest, "]("); mid > 0 {
				if end := strings.IndexByte(rest[mid:], ')'); end > 0 {
					label, href := rest[1:mid], rest[mid+2:mid+end]
					if strings.HasPrefix(href, "#") {
						href = ""
					}
					emit(mdSpan{Text: label, Href: href})
					i += mid + end + 1
					continue
				}
			}
		case rest[0] == '<':
			if end := strings.IndexByte(rest, '>'); end > 0 && (strings.HasPrefix(rest, "<http://") || strings.HasPrefix(rest, "<https://")) {
				emit(mdSpan{Text: rest[1:end], Href: rest[1:end]})
				i += end + 1
				continue
			}
		}
		plain.WriteByte(rest[0])
		i++
	}
	if plain.Len() > 0 {
		out = append(out, mdSpan{Text: plain.String()})
	}
	return out
}

// walkthrough is the page at /ui/walkthrough.
func (d *Dashboard) walkthrough(w http.ResponseWriter, r *http.Request) {
	heading, blocks, err := walkthroughSection(string(mockserver.Readme), baseURL(r), d.cfg.NoSandboxRoutes)
	if err != nil {
		d.errorPage(w, r, err)
		return
	}
	d.render(w, http.StatusOK, "walkthrough", walkthroughData{Title: "Walk-through", Sandbox: !d.cfg.NoSandboxRoutes,
		Heading: heading, Blocks: blocks})
}

// baseURL is the server's URL as the browser reached it.
func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
