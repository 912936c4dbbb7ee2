package esdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/nisa-eu/nisa/domain"
)

// Page sizes of reads.
const (
	// defaultReadAllLimit is the page size of ReadAll when the caller gives
	// none.
	defaultReadAllLimit = 1000
	// maxPage bounds one read of $all.
	maxPage = 4096
	// headPage is the largest page of Head's backward read of $all.
	headPage = 256
	// allEvents is the count of a read without limit.
	allEvents = math.MaxInt64
)

// read reads up to count events of an EventStoreDB stream.
func (s *Store) read(ctx context.Context, stream string, dir esdb.Direction, from esdb.StreamPosition, count uint64) ([]domain.Event, error) {
	rs, err := s.client.ReadStream(ctx, stream, esdb.ReadStreamOptions{Direction: dir, From: from}, count)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []domain.Event{}
	for {
		re, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		ev, ok, err := s.toEvent(re.OriginalEvent())
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, ev)
		}
	}
}

// ReadStream reads events of one stream: version v is read as revision
// v-1. A stream that does not exist (or was deleted) is domain.ErrNotFound.
func (s *Store) ReadStream(ctx context.Context, streamID string, opts domain.ReadStreamOptions) ([]domain.Event, error) {
	if opts.Direction != domain.Forwards && opts.Direction != domain.Backwards {
		return nil, &domain.ValidationError{Field: "direction", Value: fmt.Sprint(opts.Direction), Reason: "must be forwards or backwards"}
	}
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	stream := s.streamName(streamID)
	count := uint64(allEvents)
	if opts.Limit > 0 {
		count = uint64(opts.Limit)
	}
	var evs []domain.Event
	switch {
	case opts.Direction == domain.Forwards:
		evs, err = s.read(ctx, stream, esdb.Forwards, esdb.Revision(max(opts.From, 1)-1), count)
	case opts.From == domain.StreamEnd:
		evs, err = s.read(ctx, stream, esdb.Backwards, esdb.End{}, count)
	default:
		// Backwards from a version: from the last event when the version
		// lies past it (what a server returns for a revision past the end
		// is nothing to rely on), and nothing before version 1. The first
		// read also tells a missing stream (ErrNotFound).
		var last []domain.Event
		last, err = s.read(ctx, stream, esdb.Backwards, esdb.End{}, 1)
		if err == nil && len(last) == 0 {
			err = fmt.Errorf("esdb: read %q: %w", streamID, domain.ErrNotFound)
		}
		if err == nil {
			switch head := last[0].StreamVersion; {
			case opts.From == 0:
				evs = []domain.Event{}
			case opts.From >= head:
				evs, err = s.read(ctx, stream, esdb.Backwards, esdb.End{}, count)
			default:
				evs, err = s.read(ctx, stream, esdb.Backwards, esdb.Revision(opts.From-1), count)
			}
		}
	}
	if err != nil {
		return nil, s.translate(ctx, "read", streamID, nil, err)
	}
	return evs, nil
}

// readAllPage reads up to count events of $all in direction dir from
// from. It returns the events of the store's global log whose positions
// pass keep, the number of events read (of any kind), and the position of
// the last of them.
func (s *Store) readAllPage(ctx context.Context, dir esdb.Direction, from esdb.AllPosition, count uint64, keep func(domain.Position) bool) (evs []domain.Event, n int, last domain.Position, err error) {
	rs, err := s.client.ReadAll(ctx, esdb.ReadAllOptions{Direction: dir, From: from}, count)
	if err != nil {
		return nil, 0, last, err
	}
	defer rs.Close()
	for {
		re, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return evs, n, last, nil
		}
		if err != nil {
			return nil, 0, last, err
		}
		rec := re.OriginalEvent()
		n++
		last = domain.Position{Commit: rec.Position.Commit, Prepare: rec.Position.Prepare}
		if !keep(last) {
			continue
		}
		ev, ok, err := s.toEvent(rec)
		if err != nil {
			return nil, 0, last, err
		}
		if ok {
			evs = append(evs, ev)
		}
	}
}

