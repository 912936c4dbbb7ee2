package projections

import (
	"context"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// This file holds small helpers shared by the document projections
// (rosters, visits, timeline, stats).

// getDocAs reads document id of collection coll through tx as a T. A
// missing document is (zero, false, nil). The value may share slices and
// maps with what the store keeps: copy them before changing them.
func getDocAs[T any](ctx context.Context, tx Tx, coll, id string) (T, bool, error) {
	var zero T
	v, ok, err := tx.Get(ctx, coll, id)
	if err != nil || !ok {
		return zero, false, err
	}
	t, err := As[T](v)
	if err != nil {
		return zero, false, err
	}
	return t, true, nil
}

// putBookkeeping stores a projection's own bookkeeping document: not
// listed under any key.
func putBookkeeping(ctx context.Context, tx Tx, coll, id string, v any) error {
	return tx.Put(ctx, Doc{Coll: coll, ID: id, Value: v})
}

// monthOf returns the calendar month of t in UTC, "2006-01" ("" for the
// zero time).
func monthOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01")
}

// textLabel returns one variant of t for short English summaries: English
// if there is one, else German, Polish, Czech.
func textLabel(t domain.Text) string {
	for _, s := range []string{t.EN, t.DE, t.PL, t.CS} {
		if s != "" {
			return s
		}
	}
	return ""
}

// appendNew appends s to list unless it is there already; it never
// writes into list's backing array.
func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	out := make([]string, len(list), len(list)+1)
	copy(out, list)
	return append(out, s)
}
