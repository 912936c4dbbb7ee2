package postgres_test

import (
	"context"
	"testing"

	"github.com/nisa-eu/nisa/adapters/httpapi/idempotencytest"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
)

func TestIdempotencyStore(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := postgres.Migrate(ctx, s.Pool(), nil); err != nil {
		t.Fatal(err)
	}
	idempotencytest.Run(t, s.Idempotency())
}
