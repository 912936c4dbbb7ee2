package projections

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// TestTextAgainstSplit: a candidate's text reason, walked over its title
// and text terms without building their union, is the reason computed
// from the union, on random term lists (duplicates between title and
// text, dropped city terms in either, empty lists).
func TestTextAgainstSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	pick := func(n int) []string {
		var out []string
		for range n {
			out = append(out, words[rng.IntN(len(words))])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	for i := range 5000 {
		a := pick(rng.IntN(8))
		title, text, drop := pick(rng.IntN(6)), pick(rng.IntN(10)), pick(rng.IntN(3))
		want := textReason(a, matchUnion(title, matchWithout(text, drop)))
		p := matchSide{split: true, title: title, text: text, drop: drop}
		if got := p.textAgainst(a); !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: a %v title %v text %v drop %v: split %+v, union %+v", i, a, title, text, drop, got, want)
		}
	}
}
