package reference

import (
	"fmt"
	"strings"
)

// Language is an ISO 639-1 (two-letter) language code.
type Language struct {
	// Code is the lower-case two-letter code, "cs".
	Code string
	// Name is the first English name of the ISO 639 reference list,
	// "Spanish" for "es".
	Name string
	// OtherNames holds the further English names the list gives, if any
	// ("Castilian" for "es").
	OtherNames []string
}

// languageRow is one line of the language table in language_data.go: the
// code and the English name(s) as in ISO 639-2, alternatives separated by
// "; ".
type languageRow struct {
	code, names string
}

var (
	languageIndex map[string]Language
	languageList  []Language
)

func init() {
	languageIndex, languageList = mustBuildLanguages(languageRows)
}

// mustBuildLanguages checks the table and indexes it; it panics on the first
// problem, so that a malformed table stops the program at start-up.
func mustBuildLanguages(rows []languageRow) (map[string]Language, []Language) {
	idx := make(map[string]Language, len(rows))
	list := make([]Language, 0, len(rows))
	prev := ""
	for _, r := range rows {
		if len(r.code) != 2 || strings.ToLower(r.code) != r.code || !isLowerAlpha(r.code) || r.code <= prev {
			panic(fmt.Sprintf("reference: language table: %q: malformed, duplicated or out of order", r.code))
		}
		prev = r.code
		names := strings.Split(r.names, "; ")
		for _, n := range names {
			if n == "" || strings.TrimSpace(n) != n {
				panic(fmt.Sprintf("reference: language table: %q: bad name in %q", r.code, r.names))
			}
		}
		l := Language{Code: r.code, Name: names[0]}
		if len(names) > 1 {
			l.OtherNames = names[1:]
		}
		idx[r.code] = l
		list = append(list, l)
	}
	return idx, list
}

func isLowerAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// LookupLanguage finds an ISO 639-1 code. The code is normalised (white space
// trimmed, lower-cased), so "PL" finds Polish. Withdrawn codes ("bh", "iw",
// "in", "ji", "jw", "mo", "sh") and three-letter codes yield an
// *UnknownCodeError of kind KindLanguage.
func LookupLanguage(code string) (Language, error) {
	l, ok := languageIndex[strings.ToLower(strings.TrimSpace(code))]
	if !ok {
		return Language{}, unknown(KindLanguage, code)
	}
	l.OtherNames = append([]string(nil), l.OtherNames...)
	return l, nil
}

// Languages returns all 183 ISO 639-1 languages in code order.
func Languages() []Language {
	out := make([]Language, len(languageList))
	for i, l := range languageList {
		l.OtherNames = append([]string(nil), l.OtherNames...)
		out[i] = l
	}
	return out
}
