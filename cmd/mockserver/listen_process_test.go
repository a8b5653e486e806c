package main

import (
	"context"
	"testing"
	"time"

	"github.com/partifact/mockserver/internal/pgtest"
	"github.com/partifact/mockserver/internal/sandboxclient"
	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/webhook"
)

// TestListenAcrossInstances: two processes on one database are one server
// to a listener too. One opens it (its inbox gets the deliveries); a poll
// waiting on the other finds them in the store.
func TestListenAcrossInstances(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := start(t, db), start(t, db)
	const tenant = "listen-two"
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	onA := &sandboxclient.Client{BaseURL: a.url, Tenant: tenant}
	onB := &sandboxclient.Client{BaseURL: b.url, Tenant: tenant}
	l, err := onA.Listen(ctx, seed.RepairerIntegrationID.String())
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		page sandboxclient.Page
		err  error
	}
	got := make(chan result, 1)
	go func() {
		p, err := onB.Poll(ctx, l.ListenerID, 0, 30*time.Second)
		got <- result{p, err}
	}()
	if _, err := a.repairer(tenant, "repairer.jobs.insert", jobInsert("LISTEN-TWO"), nil); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || len(r.page.Items) != 1 {
		t.Fatalf("poll on the other instance: %+v %v", r.page, r.err)
	}
	d := r.page.Items[0]
	if env, err := webhook.Verify(l.Secret, d.Body, d.Headers[webhook.SignatureHeader], time.Now()); err != nil || env.Type != "repairer.job.inserted" {
		t.Fatalf("delivery %+v: %v", env, err)
	}
	if err := onB.Unlisten(ctx, l.ListenerID); err != nil {
		t.Fatal(err)
	}
	if _, err := onA.Poll(ctx, l.ListenerID, 0, 0); !sandboxclient.IsType(err, "unknown_listener") {
		t.Fatalf("poll after closing on the other instance: %v", err)
	}
}
