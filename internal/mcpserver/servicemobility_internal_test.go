package mcpserver

import "testing"

func TestPartsErrors(t *testing.T) {
	for _, tc := range []struct {
		status    int
		body      string
		code      string
		retryable bool
	}{
		{401, `{"Status":"2001","StatusMsg":"Invalid logon: the token has expired."}`, "unauthorized", false},
		{500, `{"Status":"2001","StatusMsg":"PartsOrdering.EntityServiceURI must be an absolute http or https URL."}`, "failed", false},
		{500, `{"Status":"2001","StatusMsg":"Out of stock"}`, "failed", false},
		{500, `{"Status":"2001","StatusMsg":"An error occurred while processing the request."}`, "failed", true},
		{500, `{"Status":"2001","StatusMsg":"Injected fault: Internal Server Error."}`, "failed", true},
		{500, `{"Status":"2001","StatusMsg":"The parts ordering endpoint http://127.0.0.1:1/x gave no answer: timeout."}`, "failed", true},
		{500, ``, "failed", true},
		{404, `{"Status":"2001","StatusMsg":"No such operation: GET /x."}`, "not_found", false},
		{503, `busy`, "http_503", true},
		{418, `teapot`, "http_418", false},
	} {
		rd := partsErrors(tc.status, []byte(tc.body))
		if rd.Code != tc.code || rd.Retryable != tc.retryable {
			t.Errorf("%d %s: %+v, want %s retryable %v", tc.status, tc.body, rd, tc.code, tc.retryable)
		}
	}
}
