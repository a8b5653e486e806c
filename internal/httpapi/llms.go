package httpapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	mockserver "github.com/partifact/mockserver"
	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/spec"
)

// Machine-readable docs: /llms.txt (an index), /llms-full.txt (every
// method with its request, answer and error union, schemas resolved) and
// the markdown guides of docs/. The two texts are generated once, at
// start-up, from the embedded openapi.json, so they cannot drift from it.

// mountDocs serves the machine-readable docs.
func mountDocs(r chi.Router, raw []byte) error {
	pages, err := docPages()
	if err != nil {
		return err
	}
	index, full, err := llmsTexts(raw, pages)
	if err != nil {
		return err
	}
	r.Get("/llms.txt", text(index, "text/plain; charset=utf-8"))
	r.Get("/llms-full.txt", text(full, "text/plain; charset=utf-8"))
	// A page answers at /docs/<page>.md and, as the vendor's docs do for
	// Accept: text/markdown, at /docs/<page>: the mock has no HTML portal,
	// so markdown is the page whatever the Accept header.
	r.Get("/docs/{file}", func(w http.ResponseWriter, req *http.Request) {
		b, found := pages[strings.TrimSuffix(chi.URLParam(req, "file"), ".md")]
		if !found {
			writeError(w, req, false, &methods.Error{Type: "unknown_method"})
			return
		}
		text(b, "text/markdown; charset=utf-8")(w, req)
	})
	return nil
}

func text(b []byte, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(b)
	}
}

// docPages reads the embedded guides, by page name (file name less .md).
func docPages() (map[string][]byte, error) {
	files, err := fs.Glob(mockserver.Docs, "docs/*.md")
	if err != nil {
		return nil, err
	}
	pages := map[string][]byte{}
	for _, f := range files {
		b, err := fs.ReadFile(mockserver.Docs, f)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(path.Base(f), ".md")] = b
	}
	return pages, nil
}

// openAPIDoc is the part of openapi.json the texts are made of.
type openAPIDoc struct {
	Info struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	} `json:"info"`
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas map[string]any `json:"schemas"`
	} `json:"components"`
	Webhooks map[string]map[string]openAPIOp `json:"webhooks"`
}

type openAPIOp struct {
	Summary     string `json:"summary"`
	Description string `json:"description"`
	RequestBody *struct {
		Content map[string]struct {
			Schema any `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Description string `json:"description"`
		Content     map[string]struct {
			Schema any `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

var firstHeading = regexp.MustCompile(`(?m)^#\s+(.+)$`)

func llmsTexts(raw []byte, pages map[string][]byte) (index, full []byte, err error) {
	var d openAPIDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, nil, fmt.Errorf("httpapi: llms texts: %w", err)
	}
	var wire, controls []string
	for p := range d.Paths {
		if strings.HasPrefix(p, spec.PathPrefix) {
			wire = append(wire, p)
		} else {
			controls = append(controls, p)
		}
	}
	slices.Sort(wire)
	slices.Sort(controls)
	intro, _, _ := strings.Cut(d.Info.Description, "\n")

	var ix, fl bytes.Buffer
	fmt.Fprintf(&ix, "# %s\n\n> %s\n\n", d.Info.Title, intro)
	ix.WriteString("Every method is `POST /api/2026-01/<method>` with a JSON body. The whole reference in one file: [/llms-full.txt](/llms-full.txt). The contract: [/openapi.json](/openapi.json) (OpenAPI 3.1), [/openapi-3.0.json](/openapi-3.0.json).\n\n## Methods\n\n")
	fmt.Fprintf(&fl, "# %s: full reference\n\nGenerated from /openapi.json; schemas are JSON Schema with every $ref resolved.\n\n%s\n\n## Methods\n", d.Info.Title, d.Info.Description)
	r := &resolver{schemas: d.Components.Schemas}
	for _, p := range wire {
		name := strings.TrimPrefix(p, spec.PathPrefix)
		op := d.Paths[p]["post"]
		fmt.Fprintf(&ix, "- [%s](/llms-full.txt): %s\n", name, op.Summary)
		fmt.Fprintf(&fl, "\n### %s\n\n`POST %s`: %s\n\n%s\n", name, p, op.Summary, op.Description)
		if op.RequestBody != nil {
			r.block(&fl, "Request body", op.RequestBody.Content["application/json"].Schema)
		}
		for _, status := range []string{"200", "default"} {
			resp, ok := op.Responses[status]
			if !ok {
				continue
			}
			title := "Answer (200)"
			if status == "default" {
				title = "Error union (any other status): " + resp.Description
			}
			r.block(&fl, title, resp.Content["application/json"].Schema)
		}
	}
	if len(d.Webhooks) > 0 {
		ix.WriteString("\n## Webhook events\n\n")
		fl.WriteString("\n## Webhook events\n")
		events := make([]string, 0, len(d.Webhooks))
		for e := range d.Webhooks {
			events = append(events, e)
		}
		slices.Sort(events)
		for _, e := range events {
			op := d.Webhooks[e]["post"]
			fmt.Fprintf(&ix, "- [%s](/llms-full.txt): %s\n", e, op.Summary)
			fmt.Fprintf(&fl, "\n### %s\n\n%s\n\n%s\n", e, op.Summary, op.Description)
			if op.RequestBody != nil {
				r.block(&fl, "Body", op.RequestBody.Content["application/json"].Schema)
			}
		}
	}
	if len(controls) > 0 {
		ix.WriteString("\n## Sandbox controls (outside the contract)\n\n")
		fl.WriteString("\n## Sandbox controls (outside the contract)\n")
		for _, p := range controls {
			verbs := make([]string, 0, len(d.Paths[p]))
			for v := range d.Paths[p] {
				verbs = append(verbs, v)
			}
			slices.Sort(verbs)
			for _, v := range verbs {
				op := d.Paths[p][v]
				fmt.Fprintf(&ix, "- [%s %s](/llms-full.txt): %s\n", strings.ToUpper(v), p, op.Summary)
				fmt.Fprintf(&fl, "\n### %s %s\n\n%s. %s\n", strings.ToUpper(v), p, op.Summary, op.Description)
			}
		}
	}
	if len(pages) > 0 {
		ix.WriteString("\n## Docs\n\n")
		names := make([]string, 0, len(pages))
		for n := range pages {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			title := n
			if m := firstHeading.FindSubmatch(pages[n]); m != nil {
				title = string(m[1])
			}
			fmt.Fprintf(&ix, "- [%s](/docs/%s.md)\n", title, n)
		}
	}
	return ix.Bytes(), fl.Bytes(), r.err
}

// resolver inlines component schemas in place of their $refs; err keeps
// the first failure.
type resolver struct {
	schemas map[string]any
	err     error
}

const schemaRef = "#/components/schemas/"

func (r *resolver) block(b *bytes.Buffer, title string, schema any) {
	out, err := json.MarshalIndent(r.inline(schema, nil), "", "  ")
	if err != nil {
		r.err = cmp.Or(r.err, err)
		return
	}
	fmt.Fprintf(b, "\n%s:\n\n```json\n%s\n```\n", title, out)
}

// inline copies n with every $ref replaced by its schema; a schema that
// refers to itself keeps its $ref there (open lists the ones being
// expanded).
func (r *resolver) inline(n any, open []string) any {
	switch v := n.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = r.inline(e, open)
		}
		return out
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, schemaRef)
			if target, found := r.schemas[name]; found && !slices.Contains(open, name) {
				return r.inline(target, append(open, name))
			}
			return v
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = r.inline(e, open)
		}
		return out
	}
	return n
}
