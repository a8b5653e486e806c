// Package storetest is the one conformance suite every store.Store passes:
// the memory store and the Postgres store run the same tests, so they behave
// the same. A change of behaviour starts here.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// NewStore returns an empty store for one test; the test closes it.
type NewStore func(t *testing.T) store.Store

// Run runs the whole suite against the stores newStore makes.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"SeededWorld", testSeededWorld},
		{"PingAndCanceledContext", testPingAndCanceledContext},
		{"NotFound", testNotFound},
		{"Integrations", testIntegrations},
		{"ClientsAndAccessCodes", testClientsAndAccessCodes},
		{"InstallCounts", testInstallCounts},
		{"Jobs", testJobs},
		{"JobPages", testJobPages},
		{"Parts", testParts},
		{"Procurements", testProcurements},
		{"Events", testEvents},
		{"Rollback", testRollback},
		{"PanicInUpdate", testPanicInUpdate},
		{"UpdateRetriesConflict", testUpdateRetriesConflict},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"TenantIsolation", testTenantIsolation},
		{"Clock", testClock},
		{"ResetTenant", testResetTenant},
		{"DropIdleTenants", testDropIdleTenants},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ConcurrentInsertSameJob", testConcurrentInsertSameJob},
		{"ConcurrentConfirm", testConcurrentConfirm},
		{"ConcurrentUseAccessCode", testConcurrentUseAccessCode},
		{"Endpoints", testEndpoints},
		{"Deliveries", testDeliveries},
		{"ClaimDeliveries", testClaimDeliveries},
		{"ClaimUsesTenantClock", testClaimUsesTenantClock},
		{"ClaimExpiredLease", testClaimExpiredLease},
		{"ConcurrentClaims", testConcurrentClaims},
		{"ClaimFairness", testClaimFairness},
		{"DeferEndpoint", testDeferEndpoint},
		{"CompleteAttempt", testCompleteAttempt},
		{"Kick", testKick},
		{"Sink", testSink},
		{"Listeners", testListeners},
		{"ListenerCaps", testListenerCaps},
		{"Faults", testFaults},
		{"Journal", testJournal},
		{"JournalTenantClock", testJournalTenantClock},
		{"JournalText", testJournalText},
		{"Coverage", testCoverage},
		{"DueProcurements", testDueProcurements},
		{"ProcurementByID", testProcurementByID},
		{"CountTenants", testCountTenants},
		{"MobilityConfig", testMobilityConfig},
		{"ContractChecks", testContractChecks},
		{"Tenants", testTenants},
	}
	tests = append(tests, partageTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

func view(t *testing.T, s store.Store, tenant string, fn func(store.Tx) error) {
	t.Helper()
	if err := s.View(ctx, tenant, fn); err != nil {
		t.Fatalf("view: %v", err)
	}
}

func update(t *testing.T, s store.Store, tenant string, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, tenant, fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

// updateTaken runs fn, which inserts keys that are taken and hands what
// each of those inserts answered to taken. A store refuses such an insert
// with ErrConflict at the call, or sends it later and then runs fn again,
// where the call refuses it (Store.Update); either way every call given to
// taken is refused in the run that commits.
func updateTaken(t *testing.T, s store.Store, tenant string, fn func(tx store.Tx, taken func(error)) error) {
	t.Helper()
	var accepted []int
	update(t, s, tenant, func(tx store.Tx) error {
		accepted = nil // what counts is the run that commits
		n := 0
		return fn(tx, func(err error) {
			t.Helper()
			n++
			switch {
			case err == nil:
				accepted = append(accepted, n)
			case !errors.Is(err, store.ErrConflict):
				t.Fatalf("insert of a taken key (%d of the run): got error %v, want %v", n, err, store.ErrConflict)
			}
		})
	})
	if len(accepted) > 0 {
		t.Fatalf("inserts of taken keys %v (in the order given to taken) were not refused with %v", accepted, store.ErrConflict)
	}
}

// must(call()).get(t) is the value of a call that must not fail.
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

func (r result[T]) get(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("unexpected error: %v", r.err)
	}
	return r.v
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// at is a time at the precision every store keeps (microseconds, UTC).
func at(minutes int) time.Time { return seed.Epoch.Add(time.Duration(minutes) * time.Minute) }

func newJob(org uuid.UUID, ext string, created time.Time) store.Job {
	v := seed.DemoVehicle()
	return store.Job{
		ID: seed.Mint(org, "job:"+ext), OrganizationID: org, SiteID: seed.AddingtonSiteID,
		ExternalID: ptr(ext), ClaimNumber: ptr("CLM-" + ext), Vehicle: &v, WorkProviderID: ptr(seed.AMIInsuranceID),
		Images: []string{"https://example.test/" + ext + ".jpg"}, Status: store.JobDraft,
		CreatedAt: created, UpdatedAt: created,
	}
}

func newProcurement(job store.Job, n int) store.Procurement {
	id := seed.Mint(job.ID, "procurement:"+strconv.Itoa(n))
	return store.Procurement{
		ID: id, BuyerOrgID: job.OrganizationID, JobID: job.ID, SupplierID: seed.ChristchurchToyotaID,
		SupplierOrgID: seed.ChristchurchToyotaO, BuyerBusinessID: job.SiteID, Status: store.ProcurementOrderRequested,
		CurrencyCode: "NZD", CreatedAt: at(n), UpdatedAt: at(n),
		Lines: []store.ProcurementLine{{
			ID: seed.Mint(id, "line:1"), PartID: seed.Mint(job.ID, "part:1"), OfferID: uuid.New(),
			Description: "Front bumper cover", PartNumber: ptr(seed.BumperCoverPN), Quantity: 1, UnitPriceCents: 54950,
		}},
	}
}

func newEvent(typ string, created time.Time) store.Event {
	return store.Event{
		ID: uuid.New(), Type: typ, OrganizationID: seed.RepairerOrgID, Role: store.RoleRepairer,
		ObjectType: "job", ObjectID: seed.DemoJobID, Payload: []byte(`{"type":"` + typ + `"}`), CreatedAt: created,
	}
}

func testSeededWorld(t *testing.T, s store.Store) {
	w := seed.New()
	view(t, s, "seeded", func(tx store.Tx) error {
		in := must(tx.IntegrationByKey(seed.RepairerAPIKey)).get(t)
		equal(t, "integration by key", in, w.Integrations[0])
		equal(t, "integration", must(tx.Integration(seed.SupplierIntegrationID)).get(t), w.Integrations[1])
		equal(t, "integrations of", must(tx.IntegrationsOf(seed.RepairerOrgID)).get(t), w.Integrations[:1])
		equal(t, "organization", must(tx.Organization(seed.RepairerOrgID)).get(t), w.Organizations[0])

		suppliers := must(tx.Organizations(store.RoleSupplier)).get(t)
		var names []string
		for _, o := range suppliers {
			names = append(names, o.Name)
		}
		equal(t, "suppliers by name", names, []string{"Auto Parts Direct", "Canterbury Used Auto Parts",
			"Christchurch Toyota", "Wellington Genuine Parts"})

		sites := must(tx.Businesses(seed.RepairerOrgID)).get(t)
		equal(t, "sites by name", []uuid.UUID{sites[0].ID, sites[1].ID, sites[2].ID},
			[]uuid.UUID{seed.AddingtonSiteID, seed.HornbySiteID, seed.TimaruSiteID})
		equal(t, "site", sites[0], w.Businesses[0])
		equal(t, "business", must(tx.Business(seed.ChristchurchToyotaID)).get(t), w.Businesses[4])

		equal(t, "work providers", must(tx.WorkProviders()).get(t), w.WorkProviders)
		equal(t, "work provider", must(tx.WorkProvider(seed.AMIInsuranceID)).get(t), w.WorkProviders[0])
		equal(t, "catalogue", must(tx.Catalogue()).get(t), w.Catalogue)
		equal(t, "vehicle by vin", must(tx.VehicleByVIN("JTNKARJE20J012345")).get(t), seed.DemoVehicle())
		equal(t, "vehicle by plate", must(tx.VehicleByPlate("NZ", "HLX880")).get(t), w.Vehicles[4])

		equal(t, "demo job", must(tx.Job(seed.RepairerOrgID, seed.DemoJobID)).get(t), w.Jobs[0])
		equal(t, "demo job by external id", must(tx.JobByExternal(seed.RepairerOrgID, seed.DemoJobExternalID)).get(t), w.Jobs[0])
		equal(t, "jobs", must(tx.Jobs(seed.RepairerOrgID, store.JobFilter{})).get(t), w.Jobs)
		equal(t, "client", must(tx.Client(seed.DemoClientID)).get(t), w.Clients[0])
		equal(t, "no events", len(must(tx.Events()).get(t)), 0)
		equal(t, "clock offset", tx.ClockOffset(), time.Duration(0))
		return nil
	})
}

func testPingAndCanceledContext(t *testing.T, s store.Store) {
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	fn := func(store.Tx) error { ran = true; return nil }
	if err := s.View(canceled, "canceled", fn); !errors.Is(err, context.Canceled) {
		t.Errorf("view with a canceled context: %v", err)
	}
	if err := s.Update(canceled, "canceled", fn); !errors.Is(err, context.Canceled) {
		t.Errorf("update with a canceled context: %v", err)
	}
	if ran {
		t.Error("a transaction ran under a canceled context")
	}
}

func testNotFound(t *testing.T, s store.Store) {
	unknown := uuid.New()
	view(t, s, "notfound", func(tx store.Tx) error {
		for name, err := range map[string]error{
			"IntegrationByKey":    second(tx.IntegrationByKey("partly_nope")),
			"Integration":         second(tx.Integration(unknown)),
			"Client":              second(tx.Client("nope")),
			"Organization":        second(tx.Organization(unknown)),
			"Business":            second(tx.Business(unknown)),
			"WorkProvider":        second(tx.WorkProvider(unknown)),
			"VehicleByVIN":        second(tx.VehicleByVIN("NOPE")),
			"VehicleByPlate":      second(tx.VehicleByPlate("NZ", "NOPE")),
			"VehicleByPlateOther": second(tx.VehicleByPlate("AU", "NKR419")), // the register knows NZ plates
			"Job":                 second(tx.Job(seed.RepairerOrgID, unknown)),
			"JobOfOtherOrg":       second(tx.Job(seed.OtherRepairerOrgID, seed.DemoJobID)),
			"JobByExternal":       second(tx.JobByExternal(seed.RepairerOrgID, "nope")),
			"JobByExternalOther":  second(tx.JobByExternal(seed.OtherRepairerOrgID, seed.DemoJobExternalID)),
			"Procurement":         second(tx.Procurement(seed.RepairerOrgID, unknown)),
			"SupplierProcurement": second(tx.SupplierProcurement(seed.ChristchurchToyotaO, unknown)),
			"Delivery":            second(tx.Delivery(unknown)),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: got %v, want ErrNotFound", name, err)
			}
		}
		equal(t, "parts of unknown job", len(must(tx.Parts(unknown)).get(t)), 0)
		equal(t, "jobs of unknown org", len(must(tx.Jobs(unknown, store.JobFilter{})).get(t)), 0)
		equal(t, "businesses of unknown org", len(must(tx.Businesses(unknown)).get(t)), 0)
		equal(t, "procurement count", must(tx.JobProcurementCount(unknown)).get(t), 0)
		return nil
	})
	update(t, s, "notfound", func(tx store.Tx) error {
		wantErr(t, tx.UpdateJob(store.Job{ID: unknown, OrganizationID: seed.RepairerOrgID}), store.ErrNotFound)
		wantErr(t, tx.UpdatePart(store.Part{ID: unknown, JobID: seed.DemoJobID}), store.ErrNotFound)
		wantErr(t, tx.UpdateProcurement(store.Procurement{ID: unknown}), store.ErrNotFound)
		wantErr(t, tx.DeleteEndpoint(unknown), store.ErrNotFound)
		wantErr(t, tx.RequeueDelivery(unknown, at(0)), store.ErrNotFound)
		wantErr(t, tx.UseFault(unknown), store.ErrNotFound)
		wantErr(t, second(tx.UseAccessCode("nope")), store.ErrNotFound)
		// A store stays usable after a typed error, as a caller may go on.
		_ = must(tx.Job(seed.RepairerOrgID, seed.DemoJobID)).get(t)
		return nil
	})
}

func second[T any](_ T, err error) error { return err }

func testIntegrations(t *testing.T, s store.Store) {
	later := store.Integration{ID: uuid.New(), APIKey: "partly_later", OrganizationID: seed.RepairerOrgID,
		Role: store.RoleRepairer, ClientID: seed.DemoClientID, WebhookSecret: "pwh_x", CreatedAt: at(60)}
	updateTaken(t, s, "integrations", func(tx store.Tx, taken func(error)) error {
		if err := tx.InsertIntegration(later); err != nil {
			return err
		}
		dupID := later
		dupID.APIKey = "partly_other"
		taken(tx.InsertIntegration(dupID))
		dupKey := later
		dupKey.ID = uuid.New()
		taken(tx.InsertIntegration(dupKey))
		return nil
	})
	view(t, s, "integrations", func(tx store.Tx) error {
		equal(t, "by key", must(tx.IntegrationByKey("partly_later")).get(t), later)
		got := must(tx.IntegrationsOf(seed.RepairerOrgID)).get(t)
		equal(t, "oldest first", []uuid.UUID{got[0].ID, got[1].ID}, []uuid.UUID{seed.RepairerIntegrationID, later.ID})
		return nil
	})
}

func testClientsAndAccessCodes(t *testing.T, s store.Store) {
	c := store.Client{ID: "client_2", Secret: "s", Name: "Second", RedirectURLs: []string{"http://localhost/cb"}}
	code := store.AccessCode{Code: "ac_1", ClientID: "client_2", OrganizationID: seed.RepairerOrgID,
		Role: store.RoleRepairer, ExpiresAt: seed.Epoch.AddDate(100, 0, 0)}
	expired := code
	expired.Code, expired.ExpiresAt = "ac_expired", seed.Epoch
	updateTaken(t, s, "codes", func(tx store.Tx, taken func(error)) error {
		if err := tx.InsertClient(c); err != nil {
			return err
		}
		taken(tx.InsertClient(c))
		if err := tx.InsertAccessCode(code); err != nil {
			return err
		}
		taken(tx.InsertAccessCode(code))
		return tx.InsertAccessCode(expired)
	})
	view(t, s, "codes", func(tx store.Tx) error {
		equal(t, "client", must(tx.Client("client_2")).get(t), c)
		return nil
	})
	// A use in a transaction that fails is undone.
	boom := errors.New("boom")
	wantErr(t, s.Update(ctx, "codes", func(tx store.Tx) error {
		_ = must(tx.UseAccessCode("ac_1")).get(t)
		return boom
	}), boom)
	update(t, s, "codes", func(tx store.Tx) error {
		got := must(tx.UseAccessCode("ac_1")).get(t)
		want := code
		want.UsedAt = ptr(tx.Now())
		equal(t, "used code", got, want)
		wantErr(t, second(tx.UseAccessCode("ac_1")), store.ErrNotFound)
		wantErr(t, second(tx.UseAccessCode("ac_expired")), store.ErrNotFound)
		return nil
	})
	update(t, s, "codes", func(tx store.Tx) error {
		wantErr(t, second(tx.UseAccessCode("ac_1")), store.ErrNotFound)
		return nil
	})
}

func testJobs(t *testing.T, s store.Store) {
	a := newJob(seed.RepairerOrgID, "A", at(10))
	b := newJob(seed.RepairerOrgID, "B", at(20))
	b.SiteID, b.Status = seed.HornbySiteID, store.JobPartsOrdered
	b.Vehicle, b.WorkProviderID, b.ClaimNumber, b.Images = nil, nil, nil, nil
	other := newJob(seed.OtherRepairerOrgID, "A", at(30)) // same external id, other organization
	other.SiteID = seed.OtherSiteID
	updateTaken(t, s, "jobs", func(tx store.Tx, taken func(error)) error {
		for _, j := range []store.Job{a, b, other} {
			if err := tx.InsertJob(j); err != nil {
				return err
			}
		}
		taken(tx.InsertJob(a))
		sameExt := newJob(seed.RepairerOrgID, "A", at(40))
		sameExt.ID = uuid.New()
		taken(tx.InsertJob(sameExt))
		return nil
	})
	b.Images = []string{} // a job without images reads back with an empty list
	view(t, s, "jobs", func(tx store.Tx) error {
		equal(t, "job", must(tx.Job(a.OrganizationID, a.ID)).get(t), a)
		equal(t, "job without vehicle", must(tx.Job(b.OrganizationID, b.ID)).get(t), b)
		equal(t, "by external", must(tx.JobByExternal(seed.OtherRepairerOrgID, "A")).get(t), other)
		wantErr(t, second(tx.Job(seed.RepairerOrgID, other.ID)), store.ErrNotFound)
		all := must(tx.Jobs(seed.RepairerOrgID, store.JobFilter{})).get(t)
		equal(t, "newest first", ids(all), []uuid.UUID{b.ID, a.ID, seed.DemoJobID})
		equal(t, "by site", ids(must(tx.Jobs(seed.RepairerOrgID, store.JobFilter{SiteID: ptr(seed.HornbySiteID)})).get(t)), []uuid.UUID{b.ID})
		equal(t, "by status", ids(must(tx.Jobs(seed.RepairerOrgID, store.JobFilter{Status: store.JobPartsOrdered})).get(t)), []uuid.UUID{b.ID})
		return nil
	})
	update(t, s, "jobs", func(tx store.Tx) error {
		j := a
		j.ExternalID = ptr("changed") // never changed by an update
		j.ClaimNumber, j.Status, j.UpdatedAt, j.Vehicle = nil, store.JobClosed, at(99), nil
		if err := tx.UpdateJob(j); err != nil {
			return err
		}
		j.ExternalID = a.ExternalID
		equal(t, "updated", must(tx.Job(a.OrganizationID, a.ID)).get(t), j)
		equal(t, "still found by its external id", must(tx.JobByExternal(a.OrganizationID, "A")).get(t).ID, a.ID)
		wantOther := j
		wantOther.OrganizationID = seed.OtherRepairerOrgID
		wantErr(t, tx.UpdateJob(wantOther), store.ErrNotFound)
		return nil
	})
}

// testJobPages: Jobs pages in the listing's order, ties on the creation
// time broken by id, the filters applying within pages.
func testJobPages(t *testing.T, s store.Store) {
	var jobs []store.Job
	update(t, s, "job-pages", func(tx store.Tx) error {
		for i := range 7 {
			j := newJob(seed.RepairerOrgID, fmt.Sprintf("P-%d", i), at(100+i/3)) // three share each time
			if i == 4 {
				j.Status = store.JobClosed
			}
			jobs = append(jobs, j)
			if err := tx.InsertJob(j); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, "job-pages", func(tx store.Tx) error {
		all := must(tx.Jobs(seed.RepairerOrgID, store.JobFilter{})).get(t)
		equal(t, "all", len(all), 8) // and the seeded one
		var paged []store.Job
		var after *store.JobKey
		for range 10 {
			page := must(tx.Jobs(seed.RepairerOrgID, store.JobFilter{After: after, Limit: 3})).get(t)
			if len(page) == 0 {
				break
			}
			if len(page) > 3 {
				t.Fatalf("a page of %d", len(page))
			}
			paged = append(paged, page...)
			last := page[len(page)-1]
			after = &store.JobKey{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		equal(t, "pages, in order", ids(paged), ids(all))
		closed := must(tx.Jobs(seed.RepairerOrgID, store.JobFilter{Status: store.JobClosed, Limit: 5})).get(t)
		equal(t, "filtered", ids(closed), []uuid.UUID{jobs[4].ID})
		k := &store.JobKey{CreatedAt: jobs[4].CreatedAt, ID: jobs[4].ID}
		equal(t, "filtered, after the only one", len(must(tx.Jobs(seed.RepairerOrgID, store.JobFilter{Status: store.JobClosed, After: k})).get(t)), 0)
		return nil
	})
}

func ids[T any](xs []T) []uuid.UUID {
	out := []uuid.UUID{}
	for _, x := range xs {
		out = append(out, reflect.ValueOf(x).FieldByName("ID").Interface().(uuid.UUID))
	}
	return out
}

func testParts(t *testing.T, s store.Store) {
	job := seed.DemoJobID
	mk := func(n int) store.Part {
		return store.Part{ID: seed.Mint(job, fmt.Sprintf("part:%d", n)), JobID: job, Ordinal: n,
			Description: fmt.Sprintf("part %d", n), PartNumber: ptr("PN-" + strconv.Itoa(n)), Quantity: n,
			Status: store.PartEstimated, CreatedAt: at(n)}
	}
	// Inserted out of ordinal order: Parts lists them as inserted.
	p3, p1, p2 := mk(3), mk(1), mk(2)
	p2.PartNumber = nil
	updateTaken(t, s, "parts", func(tx store.Tx, taken func(error)) error {
		if err := tx.InsertParts([]store.Part{p3, p1}); err != nil {
			return err
		}
		if err := tx.InsertParts([]store.Part{p2}); err != nil {
			return err
		}
		taken(tx.InsertParts([]store.Part{p1}))
		return nil
	})
	update(t, s, "parts", func(tx store.Tx) error {
		equal(t, "parts", must(tx.Parts(job)).get(t), []store.Part{p3, p1, p2})
		p1.Status = store.PartOrdered
		if err := tx.UpdatePart(p1); err != nil {
			return err
		}
		wrongJob := p1
		wrongJob.JobID = uuid.New()
		wantErr(t, tx.UpdatePart(wrongJob), store.ErrNotFound)
		equal(t, "updated", must(tx.Parts(job)).get(t), []store.Part{p3, p1, p2})
		return nil
	})
}

func testProcurements(t *testing.T, s store.Store) {
	job := seed.New().Jobs[0]
	p1, p2 := newProcurement(job, 1), newProcurement(job, 2)
	p2.Status, p2.ConfirmedAt = store.ProcurementOrderConfirmed, ptr(at(3))
	updateTaken(t, s, "procurements", func(tx store.Tx, taken func(error)) error {
		if err := tx.InsertProcurement(p1); err != nil {
			return err
		}
		if err := tx.InsertProcurement(p2); err != nil {
			return err
		}
		taken(tx.InsertProcurement(p1))
		return nil
	})
	view(t, s, "procurements", func(tx store.Tx) error {
		equal(t, "buyer's", must(tx.Procurement(seed.RepairerOrgID, p1.ID)).get(t), p1)
		equal(t, "supplier's", must(tx.SupplierProcurement(seed.ChristchurchToyotaO, p2.ID)).get(t), p2)
		wantErr(t, second(tx.Procurement(seed.OtherRepairerOrgID, p1.ID)), store.ErrNotFound)
		wantErr(t, second(tx.SupplierProcurement(seed.AutoPartsDirectOrg, p1.ID)), store.ErrNotFound)
		wantErr(t, second(tx.Procurement(seed.ChristchurchToyotaO, p1.ID)), store.ErrNotFound)
		equal(t, "newest first", ids(must(tx.SupplierProcurements(seed.ChristchurchToyotaO, "")).get(t)), []uuid.UUID{p2.ID, p1.ID})
		equal(t, "by status", ids(must(tx.SupplierProcurements(seed.ChristchurchToyotaO, store.ProcurementOrderRequested)).get(t)), []uuid.UUID{p1.ID})
		equal(t, "other supplier", len(must(tx.SupplierProcurements(seed.AutoPartsDirectOrg, "")).get(t)), 0)
		equal(t, "count", must(tx.JobProcurementCount(job.ID)).get(t), 2)
		return nil
	})
	update(t, s, "procurements", func(tx store.Tx) error {
		p1.Status, p1.ConfirmedAt, p1.UpdatedAt = store.ProcurementCancelled, nil, at(50)
		p1.Lines = append(p1.Lines, store.ProcurementLine{ID: uuid.New(), PartID: uuid.New(), OfferID: uuid.New(),
			Description: "Grille", Quantity: 2, UnitPriceCents: 100})
		if err := tx.UpdateProcurement(p1); err != nil {
			return err
		}
		equal(t, "updated", must(tx.Procurement(seed.RepairerOrgID, p1.ID)).get(t), p1)
		return nil
	})
}

func testEvents(t *testing.T, s store.Store) {
	e1, e2 := newEvent("repairer.job.inserted", at(2)), newEvent("repairer.job.updated", at(1))
	update(t, s, "events", func(tx store.Tx) error {
		if err := tx.AddEvent(e1); err != nil {
			return err
		}
		return tx.AddEvent(e2)
	})
	view(t, s, "events", func(tx store.Tx) error {
		equal(t, "events in order of writing", must(tx.Events()).get(t), []store.Event{e1, e2})
		return nil
	})
}

// testRollback: a function that fails leaves nothing it wrote behind.
func testRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	job := newJob(seed.RepairerOrgID, "R", at(1))
	err := s.Update(ctx, "rollback", func(tx store.Tx) error {
		steps := []error{
			tx.InsertJob(job),
			tx.InsertParts([]store.Part{{ID: uuid.New(), JobID: job.ID, Ordinal: 1, Description: "x", Quantity: 1,
				Status: store.PartEstimated, CreatedAt: at(1)}}),
			tx.InsertProcurement(newProcurement(job, 1)),
			tx.AddEvent(newEvent("repairer.job.inserted", at(1))),
			tx.SetClockOffset(time.Hour),
			second(tx.UseAccessCode(seed.DemoAccessCode)),
			tx.InsertEndpoint(store.Endpoint{ID: uuid.New(), IntegrationID: seed.RepairerIntegrationID, URL: "http://x", CreatedAt: at(1)}),
			tx.InsertDelivery(newDelivery(seed.RepairerIntegrationID, at(1))),
			tx.InsertFault(store.Fault{ID: uuid.New(), Method: "repairer.jobs.get", Probability: 1, Remaining: -1, CreatedAt: at(1)}),
			tx.AddSinkRecord(store.SinkRecord{ID: uuid.New(), ReceivedAt: at(1), MessageID: "m"}, store.SinkLimits{}),
			tx.UpdateJob(func() store.Job { j := seed.New().Jobs[0]; j.Status = store.JobClosed; return j }()),
		}
		for i, err := range steps {
			if err != nil {
				t.Errorf("step %d: %v", i, err)
			}
		}
		return boom
	})
	wantErr(t, err, boom)
	view(t, s, "rollback", func(tx store.Tx) error {
		wantErr(t, second(tx.Job(job.OrganizationID, job.ID)), store.ErrNotFound)
		equal(t, "parts", len(must(tx.Parts(job.ID)).get(t)), 0)
		equal(t, "procurements", must(tx.JobProcurementCount(job.ID)).get(t), 0)
		equal(t, "events", len(must(tx.Events()).get(t)), 0)
		equal(t, "clock offset", tx.ClockOffset(), time.Duration(0))
		equal(t, "endpoints", len(must(tx.Endpoints(seed.RepairerIntegrationID)).get(t)), 0)
		equal(t, "deliveries", len(must(tx.Deliveries(store.DeliveryFilter{})).get(t)), 0)
		equal(t, "faults", len(must(tx.Faults("")).get(t)), 0)
		equal(t, "sink", len(must(tx.SinkRecords(store.SinkPage{})).get(t)), 0)
		equal(t, "sink accepted", must(tx.SinkAccepted("m")).get(t), false)
		equal(t, "demo job", must(tx.Job(seed.RepairerOrgID, seed.DemoJobID)).get(t).Status, store.JobDraft)
		return nil
	})
	update(t, s, "rollback", func(tx store.Tx) error {
		_, err := tx.UseAccessCode(seed.DemoAccessCode) // still unused
		return err
	})
}

// testUpdateRetriesConflict: a function that lost a race (ErrConflict) is
// run again; one that keeps losing gives up with ErrConflict.
func testUpdateRetriesConflict(t *testing.T, s store.Store) {
	runs := 0
	update(t, s, "retry", func(tx store.Tx) error {
		runs++
		if runs == 1 {
			_ = tx.AddEvent(newEvent("first.run", at(1)))
			return fmt.Errorf("lost a race: %w", store.ErrConflict)
		}
		return tx.AddEvent(newEvent("second.run", at(1)))
	})
	equal(t, "runs", runs, 2)
	view(t, s, "retry", func(tx store.Tx) error {
		evs := must(tx.Events()).get(t)
		if len(evs) != 1 || evs[0].Type != "second.run" {
			t.Errorf("events: %+v", evs)
		}
		return nil
	})
	wantErr(t, s.Update(ctx, "retry", func(store.Tx) error { return store.ErrConflict }), store.ErrConflict)
	// Other errors are not retried.
	runs = 0
	_ = s.Update(ctx, "retry", func(store.Tx) error { runs++; return store.ErrNotFound })
	equal(t, "runs on not found", runs, 1)
}

func testViewIsReadOnly(t *testing.T, s store.Store) {
	var kept store.Tx
	err := s.View(ctx, "readonly", func(tx store.Tx) error {
		kept = tx
		return tx.InsertJob(newJob(seed.RepairerOrgID, "V", at(1)))
	})
	if err == nil {
		t.Fatal("a write in View succeeded")
	}
	if err := kept.AddEvent(newEvent("late", at(1))); err == nil {
		t.Fatal("a write through a finished View transaction succeeded")
	}
	update(t, s, "readonly", func(tx store.Tx) error { kept = tx; return nil })
	if err := kept.AddEvent(newEvent("late", at(1))); err == nil {
		t.Fatal("a write through a finished Update transaction succeeded")
	}
	view(t, s, "readonly", func(tx store.Tx) error {
		wantErr(t, second(tx.JobByExternal(seed.RepairerOrgID, "V")), store.ErrNotFound)
		equal(t, "events", len(must(tx.Events()).get(t)), 0)
		return nil
	})
}

func testTenantIsolation(t *testing.T, s store.Store) {
	job := newJob(seed.RepairerOrgID, "T", at(1))
	update(t, s, "tenant-a", func(tx store.Tx) error {
		if err := tx.InsertJob(job); err != nil {
			return err
		}
		if err := tx.SetClockOffset(time.Hour); err != nil {
			return err
		}
		if _, err := tx.UseAccessCode(seed.DemoAccessCode); err != nil {
			return err
		}
		return tx.AddEvent(newEvent("x", at(1)))
	})
	for _, other := range []string{"tenant-b", store.SharedTenant} {
		update(t, s, other, func(tx store.Tx) error {
			wantErr(t, second(tx.Job(job.OrganizationID, job.ID)), store.ErrNotFound)
			equal(t, "events", len(must(tx.Events()).get(t)), 0)
			equal(t, "clock offset", tx.ClockOffset(), time.Duration(0))
			_ = must(tx.UseAccessCode(seed.DemoAccessCode)).get(t) // each world has its own
			return nil
		})
	}
	view(t, s, "tenant-a", func(tx store.Tx) error {
		equal(t, "own job", must(tx.Job(job.OrganizationID, job.ID)).get(t).ID, job.ID)
		return nil
	})
}

func testClock(t *testing.T, s store.Store) {
	var now0 time.Time
	view(t, s, "clock", func(tx store.Tx) error {
		now0 = tx.Now()
		equal(t, "fixed within a transaction", tx.Now(), now0)
		equal(t, "utc, microseconds", now0, now0.UTC().Truncate(time.Microsecond))
		if d := time.Since(now0); d < -time.Minute || d > time.Minute {
			t.Errorf("tenant clock %v is far from the wall clock", now0)
		}
		return nil
	})
	update(t, s, "clock", func(tx store.Tx) error {
		before := tx.Now()
		if err := tx.SetClockOffset(48 * time.Hour); err != nil {
			return err
		}
		equal(t, "offset", tx.ClockOffset(), 48*time.Hour)
		equal(t, "now unchanged until the next transaction", tx.Now(), before)
		return nil
	})
	view(t, s, "clock", func(tx store.Tx) error {
		equal(t, "offset", tx.ClockOffset(), 48*time.Hour)
		if d := tx.Now().Sub(now0); d < 47*time.Hour || d > 49*time.Hour {
			t.Errorf("clock moved by %v, want about 48h", d)
		}
		equal(t, "utc, microseconds", tx.Now(), tx.Now().UTC().Truncate(time.Microsecond))
		return nil
	})
	// Access codes expire by the tenant clock.
	update(t, s, "clock", func(tx store.Tx) error {
		return tx.InsertAccessCode(store.AccessCode{Code: "ac_soon", ClientID: seed.DemoClientID,
			OrganizationID: seed.RepairerOrgID, Role: store.RoleRepairer, ExpiresAt: tx.Now().Add(time.Hour)})
	})
	update(t, s, "clock", func(tx store.Tx) error { return tx.SetClockOffset(50 * time.Hour) })
	update(t, s, "clock", func(tx store.Tx) error {
		wantErr(t, second(tx.UseAccessCode("ac_soon")), store.ErrNotFound)
		return nil
	})
}

func testResetTenant(t *testing.T, s store.Store) {
	job := newJob(seed.RepairerOrgID, "X", at(1))
	for _, tenant := range []string{"reset", "kept"} {
		update(t, s, tenant, func(tx store.Tx) error {
			if err := tx.InsertJob(job); err != nil {
				return err
			}
			if err := tx.UpdateJob(func() store.Job { j := seed.New().Jobs[0]; j.Status = store.JobClosed; return j }()); err != nil {
				return err
			}
			if err := tx.AddEvent(newEvent("x", at(1))); err != nil {
				return err
			}
			return tx.SetClockOffset(time.Hour)
		})
	}
	if err := s.Record(ctx, "reset", store.Recording{Journal: []store.JournalEntry{{ID: uuid.New(), Method: "m", Status: 200}}, Keep: 10}); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetTenant(ctx, "reset"); err != nil {
		t.Fatal(err)
	}
	view(t, s, "reset", func(tx store.Tx) error {
		wantErr(t, second(tx.Job(job.OrganizationID, job.ID)), store.ErrNotFound)
		equal(t, "demo job as seeded", must(tx.Job(seed.RepairerOrgID, seed.DemoJobID)).get(t), seed.New().Jobs[0])
		equal(t, "events", len(must(tx.Events()).get(t)), 0)
		equal(t, "clock offset", tx.ClockOffset(), time.Duration(0))
		return nil
	})
	equal(t, "journal", len(must(s.Journal(ctx, "reset", store.JournalFilter{})).get(t)), 0)
	view(t, s, "kept", func(tx store.Tx) error {
		equal(t, "other tenant untouched", must(tx.Job(job.OrganizationID, job.ID)).get(t).ID, job.ID)
		equal(t, "other tenant's clock", tx.ClockOffset(), time.Hour)
		return nil
	})
	// Resetting a tenant never used seeds it.
	if err := s.ResetTenant(ctx, "fresh"); err != nil {
		t.Fatal(err)
	}
	view(t, s, "fresh", func(tx store.Tx) error {
		_ = must(tx.Job(seed.RepairerOrgID, seed.DemoJobID)).get(t)
		return nil
	})
}

func testDropIdleTenants(t *testing.T, s store.Store) {
	job := newJob(seed.RepairerOrgID, "D", at(1))
	update(t, s, "idle-a", func(tx store.Tx) error { return tx.InsertJob(job) })
	view(t, s, "idle-b", func(store.Tx) error { return nil })
	if err := s.Record(ctx, "idle-c", store.Recording{Coverage: map[string]int{"k": 1}}); err != nil {
		t.Fatal(err)
	}
	dropped := must(s.DropIdleTenants(ctx, time.Now().Add(-time.Hour))).get(t)
	equal(t, "nothing idle for an hour", len(dropped), 0)
	dropped = must(s.DropIdleTenants(ctx, time.Now().Add(time.Hour))).get(t)
	equal(t, "all dropped, sorted", dropped, []string{"idle-a", "idle-b", "idle-c"})
	equal(t, "none left", len(must(s.DropIdleTenants(ctx, time.Now().Add(time.Hour))).get(t)), 0)
	view(t, s, "idle-a", func(tx store.Tx) error {
		wantErr(t, second(tx.Job(job.OrganizationID, job.ID)), store.ErrNotFound)
		_ = must(tx.Job(seed.RepairerOrgID, seed.DemoJobID)).get(t) // seeded again
		return nil
	})
	equal(t, "coverage", must(s.Coverage(ctx, "idle-c")).get(t), map[string]int{})
}

// testConcurrentUpdates: writers of one tenant never lose each other's
// read-modify-write.
func testConcurrentUpdates(t *testing.T, s store.Store) {
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				errs <- s.Update(ctx, "counter", func(tx store.Tx) error {
					j, err := tx.Job(seed.RepairerOrgID, seed.DemoJobID)
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(*j.JobNumber)
					j.JobNumber = ptr(strconv.Itoa(n + 1))
					return tx.UpdateJob(j)
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	view(t, s, "counter", func(tx store.Tx) error {
		equal(t, "count", *must(tx.Job(seed.RepairerOrgID, seed.DemoJobID)).get(t).JobNumber, strconv.Itoa(workers*each))
		return nil
	})
}

// insertOnce is what repairer.jobs.insert does: find the job by its
// external id or create it (with a minted id) and announce it.
func insertOnce(tx store.Tx, ext string) error {
	_, err := tx.JobByExternal(seed.RepairerOrgID, ext)
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	j := newJob(seed.RepairerOrgID, ext, tx.Now())
	if err := tx.InsertJob(j); err != nil {
		return err
	}
	return tx.AddEvent(newEvent("repairer.job.inserted", tx.Now()))
}

func testConcurrentInsertSameJob(t *testing.T, s store.Store) {
	const workers = 8
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			<-start
			errs <- s.Update(ctx, "insert-race", func(tx store.Tx) error { return insertOnce(tx, "RACE") })
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	view(t, s, "insert-race", func(tx store.Tx) error {
		equal(t, "jobs", len(must(tx.Jobs(seed.RepairerOrgID, store.JobFilter{})).get(t)), 2) // the demo job and RACE
		equal(t, "events", len(must(tx.Events()).get(t)), 1)
		return nil
	})
}

func testConcurrentConfirm(t *testing.T, s store.Store) {
	p := newProcurement(seed.New().Jobs[0], 1)
	update(t, s, "confirm-race", func(tx store.Tx) error { return tx.InsertProcurement(p) })
	const workers = 8
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			<-start
			errs <- s.Update(ctx, "confirm-race", func(tx store.Tx) error {
				got, err := tx.SupplierProcurement(seed.ChristchurchToyotaO, p.ID)
				if err != nil || got.Status == store.ProcurementOrderConfirmed {
					return err
				}
				now := tx.Now()
				got.Status, got.ConfirmedAt, got.UpdatedAt = store.ProcurementOrderConfirmed, &now, now
				if err := tx.UpdateProcurement(got); err != nil {
					return err
				}
				return tx.AddEvent(newEvent("supplier.procurement.order_confirmed", now))
			})
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("confirm: %v", err)
		}
	}
	view(t, s, "confirm-race", func(tx store.Tx) error {
		equal(t, "one transition, one event", len(must(tx.Events()).get(t)), 1)
		got := must(tx.Procurement(seed.RepairerOrgID, p.ID)).get(t)
		equal(t, "status", got.Status, store.ProcurementOrderConfirmed)
		return nil
	})
}

func testConcurrentUseAccessCode(t *testing.T, s store.Store) {
	const workers = 8
	var wg sync.WaitGroup
	results := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			results <- s.Update(ctx, "code-race", func(tx store.Tx) error {
				_, err := tx.UseAccessCode(seed.DemoAccessCode)
				return err
			})
		})
	}
	wg.Wait()
	close(results)
	ok := 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrNotFound):
			t.Fatal(err)
		}
	}
	equal(t, "uses", ok, 1)
}

