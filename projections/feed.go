package projections

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/nisa-eu/nisa/domain"
)

// Feed is a watermill message.Subscriber over the event store's global log:
// subscribing to topic NAME yields the events after projection NAME's
// checkpoint as messages, first from history, then live.
//
// Why a subscriber over the store's catch-up subscription rather than
// watermill-sql over the PostgreSQL event table: the same feed then runs on
// every event store (embedded, PostgreSQL, EventStoreDB), the store's
// subscription already guarantees the gap-free order the projections need,
// and the checkpoint lives in the read store, committed with the read
// model, not in a watermill offsets table beside it.
//
// One message carries a batch of consecutive events (all that are at hand,
// up to MaxBatch), so a rebuild pays the router's per-message cost once per
// batch. The payload is a JSON summary ({"projection", "generation",
// "from", "to", "events"}); the events themselves travel in-process in the
// message's context (BatchOf). The feed sends the next batch only after the
// previous one was acked, so a projection sees its events strictly in
// order; a nacked batch is sent again after RedeliveryDelay.
type Feed struct {
	// Events is the event store.
	Events domain.EventStore
	// Reads is the read store holding the checkpoints.
	Reads Store
	// Projections are the projections that may subscribe, by name.
	Projections map[string]Projection
	// Target, when set, picks the generation a topic applies to and where
	// it starts (default: Reads.Live).
	Target func(ctx context.Context, name string) (Target, domain.Position, error)
	// Until, when set, ends a subscription once it has delivered every
	// event up to this position (a rebuild catching up to the head).
	Until *domain.Position
	// OnStart, when set, is told where a subscription starts (the
	// checkpoint it found).
	OnStart func(t Target, from domain.Position)
	// MaxBatch bounds the events of one message (default 500).
	MaxBatch int
	// RedeliveryDelay is the pause before a nacked batch is sent again
	// (default 1s).
	RedeliveryDelay time.Duration

	mu     sync.Mutex
	closed bool
	cancel []context.CancelFunc
	wg     sync.WaitGroup

	shared sharedPayloads
	pages  sharedPages
}

// Batch is the content of one feed message: consecutive events of the
// global log, and the decoded payloads of those the projection handles
// (nil for the others).
type Batch struct {
	Target   Target
	From, To domain.Position
	Events   []domain.Event
	Payloads []domain.Payload
	// DecodeErr is set when an event the projection handles could not be
	// decoded: the batch cannot be applied.
	DecodeErr error

	// skipTo is set by the handler when the read store was ahead (another
	// process applied the events); restart when the feed must start over
	// from the live generation.
	skipTo  *domain.Position
	restart bool
}

type batchKey struct{}

// BatchOf returns the batch a feed message carries.
func BatchOf(msg *message.Message) (*Batch, bool) {
	b, ok := msg.Context().Value(batchKey{}).(*Batch)
	return b, ok
}

// SkipTo tells the feed that the read store's checkpoint is already at pos:
// it drops the events up to pos and continues from there.
func (b *Batch) SkipTo(pos domain.Position) { b.skipTo = &pos }

// Restart tells the feed to start the subscription over from the live
// generation's checkpoint (the generation was retired by a rebuild).
func (b *Batch) Restart() { b.restart = true }

var errFeedClosed = errors.New("projections: feed closed")

// Subscribe starts feeding projection topic. The channel closes when ctx
// ends, the feed is closed, Until is reached, or the store fails (the
// failure is reported through the next Subscribe, as watermill restarts
// nothing by itself: the Runner does).
func (f *Feed) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	p, ok := f.Projections[topic]
	if !ok {
		return nil, fmt.Errorf("projections: no projection named %q", topic)
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, errFeedClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	f.cancel = append(f.cancel, cancel)
	f.wg.Add(1)
	f.mu.Unlock()
	out := make(chan *message.Message)
	go func() {
		defer f.wg.Done()
		defer close(out)
		defer cancel()
		f.run(ctx, p, out)
	}()
	return out, nil
}

// Close stops every subscription and waits for them to end.
func (f *Feed) Close() error {
	f.mu.Lock()
	f.closed = true
	for _, c := range f.cancel {
		c()
	}
	f.mu.Unlock()
	f.wg.Wait()
	return nil
}

func (f *Feed) target(ctx context.Context, name string) (Target, domain.Position, error) {
	if f.Target != nil {
		return f.Target(ctx, name)
	}
	return f.Reads.Live(ctx, name)
}

// run feeds one projection until ctx ends or Until is reached, starting
// over whenever a handler asks for it.
func (f *Feed) run(ctx context.Context, p Projection, out chan<- *message.Message) {
	for ctx.Err() == nil {
		done, err := f.follow(ctx, p, out)
		if done {
			return
		}
		if err != nil && ctx.Err() == nil {
			// The store failed: wait and follow again from the checkpoint.
			select {
			case <-ctx.Done():
			case <-time.After(f.redelivery()):
			}
		}
	}
}

