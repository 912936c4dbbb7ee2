package fanout

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"

	"github.com/nisa-eu/nisa/adapters/eventstoretest"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/domain"
)

// EnvNATS names the NATS server of the tests (default DefaultURL).
const EnvNATS = "NISA_TEST_NATS_URL"

var quiet = slog.New(slog.DiscardHandler)

// natsURL returns the NATS server of the tests, skipping t when it cannot
// be reached, or failing it under CI=true.
func natsURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(EnvNATS)
	if url == "" {
		url = DefaultURL
	}
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		msg := "fanout: NATS not reachable at %s: %v; set " + EnvNATS
		if os.Getenv("CI") == "true" {
			t.Fatalf(msg+" (CI=true: failing, not skipping)", url, err)
		}
		t.Skipf("!!! "+msg+"; these tests are SKIPPED !!!", url, err)
	}
	nc.Close()
	return url
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// testSubject is a subject of its own for each test, so parallel runs on
// one NATS server do not wake each other.
func testSubject() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "nisa.test." + hex.EncodeToString(b[:])
}

// migratedDatabase returns the URL of a fresh, migrated database.
func migratedDatabase(t testing.TB) string {
	t.Helper()
	url := pgtest.NewDatabase(t)
	s := openPostgres(t, url)
	if _, err := postgres.Migrate(testCtx(t), s.Pool(), quiet); err != nil {
		t.Fatal(err)
	}
	return url
}

