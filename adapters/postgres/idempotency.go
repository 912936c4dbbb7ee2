package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nisa-eu/nisa/adapters/httpapi"
)

// Idempotency returns the store's httpapi.IdempotencyStore (table
// nisa_idempotency).
func (s *Store) Idempotency() *IdempotencyStore { return &IdempotencyStore{s: s} }

// IdempotencyStore implements httpapi.IdempotencyStore in PostgreSQL; every
// process sharing the database sees the same records.
type IdempotencyStore struct{ s *Store }

var _ httpapi.IdempotencyStore = (*IdempotencyStore)(nil)

// Reserve implements httpapi.IdempotencyStore. The insert (or the takeover
// of a stale reservation) is one statement, so concurrent callers race
// safely: exactly one gets reserved = true.
func (i *IdempotencyStore) Reserve(ctx context.Context, key, fingerprint string, now, staleBefore time.Time) (httpapi.IdempotencyRecord, bool, error) {
	if err := i.s.check(ctx); err != nil {
		return httpapi.IdempotencyRecord{}, false, err
	}
	var created time.Time
	err := i.s.pool.QueryRow(ctx, `
		INSERT INTO nisa_idempotency (key, fingerprint, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at
		    WHERE NOT nisa_idempotency.done AND nisa_idempotency.created_at < $4
		RETURNING created_at`, key, fingerprint, now, staleBefore).Scan(&created)
	if err == nil {
		return httpapi.IdempotencyRecord{Fingerprint: fingerprint, CreatedAt: created}, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return httpapi.IdempotencyRecord{}, false, i.s.fail("idempotency reserve", err)
	}
	var rec httpapi.IdempotencyRecord
	err = i.s.pool.QueryRow(ctx, `SELECT fingerprint, done, status, header, body, created_at FROM nisa_idempotency WHERE key = $1`, key).
		Scan(&rec.Fingerprint, &rec.Done, &rec.Status, &rec.Header, &rec.Body, &rec.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		// Released or purged between the two statements: try again.
		return i.Reserve(ctx, key, fingerprint, now, staleBefore)
	}
	if err != nil {
		return httpapi.IdempotencyRecord{}, false, i.s.fail("idempotency read", err)
	}
	rec.CreatedAt = rec.CreatedAt.UTC()
	return rec, false, nil
}

// Complete implements httpapi.IdempotencyStore.
func (i *IdempotencyStore) Complete(ctx context.Context, key string, rec httpapi.IdempotencyRecord) error {
	if err := i.s.check(ctx); err != nil {
		return err
	}
	if rec.Header == nil {
		rec.Header = map[string]string{}
	}
	_, err := i.s.pool.Exec(ctx, `UPDATE nisa_idempotency SET done = true, status = $2, header = $3, body = $4 WHERE key = $1`,
		key, rec.Status, rec.Header, rec.Body)
	return i.failIf("idempotency complete", err)
}

// Release implements httpapi.IdempotencyStore.
func (i *IdempotencyStore) Release(ctx context.Context, key string) error {
	if err := i.s.check(ctx); err != nil {
		return err
	}
	_, err := i.s.pool.Exec(ctx, `DELETE FROM nisa_idempotency WHERE key = $1 AND NOT done`, key)
	return i.failIf("idempotency release", err)
}

// Purge implements httpapi.IdempotencyStore.
func (i *IdempotencyStore) Purge(ctx context.Context, before time.Time) (int, error) {
	if err := i.s.check(ctx); err != nil {
		return 0, err
	}
	tag, err := i.s.pool.Exec(ctx, `DELETE FROM nisa_idempotency WHERE created_at < $1`, before)
	return int(tag.RowsAffected()), i.failIf("idempotency purge", err)
}

// PurgeMentioning implements httpapi.IdempotencyEraser: it deletes the
// records whose stored response contains text.
func (i *IdempotencyStore) PurgeMentioning(ctx context.Context, text string) (int, error) {
	if err := i.s.check(ctx); err != nil {
		return 0, err
	}
	tag, err := i.s.pool.Exec(ctx, `DELETE FROM nisa_idempotency WHERE position($1::bytea IN body) > 0`, []byte(text))
	return int(tag.RowsAffected()), i.failIf("idempotency purge", err)
}

func (i *IdempotencyStore) failIf(op string, err error) error {
	if err == nil {
		return nil
	}
	return i.s.fail(op, err)
}
