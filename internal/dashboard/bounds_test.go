package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
)

// rows counts the rows of a kind ("job-") on a rendering.
func rows(page, kind string) int {
	return len(regexp.MustCompile(`<tr id="`+kind+`[0-9a-f-]{36}"`).FindAllString(page, -1))
}

// TestLiveBounds: a world holding more than a page shows of each kind of
// record shows the newest of them and says how many it left out.
func TestLiveBounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	const tenant = "crowded"
	extra := 5
	var newest uuid.UUID
	err := st.Update(ctx, tenant, func(tx store.Tx) error {
		for i := range MaxJobs + extra {
			j := seed.New().Jobs[0]
			j.ID, j.ExternalID, j.CreatedAt = uuid.New(), new(fmt.Sprintf("J-%d", i)), seed.Epoch.Add(time.Duration(i+1)*time.Minute)
			if err := tx.InsertJob(j); err != nil {
				return err
			}
			newest = j.ID
		}
		var parts []store.Part
		for i := range MaxParts + extra {
			parts = append(parts, store.Part{ID: uuid.New(), JobID: newest, Ordinal: i + 1, Description: "part",
				Quantity: 1, Status: store.PartEstimated})
		}
		if err := tx.InsertParts(parts); err != nil {
			return err
		}
		for i := range MaxProcurements + extra {
			p := store.Procurement{ID: uuid.New(), BuyerOrgID: seed.RepairerOrgID, JobID: seed.DemoJobID,
				SupplierID: seed.ChristchurchToyotaID, SupplierOrgID: seed.ChristchurchToyotaO, BuyerBusinessID: seed.AddingtonSiteID,
				Status: store.ProcurementOrderRequested, CurrencyCode: "NZD", CreatedAt: seed.Epoch.Add(time.Duration(i) * time.Minute)}
			if err := tx.InsertProcurement(p); err != nil {
				return err
			}
		}
		for range MaxSubscriptions + extra {
			if err := tx.InsertEndpoint(store.Endpoint{ID: uuid.New(), IntegrationID: seed.RepairerIntegrationID,
				URL: "http://127.0.0.1:1/" + uuid.NewString()}); err != nil {
				return err
			}
		}
		for range MaxDeliveries + extra {
			if err := tx.InsertDelivery(store.Delivery{ID: uuid.New(), MessageID: uuid.New(), Type: "repairer.job.inserted",
				IntegrationID: seed.RepairerIntegrationID, URL: "http://127.0.0.1:1/hook", ObjectType: "job", ObjectID: seed.DemoJobID,
				Payload: []byte(`{}`), Status: store.DeliveryPending, NextAttemptAt: tx.Now().Add(-time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every delivery is tried MaxAttempts+extra times.
	for n := 1; n <= MaxAttempts+extra; n++ {
		claimed, err := st.ClaimDeliveries(ctx, 0, time.Hour)
		if err != nil || len(claimed) != MaxDeliveries+extra {
			t.Fatalf("claim %d: %d %v", n, len(claimed), err)
		}
		for _, d := range claimed {
			a := store.Attempt{DeliveryID: d.ID, Number: n, At: time.Now(), StatusCode: 500, Signature: "sig"}
			if err := st.CompleteAttempt(ctx, tenant, a, store.DeliveryPending, time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	long := []byte(strings.Repeat("é", BodyExcerpt)) // twice the excerpt, in bytes
	var entries []store.JournalEntry
	for i := range MaxJournal + extra {
		entries = append(entries, store.JournalEntry{ID: uuid.New(), Method: "partly:repairer.jobs.get", Status: 200,
			Time: seed.Epoch.Add(time.Duration(i) * time.Second), RequestID: fmt.Sprintf("req-%d", i), RequestBody: long})
	}
	if err := st.AppendJournal(ctx, tenant, entries, 1000); err != nil {
		t.Fatal(err)
	}

	d, err := New(Config{Store: st, Sections: []Section{Partly()}, Sandbox: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := d.live(ctx, tenant, journalFilter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for kind, want := range map[string]int{"job-": MaxJobs, "part-": MaxParts, "procurement-": MaxProcurements,
		"endpoint-": MaxSubscriptions, "delivery-": MaxDeliveries, "call-": MaxJournal} {
		if got := rows(page, kind); got != want {
			t.Errorf("%s rows: %d, want %d", kind, got, want)
		}
	}
	// The newest job's parts, the procurements, the subscriptions and
	// every delivery's attempts; the jobs, with the seeded one.
	if n, want := strings.Count(page, fmt.Sprintf("and %d more, not shown", extra)), 3+MaxDeliveries; n != want {
		t.Errorf("%d tables say they left %d out, want %d", n, extra, want)
	}
	if n := strings.Count(page, fmt.Sprintf("and %d more, not shown", extra+1)); n != 1 {
		t.Errorf("the jobs do not say they left %d out", extra+1)
	}
	if !strings.Contains(page, fmt.Sprintf("The newest %d; GET /__webhooks/deliveries lists more.", MaxDeliveries)) {
		t.Error("the deliveries do not say more are kept")
	}
	if !strings.Contains(page, fmt.Sprintf("(%d more bytes)", len(long)-BodyExcerpt)) {
		t.Error("a long body is not cut")
	}
	// The newest of each are the ones shown.
	if !strings.Contains(page, fmt.Sprintf(">J-%d<", MaxJobs+extra-1)) || strings.Contains(page, ">J-0<") {
		t.Error("the jobs shown are not the newest")
	}
	if !strings.Contains(page, fmt.Sprintf("req-%d", MaxJournal+extra-1)) || strings.Contains(page, ">req-0<") {
		t.Error("the journal entries shown are not the newest")
	}
}

// TestHomeBounds: the home page lists the MaxWorlds used most recently
// and counts them all.
func TestHomeBounds(t *testing.T) {
	t.Parallel()
	st := memory.New()
	for i := range MaxWorlds + 2 {
		if err := st.View(context.Background(), fmt.Sprintf("w-%d", i), func(store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	d, err := New(Config{Store: st, Sandbox: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	d.home(rec, httptest.NewRequest(http.MethodGet, "/ui/", nil))
	page := rec.Body.String()
	if n := strings.Count(page, `href="/ui/world?tenant=w-`); n != MaxWorlds {
		t.Fatalf("%d worlds listed, want %d", n, MaxWorlds)
	}
	if !strings.Contains(page, fmt.Sprintf("%d worlds alive; the %d used most recently are listed", MaxWorlds+2, MaxWorlds)) {
		t.Fatal("the home page does not count the worlds it leaves out")
	}
}

// TestControlBounds: a control's form is read up to maxForm, and what is
// kept of a route's answer up to maxAnswer.
func TestControlBounds(t *testing.T) {
	t.Parallel()
	d, err := New(Config{Store: memory.New(), Sandbox: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/ui/action", strings.NewReader("do=reset&advance="+strings.Repeat("x", maxForm)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	d.action(rec, req)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "could not be read") {
		t.Fatalf("a form over %d bytes: %d", maxForm, rec.Code)
	}
	c := &capture{header: http.Header{}, status: http.StatusOK}
	chunk := []byte(strings.Repeat("a", 4096))
	for range maxAnswer/len(chunk) + 10 {
		if n, err := c.Write(chunk); n != len(chunk) || err != nil {
			t.Fatal(n, err)
		}
	}
	if c.body.Len() != maxAnswer {
		t.Fatalf("kept %d bytes of an answer, want %d", c.body.Len(), maxAnswer)
	}
}
