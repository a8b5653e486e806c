package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/seed"
)

// recipe:start

// verifyWebhook returns the raw body of a webhook request once its
// signature and its timestamp check out.
func verifyWebhook(r *http.Request, secret string) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	got, err := base64.StdEncoding.DecodeString(r.Header.Get("partly-hmac-sha256"))
	if err != nil || len(got) == 0 {
		return nil, errors.New("missing or malformed signature")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	// The exact bytes received, before any JSON parsing; compared in
	// constant time.
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return nil, errors.New("bad signature")
	}
	var env struct {
		Timestamp time.Time `json:"timestamp"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if age := time.Since(env.Timestamp); age > 5*time.Minute || age < -5*time.Minute {
		return nil, errors.New("timestamp outside the 5 minute window")
	}
	return body, nil
}

// webhookHandler acknowledges every verified message and hands each
// message_id to handle once.
func webhookHandler(secret string, seen *sync.Map, handle func(typ string, payload json.RawMessage)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := verifyWebhook(r, secret)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var env struct {
			MessageID string          `json:"message_id"`
			Type      string          `json:"type"`
			Payload   json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			http.Error(w, "not an envelope", http.StatusBadRequest)
			return
		}
		if _, dup := seen.LoadOrStore(env.MessageID, true); !dup {
			handle(env.Type, env.Payload)
		}
		w.WriteHeader(http.StatusOK)
	}
}

// recipe:end

// TestGoRecipe runs the Go recipe of docs/webhooks.md as a receiver of
// real deliveries, and through the probe.
func TestGoRecipe(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("recipe_test.go")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)<!-- recipe:go -->\n```go\n(.*?)```").FindSubmatch(doc)
	_, rest, _ := strings.Cut(string(src), "// recipe:start\n")
	code, _, _ := strings.Cut(rest, "// recipe:end")
	if block == nil || strings.TrimSpace(string(block[1])) != strings.TrimSpace(code) {
		t.Fatal("the Go recipe in docs/webhooks.md and the one tested here differ")
	}

	s := start(t, app.DefaultConfig())
	handled := make(chan string, 10)
	var seen sync.Map
	rc := httptest.NewServer(webhookHandler(seed.RepairerWebhookSecret, &seen, func(typ string, _ json.RawMessage) { handled <- typ }))
	t.Cleanup(rc.Close)
	s.subscribe("recipe", seed.RepairerIntegrationID, rc.URL)
	if code := s.insertJob("recipe", "RECIPE-1"); code != 200 {
		t.Fatalf("jobs.insert: %d", code)
	}
	select {
	case typ := <-handled:
		if typ != "repairer.job.inserted" {
			t.Fatalf("handled %s", typ)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the recipe handled nothing within 10 s")
	}
	var rep probeReport
	s.do(http.MethodPost, "/__webhooks/probe", "recipe", nil, map[string]any{"url": rc.URL, "integration_id": seed.RepairerIntegrationID}, &rep)
	if !rep.Passed {
		t.Fatalf("the recipe fails the probe: %+v", rep)
	}
	if n := len(handled); n != 1 {
		t.Fatalf("the probe's duplicate was handled again (%d handled)", n)
	}
}
