package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EventID identifies one event across the whole store. It is a UUID (RFC
// 9562); NewEventID makes version 7 ids, which sort by creation time.
// Appends are idempotent by EventID: see EventStore.Append.
type EventID [16]byte

// NewEventID returns a new random, time-ordered (version 7) EventID.
func NewEventID() EventID {
	var id EventID
	if _, err := rand.Read(id[:]); err != nil {
		panic("domain: crypto/rand failed: " + err.Error())
	}
	ms := uint64(time.Now().UnixMilli())
	id[0], id[1], id[2] = byte(ms>>40), byte(ms>>32), byte(ms>>24)
	id[3], id[4], id[5] = byte(ms>>16), byte(ms>>8), byte(ms)
	id[6] = id[6]&0x0f | 0x70 // version 7
	id[8] = id[8]&0x3f | 0x80 // variant 10
	return id
}

// ParseEventID parses the canonical textual form
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits, any case). It returns an
// error wrapping ErrInvalid for anything else.
func ParseEventID(s string) (EventID, error) {
	var id EventID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, &ValidationError{Field: "event_id", Value: s, Reason: "not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"}
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return EventID{}, &ValidationError{Field: "event_id", Value: s, Reason: "not a UUID: " + err.Error()}
	}
	return id, nil
}

// IsZero reports whether id is the all-zero (nil) UUID.
func (id EventID) IsZero() bool { return id == EventID{} }

// String returns the canonical lower-case textual form of id.
func (id EventID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], id[10:16])
	return string(b[:])
}

// MarshalText implements encoding.TextMarshaler.
func (id EventID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *EventID) UnmarshalText(b []byte) error {
	v, err := ParseEventID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Position is a place in the global log. Positions are totally ordered by
// (Commit, Prepare); the global log is read in that order and every event has
// a position strictly greater than the one before it.
//
// The two numbers let every store express its own notion of order: the
// embedded store numbers events 1, 2, 3 … and sets Commit = Prepare; the
// PostgreSQL store uses (transaction id, row sequence); EventStoreDB uses
// its $all (commit, prepare) positions. Treat a Position as an opaque,
// comparable token: compare with Compare, persist with String or
// MarshalText, restore with ParsePosition.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event: reading or subscribing
// after Start begins with the first event of the log.
var Start = Position{}

// Compare returns -1, 0 or +1 as p is before, equal to or after q.
func (p Position) Compare(q Position) int {
	switch {
	case p.Commit < q.Commit:
		return -1
	case p.Commit > q.Commit:
		return 1
	case p.Prepare < q.Prepare:
		return -1
	case p.Prepare > q.Prepare:
		return 1
	}
	return 0
}

// Less reports whether p is before q.
func (p Position) Less(q Position) bool { return p.Compare(q) < 0 }

// IsZero reports whether p is Start.
func (p Position) IsZero() bool { return p == Start }

// String formats p as "N" when Commit equals Prepare and as "C:P" otherwise.
// ParsePosition reads both forms back.
func (p Position) String() string {
	if p.Commit == p.Prepare {
		return strconv.FormatUint(p.Commit, 10)
	}
	return strconv.FormatUint(p.Commit, 10) + ":" + strconv.FormatUint(p.Prepare, 10)
}

// ParsePosition parses the output of Position.String. The empty string is
// Start. It returns an error wrapping ErrInvalid for anything else.
func ParsePosition(s string) (Position, error) {
	if s == "" {
		return Start, nil
	}
	c, pr, found := strings.Cut(s, ":")
	commit, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return Start, &ValidationError{Field: "position", Value: s, Reason: `want "N" or "COMMIT:PREPARE" with unsigned 64-bit integers`}
	}
	if !found {
		return Position{Commit: commit, Prepare: commit}, nil
	}
	prepare, err := strconv.ParseUint(pr, 10, 64)
	if err != nil {
		return Start, &ValidationError{Field: "position", Value: s, Reason: `want "N" or "COMMIT:PREPARE" with unsigned 64-bit integers`}
	}
	return Position{Commit: commit, Prepare: prepare}, nil
}

