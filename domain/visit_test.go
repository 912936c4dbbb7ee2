package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	visitPartnerC = Actor{ID: "token:c", Role: RolePartner, OrgID: "org-c"}
	visitAuditor  = Actor{ID: "token:audit", Role: RoleAuditor}
)

// visitProposal is a valid proposal of org-a (guest) to org-b (host), as a
// client might send it. It starts on the day of testNow.
func visitProposal() VisitProposal {
	return VisitProposal{
		Type: "staff_exchange", GuestOrgID: "org-a", HostOrgID: "org-b",
		Participants: []VisitParticipant{
			{Name: " Jana Nováková ", Email: "jana@example.cz", Position: "Projektmanagerin"},
			{Name: "Piotr Kowalski"},
		},
		StartDate: "2026-11-21", EndDate: "2026-11-27",
		Programme:        Text{DE: "Einblick in die Lohnfertigung, gemeinsame Werkstatt", CS: "Společná dílna"},
		Languages:        []string{"DE", " cs", "de"},
		FundingProgramme: "Interreg Sachsen – Tschechien 2021–2027",
		ProjectReference: "SN-CZ-0042",
	}
}

func visitReport() VisitReport {
	return VisitReport{
		Outcomes: Text{EN: "Two joint training modules agreed."},
		JointProjects: []VisitJointProject{{
			Title: " Duale Ausbildung grenzenlos ", Description: "Joint apprenticeship modules",
			Partners: []string{"org-a", "org-b", "org-a"},
		}},
	}
}

// visitDecision is a command of the visit lifecycle run by actor.
type visitDecision func(v ExchangeVisit, actor Actor, now time.Time) ([]Payload, error)

// visitStep is one step of the lifecycle and the event it decides for
// visit v-1 at testNow.
type visitStep struct {
	name   string
	decide visitDecision
	then   Payload
}

func visitTestSteps(t *testing.T) []visitStep {
	p, err := visitProposal().Normalize()
	if err != nil {
		t.Fatal(err)
	}
	report := visitReport()
	report.JointProjects = []VisitJointProject{{Title: "Duale Ausbildung grenzenlos", Description: "Joint apprenticeship modules", Partners: []string{"org-a", "org-b"}}}
	schedule := VisitSchedule{StartDate: "2026-11-23", EndDate: "2026-11-26", Arrangements: "Zug Dresden–Liberec, Hotel Zlatý Lev"}
	return []visitStep{
		{"propose", func(v ExchangeVisit, a Actor, now time.Time) ([]Payload, error) {
			return ProposeVisit{Proposal: visitProposal()}.Decide(v, "v-1", a, now)
		}, VisitProposed{VisitID: "v-1", Proposal: p, ProposedAt: testNow}},
		{"accept", func(v ExchangeVisit, a Actor, now time.Time) ([]Payload, error) {
			return AcceptVisit{}.Decide(v, a, now)
		}, VisitAccepted{VisitID: "v-1", AcceptedAt: testNow}},
		{"decline", func(v ExchangeVisit, a Actor, now time.Time) ([]Payload, error) {
			return DeclineVisit{Reason: " Keine Kapazität im November "}.Decide(v, a, now)
		}, VisitDeclined{VisitID: "v-1", Reason: "Keine Kapazität im November", DeclinedAt: testNow}},
		{"schedule", func(v ExchangeVisit, a Actor, now time.Time) ([]Payload, error) {
			return ScheduleVisit{StartDate: schedule.StartDate, EndDate: schedule.EndDate, Arrangements: schedule.Arrangements + "\n"}.Decide(v, a, now)
		}, VisitScheduled{VisitID: "v-1", Schedule: schedule, ScheduledAt: testNow}},
		{"complete", func(v ExchangeVisit, a Actor, now time.Time) ([]Payload, error) {
			return CompleteVisit{Report: visitReport()}.Decide(v, a, now)
		}, VisitCompleted{VisitID: "v-1", Report: report, CompletedAt: testNow}},
		{"cancel", func(v ExchangeVisit, a Actor, now time.Time) ([]Payload, error) {
			return CancelVisit{Reason: "Förderung nicht bewilligt"}.Decide(v, a, now)
		}, VisitCancelled{VisitID: "v-1", Reason: "Förderung nicht bewilligt", CancelledAt: testNow}},
	}
}

