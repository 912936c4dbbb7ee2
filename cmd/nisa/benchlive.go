package main

// "nisa bench live" measures the websocket hub (/v1/ws) end to end: N
// clients subscribed to the activity channel while changes go through the
// real HTTP API at a steady rate.
//
// How it measures
//
//   - The server runs in this process (Main on 127.0.0.1:0, on a scratch
//     embedded data directory or a scratch PostgreSQL database), or is an
//     already running server given with --url (and --token).
//   - The websocket clients run in a child process: this binary re-executed
//     as the hidden "nisa bench live-clients", which dials and holds the
//     clients and talks to the parent in JSON lines over its stdin and
//     stdout. Two reasons: runtime.MemStats of the server process then
//     counts the server's side of the connections only (the client side is
//     measured the same way inside the child, and reported apart), and each
//     process has its own RLIMIT_NOFILE, so 10,000 connections over
//     loopback need about 10,000 descriptors in each process rather than
//     20,000 in one.
//   - Memory per idle connection: HeapInuse+StackInuse after runtime.GC(),
//     before the clients dial and after all of them are connected,
//     subscribed (caught_up) and idle, divided by the number of clients; in
//     the server process for the server figure, in the child for the client
//     figure. With --url the server figure is not available. The growth of
//     VmRSS over the same interval is reported beside it: HeapInuse counts
//     allocated pages that were never touched (the empty slots of each
//     connection's message queue), RSS does not.
//   - Every change is a PUT /v1/organisations/{id} with the admin token and
//     a unique X-Request-Id "bench-live-<run>-<seq>", which the server
//     records as the event's correlation_id. The parent notes the time each
//     200 response arrived; every client notes the arrival time of every
//     event message and finds its change by the correlation_id. End-to-end
//     latency = arrival at the client − HTTP response received, over all
//     (client, change) pairs. Both processes read the same wall clock.
//     A push can beat the HTTP response to the client: such latencies are
//     negative, counted, and taken as 0.
//   - Every (client, change) pair must be delivered: a missing delivery
//     makes the command fail (exit 1) after the figures are printed and
//     written.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/adapters/live"
	"github.com/nisa-eu/nisa/domain"
)

// benchLiveChildEnv marks the re-executed client process (tests use it to
// run the command in their own binary).
const benchLiveChildEnv = "NISA_BENCH_LIVE_CHILD"

// benchLiveConfig is the configuration of "nisa bench live".
type benchLiveConfig struct {
	Clients         int
	Rate            int
	Duration        time.Duration
	Store           string
	URL             string
	Token           string
	Out             string
	Orgs            int
	Workers         int
	DialConcurrency int
	Drain           time.Duration
	WSQueue         int
	WSCoalesceAbove int
	WSWriteBudget   int
	WSMaxCoalesce   time.Duration
	Keep            bool
}

// liveSummary is the "live" object of bench/live.json.
type liveSummary struct {
	Store                string         `json:"store"`
	Clients              int            `json:"clients"`
	Rate                 int            `json:"rate"`
	AchievedRate         float64        `json:"achieved_rate"`
	DurationSeconds      float64        `json:"duration_seconds"`
	Workers              int            `json:"http_workers"`
	Organisations        int            `json:"organisations"`
	Changes              int            `json:"changes"`
	FailedChanges        int            `json:"failed_changes"`
	DeliveriesExpected   int64          `json:"deliveries_expected"`
	DeliveriesReceived   int64          `json:"deliveries_received"`
	DeliveriesMissing    int64          `json:"deliveries_missing"`
	ClientsMissing       int            `json:"clients_missing_deliveries"`
	PushedBeforeResponse int64          `json:"pushed_before_response"`
	P50ms                float64        `json:"p50_ms"`
	P95ms                float64        `json:"p95_ms"`
	P99ms                float64        `json:"p99_ms"`
	MaxMs                float64        `json:"max_ms"`
	DrainSeconds         float64        `json:"drain_seconds"`
	ClosedConnections    int            `json:"closed_connections"`
	CloseReasons         map[string]int `json:"close_reasons,omitempty"`
	ServerBytesPerConn   float64        `json:"server_bytes_per_idle_connection,omitempty"`
	ClientBytesPerConn   float64        `json:"client_bytes_per_idle_connection"`
	ServerRSSPerConn     float64        `json:"server_rss_bytes_per_idle_connection,omitempty"`
	ClientRSSPerConn     float64        `json:"client_rss_bytes_per_idle_connection,omitempty"`
	MemoryMethod         string         `json:"memory_method"`
	MessagesPerWrite     float64        `json:"messages_per_socket_write,omitempty"`
	NoFileLimit          uint64         `json:"rlimit_nofile"`
}

// liveReport is bench/live.json: the usual report plus the live summary.
type liveReport struct {
	benchReport
	Live liveSummary `json:"live"`
}

// liveReady is the child's message once every client is connected,
// subscribed and idle (or dialling failed).
type liveReady struct {
	Type         string  `json:"type"` // "ready"
	Connected    int     `json:"connected"`
	Failed       int     `json:"failed"`
	FirstError   string  `json:"first_error,omitempty"`
	DialSeconds  float64 `json:"dial_seconds"`
	ConnectP50ms float64 `json:"connect_p50_ms"`
	ConnectP95ms float64 `json:"connect_p95_ms"`
	ConnectP99ms float64 `json:"connect_p99_ms"`
	ConnectMaxMs float64 `json:"connect_max_ms"`
	BytesBefore  uint64  `json:"bytes_before"`
	BytesAfter   uint64  `json:"bytes_after"`
	RSSBefore    uint64  `json:"rss_before"`
	RSSAfter     uint64  `json:"rss_after"`
	NoFile       uint64  `json:"rlimit_nofile"`
}

