package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nisa-eu/nisa/domain"
)

// Config configures a Hub. Zero values take the documented defaults.
type Config struct {
	// Store is the event store whose global log the hub follows.
	Store domain.EventStore
	// Authenticate resolves a bearer token to an actor.
	Authenticate func(ctx context.Context, token string) (domain.Actor, error)
	// Organisations tags events with the organisations' countries and
	// sectors for the activity filters (optional).
	Organisations OrgLookup
	// Stats returns the dashboard figures and StatsPosition the position
	// they reflect; without them the stats channel is refused.
	Stats         func(ctx context.Context) (any, error)
	StatsPosition func() domain.Position
	// StatsInterval is how often the figures are checked for change
	// (default 250ms).
	StatsInterval time.Duration
	// AllowedOrigins lists the browser origins (scheme://host[:port])
	// allowed to connect; "*" allows any. Empty: only the server's own
	// host. Requests without an Origin header (non-browser clients) are
	// always allowed.
	AllowedOrigins []string
	// MaxMessageBytes is the read limit for client messages (default 64 KiB).
	MaxMessageBytes int64
	// MaxSubscriptions per connection (default 32).
	MaxSubscriptions int
	// QueueSize is the number of messages queued for one connection
	// before it is closed as too slow (default 4096).
	QueueSize int
	// PingInterval is how often the server pings (default 30s); a client
	// that sends nothing, not even a pong, for twice as long is closed.
	PingInterval time.Duration
	// WriteTimeout bounds one write (default 10s).
	WriteTimeout time.Duration
	// AuthTimeout is how long a connection without Authorization header
	// may take to send its auth message (default 10s).
	AuthTimeout time.Duration
	// CoalesceAbove is the rate of queued messages per second (over all
	// connections) above which each connection's writer waits before it
	// writes, gathering what arrives meanwhile into one socket write
	// (default 250,000). Below it nothing waits. On a busy machine the
	// kernel's cost per write is what saturates it first.
	CoalesceAbove int
	// WriteBudget sets the wait while coalescing: the number of
	// connections divided by WriteBudget (default 100,000 writes per
	// second: 10,000 connections wait 100 ms), at most MaxCoalesce.
	WriteBudget int
	// MaxCoalesce bounds that wait (default 100ms; negative: never wait).
	MaxCoalesce time.Duration
	// ReplayPage is the page size of replays (default 500).
	ReplayPage int
	// HTTPError writes a failed upgrade as a problem document.
	HTTPError func(w http.ResponseWriter, r *http.Request, status int, code, detail string)
	// Logger receives connection faults (default: discard).
	Logger *slog.Logger
	// Metrics, when set, receives the hub's metrics.
	Metrics prometheus.Registerer
}

