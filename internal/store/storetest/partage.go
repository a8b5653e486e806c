package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/seed"
	"github.com/partifact/mockserver/internal/store"
)

// partageTests are the cases of the Partage freight part of a Tx.
var partageTests = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"PartageSeeded", testPartageSeeded},
	{"PartageNotFound", testPartageNotFound},
	{"PartageCompanies", testPartageCompanies},
	{"PartageCounters", testPartageCounters},
	{"PartageQuotes", testPartageQuotes},
	{"PartageQuoteList", testPartageQuoteList},
	{"PartageRollback", testPartageRollback},
	{"PartageTenantIsolation", testPartageTenantIsolation},
	{"PartageReset", testPartageReset},
	{"PartageConcurrentCounter", testPartageConcurrentCounter},
	{"PartageConcurrentCredit", testPartageConcurrentCredit},
}

func seededPartage(id uuid.UUID) store.PartageCompany {
	for _, c := range seed.New().PartageCompanies {
		if c.ID == id {
			return c
		}
	}
	panic("no seeded Partage company " + id.String())
}

// newPartageQuote is a quote with every field set.
func newPartageQuote(family, company uuid.UUID, n int) store.PartageQuote {
	created := at(n)
	return store.PartageQuote{
		ID: seed.Mint(family, fmt.Sprintf("partage-quote:%d", n)), FamilyID: family, CompanyID: company,
		Seq: int64(n), Number: fmt.Sprintf("2026-01-05-%d", n), PLID: fmt.Sprintf("PLT%03d", n), OwnCredit: true,
		Equipment: "van", OriginPostalCode: "60612", DestinationPostalCode: "12186",
		Weight: ptr(int64(10000)), PalletSpots: ptr(int64(10)), Pallets: ptr(int64(9)), FTLOnly: false,
		OriginAddress: &store.PartageAddress{Name: "Pet Party Planners", AddressOne: "5046 S Greenwood Ave",
			Phone: "9879879876", PostalCode: "60612"},
		DestinationAddress: &store.PartageAddress{Name: "Partage, LLC", AddressOne: "333 North Oakley Blvd",
			AddressTwo: "Suite 200", Phone: "123-123-1234", PostalCode: "12186"},
		Commodity: ptr("Brake rotors"), ValueCents: ptr(int64(1250050)), Pieces: ptr(int64(40)),
		Timing: store.PartageTiming{OriginDate: "2026-01-07", OriginOpen: "8:00", OriginClose: "14:00",
			DestinationDate: "2026-01-09", DestinationOpen: "6:30", DestinationClose: "18:30"},
		Services: []store.PartageService{{Location: "origin", Name: "Liftgate", Units: 1},
			{Location: "origin", Name: "Lumper", Units: 30.5}},
		Miles: 888,
		Options: []store.PartageOption{
			{Mode: "truckload", Total: 1851, Charges: []store.PartageCharge{
				{Name: "Linehaul", Total: 1474, UnitOfMeasure: "Mile", Units: 888},
				{Name: "Fuel", Total: 377, UnitOfMeasure: "Mile", Units: 888}}},
			{Mode: "intermodal", Total: 1573, Charges: []store.PartageCharge{
				{Name: "Linehaul", Total: 1253, UnitOfMeasure: "Mile", Units: 888}}},
		},
		CreatedAt: created,
	}
}

// bareQuote is a quote with every optional field absent.
func bareQuote(family, company uuid.UUID, n int) store.PartageQuote {
	q := newPartageQuote(family, company, n)
	q.OwnCredit, q.Weight, q.PalletSpots, q.Pallets, q.FTLOnly = false, nil, nil, nil, true
	q.OriginAddress, q.DestinationAddress, q.Commodity, q.ValueCents, q.Pieces = nil, nil, nil, nil, nil
	q.Services, q.Options = []store.PartageService{}, []store.PartageOption{}
	q.Notes = []store.PartageNote{}
	return q
}

