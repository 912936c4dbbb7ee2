package projections

// Similarity is the trigram similarity of two words as PostgreSQL's pg_trgm
// computes it for single lower-case words: each word is padded with two
// spaces in front and one behind, and the similarity is the number of
// shared trigrams over the number of distinct trigrams of both (0..1).
func Similarity(a, b string) float64 {
	ta, tb := trigrams(a), trigrams(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	shared := 0
	for t := range ta {
		if _, ok := tb[t]; ok {
			shared++
		}
	}
	return float64(shared) / float64(len(ta)+len(tb)-shared)
}

// Trigrams returns the distinct trigrams of a word, padded as pg_trgm pads
// it.
func Trigrams(word string) []string {
	set := trigrams(word)
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	return out
}

func trigrams(word string) map[string]struct{} {
	if word == "" {
		return nil
	}
	r := []rune("  " + word + " ")
	set := make(map[string]struct{}, len(r))
	for i := 0; i+3 <= len(r); i++ {
		set[string(r[i:i+3])] = struct{}{}
	}
	return set
}
