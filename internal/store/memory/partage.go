package memory

import (
	"cmp"
	"slices"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// partageWorld is a tenant's Partage freight state.
type partageWorld struct {
	companies map[uuid.UUID]store.PartageCompany
	order     []uuid.UUID // companies in insertion order
	tokens    map[string]uuid.UUID
	subsByExt map[orgKey]uuid.UUID // (parent, external id)
	quotes    map[uuid.UUID]store.PartageQuote
	byNumber  map[orgKey]uuid.UUID // (family, number)
	byPLID    map[string]uuid.UUID
	counters  map[string]int64
}

func newPartageWorld(companies []store.PartageCompany) partageWorld {
	p := partageWorld{
		companies: map[uuid.UUID]store.PartageCompany{},
		tokens:    map[string]uuid.UUID{},
		subsByExt: map[orgKey]uuid.UUID{},
		quotes:    map[uuid.UUID]store.PartageQuote{},
		byNumber:  map[orgKey]uuid.UUID{},
		byPLID:    map[string]uuid.UUID{},
		counters:  map[string]int64{},
	}
	for _, c := range companies {
		p.addCompany(c)
	}
	return p
}

func (p *partageWorld) addCompany(c store.PartageCompany) {
	p.companies[c.ID] = cloneCompany(c)
	p.order = append(p.order, c.ID)
	if c.APIToken != nil {
		p.tokens[*c.APIToken] = c.ID
	}
	if c.ParentID != nil && c.ExternalID != nil {
		p.subsByExt[orgKey{*c.ParentID, *c.ExternalID}] = c.ID
	}
}

func (t *tx) PartageCompanyByToken(token string) (store.PartageCompany, error) {
	id, ok := t.w.partage.tokens[token]
	if !ok {
		return store.PartageCompany{}, store.ErrNotFound
	}
	return t.PartageCompany(id)
}

func (t *tx) PartageCompany(id uuid.UUID) (store.PartageCompany, error) {
	c, ok := t.w.partage.companies[id]
	if !ok {
		return store.PartageCompany{}, store.ErrNotFound
	}
	return cloneCompany(c), nil
}

func (t *tx) PartageSubCompanies(parent uuid.UUID) ([]store.PartageCompany, error) {
	var out []store.PartageCompany
	for _, id := range t.w.partage.order {
		if c := t.w.partage.companies[id]; c.ParentID != nil && *c.ParentID == parent {
			out = append(out, cloneCompany(c))
		}
	}
	return out, nil
}

func (t *tx) PartageSubCompanyByExternalID(parent uuid.UUID, ext string) (store.PartageCompany, error) {
	id, ok := t.w.partage.subsByExt[orgKey{parent, ext}]
	if !ok {
		return store.PartageCompany{}, store.ErrNotFound
	}
	return t.PartageCompany(id)
}

func (t *tx) InsertPartageCompany(c store.PartageCompany) error {
	if err := t.writable(); err != nil {
		return err
	}
	p := &t.w.partage
	if _, ok := p.companies[c.ID]; ok {
		return store.ErrConflict
	}
	if c.APIToken != nil {
		if _, ok := p.tokens[*c.APIToken]; ok {
			return store.ErrConflict
		}
	}
	if c.ParentID != nil && c.ExternalID != nil {
		if _, ok := p.subsByExt[orgKey{*c.ParentID, *c.ExternalID}]; ok {
			return store.ErrConflict
		}
	}
	p.addCompany(c)
	t.undo = append(t.undo, func() {
		delete(p.companies, c.ID)
		p.order = p.order[:len(p.order)-1]
		if c.APIToken != nil {
			delete(p.tokens, *c.APIToken)
		}
		if c.ParentID != nil && c.ExternalID != nil {
			delete(p.subsByExt, orgKey{*c.ParentID, *c.ExternalID})
		}
	})
	return nil
}

func (t *tx) UpdatePartageCompany(c store.PartageCompany) error {
	if err := t.writable(); err != nil {
		return err
	}
	p := &t.w.partage
	old, ok := p.companies[c.ID]
	if !ok {
		return store.ErrNotFound
	}
	// The identity never changes.
	c.ParentID, c.APIToken, c.ExternalID, c.CreatedAt = old.ParentID, old.APIToken, old.ExternalID, old.CreatedAt
	p.companies[c.ID] = cloneCompany(c)
	t.undo = append(t.undo, func() { p.companies[c.ID] = old })
	return nil
}

func (t *tx) NextPartageCounter(name string) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	p := &t.w.partage
	old, had := p.counters[name]
	p.counters[name] = old + 1
	t.undo = append(t.undo, func() {
		if had {
			p.counters[name] = old
		} else {
			delete(p.counters, name)
		}
	})
	return old + 1, nil
}

