package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes are stable strings that clients may rely on. The HTTP adapter
// maps each to one status code; every error a caller can cause carries one.
const (
	CodeInvalid            = "invalid"             // a request or event failed validation
	CodeNotFound           = "not_found"           // the stream or resource does not exist
	CodeConflict           = "conflict"            // wrong expected version
	CodeDuplicateID        = "duplicate_id"        // an event id was reused for different content
	CodeUnavailable        = "unavailable"         // the store cannot be reached or is closed
	CodeForbidden          = "forbidden"           // the caller may not do this
	CodeUnauthenticated    = "unauthenticated"     // no valid credentials
	CodePreconditionFailed = "precondition_failed" // If-Match names another version
	CodeInvalidState       = "invalid_state"       // the aggregate's lifecycle does not allow this now
	CodeInternal           = "internal"            // a fault on our side
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
	// ErrForbidden: the actor may not run this command on this aggregate.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated: the caller presented no valid credentials.
	ErrUnauthenticated = errors.New("authentication required")
	// ErrPreconditionFailed: the caller pinned a version (If-Match) and the
	// aggregate is at another one. Nothing was appended.
	ErrPreconditionFailed = errors.New("aggregate is not at the expected version")
	// ErrInvalidState: the command is not allowed in the aggregate's current
	// lifecycle state (publishing a withdrawn offer, …). Nothing was appended.
	ErrInvalidState = errors.New("not allowed in the current state")
)

// ValidationError says which field of an input is wrong and why. It matches
// ErrInvalid.
type ValidationError struct {
	Field  string
	Value  string
	Reason string
}

// ValidationErrors is a list of validation errors of one input; it matches
// ErrInvalid. Commands report every bad field at once.
type ValidationErrors []*ValidationError

// Error implements error.
func (es ValidationErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Is reports whether target is ErrInvalid.
func (es ValidationErrors) Is(target error) bool { return target == ErrInvalid }

// Err returns es as an error, or nil when es is empty.
func (es ValidationErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Add appends a validation error for field.
func (es *ValidationErrors) Add(field, value, reason string) {
	*es = append(*es, &ValidationError{Field: field, Value: value, Reason: reason})
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
	case errors.Is(err, ErrForbidden):
		return CodeForbidden
	case errors.Is(err, ErrUnauthenticated):
		return CodeUnauthenticated
	case errors.Is(err, ErrPreconditionFailed):
		return CodePreconditionFailed
	case errors.Is(err, ErrInvalidState):
		return CodeInvalidState
	}
	return CodeInternal
}
