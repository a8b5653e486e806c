package methods

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// The front half of the install flow (contract §3.1): the rules the consent
// page and the sandbox routes share with integrations.insert, which redeems
// what they issue. They know nothing about HTTP.

// Bounds of the install flow's records in a world [designed]: clients
// registered through POST /__clients, and access codes that can still be
// exchanged (used and expired ones are removed as new ones are issued).
const (
	MaxClients     = 100
	MaxAccessCodes = 1000
)

// ErrTooManyAccessCodes: the world holds MaxAccessCodes codes that can
// still be exchanged.
var ErrTooManyAccessCodes = fmt.Errorf("a world holds at most %d access codes that can still be exchanged; they expire %s after issue", MaxAccessCodes, AccessCodeTTL)

// AccessCodeTTL is how long an access code can be exchanged after issue, on
// the tenant's clock.
const AccessCodeTTL = 15 * time.Minute

// ErrBadScopes: the scopes are not exactly ["repairer"] or ["supplier"].
var ErrBadScopes = errors.New(`scopes must be exactly ["repairer"] or ["supplier"]`)

// ParseScopes reads the OAuth scopes, a JSON array such as ["repairer"], into
// the one role they grant. One scope exactly: an api key has one role.
func ParseScopes(s string) (store.Role, error) {
	var scopes []string
	if err := json.Unmarshal([]byte(s), &scopes); err != nil || len(scopes) != 1 {
		return "", ErrBadScopes
	}
	switch r := store.Role(scopes[0]); r {
	case store.RoleRepairer, store.RoleSupplier:
		return r, nil
	}
	return "", ErrBadScopes
}

// CheckRedirectURL accepts what a client may register as a redirect URL: an
// absolute http(s) URL with a host and no fragment (the code is appended to
// the query; a fragment would never reach the client's server).
func CheckRedirectURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an absolute http or https URL")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("must name a host")
	case u.User != nil:
		return errors.New("must not carry credentials")
	case strings.Contains(s, "#"):
		return errors.New("must not have a fragment")
	}
	return nil
}

// RedirectRegistered reports whether url is one of the client's redirect
// URLs, compared exactly as the contract asks (no normalisation at all: a
// trailing slash or a different case is another URL).
func RedirectRegistered(c store.Client, u string) bool {
	for _, r := range c.RedirectURLs {
		if r == u {
			return true
		}
	}
	return false
}

// OrganizationOfRole finds an organization that may be granted role;
// ErrNotFound when it does not exist or has another role.
func OrganizationOfRole(tx store.Tx, id uuid.UUID, role store.Role) (store.Organization, error) {
	o, err := tx.Organization(id)
	if err != nil {
		return store.Organization{}, err
	}
	if o.Role != role {
		return store.Organization{}, store.ErrNotFound
	}
	return o, nil
}

// IssueAccessCode mints a single-use code for an install of clientID into
// org with role, expiring AccessCodeTTL after the tenant's now. The caller
// has checked the client and that org has the role.
func IssueAccessCode(tx store.Tx, clientID string, role store.Role, org uuid.UUID) (store.AccessCode, error) {
	live, err := tx.PruneAccessCodes()
	if err != nil {
		return store.AccessCode{}, err
	}
	if live >= MaxAccessCodes {
		return store.AccessCode{}, ErrTooManyAccessCodes
	}
	c := store.AccessCode{
		Code: "ac_" + randomHex(), ClientID: clientID, OrganizationID: org, Role: role,
		ExpiresAt: tx.Now().Add(AccessCodeTTL),
	}
	// 128 random bits never collide in practice; if they did, the store's
	// ErrConflict makes Update retry the transaction with a fresh code.
	if err := tx.InsertAccessCode(c); err != nil {
		return store.AccessCode{}, err
	}
	return c, nil
}
