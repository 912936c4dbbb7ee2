package audit_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/domain"
)

func testEvent(data string) domain.Event {
	id, _ := domain.ParseEventID("0190f3a2-7b1c-7d2e-8f00-0123456789ab")
	return domain.Event{
		EventData: domain.EventData{ID: id, Type: "OfferPublished", SchemaVersion: 2, Data: []byte(data),
			Actor: "user:anna", CorrelationID: "req-1", CausationID: `cmd "7" <&>`},
		StreamID: "offer-0190", StreamVersion: 3, Position: domain.Position{Commit: 812, Prepare: 3},
		RecordedAt: time.Date(2025, 3, 1, 10, 30, 0, 123456000, time.FixedZone("CET", 3600)),
	}
}

func TestLeafFormat(t *testing.T) {
	const head = `{"position":"812:3","event_id":"0190f3a2-7b1c-7d2e-8f00-0123456789ab","stream_id":"offer-0190","stream_version":3,` +
		`"type":"OfferPublished","schema_version":2,"recorded_at":"2025-03-01T09:30:00.123456Z","actor":"user:anna",` +
		`"correlation_id":"req-1","causation_id":"cmd \"7\" <&>",`
	tests := []struct {
		name, data, body string
	}{
		{"compact JSON verbatim", `{"title":"Nisa <&> ą","n":[1,2]}`, `"data":{"title":"Nisa <&> ą","n":[1,2]}`},
		{"JSON with spaces as text", `{ "n": 1 }`, `"data_text":"{ \"n\": 1 }"`},
		{"JSON with a newline as text", "{\"n\":1}\n", `"data_text":"{\"n\":1}\n"`},
		{"empty data as text", ``, `"data_text":""`},
		{"invalid UTF-8 in base64", "{\"n\":\"\xff\"}", `"data_base64":"eyJuIjoi/yJ9"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := testEvent(tt.data)
			line := audit.Leaf(ev)
			if want := head + tt.body + "}"; string(line) != want {
				t.Fatalf("Leaf =\n%s\nwant\n%s", line, want)
			}
			if bytes.ContainsAny(line, "\n\r") {
				t.Fatal("leaf is not one line")
			}
			sum := sha256.Sum256(append([]byte{0}, line...))
			if audit.LeafHash(ev) != tlog.Hash(sum) {
				t.Fatal("LeafHash is not SHA-256(0x00 || line)")
			}
			back, err := audit.ParseLeaf(line)
			if err != nil {
				t.Fatalf("ParseLeaf: %v", err)
			}
			if !bytes.Equal(back.Data, ev.Data) || !back.SameContent(ev.EventData) || back.StreamID != ev.StreamID ||
				back.StreamVersion != ev.StreamVersion || back.Position != ev.Position || !back.RecordedAt.Equal(ev.RecordedAt) {
				t.Fatalf("ParseLeaf = %+v, want %+v", back, ev)
			}
		})
	}
}

func TestParseLeafRejectsNonCanonical(t *testing.T) {
	line := string(audit.Leaf(testEvent(`{"a":1}`)))
	bad := map[string]string{
		"space after colon": replaceOnce(line, `"stream_version":3`, `"stream_version": 3`),
		"keys reordered":    replaceOnce(line, `"actor":"user:anna","correlation_id":"req-1"`, `"correlation_id":"req-1","actor":"user:anna"`),
		"unknown key":       replaceOnce(line, `"actor"`, `"x":1,"actor"`),
		"missing key":       replaceOnce(line, `"actor":"user:anna",`, ``),
		"escaped HTML":      replaceOnce(line, `<&>`, `\u003c&\u003e`),
		"two bodies":        replaceOnce(line, `"data":`, `"data_text":"x","data":`),
		"trailing newline":  line + "\n",
		"not JSON":          "position=1",
	}
	for name, l := range bad {
		if _, err := audit.ParseLeaf([]byte(l)); !errors.Is(err, audit.ErrLeaf) {
			t.Errorf("%s: ParseLeaf = %v, want ErrLeaf", name, err)
		}
	}
}

func replaceOnce(s, old, new string) string {
	i := bytes.Index([]byte(s), []byte(old))
	if i < 0 {
		panic("no " + old)
	}
	return s[:i] + new + s[i+len(old):]
}