// visitHistories are the events that lead visit v-1 to each status ("": no
// visit). The scheduled visit starts on the day of testNow.
func visitHistories(t *testing.T) map[string][]Payload {
	p, err := visitProposal().Normalize()
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	proposed := VisitProposed{VisitID: "v-1", Proposal: p, ProposedAt: testNow.Add(-30 * day)}
	accepted := VisitAccepted{VisitID: "v-1", AcceptedAt: testNow.Add(-20 * day)}
	scheduled := VisitScheduled{VisitID: "v-1", Schedule: VisitSchedule{StartDate: "2026-11-21", EndDate: "2026-11-27"}, ScheduledAt: testNow.Add(-10 * day)}
	return map[string][]Payload{
		"":                   nil,
		VisitStatusProposed:  {proposed},
		VisitStatusAccepted:  {proposed, accepted},
		VisitStatusDeclined:  {proposed, VisitDeclined{VisitID: "v-1", DeclinedAt: testNow.Add(-20 * day)}},
		VisitStatusScheduled: {proposed, accepted, scheduled},
		VisitStatusCompleted: {proposed, accepted, scheduled, VisitCompleted{VisitID: "v-1", Report: VisitReport{Outcomes: Text{DE: "Gut."}}, CompletedAt: testNow.Add(-day)}},
		VisitStatusCancelled: {proposed, VisitCancelled{VisitID: "v-1", Reason: "Krankheit", CancelledAt: testNow.Add(-day)}},
	}
}

// TestExchangeVisitLifecycle tries every step from every status (and on a
// visit that does not exist), as admin, who may take every step.
func TestExchangeVisitLifecycle(t *testing.T) {
	histories := visitHistories(t)
	allowed := map[string][]string{
		"":                   {"propose"},
		VisitStatusProposed:  {"accept", "decline", "cancel"},
		VisitStatusAccepted:  {"schedule", "cancel"},
		VisitStatusScheduled: {"complete", "cancel"},
	}
	var cases []scenario[ExchangeVisit]
	for _, status := range []string{"", VisitStatusProposed, VisitStatusAccepted, VisitStatusDeclined, VisitStatusScheduled, VisitStatusCompleted, VisitStatusCancelled} {
		for _, st := range visitTestSteps(t) {
			c := scenario[ExchangeVisit]{name: st.name + " from " + status, given: histories[status], when: func(v ExchangeVisit, now time.Time) ([]Payload, error) {
				return st.decide(v, admin, now)
			}}
			if status == "" {
				c.name = st.name + " unknown visit"
			}
			switch {
			case slices.Contains(allowed[status], st.name):
				c.then = []Payload{st.then}
			case status == "":
				c.err = ErrNotFound
			default:
				c.err = ErrInvalidState
			}
			cases = append(cases, c)
		}
	}
	runScenarios(t, ExchangeVisitKind, cases)
}

func TestExchangeVisitInvalidStateNamesStatusAndStep(t *testing.T) {
	var v ExchangeVisit
	for _, p := range visitHistories(t)[VisitStatusDeclined] {
		v = ExchangeVisitKind.Evolve(v, p)
	}
	_, err := ScheduleVisit{StartDate: "2026-12-01", EndDate: "2026-12-02"}.Decide(v, admin, testNow)
	if !errors.Is(err, ErrInvalidState) || !strings.Contains(err.Error(), "declined") || !strings.Contains(err.Error(), "schedule") {
		t.Errorf("err = %v, want an invalid state naming declined and schedule", err)
	}
}

