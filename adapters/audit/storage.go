package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/domain"
)

// ErrStale is returned (wrapped) by Storage.Append when the tree grew since
// the caller read its size: another builder appended first. Nothing was
// written; read the size again and continue from there.
var ErrStale = errors.New("audit: the tree records changed since their size was read")

// LeafRecord is one recorded leaf: the event at Index (0-based ordinal in
// the global log) and the hash of its leaf.
type LeafRecord struct {
	Index    int64           `json:"index"`
	Position domain.Position `json:"position"`
	EventID  domain.EventID  `json:"event_id"`
	Hash     tlog.Hash       `json:"leaf_hash"`
}

// Head is a tree head: the root of the tree of the first Size leaves at
// Time. Note is the signed note text (see the package documentation); it is
// empty for a head that was computed but never signed.
type Head struct {
	Size int64     `json:"size"`
	Root tlog.Hash `json:"root"`
	Time time.Time `json:"time"`
	Note string    `json:"note,omitempty"`
}

// Storage keeps the tree's own records, apart from the events: the
// recorded leaves, the tlog stored hashes (by storage index, see
// tlog.StoredHashIndex) and the signed tree heads. Implementations are
// safe for concurrent use, also by several processes where the backend
// allows it (PGStorage).
type Storage interface {
	// Size returns the number of recorded leaves.
	Size(ctx context.Context) (int64, error)
	// Leaves returns up to n recorded leaves from index from on, in index
	// order (fewer at the end of the tree, none beyond it).
	Leaves(ctx context.Context, from int64, n int) ([]LeafRecord, error)
	// LeafIndexOf returns the index of the leaf of event id, or an error
	// matching domain.ErrNotFound.
	LeafIndexOf(ctx context.Context, id domain.EventID) (int64, error)
	// ReadHashes returns the stored hashes at the given storage indexes,
	// in the same order; an index not stored is an error.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// Append atomically records leaves expectedSize, expectedSize+1, … and
	// the stored hashes that come with them (starting at storage index
	// tlog.StoredHashIndex(0, expectedSize)). It fails with an error
	// matching ErrStale, writing nothing, when the tree does not have
	// exactly expectedSize leaves.
	Append(ctx context.Context, expectedSize int64, leaves []LeafRecord, hashes []tlog.Hash) error
	// PutHead records a signed head. Recording the same head (size and
	// time) twice is not an error.
	PutHead(ctx context.Context, h Head) error
	// LatestHead returns the signed head of the largest size (the latest
	// of that size), and false when none is recorded.
	LatestHead(ctx context.Context) (Head, bool, error)
	// Heads returns every signed head by ascending size, then time.
	Heads(ctx context.Context) ([]Head, error)
	// Close releases the storage.
	Close() error
}

// checkAppend validates the arguments of Storage.Append.
func checkAppend(expectedSize int64, leaves []LeafRecord, hashes []tlog.Hash) error {
	for i, l := range leaves {
		if l.Index != expectedSize+int64(i) {
			return fmt.Errorf("audit: append at size %d: leaf %d has index %d", expectedSize, i, l.Index)
		}
	}
	want := tlog.StoredHashIndex(0, expectedSize+int64(len(leaves))) - tlog.StoredHashIndex(0, expectedSize)
	if int64(len(hashes)) != want {
		return fmt.Errorf("audit: append of %d leaves at size %d carries %d stored hashes, want %d", len(leaves), expectedSize, len(hashes), want)
	}
	return nil
}

// staleError reports the size a builder expected and the one it found.
func staleError(expected, actual int64) error {
	return fmt.Errorf("%w: expected %d leaves, found %d", ErrStale, expected, actual)
}

// hashReader returns a tlog.HashReader over st bound to ctx.
func hashReader(ctx context.Context, st Storage) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return st.ReadHashes(ctx, indexes)
	})
}

// memHashes is an in-memory hash storage: the stored hashes of a tree in
// storage index order.
type memHashes []tlog.Hash

// ReadHashes implements tlog.HashReader.
func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("audit: stored hash %d not computed (have %d)", x, len(m))
		}
		out[i] = m[x]
	}
	return out, nil
}

// add appends the stored hashes of the next leaf, whose hash is h.
func (m *memHashes) add(n int64, h tlog.Hash) error {
	hs, err := tlog.StoredHashesForRecordHash(n, h, *m)
	if err != nil {
		return err
	}
	*m = append(*m, hs...)
	return nil
}
