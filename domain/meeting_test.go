package domain

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const meetingTestID = "meet-1"

var meetingPartnerC = Actor{ID: "token:c", Role: RolePartner, OrgID: "org-c"}

// meetingTestDetails is a valid cooperation fair a week after testNow, as a
// client might send it: 10 seats, registration closes a day before.
func meetingTestDetails() MeetingDetails {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, berlin)
	return MeetingDetails{
		Title:       Text{DE: "Kooperationsbörse Maschinenbau", PL: "Giełda kooperacyjna budowy maszyn"},
		Description: Text{EN: "B2B meetings of SMEs from Saxony, Lower Silesia and Liberec"},
		Kind:        "cooperation_fair",
		Start:       start, End: start.Add(8 * time.Hour), TimeZone: " Europe/Berlin",
		Place:          &Address{Street: "Am Stadtpark 1", PostalCode: "02826", City: "Görlitz", Country: "de"},
		Languages:      []string{"DE", "pl", "de"},
		Interpretation: []string{"DE-pl", "de-pl", "pl-de"},
		Capacity:       10, RegistrationDeadline: start.Add(-24 * time.Hour),
	}
}

// meetingTestScheduled is the event of meetingTestDetails, changed by mod,
// scheduled two days before testNow.
func meetingTestScheduled(mod func(*MeetingDetails)) MeetingScheduled {
	d := meetingTestDetails()
	if mod != nil {
		mod(&d)
	}
	n, err := d.Normalize()
	if err != nil {
		panic(err)
	}
	return MeetingScheduled{MeetingID: meetingTestID, Details: n, ScheduledAt: testNow.Add(-48 * time.Hour)}
}

// meetingTestAt is a scheduled meeting running from testNow+start to
// testNow+end; registration closes at its start.
func meetingTestAt(start, end time.Duration) MeetingScheduled {
	return meetingTestScheduled(func(d *MeetingDetails) {
		d.Start, d.End, d.RegistrationDeadline = testNow.Add(start), testNow.Add(end), time.Time{}
	})
}

func meetingTestPeople(n int) []Participant {
	ps := make([]Participant, n)
	for i := range ps {
		ps[i] = Participant{Name: "Person " + itoa(i+1)}
	}
	return ps
}

// Registration x is "r-x" of organisation "org-x".

func meetingTestRegistered(x string, n int) MeetingRegistered {
	return MeetingRegistered{MeetingID: meetingTestID, RegistrationID: "r-" + x, OrgID: "org-" + x, Participants: meetingTestPeople(n), RegisteredAt: testNow.Add(-time.Hour)}
}

func meetingTestWaitlisted(x string, n, seq int) RegistrationWaitlisted {
	return RegistrationWaitlisted{MeetingID: meetingTestID, RegistrationID: "r-" + x, OrgID: "org-" + x, Participants: meetingTestPeople(n), WaitlistSeq: seq, WaitlistedAt: testNow.Add(-time.Hour)}
}

func meetingTestRequested(x string, n int) RegistrationRequested {
	return RegistrationRequested{MeetingID: meetingTestID, RegistrationID: "r-" + x, OrgID: "org-" + x, Participants: meetingTestPeople(n), RequestedAt: testNow.Add(-time.Hour)}
}

func meetingTestCancelled(x string) RegistrationCancelled {
	return RegistrationCancelled{MeetingID: meetingTestID, RegistrationID: "r-" + x, OrgID: "org-" + x, CancelledAt: testNow}
}

func meetingTestPromoted(x string) RegistrationPromoted {
	return RegistrationPromoted{MeetingID: meetingTestID, RegistrationID: "r-" + x, OrgID: "org-" + x, PromotedAt: testNow}
}

func meetingTestCheckedIn(x string) RegistrationCheckedIn {
	return RegistrationCheckedIn{MeetingID: meetingTestID, RegistrationID: "r-" + x, OrgID: "org-" + x, CheckedInAt: testNow}
}

// meetingCommand is every meeting command but ScheduleMeeting.
type meetingCommand interface {
	Decide(m Meeting, actor Actor, now time.Time) ([]Payload, error)
}

func meetingDo(c meetingCommand, a Actor) func(Meeting, time.Time) ([]Payload, error) {
	return func(m Meeting, now time.Time) ([]Payload, error) { return c.Decide(m, a, now) }
}

// meetingRegister registers x with n participants for x's own organisation.
func meetingRegister(x string, n int, a Actor) func(Meeting, time.Time) ([]Payload, error) {
	return meetingDo(RegisterForMeeting{RegistrationID: "r-" + x, OrgID: "org-" + x, Participants: meetingTestPeople(n)}, a)
}

func meetingSchedule(d MeetingDetails, a Actor) func(Meeting, time.Time) ([]Payload, error) {
	return func(m Meeting, now time.Time) ([]Payload, error) {
		return ScheduleMeeting{Details: d}.Decide(m, meetingTestID, a, now)
	}
}

