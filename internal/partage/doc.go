// Package partage is the Partage freight brokerage API's domain: quotes
// priced from a lane (pricing.go), booking against a credit limit
// (book.go), cancellation and its TONU rule (cancel.go), notes, companies
// and sub-companies, the bill of lading (bol.go) and the views the wire
// shows (views.go), with the request decoder and the {"errors":[…]} error
// family (decode.go, errors.go). It knows neither HTTP nor SQL: every
// operation is a function over one store.Tx, deterministic given the
// request, the world and the tenant clock (Tx.Now), and the route table
// (operations.go) says which HTTP verb and path serves which.
//
// Contract: shared/contract/partage-freight.md and seed 003. What the seed
// leaves open is designed here and marked `x-fidelity: designed` in
// openapi-partage.json; each designed rule is documented where it is coded.
package partage
