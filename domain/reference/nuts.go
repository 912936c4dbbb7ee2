package reference

import (
	"fmt"
	"strings"
)

// NUTS is one region of the NUTS 2021 classification. nisa ships the regions
// of the German–Polish–Czech border area, not the whole classification: see
// nutsRows for the list. A NUTS code not in that list is unknown to nisa.
type NUTS struct {
	// Code is the NUTS code: two letters for the country and one more
	// character per level ("DED", "DED2", "DED2D").
	Code string
	// Level is 1, 2 or 3.
	Level int
	// Country is the ISO 3166-1 alpha-2 code of the country: "DE", "PL" or
	// "CZ" (for these countries it equals the NUTS country prefix).
	Country string
	// Parent is the code of the region one level up ("DED2" for "DED2D"),
	// or "" for a NUTS-1 region.
	Parent string
	// Name is the region's name in the national language, as in NUTS.
	Name string
	// NameEN is the usual English name, for display.
	NameEN string
}

// nutsRow is one line of the NUTS table in nuts_data.go. Level, country and
// parent follow from the code.
type nutsRow struct {
	code, name, nameEN string
}

var (
	nutsIndex    map[string]NUTS
	nutsList     []NUTS
	nutsChildren map[string][]NUTS
)

func init() {
	nutsIndex, nutsList, nutsChildren = mustBuildNUTS(nutsRows)
}

// nutsCountries are the countries whose regions nisa ships.
var nutsCountries = map[string]bool{"DE": true, "PL": true, "CZ": true}

// mustBuildNUTS checks the table and indexes it; it panics on the first
// problem, so that a malformed table stops the program at start-up.
func mustBuildNUTS(rows []nutsRow) (map[string]NUTS, []NUTS, map[string][]NUTS) {
	idx := make(map[string]NUTS, len(rows))
	children := make(map[string][]NUTS)
	list := make([]NUTS, 0, len(rows))
	for _, r := range rows {
		fail := func(format string, args ...any) {
			panic(fmt.Sprintf("reference: NUTS table: %q: %s", r.code, fmt.Sprintf(format, args...)))
		}
		c := r.code
		if len(c) < 3 || len(c) > 5 || strings.ToUpper(c) != c || !isUpperAlnum(c) {
			fail("malformed code")
		}
		if !nutsCountries[c[:2]] {
			fail("country %q is not one nisa ships", c[:2])
		}
		if _, dup := idx[c]; dup {
			fail("duplicate")
		}
		for _, s := range []string{r.name, r.nameEN} {
			if s == "" || strings.TrimSpace(s) != s {
				fail("bad name %q", s)
			}
		}
		n := NUTS{Code: c, Level: len(c) - 2, Country: c[:2], Name: r.name, NameEN: r.nameEN}
		if n.Level > 1 {
			n.Parent = c[:len(c)-1]
			p, ok := idx[n.Parent]
			if !ok {
				fail("parent %q missing or listed after its child", n.Parent)
			}
			if p.Country != n.Country || p.Level != n.Level-1 {
				fail("parent %q is not one level up in the same country", n.Parent)
			}
			children[n.Parent] = append(children[n.Parent], n)
		}
		idx[c] = n
		list = append(list, n)
	}
	return idx, list, children
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
			return false
		}
	}
	return true
}

func normNUTS(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// LookupNUTS finds a NUTS 2021 region of the border area by code. The code is
// normalised (white space trimmed, upper-cased). A code that is not shipped
// yields an *UnknownCodeError of kind KindNUTS.
func LookupNUTS(code string) (NUTS, error) {
	n, ok := nutsIndex[normNUTS(code)]
	if !ok {
		return NUTS{}, unknown(KindNUTS, code)
	}
	return n, nil
}

// NUTSChildren returns the regions one level below code, in code order: the
// NUTS-2 regions of a NUTS-1 region or the NUTS-3 regions of a NUTS-2
// region. It returns nil for a NUTS-3 region and for an unknown code. For
// the Polish and Czech NUTS-1 regions (PL4, PL5, CZ0), which are shipped
// only as parents, the children are those of the border area, not all.
func NUTSChildren(code string) []NUTS {
	c := nutsChildren[normNUTS(code)]
	if c == nil {
		return nil
	}
	return append([]NUTS(nil), c...)
}

// NUTSContains reports whether the region code lies within the region
// ancestor: whether ancestor is code itself, its parent, or its parent's
// parent. So a NUTS-2 code contains (matches) its NUTS-3 regions, and a
// NUTS-1 code all regions below it: NUTSContains("PL51", "PL514") is true,
// NUTSContains("PL51", "PL523") is false. Both codes are normalised as in
// LookupNUTS; if either is unknown the answer is false.
func NUTSContains(ancestor, code string) bool {
	a := normNUTS(ancestor)
	if _, ok := nutsIndex[a]; !ok {
		return false
	}
	n, ok := nutsIndex[normNUTS(code)]
	for ok {
		if n.Code == a {
			return true
		}
		n, ok = nutsIndex[n.Parent]
	}
	return false
}

// NUTSRegions returns every shipped region, each parent before its
// children.
func NUTSRegions() []NUTS { return append([]NUTS(nil), nutsList...) }
