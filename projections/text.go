package projections

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nisa-eu/nisa/domain/reference"
)

// The text analysis of search: documents and queries go through the same
// steps, so that "Obróbka metali", "obrobka metalu" and "OBRÓBCE METALI"
// meet on the same terms:
//
//	Fold     lower case, diacritics removed ("Łódź" → "lodz")
//	Tokens   words of letters and digits, without 1-letter words and stop words
//	Stem     a light suffix stripper ("obrobce" → "obrobk", "maschinen" → "maschin")
//	Analyze  the sorted, distinct stems of a text: what is indexed
//
// Plan then expands each query stem to the indexed terms it may stand for
// (prefixes and typos), with a weight.

// foldMap maps the letters with diacritics of German, Polish, Czech and
// Slovak, in both cases, to their plain lower-case form.
var foldMap = func() map[rune]string {
	const pairs = "" +
		"ąa ćc ęe łl ńn óo śs źz żz " + // Polish
		"áa čc ďd ée ěe íi ňn řr šs ťt úu ůu ýy žz " + // Czech
		"äa öo üu " + // German
		"ĺl ľl ŕr ôo" // Slovak
	m := map[rune]string{'ß': "ss", 'ẞ': "ss"}
	for _, p := range strings.Fields(pairs) {
		r := []rune(p)
		m[r[0]] = string(r[1])
		m[unicode.ToUpper(r[0])] = string(r[1])
	}
	return m
}()

// Fold lower-cases s and removes the diacritics of the Latin letters used
// in German, Polish, Czech and Slovak: "ł" → "l", "ś" → "s", "ž" → "z",
// "ř" → "r", "ů" → "u", "ä" → "a", "ß" → "ss" and so on, upper-case forms
// alike. Other letters are only lower-cased; combining marks (decomposed
// diacritics) are dropped.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if f, ok := foldMap[r]; ok {
			b.WriteString(f)
		} else if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// stopWords are frequent German, Polish, Czech and English words that carry
// no meaning for search, in folded form. Words of one letter ("a", "i",
// "w", "z", "v", "s", "k") are dropped by Tokens anyway.
var stopWords = func() map[string]bool {
	const words = "" +
		"und der die das den dem des ein eine einen einem einer fur mit von vom zu zum zur im am an auf aus bei oder ist sind wir " + // de
		"na do dla oraz ze we od po przy lub sie jest to nie " + // pl
		"ve pro se ke ku je jsou nebo pri za nad pod " + // cs, pl ("Ústí nad Labem", "Frankfurt nad Odrą")
		"the and for of with in on to an or by at from is are our" // en
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}()

