package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"

	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/domain"
)

// conflictCounter is an event store that counts the appends refused for a
// wrong expected version.
type conflictCounter struct {
	domain.EventStore
	conflicts atomic.Int64
}

// Append counts concurrency errors of the underlying store.
func (s *conflictCounter) Append(ctx context.Context, stream string, expected domain.ExpectedVersion, evs []domain.EventData) (domain.AppendResult, error) {
	res, err := s.EventStore.Append(ctx, stream, expected, evs)
	if errors.Is(err, domain.ErrConcurrency) {
		s.conflicts.Add(1)
	}
	return res, err
}

// secondServer starts another API server over its own store on the same
// database, as a second server process behind a load balancer would run,
// and returns its URL and the number of its appends refused so far for a
// concurrent change made through the other server. Commands through it and
// through e.url serialise only through the database (optimistic
// concurrency), not through the in-process lock. Only for the postgres
// mode: the embedded store is one process's file, so there it returns
// e.url and nil.
func (e *env) secondServer() (url string, conflicts func() int64) {
	e.t.Helper()
	first, ok := e.store.(*postgres.Store)
	if !ok {
		return e.url, nil
	}
	s, err := postgres.Open(context.Background(), first.Pool().Config().ConnString(), postgres.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	store := &conflictCounter{EventStore: s}
	srv := httpapi.New(httpapi.Config{Store: store, Idempotency: s.Idempotency(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(srv.Handler())
	e.t.Cleanup(hs.Close)
	return hs.URL, store.conflicts.Load
}
