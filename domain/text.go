package domain

import (
	"strings"
	"unicode/utf8"
)

// Text is a text in the languages of the border regions. At least one
// variant is required; the others are optional.
type Text struct {
	DE string `json:"de,omitempty"`
	PL string `json:"pl,omitempty"`
	CS string `json:"cs,omitempty"`
	EN string `json:"en,omitempty"`
}

// IsZero reports whether t has no variant.
func (t Text) IsZero() bool { return t == Text{} }

// Variants returns the non-empty variants keyed by language code.
func (t Text) Variants() map[string]string {
	m := map[string]string{}
	for lang, s := range map[string]string{"de": t.DE, "pl": t.PL, "cs": t.CS, "en": t.EN} {
		if s != "" {
			m[lang] = s
		}
	}
	return m
}

// validate adds an error to es unless t has at least one variant and every
// variant is at most maxLen characters of printable text.
func (t Text) validate(es *ValidationErrors, field string, maxLen int) {
	if t.IsZero() {
		es.Add(field, "", "needs at least one of de, pl, cs, en")
		return
	}
	for lang, s := range t.Variants() {
		switch {
		case strings.TrimSpace(s) == "":
			es.Add(field+"."+lang, s, "must not be blank")
		case utf8.RuneCountInString(s) > maxLen:
			es.Add(field+"."+lang, "", "must be at most "+itoa(maxLen)+" characters")
		case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
			es.Add(field+"."+lang, "", "must be valid UTF-8 text")
		}
	}
}
