package projections

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// RebuildReport says what a rebuild did.
type RebuildReport struct {
	// Projections are the rebuilt projections with their new generations.
	Projections []Target
	// Head is the position the rebuild caught up to before promoting.
	Head domain.Position
	// Events counts the events applied, summed over the projections.
	Events   int64
	Duration time.Duration
}

// Rebuild rebuilds projections ps from the beginning of the log into new
// generations beside the live ones (Store.StartRebuild), runs them on a
// Runner until they have applied the log up to its head as it was when the
// rebuild started, and then promotes each (Store.Promote), so readers
// switch from the old model to the complete new one in one step. A server
// still applying live events to a replaced generation gets ErrRetired and
// continues with the new one from its checkpoint.
//
// onApplied, when set, is called after every committed batch with the
// number of its events (for progress output).
func Rebuild(ctx context.Context, events domain.EventStore, reads Store, ps []Projection, onApplied func(name string, n int)) (RebuildReport, error) {
	start := time.Now()
	head, err := events.Head(ctx)
	if err != nil {
		return RebuildReport{}, err
	}
	rep := RebuildReport{Head: head}
	targets := map[string]Target{}
	for _, p := range ps {
		t, err := reads.StartRebuild(ctx, p.Name())
		if err != nil {
			return rep, fmt.Errorf("rebuild %s: %w", p.Name(), err)
		}
		targets[p.Name()] = t
		rep.Projections = append(rep.Projections, t)
	}
	if head.IsZero() {
		return rep, promoteAll(ctx, reads, rep.Projections)
	}
	var applied atomic.Int64
	r, err := NewRunner(RunnerConfig{
		Events: events, Reads: reads, Projections: ps, Until: &head, MaxBatch: sharedPageSize, // a page a batch: no copying
		Target: func(ctx context.Context, name string) (Target, domain.Position, error) {
			t := targets[name]
			for _, st := range mustStates(ctx, reads) {
				if st.Name == name && st.Building == t.Generation {
					return t, st.BuildingCheckpoint, nil
				}
			}
			return t, domain.Start, nil
		},
		OnApplied: func(name string, b *Batch) {
			applied.Add(int64(len(b.Events)))
			if onApplied != nil {
				onApplied(name, len(b.Events))
			}
		},
	})
	if err != nil {
		return rep, err
	}
	if err := r.Run(ctx); err != nil {
		return rep, err
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	for _, p := range r.Progress() {
		if p.Checkpoint.Less(head) {
			return rep, fmt.Errorf("rebuild %s stopped at %s before reaching %s: %v", p.Name, p.Checkpoint, head, p.Err)
		}
	}
	rep.Events, rep.Duration = applied.Load(), time.Since(start)
	return rep, promoteAll(ctx, reads, rep.Projections)
}

func mustStates(ctx context.Context, reads Store) []State {
	sts, _ := reads.Projections(ctx)
	return sts
}

func promoteAll(ctx context.Context, reads Store, ts []Target) error {
	for _, t := range ts {
		if err := reads.Promote(ctx, t); err != nil {
			return fmt.Errorf("promote %s generation %d: %w", t.Name, t.Generation, err)
		}
	}
	return nil
}
