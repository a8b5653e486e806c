package servicemobility_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/store/memory"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func TestIssueAndVerify(t *testing.T) {
	secret := []byte(sm.DefaultSecret)
	tok, err := sm.IssueToken(secret, sm.DemoName, sm.DemoEmail, t0)
	if err != nil {
		t.Fatal(err)
	}
	// The header and claims as the interface describes them.
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header["alg"] != "HS256" || parsed.Header["typ"] != "JWT" {
		t.Fatalf("header %v", parsed.Header)
	}
	claims := parsed.Claims.(jwt.MapClaims)
	if claims["iat"] != float64(t0.Unix()) || claims["exp"] != float64(t0.Add(sm.TokenLifetime).Unix()) ||
		claims["name"] != sm.DemoName || claims["email"] != sm.DemoEmail {
		t.Fatalf("claims %v", claims)
	}
	c, err := sm.VerifyToken(secret, tok, t0.Add(sm.TokenLifetime-time.Second))
	if err != nil || c.Name != sm.DemoName || c.Email != sm.DemoEmail {
		t.Fatalf("verify: %+v %v", c, err)
	}
	_, err = sm.VerifyToken(secret, tok, t0.Add(sm.TokenLifetime))
	wantError(t, err, http.StatusUnauthorized, "expired")
}

func sign(t *testing.T, m jwt.SigningMethod, claims jwt.MapClaims, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestVerifyRefuses: every token that is not ours, unexpired and HS256 is a 401.
func TestVerifyRefuses(t *testing.T) {
	secret := []byte(sm.DefaultSecret)
	valid := jwt.MapClaims{"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(), "name": "x"}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := sign(t, jwt.SigningMethodHS256, valid, secret)
	parts := strings.Split(good, ".")
	cases := []struct{ name, token, msg string }{
		{"missing", "", "missing"},
		{"too long", strings.Repeat("a", sm.MaxTokenBytes+1), "longer"},
		{"malformed", "not-a-jwt", "malformed"},
		{"two segments", parts[0] + "." + parts[1], "malformed"},
		{"other secret", sign(t, jwt.SigningMethodHS256, valid, []byte("another secret")), "not signed"},
		{"tampered claims", parts[0] + "." + jwtSegment(`{"exp":9999999999,"name":"admin"}`) + "." + parts[2], "not signed"},
		{"HS512", sign(t, jwt.SigningMethodHS512, valid, secret), "not signed with HS256"},
		{"ES256", sign(t, jwt.SigningMethodES256, valid, ec), "not signed with HS256"},
		{"alg none", sign(t, jwt.SigningMethodNone, valid, jwt.UnsafeAllowNoneSignatureType), "not signed with HS256"},
		{"no exp", sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iat": t0.Unix()}, secret), "no exp"},
		{"expired", sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"exp": t0.Unix()}, secret), "expired"},
		{"not yet valid", sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"exp": t0.Add(2 * time.Hour).Unix(), "nbf": t0.Add(time.Hour).Unix()}, secret), "not valid yet"},
		{"exp of the wrong type", sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"exp": "tomorrow"}, secret), "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := sm.VerifyToken(secret, c.token, t0)
			wantError(t, err, http.StatusUnauthorized, c.msg)
		})
	}
	// A token with expdb (which the vendor lists) passes and keeps it.
	withExpdb := jwt.MapClaims{"exp": t0.Add(time.Hour).Unix(), "expdb": "2026-12-31"}
	c, err := sm.VerifyToken(secret, sign(t, jwt.SigningMethodHS256, withExpdb, secret), t0)
	if err != nil || c.Expdb != "2026-12-31" {
		t.Fatalf("expdb: %+v %v", c, err)
	}
}

func jwtSegment(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestTokenExpiresOnTenantClock: moving a tenant's clock past the token's
// lifetime expires it there, and only there.
func TestTokenExpiresOnTenantClock(t *testing.T) {
	st := memory.New()
	s := newService(sm.Config{})
	tok := logon(t, s, st, "clock")
	check := func(tenant string) error {
		return st.View(ctx, tenant, func(tx store.Tx) error {
			_, err := s.Authenticate(tx, tok)
			return err
		})
	}
	if err := check("clock"); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, "clock", func(tx store.Tx) error { return tx.SetClockOffset(sm.TokenLifetime + time.Second) }); err != nil {
		t.Fatal(err)
	}
	wantError(t, check("clock"), http.StatusUnauthorized, "expired")
	if err := check("other"); err != nil {
		t.Fatalf("another tenant's clock did not move: %v", err)
	}
}

func TestCreateJWT(t *testing.T) {
	st := memory.New()
	s := newService(sm.Config{Secret: []byte("flag secret")})
	run := func(body string) (sm.TokenResponse, error) {
		var out sm.TokenResponse
		err := st.View(ctx, "jwt", func(tx store.Tx) error {
			var err error
			out, err = s.CreateJWT(tx, []byte(body))
			return err
		})
		return out, err
	}
	tok, err := run(`{"username":"demo.technician","password":"demo-password"}`)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, "Token", mustJSON(t, tok))
	if _, err := sm.VerifyToken([]byte("flag secret"), tok.Token, time.Now()); err != nil {
		t.Fatalf("the token is signed with the configured secret: %v", err)
	}
	if _, err := sm.VerifyToken([]byte(sm.DefaultSecret), tok.Token, time.Now()); err == nil {
		t.Fatal("the token verifies with the default secret")
	}
	for _, body := range []string{
		`{"username":"demo.technician","password":"wrong"}`,
		`{"username":"Demo.Technician","password":"demo-password"}`,
		`{"username":"demo.technician"}`,
		`{}`,
	} {
		_, err := run(body)
		wantError(t, err, http.StatusUnauthorized, "Invalid logon")
	}
	for body, msg := range map[string]string{
		``:                    "empty",
		`{"username":`:        "not valid JSON",
		`[]`:                  "must be an object",
		`{"username":1}`:      "username must be a string",
		`{"password":true}`:   "password must be a string",
		`{"username":"a"} {}`: "more than one value",
	} {
		_, err := run(body)
		wantError(t, err, http.StatusInternalServerError, msg)
	}
}
