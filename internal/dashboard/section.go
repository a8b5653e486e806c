package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/partifact/mockserver/internal/store"
)

// Section is what one API module shows of a world on its page: tables of
// the records it keeps there (the Partly module's jobs, procurements and
// invoices; a freight API's quotes and loads). The dashboard reads every
// section in one read-only transaction of the world and renders the tables
// with its own templates, so a section never writes HTML and cannot forget
// to escape what came from a request. An API module contributes one by
// implementing Section and being listed in Config.Sections.
type Section interface {
	// Title heads the section ("Partly 2026-01").
	Title() string
	// Read builds the section's tables from the world tx reads. It must
	// bound what it shows (Table.More counts what it left out).
	Read(ctx context.Context, tx store.Tx) ([]Table, error)
}

// LogSection is a Section that also shows what its module keeps outside
// the world's transactions, as the request journal is kept (the
// ServiceMobility stand-in's contract checks): ReadLog reads it from the
// store after the transaction, and its tables follow Read's. It must bound
// what it shows, as Read does.
type LogSection interface {
	Section
	ReadLog(ctx context.Context, st store.Store, tenant string) ([]Table, error)
}

// Table is a titled table of a section. Rows may carry details (the parts
// of a job, the attempts of a delivery), shown under the row on demand,
// and actions, buttons that call a sandbox route.
type Table struct {
	Title string
	// Note is a line said under the title (where the figures come from).
	Note    string
	Columns []string
	Rows    []Row
	// Empty is said when there is no row ("No jobs."); default "None.".
	Empty string
	// More counts rows left out to keep the page bounded.
	More int
}

// Row is one row of a table.
type Row struct {
	// ID names the row on the page (an HTML id, for links and tests),
	// unique on it: start it with the kind of record ("job-<id>"), and
	// with the module's name where another module could have the kind
	// too. The dashboard makes one up when it is empty.
	ID    string
	Cells []Cell
	// Details are shown under the row, folded, behind DetailsLabel
	// (default "Details").
	Details      []Table
	DetailsLabel string
	Actions      []Action
}

// Cell is one value of a row.
type Cell struct {
	Text string
	Kind CellKind
}

// CellKind says how a cell is shown.
type CellKind int

const (
	Plain  CellKind = iota
	Mono            // an identifier, a URL, a header value
	Status          // a status, shown as a badge
	Number          // an amount or a count, aligned right
	Pre             // a body, shown preformatted
	Moment          // a time, kept on one line
)

// Text, Code, Badge, Num and Body make cells of each kind.
func Text(s string) Cell  { return Cell{s, Plain} }
func Code(s string) Cell  { return Cell{s, Mono} }
func Badge(s string) Cell { return Cell{s, Status} }
func Num(s string) Cell   { return Cell{s, Number} }
func Body(s string) Cell  { return Cell{s, Pre} }

// When shows a time to the second, in UTC, as the wire does ("—" for none).
func When(t time.Time) Cell { return Cell{stamp(t), Moment} }

// Action is a button that calls a sandbox route of the world, as a form
// posted to the dashboard (CSRF-checked) that passes the call on to the
// route itself, so there is one implementation of every control.
type Action struct {
	Label string // "Confirm as supplier"
	Verb  string // http.MethodPost or http.MethodDelete
	Path  string // the route's path, under /__ ("/__procurements/<id>/confirm")
	// Confirm, when set, is the question asked before a destructive
	// action is taken.
	Confirm string
}

// Post is an action that posts to path.
func Post(label, path string) Action { return Action{Label: label, Verb: http.MethodPost, Path: path} }
