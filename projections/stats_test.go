package projections_test

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/demo"
	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// findEvent returns the event of type typ in stream whose data contains
// s; a missing one fails the test.
func findEvent(h *harness, stream, typ, s string) domain.Event {
	h.t.Helper()
	evs, err := h.events.ReadStream(h.ctx, stream, domain.ReadStreamOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Type == typ && strings.Contains(string(ev.Data), s) {
			return ev
		}
	}
	h.t.Fatalf("no %s in %s with %q", typ, stream, s)
	return domain.Event{}
}

// checkCounters fails the test unless metric's counters are exactly want.
func checkCounters(t *testing.T, h *harness, metric string, want map[string]int64) {
	t.Helper()
	if got := h.counters(metric); !maps.Equal(got, want) {
		var diff []string
		for _, k := range slices.Sorted(maps.Keys(got)) {
			if got[k] != want[k] {
				diff = append(diff, k+": got "+itoa64(got[k])+", want "+itoa64(want[k]))
			}
		}
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if _, ok := got[k]; !ok {
				diff = append(diff, k+": missing, want "+itoa64(want[k]))
			}
		}
		t.Errorf("counters of %s:\n%s", metric, strings.Join(diff, "\n"))
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// subjects returns the subjects of evidence es, sorted, without
// duplicates.
func subjects(es []projections.Evidence) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Subject)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// evidenceOf returns the evidence of subject among es.
func evidenceOf(es []projections.Evidence, subject string) []projections.Evidence {
	var out []projections.Evidence
	for _, e := range es {
		if e.Subject == subject {
			out = append(out, e)
		}
	}
	return out
}