func testPartageSeeded(t *testing.T, s store.Store) {
	w := seed.New()
	view(t, s, "partage-seeded", func(tx store.Tx) error {
		equal(t, "demo token", must(tx.PartageCompanyByToken(seed.PartageDemoToken)).get(t), w.PartageCompanies[0])
		equal(t, "other token", must(tx.PartageCompanyByToken(seed.PartageOtherToken)).get(t).ID, seed.PartageGulfCoastID)
		equal(t, "by id", must(tx.PartageCompany(seed.PartageBadgerID)).get(t), w.PartageCompanies[1])
		equal(t, "subs, oldest first", must(tx.PartageSubCompanies(seed.PartageLakeshoreID)).get(t), w.PartageCompanies[1:3])
		equal(t, "no subs", len(must(tx.PartageSubCompanies(seed.PartageGulfCoastID)).get(t)), 0)
		equal(t, "by external id", must(tx.PartageSubCompanyByExternalID(seed.PartageLakeshoreID, seed.PartageIndyExternalID)).get(t),
			w.PartageCompanies[2])
		return nil
	})
}

func testPartageNotFound(t *testing.T, s store.Store) {
	unknown := uuid.New()
	view(t, s, "partage-notfound", func(tx store.Tx) error {
		for name, err := range map[string]error{
			"token":                    second(tx.PartageCompanyByToken("partage_nope")),
			"empty token":              second(tx.PartageCompanyByToken("")),
			"company":                  second(tx.PartageCompany(unknown)),
			"external id":              second(tx.PartageSubCompanyByExternalID(seed.PartageLakeshoreID, "nope")),
			"another parent's sub":     second(tx.PartageSubCompanyByExternalID(seed.PartageGulfCoastID, seed.PartageBadgerExternalID)),
			"a sub's external id of a": second(tx.PartageSubCompanyByExternalID(seed.PartageBadgerID, seed.PartageBadgerExternalID)),
			"quote by number":          second(tx.PartageQuoteByNumber(seed.PartageLakeshoreID, "2026-01-05-1")),
			"quote by pl_id":           second(tx.PartageQuoteByPLID(seed.PartageLakeshoreID, "PLAAAA")),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: got %v, want ErrNotFound", name, err)
			}
		}
		return nil
	})
	update(t, s, "partage-notfound", func(tx store.Tx) error {
		wantErr(t, tx.UpdatePartageCompany(store.PartageCompany{ID: unknown}), store.ErrNotFound)
		wantErr(t, tx.UpdatePartageQuote(newPartageQuote(seed.PartageLakeshoreID, seed.PartageLakeshoreID, 1)), store.ErrNotFound)
		// The store stays usable after a typed error.
		_ = must(tx.PartageCompany(seed.PartageLakeshoreID)).get(t)
		return nil
	})
}

