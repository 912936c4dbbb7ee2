package eventstoretest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Features describes what an adapter offers beyond the common contract.
type Features struct {
	// DensePositions: the n-th event of the log has position n (Commit ==
	// Prepare == n). The embedded store numbers events so.
	DensePositions bool
	// DetectsChangedDuplicates: re-appending a stored event id with
	// different content is refused with ErrDuplicateEventID (rather than
	// acknowledged by id alone, as EventStoreDB does).
	DetectsChangedDuplicates bool
	// DetectsCrossStreamDuplicates: appending a stored event id to another
	// stream is refused with ErrDuplicateEventID. EventStoreDB keeps event
	// ids unique per stream only, so it stores such an event again.
	DetectsCrossStreamDuplicates bool
}

// Factory returns a new, empty store. The suite closes it.
type Factory func(t *testing.T) domain.EventStore

// Run runs the whole contract suite against stores made by newStore.
func Run(t *testing.T, newStore Factory, f Features) {
	tests := []struct {
		name string
		fn   func(*testing.T, domain.EventStore, Features)
	}{
		{"AppendAndRead", testAppendAndRead},
		{"ExpectedVersion", testExpectedVersion},
		{"ConcurrentAppendOneWinner", testConcurrentOneWinner},
		{"Idempotency", testIdempotency},
		{"DuplicateIDs", testDuplicateIDs},
		{"Validation", testValidation},
		{"ReadStream", testReadStream},
		{"ReadAll", testReadAll},
		{"SubscribeHistoryThenLive", testSubscribeHistoryThenLive},
		{"SubscribeStopsWithContext", testSubscribeStops},
		{"Stress", testStress},
		{"Close", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s, f)
		})
	}
}

// payload is the body of every event the suite writes.
type payload struct {
	Stream string `json:"stream"`
	Seq    int    `json:"seq"`
	Note   string `json:"note,omitempty"`
}

