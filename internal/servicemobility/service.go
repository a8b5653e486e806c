// Package servicemobility is the ServiceMobility parts ordering module: a
// stand-in for ServiceMobility (logon, system configuration, and the Parts
// Ordering API that forwards each order to the implementer's endpoint and
// checks the answer against the interface), and a reference implementation
// of the Parts Ordering REST API Interface backed by the Partly world.
//
// It knows no HTTP routing: each operation takes the call's token and body
// and returns a wire value or an *Error, which Render turns into the status
// and body of the interface's error family. Operations that only touch the
// world run inside a transaction the caller opens; PartsOrdering makes an
// outbound call and so opens its own.
package servicemobility

import (
	"net/http"
	"time"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// Where the module's routes are, and the operation ids of its document.
const (
	Prefix = "/servicemobility"

	PathCreateJWT     = "/createjwt"
	PathSysConfig     = "/seiapi/v3/SysConfig/mobility"
	PathPartsOrdering = "/seiapi/v3/mobile/PartsOrdering"
	PathPartsOrders   = "/parts-orders"
	// PathChecks is the sandbox route of the contract-check log, outside
	// Prefix like the other sandbox controls (openapi-sandbox.json).
	PathChecks = "/__servicemobility/checks"

	OpCreateJWT           = "createjwt"
	OpSysConfigGet        = "sysconfig.get"
	OpSysConfigSet        = "sysconfig.set"
	OpPartsOrderingSubmit = "partsordering.submit"
	OpPartsOrdersSubmit   = "partsorders.submit"
)

// Config is the module's configuration.
type Config struct {
	// Secret signs and checks tokens; empty means DefaultSecret.
	Secret []byte
	// Policy says where parts orders may be forwarded: the webhook rules
	// (loopback, or an allowed host).
	Policy webhooks.Policy
	// Timeouts of a forwarded call; zero means DefaultConnectTimeout and
	// DefaultTimeout.
	ConnectTimeout time.Duration
	Timeout        time.Duration
	// MaxAnswerBytes bounds an implementer's answer; zero means
	// DefaultMaxAnswerBytes.
	MaxAnswerBytes int64
	// Edge is the server's own HTTP handler. With no endpoint configured,
	// the stand-in sends a parts order through it to the reference
	// implementation, in-process but as a forwarded call from outside
	// would come: faults set on the reference's operation fire, and the
	// call is journaled, counted and logged as its own, within the same
	// timeout and answer cap. Nil (the service used without a server):
	// the reference implementation is called directly.
	Edge http.Handler
}

// Service runs the module's operations.
type Service struct {
	secret  []byte
	policy  webhooks.Policy
	forward *Forwarder
	edge    http.Handler
}

// New builds the service.
func New(cfg Config) *Service {
	if len(cfg.Secret) == 0 {
		cfg.Secret = []byte(DefaultSecret)
	}
	return &Service{secret: cfg.Secret, policy: cfg.Policy, forward: NewForwarder(cfg), edge: cfg.Edge}
}

// CreateJWT is POST /createjwt: the demo technician's logon gets a token,
// issued at the tenant clock. Run it in a read-only transaction.
func (s *Service) CreateJWT(tx store.Tx, body []byte) (TokenResponse, error) {
	l, err := ParseLogon(body)
	if err != nil {
		return TokenResponse{}, err
	}
	if !checkLogon(l.Username, l.Password) {
		return TokenResponse{}, unauthorized("Invalid logon: unknown username or wrong password.")
	}
	tok, err := IssueToken(s.secret, DemoName, DemoEmail, tx.Now())
	if err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{Token: tok}, nil
}

// Authenticate checks a call's token at the tenant clock.
func (s *Service) Authenticate(tx store.Tx, token string) (*Claims, error) {
	return VerifyToken(s.secret, token, tx.Now())
}

// GetSysConfig is GET /seiapi/v3/SysConfig/mobility. Run it in a read-only
// transaction.
func (s *Service) GetSysConfig(tx store.Tx, token string) (SysConfig, error) {
	if _, err := s.Authenticate(tx, token); err != nil {
		return SysConfig{}, err
	}
	c, err := tx.MobilityConfig()
	if err != nil {
		return SysConfig{}, err
	}
	return sysConfigOf(c), nil
}

// SetSysConfig is POST /seiapi/v3/SysConfig/mobility: it changes the
// settings the body names and answers the whole configuration. The endpoint
// must be one the webhook rules let the mock call (checked again at every
// call). Run it in a read-write transaction.
func (s *Service) SetSysConfig(tx store.Tx, token string, body []byte) (SysConfig, error) {
	if _, err := s.Authenticate(tx, token); err != nil {
		return SysConfig{}, err
	}
	u, err := ParseSysConfig(body)
	if err != nil {
		return SysConfig{}, err
	}
	c, err := tx.MobilityConfig()
	if err != nil {
		return SysConfig{}, err
	}
	if u.EntityServiceURI != nil {
		if err := s.checkURI(*u.EntityServiceURI); err != nil {
			return SysConfig{}, err
		}
		c.PartsOrderingURI = *u.EntityServiceURI
		c.UpdatedAt = tx.Now()
		if err := tx.SetMobilityConfig(c); err != nil {
			return SysConfig{}, err
		}
	}
	return sysConfigOf(c), nil
}

const uriField = "PartsOrdering.EntityServiceURI"

func (s *Service) checkURI(u string) error {
	if u == "" {
		return nil
	}
	switch err := s.policy.Check(u); err {
	case nil:
		return nil
	case webhooks.ErrNotLoopback:
		return invalid("%s must name a loopback host (localhost, 127.0.0.1, [::1]) or a host the mock is allowed to call.", uriField)
	}
	return invalid("%s must be an absolute http or https URL.", uriField)
}

func sysConfigOf(c store.MobilityConfig) SysConfig {
	return SysConfig{PartsOrdering: PartsOrderingConfig{EntityServiceURI: c.PartsOrderingURI}}
}
