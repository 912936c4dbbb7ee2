package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// ReadyFunc reports whether the server can serve requests: the store is
// reachable and its schema is current. A nil error means ready.
type ReadyFunc func(ctx context.Context) error

// Config configures a Server.
type Config struct {
	// Addr is the listen address, e.g. "127.0.0.1:8080" (":0" picks a port).
	Addr string
	// Ready backs /readyz.
	Ready ReadyFunc
	// Logger receives server faults (default: slog.Default()).
	Logger *slog.Logger
	// Version is reported by /healthz.
	Version string
	// Store is the event store behind /v1; without one only the
	// operational endpoints are served.
	Store domain.EventStore
	// Idempotency keeps Idempotency-Key records.
	Idempotency IdempotencyStore
	// Reads answers the read-model queries (search, matching, rosters,
	// timelines, figures); without it those routes are not served.
	Reads projections.Reader
	// WebSocket, when set, serves GET /v1/ws (adapters/live).
	WebSocket http.Handler
	// Metrics, when set, is served at GET /metrics (Prometheus).
	Metrics http.Handler
	// TokenCacheTTL is how long a verified token is trusted without
	// looking again (default 10s): revocations reach other processes
	// within it.
	TokenCacheTTL time.Duration
	// AllowHTTPWebhooks lets partners register webhooks with plain http
	// URLs (for development and closed networks); by default a webhook
	// URL must be https.
	AllowHTTPWebhooks bool
	// Personal, when set, serves the persons routes: looking up and
	// forgetting persons (adapters/shred.Store).
	Personal PersonalData
	// Secrets, when set, seals the signing secret of a webhook before it
	// is recorded (adapters/shred.Store): the event log, which auditors
	// read, then never shows it in clear.
	Secrets domain.SecretSealer
	// Audit, when set, serves /v1/audit: signed tree heads, proofs and
	// evidence bundles (adapters/audit).
	Audit *AuditLog
}

// Server is nisa's HTTP server.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	srv    *http.Server
	ln     net.Listener
	log    *slog.Logger
	served chan error
	api    *API

	closeOnce sync.Once
	closeErr  error
}

// Handler returns the server's HTTP handler (for tests with httptest).
func (s *Server) Handler() http.Handler { return s.srv.Handler }

// API returns the API: the operational routes and, with a store, /v1.
func (s *Server) API() *API { return s.api }

// withRequestID gives every request an id: the caller's X-Request-Id when it
// sends a sane one, a new one otherwise. It is echoed in the response,
// recorded as the correlation id of the events the request causes, and
// named in logs of server faults.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 100 || strings.ContainsFunc(id, func(c rune) bool { return c <= ' ' || c > '~' }) {
			id = domain.NewEventID().String()
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r)
	})
}

// New returns a Server with the operational routes registered.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Ready == nil {
		cfg.Ready = func(context.Context) error { return nil }
	}
	if cfg.TokenCacheTTL <= 0 {
		cfg.TokenCacheTTL = 10 * time.Second
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), log: cfg.Logger}
	s.api = newAPI(cfg)
	s.api.register(s.mux)
	if cfg.Metrics != nil {
		s.mux.Handle("GET /metrics", cfg.Metrics)
	}
	s.mux.HandleFunc("/", s.api.notFound)
	s.srv = &http.Server{
		Handler:           withRequestID(s.mux),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Open starts listening on cfg.Addr and serving in the background.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	s.served = make(chan error, 1)
	go func() { s.served <- s.srv.Serve(ln) }()
	return nil
}

// Addr returns the address the server listens on (after Open).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops accepting connections and waits for in-flight requests until
// ctx ends. It is idempotent.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		if s.ln == nil {
			return
		}
		err := s.srv.Shutdown(ctx)
		if serr := <-s.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		s.closeErr = err
	})
	return s.closeErr
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