// TestExchangeVisitAuthorisation runs every step, from a status that allows
// it, as every kind of actor. org-a is the guest, org-b the host.
func TestExchangeVisitAuthorisation(t *testing.T) {
	histories := visitHistories(t)
	from := map[string]string{"propose": "", "accept": VisitStatusProposed, "decline": VisitStatusProposed, "schedule": VisitStatusAccepted, "complete": VisitStatusScheduled, "cancel": VisitStatusAccepted}
	party := []Actor{partnerA, partnerB, coordinator, admin}
	may := map[string][]Actor{
		"propose":  {partnerA, coordinator, admin},
		"accept":   {partnerB, admin},
		"decline":  {partnerB, admin},
		"schedule": party,
		"complete": party,
		"cancel":   party,
	}
	actors := []struct {
		name  string
		actor Actor
	}{{"guest partner", partnerA}, {"host partner", partnerB}, {"other partner", visitPartnerC}, {"coordinator", coordinator}, {"admin", admin}, {"auditor", visitAuditor}}
	var cases []scenario[ExchangeVisit]
	for _, st := range visitTestSteps(t) {
		for _, a := range actors {
			c := scenario[ExchangeVisit]{name: a.name + " " + st.name, given: histories[from[st.name]], when: func(v ExchangeVisit, now time.Time) ([]Payload, error) {
				return st.decide(v, a.actor, now)
			}}
			if slices.Contains(may[st.name], a.actor) {
				c.then = []Payload{st.then}
			} else {
				c.name, c.err = c.name+" forbidden", ErrForbidden
			}
			cases = append(cases, c)
		}
	}
	runScenarios(t, ExchangeVisitKind, cases)
}

// visitInvalid wraps a decision that must fail validation on field: any
// other outcome becomes an error that does not match ErrInvalid.
func visitInvalid(field string, decide func(ExchangeVisit, time.Time) ([]Payload, error)) func(ExchangeVisit, time.Time) ([]Payload, error) {
	return func(v ExchangeVisit, now time.Time) ([]Payload, error) {
		evs, err := decide(v, now)
		var es ValidationErrors
		if errors.As(err, &es) && slices.ContainsFunc(es, func(e *ValidationError) bool { return e.Field == field }) {
			return evs, err
		}
		return evs, fmt.Errorf("want a validation error on %s, got %v", field, err)
	}
}

