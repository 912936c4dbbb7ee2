package reference

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// officialDivisions is the list of NACE Rev. 2 divisions by section, written
// out independently of the data table (Regulation (EC) No 1893/2006).
var officialDivisions = map[string][]string{
	"A": {"01", "02", "03"},
	"B": {"05", "06", "07", "08", "09"},
	"C": {"10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21",
		"22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32", "33"},
	"D": {"35"},
	"E": {"36", "37", "38", "39"},
	"F": {"41", "42", "43"},
	"G": {"45", "46", "47"},
	"H": {"49", "50", "51", "52", "53"},
	"I": {"55", "56"},
	"J": {"58", "59", "60", "61", "62", "63"},
	"K": {"64", "65", "66"},
	"L": {"68"},
	"M": {"69", "70", "71", "72", "73", "74", "75"},
	"N": {"77", "78", "79", "80", "81", "82"},
	"O": {"84"},
	"P": {"85"},
	"Q": {"86", "87", "88"},
	"R": {"90", "91", "92", "93"},
	"S": {"94", "95", "96"},
	"T": {"97", "98"},
	"U": {"99"},
}

func TestNACECounts(t *testing.T) {
	secs, divs := NACESections(), NACEDivisions()
	if len(secs) != 21 {
		t.Errorf("NACESections: %d sections, want 21", len(secs))
	}
	if len(divs) != 88 {
		t.Errorf("NACEDivisions: %d divisions, want 88", len(divs))
	}
	var letters []string
	for _, s := range secs {
		letters = append(letters, s.Code)
	}
	if got := strings.Join(letters, ""); got != "ABCDEFGHIJKLMNOPQRSTU" {
		t.Errorf("section letters = %q, want A to U", got)
	}
	want := 0
	for _, d := range officialDivisions {
		want += len(d)
	}
	if want != 88 {
		t.Fatalf("test table has %d divisions", want)
	}
	for _, d := range divs {
		if !slices.Contains(officialDivisions[d.Section], d.Code) {
			t.Errorf("division %s in section %s: not so in NACE Rev. 2", d.Code, d.Section)
		}
	}
	for sec, codes := range officialDivisions {
		var got []string
		for _, d := range NACEDivisionsOf(sec) {
			got = append(got, d.Code)
		}
		if !slices.Equal(got, codes) {
			t.Errorf("NACEDivisionsOf(%q) = %v, want %v", sec, got, codes)
		}
	}
}

func TestNACELabels(t *testing.T) {
	for _, n := range append(NACESections(), NACEDivisions()...) {
		if s, err := LookupNACE(n.Section); err != nil || s.Level != NACELevelSection {
			t.Errorf("%s: section %q does not resolve to a section: %v", n.Code, n.Section, err)
		}
		if len(n.Labels) != 4 {
			t.Errorf("%s: %d labels, want 4", n.Code, len(n.Labels))
		}
		for _, l := range Langs() {
			if n.Labels[l] == "" || n.Label(l) != n.Labels[l] {
				t.Errorf("%s: %s label missing", n.Code, l)
			}
		}
	}

	tests := []struct {
		code string
		lang Lang
		want string
	}{
		{"25", EN, "Manufacture of fabricated metal products, except machinery and equipment"},
		{"25", DE, "Herstellung von Metallerzeugnissen"},
		{"25", PL, "Produkcja metalowych wyrobów gotowych, z wyłączeniem maszyn i urządzeń"},
		{"25", CS, "Výroba kovových konstrukcí a kovodělných výrobků, kromě strojů a zařízení"},
		{"62", EN, "Computer programming, consultancy and related activities"},
		{"62", DE, "Erbringung von Dienstleistungen der Informationstechnologie"},
		{"62", PL, "Działalność związana z oprogramowaniem i doradztwem w zakresie informatyki oraz działalność powiązana"},
		{"62", CS, "Činnosti v oblasti informačních technologií"},
		{"28", DE, "Maschinenbau"},
		{"28", CS, "Výroba strojů a zařízení j. n."},
		{"98", EN, "Undifferentiated goods- and services-producing activities of private households for own use"},
		{"C", EN, "Manufacturing"},
		{"C", DE, "Verarbeitendes Gewerbe"},
		{"C", PL, "Przetwórstwo przemysłowe"},
		{"C", CS, "Zpracovatelský průmysl"},
		{"25.62", DE, "Herstellung von Metallerzeugnissen"}, // a class carries its division's labels
		{"25", Lang("fr"), "Manufacture of fabricated metal products, except machinery and equipment"},
	}
	for _, tt := range tests {
		n, err := LookupNACE(tt.code)
		if err != nil {
			t.Errorf("LookupNACE(%q): %v", tt.code, err)
			continue
		}
		if got := n.Label(tt.lang); got != tt.want {
			t.Errorf("LookupNACE(%q).Label(%s) = %q, want %q", tt.code, tt.lang, got, tt.want)
		}
	}
}

