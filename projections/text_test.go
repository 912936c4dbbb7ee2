package projections

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Metallbearbeitung", "metallbearbeitung"},
		{"Łódź", "lodz"},
		{"ŁÓDŹ", "lodz"},
		{"Zażółć gęślą jaźń", "zazolc gesla jazn"},
		{"ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "zazolc gesla jazn"},
		{"Příliš žluťoučký kůň úpěl ďábelské ódy", "prilis zlutoucky kun upel dabelske ody"},
		{"PŘÍLIŠ ŽLUŤOUČKÝ KŮŇ ÚPĚL ĎÁBELSKÉ ÓDY", "prilis zlutoucky kun upel dabelske ody"},
		{"Görlitz Straße Äpfel Übung ÖL", "gorlitz strasse apfel ubung ol"},
		{"GROẞ", "gross"},
		{"Ľubovňa Ĺ ŕ Ô", "lubovna l r o"},
		{"obro\u0301bka", "obrobka"}, // decomposed ó
		{"Ñandú Ø", "ñandu ø"},       // other letters only lower-cased
		{"CNC-Fräsen, 25.62!", "cnc-frasen, 25.62!"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ,.- ", nil},
		{"CNC-Fräsen und Schweißen für die Industrie", []string{"cnc", "frasen", "schweissen", "industrie"}},
		{"Obróbka metali i spawanie w Zgorzelcu oraz dla firm", []string{"obrobka", "metali", "spawanie", "zgorzelcu", "firm"}},
		{"Obrábění kovů a svařování v Liberci pro firmy", []string{"obrabeni", "kovu", "svarovani", "liberci", "firmy"}},
		{"The welding of steel and machining for the automotive industry", []string{"welding", "steel", "machining", "automotive", "industry"}},
		{"ISO 9001, 3 Achsen; x-y", []string{"iso", "9001", "achsen"}},
		{"Łódź/Görlitz", []string{"lodz", "gorlitz"}},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStemGroups(t *testing.T) {
	// Every word of a group stems the same.
	groups := [][]string{
		{"obróbka", "obróbki", "obróbce", "obróbkę", "obróbką", "obrobka"},
		{"metali", "metalu", "metal", "metale", "metalach", "metalowych", "metalowe"},
		{"Metallbearbeitung", "Metallbearbeitungen"},
		{"dřevo", "dřeva", "drevo"},
		{"machining", "machined", "machine", "machines"},
		{"services", "service"},
		{"Maschinen", "Maschine"},
		{"logistyka", "logistyki", "logistyce", "logistykę"},
		{"spolupráce", "spolupráci", "spoluprace"},
		{"Görlitz", "Gorlitz"},
		{"Łódź", "lodz"},
		{"usługi", "usługa", "usług", "usługach", "usługami"},
		{"produkcja", "produkcji", "produkcję", "produkcją"},
		{"výroba", "výroby", "výrobě", "výrobu"},
		{"współpraca", "współpracy", "współpracę"},
		{"Unternehmen", "Unternehmens"},
		{"Dienstleistung", "Dienstleistungen"},
		{"Länder", "Ländern"},
		{"regiony", "regionów", "Regionen", "region", "regionu"},
		{"technologie", "technology", "technologies", "technologii"},
		{"companies", "company"},
		{"processes", "process", "processing", "processed"},
		{"Prozess", "Prozesse"},
		{"partners", "partner", "Partnern"},
		{"Straße", "Straßen"},
		{"polskich", "polski", "polskie", "polska", "Polsce"},
		{"elektronika", "Elektronik", "elektroniki"},
		{"firmou", "firma", "firmy", "Firmen"},
	}
	for _, g := range groups {
		want := Stem(Fold(g[0]))
		for _, w := range g[1:] {
			if got := Stem(Fold(w)); got != want {
				t.Errorf("Stem(%q) = %q, but Stem(%q) = %q", Fold(w), got, Fold(g[0]), want)
			}
		}
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"obrobka", "obrobk"},
		{"obrobce", "obrobk"},
		{"metali", "metal"},
		{"metallbearbeitungen", "metallbearbeit"},
		{"maschinen", "maschin"},
		{"logistyce", "logistyk"},
		{"machining", "machin"},
		{"services", "servik"},
		{"spoluprace", "spoluprak"},
		{"gorlitz", "gorlitz"},
		// Short words and words with digits stay as they are.
		{"kovu", "kovu"},
		{"kovy", "kovy"},
		{"kov", "kov"},
		{"lodz", "lodz"},
		{"auto", "auto"},
		{"9001", "9001"},
		{"a4s", "a4s"},
		{"x2ungen", "x2ungen"},
		// Never fewer than 4 characters.
		{"bauer", "bauer"},
		{"drevo", "drev"},
		{"nowych", "nowych"},
		// -s is not stripped after s, u, i; -n only after l or r; -ich
		// not from -lich.
		{"business", "business"},
		{"autobus", "autobus"},
		{"analysis", "analysis"},
		{"regeln", "regel"},
		{"magazyn", "magazyn"},
		{"beruflich", "beruflich"},
	}
	for _, tt := range tests {
		if got := Stem(tt.in); got != tt.want {
			t.Errorf("Stem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Stemming a stem changes nothing more, except through c → k.
	for _, tt := range tests {
		s := Stem(tt.in)
		if again := Stem(s); again != s {
			t.Errorf("Stem(Stem(%q)) = %q, not %q", tt.in, again, s)
		}
	}
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"und für die", nil},
		{"Obróbka metali, obróbce metalu i spawanie", []string{"metal", "obrobk", "spawan"}},
		{"Maschinen und Maschine für Metallbearbeitungen", []string{"maschin", "metallbearbeit"}},
		{"CNC-Fräsen in Görlitz", []string{"cnc", "fras", "gorlitz"}},
	}
	for _, tt := range tests {
		if got := Analyze(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Analyze(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQueryTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"für die", nil},
		{"Spawanie obróbka metali obróbce", []string{"spawan", "obrobk", "metal"}},
		{"one two three four five six seven eight nine ten eleven twelve",
			[]string{"one", "two", "thre", "four", "five", "six", "seven", "eight", "nine", "ten"}},
	}
	for _, tt := range tests {
		if got := QueryTokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("QueryTokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOSADistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"maschin", "maschin", 0},
		{"maschn", "maschin", 1},
		{"logsitik", "logistik", 1}, // transposition
		{"ca", "abc", 3},            // optimal string alignment, not unrestricted
		{"kitten", "sitting", 3},
		{"łódź", "lodz", 3}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := osaDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("osaDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// vocabulary is a Reader whose only working method is Vocabulary, which
// scans a fixed list of indexed terms as Reader.Vocabulary is specified.
// The embedded nil Reader makes every other method panic.
type vocabulary struct {
	Reader
	terms []string
	err   error
}

func (v vocabulary) Vocabulary(_ context.Context, token string, minSim float64, limit int) ([]string, error) {
	if v.err != nil {
		return nil, v.err
	}
	var out []string
	for _, t := range v.terms {
		if strings.HasPrefix(t, token) || Similarity(token, t) >= minSim {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int {
		sa, sb := Similarity(token, a), Similarity(token, b)
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return strings.Compare(a, b)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func testVocabulary() vocabulary {
	var terms []string
	for _, s := range []string{
		"logistyka i spedycja", "Logistik", "Maschinen und Anlagen", "obróbka metali",
		"Metallbearbeitung", "Metallverarbeitung", "Textil", "kovovýroba",
	} {
		terms = append(terms, Analyze(s)...)
	}
	slices.Sort(terms)
	return vocabulary{terms: slices.Compact(terms)}
}

func findTerm(terms []QueryTerm, token int, term string) (QueryTerm, bool) {
	for _, t := range terms {
		if t.Token == token && t.Term == term {
			return t, true
		}
	}
	return QueryTerm{}, false
}

func TestPlan(t *testing.T) {
	ctx := context.Background()
	v := testVocabulary()

	if got, err := Plan(ctx, v, ""); got != nil || err != nil {
		t.Errorf("Plan(\"\") = %v, %v; want nil, nil", got, err)
	}
	if got, err := Plan(ctx, v, " und, für die "); got != nil || err != nil {
		t.Errorf("Plan(stop words) = %v, %v; want nil, nil", got, err)
	}

	tests := []struct {
		name   string
		q      string
		token  int
		term   string
		weight float64
	}{
		{"exact", "Logistyka", 0, "logistyk", 1},
		{"prefix", "logist", 0, "logistyk", 0.8},
		{"prefix, other language", "logist", 0, "logistik", 0.8},
		{"prefix of a compound", "metall", 0, "metallbearbeit", 0.8},
		// "maschnen" stems to "maschn": one insertion from "maschin",
		// trigram similarity 5/10.
		{"typo", "maschnen", 0, "maschin", 0.5},
		{"typo, similar language", "logistik", 0, "logistyk", 0.525},
		{"diacritic-free", "obrobka", 0, "obrobk", 1},
		{"diacritic-free, inflected", "obrobce metalu", 1, "metal", 1},
		{"second token", "Textil obrobki", 1, "obrobk", 1},
	}
	for _, tt := range tests {
		got, err := Plan(ctx, v, tt.q)
		if err != nil {
			t.Fatalf("%s: Plan(%q): %v", tt.name, tt.q, err)
		}
		qt, ok := findTerm(got, tt.token, tt.term)
		if !ok {
			t.Errorf("%s: Plan(%q) = %v, has no term %q for token %d", tt.name, tt.q, got, tt.term, tt.token)
			continue
		}
		if qt.Weight != tt.weight {
			t.Errorf("%s: Plan(%q): %q weighs %v, want %v", tt.name, tt.q, tt.term, qt.Weight, tt.weight)
		}
	}

	// The token itself is always there, first, with weight 1; unrelated
	// terms are dropped; the order is token, weight desc, term.
	got, err := Plan(ctx, v, "logist maschnen zzzz")
	if err != nil {
		t.Fatal(err)
	}
	want := []QueryTerm{
		{Token: 0, Term: "logist", Weight: 1},
		{Token: 0, Term: "logistik", Weight: 0.8},
		{Token: 0, Term: "logistyk", Weight: 0.8},
		{Token: 1, Term: "maschn", Weight: 1},
		{Token: 1, Term: "maschin", Weight: 0.5},
		{Token: 2, Term: "zzzz", Weight: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Plan = %v, want %v", got, want)
	}

	// A token shorter than 3 characters gets no prefix expansion, and a
	// token shorter than 4 no typo expansion by distance.
	got, err = Plan(ctx, vocabulary{terms: []string{"ab", "abc", "abcd", "kow", "kov"}}, "ab kox")
	if err != nil {
		t.Fatal(err)
	}
	for _, qt := range got {
		if qt.Weight != 1 && (qt.Term == "abc" || qt.Term == "abcd" || qt.Term == "kow" || qt.Term == "kov") {
			t.Errorf("Plan(\"ab kox\") expanded to %v", qt)
		}
	}

	boom := errors.New("boom")
	if _, err := Plan(ctx, vocabulary{err: boom}, "logistyka"); !errors.Is(err, boom) {
		t.Errorf("Plan with a failing Vocabulary: %v, want %v", err, boom)
	}
}

func TestPlanWeight(t *testing.T) {
	tests := []struct {
		tok, term string
		want      float64
		ok        bool
	}{
		{"metal", "metallbearbeit", 0.8, true},
		{"met", "metal", 0, false},  // no prefix under 4 letters, similarity 0.429
		{"dreh", "drev", 0, false},  // distance 1 counts from 5 letters
		{"spa", "spawan", 0, false}, // "spa hotel" must not find welding
		{"maschn", "maschin", 0.5, true},
		{"logsitik", "logistik", 0.525, true}, // swap: distance 1, 1 − 1/8
		{"logstk", "logistyk", 0, false},      // distance 2 for a 6-letter token
		{"logistk", "logistyka", 0.429, true}, // distance 2, but similarity 0.5
		{"fras", "glas", 0, false},            // distance 2, similarity < 0.45
		{"maschinenbau", "maschinnebau", 0.55, true},
	}
	for _, tt := range tests {
		w, ok := planWeight(tt.tok, tt.term)
		if ok != tt.ok || w != tt.want {
			t.Errorf("planWeight(%q, %q) = %v, %v; want %v, %v (similarity %.3f, distance %d)",
				tt.tok, tt.term, w, ok, tt.want, tt.ok, Similarity(tt.tok, tt.term), osaDistance(tt.tok, tt.term))
		}
	}
}

func TestCodeTerms(t *testing.T) {
	terms := CodeTerms([]string{"25"})
	if !slices.IsSorted(terms) || len(slices.Compact(slices.Clone(terms))) != len(terms) {
		t.Errorf("CodeTerms(25) is not sorted and distinct: %q", terms)
	}
	keywords := KeywordTerms([]string{"25"})
	for _, w := range []string{
		"metali", "obrobka", // Polish keyword
		"kovovyroba", "svarovani", // Czech keywords
		"schweissen", "metallbearbeitung", // German keywords
		"welding", "machining", // English keywords
	} {
		if s := Stem(Fold(w)); !slices.Contains(keywords, s) {
			t.Errorf("KeywordTerms(25) lacks %q (of %q)", s, w)
		}
	}
	for _, w := range []string{
		"metallerzeugnissen", "fabricated", // division labels
		"verarbeitendes", "manufacturing", "zpracovatelsky", // section C labels
	} {
		if s := Stem(Fold(w)); !slices.Contains(terms, s) {
			t.Errorf("CodeTerms(25) lacks %q (of %q)", s, w)
		}
	}
	// A class has its division's and section's terms and keywords.
	if class := CodeTerms([]string{"25.62"}); !slices.Equal(class, terms) {
		t.Errorf("CodeTerms(25.62) = %q, want CodeTerms(25) = %q", class, terms)
	}
	if class := KeywordTerms([]string{"25.62"}); !slices.Equal(class, keywords) {
		t.Errorf("KeywordTerms(25.62) = %q, want KeywordTerms(25) = %q", class, keywords)
	}
	// A section has only its labels: no keywords.
	c := CodeTerms([]string{"C"})
	if !slices.Contains(c, "manufactur") || slices.Contains(c, "weld") || KeywordTerms([]string{"C"}) != nil {
		t.Errorf("CodeTerms(C) = %q", c)
	}
	// What a label excludes is not indexed: wood products are not furniture.
	wood := CodeTerms([]string{"16"})
	for _, w := range []string{"Möbel", "mebli", "nábytku", "furniture"} {
		if s := Stem(Fold(w)); slices.Contains(wood, s) {
			t.Errorf("CodeTerms(16) holds %q (of %q), which its label excludes", s, w)
		}
	}
	if !slices.Contains(wood, Stem(Fold("Holz"))) {
		t.Errorf("CodeTerms(16) = %q lacks Holz", wood)
	}
	// Several codes, unknown ones ignored.
	both := CodeTerms([]string{"52", "zz", "25"})
	if !slices.Contains(both, "lager") || !slices.Contains(both, "metal") {
		t.Errorf("CodeTerms(52, zz, 25) = %q", both)
	}
	if got := CodeTerms(nil); got != nil {
		t.Errorf("CodeTerms(nil) = %q", got)
	}
	if got := CodeTerms([]string{"zz"}); got != nil {
		t.Errorf("CodeTerms(zz) = %q", got)
	}
}

func TestCodePath(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{nil, nil},
		{[]string{"25.62"}, []string{"25", "25.62", "C"}},
		{[]string{"2562"}, []string{"25", "25.62", "C"}},
		{[]string{"25"}, []string{"25", "C"}},
		{[]string{"c"}, []string{"C"}},
		{[]string{"25.62", "28", "01.1"}, []string{"01", "01.1", "25", "25.62", "28", "A", "C"}},
		{[]string{"zz", "25", ""}, []string{"25", "C", "zz"}},
	}
	for _, tt := range tests {
		if got := CodePath(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("CodePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRegionPath(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"DED2D", []string{"DED", "DED2", "DED2D"}},
		{"ded2d", []string{"DED", "DED2", "DED2D"}},
		{"DED2", []string{"DED", "DED2"}},
		{"DED", []string{"DED"}},
		{"PL514", []string{"PL5", "PL51", "PL514"}},
		{"XX123", []string{"XX123"}},
	}
	for _, tt := range tests {
		if got := RegionPath(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("RegionPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
