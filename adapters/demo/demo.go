// Package demo loads a realistic demo network into an event store: about
// 150 organisations of the German–Polish–Czech border regions (real
// chambers, universities, municipalities, agencies and clusters, and
// generated SMEs), 400 offers and requests, meetings with registrations and
// waitlists, and exchange visits in every state.
//
// Everything goes through the same domain commands users send
// (domain.Execute with realistic actors: a network office coordinator,
// partners acting for their own organisation, the expiry scheduler), so the
// events look like real use and pass every domain rule. History is decided
// "as of" past
// moments (domain.Request.Now), relative to the now passed to Seed, so that
// meetings lie in the future and completed visits in the past.
//
// The content is generated combinatorially from hand-written pools (towns,
// names, phrases per line of business in German, Polish, Czech and English)
// with a constant random seed: the same now yields the same aggregate ids,
// event ids and event data on every run. Commands on different aggregates
// run concurrently (each aggregate's commands in order), so the order in
// which aggregates interleave in the global log may vary between runs.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // meetings are held in Europe/Berlin, Europe/Warsaw and Europe/Prague

	"github.com/nisa-eu/nisa/domain"
)

// Summary counts what Seed loaded.
type Summary struct {
	// Organisations counts registered organisation profiles.
	Organisations int
	// Offers counts offers and requests (drafted, whatever became of them).
	Offers int
	// Meetings counts scheduled meetings, the cancelled one included.
	Meetings int
	// Registrations counts registrations for meetings (each organisation's
	// request to take part, whatever became of it).
	Registrations int
	// Visits counts proposed exchange visits.
	Visits int
	// Events is the number of events appended.
	Events int
}

// String reports the summary on one line.
func (s Summary) String() string {
	return fmt.Sprintf("demo network: %d organisations, %d offers, %d meetings, %d registrations, %d exchange visits (%d events)",
		s.Organisations, s.Offers, s.Meetings, s.Registrations, s.Visits, s.Events)
}

// randomSeed makes the generated content the same on every run.
const randomSeed1, randomSeed2 = 0x6e697361, 0x2021_2027

// Actors of the demo network.
var (
	// networkOffice registers and verifies organisations.
	networkOffice = domain.Actor{ID: "demo:coordinator:network-office", Role: domain.RoleCoordinator}
	// expiryScheduler is the server's scheduler that expires offers.
	expiryScheduler = domain.System("expiry")
)

// coordinator returns the actor of a programme or project coordinator.
func coordinator(name string) domain.Actor {
	return domain.Actor{ID: "demo:coordinator:" + name, Role: domain.RoleCoordinator}
}

// partner returns the actor of a partner acting for organisation o.
func partner(o *org) domain.Actor {
	return domain.Actor{ID: "demo:partner", Role: domain.RolePartner, OrgID: o.id}
}

// id derives the deterministic id of the n-th aggregate of a kind.
func id(kind string, n int) string {
	return domain.DeriveEventID("demo", kind, strconv.Itoa(n)).String()
}

