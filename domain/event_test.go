package domain

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestEventIDRoundTrip(t *testing.T) {
	seen := map[EventID]bool{}
	prev := ""
	for range 1000 {
		id := NewEventID()
		if seen[id] {
			t.Fatalf("NewEventID repeated %s", id)
		}
		seen[id] = true
		s := id.String()
		if s[14] != '7' || !strings.ContainsRune("89ab", rune(s[19])) {
			t.Errorf("%s is not a version 7, variant 10 UUID", s)
		}
		if s[:13] < prev[:min(13, len(prev))] {
			t.Errorf("ids not time-ordered: %s after %s", s, prev)
		}
		prev = s
		back, err := ParseEventID(strings.ToUpper(s))
		if err != nil || back != id {
			t.Fatalf("ParseEventID(%s) = %s, %v", s, back, err)
		}
	}
	for _, bad := range []string{"", "0190f3a1", "0190f3a1-0000-7000-8000-00000000000g", "0190f3a1x0000-7000-8000-000000000000"} {
		if _, err := ParseEventID(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseEventID(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestPosition(t *testing.T) {
	cases := []struct {
		text string
		pos  Position
	}{
		{"", Start},
		{"0", Start},
		{"42", Position{42, 42}},
		{"7531:1024", Position{7531, 1024}},
		{"18446744073709551615:18446744073709551614", Position{1<<64 - 1, 1<<64 - 2}},
	}
	for _, c := range cases {
		got, err := ParsePosition(c.text)
		if err != nil || got != c.pos {
			t.Errorf("ParsePosition(%q) = %v, %v; want %v", c.text, got, err, c.pos)
		}
		if c.text != "" && got.String() != c.text {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), c.text)
		}
	}
	for _, bad := range []string{"-1", "a", "1:", ":1", "1:2:3", "18446744073709551616"} {
		if _, err := ParsePosition(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParsePosition(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	order := []Position{Start, {1, 1}, {1, 2}, {2, 0}, {2, 5}, {10, 1}}
	for i := range order {
		for j := range order {
			if got := order[i].Less(order[j]); got != (i < j) {
				t.Errorf("%v.Less(%v) = %v, want %v", order[i], order[j], got, i < j)
			}
		}
	}
	b, _ := json.Marshal(struct{ P Position }{Position{3, 4}})
	if string(b) != `{"P":"3:4"}` {
		t.Errorf("JSON = %s", b)
	}
}

func TestExpectedVersionCheck(t *testing.T) {
	cases := []struct {
		exp     ExpectedVersion
		current uint64
		ok      bool
	}{
		{Any, 0, true}, {Any, 5, true},
		{NoStream, 0, true}, {NoStream, 1, false},
		{StreamExists, 0, false}, {StreamExists, 3, true},
		{Exact(3), 3, true}, {Exact(3), 2, false}, {Exact(3), 4, false},
		{Exact(0), 0, true}, {Exact(0), 1, false},
	}
	for _, c := range cases {
		if got := c.exp.Check(c.current); got != c.ok {
			t.Errorf("%s.Check(%d) = %v, want %v", c.exp, c.current, got, c.ok)
		}
	}
}

func TestValidateAppend(t *testing.T) {
	good := EventData{ID: NewEventID(), Type: "OfferPublished", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
	with := func(f func(*EventData)) []EventData { e := good; f(&e); return []EventData{e} }
	cases := []struct {
		name, stream, field string
		evs                 []EventData
	}{
		{"ok", "offer-1", "", []EventData{good}},
		{"stream with space", "offer 1", "stream_id", []EventData{good}},
		{"reserved stream", "$ce-offer", "stream_id", []EventData{good}},
		{"too many events", "offer-1", "events", make([]EventData, MaxEventsPerAppend+1)},
		{"control char in type", "offer-1", "events[0].type", with(func(e *EventData) { e.Type = "Offer\nPublished" })},
		{"huge data", "offer-1", "events[0].data", with(func(e *EventData) { e.Data = json.RawMessage(`"` + strings.Repeat("x", MaxEventDataBytes) + `"`) })},
		{"long actor", "offer-1", "events[0].actor", with(func(e *EventData) { e.Actor = strings.Repeat("a", MaxNameLength+1) })},
	}
	for _, c := range cases {
		err := ValidateAppend(c.stream, c.evs)
		var ve *ValidationError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.field != "" && (!errors.As(err, &ve) || ve.Field != c.field):
			t.Errorf("%s: err = %v, want a ValidationError on %s", c.name, err, c.field)
		}
	}
}

func TestMatchDuplicate(t *testing.T) {
	evs := []EventData{
		{ID: NewEventID(), Type: "A", SchemaVersion: 1, Data: json.RawMessage(`1`)},
		{ID: NewEventID(), Type: "B", SchemaVersion: 1, Data: json.RawMessage(`2`)},
	}
	rec := func(i int, stream string, v uint64) *Event {
		return &Event{EventData: evs[i], StreamID: stream, StreamVersion: v, Position: Position{v, v}}
	}
	changed := *rec(1, "s", 4)
	changed.Data = json.RawMessage(`3`)
	cases := []struct {
		name   string
		stored []*Event
		ok     bool
		err    bool
	}{
		{"nothing stored", []*Event{nil, nil}, false, false},
		{"exact retry", []*Event{rec(0, "s", 3), rec(1, "s", 4)}, true, false},
		{"partly stored", []*Event{rec(0, "s", 3), nil}, false, true},
		{"other stream", []*Event{rec(0, "t", 3), rec(1, "t", 4)}, false, true},
		{"changed content", []*Event{rec(0, "s", 3), &changed}, false, true},
		{"not consecutive", []*Event{rec(0, "s", 3), rec(1, "s", 5)}, false, true},
	}
	for _, c := range cases {
		res, ok, err := MatchDuplicate("s", evs, c.stored)
		if ok != c.ok || (err != nil) != c.err {
			t.Errorf("%s: ok=%v err=%v; want ok=%v err=%v", c.name, ok, err, c.ok, c.err)
		}
		if err != nil && !errors.Is(err, ErrDuplicateEventID) {
			t.Errorf("%s: %v does not match ErrDuplicateEventID", c.name, err)
		}
		if ok && (res.Version != 4 || len(res.Events) != 2 || res.Events[1].ID != evs[1].ID) {
			t.Errorf("%s: result %+v", c.name, res)
		}
	}
}

func TestErrorCode(t *testing.T) {
	cases := map[error]string{
		&ValidationError{Field: "x"}:                    CodeInvalid,
		&ConcurrencyError{StreamID: "s", Expected: Any}: CodeConflict,
		ErrNotFound:        CodeNotFound,
		ErrClosed:          CodeUnavailable,
		errors.New("boom"): CodeInternal,
	}
	for err, want := range cases {
		if got := ErrorCode(err); got != want {
			t.Errorf("ErrorCode(%v) = %s, want %s", err, got, want)
		}
	}
}
