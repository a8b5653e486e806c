package webhooks_test

import (
	"os"
	"testing"

	"github.com/partifact/mockserver/internal/pgtest"
)

// TestMain stops the throwaway Postgres of the Postgres runs at the end.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
