package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nisa-eu/nisa/adapters/tail"
	"github.com/nisa-eu/nisa/domain"
)

// storageFormat is the layout of the bolt file (buckets and keys), kept in
// the meta bucket. It is independent of recordVersion.
const storageFormat = 2

// defaultReadAllLimit is the page size of ReadAll when the caller gives none.
const defaultReadAllLimit = 1000

// lockTimeout is how long Open waits for another process to release the file.
const lockTimeout = time.Second

// pageSize is the bolt page size of a new file (an existing file keeps its
// own). Half the usual 4 KiB: an append dirties a leaf of the stream index
// at a random place, and a smaller page is less to decode, re-encode and
// write back. It measured faster than 1, 4 and 8 KiB (see doc.go).
const pageSize = 2048

// The committer's wait for more requests; see gatherer.
const (
	waitMax      = 500 * time.Microsecond // longest wait before a commit
	waitGap      = 50 * time.Microsecond  // the wait ends when no request comes for this long
	waitFraction = 90                     // percent of the expected requests worth waiting for
	maxMisses    = 6                      // after a wait in vain, the next 2^misses-1 commits do not wait
)

var (
	bucketMeta   = []byte("meta")
	bucketEvents = []byte("events")
	bucketIDs    = []byte("ids")
	bucketIndex  = []byte("stream_events")
	keyFormat    = []byte("format")
)

// ErrLocked is returned (wrapped) by Open when another process has the data
// directory open.
var ErrLocked = errors.New("data directory locked")

// errNothingWritten rolls back a batch in which every request failed: there
// is nothing to make durable, so the fsync is skipped.
var errNothingWritten = errors.New("nothing written")

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// MaxBatch is the most append requests one commit carries (default 1024).
	MaxBatch int
	// Poll is the longest a subscription waits for a wake-up before reading
	// anyway (default 1s).
	Poll time.Duration
	// Logger receives commit failures; nil discards them.
	Logger *slog.Logger
}

// Store is the embedded event store: a bolt file in a local directory. It
// implements domain.EventStore. Open creates one; Close releases it.
type Store struct {
	path   string
	db     *bolt.DB
	opts   Options
	signal *tail.Signal

	reqs chan *request // unbuffered: a send succeeds only when the committer takes it
	quit chan struct{} // closed by Close
	done chan struct{} // closed when the committer has stopped

	closed    atomic.Bool
	closeOnce sync.Once

	// queued counts the Appends that are offering their request to the
	// committer (it decrements when it takes one).
	queued atomic.Int64
	arena  arena // the committer's, for the values of one transaction

	// onCommit, when set before the first Append, is called by the
	// committer after each durable commit with the number of requests it
	// carried. Tests use it to count commits and to simulate a slow disk.
	onCommit func(requests int)
}

// request is one Append handed to the committer. The committer sets res and
// err, then closes done.
type request struct {
	streamID string
	expected domain.ExpectedVersion
	events   []domain.EventData
	res      domain.AppendResult
	err      error
	done     chan struct{}
}