// newEvents returns n events for stream with distinct ids and bodies.
func newEvents(stream string, n int) []domain.EventData {
	evs := make([]domain.EventData, n)
	for i := range evs {
		data, _ := json.Marshal(payload{Stream: stream, Seq: i, Note: "Görlitz – Zgorzelec ☺"})
		evs[i] = domain.EventData{
			ID:            domain.NewEventID(),
			Type:          "TestHappened",
			SchemaVersion: 1 + i%2,
			Data:          data,
			Actor:         "user:tester",
			CorrelationID: "corr-" + stream,
			CausationID:   fmt.Sprintf("cause-%d", i),
		}
	}
	return evs
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustAppend(t *testing.T, s domain.EventStore, stream string, exp domain.ExpectedVersion, evs []domain.EventData) domain.AppendResult {
	t.Helper()
	res, err := s.Append(ctxT(t), stream, exp, evs)
	if err != nil {
		t.Fatalf("append %d events to %s (expected %s): %v", len(evs), stream, exp, err)
	}
	return res
}

func streamLen(t *testing.T, s domain.EventStore, stream string) int {
	t.Helper()
	evs, err := s.ReadStream(ctxT(t), stream, domain.ReadStreamOptions{})
	if errors.Is(err, domain.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatalf("read stream %s: %v", stream, err)
	}
	return len(evs)
}

func readAllLog(t *testing.T, s domain.EventStore) []domain.Event {
	t.Helper()
	var all []domain.Event
	pos := domain.Start
	for {
		page, err := s.ReadAll(ctxT(t), pos, 250)
		if err != nil {
			t.Fatalf("read all after %s: %v", pos, err)
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		pos = page[len(page)-1].Position
	}
}

func sameEvent(t *testing.T, got domain.Event, want domain.EventData, stream string, version uint64) {
	t.Helper()
	if !got.EventData.SameContent(want) {
		t.Errorf("event %d of %s: content differs:\n got  %+v\n want %+v", version, stream, got.EventData, want)
	}
	if got.StreamID != stream || got.StreamVersion != version {
		t.Errorf("event %s: got stream %q version %d, want %q version %d", want.ID, got.StreamID, got.StreamVersion, stream, version)
	}
}

func testAppendAndRead(t *testing.T, s domain.EventStore, f Features) {
	ctx := ctxT(t)
	head, err := s.Head(ctx)
	if err != nil || !head.IsZero() {
		t.Fatalf("head of empty store = %s, %v; want Start", head, err)
	}
	before := time.Now().Add(-2 * time.Second)
	evs := newEvents("org-1", 3)
	res := mustAppend(t, s, "org-1", domain.NoStream, evs)
	after := time.Now().Add(2 * time.Second)
	if res.Version != 3 || len(res.Events) != 3 {
		t.Fatalf("append result: version %d with %d events, want 3 and 3", res.Version, len(res.Events))
	}
	got, err := s.ReadStream(ctx, "org-1", domain.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("read %d events, want 3", len(got))
	}
	for i, ev := range got {
		sameEvent(t, ev, evs[i], "org-1", uint64(i+1))
		if ev.Position != res.Events[i].Position || ev.StreamVersion != res.Events[i].StreamVersion {
			t.Errorf("event %d: read position %s version %d, append reported %s version %d", i, ev.Position, ev.StreamVersion, res.Events[i].Position, res.Events[i].StreamVersion)
		}
		if i > 0 && !got[i-1].Position.Less(ev.Position) {
			t.Errorf("positions not increasing: %s then %s", got[i-1].Position, ev.Position)
		}
		if ev.RecordedAt.Before(before) || ev.RecordedAt.After(after) || ev.RecordedAt.Location() != time.UTC {
			t.Errorf("recorded at %v: want UTC between %v and %v", ev.RecordedAt, before, after)
		}
		if ev.Position.IsZero() {
			t.Errorf("event %d has the zero position", i)
		}
	}
	if f.DensePositions && got[0].Position != (domain.Position{Commit: 1, Prepare: 1}) {
		t.Errorf("first position = %s, want 1", got[0].Position)
	}
	head, err = s.Head(ctx)
	if err != nil || head != got[2].Position {
		t.Errorf("head = %s, %v; want %s", head, err, got[2].Position)
	}
}

func testExpectedVersion(t *testing.T, s domain.EventStore, _ Features) {
	// Two streams: "absent" has no events, "present" has two.
	type tc struct {
		exp  domain.ExpectedVersion
		ok   bool
		want uint64 // actual version in the ConcurrencyError
	}
	cases := map[string][]tc{
		"absent": {
			{domain.Any, true, 0}, {domain.NoStream, true, 0}, {domain.Exact(0), true, 0},
			{domain.StreamExists, false, 0}, {domain.Exact(1), false, 0}, {domain.Exact(2), false, 0},
		},
		"present": {
			{domain.Any, true, 2}, {domain.StreamExists, true, 2}, {domain.Exact(2), true, 2},
			{domain.NoStream, false, 2}, {domain.Exact(1), false, 2}, {domain.Exact(3), false, 2},
		},
	}
	n := 0
	for kind, list := range cases {
		for _, c := range list {
			n++
			stream := fmt.Sprintf("ev-%s-%d", kind, n)
			if kind == "present" {
				mustAppend(t, s, stream, domain.NoStream, newEvents(stream, 2))
			}
			before := streamLen(t, s, stream)
			res, err := s.Append(ctxT(t), stream, c.exp, newEvents(stream, 2))
			if c.ok {
				if err != nil {
					t.Errorf("%s stream, expected %s: %v", kind, c.exp, err)
				} else if res.Version != uint64(before+2) {
					t.Errorf("%s stream, expected %s: version %d, want %d", kind, c.exp, res.Version, before+2)
				}
				continue
			}
			var ce *domain.ConcurrencyError
			if !errors.Is(err, domain.ErrConcurrency) || !errors.As(err, &ce) {
				t.Errorf("%s stream, expected %s: err = %v, want a *ConcurrencyError", kind, c.exp, err)
				continue
			}
			if ce.Actual != c.want || ce.StreamID != stream {
				t.Errorf("%s stream, expected %s: error says stream %q at %d, want %q at %d", kind, c.exp, ce.StreamID, ce.Actual, stream, c.want)
			}
			if after := streamLen(t, s, stream); after != before {
				t.Errorf("%s stream, expected %s: failed append changed the stream from %d to %d events", kind, c.exp, before, after)
			}
		}
	}
}

func testConcurrentOneWinner(t *testing.T, s domain.EventStore, _ Features) {
	for _, setup := range []struct {
		name    string
		initial int
		exp     domain.ExpectedVersion
	}{
		{"exact", 1, domain.Exact(1)},
		{"no-stream", 0, domain.NoStream},
	} {
		t.Run(setup.name, func(t *testing.T) {
			stream := "race-" + setup.name
			if setup.initial > 0 {
				mustAppend(t, s, stream, domain.NoStream, newEvents(stream, setup.initial))
			}
			const racers = 20
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, racers)
			for i := range racers {
				wg.Go(func() {
					<-start
					_, errs[i] = s.Append(ctxT(t), stream, setup.exp, newEvents(stream, 3))
				})
			}
			close(start)
			wg.Wait()
			wins := 0
			for i, err := range errs {
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, domain.ErrConcurrency):
					t.Errorf("racer %d: %v, want success or ErrConcurrency", i, err)
				}
			}
			if wins != 1 {
				t.Errorf("%d of %d racers won, want exactly 1", wins, racers)
			}
			if got := streamLen(t, s, stream); got != setup.initial+3 {
				t.Errorf("stream has %d events, want %d", got, setup.initial+3)
			}
		})
	}
}