func TestExchangeVisitValidation(t *testing.T) {
	histories := visitHistories(t)
	propose := func(edit func(p *VisitProposal)) func(ExchangeVisit, time.Time) ([]Payload, error) {
		return func(v ExchangeVisit, now time.Time) ([]Payload, error) {
			p := visitProposal()
			edit(&p)
			return ProposeVisit{Proposal: p}.Decide(v, "v-1", admin, now)
		}
	}
	schedule := func(c ScheduleVisit) func(ExchangeVisit, time.Time) ([]Payload, error) {
		return func(v ExchangeVisit, now time.Time) ([]Payload, error) { return c.Decide(v, partnerA, now) }
	}
	complete := func(edit func(r *VisitReport)) func(ExchangeVisit, time.Time) ([]Payload, error) {
		return func(v ExchangeVisit, now time.Time) ([]Payload, error) {
			r := visitReport()
			edit(&r)
			return CompleteVisit{Report: r}.Decide(v, partnerB, now)
		}
	}
	invalid := func(name string, given []Payload, field string, decide func(ExchangeVisit, time.Time) ([]Payload, error)) scenario[ExchangeVisit] {
		return scenario[ExchangeVisit]{name: name, given: given, when: visitInvalid(field, decide), err: ErrInvalid}
	}
	many := func(n int, s string) []string { return slices.Repeat([]string{s}, n) }
	yearLong, _ := func() VisitProposal { p := visitProposal(); p.EndDate = "2027-11-20"; return p }().Normalize()
	none, accepted, scheduled := histories[""], histories[VisitStatusAccepted], histories[VisitStatusScheduled]

	runScenarios(t, ExchangeVisitKind, []scenario[ExchangeVisit]{
		// Proposals.
		invalid("unknown type", none, "type", propose(func(p *VisitProposal) { p.Type = "holiday" })),
		invalid("guest is host", none, "host_org_id", propose(func(p *VisitProposal) { p.HostOrgID = "org-a" })),
		invalid("no guest", none, "guest_org_id", propose(func(p *VisitProposal) { p.GuestOrgID = "" })),
		invalid("no host", none, "host_org_id", propose(func(p *VisitProposal) { p.HostOrgID = "" })),
		invalid("no participants", none, "participants", propose(func(p *VisitProposal) { p.Participants = nil })),
		invalid("51 participants", none, "participants", propose(func(p *VisitProposal) {
			p.Participants = slices.Repeat([]VisitParticipant{{Name: "N. N."}}, 51)
		})),
		invalid("participant without name", none, "participants.1.name", propose(func(p *VisitProposal) { p.Participants[1].Name = "  " })),
		invalid("participant name too long", none, "participants.0.name", propose(func(p *VisitProposal) { p.Participants[0].Name = strings.Repeat("x", 201) })),
		invalid("participant e-mail", none, "participants.0.email", propose(func(p *VisitProposal) { p.Participants[0].Email = "jana at example.cz" })),
		invalid("participant position too long", none, "participants.0.position", propose(func(p *VisitProposal) { p.Participants[0].Position = strings.Repeat("x", 101) })),
		invalid("start not a date", none, "start_date", propose(func(p *VisitProposal) { p.StartDate = "21.11.2026" })),
		invalid("end not a date", none, "end_date", propose(func(p *VisitProposal) { p.EndDate = "2026-11-31" })),
		invalid("end before start", none, "end_date", propose(func(p *VisitProposal) { p.EndDate = "2026-11-20" })),
		invalid("longer than 365 days", none, "end_date", propose(func(p *VisitProposal) { p.EndDate = "2027-11-21" })),
		{name: "exactly 365 days", when: propose(func(p *VisitProposal) { p.EndDate = "2027-11-20" }),
			then: []Payload{VisitProposed{VisitID: "v-1", Proposal: yearLong, ProposedAt: testNow}}},
		invalid("starts in the past", none, "start_date", propose(func(p *VisitProposal) { p.StartDate = "2026-11-20" })),
		invalid("no programme", none, "programme", propose(func(p *VisitProposal) { p.Programme = Text{} })),
		invalid("programme too long", none, "programme.pl", propose(func(p *VisitProposal) { p.Programme.PL = strings.Repeat("ż", 5001) })),
		invalid("no languages", none, "languages", propose(func(p *VisitProposal) { p.Languages = nil })),
		invalid("unknown language", none, "languages.1", propose(func(p *VisitProposal) { p.Languages = []string{"de", "xx"} })),
		invalid("funding programme too long", none, "funding_programme", propose(func(p *VisitProposal) { p.FundingProgramme = strings.Repeat("x", 201) })),
		invalid("project reference too long", none, "project_reference", propose(func(p *VisitProposal) { p.ProjectReference = strings.Repeat("x", 101) })),
		// Schedules.
		invalid("schedule start not a date", accepted, "start_date", schedule(ScheduleVisit{StartDate: "2026-12", EndDate: "2026-12-05"})),
		invalid("schedule end before start", accepted, "end_date", schedule(ScheduleVisit{StartDate: "2026-12-05", EndDate: "2026-12-01"})),
		invalid("schedule longer than 365 days", accepted, "end_date", schedule(ScheduleVisit{StartDate: "2026-12-01", EndDate: "2027-12-01"})),
		invalid("schedule in the past", accepted, "start_date", schedule(ScheduleVisit{StartDate: "2026-11-01", EndDate: "2026-12-01"})),
		invalid("arrangements too long", accepted, "arrangements", schedule(ScheduleVisit{StartDate: "2026-12-01", EndDate: "2026-12-01", Arrangements: strings.Repeat("x", 2001)})),
		// Reports.
		invalid("no outcomes", scheduled, "outcomes", complete(func(r *VisitReport) { r.Outcomes = Text{} })),
		invalid("outcomes too long", scheduled, "outcomes.en", complete(func(r *VisitReport) { r.Outcomes.EN = strings.Repeat("x", 5001) })),
		invalid("21 joint projects", scheduled, "joint_projects", complete(func(r *VisitReport) {
			r.JointProjects = slices.Repeat([]VisitJointProject{{Title: "T"}}, 21)
		})),
		invalid("joint project without title", scheduled, "joint_projects.0.title", complete(func(r *VisitReport) { r.JointProjects[0].Title = "" })),
		invalid("joint project description too long", scheduled, "joint_projects.0.description", complete(func(r *VisitReport) { r.JointProjects[0].Description = strings.Repeat("x", 2001) })),
		invalid("joint project blank partner", scheduled, "joint_projects.0.partners.1", complete(func(r *VisitReport) { r.JointProjects[0].Partners[1] = " " })),
		invalid("joint project too many partners", scheduled, "joint_projects.0.partners", complete(func(r *VisitReport) { r.JointProjects[0].Partners = many(51, "org-x") })),
		{name: "complete before the scheduled start", given: append(accepted[:len(accepted):len(accepted)],
			VisitScheduled{VisitID: "v-1", Schedule: VisitSchedule{StartDate: "2026-11-22", EndDate: "2026-11-23"}, ScheduledAt: testNow}),
			when: complete(func(*VisitReport) {}), err: ErrInvalidState},
		// Reasons.
		invalid("cancel without reason", accepted, "reason", func(v ExchangeVisit, now time.Time) ([]Payload, error) {
			return CancelVisit{Reason: " "}.Decide(v, partnerA, now)
		}),
		invalid("cancel reason too long", accepted, "reason", func(v ExchangeVisit, now time.Time) ([]Payload, error) {
			return CancelVisit{Reason: strings.Repeat("x", 1001)}.Decide(v, partnerA, now)
		}),
		invalid("decline reason too long", histories[VisitStatusProposed], "reason", func(v ExchangeVisit, now time.Time) ([]Payload, error) {
			return DeclineVisit{Reason: strings.Repeat("x", 1001)}.Decide(v, partnerB, now)
		}),
		{name: "decline without reason", given: histories[VisitStatusProposed], when: func(v ExchangeVisit, now time.Time) ([]Payload, error) {
			return DeclineVisit{}.Decide(v, partnerB, now)
		}, then: []Payload{VisitDeclined{VisitID: "v-1", DeclinedAt: testNow}}},
	})
}