func (c *Config) setDefaults() {
	if c.StatsInterval <= 0 {
		c.StatsInterval = 250 * time.Millisecond
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 64 << 10
	}
	if c.MaxSubscriptions <= 0 {
		c.MaxSubscriptions = 32
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 4096
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.AuthTimeout <= 0 {
		c.AuthTimeout = 10 * time.Second
	}
	if c.CoalesceAbove <= 0 {
		c.CoalesceAbove = 250_000
	}
	if c.WriteBudget <= 0 {
		c.WriteBudget = 100_000
	}
	if c.MaxCoalesce == 0 {
		c.MaxCoalesce = 100 * time.Millisecond
	}
	if c.ReplayPage <= 0 {
		c.ReplayPage = 500
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.HTTPError == nil {
		c.HTTPError = func(w http.ResponseWriter, _ *http.Request, status int, code, detail string) {
			http.Error(w, code+": "+detail, status)
		}
	}
}

// Hub follows the global log and serves /v1/ws.
type Hub struct {
	cfg      Config
	upgrader websocket.Upgrader
	desc     describer

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.RWMutex
	subs    map[*sub]struct{}
	conns   map[*conn]struct{}
	closing bool
	pos     domain.Position // last event the follower fanned out

	stats struct {
		sync.Mutex
		pos     domain.Position
		message []byte
	}

	// queued counts the messages queued to connections; coalesce is the
	// writers' current wait (see Config.CoalesceAbove).
	queued   atomic.Int64
	coalesce atomic.Int64
	writes   atomic.Int64 // socket writes, handshakes included

	started  chan struct{}
	failed   atomic.Pointer[error]
	metrics  hubMetrics
	closeOne sync.Once
}

type hubMetrics struct {
	conns  prometheus.Gauge
	events prometheus.Counter
	slow   prometheus.Counter
}

// New returns a hub; Start starts following the log.
func New(cfg Config) *Hub {
	cfg.setDefaults()
	h := &Hub{cfg: cfg, subs: map[*sub]struct{}{}, conns: map[*conn]struct{}{}, started: make(chan struct{}),
		desc: describer{store: cfg.Store, orgs: cfg.Organisations}}
	h.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		// Write buffers come from a pool and go back between messages,
		// so an idle connection holds none.
		WriteBufferPool:  &sync.Pool{},
		HandshakeTimeout: 10 * time.Second,
		CheckOrigin:      h.checkOrigin,
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			code := "ws_bad_handshake"
			if status == http.StatusForbidden {
				code = "ws_origin_forbidden"
			}
			cfg.HTTPError(w, r, status, code, reason.Error())
		},
	}
	h.metrics = hubMetrics{
		conns:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "nisa_ws_connections", Help: "Open websocket connections."}),
		events: prometheus.NewCounter(prometheus.CounterOpts{Name: "nisa_ws_events_total", Help: "Events the websocket hub fanned out."}),
		slow:   prometheus.NewCounter(prometheus.CounterOpts{Name: "nisa_ws_slow_closed_total", Help: "Connections closed because their queue was full."}),
	}
	if cfg.Metrics != nil {
		queued := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "nisa_ws_messages_total", Help: "Messages queued to websocket clients."},
			func() float64 { return float64(h.queued.Load()) })
		writes := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "nisa_ws_writes_total", Help: "Socket writes of the websocket hub (one carries several messages while it coalesces)."},
			func() float64 { return float64(h.writes.Load()) })
		coalesce := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "nisa_ws_coalesce_seconds", Help: "Current wait of websocket writers gathering messages (0: not coalescing)."},
			func() float64 { return time.Duration(h.coalesce.Load()).Seconds() })
		for _, c := range []prometheus.Collector{h.metrics.conns, h.metrics.events, h.metrics.slow, queued, writes, coalesce} {
			_ = cfg.Metrics.Register(c)
		}
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h
}

// Start begins following the log at its current head. It returns once the
// follower is subscribed, or the error of reading the head.
func (h *Hub) Start(ctx context.Context) error {
	head, err := h.cfg.Store.Head(ctx)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.pos = head
	h.mu.Unlock()
	h.wg.Add(2)
	go h.follow(head)
	go h.pace()
	if h.cfg.Stats != nil && h.cfg.StatsPosition != nil {
		h.wg.Add(1)
		go h.pumpStats()
	}
	return nil
}

