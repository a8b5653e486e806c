// Package mcpserver is the sandbox's MCP server: intent-level tools that
// walk the APIs' lifecycles, and resources (the lifecycle guide, the
// session world's scenario, the OpenAPI documents, the docs), over
// streamable HTTP (/mcp, /mcp/<world>) and over any other transport the SDK
// has (stdio for `mockserver mcp`).
//
// Every session works in a world of its own: a fresh tenant for /mcp, the
// named one for /mcp/<world>. Tools act on it through the server's own HTTP
// handler, in-process, so they are exactly as faithful as an HTTP client's
// calls. API modules add their tools, resources and scenario through an
// Extension.
package mcpserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
)

// Limits of the HTTP transport.
const (
	// DefaultMaxSessions is how many MCP sessions may be open at once.
	DefaultMaxSessions = 100
	// DefaultSessionIdle closes a session that sent no request this long.
	DefaultSessionIdle = 30 * time.Minute
	// MaxRequestBytes bounds one HTTP request to /mcp.
	MaxRequestBytes = 1 << 20
	// MaxBatch bounds the messages of one JSON-RPC batch (which protocol
	// versions before 2025-06-18 allow): each is answered in full, so a
	// batch of thousands of small requests would be answered with
	// gigabytes.
	MaxBatch = 16
	// Path is where the streamable HTTP transport is served; /mcp/<world>
	// works in a named world.
	Path = "/mcp"
)

// Config is what the server is built from.
type Config struct {
	// API is the server's own HTTP handler (the edge), which tools call
	// in-process. The MCP routes may be mounted on it.
	API   http.Handler
	Store store.Store
	// BaseURL is where the server listens, as reachable from this machine.
	BaseURL func() string
	// Extensions are what the sandbox and each API module add: tools,
	// resources, their part of scenario://current.
	Extensions []Extension
	// MaxSessions caps open HTTP sessions (0: none opens; stdio is not
	// capped); SessionIdle closes those idle this long (0: never). The
	// defaults are DefaultMaxSessions and DefaultSessionIdle.
	MaxSessions int
	SessionIdle time.Duration
	Logger      *slog.Logger
}

// Extension is what one part of the mock (the sandbox controls, an API
// module) adds to the MCP server. Adding an API's tools is one Extension in
// the list internal/app passes.
type Extension struct {
	// Name keys the extension's part of scenario://current ("partly").
	Name      string
	Tools     []Tool
	Resources []Resource
	// Scenario returns the extension's records in the world, bounded
	// (lists capped at MaxListItems, with counts); nil: none.
	Scenario func(ctx context.Context, w *World) (any, error)
}

// Resource is a document the server offers, read in the session's world.
type Resource struct {
	URI, Name, Description, MIMEType string
	Read                             func(ctx context.Context, w *World) ([]byte, error)
}

// Server serves MCP sessions.
type Server struct {
	cfg   Config
	log   *slog.Logger
	sdk   *mcp.StreamableHTTPHandler
	proto *mcp.Server // answers the SDK's questions for requests of no known session
	cache *mcp.SchemaCache

	mu       sync.Mutex
	sessions map[string]*session // by Mcp-Session-Id
	closed   bool
}

// session is an HTTP session: its world and its own MCP server, whose tools
// are bound to that world.
type session struct {
	id     string
	world  string
	fresh  bool        // opened at /mcp, in a world minted for it
	server *mcp.Server // built when the SDK asks for it
	// opening: the request that opens the session is in flight, so the
	// session counts even before the SDK has connected it.
	opening bool
}

// New builds the server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BaseURL == nil {
		cfg.BaseURL = func() string { return "" }
	}
	s := &Server{cfg: cfg, log: cfg.Logger, sessions: map[string]*session{}, cache: mcp.NewSchemaCache()}
	s.proto = mcp.NewServer(implementation(), nil)
	s.sdk = mcp.NewStreamableHTTPHandler(s.serverFor, &mcp.StreamableHTTPOptions{
		SessionTimeout:      cfg.SessionIdle,
		MaxRequestBodyBytes: MaxRequestBytes,
	})
	return s
}

func implementation() *mcp.Implementation {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return &mcp.Implementation{Name: "mockserver", Title: "Partly 2026-01 sandbox (mock)", Version: v}
}

