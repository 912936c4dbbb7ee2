package projections_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// rosterIDs returns the registration ids of a roster list, in order.
func rosterIDs(l []projections.RosterEntry) []string {
	ids := []string{}
	for _, x := range l {
		ids = append(ids, x.RegistrationID)
	}
	return ids
}

// checkList fails the test unless list name of roster id holds want.
func checkList(t *testing.T, id, name string, got []projections.RosterEntry, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if ids := rosterIDs(got); !slices.Equal(ids, want) {
		t.Errorf("meeting %s: %s = %v, want %v", id, name, ids, want)
	}
}

// checkRosterMatchesDomain compares roster id with the state of the
// meeting aggregate: the same registrations in the same lists, the same
// seats taken and waitlist order.
func checkRosterMatchesDomain(h *harness, id string) projections.MeetingRoster {
	h.t.Helper()
	m, _, err := domain.Load(h.ctx, h.events, domain.MeetingKind, id, time.Time{})
	if err != nil {
		h.t.Fatal(err)
	}
	r := docAs[projections.MeetingRoster](h, projections.RosterCollection, id)
	byStatus := map[string][]string{}
	for _, x := range m.Registrations {
		byStatus[x.Status] = append(byStatus[x.Status], x.ID)
	}
	lists := map[string][]projections.RosterEntry{
		domain.RegistrationStatusRegistered: r.Registered, domain.RegistrationStatusPending: r.PendingApproval,
		domain.RegistrationStatusCheckedIn: r.CheckedIn, domain.RegistrationStatusNoShow: r.NoShows,
		domain.RegistrationStatusCancelled: r.Cancelled, domain.RegistrationStatusRejected: r.Rejected,
	}
	for status, l := range lists {
		got, want := rosterIDs(l), byStatus[status]
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
			h.t.Errorf("meeting %s: %s = %v, the aggregate has %v", id, status, got, want)
		}
	}
	var waitlist []string
	for _, x := range m.Waitlist() {
		waitlist = append(waitlist, x.ID)
	}
	if got := rosterIDs(r.Waitlist); !slices.Equal(got, waitlist) && len(waitlist) > 0 {
		h.t.Errorf("meeting %s: waitlist = %v, the aggregate has %v", id, got, waitlist)
	}
	if r.SeatsTaken != m.SeatsTaken() || r.Capacity != m.Capacity || r.Status != m.Status {
		h.t.Errorf("meeting %s: seats %d/%d %s, the aggregate has %d/%d %s", id, r.SeatsTaken, r.Capacity, r.Status, m.SeatsTaken(), m.Capacity, m.Status)
	}
	return r
}