func testPartageCompanies(t *testing.T, s store.Store) {
	parent := seed.PartageLakeshoreID
	sub := store.PartageCompany{
		ID: uuid.New(), ParentID: &parent, Name: "Prairie Auto Supply", ExternalID: ptr("prairie"),
		CreditLimit: ptr(int64(2500)), DUNSNumber: ptr("free-form text"),
		Location:        &store.PartageLocation{AddressOne: "333 N Oakley", AddressTwo: "Suite 200", PostalCode: "60612"},
		AccountsPayable: &store.PartageContact{FirstName: "A", LastName: "B", Email: "ap@example.com", Phone: "123 123 1234"},
		CreatedAt:       at(5),
	}
	bare := store.PartageCompany{ID: uuid.New(), ParentID: &parent, Name: "Organizational", ExternalID: ptr("org"),
		SameCredit: true, CreatedAt: at(6)}
	gulf := seed.PartageGulfCoastID
	elsewhere := store.PartageCompany{ID: uuid.New(), ParentID: &gulf, Name: "Same external id, other parent",
		ExternalID: ptr("prairie"), SameCredit: true, CreatedAt: at(7)}
	top := store.PartageCompany{ID: uuid.New(), Name: "Another parent", APIToken: ptr("partage_new_token"),
		APIUser: store.PartageUser{Name: "N", Email: "n@example.com"}, CreditLimit: ptr(int64(1)), CreatedAt: at(8)}
	updateTaken(t, s, "partage-companies", func(tx store.Tx, taken func(error)) error {
		for _, c := range []store.PartageCompany{sub, bare, elsewhere, top} {
			if err := tx.InsertPartageCompany(c); err != nil {
				return err
			}
		}
		taken(tx.InsertPartageCompany(sub))
		sameExt := sub
		sameExt.ID = uuid.New()
		taken(tx.InsertPartageCompany(sameExt))
		sameToken := top
		sameToken.ID = uuid.New()
		taken(tx.InsertPartageCompany(sameToken))
		seedToken := top
		seedToken.ID, seedToken.APIToken = uuid.New(), ptr(seed.PartageDemoToken)
		taken(tx.InsertPartageCompany(seedToken))
		return nil
	})
	view(t, s, "partage-companies", func(tx store.Tx) error {
		subs := must(tx.PartageSubCompanies(parent)).get(t)
		equal(t, "oldest first", ids(subs), []uuid.UUID{seed.PartageBadgerID, seed.PartageIndyID, sub.ID, bare.ID})
		equal(t, "sub", subs[2], sub)
		equal(t, "bare sub", subs[3], bare)
		equal(t, "by external id", must(tx.PartageSubCompanyByExternalID(gulf, "prairie")).get(t), elsewhere)
		equal(t, "by token", must(tx.PartageCompanyByToken("partage_new_token")).get(t), top)
		return nil
	})
	update(t, s, "partage-companies", func(tx store.Tx) error {
		c := must(tx.PartageCompany(sub.ID)).get(t)
		c.Name, c.CreditLimit, c.CreditUtilization, c.SameCredit = "Renamed", nil, 1234, true
		c.Location, c.AccountsPayable, c.DUNSNumber = nil, nil, nil
		want := c
		c.ExternalID, c.APIToken, c.CreatedAt = ptr("changed"), ptr("changed"), at(99) // identity: ignored
		other := gulf
		c.ParentID = &other
		if err := tx.UpdatePartageCompany(c); err != nil {
			return err
		}
		equal(t, "updated", must(tx.PartageCompany(sub.ID)).get(t), want)
		equal(t, "still found by external id", must(tx.PartageSubCompanyByExternalID(parent, "prairie")).get(t).ID, sub.ID)
		wantErr(t, second(tx.PartageCompanyByToken("changed")), store.ErrNotFound)
		return nil
	})
}

func testPartageCounters(t *testing.T, s store.Store) {
	update(t, s, "partage-counters", func(tx store.Tx) error {
		equal(t, "first", must(tx.NextPartageCounter("a")).get(t), int64(1))
		equal(t, "second", must(tx.NextPartageCounter("a")).get(t), int64(2))
		equal(t, "another name", must(tx.NextPartageCounter("b")).get(t), int64(1))
		return nil
	})
	boom := errors.New("boom")
	wantErr(t, s.Update(ctx, "partage-counters", func(tx store.Tx) error {
		equal(t, "third", must(tx.NextPartageCounter("a")).get(t), int64(3))
		_ = must(tx.NextPartageCounter("c")).get(t)
		return boom
	}), boom)
	update(t, s, "partage-counters", func(tx store.Tx) error {
		equal(t, "taken back", must(tx.NextPartageCounter("a")).get(t), int64(3))
		equal(t, "never kept", must(tx.NextPartageCounter("c")).get(t), int64(1))
		return nil
	})
	if err := s.View(ctx, "partage-counters", func(tx store.Tx) error {
		_, err := tx.NextPartageCounter("a")
		return err
	}); err == nil {
		t.Error("a counter moved in View")
	}
}

