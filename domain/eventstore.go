package domain

import (
	"context"
	"fmt"
	"iter"
	"math"
)

// EventStore is the port every event store adapter implements: the embedded
// store (adapters/embedded), PostgreSQL (adapters/postgres) and, later,
// EventStoreDB. The contract suite in adapters/eventstoretest checks every
// promise below against each of them.
//
// All methods are safe for concurrent use.
type EventStore interface {
	// Append atomically appends events to the end of one stream if the
	// stream is at the expected version: either all events are stored and
	// durable when Append returns nil, or none are.
	//
	// A mismatch returns a *ConcurrencyError (errors.Is ErrConcurrency).
	// Appends are idempotent by event id: if every event of the append is
	// already stored, consecutively, in this stream, with the same content
	// (EventData.SameContent), Append returns the original result whatever
	// the expected version. (Stores keep no record of where one append ended
	// and the next began, so resending a consecutive part of an earlier
	// append is acknowledged too.) Any other reuse of a stored event id
	// returns an error matching ErrDuplicateEventID. Invalid input returns a
	// *ValidationError (errors.Is ErrInvalid). Nothing is stored on error.
	Append(ctx context.Context, streamID string, expected ExpectedVersion, events []EventData) (AppendResult, error)

	// ReadStream reads up to opts.Limit events of one stream from version
	// opts.From (inclusive), forwards or backwards. A stream without events
	// returns ErrNotFound.
	ReadStream(ctx context.Context, streamID string, opts ReadStreamOptions) ([]Event, error)

	// ReadAll reads up to limit events of the global log strictly after the
	// given position, in position order. It never skips an event: an event
	// that becomes visible later always has a position greater than every
	// event already returned.
	ReadAll(ctx context.Context, after Position, limit int) ([]Event, error)

	// Subscribe is a catch-up subscription: it yields every event after the
	// given position, first from history and then live as events are
	// committed, each exactly once and in position order, until ctx is done
	// or the consumer stops ranging. On failure it yields a non-nil error
	// once and stops; when ctx ends it yields ctx.Err() and stops.
	Subscribe(ctx context.Context, after Position) iter.Seq2[Event, error]

	// Head returns the position of the last event of the global log (Start
	// when the log is empty).
	Head(ctx context.Context) (Position, error)

	// Close releases the store. It is idempotent; other calls after Close
	// return ErrClosed.
	Close() error
}

// AppendResult is what a successful append recorded.
type AppendResult struct {
	// Version is the stream's version after the append: the version of its
	// last event.
	Version uint64
	// Events are the appended events as recorded, with versions,
	// positions and recorded-at times.
	Events []Event
}

// Direction is the reading direction of ReadStream.
type Direction int

// Reading directions.
const (
	Forwards Direction = iota
	Backwards
)

// StreamEnd as ReadStreamOptions.From reads backwards from the last event.
const StreamEnd = math.MaxUint64

// ReadStreamOptions selects events of one stream.
type ReadStreamOptions struct {
	Direction Direction
	// From is the first version returned (inclusive). Forwards, 0 and 1
	// both start at the first event; backwards, StreamEnd starts at the last.
	From uint64
	// Limit is the maximum number of events returned; 0 means all.
	Limit int
}

// ExpectedVersion is the condition an append places on its stream.
// The zero value is Any.
type ExpectedVersion struct {
	kind expectKind
	n    uint64
}

type expectKind uint8

const (
	expectAny expectKind = iota
	expectNoStream
	expectStreamExists
	expectExact
)

// Expected versions.
var (
	// Any appends whatever the stream's version.
	Any = ExpectedVersion{kind: expectAny}
	// NoStream appends only if the stream has no events.
	NoStream = ExpectedVersion{kind: expectNoStream}
	// StreamExists appends only if the stream has at least one event.
	StreamExists = ExpectedVersion{kind: expectStreamExists}
)

// Exact appends only if the stream's current version is n. Exact(0) is
// NoStream.
func Exact(n uint64) ExpectedVersion {
	if n == 0 {
		return NoStream
	}
	return ExpectedVersion{kind: expectExact, n: n}
}

