package reference

// Lang is one of the four languages the reference labels are given in, as
// an ISO 639-1 code.
type Lang string

// The label languages of nisa.
const (
	// DE is German.
	DE Lang = "de"
	// PL is Polish.
	PL Lang = "pl"
	// CS is Czech.
	CS Lang = "cs"
	// EN is English, the fallback of every Label method.
	EN Lang = "en"
)

// Langs returns the label languages in a fixed order: de, pl, cs, en.
func Langs() []Lang { return []Lang{DE, PL, CS, EN} }

// Valid reports whether l is one of DE, PL, CS and EN.
func (l Lang) Valid() bool {
	switch l {
	case DE, PL, CS, EN:
		return true
	}
	return false
}

// label returns labels[l], falling back to English.
func label(labels map[Lang]string, l Lang) string {
	if s, ok := labels[l]; ok && s != "" {
		return s
	}
	return labels[EN]
}
