package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/sandbox"
)

var (
	ptSection = regexp.MustCompile("(?s)\n## Partage freight\n(.*?)\n## ")
	// An sh block, and the json or text block answering it when there is one.
	ptStep   = regexp.MustCompile("(?s)```sh\n(.*?)```(?:\n\n```(json|text)\n(.*?)```)?")
	ptOutput = regexp.MustCompile(`(?:^|\s)-o (\S+)`)
	// What differs from run to run: timestamps, and the dates of the
	// stops, numbers and invoices.
	ptStamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z`)
	ptDate  = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
)

// ptNormalize is a JSON answer with timestamps and dates replaced by
// marks, wherever they are in a string.
func ptNormalize(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case string:
			return ptDate.ReplaceAllString(ptStamp.ReplaceAllString(x, "<time>"), "<date>")
		}
		return v
	}
	return walk(v)
}

// ptNormalizeText is pdftotext's layout with timestamps and dates marked
// and each line's runs of spaces made one.
func ptNormalizeText(s string) []string {
	var out []string
	for line := range strings.Lines(s) {
		line = strings.Join(strings.Fields(ptDate.ReplaceAllString(ptStamp.ReplaceAllString(line, "<time>"), "<date>")), " ")
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// ptOpOf is the operation of openapi-partage.json a verb and path call ("" for none).
func ptOpOf(t *testing.T, verb, path string) string {
	for _, o := range ptDoc(t).Ops() {
		pattern := "^" + strings.ReplaceAll(regexp.QuoteMeta(o.Path), `\{id\}`, `[^/]+`) + "$"
		if o.Verb == verb && regexp.MustCompile(pattern).MatchString(path) {
			return o.ID
		}
	}
	return ""
}

// TestReadmePartage replays the README's Partage section in order against
// a live server: every curl call, the bill of lading fetched with curl -o
// and read with pdftotext, each answer compared with the one printed
// (timestamps and dates aside) and checked against openapi-partage.json.
func TestReadmePartage(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := ptSection.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no Partage freight section")
	}
	steps := ptStep.FindAllSubmatch(m[1], -1)
	if len(steps) < 9 {
		t.Fatalf("found %d steps in the section, want at least 9", len(steps))
	}
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL})
		host := strings.TrimPrefix(srv.URL, "http://")
		dir := t.TempDir()
		for _, step := range steps {
			cmd, kind := strings.TrimSpace(string(step[1])), string(step[2])
			want := []byte(strings.ReplaceAll(string(step[3]), "localhost:8080", host))
			if file, ok := strings.CutPrefix(cmd, "pdftotext -layout "); ok {
				file = strings.TrimSuffix(file, " -")
				pdf, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Fatalf("%s: %v", cmd, err)
				}
				if got := pdfText(t, pdf); !reflect.DeepEqual(ptNormalizeText(got), ptNormalizeText(string(want))) {
					t.Fatalf("%s reads\n%s\nbut README.md shows\n%s", cmd, got, want)
				}
				continue
			}
			output := ""
			if o := ptOutput.FindStringSubmatch(cmd); o != nil {
				output, cmd = o[1], strings.Replace(cmd, o[0], "", 1)
			}
			req := parseCurl(t, cmd, srv.URL)
			if req.Header.Get("Accept") == "" {
				req.Header.Set("Accept", "*/*") // as curl sends it
			}
			op := ptOpOf(t, req.Method, req.URL.Path)
			status, contentType, body := doRequest(t, req)
			if op != "" {
				if err := ptShape(t, op, status, contentType, body); err != nil {
					t.Fatalf("%s\n%v", cmd, err)
				}
			}
			switch {
			case output != "":
				if status != http.StatusOK {
					t.Fatalf("%s\nanswered %d: %s", cmd, status, body)
				}
				if err := os.WriteFile(filepath.Join(dir, output), body, 0o600); err != nil {
					t.Fatal(err)
				}
			case kind != "json":
				t.Fatalf("%s has no answer printed", cmd)
			case status != http.StatusOK && !strings.Contains(string(want), `"errors"`):
				t.Fatalf("%s\nanswered %d: %s", cmd, status, body)
			case !reflect.DeepEqual(ptNormalize(t, body), ptNormalize(t, want)):
				t.Fatalf("%s\nanswers\n%s\nbut README.md shows\n%s", cmd, body, want)
			}
		}
	})
}

func doRequest(t *testing.T, req *http.Request) (int, string, []byte) {
	t.Helper()
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}