// liveChanges is the parent's message once the load is over: the changes
// whose response arrived (sequence number, unix nanoseconds).
type liveChanges struct {
	Responses [][2]int64    `json:"responses"`
	Drain     time.Duration `json:"drain"`
}

// liveResult is the child's final message.
type liveResult struct {
	Type           string         `json:"type"` // "result"
	Expected       int64          `json:"expected"`
	Received       int64          `json:"received"`
	Missing        int64          `json:"missing"`
	ClientsMissing int            `json:"clients_missing"`
	Negative       int64          `json:"negative"`
	Duplicates     int64          `json:"duplicates"`
	Other          int64          `json:"other"`
	Errors         int64          `json:"errors"`
	Closed         int            `json:"closed"`
	CloseReasons   map[string]int `json:"close_reasons,omitempty"`
	P50ns          int64          `json:"p50_ns"`
	P95ns          int64          `json:"p95_ns"`
	P99ns          int64          `json:"p99_ns"`
	MaxNs          int64          `json:"max_ns"`
	DrainSeconds   float64        `json:"drain_seconds"`
}

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit and returns
// the limits in force.
func raiseNoFile() (soft, hard uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, err
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			// An unlimited hard limit may exceed fs.nr_open: try less.
			want.Cur = min(lim.Max, 1<<20)
			if err2 := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err2 != nil {
				return lim.Cur, lim.Max, fmt.Errorf("raise RLIMIT_NOFILE from %d to %d: %w", lim.Cur, lim.Max, err)
			}
		}
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, 0, err
		}
	}
	return lim.Cur, lim.Max, nil
}

// fdHeadroom is what a process needs beside one descriptor per connection
// (store files, listeners, HTTP clients, pipes).
const fdHeadroom = 256

func checkNoFile(who string, conns int, soft, hard uint64) error {
	need := uint64(conns + fdHeadroom)
	if need <= soft {
		return nil
	}
	return fmt.Errorf("%s needs about %s open files (one socket per websocket connection + %d) but RLIMIT_NOFILE is %s (soft, raised to the hard limit %s); raise the hard limit (ulimit -Hn as root, LimitNOFILE= in systemd, nofile in /etc/security/limits.conf) or use fewer --clients (at most %s here)",
		who, groupDigits(int64(need)), fdHeadroom, groupDigits(int64(soft)), groupDigits(int64(hard)), groupDigits(max(0, int64(soft)-fdHeadroom)))
}

