// Package shred is nisa's crypto-shredding: an event store decorator that
// keeps personal data out of the event log in clear, and the key stores
// that hold one key per person apart from the events.
//
// On Append, every person object of an event body (domain.PersonCollections)
// has its personal fields (domain.PersonalFields) replaced by
//
//	"person_id": "p-…", "sealed": "v1:<base64 of nonce ‖ AES-256-GCM ciphertext ‖ tag>"
//
// under the person's key. The person is found again by a keyed hash of the
// e-mail address (or of the name within the stream when there is none;
// domain.PersonLookup). On every read — ReadStream, ReadAll, Subscribe and
// the events an Append returns — sealed persons are opened again. Once a
// person is forgotten (Erase destroys the key), reads show
// {"person_id": "p-…", "name": "[erased]", "erased": true} instead, for
// every event ever recorded about them, while the stored bytes, and so
// the audit log's hashes over them, stay unchanged.
//
// Keys are cached for CacheTTL. Erase drops the key from this process's
// cache at once; other processes drop it when they read the
// PersonForgotten event (their projection runners do within milliseconds)
// or when the cache entry expires, whichever comes first.
package shred

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Options tune a Store.
type Options struct {
	// CacheTTL is how long a person's key is kept in memory (default one
	// minute).
	CacheTTL time.Duration
	// CacheSize bounds the number of cached keys (default 100,000).
	CacheSize int
}

// Store is the encrypting decorator of an event store. It implements
// domain.EventStore and domain.Eraser.
type Store struct {
	inner domain.EventStore
	keys  domain.KeyStore
	opts  Options

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	key []byte
	at  time.Time
}

var (
	_ domain.EventStore = (*Store)(nil)
	_ domain.Eraser     = (*Store)(nil)
)

// New returns the decorator of inner with keys. Closing it closes inner
// and keys.
func New(inner domain.EventStore, keys domain.KeyStore, opts Options) *Store {
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = time.Minute
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 100_000
	}
	return &Store{inner: inner, keys: keys, opts: opts, cache: map[string]cached{}}
}

// Inner returns the decorated store: the events as stored, personal data
// sealed. The audit log hashes these.
func (s *Store) Inner() domain.EventStore { return s.inner }

// Keys returns the key store.
func (s *Store) Keys() domain.KeyStore { return s.keys }

// Erase implements domain.Eraser: it destroys the person's key and drops
// it from the cache.
func (s *Store) Erase(ctx context.Context, personID string) error {
	if err := s.keys.Destroy(ctx, personID); err != nil {
		return err
	}
	s.evict(personID)
	return nil
}

// Append implements domain.EventStore: it seals the personal data of the
// events, appends them, and returns them opened.
func (s *Store) Append(ctx context.Context, streamID string, expected domain.ExpectedVersion, events []domain.EventData) (domain.AppendResult, error) {
	if err := domain.ValidateAppend(streamID, events); err != nil {
		return domain.AppendResult{}, err
	}
	sealed := make([]domain.EventData, len(events))
	for i, ev := range events {
		data, err := seal(ctx, s, streamID, ev.ID, ev.Data)
		if err != nil {
			return domain.AppendResult{}, fmt.Errorf("shred: seal personal data of event %d: %w", i, err)
		}
		sealed[i] = ev
		sealed[i].Data = data
	}
	res, err := s.inner.Append(ctx, streamID, expected, sealed)
	if err != nil {
		return res, err
	}
	if err := s.openAll(ctx, res.Events); err != nil {
		return domain.AppendResult{}, err
	}
	return res, nil
}

// ReadStream implements domain.EventStore.
func (s *Store) ReadStream(ctx context.Context, streamID string, opts domain.ReadStreamOptions) ([]domain.Event, error) {
	evs, err := s.inner.ReadStream(ctx, streamID, opts)
	if err != nil {
		return nil, err
	}
	return evs, s.openAll(ctx, evs)
}

// ReadAll implements domain.EventStore.
func (s *Store) ReadAll(ctx context.Context, after domain.Position, limit int) ([]domain.Event, error) {
	evs, err := s.inner.ReadAll(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	return evs, s.openAll(ctx, evs)
}

// Subscribe implements domain.EventStore.
func (s *Store) Subscribe(ctx context.Context, after domain.Position) iter.Seq2[domain.Event, error] {
	return func(yield func(domain.Event, error) bool) {
		for ev, err := range s.inner.Subscribe(ctx, after) {
			if err == nil {
				err = s.openEvent(ctx, &ev)
			}
			if !yield(ev, err) || err != nil {
				return
			}
		}
	}
}

// Head implements domain.EventStore.
func (s *Store) Head(ctx context.Context) (domain.Position, error) { return s.inner.Head(ctx) }

// Close implements domain.EventStore: it closes the inner store and the
// key store.
func (s *Store) Close() error { return errors.Join(s.inner.Close(), s.keys.Close()) }

func (s *Store) openAll(ctx context.Context, evs []domain.Event) error {
	for i := range evs {
		if err := s.openEvent(ctx, &evs[i]); err != nil {
			return err
		}
	}
	return nil
}

// openEvent opens ev's sealed persons in place. A PersonForgotten event
// drops the person's key from the cache first, so that no later read of
// this process opens their data again.
func (s *Store) openEvent(ctx context.Context, ev *domain.Event) error {
	if ev.Type == (domain.PersonForgotten{}).EventType() {
		var e domain.PersonForgotten
		if json.Unmarshal(ev.Data, &e) == nil {
			s.evict(e.PersonID)
		}
		return nil
	}
	data, err := open(ctx, s, ev.ID, ev.Data)
	if err != nil {
		return err
	}
	ev.Data = data
	return nil
}

func (s *Store) ensure(ctx context.Context, lookup string) (string, []byte, error) {
	id, key, err := s.keys.Ensure(ctx, lookup)
	if err == nil {
		s.put(id, key)
	}
	return id, key, err
}

func (s *Store) key(ctx context.Context, personID string) ([]byte, error) {
	s.mu.Lock()
	c, ok := s.cache[personID]
	s.mu.Unlock()
	if ok && time.Since(c.at) < s.opts.CacheTTL {
		return c.key, nil
	}
	key, err := s.keys.Key(ctx, personID)
	if err != nil {
		return nil, err
	}
	s.put(personID, key)
	return key, nil
}

func (s *Store) put(personID string, key []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cache) >= s.opts.CacheSize {
		clear(s.cache)
	}
	s.cache[personID] = cached{key: key, at: time.Now()}
}

func (s *Store) evict(personID string) {
	s.mu.Lock()
	delete(s.cache, personID)
	s.mu.Unlock()
}
