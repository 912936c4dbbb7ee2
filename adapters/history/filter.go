// Package history answers an auditor's questions about the event log: which
// events match a filter (a bounded, resumable scan of the global log), what
// one stream looked like up to a moment, and what changed in an aggregate's
// state between two versions (a JSON diff with RFC 6901 pointers).
//
// The HTTP API (GET /v1/events, /v1/streams/{id}/events, /v1/streams/{id}/diff)
// and the CLI ("nisa history") share this package, so both answer alike. It
// only reads: nothing here appends to the store.
package history

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// DefaultScanBudget is the most events one Scan examines (matching or not)
// when the caller names no budget: it bounds the work of one HTTP request
// however rare the matching events are.
const DefaultScanBudget = 10_000

// Filter selects events of the global log. Every set field must match (the
// zero Filter matches everything).
type Filter struct {
	// From and To bound the recorded-at time: From inclusive, To exclusive.
	From, To time.Time
	// Types are event type names; an event matches if it has one of them.
	Types []string
	// Stream is an exact stream id ("offer-0190…").
	Stream string
	// StreamPrefix matches stream ids that start with it ("offer-").
	StreamPrefix string
	// Actor matches events whose recorded actor contains it, ignoring case
	// ("token:3f9c", "coordinator", "system:").
	Actor string
}

// IsZero reports whether f matches every event.
func (f Filter) IsZero() bool {
	return f.From.IsZero() && f.To.IsZero() && len(f.Types) == 0 && f.Stream == "" && f.StreamPrefix == "" && f.Actor == ""
}

// Validate checks the filter: a known event type in Types (see
// ParseTypes) and From before To. Errors are *domain.ValidationError
// naming the field ("type", "to").
func (f Filter) Validate() error {
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return &domain.ValidationError{Field: "to", Value: f.To.Format(time.RFC3339Nano), Reason: "must be after from (" + f.From.Format(time.RFC3339Nano) + ")"}
	}
	_, err := ParseTypes(f.Types)
	return err
}

// Match reports whether ev passes the filter.
func (f Filter) Match(ev domain.Event) bool {
	switch {
	case !f.From.IsZero() && ev.RecordedAt.Before(f.From):
		return false
	case !f.To.IsZero() && !ev.RecordedAt.Before(f.To):
		return false
	case len(f.Types) > 0 && !slices.Contains(f.Types, ev.Type):
		return false
	case f.Stream != "" && ev.StreamID != f.Stream:
		return false
	case f.StreamPrefix != "" && !strings.HasPrefix(ev.StreamID, f.StreamPrefix):
		return false
	case f.Actor != "" && !strings.Contains(strings.ToLower(ev.Actor), strings.ToLower(f.Actor)):
		return false
	}
	return true
}

// ParseTypes turns type parameters (each may be a comma-separated list)
// into event type names, checking each against the registered event types.
// An unknown name is a *domain.ValidationError on field "type" whose value
// is the name.
func ParseTypes(values []string) ([]string, error) {
	var out []string
	known := domain.EventTypes()
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "" {
				continue
			}
			if !slices.Contains(known, t) {
				return nil, &domain.ValidationError{Field: "type", Value: t, Reason: "unknown event type; known types: " + strings.Join(known, ", ")}
			}
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// Page is the outcome of one Scan.
type Page struct {
	// Items are the matching events, in log order.
	Items []domain.Event
	// More reports that the scan stopped before the end of the log (the
	// limit of items or the scan budget was reached): scan again after
	// Next. At the end of the log More is false.
	More bool
	// Next is where the next scan starts (with More): the position of the
	// last item when the limit was reached, else the last event scanned.
	Next domain.Position
	// ScannedTo is the position of the last event examined (the start
	// position when none was): everything up to it has been looked at.
	ScannedTo domain.Position
	// Scanned counts the events examined.
	Scanned int
}

// Scan reads the global log after position after and keeps the events that
// match f, until it holds limit of them, has examined budget events
// (DefaultScanBudget when budget < 1), or reaches the end of the log.
// Scanning again after Page.Next, as long as Page.More, visits every event
// exactly once: no matching event is missed or returned twice.
func Scan(ctx context.Context, store domain.EventStore, after domain.Position, f Filter, limit, budget int) (Page, error) {
	if limit < 1 {
		return Page{}, fmt.Errorf("history: scan limit %d: %w", limit, domain.ErrInvalid)
	}
	if budget < 1 {
		budget = DefaultScanBudget
	}
	page := Page{ScannedTo: after, Items: []domain.Event{}}
	pos := after
	for {
		want := limit - len(page.Items)
		if !f.IsZero() {
			// Matching events may be rare: read in larger batches.
			want = max(want, 256)
		}
		want = min(want, 1000, budget-page.Scanned)
		evs, err := store.ReadAll(ctx, pos, want)
		if err != nil {
			return Page{}, err
		}
		for _, ev := range evs {
			page.Scanned++
			page.ScannedTo = ev.Position
			if f.Match(ev) {
				page.Items = append(page.Items, ev)
				if len(page.Items) == limit {
					page.More, page.Next = true, ev.Position
					return page, nil
				}
			}
		}
		if len(evs) < want {
			return page, nil // the end of the log, as far as it is visible now
		}
		pos = evs[len(evs)-1].Position
		if page.Scanned >= budget {
			page.More, page.Next = true, pos
			return page, nil
		}
	}
}

// StreamAsOf returns the events of one stream recorded up to asOf: the
// events an aggregate read with ?as_of= is rebuilt from (domain.Load stops
// at the first event recorded after asOf). A zero asOf returns the whole
// stream. A stream without such events is domain.ErrNotFound.
func StreamAsOf(ctx context.Context, store domain.EventStore, streamID string, asOf time.Time) ([]domain.Event, error) {
	evs, err := store.ReadStream(ctx, streamID, domain.ReadStreamOptions{})
	if err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		return evs, nil
	}
	n := cutAt(evs, asOf)
	if n == 0 {
		return nil, fmt.Errorf("%w: stream %s has no events recorded at or before %s", domain.ErrNotFound, streamID, asOf.Format(time.RFC3339Nano))
	}
	return evs[:n], nil
}

// cutAt returns how many leading events of evs were recorded at or before t.
func cutAt(evs []domain.Event, t time.Time) int {
	for i, ev := range evs {
		if ev.RecordedAt.After(t) {
			return i
		}
	}
	return len(evs)
}
