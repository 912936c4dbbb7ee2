package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/domain"
)

// Defaults of Options.
const (
	// DefaultSignInterval is the default of Options.SignInterval.
	DefaultSignInterval = time.Minute
	// DefaultBatch is the default of Options.Batch.
	DefaultBatch = 1000
)

// Options tune a Tree. The zero value is ready to use.
type Options struct {
	// SignInterval is how often Run signs a tree head when the tree grew
	// since the last one (default 1 minute).
	SignInterval time.Duration
	// Batch is the most leaves one append to the storage carries (default
	// 1000).
	Batch int
	// Logger receives conflicts with other builders and retried failures;
	// nil discards them.
	Logger *slog.Logger
	// Now is the clock of signed heads (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.SignInterval <= 0 {
		o.SignInterval = DefaultSignInterval
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Tree builds the tamper-evident tree over an event store's global log
// into a Storage, signs tree heads and answers proofs. Several Trees (in
// one process or several) may build into one storage at once: they agree
// through Storage.Append's size check. Its methods are safe for concurrent
// use.
type Tree struct {
	store  domain.EventStore
	st     Storage
	signer note.Signer
	opts   Options
	log    *slog.Logger

	mu sync.Mutex // serialises this Tree's appends
}

// New returns a Tree over store's global log recording into st. signer
// signs tree heads; with a nil signer the Tree builds and proves but cannot
// sign (SignHead fails with ErrNoSigner).
func New(store domain.EventStore, st Storage, signer note.Signer, opts Options) *Tree {
	opts = opts.withDefaults()
	return &Tree{store: store, st: st, signer: signer, opts: opts, log: opts.Logger}
}

// Storage returns the tree's storage.
func (t *Tree) Storage() Storage { return t.st }

// pending is an event waiting to become leaf index.
type pending struct {
	index int64
	ev    domain.Event
}

// tip returns the size of the tree and the position of its last leaf
// (domain.Start for an empty tree).
func (t *Tree) tip(ctx context.Context) (int64, domain.Position, error) {
	size, err := t.st.Size(ctx)
	if err != nil || size == 0 {
		return size, domain.Start, err
	}
	last, err := t.st.Leaves(ctx, size-1, 1)
	if err != nil {
		return 0, domain.Start, err
	}
	if len(last) != 1 {
		return 0, domain.Start, fmt.Errorf("audit: leaf %d of a tree of size %d is missing", size-1, size)
	}
	return size, last[0].Position, nil
}

// CatchUp records every event of the log up to the store's current head
// and returns the size of the tree.
func (t *Tree) CatchUp(ctx context.Context) (int64, error) {
	head, err := t.store.Head(ctx)
	if err != nil {
		return 0, fmt.Errorf("audit: read the head of the log: %w", err)
	}
	for {
		size, pos, err := t.tip(ctx)
		if err != nil || !pos.Less(head) {
			return size, err
		}
		events, err := t.store.ReadAll(ctx, pos, t.opts.Batch)
		if err != nil {
			return 0, fmt.Errorf("audit: read the log after %s: %w", pos, err)
		}
		if len(events) == 0 {
			return size, nil
		}
		batch := make([]pending, len(events))
		for i, ev := range events {
			batch[i] = pending{index: size + int64(i), ev: ev}
		}
		if err := t.record(ctx, batch); err != nil {
			return 0, err
		}
	}
}

// record appends the leaves of batch (consecutive indexes), skipping those
// another builder recorded meanwhile after comparing them with its own.
func (t *Tree) record(ctx context.Context, batch []pending) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	staleAt := int64(-1)
	for len(batch) > 0 {
		size, err := t.st.Size(ctx)
		if err != nil {
			return err
		}
		first := batch[0].index
		switch {
		case first > size:
			return fmt.Errorf("audit: the tree has %d leaves but the next event to record, %s at %s, would be leaf %d", size, batch[0].ev.ID, batch[0].ev.Position, first)
		case first < size:
			n := min(size-first, int64(len(batch)))
			if err := t.compareRecorded(ctx, batch[:n]); err != nil {
				return err
			}
			batch = batch[n:]
			continue
		}
		n := min(len(batch), t.opts.Batch)
		err = t.appendLeaves(ctx, size, batch[:n])
		switch {
		case errors.Is(err, ErrStale) && staleAt != size:
			t.log.Debug("audit: another builder appended first; comparing its leaves", "size", size)
			staleAt = size
			continue
		case err != nil:
			return err
		}
		batch = batch[n:]
	}
	return nil
}

// appendLeaves computes the leaves and stored hashes of batch, which starts
// at leaf size, and appends them.
func (t *Tree) appendLeaves(ctx context.Context, size int64, batch []pending) error {
	base := tlog.StoredHashIndex(0, size)
	var fresh []tlog.Hash // stored hashes from base on
	r := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return t.readOverlay(ctx, base, fresh, indexes)
	})
	leaves := make([]LeafRecord, len(batch))
	for i, p := range batch {
		h := LeafHash(p.ev)
		leaves[i] = LeafRecord{Index: p.index, Position: p.ev.Position, EventID: p.ev.ID, Hash: h}
		hs, err := tlog.StoredHashesForRecordHash(p.index, h, r)
		if err != nil {
			return fmt.Errorf("audit: hashes of leaf %d: %w", p.index, err)
		}
		fresh = append(fresh, hs...)
	}
	return t.st.Append(ctx, size, leaves, fresh)
}