// Seed loads the demo network into the store behind cmds through the same
// commands users send. It is deterministic: the same ids and content every
// run (times are relative to now, so meetings lie in the future). progress
// receives one line per phase with counts (may be io.Discard).
//
// Each aggregate's events are the same on every run with the same now;
// how aggregates interleave in the global log may differ, since commands
// on different aggregates run concurrently.
//
// If the store already holds the demo (its first organisation exists),
// Seed appends nothing and returns an error matching
// domain.ErrInvalidState. If Seed fails part-way, what it appended stays.
func Seed(ctx context.Context, cmds *domain.Commands, now time.Time, progress io.Writer) (Summary, error) {
	if progress == nil {
		progress = io.Discard
	}
	first := id("organisation", 1)
	switch _, _, err := domain.Load(ctx, cmds.Store(), domain.OrganisationKind, first, time.Time{}); {
	case err == nil:
		return Summary{}, fmt.Errorf("%w: the demo network is already loaded (organisation %s exists)", domain.ErrInvalidState, first)
	case !errors.Is(err, domain.ErrNotFound):
		return Summary{}, fmt.Errorf("demo: %w", err)
	}
	s := newSeeder(ctx, cmds, now, progress)
	phases := []struct {
		name  string
		plan  func() []step
		count func() string
	}{
		{"organisations", s.planOrganisations, func() string {
			return fmt.Sprintf("%d registered, %d updated, %d verified, %d deactivated",
				s.counts["OrganisationRegistered"], s.counts["OrganisationUpdated"], s.counts["OrganisationVerified"], s.counts["OrganisationDeactivated"])
		}},
		{"offers", s.planOffers, func() string {
			return fmt.Sprintf("%d drafted, %d published, %d revised, %d withdrawn, %d expired (%d extended again), %d expiry warnings, %d interests (%d accepted, %d declined)",
				s.counts["OfferDrafted"], s.counts["OfferPublished"], s.counts["OfferRevised"], s.counts["OfferWithdrawn"], s.counts["OfferExpired"],
				s.counts["OfferValidityExtended"], s.counts["OfferExpiryWarned"], s.counts["OfferInterestExpressed"], s.counts["OfferInterestAccepted"], s.counts["OfferInterestDeclined"])
		}},
		{"meetings", s.planMeetings, func() string {
			return fmt.Sprintf("%d scheduled, %d rescheduled, %d cancelled, %d registrations (%d waitlisted, %d promoted, %d approved, %d rejected, %d cancelled, %d checked in, %d no-shows)",
				s.counts["MeetingScheduled"], s.counts["MeetingRescheduled"], s.counts["MeetingCancelled"], s.registrations(),
				s.counts["RegistrationWaitlisted"], s.counts["RegistrationPromoted"], s.counts["RegistrationApproved"], s.counts["RegistrationRejected"],
				s.counts["RegistrationCancelled"], s.counts["RegistrationCheckedIn"], s.counts["RegistrationMarkedNoShow"])
		}},
		{"exchange visits", s.planVisits, func() string {
			return fmt.Sprintf("%d proposed, %d accepted, %d declined, %d scheduled, %d completed, %d cancelled",
				s.counts["VisitProposed"], s.counts["VisitAccepted"], s.counts["VisitDeclined"], s.counts["VisitScheduled"], s.counts["VisitCompleted"], s.counts["VisitCancelled"])
		}},
		{"saved searches", s.planSavedSearches, func() string {
			return fmt.Sprintf("%d saved searches", s.counts["SavedSearchCreated"])
		}},
	}
	for _, ph := range phases {
		before := s.events
		if err := s.run(ph.plan()); err != nil {
			return s.summary(), fmt.Errorf("demo: %s: %w", ph.name, err)
		}
		fmt.Fprintf(progress, "demo: %s: %s (%d events)\n", ph.name, ph.count(), s.events-before)
	}
	return s.summary(), nil
}

// seeder holds the state of one Seed run.
type seeder struct {
	ctx      context.Context
	cmds     *domain.Commands
	now      time.Time
	progress io.Writer
	rng      *rand.Rand
	berlin   *time.Location
	// mu guards cmdSeq, counts and events while a phase runs.
	mu sync.Mutex
	// cmdSeq numbers the commands per stream, for deterministic event ids.
	cmdSeq map[string]int
	// counts counts appended events by type.
	counts map[string]int
	events int
	orgs   []*org
}

func newSeeder(ctx context.Context, cmds *domain.Commands, now time.Time, progress io.Writer) *seeder {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic("demo: " + err.Error()) // embedded by time/tzdata
	}
	return &seeder{
		ctx: ctx, cmds: cmds, now: now.UTC(), progress: progress,
		rng:    rand.New(rand.NewPCG(randomSeed1, randomSeed2)),
		berlin: berlin,
		cmdSeq: map[string]int{},
		counts: map[string]int{},
	}
}

func (s *seeder) registrations() int {
	return s.counts["RegistrationRequested"] + s.counts["MeetingRegistered"] + s.counts["RegistrationWaitlisted"]
}

func (s *seeder) summary() Summary {
	return Summary{
		Organisations: s.counts["OrganisationRegistered"],
		Offers:        s.counts["OfferDrafted"],
		Meetings:      s.counts["MeetingScheduled"],
		Registrations: s.registrations(),
		Visits:        s.counts["VisitProposed"],
		Events:        s.events,
	}
}

// step is one command of the plan, run at a moment of the demo's history
// on the stream of one aggregate.
type step struct {
	at     time.Time
	stream string // the aggregate's id
	do     func(at time.Time) error
}

// parallel is how many commands run at once. Every command is one durable
// append; running commands on different aggregates side by side lets the
// store commit many of them together (the embedded store's group commit
// shares one fsync among all waiting appends).
const parallel = 32