func testIdempotency(t *testing.T, s domain.EventStore, _ Features) {
	for _, mode := range []struct {
		name    string
		initial int
		exp     domain.ExpectedVersion
	}{
		{"any", 0, domain.Any},
		{"any-existing", 2, domain.Any},
		{"no-stream", 0, domain.NoStream},
		{"stream-exists", 1, domain.StreamExists},
		{"exact", 2, domain.Exact(2)},
	} {
		t.Run(mode.name, func(t *testing.T) {
			stream := "idem-" + mode.name
			if mode.initial > 0 {
				mustAppend(t, s, stream, domain.NoStream, newEvents(stream, mode.initial))
			}
			evs := newEvents(stream, 3)
			first := mustAppend(t, s, stream, mode.exp, evs)
			// The retry comes after the stream moved on: the expected
			// version no longer holds, yet the retry is acknowledged.
			for range 2 {
				again, err := s.Append(ctxT(t), stream, mode.exp, evs)
				if err != nil {
					t.Fatalf("retried append: %v", err)
				}
				if again.Version != first.Version || len(again.Events) != 3 {
					t.Fatalf("retry returned version %d with %d events, want %d and 3", again.Version, len(again.Events), first.Version)
				}
				for i := range again.Events {
					if again.Events[i].Position != first.Events[i].Position || again.Events[i].StreamVersion != first.Events[i].StreamVersion {
						t.Errorf("retry event %d at %s v%d, original at %s v%d", i, again.Events[i].Position, again.Events[i].StreamVersion, first.Events[i].Position, first.Events[i].StreamVersion)
					}
				}
			}
			if got := streamLen(t, s, stream); got != mode.initial+3 {
				t.Errorf("stream has %d events after retries, want %d", got, mode.initial+3)
			}
		})
	}
	t.Run("concurrent-retries", func(t *testing.T) {
		stream := "idem-concurrent"
		evs := newEvents(stream, 2)
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Go(func() { _, errs[i] = s.Append(ctxT(t), stream, domain.NoStream, evs) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("concurrent retry %d: %v", i, err)
			}
		}
		if got := streamLen(t, s, stream); got != 2 {
			t.Errorf("stream has %d events, want 2", got)
		}
	})
}