// Err returns the follower's failure, nil while it runs.
func (h *Hub) Err() error {
	if p := h.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// follow fans every event of the log out, in order, resubscribing after a
// failure from the last position it handled.
func (h *Hub) follow(from domain.Position) {
	defer h.wg.Done()
	backoff := 100 * time.Millisecond
	states := newStateCache(10000)
	for h.ctx.Err() == nil {
		for ev, err := range h.cfg.Store.Subscribe(h.ctx, from) {
			if err != nil {
				if h.ctx.Err() == nil {
					h.failed.Store(&err)
					h.cfg.Logger.Error("websocket hub: subscription failed; resubscribing", "after", from, "err", err)
				}
				break
			}
			if ev.Type == (domain.PersonForgotten{}).EventType() {
				states = newStateCache(10000) // hold no opened personal data of a forgotten person
			}
			d, err := h.desc.describe(h.ctx, ev, states)
			if err != nil {
				if h.ctx.Err() != nil {
					break
				}
				h.cfg.Logger.Warn("websocket hub: describing event failed; shown to staff only", "position", ev.Position, "err", err)
				d = &described{ev: ev}
			}
			h.failed.Store(nil)
			backoff = 100 * time.Millisecond
			h.fanOut(d)
			from = ev.Position
		}
		select {
		case <-h.ctx.Done():
		case <-time.After(backoff):
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

// WriteStats counts what the hub sent since it started.
type WriteStats struct {
	// Messages queued to connections; Writes is the socket writes that
	// carried them (and handshakes, pings and close frames). While the hub
	// coalesces, one write carries several messages.
	Messages, Writes int64
	// Coalesce is the writers' current wait (0: none).
	Coalesce time.Duration
}

// WriteStats returns the hub's counts.
func (h *Hub) WriteStats() WriteStats {
	return WriteStats{Messages: h.queued.Load(), Writes: h.writes.Load(), Coalesce: time.Duration(h.coalesce.Load())}
}

// pace sets the writers' wait four times a second from the rate of
// queued messages over the last interval (see Config.CoalesceAbove).
func (h *Hub) pace() {
	defer h.wg.Done()
	const every = 250 * time.Millisecond
	t := time.NewTicker(every)
	defer t.Stop()
	last := h.queued.Load()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		n := h.queued.Load()
		rate := float64(n-last) / every.Seconds()
		last = n
		var wait time.Duration
		if h.cfg.MaxCoalesce > 0 && rate > float64(h.cfg.CoalesceAbove) {
			h.mu.RLock()
			conns := len(h.conns)
			h.mu.RUnlock()
			wait = min(h.cfg.MaxCoalesce, time.Duration(float64(conns)/float64(h.cfg.WriteBudget)*float64(time.Second)))
		}
		h.coalesce.Store(int64(wait))
	}
}

// fanOut hands d to every subscription; it never blocks on a client.
func (h *Hub) fanOut(d *described) {
	h.mu.Lock()
	h.pos = d.ev.Position
	subs := make([]*sub, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	h.metrics.events.Inc()
	for _, s := range subs {
		s.offer(d)
	}
}

// position returns the last position fanned out.
func (h *Hub) position() domain.Position {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.pos
}

func (h *Hub) add(s *sub) {
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
}

func (h *Hub) remove(s *sub) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// pumpStats pushes the figures to stats subscribers whenever the stats
// read model moved.
func (h *Hub) pumpStats() {
	defer h.wg.Done()
	t := time.NewTicker(h.cfg.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		subs := h.statsSubscribers()
		pos := h.cfg.StatsPosition()
		h.stats.Lock()
		same := pos == h.stats.pos && h.stats.message != nil
		h.stats.Unlock()
		if same || len(subs) == 0 {
			continue
		}
		msg, err := h.statsMessage(h.ctx, pos)
		if err != nil {
			h.cfg.Logger.Warn("websocket hub: reading the figures failed", "err", err)
			continue
		}
		for _, s := range subs {
			s.c.enqueue(msg)
		}
	}
}

// statsSubscribers returns the subscriptions to the stats channel.
func (h *Hub) statsSubscribers() []*sub {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var subs []*sub
	for s := range h.subs {
		if s.ch.kind == "stats" {
			subs = append(subs, s)
		}
	}
	return subs
}

// statsMessage reads the figures and remembers them as of pos.
func (h *Hub) statsMessage(ctx context.Context, pos domain.Position) ([]byte, error) {
	figures, err := h.cfg.Stats(ctx)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(ServerMessage{Type: "stats", Channel: "stats", Position: &pos, Figures: figures})
	if err != nil {
		return nil, err
	}
	h.stats.Lock()
	h.stats.pos, h.stats.message = pos, b
	h.stats.Unlock()
	return b, nil
}

// Connections returns the number of open connections.
func (h *Hub) Connections() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}

// Close stops the follower and closes every connection with CloseGoingAway
// and a reason, waiting until ctx ends for the close frames to go out.
func (h *Hub) Close(ctx context.Context) error {
	h.closeOne.Do(func() {
		h.mu.Lock()
		h.closing = true
		conns := make([]*conn, 0, len(h.conns))
		for c := range h.conns {
			conns = append(conns, c)
		}
		h.mu.Unlock()
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.close(CloseGoingAway, "server shutting down; reconnect and resubscribe with after")
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
		h.cancel()
		h.wg.Wait()
	})
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
