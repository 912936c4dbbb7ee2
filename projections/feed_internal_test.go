package projections

import (
	"slices"
	"testing"

	"github.com/nisa-eu/nisa/domain"
)

// TestSharedPayloads checks that a payload one projection decoded is handed
// to each other projection handling its type once, and then let go.
func TestSharedPayloads(t *testing.T) {
	revised := domain.OfferRevised{}.EventType()
	registered := domain.OrganisationRegistered{}.EventType()
	evs := []domain.Event{
		{EventData: domain.EventData{Type: revised}, Position: domain.Position{Commit: 1, Prepare: 1}},
		{EventData: domain.EventData{Type: registered}, Position: domain.Position{Commit: 2, Prepare: 2}},
		{EventData: domain.EventData{Type: revised}, Position: domain.Position{Commit: 3, Prepare: 3}},
	}
	all := func(string) bool { return true }
	// Three projections handle revisions, one handles registrations.
	readers := func(typ string) int {
		if typ == revised {
			return 3
		}
		return 1
	}
	id := func(p domain.Payload) string {
		r, _ := p.(domain.OfferRevised)
		return r.OfferID
	}
	var s sharedPayloads

	first := make([]domain.Payload, len(evs))
	missing := s.take(evs, all, first)
	if !slices.Equal(missing, []int{0, 1, 2}) {
		t.Fatalf("first take: missing %v, want every event", missing)
	}
	for _, i := range missing {
		first[i] = domain.OfferRevised{OfferID: "o" + evs[i].Position.String()}
	}
	s.offer(evs, missing, first, readers)
	if len(s.m) != 2 {
		t.Fatalf("held %d payloads, want the 2 revisions (the registration has no other reader)", len(s.m))
	}

	for round := range 2 {
		got := make([]domain.Payload, len(evs))
		missing := s.take(evs, func(typ string) bool { return typ == revised }, got)
		if len(missing) != 0 {
			t.Fatalf("round %d: missing %v, want both revisions held", round, missing)
		}
		if id(got[0]) != id(first[0]) || id(got[2]) != id(first[2]) || got[1] != nil {
			t.Fatalf("round %d: got %v, want the first decoder's revisions", round, got)
		}
	}
	if len(s.m) != 0 {
		t.Fatalf("after every reader took them, %d payloads are still held", len(s.m))
	}
	if missing := s.take(evs, all, make([]domain.Payload, len(evs))); len(missing) != 3 {
		t.Fatalf("a fourth take found held payloads: missing %v", missing)
	}

	// An erasure in a batch drops everything held.
	s.offer(evs, []int{0, 2}, first, readers)
	erasure := []domain.Event{{EventData: domain.EventData{Type: domain.PersonForgotten{}.EventType()}, Position: domain.Position{Commit: 4, Prepare: 4}}}
	s.take(erasure, func(string) bool { return false }, make([]domain.Payload, 1))
	if len(s.m) != 0 {
		t.Fatalf("after a PersonForgotten event %d payloads are still held", len(s.m))
	}

	// A full holder is emptied rather than grown.
	s.m = map[domain.Position]*sharedPayload{}
	for i := range maxSharedPayloads {
		s.m[domain.Position{Commit: uint64(100 + i), Prepare: uint64(100 + i)}] = &sharedPayload{left: 1}
	}
	s.offer(evs, []int{0}, first, readers)
	if len(s.m) != 1 {
		t.Fatalf("a full holder holds %d payloads after one more, want 1", len(s.m))
	}
}
