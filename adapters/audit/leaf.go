package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/domain"
)

// Leaf returns the canonical bytes of ev, the record the tree hashes: one
// line of JSON without a trailing newline, keys in a fixed order, covering
// the exact stored data bytes. The package documentation describes the
// format byte by byte.
func Leaf(ev domain.Event) []byte {
	b := make([]byte, 0, 256+len(ev.Data))
	b = append(b, `{"position":`...)
	b = appendString(b, ev.Position.String())
	b = append(b, `,"event_id":`...)
	b = appendString(b, ev.ID.String())
	b = append(b, `,"stream_id":`...)
	b = appendString(b, ev.StreamID)
	b = append(b, `,"stream_version":`...)
	b = strconv.AppendUint(b, ev.StreamVersion, 10)
	b = append(b, `,"type":`...)
	b = appendString(b, ev.Type)
	b = append(b, `,"schema_version":`...)
	b = strconv.AppendInt(b, int64(ev.SchemaVersion), 10)
	b = append(b, `,"recorded_at":`...)
	b = appendString(b, ev.RecordedAt.UTC().Format(time.RFC3339Nano))
	b = append(b, `,"actor":`...)
	b = appendString(b, ev.Actor)
	b = append(b, `,"correlation_id":`...)
	b = appendString(b, ev.CorrelationID)
	b = append(b, `,"causation_id":`...)
	b = appendString(b, ev.CausationID)
	switch dataForm(ev.Data) {
	case formJSON:
		b = append(b, `,"data":`...)
		b = append(b, ev.Data...)
	case formText:
		b = append(b, `,"data_text":`...)
		b = appendString(b, string(ev.Data))
	default:
		b = append(b, `,"data_base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, ev.Data)
		b = append(b, '"')
	}
	return append(b, '}')
}

// LeafHash returns the tree's hash of ev: tlog.RecordHash(Leaf(ev)), that
// is SHA-256(0x00 || Leaf(ev)).
func LeafHash(ev domain.Event) tlog.Hash { return tlog.RecordHash(Leaf(ev)) }

// The three forms in which a leaf carries the data bytes.
const (
	formJSON   = iota // "data": the bytes verbatim (compact JSON, valid UTF-8)
	formText          // "data_text": the bytes as a JSON string (valid UTF-8)
	formBase64        // "data_base64": standard base64 with padding
)

// dataForm decides how a leaf carries data: verbatim when it is compact
// JSON in valid UTF-8 (so that the line stays one line and valid UTF-8), as
// a string when it is other valid UTF-8 (a JSON string represents such
// bytes exactly), and in base64 otherwise.
func dataForm(data []byte) int {
	if !utf8.Valid(data) {
		return formBase64
	}
	var c bytes.Buffer
	if json.Compact(&c, data) == nil && bytes.Equal(c.Bytes(), data) {
		return formJSON
	}
	return formText
}

// appendString appends s as a JSON string the way encoding/json writes it
// with HTML escaping off.
func appendString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil { // never fails for a string
		panic("audit: encode string: " + err.Error())
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...)
}

// leafFields is the decoded form of a leaf line.
type leafFields struct {
	Position      *string         `json:"position"`
	EventID       *string         `json:"event_id"`
	StreamID      *string         `json:"stream_id"`
	StreamVersion *uint64         `json:"stream_version"`
	Type          *string         `json:"type"`
	SchemaVersion *int            `json:"schema_version"`
	RecordedAt    *string         `json:"recorded_at"`
	Actor         *string         `json:"actor"`
	CorrelationID *string         `json:"correlation_id"`
	CausationID   *string         `json:"causation_id"`
	Data          json.RawMessage `json:"data"`
	DataText      *string         `json:"data_text"`
	DataBase64    *string         `json:"data_base64"`
}

// ErrLeaf matches every error of ParseLeaf.
var ErrLeaf = errors.New("audit: not a canonical leaf line")

// ParseLeaf decodes a line written by Leaf back into the event it
// describes, data bytes exactly as stored. It accepts only the canonical
// form: Leaf of the result must give line back byte for byte. Its errors
// match ErrLeaf.
func ParseLeaf(line []byte) (domain.Event, error) {
	var f leafFields
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return domain.Event{}, fmt.Errorf("%w: %v", ErrLeaf, err)
	}
	ev, err := f.event()
	if err != nil {
		return domain.Event{}, fmt.Errorf("%w: %v", ErrLeaf, err)
	}
	if !bytes.Equal(Leaf(ev), line) {
		return domain.Event{}, fmt.Errorf("%w: the line is not in canonical form (key order, spacing, escaping or number format differ from what Leaf writes)", ErrLeaf)
	}
	return ev, nil
}

// event checks that every field is present and builds the event.
func (f *leafFields) event() (domain.Event, error) {
	for name, present := range map[string]bool{
		"position": f.Position != nil, "event_id": f.EventID != nil, "stream_id": f.StreamID != nil,
		"stream_version": f.StreamVersion != nil, "type": f.Type != nil, "schema_version": f.SchemaVersion != nil,
		"recorded_at": f.RecordedAt != nil, "actor": f.Actor != nil, "correlation_id": f.CorrelationID != nil,
		"causation_id": f.CausationID != nil,
	} {
		if !present {
			return domain.Event{}, fmt.Errorf("key %q missing", name)
		}
	}
	var (
		ev  domain.Event
		err error
	)
	if ev.Position, err = domain.ParsePosition(*f.Position); err != nil {
		return ev, err
	}
	if ev.ID, err = domain.ParseEventID(*f.EventID); err != nil {
		return ev, err
	}
	if ev.RecordedAt, err = time.Parse(time.RFC3339Nano, *f.RecordedAt); err != nil {
		return ev, fmt.Errorf("recorded_at: %v", err)
	}
	ev.RecordedAt = ev.RecordedAt.UTC()
	ev.StreamID, ev.StreamVersion, ev.Type, ev.SchemaVersion = *f.StreamID, *f.StreamVersion, *f.Type, *f.SchemaVersion
	ev.Actor, ev.CorrelationID, ev.CausationID = *f.Actor, *f.CorrelationID, *f.CausationID
	ev.Data, err = f.data()
	return ev, err
}

// data returns the data bytes from whichever of the three keys is present.
func (f *leafFields) data() ([]byte, error) {
	n := 0
	for _, present := range []bool{f.Data != nil, f.DataText != nil, f.DataBase64 != nil} {
		if present {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New(`want exactly one of "data", "data_text" and "data_base64"`)
	}
	switch {
	case f.Data != nil:
		return append([]byte(nil), f.Data...), nil
	case f.DataText != nil:
		return []byte(*f.DataText), nil
	}
	b, err := base64.StdEncoding.DecodeString(*f.DataBase64)
	if err != nil {
		return nil, fmt.Errorf("data_base64: %v", err)
	}
	return b, nil
}
