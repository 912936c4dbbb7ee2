package projections_test

// Shared test plumbing for the projections: real commands on a real
// embedded event store, the global log applied to projections on a real
// memory read store, and readers for what the projections wrote.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// harness runs domain commands on an embedded event store and applies the
// global log to projections on a memory read store.
type harness struct {
	t      testing.TB
	ctx    context.Context
	events *embedded.Store
	cmds   *domain.Commands
	reads  projections.Store
	projs  []projections.Projection
	// batch is how many events of the log one Update applies.
	batch int
	// now is the time commands are decided at (see atDay).
	now time.Time
	// admin runs every command.
	admin domain.Actor
}

// harnessStart is the virtual time a harness starts at.
var harnessStart = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// newHarness opens an embedded event store in a temporary directory and a
// memory read store for projs.
func newHarness(t testing.TB, projs ...projections.Projection) *harness {
	t.Helper()
	events, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reads := memory.New()
	t.Cleanup(func() {
		reads.Close()
		events.Close()
	})
	return &harness{t: t, ctx: context.Background(), events: events, cmds: domain.NewCommands(events), reads: reads,
		projs: projs, batch: 3, now: harnessStart, admin: domain.Actor{ID: "test:admin", Role: domain.RoleAdmin}}
}

// atDay sets the decision time of the following commands to n days after
// the start of the harness (set h.now for other times).
func (h *harness) atDay(n int) { h.now = harnessStart.AddDate(0, 0, n) }

// execute runs a command on aggregate id of kind k as h.admin at h.now
// and returns the new state; a failing command fails the test.
func execute[S any](h *harness, k domain.Kind[S], id string, decide func(s S, actor domain.Actor, now time.Time) ([]domain.Payload, error)) S {
	h.t.Helper()
	req := domain.Request{Actor: h.admin, Now: h.now}
	res, err := domain.Execute(h.ctx, h.cmds, k, id, req, func(s S, _ uint64, now time.Time) ([]domain.Payload, error) {
		return decide(s, h.admin, now)
	})
	if err != nil {
		h.t.Fatalf("%s %s: %v", k.Category, id, err)
	}
	return res.State
}

// sync applies every event of the log that the projections have not yet
// applied, in batches of h.batch, to their live generations.
func (h *harness) sync() {
	h.t.Helper()
	for _, p := range h.projs {
		target, cp, err := h.reads.Live(h.ctx, p.Name())
		if err != nil {
			h.t.Fatal(err)
		}
		h.apply(p, target, cp, h.batch)
	}
}

// apply applies the log after from to projection p's generation target in
// batches of n events.
func (h *harness) apply(p projections.Projection, target projections.Target, from domain.Position, n int) {
	h.t.Helper()
	for {
		evs, err := h.events.ReadAll(h.ctx, from, n)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(evs) == 0 {
			return
		}
		to := evs[len(evs)-1].Position
		err = h.reads.Update(h.ctx, target, from, to, func(tx projections.Tx) error {
			for _, ev := range evs {
				if !p.Handles(ev.Type) {
					continue
				}
				pl, err := domain.Decode(ev)
				if err != nil {
					return err
				}
				if err := p.Apply(h.ctx, tx, ev, pl); err != nil {
					return fmt.Errorf("%s: apply %s (%s v%d) at %s: %w", p.Name(), ev.Type, ev.StreamID, ev.StreamVersion, ev.Position, err)
				}
			}
			return nil
		})
		if err != nil {
			h.t.Fatal(err)
		}
		from = to
	}
}

// dump returns the live read models of projection name as Store.Dump
// writes them.
func (h *harness) dump(name string) []string {
	h.t.Helper()
	var lines []string
	if err := h.reads.Dump(h.ctx, name, func(line []byte) error {
		lines = append(lines, string(bytes.TrimSpace(line)))
		return nil
	}); err != nil {
		h.t.Fatal(err)
	}
	return lines
}