func TestVisitProposalNormalize(t *testing.T) {
	p, err := visitProposal().Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if p.Participants[0].Name != "Jana Nováková" || !slices.Equal(p.Languages, []string{"de", "cs"}) {
		t.Errorf("not normalised: %+v", p)
	}
	if raw := visitProposal(); raw.Participants[0].Name != " Jana Nováková " {
		t.Errorf("Normalize changed its input")
	}
	bad := visitProposal()
	bad.Type, bad.HostOrgID, bad.StartDate, bad.EndDate, bad.Languages = "", "org-a", "2026-11-30", "2026-11-29", []string{"klingon"}
	bad.Participants[1].Email = "@"
	_, err = bad.Normalize()
	var es ValidationErrors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v, want ValidationErrors", err)
	}
	for _, f := range []string{"type", "host_org_id", "end_date", "languages.0", "participants.1.email"} {
		if !slices.ContainsFunc(es, func(e *ValidationError) bool { return e.Field == f }) {
			t.Errorf("no error for %s in %v", f, err)
		}
	}
}

func TestExchangeVisitEvolve(t *testing.T) {
	histories := visitHistories(t)
	fold := func(status string) ExchangeVisit {
		var v ExchangeVisit
		for _, p := range histories[status] {
			v = ExchangeVisitKind.Evolve(v, p)
		}
		return v
	}
	v := fold(VisitStatusCompleted)
	if v.ID != "v-1" || v.Status != VisitStatusCompleted || v.Schedule == nil || v.Schedule.StartDate != "2026-11-21" ||
		v.Report == nil || v.Report.Outcomes.DE != "Gut." || v.DecidedAt == nil || !v.UpdatedAt.Equal(testNow.Add(-24*time.Hour)) {
		t.Errorf("completed visit: %+v", v)
	}
	if v := fold(VisitStatusCancelled); v.Status != VisitStatusCancelled || v.CancellationReason != "Krankheit" || v.DecidedAt != nil {
		t.Errorf("cancelled visit: %+v", v)
	}
	if v := fold(VisitStatusDeclined); v.Status != VisitStatusDeclined || v.DecidedAt == nil {
		t.Errorf("declined visit: %+v", v)
	}
	if got := ExchangeVisitKind.StreamID("v-1"); got != "exchange_visit-v-1" {
		t.Errorf("stream = %s", got)
	}
}

func TestExchangeVisitInvolves(t *testing.T) {
	var v ExchangeVisit
	for _, p := range visitHistories(t)[VisitStatusProposed] {
		v = ExchangeVisitKind.Evolve(v, p)
	}
	for org, want := range map[string]bool{"org-a": true, "org-b": true, "org-c": false, "": false} {
		if got := v.Involves(org); got != want {
			t.Errorf("Involves(%q) = %v, want %v", org, got, want)
		}
	}
	if (ExchangeVisit{}).Involves("") {
		t.Error("an empty visit involves the empty organisation id")
	}
}
