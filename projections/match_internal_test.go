package projections

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// randomWords returns a picker of n random words of words, sorted and
// distinct.
func randomWords(rng *rand.Rand, words []string) func(n int) []string {
	return func(n int) []string {
		var out []string
		for range n {
			out = append(out, words[rng.IntN(len(words))])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
}

// TestTextAgainstSplit: a candidate's text reason, walked over its title
// and text terms without building their union, is the reason computed
// from the union, on random term lists (duplicates between title and
// text, dropped city terms in either, empty lists, and now and then a
// list out of order); the score without explaining is the same.
func TestTextAgainstSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := randomWords(rng, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"})
	unsorted := 0
	for i := range 5000 {
		a := pick(rng.IntN(8))
		title, text, drop := pick(rng.IntN(6)), pick(rng.IntN(10)), pick(rng.IntN(3))
		if i%10 == 0 {
			rng.Shuffle(len(title), func(i, j int) { title[i], title[j] = title[j], title[i] })
			rng.Shuffle(len(text), func(i, j int) { text[i], text[j] = text[j], text[i] })
			if !slices.IsSorted(title) || !slices.IsSorted(text) {
				unsorted++
			}
		}
		union := matchUnion(title, matchWithout(text, drop))
		want := textReason(a, union, true)
		p := matchSide{split: true, title: title, text: text, drop: drop}
		if got := p.textAgainst(a, true); !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: a %v title %v text %v drop %v: split %+v, union %+v", i, a, title, text, drop, got, want)
		}
		if got := p.textAgainst(a, false); got.Score != want.Score || got.Terms != nil {
			t.Fatalf("case %d: a %v title %v text %v drop %v: unexplained %+v, explained %+v", i, a, title, text, drop, got, want)
		}
	}
	if unsorted < 100 {
		t.Fatalf("only %d cases with lists out of order", unsorted)
	}
}

// TestMatchScoreUnexplained: on random offers, the score matching ranks
// by (without reasons, a candidate's lists walked) is the score of the
// explained match (the candidate's lists merged), and both leave out the
// same candidates.
func TestMatchScoreUnexplained(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	terms := randomWords(rng, []string{"drewno", "holz", "metal", "cnc", "laser", "sklo", "glas", "görlitz", "liberec", "wrocław"})
	langs := randomWords(rng, []string{"cs", "de", "en", "pl"})
	codes := [][]string{{"25.62", "25", "C"}, {"25", "C"}, {"16.23", "16", "C"}, {"49.41", "49", "H"}, {"C"}}
	places := []struct{ country, nuts, city string }{
		{"DE", "DED2D", "Görlitz"}, {"DE", "DED21", "Dresden"}, {"PL", "PL514", "Wrocław"},
		{"PL", "PL432", "Zielona Góra"}, {"CZ", "CZ051", "Liberec"}, {"CZ", "CZ080", "Ostrava"}, {"DE", "", ""},
	}
	offer := func(i int) OfferDoc {
		pl := places[rng.IntN(len(places))]
		o := OfferDoc{
			ID: "o" + string(rune('a'+i%26)), OwnerOrgID: "org", Kind: []string{"offer", "request"}[rng.IntN(2)],
			OwnerCountry: pl.country, OwnerNUTS: pl.nuts, OwnerCity: pl.city,
			Codes: codes[rng.IntN(len(codes))], Languages: langs(rng.IntN(3)), OwnerLanguages: langs(rng.IntN(3)),
			TitleTerms: terms(rng.IntN(4)), TextTerms: terms(rng.IntN(6)),
			PublishedAt: now.Add(-time.Duration(rng.IntN(400*24)) * time.Hour),
		}
		if rng.IntN(3) == 0 {
			o.TargetCountries = []string{[]string{"DE", "PL", "CZ"}[rng.IntN(3)]}
		}
		if rng.IntN(3) == 0 {
			o.TargetRegions = []string{[]string{"DED2", "PL51", "CZ05", "PL43"}[rng.IntN(4)]}
		}
		return o
	}
	matched := 0
	for i := range 3000 {
		a, c := offerSide(offer(i)), offer(i+1)
		b, whole := candidateOfferSide(c), offerSide(c)
		score, reasons, ok := matchSides(&a, &b, now, false)
		wantScore, wantReasons, wantOK := matchSides(&a, &whole, now, true)
		if score != wantScore || ok != wantOK || reasons != nil {
			t.Fatalf("case %d: unexplained %v %v, explained %v %v (%+v)", i, score, ok, wantScore, wantOK, wantReasons)
		}
		if _, got, _ := matchSides(&a, &b, now, true); !reflect.DeepEqual(got, wantReasons) {
			t.Fatalf("case %d: candidate's reasons %+v, whole offer's %+v", i, got, wantReasons)
		}
		if ok {
			matched++
		}
	}
	if matched < 500 {
		t.Fatalf("only %d of 3000 random pairs matched", matched)
	}
}
