package recorder

import "testing"

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"APIKey", `{"api_key":"partly_abc","integration_id":"x"}`, `{"api_key":"[redacted]","integration_id":"x"}`},
		{"ClientSecret", `{"access_code":"ac","client_secret": "s\"e\\cret"}`, `{"access_code":"ac","client_secret": "[redacted]"}`},
		{"Secret", `{"ok":true,"secret":"pwh_1"}`, `{"ok":true,"secret":"[redacted]"}`},
		{"CutShort", `{"api_key":"partly_ab`, `{"api_key":"[redacted]"`},
		{"Nested", `{"a":{"api_key":"k"}}`, `{"a":{"api_key":"[redacted]"}}`},
		{"OtherFields", `{"key":"v","secrets":"w"}`, `{"key":"v","secrets":"w"}`},
		{"NotJSON", `api_key=abc`, `api_key=abc`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(Redact([]byte(tc.in))); got != tc.want {
				t.Fatalf("Redact(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
