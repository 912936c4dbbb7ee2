package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/metrics"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nisa-eu/nisa/domain"
)

// RunnerConfig configures a Runner.
type RunnerConfig struct {
	// Events is the event store whose global log feeds the projections.
	Events domain.EventStore
	// Reads is the read store the projections write.
	Reads Store
	// Projections run, one watermill handler each, named after them
	// (default: All()).
	Projections []Projection
	// Logger receives failures (default: discard).
	Logger *slog.Logger
	// Metrics, when set, receives the runner's and the router's metrics.
	Metrics prometheus.Registerer
	// Until and Target configure a rebuild: see Feed.
	Until  *domain.Position
	Target func(ctx context.Context, name string) (Target, domain.Position, error)
	// OnApplied is called after each batch a projection committed (for
	// progress output); it must be quick.
	OnApplied func(name string, b *Batch)
	// MaxBatch bounds the events of one batch (default 500).
	MaxBatch int
}

func (c *RunnerConfig) setDefaults() {
	if c.Projections == nil {
		c.Projections = All()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports a configuration the runner cannot work with.
func (c RunnerConfig) Validate() error {
	if c.Events == nil || c.Reads == nil {
		return errors.New("projections: runner needs an event store and a read store")
	}
	seen := map[string]bool{}
	for _, p := range c.Projections {
		if seen[p.Name()] {
			return fmt.Errorf("projections: two projections named %q", p.Name())
		}
		seen[p.Name()] = true
	}
	return nil
}

// Runner runs the projections on a watermill message.Router fed by the
// event store's global log (see Feed). Every projection is one handler,
// named after the projection, behind the Retry, Recoverer and metrics
// middleware; its batches commit with its checkpoint (Store.Update), so
// every event takes effect exactly once, across crashes and with several
// processes on one read store (the loser of a race skips what the winner
// applied).
//
// A batch that keeps failing is retried with backoff (Retry), then nacked
// and sent again by the feed: a failing projection stops at its checkpoint
// and never skips an event; Progress reports its last error.
type Runner struct {
	cfg    RunnerConfig
	router *message.Router
	feed   *Feed

	mu       sync.Mutex
	progress map[string]*Progress
	changed  chan struct{}

	applied *prometheus.CounterVec
	delay   *prometheus.HistogramVec
}

// Progress is what a Runner knows about one projection.
type Progress struct {
	Name       string
	Generation int64
	// Checkpoint is the position applied so far.
	Checkpoint domain.Position
	// LastRecordedAt is when the last applied event was recorded.
	LastRecordedAt time.Time
	// Events counts the events this runner applied (or skipped because
	// another process had).
	Events int64
	// Err is the last failure, nil after a success.
	Err error
}

// NewRunner builds the router and its handlers.
func NewRunner(cfg RunnerConfig) (*Runner, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, watermill.NewSlogLoggerWithLevelMapping(cfg.Logger, map[slog.Level]slog.Level{
		slog.LevelInfo: slog.LevelDebug,
	}))
	if err != nil {
		return nil, err
	}
	r := &Runner{cfg: cfg, router: router, progress: map[string]*Progress{}, changed: make(chan struct{})}
	byName := map[string]Projection{}
	for _, p := range cfg.Projections {
		byName[p.Name()] = p
		r.progress[p.Name()] = &Progress{Name: p.Name()}
	}
	r.feed = &Feed{Events: cfg.Events, Reads: cfg.Reads, Projections: byName, Until: cfg.Until, Target: cfg.Target, MaxBatch: cfg.MaxBatch, OnStart: r.started}
	router.AddMiddleware(
		middleware.Retry{MaxRetries: 5, InitialInterval: 50 * time.Millisecond, MaxInterval: 2 * time.Second, Multiplier: 2}.Middleware,
		middleware.Recoverer,
	)
	if cfg.Metrics != nil {
		metrics.NewPrometheusMetricsBuilder(cfg.Metrics, "nisa", "router").AddPrometheusRouterMetrics(router)
		r.applied = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "nisa", Name: "projection_events_total",
			Help: "Events a projection applied (or found applied by another process)."}, []string{"projection"})
		r.delay = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "nisa", Name: "projection_delay_seconds",
			Help:    "Time from an event's recording to the commit of the batch that applied it (the last event of each batch).",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .2, .5, 1, 2.5, 5, 10, 30}}, []string{"projection"})
		for _, c := range []prometheus.Collector{r.applied, r.delay, &lagCollector{r: r}} {
			if err := cfg.Metrics.Register(c); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range cfg.Projections {
		router.AddConsumerHandler(p.Name(), p.Name(), r.feed, r.handler(p))
	}
	return r, nil
}