// run runs the steps of one phase in the order of their moments (the order
// of planning among equal moments). A step waits for the previous step on
// its aggregate, so every aggregate's history is chronological and the
// same on every run; steps on different aggregates run concurrently, so the
// phase's part of the global log is chronological only roughly, and how
// the aggregates interleave in it may differ between runs.
func (s *seeder) run(steps []step) error {
	slices.SortStableFunc(steps, func(a, b step) int { return a.at.Compare(b.at) })
	for _, st := range steps {
		if st.at.After(s.now) {
			return fmt.Errorf("internal error: a step is planned at %s, after now (%s)", st.at.Format(time.RFC3339), s.now.Format(time.RFC3339))
		}
	}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	errs := make([]error, len(steps))
	slots := make(chan struct{}, parallel)
	last := map[string]chan struct{}{} // done of the latest step per aggregate
	var wg sync.WaitGroup
dispatch:
	for i, st := range steps {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			break dispatch
		}
		prev, done := last[st.stream], make(chan struct{})
		last[st.stream] = done
		wg.Go(func() {
			defer close(done)
			defer func() { <-slots }()
			if prev != nil {
				<-prev
			}
			if ctx.Err() != nil {
				return
			}
			if err := st.do(st.at); err != nil {
				errs[i] = err
				cancel()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return s.ctx.Err()
}

// execute runs one command as actor at the given moment, with event ids
// derived from the stream and the number of the command on it.
func execute[S any](s *seeder, k domain.Kind[S], aggID string, actor domain.Actor, at time.Time, what string, decide domain.Decider[S]) (S, error) {
	stream := k.StreamID(aggID)
	s.mu.Lock()
	n := strconv.Itoa(s.cmdSeq[stream])
	s.cmdSeq[stream]++
	s.mu.Unlock()
	req := domain.Request{
		Actor:         actor,
		Now:           at.UTC(),
		CorrelationID: domain.DeriveEventID("demo", "command", stream, n).String(),
		EventIDs: func(i int) domain.EventID {
			return domain.DeriveEventID("demo", "event", stream, n, strconv.Itoa(i))
		},
	}
	res, err := domain.Execute(s.ctx, s.cmds, k, aggID, req, decide)
	if err != nil {
		return res.State, fmt.Errorf("%s %s: %w", what, stream, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range res.Events {
		s.counts[e.Type]++
	}
	s.events += len(res.Events)
	return res.State, nil
}

// Randomness. All of it comes from s.rng while planning, never while steps
// run.

func (s *seeder) intn(n int) int                     { return s.rng.IntN(n) }
func (s *seeder) chance(p float64) bool              { return s.rng.Float64() < p }
func (s *seeder) between(lo, hi int) int             { return lo + s.rng.IntN(hi-lo+1) }
func pick[T any](s *seeder, xs []T) T                { return xs[s.rng.IntN(len(xs))] }
func (s *seeder) shuffle(n int, swap func(i, j int)) { s.rng.Shuffle(n, swap) }

// Time. History happens on working days' hours in Berlin (the whole
// network shares the Central European time zone).

// day returns the moment hh:mm on the day d days from today (Berlin time).
func (s *seeder) day(d, hh, mm int) time.Time { return s.dayIn(s.berlin, d, hh, mm) }

// dayIn returns the moment hh:mm in loc on the day d days from today there.
func (s *seeder) dayIn(loc *time.Location, d, hh, mm int) time.Time {
	y, m, dd := s.now.In(loc).Date()
	return time.Date(y, m, dd+d, hh, mm, 0, 0, loc).UTC()
}

// workday returns a moment during office hours d days from today; d < 0
// lies in the past.
func (s *seeder) workday(d int) time.Time { return s.day(d, s.between(8, 16), s.intn(60)) }

// within returns a moment between lo and hi (both included, to the minute).
func (s *seeder) within(lo, hi time.Time) time.Time {
	if !hi.After(lo) {
		return lo
	}
	span := int64(hi.Sub(lo) / time.Minute)
	return lo.Add(time.Duration(s.rng.Int64N(span+1)) * time.Minute)
}

// officeOn returns a moment during office hours (8:00–17:59 in Berlin) on
// the day of t.
func (s *seeder) officeOn(t time.Time) time.Time {
	y, m, d := t.In(s.berlin).Date()
	return time.Date(y, m, d, s.between(8, 17), s.intn(60), 0, 0, s.berlin).UTC()
}

// sometime returns a moment during office hours between lo and hi (or,
// if it finds none, any moment between them).
func (s *seeder) sometime(lo, hi time.Time) time.Time {
	if !hi.After(lo) {
		return lo
	}
	span := int(hi.Sub(lo).Hours() / 24)
	for range 4 {
		if t := s.officeOn(lo.Add(days(s.between(0, span)))); t.After(lo) && t.Before(hi) {
			return t
		}
	}
	return s.within(lo, hi)
}

// after returns a moment during office hours lo to hi days after the day
// of t, always after t (shortly after t if the chosen moment is not).
func (s *seeder) after(t time.Time, lo, hi int) time.Time {
	if u := s.officeOn(t.Add(days(s.between(lo, hi)))); u.After(t) {
		return u
	}
	return t.Add(time.Duration(s.between(10, 120)) * time.Minute)
}

// date returns the civil date d days from today (UTC, as commands decide).
func (s *seeder) date(d int) string { return s.now.AddDate(0, 0, d).Format(time.DateOnly) }

// days returns d days as a duration.
func days(d int) time.Duration { return time.Duration(d) * 24 * time.Hour }

// dateOf returns the civil date of t plus d days (UTC).
func dateOf(t time.Time, d int) string { return t.UTC().AddDate(0, 0, d).Format(time.DateOnly) }
