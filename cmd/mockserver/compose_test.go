package main

import (
	"bufio"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/partifact/mockserver/internal/app"
)

// configNames lists the environment variables the binary reads.
func configNames(t *testing.T) []string {
	t.Helper()
	cfg, format := app.DefaultConfig(), ""
	var names []string
	for _, e := range serveFlags(&cfg, &format, new(bool), io.Discard).env {
		names = append(names, e.variable)
	}
	return names
}

// composeEnv reads the environment names of one service of a compose file
// (the map form of `environment:`, as ours is written).
func composeEnv(t *testing.T, path, service string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	var names []string
	inService, inEnv := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		switch {
		case indent(line) == 2:
			inService, inEnv = trimmed == service+":", false
		case inService && indent(line) == 4:
			inEnv = trimmed == "environment:"
		case inEnv && indent(line) == 6:
			name, _, ok := strings.Cut(trimmed, ":")
			if !ok || strings.HasPrefix(trimmed, "-") {
				t.Fatalf("%s: environment entry %q is not NAME: value", path, trimmed)
			}
			names = append(names, name)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// TestComposeEnvironment: every variable docker-compose.yml gives the mock
// is one the binary reads, so a renamed setting cannot silently stop working.
func TestComposeEnvironment(t *testing.T) {
	t.Parallel()
	known := configNames(t)
	if !slices.Contains(known, "DATABASE_URL") {
		t.Fatalf("found no DATABASE_URL among the binary's settings %v", known)
	}
	got := composeEnv(t, "../../docker-compose.yml", "mockserver")
	if !slices.Contains(got, "DATABASE_URL") {
		t.Fatalf("docker-compose.yml gives the mockserver no DATABASE_URL (got %v)", got)
	}
	for _, name := range got {
		if !slices.Contains(known, name) {
			t.Errorf("docker-compose.yml sets %s, which the binary does not read (it reads %v)", name, known)
		}
	}
}