func testEndpoints(t *testing.T, s store.Store) {
	e1 := store.Endpoint{ID: uuid.New(), IntegrationID: seed.RepairerIntegrationID, URL: "http://a.test/hook", CreatedAt: at(1)}
	e2 := store.Endpoint{ID: uuid.New(), IntegrationID: seed.RepairerIntegrationID, URL: "http://b.test/hook", CreatedAt: at(2)}
	e3 := store.Endpoint{ID: uuid.New(), IntegrationID: seed.SupplierIntegrationID, URL: "http://c.test/hook", CreatedAt: at(3)}
	updateTaken(t, s, "endpoints", func(tx store.Tx, taken func(error)) error {
		for _, e := range []store.Endpoint{e1, e2, e3} {
			if err := tx.InsertEndpoint(e); err != nil {
				return err
			}
		}
		taken(tx.InsertEndpoint(e1))
		return nil
	})
	update(t, s, "endpoints", func(tx store.Tx) error {
		equal(t, "oldest first", must(tx.Endpoints(seed.RepairerIntegrationID)).get(t), []store.Endpoint{e1, e2})
		if err := tx.DeleteEndpoint(e1.ID); err != nil {
			return err
		}
		equal(t, "after delete", must(tx.Endpoints(seed.RepairerIntegrationID)).get(t), []store.Endpoint{e2})
		wantErr(t, tx.DeleteEndpoint(e1.ID), store.ErrNotFound)
		return nil
	})
}