// Run runs the router until ctx ends (or, with Until, until every
// projection reached it). It returns nil then, or the router's failure.
func (r *Runner) Run(ctx context.Context) error {
	defer r.feed.Close()
	err := r.router.Run(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Running is closed once the router runs.
func (r *Runner) Running() <-chan struct{} { return r.router.Running() }

// Close stops the router.
func (r *Runner) Close() error { return r.router.Close() }

func (r *Runner) handler(p Projection) message.NoPublishHandlerFunc {
	name := p.Name()
	return func(msg *message.Message) error {
		b, ok := BatchOf(msg)
		if !ok {
			return fmt.Errorf("projection %s: message %s carries no batch", name, msg.UUID)
		}
		if b.DecodeErr != nil {
			r.failed(name, b.DecodeErr)
			return b.DecodeErr
		}
		ctx := msg.Context()
		err := r.cfg.Reads.Update(ctx, b.Target, b.From, b.To, func(tx Tx) error {
			for i, ev := range b.Events {
				if pl := b.Payloads[i]; pl != nil {
					if err := p.Apply(ctx, tx, ev, pl); err != nil {
						return fmt.Errorf("projection %s: apply %s (%s v%d) at %s: %w", name, ev.Type, ev.StreamID, ev.StreamVersion, ev.Position, err)
					}
				}
			}
			return nil
		})
		var stale *StaleError
		switch {
		case errors.As(err, &stale):
			if b.To.Compare(stale.Checkpoint) <= 0 {
				b.SkipTo(stale.Checkpoint)
				r.done(name, b, stale.Checkpoint)
			} else {
				b.Restart()
			}
			return nil
		case errors.Is(err, ErrRetired):
			b.Restart()
			return nil
		case err != nil:
			r.failed(name, err)
			r.cfg.Logger.Error("projection batch failed", "projection", name, "from", b.From.String(), "to", b.To.String(), "err", err)
			return err
		}
		r.done(name, b, b.To)
		return nil
	}
}

// started records where a projection's subscription starts: what the
// read store had applied already counts as applied.
func (r *Runner) started(t Target, from domain.Position) {
	r.mu.Lock()
	pr := r.progress[t.Name]
	pr.Generation, pr.Checkpoint = t.Generation, from
	r.notifyLocked()
	r.mu.Unlock()
}

// notifyLocked wakes the WaitFor callers; r.mu must be held.
func (r *Runner) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *Runner) failed(name string, err error) {
	r.mu.Lock()
	r.progress[name].Err = err
	r.mu.Unlock()
}

func (r *Runner) done(name string, b *Batch, at domain.Position) {
	last := b.Events[len(b.Events)-1]
	r.mu.Lock()
	pr := r.progress[name]
	pr.Generation, pr.Checkpoint, pr.Err = b.Target.Generation, at, nil
	pr.LastRecordedAt = last.RecordedAt
	pr.Events += int64(len(b.Events))
	r.notifyLocked()
	r.mu.Unlock()
	if r.applied != nil {
		r.applied.WithLabelValues(name).Add(float64(len(b.Events)))
		r.delay.WithLabelValues(name).Observe(time.Since(last.RecordedAt).Seconds())
	}
	if r.cfg.OnApplied != nil {
		r.cfg.OnApplied(name, b)
	}
}

// Progress returns what the runner knows about each projection, in the
// order of RunnerConfig.Projections.
func (r *Runner) Progress() []Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Progress, 0, len(r.cfg.Projections))
	for _, p := range r.cfg.Projections {
		out = append(out, *r.progress[p.Name()])
	}
	return out
}

