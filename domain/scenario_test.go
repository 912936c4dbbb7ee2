package domain

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// scenario is one given/when/then case for an aggregate: given these
// events, when this command is decided, then these events or this error.
type scenario[S any] struct {
	name  string
	given []Payload
	when  func(state S, now time.Time) ([]Payload, error)
	then  []Payload
	err   error // matched with errors.Is; nil: success
}

// testNow is the decision time of every scenario.
var testNow = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// runScenarios folds each scenario's given events with k.Evolve, decides,
// and compares the outcome. Every decided event must also survive an
// Encode/Decode round trip unchanged (its type is registered and its JSON
// form is complete).
func runScenarios[S any](t *testing.T, k Kind[S], cases []scenario[S]) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var state S
			for _, p := range c.given {
				state = k.Evolve(state, p)
			}
			got, err := c.when(state, testNow)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				if len(got) != 0 {
					t.Fatalf("failed command still decided %d events", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, c.then) {
				t.Fatalf("events:\n got  %#v\n want %#v", got, c.then)
			}
			for _, p := range got {
				data, err := Encode(p)
				if err != nil {
					t.Fatal(err)
				}
				back, err := Decode(Event{EventData: data})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(back, p) {
					t.Errorf("%s does not survive encoding:\n got  %#v\n want %#v", p.EventType(), back, p)
				}
			}
		})
	}
}