func TestLookupNACE(t *testing.T) {
	tests := []struct {
		in                string
		code              string
		level             int
		section, division string
		sectionOf         string
	}{
		{"C", "C", NACELevelSection, "C", "", "C"},
		{" c ", "C", NACELevelSection, "C", "", "C"},
		{"U", "U", NACELevelSection, "U", "", "U"},
		{"01", "01", NACELevelDivision, "A", "01", "A"},
		{"25", "25", NACELevelDivision, "C", "25", "C"},
		{"98", "98", NACELevelDivision, "T", "98", "T"},
		{"99", "99", NACELevelDivision, "U", "99", "U"},
		{"25.6", "25.6", NACELevelGroup, "C", "25", "C"},
		{"25.62", "25.62", NACELevelClass, "C", "25", "C"},
		{"256", "25.6", NACELevelGroup, "C", "25", "C"},
		{"2562", "25.62", NACELevelClass, "C", "25", "C"},
		{"62.01", "62.01", NACELevelClass, "J", "62", "J"},
	}
	for _, tt := range tests {
		n, err := LookupNACE(tt.in)
		if err != nil {
			t.Errorf("LookupNACE(%q): %v", tt.in, err)
			continue
		}
		if n.Code != tt.code || n.Level != tt.level || n.Section != tt.section || n.Division != tt.division {
			t.Errorf("LookupNACE(%q) = %s level %d section %q division %q, want %s level %d section %q division %q",
				tt.in, n.Code, n.Level, n.Section, n.Division, tt.code, tt.level, tt.section, tt.division)
		}
		if got := NACESectionOf(tt.in); got != tt.sectionOf {
			t.Errorf("NACESectionOf(%q) = %q, want %q", tt.in, got, tt.sectionOf)
		}
	}
}

func TestLookupNACEUnknown(t *testing.T) {
	for _, code := range []string{
		"04", "34", "40", "44", "48", "54", "57", "67", "76", "83", "89", // the gaps
		"00", "Z", "V", "25.999", "", " ", "25.", "5", "A1", "C25", "2.5",
		"25.6a", "25,62", "25625", "25.62.0", "25.62.Z", "04.11", "AB",
	} {
		_, err := LookupNACE(code)
		checkUnknown(t, "LookupNACE", err, KindNACE, code)
		if s := NACESectionOf(code); s != "" {
			t.Errorf("NACESectionOf(%q) = %q, want \"\"", code, s)
		}
	}
	for _, sec := range []string{"Z", "25", "", "CC"} {
		if d := NACEDivisionsOf(sec); d != nil {
			t.Errorf("NACEDivisionsOf(%q) = %v, want nil", sec, d)
		}
	}
}

// checkUnknown asserts that err is an *UnknownCodeError of the given kind
// naming code, and that it matches ErrUnknownCode, also when wrapped.
func checkUnknown(t *testing.T, fn string, err error, kind, code string) {
	t.Helper()
	if !errors.Is(err, ErrUnknownCode) {
		t.Errorf("%s(%q): err = %v, want ErrUnknownCode", fn, code, err)
		return
	}
	if !errors.Is(fmt.Errorf("wrapped: %w", err), ErrUnknownCode) {
		t.Errorf("%s(%q): wrapped error does not match ErrUnknownCode", fn, code)
	}
	var u *UnknownCodeError
	if !errors.As(err, &u) {
		t.Errorf("%s(%q): err %T is not *UnknownCodeError", fn, code, err)
		return
	}
	if u.Kind != kind || u.Code != code {
		t.Errorf("%s(%q): error kind %q code %q, want %q %q", fn, code, u.Kind, u.Code, kind, code)
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("%q", code)) || !strings.Contains(msg, kind) {
		t.Errorf("%s(%q): message %q does not name the %s value", fn, code, msg, kind)
	}
}