// Open opens the store in dir, creating the directory (mode 0750) and
// dir/events.db as needed. It fails at once if another process has the
// store open.
func Open(dir string, opts Options) (*Store, error) {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1024
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded: create data directory: %w", err)
	}
	path := filepath.Join(dir, "events.db")
	_, statErr := os.Stat(path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        lockTimeout,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		PageSize:       pageSize,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("embedded: data directory %s is in use by another nisa process: %w", dir, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// Make the new file's directory entry durable too.
		if err := syncDir(dir); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := db.Update(initialize); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: %s: %w", path, err)
	}
	s := &Store{
		path:   path,
		db:     db,
		opts:   opts,
		signal: tail.NewSignal(),
		reqs:   make(chan *request),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go s.commitLoop()
	opts.Logger.Debug("embedded event store opened", "path", path)
	return s, nil
}

// initialize creates the buckets of a new file and checks the format of an
// existing one.
func initialize(tx *bolt.Tx) error {
	if meta := tx.Bucket(bucketMeta); meta != nil {
		if v := meta.Get(keyFormat); len(v) != 1 || v[0] != storageFormat {
			found := fmt.Sprintf("%x", v)
			if len(v) == 1 {
				found = fmt.Sprint(v[0])
			}
			return fmt.Errorf("storage format %s is not supported (this build reads format %d only; there is no conversion)", found, storageFormat)
		}
		return nil
	}
	if k, _ := tx.Cursor().First(); k != nil {
		return fmt.Errorf("not a nisa data file (bucket %q without %q)", k, bucketMeta)
	}
	for _, name := range [][]byte{bucketMeta, bucketEvents, bucketIDs, bucketIndex} {
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketMeta).Put(keyFormat, []byte{storageFormat})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("embedded: sync data directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("embedded: sync data directory: %w", err)
	}
	return nil
}

// Path returns the path of the store's database file.
func (s *Store) Path() string { return s.path }

// Append implements domain.EventStore. It hands the append to the committer
// and waits for the commit that carries it.
func (s *Store) Append(ctx context.Context, streamID string, expected domain.ExpectedVersion, events []domain.EventData) (domain.AppendResult, error) {
	if err := s.check(ctx); err != nil {
		return domain.AppendResult{}, err
	}
	if err := domain.ValidateAppend(streamID, events); err != nil {
		return domain.AppendResult{}, err
	}
	r := &request{streamID: streamID, expected: expected, events: events, done: make(chan struct{})}
	s.queued.Add(1) // the committer or a failed offer takes it back
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		s.queued.Add(-1)
		return domain.AppendResult{}, ctx.Err()
	case <-s.quit:
		s.queued.Add(-1)
		return domain.AppendResult{}, domain.ErrClosed
	}
	<-r.done // once taken, the outcome is decided by the commit
	return r.res, r.err
}

// commitLoop is the single committer: it takes every pending request (up to
// MaxBatch) and commits them in one bolt transaction, one fsync.
func (s *Store) commitLoop() {
	defer close(s.done)
	batch := make([]*request, 0, s.opts.MaxBatch)
	g := newGatherer(s)
	for {
		select {
		case <-s.quit: // Close wins over pending requests; they get ErrClosed.
			return
		default:
		}
		select {
		case <-s.quit:
			return
		case r := <-s.reqs:
			s.queued.Add(-1)
			batch = append(batch[:0], r)
		}
		batch = g.gather(batch)
		start := time.Now()
		g.expect = s.commit(batch)
		g.ended = time.Now()
		g.lastCommit = g.ended.Sub(start)
		clear(batch)
	}
}

// gatherer decides how long the committer waits for more requests before
// a commit. Writers answered by a commit often append again at once (a busy
// service, an import with several workers). Committing just the requests
// that are waiting at that moment makes the others wait for one more whole
// commit, and 32 such writers settle into alternate commits of, say, 30 and
// 2 requests, each paying the full fsync cost. So the committer waits a
// little for them: while requests keep coming (none overdue by waitGap),
// until it has waitFraction of those that were waiting or answered when
// the last commit ended, for at most half the last commit's duration and
// waitMax. A lone writer never waits, nor does a request that comes after
// a pause longer than the last commit. A wait that ends short of its target
// (requests that arrive at random, not in bursts after each commit) turns
// waiting off for the next 1, 3, 7 … 63 commits.
type gatherer struct {
	s          *Store
	timer      *time.Timer
	max, gap   time.Duration // waitMax and waitGap; tests change them
	expect     int           // requests waiting or answered when the last commit ended
	lastCommit time.Duration // how long the last commit took
	ended      time.Time     // when it ended
	misses     int           // waits in a row that ended short of their target
	skip       int           // commits that will not wait, after a miss
}

func newGatherer(s *Store) *gatherer {
	g := &gatherer{s: s, timer: time.NewTimer(time.Hour), max: waitMax, gap: waitGap}
	g.timer.Stop()
	return g
}

