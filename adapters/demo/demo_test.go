package demo

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/domain"
)

// fixedNow is the moment the determinism test seeds at.
var fixedNow = time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC) // the night clocks go forward in Europe

func newCommands(t *testing.T) *domain.Commands {
	t.Helper()
	store, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return domain.NewCommands(store)
}

func seed(t *testing.T, cmds *domain.Commands, now time.Time) (Summary, string) {
	t.Helper()
	var progress bytes.Buffer
	start := time.Now()
	sum, err := Seed(context.Background(), cmds, now, &progress)
	if err != nil {
		t.Fatalf("Seed: %v\nprogress:\n%s", err, progress.String())
	}
	t.Logf("seeded in %v: %s", time.Since(start).Round(time.Millisecond), sum)
	return sum, progress.String()
}

// readAll returns the whole global log.
func readAll(t *testing.T, store domain.EventStore) []domain.Event {
	t.Helper()
	var all []domain.Event
	after := domain.Start
	for {
		evs, err := store.ReadAll(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return all
		}
		all = append(all, evs...)
		after = evs[len(evs)-1].Position
	}
}

// streams returns the aggregate ids of each category in the log, in order
// of their first event.
func streams(evs []domain.Event) map[string][]string {
	out := map[string][]string{}
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[e.StreamID] {
			continue
		}
		seen[e.StreamID] = true
		i := strings.LastIndex(e.StreamID[:len(e.StreamID)-36], "-")
		out[e.StreamID[:i]] = append(out[e.StreamID[:i]], e.StreamID[i+1:])
	}
	return out
}

func loadAll[S any](t *testing.T, store domain.EventStore, k domain.Kind[S], ids []string) []S {
	t.Helper()
	var out []S
	for _, id := range ids {
		s, _, err := domain.Load(context.Background(), store, k, id, time.Time{})
		if err != nil {
			t.Fatalf("load %s %s: %v", k.Category, id, err)
		}
		out = append(out, s)
	}
	return out
}

func TestSeed(t *testing.T) {
	cmds := newCommands(t)
	now := time.Now().UTC()
	start := time.Now()
	sum, progress := seed(t, cmds, now)
	// Seeding takes well under a second on a quiet machine and a few
	// seconds under load; the bound only catches a pathological slowdown
	// (such as losing the concurrent appends) without flaking under -race.
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("seeding took %v; it should take a few seconds", took)
	}
	if n := strings.Count(progress, "\n"); n != 5 {
		t.Errorf("progress has %d lines, want one per phase (5):\n%s", n, progress)
	}
	t.Logf("progress:\n%s", progress)
	if sum.Organisations != organisationCount || sum.Offers != offerCount || sum.Meetings < 12 || sum.Registrations < 200 || sum.Visits < 25 {
		t.Errorf("summary = %+v", sum)
	}
	store := cmds.Store()
	evs := readAll(t, store)
	if len(evs) != sum.Events {
		t.Errorf("the log has %d events, the summary says %d", len(evs), sum.Events)
	}
	ids := streams(evs)
	if len(ids) != 5 {
		t.Errorf("stream categories: %v", slices.Sorted(func(yield func(string) bool) {
			for k := range ids {
				if !yield(k) {
					return
				}
			}
		}))
	}

	// Every aggregate loads; the states cover the lifecycles.
	orgs := loadAll(t, store, domain.OrganisationKind, ids["organisation"])
	verified, deactivated := 0, 0
	for _, o := range orgs {
		if o.Verified {
			verified++
		}
		if o.Status == domain.OrgDeactivated {
			deactivated++
		}
	}
	if len(orgs) != sum.Organisations || verified < 10 || verified > 25 || deactivated < 2 {
		t.Errorf("%d organisations, %d verified, %d deactivated", len(orgs), verified, deactivated)
	}
	countries := map[string]int{}
	for _, o := range orgs {
		countries[o.Profile.Country]++
	}
	if countries["DE"] < 30 || countries["PL"] < 30 || countries["CZ"] < 30 {
		t.Errorf("organisations by country: %v", countries)
	}

	offers := loadAll(t, store, domain.OfferKind, ids["offer"])
	statuses := map[string]int{}
	categories := map[string]int{}
	interests := map[string]int{}
	for _, o := range offers {
		statuses[o.Status]++
		categories[o.Details.Category]++
		for _, in := range o.Interests {
			interests[in.Status]++
		}
		if o.Status == domain.OfferStatusPublished && !o.ValidUntil.After(now) {
			t.Errorf("offer %s is published but valid only until %s", o.ID, o.ValidUntil)
		}
	}
	if len(offers) != offerCount || statuses[domain.OfferStatusPublished] < 250 || statuses[domain.OfferStatusDraft] == 0 || statuses[domain.OfferStatusWithdrawn] == 0 || statuses[domain.OfferStatusExpired] == 0 {
		t.Errorf("%d offers by status: %v", len(offers), statuses)
	}
	for _, c := range domain.OfferCategories {
		if categories[c] == 0 {
			t.Errorf("no offer in category %s: %v", c, categories)
		}
	}
	if interests[domain.OfferInterestStatusAccepted] == 0 || interests[domain.OfferInterestStatusDeclined] == 0 || interests[domain.OfferInterestStatusPending] == 0 {
		t.Errorf("interests by status: %v", interests)
	}

	meetings := loadAll(t, store, domain.MeetingKind, ids["meeting"])
	future, waitlists, cancelled, approval, checkedIn := 0, 0, 0, 0, 0
	zones := map[string]bool{}
	for _, m := range meetings {
		zones[m.TimeZone] = true
		if m.Start.After(now) {
			future++
		}
		if len(m.Waitlist()) > 0 {
			waitlists++
			if m.SeatsFree() > 0 && len(m.Waitlist()[0].Participants) <= m.SeatsFree() {
				t.Errorf("meeting %s has free seats for the head of its waitlist", m.ID)
			}
		}
		if m.Status == domain.MeetingStatusCancelled {
			cancelled++
		}
		if m.RequiresApproval {
			approval++
		}
		if m.SeatsTaken() > m.Capacity {
			t.Errorf("meeting %s: %d seats taken of %d", m.ID, m.SeatsTaken(), m.Capacity)
		}
		for _, r := range m.Registrations {
			if r.Status == domain.RegistrationStatusCheckedIn {
				checkedIn++
			}
		}
	}
	if future < 12 || waitlists < 1 || cancelled != 1 || approval < 2 || checkedIn == 0 || len(zones) != 3 {
		t.Errorf("%d meetings: %d in the future, %d with a waitlist, %d cancelled, %d with approval, %d check-ins, zones %v",
			len(meetings), future, waitlists, cancelled, approval, checkedIn, zones)
	}

	visits := loadAll(t, store, domain.ExchangeVisitKind, ids["exchange_visit"])
	visitStatuses := map[string]int{}
	types := map[string]int{}
	for _, v := range visits {
		visitStatuses[v.Status]++
		types[v.Proposal.Type]++
		if v.Status == domain.VisitStatusCompleted && (v.Report == nil || len(v.Report.JointProjects) == 0) {
			t.Errorf("completed visit %s has no report with joint projects", v.ID)
		}
	}
	for _, st := range []string{domain.VisitStatusProposed, domain.VisitStatusAccepted, domain.VisitStatusDeclined, domain.VisitStatusScheduled, domain.VisitStatusCompleted, domain.VisitStatusCancelled} {
		if visitStatuses[st] == 0 {
			t.Errorf("no exchange visit is %s: %v", st, visitStatuses)
		}
	}
	for _, ty := range domain.ExchangeVisitTypes {
		if types[ty] == 0 {
			t.Errorf("no exchange visit of type %s: %v", ty, types)
		}
	}

	// Texts in Polish and Czech carry their diacritics.
	var pl, cs strings.Builder
	for _, o := range orgs {
		pl.WriteString(o.Profile.Description.PL)
		cs.WriteString(o.Profile.Description.CS)
	}
	for _, o := range offers {
		pl.WriteString(o.Details.Title.PL + o.Details.Description.PL)
		cs.WriteString(o.Details.Title.CS + o.Details.Description.CS)
	}
	for lang, c := range map[string]struct {
		text, letters string
	}{"pl": {pl.String(), "ąćęłńóśźż"}, "cs": {cs.String(), "áčďéěíňóřšťúůýž"}} {
		for _, r := range c.letters {
			if !strings.ContainsRune(c.text, r) {
				t.Errorf("no %q in the %s texts", r, lang)
			}
		}
	}
	if !strings.Contains(pl.String(), "Wrocław") || !strings.Contains(cs.String(), "Liberec") {
		t.Error("town names missing from the descriptions")
	}
}