// Check reports whether a stream at version current satisfies e.
func (e ExpectedVersion) Check(current uint64) bool {
	switch e.kind {
	case expectNoStream:
		return current == 0
	case expectStreamExists:
		return current > 0
	case expectExact:
		return current == e.n
	}
	return true
}

// Exact returns the version e pins and whether e pins one (NoStream pins 0).
func (e ExpectedVersion) Exact() (uint64, bool) {
	switch e.kind {
	case expectExact:
		return e.n, true
	case expectNoStream:
		return 0, true
	}
	return 0, false
}

// IsAny reports whether e is Any.
func (e ExpectedVersion) IsAny() bool { return e.kind == expectAny }

// IsStreamExists reports whether e is StreamExists.
func (e ExpectedVersion) IsStreamExists() bool { return e.kind == expectStreamExists }

// String returns "any", "no_stream", "stream_exists" or the exact version.
func (e ExpectedVersion) String() string {
	switch e.kind {
	case expectNoStream:
		return "no_stream"
	case expectStreamExists:
		return "stream_exists"
	case expectExact:
		return fmt.Sprint(e.n)
	}
	return "any"
}

// ValidateAppend checks the arguments of an append; adapters call it first.
func ValidateAppend(streamID string, events []EventData) error {
	if err := ValidateStreamID(streamID); err != nil {
		return err
	}
	if len(events) == 0 || len(events) > MaxEventsPerAppend {
		return &ValidationError{Field: "events", Value: fmt.Sprint(len(events)), Reason: fmt.Sprintf("an append carries 1..%d events", MaxEventsPerAppend)}
	}
	seen := make(map[EventID]struct{}, len(events))
	for i, ev := range events {
		if err := ev.Validate(); err != nil {
			ve := *err.(*ValidationError)
			ve.Field = fmt.Sprintf("events[%d].%s", i, ve.Field)
			return &ve
		}
		if _, dup := seen[ev.ID]; dup {
			return &ValidationError{Field: fmt.Sprintf("events[%d].id", i), Value: ev.ID.String(), Reason: "appears twice in one append"}
		}
		seen[ev.ID] = struct{}{}
	}
	return nil
}

// MatchDuplicate decides what to do with an append whose event ids are (in
// part) already stored. stored holds, for each event of the append, the
// stored event with the same id, or nil. It returns ok = true with the
// original result when the append is a retry of one already stored (every
// event stored, consecutively, in streamID, with the same content); ok =
// false and a nil error when no event is stored yet; and an error matching
// ErrDuplicateEventID otherwise.
func MatchDuplicate(streamID string, events []EventData, stored []*Event) (AppendResult, bool, error) {
	found := 0
	for _, s := range stored {
		if s != nil {
			found++
		}
	}
	if found == 0 {
		return AppendResult{}, false, nil
	}
	for i, s := range stored {
		switch {
		case s == nil:
			return AppendResult{}, false, fmt.Errorf("%w: events[%d] %s is new but events[0] %s is stored: a retry must resend exactly the original append", ErrDuplicateEventID, i, events[i].ID, events[0].ID)
		case s.StreamID != streamID:
			return AppendResult{}, false, fmt.Errorf("%w: %s is stored in stream %q", ErrDuplicateEventID, s.ID, s.StreamID)
		case !events[i].SameContent(s.EventData):
			return AppendResult{}, false, fmt.Errorf("%w: %s is stored with different content", ErrDuplicateEventID, s.ID)
		case i > 0 && s.StreamVersion != stored[i-1].StreamVersion+1:
			return AppendResult{}, false, fmt.Errorf("%w: %s was stored by a different append", ErrDuplicateEventID, s.ID)
		}
	}
	res := AppendResult{Version: stored[len(stored)-1].StreamVersion, Events: make([]Event, len(stored))}
	for i, s := range stored {
		res.Events[i] = *s
	}
	return res, true, nil
}