func testDuplicateIDs(t *testing.T, s domain.EventStore, f Features) {
	evs := newEvents("dup-a", 2)
	mustAppend(t, s, "dup-a", domain.NoStream, evs)
	changed := evs[0]
	changed.Data = json.RawMessage(`{"changed":true}`)
	fresh := newEvents("dup-a", 1)[0]
	cases := []struct {
		name   string
		stream string
		evs    []domain.EventData
		skip   bool
	}{
		{"same id, other stream", "dup-b", evs, !f.DetectsCrossStreamDuplicates},
		{"same id, different content", "dup-a", []domain.EventData{changed, evs[1]}, !f.DetectsChangedDuplicates},
		{"stored id plus a new one", "dup-a", []domain.EventData{evs[1], fresh}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.skip {
				t.Skip("not offered by this adapter (see its Features)")
			}
			beforeA, beforeB := streamLen(t, s, "dup-a"), streamLen(t, s, "dup-b")
			_, err := s.Append(ctxT(t), c.stream, domain.Any, c.evs)
			if !errors.Is(err, domain.ErrDuplicateEventID) {
				t.Fatalf("err = %v, want ErrDuplicateEventID", err)
			}
			if a, b := streamLen(t, s, "dup-a"), streamLen(t, s, "dup-b"); a != beforeA || b != beforeB {
				t.Errorf("refused append changed the streams: dup-a %d→%d, dup-b %d→%d", beforeA, a, beforeB, b)
			}
		})
	}
}

func testValidation(t *testing.T, s domain.EventStore, _ Features) {
	good := newEvents("val", 1)[0]
	mod := func(fn func(*domain.EventData)) []domain.EventData {
		e := good
		fn(&e)
		return []domain.EventData{e}
	}
	cases := []struct {
		name   string
		stream string
		evs    []domain.EventData
	}{
		{"empty stream id", "", []domain.EventData{good}},
		{"system stream id", "$all", []domain.EventData{good}},
		{"no events", "val", nil},
		{"zero event id", "val", mod(func(e *domain.EventData) { e.ID = domain.EventID{} })},
		{"no type", "val", mod(func(e *domain.EventData) { e.Type = "" })},
		{"schema version 0", "val", mod(func(e *domain.EventData) { e.SchemaVersion = 0 })},
		{"data not JSON", "val", mod(func(e *domain.EventData) { e.Data = json.RawMessage("{nope") })},
		{"same id twice", "val", []domain.EventData{good, good}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Append(ctxT(t), c.stream, domain.Any, c.evs)
			var ve *domain.ValidationError
			if !errors.Is(err, domain.ErrInvalid) || !errors.As(err, &ve) || ve.Field == "" {
				t.Fatalf("err = %v, want a *ValidationError naming the field", err)
			}
		})
	}
	if n := len(readAllLog(t, s)); n != 0 {
		t.Errorf("invalid appends stored %d events", n)
	}
}

func testReadStream(t *testing.T, s domain.EventStore, _ Features) {
	ctx := ctxT(t)
	evs := newEvents("rs", 10)
	mustAppend(t, s, "rs", domain.NoStream, evs[:4])
	mustAppend(t, s, "other", domain.NoStream, newEvents("other", 3))
	mustAppend(t, s, "rs", domain.Exact(4), evs[4:])
	versions := func(list []domain.Event) []uint64 {
		out := make([]uint64, len(list))
		for i, e := range list {
			out[i] = e.StreamVersion
		}
		return out
	}
	cases := []struct {
		name string
		opts domain.ReadStreamOptions
		want []uint64
	}{
		{"all forwards", domain.ReadStreamOptions{}, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"forwards from 7", domain.ReadStreamOptions{From: 7}, []uint64{7, 8, 9, 10}},
		{"forwards from 3, limit 2", domain.ReadStreamOptions{From: 3, Limit: 2}, []uint64{3, 4}},
		{"forwards past the end", domain.ReadStreamOptions{From: 11}, []uint64{}},
		{"backwards from the end", domain.ReadStreamOptions{Direction: domain.Backwards, From: domain.StreamEnd, Limit: 3}, []uint64{10, 9, 8}},
		{"backwards from 4", domain.ReadStreamOptions{Direction: domain.Backwards, From: 4}, []uint64{4, 3, 2, 1}},
		{"backwards from 2, limit 5", domain.ReadStreamOptions{Direction: domain.Backwards, From: 2, Limit: 5}, []uint64{2, 1}},
	}
	for _, c := range cases {
		got, err := s.ReadStream(ctx, "rs", c.opts)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if fmt.Sprint(versions(got)) != fmt.Sprint(c.want) {
			t.Errorf("%s: versions %v, want %v", c.name, versions(got), c.want)
		}
		for _, ev := range got {
			sameEvent(t, ev, evs[ev.StreamVersion-1], "rs", ev.StreamVersion)
		}
	}
	if _, err := s.ReadStream(ctx, "never-written", domain.ReadStreamOptions{}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("reading a stream without events: err = %v, want ErrNotFound", err)
	}
}

