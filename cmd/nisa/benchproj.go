package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/adapters/demo"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// benchQueries are the free-text queries of the search benchmark: words in
// the four languages, typed with and without diacritics, prefixes and
// typos, as partners type them.
var benchQueries = []string{
	"CNC", "obrobka metali", "Metallbearbeitung", "svařování", "welding", "Logistik",
	"logistyka", "spedice", "Holz", "drewno", "dřevo", "furniture", "Software", "oprogramowanie",
	"Maschinenbau", "maszyny", "strojírenství", "Lebensmittel", "żywność", "potraviny", "Tourismus",
	"turystyka", "cestovní ruch", "Kunststoff", "tworzywa", "plasty", "automotive", "Zulieferer",
	"dostawca", "dodavatel", "Laser", "Schweissen", "obróbka skrawaniem", "obrábění", "Textil",
	"glass", "Glas", "szkło", "sklo", "energy", "Energie", "energia", "Maschnenbau", "logistk", "mebel",
}

// benchProjections measures the read side on a bulk-loaded network: a full
// rebuild of every projection, search and matching latency, and projection
// lag under a steady write rate.
func benchProjections(ctx context.Context, sc *scratch, cfg benchConfig, progress io.Writer) ([]benchResult, error) {
	var results []benchResult
	add := func(r benchResult) {
		r.Store = sc.kind
		results = append(results, r)
	}
	bar := newProgressBar(progress, "  load bulk network", int64(cfg.Events), false)
	sum, err := demo.Bulk(ctx, sc.store, demo.BulkConfig{Organisations: 20000, Offers: 100000, Events: cfg.Events, Workers: 64}, func(n int) { bar.Set(int64(n)) })
	bar.Done()
	if err != nil {
		return results, fmt.Errorf("bulk load: %w", err)
	}
	fmt.Fprintf(progress, "  loaded %d organisations, %d offers, %d events\n", sum.Organisations, sum.Offers, sum.Events)

	reads := sc.store.reads
	ps := projections.All()
	t0 := time.Now()
	rep, err := projections.Rebuild(ctx, sc.store, reads, ps, nil)
	if err != nil {
		return results, fmt.Errorf("rebuild: %w", err)
	}
	el := time.Since(t0)
	add(benchResult{Name: "rebuild_all", Events: sum.Events, Seconds: el.Seconds(), PerSecond: float64(sum.Events) / el.Seconds(),
		Note: fmt.Sprintf("%d projections, each applying the whole log (%d event applications)", len(ps), rep.Events)})
	fmt.Fprintf(progress, "  rebuild of %d projections from %d events: %.1fs, %.0f events/s\n", len(ps), sum.Events, el.Seconds(), float64(sum.Events)/el.Seconds())

	rng := rand.New(rand.NewPCG(3, 4))
	var lats []time.Duration
	for i := range 2000 {
		q := benchQueries[i%len(benchQueries)]
		sq := projections.SearchQuery{Limit: 20, Facets: true, Sort: projections.SortRelevance, Status: []string{"published"}}
		if rng.IntN(3) == 0 {
			sq.Country = []string{[]string{"DE", "PL", "CZ"}[rng.IntN(3)]}
		}
		start := time.Now()
		terms, err := projections.Plan(ctx, reads, q)
		if err != nil {
			return results, err
		}
		sq.Terms = terms
		if _, err := reads.SearchOffers(ctx, sq); err != nil {
			return results, err
		}
		lats = append(lats, time.Since(start))
	}
	search := latencyResult("search_offers", lats, "plan + search over 100,000 offers (20,000 organisations), 20 hits with facets, a third with a country filter")
	add(search)
	fmt.Fprintf(progress, "  search: p50 %.2f ms  p95 %.2f ms\n", search.P50ms, search.P95ms)

	lats = lats[:0]
	now := time.Now()
	for range 1000 {
		id := sum.OfferIDs[(2*rng.IntN(len(sum.OfferIDs)/2)+1)%len(sum.OfferIDs)] // requests have odd indexes
		start := time.Now()
		doc, ok, err := reads.OfferByID(ctx, id)
		if err != nil || !ok {
			return results, fmt.Errorf("request %s not in the read model (%v)", id, err)
		}
		if _, err := projections.MatchOffer(ctx, reads, doc, now, 20); err != nil {
			return results, err
		}
		lats = append(lats, time.Since(start))
	}
	matches := latencyResult("matches_for_request", lats, "ranked offers for one request, top 20 with reasons")
	add(matches)
	fmt.Fprintf(progress, "  matches: p50 %.2f ms  p95 %.2f ms\n", matches.P50ms, matches.P95ms)

	lag, err := benchLag(ctx, sc.store, reads, sum, 1000, 10*time.Second)
	if err != nil {
		return results, err
	}
	add(lag)
	fmt.Fprintf(progress, "  projection lag at 1,000 events/s: p50 %.2f ms  p99 %.2f ms\n", lag.P50ms, lag.P99ms)
	return results, nil
}

