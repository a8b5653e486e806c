package dashboard

import (
	"bytes"
	"html"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	mockserver "github.com/partifact/mockserver"
)

// readmeWalkthrough is the README's walk-through section as written.
func readmeWalkthrough(t *testing.T) string {
	t.Helper()
	_, rest, ok := strings.Cut(string(mockserver.Readme), "\n"+walkthroughHeading)
	if !ok {
		t.Fatal("the README has no walk-through")
	}
	if end := strings.Index(rest, "\n## "); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

var preBlock = regexp.MustCompile(`(?s)<pre>(.*?)</pre>`)

// The walk-through page is the README's: every step's heading, command and
// answer, with this server's address in the commands.
func TestWalkthroughPage(t *testing.T) {
	base, _, _ := serve(t, Config{})
	status, page := getPage(t, base+"/ui/walkthrough")
	if status != http.StatusOK {
		t.Fatalf("/ui/walkthrough: %d\n%s", status, page)
	}
	section := readmeWalkthrough(t)
	steps := regexp.MustCompile(`(?m)^### (.*)$`).FindAllStringSubmatch(section, -1)
	if len(steps) == 0 {
		t.Fatal("the README's walk-through has no steps")
	}
	for _, s := range steps {
		// The heading as the page writes it: text, `code` as <code>.
		want := html.EscapeString(s[1])
		for strings.Contains(want, "`") {
			want = strings.Replace(strings.Replace(want, "`", "<code>", 1), "`", "</code>", 1)
		}
		if !strings.Contains(page, "<h2>"+want+"</h2>") {
			t.Errorf("no step %q on the page", s[1])
		}
	}
	blocks := preBlock.FindAllStringSubmatch(page, -1)
	if want := strings.Count(section, "\n```") / 2; len(blocks) != want {
		t.Fatalf("%d code blocks on the page, %d in the README", len(blocks), want)
	}
	curls := 0
	for _, b := range blocks {
		text := html.UnescapeString(b[1])
		if strings.HasPrefix(text, "curl ") {
			curls++
			if !strings.HasPrefix(text, "curl -s "+base+"/api/2026-01/") {
				t.Errorf("a command not aimed at this server: %.120s", text)
			}
		}
	}
	if curls != len(steps) {
		t.Errorf("%d commands for %d steps", curls, len(steps))
	}
	if strings.Contains(page, readmeHost) {
		t.Error("the page still names " + readmeHost)
	}
	for _, want := range []string{`<a href="` + base + `/ui/world?tenant=walkthrough">`, "<strong>NZD 1,099.00</strong>", "/__reset"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page has no %s", want)
		}
	}
}

// Without the sandbox routes the page says nothing of them, nor of a
// world's page, and still has every step.
func TestWalkthroughWithoutSandbox(t *testing.T) {
	base, _, _ := serve(t, Config{NoSandboxRoutes: true})
	status, page := getPage(t, base+"/ui/walkthrough")
	if status != http.StatusOK {
		t.Fatalf("/ui/walkthrough: %d", status)
	}
	for _, leak := range []string{"/__", "/ui/world"} {
		if strings.Contains(page, leak) {
			t.Errorf("the page mentions %s", leak)
		}
	}
	if got, want := strings.Count(page, "<h2>"), strings.Count(readmeWalkthrough(t), "\n### "); got != want {
		t.Errorf("%d steps, want %d", got, want)
	}
	if !strings.Contains(page, "The steps run in a world of their own") {
		t.Error("the sentences without the sandbox are gone too")
	}
}

func TestMarkdownSpans(t *testing.T) {
	got := spans("a `<b>` **c** [d](#x) <http://h/x> [e](/f) `open [g](")
	want := []mdSpan{{Text: "a "}, {Text: "<b>", Code: true}, {Text: " "}, {Text: "c", Bold: true}, {Text: " "}, {Text: "d"},
		{Text: " "}, {Text: "http://h/x", Href: "http://h/x"}, {Text: " "}, {Text: "e", Href: "/f"}, {Text: " `open [g]("}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("spans:\n%#v\nwant\n%#v", got, want)
	}
	if s := sentences("One. Two (x. y). e.g. three. Four"); !reflect.DeepEqual(s, []string{"One.", "Two (x. y). e.g. three.", "Four"}) {
		t.Fatalf("sentences: %q", s)
	}
}

// What the README holds is text on the page: markup in it is escaped and a
// link cannot run script.
func TestWalkthroughEscapes(t *testing.T) {
	readme := "# x\n\n## Walk-through: <b>bold</b>\n\nSee [this](javascript:alert(1)) and `<script>alert(2)</script>`.\n\n" +
		"### 1. <img src=x onerror=alert(3)>\n\n```sh\ncurl localhost:8080/</pre><script>alert(4)</script>\n```\n\n## Next\n"
	heading, blocks, err := walkthroughSection(readme, "http://127.0.0.1:1", false)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pages().ExecuteTemplate(&buf, "walkthrough", walkthroughData{Title: "t", Heading: heading, Blocks: blocks}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<b>", "<script>", "<img", "javascript:", "</pre><"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q came through:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "curl http://127.0.0.1:1/&lt;/pre&gt;") {
		t.Errorf("the command is not shown as text:\n%s", out)
	}
}
