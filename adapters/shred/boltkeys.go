package shred

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nisa-eu/nisa/domain"
)

// Buckets of the key file.
var (
	bucketKeyMeta   = []byte("meta")
	bucketKeys      = []byte("keys")      // person id → key
	bucketLookups   = []byte("lookups")   // lookup hash → person id
	bucketLookupOf  = []byte("lookup_of") // person id → lookup hash
	bucketDestroyed = []byte("destroyed") // person id → RFC 3339 time
	keyLookupSecret = []byte("lookup_secret")
)

// BoltKeys is the key store of the embedded mode: its own bbolt file
// (keys.db beside events.db), never the event file. Destroying a key
// deletes it in a committed, fsync'd transaction; bbolt does not zero the
// freed page, whose bytes stay on disk until the page is reused (see the
// README on what crypto-shredding can and cannot promise).
type BoltKeys struct {
	db *bolt.DB
}

var _ domain.KeyStore = (*BoltKeys)(nil)

// OpenBoltKeys opens (creating if needed) the key file at path.
func OpenBoltKeys(path string) (*BoltKeys, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("key store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketKeyMeta, bucketKeys, bucketLookups, bucketLookupOf, bucketDestroyed} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketKeyMeta)
		if meta.Get(keyLookupSecret) == nil {
			return meta.Put(keyLookupSecret, newKey())
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("key store %s: %w", path, err)
	}
	return &BoltKeys{db: db}, nil
}

// Path returns the file of the key store.
func (k *BoltKeys) Path() string { return k.db.Path() }

// Ensure implements domain.KeyStore.
func (k *BoltKeys) Ensure(ctx context.Context, lookup string) (string, []byte, error) {
	var id string
	var key []byte
	find := func(tx *bolt.Tx) {
		h := lookupHash(tx.Bucket(bucketKeyMeta).Get(keyLookupSecret), lookup)
		if pid := tx.Bucket(bucketLookups).Get(h); pid != nil {
			id, key = string(pid), append([]byte(nil), tx.Bucket(bucketKeys).Get(pid)...)
		}
	}
	if err := k.db.View(func(tx *bolt.Tx) error { find(tx); return nil }); err != nil {
		return "", nil, err
	}
	if id != "" {
		return id, key, nil
	}
	err := k.db.Update(func(tx *bolt.Tx) error {
		if find(tx); id != "" {
			return nil
		}
		id, key = newPersonID(), newKey()
		h := lookupHash(tx.Bucket(bucketKeyMeta).Get(keyLookupSecret), lookup)
		if err := tx.Bucket(bucketLookups).Put(h, []byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketLookupOf).Put([]byte(id), h); err != nil {
			return err
		}
		return tx.Bucket(bucketKeys).Put([]byte(id), key)
	})
	if err != nil {
		return "", nil, fmt.Errorf("key store: %w", err)
	}
	return id, key, nil
}

// Find implements domain.KeyStore.
func (k *BoltKeys) Find(ctx context.Context, lookup string) (string, error) {
	var id string
	err := k.db.View(func(tx *bolt.Tx) error {
		h := lookupHash(tx.Bucket(bucketKeyMeta).Get(keyLookupSecret), lookup)
		id = string(tx.Bucket(bucketLookups).Get(h))
		return nil
	})
	if err == nil && id == "" {
		err = fmt.Errorf("no person is known by that %w", domain.ErrNotFound)
	}
	return id, err
}

// Key implements domain.KeyStore.
func (k *BoltKeys) Key(ctx context.Context, personID string) ([]byte, error) {
	var key []byte
	var destroyed bool
	err := k.db.View(func(tx *bolt.Tx) error {
		key = append([]byte(nil), tx.Bucket(bucketKeys).Get([]byte(personID))...)
		destroyed = tx.Bucket(bucketDestroyed).Get([]byte(personID)) != nil
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case destroyed:
		return nil, domain.ErrKeyDestroyed
	case len(key) == 0:
		return nil, fmt.Errorf("person %s: %w", personID, domain.ErrNotFound)
	}
	return key, nil
}

// Destroy implements domain.KeyStore: it deletes the key and every lookup
// of the person, and remembers that the person was forgotten.
func (k *BoltKeys) Destroy(ctx context.Context, personID string) error {
	return k.db.Update(func(tx *bolt.Tx) error {
		pid := []byte(personID)
		if tx.Bucket(bucketDestroyed).Get(pid) != nil {
			return nil
		}
		if tx.Bucket(bucketKeys).Get(pid) == nil {
			return fmt.Errorf("person %s: %w", personID, domain.ErrNotFound)
		}
		if err := tx.Bucket(bucketKeys).Delete(pid); err != nil {
			return err
		}
		if h := tx.Bucket(bucketLookupOf).Get(pid); h != nil {
			if err := tx.Bucket(bucketLookups).Delete(h); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketLookupOf).Delete(pid); err != nil {
			return err
		}
		return tx.Bucket(bucketDestroyed).Put(pid, []byte(time.Now().UTC().Format(time.RFC3339)))
	})
}

// Close implements domain.KeyStore.
func (k *BoltKeys) Close() error { return k.db.Close() }
