package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// kind is a domain.Kind with its state type erased.
type kind struct {
	category string
	zero     func() any
	evolve   func(state any, p domain.Payload) any
}

func erase[S any](k domain.Kind[S]) kind {
	return kind{
		category: k.Category,
		zero:     func() any { var s S; return s },
		evolve:   func(state any, p domain.Payload) any { return k.Evolve(state.(S), p) },
	}
}

// diffable are the aggregate kinds whose state DiffStream rebuilds. Tokens
// (credentials) and webhook deliveries are left out.
var diffable = []kind{
	erase(domain.OrganisationKind),
	erase(domain.OfferKind),
	erase(domain.MeetingKind),
	erase(domain.ExchangeVisitKind),
	erase(domain.SavedSearchKind),
	erase(domain.WebhookKind),
	erase(domain.RetentionKind),
	erase(domain.PersonKind),
}

// DiffableCategories lists the stream categories DiffStream accepts.
func DiffableCategories() []string {
	out := make([]string, len(diffable))
	for i, k := range diffable {
		out[i] = k.category
	}
	return out
}

// Category returns the category of a stream id: what precedes its first
// "-" ("offer" for "offer-0190…").
func Category(streamID string) string {
	c, _, _ := strings.Cut(streamID, "-")
	return c
}

// ErrNotDiffable is returned (wrapped, with domain.ErrForbidden or
// domain.ErrNotFound) for a stream whose state DiffStream does not rebuild.
var ErrNotDiffable = errors.New("not a diffable aggregate")

func kindOf(streamID string) (kind, error) {
	c := Category(streamID)
	for _, k := range diffable {
		if k.category == c {
			return k, nil
		}
	}
	if c == domain.TokenKind.Category {
		return kind{}, fmt.Errorf("%w: %w: the state of tokens (credentials) is not diffed; read their history as events", domain.ErrForbidden, ErrNotDiffable)
	}
	return kind{}, fmt.Errorf("%w: %w: stream %s is not the stream of an aggregate whose state can be diffed (categories: %s)",
		domain.ErrNotFound, ErrNotDiffable, streamID, strings.Join(DiffableCategories(), ", "))
}

// DiffOptions chooses the two versions DiffStream compares.
type DiffOptions struct {
	// To is the newer version; nil: the current version (as of AsOf when
	// set).
	To *uint64
	// From is the older version, 0 meaning before the first event; nil:
	// To - 1.
	From *uint64
	// AsOf, when To is nil, makes To the version current at that time.
	AsOf time.Time
}

// EventRef is an event between the two versions of a diff.
type EventRef struct {
	ID            domain.EventID  `json:"id"`
	StreamVersion uint64          `json:"stream_version"`
	Position      domain.Position `json:"position"`
	Type          string          `json:"type"`
	RecordedAt    time.Time       `json:"recorded_at"`
	Actor         string          `json:"actor"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	CausationID   string          `json:"causation_id,omitempty"`
}

// StateDiff is what changed in an aggregate between two versions.
type StateDiff struct {
	StreamID string `json:"stream_id"`
	// Category is the aggregate kind (organisation, offer, …).
	Category string `json:"category"`
	// From and To are the versions compared; version 0 is the state
	// before the first event (null).
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
	// Current is the stream's version now.
	Current uint64 `json:"current"`
	// Changes turn the state at From into the state at To, in document
	// order.
	Changes []Change `json:"changes"`
	// Events are the events that made the changes: versions From+1 … To.
	Events []EventRef `json:"events"`
}

// DiffStream rebuilds the state of the aggregate of stream streamID at two
// versions and compares their JSON encodings. Errors: domain.ErrNotFound
// for a missing stream or one that is no diffable aggregate (tokens:
// domain.ErrForbidden); a *domain.ValidationError on field "from", "to" or
// "as_of" for versions the stream does not have.
func DiffStream(ctx context.Context, store domain.EventStore, streamID string, opts DiffOptions) (StateDiff, error) {
	k, err := kindOf(streamID)
	if err != nil {
		return StateDiff{}, err
	}
	evs, err := store.ReadStream(ctx, streamID, domain.ReadStreamOptions{})
	if err != nil {
		return StateDiff{}, err
	}
	current := evs[len(evs)-1].StreamVersion
	var to uint64
	switch {
	case opts.To != nil:
		to = *opts.To
		if to < 1 || to > current {
			return StateDiff{}, &domain.ValidationError{Field: "to", Value: strconv.FormatUint(to, 10), Reason: fmt.Sprintf("must be a version of the stream, 1..%d", current)}
		}
	case !opts.AsOf.IsZero():
		n := cutAt(evs, opts.AsOf)
		if n == 0 {
			return StateDiff{}, fmt.Errorf("%w: stream %s has no events recorded at or before %s", domain.ErrNotFound, streamID, opts.AsOf.Format(time.RFC3339Nano))
		}
		to = evs[n-1].StreamVersion
	default:
		to = current
	}
	from := to - 1
	if opts.From != nil {
		from = *opts.From
		if from > to {
			return StateDiff{}, &domain.ValidationError{Field: "from", Value: strconv.FormatUint(from, 10), Reason: fmt.Sprintf("must be a version from 0 to to (%d)", to)}
		}
	}
	var (
		state         = k.zero()
		before, after []byte
		haveB, haveA  bool
		refs          = []EventRef{}
	)
	if from == 0 {
		before, haveB = []byte("null"), true // the aggregate did not exist yet
	}
	for _, ev := range evs {
		if ev.StreamVersion > to {
			break
		}
		p, err := domain.Decode(ev)
		if err != nil {
			return StateDiff{}, err
		}
		state = k.evolve(state, p)
		if ev.StreamVersion > from {
			refs = append(refs, EventRef{ID: ev.ID, StreamVersion: ev.StreamVersion, Position: ev.Position, Type: ev.Type,
				RecordedAt: ev.RecordedAt, Actor: ev.Actor, CorrelationID: ev.CorrelationID, CausationID: ev.CausationID})
		}
		if ev.StreamVersion == from {
			if before, err = json.Marshal(state); err != nil {
				return StateDiff{}, err
			}
			haveB = true
		}
		if ev.StreamVersion == to {
			if after, err = json.Marshal(state); err != nil {
				return StateDiff{}, err
			}
			haveA = true
		}
	}
	if !haveB || !haveA {
		return StateDiff{}, fmt.Errorf("history: stream %s: versions %d and %d not both found (versions are not consecutive?)", streamID, from, to)
	}
	changes, err := DiffJSON(before, after)
	if err != nil {
		return StateDiff{}, err
	}
	return StateDiff{StreamID: streamID, Category: k.category, From: from, To: to, Current: current,
		Changes: changes, Events: slices.Clip(refs)}, nil
}
