package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nisa-eu/nisa/adapters/demo"
	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
	"github.com/nisa-eu/nisa/projections/readstoretest"
)

// openReadStore opens a read store on a fresh, migrated database, closed
// when t ends.
func openReadStore(t testing.TB) *ReadStore {
	t.Helper()
	return openReadStoreAt(t, migratedDatabase(t))
}

// openReadStoreAt opens another read store on url (as another process
// would).
func openReadStoreAt(t testing.TB, url string) *ReadStore {
	t.Helper()
	pool := newPool(t, url)
	rs, err := OpenReadStore(testCtx(t), pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	return rs
}

// TestReadStoreContract runs the read store contract, each test on a
// fresh database.
func TestReadStoreContract(t *testing.T) {
	readstoretest.Run(t, func(t *testing.T) projections.Store { return openReadStore(t) })
}

// TestReadStoreContractNoCache runs the contract with the Update cache off:
// every read of a Tx goes to the database.
func TestReadStoreContractNoCache(t *testing.T) {
	if testing.Short() {
		t.Skip("second run of the contract: skipped with -short")
	}
	readstoretest.Run(t, func(t *testing.T) projections.Store {
		rs := openReadStore(t)
		rs.SetCacheBytes(0)
		return rs
	})
}

func mustLive(t testing.TB, s projections.Store, name string) (projections.Target, domain.Position) {
	t.Helper()
	tg, cp, err := s.Live(testCtx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	return tg, cp
}

func rpos(n uint64) domain.Position { return domain.Position{Commit: n, Prepare: n} }

// TestReadStoreTwoProcesses checks that a store whose cache another
// process made stale notices it: the second store's write is read by the
// first one's next Update, not what it cached.
func TestReadStoreTwoProcesses(t *testing.T) {
	url := migratedDatabase(t)
	a, b := openReadStoreAt(t, url), openReadStoreAt(t, url)
	ctx := testCtx(t)
	tg, _ := mustLive(t, a, "p")
	put := func(s projections.Store, from, to uint64, v string) {
		t.Helper()
		err := s.Update(ctx, tg, rpos(from), rpos(to), func(tx projections.Tx) error {
			old, ok, err := tx.Get(ctx, "c", "x")
			if err != nil {
				return err
			}
			var prev string
			if ok {
				m, err := projections.As[map[string]string](old)
				if err != nil {
					return err
				}
				prev = m["v"]
			}
			return tx.Put(ctx, projections.Doc{Coll: "c", ID: "x", Keys: []string{"all"}, Value: map[string]string{"v": prev + v}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put(a, 0, 1, "a")
	put(b, 1, 2, "b")
	put(a, 2, 3, "c") // a's cache knows "a": it must read "ab"
	v, ok, err := b.Doc(ctx, "c", "x")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got := string(v.(json.RawMessage)); got != `{"v":"abc"}` {
		t.Errorf("document = %s, want {\"v\":\"abc\"}", got)
	}
	// A stale batch of a changes nothing.
	err = a.Update(ctx, tg, rpos(2), rpos(3), func(tx projections.Tx) error { return nil })
	var stale *projections.StaleError
	if !errors.As(err, &stale) || stale.Checkpoint != rpos(3) {
		t.Errorf("stale Update = %v", err)
	}
}

// TestReadStoreConcurrentProcesses: Updates of one projection from two
// stores (two processes) at once are serialised: every batch that
// commits has read what the one before it wrote, and a batch that lost
// the race gets a StaleError and changes nothing.
func TestReadStoreConcurrentProcesses(t *testing.T) {
	url := migratedDatabase(t)
	stores := []*ReadStore{openReadStoreAt(t, url), openReadStoreAt(t, url)}
	ctx := testCtx(t)
	tg, _ := mustLive(t, stores[0], "p")
	const perWorker = 40
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%2]
			at := uint64(0)
			for done := 0; done < perWorker; {
				err := s.Update(ctx, tg, rpos(at), rpos(at+1), func(tx projections.Tx) error {
					n, err := countIn(ctx, tx, "n")
					if err != nil {
						return err
					}
					if uint64(n) != at {
						return fmt.Errorf("batch from %d read count %d", at, n)
					}
					return tx.Put(ctx, projections.Doc{Coll: "c", ID: "n", Value: map[string]int{"n": n + 1}})
				})
				var stale *projections.StaleError
				switch {
				case errors.As(err, &stale):
					at = stale.Checkpoint.Commit
				case err != nil:
					errs <- err
					return
				default:
					at++
					done++
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	v, ok, err := stores[1].Doc(ctx, "c", "n")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got := string(v.(json.RawMessage)); got != fmt.Sprintf(`{"n":%d}`, 4*perWorker) {
		t.Errorf("count = %s after %d committed batches", got, 4*perWorker)
	}
}

// countIn reads the count {"n": …} of document c/id through tx (0 when
// there is none).
func countIn(ctx context.Context, tx projections.Tx, id string) (int, error) {
	v, ok, err := tx.Get(ctx, "c", id)
	if err != nil || !ok {
		return 0, err
	}
	m, err := projections.As[map[string]int](v)
	return m["n"], err
}

// TestReadStoreUpdateHoldsNoTransactionID: while a batch is being
// applied, its transaction has no id yet. The event store's log holds
// back every event appended after the oldest transaction id still
// running, so an Update holding one from its start would delay every new
// event by the length of the batch.
func TestReadStoreUpdateHoldsNoTransactionID(t *testing.T) {
	url := migratedDatabase(t)
	s := openReadStoreAt(t, url)
	ctx := testCtx(t)
	tg, _ := mustLive(t, s, "p")
	for i := range uint64(2) { // the first Update claims the collection
		err := s.Update(ctx, tg, rpos(i), rpos(i+1), func(tx projections.Tx) error {
			var n int
			if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL`).Scan(&n); err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("batch %d: %d transactions of the database hold an id while the batch is applied", i, n)
			}
			return tx.Put(ctx, projections.Doc{Coll: "c", ID: fmt.Sprint(i), Value: map[string]int{"n": int(i)}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadStoreScoreAgreesWithScore checks the SQL score against
// projections.Score on random documents and queries, weights included
// that make float sums and rounding delicate.
func TestReadStoreScoreAgreesWithScore(t *testing.T) {
	s := openReadStore(t)
	ctx := testCtx(t)
	tg, _ := mustLive(t, s, "catalogue")
	r := rand.New(rand.NewPCG(7, 9))
	words := make([]string, 40)
	for i := range words {
		words[i] = fmt.Sprintf("w%02d", i)
	}
	some := func(n int) []string {
		var out []string
		for range n {
			out = append(out, words[r.IntN(len(words))])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	docs := map[string]projections.OfferDoc{}
	err := s.Update(ctx, tg, domain.Start, rpos(1), func(tx projections.Tx) error {
		for i := range 300 {
			o := projections.OfferDoc{ID: fmt.Sprintf("o%03d", i), OwnerOrgID: "org", Kind: "offer", Status: "published",
				PublishedAt: time.Date(2026, 1, 1+i%5, 0, 0, 0, 0, time.UTC),
				TitleTerms:  some(3), TextTerms: some(8), CodeTerms: some(6)}
			docs[o.ID] = o
			if err := tx.PutOffer(ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	weights := []float64{1, 0.8, 0.6, 0.333, 0.1 + 0.2, 0.617, 0.45, 0.0001, 1.0 / 3, 0.7}
	for range 60 {
		var terms []projections.QueryTerm
		for tok := range 1 + r.IntN(3) {
			for range 1 + r.IntN(4) {
				terms = append(terms, projections.QueryTerm{Token: tok, Term: words[r.IntN(len(words))], Weight: weights[r.IntN(len(weights))]})
			}
		}
		res, err := s.SearchOffers(ctx, projections.SearchQuery{Terms: terms, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{}
		for id, d := range docs {
			for _, q := range terms {
				if slices.Contains(d.TitleTerms, q.Term) || slices.Contains(d.TextTerms, q.Term) || slices.Contains(d.CodeTerms, q.Term) {
					want[id] = projections.Score(terms, d.TitleTerms, d.TextTerms, d.CodeTerms)
					break
				}
			}
		}
		if res.Total != len(want) {
			t.Errorf("%v: total %d, want %d", terms, res.Total, len(want))
		}
		for _, h := range res.Hits {
			if w, ok := want[h.Doc.ID]; !ok || w != h.Score {
				t.Errorf("%v: %s scored %v, projections.Score says %v", terms, h.Doc.ID, h.Score, w)
			}
		}
	}
}

// TestReadStoreSimilarityIsPgTrgm checks that projections.Similarity is
// pg_trgm's similarity for single words.
func TestReadStoreSimilarityIsPgTrgm(t *testing.T) {
	s := openReadStore(t)
	ctx := testCtx(t)
	pairs := [][2]string{
		{"metal", "metall"}, {"maschin", "maschn"}, {"logist", "logistyk"}, {"a", "ab"}, {"obrobk", "obrobka"},
		{"cnc", "cnc"}, {"word", "wrod"}, {"x", "y"}, {"zurich", "zuerich"}, {"lodz", "lodzki"}, {"25", "250"},
		{"automatisierung", "automatyzacja"}, {"łódź", "lodz"}, {"straße", "strasse"},
	}
	for _, p := range pairs {
		var sim float32
		if err := s.pool.QueryRow(ctx, `SELECT similarity($1, $2)`, p[0], p[1]).Scan(&sim); err != nil {
			t.Fatal(err)
		}
		if want := projections.Similarity(p[0], p[1]); math.Abs(float64(sim)-want) > 1e-6 {
			t.Errorf("similarity(%q, %q): pg_trgm %v, projections.Similarity %v", p[0], p[1], sim, want)
		}
	}
}

// TestReadStoreDumpLines checks the Dump format line by line, for every
// kind of line: the memory store's format, byte for byte.
func TestReadStoreDumpLines(t *testing.T) {
	s := openReadStore(t)
	ctx := testCtx(t)
	tg, _ := mustLive(t, s, "p")
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	err := s.Update(ctx, tg, domain.Start, rpos(5), func(tx projections.Tx) error {
		if err := tx.Put(ctx, projections.Doc{Coll: "c", ID: "b", Keys: []string{"z", "a", "z"}, Sort: 7, Value: map[string]any{"x": "<&>"}}); err != nil {
			return err
		}
		if err := tx.Put(ctx, projections.Doc{Coll: "c", ID: "a", Value: []int{1}}); err != nil {
			return err
		}
		if err := tx.PutOffer(ctx, projections.OfferDoc{ID: "o1", Kind: "offer", TitleTerms: []string{"x"}}); err != nil {
			return err
		}
		if err := tx.PutOrganisation(ctx, projections.OrgDoc{ID: "g1", Name: "G"}); err != nil {
			return err
		}
		if err := tx.Add(ctx, projections.Counter{Metric: "m", Dim: "d", Value: "v"}, 2); err != nil {
			return err
		}
		if err := tx.Add(ctx, projections.Counter{Metric: "m"}, 0); err != nil {
			return err
		}
		_, err := tx.AddEvidence(ctx, projections.Evidence{Indicator: "RCO87", Subject: "s", Month: "2026-03", Position: rpos(3), At: at})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	if err := s.Dump(ctx, "p", func(l []byte) error { lines = append(lines, string(l)); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"type":"doc","coll":"c","id":"a","value":[1]}`,
		`{"type":"doc","coll":"c","id":"b","keys":["a","z"],"sort":7,"value":{"x":"\u003c\u0026\u003e"}}`,
		`{"type":"offer","offer":` + jsonString(t, projections.OfferDoc{ID: "o1", Kind: "offer", TitleTerms: []string{"x"}}) + `}`,
		`{"type":"organisation","organisation":` + jsonString(t, projections.OrgDoc{ID: "g1", Name: "G"}) + `}`,
		`{"type":"counter","counter":{"metric":"m","dim":"d","value":"v","n":2}}`,
		`{"type":"evidence","evidence":` + jsonString(t, projections.Evidence{Indicator: "RCO87", Subject: "s", Month: "2026-03", Position: rpos(3), At: at}) + `}`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("dump:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestReadStoreDumpMatchesMemory rebuilds every projection of nisa from
// the demo network into this store and into the memory store: searches,
// the vocabulary and the dumps (line for line) must be the same.
func TestReadStoreDumpMatchesMemory(t *testing.T) {
	ctx := testCtx(t)
	events, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	if _, err := demo.Seed(ctx, domain.NewCommands(events), time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	mem, pg := memory.New(), openReadStore(t)
	for _, s := range []projections.Store{mem, pg} {
		if _, err := projections.Rebuild(ctx, events, s, projections.All(), nil); err != nil {
			t.Fatal(err)
		}
	}
	dump := func(s projections.Store, name string) []string {
		var lines []string
		if err := s.Dump(ctx, name, func(l []byte) error { lines = append(lines, string(l)); return nil }); err != nil {
			t.Fatal(err)
		}
		return lines
	}
	// Searches and the vocabulary agree too.
	summary := func(ids []string, scores []float64, total int, next *projections.Cursor, facets any) string {
		var c string
		if next != nil {
			c = fmt.Sprintf("%v/%s/%s", next.Score, next.At.UTC().Format(time.RFC3339Nano), next.ID)
		}
		return fmt.Sprintf("%v %v total=%d next=%s facets=%s", ids, scores, total, c, jsonString(t, facets))
	}
	for _, text := range []string{"metal", "cnc obrobka", "logistik transport", "software", "sklo glas", "maschinenbau spawanie lasery", "zzzz"} {
		for _, v := range append(projections.QueryTokens(text), "c", "") {
			a, _ := mem.Vocabulary(ctx, v, 0.3, 50)
			b, _ := pg.Vocabulary(ctx, v, 0.3, 50)
			if !slices.Equal(a, b) {
				t.Errorf("Vocabulary(%q): memory %v, postgres %v", v, a, b)
			}
		}
		terms, err := projections.Plan(ctx, mem, text)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []projections.SearchQuery{
			{Terms: terms, Limit: 5, Facets: true},
			{Terms: terms, Limit: 5, Sort: projections.SortRecent},
			{Terms: terms, Limit: 3, Status: []string{"published"}, Country: []string{"PL", "CZ"}},
			{Limit: 4, Facets: true, Kind: []string{"request"}},
		} {
			for page := 0; page < 3; page++ {
				ra, err := mem.SearchOffers(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				rb, err := pg.SearchOffers(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				sum := func(r projections.SearchResult[projections.OfferDoc]) string {
					var ids []string
					var scores []float64
					for _, h := range r.Hits {
						ids, scores = append(ids, h.Doc.ID), append(scores, h.Score)
					}
					return summary(ids, scores, r.Total, r.Next, r.Facets)
				}
				if x, y := sum(ra), sum(rb); x != y {
					t.Errorf("SearchOffers(%q, %+v) page %d:\n memory   %s\n postgres %s", text, q, page, x, y)
				}
				oa, _ := mem.SearchOrganisations(ctx, q)
				ob, _ := pg.SearchOrganisations(ctx, q)
				var ia, ib []string
				for _, h := range oa.Hits {
					ia = append(ia, fmt.Sprint(h.Doc.ID, h.Score))
				}
				for _, h := range ob.Hits {
					ib = append(ib, fmt.Sprint(h.Doc.ID, h.Score))
				}
				if !slices.Equal(ia, ib) || oa.Total != ob.Total {
					t.Errorf("SearchOrganisations(%q) page %d: memory %v (%d), postgres %v (%d)", text, page, ia, oa.Total, ib, ob.Total)
				}
				if ra.Next == nil {
					break
				}
				q.After = ra.Next
			}
		}
	}
	for _, p := range projections.All() {
		a, b := dump(mem, p.Name()), dump(pg, p.Name())
		if len(a) == 0 {
			t.Errorf("%s: the memory store dumps nothing", p.Name())
		}
		for i := range max(len(a), len(b)) {
			if i >= len(a) || i >= len(b) || a[i] != b[i] {
				var x, y string
				if i < len(a) {
					x = a[i]
				}
				if i < len(b) {
					y = b[i]
				}
				t.Errorf("%s: line %d of %d/%d differs:\n memory   %s\n postgres %s", p.Name(), i+1, len(a), len(b), x, y)
				break
			}
		}
	}
}

func jsonString(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadStoreCacheEviction runs Updates with a cache too small for the
// documents: reads fall back to the database and stay correct.
func TestReadStoreCacheEviction(t *testing.T) {
	s := openReadStore(t)
	s.SetCacheBytes(4 << 10)
	ctx := testCtx(t)
	tg, _ := mustLive(t, s, "p")
	cp := domain.Start
	for round := range 5 {
		next := rpos(cp.Commit + 1)
		err := s.Update(ctx, tg, cp, next, func(tx projections.Tx) error {
			for i := range 200 {
				id := fmt.Sprint(i)
				n, err := countIn(ctx, tx, id)
				if err != nil {
					return err
				}
				if n != round {
					return fmt.Errorf("round %d: document %s at %d", round, id, n)
				}
				if err := tx.Put(ctx, projections.Doc{Coll: "c", ID: id, Keys: []string{"all"}, Sort: int64(i), Value: map[string]int{"n": n + 1}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		cp = next
	}
	list, next, err := s.List(ctx, "c", "all", "", 1000)
	if err != nil || len(list) != 200 || next != "" {
		t.Fatalf("List = %d docs, %q, %v", len(list), next, err)
	}
}

// ---------------------------------------------------------------------------
// Benchmarks

// benchVocabulary is a vocabulary of analysed terms with a Zipf-like use:
// term i is drawn with probability ∝ 1/(i+200), so the commonest term is in
// a few percent of the offers (as content words are, stop words removed).
type benchVocabulary struct {
	words []string
	cum   []float64
}

func newBenchVocabulary(r *rand.Rand, n int) *benchVocabulary {
	v := &benchVocabulary{}
	seen := map[string]bool{}
	const cons, vow = "bcdfghjklmnprstvwz", "aeiouy"
	for len(v.words) < n {
		var b strings.Builder
		for i := range 5 + r.IntN(6) {
			if i%2 == 0 {
				b.WriteByte(cons[r.IntN(len(cons))])
			} else {
				b.WriteByte(vow[r.IntN(len(vow))])
			}
		}
		// Terms are stems: a query word must analyse to itself.
		if w := b.String(); !seen[w] && projections.Stem(w) == w {
			seen[w] = true
			v.words = append(v.words, w)
		}
	}
	sum := 0.0
	for i := range v.words {
		sum += 1 / float64(i+200)
		v.cum = append(v.cum, sum)
	}
	for i := range v.cum {
		v.cum[i] /= sum
	}
	return v
}

func (v *benchVocabulary) draw(r *rand.Rand) string {
	return v.words[sort.SearchFloat64s(v.cum, r.Float64())]
}

func (v *benchVocabulary) some(r *rand.Rand, n int) []string {
	out := make([]string, 0, n)
	for range n {
		out = append(out, v.draw(r))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// benchOffer is a realistic offer: 6 title terms, 60 description terms and
// the 40 label terms of its NACE codes (shared by every offer with the same
// codes).
func benchOffer(r *rand.Rand, v *benchVocabulary, codeTerms [][]string, i int) projections.OfferDoc {
	countries := []string{"DE", "PL", "CZ"}
	kinds := []string{"offer", "request"}
	cats := []string{"product", "service", "supplier_search", "subcontracting", "cooperation_partner", "rd_partner"}
	div := r.IntN(len(codeTerms))
	title := v.some(r, 6)
	return projections.OfferDoc{
		ID: fmt.Sprintf("offer-%06d", i), OwnerOrgID: fmt.Sprintf("org-%05d", r.IntN(20000)), OwnerName: "Org",
		OwnerCountry: countries[r.IntN(3)], Kind: kinds[r.IntN(2)], Category: cats[r.IntN(len(cats))],
		PartnershipTypes: []string{"commercial"}, Title: domain.Text{EN: strings.Join(title, " ")},
		Description: domain.Text{EN: "A description of the offer with some words in it, as people write them."},
		NACE:        []string{fmt.Sprintf("%02d.1", div)}, Codes: []string{fmt.Sprintf("%02d.1", div), fmt.Sprintf("%02d", div), string(rune('A' + div%20))},
		Languages: []string{"de", "en"}, Regions: []string{"DED2", "DED"}, Status: "published",
		ValidUntil:  time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		PublishedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
		UpdatedAt:   time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Version: 2,
		TitleTerms: title, TextTerms: v.some(r, 60), CodeTerms: codeTerms[div],
	}
}

// loadBenchOffers writes n offers in Updates of 1,000.
func loadBenchOffers(b *testing.B, s *ReadStore, n int) *benchVocabulary {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	v := newBenchVocabulary(r, 30000)
	codeTerms := make([][]string, 80)
	for i := range codeTerms {
		codeTerms[i] = v.some(r, 40)
	}
	tg, _ := mustLive(b, s, "catalogue")
	cp := domain.Start
	start := time.Now()
	for done := 0; done < n; done += 1000 {
		next := rpos(cp.Commit + 1)
		err := s.Update(ctx, tg, cp, next, func(tx projections.Tx) error {
			for i := done; i < min(done+1000, n); i++ {
				if err := tx.PutOffer(ctx, benchOffer(r, v, codeTerms, i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		cp = next
	}
	b.Logf("loaded %d offers in %v (%.0f offers/s)", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	if _, err := s.pool.Exec(ctx, "VACUUM ANALYZE rm_offers"); err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkReadStoreSearch searches 100,000 offers with queries of 1–3
// words, planned against the store's vocabulary (projections.Plan: each
// word expands to its prefixes and near misses), a third of them filtered
// by status, without and with facets. It reports percentiles of
// SearchOffers.
func BenchmarkReadStoreSearch(b *testing.B) {
	s := openReadStore(b)
	v := loadBenchOffers(b, s, 100_000)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	// Query words are words of offer titles (drawn as titles draw them),
	// a quarter of them typed incompletely.
	queries := make([][]projections.QueryTerm, 200)
	var plans []time.Duration
	for i := range queries {
		var words []string
		for range 1 + r.IntN(3) {
			w := v.draw(r)
			if r.IntN(4) == 0 {
				w = w[:max(3, len(w)-2)]
			}
			words = append(words, w)
		}
		start := time.Now()
		terms, err := projections.Plan(ctx, s, strings.Join(words, " "))
		if err != nil {
			b.Fatal(err)
		}
		plans = append(plans, time.Since(start))
		queries[i] = terms
	}
	slices.Sort(plans)
	b.Logf("projections.Plan (Vocabulary per word): p50 %v, p95 %v", plans[len(plans)/2].Round(10*time.Microsecond), plans[len(plans)*95/100].Round(10*time.Microsecond))
	// In a sub-benchmark: the 100,000 offers are loaded once.
	for _, facets := range []bool{false, true} {
		b.Run(fmt.Sprintf("facets=%v", facets), func(b *testing.B) {
			var times []time.Duration
			hits := 0
			for i := range b.N {
				q := projections.SearchQuery{Terms: queries[i%len(queries)], Limit: 20, Facets: facets}
				if i%3 == 0 {
					q.Status = []string{"published"}
				}
				start := time.Now()
				res, err := s.SearchOffers(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				hits += res.Total
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "max-ms")
			b.ReportMetric(float64(hits)/float64(b.N), "matches/query")
		})
	}
}

// BenchmarkReadStoreUpdate measures Update throughput: batches of 1,000
// generic documents, each read first (as the projections do), in a
// generation the store caches completely (a rebuild).
func BenchmarkReadStoreUpdate(b *testing.B) {
	s := openReadStore(b)
	ctx := context.Background()
	tg, _ := mustLive(b, s, "p")
	cp := domain.Start
	type doc struct {
		ID, Title, Org string
		N              int
		Tags           []string
	}
	b.ResetTimer()
	start := time.Now()
	docs := 0
	for i := range b.N {
		next := rpos(cp.Commit + 1)
		err := s.Update(ctx, tg, cp, next, func(tx projections.Tx) error {
			for j := range 1000 {
				id := fmt.Sprintf("d%07d", (i*1000+j)%200_000) // documents are updated again and again
				v, ok, err := tx.Get(ctx, "docs", id)
				if err != nil {
					return err
				}
				d := doc{ID: id, Title: "A meeting about metal working", Org: fmt.Sprintf("org-%d", j%500), Tags: []string{"a", "b"}}
				if ok {
					old, err := projections.As[doc](v)
					if err != nil {
						return err
					}
					d.N = old.N + 1
				}
				if err := tx.Put(ctx, projections.Doc{Coll: "docs", ID: id, Keys: []string{"all", "org:" + d.Org}, Sort: int64(j), Value: d}); err != nil {
					return err
				}
				if err := tx.Add(ctx, projections.Counter{Metric: "docs", Dim: "org", Value: d.Org}, 1); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		cp = next
		docs += 1000
	}
	b.ReportMetric(float64(docs)/time.Since(start).Seconds(), "docs/s")
}

// BenchmarkReadStoreRebuild rebuilds every projection of nisa
// (projections.All) from a realistic log made by demo.Bulk (5,000
// organisations, 25,000 offers, 100,000 events) in the embedded event
// store: the throughput of a full rebuild into PostgreSQL, in events of the
// log per second (each projection reads the whole log).
func BenchmarkReadStoreRebuild(b *testing.B) {
	ctx := context.Background()
	events, err := embedded.Open(b.TempDir(), embedded.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer events.Close()
	sum, err := demo.Bulk(ctx, events, demo.BulkConfig{Organisations: 5000, Offers: 25000, Events: 100_000}, nil)
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, s projections.Store) {
		start := time.Now()
		for range b.N {
			rep, err := projections.Rebuild(ctx, events, s, projections.All(), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("rebuilt %d projections over %d events in %v", len(rep.Projections), sum.Events, rep.Duration.Round(time.Millisecond))
		}
		b.ReportMetric(float64(b.N*sum.Events)/time.Since(start).Seconds(), "events/s")
	}
	b.Run("postgres", func(b *testing.B) { run(b, openReadStore(b)) })
	// The memory store on the same log, for comparison: the cost of the
	// event store, the runner and the projections themselves.
	b.Run("memory", func(b *testing.B) { run(b, memory.New()) })
}

// TestTermFields checks the best field of every term, unsorted lists with
// duplicates included.
func TestTermFields(t *testing.T) {
	var got []string
	termFields([]string{"b", "a"}, []string{"a", "c", "c", "d"}, []string{"d", "e", "a"}, func(term string, f int32) {
		got = append(got, fmt.Sprintf("%s:%d", term, f))
	})
	if want := []string{"a:3", "b:3", "c:2", "d:2", "e:1"}; !slices.Equal(got, want) {
		t.Errorf("termFields = %v, want %v", got, want)
	}
}

// TestReadStorePromotedElsewhere checks that a store that last read one
// live generation of the search index answers from the new one after
// another process rebuilt and promoted it: searches and candidates find
// the new generation's offers, never an empty index.
func TestReadStorePromotedElsewhere(t *testing.T) {
	url := migratedDatabase(t)
	a, b := openReadStoreAt(t, url), openReadStoreAt(t, url)
	ctx := testCtx(t)
	offer := func(id, word string) projections.OfferDoc {
		return projections.OfferDoc{ID: id, OwnerOrgID: "org-" + id, Kind: "offer", Category: "product", Status: "published",
			Codes: []string{"25", "C"}, Languages: []string{"en"}, TitleTerms: []string{word}, TextTerms: []string{}, CodeTerms: []string{}}
	}
	put := func(s projections.Store, tg projections.Target, o projections.OfferDoc) {
		t.Helper()
		if err := s.Update(ctx, tg, domain.Start, rpos(1), func(tx projections.Tx) error { return tx.PutOffer(ctx, o) }); err != nil {
			t.Fatal(err)
		}
	}
	find := func(s *ReadStore, word string) (search, candidates []string) {
		t.Helper()
		res, err := s.SearchOffers(ctx, projections.SearchQuery{Terms: []projections.QueryTerm{{Term: word, Weight: 1}}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			search = append(search, h.Doc.ID)
		}
		cands, err := s.OfferCandidates(ctx, projections.CandidateQuery{Kind: "offer", Codes: []string{"C"}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cands {
			candidates = append(candidates, c.ID)
		}
		return search, candidates
	}
	tg, _ := mustLive(t, a, "catalogue")
	put(a, tg, offer("old", "lathe"))
	if s, c := find(a, "lathe"); !slices.Equal(s, []string{"old"}) || !slices.Equal(c, []string{"old"}) {
		t.Fatalf("before the rebuild: search %v, candidates %v; want [old] twice", s, c)
	}
	// Another process rebuilds the catalogue with other offers.
	nt, err := b.StartRebuild(ctx, "catalogue")
	if err != nil {
		t.Fatal(err)
	}
	put(b, nt, offer("new", "milling"))
	if err := b.Promote(ctx, nt); err != nil {
		t.Fatal(err)
	}
	if s, c := find(a, "milling"); !slices.Equal(s, []string{"new"}) || !slices.Equal(c, []string{"new"}) {
		t.Fatalf("after the rebuild elsewhere: search %v, candidates %v; want [new] twice", s, c)
	}
	if s, _ := find(a, "lathe"); len(s) != 0 {
		t.Fatalf("the replaced generation is still searched: %v", s)
	}
}

// TestReadStoreRetiredGenerationsArePurged: the generation a Promote
// replaces, and a building generation a new StartRebuild abandons, lose
// all their rows (deleted after the switch, by the index or page by page), and
// rows a process left behind when it stopped after a switch are deleted
// by the next StartRebuild of any projection; the live generation keeps
// its rows.
func TestReadStoreRetiredGenerationsArePurged(t *testing.T) {
	defer func(n, b int) { purgeChunk, purgeBlocks = n, b }(purgeChunk, purgeBlocks)
	purgeChunk, purgeBlocks = 3, 1
	url := migratedDatabase(t)
	s := openReadStoreAt(t, url)
	pool := newPool(t, url)
	ctx := testCtx(t)
	fill := func(tg projections.Target, n int) {
		t.Helper()
		err := s.Update(ctx, tg, domain.Start, rpos(1), func(tx projections.Tx) error {
			for i := range n {
				id := fmt.Sprintf("g%d-%d", tg.Generation, i)
				if err := tx.Put(ctx, projections.Doc{Coll: "c", ID: id, Keys: []string{"k:" + id}, Value: map[string]int{"i": i}}); err != nil {
					return err
				}
				if err := tx.PutOffer(ctx, projections.OfferDoc{ID: id, OwnerOrgID: "org", Kind: "offer", Category: "product", Status: "published",
					Codes: []string{"C"}, TitleTerms: []string{"lathe"}, TextTerms: []string{}, CodeTerms: []string{}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rowsOf := func(gen int64) int {
		t.Helper()
		total := 0
		for _, tab := range genTables {
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+tab+` WHERE projection = 'p' AND gen = $1`, gen).Scan(&n); err != nil {
				t.Fatal(err)
			}
			total += n
		}
		return total
	}
	retired := func() int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM rm_retired`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	live, _ := mustLive(t, s, "p")
	fill(live, 10)
	abandoned, err := s.StartRebuild(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	fill(abandoned, 7)
	if n := rowsOf(abandoned.Generation); n < 14 {
		t.Fatalf("generation %d holds %d rows; want at least 14", abandoned.Generation, n)
	}
	next, err := s.StartRebuild(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if n := rowsOf(abandoned.Generation); n != 0 {
		t.Fatalf("the abandoned building generation still holds %d rows", n)
	}
	if n := rowsOf(live.Generation); n < 20 {
		t.Fatalf("the live generation holds %d rows after a StartRebuild; want at least 20", n)
	}
	fill(next, 2)
	if err := s.Promote(ctx, next); err != nil {
		t.Fatal(err)
	}
	if n := rowsOf(live.Generation); n != 0 {
		t.Fatalf("the replaced generation still holds %d rows", n)
	}
	if n := retired(); n != 0 {
		t.Fatalf("%d generations still listed as retired", n)
	}
	res, err := s.SearchOffers(ctx, projections.SearchQuery{Terms: []projections.QueryTerm{{Term: "lathe", Weight: 1}}, Limit: 10})
	if err != nil || res.Total != 2 {
		t.Fatalf("search after the promote: %d hits (%v); want the new generation's 2", res.Total, err)
	}

	// A process stopped after a switch: generation 99's rows are retired
	// but still there.
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		for _, q := range []string{
			`CREATE TEMP TABLE x ON COMMIT DROP AS SELECT * FROM rm_offers WHERE projection = 'p'`,
			`UPDATE x SET gen = 99`,
			`INSERT INTO rm_offers SELECT * FROM x`,
			`INSERT INTO rm_retired (projection, gen) VALUES ('p', 99)`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := rowsOf(99); n != 2 {
		t.Fatalf("generation 99 holds %d rows; want 2", n)
	}
	other := openReadStoreAt(t, url)
	if _, err := other.StartRebuild(ctx, "q"); err != nil {
		t.Fatal(err)
	}
	if n, r := rowsOf(99), retired(); n != 0 || r != 0 {
		t.Fatalf("after another projection's StartRebuild: %d rows of the retired generation, %d generations listed; want 0 and 0", n, r)
	}
	if n := rowsOf(next.Generation); n < 4 {
		t.Fatalf("the live generation holds %d rows; want at least 4", n)
	}
}