// gather adds to batch every request that is waiting and, when the last
// commit suggests that more are on their way, waits a little for them.
func (g *gatherer) gather(batch []*request) []*request {
	batch = g.drain(batch)
	target := min(g.s.opts.MaxBatch, g.expect*waitFraction/100)
	if len(batch) >= target || time.Since(g.ended) > g.lastCommit {
		return batch // enough, or the first request came late: no rush
	}
	if g.skip > 0 {
		g.skip--
		return batch
	}
	deadline := time.Now().Add(min(g.max, g.lastCommit/2))
	next := func() time.Duration { // until the next request is overdue
		return min(time.Until(deadline), g.gap)
	}
	g.timer.Reset(next())
	defer g.timer.Stop()
	for len(batch) < target {
		select {
		case r := <-g.s.reqs:
			g.s.queued.Add(-1)
			batch = append(batch, r)
			g.timer.Stop()
			g.timer.Reset(next())
		case <-g.timer.C:
			// The writers did not come back (requests that arrive at
			// random, not in bursts after each commit): wait again only
			// after 1, 3, 7 … 63 commits.
			g.misses = min(g.misses+1, maxMisses)
			g.skip = 1<<g.misses - 1
			return g.drain(batch)
		case <-g.s.quit: // commit what was taken
			return batch
		}
	}
	g.misses = 0
	return g.drain(batch)
}

