package projections

import (
	"context"

	"github.com/nisa-eu/nisa/domain"
)

// Projection turns events of the global log into read-model changes. It is
// written once against Tx and runs on every read store.
//
// Apply is called for every event whose type Handles accepts, in position
// order, exactly once per generation: the Runner applies events in batches
// and commits each batch's writes with the projection's checkpoint. Apply
// must be deterministic (no clock, no randomness: everything it writes
// follows from the events), so that a rebuild reproduces live processing.
// It must not modify the payload or anything it refers to (slices, maps):
// the feed hands one decoded payload to every projection handling the
// event, on their own goroutines; copy before changing.
type Projection interface {
	// Name is the projection's stable name: it keys the checkpoint, the
	// watermill handler and the metrics. Renaming it starts it afresh.
	Name() string
	// Handles reports whether Apply needs events of this type; other
	// events only move the checkpoint and are never decoded.
	Handles(eventType string) bool
	// Apply applies one event and its decoded payload.
	Apply(ctx context.Context, tx Tx, ev domain.Event, p domain.Payload) error
}
