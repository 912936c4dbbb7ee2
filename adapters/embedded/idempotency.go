package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/domain"
)

// bucketIdempotency holds the HTTP layer's Idempotency-Key records:
// key -> JSON record. It lives beside the events but is not part of the log.
var bucketIdempotency = []byte("idempotency")

// Idempotency returns the store's httpapi.IdempotencyStore, kept in the same
// file (bucket "idempotency").
func (s *Store) Idempotency() *IdempotencyStore { return &IdempotencyStore{s: s} }

// IdempotencyStore implements httpapi.IdempotencyStore in the embedded
// store's file. Each call is one fsync'd bolt transaction.
type IdempotencyStore struct{ s *Store }

var _ httpapi.IdempotencyStore = (*IdempotencyStore)(nil)

func (i *IdempotencyStore) update(ctx context.Context, fn func(b *bolt.Bucket) error) error {
	if err := i.s.check(ctx); err != nil {
		return err
	}
	err := i.s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketIdempotency)
		if err != nil {
			return err
		}
		return fn(b)
	})
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return domain.ErrClosed
	}
	return err
}

// Reserve implements httpapi.IdempotencyStore.
func (i *IdempotencyStore) Reserve(ctx context.Context, key, fingerprint string, now, staleBefore time.Time) (httpapi.IdempotencyRecord, bool, error) {
	var rec httpapi.IdempotencyRecord
	reserved := false
	err := i.update(ctx, func(b *bolt.Bucket) error {
		if v := b.Get([]byte(key)); v != nil {
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("embedded: idempotency record %s: %w", key, err)
			}
			if rec.Done || !rec.CreatedAt.Before(staleBefore) {
				return nil
			}
		}
		rec = httpapi.IdempotencyRecord{Fingerprint: fingerprint, CreatedAt: now}
		reserved = true
		return putRecord(b, key, rec)
	})
	return rec, reserved, err
}

func putRecord(b *bolt.Bucket, key string, rec httpapi.IdempotencyRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), v)
}

// Complete implements httpapi.IdempotencyStore.
func (i *IdempotencyStore) Complete(ctx context.Context, key string, rec httpapi.IdempotencyRecord) error {
	rec.Done = true
	return i.update(ctx, func(b *bolt.Bucket) error { return putRecord(b, key, rec) })
}

// Release implements httpapi.IdempotencyStore.
func (i *IdempotencyStore) Release(ctx context.Context, key string) error {
	return i.update(ctx, func(b *bolt.Bucket) error { return b.Delete([]byte(key)) })
}

// Purge implements httpapi.IdempotencyStore.
func (i *IdempotencyStore) Purge(ctx context.Context, before time.Time) (int, error) {
	return i.purgeWhere(ctx, func(rec httpapi.IdempotencyRecord) bool { return rec.CreatedAt.Before(before) })
}

// PurgeMentioning implements httpapi.IdempotencyEraser: it deletes the
// records whose stored response contains text.
func (i *IdempotencyStore) PurgeMentioning(ctx context.Context, text string) (int, error) {
	return i.purgeWhere(ctx, func(rec httpapi.IdempotencyRecord) bool { return bytes.Contains(rec.Body, []byte(text)) })
}

// purgeWhere deletes the records drop selects and returns how many.
func (i *IdempotencyStore) purgeWhere(ctx context.Context, drop func(httpapi.IdempotencyRecord) bool) (int, error) {
	n := 0
	err := i.update(ctx, func(b *bolt.Bucket) error {
		c := b.Cursor()
		for k, v := c.First(); k != nil; {
			var rec httpapi.IdempotencyRecord
			if json.Unmarshal(v, &rec) == nil && drop(rec) {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
				k, v = c.Seek(k)
				continue
			}
			k, v = c.Next()
		}
		return nil
	})
	return n, err
}