func TestMeetingDetailsNormalize(t *testing.T) {
	d, err := meetingTestDetails().Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	if d.Start != want || d.End != want.Add(8*time.Hour) || d.TimeZone != "Europe/Berlin" || d.Place.Country != "DE" ||
		!slices.Equal(d.Languages, []string{"de", "pl"}) || !slices.Equal(d.Interpretation, []string{"de-pl", "pl-de"}) {
		t.Errorf("not normalised: %+v", d)
	}
	if in := meetingTestDetails(); in.Place.Country != "de" {
		t.Errorf("Normalize changed the caller's place: %+v", in.Place)
	}

	online := meetingTestDetails()
	online.Kind, online.Place, online.OnlineURL, online.Description = "online_matchmaking", nil, "https://meet.example.org/b2b", Text{}
	online.TimeZone, online.RegistrationDeadline, online.Interpretation = "Europe/Warsaw", time.Time{}, nil
	if d, err = online.Normalize(); err != nil {
		t.Fatal(err)
	}
	if d.RegistrationDeadline != d.Start || d.Interpretation != nil {
		t.Errorf("deadline %v, start %v, interpretation %v", d.RegistrationDeadline, d.Start, d.Interpretation)
	}
	online.TimeZone = "Europe/Prague"
	if _, err = online.Normalize(); err != nil {
		t.Error(err)
	}

	cases := []struct {
		name   string
		mod    func(*MeetingDetails)
		fields []string
	}{
		{"everything wrong", func(d *MeetingDetails) {
			d.Title, d.Description, d.Kind = Text{}, Text{PL: " "}, "party"
			d.Start, d.End, d.TimeZone = time.Time{}, time.Time{}, "Mars/Olympus"
			d.Place, d.OnlineURL = &Address{Country: "XX"}, "http://example.org"
			d.Languages, d.Interpretation, d.Capacity = []string{"xx"}, []string{"de", "de-de", "de-xx"}, 0
		}, []string{"title", "description.pl", "kind", "start", "end", "time_zone", "place.city", "place.country", "online_url", "languages.0", "interpretation.0", "interpretation.1", "interpretation.2", "capacity"}},
		{"end before start, deadline after start", func(d *MeetingDetails) {
			d.End, d.RegistrationDeadline = d.Start.Add(-time.Minute), d.Start.Add(time.Minute)
		}, []string{"end", "registration_deadline"}},
		{"end equals start", func(d *MeetingDetails) { d.End = d.Start }, []string{"end"}},
		{"no place for a workshop", func(d *MeetingDetails) { d.Kind, d.Place = "workshop", nil }, []string{"place"}},
		{"no link for online matchmaking", func(d *MeetingDetails) { d.Kind, d.Place = "online_matchmaking", nil }, []string{"online_url"}},
		{"link without host", func(d *MeetingDetails) { d.OnlineURL = "https://" }, []string{"online_url"}},
		{"no languages, no time zone", func(d *MeetingDetails) { d.Languages, d.TimeZone = nil, "" }, []string{"languages", "time_zone"}},
		{"local time zone", func(d *MeetingDetails) { d.TimeZone = "Local" }, []string{"time_zone"}},
		{"capacity too large", func(d *MeetingDetails) { d.Capacity = 10001 }, []string{"capacity"}},
		{"title too long", func(d *MeetingDetails) { d.Title = Text{EN: strings.Repeat("x", 201)} }, []string{"title.en"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := meetingTestDetails()
			c.mod(&d)
			_, err := d.Normalize()
			var es ValidationErrors
			if !errors.As(err, &es) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ValidationErrors", err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.Field)
			}
			for _, f := range c.fields {
				if !slices.Contains(got, f) {
					t.Errorf("no error for %s in %v", f, err)
				}
			}
		})
	}
}

func TestMeetingSchedule(t *testing.T) {
	norm, _ := meetingTestDetails().Normalize()
	past := meetingTestDetails()
	past.Start, past.RegistrationDeadline = testNow.Add(-time.Minute), time.Time{}
	lateDeadline := meetingTestDetails()
	lateDeadline.RegistrationDeadline = testNow.Add(-time.Minute)
	runScenarios(t, MeetingKind, []scenario[Meeting]{
		{name: "coordinator schedules", when: meetingSchedule(meetingTestDetails(), coordinator),
			then: []Payload{MeetingScheduled{MeetingID: meetingTestID, Details: norm, ScheduledAt: testNow}}},
		{name: "admin schedules", when: meetingSchedule(meetingTestDetails(), admin),
			then: []Payload{MeetingScheduled{MeetingID: meetingTestID, Details: norm, ScheduledAt: testNow}}},
		{name: "partner may not schedule", when: meetingSchedule(meetingTestDetails(), partnerA), err: ErrForbidden},
		{name: "auditor may not schedule", when: meetingSchedule(meetingTestDetails(), Actor{ID: "token:audit", Role: RoleAuditor}), err: ErrForbidden},
		{name: "scheduled twice", given: []Payload{meetingTestScheduled(nil)}, when: meetingSchedule(meetingTestDetails(), admin), err: ErrInvalidState},
		{name: "invalid details", when: meetingSchedule(MeetingDetails{}, admin), err: ErrInvalid},
		{name: "start in the past", when: meetingSchedule(past, admin), err: ErrInvalid},
		{name: "deadline in the past", when: meetingSchedule(lateDeadline, admin), err: ErrInvalid},
	})
}

