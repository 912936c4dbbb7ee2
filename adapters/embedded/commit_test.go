package embedded

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nisa-eu/nisa/domain"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func events(n int) []domain.EventData {
	evs := make([]domain.EventData, n)
	for i := range evs {
		evs[i] = domain.EventData{ID: domain.NewEventID(), Type: "Tested", SchemaVersion: 1, Data: []byte(fmt.Sprintf(`{"i":%d}`, i)), Actor: "test"}
	}
	return evs
}

func req(stream string, exp domain.ExpectedVersion, evs []domain.EventData) *request {
	return &request{streamID: stream, expected: exp, events: evs, done: make(chan struct{})}
}

// TestGroupCommit checks that concurrent appends share commits. A slow disk
// is simulated so that the result does not depend on the fsync speed of the
// test machine; one commit per append would give 320 commits.
func TestGroupCommit(t *testing.T) {
	s := openTest(t, t.TempDir())
	var commits, requests atomic.Int64
	s.onCommit = func(n int) {
		commits.Add(1)
		requests.Add(int64(n))
		time.Sleep(2 * time.Millisecond)
	}
	const writers, each = 32, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range each {
				if _, err := s.Append(t.Context(), fmt.Sprintf("gc-%d", w), domain.Any, events(1)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if requests.Load() != writers*each {
		t.Fatalf("commits carried %d requests, want %d", requests.Load(), writers*each)
	}
	if c := commits.Load(); c > writers*each/4 {
		t.Errorf("%d appends took %d commits: not grouped", writers*each, c)
	} else {
		t.Logf("%d appends in %d commits", writers*each, c)
	}
	if head, _ := s.Head(t.Context()); head.Commit != writers*each {
		t.Errorf("head = %s, want %d", head, writers*each)
	}
}

// TestBatchSemantics runs hand-built batches through commit: requests are
// decided in order, see the writes of earlier ones and fail alone.
func TestBatchSemantics(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := t.Context()
	a, other := events(2), events(1)
	changed := a[0]
	changed.Data = []byte(`{"changed":true}`)
	fresh := events(1)[0]

	batch := []*request{
		0: req("a", domain.NoStream, a),
		1: req("a", domain.NoStream, a),                            // retry of 0 in the same batch
		2: req("a", domain.NoStream, events(1)),                    // sees version 2
		3: req("b", domain.Any, []domain.EventData{fresh, a[1]}),   // a[1] is in stream a
		4: req("a", domain.Any, []domain.EventData{changed, a[1]}), // changed content
		5: req("b", domain.NoStream, other),                        // unaffected by 3
		6: req("a", domain.Exact(2), events(2)),                    // sees 0's write
		7: req("a", domain.Exact(2), events(1)),                    // 6 moved the stream on
	}
	s.commit(batch)
	for i, r := range batch {
		select {
		case <-r.done:
		default:
			t.Fatalf("request %d not answered", i)
		}
	}
	wantErr := map[int]error{2: domain.ErrConcurrency, 3: domain.ErrDuplicateEventID, 4: domain.ErrDuplicateEventID, 7: domain.ErrConcurrency}
	for i, r := range batch {
		if want := wantErr[i]; !errors.Is(r.err, want) || (want == nil) != (r.err == nil) {
			t.Errorf("request %d: err = %v, want %v", i, r.err, want)
		}
	}
	if !reflect.DeepEqual(batch[1].res, batch[0].res) {
		t.Errorf("retry in the same batch got %+v, want the original %+v", batch[1].res, batch[0].res)
	}
	var ce *domain.ConcurrencyError
	if errors.As(batch[2].err, &ce) && ce.Actual != 2 {
		t.Errorf("request 2: actual version %d, want 2", ce.Actual)
	}
	if errors.As(batch[7].err, &ce) && ce.Actual != 4 {
		t.Errorf("request 7: actual version %d, want 4", ce.Actual)
	}
	// Positions stay dense: failed requests took none.
	if p := batch[5].res.Events[0].Position; p.Commit != 3 {
		t.Errorf("request 5 at position %s, want 3", p)
	}
	if r := batch[6].res; r.Version != 4 || r.Events[0].Position.Commit != 4 || r.Events[1].Position.Commit != 5 {
		t.Errorf("request 6: %+v, want version 4 at positions 4 and 5", r)
	}
	if head, _ := s.Head(ctx); head.Commit != 5 {
		t.Errorf("head = %s, want 5", head)
	}
	// The refused request 3 stored nothing: its new event id is still free.
	if _, err := s.Append(ctx, "c", domain.NoStream, []domain.EventData{fresh}); err != nil {
		t.Errorf("append of the id refused in request 3: %v", err)
	}
	got, err := s.ReadStream(ctx, "a", domain.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || !reflect.DeepEqual(got[:2], batch[0].res.Events) {
		t.Errorf("stream a = %+v, want request 0's events then request 6's", got)
	}
}

// TestBatchOfFailuresSkipsCommit: a batch in which every request fails
// writes nothing and does not commit.
func TestBatchOfFailuresSkipsCommit(t *testing.T) {
	s := openTest(t, t.TempDir())
	var commits atomic.Int64
	s.onCommit = func(int) { commits.Add(1) }
	if _, err := s.Append(t.Context(), "x", domain.NoStream, events(1)); err != nil {
		t.Fatal(err)
	}
	batch := []*request{req("x", domain.NoStream, events(1)), req("y", domain.StreamExists, events(1))}
	s.commit(batch)
	for i, r := range batch {
		if !errors.Is(r.err, domain.ErrConcurrency) {
			t.Errorf("request %d: %v, want ErrConcurrency", i, r.err)
		}
	}
	if n := commits.Load(); n != 1 {
		t.Errorf("%d commits, want 1 (only the first append)", n)
	}
}

// block makes the committer wait inside its next commit until release is
// called. It returns a channel that is closed once the committer waits.
func block(s *Store) (waiting <-chan struct{}, release func()) {
	w, r := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.onCommit = func(int) {
		once.Do(func() {
			close(w)
			<-r
		})
	}
	return w, sync.OnceFunc(func() { close(r) })
}

func TestAppendContextBeforeTaken(t *testing.T) {
	s := openTest(t, t.TempDir())
	waiting, release := block(s)
	defer release()
	first := make(chan error, 1)
	go func() {
		_, err := s.Append(t.Context(), "s", domain.Any, events(1))
		first <- err
	}()
	<-waiting
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Append(ctx, "s", domain.Any, events(1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("append while the committer is busy: %v, want DeadlineExceeded", err)
	}
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if head, _ := s.Head(t.Context()); head.Commit != 1 {
		t.Errorf("head = %s: the timed-out append was written", head)
	}
}

func TestClose(t *testing.T) {
	s := openTest(t, t.TempDir())
	waiting, release := block(s)
	defer release()
	taken := make(chan error, 1)
	go func() {
		_, err := s.Append(t.Context(), "s", domain.Any, events(1))
		taken <- err
	}()
	<-waiting
	queued := make(chan error, 1)
	go func() {
		_, err := s.Append(t.Context(), "s", domain.Any, events(1))
		queued <- err
	}()
	closed := make(chan error, 1)
	time.Sleep(10 * time.Millisecond) // let the second append queue up
	go func() { closed <- s.Close() }()
	if err := <-queued; !errors.Is(err, domain.ErrClosed) {
		t.Errorf("queued append: %v, want ErrClosed", err)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the commit in progress finished", err)
	case <-time.After(10 * time.Millisecond):
	}
	release()
	if err := <-taken; err != nil {
		t.Errorf("append taken before Close: %v, want success", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := s.ReadStream(ctx, "s", domain.ReadStreamOptions{}); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("ReadStream after Close: %v", err)
	}
	if _, err := s.Head(ctx); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("Head after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCloseWakesSubscribers(t *testing.T) {
	s, err := Open(t.TempDir(), Options{Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		for _, err := range s.Subscribe(t.Context(), domain.Start) {
			got <- err
			return
		}
	}()
	time.Sleep(20 * time.Millisecond) // let it wait for events
	s.Close()
	select {
	case err := <-got:
		if !errors.Is(err, domain.ErrClosed) {
			t.Errorf("subscription: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("subscription not woken by Close")
	}
}

// TestSubscribeWakesOnCommit: with polling effectively off, only the
// commit's notification can deliver a live event.
func TestSubscribeWakesOnCommit(t *testing.T) {
	s, err := Open(t.TempDir(), Options{Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := make(chan domain.Event, 1)
	go func() {
		for ev, err := range s.Subscribe(t.Context(), domain.Start) {
			if err == nil {
				got <- ev
			}
			return
		}
	}()
	time.Sleep(20 * time.Millisecond)
	res, err := s.Append(t.Context(), "live", domain.NoStream, events(1))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-got:
		if ev.ID != res.Events[0].ID {
			t.Errorf("got %s, want %s", ev.ID, res.Events[0].ID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("live event not delivered: subscribers are not notified on commit")
	}
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	first, err := s.Append(ctx, "r", domain.NoStream, events(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	got, err := s.ReadStream(ctx, "r", domain.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, first.Events) {
		t.Fatalf("after reopen:\n got %+v\nwant %+v", got, first.Events)
	}
	next, err := s.Append(ctx, "r", domain.Exact(3), events(1))
	if err != nil {
		t.Fatal(err)
	}
	if e := next.Events[0]; e.StreamVersion != 4 || e.Position.Commit != 4 {
		t.Errorf("append after reopen at v%d position %s, want v4 at 4", e.StreamVersion, e.Position)
	}
	// An id stored before the reopen is still known.
	retry := make([]domain.EventData, len(first.Events))
	for i, e := range first.Events {
		retry[i] = e.EventData
	}
	if res, err := s.Append(ctx, "r", domain.NoStream, retry); err != nil || res.Version != 3 {
		t.Errorf("retry after reopen: %+v, %v; want the original version 3", res, err)
	}
}

func TestOpenInUse(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir)
	start := time.Now()
	s, err := Open(dir, Options{})
	if err == nil {
		s.Close()
		t.Fatal("second Open of the same directory succeeded")
	}
	if want := "data directory " + dir + " is in use by another nisa process"; !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to say %q", err, want)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v to fail", d)
	}
}

func TestOpenRejectsUnknownFormat(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	path := s.Path()
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyFormat, []byte{storageFormat + 1}) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "storage format") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a file in format %d: %v, want a storage format error", storageFormat+1, err)
	}
}

func BenchmarkReadAll(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const total = 100_000
	for i := range total / domain.MaxEventsPerAppend {
		if _, err := s.Append(ctx, fmt.Sprintf("bench-%d", i), domain.Any, events(domain.MaxEventsPerAppend)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for pos := domain.Start; ; {
			page, err := s.ReadAll(ctx, pos, 1000)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			n += len(page)
			pos = page[len(page)-1].Position
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkAppendParallel(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var commits atomic.Int64
	s.onCommit = func(int) { commits.Add(1) }
	b.SetParallelism(16) // 32 writers on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		stream := domain.NewEventID().String()
		for pb.Next() {
			if _, err := s.Append(context.Background(), stream, domain.Any, events(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	b.ReportMetric(float64(b.N)/float64(max(commits.Load(), 1)), "appends/commit")
}

// TestStreamVersionNeighbours: a stream's version is read from the last
// stream_events key of its range; the keys of streams whose ids extend it or
// sort next to it must not be mistaken for its own.
func TestStreamVersionNeighbours(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := t.Context()
	// "a" < "a!" < "a-b" < "aa" < "b"; "~" sorts after every other id here.
	want := map[string]int{"a": 3, "a!": 2, "a-b": 1, "aa": 4, "b": 1, "~": 2}
	for _, id := range []string{"~", "aa", "a-b", "a", "b", "a!"} { // not in key order
		for v := range want[id] {
			if _, err := s.Append(ctx, id, domain.Exact(uint64(v)), events(1)); err != nil {
				t.Fatalf("append %d to %q: %v", v+1, id, err)
			}
		}
	}
	for id, n := range want {
		got, err := s.ReadStream(ctx, id, domain.ReadStreamOptions{})
		if err != nil || len(got) != n {
			t.Errorf("stream %q: %d events, %v; want %d", id, len(got), err, n)
		}
		if _, err := s.Append(ctx, id, domain.Exact(uint64(n)), events(1)); err != nil {
			t.Errorf("append at version %d to %q: %v", n, id, err)
		}
	}
	for _, id := range []string{"!", "a-", "a-a", "ab", "c", "~~"} {
		if _, err := s.ReadStream(ctx, id, domain.ReadStreamOptions{}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("stream %q: %v, want ErrNotFound", id, err)
		}
		if _, err := s.Append(ctx, id, domain.StreamExists, events(1)); !errors.Is(err, domain.ErrConcurrency) {
			t.Errorf("append to missing stream %q with StreamExists: %v, want ErrConcurrency", id, err)
		}
	}
}

func TestArena(t *testing.T) {
	var a arena
	var got [][]byte
	for i := range 5000 { // forces several new buffers
		b := a.alloc(1 + i%50)
		if len(b) != 1+i%50 || cap(b) != len(b) {
			t.Fatalf("alloc(%d): len %d cap %d", 1+i%50, len(b), cap(b))
		}
		for j := range b {
			b[j] = byte(i)
		}
		got = append(got, b)
	}
	for i, b := range got {
		for _, c := range b {
			if c != byte(i) {
				t.Fatalf("slice %d was overwritten", i)
			}
		}
	}
	kept := cap(a.buf)
	a.reset()
	if len(a.buf) != 0 || cap(a.buf) != kept {
		t.Errorf("reset: len %d cap %d, want 0 and %d", len(a.buf), cap(a.buf), kept)
	}
	a.alloc(maxArena + 1)
	if a.reset(); cap(a.buf) != 0 {
		t.Errorf("reset kept a buffer of %d bytes", cap(a.buf))
	}
}

// gatherStore is a Store without a committer, for driving a gatherer.
func gatherStore() *Store {
	return &Store{opts: Options{MaxBatch: 100}, reqs: make(chan *request), quit: make(chan struct{})}
}

// offer sends n requests the way Append does, each after release is closed.
func offer(s *Store, n int, release <-chan struct{}) {
	for range n {
		s.queued.Add(1)
		go func() {
			<-release
			s.reqs <- req("s", domain.Any, nil)
		}()
	}
}

// TestGatherWaitsForReturningWriters: after a commit that answered many
// requests, the committer waits for most of them to come back.
func TestGatherWaitsForReturningWriters(t *testing.T) {
	s := gatherStore()
	g := newGatherer(s)
	g.gap, g.max, g.expect, g.lastCommit, g.ended = time.Minute, time.Minute, 10, time.Hour, time.Now() // only the target ends the wait
	release := make(chan struct{})
	offer(s, 9, release)
	go func() {
		time.Sleep(5 * time.Millisecond) // stragglers
		close(release)
	}()
	g.misses = 3
	batch := g.gather([]*request{req("s", domain.Any, nil)})
	if len(batch) < 9 {
		t.Fatalf("gathered %d requests, want at least 9 of the 10 expected", len(batch))
	}
	if g.misses != 0 {
		t.Errorf("misses = %d after a wait that reached its target, want 0", g.misses)
	}
	if n := s.queued.Load(); n != int64(10-len(batch)) {
		t.Errorf("queued = %d after taking %d of 10", n, len(batch))
	}
}

// TestGatherBounds: the wait ends when requests stop coming, when half the
// last commit's duration has passed, and does not start for a lone writer
// or after a pause.
func TestGatherBounds(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		expect               int
		gap, max, lastCommit time.Duration
		pause                time.Duration // since the last commit ended
		atLeast, atMost      time.Duration
	}{
		{"lone writer", 1, time.Minute, time.Minute, time.Hour, 0, 0, time.Second},
		{"after a pause", 10, time.Minute, time.Minute, time.Second, 2 * time.Second, 0, time.Second},
		{"no gap over", 10, 20 * time.Millisecond, time.Minute, time.Hour, 0, 20 * time.Millisecond, 30 * time.Second},
		{"half the last commit", 10, time.Minute, time.Minute, 40 * time.Millisecond, 0, 20 * time.Millisecond, 30 * time.Second},
		{"at most max", 10, time.Minute, 20 * time.Millisecond, time.Hour, 0, 20 * time.Millisecond, 30 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := gatherStore()
			g := newGatherer(s)
			g.gap, g.max, g.expect, g.lastCommit = tt.gap, tt.max, tt.expect, tt.lastCommit
			g.ended = time.Now().Add(-tt.pause)
			start := time.Now()
			batch := g.gather([]*request{req("s", domain.Any, nil)})
			if d := time.Since(start); d < tt.atLeast || d > tt.atMost {
				t.Errorf("gather took %v, want %v..%v", d, tt.atLeast, tt.atMost)
			}
			if len(batch) != 1 {
				t.Errorf("gathered %d requests, want 1", len(batch))
			}
		})
	}
	t.Run("backoff after a miss", func(t *testing.T) {
		s := gatherStore()
		g := newGatherer(s)
		g.gap, g.max, g.expect, g.lastCommit = 10*time.Millisecond, time.Minute, 10, time.Hour
		waited := func() bool {
			g.ended = time.Now()
			start := time.Now()
			g.gather([]*request{req("s", domain.Any, nil)})
			return time.Since(start) >= 10*time.Millisecond
		}
		var got []bool
		for range 6 {
			got = append(got, waited())
		}
		// A miss, one commit skipped, a miss, three skipped.
		if want := []bool{true, false, true, false, false, false}; !reflect.DeepEqual(got, want) {
			t.Errorf("waited %v, want %v", got, want)
		}
	})
	t.Run("close", func(t *testing.T) {
		s := gatherStore()
		g := newGatherer(s)
		g.gap, g.max, g.expect, g.lastCommit, g.ended = time.Minute, time.Minute, 10, time.Hour, time.Now()
		time.AfterFunc(10*time.Millisecond, func() { close(s.quit) })
		if batch := g.gather([]*request{req("s", domain.Any, nil)}); len(batch) != 1 {
			t.Errorf("gathered %d requests, want the one taken", len(batch))
		}
	})
}

// TestOpenRejectsFormat1 opens a file of the first layout, which kept stream
// versions in a "streams" bucket.
func TestOpenRejectsFormat1(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "events.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "events", "ids", "streams", "stream_events"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyFormat, []byte{1})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open of a format 1 file succeeded")
	}
	if want := "storage format 1 is not supported (this build reads format 2"; !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to say %q", err, want)
	}
}
