package projections_test

import (
	"context"
	"slices"
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
	s, sum := bulkLog(b, demo.BulkConfig{Organisations: 2000, Offers: 10000, Events: 60000, Now: time.Now()})
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

// BenchmarkMatchOfferMemory lists the matching offers of random requests
// in the memory store over a network of 20,000 organisations and 100,000
// offers and requests, as nisa bench does (go test -run '^$' -bench
// MatchOfferMemory ./projections/).
func BenchmarkMatchOfferMemory(b *testing.B) {
	ctx := context.Background()
	_, sum, reads := rebuiltMemory(b, demo.BulkConfig{Organisations: 20000, Offers: 100000, Events: 130000, Now: time.Now()})
	now := time.Now()
	i := 0
	for b.Loop() {
		id := sum.OfferIDs[(2*i+1)%len(sum.OfferIDs)] // requests have odd indexes
		i += 7919
		doc, ok, err := reads.OfferByID(ctx, id)
		if err != nil || !ok {
			b.Fatalf("request %s: %v", id, err)
		}
		if _, err := projections.MatchOffer(ctx, reads, doc, now, 20); err != nil {
			b.Fatal(err)
		}
	}
}

// rebuiltMemory is bulkLog with every projection rebuilt into a memory
// store, closed when the benchmark ends.
func rebuiltMemory(b *testing.B, cfg demo.BulkConfig) (*embedded.Store, demo.BulkSummary, *memory.Store) {
	s, sum := bulkLog(b, cfg)
	reads := memory.New()
	b.Cleanup(func() { reads.Close() })
	if _, err := projections.Rebuild(context.Background(), s, reads, projections.All(), nil); err != nil {
		b.Fatal(err)
	}
	return s, sum, reads
}

// bulkLog is an embedded store holding a bulk-loaded network, closed when
// the benchmark ends.
func bulkLog(b *testing.B, cfg demo.BulkConfig) (*embedded.Store, demo.BulkSummary) {
	s, err := embedded.Open(b.TempDir(), embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	sum, err := demo.Bulk(context.Background(), s, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s, sum
}

// BenchmarkSearchDuringRebuild searches the memory store while a rebuild
// of every projection runs into it, as a server does while an operator
// rebuilds (go test -run '^$' -bench SearchDuringRebuild ./projections/).
// It reports the p99 latency of the searches: a search that has to wait
// for a projection's batch shows here.
func BenchmarkSearchDuringRebuild(b *testing.B) {
	ctx := context.Background()
	s, _, reads := rebuiltMemory(b, demo.BulkConfig{Organisations: 2000, Offers: 10000, Events: 60000, Now: time.Now()})
	terms, err := projections.Plan(ctx, reads, "obrobka metali")
	if err != nil {
		b.Fatal(err)
	}
	q := projections.SearchQuery{Terms: terms, Limit: 20, Facets: true, Sort: projections.SortRelevance}
	var lats []time.Duration
	b.ResetTimer()
	for range b.N {
		done := make(chan error, 1)
		go func() {
			_, err := projections.Rebuild(ctx, s, reads, projections.All(), nil)
			done <- err
		}()
	search:
		for {
			select {
			case err := <-done:
				if err != nil {
					b.Fatal(err)
				}
				break search
			default:
			}
			start := time.Now()
			if _, err := reads.SearchOffers(ctx, q); err != nil {
				b.Fatal(err)
			}
			lats = append(lats, time.Since(start))
		}
	}
	slices.Sort(lats)
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds())/1000, "p50-ms")
}
