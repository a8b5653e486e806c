package apidocs

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Machine-readable docs: /llms.txt (an index), /llms-full.txt (every
// operation of every API with its request, answer and error union, schemas
// resolved) and the markdown guides of docs/. The two texts are generated
// once, at start-up, from the embedded documents, so they cannot drift from
// them.

// openAPIDoc is the part of a document the texts are made of.
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
	OperationID string `json:"operationId"`
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

// operation is an operation with where it lives.
type operation struct {
	verb, path string
	openAPIOp
}

func (d openAPIDoc) operations() []operation {
	var out []operation
	for p, item := range d.Paths {
		for v, op := range item {
			out = append(out, operation{strings.ToUpper(v), p, op})
		}
	}
	slices.SortFunc(out, func(a, b operation) int {
		return cmp.Or(strings.Compare(a.path, b.path), strings.Compare(a.verb, b.verb))
	})
	return out
}

var firstHeading = regexp.MustCompile(`(?m)^#\s+(.+)$`)

// llmsTexts writes the index and the full reference of the documents, in
// order: the APIs first, the sandbox controls (when served) last.
func llmsTexts(docs []Document, pages map[string][]byte) (index, full []byte, err error) {
	r, err := newResolver(docs)
	if err != nil {
		return nil, nil, err
	}
	var ix, fl bytes.Buffer
	ix.WriteString("# Mock server of the collision-repair parts supply chain\n\n> Mocks of the APIs below on one seeded, stateful server: each is described by its OpenAPI 3.1 document, and every request is validated against it. The whole reference in one file: [/llms-full.txt](/llms-full.txt).\n")
	fl.WriteString("# Mock server of the collision-repair parts supply chain: full reference\n\nGenerated from the OpenAPI documents; schemas are JSON Schema with every $ref resolved.\n")
	for _, doc := range docs {
		var d openAPIDoc
		if err := json.Unmarshal(doc.Raw, &d); err != nil {
			return nil, nil, fmt.Errorf("apidocs: llms texts: %s: %w", doc.Path, err)
		}
		intro, _, _ := strings.Cut(d.Info.Description, "\n")
		fmt.Fprintf(&ix, "\n## %s\n\n> %s\n\nDocument: [%s](%s)", d.Info.Title, intro, doc.Path, doc.Path)
		for _, alt := range doc.Also {
			fmt.Fprintf(&ix, ", [%s](%s)", alt, alt)
		}
		ix.WriteString(".\n\n")
		fmt.Fprintf(&fl, "\n## %s\n\nDocument: %s\n\n%s\n", d.Info.Title, doc.Path, d.Info.Description)
		for _, op := range d.operations() {
			name := op.OperationID
			if doc.Prefix == "" || !strings.HasPrefix(op.path, doc.Prefix) {
				name = op.verb + " " + op.path
			}
			fmt.Fprintf(&ix, "- [%s](/llms-full.txt): %s\n", name, op.Summary)
			fmt.Fprintf(&fl, "\n### %s\n\n`%s %s`: %s\n\n%s\n", name, op.verb, op.path, op.Summary, op.Description)
			if op.RequestBody != nil {
				if c, ok := op.RequestBody.Content["application/json"]; ok {
					r.block(&fl, doc.Name, "Request body", c.Schema)
				}
			}
			statuses := make([]string, 0, len(op.Responses))
			for status := range op.Responses {
				statuses = append(statuses, status)
			}
			slices.Sort(statuses) // "default" sorts after the numbers
			for _, status := range statuses {
				resp := op.Responses[status]
				c, ok := resp.Content["application/json"]
				if !ok {
					continue
				}
				title := "Answer (" + status + ")"
				switch {
				case status == "default":
					title = "Error union (any other status): " + resp.Description
				case status[0] != '2':
					title = "Answer (" + status + "): " + resp.Description
				}
				r.block(&fl, doc.Name, title, c.Schema)
			}
		}
		if len(d.Webhooks) > 0 {
			ix.WriteString("\nWebhook events:\n\n")
			fl.WriteString("\n### Webhook events\n")
			events := make([]string, 0, len(d.Webhooks))
			for e := range d.Webhooks {
				events = append(events, e)
			}
			slices.Sort(events)
			for _, e := range events {
				op := d.Webhooks[e]["post"]
				fmt.Fprintf(&ix, "- [%s](/llms-full.txt): %s\n", e, op.Summary)
				fmt.Fprintf(&fl, "\n#### %s\n\n%s\n\n%s\n", e, op.Summary, op.Description)
				if op.RequestBody != nil {
					r.block(&fl, doc.Name, "Body", op.RequestBody.Content["application/json"].Schema)
				}
			}
		}
	}
	if r.err != nil {
		return nil, nil, r.err
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
	return ix.Bytes(), fl.Bytes(), nil
}

// resolver inlines component schemas in place of their $refs, also refs
// into another embedded document ("openapi.json#/components/schemas/…");
// err keeps the first failure.
type resolver struct {
	schemas map[string]any // by "<document>#/components/schemas/<name>"
	err     error
}

func newResolver(docs []Document) (*resolver, error) {
	r := &resolver{schemas: map[string]any{}}
	for _, doc := range docs {
		var d openAPIDoc
		if err := json.Unmarshal(doc.Raw, &d); err != nil {
			return nil, fmt.Errorf("apidocs: %s: %w", doc.Name, err)
		}
		for name, s := range d.Components.Schemas {
			r.schemas[doc.Name+"#/components/schemas/"+name] = s
		}
	}
	return r, nil
}

func (r *resolver) block(b *bytes.Buffer, in, title string, schema any) {
	out, err := json.MarshalIndent(r.inline(in, schema, nil), "", "  ")
	if err != nil {
		r.err = cmp.Or(r.err, err)
		return
	}
	fmt.Fprintf(b, "\n%s:\n\n```json\n%s\n```\n", title, out)
}

// inline copies n, found in document in, with every $ref replaced by its
// schema; a schema that refers to itself keeps its $ref there (open lists
// the ones being expanded).
func (r *resolver) inline(in string, n any, open []string) any {
	switch v := n.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = r.inline(in, e, open)
		}
		return out
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			doc, _, _ := strings.Cut(ref, "#")
			if doc == "" {
				doc, ref = in, in+ref
			}
			if target, found := r.schemas[ref]; found && !slices.Contains(open, ref) {
				return r.inline(doc, target, append(open, ref))
			}
			return v
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = r.inline(in, e, open)
		}
		return out
	}
	return n
}