// latencyResult reports the p50, p95 and p99 of lats (left unsorted).
func latencyResult(name string, lats []time.Duration, note string) benchResult {
	s := slices.Clone(lats)
	slices.Sort(s)
	return benchResult{Name: name, Events: len(lats), P50ms: ms(percentile(s, 50)), P95ms: ms(percentile(s, 95)), P99ms: ms(percentile(s, 99)), Note: note}
}

// benchLag runs the projections live while offers are revised at rate
// events per second for d, and measures for every event the time from
// its append's acknowledgement until every projection has applied it.
func benchLag(ctx context.Context, store *openedStore, reads projections.Store, sum demo.BulkSummary, rate int, d time.Duration) (benchResult, error) {
	var (
		mu      sync.Mutex
		acked   = map[domain.Position]time.Time{}
		applied = map[domain.Position]int{}
		lats    []time.Duration
	)
	nproj := len(projections.All())
	r, err := projections.NewRunner(projections.RunnerConfig{Events: store, Reads: reads, OnApplied: func(_ string, b *projections.Batch) {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range b.Events {
			applied[ev.Position]++
			if applied[ev.Position] == nproj {
				if t, ok := acked[ev.Position]; ok {
					lats = append(lats, now.Sub(t))
				}
			}
		}
	}})
	if err != nil {
		return benchResult{}, err
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	if err := r.CatchUp(ctx); err != nil {
		cancel()
		return benchResult{}, err
	}
	rng := rand.New(rand.NewPCG(5, 6))
	tick := time.NewTicker(time.Second / time.Duration(rate))
	deadline := time.Now().Add(d)
	n := 0
	for time.Now().Before(deadline) {
		<-tick.C
		id := sum.OfferIDs[rng.IntN(len(sum.OfferIDs))]
		var p domain.Payload = domain.OfferValidityExtended{OfferID: id, ValidUntil: time.Now().Add(200 * 24 * time.Hour), ExtendedAt: time.Now()}
		if n%2 == 1 {
			p = domain.OfferInterestExpressed{OfferID: id, InterestID: fmt.Sprintf("bench-%d", n), OrgID: sum.OrgIDs[rng.IntN(len(sum.OrgIDs))], Message: "bench", ExpressedAt: time.Now()}
		}
		data, err := domain.Encode(p)
		if err != nil {
			cancel()
			return benchResult{}, err
		}
		data.ID, data.Actor = domain.NewEventID(), "system:bench"
		res, err := store.Append(ctx, "offer-"+id, domain.StreamExists, []domain.EventData{data})
		if err != nil {
			cancel()
			return benchResult{}, err
		}
		mu.Lock()
		acked[res.Events[0].Position] = time.Now()
		mu.Unlock()
		n++
	}
	tick.Stop()
	err = r.CatchUp(ctx)
	cancel()
	<-done
	if err != nil {
		return benchResult{}, err
	}
	mu.Lock()
	defer mu.Unlock()
	res := latencyResult("projection_lag", lats, fmt.Sprintf("%d events appended at %d/s while all projections run live; append acknowledged → applied by every projection", n, rate))
	res.PerSecond = float64(rate)
	return res, nil
}
