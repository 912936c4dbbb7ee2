package embedded_test

import (
	"context"
	"os"
	"testing"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/eventstoretest"
	"github.com/nisa-eu/nisa/domain"
)

func TestMain(m *testing.M) {
	eventstoretest.DurabilityChild(open)
	os.Exit(m.Run())
}

func open(_ context.Context, dir string) (domain.EventStore, error) {
	return embedded.Open(dir, embedded.Options{})
}

func TestContract(t *testing.T) {
	eventstoretest.Run(t, func(t *testing.T) domain.EventStore {
		s, err := embedded.Open(t.TempDir(), embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, eventstoretest.Features{DensePositions: true, DetectsChangedDuplicates: true, DetectsCrossStreamDuplicates: true})
}

func TestDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test skipped in -short mode")
	}
	eventstoretest.RunDurability(t, eventstoretest.Durability{Target: t.TempDir(), Open: open})
}
