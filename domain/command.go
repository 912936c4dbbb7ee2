package domain

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// Kind describes one aggregate type for the command handler: its stream
// category and how its state evolves. Streams are named
// "<Category>-<aggregate id>".
type Kind[S any] struct {
	Category string
	// Evolve returns the state after one event. It must be pure.
	Evolve func(state S, p Payload) S
}

// StreamID returns the stream of aggregate id.
func (k Kind[S]) StreamID(id string) string { return k.Category + "-" + id }

// Request is everything about one command that is not the command itself.
type Request struct {
	Actor Actor
	// Now is the time the command is decided at (default: time.Now()).
	Now time.Time
	// Expected pins the aggregate version (HTTP If-Match); a mismatch is
	// ErrPreconditionFailed. Nil: decide on the current version and retry a
	// bounded number of times on a concurrent change.
	Expected *uint64
	// CorrelationID and CausationID are recorded on every event.
	CorrelationID string
	CausationID   string
	// EventIDs, when set, derives the id of the n-th new event (0-based);
	// an idempotent retry then yields the same ids. Nil: new random ids.
	EventIDs func(n int) EventID
}

// Decider decides a command: given the current state and version, the
// events to append (none: nothing to do) or an error.
type Decider[S any] func(state S, version uint64, now time.Time) ([]Payload, error)

// Result is the outcome of a command.
type Result[S any] struct {
	State   S
	Version uint64
	Events  []Event
}

// Commands runs commands: load → decide → append with the expected version,
// retrying on a concurrent change unless the caller pinned a version.
// Commands on the same stream are serialised within this process, so
// conflicts only arise between processes. Safe for concurrent use.
type Commands struct {
	store      EventStore
	maxRetries int
	seed       maphash.Seed
	locks      [256]sync.Mutex
}

// NewCommands returns a command handler appending to store.
func NewCommands(store EventStore) *Commands {
	return &Commands{store: store, maxRetries: 20, seed: maphash.MakeSeed()}
}

// Store returns the event store the commands append to.
func (c *Commands) Store() EventStore { return c.store }

// Execute runs decide on aggregate id of kind k. It returns the new state
// and version; with no events decided it returns the current ones. Errors:
// those of decide; ErrForbidden for auditors (they change nothing);
// ErrPreconditionFailed when req.Expected is set and differs; ErrConcurrency
// when concurrent changes outlast the retries; store errors.
func Execute[S any](ctx context.Context, c *Commands, k Kind[S], id string, req Request, decide Decider[S]) (Result[S], error) {
	if req.Actor.Role == RoleAuditor {
		return Result[S]{}, forbid(req.Actor, "change anything")
	}
	if req.Actor.ID == "" {
		return Result[S]{}, ErrUnauthenticated
	}
	stream := k.StreamID(id)
	mu := &c.locks[maphash.String(c.seed, stream)%uint64(len(c.locks))]
	mu.Lock()
	defer mu.Unlock()
	for attempt := 0; ; attempt++ {
		state, version, err := Load(ctx, c.store, k, id, time.Time{})
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Result[S]{}, err
		}
		if req.Expected != nil && *req.Expected != version {
			return Result[S]{}, fmt.Errorf("%w: %s is at version %d, If-Match named %d", ErrPreconditionFailed, stream, version, *req.Expected)
		}
		now := req.Now
		if now.IsZero() {
			now = time.Now().UTC()
		}
		payloads, err := decide(state, version, now)
		if err != nil {
			return Result[S]{}, err
		}
		if len(payloads) == 0 {
			return Result[S]{State: state, Version: version}, nil
		}
		evs := make([]EventData, len(payloads))
		for i, p := range payloads {
			if evs[i], err = Encode(p); err != nil {
				return Result[S]{}, err
			}
			evs[i].ID = NewEventID()
			if req.EventIDs != nil {
				evs[i].ID = req.EventIDs(i)
			}
			evs[i].Actor = req.Actor.String()
			evs[i].CorrelationID = req.CorrelationID
			evs[i].CausationID = req.CausationID
		}
		res, err := c.store.Append(ctx, stream, Exact(version), evs)
		if errors.Is(err, ErrConcurrency) && req.Expected == nil && attempt < c.maxRetries {
			// Another process changed the aggregate: decide again.
			time.Sleep(time.Duration(rand.IntN(1+attempt)) * time.Millisecond)
			continue
		}
		if errors.Is(err, ErrConcurrency) && req.Expected != nil {
			return Result[S]{}, fmt.Errorf("%w: %s changed concurrently", ErrPreconditionFailed, stream)
		}
		if err != nil {
			return Result[S]{}, err
		}
		// Evolve from the events as the store returns them (with what the
		// store adds, such as the person ids of personal data).
		for _, ev := range res.Events {
			p, err := Decode(ev)
			if err != nil {
				return Result[S]{}, err
			}
			state = k.Evolve(state, p)
		}
		return Result[S]{State: state, Version: res.Version, Events: res.Events}, nil
	}
}

// Load rebuilds aggregate id of kind k from its events; with a non-zero
// asOf, only from the events recorded at or before asOf. A stream without
// (such) events returns the zero state, version 0 and ErrNotFound.
func Load[S any](ctx context.Context, store EventStore, k Kind[S], id string, asOf time.Time) (S, uint64, error) {
	var state S
	evs, err := store.ReadStream(ctx, k.StreamID(id), ReadStreamOptions{})
	if err != nil {
		return state, 0, err
	}
	var version uint64
	for _, ev := range evs {
		if !asOf.IsZero() && ev.RecordedAt.After(asOf) {
			break
		}
		p, err := Decode(ev)
		if err != nil {
			return state, 0, err
		}
		state = k.Evolve(state, p)
		version = ev.StreamVersion
	}
	if version == 0 {
		return state, 0, fmt.Errorf("%s %s as of %s: %w", k.Category, id, asOf.Format(time.RFC3339), ErrNotFound)
	}
	return state, version, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