func TestMeetingRescheduleAndCancel(t *testing.T) {
	sched := meetingTestScheduled(nil)
	renamed := meetingTestDetails()
	renamed.Title = Text{EN: "Cooperation fair mechanical engineering"}
	renamedNorm, _ := renamed.Normalize()
	withCapacity := func(n int) MeetingDetails {
		d := meetingTestDetails()
		d.Capacity = n
		return d
	}
	capNorm := func(n int) MeetingDetails { d, _ := withCapacity(n).Normalize(); return d }
	moved := meetingTestDetails()
	moved.Start, moved.RegistrationDeadline = testNow.Add(-time.Hour), time.Time{}
	// Registration closed an hour ago, the meeting starts in two hours.
	closed := meetingTestScheduled(func(d *MeetingDetails) {
		d.Start, d.End, d.RegistrationDeadline = testNow.Add(2*time.Hour), testNow.Add(5*time.Hour), testNow.Add(-time.Hour)
	})
	closedRenamed := closed.Details
	closedRenamed.Title = renamed.Title
	ended := meetingTestAt(-10*time.Hour, -2*time.Hour)
	cancelled := MeetingCancelled{MeetingID: meetingTestID, Reason: "Venue unavailable", CancelledAt: testNow}
	full := []Payload{sched, meetingTestRegistered("a", 6), meetingTestRegistered("b", 2)}
	waiting := []Payload{sched, meetingTestRegistered("a", 10), meetingTestWaitlisted("b", 3, 1), meetingTestWaitlisted("c", 4, 2), meetingTestWaitlisted("d", 5, 3)}
	runScenarios(t, MeetingKind, []scenario[Meeting]{
		{name: "coordinator reschedules", given: []Payload{sched}, when: meetingDo(RescheduleMeeting{Details: renamed}, coordinator),
			then: []Payload{MeetingRescheduled{MeetingID: meetingTestID, Details: renamedNorm, RescheduledAt: testNow}}},
		{name: "admin reschedules", given: []Payload{sched}, when: meetingDo(RescheduleMeeting{Details: renamed}, admin),
			then: []Payload{MeetingRescheduled{MeetingID: meetingTestID, Details: renamedNorm, RescheduledAt: testNow}}},
		{name: "partner may not reschedule", given: []Payload{sched}, when: meetingDo(RescheduleMeeting{Details: renamed}, partnerA), err: ErrForbidden},
		{name: "reschedule unknown", when: meetingDo(RescheduleMeeting{Details: renamed}, admin), err: ErrNotFound},
		{name: "reschedule cancelled", given: []Payload{sched, cancelled}, when: meetingDo(RescheduleMeeting{Details: renamed}, admin), err: ErrInvalidState},
		{name: "reschedule invalid", given: []Payload{sched}, when: meetingDo(RescheduleMeeting{Details: MeetingDetails{}}, admin), err: ErrInvalid},
		{name: "move start into the past", given: []Payload{sched}, when: meetingDo(RescheduleMeeting{Details: moved}, admin), err: ErrInvalid},
		{name: "unchanged past deadline may stay", given: []Payload{closed}, when: meetingDo(RescheduleMeeting{Details: closedRenamed}, admin),
			then: []Payload{MeetingRescheduled{MeetingID: meetingTestID, Details: closedRenamed, RescheduledAt: testNow}}},
		{name: "reduce capacity to seats taken", given: full, when: meetingDo(RescheduleMeeting{Details: withCapacity(8)}, admin),
			then: []Payload{MeetingRescheduled{MeetingID: meetingTestID, Details: capNorm(8), RescheduledAt: testNow}}},
		{name: "reduce capacity below seats taken", given: full, when: meetingDo(RescheduleMeeting{Details: withCapacity(7)}, admin), err: ErrInvalidState},
		{name: "reduce capacity below a waitlisted registration", given: []Payload{sched, meetingTestRegistered("a", 2), meetingTestWaitlisted("b", 9, 1)},
			when: meetingDo(RescheduleMeeting{Details: withCapacity(8)}, admin), err: ErrInvalidState},
		{name: "reduce capacity below a pending registration", given: []Payload{meetingTestScheduled(func(d *MeetingDetails) { d.RequiresApproval = true }), meetingTestRequested("a", 3)},
			when: meetingDo(RescheduleMeeting{Details: withCapacity(2)}, admin), err: ErrInvalidState},
		{name: "checked-in and no-show seats count", given: []Payload{sched, meetingTestRegistered("a", 3), meetingTestRegistered("b", 3), meetingTestCheckedIn("a"),
			RegistrationMarkedNoShow{MeetingID: meetingTestID, RegistrationID: "r-b", OrgID: "org-b", MarkedAt: testNow}},
			when: meetingDo(RescheduleMeeting{Details: withCapacity(5)}, admin), err: ErrInvalidState},
		{name: "raising capacity promotes in waitlist order", given: waiting, when: meetingDo(RescheduleMeeting{Details: withCapacity(18)}, admin),
			then: []Payload{MeetingRescheduled{MeetingID: meetingTestID, Details: capNorm(18), RescheduledAt: testNow}, meetingTestPromoted("b"), meetingTestPromoted("c")}},
		{name: "raising capacity too little promotes nobody", given: waiting, when: meetingDo(RescheduleMeeting{Details: withCapacity(12)}, admin),
			then: []Payload{MeetingRescheduled{MeetingID: meetingTestID, Details: capNorm(12), RescheduledAt: testNow}}},

		{name: "coordinator cancels", given: []Payload{sched}, when: meetingDo(CancelMeeting{Reason: "Venue unavailable"}, coordinator), then: []Payload{cancelled}},
		{name: "admin cancels", given: []Payload{sched}, when: meetingDo(CancelMeeting{Reason: "Venue unavailable"}, admin), then: []Payload{cancelled}},
		{name: "partner may not cancel a meeting", given: []Payload{sched}, when: meetingDo(CancelMeeting{}, partnerA), err: ErrForbidden},
		{name: "cancel unknown", when: meetingDo(CancelMeeting{}, admin), err: ErrNotFound},
		{name: "cancel twice", given: []Payload{sched, cancelled}, when: meetingDo(CancelMeeting{}, admin), err: ErrInvalidState},
		{name: "cancel after the end", given: []Payload{ended}, when: meetingDo(CancelMeeting{}, admin), err: ErrInvalidState},
		{name: "cancel with a too long reason", given: []Payload{sched}, when: meetingDo(CancelMeeting{Reason: strings.Repeat("x", 1001)}, admin), err: ErrInvalid},
	})

	var m Meeting
	for _, p := range full {
		m = MeetingKind.Evolve(m, p)
	}
	_, err := RescheduleMeeting{Details: withCapacity(7)}.Decide(m, admin, testNow)
	if err == nil || !strings.Contains(err.Error(), "capacity 7") || !strings.Contains(err.Error(), "8 seats") {
		t.Errorf("err = %v, want it to name capacity 7 and 8 seats", err)
	}
}

