package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Run with: go test -run '^$' -bench . ./adapters/postgres/
// The figures to watch are events/s (appends) and events/s (reads).

func benchmarkAppend(b *testing.B, writers, perAppend int) {
	s := openStore(b, migratedDatabase(b), Options{})
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			evs := make([]domain.EventData, perAppend)
			for i := 0; next.Add(1) <= int64(b.N); i++ {
				for j := range evs {
					evs[j] = event(j)
				}
				stream := fmt.Sprintf("bench-%d-%d", w, i%50)
				if _, err := s.Append(ctx, stream, domain.Any, evs); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "appends/s")
	b.ReportMetric(float64(b.N*perAppend)/elapsed.Seconds(), "events/s")
}

func BenchmarkAppend1x32(b *testing.B)  { benchmarkAppend(b, 32, 1) }
func BenchmarkAppend10x32(b *testing.B) { benchmarkAppend(b, 32, 10) }

// fill appends n events in appends of 1000.
func fill(b *testing.B, s *Store, n int) {
	b.Helper()
	evs := make([]domain.EventData, 1000)
	for done := 0; done < n; done += len(evs) {
		for j := range evs {
			evs[j] = event(j)
			evs[j].CorrelationID = "corr-0190f3a2-7c41-7d2e-9a4b-3c2d1e0f9a8b"
		}
		if _, err := s.Append(context.Background(), fmt.Sprintf("fill-%d", done%97), domain.Any, evs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadAll(b *testing.B) {
	const total = 200_000
	s := openStore(b, migratedDatabase(b), Options{})
	fill(b, s, total)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	read := 0
	for range b.N {
		for pos := domain.Start; ; {
			page, err := s.ReadAll(ctx, pos, 1000)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			read += len(page)
			pos = page[len(page)-1].Position
		}
	}
	b.ReportMetric(float64(read)/time.Since(start).Seconds(), "events/s")
}

func BenchmarkSubscribeCatchUp(b *testing.B) {
	const total = 200_000
	s := openStore(b, migratedDatabase(b), Options{})
	fill(b, s, total)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		for _, err := range s.Subscribe(ctx, domain.Start) {
			if err != nil {
				b.Fatal(err)
			}
			if n++; n == total {
				break
			}
		}
		cancel()
	}
	b.ReportMetric(float64(b.N*total)/time.Since(start).Seconds(), "events/s")
}
