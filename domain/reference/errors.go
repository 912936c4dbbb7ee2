package reference

import (
	"errors"
	"fmt"
)

// ErrUnknownCode matches every *UnknownCodeError: a code that is not in the
// reference data (or is not even well formed).
var ErrUnknownCode = errors.New("unknown code")

// Kinds of code named in an UnknownCodeError.
const (
	// KindNACE is the kind of a NACE Rev. 2 code.
	KindNACE = "NACE"
	// KindNUTS is the kind of a NUTS region code.
	KindNUTS = "NUTS"
	// KindCountry is the kind of an ISO 3166-1 alpha-2 country code.
	KindCountry = "country"
	// KindLanguage is the kind of an ISO 639-1 language code.
	KindLanguage = "language"
)

// UnknownCodeError says which code of which kind was not found. Code is the
// value as the caller passed it, before normalisation. It matches
// ErrUnknownCode.
type UnknownCodeError struct {
	Kind string // one of the Kind constants
	Code string
}

// Error implements error.
func (e *UnknownCodeError) Error() string {
	return fmt.Sprintf("unknown %s code %q", e.Kind, e.Code)
}

// Is reports whether target is ErrUnknownCode.
func (e *UnknownCodeError) Is(target error) bool { return target == ErrUnknownCode }

func unknown(kind, code string) error { return &UnknownCodeError{Kind: kind, Code: code} }