func TestMeetingRegister(t *testing.T) {
	sched := meetingTestScheduled(nil)
	approval := meetingTestScheduled(func(d *MeetingDetails) { d.RequiresApproval = true })
	// Registration closes a minute before testNow; another one exactly at testNow.
	late := meetingTestScheduled(func(d *MeetingDetails) { d.RegistrationDeadline = testNow.Add(-time.Minute) })
	lastMinute := meetingTestScheduled(func(d *MeetingDetails) { d.RegistrationDeadline = testNow })
	cancelled := MeetingCancelled{MeetingID: meetingTestID, CancelledAt: testNow.Add(-time.Minute)}
	registered := func(x string, n int) MeetingRegistered {
		e := meetingTestRegistered(x, n)
		e.RegisteredAt = testNow
		return e
	}
	waitlisted := func(x string, n, seq int) RegistrationWaitlisted {
		e := meetingTestWaitlisted(x, n, seq)
		e.WaitlistedAt = testNow
		return e
	}
	requested := meetingTestRequested("a", 2)
	requested.RequestedAt = testNow
	runScenarios(t, MeetingKind, []scenario[Meeting]{
		{name: "partner registers its organisation", given: []Payload{sched},
			when: meetingDo(RegisterForMeeting{RegistrationID: "r-a", OrgID: "org-a", Participants: []Participant{{Name: " Person 1 ", Email: " "}, {Name: "Person 2"}}}, partnerA),
			then: []Payload{registered("a", 2)}},
		{name: "coordinator registers another organisation", given: []Payload{sched}, when: meetingRegister("b", 2, coordinator), then: []Payload{registered("b", 2)}},
		{name: "admin registers another organisation", given: []Payload{sched}, when: meetingRegister("b", 2, admin), then: []Payload{registered("b", 2)}},
		{name: "partner may not register another organisation", given: []Payload{sched}, when: meetingRegister("b", 2, partnerA), err: ErrForbidden},
		{name: "other partner may not register org-a", given: []Payload{sched}, when: meetingRegister("a", 2, partnerB), err: ErrForbidden},
		{name: "register for unknown meeting", when: meetingRegister("a", 2, partnerA), err: ErrNotFound},
		{name: "register for a cancelled meeting", given: []Payload{sched, cancelled}, when: meetingRegister("a", 2, partnerA), err: ErrInvalidState},
		{name: "register after the deadline", given: []Payload{late}, when: meetingRegister("a", 2, partnerA), err: ErrInvalidState},
		{name: "staff may not register after the deadline either", given: []Payload{late}, when: meetingRegister("a", 2, admin), err: ErrInvalidState},
		{name: "register at the deadline", given: []Payload{lastMinute}, when: meetingRegister("a", 2, partnerA), then: []Payload{registered("a", 2)}},
		{name: "register twice", given: []Payload{sched, meetingTestRegistered("a", 1)}, when: meetingDo(RegisterForMeeting{RegistrationID: "r-a2", OrgID: "org-a", Participants: meetingTestPeople(1)}, partnerA), err: ErrInvalidState},
		{name: "register while waitlisted", given: []Payload{sched, meetingTestRegistered("b", 10), meetingTestWaitlisted("a", 1, 1)}, when: meetingDo(RegisterForMeeting{RegistrationID: "r-a2", OrgID: "org-a", Participants: meetingTestPeople(1)}, admin), err: ErrInvalidState},
		{name: "register while pending", given: []Payload{approval, meetingTestRequested("a", 1)}, when: meetingDo(RegisterForMeeting{RegistrationID: "r-a2", OrgID: "org-a", Participants: meetingTestPeople(1)}, coordinator), err: ErrInvalidState},
		{name: "register again after cancelling", given: []Payload{sched, meetingTestRegistered("a", 1), meetingTestCancelled("a")},
			when: meetingDo(RegisterForMeeting{RegistrationID: "r-a2", OrgID: "org-a", Participants: meetingTestPeople(1)}, partnerA),
			then: []Payload{MeetingRegistered{MeetingID: meetingTestID, RegistrationID: "r-a2", OrgID: "org-a", Participants: meetingTestPeople(1), RegisteredAt: testNow}}},
		{name: "registration id taken", given: []Payload{sched, meetingTestRegistered("b", 1)}, when: meetingDo(RegisterForMeeting{RegistrationID: "r-b", OrgID: "org-a", Participants: meetingTestPeople(1)}, partnerA), err: ErrInvalidState},
		{name: "no participants", given: []Payload{sched}, when: meetingRegister("a", 0, partnerA), err: ErrInvalid},
		{name: "21 participants", given: []Payload{meetingTestScheduled(func(d *MeetingDetails) { d.Capacity = 100 })}, when: meetingRegister("a", 21, partnerA), err: ErrInvalid},
		{name: "more participants than seats", given: []Payload{sched}, when: meetingRegister("a", 11, partnerA), err: ErrInvalid},
		{name: "participant without name", given: []Payload{sched}, when: meetingDo(RegisterForMeeting{RegistrationID: "r-a", OrgID: "org-a", Participants: []Participant{{Email: "x@example.com"}}}, partnerA), err: ErrInvalid},
		{name: "participant with bad e-mail", given: []Payload{sched}, when: meetingDo(RegisterForMeeting{RegistrationID: "r-a", OrgID: "org-a", Participants: []Participant{{Name: "X", Email: "x at example"}}}, partnerA), err: ErrInvalid},
		{name: "no registration id", given: []Payload{sched}, when: meetingDo(RegisterForMeeting{OrgID: "org-a", Participants: meetingTestPeople(1)}, partnerA), err: ErrInvalid},
		{name: "fills the last seats", given: []Payload{sched, meetingTestRegistered("b", 7)}, when: meetingRegister("a", 3, partnerA), then: []Payload{registered("a", 3)}},
		{name: "waitlisted when it does not fit", given: []Payload{sched, meetingTestRegistered("b", 8)}, when: meetingRegister("a", 3, partnerA), then: []Payload{waitlisted("a", 3, 1)}},
		{name: "joins the end of the waitlist", given: []Payload{sched, meetingTestRegistered("b", 8), meetingTestWaitlisted("c", 5, 1), meetingTestWaitlisted("d", 4, 2)},
			when: meetingRegister("a", 3, partnerA), then: []Payload{waitlisted("a", 3, 3)}},
		{name: "does not overtake the waitlist even if it fits", given: []Payload{sched, meetingTestRegistered("b", 8), meetingTestWaitlisted("c", 5, 1)},
			when: meetingRegister("a", 1, partnerA), then: []Payload{waitlisted("a", 1, 2)}},
		{name: "pending when approval is required", given: []Payload{approval}, when: meetingRegister("a", 2, partnerA), then: []Payload{requested}},
	})
}