// checkRebuild rebuilds every projection of h from the whole log in
// batches of n events and fails the test unless the rebuilt read models
// equal the live ones: projections must be deterministic and must not
// depend on how the log is cut into batches.
func (h *harness) checkRebuild(n int) {
	h.t.Helper()
	h.sync()
	for _, p := range h.projs {
		before := h.dump(p.Name())
		if len(before) == 0 {
			h.t.Errorf("%s wrote nothing", p.Name())
		}
		target, err := h.reads.StartRebuild(h.ctx, p.Name())
		if err != nil {
			h.t.Fatal(err)
		}
		h.apply(p, target, domain.Start, n)
		if err := h.reads.Promote(h.ctx, target); err != nil {
			h.t.Fatal(err)
		}
		after := h.dump(p.Name())
		if len(before) != len(after) {
			h.t.Errorf("%s: rebuild dumps %d lines, live %d", p.Name(), len(after), len(before))
		}
		for i := range min(len(before), len(after)) {
			if before[i] != after[i] {
				h.t.Errorf("%s: line %d differs after rebuild:\n live    %s\n rebuilt %s", p.Name(), i, before[i], after[i])
				break
			}
		}
	}
}

// withReads returns a harness on the same event store that applies the
// same projections to another read store.
func (h *harness) withReads(reads projections.Store) *harness {
	c := *h
	c.reads = reads
	return &c
}

// jsonStore is a read store that keeps documents only in their JSON form,
// as the PostgreSQL read store does: what Tx.Get, Doc and List return is
// the json.RawMessage of what was put, never the value itself. Running
// the projections on it checks that they decode their documents with As
// and that everything they keep survives encoding.
type jsonStore struct{ projections.Store }

// Update implements projections.Store.
func (s jsonStore) Update(ctx context.Context, p projections.Target, from, to domain.Position, fn func(tx projections.Tx) error) error {
	return s.Store.Update(ctx, p, from, to, func(tx projections.Tx) error { return fn(jsonTx{tx}) })
}

// jsonTx encodes every document it puts.
type jsonTx struct{ projections.Tx }

// Put implements projections.Tx.
func (t jsonTx) Put(ctx context.Context, d projections.Doc) error {
	b, err := json.Marshal(d.Value)
	if err != nil {
		return err
	}
	d.Value = json.RawMessage(b)
	return t.Tx.Put(ctx, d)
}

