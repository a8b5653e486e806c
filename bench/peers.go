package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/seed"
)

// peerReadyTimeout allows for a JVM or Node start on a busy machine.
const peerReadyTimeout = 90 * time.Second

// readyPeer waits until the peer answers the jobs.get request with 200.
func readyPeer(s *server) (*server, error) {
	if err := s.waitReady(peerReadyTimeout, func() bool {
		_, ok := probe(s.jobsGetURL(), repairer(""), jobsGetBody)
		return ok
	}); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// startBare starts the limit: bench/bare answering the mock's own body.
func (h *harness) startBare(answerFile string, answer []byte) (*server, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	p, err := startProc("bare", h.tmp, nil, h.bareBin, "-addr", addr, "-body", answerFile,
		"-api-key", seed.RepairerAPIKey, "-integration-id", seed.RepairerIntegrationID.String())
	if err != nil {
		return nil, "", err
	}
	s, err := readyPeer(&server{proc: p, url: "http://" + addr})
	return s, fmt.Sprintf("checks the 2 headers, same %d-byte body", len(answer)), err
}

// startWireMock runs WireMock standalone with one stub: the same request
// (path, both headers, the JSON body) answered with the mock's body. The
// request journal and request logging are off, WireMock's own advice for
// load; that is its fastest configuration.
func (h *harness) startWireMock(_ string, answer []byte) (*server, string, error) {
	jars, _ := filepath.Glob(filepath.Join(h.peers, "wiremock", "node_modules", "wiremock", "build", "wiremock-standalone-*.jar"))
	if len(jars) == 0 {
		return nil, "not installed (run bench/install-peers.sh)", nil
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, "not installed: java is not on PATH", nil
	}
	root := filepath.Join(h.tmp, "wiremock")
	if err := os.MkdirAll(filepath.Join(root, "mappings"), 0o755); err != nil {
		return nil, "", err
	}
	stub := map[string]any{
		"request": map[string]any{
			"method": "POST",
			"url":    methods.PathPrefix + "repairer.jobs.get",
			"headers": map[string]any{
				"Authorization":         map[string]any{"equalTo": "Bearer " + seed.RepairerAPIKey},
				"Partly-Integration-ID": map[string]any{"equalTo": seed.RepairerIntegrationID.String()},
			},
			"bodyPatterns": []any{map[string]any{"equalToJson": string(jobsGetBody)}},
		},
		"response": map[string]any{
			"status":  200,
			"headers": map[string]any{"Content-Type": "application/json"},
			"body":    string(answer),
		},
	}
	b, err := json.Marshal(stub)
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(root, "mappings", "jobs-get.json"), b, 0o644); err != nil {
		return nil, "", err
	}
	addr, port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	p, err := startProc("wiremock", h.tmp, nil, java, "-jar", jars[0],
		"--bind-address", "127.0.0.1", "--port", port, "--root-dir", root,
		"--disable-banner", "--no-request-journal", "--disable-request-logging")
	if err != nil {
		return nil, "", err
	}
	s, err := readyPeer(&server{proc: p, url: "http://" + addr})
	return s, fmt.Sprintf("%s, stub matching path, headers and JSON body", filepath.Base(jars[0])), err
}

// startPrism runs `prism mock` on our openapi.json. Prism validates the
// request against the document and answers from its examples, so its body
// is its own, not the mock's.
func (h *harness) startPrism(_ string, _ []byte) (*server, string, error) {
	bin := filepath.Join(h.peers, "prism", "node_modules", ".bin", "prism")
	if _, err := os.Stat(bin); err != nil {
		return nil, "not installed (run bench/install-peers.sh)", nil
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, "not installed: node is not on PATH", nil
	}
	addr, port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	p, err := startProc("prism", h.tmp, nil, bin, "mock", "--host", "127.0.0.1", "--port", port,
		filepath.Join(h.root, "openapi.json"))
	if err != nil {
		return nil, "", err
	}
	s, err := readyPeer(&server{proc: p, url: "http://" + addr})
	if err != nil {
		return nil, "", err
	}
	body, _ := probe(s.jobsGetURL(), repairer(""), jobsGetBody)
	return s, fmt.Sprintf("prism mock openapi.json, %d-byte answer from the document", len(body)), nil
}

// freePort is freeAddr split into the address and the port alone.
func freePort() (addr, port string, err error) {
	addr, err = freeAddr()
	if err != nil {
		return "", "", err
	}
	return addr, addr[len("127.0.0.1:"):], nil
}
