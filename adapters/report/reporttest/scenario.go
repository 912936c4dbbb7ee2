// Package reporttest builds the scenario the tests of the reports run on:
// a small German–Polish–Czech network with meetings, check-ins and exchange
// visits with and without project references, at fixed times in 2025, made
// through the domain commands exactly as the API makes them.
//
// The figures it must yield (per indicator, country and month) are spelt
// out in the tests that use it, not here, so that a test states what it
// expects.
package reporttest

import (
	"context"
	"fmt"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Project references and funding programmes of the scenario.
const (
	// ProjectPLSN is carried by MeetingFair and VisitPLSN.
	ProjectPLSN   = "PLSN.01.01-IP.01-0042"
	ProgrammePLSN = "Interreg Polska – Saksonia 2021–2027"
	// ProjectSNCZ is carried by VisitDomestic and VisitCZ2; it holds a
	// slash, as real references do.
	ProjectSNCZ   = "SN-CZ/0007"
	ProgrammeSNCZ = "Interreg Sachsen – Tschechien 2021–2027"
	// ProjectCZPL is carried by MeetingPlanned only.
	ProjectCZPL   = "CZPL-0200"
	ProgrammeCZPL = "Interreg Česko – Polsko 2021–2027"
)

// Ids of the scenario's aggregates.
const (
	OrgDE1 = "org-de-goerlitz"  // Sachsen Präzision GmbH (DE)
	OrgDE2 = "org-de-zittau"    // Lausitz Logistik GmbH (DE)
	OrgPL1 = "org-pl-zgorzelec" // Metal-Tech Sp. z o.o. (PL)
	OrgCZ1 = "org-cz-liberec"   // Liberec Software s.r.o. (CZ)
	OrgCZ2 = "org-cz-decin"     // Děčín Design s.r.o. (CZ)

	// MeetingFair: cooperation fair in Görlitz (DE), ProjectPLSN, 10
	// February 2025. Registrations: RegFairDE1 (2 participants, checked
	// in 08:30), RegFairPL1 (3, checked in 09:10), RegFairCZ1 (1, no-show),
	// RegFairDE2 (1, cancelled).
	MeetingFair = "fair-2025"
	RegFairDE1  = "fair-de1"
	RegFairPL1  = "fair-pl1"
	RegFairCZ1  = "fair-cz1"
	RegFairDE2  = "fair-de2"
	// MeetingOnline: online matchmaking without a project, 12 March 2025:
	// RegOnlineCZ1 (1, checked in), RegOnlineDE2 (2, checked in).
	MeetingOnline = "online-2025"
	RegOnlineCZ1  = "online-cz1"
	RegOnlineDE2  = "online-de2"
	// MeetingPlanned: a workshop in Ostrava (CZ) in September 2025,
	// ProjectCZPL: RegPlannedCZ2 (1, 2 May, alone), RegPlannedDE1 (1, 1
	// July: the second country arrives, so OrgCZ2's May registration
	// becomes RCO87 evidence of July, after OrgCZ2 counted in June).
	MeetingPlanned = "planned-2025"
	RegPlannedCZ2  = "planned-cz2"
	RegPlannedDE1  = "planned-de1"

	// VisitPLSN: OrgPL1 visits OrgDE1 with 2 people, ProjectPLSN,
	// completed 11 April 2025.
	VisitPLSN = "visit-plsn"
	// VisitFree: OrgCZ1 visits OrgDE1 with 1 person, no project, completed
	// 20 May 2025.
	VisitFree = "visit-free"
	// VisitDomestic: OrgDE1 visits OrgDE2 with 1 person, ProjectSNCZ,
	// completed 15 May 2025 (not cross-border).
	VisitDomestic = "visit-domestic"
	// VisitCZ2: OrgCZ2 visits OrgDE2 with 1 person, ProjectSNCZ, accepted
	// 2 June, completed 20 June 2025.
	VisitCZ2 = "visit-cz2"
)

// Admin is the actor of every command of the scenario.
var Admin = domain.Actor{ID: "token:reporttest", Role: domain.RoleAdmin}

// day returns 2025-month-d at hh:mm UTC.
func day(month time.Month, d, hh, mm int) time.Time {
	return time.Date(2025, month, d, hh, mm, 0, 0, time.UTC)
}

// seeder runs the scenario's commands, keeping the first error.
type seeder struct {
	ctx  context.Context
	cmds *domain.Commands
	err  error
}

// execute runs decide on aggregate id of kind k as Admin at at.
func execute[S any](s *seeder, k domain.Kind[S], id string, at time.Time, decide func(S, domain.Actor, time.Time) ([]domain.Payload, error)) {
	if s.err != nil {
		return
	}
	_, err := domain.Execute(s.ctx, s.cmds, k, id, domain.Request{Actor: Admin, Now: at, CorrelationID: "reporttest"},
		func(state S, _ uint64, now time.Time) ([]domain.Payload, error) { return decide(state, Admin, now) })
	if err != nil {
		s.err = fmt.Errorf("reporttest: %s %s at %s: %w", k.Category, id, at.Format(time.RFC3339), err)
	}
}

func (s *seeder) org(id, name, country, city, lang string) {
	p := domain.OrganisationProfile{Name: name, Kind: "sme", Country: country, Address: domain.Address{City: city, Country: country},
		Languages: []string{lang}, Description: domain.Text{EN: name + " takes part in cross-border projects."}}
	execute(s, domain.OrganisationKind, id, day(1, 1, 9, 0).AddDate(0, -1, 0), func(o domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterOrganisation{Profile: p}.Decide(o, id, a, now)
	})
}

func (s *seeder) meeting(id string, at time.Time, d domain.MeetingDetails) {
	execute(s, domain.MeetingKind, id, at, func(m domain.Meeting, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ScheduleMeeting{Details: d}.Decide(m, id, a, now)
	})
}

func (s *seeder) register(meeting, reg, org string, at time.Time, people ...domain.Participant) {
	execute(s, domain.MeetingKind, meeting, at, func(m domain.Meeting, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterForMeeting{RegistrationID: reg, OrgID: org, Participants: people}.Decide(m, a, now)
	})
}

func (s *seeder) step(meeting string, at time.Time, cmd interface {
	Decide(domain.Meeting, domain.Actor, time.Time) ([]domain.Payload, error)
}) {
	execute(s, domain.MeetingKind, meeting, at, func(m domain.Meeting, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return cmd.Decide(m, a, now)
	})
}

func (s *seeder) propose(id, guest, host, start, end, project, programme string, at time.Time, people ...string) {
	ps := make([]domain.VisitParticipant, len(people))
	for i, n := range people {
		ps[i] = domain.VisitParticipant{Name: n}
	}
	p := domain.VisitProposal{Type: "staff_exchange", GuestOrgID: guest, HostOrgID: host, Participants: ps, StartDate: start, EndDate: end,
		Programme: domain.Text{EN: "Job shadowing and joint planning."}, Languages: []string{"en"}, FundingProgramme: programme, ProjectReference: project}
	execute(s, domain.ExchangeVisitKind, id, at, func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ProposeVisit{Proposal: p}.Decide(v, id, a, now)
	})
}

