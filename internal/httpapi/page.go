package httpapi

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/partifact/mockserver/internal/store"
)

// PageRefusal is why a browser page refuses its request: a sentence for
// the page, capitalised and ending with a full stop.
type PageRefusal string

func (p PageRefusal) Error() string { return string(p) }

// OneValue is the one value of a page's query or form parameter: absent is
// "", repeated is an error (two values are ambiguous, not a choice). Its error is a
// PageRefusal.
func OneValue(v url.Values, name string) (string, error) {
	switch vs := v[name]; len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", PageRefusal(name + " is given more than once.")
}

// PageTenant is the world of a browser page (the dashboard, the consent
// page): the tenant parameter, since a browser cannot set headers, or else
// the tenant header. A refused header, or a parameter naming another world
// than the header, is an error rather than a guess. Its error is a
// PageRefusal.
func PageTenant(r *http.Request, v url.Values) (string, error) {
	name, err := OneValue(v, "tenant")
	if err != nil {
		return "", err
	}
	if ref := TenantError(r); ref != nil {
		return "", PageRefusal(fmt.Sprintf("The tenant header is refused: %s.", ref.Message))
	}
	if name == "" {
		return Tenant(r), nil
	}
	if !TenantPattern.MatchString(name) {
		return "", PageRefusal("A world's name is 1 to 64 characters of a-z, 0-9, _ and -.")
	}
	if h := Tenant(r); h != store.SharedTenant && h != name {
		return "", PageRefusal("The tenant parameter and the tenant header name different worlds.")
	}
	return name, nil
}