// WaitFor waits until every projection has applied the global log up to
// pos (read-your-writes for a caller who knows the position of its
// change). It returns ctx's error when ctx ends first.
func (r *Runner) WaitFor(ctx context.Context, pos domain.Position) error {
	for {
		r.mu.Lock()
		ch, ok := r.changed, true
		for _, p := range r.progress {
			if p.Checkpoint.Less(pos) {
				ok = false
				break
			}
		}
		r.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Reached reports whether every projection has applied the global log up
// to pos.
func (r *Runner) Reached(pos domain.Position) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.progress {
		if p.Checkpoint.Less(pos) {
			return false
		}
	}
	return true
}

// CatchUp waits until every projection has applied the events the store
// held when CatchUp was called (the read models are complete as of then).
func (r *Runner) CatchUp(ctx context.Context) error {
	head, err := r.cfg.Events.Head(ctx)
	if err != nil {
		return err
	}
	return r.WaitFor(ctx, head)
}

// lagCollector reports, on every scrape, how far each projection is behind
// the head of the log: in events (counted, up to 10,000) and in seconds
// (age of the oldest event not yet applied).
type lagCollector struct{ r *Runner }

var (
	lagEventsDesc  = prometheus.NewDesc("nisa_projection_lag_events", "Events in the log not yet applied by the projection (counted up to 10000).", []string{"projection"}, nil)
	lagSecondsDesc = prometheus.NewDesc("nisa_projection_lag_seconds", "Age of the oldest event not yet applied by the projection (0 when caught up).", []string{"projection"}, nil)
	checkpointDesc = prometheus.NewDesc("nisa_projection_checkpoint", "Commit part of the projection's checkpoint position.", []string{"projection"}, nil)
)

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- lagEventsDesc
	ch <- lagSecondsDesc
	ch <- checkpointDesc
}

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := time.Now()
	for _, p := range c.r.Progress() {
		lag, err := MeasureLag(ctx, c.r.cfg.Events, p.Checkpoint, 10000, now)
		if err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(lagEventsDesc, prometheus.GaugeValue, float64(lag.Events), p.Name)
		ch <- prometheus.MustNewConstMetric(lagSecondsDesc, prometheus.GaugeValue, lag.Seconds, p.Name)
		ch <- prometheus.MustNewConstMetric(checkpointDesc, prometheus.GaugeValue, float64(p.Checkpoint.Commit), p.Name)
	}
}

// Lag is how far a checkpoint is behind the head of the log.
type Lag struct {
	// Events counts the events after the checkpoint (at most the limit
	// given to MeasureLag; Capped says the count stopped there).
	Events int
	Capped bool
	// Seconds is the age of the first event after the checkpoint, 0 when
	// there is none.
	Seconds float64
}

// MeasureLag counts the events after checkpoint cp, up to limit, and the age
// of the first of them at now.
func MeasureLag(ctx context.Context, events domain.EventStore, cp domain.Position, limit int, now time.Time) (Lag, error) {
	var lag Lag
	after := cp
	for lag.Events < limit {
		evs, err := events.ReadAll(ctx, after, min(1000, limit-lag.Events))
		if err != nil {
			return lag, err
		}
		if len(evs) == 0 {
			return lag, nil
		}
		if lag.Events == 0 {
			lag.Seconds = max(0, now.Sub(evs[0].RecordedAt).Seconds())
		}
		lag.Events += len(evs)
		after = evs[len(evs)-1].Position
	}
	more, err := events.ReadAll(ctx, after, 1)
	lag.Capped = err == nil && len(more) > 0
	return lag, err
}