func TestStats(t *testing.T) {
	h := newHarness(t, projections.NewStats())
	// November 2026.
	h.registerOrg("de1", "Sächsische Metallbau GmbH", "DE", "DED2D", "25.62", "62.01")
	h.registerOrg("de2", "Dresdner Software GmbH", "DE", "DED21", "62.01")
	h.registerOrg("pl1", "Dolnośląskie Narzędzia Sp. z o.o.", "PL", "PL514", "25")
	h.registerOrg("cz1", "Liberecké strojírny s.r.o.", "CZ", "CZ051", "28")
	h.atDay(1)
	h.draftOffer("o1", "de1", "offer", "Laser cutting", "25.62")
	h.publishOffer("o1")
	h.draftOffer("o2", "cz1", "request", "Software for machine monitoring", "62")
	h.publishOffer("o2")
	h.draftOffer("o3", "pl1", "offer", "Never published", "25")
	start := harnessStart.AddDate(0, 0, 40) // 2026-12-12 09:00 UTC
	h.scheduleMeeting("m1", meetingDetails("Cooperation fair", start, 20, false))
	online := meetingDetails("Online matchmaking", start, 20, false)
	online.Kind, online.Place, online.OnlineURL = "online_matchmaking", nil, "https://meet.example/m2"
	h.scheduleMeeting("m2", online)
	h.register("m1", "m1-de1", "de1", 2)
	h.register("m1", "m1-de2", "de2", 1)
	h.register("m2", "m2-de1", "de1", 1)
	h.sync()
	if es := h.evidence(projections.IndicatorRCO87); len(es) != 0 {
		t.Errorf("organisations of one country count toward RCO87: %+v", es)
	}

	// December 2026. The second country arrives at m1: everyone counts,
	// each with its own registration.
	h.atDay(30)
	h.registerOrg("cz2", "Univerzita J. E. Purkyně", "CZ", "CZ042", "85")
	h.register("m1", "m1-pl1", "pl1", 3)
	h.sync()
	es := h.evidence(projections.IndicatorRCO87)
	if got := subjects(es); !slices.Equal(got, []string{"de1", "de2", "pl1"}) {
		t.Errorf("RCO87 subjects = %v", got)
	}
	for _, c := range []struct{ org, reg string }{{"de1", "m1-de1"}, {"de2", "m1-de2"}, {"pl1", "m1-pl1"}} {
		reg := findEvent(h, "meeting-m1", "MeetingRegistered", c.reg)
		e := evidenceOf(es, c.org)
		if len(e) != 1 || e[0].Position != reg.Position || e[0].Type != "MeetingRegistered" || e[0].StreamID != "meeting-m1" ||
			e[0].Month != "2026-12" || e[0].Country != (map[string]string{"de1": "DE", "de2": "DE", "pl1": "PL"})[c.org] {
			t.Errorf("RCO87 evidence of %s = %+v, want its registration at %s", c.org, e, reg.Position)
		}
	}
	if e := evidenceOf(es, "de1"); len(e) == 1 && !e[0].At.Equal(harnessStart.AddDate(0, 0, 1)) {
		t.Errorf("de1's evidence is dated %s, the day it registered is %s", e[0].At, harnessStart.AddDate(0, 0, 1))
	}
	checkCounters(t, h, projections.IndicatorRCO87, map[string]int64{
		"total": 3, "total@2026-12": 3, "country=DE": 2, "country=DE@2026-12": 2, "country=PL": 1, "country=PL@2026-12": 1,
	})

	// m2 turns cross-border too: more evidence, nobody counted twice.
	h.register("m2", "m2-pl1", "pl1", 1)
	h.sync()
	es = h.evidence(projections.IndicatorRCO87)
	if len(es) != 5 || len(evidenceOf(es, "de1")) != 2 || len(evidenceOf(es, "pl1")) != 2 {
		t.Errorf("RCO87 evidence after m2: %+v", es)
	}
	checkCounters(t, h, projections.IndicatorRCO87, map[string]int64{
		"total": 3, "total@2026-12": 3, "country=DE": 2, "country=DE@2026-12": 2, "country=PL": 1, "country=PL@2026-12": 1,
	})

	// An accepted interest across the border counts both organisations
	// (de1 only once); a registration while two countries are present
	// counts (cz1 is counted already).
	h.atDay(31)
	h.regCmd("m2", domain.CancelRegistration{RegistrationID: "m2-pl1"})
	h.updateOrg("de2", func(p *domain.OrganisationProfile) { p.Sectors = []string{"25.62"} })
	h.draftOffer("o4", "pl1", "offer", "Tool making", "25.73")
	h.publishOffer("o4")
	h.expressInterest("o2", "i1", "de1")
	h.acceptInterest("o2", "i1")
	h.register("m1", "m1-cz1", "cz1", 1)
	// An exchange visit across the border counts guest and host; one
	// within a country does not.
	h.proposeVisit("v1", "cz2", "de2", 2, 5, "")
	h.proposeVisit("v2", "de1", "de2", 1, 5, "")
	h.proposeVisit("v3", "pl1", "cz1", 1, 5, "")
	h.atDay(32)
	h.runVisit("v1", domain.VisitStatusCompleted)
	h.runVisit("v2", domain.VisitStatusCompleted)
	h.visitCmd("v3", func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.DeclineVisit{}.Decide(v, a, now)
	})
	// Check-in: m1 is attended from two countries once pl1 checks in;
	// m2 only from Germany.
	h.now = start.Add(-2 * time.Hour)
	h.regCmd("m1", domain.CheckInRegistration{RegistrationID: "m1-de1"})
	h.regCmd("m1", domain.CheckInRegistration{RegistrationID: "m1-de2"})
	h.regCmd("m2", domain.CheckInRegistration{RegistrationID: "m2-de1"})
	h.sync()
	if es := h.evidence(projections.IndicatorRCO115); len(es) != 0 {
		t.Errorf("RCO115 before a second country checked in: %+v", es)
	}
	if es := evidenceOf(h.evidence(projections.IndicatorRCO81), "m1-de1"); len(es) != 0 {
		t.Errorf("RCO81 before a second country checked in: %+v", es)
	}
	h.now = start.Add(-time.Hour)
	h.regCmd("m1", domain.CheckInRegistration{RegistrationID: "m1-pl1"})
	h.now = start.Add(time.Hour)
	h.regCmd("m1", domain.MarkNoShow{RegistrationID: "m1-cz1"})
	h.sync()

	es = h.evidence(projections.IndicatorRCO87)
	if got := subjects(es); !slices.Equal(got, []string{"cz1", "cz2", "de1", "de2", "pl1"}) {
		t.Errorf("RCO87 subjects = %v", got)
	}
	accepted := findEvent(h, "offer-o2", "OfferInterestAccepted", "i1")
	visit := findEvent(h, "exchange_visit-v1", "VisitAccepted", "v1")
	for org, want := range map[string][]domain.Position{
		"cz1": {accepted.Position, findEvent(h, "meeting-m1", "MeetingRegistered", "m1-cz1").Position},
		"cz2": {visit.Position},
		"de1": {findEvent(h, "meeting-m1", "MeetingRegistered", "m1-de1").Position, findEvent(h, "meeting-m2", "MeetingRegistered", "m2-de1").Position, accepted.Position},
		"de2": {findEvent(h, "meeting-m1", "MeetingRegistered", "m1-de2").Position, visit.Position},
	} {
		var got []domain.Position
		for _, e := range evidenceOf(es, org) {
			got = append(got, e.Position)
		}
		if !slices.Equal(got, want) {
			t.Errorf("RCO87 evidence of %s at %v, want %v", org, got, want)
		}
	}
	checkCounters(t, h, projections.IndicatorRCO87, map[string]int64{
		"total": 5, "total@2026-12": 5, "country=DE": 2, "country=DE@2026-12": 2, "country=PL": 1, "country=PL@2026-12": 1,
		"country=CZ": 2, "country=CZ@2026-12": 2,
	})

	es = h.evidence(projections.IndicatorRCO115)
	checkIn := findEvent(h, "meeting-m1", "RegistrationCheckedIn", "m1-pl1")
	if len(es) != 1 || es[0].Subject != "m1" || es[0].Position != checkIn.Position || es[0].Country != "DE" || es[0].Month != "2026-12" {
		t.Errorf("RCO115 evidence = %+v, want m1 at %s", es, checkIn.Position)
	}
	checkCounters(t, h, projections.IndicatorRCO115, map[string]int64{
		"total": 1, "total@2026-12": 1, "country=DE": 1, "country=DE@2026-12": 1,
	})

	es = h.evidence(projections.IndicatorRCO81)
	if got := subjects(es); !slices.Equal(got, []string{"m1-de1", "m1-de2", "m1-pl1", "v1/0", "v1/1"}) {
		t.Errorf("RCO81 subjects = %v", got)
	}
	for _, reg := range []string{"m1-de1", "m1-de2", "m1-pl1"} {
		ci := findEvent(h, "meeting-m1", "RegistrationCheckedIn", reg)
		if e := evidenceOf(es, reg); len(e) != 1 || e[0].Position != ci.Position || e[0].Type != "RegistrationCheckedIn" {
			t.Errorf("RCO81 evidence of %s = %+v, want its check-in at %s", reg, e, ci.Position)
		}
	}
	completed := findEvent(h, "exchange_visit-v1", "VisitCompleted", "v1")
	if e := evidenceOf(es, "v1/1"); len(e) != 1 || e[0].Position != completed.Position || e[0].Country != "CZ" {
		t.Errorf("RCO81 evidence of v1/1 = %+v", e)
	}
	checkCounters(t, h, projections.IndicatorRCO81, map[string]int64{
		"total": 8, "total@2026-12": 8, "country=DE": 3, "country=DE@2026-12": 3, "country=PL": 3, "country=PL@2026-12": 3,
		"country=CZ": 2, "country=CZ@2026-12": 2,
	})

	if got := subjects(h.evidence(projections.IndicatorVisitsCompleted)); !slices.Equal(got, []string{"v1", "v2"}) {
		t.Errorf("visits_completed subjects = %v", got)
	}
	checkCounters(t, h, projections.IndicatorVisitsCompleted, map[string]int64{
		"total": 2, "total@2026-12": 2, "country=CZ": 1, "country=CZ@2026-12": 1, "country=DE": 1, "country=DE@2026-12": 1,
	})

	// Dashboard counters. de2 moved from section J to C.
	checkCounters(t, h, projections.MetricOrganisations, map[string]int64{
		"total": 5, "country=DE": 2, "country=PL": 1, "country=CZ": 2,
		"nuts=DED2": 2, "nuts=PL51": 1, "nuts=CZ05": 1, "nuts=CZ04": 1,
		"section=C": 4, "section=J": 1, "section=P": 1,
		"total@2026-11": 4, "country=DE@2026-11": 2, "country=PL@2026-11": 1, "country=CZ@2026-11": 1,
		"nuts=DED2@2026-11": 2, "nuts=PL51@2026-11": 1, "nuts=CZ05@2026-11": 1,
		"section=C@2026-11": 4, "section=J@2026-11": 1,
		"total@2026-12": 1, "country=CZ@2026-12": 1, "nuts=CZ04@2026-12": 1, "section=P@2026-12": 1,
	})
	checkCounters(t, h, projections.MetricOffers, map[string]int64{
		"total": 3, "kind=offer": 2, "kind=request": 1, "country=DE": 1, "country=CZ": 1, "country=PL": 1, "section=C": 2, "section=J": 1,
		"total@2026-11": 2, "kind=offer@2026-11": 1, "kind=request@2026-11": 1, "country=DE@2026-11": 1, "country=CZ@2026-11": 1,
		"section=C@2026-11": 1, "section=J@2026-11": 1,
		"total@2026-12": 1, "kind=offer@2026-12": 1, "country=PL@2026-12": 1, "section=C@2026-12": 1,
	})
	// Active: m1-de1, m1-de2, m1-pl1 (checked in), m2-de1 (checked in);
	// m2-pl1 was cancelled, m1-cz1 did not show up.
	checkCounters(t, h, projections.MetricRegistrations, map[string]int64{
		"total": 4, "country=DE": 3, "country=PL": 1,
		"total@2026-11": 3, "country=DE@2026-11": 3,
		"total@2026-12": 1, "country=PL@2026-12": 1,
	})
	checkCounters(t, h, projections.MetricExchangeVisits, map[string]int64{
		"total": 3, "type=staff_exchange": 3, "country=CZ": 1, "country=DE": 1, "country=PL": 1,
		"total@2026-12": 3, "type=staff_exchange@2026-12": 3, "country=CZ@2026-12": 1, "country=DE@2026-12": 1, "country=PL@2026-12": 1,
		"status=completed": 2, "status=declined": 1,
	})

	h.checkRebuild(1000)
}