func TestMeetingApproval(t *testing.T) {
	approval := meetingTestScheduled(func(d *MeetingDetails) { d.RequiresApproval = true })
	pending := []Payload{approval, meetingTestRequested("a", 3)}
	approve := func(a Actor) func(Meeting, time.Time) ([]Payload, error) {
		return meetingDo(ApproveRegistration{RegistrationID: "r-a"}, a)
	}
	approved := func(status string, seq int) RegistrationApproved {
		return RegistrationApproved{MeetingID: meetingTestID, RegistrationID: "r-a", OrgID: "org-a", Status: status, WaitlistSeq: seq, ApprovedAt: testNow}
	}
	rejected := RegistrationRejected{MeetingID: meetingTestID, RegistrationID: "r-a", OrgID: "org-a", Reason: "Not in the programme area", RejectedAt: testNow}
	reject := func(a Actor) func(Meeting, time.Time) ([]Payload, error) {
		return meetingDo(RejectRegistration{RegistrationID: "r-a", Reason: "Not in the programme area"}, a)
	}
	cancelled := MeetingCancelled{MeetingID: meetingTestID, CancelledAt: testNow.Add(-time.Minute)}
	runScenarios(t, MeetingKind, []scenario[Meeting]{
		{name: "coordinator approves", given: pending, when: approve(coordinator), then: []Payload{approved(RegistrationStatusRegistered, 0)}},
		{name: "admin approves", given: pending, when: approve(admin), then: []Payload{approved(RegistrationStatusRegistered, 0)}},
		{name: "approved after the deadline", given: []Payload{meetingTestScheduled(func(d *MeetingDetails) {
			d.RequiresApproval, d.RegistrationDeadline = true, testNow.Add(-time.Minute)
		}), meetingTestRequested("a", 3)}, when: approve(admin), then: []Payload{approved(RegistrationStatusRegistered, 0)}},
		{name: "approved onto the waitlist when it does not fit", given: []Payload{approval, meetingTestRegistered("b", 8), meetingTestRequested("a", 3)},
			when: approve(admin), then: []Payload{approved(RegistrationStatusWaitlisted, 1)}},
		{name: "approved behind those waiting even if it fits", given: []Payload{approval, meetingTestRegistered("b", 6), meetingTestWaitlisted("c", 5, 1), meetingTestRequested("a", 3)},
			when: approve(admin), then: []Payload{approved(RegistrationStatusWaitlisted, 2)}},
		{name: "partner may not approve its own registration", given: pending, when: approve(partnerA), err: ErrForbidden},
		{name: "other partner may not approve", given: pending, when: approve(partnerB), err: ErrForbidden},
		{name: "approve unknown registration", given: []Payload{approval}, when: approve(admin), err: ErrNotFound},
		{name: "approve unknown meeting", when: approve(admin), err: ErrNotFound},
		{name: "approve twice", given: append(pending, approved(RegistrationStatusRegistered, 0)), when: approve(admin), err: ErrInvalidState},
		{name: "approve on a cancelled meeting", given: append(pending, cancelled), when: approve(admin), err: ErrInvalidState},
		{name: "approve a rejected registration", given: append(pending, rejected), when: approve(admin), err: ErrInvalidState},

		{name: "coordinator rejects", given: pending, when: reject(coordinator), then: []Payload{rejected}},
		{name: "admin rejects", given: pending, when: reject(admin), then: []Payload{rejected}},
		{name: "partner may not reject", given: pending, when: reject(partnerA), err: ErrForbidden},
		{name: "reject a registered one", given: append(pending, approved(RegistrationStatusRegistered, 0)), when: reject(admin), err: ErrInvalidState},
		{name: "reject on a cancelled meeting", given: append(pending, cancelled), when: reject(admin), err: ErrInvalidState},
		{name: "reject with a too long reason", given: pending, when: meetingDo(RejectRegistration{RegistrationID: "r-a", Reason: strings.Repeat("x", 1001)}, admin), err: ErrInvalid},
		{name: "rejected organisation may register again", given: append(pending, rejected),
			when: meetingDo(RegisterForMeeting{RegistrationID: "r-a2", OrgID: "org-a", Participants: meetingTestPeople(1)}, partnerA),
			then: []Payload{RegistrationRequested{MeetingID: meetingTestID, RegistrationID: "r-a2", OrgID: "org-a", Participants: meetingTestPeople(1), RequestedAt: testNow}}},
	})
}

