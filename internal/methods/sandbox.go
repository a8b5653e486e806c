package methods

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
)

// The Partly module's own sandbox routes (openapi-sandbox.json): triggers
// that act as the other party of a procurement, and the install flow's
// routes for tests that cannot click through the consent page.
var sandboxRoutes = []httpapi.Route{
	{Op: "sandbox.procurements.confirm", Verb: http.MethodPost, Path: "procurements/{id}/confirm", Tx: httpapi.TxUpdate, Handle: trigger(ConfirmProcurement)},
	{Op: "sandbox.procurements.cancel", Verb: http.MethodPost, Path: "procurements/{id}/cancel", Tx: httpapi.TxUpdate, Handle: trigger(CancelProcurement)},
	{Op: "sandbox.clients.insert", Verb: http.MethodPost, Path: "clients", Tx: httpapi.TxUpdate, Handle: registerClient},
	{Op: "sandbox.access_codes.insert", Verb: http.MethodPost, Path: "access-codes", Tx: httpapi.TxUpdate, Handle: mintAccessCode},
}

// trigger runs a procurement transition as the other party would, without
// its credential, and answers the procurement. Its webhooks go out after
// the answer, as a wire call's do.
func trigger(transition func(store.Tx, store.Procurement) (store.Procurement, error)) func(*httpapi.Call) (any, error) {
	return func(c *httpapi.Call) (any, error) {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return nil, httpapi.BadInput("/path/id", "a procurement id (uuid)")
		}
		p, err := c.Tx.ProcurementByID(id)
		if err != nil {
			return nil, err
		}
		if p, err = transition(c.Tx, p); err != nil {
			return nil, err
		}
		return ProcurementWire(p), nil
	}
}

// ClientInsertRequest is the body of POST /__clients.
type ClientInsertRequest struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Name         string   `json:"name"`
	RedirectURLs []string `json:"redirect_urls"`
}

// ClientV1 is a registered client as /__clients answers it (never the secret).
type ClientV1 struct {
	ClientID     string   `json:"client_id"`
	Name         string   `json:"name"`
	RedirectURLs []string `json:"redirect_urls"`
}

// registerClient adds an OAuth client to the tenant's world.
func registerClient(c *httpapi.Call) (any, error) {
	var req ClientInsertRequest
	if err := json.Unmarshal(c.Body, &req); err != nil {
		return nil, httpapi.BadInput("", err.Error())
	}
	for i, u := range req.RedirectURLs {
		if err := CheckRedirectURL(u); err != nil {
			return nil, httpapi.BadInput(fmt.Sprintf("/redirect_urls/%d", i), err.Error())
		}
	}
	// Look first: the store's ErrConflict means a lost race, which Update
	// may retry, while an existing id is simply an answer.
	if _, err := c.Tx.Client(req.ClientID); err == nil {
		return nil, httpapi.ErrConflict
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if n, err := c.Tx.CountClients(); err != nil {
		return nil, err
	} else if n >= MaxClients {
		return nil, httpapi.BadInput("", fmt.Sprintf("a world holds at most %d clients: reset it (POST /__reset) to start over", MaxClients))
	}
	err := c.Tx.InsertClient(store.Client{ID: req.ClientID, Secret: req.ClientSecret, Name: req.Name, RedirectURLs: req.RedirectURLs})
	if errors.Is(err, store.ErrConflict) {
		return nil, httpapi.ErrConflict
	}
	if err != nil {
		return nil, err
	}
	return ClientV1{ClientID: req.ClientID, Name: req.Name, RedirectURLs: req.RedirectURLs}, nil
}

// AccessCodeInsertRequest is the body of POST /__access-codes.
type AccessCodeInsertRequest struct {
	ClientID       string          `json:"client_id"`
	Scopes         json.RawMessage `json:"scopes"`
	OrganizationID *uuid.UUID      `json:"organization_id"`
}

// AccessCodeV1 is a freshly minted access code.
type AccessCodeV1 struct {
	AccessCode     string    `json:"access_code"`
	ExpiresAt      string    `json:"expires_at"`
	OrganizationID uuid.UUID `json:"organization_id"`
}

// mintAccessCode issues a code as an approved consent page would, for CI
// that cannot click. Without organization_id it installs into the first
// organization of the role by name.
func mintAccessCode(c *httpapi.Call) (any, error) {
	var req AccessCodeInsertRequest
	if err := json.Unmarshal(c.Body, &req); err != nil {
		return nil, httpapi.BadInput("", err.Error())
	}
	role, err := ParseScopes(string(req.Scopes))
	if err != nil {
		return nil, httpapi.BadInput("/scopes", err.Error())
	}
	if _, err := c.Tx.Client(req.ClientID); err != nil {
		return nil, err // not_found for an unknown client
	}
	org, err := organizationFor(c.Tx, role, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	code, err := IssueAccessCode(c.Tx, req.ClientID, role, org)
	if errors.Is(err, ErrTooManyAccessCodes) {
		return nil, httpapi.BadInput("", err.Error())
	}
	if err != nil {
		return nil, err
	}
	return AccessCodeV1{
		AccessCode: code.Code, ExpiresAt: code.ExpiresAt.UTC().Format(time.RFC3339), OrganizationID: code.OrganizationID,
	}, nil
}

// organizationFor is the organization a minted code installs into: the one
// named, which must have the role, or else the first of the role by name.
func organizationFor(tx store.Tx, role store.Role, id *uuid.UUID) (uuid.UUID, error) {
	if id != nil {
		_, err := OrganizationOfRole(tx, *id, role)
		if errors.Is(err, store.ErrNotFound) {
			return uuid.Nil, httpapi.BadInput("/organization_id", fmt.Sprintf("no %s organization of this world has this id", role))
		}
		return *id, err
	}
	orgs, err := tx.Organizations(role)
	if err != nil {
		return uuid.Nil, err
	}
	if len(orgs) == 0 {
		// Seeded worlds have organizations of both roles; this keeps an
		// emptied one from indexing out of range.
		return uuid.Nil, httpapi.BadInput("/organization_id", fmt.Sprintf("this world has no %s organization", role))
	}
	return orgs[0].ID, nil
}