// logEntry is what must be the same in two runs: everything but the
// store's clock and positions.
type logEntry struct {
	ID                                domain.EventID
	StreamID                          string
	StreamVersion                     uint64
	Type                              string
	SchemaVersion                     int
	Data                              string
	Actor, CorrelationID, CausationID string
}

func TestSeedIsDeterministic(t *testing.T) {
	var logs [2][]logEntry
	var sums [2]Summary
	for i := range logs {
		cmds := newCommands(t)
		sums[i], _ = seed(t, cmds, fixedNow)
		for _, e := range readAll(t, cmds.Store()) {
			logs[i] = append(logs[i], logEntry{e.ID, e.StreamID, e.StreamVersion, e.Type, e.SchemaVersion, string(e.Data), e.Actor, e.CorrelationID, e.CausationID})
		}
	}
	if sums[0] != sums[1] {
		t.Errorf("summaries differ: %v and %v", sums[0], sums[1])
	}
	if len(logs[0]) != len(logs[1]) {
		t.Fatalf("%d and %d events", len(logs[0]), len(logs[1]))
	}
	// Aggregates interleave differently in the two logs; compare them
	// stream by stream.
	for _, log := range logs {
		slices.SortStableFunc(log, func(a, b logEntry) int { return strings.Compare(a.StreamID, b.StreamID) })
	}
	for i := range logs[0] {
		if !reflect.DeepEqual(logs[0][i], logs[1][i]) {
			t.Fatalf("event %d differs:\n%+v\n%+v", i, logs[0][i], logs[1][i])
		}
	}
}

func TestSeedTwiceFails(t *testing.T) {
	cmds := newCommands(t)
	seed(t, cmds, fixedNow)
	head, err := cmds.Store().Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	sum, err := Seed(context.Background(), cmds, fixedNow.Add(time.Hour), &progress)
	if !errors.Is(err, domain.ErrInvalidState) || !strings.Contains(err.Error(), "already loaded") {
		t.Fatalf("second Seed: %v, want ErrInvalidState (already loaded)", err)
	}
	if sum != (Summary{}) || progress.Len() != 0 {
		t.Errorf("second Seed reported %+v and %q", sum, progress.String())
	}
	if after, _ := cmds.Store().Head(context.Background()); after != head {
		t.Errorf("the second Seed appended: head %s → %s", head, after)
	}
}

func TestSummaryString(t *testing.T) {
	s := Summary{Organisations: 150, Offers: 400, Meetings: 15, Registrations: 299, Visits: 30, Events: 2500}
	if got, want := s.String(), "demo network: 150 organisations, 400 offers, 15 meetings, 299 registrations, 30 exchange visits (2500 events)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