func newDelivery(integration uuid.UUID, next time.Time) store.Delivery {
	return store.Delivery{
		ID: uuid.New(), EventID: uuid.New(), MessageID: uuid.New(), Type: "repairer.job.inserted",
		IntegrationID: integration, EndpointID: uuid.New(), URL: "http://127.0.0.1:1/hook", ObjectType: "job",
		ObjectID: seed.DemoJobID, Payload: []byte(`{"id":1}`), Status: store.DeliveryPending,
		NextAttemptAt: next, CreatedAt: next, UpdatedAt: next,
	}
}

func testDeliveries(t *testing.T, s store.Store) {
	d1 := newDelivery(seed.RepairerIntegrationID, at(1))
	d2 := newDelivery(seed.SupplierIntegrationID, at(2))
	d3 := newDelivery(seed.RepairerIntegrationID, at(3))
	d3.Type, d3.Status = "repairer.procurement.order_confirmed", store.DeliveryFailed
	updateTaken(t, s, "deliveries", func(tx store.Tx, taken func(error)) error {
		for _, d := range []store.Delivery{d1, d2, d3} {
			if err := tx.InsertDelivery(d); err != nil {
				return err
			}
		}
		taken(tx.InsertDelivery(d1))
		return nil
	})
	update(t, s, "deliveries", func(tx store.Tx) error {
		equal(t, "delivery", must(tx.Delivery(d1.ID)).get(t), d1)
		equal(t, "newest first", ids(must(tx.Deliveries(store.DeliveryFilter{})).get(t)), []uuid.UUID{d3.ID, d2.ID, d1.ID})
		equal(t, "limit", ids(must(tx.Deliveries(store.DeliveryFilter{Limit: 2})).get(t)), []uuid.UUID{d3.ID, d2.ID})
		equal(t, "by integration", ids(must(tx.Deliveries(store.DeliveryFilter{IntegrationID: &seed.RepairerIntegrationID})).get(t)),
			[]uuid.UUID{d3.ID, d1.ID})
		equal(t, "by type", ids(must(tx.Deliveries(store.DeliveryFilter{Type: d3.Type})).get(t)), []uuid.UUID{d3.ID})
		equal(t, "by status", ids(must(tx.Deliveries(store.DeliveryFilter{Status: store.DeliveryPending})).get(t)), []uuid.UUID{d2.ID, d1.ID})
		equal(t, "no attempts", len(must(tx.Attempts(d1.ID)).get(t)), 0)
		if err := tx.RequeueDelivery(d3.ID, at(9)); err != nil {
			return err
		}
		got := must(tx.Delivery(d3.ID)).get(t)
		want := d3
		want.Status, want.NextAttemptAt = store.DeliveryPending, at(9)
		equal(t, "requeued", got, want)
		return nil
	})
}