// openPostgres opens a PostgreSQL store on url, closed when t ends (a
// second Close, after the fanout Store's, is harmless).
func openPostgres(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(testCtx(t), url, postgres.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func wrap(t testing.TB, inner domain.EventStore, cfg Config) *Store {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	s, err := Wrap(testCtx(t), inner, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// pair returns two fanout Stores, A and B, each on its own PostgreSQL
// store (own pool, own listener) of one fresh database, on one subject of
// their own. Poll is a minute: in the tests' time only the broker (or an
// append through the same Store) wakes a subscriber.
func pair(t *testing.T, poll time.Duration) (a, b *Store, subject string) {
	t.Helper()
	nurl := natsURL(t)
	dburl := migratedDatabase(t)
	subject = testSubject()
	a = wrap(t, openPostgres(t, dburl), Config{URL: nurl, Subject: subject, Poll: poll})
	b = wrap(t, openPostgres(t, dburl), Config{URL: nurl, Subject: subject, Poll: poll})
	return a, b, subject
}

func event(stream string, i int) domain.EventData {
	return domain.EventData{
		ID:            domain.NewEventID(),
		Type:          "Tested",
		SchemaVersion: 1,
		Data:          json.RawMessage(fmt.Sprintf(`{"stream":%q,"i":%d}`, stream, i)),
		Actor:         "user:test",
	}
}

func mustAppend(t testing.TB, s domain.EventStore, stream string, evs ...domain.EventData) domain.AppendResult {
	t.Helper()
	res, err := s.Append(testCtx(t), stream, domain.Any, evs)
	if err != nil {
		t.Fatalf("append to %s: %v", stream, err)
	}
	return res
}

// collector runs a subscription in the background.
type collector struct {
	mu     sync.Mutex
	events []domain.Event
	err    error
	more   chan struct{} // 1-buffered: something was collected
	done   chan struct{}
	cancel context.CancelFunc
}

func collect(s domain.EventStore, after domain.Position) *collector {
	ctx, cancel := context.WithCancel(context.Background())
	c := &collector{more: make(chan struct{}, 1), done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(c.done)
		for ev, err := range s.Subscribe(ctx, after) {
			c.mu.Lock()
			if err != nil {
				c.err = err
			} else {
				c.events = append(c.events, ev)
			}
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

// waitFor waits until n events are collected, failing t after timeout.
func (c *collector) waitFor(t testing.TB, n int, timeout time.Duration) []domain.Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		got, err := len(c.events), c.err
		c.mu.Unlock()
		if err != nil {
			t.Fatalf("subscription ended after %d events: %v", got, err)
		}
		if got >= n {
			return c.snapshot()
		}
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("subscription yielded %d events within %v, want %d", got, timeout, n)
		}
	}
}

func (c *collector) snapshot() []domain.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]domain.Event(nil), c.events...)
}

// stop cancels the subscription and returns the error it ended with.
func (c *collector) stop(t testing.TB) error {
	t.Helper()
	c.cancel()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("subscription did not end within 10s of its context's end")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// sameEvents fails t unless got is exactly want: same ids, same
// positions, same order.
func sameEvents(t testing.TB, got, want []domain.Event) {
	t.Helper()
	seen := map[domain.EventID]bool{}
	for i, ev := range got {
		if seen[ev.ID] {
			t.Errorf("event %s (position %s) yielded twice", ev.ID, ev.Position)
		}
		seen[ev.ID] = true
		if i > 0 && !got[i-1].Position.Less(ev.Position) {
			t.Errorf("position %s yielded after %s", ev.Position, got[i-1].Position)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("yielded %d events, the log has %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Position != want[i].Position {
			t.Fatalf("event %d: yielded %s at %s, the log has %s at %s", i, got[i].ID, got[i].Position, want[i].ID, want[i].Position)
		}
	}
}

// readAll reads the whole log after 'after'.
func readAll(t testing.TB, s domain.EventStore, after domain.Position) []domain.Event {
	t.Helper()
	var out []domain.Event
	for {
		page, err := s.ReadAll(testCtx(t), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].Position
	}
}

// TestFanOutAcrossProcesses: appends through A reach a subscriber of B,
// which only the broker can wake, exactly as the log has them.
func TestFanOutAcrossProcesses(t *testing.T) {
	a, b, _ := pair(t, time.Minute)
	sub := collect(b, domain.Start)
	// Let B's subscription read the empty log and wait: from then on only
	// wake-ups make it read again.
	time.Sleep(100 * time.Millisecond)

	const writers, perWriter = 8, 25 // 200 events; every 5th append carries 2
	var (
		wg             sync.WaitGroup
		mu             sync.Mutex
		total, appends int
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := fmt.Sprintf("order-%d", w)
			for i := 0; i < perWriter; {
				evs := []domain.EventData{event(stream, i)}
				if i%5 == 4 && i+1 < perWriter {
					evs = append(evs, event(stream, i+1))
				}
				if _, err := a.Append(context.Background(), stream, domain.Any, evs); err != nil {
					t.Errorf("append: %v", err)
					return
				}
				i += len(evs)
				mu.Lock()
				total += len(evs)
				appends++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if total != writers*perWriter {
		t.Fatalf("appended %d events, want %d", total, writers*perWriter)
	}
	got := sub.waitFor(t, total, 30*time.Second) // far below the 1-minute poll
	// Give a duplicate, were there one, the time to show.
	time.Sleep(300 * time.Millisecond)
	got = sub.snapshot()
	if err := sub.stop(t); !errors.Is(err, context.Canceled) {
		t.Errorf("subscription ended with %v, want context.Canceled", err)
	}
	want := readAll(t, b, domain.Start)
	if len(want) != total {
		t.Fatalf("the log has %d events, %d were appended", len(want), total)
	}
	sameEvents(t, got, want)
	if b.Wakeups() == 0 {
		t.Error("B received no broker wake-up")
	}
	if a.Wakeups() != 0 {
		t.Errorf("A counted %d wake-ups of its own appends", a.Wakeups())
	}
	t.Logf("%d events in %d appends by %d goroutines; B woken %d times by the broker", total, appends, writers, b.Wakeups())
}

// TestLateWakeup: wake-ups that arrive while nobody subscribes, or that
// name an old position, do not make a later subscription repeat or skip
// anything: it starts strictly after the position it is given.
func TestLateWakeup(t *testing.T) {
	a, b, subject := pair(t, time.Minute)
	for i := range 10 {
		mustAppend(t, a, "cart-1", event("cart-1", i))
	}

	// A first subscription reads 5 events, and is cancelled.
	first := collect(b, domain.Start)
	seen := first.waitFor(t, 5, 30*time.Second)[:5]
	if err := first.stop(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("first subscription ended with %v, want context.Canceled", err)
	}
	after := seen[4].Position

	// Appends while B has no subscription: their wake-ups reach B late,
	// for nobody. And a stale wake-up naming an old position.
	for i := 10; i < 15; i++ {
		mustAppend(t, a, "cart-1", event("cart-1", i))
	}
	before := b.Wakeups()
	publishRaw(t, subject, seen[1].Position.String())
	waitWakeups(t, b, before+1)

	// A new subscription after the 5th event yields exactly the 10 after.
	second := collect(b, after)
	defer second.stop(t)
	got := second.waitFor(t, 10, 30*time.Second)
	if !after.Less(got[0].Position) {
		t.Fatalf("subscription after %s began at %s", after, got[0].Position)
	}
	sameEvents(t, got, readAll(t, b, after))

	// A stale wake-up while it waits makes it read, not repeat.
	before = b.Wakeups()
	publishRaw(t, subject, seen[0].Position.String())
	waitWakeups(t, b, before+1)
	res := mustAppend(t, a, "cart-2", event("cart-2", 0))
	got = second.waitFor(t, 11, 30*time.Second)
	time.Sleep(200 * time.Millisecond)
	got = second.snapshot()
	if len(got) != 11 || got[10].ID != res.Events[0].ID {
		t.Fatalf("after a stale wake-up and one append: %d events yielded, want 11 ending with the append", len(got))
	}
	sameEvents(t, got, readAll(t, b, after))
}

// publishRaw publishes a wake-up as another process would, through a
// watermill publisher of its own.
func publishRaw(t testing.TB, subject, payload string) {
	t.Helper()
	nc, err := nats.Connect(natsURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	pub, err := wmnats.NewPublisherWithNatsConn(nc, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream:         wmnats.JetStreamConfig{Disabled: true},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := message.NewMessage(watermill.NewUUID(), []byte(payload))
	msg.Metadata.Set(MetadataProcess, "test/"+watermill.NewShortUUID())
	if err := pub.Publish(subject, msg); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

func waitWakeups(t testing.TB, s *Store, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Wakeups() < n {
		if time.Now().After(deadline) {
			t.Fatalf("Wakeups() = %d after 10s, want %d", s.Wakeups(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAppendSurvivesPublishFailure: with A's broker connection closed,
// publishing fails; the append still succeeds, the failure is logged, no
// wake-up reaches B, and B's poll still delivers the event.
func TestAppendSurvivesPublishFailure(t *testing.T) {
	nurl := natsURL(t)
	dburl := migratedDatabase(t)
	subject := testSubject()
	var logs syncBuffer
	a := wrap(t, openPostgres(t, dburl), Config{URL: nurl, Subject: subject, Poll: time.Minute,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	const poll = 500 * time.Millisecond
	b := wrap(t, openPostgres(t, dburl), Config{URL: nurl, Subject: subject, Poll: poll})

	sub := collect(b, domain.Start)
	defer sub.stop(t)
	time.Sleep(100 * time.Millisecond)

	if err := a.pub.Close(); err != nil { // the broker is gone for A's publisher
		t.Fatal(err)
	}
	start := time.Now()
	res, err := a.Append(testCtx(t), "order-1", domain.NoStream, []domain.EventData{event("order-1", 0)})
	if err != nil {
		t.Fatalf("append with a failing publisher: %v", err)
	}
	if n := a.pubFails.Load(); n != 1 {
		t.Errorf("publish failures = %d, want 1 (did the publish fail at all?)", n)
	}
	if !strings.Contains(logs.String(), "publishing a wake-up failed") {
		t.Errorf("publish failure not logged; log: %q", logs.String())
	}
	if stored := readAll(t, b, domain.Start); len(stored) != 1 || stored[0].ID != res.Events[0].ID {
		t.Fatalf("the log has %d events, want the appended one", len(stored))
	}
	got := sub.waitFor(t, 1, 10*time.Second)
	took := time.Since(start)
	if got[0].ID != res.Events[0].ID {
		t.Fatalf("B yielded %s, want %s", got[0].ID, res.Events[0].ID)
	}
	if b.Wakeups() != 0 {
		t.Errorf("B received %d wake-ups though A could not publish", b.Wakeups())
	}
	t.Logf("without a wake-up, B's poll (%v) delivered the event after %v", poll, took.Round(time.Millisecond))
}

// TestCloseEndsSubscriptions: Close ends a waiting subscription with
// ErrClosed, and later calls fail with ErrClosed.
func TestCloseEndsSubscriptions(t *testing.T) {
	nurl := natsURL(t)
	s, err := Wrap(testCtx(t), openPostgres(t, migratedDatabase(t)), Config{URL: nurl, Subject: testSubject(), Logger: quiet, Poll: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	sub := collect(s, domain.Start)
	time.Sleep(100 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-sub.done:
	case <-time.After(10 * time.Second):
		t.Fatal("subscription still running 10s after Close")
	}
	if !errors.Is(sub.err, domain.ErrClosed) {
		t.Errorf("subscription ended with %v, want ErrClosed", sub.err)
	}
	if _, err := s.Append(testCtx(t), "x", domain.Any, []domain.EventData{event("x", 0)}); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// unusedStore is a store no test calls.
type unusedStore struct{ domain.EventStore }

// TestWrapRejectsBadSubject: a subject must be literal; Wrap refuses
// others before connecting.
func TestWrapRejectsBadSubject(t *testing.T) {
	for _, subj := range []string{"nisa.*", "nisa.>", "nisa..x", "nisa x", ".nisa", "nisa."} {
		s, err := Wrap(context.Background(), unusedStore{}, Config{URL: "nats://127.0.0.1:1", Subject: subj})
		if err == nil {
			s.Close()
			t.Errorf("Wrap accepted subject %q", subj)
		} else if !strings.Contains(err.Error(), "literal NATS subject") {
			t.Errorf("subject %q: %v", subj, err)
		}
	}
	for _, subj := range []string{"nisa.appended", "nisa.test.ab12", "x"} {
		if err := validSubject(subj); err != nil {
			t.Error(err)
		}
	}
}

// TestContract runs the event store contract suite against a fanout Store
// around PostgreSQL.
func TestContract(t *testing.T) {
	nurl := natsURL(t)
	eventstoretest.Run(t, func(t *testing.T) domain.EventStore {
		pg, err := postgres.Open(testCtx(t), migratedDatabase(t), postgres.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		s, err := Wrap(testCtx(t), pg, Config{URL: nurl, Subject: testSubject(), Logger: quiet})
		if err != nil {
			pg.Close()
			t.Fatal(err)
		}
		return s
	}, eventstoretest.Features{DensePositions: false, DetectsChangedDuplicates: true, DetectsCrossStreamDuplicates: true})
}

// TestWakeupLatency measures, for sequential appends through A, the time
// from the start of each append until a subscriber of B yields the event:
// through the broker (fanout) and, for comparison, through the PostgreSQL
// store's own LISTEN/NOTIFY subscription on B's store. It asserts only that
// every event arrives well within the 1-minute poll; the numbers are
// logged.
func TestWakeupLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	a, b, _ := pair(t, time.Minute)
	const n = 200
	measure := func(name string, sub domain.EventStore) {
		c := collect(sub, readHead(t, a))
		defer c.stop(t)
		time.Sleep(100 * time.Millisecond)
		var appendLat, e2e []time.Duration
		for i := range n {
			t0 := time.Now()
			mustAppend(t, a, "latency-"+strings.Fields(name)[0], event(name, i))
			appendLat = append(appendLat, time.Since(t0))
			c.waitFor(t, i+1, 10*time.Second)
			e2e = append(e2e, time.Since(t0))
		}
		t.Logf("%-22s append p50 %v p99 %v | append→yield on B p50 %v p99 %v max %v",
			name, pct(appendLat, 50), pct(appendLat, 99), pct(e2e, 50), pct(e2e, 99), pct(e2e, 100))
	}
	measure("fanout (NATS)", b)
	measure("postgres LISTEN/NOTIFY", b.Unwrap())
	if b.Wakeups() < n {
		t.Errorf("B received %d wake-ups for %d appends", b.Wakeups(), n)
	}
}

func readHead(t testing.TB, s domain.EventStore) domain.Position {
	t.Helper()
	p, err := s.Head(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pct returns the p-th percentile of ds (sorted in place).
func pct(ds []time.Duration, p int) time.Duration {
	slices.Sort(ds)
	i := (len(ds)*p+99)/100 - 1
	return ds[max(0, min(i, len(ds)-1))].Round(10 * time.Microsecond)
}

// closeOnlyStore is a store of which only Close is called.
type closeOnlyStore struct{ domain.EventStore }

func (closeOnlyStore) Close() error { return nil }

// TestCloseWhileWakeupsArrive: closing a Store while wake-ups of another
// process pour in neither races with the delivery of a wake-up (run with
// -race) nor logs an error. Before closeBroker drained the subscriber's
// connection, watermill-nats could close its output channel under a
// message callback still sending on it.
func TestCloseWhileWakeupsArrive(t *testing.T) {
	nurl := natsURL(t)
	subject := testSubject()
	nc, err := nats.Connect(nurl)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	stop := make(chan struct{})
	var published sync.WaitGroup
	published.Add(1)
	go func() {
		defer published.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = nc.Publish(subject, []byte("1"))
			time.Sleep(50 * time.Microsecond) // thousands a second, not a flood
		}
	}()
	defer func() { close(stop); published.Wait() }()

	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	woken := uint64(0)
	for range 40 {
		s, err := Wrap(testCtx(t), closeOnlyStore{}, Config{URL: nurl, Subject: subject, Logger: logger, Poll: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		woken += s.Wakeups()
	}
	if woken == 0 {
		t.Fatal("no wake-up arrived: the test did not close under load")
	}
	if logs.String() != "" {
		t.Errorf("closing logged:\n%s", logs.String())
	}
}
