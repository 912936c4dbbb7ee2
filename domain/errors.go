package domain

import (
	"errors"
	"fmt"
)

// Error codes are stable strings that clients may rely on. The HTTP adapter
// maps each to one status code; every error a caller can cause carries one.
const (
	CodeInvalid     = "invalid"      // a request or event failed validation
	CodeNotFound    = "not_found"    // the stream or resource does not exist
	CodeConflict    = "conflict"     // wrong expected version
	CodeDuplicateID = "duplicate_id" // an event id was reused for different content
	CodeUnavailable = "unavailable"  // the store cannot be reached or is closed
	CodeInternal    = "internal"     // a fault on our side
)

// Sentinel errors. Adapters return errors that match them with errors.Is.
var (
	// ErrInvalid matches every *ValidationError.
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound is returned when a stream has no events.
	ErrNotFound = errors.New("not found")
	// ErrConcurrency matches every *ConcurrencyError: the stream was not at
	// the expected version, nothing was appended.
	ErrConcurrency = errors.New("wrong expected version")
	// ErrDuplicateEventID is returned when an append reuses an event id that
	// is already stored with different content, in another stream, or
	// together with ids that are not stored (see EventStore.Append);
	// nothing was appended.
	ErrDuplicateEventID = errors.New("event id already used for a different event")
	// ErrClosed is returned by a store after Close.
	ErrClosed = errors.New("event store closed")
)

// ValidationError says which field of an input is wrong and why. It matches
// ErrInvalid.
type ValidationError struct {
	Field  string
	Value  string
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// ConcurrencyError is returned by EventStore.Append when the stream is not at
// the expected version. It matches ErrConcurrency.
type ConcurrencyError struct {
	StreamID string
	Expected ExpectedVersion
	// Actual is the stream's current version (0: the stream does not exist).
	Actual uint64
}

// Error implements error.
func (e *ConcurrencyError) Error() string {
	return fmt.Sprintf("stream %q: expected version %s, current version %d", e.StreamID, e.Expected, e.Actual)
}

// Is reports whether target is ErrConcurrency.
func (e *ConcurrencyError) Is(target error) bool { return target == ErrConcurrency }

// ErrorCode returns the stable code of err: one of the Code constants.
// Errors that match none of the sentinels are CodeInternal.
func ErrorCode(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrInvalid):
		return CodeInvalid
	case errors.Is(err, ErrNotFound):
		return CodeNotFound
	case errors.Is(err, ErrConcurrency):
		return CodeConflict
	case errors.Is(err, ErrDuplicateEventID):
		return CodeDuplicateID
	case errors.Is(err, ErrClosed):
		return CodeUnavailable
	}
	return CodeInternal
}
