package reference

import (
	"fmt"
	"maps"
	"strings"
)

// NACE levels. Sections and divisions are shipped with labels; groups and
// classes are accepted by LookupNACE but carry the labels of their division.
const (
	// NACELevelSection is the level of a section, "C".
	NACELevelSection = 1
	// NACELevelDivision is the level of a division, "25".
	NACELevelDivision = 2
	// NACELevelGroup is the level of a group, "25.6".
	NACELevelGroup = 3
	// NACELevelClass is the level of a class, "25.62".
	NACELevelClass = 4
)

// NACE is one code of the NACE Rev. 2 classification of economic activities.
type NACE struct {
	// Code is the canonical code: a section letter ("C"), a two-digit
	// division ("25"), a group ("25.6") or a class ("25.62").
	Code string
	// Level is one of the NACELevel constants.
	Level int
	// Section is the section letter the code belongs to ("C" for "25.62";
	// a section's own letter for a section).
	Section string
	// Division is the two-digit division the code belongs to; empty for a
	// section.
	Division string
	// Labels holds the title in German, Polish, Czech and English. For a
	// group or a class these are the titles of its division: nisa ships no
	// group or class titles.
	Labels map[Lang]string
}

// Label returns the title in language l, or the English one if l has none.
func (n NACE) Label(l Lang) string { return label(n.Labels, l) }

// naceRow is one line of the NACE tables in nace_data.go.
type naceRow struct {
	code, section  string
	de, pl, cs, en string
}

var (
	naceIndex     map[string]NACE // sections and divisions by code
	naceSectionsL []NACE
	naceDivsL     []NACE
)

func init() {
	naceIndex, naceSectionsL, naceDivsL = mustBuildNACE(naceSectionRows, naceDivisionRows)
}

// mustBuildNACE checks the tables and indexes them; it panics on the first
// problem, so that a malformed table stops the program at start-up.
func mustBuildNACE(sections, divisions []naceRow) (map[string]NACE, []NACE, []NACE) {
	idx := make(map[string]NACE, len(sections)+len(divisions))
	fail := func(r naceRow, format string, args ...any) {
		panic(fmt.Sprintf("reference: NACE table: %q: %s", r.code, fmt.Sprintf(format, args...)))
	}
	checkLabels := func(r naceRow) map[Lang]string {
		m := map[Lang]string{DE: r.de, PL: r.pl, CS: r.cs, EN: r.en}
		for l, s := range m {
			if s == "" || strings.TrimSpace(s) != s || strings.Contains(s, "  ") {
				fail(r, "bad %s label %q", l, s)
			}
		}
		return m
	}
	var secs, divs []NACE
	prev := ""
	for _, r := range sections {
		if len(r.code) != 1 || r.code[0] < 'A' || r.code[0] > 'Z' || r.section != r.code {
			fail(r, "not a section letter")
		}
		if r.code <= prev {
			fail(r, "sections out of order")
		}
		prev = r.code
		n := NACE{Code: r.code, Level: NACELevelSection, Section: r.code, Labels: checkLabels(r)}
		idx[r.code] = n
		secs = append(secs, n)
	}
	prev, prevSec := "", ""
	for _, r := range divisions {
		if len(r.code) != 2 || !isDigits(r.code) {
			fail(r, "not a two-digit division")
		}
		if r.code <= prev {
			fail(r, "divisions out of order or duplicated")
		}
		if _, ok := idx[r.section]; !ok || len(r.section) != 1 {
			fail(r, "unknown section %q", r.section)
		}
		if r.section < prevSec {
			fail(r, "section %q after section %q: sections must cover contiguous divisions", r.section, prevSec)
		}
		prev, prevSec = r.code, r.section
		n := NACE{Code: r.code, Level: NACELevelDivision, Section: r.section, Division: r.code, Labels: checkLabels(r)}
		idx[r.code] = n
		divs = append(divs, n)
	}
	for _, s := range secs {
		found := false
		for _, d := range divs {
			found = found || d.Section == s.Code
		}
		if !found {
			fail(naceRow{code: s.Code}, "section has no division")
		}
	}
	return idx, secs, divs
}

// LookupNACE finds a NACE Rev. 2 code. It accepts
//   - a section letter, "A" to "U" (lower case is accepted too);
//   - a division, two digits: "25";
//   - a group or a class: two digits, a dot and one or two digits ("25.6",
//     "25.62"), or the same digits without the dot ("256", "2562").
//
// Groups and classes are accepted when their division exists; nisa ships no
// list of groups and classes, so "25.0" passes although NACE has no group
// 25.0. They are returned normalised to the dotted form ("2562" → "25.62")
// with the labels of their division. National fifth levels (WZ "25.62.0",
// PKD "25.62.Z", CZ-NACE "25620") are not accepted.
//
// A code that is malformed, or whose section or division does not exist
// ("04", "Z", "25.999", ""), yields an *UnknownCodeError of kind KindNACE.
func LookupNACE(code string) (NACE, error) {
	n, ok := lookupNACE(code)
	if !ok {
		return NACE{}, unknown(KindNACE, code)
	}
	n.Labels = maps.Clone(n.Labels)
	return n, nil
}

func lookupNACE(code string) (NACE, bool) {
	s := strings.TrimSpace(code)
	if len(s) == 1 {
		n, ok := naceIndex[strings.ToUpper(s)]
		return n, ok && n.Level == NACELevelSection
	}
	var div, rest string
	switch {
	case len(s) == 2 && isDigits(s):
		div = s
	case (len(s) == 4 || len(s) == 5) && s[2] == '.' && isDigits(s[:2]) && isDigits(s[3:]):
		div, rest = s[:2], s[3:]
	case (len(s) == 3 || len(s) == 4) && isDigits(s):
		div, rest = s[:2], s[2:]
	default:
		return NACE{}, false
	}
	d, ok := naceIndex[div]
	if !ok || d.Level != NACELevelDivision {
		return NACE{}, false
	}
	if rest == "" {
		return d, true
	}
	d.Code = div + "." + rest
	d.Level = NACELevelGroup + len(rest) - 1
	return d, true
}

// NACESections returns the 21 sections, A to U.
func NACESections() []NACE { return cloneNACE(naceSectionsL) }

// NACEDivisions returns the 88 divisions in code order.
func NACEDivisions() []NACE { return cloneNACE(naceDivsL) }

// NACEDivisionsOf returns the divisions of a section in code order, or nil
// if section is not a known section letter. The letter is normalised as in
// LookupNACE.
func NACEDivisionsOf(section string) []NACE {
	s, ok := lookupNACE(section)
	if !ok || s.Level != NACELevelSection {
		return nil
	}
	var out []NACE
	for _, d := range naceDivsL {
		if d.Section == s.Code {
			out = append(out, d)
		}
	}
	return cloneNACE(out)
}

// NACESectionOf returns the section letter of any code LookupNACE accepts
// ("C" for "C", "25" and "25.62"), or "" if the code is unknown.
func NACESectionOf(code string) string {
	n, ok := lookupNACE(code)
	if !ok {
		return ""
	}
	return n.Section
}

func cloneNACE(in []NACE) []NACE {
	if in == nil {
		return nil
	}
	out := make([]NACE, len(in))
	for i, n := range in {
		n.Labels = maps.Clone(n.Labels)
		out[i] = n
	}
	return out
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