// claimAll claims until nothing is due.
func claimAll(t *testing.T, s store.Store, limit int, lease time.Duration) []store.Delivery {
	t.Helper()
	var out []store.Delivery
	for {
		got := must(s.ClaimDeliveries(ctx, store.Claim{Limit: limit, Lease: lease})).get(t)
		if len(got) == 0 {
			return out
		}
		out = append(out, got...)
	}
}

func testClaimDeliveries(t *testing.T, s store.Store) {
	var now time.Time
	var due []store.Delivery
	future := newDelivery(seed.RepairerIntegrationID, time.Time{})
	update(t, s, "claim", func(tx store.Tx) error {
		now = tx.Now()
		for i := range 3 {
			// Inserted newest due first: claims come oldest due first.
			d := newDelivery(seed.RepairerIntegrationID, now.Add(-time.Duration(i+1)*time.Minute))
			due = append(due, d)
			if err := tx.InsertDelivery(d); err != nil {
				return err
			}
		}
		future.NextAttemptAt = now.Add(time.Hour)
		return tx.InsertDelivery(future)
	})
	first := must(s.ClaimDeliveries(ctx, store.Claim{Limit: 2, Lease: time.Hour})).get(t)
	equal(t, "oldest due first, limited", ids(first), []uuid.UUID{due[2].ID, due[1].ID})
	for _, d := range first {
		equal(t, "tenant", d.Tenant, "claim")
		equal(t, "status", d.Status, store.DeliveryInFlight)
		if d.LeaseUntil.Before(time.Now().Add(50 * time.Minute)) {
			t.Errorf("lease until %v, want about an hour from now", d.LeaseUntil)
		}
	}
	rest := claimAll(t, s, 0, time.Hour)
	equal(t, "the rest, never the claimed or the future", ids(rest), []uuid.UUID{due[0].ID})
	view(t, s, "claim", func(tx store.Tx) error {
		got := must(tx.Delivery(due[2].ID)).get(t)
		equal(t, "stored status", got.Status, store.DeliveryInFlight)
		equal(t, "tenant unset outside claims", got.Tenant, "")
		equal(t, "future untouched", must(tx.Delivery(future.ID)).get(t).Status, store.DeliveryPending)
		return nil
	})
	// A requeued delivery is due again, its attempts kept.
	update(t, s, "claim", func(tx store.Tx) error { return tx.RequeueDelivery(due[2].ID, tx.Now()) })
	equal(t, "requeued claimed again", ids(claimAll(t, s, 0, time.Hour)), []uuid.UUID{due[2].ID})
}

