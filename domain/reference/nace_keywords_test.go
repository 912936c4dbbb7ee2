package reference

import (
	"slices"
	"strings"
	"testing"
)

func TestNACEKeywordsCoverEveryDivision(t *testing.T) {
	divs := NACEDivisions()
	if len(naceKeywords) != len(divs) {
		t.Errorf("keywords for %d divisions, want %d", len(naceKeywords), len(divs))
	}
	for _, d := range divs {
		kw := NACEKeywords(d.Code)
		if kw == nil {
			t.Errorf("division %s has no keywords", d.Code)
			continue
		}
		for _, l := range Langs() {
			words := kw[l]
			if len(words) < 3 || len(words) > 8 {
				t.Errorf("division %s: %d %s keywords, want 3 to 8", d.Code, len(words), l)
			}
			for _, w := range words {
				if strings.TrimSpace(w) == "" {
					t.Errorf("division %s: empty %s keyword", d.Code, l)
				}
				// A keyword is an everyday phrase, not the official title.
				if strings.EqualFold(w, d.Label(l)) {
					t.Errorf("division %s: %s keyword %q is the official label", d.Code, l, w)
				}
			}
		}
		if len(kw) != len(Langs()) {
			t.Errorf("division %s: keywords in %d languages, want %d", d.Code, len(kw), len(Langs()))
		}
	}
	for code := range naceKeywords {
		if n, err := LookupNACE(code); err != nil || n.Level != NACELevelDivision {
			t.Errorf("keywords for %q, which is not a division", code)
		}
	}
}

func TestNACEKeywordsLookup(t *testing.T) {
	div := NACEKeywords("25")
	if !slices.Contains(div[DE], "Schweißen") || !slices.Contains(div[PL], "obróbka metali") ||
		!slices.Contains(div[CS], "kovovýroba") || !slices.Contains(div[EN], "CNC machining") {
		t.Fatalf("NACEKeywords(25) = %v", div)
	}
	for _, code := range []string{"25.6", "25.62", "256", "2562", " 25 "} {
		got := NACEKeywords(code)
		for _, l := range Langs() {
			if !slices.Equal(got[l], div[l]) {
				t.Errorf("NACEKeywords(%q)[%s] = %v, want division 25's %v", code, l, got[l], div[l])
			}
		}
	}
	for _, code := range []string{"C", "c", "04", "Z", "", "25.999", "25.62.0"} {
		if got := NACEKeywords(code); got != nil {
			t.Errorf("NACEKeywords(%q) = %v, want nil", code, got)
		}
	}
}

func TestNACEKeywordsReturnsCopy(t *testing.T) {
	a := NACEKeywords("52")
	a[DE][0] = "changed"
	a[PL] = nil
	delete(a, EN)
	b := NACEKeywords("52")
	if b[DE][0] == "changed" || b[PL] == nil || b[EN] == nil {
		t.Errorf("changing the result of NACEKeywords changed the table: %v", b)
	}
}