// memInUse is HeapInuse+StackInuse after a full collection.
func memInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// rss is the resident set size of this process (VmRSS), 0 where unknown.
// Unlike HeapInuse it leaves out allocated pages never touched, such as the
// unused part of a connection's message queue.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func runBenchLive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// The client process's stderr is copied into stderr while this process
	// writes its progress there too.
	stderr = &lockedWriter{w: stderr}
	f := newFlags("bench live", `Measure the websocket hub end to end: open --clients websocket clients on
/v1/ws, each subscribed to the activity channel, then change organisations
through the HTTP API (PUT /v1/organisations/{id}) at --rate changes per
second for --duration, and measure for every (client, change) pair the time
from the HTTP response to the event's arrival at the client (p50, p95, p99,
max), check that every client received every change, and measure the
server's memory per idle connection.

The server runs in this process on scratch data (--store), or is a running
server (--url with an admin --token). The clients run in a child process
(this binary re-executed), so that the server's memory is measured without
theirs and each process has its own open-file limit; the soft limit is
raised to the hard limit in both. Prints a table and writes the figures as
JSON. Missing deliveries make the command fail.`, stderr)
	var cfg benchLiveConfig
	f.intEnv(&cfg.Clients, "clients", "NISA_BENCH_LIVE_CLIENTS", 1000, "websocket clients to open")
	f.intEnv(&cfg.Rate, "rate", "NISA_BENCH_LIVE_RATE", 200, "changes per second sent through the HTTP API")
	f.durationEnv(&cfg.Duration, "duration", "NISA_BENCH_LIVE_DURATION", 20*time.Second, "how long changes are sent")
	f.stringEnv(&cfg.Store, "store", "NISA_BENCH_LIVE_STORE", "embedded", `store of the in-process server: "embedded" (scratch data directory) or a PostgreSQL server URL (scratch database, dropped afterwards)`)
	f.stringEnv(&cfg.URL, "url", "NISA_BENCH_LIVE_URL", "", "base URL of a running server to measure instead (e.g. http://127.0.0.1:8080); needs --token")
	f.stringEnv(&cfg.Token, "token", "NISA_BENCH_LIVE_TOKEN", "", "admin bearer token for --url")
	f.stringEnv(&cfg.Out, "out", "NISA_BENCH_LIVE_OUT", "bench/live.json", "where to write the results as JSON (empty: do not write)")
	f.intEnv(&cfg.Orgs, "organisations", "NISA_BENCH_LIVE_ORGANISATIONS", 16, "organisations registered and then updated in turn")
	f.intEnv(&cfg.Workers, "workers", "NISA_BENCH_LIVE_WORKERS", 16, "concurrent HTTP workers sending the changes")
	f.intEnv(&cfg.DialConcurrency, "dial-concurrency", "NISA_BENCH_LIVE_DIAL_CONCURRENCY", 64, "websocket handshakes in flight at a time")
	f.durationEnv(&cfg.Drain, "drain", "NISA_BENCH_LIVE_DRAIN", 5*time.Minute, "how long to wait after the last change for every delivery")
	f.intEnv(&cfg.WSQueue, "ws-queue", "NISA_BENCH_LIVE_WS_QUEUE", 0, "in-process server: messages queued per connection (0: the server's default, as nisa serve --ws-queue)")
	f.intEnv(&cfg.WSCoalesceAbove, "ws-coalesce-above", "NISA_BENCH_LIVE_WS_COALESCE_ABOVE", 250_000, "in-process server: messages per second above which writers gather messages (as nisa serve --ws-coalesce-above)")
	f.intEnv(&cfg.WSWriteBudget, "ws-write-budget", "NISA_BENCH_LIVE_WS_WRITE_BUDGET", 100_000, "in-process server: socket writes per second aimed at while gathering (as nisa serve --ws-write-budget)")
	f.durationEnv(&cfg.WSMaxCoalesce, "ws-max-coalesce", "NISA_BENCH_LIVE_WS_MAX_COALESCE", 100*time.Millisecond, "in-process server: longest gathering wait (as nisa serve --ws-max-coalesce; negative: never wait)")
	f.BoolVar(&cfg.Keep, "keep", false, "keep the scratch data directory or database")
	if err := f.parse(args); err != nil {
		return err
	}
	switch {
	case cfg.Clients < 1, cfg.Rate < 1, cfg.Duration <= 0, cfg.Orgs < 1, cfg.Workers < 1, cfg.DialConcurrency < 1:
		fmt.Fprintln(stderr, "--clients, --rate, --duration, --organisations, --workers and --dial-concurrency must be positive")
		return errUsage
	case cfg.URL != "" && cfg.Token == "":
		fmt.Fprintln(stderr, "--url needs --token (an admin bearer token of that server; nisa token create --role admin)")
		return errUsage
	}

	soft, hard, err := raiseNoFile()
	if err != nil {
		return err
	}
	report := liveReport{benchReport: benchReport{Date: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Command: "nisa bench live " + strings.Join(args, " ")}}
	sum := &report.Live
	sum.Clients, sum.Rate, sum.Workers, sum.Organisations, sum.NoFileLimit = cfg.Clients, cfg.Rate, cfg.Workers, cfg.Orgs, soft

	var (
		base, token string
		m           *Main
	)
	if cfg.URL != "" {
		base, token = strings.TrimRight(cfg.URL, "/"), cfg.Token
		sum.Store = "remote " + base
		fmt.Fprintf(stderr, "bench live: server at %s\n", base)
	} else {
		if err := checkNoFile("the server process", cfg.Clients, soft, hard); err != nil {
			return err
		}
		var cleanup func()
		m, cleanup, err = openLiveServer(ctx, cfg, stderr)
		if err != nil {
			return err
		}
		defer cleanup()
		sum.Store = m.store.kind
		base = "http://" + m.Addr().String()
		_, token, err = httpapi.CreateToken(ctx, domain.NewCommands(m.store), domain.System("bench"), domain.RoleAdmin, "", "nisa bench live")
		if err != nil {
			return fmt.Errorf("create admin token: %w", err)
		}
	}

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConns: cfg.Workers * 2, MaxIdleConnsPerHost: cfg.Workers * 2, IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	orgs, err := registerBenchOrgs(ctx, client, base, token, cfg.Orgs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "  registered %d organisations\n", len(orgs))

	var serverBefore, serverRSSBefore uint64
	if m != nil {
		serverBefore = memInUse()
		serverRSSBefore = rss()
	}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	child, err := startLiveClients(ctx, cfg, base, token, run, stderr)
	if err != nil {
		return err
	}
	defer child.stop()
	var ready liveReady
	if err := child.read(&ready, "ready"); err != nil {
		return err
	}
	if ready.Failed > 0 {
		return fmt.Errorf("%s of %s clients could not connect; first error: %s (RLIMIT_NOFILE here %s, in the client process %s; local ports %s)",
			groupDigits(int64(ready.Failed)), groupDigits(int64(cfg.Clients)), ready.FirstError, groupDigits(int64(soft)), groupDigits(int64(ready.NoFile)), localPortRange())
	}
	sum.ClientBytesPerConn = float64(int64(ready.BytesAfter)-int64(ready.BytesBefore)) / float64(ready.Connected)
	if ready.RSSBefore > 0 {
		sum.ClientRSSPerConn = float64(int64(ready.RSSAfter)-int64(ready.RSSBefore)) / float64(ready.Connected)
	}
	sum.MemoryMethod = "HeapInuse+StackInuse after runtime.GC(), before the clients dial and once all are connected, subscribed and idle, divided by the clients; client side measured in the child process that holds the clients (nisa bench live-clients)"
	if m != nil {
		deadline := time.Now().Add(30 * time.Second)
		for m.hub.Connections() < ready.Connected && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := m.hub.Connections(); n != ready.Connected {
			return fmt.Errorf("the hub holds %d connections, the client process %d", n, ready.Connected)
		}
		time.Sleep(time.Second) // idle: subscription start-up goroutines have ended
		serverAfter := memInUse()
		sum.ServerBytesPerConn = float64(int64(serverAfter)-int64(serverBefore)) / float64(ready.Connected)
		if serverRSSBefore > 0 {
			sum.ServerRSSPerConn = float64(int64(rss())-int64(serverRSSBefore)) / float64(ready.Connected)
		}
		sum.MemoryMethod += "; server side measured in this process, which runs the server (no client in it); the RSS figures are the growth of VmRSS over the same interval, which leaves out allocated but untouched pages"
		fmt.Fprintf(stderr, "  idle connections: server %s per connection (heap+stack %s → %s; RSS %s), client %s per connection (RSS %s)\n",
			kib(sum.ServerBytesPerConn), mib(serverBefore), mib(serverAfter), kib(sum.ServerRSSPerConn), kib(sum.ClientBytesPerConn), kib(sum.ClientRSSPerConn))
	} else {
		sum.MemoryMethod += "; server side not measured (--url: the server is another process)"
		fmt.Fprintf(stderr, "  idle connections: client %s per connection (server memory not measured with --url)\n", kib(sum.ClientBytesPerConn))
	}
	report.Results = append(report.Results, benchResult{Store: sum.Store, Name: "ws_connect", Events: ready.Connected, Seconds: ready.DialSeconds,
		PerSecond: float64(ready.Connected) / ready.DialSeconds, P50ms: ready.ConnectP50ms, P95ms: ready.ConnectP95ms, P99ms: ready.ConnectP99ms,
		Note: fmt.Sprintf("dial + welcome + subscribe activity until caught_up, %d handshakes at a time; max %.3f ms", cfg.DialConcurrency, ready.ConnectMaxMs)})

	// The load.
	fmt.Fprintf(stderr, "  sending %d changes/s for %s with %d HTTP workers\n", cfg.Rate, cfg.Duration, cfg.Workers)
	var writesBefore live.WriteStats
	if m != nil {
		writesBefore = m.hub.WriteStats()
	}
	load, err := driveChanges(ctx, client, base, token, run, orgs, cfg, stderr)
	if err != nil {
		return err
	}
	sum.Changes, sum.FailedChanges = len(load.responses), load.failed
	sum.DurationSeconds = load.elapsed.Seconds()
	sum.AchievedRate = float64(load.sent) / load.elapsed.Seconds()
	hs := slices.Clone(load.latencies)
	slices.Sort(hs)
	report.Results = append(report.Results, benchResult{Store: sum.Store, Name: "http_change", Writers: cfg.Workers, Events: len(load.responses), Seconds: load.elapsed.Seconds(),
		PerSecond: sum.AchievedRate, P50ms: ms(percentile(hs, 50)), P95ms: ms(percentile(hs, 95)), P99ms: ms(percentile(hs, 99)),
		Note: fmt.Sprintf("PUT /v1/organisations/{id} over %d organisations at a target of %d/s; %d failed", len(orgs), cfg.Rate, load.failed)})

	fmt.Fprintf(stderr, "  waiting for the deliveries (at most %s)\n", cfg.Drain)
	if err := child.send(liveChanges{Responses: load.responses, Drain: cfg.Drain}); err != nil {
		return err
	}
	var res liveResult
	if err := child.read(&res, "result"); err != nil {
		return err
	}
	child.stop()
	if m != nil {
		w := m.hub.WriteStats()
		if n := w.Writes - writesBefore.Writes; n > 0 {
			sum.MessagesPerWrite = float64(w.Messages-writesBefore.Messages) / float64(n)
		}
	}
	sum.DeliveriesExpected, sum.DeliveriesReceived, sum.DeliveriesMissing = res.Expected, res.Received, res.Missing
	sum.ClientsMissing, sum.PushedBeforeResponse = res.ClientsMissing, res.Negative
	sum.P50ms, sum.P95ms, sum.P99ms, sum.MaxMs = ms(time.Duration(res.P50ns)), ms(time.Duration(res.P95ns)), ms(time.Duration(res.P99ns)), ms(time.Duration(res.MaxNs))
	sum.DrainSeconds, sum.ClosedConnections, sum.CloseReasons = res.DrainSeconds, res.Closed, res.CloseReasons
	// Deliveries per second from the first change to the last delivery.
	deliverySeconds := load.elapsed.Seconds() + res.DrainSeconds
	report.Results = append(report.Results, benchResult{Store: sum.Store, Name: "ws_change_to_client", Events: int(res.Received), Seconds: deliverySeconds,
		PerSecond: float64(res.Received) / deliverySeconds, P50ms: sum.P50ms, P95ms: sum.P95ms, P99ms: sum.P99ms,
		Note: fmt.Sprintf("HTTP response received → event at the client, over every (client, change) pair of %d clients × %d changes; max %.3f ms; %d of %d deliveries received; %d pushed before the HTTP response (counted as 0)",
			ready.Connected, len(load.responses), sum.MaxMs, res.Received, res.Expected, res.Negative)})
	if m != nil {
		report.Results = append(report.Results, benchResult{Store: sum.Store, Name: "ws_idle_memory", Events: ready.Connected,
			Note: fmt.Sprintf("server %.0f bytes (RSS %.0f), client %.0f bytes (RSS %.0f) per idle connection (%s)", sum.ServerBytesPerConn, sum.ServerRSSPerConn, sum.ClientBytesPerConn, sum.ClientRSSPerConn, sum.MemoryMethod)})
	}

	printBenchLive(stdout, cfg, ready, report)
	if err := writeReport(stdout, cfg.Out, report); err != nil {
		return err
	}
	var problems []string
	if res.Missing > 0 {
		problems = append(problems, fmt.Sprintf("MISSING DELIVERIES: %s of %s (client, change) pairs never arrived, at %d of %d clients; %d connections closed %v",
			groupDigits(res.Missing), groupDigits(res.Expected), res.ClientsMissing, ready.Connected, res.Closed, res.CloseReasons))
	}
	if load.failed > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d changes failed; first: %s", load.failed, load.sent, load.firstErr))
	}
	if len(load.responses) == 0 {
		problems = append(problems, "no change succeeded")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// openLiveServer starts Main on 127.0.0.1:0 on scratch data.
func openLiveServer(ctx context.Context, cfg benchLiveConfig, stderr io.Writer) (*Main, func(), error) {
	sf := storeFlags{Store: "embedded", LogLevel: "warn"}
	var cleanup func()
	location := ""
	switch {
	case cfg.Store == "embedded":
		dir, err := os.MkdirTemp("", "nisa-bench-live-")
		if err != nil {
			return nil, nil, err
		}
		sf.DataDir, location = dir, dir
		cleanup = func() {
			if !cfg.Keep {
				os.RemoveAll(dir)
			}
		}
	case isPostgresURL(cfg.Store):
		dbURL, name, drop, err := scratchDatabase(ctx, cfg.Store, cfg.Keep)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", redact(cfg.Store), err)
		}
		sf.Store, location, cleanup = dbURL, "database "+name, drop
	default:
		return nil, nil, fmt.Errorf(`%w: --store %q: want "embedded" or a PostgreSQL URL`, errUsage, redact(cfg.Store))
	}
	m := &Main{Config: serveConfig{storeFlags: sf, Addr: "127.0.0.1:0", ShutdownTimeout: 10 * time.Second, ExpiryInterval: time.Minute,
		WSQueue: cfg.WSQueue, WSPingInterval: 30 * time.Second, WSCoalesceAbove: cfg.WSCoalesceAbove, WSWriteBudget: cfg.WSWriteBudget, WSMaxCoalesce: cfg.WSMaxCoalesce},
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if err := m.Open(ctx); err != nil {
		cleanup()
		return nil, nil, err
	}
	fmt.Fprintf(stderr, "bench live %s: scratch data in %s, server at http://%s\n", m.store.kind, location, m.Addr())
	return m, func() {
		if err := m.Close(); err != nil {
			fmt.Fprintf(stderr, "bench live: closing the server: %v\n", err)
		}
		cleanup()
	}, nil
}

// scratchDatabase creates a scratch database on the PostgreSQL server of
// target and returns its URL and a function that drops it (unless keep).
func scratchDatabase(ctx context.Context, target string, keep bool) (dbURL, name string, drop func(), err error) {
	admin, err := pgx.Connect(ctx, target)
	if err != nil {
		return "", "", nil, fmt.Errorf("connect: %w", err)
	}
	defer admin.Close(ctx)
	name = fmt.Sprintf("nisa_bench_live_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", "", nil, fmt.Errorf("create scratch database: %w", err)
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", "", nil, err
	}
	u.Path = "/" + name
	return u.String(), name, func() {
		if keep {
			return
		}
		c, err := pgx.Connect(context.Background(), target)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}, nil
}

// benchOrgProfile is the profile the changes write, named after n.
func benchOrgProfile(name string) []byte {
	b, _ := json.Marshal(map[string]any{
		"name": name, "kind": "sme", "country": "PL", "nuts": "PL518",
		"address":     map[string]any{"city": "Wrocław", "country": "PL"},
		"sectors":     []string{"25.62", "C"},
		"languages":   []string{"pl", "de"},
		"description": map[string]any{"pl": "Obróbka metali na zlecenie", "de": "Lohnfertigung"},
		"contacts":    []map[string]any{{"name": "Jan Kowalski", "email": "jan@example.pl"}},
	})
	return b
}

// benchRequest sends one JSON request and returns the status and body.
func benchRequest(ctx context.Context, client *http.Client, method, u, token, requestID string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func registerBenchOrgs(ctx context.Context, client *http.Client, base, token string, n int) ([]string, error) {
	ids := make([]string, 0, n)
	for i := range n {
		status, body, err := benchRequest(ctx, client, "POST", base+"/v1/organisations", token, "", benchOrgProfile(fmt.Sprintf("Bench Organisation %d", i)))
		if err != nil {
			return nil, fmt.Errorf("register organisation: %w", err)
		}
		if status != http.StatusCreated {
			return nil, fmt.Errorf("register organisation: status %d (the token must be an admin's): %s", status, bytes.TrimSpace(body))
		}
		var org struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(body, &org); err != nil || org.ID == "" {
			return nil, fmt.Errorf("register organisation: no id in %s", body)
		}
		ids = append(ids, org.ID)
	}
	return ids, nil
}

// liveLoad is what driveChanges measured.
type liveLoad struct {
	responses [][2]int64 // seq, unix nanos of the response
	latencies []time.Duration
	sent      int
	failed    int
	firstErr  string
	elapsed   time.Duration
}

// driveChanges sends cfg.Rate changes per second for cfg.Duration: a
// scheduler releases the changes due by the clock (so a late tick does not
// lower the rate) to cfg.Workers workers.
func driveChanges(ctx context.Context, client *http.Client, base, token, run string, orgs []string, cfg benchLiveConfig, stderr io.Writer) (liveLoad, error) {
	var (
		mu   sync.Mutex
		load liveLoad
		wg   sync.WaitGroup
	)
	jobs := make(chan int, cfg.Rate)
	for range cfg.Workers {
		wg.Go(func() {
			for seq := range jobs {
				org := orgs[seq%len(orgs)]
				id := "bench-live-" + run + "-" + strconv.Itoa(seq)
				body := benchOrgProfile(fmt.Sprintf("Bench Organisation %d rev %d", seq%len(orgs), seq))
				t0 := time.Now()
				status, rb, err := benchRequest(ctx, client, "PUT", base+"/v1/organisations/"+org, token, id, body)
				t1 := time.Now()
				mu.Lock()
				switch {
				case err != nil:
					load.failed++
					if load.firstErr == "" {
						load.firstErr = err.Error()
					}
				case status != http.StatusOK:
					load.failed++
					if load.firstErr == "" {
						load.firstErr = fmt.Sprintf("status %d: %s", status, bytes.TrimSpace(rb))
					}
				default:
					load.responses = append(load.responses, [2]int64{int64(seq), t1.UnixNano()})
					load.latencies = append(load.latencies, t1.Sub(t0))
				}
				mu.Unlock()
			}
		})
	}
	total := int(float64(cfg.Rate) * cfg.Duration.Seconds())
	interval := max(time.Millisecond, min(10*time.Millisecond, time.Second/time.Duration(cfg.Rate)))
	tick := time.NewTicker(interval)
	tty := isTerminal(stderr)
	lastProgress := time.Now()
	start := time.Now()
	seq := 0
	for seq < total && ctx.Err() == nil {
		<-tick.C
		due := min(total, int(time.Since(start).Seconds()*float64(cfg.Rate)))
		for ; seq < due && ctx.Err() == nil; seq++ {
			jobs <- seq
		}
		if now := time.Now(); now.Sub(lastProgress) >= 2*time.Second || (tty && now.Sub(lastProgress) >= 200*time.Millisecond) {
			lastProgress = now
			mu.Lock()
			line := fmt.Sprintf("  changes: %s/%s sent, %s answered, %d failed", groupDigits(int64(seq)), groupDigits(int64(total)), groupDigits(int64(len(load.responses))), load.failed)
			mu.Unlock()
			if tty {
				fmt.Fprintf(stderr, "\r\033[K%s", line)
			} else {
				fmt.Fprintln(stderr, line)
			}
		}
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	load.elapsed = time.Since(start)
	load.sent = seq
	if tty {
		fmt.Fprint(stderr, "\r\033[K")
	}
	fmt.Fprintf(stderr, "  changes: %s sent in %.1fs, %s answered, %d failed\n", groupDigits(int64(seq)), load.elapsed.Seconds(), groupDigits(int64(len(load.responses))), load.failed)
	if err := ctx.Err(); err != nil {
		return load, err
	}
	return load, nil
}

// liveChild is the client process.
type liveChild struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	in     io.WriteCloser
	out    *bufio.Scanner
	once   sync.Once
	waited error
}

func startLiveClients(ctx context.Context, cfg benchLiveConfig, base, token, run string, stderr io.Writer) (*liveChild, error) {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(cctx, exe, "bench", "live-clients", "--url", base, "--clients", strconv.Itoa(cfg.Clients),
		"--dial-concurrency", strconv.Itoa(cfg.DialConcurrency), "--run", run)
	cmd.Env = append(os.Environ(), benchLiveChildEnv+"=1", "NISA_BENCH_LIVE_TOKEN="+token)
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	in, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start the client process %s: %w", exe, err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	return &liveChild{cmd: cmd, cancel: cancel, in: in, out: sc}, nil
}

// read reads the child's next message, which must be of type typ.
func (c *liveChild) read(v any, typ string) error {
	if !c.out.Scan() {
		err := c.stop()
		if e := c.out.Err(); e != nil {
			err = errors.Join(e, err)
		}
		return fmt.Errorf("the client process ended before its %q message (exit: %v; see its messages above)", typ, err)
	}
	line := c.out.Bytes()
	var head struct {
		Type  string `json:"type"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return fmt.Errorf("client process: bad message %q: %w", line, err)
	}
	if head.Type == "error" {
		return fmt.Errorf("client process: %s", head.Error)
	}
	if head.Type != typ {
		return fmt.Errorf("client process: got %q, want %q", head.Type, typ)
	}
	return json.Unmarshal(line, v)
}

func (c *liveChild) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := c.in.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("client process: %w", err)
	}
	return nil
}

// stop closes the child's stdin (it exits) and waits for it; a child still
// running after 30s is killed.
func (c *liveChild) stop() error {
	c.once.Do(func() {
		c.in.Close()
		done := make(chan error, 1)
		go func() { done <- c.cmd.Wait() }()
		select {
		case c.waited = <-done:
		case <-time.After(30 * time.Second):
			c.cancel()
			c.waited = <-done
		}
		c.cancel()
	})
	return c.waited
}

// localPortRange is the kernel's ephemeral port range (each client
// connection over loopback takes one).
func localPortRange() string {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b)), "–")
}

func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }
func mib(b uint64) string  { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func printBenchLive(w io.Writer, cfg benchLiveConfig, ready liveReady, r liveReport) {
	s := r.Live
	fmt.Fprintf(w, "nisa bench live: %s store, %s clients on the activity channel, %d changes/s for %s (%d CPUs)\n\n",
		s.Store, groupDigits(int64(s.Clients)), s.Rate, cfg.Duration, r.CPUs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\tcount\tper s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	for _, res := range r.Results {
		var label, maxMs string
		switch res.Name {
		case "ws_connect":
			label, maxMs = "connect (dial+subscribe)", fmt.Sprintf("%.3f", ready.ConnectMaxMs)
		case "http_change":
			label = fmt.Sprintf("change (HTTP PUT, %d workers)", res.Writers)
		case "ws_change_to_client":
			label, maxMs = "change → client (end to end)", fmt.Sprintf("%.3f", s.MaxMs)
		default:
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.3f\t%.3f\t%.3f\t%s\t\n", label, groupDigits(int64(res.Events)), res.PerSecond, res.P50ms, res.P95ms, res.P99ms, maxMs)
	}
	tw.Flush()
	fmt.Fprintln(w)
	verdict := "all delivered"
	if s.DeliveriesMissing > 0 {
		verdict = fmt.Sprintf("!!! %s MISSING at %d clients !!!", groupDigits(s.DeliveriesMissing), s.ClientsMissing)
	}
	fmt.Fprintf(w, "changes: %s answered (%.1f/s achieved of %d/s), %d failed\n", groupDigits(int64(s.Changes)), s.AchievedRate, s.Rate, s.FailedChanges)
	if s.AchievedRate < 0.95*float64(s.Rate) {
		fmt.Fprintf(w, "!!! the rate did not hold: %.1f/s of %d/s — the %d HTTP workers waited on slow responses (server and clients share %d CPUs here); the latencies are those of a saturated machine\n",
			s.AchievedRate, s.Rate, s.Workers, r.CPUs)
	}
	fmt.Fprintf(w, "deliveries: %s expected, %s received, %s missing — %s (drained %.1fs after the last change)\n",
		groupDigits(s.DeliveriesExpected), groupDigits(s.DeliveriesReceived), groupDigits(s.DeliveriesMissing), verdict, s.DrainSeconds)
	fmt.Fprintf(w, "pushed before the HTTP response: %s (counted as 0 ms)\n", groupDigits(s.PushedBeforeResponse))
	if s.MessagesPerWrite > 0 {
		fmt.Fprintf(w, "messages per socket write: %.2f (the hub coalesces above --ws-coalesce-above messages/s)\n", s.MessagesPerWrite)
	}
	if s.ClosedConnections > 0 {
		fmt.Fprintf(w, "connections closed during the run: %d %v\n", s.ClosedConnections, s.CloseReasons)
	}
	if s.ServerBytesPerConn != 0 {
		fmt.Fprintf(w, "memory per idle connection: server %s, client %s (heap+stack in use after GC; server measured in this process, clients held in a child process)\n",
			kib(s.ServerBytesPerConn), kib(s.ClientBytesPerConn))
		fmt.Fprintf(w, "                  resident: server %s, client %s (growth of VmRSS: allocated pages never touched, e.g. empty queue slots, are not resident)\n",
			kib(s.ServerRSSPerConn), kib(s.ClientRSSPerConn))
	} else {
		fmt.Fprintf(w, "memory per idle connection: client %s (server not measured: --url)\n", kib(s.ClientBytesPerConn))
	}
}

// ---- the client process: nisa bench live-clients ----

// liveClient is one websocket client of the child process.
type liveClient struct {
	ws *websocket.Conn

	mu       sync.Mutex
	arrivals []int64 // by change sequence number: unix nanos of the first arrival, 0 if none
	count    atomic.Int64
	dups     int64
	other    int64
	errors   int64
	dead     atomic.Bool
	closeErr error
}

// corrKey precedes the correlation id in an event message (the envelope's
// fields come before the event data).
var corrKey = []byte(`"correlation_id":"`)

// readLoop notes the arrival of every message until the connection ends.
func (c *liveClient) readLoop(prefix []byte) {
	var buf bytes.Buffer
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			c.mu.Lock()
			c.closeErr = err
			c.mu.Unlock()
			c.dead.Store(true)
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			c.mu.Lock()
			c.closeErr = err
			c.mu.Unlock()
			c.dead.Store(true)
			return
		}
		now := time.Now().UnixNano()
		msg := buf.Bytes()
		c.note(msg, now, prefix)
	}
}

func (c *liveClient) note(msg []byte, now int64, prefix []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !bytes.HasPrefix(msg, []byte(`{"type":"event"`)) {
		if bytes.HasPrefix(msg, []byte(`{"type":"error"`)) {
			c.errors++
		}
		return
	}
	i := bytes.Index(msg, corrKey)
	if i < 0 {
		c.other++
		return
	}
	rest := msg[i+len(corrKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || !bytes.HasPrefix(rest[:j], prefix) {
		c.other++
		return
	}
	seq, err := strconv.Atoi(string(rest[len(prefix):j]))
	if err != nil || seq < 0 {
		c.other++
		return
	}
	if seq >= len(c.arrivals) {
		c.arrivals = slices.Grow(c.arrivals, max(seq+1, 2*len(c.arrivals))-len(c.arrivals))
		c.arrivals = c.arrivals[:cap(c.arrivals)]
	}
	if c.arrivals[seq] != 0 {
		c.dups++
		return
	}
	c.arrivals[seq] = now
	c.count.Add(1)
}

// dialLiveClient connects, reads the welcome, subscribes to activity and
// reads until caught_up.
func dialLiveClient(ctx context.Context, d *websocket.Dialer, wsURL string, hdr http.Header) (*liveClient, error) {
	ws, resp, err := d.DialContext(ctx, wsURL, hdr)
	if err != nil {
		if resp != nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return nil, fmt.Errorf("%w (status %d: %s)", err, resp.StatusCode, bytes.TrimSpace(b))
		}
		return nil, err
	}
	fail := func(err error) (*liveClient, error) { ws.Close(); return nil, err }
	_ = ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	var m struct {
		Type   string `json:"type"`
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}
	if err := ws.ReadJSON(&m); err != nil {
		return fail(fmt.Errorf("welcome: %w", err))
	}
	if m.Type != "welcome" {
		return fail(fmt.Errorf("first message %q, want welcome", m.Type))
	}
	if err := ws.WriteJSON(map[string]string{"type": "subscribe", "id": "bench", "channel": "activity"}); err != nil {
		return fail(fmt.Errorf("subscribe: %w", err))
	}
	for {
		m.Type = ""
		if err := ws.ReadJSON(&m); err != nil {
			return fail(fmt.Errorf("waiting for caught_up: %w", err))
		}
		if m.Type == "caught_up" {
			break
		}
		if m.Type == "error" {
			return fail(fmt.Errorf("subscribe: %s: %s", m.Code, m.Detail))
		}
	}
	_ = ws.SetReadDeadline(time.Time{})
	return &liveClient{ws: ws}, nil
}

func runBenchLiveClients(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("bench live-clients", "The client process of nisa bench live (not for direct use): dials the\nclients, reports on stdout in JSON lines and takes the changes on stdin.", stderr)
	var (
		base, token, run string
		clients, conc    int
	)
	f.StringVar(&base, "url", "", "base URL of the server")
	f.stringEnv(&token, "token", "NISA_BENCH_LIVE_TOKEN", "", "bearer token")
	f.StringVar(&run, "run", "", "run id in the correlation ids")
	f.IntVar(&clients, "clients", 1000, "clients to open")
	f.IntVar(&conc, "dial-concurrency", 64, "handshakes at a time")
	if err := f.parse(args); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	fail := func(err error) error {
		_ = enc.Encode(map[string]string{"type": "error", "error": err.Error()})
		return err
	}
	soft, _, err := raiseNoFile()
	if err != nil {
		return fail(err)
	}
	if err := checkNoFile("the client process", clients, soft, soft); err != nil {
		return fail(err)
	}
	wsURL := "ws" + strings.TrimPrefix(strings.TrimRight(base, "/"), "http") + "/v1/ws"
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+token)
	dialer := &websocket.Dialer{HandshakeTimeout: 60 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{}}

	before, rssBefore := memInUse(), rss()
	var (
		mu       sync.Mutex
		conns    = make([]*liveClient, 0, clients)
		connLats = make([]time.Duration, 0, clients)
		failed   int
		firstErr error
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	prefix := []byte("bench-live-" + run + "-")
	tty := isTerminal(stderr)
	start := time.Now()
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		every := 2 * time.Second
		if tty {
			every = 200 * time.Millisecond
		}
		t := time.NewTicker(every)
		defer t.Stop()
		line := func() string {
			mu.Lock()
			defer mu.Unlock()
			el := time.Since(start).Seconds()
			return fmt.Sprintf("  connecting clients: %s/%s (%s/s), %d failed", groupDigits(int64(len(conns))), groupDigits(int64(clients)), groupDigits(int64(float64(len(conns))/el)), failed)
		}
		for {
			select {
			case <-stopProgress:
				if tty {
					fmt.Fprintf(stderr, "\r\033[K%s, done in %.1fs\n", line(), time.Since(start).Seconds())
				} else {
					fmt.Fprintf(stderr, "%s, done in %.1fs\n", line(), time.Since(start).Seconds())
				}
				return
			case <-t.C:
				if tty {
					fmt.Fprintf(stderr, "\r\033[K%s", line())
				} else {
					fmt.Fprintln(stderr, line())
				}
			}
		}
	}()
	for range min(conc, clients) {
		wg.Go(func() {
			for next.Add(1) <= int64(clients) && ctx.Err() == nil {
				t0 := time.Now()
				c, err := dialLiveClient(ctx, dialer, wsURL, hdr)
				el := time.Since(t0)
				mu.Lock()
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				conns = append(conns, c)
				connLats = append(connLats, el)
				mu.Unlock()
				go c.readLoop(prefix)
			}
		})
	}
	wg.Wait()
	dialSeconds := time.Since(start).Seconds()
	close(stopProgress)
	<-progressDone
	defer func() {
		for _, c := range conns {
			c.ws.Close()
		}
	}()
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	ready := liveReady{Type: "ready", Connected: len(conns), Failed: failed, DialSeconds: dialSeconds, NoFile: soft}
	if firstErr != nil {
		ready.FirstError = firstErr.Error()
	}
	slices.Sort(connLats)
	if n := len(connLats); n > 0 {
		ready.ConnectP50ms, ready.ConnectP95ms, ready.ConnectP99ms, ready.ConnectMaxMs = ms(percentile(connLats, 50)), ms(percentile(connLats, 95)), ms(percentile(connLats, 99)), ms(connLats[n-1])
	}
	time.Sleep(500 * time.Millisecond)
	ready.BytesBefore, ready.BytesAfter = before, memInUse()
	ready.RSSBefore, ready.RSSAfter = rssBefore, rss()
	if err := enc.Encode(ready); err != nil {
		return err
	}
	if failed > 0 {
		return nil // the parent reports it
	}

	// Wait for the changes, then for every delivery.
	dec := json.NewDecoder(os.Stdin)
	var ch liveChanges
	if err := dec.Decode(&ch); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // the parent gave up
		}
		return fail(fmt.Errorf("reading the changes: %w", err))
	}
	drainStart := time.Now()
	deadline := drainStart.Add(ch.Drain)
	want := int64(len(ch.Responses))
	complete := func() bool {
		for _, c := range conns {
			if !c.dead.Load() && c.count.Load() < want {
				return false
			}
		}
		// Every live client has as many changes as expected: check they are
		// the expected ones (a change whose response failed may have been
		// delivered too).
		for _, c := range conns {
			if c.dead.Load() {
				continue
			}
			c.mu.Lock()
			for _, r := range ch.Responses {
				if int(r[0]) >= len(c.arrivals) || c.arrivals[r[0]] == 0 {
					c.mu.Unlock()
					return false
				}
			}
			c.mu.Unlock()
		}
		return true
	}
	for !complete() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	res := liveResult{Type: "result", DrainSeconds: time.Since(drainStart).Seconds(), CloseReasons: map[string]int{}}
	lats := make([]time.Duration, 0, int64(len(conns))*want)
	for _, c := range conns {
		c.mu.Lock()
		missing := false
		for _, r := range ch.Responses {
			res.Expected++
			if int(r[0]) >= len(c.arrivals) || c.arrivals[r[0]] == 0 {
				res.Missing++
				missing = true
				continue
			}
			res.Received++
			lat := c.arrivals[r[0]] - r[1]
			if lat < 0 {
				res.Negative++
				lat = 0
			}
			lats = append(lats, time.Duration(lat))
		}
		if missing {
			res.ClientsMissing++
		}
		res.Duplicates += c.dups
		res.Other += c.other
		res.Errors += c.errors
		if c.dead.Load() {
			res.Closed++
			reason := fmt.Sprint(c.closeErr)
			var ce *websocket.CloseError
			if errors.As(c.closeErr, &ce) {
				reason = fmt.Sprintf("close %d: %s", ce.Code, ce.Text)
			}
			res.CloseReasons[reason]++
		}
		c.mu.Unlock()
	}
	slices.Sort(lats)
	if n := len(lats); n > 0 {
		res.P50ns, res.P95ns, res.P99ns, res.MaxNs = int64(percentile(lats, 50)), int64(percentile(lats, 95)), int64(percentile(lats, 99)), int64(lats[n-1])
	}
	if err := enc.Encode(res); err != nil {
		return err
	}
	// Hold the clients until the parent is done reading.
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
