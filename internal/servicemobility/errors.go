package servicemobility

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// StatusFailed is the Status of an error body, and of an order that failed:
// the error's text goes in StatusMsg.
const StatusFailed = "2001"

// Error is an answer of the interface's error family: an HTTP status (401 for
// a missing, expired or forged token or a failed logon; 500 for bad input,
// there being no 400 in this interface, and for failures) and the StatusMsg
// of its body, {"Status":"2001","StatusMsg":"…"}. Handlers return it; Render
// writes it.
type Error struct {
	HTTPStatus int
	Msg        string
}

func (e *Error) Error() string { return fmt.Sprintf("servicemobility: %d: %s", e.HTTPStatus, e.Msg) }

// ByDesign marks every Error as the interface's answer by design, not a
// failure of the server (httpapi.ByDesign): a 500 here is bad input or an
// implementer that gave no answer.
func (e *Error) ByDesign() {}

// unauthorized is a 401.
func unauthorized(msg string) *Error { return &Error{HTTPStatus: http.StatusUnauthorized, Msg: msg} }

// invalid is a 500 for bad input: the message names the field.
func invalid(format string, args ...any) *Error {
	return &Error{HTTPStatus: http.StatusInternalServerError, Msg: fmt.Sprintf(format, args...)}
}

// ErrorBody is the body of every 401 and 500 the mock answers.
type ErrorBody struct {
	Status    string `json:"Status"`
	StatusMsg string `json:"StatusMsg"`
}

// internalMsg is what a failure that is not the caller's says: the details
// go to the log, not to the caller.
const internalMsg = "An error occurred while processing the request."

// Render is the one writer of the error family: the status and body of err.
// An *Error renders as itself; anything else is a 500 that says no more than
// that it failed.
func Render(err error) (status int, body []byte) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{HTTPStatus: http.StatusInternalServerError, Msg: internalMsg}
	}
	b, _ := json.Marshal(ErrorBody{Status: StatusFailed, StatusMsg: e.Msg})
	return e.HTTPStatus, b
}