func (s *seeder) accept(id string, at time.Time) {
	execute(s, domain.ExchangeVisitKind, id, at, func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.AcceptVisit{}.Decide(v, a, now)
	})
}

func (s *seeder) schedule(id string, at time.Time) {
	execute(s, domain.ExchangeVisitKind, id, at, func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ScheduleVisit{StartDate: v.Proposal.StartDate, EndDate: v.Proposal.EndDate}.Decide(v, a, now)
	})
}

func (s *seeder) complete(id string, at time.Time) {
	execute(s, domain.ExchangeVisitKind, id, at, func(v domain.ExchangeVisit, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.CompleteVisit{Report: domain.VisitReport{Outcomes: domain.Text{EN: "A joint project is being prepared."}}}.Decide(v, a, now)
	})
}

// Seed appends the scenario to store, in the order of its times (the
// commands run at fixed moments of 2025 through domain.Execute with
// Request.Now), and returns the first error.
func Seed(ctx context.Context, store domain.EventStore) error {
	s := &seeder{ctx: ctx, cmds: domain.NewCommands(store)}
	s.org(OrgDE1, "Sachsen Präzision GmbH", "DE", "Görlitz", "de")
	s.org(OrgDE2, "Lausitz Logistik GmbH", "DE", "Zittau", "de")
	s.org(OrgPL1, "Metal-Tech Sp. z o.o.", "PL", "Zgorzelec", "pl")
	s.org(OrgCZ1, "Liberec Software s.r.o.", "CZ", "Liberec", "cs")
	s.org(OrgCZ2, "Děčín Design s.r.o.", "CZ", "Děčín", "cs")

	fairStart := day(2, 10, 9, 0)
	s.meeting(MeetingFair, day(1, 5, 10, 0), domain.MeetingDetails{
		Title: domain.Text{DE: "Kooperationsbörse Maschinenbau", PL: "Giełda kooperacyjna budowy maszyn"}, Kind: "cooperation_fair",
		Start: fairStart, End: fairStart.Add(8 * time.Hour), TimeZone: "Europe/Berlin",
		Place: &domain.Address{City: "Görlitz", Country: "DE"}, Languages: []string{"de", "pl"}, Capacity: 20,
		FundingProgramme: ProgrammePLSN, ProjectReference: ProjectPLSN,
	})
	s.register(MeetingFair, RegFairDE1, OrgDE1, day(1, 10, 10, 0),
		domain.Participant{Name: "Anna Schmidt", Position: "CEO"}, domain.Participant{Name: "Erik Neumann", Position: "Engineer"})
	s.register(MeetingFair, RegFairPL1, OrgPL1, day(1, 20, 10, 0),
		domain.Participant{Name: "Katarzyna Nowak", Position: "Export manager"}, domain.Participant{Name: "Piotr Zieliński"},
		domain.Participant{Name: "@Marta Wiśniewska", Position: "=Sales"})
	onlineStart := day(3, 12, 10, 0)
	s.meeting(MeetingOnline, day(2, 1, 10, 0), domain.MeetingDetails{
		Title: domain.Text{EN: "Online matchmaking: software for manufacturing"}, Kind: "online_matchmaking",
		Start: onlineStart, End: onlineStart.Add(2 * time.Hour), TimeZone: "Europe/Prague",
		OnlineURL: "https://meet.example.eu/nisa-2025", Languages: []string{"en"}, Capacity: 50,
	})
	s.register(MeetingFair, RegFairCZ1, OrgCZ1, day(2, 3, 10, 0), domain.Participant{Name: "Tomáš Dvořák", Position: "CTO"})
	s.register(MeetingFair, RegFairDE2, OrgDE2, day(2, 5, 10, 0), domain.Participant{Name: "Lena Vogel"})
	s.step(MeetingFair, day(2, 7, 10, 0), domain.CancelRegistration{RegistrationID: RegFairDE2})
	s.step(MeetingFair, day(2, 10, 8, 30), domain.CheckInRegistration{RegistrationID: RegFairDE1})
	s.step(MeetingFair, day(2, 10, 9, 10), domain.CheckInRegistration{RegistrationID: RegFairPL1})
	s.step(MeetingFair, day(2, 10, 10, 0), domain.MarkNoShow{RegistrationID: RegFairCZ1})
	s.register(MeetingOnline, RegOnlineCZ1, OrgCZ1, day(2, 15, 10, 0), domain.Participant{Name: "Jana Horáková"})
	s.register(MeetingOnline, RegOnlineDE2, OrgDE2, day(2, 20, 10, 0), domain.Participant{Name: "Lena Vogel"}, domain.Participant{Name: "Max Bauer"})

	s.propose(VisitPLSN, OrgPL1, OrgDE1, "2025-04-07", "2025-04-11", ProjectPLSN, ProgrammePLSN, day(3, 1, 10, 0), "Piotr Zieliński", "Ewa Lis")
	s.accept(VisitPLSN, day(3, 3, 10, 0))
	s.schedule(VisitPLSN, day(3, 5, 10, 0))
	s.step(MeetingOnline, day(3, 12, 10, 5), domain.CheckInRegistration{RegistrationID: RegOnlineCZ1})
	s.step(MeetingOnline, day(3, 12, 10, 10), domain.CheckInRegistration{RegistrationID: RegOnlineDE2})

	s.propose(VisitFree, OrgCZ1, OrgDE1, "2025-05-19", "2025-05-20", "", "", day(4, 1, 10, 0), "Jana Horáková")
	s.accept(VisitFree, day(4, 2, 10, 0))
	s.schedule(VisitFree, day(4, 3, 10, 0))
	s.propose(VisitDomestic, OrgDE1, OrgDE2, "2025-05-14", "2025-05-15", ProjectSNCZ, ProgrammeSNCZ, day(4, 10, 9, 0), "Erik Neumann")
	s.accept(VisitDomestic, day(4, 11, 9, 0))
	s.complete(VisitPLSN, day(4, 11, 15, 0))
	s.schedule(VisitDomestic, day(4, 12, 9, 0))

	plannedStart := day(9, 1, 9, 0)
	s.meeting(MeetingPlanned, day(5, 1, 10, 0), domain.MeetingDetails{
		Title: domain.Text{CS: "Workshop: společné projekty", PL: "Warsztaty: wspólne projekty"}, Kind: "workshop",
		Start: plannedStart, End: plannedStart.Add(3 * time.Hour), TimeZone: "Europe/Prague",
		Place: &domain.Address{City: "Ostrava", Country: "CZ"}, Languages: []string{"cs", "pl"}, Capacity: 30,
		FundingProgramme: ProgrammeCZPL, ProjectReference: ProjectCZPL,
	})
	s.register(MeetingPlanned, RegPlannedCZ2, OrgCZ2, day(5, 2, 10, 0), domain.Participant{Name: "Petr Novák", Position: "Designer"})
	s.complete(VisitDomestic, day(5, 15, 15, 0))
	s.complete(VisitFree, day(5, 20, 15, 0))
	s.propose(VisitCZ2, OrgCZ2, OrgDE2, "2025-06-16", "2025-06-20", ProjectSNCZ, ProgrammeSNCZ, day(5, 25, 10, 0), "Petr Novák")
	s.accept(VisitCZ2, day(6, 2, 10, 0))
	s.schedule(VisitCZ2, day(6, 3, 10, 0))
	s.complete(VisitCZ2, day(6, 20, 15, 0))
	s.register(MeetingPlanned, RegPlannedDE1, OrgDE1, day(7, 1, 10, 0), domain.Participant{Name: "Anna Schmidt", Position: "CEO"})
	return s.err
}

// SetRetention sets the retention policy of project ref as Admin at at.
func SetRetention(ctx context.Context, store domain.EventStore, ref string, cmd domain.SetRetention, at time.Time) error {
	s := &seeder{ctx: ctx, cmds: domain.NewCommands(store)}
	execute(s, domain.RetentionKind, ref, at, func(r domain.Retention, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return cmd.Decide(r, ref, a, now)
	})
	return s.err
}
