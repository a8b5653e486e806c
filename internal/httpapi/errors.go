package httpapi

import (
	"fmt"
	"net/http"

	"github.com/partifact/mockserver/internal/spec"
)

// Refusal is a request the edge turned away before any handler ran, or a
// call that failed in a way no handler chose. Each API's error family
// renders it in its own shape; Status is what the edge suggests.
type Refusal struct {
	Kind   RefusalKind
	Status int
	// Path is a JSON pointer to what is wrong ("/headers/content-type",
	// "/identity"), "" for the whole request; Message says what, for people.
	Path    string
	Message string
	// Problems are the first MaxProblems reasons a body failed its schema
	// (Kind Invalid); Total counts them all.
	Problems []spec.Problem
	Total    int
	// Allow lists the verbs a path takes (Kind MethodNotAllowed); the edge
	// sends it as the Allow header.
	Allow string
}

// RefusalKind names why a request was refused.
type RefusalKind int

const (
	UnknownRoute     RefusalKind = iota // 404: no route at this path
	MethodNotAllowed                    // 405: the path takes other verbs
	UnsupportedMedia                    // 415: a body that is not JSON
	TooLarge                            // 413: a body over the limit
	Malformed                           // 400: not one JSON value, or nested too deep
	Invalid                             // 400: the body fails its schema
	BadHeader                           // 400: a header the edge reads is malformed (the tenant)
	Conflict                            // 409: the record exists already
	Unauthorized                        // 401: a sandbox route without the sandbox token
	Internal                            // 500: a failure of the server, logged
)

func (r *Refusal) Error() string {
	if r.Message != "" {
		return fmt.Sprintf("httpapi: refused (%d): %s", r.Status, r.Message)
	}
	return fmt.Sprintf("httpapi: refused (%d)", r.Status)
}

func refuse(kind RefusalKind, status int, path, message string) *Refusal {
	return &Refusal{Kind: kind, Status: status, Path: path, Message: message}
}

// BadInput is a problem with the request at path (a JSON pointer: "/id",
// "/path/id", "/query/limit"), for handlers of any API to return; each
// family renders it as its bad-request answer.
func BadInput(path, message string) *Refusal {
	return &Refusal{Kind: Invalid, Status: http.StatusBadRequest, Path: path, Message: message, Total: 1,
		Problems: []spec.Problem{{Path: path, Message: message}}}
}

// ErrConflict answers a record that exists already (a sandbox route's
// client id taken).
var ErrConflict = refuse(Conflict, http.StatusConflict, "", "")

// ErrInternal is the refusal a panic or an unexpected failure becomes.
var ErrInternal = refuse(Internal, http.StatusInternalServerError, "", "")

// StatusClientClosed is the status logged for a call whose client went
// away before the answer (nginx's convention); nobody reads the answer.
const StatusClientClosed = 499
