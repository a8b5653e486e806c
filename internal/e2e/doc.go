// Package e2e holds the end-to-end tests: real HTTP against a server on
// 127.0.0.1, every response checked against openapi.json.
package e2e