func TestMeetingCancelRegistration(t *testing.T) {
	sched := meetingTestScheduled(nil)
	cancel := func(x string, a Actor) func(Meeting, time.Time) ([]Payload, error) {
		return meetingDo(CancelRegistration{RegistrationID: "r-" + x}, a)
	}
	// Capacity 10: a (6) and b (4) hold every seat; c (3), d (2) and e (4)
	// wait in this order.
	queue := []Payload{sched, meetingTestRegistered("a", 6), meetingTestRegistered("b", 4),
		meetingTestWaitlisted("c", 3, 1), meetingTestWaitlisted("d", 2, 2), meetingTestWaitlisted("e", 4, 3)}
	// Capacity 10: a (3) and b (7) hold every seat; c (5) waits ahead of d (2).
	blocked := []Payload{sched, meetingTestRegistered("a", 3), meetingTestRegistered("b", 7),
		meetingTestWaitlisted("c", 5, 1), meetingTestWaitlisted("d", 2, 2)}
	// Waitlist order is by sequence, not by registration order: p asked
	// first but was approved onto the waitlist after w joined it.
	approval := meetingTestScheduled(func(d *MeetingDetails) { d.RequiresApproval = true })
	reordered := []Payload{approval, meetingTestRequested("p", 2), meetingTestRegistered("a", 10), meetingTestWaitlisted("w", 2, 1),
		RegistrationApproved{MeetingID: meetingTestID, RegistrationID: "r-p", OrgID: "org-p", Status: RegistrationStatusWaitlisted, WaitlistSeq: 2, ApprovedAt: testNow.Add(-time.Minute)}}
	runScenarios(t, MeetingKind, []scenario[Meeting]{
		{name: "partner cancels its registration", given: []Payload{sched, meetingTestRegistered("a", 2)}, when: cancel("a", partnerA), then: []Payload{meetingTestCancelled("a")}},
		{name: "coordinator cancels a registration", given: []Payload{sched, meetingTestRegistered("a", 2)}, when: cancel("a", coordinator), then: []Payload{meetingTestCancelled("a")}},
		{name: "admin cancels a registration", given: []Payload{sched, meetingTestRegistered("a", 2)}, when: cancel("a", admin), then: []Payload{meetingTestCancelled("a")}},
		{name: "other partner may not cancel", given: []Payload{sched, meetingTestRegistered("a", 2)}, when: cancel("a", partnerB), err: ErrForbidden},
		{name: "cancel a pending registration", given: []Payload{approval, meetingTestRequested("a", 2)}, when: cancel("a", partnerA), then: []Payload{meetingTestCancelled("a")}},
		{name: "cancel a waitlisted registration", given: queue, when: cancel("d", Actor{ID: "token:d", Role: RolePartner, OrgID: "org-d"}), then: []Payload{meetingTestCancelled("d")}},
		{name: "cancel unknown registration", given: []Payload{sched}, when: cancel("a", partnerA), err: ErrNotFound},
		{name: "cancel on unknown meeting", when: cancel("a", partnerA), err: ErrNotFound},
		{name: "cancel twice", given: []Payload{sched, meetingTestRegistered("a", 2), meetingTestCancelled("a")}, when: cancel("a", partnerA), err: ErrInvalidState},
		{name: "cancel a checked-in registration", given: []Payload{meetingTestAt(time.Hour, 5*time.Hour), meetingTestRegistered("a", 2), meetingTestCheckedIn("a")}, when: cancel("a", admin), err: ErrInvalidState},
		{name: "cancel on a cancelled meeting", given: []Payload{sched, meetingTestRegistered("a", 2), MeetingCancelled{MeetingID: meetingTestID, CancelledAt: testNow}}, when: cancel("a", partnerA), err: ErrInvalidState},
		{name: "cancel after the meeting ended", given: []Payload{meetingTestAt(-10*time.Hour, -2*time.Hour), meetingTestRegistered("a", 2)}, when: cancel("a", admin), err: ErrInvalidState},
		{name: "freed seats promote in waitlist order", given: queue, when: cancel("a", partnerA),
			then: []Payload{meetingTestCancelled("a"), meetingTestPromoted("c"), meetingTestPromoted("d")}},
		{name: "head of line: a smaller registration does not overtake", given: blocked, when: cancel("a", partnerA),
			then: []Payload{meetingTestCancelled("a")}},
		{name: "cancelling the blocking head promotes the next", given: append(slices.Clone(blocked), meetingTestCancelled("a")), when: cancel("c", admin),
			then: []Payload{meetingTestCancelled("c"), meetingTestPromoted("d")}},
		{name: "promotion follows the waitlist sequence", given: reordered, when: cancel("a", admin),
			then: []Payload{meetingTestCancelled("a"), meetingTestPromoted("w"), meetingTestPromoted("p")}},
	})
}