// drain adds the requests that are waiting, without blocking.
func (g *gatherer) drain(batch []*request) []*request {
	for len(batch) < g.s.opts.MaxBatch {
		select {
		case r := <-g.s.reqs:
			g.s.queued.Add(-1)
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit applies batch in one transaction and answers every request. It
// returns how many requests were waiting or answered at the end, which
// the gatherer expects back.
func (s *Store) commit(batch []*request) (expect int) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := s.db.Update(func(tx *bolt.Tx) error {
		w, err := newBatchWriter(tx, &s.arena)
		if err != nil {
			return err
		}
		for _, r := range batch {
			if err := w.apply(r, now); err != nil {
				return err
			}
		}
		if !w.wrote {
			return errNothingWritten
		}
		return nil
	})
	s.arena.reset() // the transaction is over: bolt holds none of it
	switch {
	case errors.Is(err, errNothingWritten):
		// Every request already has its answer.
	case err != nil:
		s.opts.Logger.Error("embedded: commit failed", "requests", len(batch), "err", err)
		for _, r := range batch {
			r.res, r.err = domain.AppendResult{}, fmt.Errorf("embedded: commit: %w", err)
		}
	case s.onCommit != nil:
		s.onCommit(len(batch))
	}
	expect = int(s.queued.Load()) + len(batch)
	for _, r := range batch {
		close(r.done)
	}
	if err == nil {
		s.signal.Notify()
	}
	return expect
}

// arena hands out the byte slices of the values put in one transaction:
// bolt copies keys but keeps references to values until the commit. It
// never hands out a byte twice before reset.
type arena struct{ buf []byte }

// maxArena is the largest buffer an arena keeps for the next transaction.
const maxArena = 4 << 20

func (a *arena) alloc(n int) []byte {
	if len(a.buf)+n > cap(a.buf) {
		// The old buffer stays with the slices already handed out.
		a.buf = make([]byte, 0, max(n, 2*cap(a.buf), 16<<10))
	}
	l := len(a.buf)
	a.buf = a.buf[:l+n]
	return a.buf[l : l+n : l+n]
}

// reset makes the memory reusable. Call it only once the transaction that
// used it has ended.
func (a *arena) reset() {
	if cap(a.buf) > maxArena {
		a.buf = nil
	}
	a.buf = a.buf[:0]
}

// batchWriter applies the requests of one batch inside its transaction.
type batchWriter struct {
	events, ids, index *bolt.Bucket
	cursor             *bolt.Cursor // on index
	next               uint64       // position of the next event
	wrote              bool
	arena              *arena
	key                []byte // scratch space for keys (bolt copies keys)
}

func newBatchWriter(tx *bolt.Tx, a *arena) (*batchWriter, error) {
	w := &batchWriter{
		events: tx.Bucket(bucketEvents),
		ids:    tx.Bucket(bucketIDs),
		index:  tx.Bucket(bucketIndex),
		next:   1,
		arena:  a,
	}
	w.cursor = w.index.Cursor()
	w.events.FillPercent = 0.95 // keys only ever grow
	if k, _ := w.events.Cursor().Last(); k != nil {
		if len(k) != 8 {
			return nil, fmt.Errorf("%w: event key of %d bytes", errCorrupt, len(k))
		}
		w.next = binary.BigEndian.Uint64(k) + 1
	}
	return w, nil
}

// apply decides r and, if it succeeds with new events, writes them. It sets
// r.res and r.err; a request that fails writes nothing. The returned error
// is a storage failure that must abort the whole transaction.
func (w *batchWriter) apply(r *request, now time.Time) error {
	var stored []*domain.Event // allocated when an id is found
	for i := range r.events {
		pos := w.ids.Get(r.events[i].ID[:])
		if pos == nil {
			continue
		}
		ev, err := getEvent(w.events, pos)
		if err != nil {
			r.err = err
			return nil
		}
		if stored == nil {
			stored = make([]*domain.Event, len(r.events))
		}
		stored[i] = &ev
	}
	if stored != nil {
		res, dup, err := domain.MatchDuplicate(r.streamID, r.events, stored)
		if err != nil || dup {
			r.res, r.err = res, err
			return nil
		}
	}

	current, err := w.streamVersion(r.streamID)
	if err != nil {
		return err
	}
	if !r.expected.Check(current) {
		r.err = &domain.ConcurrencyError{StreamID: r.streamID, Expected: r.expected, Actual: current}
		return nil
	}
	res := domain.AppendResult{Version: current + uint64(len(r.events)), Events: make([]domain.Event, len(r.events))}
	for i := range r.events {
		ev := &res.Events[i]
		*ev = domain.Event{
			EventData:     r.events[i],
			StreamID:      r.streamID,
			StreamVersion: current + uint64(i) + 1,
			Position:      domain.Position{Commit: w.next, Prepare: w.next},
			RecordedAt:    now,
		}
		// The position is the key of the event and the value in ids and
		// stream_events.
		pos := w.arena.alloc(8)
		binary.BigEndian.PutUint64(pos, w.next)
		val := w.arena.alloc(maxEncodedSize(&ev.EventData, len(r.streamID)))
		if err := w.events.Put(pos, encodeEvent(val[:0], ev)); err != nil {
			return err
		}
		if err := w.ids.Put(ev.ID[:], pos); err != nil {
			return err
		}
		w.key = appendIndexKey(w.key[:0], r.streamID, ev.StreamVersion)
		if err := w.index.Put(w.key, pos); err != nil {
			return err
		}
		w.next++
	}
	r.res, w.wrote = res, true
	return nil
}

// streamVersion returns the current version of a stream (0: no events).
func (w *batchWriter) streamVersion(streamID string) (uint64, error) {
	v, key, err := streamVersion(w.cursor, streamID, w.key[:0])
	w.key = key
	return v, err
}

// streamVersion returns the current version of a stream (0: no events):
// the version in its last stream_events key. key is scratch space, returned
// for reuse.
func streamVersion(c *bolt.Cursor, streamID string, key []byte) (uint64, []byte, error) {
	// The keys of the stream are streamID, 0x00, version; the first key
	// after them all is at or after streamID, 0x01.
	key = append(append(key[:0], streamID...), 1)
	k, _ := c.Seek(key)
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	n := len(streamID)
	if len(k) != n+9 || k[n] != 0 || string(k[:n]) != streamID {
		return 0, key, nil
	}
	v := binary.BigEndian.Uint64(k[n+1:])
	if v == 0 {
		return 0, key, fmt.Errorf("%w: stream %q has an index entry for version 0", errCorrupt, streamID)
	}
	return v, key, nil
}

// appendIndexKey appends the stream_events key of one event to dst: stream
// id, 0x00, 8-byte big-endian version. Stream ids never contain 0x00, so
// the keys of one stream are contiguous and ordered by version.
func appendIndexKey(dst []byte, streamID string, version uint64) []byte {
	dst = append(append(dst, streamID...), 0)
	return binary.BigEndian.AppendUint64(dst, version)
}

// indexKey returns the stream_events key of one event.
func indexKey(streamID string, version uint64) []byte {
	return appendIndexKey(make([]byte, 0, len(streamID)+9), streamID, version)
}

// getEvent decodes the event stored at pos (an 8-byte key).
func getEvent(events *bolt.Bucket, pos []byte) (domain.Event, error) {
	v := events.Get(pos)
	if v == nil {
		return domain.Event{}, fmt.Errorf("%w: no event at position %d", errCorrupt, binary.BigEndian.Uint64(pos))
	}
	ev, err := decodeEvent(v)
	if err != nil {
		return domain.Event{}, fmt.Errorf("event at position %d: %w", binary.BigEndian.Uint64(pos), err)
	}
	return ev, nil
}

// ReadStream implements domain.EventStore.
func (s *Store) ReadStream(ctx context.Context, streamID string, opts domain.ReadStreamOptions) ([]domain.Event, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if opts.Direction != domain.Forwards && opts.Direction != domain.Backwards {
		return nil, &domain.ValidationError{Field: "direction", Value: fmt.Sprint(opts.Direction), Reason: "must be forwards or backwards"}
	}
	var out []domain.Event
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIndex).Cursor()
		head, _, err := streamVersion(c, streamID, nil)
		if err != nil {
			return err
		}
		if head == 0 {
			return fmt.Errorf("stream %q: %w", streamID, domain.ErrNotFound)
		}
		// The versions to read are from, from±1, … (count of them).
		from, count := max(opts.From, 1), uint64(0)
		if opts.Direction == domain.Forwards && from <= head {
			count = head - from + 1
		}
		if opts.Direction == domain.Backwards {
			from = min(opts.From, head)
			count = from
		}
		if opts.Limit > 0 {
			count = min(count, uint64(opts.Limit))
		}
		out = make([]domain.Event, 0, count)
		if count == 0 {
			return nil
		}
		events := tx.Bucket(bucketEvents)
		want := indexKey(streamID, from)
		k, pos := c.Seek(want)
		for range count {
			if !bytes.Equal(k, want) {
				return fmt.Errorf("%w: stream %q has no index entry %x", errCorrupt, streamID, want)
			}
			ev, err := getEvent(events, pos)
			if err != nil {
				return err
			}
			out = append(out, ev)
			if opts.Direction == domain.Forwards {
				k, pos = c.Next()
				want = indexKey(streamID, ev.StreamVersion+1)
			} else {
				k, pos = c.Prev()
				want = indexKey(streamID, ev.StreamVersion-1)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadAll implements domain.EventStore. A limit of zero or less reads up to
// 1000 events.
func (s *Store) ReadAll(ctx context.Context, after domain.Position, limit int) ([]domain.Event, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultReadAllLimit
	}
	// Event n sits at (n, n): the first one strictly after 'after'.
	first := after.Commit
	if after.Prepare >= after.Commit {
		if first == ^uint64(0) {
			return []domain.Event{}, nil
		}
		first++
	}
	var out []domain.Event
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		last, _ := c.Last()
		if last == nil || binary.BigEndian.Uint64(last) < first {
			out = []domain.Event{}
			return nil
		}
		out = make([]domain.Event, 0, min(binary.BigEndian.Uint64(last)-first+1, uint64(limit)))
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, first)); k != nil && len(out) < cap(out); k, v = c.Next() {
			ev, err := decodeEvent(v)
			if err != nil {
				return fmt.Errorf("event at position %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Subscribe implements domain.EventStore. Commits wake subscribers at once;
// Options.Poll bounds the wait should a wake-up ever be missed.
func (s *Store) Subscribe(ctx context.Context, after domain.Position) iter.Seq2[domain.Event, error] {
	read := func(ctx context.Context, after domain.Position, limit int) ([]domain.Event, bool, error) {
		events, err := s.ReadAll(ctx, after, limit)
		return events, false, err
	}
	return tail.Follow(ctx, after, read, s.signal, tail.Options{Poll: s.opts.Poll})
}

// Head implements domain.EventStore.
func (s *Store) Head(ctx context.Context) (domain.Position, error) {
	if err := s.check(ctx); err != nil {
		return domain.Start, err
	}
	var head domain.Position
	err := s.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketEvents).Cursor().Last(); k != nil {
			n := binary.BigEndian.Uint64(k)
			head = domain.Position{Commit: n, Prepare: n}
		}
		return nil
	})
	return head, err
}

// Close stops the committer, fails appends that it has not taken with
// domain.ErrClosed and closes the file. Appends already taken are committed
// first. Close is idempotent: later calls return nil.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.quit)
		<-s.done
		if cerr := s.db.Close(); cerr != nil {
			err = fmt.Errorf("embedded: close: %w", cerr)
		}
		s.signal.Notify() // subscribers read again and see ErrClosed
	})
	return err
}

// check returns domain.ErrClosed after Close, else ctx's error.
func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return domain.ErrClosed
	}
	return ctx.Err()
}

// view runs fn in a read transaction; a store closed meanwhile reports
// domain.ErrClosed.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	err := s.db.View(fn)
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return domain.ErrClosed
	}
	return err
}
