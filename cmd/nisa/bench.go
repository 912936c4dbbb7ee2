package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nisa-eu/nisa/domain"
)

// benchConfig is the configuration of "nisa bench".
type benchConfig struct {
	Stores   string
	Duration time.Duration
	Out      string
	Keep     bool
	Suites   string
	Events   int
}

// benchResult is one measured figure, as written to bench/results.json.
type benchResult struct {
	Store     string  `json:"store"`
	Name      string  `json:"name"`
	Writers   int     `json:"writers,omitempty"`
	Batch     int     `json:"batch,omitempty"`
	Events    int     `json:"events"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"events_per_second"`
	P50ms     float64 `json:"p50_ms,omitempty"`
	P95ms     float64 `json:"p95_ms,omitempty"`
	P99ms     float64 `json:"p99_ms,omitempty"`
	Note      string  `json:"note,omitempty"`
}

type benchReport struct {
	Date      time.Time     `json:"date"`
	GoVersion string        `json:"go_version"`
	CPUs      int           `json:"cpus"`
	Command   string        `json:"command"`
	Results   []benchResult `json:"results"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "live" {
		return runBenchLive(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "live-clients" { // the client process of "bench live"
		return runBenchLiveClients(ctx, args[1:], stdout, stderr)
	}
	f := newFlags("bench", `Measure an event store on this machine: append throughput and latency
(p50/p99) with 1, 8 and 32 concurrent writers for single-event and 10-event
appends, global-log read throughput, and subscription wake-up latency. Prints
a table and writes the figures as JSON.

Every store is measured on scratch data: the embedded store in a temporary
directory, PostgreSQL in a scratch database created on the given server and
dropped afterwards (unless --keep).

"nisa bench live" measures the websocket hub instead: N clients on /v1/ws,
changes through the HTTP API at a steady rate, end-to-end latency and memory
per connection (see nisa bench live --help).`, stderr)
	var cfg benchConfig
	f.stringEnv(&cfg.Stores, "stores", "NISA_BENCH_STORES", "embedded", `comma-separated stores to measure: "embedded" and/or PostgreSQL server URLs`)
	f.durationEnv(&cfg.Duration, "duration", "NISA_BENCH_DURATION", 3*time.Second, "how long each append measurement runs")
	f.stringEnv(&cfg.Out, "out", "NISA_BENCH_OUT", "bench/results.json", "where to write the results as JSON (empty: do not write)")
	f.BoolVar(&cfg.Keep, "keep", false, "keep the scratch data directory or database")
	f.stringEnv(&cfg.Suites, "suites", "NISA_BENCH_SUITES", "store,projections", `what to measure: "store" (appends, reads, wake-ups) and/or "projections" (rebuild, search, matching, lag on a bulk-loaded network)`)
	f.int(&cfg.Events, "events", 1_000_000, "events in the bulk-loaded network of the projections suite (20,000 organisations and 100,000 offers, the rest revisions and interests)")
	if err := f.parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	report := benchReport{Date: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Command: "nisa bench " + strings.Join(args, " ")}
	for _, target := range strings.Split(cfg.Stores, ",") {
		target = strings.TrimSpace(target)
		if target == "" {
			continue
		}
		results, err := benchStore(ctx, target, cfg, log, stderr)
		report.Results = append(report.Results, results...)
		if err != nil {
			return fmt.Errorf("%s: %w", redact(target), err)
		}
	}
	printBench(stdout, report.Results)
	return writeReport(stdout, cfg.Out, report)
}

// writeReport writes a benchmark report as indented JSON to out (nothing
// when out is empty) and says where.
func writeReport(stdout io.Writer, out string, report any) error {
	if out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(report, "", "  ")
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nresults written to %s\n", out)
	return nil
}

// scratch is a store opened on scratch data, with a way to open a second
// handle on the same data (for cross-process style wake-ups) and cleanup.
type scratch struct {
	kind     string
	store    *openedStore
	second   func(ctx context.Context) (*openedStore, error)
	cleanup  func()
	location string
}

func openScratch(ctx context.Context, target string, keep bool, log *slog.Logger) (*scratch, error) {
	if target == "embedded" {
		dir, err := os.MkdirTemp("", "nisa-bench-")
		if err != nil {
			return nil, err
		}
		s, err := openStore(ctx, storeFlags{Store: "embedded", DataDir: dir}, false, log)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		return &scratch{kind: "embedded", store: s, location: dir, cleanup: func() {
			if !keep {
				os.RemoveAll(dir)
			}
		}}, nil
	}
	if !isPostgresURL(target) {
		return nil, fmt.Errorf(`want "embedded" or a PostgreSQL URL`)
	}
	admin, err := pgx.Connect(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("nisa_bench_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create scratch database: %w", err)
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	u.Path = "/" + name
	dbURL := u.String()
	drop := func() {
		if keep {
			return
		}
		c, err := pgx.Connect(context.Background(), target)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	s, err := openStore(ctx, storeFlags{Store: dbURL}, true, log)
	if err != nil {
		drop()
		return nil, err
	}
	second := func(ctx context.Context) (*openedStore, error) {
		return openStore(ctx, storeFlags{Store: dbURL}, false, log)
	}
	return &scratch{kind: "postgres", store: s, second: second, location: "database " + name, cleanup: drop}, nil
}

// benchStore runs the chosen suites on target, each on its own scratch
// data.
func benchStore(ctx context.Context, target string, cfg benchConfig, log *slog.Logger, progress io.Writer) ([]benchResult, error) {
	var results []benchResult
	for _, suite := range strings.Split(cfg.Suites, ",") {
		var run func(context.Context, *scratch, benchConfig, io.Writer) ([]benchResult, error)
		switch strings.TrimSpace(suite) {
		case "store":
			run = benchStoreSuite
		case "projections":
			run = benchProjections
		case "":
			continue
		default:
			return results, fmt.Errorf("%w: --suites: unknown suite %q (want store, projections)", errUsage, suite)
		}
		sc, err := openScratch(ctx, target, cfg.Keep, log)
		if err != nil {
			return results, err
		}
		fmt.Fprintf(progress, "bench %s (%s): scratch data in %s\n", sc.kind, strings.TrimSpace(suite), sc.location)
		rs, err := run(ctx, sc, cfg, progress)
		sc.store.Close()
		sc.cleanup()
		results = append(results, rs...)
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// benchStoreSuite measures appends, reads and subscription wake-ups.
func benchStoreSuite(ctx context.Context, sc *scratch, cfg benchConfig, progress io.Writer) ([]benchResult, error) {
	var results []benchResult
	for _, batch := range []int{1, 10} {
		for _, writers := range []int{1, 8, 32} {
			r, err := benchAppend(ctx, sc.store, writers, batch, cfg.Duration)
			if err != nil {
				return results, err
			}
			r.Store = sc.kind
			results = append(results, r)
			fmt.Fprintf(progress, "  append  %2d writers × %2d events: %9.0f events/s  p50 %6.2f ms  p99 %6.2f ms\n", writers, batch, r.PerSecond, r.P50ms, r.P99ms)
		}
	}
	r, err := benchReadAll(ctx, sc.store)
	if err != nil {
		return results, err
	}
	r.Store = sc.kind
	results = append(results, r)
	fmt.Fprintf(progress, "  read all: %d events, %.0f events/s\n", r.Events, r.PerSecond)

	sub := sc.store
	note := "subscriber on the appending store handle"
	if sc.second != nil {
		var err error
		if sub, err = sc.second(ctx); err != nil {
			return results, err
		}
		defer sub.Close()
		note = "subscriber on a second connection pool: woken by LISTEN/NOTIFY as another process would be"
	}
	wake, err := benchWakeup(ctx, sc.store, sub, 2000)
	if err != nil {
		return results, err
	}
	for i := range wake {
		wake[i].Store = sc.kind
		wake[i].Note = note
	}
	results = append(results, wake...)
	fmt.Fprintf(progress, "  wake-up: ack→seen p50 %.3f ms p99 %.3f ms\n", wake[0].P50ms, wake[0].P99ms)
	return results, nil
}

func benchEvents(n int, rng *rand.Rand) []domain.EventData {
	evs := make([]domain.EventData, n)
	for i := range evs {
		evs[i] = domain.EventData{
			ID:            domain.NewEventID(),
			Type:          "OfferPublished",
			SchemaVersion: 1,
			Data:          json.RawMessage(fmt.Sprintf(`{"title":{"de":"Lohnfertigung CNC","pl":"Obróbka CNC"},"nace":["25.62"],"n":%d}`, rng.IntN(1e6))),
			Actor:         "user:bench",
			CorrelationID: "bench",
		}
	}
	return evs
}

func benchAppend(ctx context.Context, s domain.EventStore, writers, batch int, d time.Duration) (benchResult, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		lats []time.Duration
		errs []error
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			var local []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				stream := fmt.Sprintf("offer-%d-%d", w, rng.IntN(100))
				evs := benchEvents(batch, rng)
				t0 := time.Now()
				if _, err := s.Append(ctx, stream, domain.Any, evs); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(errs) > 0 {
		return benchResult{}, errs[0]
	}
	p50, p99 := percentiles(lats)
	return benchResult{
		Name: "append", Writers: writers, Batch: batch, Events: len(lats) * batch,
		Seconds: elapsed.Seconds(), PerSecond: float64(len(lats)*batch) / elapsed.Seconds(),
		P50ms: ms(p50), P99ms: ms(p99),
	}, nil
}

func benchReadAll(ctx context.Context, s domain.EventStore) (benchResult, error) {
	// Read the whole log at least once and for at least a second.
	var n int
	start := time.Now()
	for n == 0 || time.Since(start) < time.Second {
		pos := domain.Start
		for {
			page, err := s.ReadAll(ctx, pos, 5000)
			if err != nil {
				return benchResult{}, err
			}
			if len(page) == 0 {
				break
			}
			n += len(page)
			pos = page[len(page)-1].Position
		}
		if n == 0 {
			return benchResult{}, errors.New("the log is empty")
		}
	}
	el := time.Since(start)
	return benchResult{Name: "read_all", Events: n, Seconds: el.Seconds(), PerSecond: float64(n) / el.Seconds(), Note: "pages of 5000 events"}, nil
}

// benchWakeup appends n single events, one at a time, and measures when the
// subscriber sees each: from the writer's acknowledgement (the commit is
// known) and from the start of the append call (includes the commit).
func benchWakeup(ctx context.Context, w, sub domain.EventStore, n int) ([]benchResult, error) {
	head, err := w.Head(ctx)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	seen := make(chan time.Time, n)
	subErr := make(chan error, 1)
	go func() {
		for _, err := range sub.Subscribe(sctx, head) {
			if err != nil {
				subErr <- err
				return
			}
			seen <- time.Now()
		}
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	fromAck := make([]time.Duration, 0, n)
	fromCall := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if _, err := w.Append(ctx, "wakeup-1", domain.Any, benchEvents(1, rng)); err != nil {
			return nil, err
		}
		acked := time.Now()
		select {
		case t := <-seen:
			fromAck = append(fromAck, max(0, t.Sub(acked)))
			fromCall = append(fromCall, t.Sub(t0))
		case err := <-subErr:
			return nil, err
		case <-time.After(10 * time.Second):
			return nil, errors.New("subscriber saw nothing within 10s")
		}
		time.Sleep(time.Duration(rng.IntN(1000)) * time.Microsecond)
	}
	a50, a99 := percentiles(fromAck)
	c50, c99 := percentiles(fromCall)
	return []benchResult{
		{Name: "wakeup_ack_to_seen", Events: n, P50ms: ms(a50), P99ms: ms(a99)},
		{Name: "wakeup_call_to_seen", Events: n, P50ms: ms(c50), P99ms: ms(c99)},
	}, nil
}

// percentiles sorts d and returns its p50 and p99.
func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(d)
	return percentile(d, 50), percentile(d, 99)
}

// percentile is the p-th percentile of sorted durations (0 for none).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func printBench(w io.Writer, rs []benchResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "store\tfigure\twriters\tevents/append\tevents/s\tp50 ms\tp95 ms\tp99 ms\t")
	for _, r := range rs {
		rate, wr, b := "", "", ""
		if r.PerSecond > 0 {
			rate = fmt.Sprintf("%.0f", r.PerSecond)
		}
		if r.Writers > 0 {
			wr, b = fmt.Sprint(r.Writers), fmt.Sprint(r.Batch)
		}
		p50, p95, p99 := "", "", ""
		if r.P50ms > 0 || r.P99ms > 0 || strings.HasPrefix(r.Name, "wakeup") || r.Name == "append" {
			p50, p99 = fmt.Sprintf("%.3f", r.P50ms), fmt.Sprintf("%.3f", r.P99ms)
		}
		if r.P95ms > 0 {
			p95 = fmt.Sprintf("%.3f", r.P95ms)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Store, r.Name, wr, b, rate, p50, p95, p99)
	}
	tw.Flush()
}
