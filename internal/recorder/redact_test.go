package recorder

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"APIKey", `{"api_key":"partly_abc","integration_id":"x"}`, `{"api_key":"[redacted]","integration_id":"x"}`},
		{"ClientSecret", `{"access_code":"ac","client_secret": "s\"e\\cret"}`, `{"access_code":"ac","client_secret": "[redacted]"}`},
		{"Secret", `{"ok":true,"secret":"pwh_1"}`, `{"ok":true,"secret":"[redacted]"}`},
		{"EscapedUnderscore", `{"client\u005fsecret":"x"}`, `{"client\u005fsecret":"[redacted]"}`},
		{"EveryCharEscaped", `{"\u0061\u0070\u0069\u005f\u006b\u0065\u0079":"k"}`, `{"\u0061\u0070\u0069\u005f\u006b\u0065\u0079":"[redacted]"}`},
		{"EscapedSlashIsNotAKeyChange", `{"sec\/ret":"v"}`, `{"sec\/ret":"v"}`},
		{"NotAString", `{"secret":{"a":[1,"}"]},"b":2}`, `{"secret":"[redacted]","b":2}`},
		{"Number", `{"api_key":12345,"b":2}`, `{"api_key":"[redacted]","b":2}`},
		{"CutShort", `{"api_key":"partly_ab`, `{"api_key":"[redacted]"`},
		{"CutInEscape", `{"client_secret":"ab\`, `{"client_secret":"[redacted]"`},
		{"CutInObject", `{"secret":{"a":"b`, `{"secret":"[redacted]"`},
		{"CutAfterColon", `{"secret": `, `{"secret": "[redacted]"`},
		{"CutInKey", `{"a":1,"client_sec`, `{"a":1,"client_sec`},
		{"Nested", `{"a":{"api_key":"k"}}`, `{"a":{"api_key":"[redacted]"}}`},
		{"InArray", `[{"secret":"a"},{"secret":"b"}]`, `[{"secret":"[redacted]"},{"secret":"[redacted]"}]`},
		{"ValueNamedLikeAKey", `{"note":"secret","list":["api_key"]}`, `{"note":"secret","list":["api_key"]}`},
		{"KeyInsideAString", `{"note":"{\"api_key\":\"k\"}"}`, `{"note":"{\"api_key\":\"k\"}"}`},
		{"OtherFields", `{"key":"v","secrets":"w"}`, `{"key":"v","secrets":"w"}`},
		{"Malformed", `{"a" "b", "secret":"s" ]]`, `{"a" "b", "secret":"[redacted]" ]]`},
		{"NotJSON", `api_key=abc`, `api_key=abc`},
		{"PartageToken", `{"api_token":"partage_demo_token_5c2e","quote":{}}`, `{"api_token":"[redacted]","quote":{}}`},
		{"Logon", `{"username":"demo.technician","password":"demo-password"}`, `{"username":"demo.technician","password":"[redacted]"}`},
		{"JWT", `{"token":"eyJhbGciOiJIUzI1NiJ9.e30.x"}`, `{"token":"[redacted]"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(Redact([]byte(tc.in))); got != tc.want {
				t.Fatalf("Redact(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// TestRedactFastPath: a body that cannot hold a secret is returned as is,
// not copied.
func TestRedactFastPath(t *testing.T) {
	t.Parallel()
	in := []byte(`{"identity":{"external":"CCC-2026-04817"}}`)
	if out := Redact(in); &out[0] != &in[0] {
		t.Fatal("a body without a secret was copied")
	}
	in = []byte(`{"note":"the secret is out"}`) // scanned, nothing to redact
	if out := Redact(in); &out[0] != &in[0] {
		t.Fatal("a body with nothing redacted was copied")
	}
}

// TestRedactCutBodies: wherever a body is cut, the secret's value never
// shows, nor any part of it.
func TestRedactCutBodies(t *testing.T) {
	t.Parallel()
	const secret = "pwh_TOPSECRETVALUE"
	full := `{"integration_id":"0c000000-0000-4000-8000-000000000001","client\u005fsecret":"` + secret +
		`","nested":{"api_key":["` + secret + `",{"x":"` + secret + `"}]},"after":"ok"}`
	if !json.Valid([]byte(full)) {
		t.Fatal("the test body is not JSON")
	}
	for n := 1; n <= len(full); n++ {
		got := Redact([]byte(full[:n]))
		for k := 4; k <= len(secret); k++ {
			// Any 4 or more leading characters of the value would tell.
			if bytes.Contains(got, []byte(secret[:k])) {
				t.Fatalf("cut at %d: %s shows %q", n, got, secret[:k])
			}
		}
	}
	got := Redact([]byte(full))
	if !json.Valid(got) || !strings.Contains(string(got), `"after":"ok"`) {
		t.Fatalf("full body: %s", got)
	}
}

func FuzzRedact(f *testing.F) {
	f.Add([]byte(`{"client\u005fsecret":"x","a":[1,{"secret":"y"}]}`))
	f.Add([]byte(`{"api_key":"partly_ab`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := Redact(b)
		if json.Valid(b) && !json.Valid(out) {
			t.Fatalf("valid %s became invalid %s", b, out)
		}
		var v any
		if json.Unmarshal(out, &v) == nil && holdsSecret(v) {
			t.Fatalf("%s still holds a secret: %s", b, out)
		}
	})
}

// holdsSecret reports a secret member whose value is not "[redacted]".
func holdsSecret(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			for _, name := range secretKeys {
				if k == name && x != "[redacted]" {
					return true
				}
			}
			if holdsSecret(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if holdsSecret(x) {
				return true
			}
		}
	}
	return false
}

func BenchmarkRedact(b *testing.B) {
	plain := []byte(`{"data":{"claim_number":null,"job_number":null,"repairer_site_id":"a1000000-0000-4000-8000-000000000001","vehicle":null,"work_provider_id":null},"identity":{"external":"CCC-2026-04817"},"if_":{"exists":"update"}}`)
	secret := []byte(`{"client_id":"partly_client_demo","client_secret":"secret_demo_8f3a","access_code":"ac_demo_valid_15m"}`)
	b.Run("NoSecret", func(b *testing.B) {
		for b.Loop() {
			Redact(plain)
		}
	})
	b.Run("Secret", func(b *testing.B) {
		for b.Loop() {
			Redact(secret)
		}
	})
}
