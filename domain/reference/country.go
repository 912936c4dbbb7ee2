package reference

import (
	"fmt"
	"maps"
	"strings"
)

// Country is an officially assigned ISO 3166-1 alpha-2 country code.
type Country struct {
	// Code is the upper-case alpha-2 code, "PL".
	Code string
	// Name is the English short name as in ISO 3166-1, "Poland" or
	// "Bolivia, Plurinational State of".
	Name string
	// Names holds the name in German, Polish, Czech and English (EN equals
	// Name).
	Names map[Lang]string
}

// Label returns the name in language l, or the English one if l has none.
func (c Country) Label(l Lang) string { return label(c.Names, l) }

// countryRow is one line of the country table in country_data.go.
type countryRow struct {
	code, en, de, pl, cs string
}

var (
	countryIndex map[string]Country
	countryList  []Country
)

func init() {
	countryIndex, countryList = mustBuildCountries(countryRows)
}

// mustBuildCountries checks the table and indexes it; it panics on the first
// problem, so that a malformed table stops the program at start-up.
func mustBuildCountries(rows []countryRow) (map[string]Country, []Country) {
	idx := make(map[string]Country, len(rows))
	list := make([]Country, 0, len(rows))
	prev := ""
	for _, r := range rows {
		if len(r.code) != 2 || !isUpperAlpha(r.code) || r.code <= prev {
			panic(fmt.Sprintf("reference: country table: %q: malformed, duplicated or out of order", r.code))
		}
		prev = r.code
		names := map[Lang]string{EN: r.en, DE: r.de, PL: r.pl, CS: r.cs}
		for l, s := range names {
			if s == "" || strings.TrimSpace(s) != s {
				panic(fmt.Sprintf("reference: country table: %q: bad %s name %q", r.code, l, s))
			}
		}
		c := Country{Code: r.code, Name: r.en, Names: names}
		idx[r.code] = c
		list = append(list, c)
	}
	return idx, list
}

func isUpperAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// LookupCountry finds an ISO 3166-1 alpha-2 code. The code is normalised
// (white space trimmed, upper-cased), so "pl" finds Poland. Only officially
// assigned codes are known: reserved or user-assigned codes such as "EU",
// "UK" or "XK" yield an *UnknownCodeError of kind KindCountry.
func LookupCountry(code string) (Country, error) {
	c, ok := countryIndex[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Country{}, unknown(KindCountry, code)
	}
	c.Names = maps.Clone(c.Names)
	return c, nil
}

// Countries returns all 249 officially assigned countries in code order.
func Countries() []Country {
	out := make([]Country, len(countryList))
	for i, c := range countryList {
		c.Names = maps.Clone(c.Names)
		out[i] = c
	}
	return out
}