const instructions = `A mock of the Partly 2026-01 Integrations API (a repair shop orders vehicle parts from suppliers), ` +
	`with the Partage freight API (a parts distributor ships loads) and ServiceMobility parts ordering (a technician's order reaches the back end). ` +
	`This session works in a world of its own, seeded identically: nothing you do reaches a real service or another session. ` +
	`Start with get_started; the walk is prepare_vehicle → open_repair_job → add_parts → recommend_basket → place_procurement → confirm_as_supplier → reconcile_invoice. ` +
	`Freight: quote_freight → book_freight → bill_of_lading → advance_clock → get_freight (delivered, invoiced). ` +
	`Parts ordering: order_parts (its PartOrderNums are procurements for confirm_as_supplier); set_parts_endpoint points it at your endpoint, contract_checks judges its answers. ` +
	`Errors are {code, message, retryable}; the message names the next step.`

// build makes the MCP server of one session, bound to its world.
func (s *Server) build(world, sessionID string) *mcp.Server {
	opts := &mcp.ServerOptions{Instructions: instructions, SchemaCache: s.cache}
	if sessionID != "" {
		opts.GetSessionID = func() string { return sessionID }
	}
	srv := mcp.NewServer(implementation(), opts)
	w := &World{Name: world, api: s.cfg.API, store: s.cfg.Store, base: s.cfg.BaseURL}
	for _, ext := range s.cfg.Extensions {
		for _, t := range ext.Tools {
			t.add(srv, w)
		}
		for _, r := range ext.Resources {
			addResource(srv, w, r)
		}
	}
	addResource(srv, w, s.scenario())
	return srv
}

func addResource(srv *mcp.Server, w *World, r Resource) {
	srv.AddResource(&mcp.Resource{URI: r.URI, Name: r.Name, Description: r.Description, MIMEType: r.MIMEType},
		func(ctx context.Context, _ *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			b, err := r.Read(ctx, w)
			if err != nil {
				return nil, err
			}
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: r.URI, MIMEType: r.MIMEType, Text: string(b)}}}, nil
		})
}

// scenario is scenario://current: the world's records, each extension's
// part under its name.
func (s *Server) scenario() Resource {
	return Resource{URI: "scenario://current", Name: "scenario", MIMEType: "application/json",
		Description: "This session's world now: its clock, jobs, procurements and webhook deliveries (lists capped, with counts).",
		Read: func(ctx context.Context, w *World) ([]byte, error) {
			out := map[string]any{"world": w.Name}
			var now time.Time
			if err := w.View(ctx, func(tx store.Tx) error { now = tx.Now(); return nil }); err != nil {
				return nil, err
			}
			out["now"] = now.UTC().Format(time.RFC3339)
			for _, ext := range s.cfg.Extensions {
				if ext.Scenario == nil {
					continue
				}
				v, err := ext.Scenario(ctx, w)
				if err != nil {
					return nil, err
				}
				out[ext.Name] = v
			}
			return json.MarshalIndent(out, "", "  ")
		}}
}

// Run serves one session over t (stdio) in the named world until the
// client goes away or ctx ends.
func (s *Server) Run(ctx context.Context, world string, t mcp.Transport) error {
	if world != store.SharedTenant && !httpapi.TenantPattern.MatchString(world) {
		return fmt.Errorf("mcpserver: world %q: a world name is 1 to 64 characters of a-z, 0-9, _ and -", world)
	}
	return s.build(world, "").Run(ctx, t)
}

type openingKey struct{}

// serverFor is the SDK's getServer: the opening session's own server for
// the request that opens it, the session's for its later requests.
func (s *Server) serverFor(r *http.Request) *mcp.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	if se, _ := r.Context().Value(openingKey{}).(*session); se != nil {
		if se.server == nil {
			se.server = s.build(se.world, se.id)
		}
		return se.server
	}
	if se := s.sessions[r.Header.Get("Mcp-Session-Id")]; se != nil && se.server != nil {
		return se.server
	}
	return s.proto
}

