package servicemobility_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/partifact/mockserver/internal/pgtest"
	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
	"github.com/partifact/mockserver/internal/store/postgres"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// forEachStore runs fn against the memory store and a fresh Postgres store.
func forEachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		fn(t, memory.New())
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		st, err := postgres.Open(ctx, pgtest.New(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		fn(t, st)
	})
}

func newService(cfg sm.Config) *sm.Service { return sm.New(cfg) }

// logon gets a token for the demo technician in a tenant.
func logon(t *testing.T, s *sm.Service, st store.Store, tenant string) string {
	t.Helper()
	var tok sm.TokenResponse
	err := st.View(ctx, tenant, func(tx store.Tx) error {
		var err error
		tok, err = s.CreateJWT(tx, []byte(`{"username":"demo.technician","password":"demo-password"}`))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// wantError asserts err is an *Error with status whose StatusMsg contains msg.
func wantError(t *testing.T, err error, status int, msg string) {
	t.Helper()
	e, ok := err.(*sm.Error)
	if !ok {
		t.Fatalf("got %v (%T), want a %d *Error", err, err, status)
	}
	if e.HTTPStatus != status || !strings.Contains(e.Msg, msg) {
		t.Fatalf("got %d %q, want %d containing %q", e.HTTPStatus, e.Msg, status, msg)
	}
	code, body := sm.Render(err)
	if code != status {
		t.Fatalf("rendered %d", code)
	}
	validate(t, "ErrorBody", body)
}

var document = sync.OnceValues(sm.LoadDocument)

// validate checks a JSON body against a schema of the module's document,
// with kin-openapi.
func validate(t *testing.T, schema string, body []byte) {
	t.Helper()
	doc, err := document()
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas[schema]
	if ref == nil {
		t.Fatalf("no schema %s", schema)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v: %s", schema, err, body)
	}
	if err := ref.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		t.Fatalf("%s does not match its schema: %v\n%s", schema, err, body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newMemory() store.Store { return memory.New() }
