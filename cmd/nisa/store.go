package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/domain"
)

// openedStore is an event store with its readiness check.
type openedStore struct {
	domain.EventStore
	kind  string // "embedded" or "postgres"
	ready func(ctx context.Context) error
	idem  httpapi.IdempotencyStore
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
		log.Info("event store opened", "store", "embedded", "path", s.Path())
		ready := func(ctx context.Context) error { _, err := s.Head(ctx); return err }
		return &openedStore{EventStore: s, kind: "embedded", ready: ready, idem: s.Idempotency()}, nil
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
		log.Info("event store opened", "store", "postgres", "database", s.Pool().Config().ConnConfig.Database)
		return &openedStore{EventStore: s, kind: "postgres", ready: s.Ready, idem: s.Idempotency()}, nil
	case strings.HasPrefix(sf.Store, "esdb://") || strings.HasPrefix(sf.Store, "esdb+discover://"):
		return nil, fmt.Errorf("--store %s: the EventStoreDB mode is not available yet", redact(sf.Store))
	}
	return nil, fmt.Errorf(`--store %q: want "embedded" or a PostgreSQL URL (postgres://user@host:5432/db)`, redact(sf.Store))
}

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