// Tokens folds s (see Fold) and splits it into words of letters and
// digits: hyphens, punctuation and every other character separate words
// ("CNC-Fräsen" → "cnc", "frasen"). Words of one character and the stop
// words of German, Polish, Czech and English ("und", "für", "oraz", "pro",
// "the", …) are dropped. The words are returned in text order.
func Tokens(s string) []string {
	words := strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := words[:0]
	for _, w := range words {
		if utf8.RuneCountInString(w) > 1 && !stopWords[w] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// stemSuffix is one ending Stem strips. The letter before it must be one of
// onlyAfter (when set) and none of notAfter.
type stemSuffix struct {
	suffix, onlyAfter, notAfter string
}

// stemSuffixes are the endings Stem strips, longest first (ties in
// alphabetical order), all in folded form.
var stemSuffixes = func() []stemSuffix {
	list := []stemSuffix{
		// Polish: adjective, plural and case endings ("-ów" folds to "ow").
		{suffix: "owych"}, {suffix: "owego"}, {suffix: "owemu"}, {suffix: "owymi"},
		{suffix: "owej"}, {suffix: "owym"}, {suffix: "owa"}, {suffix: "owe"}, {suffix: "owy"},
		{suffix: "ami"}, {suffix: "ach"}, {suffix: "ego"}, {suffix: "emu"}, {suffix: "ych"},
		{suffix: "ymi"}, {suffix: "imi"}, {suffix: "ow"}, {suffix: "om"}, {suffix: "ym"},
		{suffix: "im"}, {suffix: "ej"}, {suffix: "mi"},
		// "-ich" ("polskich", Czech "-ích"), but not German "-lich", "-reich".
		{suffix: "ich", notAfter: "el"},
		// Czech.
		{suffix: "ovych"}, {suffix: "oveho"}, {suffix: "ovou"}, {suffix: "ove"}, {suffix: "ovy"},
		{suffix: "ova"}, {suffix: "ech"}, {suffix: "eho"}, {suffix: "emi"}, {suffix: "ou"}, {suffix: "um"},
		// Vowel endings of Polish, Czech and German.
		{suffix: "a"}, {suffix: "e"}, {suffix: "i"}, {suffix: "o"}, {suffix: "u"}, {suffix: "y"},
		// German.
		{suffix: "ungen"}, {suffix: "ung"}, {suffix: "ern"}, {suffix: "en"}, {suffix: "er"},
		{suffix: "es"}, {suffix: "n", onlyAfter: "lr"},
		// English.
		{suffix: "ing"}, {suffix: "ers"}, {suffix: "ies"}, {suffix: "ed"},
		// Plural and genitive "-s", but not from "-ss", "-us", "-is".
		{suffix: "s", notAfter: "siu"},
	}
	slices.SortFunc(list, func(a, b stemSuffix) int {
		if d := len(b.suffix) - len(a.suffix); d != 0 {
			return d
		}
		return strings.Compare(a.suffix, b.suffix)
	})
	return slices.CompactFunc(list, func(a, b stemSuffix) bool { return a.suffix == b.suffix })
}()

// stemMin is the fewest characters Stem leaves of a word.
const stemMin = 4

// Stem reduces a folded word to a stem shared by its inflected forms in
// German, Polish, Czech and English. It is a light, language-agnostic
// suffix stripper, simple and predictable rather than linguistically
// right:
//
//   - words of at most 4 characters and words with a digit stay as they
//     are;
//   - otherwise the longest ending of the list (Polish "-owych", "-ami",
//     "-ach", "-ego", "-ych", "-ów", "-om"; Czech "-ových", "-ou", "-ech",
//     "-ům"; German "-ungen", "-ung", "-ern", "-en", "-er", "-es", "-n"
//     after l or r; English "-ing", "-ers", "-ies", "-ed", "-s" but not
//     after s, u or i; the vowels "-a", "-e", "-i", "-o", "-u", "-y") that
//     leaves at least 4 characters is stripped, and again from the rest
//     until no ending applies ("unternehmens" → "unternehmen" →
//     "unternehm");
//   - a final "c" becomes "k", which joins the Polish and Czech k/c
//     alternation ("obróbka", "obróbce" → "obrobk"; "logistyce" →
//     "logistyk") and treats "-c" and "-ce" endings alike ("service",
//     "services" → "servik").
//
// So "maschine" and "maschinen" give "maschin", "metalu", "metali" and
// "metalowych" give "metal", "spoluprace" and "spolupraci" give
// "spoluprak".
func Stem(word string) string {
	r := []rune(word)
	if len(r) <= stemMin || strings.ContainsFunc(word, unicode.IsDigit) {
		return word
	}
	for stripped := true; stripped; {
		stripped = false
		for _, s := range stemSuffixes {
			n := len(s.suffix) // suffixes are ASCII
			if len(r)-n < stemMin || !hasRuneSuffix(r, s.suffix) {
				continue
			}
			before := r[len(r)-n-1]
			if s.onlyAfter != "" && !strings.ContainsRune(s.onlyAfter, before) ||
				strings.ContainsRune(s.notAfter, before) {
				continue
			}
			r = r[:len(r)-n]
			stripped = true
			break
		}
	}
	if r[len(r)-1] == 'c' {
		r[len(r)-1] = 'k'
	}
	return string(r)
}

func hasRuneSuffix(r []rune, suffix string) bool {
	if len(r) < len(suffix) {
		return false
	}
	for i := 0; i < len(suffix); i++ {
		if r[len(r)-len(suffix)+i] != rune(suffix[i]) {
			return false
		}
	}
	return true
}

// Analyze returns the terms a text is indexed with: the stems (Stem) of its
// tokens (Tokens), sorted and without duplicates; nil for a text without
// words.
func Analyze(s string) []string {
	toks := Tokens(s)
	if len(toks) == 0 {
		return nil
	}
	for i, t := range toks {
		toks[i] = Stem(t)
	}
	slices.Sort(toks)
	return slices.Compact(toks)
}

// maxQueryTokens is the number of query words QueryTokens keeps.
const maxQueryTokens = 10

// QueryTokens returns the stems of the words of a query (Tokens, then
// Stem) in query order, without duplicates, at most 10 of them.
func QueryTokens(q string) []string {
	var out []string
	for _, t := range Tokens(q) {
		s := Stem(t)
		if slices.Contains(out, s) {
			continue
		}
		out = append(out, s)
		if len(out) == maxQueryTokens {
			break
		}
	}
	return out
}

// The numbers of Plan (see there).
const (
	planVocabularySim   = 0.3
	planVocabularyLimit = 50
	planPrefixWeight    = 0.8
	planSimilarWeight   = 0.6
	planMinSimilarity   = 0.45
)

// Plan plans a free-text query against the vocabulary of the index: it
// expands every token of QueryTokens(q) (token i, counting from 0) into the
// indexed terms it stands for, each with a weight. These are the prefix
// and typo tolerance of search:
//
//   - the token itself, weight 1;
//   - every term Reader.Vocabulary(ctx, token, 0.3, 50) proposes, other
//     than the token:
//   - a term that starts with the token, when the token has at least 4
//     characters: weight 0.8 ("logist" finds "logistyk");
//   - otherwise a similar term: one whose trigram similarity (Similarity)
//     with the token is at least 0.45, or whose Damerau–Levenshtein
//     distance (optimal string alignment: insertions, deletions,
//     substitutions and swaps of neighbours) to the token is at most 1
//     for a token of 5 to 7 characters and at most 2 for a token of 8 or
//     more ("logistik" finds the Polish "logistyk"; the 4-letter stem
//     "dreh" does not find the Czech "drev"): weight
//     0.6 × max(similarity, 1 − distance/n), n the
//     token's number of characters, rounded to 3 decimals ("maschn"
//     finds "maschin");
//   - any other term is dropped.
//
// The terms are sorted by token, then weight (highest first), then term.
// A query without tokens gives nil. The error is Vocabulary's.
func Plan(ctx context.Context, r Reader, q string) ([]QueryTerm, error) {
	toks := QueryTokens(q)
	if len(toks) == 0 {
		return nil, nil
	}
	var out []QueryTerm
	for i, tok := range toks {
		out = append(out, QueryTerm{Token: i, Term: tok, Weight: 1})
		cands, err := r.Vocabulary(ctx, tok, planVocabularySim, planVocabularyLimit)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{tok: true}
		for _, term := range cands {
			if seen[term] {
				continue
			}
			seen[term] = true
			if w, ok := planWeight(tok, term); ok {
				out = append(out, QueryTerm{Token: i, Term: term, Weight: w})
			}
		}
	}
	slices.SortFunc(out, func(a, b QueryTerm) int {
		switch {
		case a.Token != b.Token:
			return a.Token - b.Token
		case a.Weight != b.Weight:
			if a.Weight > b.Weight {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Term, b.Term)
	})
	return out, nil
}

// planWeight is the weight of indexed term for query token tok (see Plan),
// and false if term does not stand for tok.
func planWeight(tok, term string) (float64, bool) {
	n := utf8.RuneCountInString(tok)
	if n >= 4 && strings.HasPrefix(term, tok) {
		return planPrefixWeight, true
	}
	sim := Similarity(tok, term)
	dist := osaDistance(tok, term)
	maxDist := 0
	switch {
	case n >= 8:
		maxDist = 2
	case n >= 5:
		maxDist = 1
	}
	if sim < planMinSimilarity && dist > maxDist {
		return 0, false
	}
	w := planSimilarWeight * math.Max(sim, 1-float64(dist)/float64(n))
	return math.Round(w*1000) / 1000, true
}

// osaDistance is the Damerau–Levenshtein distance of two words in the
// optimal string alignment variant: the number of rune insertions,
// deletions, substitutions and transpositions of two neighbouring runes
// that turn a into b, no part of the text being edited twice.
func osaDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 {
		return len(rb)
	}
	if len(rb) == 0 {
		return len(ra)
	}
	// Three rows of the dynamic programme: i-2, i-1, i.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// CodeTerms returns the terms of NACE codes for the search index: the
// analysed words (Analyze) of the labels, in German, Polish, Czech and
// English, of each code, of its division and of its section (without
// their exclusion clauses: "…, ohne Möbel"), sorted and without
// duplicates. Unknown codes contribute nothing. The result is shared
// between callers (it is computed once per set of codes) and must not be
// modified.
func CodeTerms(codes []string) []string {
	return remembered(&codeTermsCache, strings.Join(codes, ","), func() []string { return codeTerms(codes) })
}

// codeTermsCache holds CodeTerms by set of codes: the reference data is
// fixed, and the index asks for the same few sets again and again.
var codeTermsCache sync.Map

// remembered returns the terms cache holds for key, computing and keeping
// them on the first call. The result is shared and must not be modified.
func remembered(cache *sync.Map, key string, compute func() []string) []string {
	if v, ok := cache.Load(key); ok {
		return v.([]string)
	}
	out := slices.Clip(compute())
	cache.Store(key, out)
	return out
}

func codeTerms(codes []string) []string {
	var out []string
	add := func(n reference.NACE) {
		for _, l := range reference.Langs() {
			out = append(out, Analyze(withoutExclusions(n.Label(l)))...)
		}
	}
	for _, c := range codes {
		n, err := reference.LookupNACE(c)
		if err != nil {
			continue
		}
		add(n)
		if n.Division != "" && n.Division != n.Code {
			if d, err := reference.LookupNACE(n.Division); err == nil {
				add(d)
			}
		}
		if n.Section != n.Code {
			if s, err := reference.LookupNACE(reference.NACESectionOf(c)); err == nil {
				add(s)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// naceExclusions start the clause of a NACE label that names what the
// class does not cover ("Holzwaren (ohne Möbel)"): those words must not make
// a sawmill match a search for furniture.
var naceExclusions = []string{"ohne ", "außer ", "z wyłączeniem ", "kromě ", "except ", "excluding "}

// withoutExclusions removes the exclusion clauses of a NACE label: from
// the word that starts one to the next ";" or ")" or the end.
func withoutExclusions(label string) string {
	for {
		lower := strings.ToLower(label)
		at := -1
		for _, x := range naceExclusions {
			for off := 0; ; {
				i := strings.Index(lower[off:], x)
				if i < 0 {
					break
				}
				i += off
				if i == 0 || lower[i-1] == ' ' || lower[i-1] == '(' {
					if at < 0 || i < at {
						at = i
					}
					break
				}
				off = i + 1
			}
		}
		if at < 0 {
			return label
		}
		end := len(label)
		if j := strings.IndexAny(label[at:], ";)"); j >= 0 {
			end = at + j
		}
		label = label[:at] + label[end:]
	}
}

// KeywordTerms returns the analysed everyday keywords of the NACE
// divisions of codes (reference.NACEKeywords) in every language, sorted and
// without duplicates ("Spritzguss", "obróbka metali", "spedice": what
// people type). The result is shared between callers and must not be
// modified.
func KeywordTerms(codes []string) []string {
	return remembered(&keywordTermsCache, strings.Join(codes, ","), func() []string {
		var out []string
		for _, c := range codes {
			for _, words := range reference.NACEKeywords(c) {
				for _, w := range words {
					out = append(out, Analyze(w)...)
				}
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	})
}

var keywordTermsCache sync.Map

// CodePath returns NACE codes with everything above them, for filtering by
// section or division: each code (normalised as reference.LookupNACE
// normalises it), its division and its section letter ("25.62" → "25.62",
// "25", "C"), sorted and without duplicates. Unknown codes are kept as
// they are; empty ones are dropped.
func CodePath(codes []string) []string {
	var out []string
	for _, c := range codes {
		n, err := reference.LookupNACE(c)
		if err != nil {
			if c != "" {
				out = append(out, c)
			}
			continue
		}
		out = append(out, n.Code, n.Section)
		if n.Division != "" {
			out = append(out, n.Division)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// RegionPath returns a NUTS region and every region above it ("DED2D" →
// "DED", "DED2", "DED2D"), sorted, by following reference.LookupNUTS's
// Parent. An unknown code is returned alone, as it is; "" gives nil.
func RegionPath(nuts string) []string {
	if nuts == "" {
		return nil
	}
	n, err := reference.LookupNUTS(nuts)
	if err != nil {
		return []string{nuts}
	}
	out := []string{n.Code}
	for n.Parent != "" {
		if n, err = reference.LookupNUTS(n.Parent); err != nil {
			break
		}
		out = append(out, n.Code)
	}
	slices.Sort(out)
	return out
}
