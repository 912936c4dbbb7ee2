package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/domain"
)

// Advisory lock of PGStorage.Append, in the two-key lock space shared with
// postgres.Migrate (class "nisa", object 1): object 2.
const (
	pgLockClass = 0x6e697361 // "nisa"
	pgLockObj   = 2
)

// PGStorage is the Storage of the tree in PostgreSQL: the tables
// nisa_audit_leaves, nisa_audit_hashes and nisa_audit_heads of migration
// 0004_audit.sql. Several processes may build on one database at once:
// appends take a transaction advisory lock and check the size under it.
type PGStorage struct {
	pool *pgxpool.Pool
}

// NewPGStorage returns the storage on pool's database, which must be
// migrated (postgres.Migrate). The pool stays the caller's: Close does not
// close it.
func NewPGStorage(pool *pgxpool.Pool) *PGStorage { return &PGStorage{pool: pool} }

// pgSize is the size under whatever snapshot the statement runs in.
const pgSize = `SELECT coalesce(max(idx) + 1, 0) FROM nisa_audit_leaves`

// Size implements Storage.
func (s *PGStorage) Size(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, pgSize).Scan(&n); err != nil {
		return 0, pgFail("size", err)
	}
	return n, nil
}

// Leaves implements Storage.
func (s *PGStorage) Leaves(ctx context.Context, from int64, n int) ([]LeafRecord, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT idx, position, event_id, leaf_hash FROM nisa_audit_leaves
WHERE idx >= $1 ORDER BY idx LIMIT $2`, from, n)
	if err != nil {
		return nil, pgFail("read leaves", err)
	}
	var (
		out  []LeafRecord
		pos  string
		id   [16]byte
		hash []byte
		rec  LeafRecord
	)
	_, err = pgx.ForEachRow(rows, []any{&rec.Index, &pos, &id, &hash}, func() error {
		p, err := domain.ParsePosition(pos)
		if err != nil {
			return fmt.Errorf("leaf %d: %w", rec.Index, err)
		}
		h, err := toHash(hash)
		if err != nil {
			return fmt.Errorf("leaf %d: %w", rec.Index, err)
		}
		out = append(out, LeafRecord{Index: rec.Index, Position: p, EventID: id, Hash: h})
		return nil
	})
	if err != nil {
		return nil, pgFail("read leaves", err)
	}
	return out, nil
}

// LeafIndexOf implements Storage.
func (s *PGStorage) LeafIndexOf(ctx context.Context, id domain.EventID) (int64, error) {
	var idx int64
	err := s.pool.QueryRow(ctx, `SELECT idx FROM nisa_audit_leaves WHERE event_id = $1`, [16]byte(id)).Scan(&idx)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("audit: event %s has no leaf: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return 0, pgFail("find leaf", err)
	}
	return idx, nil
}

// ReadHashes implements Storage.
func (s *PGStorage) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT idx, hash FROM nisa_audit_hashes WHERE idx = ANY($1)`, indexes)
	if err != nil {
		return nil, pgFail("read hashes", err)
	}
	found := make(map[int64]tlog.Hash, len(indexes))
	var (
		idx int64
		raw []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&idx, &raw}, func() error {
		h, err := toHash(raw)
		if err != nil {
			return fmt.Errorf("stored hash %d: %w", idx, err)
		}
		found[idx] = h
		return nil
	})
	if err != nil {
		return nil, pgFail("read hashes", err)
	}
	return pick(found, indexes)
}

// pick returns the hashes of indexes from found, failing on a missing one.
func pick(found map[int64]tlog.Hash, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("audit: stored hash %d is missing", x)
		}
		out[i] = h
	}
	return out, nil
}

// Append implements Storage: one transaction that takes the append lock,
// checks the size and copies the rows in.
func (s *PGStorage) Append(ctx context.Context, expectedSize int64, leaves []LeafRecord, hashes []tlog.Hash) error {
	if err := checkAppend(expectedSize, leaves, hashes); err != nil {
		return err
	}
	// Read committed, named: the size query after the lock must see the
	// rows of the writer that held it before.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, int32(pgLockClass), int32(pgLockObj)); err != nil {
			return err
		}
		var size int64
		if err := tx.QueryRow(ctx, pgSize).Scan(&size); err != nil {
			return err
		}
		if size != expectedSize {
			return staleError(expectedSize, size)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"nisa_audit_leaves"}, []string{"idx", "position", "event_id", "leaf_hash"},
			pgx.CopyFromSlice(len(leaves), func(i int) ([]any, error) {
				l := leaves[i]
				return []any{l.Index, l.Position.String(), [16]byte(l.EventID), l.Hash[:]}, nil
			})); err != nil {
			return err
		}
		base := tlog.StoredHashIndex(0, expectedSize)
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"nisa_audit_hashes"}, []string{"idx", "hash"},
			pgx.CopyFromSlice(len(hashes), func(i int) ([]any, error) {
				return []any{base + int64(i), hashes[i][:]}, nil
			}))
		return err
	})
	if errors.Is(err, ErrStale) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation: a writer without the lock?
		return fmt.Errorf("%w: %v", ErrStale, err)
	}
	if err != nil {
		return pgFail("append", err)
	}
	return nil
}

// PutHead implements Storage.
func (s *PGStorage) PutHead(ctx context.Context, h Head) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO nisa_audit_heads (size, signed_at, root, note) VALUES ($1, $2, $3, $4)
ON CONFLICT (size, signed_at) DO NOTHING`, h.Size, h.Time, h.Root[:], h.Note)
	return pgFail("put head", err)
}

const pgHeadColumns = `size, signed_at, root, note`

// LatestHead implements Storage.
func (s *PGStorage) LatestHead(ctx context.Context) (Head, bool, error) {
	heads, err := s.queryHeads(ctx, `SELECT `+pgHeadColumns+` FROM nisa_audit_heads ORDER BY size DESC, signed_at DESC LIMIT 1`)
	if err != nil || len(heads) == 0 {
		return Head{}, false, err
	}
	return heads[0], true, nil
}

// Heads implements Storage.
func (s *PGStorage) Heads(ctx context.Context) ([]Head, error) {
	return s.queryHeads(ctx, `SELECT `+pgHeadColumns+` FROM nisa_audit_heads ORDER BY size, signed_at`)
}

func (s *PGStorage) queryHeads(ctx context.Context, sql string) ([]Head, error) {
	rows, err := s.pool.Query(ctx, sql)
	if err != nil {
		return nil, pgFail("read heads", err)
	}
	var (
		out  []Head
		h    Head
		root []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&h.Size, &h.Time, &root, &h.Note}, func() error {
		r, err := toHash(root)
		if err != nil {
			return fmt.Errorf("head of size %d: %w", h.Size, err)
		}
		out = append(out, Head{Size: h.Size, Root: r, Time: h.Time.UTC(), Note: h.Note})
		return nil
	})
	if err != nil {
		return nil, pgFail("read heads", err)
	}
	return out, nil
}

// Close implements Storage. It leaves the pool open.
func (s *PGStorage) Close() error { return nil }

// toHash converts a stored hash of 32 bytes.
func toHash(b []byte) (tlog.Hash, error) {
	var h tlog.Hash
	if len(b) != len(h) {
		return h, fmt.Errorf("hash of %d bytes, want %d", len(b), len(h))
	}
	copy(h[:], b)
	return h, nil
}

// pgFail wraps a database error with the operation (nil stays nil).
func pgFail(op string, err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return fmt.Errorf("audit: %s: %w (is the schema migrated? run nisa migrate)", op, err)
	}
	return fmt.Errorf("audit: %s: %w", op, err)
}