func TestMeetingCheckInAndNoShow(t *testing.T) {
	// The meeting starts in two hours and lasts until ten hours from now.
	soon := meetingTestAt(2*time.Hour, 10*time.Hour)
	reg := []Payload{soon, meetingTestRegistered("a", 2)}
	running := []Payload{meetingTestAt(-time.Hour, 5*time.Hour), meetingTestRegistered("a", 2)}
	checkIn := func(a Actor) func(Meeting, time.Time) ([]Payload, error) {
		return meetingDo(CheckInRegistration{RegistrationID: "r-a"}, a)
	}
	noShow := func(a Actor) func(Meeting, time.Time) ([]Payload, error) {
		return meetingDo(MarkNoShow{RegistrationID: "r-a"}, a)
	}
	marked := RegistrationMarkedNoShow{MeetingID: meetingTestID, RegistrationID: "r-a", OrgID: "org-a", MarkedAt: testNow}
	runScenarios(t, MeetingKind, []scenario[Meeting]{
		{name: "coordinator checks in", given: reg, when: checkIn(coordinator), then: []Payload{meetingTestCheckedIn("a")}},
		{name: "admin checks in during the meeting", given: running, when: checkIn(admin), then: []Payload{meetingTestCheckedIn("a")}},
		{name: "check-in opens 24 hours before the start", given: []Payload{meetingTestAt(24*time.Hour, 30*time.Hour), meetingTestRegistered("a", 2)}, when: checkIn(admin), then: []Payload{meetingTestCheckedIn("a")}},
		{name: "check-in closes at the end", given: []Payload{meetingTestAt(-5*time.Hour, 0), meetingTestRegistered("a", 2)}, when: checkIn(admin), then: []Payload{meetingTestCheckedIn("a")}},
		{name: "check in too early", given: []Payload{meetingTestAt(25*time.Hour, 30*time.Hour), meetingTestRegistered("a", 2)}, when: checkIn(admin), err: ErrInvalidState},
		{name: "check in after the end", given: []Payload{meetingTestAt(-5*time.Hour, -time.Minute), meetingTestRegistered("a", 2)}, when: checkIn(admin), err: ErrInvalidState},
		{name: "partner may not check itself in", given: reg, when: checkIn(partnerA), err: ErrForbidden},
		{name: "check in twice", given: append(reg, meetingTestCheckedIn("a")), when: checkIn(admin), err: ErrInvalidState},
		{name: "check in a waitlisted registration", given: []Payload{soon, meetingTestRegistered("b", 9), meetingTestWaitlisted("a", 2, 1)}, when: checkIn(admin), err: ErrInvalidState},
		{name: "check in a cancelled registration", given: append(reg, meetingTestCancelled("a")), when: checkIn(admin), err: ErrInvalidState},
		{name: "check in on a cancelled meeting", given: append(reg, MeetingCancelled{MeetingID: meetingTestID, CancelledAt: testNow}), when: checkIn(admin), err: ErrInvalidState},
		{name: "check in unknown registration", given: []Payload{soon}, when: checkIn(admin), err: ErrNotFound},

		{name: "coordinator marks a no-show", given: running, when: noShow(coordinator), then: []Payload{marked}},
		{name: "admin marks a no-show after the end", given: []Payload{meetingTestAt(-10*time.Hour, -2*time.Hour), meetingTestRegistered("a", 2)}, when: noShow(admin), then: []Payload{marked}},
		{name: "no-show before the start", given: reg, when: noShow(admin), err: ErrInvalidState},
		{name: "no-show at the start", given: []Payload{meetingTestAt(0, time.Hour), meetingTestRegistered("a", 2)}, when: noShow(admin), err: ErrInvalidState},
		{name: "partner may not mark a no-show", given: running, when: noShow(partnerA), err: ErrForbidden},
		{name: "other partner may not mark a no-show", given: running, when: noShow(partnerB), err: ErrForbidden},
		{name: "no-show of a checked-in registration", given: append(running, meetingTestCheckedIn("a")), when: noShow(admin), err: ErrInvalidState},
		{name: "no-show twice", given: append(running, marked), when: noShow(admin), err: ErrInvalidState},
	})
}