// ReadAll reads up to limit events of the store's global log after the
// position (default limit 1000).
func (s *Store) ReadAll(ctx context.Context, after domain.Position, limit int) ([]domain.Event, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	if limit <= 0 {
		limit = defaultReadAllLimit
	}
	out := []domain.Event{}
	var from esdb.AllPosition = esdb.Start{}
	if !after.IsZero() {
		from = esdb.Position{Commit: after.Commit, Prepare: after.Prepare}
	}
	cursor := after
	for len(out) < limit {
		// EventStoreDB reads from a position inclusively: the event at the
		// cursor comes again and is skipped, hence one more.
		count := uint64(min(limit-len(out)+1, maxPage))
		page, n, last, err := s.readAllPage(ctx, esdb.Forwards, from, count, cursor.Less)
		if err != nil {
			return nil, s.translate(ctx, "read $all", "", nil, err)
		}
		out = append(out, page...)
		if uint64(n) < count || !cursor.Less(last) {
			break // the end of $all
		}
		cursor = last
		from = esdb.Position{Commit: last.Commit, Prepare: last.Prepare}
	}
	return out[:min(len(out), limit)], nil
}

// Head returns the position of the last event of the store's global log:
// it reads $all backwards until an event passes, one event first (usually
// enough), then pages that grow to headPage.
func (s *Store) Head(ctx context.Context) (domain.Position, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return domain.Start, err
	}
	defer done()
	var from esdb.AllPosition = esdb.End{}
	var cursor *domain.Position
	for page := uint64(1); ; page = min(page*16, headPage) {
		before := func(p domain.Position) bool { return cursor == nil || p.Less(*cursor) }
		evs, n, last, err := s.readAllPage(ctx, esdb.Backwards, from, page, before)
		if err != nil {
			return domain.Start, s.translate(ctx, "read the head of $all", "", nil, err)
		}
		if len(evs) > 0 {
			return evs[0].Position, nil
		}
		if uint64(n) < page || (cursor != nil && !last.Less(*cursor)) {
			return domain.Start, nil // $all holds no event of the log
		}
		cursor = &last
		from = esdb.Position{Commit: last.Commit, Prepare: last.Prepare}
	}
}

// Subscribe follows $all from the position with SubscribeToAll and a
// server-side filter; see the package documentation.
func (s *Store) Subscribe(ctx context.Context, after domain.Position) iter.Seq2[domain.Event, error] {
	return func(yield func(domain.Event, error) bool) {
		opts := esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: esdb.ExcludeSystemEventsFilter()}
		if !after.IsZero() {
			opts.From = esdb.Position{Commit: after.Commit, Prepare: after.Prepare}
		}
		if s.prefix != "" {
			opts.Filter = &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{s.prefix}}
		}
		// The lock is held while the client works, never while the
		// consumer runs: it may take its time, call the store or close it.
		locked := false
		defer func() {
			if locked {
				s.mu.RUnlock()
			}
		}()
		// fail reports the end of the subscription once.
		fail := func(err error) {
			if locked {
				s.mu.RUnlock()
				locked = false
			}
			switch {
			case ctx.Err() != nil:
				err = ctx.Err()
			case s.closed.Load():
				err = domain.ErrClosed
			}
			yield(domain.Event{}, err)
		}
		if err := s.lock(); err != nil {
			fail(err)
			return
		}
		locked = true
		cctx, cancel := s.callContext(ctx)
		defer cancel()
		sub, err := s.client.SubscribeToAll(cctx, opts)
		if err != nil {
			fail(s.translate(cctx, "subscribe to $all", "", nil, err))
			return
		}
		defer sub.Close()
		cursor := after
		for {
			msg := sub.Recv()
			switch {
			case msg.SubscriptionDropped != nil:
				fail(s.translate(cctx, "subscription to $all", "", nil, msg.SubscriptionDropped.Error))
				return
			case msg.EventAppeared == nil:
				continue // checkpoint, caught up, fell behind
			}
			ev, ok, err := s.toEvent(msg.EventAppeared.OriginalEvent())
			if err != nil {
				fail(err)
				return
			}
			if !ok || !cursor.Less(ev.Position) {
				continue
			}
			cursor = ev.Position
			s.mu.RUnlock()
			locked = false
			if !yield(ev, nil) {
				return
			}
			if err := s.lock(); err != nil {
				fail(err)
				return
			}
			locked = true
		}
	}
}