// readOverlay reads stored hashes below base from the storage and the
// others from fresh (the hashes computed from base on).
func (t *Tree) readOverlay(ctx context.Context, base int64, fresh []tlog.Hash, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var old []int64
	for _, x := range indexes {
		if x < base {
			old = append(old, x)
		}
	}
	stored, err := t.st.ReadHashes(ctx, old)
	if err != nil {
		return nil, err
	}
	for i, x := range indexes {
		switch {
		case x < base:
			out[i], stored = stored[0], stored[1:]
		case x-base < int64(len(fresh)):
			out[i] = fresh[x-base]
		default:
			return nil, fmt.Errorf("audit: stored hash %d not computed yet", x)
		}
	}
	return out, nil
}

// compareRecorded checks the leaves another builder recorded for batch
// against this builder's own; a difference is logged as an error (the two
// builders saw different logs, which Verify will point at).
func (t *Tree) compareRecorded(ctx context.Context, batch []pending) error {
	recs, err := t.st.Leaves(ctx, batch[0].index, len(batch))
	if err != nil {
		return err
	}
	for i, p := range batch {
		want := LeafHash(p.ev)
		if i >= len(recs) || recs[i].Index != p.index {
			t.log.Error("audit: CONFLICT: a leaf recorded by another builder is missing", "index", p.index, "event_id", p.ev.ID.String(), "position", p.ev.Position.String())
			continue
		}
		if r := recs[i]; r.Hash != want || r.EventID != p.ev.ID {
			t.log.Error("audit: CONFLICT: another builder recorded a different leaf for the same index; the logs they read differ (run nisa audit verify)",
				"index", p.index, "recorded_event_id", r.EventID.String(), "recorded_position", r.Position.String(), "recorded_hash", r.Hash.String(),
				"read_event_id", p.ev.ID.String(), "read_position", p.ev.Position.String(), "read_hash", want.String())
		}
	}
	return nil
}

// Run keeps the tree current until ctx ends: it catches up, then follows
// the log with a catch-up subscription from the last recorded leaf,
// recording the events in batches of what is available (at most
// Options.Batch), and signs a tree head every Options.SignInterval when
// the tree grew since the last signed head (if the Tree has a signer).
// Failures other than domain.ErrClosed are logged and retried with a
// backoff. Run returns nil when ctx ends.
func (t *Tree) Run(ctx context.Context) error {
	ticker := time.NewTicker(t.opts.SignInterval)
	defer ticker.Stop()
	backoff := time.Duration(0)
	for {
		err := t.follow(ctx, ticker.C)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, domain.ErrClosed):
			return err
		}
		backoff = min(max(2*backoff, 100*time.Millisecond), 30*time.Second)
		t.log.Warn("audit: building the tree failed; retrying", "err", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
	}
}

// item is what the subscription hands to follow.
type item struct {
	ev  domain.Event
	err error
}

// follow catches up, then records events from a subscription and signs
// on ticks, until ctx ends or something fails.
func (t *Tree) follow(ctx context.Context, tick <-chan time.Time) error {
	if _, err := t.CatchUp(ctx); err != nil {
		return err
	}
	size, pos, err := t.tip(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	events := make(chan item, t.opts.Batch)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t.subscribe(ctx, pos, events)
	}()
	defer wg.Wait()
	defer cancel()
	next := size
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
			t.signIfGrown(ctx)
		case it := <-events:
			batch, err := t.take(it, events, next)
			if err != nil {
				return err
			}
			if err := t.record(ctx, batch); err != nil {
				return err
			}
			next += int64(len(batch))
		}
	}
}

// subscribe forwards the subscription's events and its error to out.
func (t *Tree) subscribe(ctx context.Context, after domain.Position, out chan<- item) {
	for ev, err := range t.store.Subscribe(ctx, after) {
		select {
		case out <- item{ev: ev, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// take makes a batch of first and the events waiting in events (at most
// Options.Batch), numbered from next.
func (t *Tree) take(first item, events <-chan item, next int64) ([]pending, error) {
	if first.err != nil {
		return nil, first.err
	}
	batch := []pending{{index: next, ev: first.ev}}
	for len(batch) < t.opts.Batch {
		select {
		case it := <-events:
			if it.err != nil {
				return nil, it.err
			}
			batch = append(batch, pending{index: next + int64(len(batch)), ev: it.ev})
		default:
			return batch, nil
		}
	}
	return batch, nil
}

// signIfGrown signs a head when the tree is larger than the latest signed
// head; failures are logged.
func (t *Tree) signIfGrown(ctx context.Context) {
	if t.signer == nil {
		return
	}
	size, err := t.st.Size(ctx)
	if err != nil {
		t.log.Warn("audit: read the tree size", "err", err)
		return
	}
	last, ok, err := t.st.LatestHead(ctx)
	if err != nil {
		t.log.Warn("audit: read the latest signed head", "err", err)
		return
	}
	if size == 0 || ok && last.Size >= size {
		return
	}
	if _, err := t.signAt(ctx, size); err != nil && ctx.Err() == nil {
		t.log.Warn("audit: sign a tree head", "err", err)
	}
}
