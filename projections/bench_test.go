package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/demo"
	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/projections"
)

// BenchmarkRebuildMemory rebuilds every projection into the memory store
// from a bulk-loaded log (go test -bench RebuildMemory ./projections/).
func BenchmarkRebuildMemory(b *testing.B) {
	ctx := context.Background()
	s, err := embedded.Open(b.TempDir(), embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sum, err := demo.Bulk(ctx, s, demo.BulkConfig{Organisations: 2000, Offers: 10000, Events: 60000, Now: time.Now()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		reads := memory.New()
		if _, err := projections.Rebuild(ctx, s, reads, projections.All(), nil); err != nil {
			b.Fatal(err)
		}
		reads.Close()
	}
	b.ReportMetric(float64(sum.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