func testPartageQuotes(t *testing.T, s store.Store) {
	family := seed.PartageLakeshoreID
	full := newPartageQuote(family, seed.PartageBadgerID, 1)
	full.Notes = []store.PartageNote{{Content: "Call ahead", UserName: "Dana", UserCompany: "Lakeshore", CreatedAt: at(2)}}
	bare := bareQuote(family, family, 2)
	// Same number in another family: numbers are per family.
	other := bareQuote(seed.PartageGulfCoastID, seed.PartageGulfCoastID, 1)
	other.PLID = "PLOTHR"
	updateTaken(t, s, "partage-quotes", func(tx store.Tx, taken func(error)) error {
		for _, q := range []store.PartageQuote{full, bare, other} {
			if err := tx.InsertPartageQuote(q); err != nil {
				return err
			}
		}
		taken(tx.InsertPartageQuote(full))
		sameNumber := bareQuote(family, family, 3)
		sameNumber.Number = full.Number
		taken(tx.InsertPartageQuote(sameNumber))
		samePL := bareQuote(seed.PartageGulfCoastID, seed.PartageGulfCoastID, 4)
		samePL.PLID = full.PLID // pl_ids are unique in the world
		taken(tx.InsertPartageQuote(samePL))
		return nil
	})
	view(t, s, "partage-quotes", func(tx store.Tx) error {
		equal(t, "by number", must(tx.PartageQuoteByNumber(family, full.Number)).get(t), full)
		equal(t, "by pl_id", must(tx.PartageQuoteByPLID(family, full.PLID)).get(t), full)
		equal(t, "bare", must(tx.PartageQuoteByNumber(family, bare.Number)).get(t), bare)
		equal(t, "other family's", must(tx.PartageQuoteByNumber(seed.PartageGulfCoastID, other.Number)).get(t), other)
		wantErr(t, second(tx.PartageQuoteByPLID(seed.PartageGulfCoastID, full.PLID)), store.ErrNotFound)
		wantErr(t, second(tx.PartageQuoteByNumber(seed.PartageGulfCoastID, bare.Number)), store.ErrNotFound)
		return nil
	})
	update(t, s, "partage-quotes", func(tx store.Tx) error {
		q := must(tx.PartageQuoteByPLID(family, bare.PLID)).get(t)
		q.Booking = &store.PartageBooking{Mode: "truckload", BookedAt: at(10),
			BookedBy: store.PartageUser{Name: "Dana", Email: "d@example.com"}, Total: 1851,
			Charges:   []store.PartageCharge{{Name: "Linehaul", Total: 1851, UnitOfMeasure: "Mile", Units: 888}},
			AccountID: family}
		q.Notes = append(q.Notes, store.PartageNote{Content: "Dock 4", UserName: "Dana", UserCompany: "Lakeshore", CreatedAt: at(11)})
		q.CancelledAt = ptr(at(12))
		want := q
		// The terms are set at creation and stay.
		q.Miles, q.Equipment, q.Options, q.Weight, q.CreatedAt = 1, "flatbed", nil, ptr(int64(1)), at(50)
		if err := tx.UpdatePartageQuote(q); err != nil {
			return err
		}
		equal(t, "updated", must(tx.PartageQuoteByNumber(family, bare.Number)).get(t), want)
		wrongFamily := want
		wrongFamily.FamilyID = seed.PartageGulfCoastID
		wantErr(t, tx.UpdatePartageQuote(wrongFamily), store.ErrNotFound)
		return nil
	})
}