// docAs reads document id of coll as a T; a missing one fails the test.
func docAs[T any](h *harness, coll, id string) T {
	h.t.Helper()
	v, ok, err := h.reads.Doc(h.ctx, coll, id)
	if err != nil {
		h.t.Fatal(err)
	}
	if !ok {
		h.t.Fatalf("no document %s/%s", coll, id)
	}
	d, err := projections.As[T](v)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// listAs lists every document of coll under key (all pages of 2, to
// exercise the cursor) as Ts.
func listAs[T any](h *harness, coll, key string) []T {
	h.t.Helper()
	var out []T
	cursor := ""
	for {
		vs, next, err := h.reads.List(h.ctx, coll, key, cursor, 2)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, v := range vs {
			d, err := projections.As[T](v)
			if err != nil {
				h.t.Fatal(err)
			}
			out = append(out, d)
		}
		if next == "" {
			return out
		}
		cursor = next
	}
}

// counters returns the counters of metric keyed "dim=value@month"
// ("total" for the total, "@month" left out for all time).
func (h *harness) counters(metric string) map[string]int64 {
	h.t.Helper()
	cs, err := h.reads.Counters(h.ctx, metric)
	if err != nil {
		h.t.Fatal(err)
	}
	m := map[string]int64{}
	for _, c := range cs {
		if c.N == 0 {
			continue
		}
		k := "total"
		if c.Dim != "" || c.Value != "" {
			k = c.Dim + "=" + c.Value
		}
		if c.Month != "" {
			k += "@" + c.Month
		}
		m[k] = c.N
	}
	return m
}

// evidence returns every evidence of indicator, by position. It reads
// them in one call: several pieces of evidence can share a position (an
// accepted interest counts both organisations), and paging by position
// alone would skip the rest of a position cut by a page boundary.
func (h *harness) evidence(indicator string) []projections.Evidence {
	h.t.Helper()
	es, err := h.reads.Evidence(h.ctx, indicator, domain.Start, 1_000_000)
	if err != nil {
		h.t.Fatal(err)
	}
	return es
}

// Commands of the domain, run as h.admin at h.now.

// registerOrg registers organisation id.
func (h *harness) registerOrg(id, name, country, nuts string, sectors ...string) {
	h.t.Helper()
	p := domain.OrganisationProfile{Name: name, Kind: "sme", Country: country, NUTS: nuts,
		Address: domain.Address{City: "Görlitz", Country: country}, Sectors: sectors, Languages: []string{"de", "en"},
		Description: domain.Text{EN: "An organisation of the border region."}}
	execute(h, domain.OrganisationKind, id, func(o domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterOrganisation{Profile: p}.Decide(o, id, a, now)
	})
}

// updateOrg changes the profile of organisation id with f.
func (h *harness) updateOrg(id string, f func(*domain.OrganisationProfile)) {
	h.t.Helper()
	execute(h, domain.OrganisationKind, id, func(o domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		p := o.Profile
		f(&p)
		return domain.UpdateOrganisation{Profile: p}.Decide(o, a, now)
	})
}

// offerCmd runs a command on offer id.
func (h *harness) offerCmd(id string, decide func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error)) domain.Offer {
	h.t.Helper()
	return execute(h, domain.OfferKind, id, decide)
}

// draftOffer drafts an offer (kind "offer" or "request") of owner.
func (h *harness) draftOffer(id, owner, kind, title string, nace ...string) {
	h.t.Helper()
	d := domain.OfferDetails{Kind: kind, Category: "service", Title: domain.Text{EN: title}, Description: domain.Text{EN: title + " for partners across the border."},
		NACE: nace, Languages: []string{"en"}}
	h.offerCmd(id, func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.DraftOffer{OwnerOrgID: owner, Details: d}.Decide(o, id, a, now)
	})
}

// publishOffer publishes offer id.
func (h *harness) publishOffer(id string) {
	h.t.Helper()
	h.offerCmd(id, func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.PublishOffer{}.Decide(o, a, now)
	})
}

// expressInterest records the interest interestID of orgID in offer id.
func (h *harness) expressInterest(id, interestID, orgID string) {
	h.t.Helper()
	h.offerCmd(id, func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ExpressInterest{InterestID: interestID, OrgID: orgID, Message: "We would like to talk."}.Decide(o, a, now)
	})
}

// acceptInterest accepts interest interestID in offer id.
func (h *harness) acceptInterest(id, interestID string) {
	h.t.Helper()
	h.offerCmd(id, func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.AcceptInterest{InterestID: interestID}.Decide(o, a, now)
	})
}

// meetingCmd runs a command on meeting id and returns its state.
func (h *harness) meetingCmd(id string, decide func(m domain.Meeting, a domain.Actor, now time.Time) ([]domain.Payload, error)) domain.Meeting {
	h.t.Helper()
	return execute(h, domain.MeetingKind, id, decide)
}

// meetingDetails are the details of a workshop in Görlitz starting at
// start for three hours.
func meetingDetails(title string, start time.Time, capacity int, approval bool) domain.MeetingDetails {
	return domain.MeetingDetails{Title: domain.Text{EN: title, DE: title + " (de)"}, Kind: "workshop", Start: start, End: start.Add(3 * time.Hour),
		TimeZone: "Europe/Berlin", Place: &domain.Address{City: "Görlitz", Country: "DE"}, Languages: []string{"de", "pl"},
		Capacity: capacity, RequiresApproval: approval}
}

