package e2e

import (
	"testing"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/app/apptest"
	"github.com/partifact/mockserver/internal/pgtest"
)

// eachStore runs fn on every store, in parallel subtests: the memory
// default and a Postgres database of its own.
func eachStore(t *testing.T, fn func(t *testing.T, cfg app.Config)) {
	for _, s := range []struct {
		name string
		cfg  func(t *testing.T) app.Config
	}{
		{"memory", func(*testing.T) app.Config { return app.DefaultConfig() }},
		{"postgres", func(t *testing.T) app.Config {
			return apptest.Config(func(c *app.Config) { c.DatabaseURL = pgtest.New(t) })
		}},
	} {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			fn(t, s.cfg(t))
		})
	}
}