func testClaimUsesTenantClock(t *testing.T, s store.Store) {
	var d store.Delivery
	update(t, s, "claim-clock", func(tx store.Tx) error {
		d = newDelivery(seed.RepairerIntegrationID, tx.Now().Add(2*time.Hour))
		return tx.InsertDelivery(d)
	})
	equal(t, "not yet due", len(claimAll(t, s, 0, time.Hour)), 0)
	update(t, s, "claim-clock", func(tx store.Tx) error { return tx.SetClockOffset(3 * time.Hour) })
	equal(t, "due on the tenant's clock", ids(claimAll(t, s, 0, time.Hour)), []uuid.UUID{d.ID})
}

func testClaimExpiredLease(t *testing.T, s store.Store) {
	var d store.Delivery
	update(t, s, "lease", func(tx store.Tx) error {
		d = newDelivery(seed.RepairerIntegrationID, tx.Now().Add(-time.Second))
		return tx.InsertDelivery(d)
	})
	equal(t, "claimed", ids(must(s.ClaimDeliveries(ctx, store.Claim{Lease: time.Millisecond})).get(t)), []uuid.UUID{d.ID})
	// The claimer "crashed": once its lease runs out the delivery is claimable.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := must(s.ClaimDeliveries(ctx, store.Claim{Lease: time.Hour})).get(t)
		if len(got) == 1 {
			equal(t, "reclaimed", got[0].ID, d.ID)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an expired lease was never reclaimed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	equal(t, "held under the new lease", len(must(s.ClaimDeliveries(ctx, store.Claim{Lease: time.Hour})).get(t)), 0)
}

func testConcurrentClaims(t *testing.T, s store.Store) {
	const n = 60
	for _, tenant := range []string{"claims-a", "claims-b"} {
		update(t, s, tenant, func(tx store.Tx) error {
			for i := range n / 2 {
				if err := tx.InsertDelivery(newDelivery(seed.RepairerIntegrationID, tx.Now().Add(-time.Duration(i)*time.Second))); err != nil {
					return err
				}
			}
			return nil
		})
	}
	var mu sync.Mutex
	seen := map[uuid.UUID]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				got, err := s.ClaimDeliveries(ctx, store.Claim{Limit: 3, Lease: time.Hour})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	equal(t, "claimed", len(seen), n)
	for id, c := range seen {
		if c != 1 {
			t.Errorf("delivery %s claimed %d times", id, c)
		}
	}
}

// testClaimFairness: a claim can take at most so many of one tenant and
// pass over tenants and endpoints, oldest due first otherwise.
func testClaimFairness(t *testing.T, s store.Store) {
	e1, e2 := uuid.New(), uuid.New()
	mk := func(tx store.Tx, ep uuid.UUID, ago time.Duration) store.Delivery {
		d := newDelivery(seed.RepairerIntegrationID, tx.Now().Add(-ago))
		d.EndpointID = ep
		if err := tx.InsertDelivery(d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var a1, a2, a3, b1 store.Delivery
	update(t, s, "fair-a", func(tx store.Tx) error {
		a1, a2, a3 = mk(tx, e1, 4*time.Minute), mk(tx, e1, 3*time.Minute), mk(tx, e2, 2*time.Minute)
		return nil
	})
	update(t, s, "fair-b", func(tx store.Tx) error { b1 = mk(tx, uuid.New(), time.Minute); return nil })
	claim := func(c store.Claim) []uuid.UUID {
		c.Lease = time.Hour
		return ids(must(s.ClaimDeliveries(ctx, c)).get(t))
	}
	equal(t, "skip a tenant", claim(store.Claim{Limit: 10, PerTenant: 1, SkipTenants: []string{"fair-a"}}), []uuid.UUID{b1.ID})
	equal(t, "skip an endpoint", claim(store.Claim{Limit: 10, PerTenant: 1, SkipEndpoints: []uuid.UUID{e1}}), []uuid.UUID{a3.ID})
	equal(t, "one per tenant, oldest first", claim(store.Claim{Limit: 10, PerTenant: 1}), []uuid.UUID{a1.ID})
	equal(t, "the rest", claim(store.Claim{Limit: 10}), []uuid.UUID{a2.ID})
}

// testDeferEndpoint: an endpoint's pending deliveries due sooner are made
// due later on the tenant's clock, their attempts untouched; others stay.
func testDeferEndpoint(t *testing.T, s store.Store) {
	ep := uuid.New()
	var soon, later, flying, other store.Delivery
	var now time.Time
	update(t, s, "defer", func(tx store.Tx) error {
		if err := tx.SetClockOffset(10 * time.Hour); err != nil {
			return err
		}
		return nil
	})
	update(t, s, "defer", func(tx store.Tx) error {
		now = tx.Now()
		soon, later, flying, other = newDelivery(seed.RepairerIntegrationID, now.Add(-time.Minute)),
			newDelivery(seed.RepairerIntegrationID, now.Add(2*time.Hour)),
			newDelivery(seed.RepairerIntegrationID, now.Add(-2*time.Minute)),
			newDelivery(seed.RepairerIntegrationID, now.Add(-time.Minute))
		soon.EndpointID, later.EndpointID, flying.EndpointID = ep, ep, ep
		soon.Attempts = 3
		for _, d := range []store.Delivery{soon, later, flying, other} {
			if err := tx.InsertDelivery(d); err != nil {
				return err
			}
		}
		return nil
	})
	equal(t, "claimed", ids(must(s.ClaimDeliveries(ctx, store.Claim{Limit: 1, Lease: time.Hour})).get(t)), []uuid.UUID{flying.ID})
	equal(t, "moved", must(s.DeferEndpoint(ctx, "defer", ep, time.Hour)).get(t), 1)
	view(t, s, "defer", func(tx store.Tx) error {
		got := must(tx.Delivery(soon.ID)).get(t)
		if got.NextAttemptAt.Before(now.Add(time.Hour)) || got.NextAttemptAt.After(tx.Now().Add(time.Hour)) {
			t.Errorf("deferred to %v, want an hour after the tenant's now %v", got.NextAttemptAt, now)
		}
		equal(t, "attempts untouched", got.Attempts, 3)
		equal(t, "still pending", got.Status, store.DeliveryPending)
		equal(t, "later untouched", must(tx.Delivery(later.ID)).get(t).NextAttemptAt, later.NextAttemptAt)
		equal(t, "in flight untouched", must(tx.Delivery(flying.ID)).get(t).Status, store.DeliveryInFlight)
		return nil
	})
	equal(t, "only the other endpoint's is due", ids(claimAll(t, s, 0, time.Hour)), []uuid.UUID{other.ID})
	equal(t, "unknown tenant", must(s.DeferEndpoint(ctx, "defer-nobody", ep, time.Hour)).get(t), 0)
}

func testCompleteAttempt(t *testing.T, s store.Store) {
	var d store.Delivery
	update(t, s, "complete", func(tx store.Tx) error {
		d = newDelivery(seed.RepairerIntegrationID, tx.Now().Add(-time.Second))
		return tx.InsertDelivery(d)
	})
	a1 := store.Attempt{DeliveryID: d.ID, Number: 1, At: at(1), StatusCode: 500, Latency: 1500 * time.Microsecond,
		Error: "HTTP 500", ResponseExcerpt: "oops", Signature: "q1Qm9Wc4KxQ0mJb8bXw7m0yUq3oV2u2QmK2i8rWcJ0U="}
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	wantErr(t, s.CompleteAttempt(ctx, "complete", a1, store.DeliveryPending, past), store.ErrNotFound) // not claimed
	_ = must(s.ClaimDeliveries(ctx, store.Claim{Lease: time.Hour})).get(t)
	if err := s.CompleteAttempt(ctx, "complete", a1, store.DeliveryPending, past); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.CompleteAttempt(ctx, "complete", a1, store.DeliveryPending, past), store.ErrNotFound) // twice
	wantErr(t, s.CompleteAttempt(ctx, "other-tenant", a1, store.DeliveryPending, past), store.ErrNotFound)
	view(t, s, "complete", func(tx store.Tx) error {
		got := must(tx.Delivery(d.ID)).get(t)
		equal(t, "attempts", got.Attempts, 1)
		equal(t, "status", got.Status, store.DeliveryPending)
		equal(t, "next", got.NextAttemptAt, past)
		equal(t, "last error", got.LastError, "HTTP 500")
		equal(t, "lease cleared", got.LeaseUntil.IsZero(), true)
		equal(t, "recorded", must(tx.Attempts(d.ID)).get(t), []store.Attempt{a1})
		return nil
	})
	// Due again: attempt 2 delivers it; a stale
	// attempt 1 from a claimer that lost its lease is refused.
	_ = must(s.ClaimDeliveries(ctx, store.Claim{Lease: time.Hour})).get(t)
	wantErr(t, s.CompleteAttempt(ctx, "complete", a1, store.DeliveryDelivered, time.Time{}), store.ErrNotFound)
	a2 := store.Attempt{DeliveryID: d.ID, Number: 2, At: at(3), StatusCode: 204}
	if err := s.CompleteAttempt(ctx, "complete", a2, store.DeliveryDelivered, time.Time{}); err != nil {
		t.Fatal(err)
	}
	view(t, s, "complete", func(tx store.Tx) error {
		equal(t, "status", must(tx.Delivery(d.ID)).get(t).Status, store.DeliveryDelivered)
		equal(t, "attempts", must(tx.Attempts(d.ID)).get(t), []store.Attempt{a1, a2})
		return nil
	})
	equal(t, "delivered is never claimed", len(must(s.ClaimDeliveries(ctx, store.Claim{Lease: time.Hour})).get(t)), 0)
}

func testKick(t *testing.T, s store.Store) {
	// Drain a wakeup left from start-up, then expect the kick's.
	select {
	case <-s.Wakeups():
	default:
	}
	if err := s.Kick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Kick(ctx); err != nil { // coalesced with the first
		t.Fatal(err)
	}
	select {
	case <-s.Wakeups():
	case <-time.After(10 * time.Second):
		t.Fatal("no wakeup after Kick")
	}
}

func testSink(t *testing.T, s store.Store) {
	limits := store.SinkLimits{Records: 50, Bytes: 1000}
	var all []store.SinkRecord
	update(t, s, "sink", func(tx store.Tx) error {
		for i := range 53 {
			r := store.SinkRecord{ID: uuid.New(), ReceivedAt: at(i), Headers: map[string]string{"n": strconv.Itoa(i)},
				Body: []byte(strconv.Itoa(i)), SignatureValid: i%2 == 0}
			if i%2 == 0 {
				r.MessageID = "msg-" + strconv.Itoa(i)
			}
			if i == 0 {
				r.IntegrationID = &seed.RepairerIntegrationID
			}
			if i == 52 {
				r.IntegrationID = &seed.SupplierIntegrationID
			}
			if err := tx.AddSinkRecord(r, limits); err != nil {
				return err
			}
			all = append(all, r)
		}
		return nil
	})
	view(t, s, "sink", func(tx store.Tx) error {
		got := must(tx.SinkRecords(store.SinkPage{})).get(t)
		equal(t, "kept within the record limit", len(got), 50)
		for i := range got {
			got[i].Seq = 0 // the store's
		}
		equal(t, "newest first", got[0], all[52])
		equal(t, "oldest kept", got[49], all[3])
		equal(t, "accepted, kept", must(tx.SinkAccepted("msg-50")).get(t), true)
		equal(t, "accepted, evicted", must(tx.SinkAccepted("msg-2")).get(t), false)
		equal(t, "not accepted", must(tx.SinkAccepted("msg-51")).get(t), false)
		equal(t, "empty id", must(tx.SinkAccepted("")).get(t), false)

		page := must(tx.SinkRecords(store.SinkPage{Limit: 20})).get(t)
		equal(t, "a page", len(page), 20)
		next := must(tx.SinkRecords(store.SinkPage{Limit: 20, Before: page[19].Seq})).get(t)
		equal(t, "the next page goes on", next[0].ID, all[32].ID)
		last := must(tx.SinkRecords(store.SinkPage{Before: next[19].Seq})).get(t)
		equal(t, "the rest", len(last), 10)
		// Each record here is 1 byte of header name, 1 to 2 of value and
		// 1 to 2 of body.
		small := must(tx.SinkRecords(store.SinkPage{MaxBytes: 12})).get(t)
		equal(t, "bounded in bytes", len(small), 2)
		equal(t, "one record however large", len(must(tx.SinkRecords(store.SinkPage{MaxBytes: 1})).get(t)), 1)
		return nil
	})
	// Bytes: one large record evicts as many old ones as it needs.
	update(t, s, "sink", func(tx store.Tx) error {
		return tx.AddSinkRecord(store.SinkRecord{ID: uuid.New(), ReceivedAt: at(99), Body: make([]byte, 950)}, limits)
	})
	view(t, s, "sink", func(tx store.Tx) error {
		got := must(tx.SinkRecords(store.SinkPage{})).get(t)
		size := 0
		for _, r := range got {
			size += r.Size()
		}
		if size > limits.Bytes || len(got) < 2 || len(got[0].Body) != 950 {
			t.Errorf("after a large record: %d records of %d bytes", len(got), size)
		}
		return nil
	})
	// A reset starts the totals again.
	if err := s.ResetTenant(ctx, "sink"); err != nil {
		t.Fatal(err)
	}
	update(t, s, "sink", func(tx store.Tx) error {
		for range 3 {
			if err := tx.AddSinkRecord(store.SinkRecord{ID: uuid.New(), ReceivedAt: at(1), Body: make([]byte, 300)}, limits); err != nil {
				return err
			}
		}
		equal(t, "after a reset", len(must(tx.SinkRecords(store.SinkPage{})).get(t)), 3)
		return nil
	})
}

func testFaults(t *testing.T, s store.Store) {
	once := store.Fault{ID: uuid.New(), Method: "repairer.jobs.get", ErrorType: "not_found",
		ErrorFields: map[string]any{"message": "injected"}, Status: 404, LatencyMS: 5, Probability: 0.5, Remaining: 1, CreatedAt: at(1)}
	always := store.Fault{ID: uuid.New(), Method: "repairer.jobs.insert", Probability: 1, Remaining: -1, CreatedAt: at(2)}
	view(t, s, "faults", func(tx store.Tx) error {
		equal(t, "a new world has no faults", len(must(tx.Faults("")).get(t)), 0)
		return nil
	})
	updateTaken(t, s, "faults", func(tx store.Tx, taken func(error)) error {
		if err := tx.InsertFault(once); err != nil {
			return err
		}
		// A transaction sees the fault it inserted.
		equal(t, "inserted here", ids(must(tx.Faults("")).get(t)), []uuid.UUID{once.ID})
		if err := tx.InsertFault(always); err != nil {
			return err
		}
		taken(tx.InsertFault(once))
		return nil
	})
	update(t, s, "faults", func(tx store.Tx) error {
		got := must(tx.Faults("")).get(t)
		equal(t, "oldest first", ids(got), []uuid.UUID{once.ID, always.ID})
		equal(t, "fields", jsonOf(got[0].ErrorFields), jsonOf(once.ErrorFields))
		got[0].ErrorFields = once.ErrorFields
		equal(t, "fault", got[0], once)
		equal(t, "by method", ids(must(tx.Faults("repairer.jobs.insert")).get(t)), []uuid.UUID{always.ID})
		if err := tx.UseFault(once.ID); err != nil {
			return err
		}
		wantErr(t, tx.UseFault(once.ID), store.ErrNotFound)
		for range 3 {
			if err := tx.UseFault(always.ID); err != nil {
				return err
			}
		}
		got = must(tx.Faults("")).get(t)
		equal(t, "used up faults are not listed", ids(got), []uuid.UUID{always.ID})
		equal(t, "unlimited stays unlimited", got[0].Remaining, -1)
		return nil
	})
	update(t, s, "faults", func(tx store.Tx) error {
		// Used up, it is gone, not kept: its id is free again.
		return tx.InsertFault(once)
	})
	update(t, s, "faults", func(tx store.Tx) error { return tx.DeleteFaults() })
	view(t, s, "faults", func(tx store.Tx) error {
		equal(t, "deleted", len(must(tx.Faults("")).get(t)), 0)
		return nil
	})
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func testJournal(t *testing.T, s store.Store) {
	entry := func(i int, method string, status int) store.JournalEntry {
		return store.JournalEntry{ID: uuid.New(), Time: at(i), RequestID: "req-" + strconv.Itoa(i), Method: method,
			Status: status, Latency: time.Duration(i) * time.Millisecond, IntegrationID: &seed.RepairerIntegrationID,
			RequestBody: []byte(`{"i":` + strconv.Itoa(i) + `}`), ResponseBody: []byte(`{}`),
			Note: []string{"", "a note, with a NUL \x00 quoted"}[i%2]}
	}
	var es []store.JournalEntry
	for i := range 6 {
		es = append(es, entry(i, []string{"repairer.jobs.get", "repairer.jobs.insert"}[i%2], []int{200, 404}[i/3]))
	}
	record := func(entries []store.JournalEntry, keep int) {
		t.Helper()
		if err := s.Record(ctx, "journal", store.Recording{Journal: entries, Keep: keep}); err != nil {
			t.Fatal(err)
		}
	}
	record(es[:4], 5)
	record(es[4:], 5)
	equal(t, "newest 5, oldest first", must(s.Journal(ctx, "journal", store.JournalFilter{})).get(t), es[1:])
	equal(t, "limit keeps the newest", must(s.Journal(ctx, "journal", store.JournalFilter{Limit: 2})).get(t), es[4:])
	equal(t, "by method", must(s.Journal(ctx, "journal", store.JournalFilter{Method: "repairer.jobs.get"})).get(t),
		[]store.JournalEntry{es[2], es[4]})
	equal(t, "by status", must(s.Journal(ctx, "journal", store.JournalFilter{Status: 404})).get(t), es[3:])
	equal(t, "other tenant", len(must(s.Journal(ctx, "journal-other", store.JournalFilter{})).get(t)), 0)
	record(es[:1], -1) // keep < 0: no trimming
	equal(t, "untrimmed", len(must(s.Journal(ctx, "journal", store.JournalFilter{})).get(t)), 6)
	if err := s.ClearJournal(ctx, "journal"); err != nil {
		t.Fatal(err)
	}
	equal(t, "cleared", len(must(s.Journal(ctx, "journal", store.JournalFilter{})).get(t)), 0)
}

// testJournalTenantClock: entries come in on the wall clock and are kept
// on the tenant's.
func testJournalTenantClock(t *testing.T, s store.Store) {
	update(t, s, "journal-clock", func(tx store.Tx) error { return tx.SetClockOffset(90 * time.Minute) })
	e := store.JournalEntry{ID: uuid.New(), Time: at(1), Method: "m", Status: 200}
	if err := s.Record(ctx, "journal-clock", store.Recording{Journal: []store.JournalEntry{e}, Keep: 10}); err != nil {
		t.Fatal(err)
	}
	got := must(s.Journal(ctx, "journal-clock", store.JournalFilter{})).get(t)
	equal(t, "time on the tenant clock", got[0].Time, at(91))
}

// testJournalText: text Postgres cannot hold (a NUL, invalid UTF-8) is kept
// as store.CleanText makes it, by both stores alike, and found by the same
// filter; bodies keep every byte.
func testJournalText(t *testing.T, s store.Store) {
	dirty := "repairer.jobs.get\x00\xff"
	e := store.JournalEntry{ID: uuid.New(), Time: at(1), RequestID: "r\x00", Method: dirty, Status: 404,
		RequestBody: []byte("{\"a\":\"\x00\xff\"}"), ResponseBody: []byte{0, 1, 2}}
	if err := s.Record(ctx, "journal-text", store.Recording{Journal: []store.JournalEntry{e}, Keep: 10,
		Coverage: map[string]int{dirty + " 200": 1, "repairer.jobs.get\uFFFD\uFFFD 200": 1}}); err != nil {
		t.Fatal(err)
	}
	want := e
	want.Method, want.RequestID = "repairer.jobs.get\uFFFD\uFFFD", "r\uFFFD"
	equal(t, "kept clean", must(s.Journal(ctx, "journal-text", store.JournalFilter{})).get(t), []store.JournalEntry{want})
	equal(t, "found by the dirty name", len(must(s.Journal(ctx, "journal-text", store.JournalFilter{Method: dirty})).get(t)), 1)
	equal(t, "coverage keys cleaned and merged", must(s.Coverage(ctx, "journal-text")).get(t),
		map[string]int{"repairer.jobs.get\uFFFD\uFFFD 200": 2})
	equal(t, "CleanText of clean text", store.CleanText("repairer.jobs.get"), "repairer.jobs.get")
}

func testCoverage(t *testing.T, s store.Store) {
	equal(t, "empty", must(s.Coverage(ctx, "coverage")).get(t), map[string]int{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := s.Record(ctx, "coverage", store.Recording{Coverage: map[string]int{"repairer.jobs.get 200": 2, "repairer.jobs.get not_found": 1}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	equal(t, "summed", must(s.Coverage(ctx, "coverage")).get(t),
		map[string]int{"repairer.jobs.get 200": 8, "repairer.jobs.get not_found": 4})
	equal(t, "other tenant", must(s.Coverage(ctx, "coverage-other")).get(t), map[string]int{})
	// Journal and coverage of one call land together.
	e := store.JournalEntry{ID: uuid.New(), Time: at(1), Method: "repairer.jobs.get", Status: 200}
	if err := s.Record(ctx, "coverage-both", store.Recording{Journal: []store.JournalEntry{e}, Keep: 10,
		Coverage: map[string]int{"repairer.jobs.get 200": 1}}); err != nil {
		t.Fatal(err)
	}
	equal(t, "journal", len(must(s.Journal(ctx, "coverage-both", store.JournalFilter{})).get(t)), 1)
	equal(t, "coverage", must(s.Coverage(ctx, "coverage-both")).get(t), map[string]int{"repairer.jobs.get 200": 1})
}

func insertProcurementAged(t *testing.T, s store.Store, tenant string, status string, age time.Duration) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := s.Update(ctx, tenant, func(tx store.Tx) error {
		return tx.InsertProcurement(store.Procurement{ID: id, BuyerOrgID: uuid.New(), SupplierOrgID: uuid.New(),
			Status: status, CreatedAt: tx.Now().Add(-age)})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func testDueProcurements(t *testing.T, s store.Store) {
	old := insertProcurementAged(t, s, "a", store.ProcurementOrderRequested, time.Hour)
	insertProcurementAged(t, s, "a", store.ProcurementOrderRequested, time.Second)
	insertProcurementAged(t, s, "a", store.ProcurementOrderConfirmed, time.Hour)
	young := insertProcurementAged(t, s, "b", store.ProcurementOrderRequested, time.Second)

	due, err := s.DueProcurements(ctx, time.Minute, 10)
	if err != nil || len(due) != 1 || due[0] != (store.DueProcurement{Tenant: "a", ID: old}) {
		t.Fatalf("due: %v %v", due, err)
	}
	// A tenant clock moved forward makes its procurements due.
	if err := s.Update(ctx, "b", func(tx store.Tx) error { return tx.SetClockOffset(2 * time.Minute) }); err != nil {
		t.Fatal(err)
	}
	due, err = s.DueProcurements(ctx, time.Minute, 10)
	if err != nil || len(due) != 2 || due[0].ID != old || due[1] != (store.DueProcurement{Tenant: "b", ID: young}) {
		t.Fatalf("due after the clock moved: %v %v", due, err)
	}
	if due, _ = s.DueProcurements(ctx, time.Minute, 1); len(due) != 1 || due[0].ID != old {
		t.Fatalf("limited: %v", due)
	}
}

func testProcurementByID(t *testing.T, s store.Store) {
	id := insertProcurementAged(t, s, "a", store.ProcurementOrderRequested, 0)
	err := s.View(ctx, "a", func(tx store.Tx) error {
		p, err := tx.ProcurementByID(id)
		if err != nil || p.ID != id {
			t.Fatalf("found %v %v", p, err)
		}
		_, err = tx.ProcurementByID(uuid.New())
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	err = s.View(ctx, "b", func(tx store.Tx) error { _, err := tx.ProcurementByID(id); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant's procurement: %v", err)
	}
}

func testCountTenants(t *testing.T, s store.Store) {
	for _, tenant := range []string{"a", "b", "a"} {
		if err := s.View(ctx, tenant, func(store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.CountTenants(ctx); n != 2 || err != nil {
		t.Fatalf("count: %d %v", n, err)
	}
}
