package shred

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nisa-eu/nisa/domain"
)

// PGKeys is the key store of the PostgreSQL and EventStoreDB modes: table
// nisa_person_keys (migration 0005), apart from the event table. Several
// server processes may share it.
type PGKeys struct {
	pool *pgxpool.Pool

	once   sync.Once
	secret []byte
	err    error
}

var _ domain.KeyStore = (*PGKeys)(nil)

// NewPGKeys returns the key store in the database of pool (migrated). It
// does not close the pool.
func NewPGKeys(pool *pgxpool.Pool) *PGKeys { return &PGKeys{pool: pool} }

// lookupSecret reads (creating on first use) the secret of the lookup
// hashes.
func (k *PGKeys) lookupSecret(ctx context.Context) ([]byte, error) {
	k.once.Do(func() {
		_, err := k.pool.Exec(ctx, `INSERT INTO nisa_key_secrets (name, secret) VALUES ('lookup', $1) ON CONFLICT (name) DO NOTHING`, newKey())
		if err == nil {
			err = k.pool.QueryRow(ctx, `SELECT secret FROM nisa_key_secrets WHERE name = 'lookup'`).Scan(&k.secret)
		}
		k.err = err
	})
	if k.err != nil {
		err := k.err
		k.once = sync.Once{} // try again next time
		return nil, fmt.Errorf("key store: %w", err)
	}
	return k.secret, nil
}

// Ensure implements domain.KeyStore. Concurrent callers with the same
// lookup get the same person: the insert races on the unique lookup.
func (k *PGKeys) Ensure(ctx context.Context, lookup string) (string, []byte, error) {
	secret, err := k.lookupSecret(ctx)
	if err != nil {
		return "", nil, err
	}
	h := lookupHash(secret, lookup)
	var id string
	var key []byte
	err = k.pool.QueryRow(ctx, `
		WITH ins AS (
		    INSERT INTO nisa_person_keys (person_id, key, lookup) VALUES ($1, $2, $3)
		    ON CONFLICT (lookup) DO NOTHING
		    RETURNING person_id, key)
		SELECT person_id, key FROM ins
		UNION ALL
		SELECT person_id, key FROM nisa_person_keys WHERE lookup = $3
		LIMIT 1`, newPersonID(), newKey(), h).Scan(&id, &key)
	if errors.Is(err, pgx.ErrNoRows) {
		// The conflicting row was inserted by a transaction this
		// statement's snapshot does not see yet: read it now.
		err = k.pool.QueryRow(ctx, `SELECT person_id, key FROM nisa_person_keys WHERE lookup = $1`, h).Scan(&id, &key)
	}
	if err != nil {
		return "", nil, fmt.Errorf("key store: %w", err)
	}
	return id, key, nil
}

// Find implements domain.KeyStore.
func (k *PGKeys) Find(ctx context.Context, lookup string) (string, error) {
	secret, err := k.lookupSecret(ctx)
	if err != nil {
		return "", err
	}
	var id string
	err = k.pool.QueryRow(ctx, `SELECT person_id FROM nisa_person_keys WHERE lookup = $1`, lookupHash(secret, lookup)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("no person is known by that %w", domain.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("key store: %w", err)
	}
	return id, nil
}

// Key implements domain.KeyStore.
func (k *PGKeys) Key(ctx context.Context, personID string) ([]byte, error) {
	var key []byte
	err := k.pool.QueryRow(ctx, `SELECT key FROM nisa_person_keys WHERE person_id = $1`, personID).Scan(&key)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("person %s: %w", personID, domain.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("key store: %w", err)
	case key == nil:
		return nil, domain.ErrKeyDestroyed
	}
	return key, nil
}

// Destroy implements domain.KeyStore. It then VACUUMs the table so that
// the dead row version holding the key is cleared (best effort: a
// concurrent long transaction can keep it alive a while longer).
func (k *PGKeys) Destroy(ctx context.Context, personID string) error {
	var destroyed bool
	err := k.pool.QueryRow(ctx, `
		UPDATE nisa_person_keys SET key = NULL, lookup = NULL, destroyed_at = coalesce(destroyed_at, now())
		WHERE person_id = $1 RETURNING true`, personID).Scan(&destroyed)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("person %s: %w", personID, domain.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("key store: %w", err)
	}
	if _, err := k.pool.Exec(ctx, `VACUUM nisa_person_keys`); err != nil {
		return fmt.Errorf("key store: key destroyed, but VACUUM failed: %w", err)
	}
	return nil
}

// Close implements domain.KeyStore; the pool belongs to the caller.
func (k *PGKeys) Close() error { return nil }
