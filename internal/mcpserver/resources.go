package mcpserver

import (
	"context"
	"io/fs"
	"net/http"
	"path"
	"strings"

	mockserver "github.com/partifact/mockserver"
)

// HTTPResource is a document the server serves at path (GET), offered as a
// resource: read in-process, so it is what a client would fetch, hidden
// where the server hides it.
func HTTPResource(uri, name, description, mimeType, path string) Resource {
	return Resource{URI: uri, Name: name, Description: description, MIMEType: mimeType,
		Read: func(ctx context.Context, w *World) ([]byte, error) {
			a, err := w.Do(ctx, Request{Method: http.MethodGet, Path: path})
			if err != nil {
				return nil, err
			}
			if a.Status != http.StatusOK {
				return nil, &WireError{Method: http.MethodGet, Path: path, Status: a.Status, Body: a.Body}
			}
			return a.Body, nil
		}}
}

// DocsResources are the docs pages (docs/*.md), as docs://<page>, read from
// /docs/<page>.md.
func DocsResources() []Resource {
	files, _ := fs.Glob(mockserver.Docs, "docs/*.md") // a constant pattern
	var out []Resource
	for _, f := range files {
		page := strings.TrimSuffix(path.Base(f), ".md")
		title := page
		if b, err := fs.ReadFile(mockserver.Docs, f); err == nil {
			first, _, _ := strings.Cut(string(b), "\n")
			title = strings.TrimSpace(strings.TrimPrefix(first, "#"))
		}
		out = append(out, HTTPResource("docs://"+page, page, title+" (the /docs/"+page+".md page)", "text/markdown", "/docs/"+page+".md"))
	}
	return out
}