// testPartageQuoteList: the world's quotes of every family, newest first,
// cut at the limit and counted in full.
func testPartageQuoteList(t *testing.T, s store.Store) {
	view(t, s, "partage-quote-list", func(tx store.Tx) error {
		qs, n, err := tx.PartageQuotes(10)
		if err != nil {
			return err
		}
		equal(t, "none", len(qs), 0)
		equal(t, "none counted", n, 0)
		return nil
	})
	// Inserted out of rank order, across two families.
	a := bareQuote(seed.PartageLakeshoreID, seed.PartageLakeshoreID, 2)
	b := newPartageQuote(seed.PartageGulfCoastID, seed.PartageGulfCoastID, 3)
	b.Notes = []store.PartageNote{} // as a store gives it back
	c := bareQuote(seed.PartageLakeshoreID, seed.PartageBadgerID, 1)
	update(t, s, "partage-quote-list", func(tx store.Tx) error {
		for _, q := range []store.PartageQuote{a, b, c} {
			if err := tx.InsertPartageQuote(q); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, "partage-quote-list", func(tx store.Tx) error {
		qs, n, err := tx.PartageQuotes(10)
		if err != nil {
			return err
		}
		equal(t, "all, newest first", qs, []store.PartageQuote{b, a, c})
		equal(t, "count", n, 3)
		qs, n, err = tx.PartageQuotes(2)
		if err != nil {
			return err
		}
		equal(t, "cut", qs, []store.PartageQuote{b, a})
		equal(t, "counted past the cut", n, 3)
		qs, n, err = tx.PartageQuotes(0)
		if err != nil {
			return err
		}
		equal(t, "counted only", len(qs), 0)
		equal(t, "count without rows", n, 3)
		return nil
	})
	view(t, s, "partage-quote-list-other", func(tx store.Tx) error {
		_, n, err := tx.PartageQuotes(10)
		if err != nil {
			return err
		}
		equal(t, "another world's", n, 0)
		return nil
	})
}

func testPartageRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	parent := seed.PartageLakeshoreID
	q := newPartageQuote(parent, parent, 1)
	err := s.Update(ctx, "partage-rollback", func(tx store.Tx) error {
		c := must(tx.PartageCompany(parent)).get(t)
		c.CreditUtilization += 1000
		steps := []error{
			tx.InsertPartageCompany(store.PartageCompany{ID: uuid.New(), ParentID: &parent, Name: "x",
				ExternalID: ptr("x"), SameCredit: true, CreatedAt: at(1)}),
			tx.UpdatePartageCompany(c),
			second(tx.NextPartageCounter("pl_id")),
			tx.InsertPartageQuote(q),
		}
		for i, err := range steps {
			if err != nil {
				t.Errorf("step %d: %v", i, err)
			}
		}
		return boom
	})
	wantErr(t, err, boom)
	view(t, s, "partage-rollback", func(tx store.Tx) error {
		equal(t, "subs", len(must(tx.PartageSubCompanies(parent)).get(t)), 2)
		equal(t, "company", must(tx.PartageCompany(parent)).get(t), seededPartage(parent))
		wantErr(t, second(tx.PartageQuoteByNumber(parent, q.Number)), store.ErrNotFound)
		return nil
	})
	update(t, s, "partage-rollback", func(tx store.Tx) error {
		equal(t, "counter", must(tx.NextPartageCounter("pl_id")).get(t), int64(1))
		return nil
	})
}

func testPartageTenantIsolation(t *testing.T, s store.Store) {
	parent := seed.PartageLakeshoreID
	q := newPartageQuote(parent, parent, 1)
	update(t, s, "partage-a", func(tx store.Tx) error {
		c := must(tx.PartageCompany(parent)).get(t)
		c.CreditUtilization = 1
		if err := tx.UpdatePartageCompany(c); err != nil {
			return err
		}
		if _, err := tx.NextPartageCounter("pl_id"); err != nil {
			return err
		}
		if err := tx.InsertPartageCompany(store.PartageCompany{ID: uuid.New(), Name: "Only in a",
			APIToken: ptr("partage_only_a"), CreatedAt: at(1)}); err != nil {
			return err
		}
		return tx.InsertPartageQuote(q)
	})
	for _, other := range []string{"partage-b", store.SharedTenant} {
		update(t, s, other, func(tx store.Tx) error {
			equal(t, "company as seeded", must(tx.PartageCompany(parent)).get(t), seededPartage(parent))
			wantErr(t, second(tx.PartageQuoteByPLID(parent, q.PLID)), store.ErrNotFound)
			wantErr(t, second(tx.PartageCompanyByToken("partage_only_a")), store.ErrNotFound)
			equal(t, "own counter", must(tx.NextPartageCounter("pl_id")).get(t), int64(1))
			// The same ids can be used in every world.
			return tx.InsertPartageQuote(q)
		})
	}
}

func testPartageReset(t *testing.T, s store.Store) {
	parent := seed.PartageLakeshoreID
	q := newPartageQuote(parent, parent, 1)
	for _, tenant := range []string{"partage-reset", "partage-kept"} {
		update(t, s, tenant, func(tx store.Tx) error {
			c := must(tx.PartageCompany(seed.PartageBadgerID)).get(t)
			c.CreditUtilization = 4999
			if err := tx.UpdatePartageCompany(c); err != nil {
				return err
			}
			if _, err := tx.NextPartageCounter("pl_id"); err != nil {
				return err
			}
			if err := tx.InsertPartageCompany(store.PartageCompany{ID: uuid.New(), ParentID: &parent, Name: "New",
				ExternalID: ptr("new"), SameCredit: true, CreatedAt: at(1)}); err != nil {
				return err
			}
			return tx.InsertPartageQuote(q)
		})
	}
	if err := s.ResetTenant(ctx, "partage-reset"); err != nil {
		t.Fatal(err)
	}
	update(t, s, "partage-reset", func(tx store.Tx) error {
		equal(t, "companies as seeded", must(tx.PartageSubCompanies(parent)).get(t), seed.New().PartageCompanies[1:3])
		wantErr(t, second(tx.PartageQuoteByPLID(parent, q.PLID)), store.ErrNotFound)
		equal(t, "counter restarts", must(tx.NextPartageCounter("pl_id")).get(t), int64(1))
		return nil
	})
	view(t, s, "partage-kept", func(tx store.Tx) error {
		equal(t, "other world untouched", must(tx.PartageCompany(seed.PartageBadgerID)).get(t).CreditUtilization, int64(4999))
		equal(t, "its quote", must(tx.PartageQuoteByPLID(parent, q.PLID)).get(t).ID, q.ID)
		return nil
	})
}

// testPartageConcurrentCounter: concurrent writers never get the same value.
func testPartageConcurrentCounter(t *testing.T, s store.Store) {
	const workers, each = 8, 10
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				var n int64
				err := s.Update(ctx, "partage-counter", func(tx store.Tx) (err error) {
					n, err = tx.NextPartageCounter("pl_id")
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(got)
	want := make([]int64, workers*each)
	for i := range want {
		want[i] = int64(i + 1)
	}
	equal(t, "values", got, want)
}

// testPartageConcurrentCredit: read-modify-writes of a company's credit
// (PartageCompany locks it in an Update) never lose one another.
func testPartageConcurrentCredit(t *testing.T, s store.Store) {
	const workers, each = 8, 5
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				err := s.Update(ctx, "partage-credit", func(tx store.Tx) error {
					c, err := tx.PartageCompany(seed.PartageBadgerID)
					if err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // widen the window a lost update needs
					c.CreditUtilization++
					return tx.UpdatePartageCompany(c)
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	view(t, s, "partage-credit", func(tx store.Tx) error {
		equal(t, "utilization", must(tx.PartageCompany(seed.PartageBadgerID)).get(t).CreditUtilization,
			seededPartage(seed.PartageBadgerID).CreditUtilization+workers*each)
		return nil
	})
}
