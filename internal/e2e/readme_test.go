package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/sandbox"
)

// readmeStep is a ```sh block holding one curl call followed by a ```json
// block holding its answer.
var readmeStep = regexp.MustCompile("```sh\n(curl -s localhost:8080/api/2026-01/[^`]*)```\n\n```json\n([^`]*)```")

// TestReadmeWalkthrough replays the README's curl calls in order against a
// live server and compares every answer with the one printed, ignoring only
// timestamps. The README cannot drift from the server's behaviour.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, cfg app.Config) {
		readme, err := os.ReadFile("../../README.md")
		if err != nil {
			t.Fatal(err)
		}
		steps := readmeStep.FindAllSubmatch(readme, -1)
		if len(steps) < 11 {
			t.Fatalf("found %d walk-through steps in README.md, want at least 11", len(steps))
		}
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL})
		for _, step := range steps {
			req := parseCurl(t, string(step[1]), srv.URL)
			resp, err := httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			method := req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d: %s", method, resp.StatusCode, got)
			}
			checkResponse(t, method, resp.StatusCode, got)
			if !reflect.DeepEqual(withoutTimes(t, got), withoutTimes(t, step[2])) {
				t.Fatalf("%s answers\n%s\nbut README.md shows\n%s", method, got, step[2])
			}
		}
	})
}

// parseCurl turns `curl -s [-X VERB] URL -H "k: v" … -d '…'` into a request
// (a POST when there is a body and no -X, as curl does).
func parseCurl(t *testing.T, cmd, base string) *http.Request {
	t.Helper()
	args := shellWords(t, strings.ReplaceAll(cmd, "\\\n", " "))
	var url, verb string
	var body []byte
	header := http.Header{}
	for i := 1; i < len(args); i++ {
		switch args[i] {
		case "-s":
		case "-X":
			i++
			verb = args[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(args[i], ":")
			header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case "-d":
			i++
			body = []byte(args[i])
		default:
			url = strings.Replace(args[i], "localhost:8080", strings.TrimPrefix(base, "http://"), 1)
		}
	}
	method := http.MethodGet
	if body != nil {
		method = http.MethodPost
	}
	if verb != "" {
		method = verb
	}
	req, err := http.NewRequest(method, "http://"+strings.TrimPrefix(url, "http://"), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	return req
}

// shellWords splits a command line on spaces outside single or double quotes.
func shellWords(t *testing.T, s string) []string {
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\n' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("unbalanced quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// withoutTimes decodes JSON with every RFC 3339 timestamp replaced by a mark.
func withoutTimes(t *testing.T, b []byte) any {
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
			if _, err := time.Parse(time.RFC3339, x); err == nil {
				return "<time>"
			}
		}
		return v
	}
	return walk(v)
}