// TestProjectionsOnDemoNetwork runs the document projections over the
// demo network (every kind of event, in realistic numbers) and compares
// them with the aggregates' own states; then rebuilds them and compares
// the rebuilt read models with the live ones.
func TestProjectionsOnDemoNetwork(t *testing.T) {
	h := newHarness(t, projections.NewRosters(), projections.NewVisits(), projections.NewTimeline(), projections.NewStats())
	h.batch = 97
	sum, err := demo.Seed(h.ctx, h.cmds, time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	h.sync()

	evs, err := h.events.ReadAll(h.ctx, domain.Start, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	meetings, visits, orgs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, ev := range evs {
		if id, ok := strings.CutPrefix(ev.StreamID, "meeting-"); ok {
			meetings[id] = true
		}
		if id, ok := strings.CutPrefix(ev.StreamID, "exchange_visit-"); ok {
			visits[id] = true
		}
		if id, ok := strings.CutPrefix(ev.StreamID, "organisation-"); ok {
			orgs[id] = true
		}
	}
	if len(meetings) != sum.Meetings || len(visits) != sum.Visits {
		t.Fatalf("%d meetings, %d visits in the log; the demo made %d, %d", len(meetings), len(visits), sum.Meetings, sum.Visits)
	}

	active := map[string]int64{}
	for id := range meetings {
		checkRosterMatchesDomain(h, id)
		m, _, err := domain.Load(h.ctx, h.events, domain.MeetingKind, id, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range m.Registrations {
			if r.Active() {
				active["total"]++
			}
		}
	}
	if got := h.counters(projections.MetricRegistrations)["total"]; got != active["total"] {
		t.Errorf("registrations counter = %d, the meetings have %d active registrations", got, active["total"])
	}

	statuses := map[string]int64{}
	for id := range visits {
		v, _, err := domain.Load(h.ctx, h.events, domain.ExchangeVisitKind, id, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		statuses["status="+v.Status]++
		o := docAs[projections.VisitOverview](h, projections.VisitCollection, id)
		if o.Status != v.Status || o.GuestOrgID != v.Proposal.GuestOrgID || o.Participants != len(v.Proposal.Participants) || o.GuestName == "" || o.HostName == "" {
			t.Errorf("visit %s: overview %+v, aggregate %s", id, o, v.Status)
		}
	}
	vc := h.counters(projections.MetricExchangeVisits)
	for k, n := range statuses {
		if vc[k] != n {
			t.Errorf("exchange_visits %s = %d, the aggregates say %d", k, vc[k], n)
		}
	}
	if got := h.counters(projections.MetricOrganisations)["total"]; got != int64(len(orgs)) {
		t.Errorf("organisations counter = %d, the log has %d", got, len(orgs))
	}
	if n := len(listAs[projections.TimelineEntry](h, projections.TimelineCollection, "org:"+slices.Sorted(maps.Keys(orgs))[0])); n == 0 {
		t.Errorf("an organisation of the demo has an empty timeline")
	}
	for _, ind := range []string{projections.IndicatorRCO87, projections.IndicatorRCO81, projections.IndicatorRCO115, projections.IndicatorVisitsCompleted} {
		es := h.evidence(ind)
		total := h.counters(ind)["total"]
		t.Logf("%s: %d, from %d pieces of evidence", ind, total, len(es))
		if ind != projections.IndicatorRCO81 && total != int64(len(subjects(es))) {
			t.Errorf("%s counts %d, its evidence has %d subjects", ind, total, len(subjects(es)))
		}
		if ind != projections.IndicatorRCO115 && total == 0 {
			t.Errorf("%s is 0 on the demo network", ind)
		}
	}

	// The same log applied to a store that keeps only JSON, as PostgreSQL
	// does, gives the same read models.
	js := memory.New()
	defer js.Close()
	hj := h.withReads(jsonStore{js})
	hj.batch = 13
	hj.sync()
	for _, p := range h.projs {
		a, b := h.dump(p.Name()), hj.dump(p.Name())
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("%s: %d lines from values, %d from JSON; they differ", p.Name(), len(a), len(b))
		}
	}

	h.checkRebuild(500)
}