func TestUnknownCodeError(t *testing.T) {
	err := error(&UnknownCodeError{Kind: KindNACE, Code: "04"})
	if got, want := err.Error(), `unknown NACE code "04"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if errors.Is(errors.New("other"), ErrUnknownCode) {
		t.Error("an unrelated error matches ErrUnknownCode")
	}
}

func TestReturnedValuesAreCopies(t *testing.T) {
	n, _ := LookupNACE("25")
	n.Labels[EN] = "changed"
	NACEDivisions()[0].Labels[DE] = "changed"
	if n2, _ := LookupNACE("25"); n2.Labels[EN] == "changed" {
		t.Error("LookupNACE returns a shared label map")
	}
	if NACEDivisions()[0].Labels[DE] == "changed" {
		t.Error("NACEDivisions returns shared label maps")
	}
	c, _ := LookupCountry("PL")
	c.Names[DE] = "changed"
	if c2, _ := LookupCountry("PL"); c2.Names[DE] != "Polen" {
		t.Error("LookupCountry returns a shared name map")
	}
	NUTSChildren("PL51")[0].Name = "changed"
	if NUTSChildren("PL51")[0].Name != "Miasto Wrocław" {
		t.Error("NUTSChildren returns a shared slice")
	}
}

func TestNUTSHierarchy(t *testing.T) {
	all := NUTSRegions()
	seen := map[string]bool{}
	for _, n := range all {
		if seen[n.Code] {
			t.Errorf("%s listed twice", n.Code)
		}
		seen[n.Code] = true
		if n.Level < 1 || n.Level > 3 || len(n.Code) != n.Level+2 {
			t.Errorf("%s: level %d does not fit the code", n.Code, n.Level)
		}
		if !slices.Contains([]string{"DE", "PL", "CZ"}, n.Country) || !strings.HasPrefix(n.Code, n.Country) {
			t.Errorf("%s: country %q does not match the code", n.Code, n.Country)
		}
		if n.Name == "" || n.NameEN == "" {
			t.Errorf("%s: name missing", n.Code)
		}
		if n.Level == 1 {
			if n.Parent != "" {
				t.Errorf("%s: NUTS-1 with parent %q", n.Code, n.Parent)
			}
			continue
		}
		p, err := LookupNUTS(n.Parent)
		if err != nil {
			t.Errorf("%s: parent %q: %v", n.Code, n.Parent, err)
			continue
		}
		if p.Level != n.Level-1 || p.Country != n.Country || !strings.HasPrefix(n.Code, p.Code) {
			t.Errorf("%s: parent %s (level %d, %s) does not fit", n.Code, p.Code, p.Level, p.Country)
		}
		if !slices.ContainsFunc(NUTSChildren(p.Code), func(c NUTS) bool { return c.Code == n.Code }) {
			t.Errorf("%s is not among the children of %s", n.Code, p.Code)
		}
		if !NUTSContains(p.Code, n.Code) {
			t.Errorf("NUTSContains(%s, %s) = false", p.Code, n.Code)
		}
	}
	// The regions the product notes name, and their districts.
	required := []string{
		"DED", "DED2", "DED4", "DED5", "DED21", "DED2C", "DED2D", "DED2E", "DED2F",
		"DED41", "DED42", "DED43", "DED44", "DED45", "DED51", "DED52", "DED53",
		"DE4", "DE40", "DE8", "DE80",
		"PL51", "PL514", "PL515", "PL516", "PL517", "PL518", "PL52", "PL523", "PL524",
		"PL43", "PL431", "PL432", "PL42", "PL424", "PL426", "PL427", "PL428",
		"CZ04", "CZ041", "CZ042", "CZ05", "CZ051", "CZ052", "CZ07", "CZ071", "CZ08", "CZ080",
	}
	for _, c := range required {
		if !seen[c] {
			t.Errorf("%s missing", c)
		}
	}
	for parent, want := range map[string]int{"DE40": 18, "DE80": 8, "DED2": 5, "DED4": 5, "DED5": 3, "DED": 3} {
		if got := len(NUTSChildren(parent)); got != want {
			t.Errorf("NUTSChildren(%s): %d regions, want %d", parent, got, want)
		}
	}
}

func TestNUTSLookupAndChildren(t *testing.T) {
	n, err := LookupNUTS(" pl514 ")
	if err != nil || n.Code != "PL514" || n.Level != 3 || n.Country != "PL" || n.Parent != "PL51" || n.Name != "Miasto Wrocław" {
		t.Errorf("LookupNUTS(\" pl514 \") = %+v, %v", n, err)
	}
	if n, _ := LookupNUTS("DED2D"); n.Name != "Görlitz" || n.Parent != "DED2" {
		t.Errorf("LookupNUTS(DED2D) = %+v", n)
	}
	for _, code := range []string{"", "DE", "DEA", "DE30", "PL41", "PL511", "CZ010", "AT1", "XX123", "PL5144"} {
		_, err := LookupNUTS(code)
		checkUnknown(t, "LookupNUTS", err, KindNUTS, code)
	}
	var got []string
	for _, c := range NUTSChildren("PL51") {
		got = append(got, c.Code)
	}
	if want := []string{"PL514", "PL515", "PL516", "PL517", "PL518"}; !slices.Equal(got, want) {
		t.Errorf("NUTSChildren(PL51) = %v, want %v", got, want)
	}
	for _, code := range []string{"PL514", "CZ080", "XX", ""} {
		if c := NUTSChildren(code); c != nil {
			t.Errorf("NUTSChildren(%q) = %v, want nil", code, c)
		}
	}
}

func TestNUTSContains(t *testing.T) {
	tests := []struct {
		ancestor, code string
		want           bool
	}{
		{"PL51", "PL514", true},
		{"PL51", "PL523", false},
		{"PL52", "PL523", true},
		{"PL5", "PL523", true},   // NUTS-1 contains NUTS-3
		{"PL514", "PL514", true}, // a region contains itself
		{"pl51", " PL514", true}, // normalised
		{"PL514", "PL51", false}, // not upwards
		{"DED", "DED2D", true},
		{"DED2", "DED2D", true},
		{"DED4", "DED2D", false},
		{"DE4", "DE40G", true},
		{"DE8", "DE40G", false},
		{"CZ05", "CZ051", true},
		{"CZ05", "CZ041", false},
		{"CZ0", "CZ080", true},
		{"PL4", "PL514", false},
		{"XX", "PL514", false},
		{"PL51", "PL519", false},
		{"", "PL514", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := NUTSContains(tt.ancestor, tt.code); got != tt.want {
			t.Errorf("NUTSContains(%q, %q) = %v, want %v", tt.ancestor, tt.code, got, tt.want)
		}
	}
}

func TestLookupCountry(t *testing.T) {
	if n := len(Countries()); n != 249 {
		t.Errorf("Countries: %d, want 249", n)
	}
	tests := []struct {
		in, code, en, de, pl, cs string
	}{
		{"DE", "DE", "Germany", "Deutschland", "Niemcy", "Německo"},
		{"pl", "PL", "Poland", "Polen", "Polska", "Polsko"},
		{" CZ ", "CZ", "Czechia", "Tschechien", "Czechy", "Česko"},
		{"AT", "AT", "Austria", "Österreich", "Austria", "Rakousko"},
		{"sk", "SK", "Slovakia", "Slowakei", "Słowacja", "Slovensko"},
		{"UA", "UA", "Ukraine", "Ukraine", "Ukraina", "Ukrajina"},
		{"GB", "GB", "United Kingdom", "Vereinigtes Königreich", "Wielka Brytania", "Spojené království"},
	}
	for _, tt := range tests {
		c, err := LookupCountry(tt.in)
		if err != nil {
			t.Errorf("LookupCountry(%q): %v", tt.in, err)
			continue
		}
		if c.Code != tt.code || c.Name != tt.en || c.Label(EN) != tt.en || c.Label(DE) != tt.de || c.Label(PL) != tt.pl || c.Label(CS) != tt.cs {
			t.Errorf("LookupCountry(%q) = %s %q %v, want %s %q de %q pl %q cs %q", tt.in, c.Code, c.Name, c.Names, tt.code, tt.en, tt.de, tt.pl, tt.cs)
		}
	}
	for _, code := range []string{"", "XK", "UK", "EU", "EL", "POL", "D", "1A", "ZZ"} {
		_, err := LookupCountry(code)
		checkUnknown(t, "LookupCountry", err, KindCountry, code)
	}
}

func TestLookupLanguage(t *testing.T) {
	if n := len(Languages()); n != 183 {
		t.Errorf("Languages: %d, want 183", n)
	}
	tests := []struct {
		in, code, name string
		other          []string
	}{
		{"de", "de", "German", nil},
		{"PL", "pl", "Polish", nil},
		{" cs", "cs", "Czech", nil},
		{"en", "en", "English", nil},
		{"es", "es", "Spanish", []string{"Castilian"}},
		{"hsb", "", "", nil}, // Upper Sorbian has no two-letter code
	}
	for _, tt := range tests {
		l, err := LookupLanguage(tt.in)
		if tt.code == "" {
			checkUnknown(t, "LookupLanguage", err, KindLanguage, tt.in)
			continue
		}
		if err != nil || l.Code != tt.code || l.Name != tt.name || !slices.Equal(l.OtherNames, tt.other) {
			t.Errorf("LookupLanguage(%q) = %+v, %v; want %s %q %v", tt.in, l, err, tt.code, tt.name, tt.other)
		}
	}
	for _, code := range []string{"", "bh", "iw", "in", "mo", "sh", "xx", "pol", "d"} {
		_, err := LookupLanguage(code)
		checkUnknown(t, "LookupLanguage", err, KindLanguage, code)
	}
	for _, l := range Langs() {
		if !l.Valid() {
			t.Errorf("Lang %q not valid", l)
		}
		if _, err := LookupLanguage(string(l)); err != nil {
			t.Errorf("label language %q is not an ISO 639-1 code: %v", l, err)
		}
	}
	if Lang("fr").Valid() {
		t.Error(`Lang("fr").Valid() = true`)
	}
}

// TestMalformedTablesPanic shows that the start-up checks catch broken
// tables.
func TestMalformedTablesPanic(t *testing.T) {
	sec := naceRow{"C", "C", "de", "pl", "cs", "en"}
	div := naceRow{"25", "C", "de", "pl", "cs", "en"}
	tests := []struct {
		name string
		f    func()
	}{
		{"nace duplicate division", func() { mustBuildNACE([]naceRow{sec}, []naceRow{div, div}) }},
		{"nace unknown section", func() { mustBuildNACE([]naceRow{sec}, []naceRow{{"25", "X", "de", "pl", "cs", "en"}}) }},
		{"nace empty label", func() { mustBuildNACE([]naceRow{sec}, []naceRow{{"25", "C", "de", "", "cs", "en"}}) }},
		{"nace bad division code", func() { mustBuildNACE([]naceRow{sec}, []naceRow{{"2A", "C", "de", "pl", "cs", "en"}}) }},
		{"nace section without division", func() { mustBuildNACE([]naceRow{sec, {"D", "D", "de", "pl", "cs", "en"}}, []naceRow{div}) }},
		{"nuts missing parent", func() { mustBuildNUTS([]nutsRow{{"PL5", "a", "b"}, {"PL514", "c", "d"}}) }},
		{"nuts foreign country", func() { mustBuildNUTS([]nutsRow{{"AT1", "a", "b"}}) }},
		{"nuts duplicate", func() { mustBuildNUTS([]nutsRow{{"PL5", "a", "b"}, {"PL5", "a", "b"}}) }},
		{"nuts lower case", func() { mustBuildNUTS([]nutsRow{{"pl5", "a", "b"}}) }},
		{"country out of order", func() { mustBuildCountries([]countryRow{{"PL", "a", "b", "c", "d"}, {"DE", "a", "b", "c", "d"}}) }},
		{"country missing name", func() { mustBuildCountries([]countryRow{{"PL", "a", "", "c", "d"}}) }},
		{"language upper case", func() { mustBuildLanguages([]languageRow{{"DE", "German"}}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.f()
		})
	}
	// The shipped tables pass the same checks.
	mustBuildNACE(naceSectionRows, naceDivisionRows)
	mustBuildNUTS(nutsRows)
	mustBuildCountries(countryRows)
	mustBuildLanguages(languageRows)
}
