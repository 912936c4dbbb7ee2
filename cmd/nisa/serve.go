package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/adapters/fanout"
	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/adapters/live"
	"github.com/nisa-eu/nisa/adapters/webhook"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// serveConfig is the configuration of "nisa serve".
type serveConfig struct {
	storeFlags
	Addr            string
	ShutdownTimeout time.Duration
	ExpiryInterval  time.Duration
	Demo            bool
	// Live side (issue 5).
	WSOrigins          string
	WSQueue            int
	WSMaxSubscriptions int
	WSPingInterval     time.Duration
	WSCoalesceAbove    int
	WSWriteBudget      int
	WSMaxCoalesce      time.Duration
	Fanout             string
	WebhookAllowHTTP   bool
	// Audit is the key that signs tree heads and how often.
	Audit auditFlags
}

// Main is a running nisa server: the store and the HTTP server wired
// together. Tests run the same Main on port 0.
type Main struct {
	Config serveConfig
	Log    *slog.Logger

	store   *openedStore
	runner  *projections.Runner
	http    *httpapi.Server
	hub     *live.Hub
	hooks   *webhook.Dispatcher
	tree    *audit.Tree
	control *controlServer

	cancel     context.CancelFunc // stops the background work
	background sync.WaitGroup
}

// Open opens the store (migrating PostgreSQL) and starts the HTTP server.
func (m *Main) Open(ctx context.Context) error {
	store, err := openStore(ctx, m.Config.storeFlags, true, m.Log)
	if err != nil {
		return err
	}
	m.store = store
	if m.Config.Fanout != "" {
		// Appends announce themselves on the broker and every live
		// follower (projections, hub, alerts) wakes on its messages.
		fs, err := fanout.Wrap(ctx, store.EventStore, fanout.Config{URL: m.Config.Fanout, Logger: m.Log})
		if err != nil {
			store.Close()
			return fmt.Errorf("--fanout %s: %w", m.Config.Fanout, err)
		}
		store.EventStore = fs
		m.Log.Info("fan-out through NATS", "url", m.Config.Fanout)
	}
	if m.Config.Demo {
		if err := seedIfEmpty(ctx, store, m.Log); err != nil {
			store.Close()
			return err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	runner, err := projections.NewRunner(projections.RunnerConfig{Events: store, Reads: store.reads, Logger: m.Log, Metrics: reg})
	if err != nil {
		store.Close()
		return err
	}
	m.runner = runner
	startHead, err := store.Head(ctx)
	if err != nil {
		store.Close()
		return err
	}
	ready := func(ctx context.Context) error {
		if err := store.ready(ctx); err != nil {
			return err
		}
		if !runner.Reached(startHead) {
			return errors.New("read models are still being built from the log")
		}
		return nil
	}
	m.hub = live.New(live.Config{
		Store:            store,
		Authenticate:     func(ctx context.Context, tok string) (domain.Actor, error) { return m.http.API().Verify(ctx, tok) },
		Organisations:    live.OrganisationsFrom(store.reads),
		Stats:            func(ctx context.Context) (any, error) { return m.http.API().Stats(ctx) },
		StatsPosition:    live.StatsPositionOf(runner),
		AllowedOrigins:   splitList(m.Config.WSOrigins),
		QueueSize:        m.Config.WSQueue,
		MaxSubscriptions: m.Config.WSMaxSubscriptions,
		PingInterval:     m.Config.WSPingInterval,
		CoalesceAbove:    m.Config.WSCoalesceAbove,
		WriteBudget:      m.Config.WSWriteBudget,
		MaxCoalesce:      m.Config.WSMaxCoalesce,
		HTTPError: func(w http.ResponseWriter, _ *http.Request, status int, code, detail string) {
			httpapi.WriteProblem(w, status, code, detail)
		},
		Logger:  m.Log,
		Metrics: reg,
	})
	if err := m.hub.Start(ctx); err != nil {
		store.Close()
		return err
	}
	m.hooks, err = webhook.New(webhook.Config{Store: store, Reads: store.reads, Secrets: store.shred, Logger: m.Log})
	if err != nil {
		store.Close()
		return err
	}
	signer, verifier, err := m.Config.Audit.key(m.Config.DataDir)
	if err != nil {
		store.Close()
		return err
	}
	m.tree = audit.New(store.shred.Inner(), store.audit, signer, audit.Options{SignInterval: m.Config.Audit.SignInterval, Logger: m.Log})
	m.http = httpapi.New(httpapi.Config{
		Audit:             &httpapi.AuditLog{Tree: m.tree, Events: store.shred.Inner(), Signer: signer, VerifierKey: verifier},
		WebSocket:         m.hub,
		AllowHTTPWebhooks: m.Config.WebhookAllowHTTP,
		Addr:              m.Config.Addr,
		Ready:             ready,
		Logger:            m.Log,
		Version:           version,
		Store:             store,
		Idempotency:       store.idem,
		Personal:          store.shred,
		Secrets:           store.shred,
		Reads:             store.reads,
		Metrics:           promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
	})
	if err := m.http.Open(); err != nil {
		store.Close()
		return err
	}
	if store.kind == "embedded" {
		ctl, err := openControl(m.Config.DataDir, store, m.Log)
		if err != nil {
			m.Close()
			return err
		}
		m.control = ctl
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.background.Go(func() {
		if err := m.tree.Run(bg); err != nil && bg.Err() == nil {
			m.Log.Error("audit tree stopped", "err", err)
		}
	})
	m.background.Go(func() {
		if err := runner.Run(bg); err != nil {
			m.Log.Error("projection runner stopped", "err", err)
		}
	})
	m.background.Go(func() {
		start := time.Now()
		if err := runner.WaitFor(bg, startHead); err != nil {
			return
		}
		m.Log.Info("read models caught up with the log", "position", startHead.String(), "took", time.Since(start).Round(time.Millisecond).String(), "read_store", store.kind)
	})
	alerter := projections.NewAlerter(projections.AlerterConfig{Events: store, Reads: store.reads, WaitFor: runner.WaitFor, Logger: m.Log, OnAlert: m.hooks.Alert})
	m.background.Go(func() {
		if err := alerter.Run(bg); err != nil && bg.Err() == nil {
			m.Log.Error("match alerts stopped", "err", err)
		}
	})
	m.background.Go(func() {
		if err := m.hooks.Run(bg); err != nil && bg.Err() == nil {
			m.Log.Error("webhook delivery stopped", "err", err)
		}
	})
	expiry := projections.NewOfferExpiry(domain.NewCommands(store), m.Config.ExpiryInterval, m.Log)
	m.background.Go(func() {
		if err := expiry.Run(bg); err != nil && bg.Err() == nil {
			m.Log.Error("offer expiry scheduler stopped", "err", err)
		}
	})
	m.Log.Info("nisa listening", "addr", "http://"+m.Addr().String(), "store", store.kind)
	return nil
}

// Addr is the address the HTTP server listens on.
func (m *Main) Addr() net.Addr { return m.http.Addr() }

// Close stops the HTTP server, waiting up to the shutdown timeout for
// requests in flight, then closes the store.
func (m *Main) Close() error {
	var err error
	if m.hub != nil {
		// Every websocket client gets a close frame with a reason first.
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		err = m.hub.Close(ctx)
		cancel()
	}
	if m.cancel != nil {
		m.cancel()
		m.background.Wait()
	}
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		err = m.http.Close(ctx)
	}
	if m.control != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		err = errors.Join(err, m.control.Close(ctx))
	}
	if m.store != nil {
		err = errors.Join(err, m.store.Close())
	}
	return err
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	f := newFlags("serve", `Start the nisa HTTP server. By default events are kept in an embedded store
in ./data (kept across restarts); --store postgres://… keeps them in
PostgreSQL and applies pending schema migrations at start-up.
SIGINT or SIGTERM shut the server down gracefully.`, stderr)
	var cfg serveConfig
	cfg.register(f)
	f.string(&cfg.Addr, "addr", "127.0.0.1:8080", "HTTP listen address")
	f.duration(&cfg.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long shutdown waits for requests in flight")
	f.bool(&cfg.Demo, "demo", false, "load the demo network when the store is empty (make run does)")
	f.duration(&cfg.ExpiryInterval, "expiry-interval", time.Minute, "how often offers are checked for expiry and 14-day warnings")
	f.string(&cfg.WSOrigins, "ws-origins", "", `browser origins allowed on /v1/ws, comma-separated (e.g. https://dashboard.example.eu; "*" for any); empty: the server's own host only. Clients without an Origin header are not affected`)
	f.int(&cfg.WSQueue, "ws-queue", 4096, "messages queued per websocket connection before a client that does not keep up is closed (code 4000)")
	f.int(&cfg.WSMaxSubscriptions, "ws-max-subscriptions", 32, "channel subscriptions per websocket connection")
	f.duration(&cfg.WSPingInterval, "ws-ping-interval", 30*time.Second, "websocket ping interval; a client silent for twice as long is closed")
	f.int(&cfg.WSCoalesceAbove, "ws-coalesce-above", 250_000, "websocket messages per second (all connections) above which each connection's writer waits and sends what gathered in one socket write")
	f.int(&cfg.WSWriteBudget, "ws-write-budget", 100_000, "socket writes per second aimed at while coalescing: the wait is connections ÷ budget, at most --ws-max-coalesce")
	f.duration(&cfg.WSMaxCoalesce, "ws-max-coalesce", 100*time.Millisecond, "longest wait of a websocket writer gathering messages under load (negative: never wait)")
	f.string(&cfg.Fanout, "fanout", "", "NATS URL (e.g. nats://127.0.0.1:4222) to announce appends through, so that other server processes wake at once (watermill-nats, JetStream); empty: the store's own notifications")
	f.bool(&cfg.WebhookAllowHTTP, "webhook-allow-http", false, "accept plain http:// webhook URLs (development only; production endpoints must be https://)")
	cfg.Audit.register(f, true)
	if err := f.parse(args); err != nil {
		return err
	}
	log, err := cfg.logger(stderr)
	if err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: log}
	if err := m.Open(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	if err := m.Close(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
