package methods

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// integrations.insert exchanges an OAuth access code for a new api key and
// integration id, with the role and organization the code was granted for.
var integrationsInsert = def("integrations.insert", Public, true,
	func(c *Call, r *IntegrationsInsertRequest) (any, error) {
		client, err := c.Tx.Client(r.ClientID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrInvalidClient
		} else if err != nil {
			return nil, err
		}
		if subtle.ConstantTimeCompare([]byte(client.Secret), []byte(r.ClientSecret)) != 1 {
			return nil, ErrInvalidClient
		}
		code, err := c.Tx.UseAccessCode(r.AccessCode)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrInvalidAccessCode
		} else if err != nil {
			return nil, err
		}
		// A code granted to another client is as good as unknown; returning
		// the error rolls back its use.
		if code.ClientID != client.ID {
			return nil, ErrInvalidAccessCode
		}
		in := store.Integration{
			ID: uuid.New(), APIKey: "partly_" + randomHex(), OrganizationID: code.OrganizationID,
			Role: code.Role, ClientID: client.ID, WebhookSecret: "pwh_" + randomHex(), CreatedAt: c.Tx.Now(),
		}
		if err := c.Tx.InsertIntegration(in); err != nil {
			return nil, err
		}
		return IntegrationsInsertResponse{APIKey: in.APIKey, IntegrationID: in.ID}, nil
	})

// randomHex is 32 lowercase hex digits from the system's secure source.
func randomHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it aborts the process instead)
	return hex.EncodeToString(b[:])
}