func TestMeetingReadHelpers(t *testing.T) {
	var m Meeting
	for _, p := range []Payload{meetingTestScheduled(nil), meetingTestRegistered("a", 4), meetingTestWaitlisted("b", 7, 2),
		meetingTestWaitlisted("c", 7, 1), meetingTestRegistered("d", 3), meetingTestCancelled("d"),
		MeetingRegistered{MeetingID: meetingTestID, RegistrationID: "r-d2", OrgID: "org-d", Participants: meetingTestPeople(1), RegisteredAt: testNow}} {
		m = MeetingKind.Evolve(m, p)
	}
	if m.SeatsTaken() != 5 || m.SeatsFree() != 5 {
		t.Errorf("taken %d, free %d", m.SeatsTaken(), m.SeatsFree())
	}
	var ids []string
	for _, r := range m.Waitlist() {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{"r-c", "r-b"}) {
		t.Errorf("waitlist %v", ids)
	}
	if r, ok := m.Registration("r-d"); !ok || r.Status != RegistrationStatusCancelled || r.StatusChangedAt != testNow || r.RegisteredAt != testNow.Add(-time.Hour) {
		t.Errorf("Registration(r-d) = %+v, %v", r, ok)
	}
	if r, ok := m.RegistrationOf("org-d"); !ok || r.ID != "r-d2" || !r.Active() {
		t.Errorf("RegistrationOf(org-d) = %+v, %v", r, ok)
	}
	if _, ok := m.RegistrationOf("org-x"); ok {
		t.Error("RegistrationOf(org-x) found something")
	}
	if _, ok := m.Registration("r-x"); ok {
		t.Error("Registration(r-x) found something")
	}
}

// TestMeetingInvariants runs long random sequences of commands and checks
// after every decision: capacity is never exceeded; no waitlisted
// registration that could be promoted is left waiting (the head of the
// waitlist never fits); promotions take a prefix of the waitlist, in
// order; an organisation has at most one active registration; deciding
// never changes the state it decided on.
func TestMeetingInvariants(t *testing.T) {
	actors := []Actor{admin, coordinator, partnerA, partnerB, meetingPartnerC}
	seen := map[string]int{}
	for seed := range uint64(20) {
		rnd := rand.New(rand.NewPCG(seed, 42))
		m := MeetingKind.Evolve(Meeting{}, meetingTestScheduled(func(d *MeetingDetails) {
			d.Capacity, d.RequiresApproval = 5+rnd.IntN(20), seed%3 == 0
		}))
		for step := range 400 {
			var c meetingCommand
			pick := func() string {
				if len(m.Registrations) == 0 {
					return "none"
				}
				return m.Registrations[rnd.IntN(len(m.Registrations))].ID
			}
			switch rnd.IntN(6) {
			case 0, 1:
				c = RegisterForMeeting{RegistrationID: "r" + itoa(step), OrgID: "org-" + string(rune('a'+rnd.IntN(8))), Participants: meetingTestPeople(1 + rnd.IntN(6))}
			case 2:
				c = CancelRegistration{RegistrationID: pick()}
			case 3:
				c = ApproveRegistration{RegistrationID: pick()}
			case 4:
				c = RejectRegistration{RegistrationID: pick()}
			case 5:
				d := m.MeetingDetails
				d.Capacity = 1 + rnd.IntN(30)
				c = RescheduleMeeting{Details: d}
			}
			before := slices.Clone(m.Registrations)
			events, err := c.Decide(m, actors[rnd.IntN(len(actors))], testNow)
			if !reflect.DeepEqual(before, m.Registrations) {
				t.Fatalf("seed %d step %d: %T changed the state it decided on", seed, step, c)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidState) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrNotFound) {
					t.Fatalf("seed %d step %d: %T: unexpected error %v", seed, step, c, err)
				}
				continue
			}
			for i, p := range events {
				seen[p.EventType()]++
				if _, ok := p.(RegistrationPromoted); ok && i > 0 {
					if want := m.Waitlist()[0].ID; p.(RegistrationPromoted).RegistrationID != want {
						t.Fatalf("seed %d step %d: promoted %s, head of waitlist is %s", seed, step, p.(RegistrationPromoted).RegistrationID, want)
					}
				}
				m = MeetingKind.Evolve(m, p)
			}
			if m.SeatsTaken() > m.Capacity {
				t.Fatalf("seed %d step %d: %d seats taken of %d", seed, step, m.SeatsTaken(), m.Capacity)
			}
			if w := m.Waitlist(); len(w) > 0 && len(w[0].Participants) <= m.SeatsFree() {
				t.Fatalf("seed %d step %d: %s (%d) waits although %d seats are free", seed, step, w[0].ID, len(w[0].Participants), m.SeatsFree())
			}
			active := map[string]bool{}
			for _, r := range m.Registrations {
				if r.Active() && active[r.OrgID] {
					t.Fatalf("seed %d step %d: %s has two active registrations", seed, step, r.OrgID)
				}
				active[r.OrgID] = active[r.OrgID] || r.Active()
			}
		}
	}
	for _, typ := range []string{"MeetingRegistered", "RegistrationWaitlisted", "RegistrationRequested", "RegistrationApproved", "RegistrationCancelled", "RegistrationPromoted", "MeetingRescheduled"} {
		if seen[typ] < 10 {
			t.Errorf("only %d %s events: the sequences do not exercise enough", seen[typ], typ)
		}
	}
	t.Logf("events decided: %v", seen)
}
