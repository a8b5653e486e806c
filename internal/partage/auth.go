package partage

import (
	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// Authenticate finds the company an API token belongs to. A token that
// cannot be one (empty, too long, not clean text) is refused without a
// look-up, so nothing a store cannot hold reaches it.
func Authenticate(tx store.Tx, token string) (store.PartageCompany, error) {
	if token == "" || checkText(token, MaxTokenLength) != "" {
		return store.PartageCompany{}, ErrInvalidToken
	}
	c, err := tx.PartageCompanyByToken(token)
	return c, notFoundAs(err, ErrInvalidToken)
}

// familyOf is the company whose family a caller acts in: itself, or its
// parent for a sub-company holding a token of its own.
func familyOf(c store.PartageCompany) uuid.UUID {
	if c.ParentID != nil {
		return *c.ParentID
	}
	return c.ID
}
