package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/postgres"
	"github.com/partifact/mockserver/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, pgtest.New(t)) })
}
