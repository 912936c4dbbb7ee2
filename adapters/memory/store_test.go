package memory

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
	"github.com/nisa-eu/nisa/projections/readstoretest"
)

func TestContract(t *testing.T) {
	readstoretest.Run(t, func(t *testing.T) projections.Store { return New() })
}

// TestContractSplitSearch runs the contract with every search split into
// two goroutines, as large searches are.
func TestContractSplitSearch(t *testing.T) {
	defer func(n int) { parallelMin = n }(parallelMin)
	parallelMin = 0
	readstoretest.Run(t, func(t *testing.T) projections.Store { return New() })
}

type note struct{ Text string }

// TestValuesAsGiven: the memory store keeps values themselves.
func TestValuesAsGiven(t *testing.T) {
	ctx := context.Background()
	s := New()
	tg, cp, _ := s.Live(ctx, "p")
	v := &note{"Görlitz"}
	if err := s.Update(ctx, tg, cp, domain.Position{Commit: 1, Prepare: 1}, func(tx projections.Tx) error {
		return tx.Put(ctx, projections.Doc{Coll: "c", ID: "1", Keys: []string{"all"}, Value: v})
	}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Doc(ctx, "c", "1")
	if err != nil || !ok || got.(*note) != v {
		t.Fatalf("Doc = %v, %v, %v; want the stored pointer", got, ok, err)
	}
	if n, err := projections.As[note](got); err != nil || n.Text != "Görlitz" {
		t.Errorf("As = %v, %v", n, err)
	}
}

// TestOwnership: a category of read models belongs to the projection
// that wrote it first, also across generations of that projection.
func TestOwnership(t *testing.T) {
	ctx := context.Background()
	s := New()
	a, _, _ := s.Live(ctx, "a")
	b, _, _ := s.Live(ctx, "b")
	p1 := domain.Position{Commit: 1, Prepare: 1}
	write := func(tg projections.Target, from domain.Position, fn func(tx projections.Tx) error) error {
		return s.Update(ctx, tg, from, p1, fn)
	}
	if err := write(a, domain.Start, func(tx projections.Tx) error {
		if err := tx.Put(ctx, projections.Doc{Coll: "meetings", ID: "m"}); err != nil {
			return err
		}
		if err := tx.PutOffer(ctx, projections.OfferDoc{ID: "o"}); err != nil {
			return err
		}
		return tx.Add(ctx, projections.Counter{Metric: "offers"}, 1)
	}); err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]func(tx projections.Tx) error{
		"Put":      func(tx projections.Tx) error { return tx.Put(ctx, projections.Doc{Coll: "meetings", ID: "x"}) },
		"Delete":   func(tx projections.Tx) error { return tx.Delete(ctx, "meetings", "m") },
		"PutOffer": func(tx projections.Tx) error { return tx.PutOffer(ctx, projections.OfferDoc{ID: "x"}) },
		"Add":      func(tx projections.Tx) error { return tx.Add(ctx, projections.Counter{Metric: "offers"}, 1) },
	} {
		if err := write(b, domain.Start, fn); err == nil || !strings.Contains(err.Error(), `belongs to projection "a"`) {
			t.Errorf("%s by another projection = %v, want refused", name, err)
		}
	}
	// Other categories are free; a failed batch claims nothing.
	if err := write(b, domain.Start, func(tx projections.Tx) error {
		if err := tx.Put(ctx, projections.Doc{Coll: "visits", ID: "v"}); err != nil {
			return err
		}
		return errors.New("fail")
	}); err == nil {
		t.Fatal("want the error")
	}
	if err := write(a, p1, func(tx projections.Tx) error { return tx.Put(ctx, projections.Doc{Coll: "visits", ID: "v"}) }); err != nil {
		t.Errorf("a failed batch of b claimed visits: %v", err)
	}
	rb, _ := s.StartRebuild(ctx, "a")
	if err := write(rb, domain.Start, func(tx projections.Tx) error { return tx.PutOffer(ctx, projections.OfferDoc{ID: "o"}) }); err != nil {
		t.Errorf("a rebuild of the owner: %v", err)
	}
}