func (t *tx) PartageQuoteByNumber(family uuid.UUID, number string) (store.PartageQuote, error) {
	return t.partageQuote(t.w.partage.byNumber[orgKey{family, number}], family)
}

func (t *tx) PartageQuoteByPLID(family uuid.UUID, plID string) (store.PartageQuote, error) {
	return t.partageQuote(t.w.partage.byPLID[plID], family)
}

func (t *tx) PartageQuotes(limit int) ([]store.PartageQuote, int, error) {
	all := make([]store.PartageQuote, 0, len(t.w.partage.quotes))
	for _, q := range t.w.partage.quotes {
		all = append(all, q)
	}
	slices.SortFunc(all, func(a, b store.PartageQuote) int { return cmp.Compare(b.Seq, a.Seq) })
	out := make([]store.PartageQuote, 0, min(limit, len(all)))
	for _, q := range all[:min(max(limit, 0), len(all))] {
		out = append(out, cloneQuote(q))
	}
	return out, len(all), nil
}

func (t *tx) partageQuote(id, family uuid.UUID) (store.PartageQuote, error) {
	q, ok := t.w.partage.quotes[id]
	if !ok || q.FamilyID != family {
		return store.PartageQuote{}, store.ErrNotFound
	}
	return cloneQuote(q), nil
}

func (t *tx) InsertPartageQuote(q store.PartageQuote) error {
	if err := t.writable(); err != nil {
		return err
	}
	p := &t.w.partage
	num := orgKey{q.FamilyID, q.Number}
	_, idTaken := p.quotes[q.ID]
	_, numTaken := p.byNumber[num]
	_, plTaken := p.byPLID[q.PLID]
	if idTaken || numTaken || plTaken {
		return store.ErrConflict
	}
	p.quotes[q.ID] = cloneQuote(q)
	p.byNumber[num] = q.ID
	p.byPLID[q.PLID] = q.ID
	t.undo = append(t.undo, func() {
		delete(p.quotes, q.ID)
		delete(p.byNumber, num)
		delete(p.byPLID, q.PLID)
	})
	return nil
}

func (t *tx) UpdatePartageQuote(q store.PartageQuote) error {
	if err := t.writable(); err != nil {
		return err
	}
	p := &t.w.partage
	old, ok := p.quotes[q.ID]
	if !ok || old.FamilyID != q.FamilyID {
		return store.ErrNotFound
	}
	next := cloneQuote(old)
	next.Booking = clonePtr(q.Booking)
	if next.Booking != nil {
		next.Booking.Charges = slices.Clone(next.Booking.Charges)
	}
	next.Notes = nonNil(slices.Clone(q.Notes))
	next.CancelledAt = clonePtr(q.CancelledAt)
	p.quotes[q.ID] = next
	t.undo = append(t.undo, func() { p.quotes[q.ID] = old })
	return nil
}

func cloneCompany(c store.PartageCompany) store.PartageCompany {
	c.ParentID = clonePtr(c.ParentID)
	c.ExternalID = clonePtr(c.ExternalID)
	c.APIToken = clonePtr(c.APIToken)
	c.CreditLimit = clonePtr(c.CreditLimit)
	c.DUNSNumber = clonePtr(c.DUNSNumber)
	c.Location = clonePtr(c.Location)
	c.AccountsPayable = clonePtr(c.AccountsPayable)
	return c
}

func cloneQuote(q store.PartageQuote) store.PartageQuote {
	q.Weight = clonePtr(q.Weight)
	q.PalletSpots = clonePtr(q.PalletSpots)
	q.Pallets = clonePtr(q.Pallets)
	q.OriginAddress = clonePtr(q.OriginAddress)
	q.DestinationAddress = clonePtr(q.DestinationAddress)
	q.Commodity = clonePtr(q.Commodity)
	q.ValueCents = clonePtr(q.ValueCents)
	q.Pieces = clonePtr(q.Pieces)
	q.Services = slices.Clone(q.Services)
	q.Options = slices.Clone(q.Options)
	for i := range q.Options {
		q.Options[i].Charges = slices.Clone(q.Options[i].Charges)
	}
	q.Booking = clonePtr(q.Booking)
	if q.Booking != nil {
		q.Booking.Charges = slices.Clone(q.Booking.Charges)
	}
	q.Notes = slices.Clone(q.Notes)
	q.CancelledAt = clonePtr(q.CancelledAt)
	// Lists read back empty, never nil, as from Postgres.
	q.Services, q.Options, q.Notes = nonNil(q.Services), nonNil(q.Options), nonNil(q.Notes)
	return q
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
