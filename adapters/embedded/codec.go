package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// recordVersion is the first byte of every encoded event. Bump it when the
// layout below changes and keep decoding the old versions.
const recordVersion = 1

// errCorrupt matches every error about a record that cannot be decoded.
var errCorrupt = errors.New("corrupt event record")

// encodeEvent appends the binary form of ev to dst:
//
//	version byte (recordVersion)
//	id (16 bytes)
//	uvarint position commit, uvarint position prepare, uvarint stream version
//	varint recorded-at (Unix microseconds), uvarint schema version
//	stream id, type, actor, correlation id, causation id: uvarint length + bytes each
//	data: uvarint length + bytes
//
// The strings are contiguous so that decodeEvent copies them out with one
// allocation; data comes last and is copied separately.
func encodeEvent(dst []byte, ev *domain.Event) []byte {
	dst = append(dst, recordVersion)
	dst = append(dst, ev.ID[:]...)
	dst = binary.AppendUvarint(dst, ev.Position.Commit)
	dst = binary.AppendUvarint(dst, ev.Position.Prepare)
	dst = binary.AppendUvarint(dst, ev.StreamVersion)
	dst = binary.AppendVarint(dst, ev.RecordedAt.UnixMicro())
	dst = binary.AppendUvarint(dst, uint64(ev.SchemaVersion))
	for _, s := range [...]string{ev.StreamID, ev.Type, ev.Actor, ev.CorrelationID, ev.CausationID} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(ev.Data)))
	return append(dst, ev.Data...)
}

// maxEncodedSize is an upper bound of the length of encodeEvent's output
// for an event with data e in a stream whose id has streamIDLen bytes.
func maxEncodedSize(e *domain.EventData, streamIDLen int) int {
	const v = binary.MaxVarintLen64
	return 1 + len(e.ID) + 5*v + 6*v + streamIDLen + len(e.Type) + len(e.Actor) + len(e.CorrelationID) + len(e.CausationID) + len(e.Data)
}

// decodeEvent decodes a record written by encodeEvent. The result shares no
// memory with b, which may be a view into bolt's memory map.
func decodeEvent(b []byte) (domain.Event, error) {
	var ev domain.Event
	if len(b) == 0 {
		return ev, fmt.Errorf("%w: empty", errCorrupt)
	}
	if b[0] != recordVersion {
		return ev, fmt.Errorf("event record format version %d is not supported (this build reads version %d): the data was written by a newer nisa, or is damaged", b[0], recordVersion)
	}
	d := decoder{b: b, off: 1}
	copy(ev.ID[:], d.next(16))
	ev.Position.Commit = d.uvarint()
	ev.Position.Prepare = d.uvarint()
	ev.StreamVersion = d.uvarint()
	micros := d.varint()
	ev.SchemaVersion = int(d.uvarint())

	var spans [5][2]int // start and end of each string, relative to strStart
	strStart := d.off
	for i := range spans {
		s := d.next(d.length())
		spans[i] = [2]int{d.off - len(s) - strStart, d.off - strStart}
	}
	strEnd := d.off
	data := d.next(d.length())
	if d.err == nil && d.off != len(b) {
		d.fail("%d trailing bytes", len(b)-d.off)
	}
	if d.err != nil {
		return domain.Event{}, d.err
	}

	all := string(b[strStart:strEnd])
	str := func(i int) string { return all[spans[i][0]:spans[i][1]] }
	ev.StreamID, ev.Type, ev.Actor, ev.CorrelationID, ev.CausationID = str(0), str(1), str(2), str(3), str(4)
	ev.Data = append(make([]byte, 0, len(data)), data...)
	ev.RecordedAt = time.UnixMicro(micros).UTC()
	return ev, nil
}

// decoder reads a record front to back and remembers the first error; after
// an error every read returns zero values.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w at byte %d: %s", errCorrupt, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad unsigned varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad signed varint")
		return 0
	}
	d.off += n
	return v
}

// length reads a length prefix and checks that that many bytes follow.
func (d *decoder) length() int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)-d.off) {
		d.fail("length %d exceeds the %d bytes left", n, len(d.b)-d.off)
		return 0
	}
	return int(n)
}

// next returns the next n bytes (a view into the record).
func (d *decoder) next(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b)-d.off {
		d.fail("want %d bytes, %d left", n, len(d.b)-d.off)
		return nil
	}
	d.off += n
	return d.b[d.off-n : d.off]
}
