package partage

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/partifact/mockserver/internal/store"
)

// Error is the API's one error family: an HTTP status and the messages of
// the body {"errors":["…"]}. Every failure of an operation is an *Error or
// becomes one through ErrorOf.
type Error struct {
	Status   int
	Messages []string
}

func (e *Error) Error() string { return fmt.Sprintf("partage: %d %v", e.Status, e.Messages) }

// Body is the JSON answer: {"errors":[…]}.
func (e *Error) Body() []byte {
	b, _ := json.Marshal(ErrorBody{Errors: e.Messages}) // strings only: cannot fail
	return b
}

// ErrorBody is the wire shape of every error.
type ErrorBody struct {
	Errors []string `json:"errors"`
}

// Statuses of the family (seed 003, Exception Handling). StatusNotFound is
// designed: only an unknown path under the API's prefix gets it.
const (
	StatusUnauthorized  = 401 // Authorization
	StatusNotFound      = 404 // [D] no such route
	StatusInvalidQuote  = 406 // Invalid Quote (also booking refused, TONU cancel, credit, Accept)
	StatusInvalidFormat = 412 // Invalid Request Format
	StatusInternal      = 500 // Internal Application Error
)

// MaxMessages bounds an error's message list: past it the last message
// says how many more problems there were, under the first one's heading
// ("Invalid request format. …and 3 more problems.").
const MaxMessages = 10

func newError(status int, msgs ...string) *Error {
	if len(msgs) > MaxMessages {
		heading, _, _ := strings.Cut(msgs[0], ". ")
		rest := len(msgs) - (MaxMessages - 1)
		msgs = append(msgs[:MaxMessages-1:MaxMessages-1], fmt.Sprintf("%s. …and %d more problems.", heading, rest))
	}
	return &Error{Status: status, Messages: msgs}
}

// Errors the edge raises before an operation runs, in the family's shape.
var (
	// ErrInvalidToken: no token, or one that belongs to no company.
	ErrInvalidToken = newError(StatusUnauthorized, "Invalid token. Company not found.")
	// ErrTokenInGETBody: a GET without ?api_token= that sent a body, which
	// a GET's token is never read from.
	ErrTokenInGETBody = newError(StatusUnauthorized, ErrInvalidToken.Messages[0],
		"Invalid token. The body of a GET is not read: send the token in the query (?api_token=…).")
	// ErrNotAcceptable: the Accept header does not admit application/json
	// (contract: a missing or unacceptable Accept answers 406).
	ErrNotAcceptable = newError(StatusInvalidQuote, "Not acceptable. Send an Accept header that includes application/json; */* is fine.")
	// ErrContentType: a body posted with a content type other than JSON.
	ErrContentType = newError(StatusInvalidFormat, "Invalid request format. Send the body as Content-Type: application/json.")
	// ErrBodyTooLarge: a body past the edge's limit.
	ErrBodyTooLarge = newError(StatusInvalidFormat, "Invalid request format. The body is too large.")
	// ErrNoRoute: an unknown path under /partage, or a known one with the
	// wrong verb.
	ErrNoRoute = newError(StatusNotFound, "Not found. No such API endpoint.")
	// errInternal is what any unexpected failure becomes.
	errInternal = newError(StatusInternal, "Internal application error.")
)

// ErrorOf maps any error an operation returns to the family: an *Error as
// it is; a store conflict that survived the retries or any other failure
// is a 500 whose message says nothing of the cause.
func ErrorOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return errInternal
}

// invalidFormat is a 412 with one message per problem.
func invalidFormat(problems ...string) *Error {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = "Invalid request format. " + p
	}
	return newError(StatusInvalidFormat, msgs...)
}

func invalidQuote(format string, args ...any) *Error {
	return newError(StatusInvalidQuote, "Invalid quote. "+fmt.Sprintf(format, args...))
}

func bookingRefused(format string, args ...any) *Error {
	return newError(StatusInvalidQuote, "Booking refused. "+fmt.Sprintf(format, args...))
}

// errQuoteNotFound answers an unknown quote id, or another company's.
var errQuoteNotFound = newError(StatusInvalidQuote, "Invalid quote. Quote not found.")

// notFoundAs turns store.ErrNotFound into e and passes other errors on.
func notFoundAs(err error, e *Error) error {
	if errors.Is(err, store.ErrNotFound) {
		return e
	}
	return err
}
