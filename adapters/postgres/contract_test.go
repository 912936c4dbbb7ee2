package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/nisa-eu/nisa/adapters/eventstoretest"
	"github.com/nisa-eu/nisa/domain"
)

func TestMain(m *testing.M) {
	// In the child process of TestDurability this appends until killed.
	eventstoretest.DurabilityChild(openForDurability)
	os.Exit(m.Run())
}

func openForDurability(ctx context.Context, url string) (domain.EventStore, error) {
	return Open(ctx, url, Options{})
}

// TestContract runs the shared event store contract, each test on a fresh
// database.
func TestContract(t *testing.T) {
	eventstoretest.Run(t, func(t *testing.T) domain.EventStore {
		s, err := Open(testCtx(t), migratedDatabase(t), Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, eventstoretest.Features{DensePositions: false, DetectsChangedDuplicates: true, DetectsCrossStreamDuplicates: true})
}

// TestDurability kill -9s a child process appending through PostgreSQL and
// checks that every acknowledged append survived, whole.
func TestDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	eventstoretest.RunDurability(t, eventstoretest.Durability{
		Target: migratedDatabase(t),
		Open:   openForDurability,
	})
}