func testReadAll(t *testing.T, s domain.EventStore, f Features) {
	ctx := ctxT(t)
	var want []domain.EventID
	for i := range 7 {
		stream := fmt.Sprintf("ra-%d", i%3)
		evs := newEvents(stream, 1+i%4)
		mustAppend(t, s, stream, domain.Any, evs)
		for _, e := range evs {
			want = append(want, e.ID)
		}
	}
	all := readAllLog(t, s)
	if len(all) != len(want) {
		t.Fatalf("global log has %d events, want %d", len(all), len(want))
	}
	for i, ev := range all {
		if ev.ID != want[i] {
			t.Errorf("log[%d] = %s, want %s (append order)", i, ev.ID, want[i])
		}
		if i > 0 && !all[i-1].Position.Less(ev.Position) {
			t.Errorf("log[%d] position %s not after %s", i, ev.Position, all[i-1].Position)
		}
		if f.DensePositions && ev.Position != (domain.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}) {
			t.Errorf("log[%d] position %s, want %d", i, ev.Position, i+1)
		}
	}
	// Reading from a middle position returns exactly the rest.
	mid := all[5].Position
	rest, err := s.ReadAll(ctx, mid, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != len(all)-6 || rest[0].ID != all[6].ID {
		t.Errorf("read after %s: %d events starting %v, want %d starting %s", mid, len(rest), rest[:min(1, len(rest))], len(all)-6, all[6].ID)
	}
	end, err := s.ReadAll(ctx, all[len(all)-1].Position, 10)
	if err != nil || len(end) != 0 {
		t.Errorf("read after the last event: %d events, %v; want none", len(end), err)
	}
}

// collect ranges over a subscription until n events arrived or ctx ends.
func collect(ctx context.Context, s domain.EventStore, after domain.Position, n int) ([]domain.Event, error) {
	var got []domain.Event
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for ev, err := range s.Subscribe(ctx, after) {
		if err != nil {
			return got, err
		}
		got = append(got, ev)
		if len(got) == n {
			return got, nil
		}
	}
	return got, errors.New("subscription ended without an error")
}

func testSubscribeHistoryThenLive(t *testing.T, s domain.EventStore, _ Features) {
	ctx := ctxT(t)
	hist := newEvents("sub", 10)
	mustAppend(t, s, "sub", domain.NoStream, hist)
	live := newEvents("sub", 10)
	type result struct {
		evs []domain.Event
		err error
	}
	done := make(chan result, 1)
	go func() {
		evs, err := collect(ctx, s, domain.Start, 20)
		done <- result{evs, err}
	}()
	// Append live events one by one while the subscriber is reading.
	for i := range live {
		mustAppend(t, s, "sub", domain.Exact(uint64(10+i)), live[i:i+1])
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("subscription: %v after %d events", r.err, len(r.evs))
	}
	wantAll := append(hist, live...)
	for i, ev := range r.evs {
		sameEvent(t, ev, wantAll[i], "sub", uint64(i+1))
	}
	// A subscription from a middle position starts right after it.
	from := r.evs[14].Position
	rest, err := collect(ctx, s, from, 5)
	if err != nil {
		t.Fatal(err)
	}
	if rest[0].StreamVersion != 16 || rest[4].StreamVersion != 20 {
		t.Errorf("subscription after %s started at version %d, want 16", from, rest[0].StreamVersion)
	}
}