func (f *Feed) redelivery() time.Duration {
	if f.RedeliveryDelay > 0 {
		return f.RedeliveryDelay
	}
	return time.Second
}

// follow subscribes from the projection's checkpoint and sends batches. It
// returns done when the feed must end (ctx, Until) and otherwise when it
// must start over.
func (f *Feed) follow(ctx context.Context, p Projection, out chan<- *message.Message) (done bool, err error) {
	t, from, err := f.target(ctx, p.Name())
	if err != nil {
		return false, err
	}
	if f.OnStart != nil {
		f.OnStart(t, from)
	}
	if f.Until != nil && !from.Less(*f.Until) {
		return true, nil
	}
	sub, cancel := context.WithCancel(ctx)
	defer cancel()
	// The reader sends the log in two phases: while catching up, the
	// shared pages it reads (batches are cut out of them without copying;
	// events are read-only), then, following live, event by event (a
	// burst waits in the channel and is gathered into one batch).
	pages := make(chan []domain.Event, 2)
	live := make(chan domain.Event, 4096)
	subErr := make(chan error, 1)
	go func() {
		defer close(live)
		pos, caughtUp := from, false
		func() {
			defer close(pages)
			r := f.pages.join(pos)
			defer func() { r.leave(pos) }()
			for {
				page, err := r.read(sub, f.Events, pos)
				if err != nil {
					subErr <- err
					return
				}
				if len(page) > 0 {
					select {
					case pages <- page:
					case <-sub.Done():
						return
					}
					pos = page[len(page)-1].Position
				}
				if len(page) < sharedPageSize {
					caughtUp = true
					return
				}
			}
		}()
		if !caughtUp {
			return
		}
		for ev, err := range f.Events.Subscribe(sub, pos) {
			if err != nil {
				subErr <- err
				return
			}
			select {
			case live <- ev:
			case <-sub.Done():
				return
			}
		}
	}()
	maxBatch := f.MaxBatch
	if maxBatch <= 0 {
		maxBatch = 500
	}
	// Gather and decode the next batches while the handler applies the
	// current one.
	type prepared struct {
		b   *Batch
		err error
		end bool
	}
	batches := make(chan prepared, 2)
	go func() {
		defer close(batches)
		send := func(pr prepared) bool {
			select {
			case batches <- pr:
				return true
			case <-sub.Done():
				return false
			}
		}
		var pending []domain.Event // of the last page, not yet batched
		pagesDone := false
		for {
			var evs []domain.Event
			switch {
			case !pagesDone && len(pending) == 0:
				select {
				case <-sub.Done():
					return
				case c, ok := <-pages:
					pending, pagesDone = c, !ok
				}
				continue
			case !pagesDone:
				n := min(len(pending), maxBatch)
				evs, pending = pending[:n:n], pending[n:]
			default:
				// Block for the first event of a batch, then take what
				// is at hand.
				select {
				case <-sub.Done():
					return
				case ev, ok := <-live:
					if !ok {
						select {
						case err := <-subErr:
							send(prepared{err: err})
						default:
							send(prepared{end: true})
						}
						return
					}
					evs = append(make([]domain.Event, 0, min(maxBatch, 1+len(live))), ev)
				}
			gather:
				for len(evs) < maxBatch {
					select {
					case ev, ok := <-live:
						if !ok {
							break gather // the next receive reports the end
						}
						evs = append(evs, ev)
					default:
						break gather
					}
				}
			}
			if f.Until != nil {
				for i, ev := range evs {
					if f.Until.Less(ev.Position) {
						evs = evs[:i]
						break
					}
				}
				if len(evs) == 0 {
					send(prepared{end: true})
					return
				}
			}
			if !send(prepared{b: f.newBatch(p, t, evs)}) {
				return
			}
		}
	}()
	var skipTo domain.Position
	for {
		var pr prepared
		select {
		case <-ctx.Done():
			return true, nil
		case pr = <-batches:
		}
		switch {
		case pr.err != nil:
			return false, pr.err
		case pr.b == nil:
			return pr.end || ctx.Err() != nil, nil
		}
		b := pr.b
		// Drop what another process applied already.
		if n := len(b.Events); n > 0 && !skipTo.Less(b.Events[0].Position) {
			i := 0
			for i < n && !skipTo.Less(b.Events[i].Position) {
				i++
			}
			b.Events, b.Payloads = b.Events[i:], b.Payloads[i:]
		}
		if len(b.Events) > 0 {
			b.From = from
			next, restart, ok := f.deliver(ctx, out, b)
			switch {
			case !ok:
				return true, nil
			case restart:
				return false, nil
			case next != nil:
				skipTo, from = *next, *next
			default:
				from = b.To
			}
		}
		if f.Until != nil && !from.Less(*f.Until) {
			return true, nil
		}
	}
}

