package audit

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/domain"
)

// Buckets of the bolt file. Numbers in keys are 8-byte big-endian, so that
// keys sort by number.
//
//	leaves    leaf index -> event id (16 bytes), leaf hash (32 bytes), position text
//	leaf_ids  event id (16 bytes) -> leaf index
//	hashes    storage index -> stored hash (32 bytes)
//	heads     size, time (Unix nanoseconds) -> root (32 bytes), signed note text
var (
	boltLeaves  = []byte("leaves")
	boltLeafIDs = []byte("leaf_ids")
	boltHashes  = []byte("hashes")
	boltHeads   = []byte("heads")
)

// BoltStorage is the Storage of the tree in a bolt file of its own (the
// server uses <data-dir>/audit.db, beside the embedded store's events.db).
// Only one process can open the file at a time.
type BoltStorage struct {
	db *bolt.DB
}

// OpenBolt opens (creating as needed, mode 0600) the bolt file at path. It
// fails after about a second when another process has the file open.
func OpenBolt(path string) (*BoltStorage, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("audit: %s is in use by another process: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{boltLeaves, boltLeafIDs, boltHashes, boltHeads} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("audit: initialise %s: %w", path, err)
	}
	return &BoltStorage{db: db}, nil
}

func u64key(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

// boltSize is the index of the last leaf plus one.
func boltSize(tx *bolt.Tx) int64 {
	k, _ := tx.Bucket(boltLeaves).Cursor().Last()
	if k == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(k)) + 1
}

// view runs fn in a read transaction unless ctx is done.
func (s *BoltStorage) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// Size implements Storage.
func (s *BoltStorage) Size(ctx context.Context) (int64, error) {
	var n int64
	err := s.view(ctx, func(tx *bolt.Tx) error {
		n = boltSize(tx)
		return nil
	})
	return n, err
}

// Leaves implements Storage.
func (s *BoltStorage) Leaves(ctx context.Context, from int64, n int) ([]LeafRecord, error) {
	var out []LeafRecord
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(boltLeaves).Cursor()
		for k, v := c.Seek(u64key(max(from, 0))); k != nil && len(out) < n; k, v = c.Next() {
			rec, err := decodeBoltLeaf(k, v)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}

// decodeBoltLeaf decodes an entry of the leaves bucket.
func decodeBoltLeaf(k, v []byte) (LeafRecord, error) {
	idx := int64(binary.BigEndian.Uint64(k))
	if len(v) < 48 {
		return LeafRecord{}, fmt.Errorf("audit: leaf %d: record of %d bytes", idx, len(v))
	}
	pos, err := domain.ParsePosition(string(v[48:]))
	if err != nil {
		return LeafRecord{}, fmt.Errorf("audit: leaf %d: %w", idx, err)
	}
	rec := LeafRecord{Index: idx, Position: pos}
	copy(rec.EventID[:], v[:16])
	copy(rec.Hash[:], v[16:48])
	return rec, nil
}

// LeafIndexOf implements Storage.
func (s *BoltStorage) LeafIndexOf(ctx context.Context, id domain.EventID) (int64, error) {
	idx := int64(-1)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if v := tx.Bucket(boltLeafIDs).Get(id[:]); len(v) == 8 {
			idx = int64(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	if err == nil && idx < 0 {
		err = fmt.Errorf("audit: event %s has no leaf: %w", id, domain.ErrNotFound)
	}
	return idx, err
}

// ReadHashes implements Storage.
func (s *BoltStorage) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(boltHashes)
		for i, x := range indexes {
			v := b.Get(u64key(x))
			if len(v) != tlog.HashSize {
				return fmt.Errorf("audit: stored hash %d is missing", x)
			}
			copy(out[i][:], v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Append implements Storage.
func (s *BoltStorage) Append(ctx context.Context, expectedSize int64, leaves []LeafRecord, hashes []tlog.Hash) error {
	if err := checkAppend(expectedSize, leaves, hashes); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if size := boltSize(tx); size != expectedSize {
			return staleError(expectedSize, size)
		}
		lb, ib, hb := tx.Bucket(boltLeaves), tx.Bucket(boltLeafIDs), tx.Bucket(boltHashes)
		for _, l := range leaves {
			v := make([]byte, 0, 48+24)
			v = append(append(append(v, l.EventID[:]...), l.Hash[:]...), l.Position.String()...)
			if err := lb.Put(u64key(l.Index), v); err != nil {
				return err
			}
			if err := ib.Put(l.EventID[:], u64key(l.Index)); err != nil {
				return err
			}
		}
		base := tlog.StoredHashIndex(0, expectedSize)
		for i, h := range hashes {
			if err := hb.Put(u64key(base+int64(i)), h[:]); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutHead implements Storage.
func (s *BoltStorage) PutHead(ctx context.Context, h Head) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := append(u64key(h.Size), u64key(h.Time.UnixNano())...)
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(boltHeads).Put(key, append(h.Root[:len(h.Root):len(h.Root)], h.Note...))
	})
}

// LatestHead implements Storage.
func (s *BoltStorage) LatestHead(ctx context.Context) (Head, bool, error) {
	var (
		h  Head
		ok bool
	)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k, v := tx.Bucket(boltHeads).Cursor().Last()
		if k == nil {
			return nil
		}
		var err error
		h, err = decodeBoltHead(k, v)
		ok = err == nil
		return err
	})
	return h, ok, err
}

// Heads implements Storage.
func (s *BoltStorage) Heads(ctx context.Context) ([]Head, error) {
	var out []Head
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(boltHeads).ForEach(func(k, v []byte) error {
			h, err := decodeBoltHead(k, v)
			out = append(out, h)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeBoltHead decodes an entry of the heads bucket.
func decodeBoltHead(k, v []byte) (Head, error) {
	if len(k) != 16 || len(v) < tlog.HashSize {
		return Head{}, fmt.Errorf("audit: damaged head record (key %d bytes, value %d bytes)", len(k), len(v))
	}
	h := Head{
		Size: int64(binary.BigEndian.Uint64(k[:8])),
		Time: time.Unix(0, int64(binary.BigEndian.Uint64(k[8:]))).UTC(),
		Note: string(v[tlog.HashSize:]),
	}
	copy(h.Root[:], v)
	return h, nil
}

// Close implements Storage.
func (s *BoltStorage) Close() error { return s.db.Close() }
