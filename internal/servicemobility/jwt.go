package servicemobility

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The stand-in's logon and token authority. ServiceMobility issues HS256
// JWTs with exp and iat in seconds and the user's name and email; the
// interface implementation may check them again.

// TokenHeader carries the JWT on every call but createjwt.
const TokenHeader = "x-access-token"

// Published demo credentials: the technician's logon and the default HS256
// secret (the binary takes another with a flag).
const (
	DemoUsername  = "demo.technician"
	DemoPassword  = "demo-password"
	DemoName      = "Demo Technician"
	DemoEmail     = "demo.technician@example.com"
	DefaultSecret = "servicemobility-demo-hs256-secret-7d41c2a9"
)

// TokenLifetime is how long an issued token is valid on the tenant clock
// (designed: the vendor does not say). An hour is long enough to drive a
// test session and short enough that moving the tenant clock shows expiry.
const TokenLifetime = time.Hour

// MaxTokenBytes bounds the token a call may present.
const MaxTokenBytes = 4096

// Claims are the token's claims: exp and iat (seconds since the epoch), the
// user's name and email, and expdb, which the vendor lists without saying
// what it holds: it is carried, never interpreted.
type Claims struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Expdb any    `json:"expdb,omitempty"`
	jwt.RegisteredClaims
}

// IssueToken signs a token for a user at now (the tenant clock).
func IssueToken(secret []byte, name, email string, now time.Time) (string, error) {
	c := Claims{Name: name, Email: email, RegisteredClaims: jwt.RegisteredClaims{
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(TokenLifetime)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

// VerifyToken checks a token against the secret at now (the tenant clock):
// signed with HS256 by this secret, with an exp that has not passed. Every
// refusal is a 401 saying why.
func VerifyToken(secret []byte, token string, now time.Time) (*Claims, error) {
	switch {
	case token == "":
		return nil, unauthorized("Invalid logon: the " + TokenHeader + " header is missing.")
	case len(token) > MaxTokenBytes:
		return nil, unauthorized(fmt.Sprintf("Invalid logon: the token is longer than %d bytes.", MaxTokenBytes))
	}
	c := new(Claims)
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	_, err := p.ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return secret, nil })
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, unauthorized("Invalid logon: the token has expired.")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, unauthorized("Invalid logon: the token is not signed with HS256 by this ServiceMobility.")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return nil, unauthorized("Invalid logon: the token has no exp claim.")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, unauthorized("Invalid logon: the token is not valid yet.")
	}
	return nil, unauthorized("Invalid logon: the token is malformed.")
}

// checkLogon compares a logon with the demo technician's in constant time.
func checkLogon(username, password string) bool {
	u := subtle.ConstantTimeCompare([]byte(username), []byte(DemoUsername))
	p := subtle.ConstantTimeCompare([]byte(password), []byte(DemoPassword))
	return u&p == 1
}