// newBatch makes the batch of evs for projection p, decoding the events p
// handles. An event another projection of the feed decoded already is
// taken from f.shared rather than decoded again.
func (f *Feed) newBatch(p Projection, t Target, evs []domain.Event) *Batch {
	b := &Batch{Target: t, To: evs[len(evs)-1].Position, Events: evs, Payloads: make([]domain.Payload, len(evs))}
	readers := func(typ string) int {
		n := 0
		for _, q := range f.Projections {
			if q.Handles(typ) {
				n++
			}
		}
		return n
	}
	missing := f.shared.take(evs, p.Handles, b.Payloads)
	for _, i := range missing {
		pl, err := domain.Decode(evs[i])
		if err != nil {
			b.DecodeErr = fmt.Errorf("projection %s: %w", p.Name(), err)
			break
		}
		b.Payloads[i] = pl
	}
	if b.DecodeErr == nil {
		f.shared.offer(evs, missing, b.Payloads, readers)
	}
	return b
}

// sharedPayloads lets the subscriptions of one feed decode each event once:
// the first projection to decode an event that other projections handle
// too leaves the payload here, and each of the others takes it (the last
// one removes it). Payloads are shared read-only; projections never
// modify a payload (Projection.Apply).
//
// It holds at most maxSharedPayloads payloads, as many events as the
// fastest projection catching up can be ahead of the slowest (the pages
// sharedPages holds, and the two being applied); beyond that, projections
// decode for themselves. A payload nobody comes for (a projection that
// restarted further on) stays until the holder fills up and is emptied.
type sharedPayloads struct {
	mu sync.Mutex
	m  map[domain.Position]*sharedPayload
}

type sharedPayload struct {
	p    domain.Payload
	left int // projections still to take it
}

const maxSharedPayloads = (maxSharedPages + 2) * sharedPageSize

var forgotten = domain.PersonForgotten{}.EventType()

// take fills out[i] for each event of evs that handles accepts and that is
// held, and returns the indexes of the other events handles accepts.
func (s *sharedPayloads) take(evs []domain.Event, handles func(string) bool, out []domain.Payload) (missing []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, ev := range evs {
		if ev.Type == forgotten {
			// Payloads decoded before an erasure may hold the person
			// in clear: drop them all.
			clear(s.m)
		}
		if !handles(ev.Type) {
			continue
		}
		sp, ok := s.m[ev.Position]
		if !ok {
			missing = append(missing, i)
			continue
		}
		out[i] = sp.p
		if sp.left--; sp.left <= 0 {
			delete(s.m, ev.Position)
		}
	}
	return missing
}

// offer leaves the payloads decoded at indexes idx for the other
// projections that handle them (readers counts the projections handling
// a type, this one included).
func (s *sharedPayloads) offer(evs []domain.Event, idx []int, payloads []domain.Payload, readers func(string) int) {
	if len(idx) == 0 {
		return
	}
	counts := map[string]int{}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[domain.Position]*sharedPayload{}
	}
	for _, i := range idx {
		ev := evs[i]
		n, ok := counts[ev.Type]
		if !ok {
			n = readers(ev.Type)
			counts[ev.Type] = n
		}
		if n < 2 {
			continue
		}
		if len(s.m) >= maxSharedPayloads {
			clear(s.m)
		}
		s.m[ev.Position] = &sharedPayload{p: payloads[i], left: n - 1}
	}
}

// deliver sends the batch until it is acked. It returns where the read
// store already was (SkipTo), whether to restart, and false when ctx ended.
func (f *Feed) deliver(ctx context.Context, out chan<- *message.Message, b *Batch) (*domain.Position, bool, bool) {
	payload, _ := json.Marshal(map[string]any{
		"projection": b.Target.Name, "generation": b.Target.Generation,
		"from": b.From, "to": b.To, "events": len(b.Events),
	})
	for {
		b.skipTo, b.restart = nil, false
		msg := message.NewMessage(fmt.Sprintf("%s.%d.%s", b.Target.Name, b.Target.Generation, b.To), payload)
		msg.Metadata.Set("projection", b.Target.Name)
		msg.SetContext(context.WithValue(ctx, batchKey{}, b))
		select {
		case out <- msg:
		case <-ctx.Done():
			return nil, false, false
		}
		select {
		case <-msg.Acked():
			return b.skipTo, b.restart, true
		case <-msg.Nacked():
		case <-ctx.Done():
			return nil, false, false
		}
		select {
		case <-time.After(f.redelivery()):
		case <-ctx.Done():
			return nil, false, false
		}
	}
}