// ServeHTTP serves the streamable HTTP transport at Path (a fresh world per
// session) and Path/<world>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	world, fresh, ok := worldOf(r.URL.Path)
	if !ok {
		rpcError(w, http.StatusNotFound, "no MCP endpoint here: "+Path+" opens a session in a fresh world, "+Path+"/<world> in the world named (1 to 64 characters of a-z, 0-9, _ and -)")
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		var ok bool
		if body, ok = readRequest(w, r); !ok {
			return
		}
		if n := batchLen(body); n > MaxBatch {
			rpcError(w, http.StatusBadRequest, fmt.Sprintf("a JSON-RPC batch holds at most %d messages; this one has %d", MaxBatch, n))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if id := r.Header.Get("Mcp-Session-Id"); id != "" {
		s.mu.Lock()
		se := s.sessions[id]
		s.mu.Unlock()
		// A session lives at the URL that opened it.
		if se != nil && (se.fresh != fresh || !fresh && se.world != world) {
			http.Error(w, "session not found", http.StatusNotFound)
			return
		}
		if r.Method == http.MethodGet {
			// The stream of server messages stays open as long as the
			// session: no read deadline (the session's idle timeout and
			// the session cap bound it).
			_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
		}
		s.sdk.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodPost {
		s.sdk.ServeHTTP(w, r) // the SDK's answer: a session id is required
		return
	}
	// Only an initialize request opens a session. Others without a session
	// id (a newer protocol's discovery probe, which a client sends first)
	// are answered by the SDK without one, and take no place under the cap.
	if !initializes(body) {
		s.sdk.ServeHTTP(w, r)
		return
	}
	se, err := s.open(world, fresh)
	if err != nil {
		w.Header().Set("Retry-After", "60")
		rpcError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	s.sdk.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), openingKey{}, se)))
	s.mu.Lock()
	se.opening = false
	s.mu.Unlock()
}

// readRequest reads a POST's body, at most MaxRequestBytes.
func readRequest(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("request body exceeds %d bytes", MaxRequestBytes), http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "the request body could not be read", http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

// batchLen is how many messages a JSON-RPC batch holds; 0 for a single
// message or a body that is not a batch (the SDK words its refusal).
func batchLen(body []byte) int {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '[' {
		return 0
	}
	var batch []json.RawMessage
	if json.Unmarshal(body, &batch) != nil {
		return 0
	}
	return len(batch)
}

// initializes says whether a JSON-RPC message or batch holds an
// initialize request.
func initializes(body []byte) bool {
	type message struct {
		Method string `json:"method"`
	}
	var one message
	if json.Unmarshal(body, &one) == nil {
		return one.Method == "initialize"
	}
	var batch []message
	if json.Unmarshal(body, &batch) != nil {
		return false
	}
	return slices.ContainsFunc(batch, func(m message) bool { return m.Method == "initialize" })
}

// worldOf reads the world from an MCP path: Path is a fresh one.
func worldOf(path string) (world string, fresh, ok bool) {
	if path == Path {
		return "", true, true
	}
	name, found := strings.CutPrefix(path, Path+"/")
	if !found || !httpapi.TenantPattern.MatchString(name) {
		return "", false, false
	}
	return name, false, true
}

// open reserves a session, within the cap.
func (s *Server) open(world string, fresh bool) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("the server is shutting down")
	}
	s.prune()
	if len(s.sessions) >= s.cfg.MaxSessions {

		return nil, fmt.Errorf("%d MCP sessions are open, the most this server keeps (--mcp-max-sessions); close one (DELETE with its Mcp-Session-Id) or wait for idle ones to close (--mcp-session-idle %s)", len(s.sessions), s.cfg.SessionIdle)
	}
	id := rand.Text()
	if fresh {
		world = "mcp-" + strings.ToLower(rand.Text()[:16])
	}
	se := &session{id: id, world: world, fresh: fresh, opening: true}
	s.sessions[id] = se
	return se, nil
}

// prune forgets sessions the SDK has closed (idle, deleted, failed to
// initialize). Called with s.mu held.
func (s *Server) prune() {
	for id, se := range s.sessions {
		if !se.opening && !live(se.server) {
			delete(s.sessions, id)
		}
	}
}

// live says whether srv has an initialized session. A request that opens
// none (a discovery probe, a failed initialize) leaves one the SDK is still
// closing: it does not count.
func live(srv *mcp.Server) bool {
	if srv == nil {
		return false
	}
	for ss := range srv.Sessions() {
		if ss.InitializeParams() != nil {
			return true
		}
	}
	return false
}

// Sessions counts the open HTTP sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
	return len(s.sessions)
}

// Close closes every HTTP session (ending their streams, so the HTTP
// server can shut down) and refuses new ones.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	var servers []*mcp.Server
	for _, se := range s.sessions {
		if se.server != nil {
			servers = append(servers, se.server)
		}
	}
	s.mu.Unlock()
	for _, srv := range servers {
		for ss := range srv.Sessions() {
			_ = ss.Close()
		}
	}
}

// rpcError answers a JSON-RPC error outside any session, which MCP clients
// show as the call's error.
func rpcError(w http.ResponseWriter, status int, message string) {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": -32000, "message": message}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
