package projections

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// TestSharedPages checks that subscriptions catching up from the same
// position read each page of the log once between them, and that an
// erasure in a page stops the sharing of what was read before it.
func TestSharedPages(t *testing.T) {
	ctx := context.Background()
	store := newCountingStore(2*sharedPageSize + 10)
	var s sharedPages
	const readers = 3
	got := readAllPages(t, ctx, &s, store, readers, nil)
	for r := range readers {
		if len(got[r]) != len(store.evs) || got[r][len(got[r])-1].Position != store.evs[len(store.evs)-1].Position {
			t.Fatalf("reader %d got %d events, want all %d in order", r, len(got[r]), len(store.evs))
		}
	}
	if n := store.reads.Load(); n != 3 {
		t.Errorf("%d readers read %d pages from the store, want each of the 3 pages read once", readers, n)
	}
	if len(s.m) != 0 || len(s.readers) != 0 {
		t.Errorf("%d pages and %d chains still held after every reader took them and left", len(s.m), len(s.readers))
	}

	// A page holding a PersonForgotten event is not shared.
	store.evs[5].Type = forgotten
	store.reads.Store(0)
	var rs []*pageReader
	for range readers {
		rs = append(rs, s.join(domain.Start))
	}
	for _, r := range rs {
		if _, err := r.read(ctx, store, domain.Start); err != nil {
			t.Fatal(err)
		}
	}
	if n := store.reads.Load(); n != 3 {
		t.Errorf("a page with an erasure was read %d times by %d readers, want each reading it", n, readers)
	}
}

// TestSharedPagesLead checks that a fast subscription waits for a slow one
// of its chain rather than running more than the holder's pages ahead (the
// holder would have to drop pages, and the slow one read and decode them
// again), and that a subscription leaving early holds nobody up.
func TestSharedPagesLead(t *testing.T) {
	const pages, max = 20, 4
	store := newCountingStore(pages*sharedPageSize + 1)
	// Waiting for pages nobody takes would outlast the test.
	s := sharedPages{max: max, wait: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var done [2]atomic.Int64 // pages read by the fast and the slow reader
	var lead atomic.Int64
	readAllPages(t, ctx, &s, store, 2, func(r int) {
		done[r].Add(1)
		if r == 1 {
			time.Sleep(2 * time.Millisecond) // the slow one
			return
		}
		if d := done[0].Load() - done[1].Load(); d > lead.Load() {
			lead.Store(d)
		}
	})
	if n := store.reads.Load(); n != pages+1 {
		t.Errorf("the store was read %d times for %d pages, want each page read once", n, pages+1)
	}
	if l := lead.Load(); l > max+1 {
		t.Errorf("the fast reader got %d pages ahead, want at most %d (the holder) + 1", l, max)
	}

	// One of two readers leaves after its first page: the other reads on,
	// although the pages it read ahead were left for both.
	a, b := s.join(domain.Start), s.join(domain.Start)
	first, err := b.read(ctx, store, domain.Start)
	if err != nil {
		t.Fatal(err)
	}
	left := make(chan struct{})
	go func() {
		time.Sleep(10 * time.Millisecond) // let a fill the holder first
		b.leave(first[len(first)-1].Position)
		close(left)
	}()
	pos, n := domain.Start, 0
	for {
		page, err := a.read(ctx, store, pos)
		if err != nil {
			t.Fatalf("after %d events: %v (held up by the reader that left)", n, err)
		}
		n += len(page)
		if len(page) > 0 {
			pos = page[len(page)-1].Position
		}
		if len(page) < sharedPageSize {
			break
		}
	}
	a.leave(pos)
	<-left
	if n != len(store.evs) {
		t.Errorf("the remaining reader got %d events, want %d", n, len(store.evs))
	}
	if len(s.m) != 0 {
		t.Errorf("%d pages still held after both left", len(s.m))
	}
}

// readAllPages has n subscriptions of one chain read every page of store
// through s concurrently, calling after (when set) after each page, and
// returns what each got.
func readAllPages(t *testing.T, ctx context.Context, s *sharedPages, store domain.EventStore, n int, after func(r int)) [][]domain.Event {
	t.Helper()
	rs := make([]*pageReader, n)
	for r := range rs {
		rs[r] = s.join(domain.Start) // all before any reads, as the feed's subscriptions start together
	}
	got := make([][]domain.Event, n)
	var wg sync.WaitGroup
	for r := range rs {
		wg.Go(func() {
			pos := domain.Start
			defer func() { rs[r].leave(pos) }()
			for {
				page, err := rs[r].read(ctx, store, pos)
				if err != nil {
					t.Error(err)
					return
				}
				got[r] = append(got[r], page...)
				if after != nil {
					after(r)
				}
				if len(page) > 0 {
					pos = page[len(page)-1].Position
				}
				if len(page) < sharedPageSize {
					return
				}
			}
		})
	}
	wg.Wait()
	return got
}

func newCountingStore(n int) *countingStore {
	c := &countingStore{}
	for i := range n {
		c.evs = append(c.evs, domain.Event{EventData: domain.EventData{Type: "T"}, Position: domain.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}})
	}
	return c
}

// countingStore is an in-memory global log that counts ReadAll calls; the
// other methods are not used.
type countingStore struct {
	domain.EventStore
	evs   []domain.Event
	reads atomic.Int64
}

func (c *countingStore) ReadAll(_ context.Context, after domain.Position, limit int) ([]domain.Event, error) {
	c.reads.Add(1)
	i, _ := slices.BinarySearchFunc(c.evs, after, func(ev domain.Event, p domain.Position) int { return ev.Position.Compare(p) })
	if i < len(c.evs) && c.evs[i].Position == after {
		i++
	}
	return slices.Clone(c.evs[i:min(len(c.evs), i+limit)]), nil
}
