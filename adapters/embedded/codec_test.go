package embedded

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

func TestCodecRoundTrip(t *testing.T) {
	id := domain.NewEventID()
	now := time.Now().UTC().Truncate(time.Microsecond)
	tests := []struct {
		name string
		ev   domain.Event
	}{
		{"minimal", domain.Event{
			EventData: domain.EventData{ID: id, Type: "T", SchemaVersion: 1, Data: []byte(`{}`)},
			StreamID:  "s", StreamVersion: 1, Position: domain.Position{Commit: 1, Prepare: 1}, RecordedAt: now,
		}},
		{"all fields", domain.Event{
			EventData: domain.EventData{
				ID: id, Type: "OfferPublished", SchemaVersion: 3, Data: []byte(`{"price":12.5,"name":"Café ☕"}`),
				Actor: "user:42", CorrelationID: "corr-1", CausationID: "cmd-7",
			},
			StreamID: "offer-0190f3ab", StreamVersion: 17, Position: domain.Position{Commit: 99, Prepare: 99}, RecordedAt: now,
		}},
		{"extremes", domain.Event{
			EventData: domain.EventData{
				ID: domain.EventID{0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0xff}, Type: strings.Repeat("x", domain.MaxNameLength),
				SchemaVersion: math.MaxInt32, Data: []byte(`"` + strings.Repeat("a", 300_000) + `"`),
			},
			StreamID: strings.Repeat("s", domain.MaxStreamIDLength), StreamVersion: math.MaxUint64,
			Position: domain.Position{Commit: math.MaxUint64, Prepare: 3}, RecordedAt: time.Date(1969, 7, 20, 20, 17, 40, 123456000, time.UTC),
		}},
		{"zero time and position", domain.Event{
			EventData: domain.EventData{ID: id, Type: "T", SchemaVersion: 1, Data: []byte(`null`)},
			StreamID:  "s",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeEvent([]byte("prefix"), &tt.ev)
			if !bytes.HasPrefix(b, []byte("prefix")) {
				t.Fatal("encodeEvent did not append to dst")
			}
			b = b[len("prefix"):]
			if limit := maxEncodedSize(&tt.ev.EventData, len(tt.ev.StreamID)); len(b) > limit {
				t.Fatalf("encoded %d bytes, maxEncodedSize says at most %d", len(b), limit)
			}
			got, err := decodeEvent(b)
			if err != nil {
				t.Fatalf("decodeEvent: %v", err)
			}
			if !reflect.DeepEqual(got, tt.ev) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tt.ev)
			}
			// The result must not alias the input (bolt's mmap in real use).
			for i := range b {
				b[i] = 0xAA
			}
			if string(got.Data) != string(tt.ev.Data) || got.StreamID != tt.ev.StreamID || got.Type != tt.ev.Type {
				t.Fatal("decoded event shares memory with the encoded record")
			}
		})
	}
}

func TestCodecRejectsBadInput(t *testing.T) {
	ev := domain.Event{
		EventData: domain.EventData{ID: domain.NewEventID(), Type: "T", SchemaVersion: 1, Data: []byte(`{"a":1}`), Actor: "me"},
		StreamID:  "s-1", StreamVersion: 2, Position: domain.Position{Commit: 5, Prepare: 5}, RecordedAt: time.Now().UTC(),
	}
	good := encodeEvent(nil, &ev)

	t.Run("every truncation", func(t *testing.T) {
		for n := range len(good) {
			if _, err := decodeEvent(good[:n]); !errors.Is(err, errCorrupt) {
				t.Fatalf("decode of first %d of %d bytes: err = %v, want errCorrupt", n, len(good), err)
			}
		}
	})
	t.Run("trailing bytes", func(t *testing.T) {
		_, err := decodeEvent(append(bytes.Clone(good), 0))
		if !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), "trailing") {
			t.Fatalf("err = %v, want errCorrupt about trailing bytes", err)
		}
	})
	t.Run("huge length", func(t *testing.T) {
		b := []byte{recordVersion}
		b = append(b, make([]byte, 16)...)
		for range 5 {
			b = binary.AppendUvarint(b, 1)
		}
		b = binary.AppendUvarint(b, math.MaxUint64) // stream id length
		if _, err := decodeEvent(b); !errors.Is(err, errCorrupt) {
			t.Fatalf("err = %v, want errCorrupt", err)
		}
	})
	t.Run("bad varint", func(t *testing.T) {
		b := append([]byte{recordVersion}, make([]byte, 16)...)
		b = append(b, bytes.Repeat([]byte{0xff}, 11)...)
		if _, err := decodeEvent(b); !errors.Is(err, errCorrupt) {
			t.Fatalf("err = %v, want errCorrupt", err)
		}
	})
	t.Run("unknown version", func(t *testing.T) {
		b := bytes.Clone(good)
		b[0] = recordVersion + 1
		_, err := decodeEvent(b)
		if err == nil || !strings.Contains(err.Error(), "format version 2 is not supported") {
			t.Fatalf("err = %v, want a clear unsupported-version error", err)
		}
	})
}

func BenchmarkDecodeEvent(b *testing.B) {
	ev := domain.Event{
		EventData: domain.EventData{ID: domain.NewEventID(), Type: "OfferPublished", SchemaVersion: 1, Data: []byte(`{"offer":"o-1","price":100}`), Actor: "user:1"},
		StreamID:  "offer-1", StreamVersion: 1, Position: domain.Position{Commit: 1, Prepare: 1}, RecordedAt: time.Now().UTC(),
	}
	rec := encodeEvent(nil, &ev)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeEvent(rec); err != nil {
			b.Fatal(err)
		}
	}
}