func testSubscribeStops(t *testing.T, s domain.EventStore, _ Features) {
	mustAppend(t, s, "stop", domain.NoStream, newEvents("stop", 2))
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	n := 0
	var last error
	for ev, err := range s.Subscribe(ctx, domain.Start) {
		if err != nil {
			last = err
			break
		}
		_ = ev
		if n++; n == 2 {
			cancel() // the subscription is now waiting for live events
		}
	}
	if n != 2 || !errors.Is(last, context.Canceled) {
		t.Errorf("after cancel: %d events and err %v; want 2 and context.Canceled", n, last)
	}
}

func testStress(t *testing.T, s domain.EventStore, _ Features) {
	const (
		writers   = 16
		perWriter = 500
		streams   = 50
		total     = writers * perWriter
	)
	ctx := ctxT(t)
	type result struct {
		evs []domain.Event
		err error
	}
	results := make(chan result, 2)
	ready := make(chan struct{}, 2)
	for range 2 {
		go func() {
			sctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var got []domain.Event
			ready <- struct{}{}
			for ev, err := range s.Subscribe(sctx, domain.Start) {
				if err != nil {
					results <- result{got, err}
					return
				}
				got = append(got, ev)
				if len(got) == total {
					break
				}
			}
			results <- result{got, nil}
		}()
	}
	<-ready
	<-ready
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for left := perWriter; left > 0; {
				n := min(left, 1+rng.IntN(5))
				stream := fmt.Sprintf("stress-%d", rng.IntN(streams))
				if _, err := s.Append(ctx, stream, domain.Any, newEvents(stream, n)); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				left -= n
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range 2 {
		r := <-results
		if r.err != nil {
			t.Fatalf("subscriber %d: %v after %d events", i, r.err, len(r.evs))
		}
		checkLog(t, fmt.Sprintf("subscriber %d", i), r.evs, total)
	}
	checkLog(t, "read all", readAllLog(t, s), total)
}

// checkLog asserts that evs are total distinct events in strictly increasing
// position with contiguous versions per stream.
func checkLog(t *testing.T, who string, evs []domain.Event, total int) {
	t.Helper()
	if len(evs) != total {
		t.Errorf("%s saw %d events, want %d", who, len(evs), total)
	}
	seen := make(map[domain.EventID]bool, len(evs))
	next := map[string]uint64{}
	for i, ev := range evs {
		if seen[ev.ID] {
			t.Errorf("%s saw %s twice", who, ev.ID)
			return
		}
		seen[ev.ID] = true
		if i > 0 && !evs[i-1].Position.Less(ev.Position) {
			t.Errorf("%s: position %s after %s", who, ev.Position, evs[i-1].Position)
			return
		}
		if want := next[ev.StreamID] + 1; ev.StreamVersion != want {
			t.Errorf("%s: stream %s version %d after %d", who, ev.StreamID, ev.StreamVersion, want-1)
			return
		}
		next[ev.StreamID] = ev.StreamVersion
	}
}

func testClose(t *testing.T, s domain.EventStore, _ Features) {
	mustAppend(t, s, "close", domain.NoStream, newEvents("close", 1))
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	ctx := ctxT(t)
	if _, err := s.Append(ctx, "close", domain.Any, newEvents("close", 1)); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("append after close: %v, want ErrClosed", err)
	}
	if _, err := s.ReadAll(ctx, domain.Start, 10); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("read after close: %v, want ErrClosed", err)
	}
	for _, err := range s.Subscribe(ctx, domain.Start) {
		if !errors.Is(err, domain.ErrClosed) {
			t.Errorf("subscribe after close: %v, want ErrClosed", err)
		}
		break
	}
}
