package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/esdb"
	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/adapters/shred"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// openedStore is an event store with its readiness check and the read
// store beside it.
type openedStore struct {
	// EventStore is the crypto-shredding decorator (adapters/shred): it
	// seals personal data on append and opens it on every read.
	domain.EventStore
	// shred is that decorator; shred.Inner() holds the events as stored,
	// which the audit log hashes.
	shred *shred.Store
	kind  string // "embedded", "postgres" or "esdb"
	ready func(ctx context.Context) error
	idem  httpapi.IdempotencyStore
	// audit keeps the tamper-evident log's records: <data-dir>/audit.db
	// for the embedded store, PostgreSQL tables otherwise.
	audit audit.Storage
	// reads keeps the read models: in memory for the embedded store, in
	// PostgreSQL otherwise.
	reads projections.Store
}

// Close closes the read store and the event store.
func (s *openedStore) Close() error {
	return errors.Join(s.reads.Close(), s.audit.Close(), s.EventStore.Close())
}

// withKeys puts the crypto-shredding decorator with keys over inner.
func withKeys(o *openedStore, inner domain.EventStore, keys domain.KeyStore) *openedStore {
	o.shred = shred.New(inner, keys, shred.Options{})
	o.EventStore = o.shred
	return o
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// openStore opens the store the flags choose. With PostgreSQL it applies
// pending migrations first when migrate is true.
func openStore(ctx context.Context, sf storeFlags, migrate bool, log *slog.Logger) (*openedStore, error) {
	switch {
	case sf.Store == "" || sf.Store == "embedded":
		s, err := embedded.Open(sf.DataDir, embedded.Options{Logger: log})
		if err != nil {
			return nil, err
		}
		keys, err := shred.OpenBoltKeys(filepath.Join(sf.DataDir, "keys.db"))
		if err != nil {
			s.Close()
			return nil, err
		}
		tree, err := audit.OpenBolt(filepath.Join(sf.DataDir, "audit.db"))
		if err != nil {
			keys.Close()
			s.Close()
			return nil, err
		}
		log.Info("event store opened", "store", "embedded", "path", s.Path(), "keys", keys.Path())
		ready := func(ctx context.Context) error { _, err := s.Head(ctx); return err }
		return withKeys(&openedStore{kind: "embedded", ready: ready, idem: s.Idempotency(), reads: memory.New(), audit: tree}, s, keys), nil
	case isPostgresURL(sf.Store):
		s, err := postgres.Open(ctx, sf.Store, postgres.Options{Logger: log})
		if err != nil {
			return nil, err
		}
		if migrate {
			if _, err := postgres.Migrate(ctx, s.Pool(), log); err != nil {
				s.Close()
				return nil, err
			}
		}
		reads, err := postgres.OpenReadStore(ctx, s.Pool())
		if err != nil {
			s.Close()
			return nil, err
		}
		log.Info("event store opened", "store", "postgres", "database", s.Pool().Config().ConnConfig.Database)
		return withKeys(&openedStore{kind: "postgres", ready: s.Ready, idem: s.Idempotency(), reads: reads, audit: audit.NewPGStorage(s.Pool())}, s, shred.NewPGKeys(s.Pool())), nil
	case isESDBURL(sf.Store):
		return openESDB(ctx, sf, migrate, log)
	}
	return nil, fmt.Errorf(`--store %q: want "embedded", a PostgreSQL URL (postgres://user@host:5432/db) or an EventStoreDB URL (esdb://host:2113?tls=false)`, redact(sf.Store))
}

func isESDBURL(s string) bool {
	for _, p := range []string{"esdb://", "esdb+discover://", "kurrentdb://", "kurrentdb+discover://", "kurrent://", "kurrent+discover://"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// openESDB opens the EventStoreDB mode: events in EventStoreDB, everything
// else (Idempotency-Key records, read models and projection checkpoints)
// in the PostgreSQL read store.
func openESDB(ctx context.Context, sf storeFlags, migrate bool, log *slog.Logger) (*openedStore, error) {
	if !isPostgresURL(sf.ReadStore) {
		return nil, fmt.Errorf("--store %s keeps events in EventStoreDB; --read-store (or NISA_READ_STORE) must name the PostgreSQL database for everything else, e.g. postgres://postgres@127.0.0.1:5432/nisa", redact(sf.Store))
	}
	rs, err := postgres.Open(ctx, sf.ReadStore, postgres.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("read store: %w", err)
	}
	if migrate {
		if _, err := postgres.Migrate(ctx, rs.Pool(), log); err != nil {
			rs.Close()
			return nil, fmt.Errorf("read store: %w", err)
		}
	}
	reads, err := postgres.OpenReadStore(ctx, rs.Pool())
	if err != nil {
		rs.Close()
		return nil, fmt.Errorf("read store: %w", err)
	}
	es, err := esdb.Open(ctx, sf.Store, esdb.Options{Logger: log})
	if err != nil {
		rs.Close()
		return nil, err
	}
	ready := func(ctx context.Context) error {
		if _, err := es.Head(ctx); err != nil {
			return fmt.Errorf("EventStoreDB: %w", err)
		}
		return rs.Ready(ctx)
	}
	log.Info("event store opened", "store", "esdb", "url", redact(sf.Store), "read_store", rs.Pool().Config().ConnConfig.Database)
	return withKeys(&openedStore{kind: "esdb", ready: ready, idem: rs.Idempotency(), reads: reads, audit: audit.NewPGStorage(rs.Pool())}, closeBoth{es, rs}, shred.NewPGKeys(rs.Pool())), nil
}

// closeBoth is the EventStoreDB store whose Close also closes the read
// store.
type closeBoth struct {
	*esdb.Store
	rs *postgres.Store
}

// Close implements domain.EventStore.
func (c closeBoth) Close() error { return errors.Join(c.Store.Close(), c.rs.Close()) }

// redact hides a password in a connection URL for messages and logs.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":***@" + host
	}
	return url
}
