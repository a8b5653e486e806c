// Package apidocs serves what the server says of itself to machines and
// people: the OpenAPI documents (/openapi.json and the others, and a 3.0
// form of each API's for generators that only read 3.0), /llms.txt,
// /llms-full.txt and the markdown guides at /docs/<page>.
package apidocs

import (
	"bytes"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/partifact/mockserver/internal/httpapi"

	mockserver "github.com/partifact/mockserver"
)

// Document is an OpenAPI document served at Path.
type Document struct {
	Name string // its file name, "openapi.json"
	Path string // where it is served, "/openapi.json"
	Raw  []byte
	// Prefix starts the paths of the API's operations; the texts name
	// those by operationId and others by verb and path. "": none (the
	// sandbox's, named by verb and path).
	Prefix string
	// Derived30 also serves a 3.0.3 form of the document at this path
	// (e.g. "/openapi-3.0.json"); "": none.
	Derived30 string
	// Also lists other paths the document is served at, for the index.
	Also []string
}

// Mount serves the documents and the texts made of them. Documents of
// routes that are not served (the sandbox's, with --sandbox-routes=false)
// are not passed, so nothing mentions them; withoutSandbox also leaves out
// the guides that tell of the sandbox routes.
func Mount(docs []Document, withoutSandbox bool, notFound func(http.ResponseWriter, *http.Request)) (func(chi.Router) error, error) {
	pages, err := docPages()
	if err != nil {
		return nil, err
	}
	if withoutSandbox {
		for name, b := range pages {
			if bytes.Contains(b, []byte("/__")) {
				delete(pages, name)
			}
		}
	}
	for i, d := range docs {
		if d.Derived30 != "" {
			docs[i].Also = append(docs[i].Also, d.Derived30)
		}
	}
	// The 3.0 forms and the texts are made at their first request: start-up
	// then need not pay for what few runs ask for. They are pure functions
	// of the embedded documents, which tests render in full.
	derived := map[string]func() ([]byte, error){}
	for _, d := range docs {
		if d.Derived30 != "" {
			derived[d.Derived30] = sync.OnceValues(func() ([]byte, error) { return Downgrade(d.Raw) })
		}
	}
	texts := sync.OnceValues(func() ([2][]byte, error) {
		index, full, err := llmsTexts(docs, pages)
		return [2][]byte{index, full}, err
	})
	return func(r chi.Router) error {
		for _, d := range docs {
			r.Get(d.Path, text(d.Raw, "application/json"))
		}
		for p, make := range derived {
			r.Get(p, lazyText(make, "application/json"))
		}
		r.Get("/llms.txt", lazyText(func() ([]byte, error) { t, err := texts(); return t[0], err }, "text/plain; charset=utf-8"))
		r.Get("/llms-full.txt", lazyText(func() ([]byte, error) { t, err := texts(); return t[1], err }, "text/plain; charset=utf-8"))
		// A page answers at /docs/<page>.md and, as the vendor's docs do for
		// Accept: text/markdown, at /docs/<page>: the mock has no HTML
		// portal, so markdown is the page whatever the Accept header.
		r.Get("/docs/{file}", func(w http.ResponseWriter, req *http.Request) {
			b, found := pages[strings.TrimSuffix(chi.URLParam(req, "file"), ".md")]
			if !found {
				notFound(w, req)
				return
			}
			text(b, "text/markdown; charset=utf-8")(w, req)
		})
		return nil
	}, nil
}

// lazyText answers what make makes (once); a failure is the server's, a
// 500 that is logged.
func lazyText(make func() ([]byte, error), contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := make()
		if err != nil {
			httpapi.Failed(r, slog.LevelError, "render document", "error", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		text(b, contentType)(w, r)
	}
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