// sharedPages lets the subscriptions of one feed read the history of the
// log once: catching up (a rebuild, a start-up), every subscription reads
// pages of sharedPageSize events from the same positions, so the first to
// ask for a page reads it and the others take it (the last one removes
// it). Events are shared read-only.
//
// Subscriptions that started from the same position (a chain: they ask
// for the same pages) share; one alone on its chain reads for itself. It
// holds at most maxSharedPages pages: a subscription that would read a
// new page while the holder is full waits for the slowest of its chain to
// take one, so the fastest stays at most that many pages ahead instead of
// the holder being emptied and the slower ones reading and decoding the
// log again. Pages that nobody comes for any more (a subscription stopped
// without leaving) are dropped after sharedPageWait.
type sharedPages struct {
	mu      sync.Mutex
	m       map[domain.Position]*sharedPage
	readers map[domain.Position]int // subscriptions reading pages, by chain
	room    chan struct{}           // closed when a page leaves m (nil: nobody waits)
	// max and wait override maxSharedPages and sharedPageWait (tests).
	max  int
	wait time.Duration
}

type sharedPage struct {
	ready chan struct{} // closed once evs and err are set
	evs   []domain.Event
	err   error
	chain domain.Position
	left  int // subscriptions still to take it
}

const (
	sharedPageSize = 2048
	maxSharedPages = 128
	sharedPageWait = 2 * time.Second
)

// pageReader is one subscription reading pages of a sharedPages.
type pageReader struct {
	s     *sharedPages
	chain domain.Position
}

// join registers a subscription that reads the pages of the log after
// start. It must call leave when it stops reading pages.
func (s *sharedPages) join(start domain.Position) *pageReader {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readers == nil {
		s.readers = map[domain.Position]int{}
	}
	s.readers[start]++
	return &pageReader{s: s, chain: start}
}

// leave ends the subscription; pos is where it would have read next, so
// the pages from there on no longer wait for it.
func (r *pageReader) leave(pos domain.Position) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readers[r.chain]--; s.readers[r.chain] <= 0 {
		delete(s.readers, r.chain)
	}
	for k, p := range s.m {
		if p.chain == r.chain && !k.Less(pos) {
			s.took(k, p)
		}
	}
	s.wake()
}

// took counts one subscription off page p (at key k) and removes the
// page when no other is to come. The caller holds s.mu.
func (s *sharedPages) took(k domain.Position, p *sharedPage) {
	if p.left--; p.left <= 0 {
		delete(s.m, k)
		s.wake()
	}
}

// wake tells the subscriptions waiting for room to look again. The caller
// holds s.mu.
func (s *sharedPages) wake() {
	if s.room != nil {
		close(s.room)
		s.room = nil
	}
}

// read returns the page of events after pos: taken from the holder, or
// read from events and left there for the other subscriptions of the
// chain.
func (r *pageReader) read(ctx context.Context, events domain.EventStore, pos domain.Position) ([]domain.Event, error) {
	s := r.s
	limit, wait := cmp.Or(s.max, maxSharedPages), cmp.Or(s.wait, sharedPageWait)
	var (
		timer   *time.Timer
		expired bool
	)
	s.mu.Lock()
	for {
		if p, ok := s.m[pos]; ok {
			s.took(pos, p)
			s.mu.Unlock()
			select {
			case <-p.ready:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if p.err != nil {
				// The reader failed: read for ourselves.
				return events.ReadAll(ctx, pos, sharedPageSize)
			}
			return p.evs, nil
		}
		if s.readers[r.chain] < 2 {
			s.mu.Unlock()
			return events.ReadAll(ctx, pos, sharedPageSize)
		}
		if s.m == nil {
			s.m = map[domain.Position]*sharedPage{}
		}
		if len(s.m) < limit {
			break
		}
		if expired {
			// Full of pages nobody takes: drop them all.
			clear(s.m)
			s.wake()
			break
		}
		if s.room == nil {
			s.room = make(chan struct{})
		}
		room := s.room
		s.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		}
		select {
		case <-room:
		case <-timer.C:
			expired = true
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		s.mu.Lock()
	}
	p := &sharedPage{ready: make(chan struct{}), chain: r.chain, left: s.readers[r.chain] - 1}
	s.m[pos] = p
	s.mu.Unlock()
	p.evs, p.err = events.ReadAll(ctx, pos, sharedPageSize)
	if slices.ContainsFunc(p.evs, func(ev domain.Event) bool { return ev.Type == forgotten }) {
		// Pages read before an erasure may hold the person in clear:
		// drop them all, this one included (as sharedPayloads does).
		s.mu.Lock()
		clear(s.m)
		s.wake()
		s.mu.Unlock()
	}
	close(p.ready)
	return p.evs, p.err
}