// TestManyValues: fields with more distinct values than fit a value mask
// filter and count like the others.
func TestManyValues(t *testing.T) {
	ctx := context.Background()
	s := New()
	tg, _, _ := s.Live(ctx, "catalogue")
	if err := s.Update(ctx, tg, domain.Start, domain.Position{Commit: 1, Prepare: 1}, func(tx projections.Tx) error {
		for i := range 80 {
			o := projections.OfferDoc{ID: fmt.Sprintf("o-%02d", i), Kind: "offer", Status: "published",
				Languages: []string{"de", fmt.Sprintf("l%02d", i)}, PartnershipTypes: []string{fmt.Sprintf("p%02d", i), "supplier"},
				Codes: []string{"C", fmt.Sprintf("%02d", i)}, TitleTerms: []string{"stahl"}}
			if i >= 70 {
				o.Codes = append(o.Codes, fmt.Sprintf("%c", 'A'+i-70))
			}
			if err := tx.PutOffer(ctx, o); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, parallel := range []int{1 << 30, 0} {
		parallelMin = parallel
		for _, q := range []projections.SearchQuery{
			{Language: []string{"l75", "l03"}, Limit: 10, Facets: true},
			{PartnershipType: []string{"p77"}, Limit: 10, Facets: true},
			{Terms: []projections.QueryTerm{{Term: "stahl", Weight: 1}}, Language: []string{"l79"}, Limit: 10, Facets: true},
		} {
			res, err := s.SearchOffers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, h := range res.Hits {
				ids = append(ids, h.Doc.ID)
			}
			want := map[string][]string{"l75": {"o-75", "o-03"}, "p77": {"o-77"}, "l79": {"o-79"}}
			key := strings.Join(q.Language, "") + strings.Join(q.PartnershipType, "")
			key = key[:3]
			if !slices.Equal(ids, want[key]) || res.Total != len(want[key]) {
				t.Errorf("%s: hits %v (Total %d), want %v", key, ids, res.Total, want[key])
			}
			for _, id := range ids {
				n := id[2:]
				if res.Facets["language"]["l"+n] != 1 || res.Facets["partnership_type"]["p"+n] != 1 || res.Facets["language"]["de"] != len(ids) {
					t.Errorf("%s: facets %v", key, res.Facets)
				}
			}
		}
	}
	parallelMin = 16384
	res, _ := s.SearchOffers(ctx, projections.SearchQuery{Limit: 1, Facets: true})
	if res.Total != 80 || res.Facets["section"]["C"] != 80 || res.Facets["section"]["E"] != 1 || len(res.Facets["language"]) != 81 {
		t.Errorf("all: Total %d, facets %v", res.Total, res.Facets)
	}
}

func TestTxAfterUpdate(t *testing.T) {
	ctx := context.Background()
	s := New()
	tg, _, _ := s.Live(ctx, "p")
	var kept projections.Tx
	if err := s.Update(ctx, tg, domain.Start, domain.Position{Commit: 1, Prepare: 1}, func(tx projections.Tx) error {
		kept = tx
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := kept.Put(ctx, projections.Doc{Coll: "c", ID: "1"}); err == nil {
		t.Error("Put through a finished Tx succeeded")
	}
	if _, _, err := kept.Get(ctx, "c", "1"); err == nil {
		t.Error("Get through a finished Tx succeeded")
	}
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	s := New()
	tg, _, _ := s.Live(ctx, "p")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, tg, domain.Start, domain.Position{Commit: 1, Prepare: 1}, func(projections.Tx) error { return nil }); err == nil {
		t.Error("Update after Close succeeded")
	}
	if _, err := s.SearchOffers(ctx, projections.SearchQuery{Limit: 1}); err == nil {
		t.Error("SearchOffers after Close succeeded")
	}
}

// ---------------------------------------------------------------------------
// Benchmarks

// benchWords are analysed stems of the border regions' business texts.
var benchWords = strings.Fields(`
stahl stahlbau schweiss schweissen schweisstechnik metall metallbau blech blechbearbeit maschin maschinenbau
anlag anlagenbau werkzeug werkzeugbau fertig fertigung montag automatisier automat steuer steuerung sensor
kunststoff spritzguss holz mobel tischler druck verpack logistik spedition transport lager energie solar
wind windkraft wasserstoff elektro elektronik software digital cloud daten beratung forschung entwickl
prototyp pruf qualitat zertifizier lohnfertig zulief zuliefer lieferant kooperation partner export import
spawan spawalnictw obrobk obrobka metal metalow maszyn frezowan toczen cieci laser laserow konstrukcj stal
stalow automatyk automatyzacj tworzyw drewn mebl druk opakowan logistyk transport magazyn energi fotowoltai
wiatr wodor elektryk elektronik oprogramowan cyfrow dane doradztw badan rozwoj prototyp kontrol jakosc
certyfikacj dostawc kooperacj partner eksport import podwykonawc
svarovan kov kovovyrob obraben stroj strojiren frezovan soustruzen rezan konstrukc ocel automatizac plast
drev nabyt tisk obal logistik doprav sklad energi fotovolta vitr vodik elektro elektronik softwar digital
dat poradenstv vyzkum vyvoj prototyp kontrol kvalit certifikac dodavatel spoluprac partner vyvoz dovoz
glas sklo sklarn keramik porzellan porcelan ceramik textil tekstyl textiln chemi chemia chemick pharma farmac
lebensmittel zywnosc potravin brau browar pivovar tourism turystyk cestovn gesundheit zdrowi zdravotn
`)

// benchCorpus holds generated offers whose words follow a Zipf law over
// benchWords and a long tail of compounds.
type benchCorpus struct {
	offers []projections.OfferDoc
	terms  []string // by frequency rank
	zipf   *rand.Zipf
	r      *rand.Rand
}

// Zipf parameters of the benchmark corpora: typical puts the most
// frequent word into about a third of the offers and a query word into
// 9 % on average; heavy into 70 % and 18 %.
var (
	typical = [2]float64{1.1, 30}
	heavy   = [2]float64{1.07, 8}
)

func newBenchCorpus(n int, zipf [2]float64) *benchCorpus {
	r := rand.New(rand.NewPCG(1, 2))
	terms := slices.Clone(benchWords)
	// A long tail of compounds and inflected forms.
	for _, a := range benchWords[:120] {
		for _, b := range []string{"bau", "technik", "anlage", "owy", "owe", "ni", "ovy", "service", "teile", "system"} {
			terms = append(terms, a+b)
		}
	}
	r.Shuffle(len(terms), func(i, j int) { terms[i], terms[j] = terms[j], terms[i] })
	c := &benchCorpus{terms: terms, r: r, zipf: rand.NewZipf(r, zipf[0], zipf[1], uint64(len(terms)-1))}
	codes := []string{"25.62", "25.11", "28.41", "23.13", "20.14", "62.01", "72.19", "94.11", "31.01", "16.23", "24.10", "85.42", "43.21", "49.41", "10.71", "22.29", "27.11", "33.12"}
	nuts := map[string][]string{"DE": {"DED2D", "DED2C", "DED21", "DED45", "DE40F"}, "PL": {"PL515", "PL514", "PL432", "PL426"}, "CZ": {"CZ051", "CZ042", "CZ052"}}
	langs := []string{"de", "pl", "cs", "en"}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		country := []string{"DE", "PL", "CZ"}[r.IntN(3)]
		region := nuts[country][r.IntN(len(nuts[country]))]
		code := codes[r.IntN(len(codes))]
		status := domain.OfferStatusPublished
		if r.IntN(100) < 15 {
			status = []string{"draft", "withdrawn", "expired"}[r.IntN(3)]
		}
		o := projections.OfferDoc{
			ID: fmt.Sprintf("offer-%06d", i), OwnerOrgID: fmt.Sprintf("org-%05d", r.IntN(n/4+1)), OwnerCountry: country,
			OwnerNUTS: region, Kind: []string{"offer", "request"}[r.IntN(2)],
			Category:         []string{"product", "service", "supplier_search", "subcontracting", "cooperation_partner", "rd_partner", "nearshoring"}[r.IntN(7)],
			PartnershipTypes: []string{[]string{"commercial", "investment", "outsourcing", "supplier", "rd_cooperation"}[r.IntN(5)]},
			NACE:             []string{code}, Codes: []string{code, code[:2], "C"},
			Languages: []string{langs[r.IntN(4)], langs[r.IntN(4)]}, Regions: []string{region[:3], region[:4], region},
			Status: status, ValidUntil: now.Add(time.Duration(r.IntN(365)-60) * 24 * time.Hour),
			PublishedAt: now.Add(-time.Duration(r.IntN(400*24)) * time.Hour), UpdatedAt: now, Version: 1,
			TitleTerms: c.words(3 + r.IntN(5)), TextTerms: c.words(10 + r.IntN(25)), CodeTerms: c.words(5 + r.IntN(10)),
		}
		c.offers = append(c.offers, o)
	}
	return c
}

// words returns k distinct Zipf-distributed terms, sorted.
func (c *benchCorpus) words(k int) []string {
	out := make([]string, 0, k)
	for range k {
		out = append(out, c.terms[c.zipf.Uint64()])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// query is a planned query of 1–3 tokens: each token one term and up to
// two expansions (other terms sharing its first four letters).
func (c *benchCorpus) query() projections.SearchQuery {
	q := projections.SearchQuery{Status: []string{domain.OfferStatusPublished}, ValidOn: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Sort: projections.SortRelevance, Limit: 20, Facets: true}
	for tok := range 1 + c.r.IntN(3) {
		term := c.terms[c.zipf.Uint64()]
		q.Terms = append(q.Terms, projections.QueryTerm{Token: tok, Term: term, Weight: 1})
		n := 0
		for _, other := range c.terms {
			if n < 2 && other != term && len(term) >= 4 && strings.HasPrefix(other, term[:4]) {
				q.Terms = append(q.Terms, projections.QueryTerm{Token: tok, Term: other, Weight: 0.85 - 0.2*float64(n)})
				n++
			}
		}
	}
	if c.r.IntN(4) == 0 {
		q.Country = []string{"PL"}
	}
	return q
}

func loadBench(b *testing.B, c *benchCorpus) (*Store, projections.Target, domain.Position) {
	ctx := context.Background()
	s := New()
	tg, cp, _ := s.Live(ctx, "catalogue")
	for i := 0; i < len(c.offers); i += 2000 {
		to := domain.Position{Commit: cp.Commit + 1, Prepare: cp.Commit + 1}
		if err := s.Update(ctx, tg, cp, to, func(tx projections.Tx) error {
			for _, o := range c.offers[i:min(i+2000, len(c.offers))] {
				if err := tx.PutOffer(ctx, o); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		cp = to
	}
	return s, tg, cp
}

// procCPU is the CPU time of the process so far (Linux; 0 elsewhere), to
// tell the cost of an operation from waiting on a busy machine.
func procCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond // USER_HZ 100
}

// BenchmarkSearch searches 100,000 offers with queries of 1–3 tokens
// (each with up to two expansions), the published and valid filters and
// facets, a quarter of them also by country. It reports the median and
// 95th percentile latency, the CPU time per search (both goroutines) and
// the mean number of matches.
func BenchmarkSearch(b *testing.B) {
	for _, bc := range []struct {
		name string
		zipf [2]float64
	}{{"typical", typical}, {"heavy", heavy}} {
		b.Run(bc.name, func(b *testing.B) {
			c := newBenchCorpus(100_000, bc.zipf)
			s, _, _ := loadBench(b, c)
			queries := make([]projections.SearchQuery, 1000)
			for i := range queries {
				queries[i] = c.query()
			}
			ctx := context.Background()
			var times []time.Duration
			matches := 0
			b.ReportAllocs()
			runtime.GC()
			cpu := procCPU()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				res, err := s.SearchOffers(ctx, queries[i%len(queries)])
				times = append(times, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				matches += res.Total
			}
			b.StopTimer()
			if cpu > 0 {
				b.ReportMetric(float64((procCPU()-cpu).Nanoseconds())/float64(len(times)), "cpu-ns/op")
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Nanoseconds()), "p95-ns")
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(matches)/float64(len(times)), "matches/op")
		})
	}
}

// BenchmarkPutOffer writes offers into a 100,000-offer index in batches
// of 1,000, as a rebuild or live processing does: replacements that
// change the status only (status), replacements that also change a few
// words (words), and new offers (insert; the index grows).
func BenchmarkPutOffer(b *testing.B) {
	c := newBenchCorpus(100_000, typical)
	s, tg, cp := loadBench(b, c)
	ctx := context.Background()
	run := func(b *testing.B, next func(i int) projections.OfferDoc) {
		b.ReportAllocs()
		runtime.GC()
		cpu := procCPU()
		b.ResetTimer()
		defer func() {
			if cpu > 0 {
				b.ReportMetric(float64((procCPU()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		}()
		n := 0
		for n < b.N {
			k := min(1000, b.N-n)
			to := domain.Position{Commit: cp.Commit + 1, Prepare: cp.Commit + 1}
			if err := s.Update(ctx, tg, cp, to, func(tx projections.Tx) error {
				for j := range k {
					if err := tx.PutOffer(ctx, next(n+j)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			cp = to
			n += k
		}
	}
	status := make([]projections.OfferDoc, 4096)
	words := make([]projections.OfferDoc, 4096)
	for i := range status {
		o := c.offers[c.r.IntN(len(c.offers))]
		o.Version++
		o.Status = "withdrawn"
		status[i] = o
		o = c.offers[c.r.IntN(len(c.offers))]
		o.Version++
		o.TitleTerms = c.words(3 + c.r.IntN(5))
		o.TextTerms = slices.Concat(c.words(3), o.TextTerms[min(3, len(o.TextTerms)):])
		slices.Sort(o.TextTerms)
		o.TextTerms = slices.Compact(o.TextTerms)
		words[i] = o
	}
	b.Run("status", func(b *testing.B) { run(b, func(i int) projections.OfferDoc { return status[i%len(status)] }) })
	b.Run("words", func(b *testing.B) { run(b, func(i int) projections.OfferDoc { return words[i%len(words)] }) })
	b.Run("insert", func(b *testing.B) {
		run(b, func(i int) projections.OfferDoc {
			o := c.offers[i%len(c.offers)]
			o.ID = "new-" + strconv.Itoa(i)
			return o
		})
	})
}

// TestUpdateWithoutStoreLock: while one projection's batch is being
// applied (fn runs), queries answer, another projection commits, and what
// happens to the generation meanwhile is noticed at commit: a claim by
// another projection refuses the batch, a promotion retires it, and in
// both cases nothing of it is written.
func TestUpdateWithoutStoreLock(t *testing.T) {
	ctx := context.Background()
	p1 := domain.Position{Commit: 1, Prepare: 1}
	// hold runs an Update of tg whose fn puts a document of coll and then
	// waits for release; the Update's result arrives on the channel.
	hold := func(s *Store, tg projections.Target, coll string) (release chan struct{}, done chan error) {
		started := make(chan struct{})
		release, done = make(chan struct{}), make(chan error, 1)
		go func() {
			done <- s.Update(ctx, tg, domain.Start, p1, func(tx projections.Tx) error {
				err := tx.Put(ctx, projections.Doc{Coll: coll, ID: "held", Keys: []string{"all"}, Value: map[string]any{"id": "held"}})
				close(started) // also on an error, which done then reports
				if err != nil {
					return err
				}
				<-release
				return nil
			})
		}()
		<-started
		return release, done
	}
	// put commits one document of coll as projection tg.
	put := func(s *Store, tg projections.Target, coll, id string) error {
		return s.Update(ctx, tg, domain.Start, p1, func(tx projections.Tx) error {
			return tx.Put(ctx, projections.Doc{Coll: coll, ID: id, Value: map[string]any{"id": id}})
		})
	}
	within := func(t *testing.T, what string, f func() error) {
		t.Helper()
		errc := make(chan error, 1)
		go func() { errc <- f() }()
		select {
		case err := <-errc:
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s waited for another projection's batch", what)
		}
	}

	t.Run("others go on", func(t *testing.T) {
		s := New()
		a, _, _ := s.Live(ctx, "a")
		b, _, _ := s.Live(ctx, "b")
		release, done := hold(s, a, "notes")
		within(t, "a query", func() error {
			_, _, err := s.List(ctx, "notes", "all", "", 10)
			return err
		})
		within(t, "another projection's Update", func() error { return put(s, b, "visits", "v") })
		if _, ok, _ := s.Doc(ctx, "notes", "held"); ok {
			t.Error("a batch still being applied is visible")
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Doc(ctx, "notes", "held"); !ok {
			t.Error("the batch is not visible after its Update returned")
		}
	})

	t.Run("claimed meanwhile", func(t *testing.T) {
		s := New()
		a, _, _ := s.Live(ctx, "a")
		b, _, _ := s.Live(ctx, "b")
		release, done := hold(s, a, "notes")
		within(t, "b claiming notes", func() error { return put(s, b, "notes", "b") })
		close(release)
		if err := <-done; err == nil || !strings.Contains(err.Error(), `belongs to projection "b"`) {
			t.Fatalf("a's batch after b claimed notes = %v, want refused", err)
		}
		if _, ok, _ := s.Doc(ctx, "notes", "held"); ok {
			t.Error("the refused batch was written")
		}
		if _, cp, _ := s.Live(ctx, "a"); cp != domain.Start {
			t.Errorf("a's checkpoint moved to %v", cp)
		}
	})

	t.Run("promoted meanwhile", func(t *testing.T) {
		s := New()
		a, _, _ := s.Live(ctx, "a")
		release, done := hold(s, a, "notes")
		var rb projections.Target
		within(t, "a rebuild and its promotion", func() error {
			var err error
			if rb, err = s.StartRebuild(ctx, "a"); err != nil {
				return err
			}
			return s.Promote(ctx, rb)
		})
		close(release)
		if err := <-done; !errors.Is(err, projections.ErrRetired) {
			t.Fatalf("a batch of the replaced generation = %v, want ErrRetired", err)
		}
		if _, ok, _ := s.Doc(ctx, "notes", "held"); ok {
			t.Error("a batch of the replaced generation was written")
		}
	})
}