// MarshalText implements encoding.TextMarshaler (JSON encodes a Position as
// a string).
func (p Position) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Position) UnmarshalText(b []byte) error {
	v, err := ParsePosition(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Limits on what one append may carry. They keep a single request from
// exhausting memory and match what EventStoreDB accepts by default.
const (
	MaxEventsPerAppend = 1000
	MaxEventDataBytes  = 1 << 20
	MaxStreamIDLength  = 200
	MaxNameLength      = 200 // event type, actor, correlation and causation ids
)

// EventData is an event to append: what the caller decides. The store adds
// the stream, version, position and recorded-at time (see Event).
type EventData struct {
	// ID makes the append idempotent; see EventStore.Append.
	ID EventID `json:"id"`
	// Type is the stable name of the event, e.g. "OfferPublished". It is
	// stored as given and never derived from a Go type name.
	Type string `json:"type"`
	// SchemaVersion is the version of Data's shape for this Type, from 1.
	SchemaVersion int `json:"schema_version"`
	// Data is the event body: a JSON document.
	Data json.RawMessage `json:"data"`
	// Actor is who caused the change (a user or "system:<component>").
	Actor string `json:"actor"`
	// CorrelationID ties together everything caused by one request.
	CorrelationID string `json:"correlation_id,omitempty"`
	// CausationID is the id of the command or event that caused this one.
	CausationID string `json:"causation_id,omitempty"`
}

// Validate checks d against the limits of the store and returns a
// *ValidationError (matching ErrInvalid) naming the first bad field.
func (d EventData) Validate() error {
	switch {
	case d.ID.IsZero():
		return &ValidationError{Field: "id", Reason: "must be a non-nil UUID"}
	case d.Type == "" || len(d.Type) > MaxNameLength || !printable(d.Type):
		return &ValidationError{Field: "type", Value: d.Type, Reason: fmt.Sprintf("must be 1..%d printable characters", MaxNameLength)}
	case d.SchemaVersion < 1:
		return &ValidationError{Field: "schema_version", Value: strconv.Itoa(d.SchemaVersion), Reason: "must be 1 or more"}
	case len(d.Data) > MaxEventDataBytes:
		return &ValidationError{Field: "data", Value: strconv.Itoa(len(d.Data)) + " bytes", Reason: fmt.Sprintf("must be at most %d bytes", MaxEventDataBytes)}
	case len(d.Data) == 0 || !json.Valid(d.Data):
		return &ValidationError{Field: "data", Reason: "must be a JSON document"}
	case len(d.Actor) > MaxNameLength || !printable(d.Actor):
		return &ValidationError{Field: "actor", Value: d.Actor, Reason: fmt.Sprintf("must be at most %d printable characters", MaxNameLength)}
	case len(d.CorrelationID) > MaxNameLength || !printable(d.CorrelationID):
		return &ValidationError{Field: "correlation_id", Value: d.CorrelationID, Reason: fmt.Sprintf("must be at most %d printable characters", MaxNameLength)}
	case len(d.CausationID) > MaxNameLength || !printable(d.CausationID):
		return &ValidationError{Field: "causation_id", Value: d.CausationID, Reason: fmt.Sprintf("must be at most %d printable characters", MaxNameLength)}
	}
	return nil
}

// SameContent reports whether d and e carry the same event: same id, type,
// schema version, data bytes and metadata. A retried append must carry the
// same content to be acknowledged as a duplicate.
func (d EventData) SameContent(e EventData) bool {
	return d.ID == e.ID && d.Type == e.Type && d.SchemaVersion == e.SchemaVersion &&
		string(d.Data) == string(e.Data) && d.Actor == e.Actor &&
		d.CorrelationID == e.CorrelationID && d.CausationID == e.CausationID
}

// Event is an event as recorded in the store.
type Event struct {
	EventData
	// StreamID is the stream (aggregate) the event belongs to.
	StreamID string `json:"stream_id"`
	// StreamVersion is the event's version in its stream: 1 for the first.
	StreamVersion uint64 `json:"stream_version"`
	// Position is the event's place in the global log.
	Position Position `json:"position"`
	// RecordedAt is the store's clock when the event was appended (UTC,
	// microsecond precision).
	RecordedAt time.Time `json:"recorded_at"`
}

// ValidateStreamID checks a stream id: 1..MaxStreamIDLength printable
// characters, not starting with "$" (reserved for the store's own streams).
// The convention is "<category>-<id>", e.g. "offer-0190f3…".
func ValidateStreamID(id string) error {
	switch {
	case id == "" || len(id) > MaxStreamIDLength:
		return &ValidationError{Field: "stream_id", Value: id, Reason: fmt.Sprintf("must be 1..%d characters", MaxStreamIDLength)}
	case id[0] == '$':
		return &ValidationError{Field: "stream_id", Value: id, Reason: `must not start with "$" (reserved for system streams)`}
	case !printable(id) || strings.ContainsAny(id, " \t"):
		return &ValidationError{Field: "stream_id", Value: id, Reason: "must be printable and contain no spaces"}
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}

// DeriveEventID returns a deterministic UUID (version 8) from parts: the
// same parts always give the same id. Idempotent requests derive their
// event and aggregate ids so that a retry cannot create anything twice.
func DeriveEventID(parts ...string) EventID {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	var id EventID
	copy(id[:], h.Sum(nil))
	id[6] = id[6]&0x0f | 0x80 // version 8
	id[8] = id[8]&0x3f | 0x80 // variant 10
	return id
}
