package methods

import (
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
)

// credential is the pair of headers every authenticated call carries.
type credential struct {
	key string
	id  uuid.UUID
}

// credentialFor reads the headers (any problem is unauthorized, before the
// store is asked), then finds the integration and checks its role.
func credentialFor(access Access) httpapi.Auth {
	return func(r *http.Request, _ []byte) (httpapi.Check, error) {
		cred, err := parseCredential(r)
		if err != nil {
			return nil, err
		}
		return func(tx store.Tx) (any, error) {
			in, err := cred.authenticate(tx)
			if err != nil {
				return nil, err
			}
			if !access.Allows(in.Role) {
				return nil, ErrForbidden
			}
			return in, nil
		}, nil
	}
}

// integrationHeader is Partly-Integration-ID as http.Header keys it: read
// with this spelling, no canonical form is made per request.
const integrationHeader = "Partly-Integration-Id"

// parseCredential checks the headers' form; any problem is unauthorized.
func parseCredential(r *http.Request) (credential, error) {
	auth := r.Header.Get("Authorization")
	scheme, key, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return credential{}, ErrUnauthorized
	}
	id, err := uuid.Parse(r.Header.Get(integrationHeader))
	if err != nil {
		return credential{}, ErrUnauthorized
	}
	return credential{key: strings.TrimSpace(key), id: id}, nil
}

// authenticate finds the integration the key belongs to; the integration id
// header must name that same integration.
func (c credential) authenticate(tx store.Tx) (store.Integration, error) {
	in, err := tx.IntegrationByKey(c.key)
	if errors.Is(err, store.ErrNotFound) || (err == nil && in.ID != c.id) {
		return store.Integration{}, ErrUnauthorized
	}
	return in, err
}
