package main

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
)

// jobsGetBody is the hot read every jobs.get target answers.
var jobsGetBody = []byte(`{"identity":{"external":"CCC-2026-04817"}}`)

// credHeader is what the demo repairer (or supplier) sends, optionally in a
// tenant of its own.
func credHeader(apiKey, integrationID, tenant string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "Bearer "+apiKey)
	h.Set("Partly-Integration-ID", integrationID)
	if tenant != "" {
		h.Set("x-mock-tenant", tenant)
	}
	return h
}

func repairer(tenant string) http.Header {
	return credHeader(seed.RepairerAPIKey, seed.RepairerIntegrationID.String(), tenant)
}

func supplier(tenant string) http.Header {
	return credHeader(seed.SupplierAPIKey, seed.SupplierIntegrationID.String(), tenant)
}

// server is a started target: its process and base URL.
type server struct {
	*proc
	url string
}

// jobsGetURL is where a target answers repairer.jobs.get.
func (s *server) jobsGetURL() string { return s.url + methods.PathPrefix + "repairer.jobs.get" }

// startMock starts the built mock in memory, or on Postgres when dbURL is
// set. The database flag is always given, so a DATABASE_URL in the
// harness's environment never turns a memory run into a Postgres one.
func (h *harness) startMock(name, dbURL string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := startProc(name, h.tmp, nil, h.mockBin, "--addr", addr, "--database-url", dbURL)
	if err != nil {
		return nil, err
	}
	return &server{proc: p, url: "http://" + addr}, nil
}

// readyMock starts the mock and waits for its first 200 on jobs.get,
// returning how long that took and the answer's body.
func (h *harness) readyMock(name, dbURL string) (*server, time.Duration, []byte, error) {
	t0 := time.Now()
	s, err := h.startMock(name, dbURL)
	if err != nil {
		return nil, 0, nil, err
	}
	var body []byte
	err = s.waitReady(30*time.Second, func() bool {
		var ok bool
		body, ok = probe(s.jobsGetURL(), repairer(""), jobsGetBody)
		return ok
	})
	took := time.Since(t0)
	if err != nil {
		s.stop()
		return nil, 0, nil, err
	}
	return s, took, body, nil
}

// probe sends one request on a fresh connection and reports a 200 with its body.
var probeClient = &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

func probe(url string, header http.Header, body []byte) ([]byte, bool) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	req.Header = header
	resp, err := probeClient.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, err == nil && resp.StatusCode == http.StatusOK
}