func TestRosters(t *testing.T) {
	h := newHarness(t, projections.NewRosters())
	h.registerOrg("de1", "Sächsische Metallbau GmbH", "DE", "DED2D", "25.62")
	h.registerOrg("pl1", "Dolnośląskie Narzędzia Sp. z o.o.", "PL", "PL51", "25")
	h.registerOrg("cz1", "Liberecké strojírny s.r.o.", "CZ", "CZ051", "28")
	h.registerOrg("de2", "Lausitzer Software GmbH", "DE", "DED2C", "62")

	start := harnessStart.AddDate(0, 0, 10)
	h.scheduleMeeting("m1", meetingDetails("Cooperation workshop metal", start, 5, false))
	h.atDay(1)
	for _, r := range []struct {
		reg, org string
		n        int
		want     string
	}{
		{"r-de1", "de1", 2, "registered"},
		{"r-pl1", "pl1", 3, "registered"},
		{"r-cz1", "cz1", 2, "waitlisted"},
		{"r-de2", "de2", 1, "waitlisted"}, // fits, but never overtakes the waitlist
	} {
		if got := h.register("m1", r.reg, r.org, r.n); got != r.want {
			t.Fatalf("%s is %s, want %s", r.reg, got, r.want)
		}
	}
	h.sync()
	r := checkRosterMatchesDomain(h, "m1")
	checkList(t, "m1", "registered", r.Registered, "r-de1", "r-pl1")
	checkList(t, "m1", "waitlist", r.Waitlist, "r-cz1", "r-de2")
	if r.SeatsTaken != 5 || r.Capacity != 5 {
		t.Errorf("seats %d of %d, want 5 of 5", r.SeatsTaken, r.Capacity)
	}
	if want := map[string]int{"DE": 2, "PL": 1, "CZ": 1}; !maps.Equal(r.Countries, want) {
		t.Errorf("countries = %v, want %v", r.Countries, want)
	}
	if x := r.Registered[1]; x.OrgID != "pl1" || x.OrgName != "Dolnośląskie Narzędzia Sp. z o.o." || x.Country != "PL" || x.Participants != 3 || !x.RegisteredAt.Equal(h.now) {
		t.Errorf("entry = %+v", x)
	}
	if r.Waitlist[0].WaitlistSeq != 1 || r.Waitlist[1].WaitlistSeq != 2 {
		t.Errorf("waitlist seqs %d, %d", r.Waitlist[0].WaitlistSeq, r.Waitlist[1].WaitlistSeq)
	}
	if r.Title.EN != "Cooperation workshop metal" || r.Kind != "workshop" || !r.Start.Equal(start) || r.TimeZone != "Europe/Berlin" ||
		r.Status != "scheduled" || r.RequiresApproval || !r.RegistrationDeadline.Equal(start) || !slices.Equal(r.Languages, []string{"de", "pl"}) || r.Version != 5 {
		t.Errorf("roster = %+v", r)
	}

	// Cancelling frees three seats: both waitlisted registrations move up,
	// in waitlist order.
	h.atDay(2)
	h.regCmd("m1", domain.CancelRegistration{RegistrationID: "r-pl1"})
	h.sync()
	r = checkRosterMatchesDomain(h, "m1")
	checkList(t, "m1", "registered", r.Registered, "r-de1", "r-cz1", "r-de2")
	checkList(t, "m1", "waitlist", r.Waitlist)
	checkList(t, "m1", "cancelled", r.Cancelled, "r-pl1")
	if want := map[string]int{"DE": 2, "CZ": 1}; !maps.Equal(r.Countries, want) || r.SeatsTaken != 5 {
		t.Errorf("countries = %v, seats %d; want %v, 5", r.Countries, r.SeatsTaken, want)
	}

	// Check-in opens a day before the start; no-shows once it started.
	h.now = start.Add(-time.Hour)
	h.regCmd("m1", domain.CheckInRegistration{RegistrationID: "r-de1"})
	h.now = start.Add(30 * time.Minute)
	h.regCmd("m1", domain.CheckInRegistration{RegistrationID: "r-de2"})
	h.regCmd("m1", domain.MarkNoShow{RegistrationID: "r-cz1"})
	h.sync()
	r = checkRosterMatchesDomain(h, "m1")
	checkList(t, "m1", "registered", r.Registered)
	checkList(t, "m1", "checked_in", r.CheckedIn, "r-de1", "r-de2")
	checkList(t, "m1", "no_shows", r.NoShows, "r-cz1")
	if want := map[string]int{"DE": 2}; !maps.Equal(r.Countries, want) || !maps.Equal(r.CheckedInCountries, want) {
		t.Errorf("countries = %v, checked in %v; want %v for both", r.Countries, r.CheckedInCountries, want)
	}
	if r.SeatsTaken != 5 { // a no-show keeps its seats
		t.Errorf("seats taken = %d, want 5", r.SeatsTaken)
	}
	if x := r.NoShows[0]; x.Status != "no_show" || !x.StatusChangedAt.Equal(h.now) {
		t.Errorf("no-show entry = %+v", x)
	}

	// A meeting that requires approval.
	h.atDay(3)
	start2 := harnessStart.AddDate(0, 0, 20)
	h.scheduleMeeting("m2", meetingDetails("Matchmaking with approval", start2, 3, true))
	h.register("m2", "a-de1", "de1", 2)
	h.register("m2", "a-pl1", "pl1", 2)
	h.register("m2", "a-cz1", "cz1", 1)
	h.sync()
	r = checkRosterMatchesDomain(h, "m2")
	checkList(t, "m2", "pending_approval", r.PendingApproval, "a-de1", "a-pl1", "a-cz1")
	if r.SeatsTaken != 0 || r.Countries["PL"] != 1 {
		t.Errorf("pending registrations: seats %d, countries %v", r.SeatsTaken, r.Countries)
	}
	h.atDay(4)
	h.regCmd("m2", domain.ApproveRegistration{RegistrationID: "a-de1"})
	h.regCmd("m2", domain.ApproveRegistration{RegistrationID: "a-pl1"}) // only one seat left: waitlisted
	h.regCmd("m2", domain.RejectRegistration{RegistrationID: "a-cz1", Reason: "Project partners first."})
	h.sync()
	r = checkRosterMatchesDomain(h, "m2")
	checkList(t, "m2", "pending_approval", r.PendingApproval)
	checkList(t, "m2", "registered", r.Registered, "a-de1")
	checkList(t, "m2", "waitlist", r.Waitlist, "a-pl1")
	checkList(t, "m2", "rejected", r.Rejected, "a-cz1")
	checkList(t, "m2", "approved", r.Approved, "a-de1", "a-pl1")
	if a := r.Approved; a[0].Status != "registered" || a[1].Status != "waitlisted" || a[1].WaitlistSeq != 1 || !a[1].ApprovedAt.Equal(h.now) {
		t.Errorf("approved = %+v", a)
	}
	if want := map[string]int{"DE": 1, "PL": 1}; !maps.Equal(r.Countries, want) {
		t.Errorf("countries = %v, want %v", r.Countries, want)
	}

	// A renamed organisation is renamed on every roster, which keeps its
	// version; a move to another country moves the counts.
	before := docAs[projections.MeetingRoster](h, projections.RosterCollection, "m1")
	h.updateOrg("pl1", func(p *domain.OrganisationProfile) { p.Name = "Narzędzia Dolnego Śląska S.A." })
	h.updateOrg("de2", func(p *domain.OrganisationProfile) { p.Country, p.NUTS, p.Address.Country = "CZ", "", "CZ" })
	h.sync()
	r = docAs[projections.MeetingRoster](h, projections.RosterCollection, "m1")
	if n := r.Cancelled[0].OrgName; n != "Narzędzia Dolnego Śląska S.A." {
		t.Errorf("m1: pl1 is called %q", n)
	}
	if r.Version != before.Version || !r.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("renaming changed m1's version %d → %d", before.Version, r.Version)
	}
	if want := map[string]int{"DE": 1, "CZ": 1}; !maps.Equal(r.CheckedInCountries, want) {
		t.Errorf("m1: checked in %v, want %v", r.CheckedInCountries, want)
	}
	r = docAs[projections.MeetingRoster](h, projections.RosterCollection, "m2")
	if n := r.Waitlist[0].OrgName; n != "Narzędzia Dolnego Śląska S.A." || r.Approved[1].OrgName != n {
		t.Errorf("m2: pl1 is called %q / %q", n, r.Approved[1].OrgName)
	}

	// Participants are counted, never named.
	for _, id := range []string{"m1", "m2"} {
		b, err := json.Marshal(docAs[projections.MeetingRoster](h, projections.RosterCollection, id))
		if err != nil {
			t.Fatal(err)
		}
		if s := string(b); strings.Contains(s, "Person") || strings.Contains(s, "@") {
			t.Errorf("roster %s holds personal data: %s", id, s)
		}
	}

	// Lists: by organisation, by status; the later start first.
	h.atDay(5)
	h.regCmd("m2", domain.CancelMeeting{Reason: "Room unavailable."})
	h.sync()
	ids := func(key string) []string {
		var out []string
		for _, r := range listAs[projections.MeetingRoster](h, projections.RosterCollection, key) {
			out = append(out, r.ID)
		}
		return out
	}
	for key, want := range map[string][]string{
		"all":              {"m2", "m1"},
		"org:cz1":          {"m2", "m1"},
		"org:de2":          {"m1"},
		"status:scheduled": {"m1"},
		"status:cancelled": {"m2"},
	} {
		if got := ids(key); !slices.Equal(got, want) {
			t.Errorf("list %s = %v, want %v", key, got, want)
		}
	}
	if r := docAs[projections.MeetingRoster](h, projections.RosterCollection, "m2"); r.Status != "cancelled" || r.CancellationReason != "Room unavailable." {
		t.Errorf("m2 is %s (%q)", r.Status, r.CancellationReason)
	}

	h.checkRebuild(100)
}

func TestRostersRaisedCapacityPromotes(t *testing.T) {
	h := newHarness(t, projections.NewRosters())
	h.registerOrg("de1", "Sächsische Metallbau GmbH", "DE", "DED2D", "25.62")
	h.registerOrg("pl1", "Dolnośląskie Narzędzia Sp. z o.o.", "PL", "PL51", "25")
	start := harnessStart.AddDate(0, 0, 10)
	d := meetingDetails("Fair", start, 2, false)
	h.scheduleMeeting("m", d)
	h.register("m", "r1", "de1", 2)
	h.register("m", "r2", "pl1", 2)
	h.sync()
	checkList(t, "m", "waitlist", checkRosterMatchesDomain(h, "m").Waitlist, "r2")
	d.Capacity, d.Title = 10, domain.Text{EN: "Fair in a larger hall"}
	h.regCmd("m", domain.RescheduleMeeting{Details: d})
	h.sync()
	r := checkRosterMatchesDomain(h, "m")
	checkList(t, "m", "registered", r.Registered, "r1", "r2")
	if r.Capacity != 10 || r.SeatsTaken != 4 || r.Title.EN != "Fair in a larger hall" {
		t.Errorf("roster = %+v", r)
	}
}
