// Package tail turns a store's "read the global log after a position" into a
// catch-up subscription: read history in batches, then wait for a wake-up
// signal and read again. The embedded and PostgreSQL stores share it; each
// supplies its reader and its wake-up Signal.
package tail

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Signal is a broadcast wake-up: Wait returns a channel that Notify closes.
// Take the channel before reading, then wait on it only if the read found
// nothing: a Notify between the two is never lost.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// NewSignal returns a Signal ready for use.
func NewSignal() *Signal { return &Signal{ch: make(chan struct{})} }

// Wait returns a channel that is closed at the next Notify.
func (s *Signal) Wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

// Notify wakes every waiter.
func (s *Signal) Notify() {
	s.mu.Lock()
	close(s.ch)
	s.ch = make(chan struct{})
	s.mu.Unlock()
}

// Reader reads up to limit events after a position. held reports that
// committed events exist after the position that cannot be returned yet
// (PostgreSQL: a transaction that started earlier is still in flight); the
// follower then retries shortly instead of waiting for a Signal.
type Reader func(ctx context.Context, after domain.Position, limit int) (events []domain.Event, held bool, err error)

// Options tune Follow.
type Options struct {
	// Batch is the number of events read at once (default 512).
	Batch int
	// Poll is the longest wait for a Signal before reading anyway; it guards
	// against a lost notification (default 1s). Zero keeps the default.
	Poll time.Duration
}

// Follow yields the events after 'after' as described by
// domain.EventStore.Subscribe, reading with read and waking on sig.
func Follow(ctx context.Context, after domain.Position, read Reader, sig *Signal, opts Options) iter.Seq2[domain.Event, error] {
	if opts.Batch <= 0 {
		opts.Batch = 512
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	return func(yield func(domain.Event, error) bool) {
		pos := after
		backoff := time.Duration(0)
		timer := time.NewTimer(opts.Poll)
		defer timer.Stop()
		for {
			if err := ctx.Err(); err != nil {
				yield(domain.Event{}, err)
				return
			}
			wake := sig.Wait()
			events, held, err := read(ctx, pos, opts.Batch)
			if err != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				yield(domain.Event{}, err)
				return
			}
			for _, ev := range events {
				if !yield(ev, nil) {
					return
				}
				pos = ev.Position
			}
			if len(events) == opts.Batch {
				backoff = 0
				continue // more history to read
			}
			wait := opts.Poll
			if held && len(events) == 0 {
				// Something committed is held back by an older transaction
				// that is still open: look again soon.
				backoff = min(max(2*backoff, 500*time.Microsecond), 50*time.Millisecond)
				wait = backoff
			} else {
				backoff = 0
			}
			if len(events) > 0 && held {
				continue
			}
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				yield(domain.Event{}, ctx.Err())
				return
			case <-wake:
			case <-timer.C:
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
	}
}