// scheduleMeeting schedules meeting id.
func (h *harness) scheduleMeeting(id string, d domain.MeetingDetails) {
	h.t.Helper()
	h.meetingCmd(id, func(m domain.Meeting, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ScheduleMeeting{Details: d}.Decide(m, id, a, now)
	})
}

// register registers orgID for meeting id with n participants as
// registration regID and returns the registration's status.
func (h *harness) register(id, regID, orgID string, n int) string {
	h.t.Helper()
	ps := make([]domain.Participant, n)
	for i := range ps {
		ps[i] = domain.Participant{Name: fmt.Sprintf("Person %d of %s", i+1, orgID), Email: fmt.Sprintf("p%d@%s.example", i+1, orgID)}
	}
	m := h.meetingCmd(id, func(m domain.Meeting, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterForMeeting{RegistrationID: regID, OrgID: orgID, Participants: ps}.Decide(m, a, now)
	})
	r, _ := m.Registration(regID)
	return r.Status
}

// regCmd runs one of the registration commands (ApproveRegistration,
// CancelRegistration, CheckInRegistration, …) on meeting id.
func (h *harness) regCmd(id string, cmd interface {
	Decide(domain.Meeting, domain.Actor, time.Time) ([]domain.Payload, error)
}) domain.Meeting {
	h.t.Helper()
	return h.meetingCmd(id, func(m domain.Meeting, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return cmd.Decide(m, a, now)
	})
}

// visitCmd runs a command on exchange visit id.
func (h *harness) visitCmd(id string, decide func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error)) domain.ExchangeVisit {
	h.t.Helper()
	return execute(h, domain.ExchangeVisitKind, id, decide)
}

// proposeVisit proposes a staff exchange of n people from guest to host,
// starting start days after h.now for three days.
func (h *harness) proposeVisit(id, guest, host string, n, start int, project string) {
	h.t.Helper()
	ps := make([]domain.VisitParticipant, n)
	for i := range ps {
		ps[i] = domain.VisitParticipant{Name: fmt.Sprintf("Visitor %d of %s", i+1, guest)}
	}
	p := domain.VisitProposal{Type: "staff_exchange", GuestOrgID: guest, HostOrgID: host, Participants: ps,
		StartDate: h.now.AddDate(0, 0, start).Format(time.DateOnly), EndDate: h.now.AddDate(0, 0, start+2).Format(time.DateOnly),
		Programme: domain.Text{EN: "Job shadowing in the international office."}, Languages: []string{"en", "de"},
		FundingProgramme: "Interreg Polska – Saksonia 2021–2027", ProjectReference: project}
	h.visitCmd(id, func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ProposeVisit{Proposal: p}.Decide(v, id, a, now)
	})
}

// runVisit takes visit id through its lifecycle up to final: "accepted",
// "scheduled" or "completed" (scheduled on the proposed dates, completed
// on the start day), at h.now.
func (h *harness) runVisit(id, final string, joint ...string) {
	h.t.Helper()
	v := h.visitCmd(id, func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.AcceptVisit{}.Decide(v, a, now)
	})
	if final == domain.VisitStatusAccepted {
		return
	}
	v = h.visitCmd(id, func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ScheduleVisit{StartDate: v.Proposal.StartDate, EndDate: v.Proposal.EndDate, Arrangements: "Hotel booked."}.Decide(v, a, now)
	})
	if final == domain.VisitStatusScheduled {
		return
	}
	start, err := time.Parse(time.DateOnly, v.Schedule.StartDate)
	if err != nil {
		h.t.Fatal(err)
	}
	saved := h.now
	h.now = start.Add(15 * time.Hour)
	var jps []domain.VisitJointProject
	for _, title := range joint {
		jps = append(jps, domain.VisitJointProject{Title: title})
	}
	h.visitCmd(id, func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.CompleteVisit{Report: domain.VisitReport{Outcomes: domain.Text{EN: "Good talks."}, JointProjects: jps}}.Decide(v, a, now)
	})
	h.now = saved
}
