package domain

import (
	"slices"
	"strings"
	"time"
)

// ExchangeVisitTypes are the kinds of exchange visits.
var ExchangeVisitTypes = []string{"staff_exchange", "internship", "study_visit"}

// VisitParticipant is a person who takes part in an exchange visit: the
// same as a meeting Participant, validated the same way.
type VisitParticipant = Participant

// VisitProposal is what the guest organisation proposes: who visits whom,
// when and what for. StartDate and EndDate are civil dates "YYYY-MM-DD"
// (both days included, no time zone).
type VisitProposal struct {
	Type         string             `json:"type"`
	GuestOrgID   string             `json:"guest_org_id"`
	HostOrgID    string             `json:"host_org_id"`
	Participants []VisitParticipant `json:"participants"`
	StartDate    string             `json:"start_date"`
	EndDate      string             `json:"end_date"`
	// Programme is the programme of the stay.
	Programme Text     `json:"programme"`
	Languages []string `json:"languages"`
	// FundingProgramme names the programme paying for the visit, e.g.
	// "Interreg Polska – Saksonia 2021–2027".
	FundingProgramme string `json:"funding_programme,omitempty"`
	ProjectReference string `json:"project_reference,omitempty"`
}

// VisitSchedule is the confirmed plan of an accepted visit. Its dates may
// differ from the proposed ones.
type VisitSchedule struct {
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	// Arrangements are travel, accommodation and the like.
	Arrangements string `json:"arrangements,omitempty"`
}

// VisitReport is what a completed visit achieved.
type VisitReport struct {
	Outcomes      Text                `json:"outcomes"`
	JointProjects []VisitJointProject `json:"joint_projects,omitempty"`
}

// VisitJointProject is a joint project proposed as an outcome of a visit.
type VisitJointProject struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Partners are the ids of the organisations that would take part.
	Partners []string `json:"partners,omitempty"`
}

// ExchangeVisit is the state of an exchange visit. Its lifecycle:
//
//	proposed → accepted | declined | cancelled
//	accepted → scheduled | cancelled
//	scheduled → completed | cancelled
//
// Declined, completed and cancelled visits are final.
type ExchangeVisit struct {
	ID       string        `json:"id"`
	Proposal VisitProposal `json:"proposal"`
	Status   string        `json:"status"`
	// Schedule is set once scheduled.
	Schedule *VisitSchedule `json:"schedule,omitempty"`
	// Report is set once completed.
	Report *VisitReport `json:"report,omitempty"`
	// DecisionReason is the host's reason for declining, if it gave one.
	DecisionReason string `json:"decision_reason,omitempty"`
	// CancellationReason is set once cancelled.
	CancellationReason string     `json:"cancellation_reason,omitempty"`
	ProposedAt         time.Time  `json:"proposed_at"`
	DecidedAt          *time.Time `json:"decided_at,omitempty"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// Exchange visit statuses.
const (
	VisitStatusProposed  = "proposed"
	VisitStatusAccepted  = "accepted"
	VisitStatusDeclined  = "declined"
	VisitStatusScheduled = "scheduled"
	VisitStatusCompleted = "completed"
	VisitStatusCancelled = "cancelled"
)

// ExchangeVisitKind is the aggregate kind of exchange visits: streams
// "exchange_visit-<id>".
var ExchangeVisitKind = Kind[ExchangeVisit]{Category: "exchange_visit", Evolve: ExchangeVisit.evolve}

// Involves reports whether organisation orgID is the guest or the host of v.
func (v ExchangeVisit) Involves(orgID string) bool {
	return orgID != "" && (orgID == v.Proposal.GuestOrgID || orgID == v.Proposal.HostOrgID)
}

// VisitProposed: a guest organisation proposed a visit to a host.
type VisitProposed struct {
	VisitID    string        `json:"visit_id"`
	Proposal   VisitProposal `json:"proposal"`
	ProposedAt time.Time     `json:"proposed_at"`
}

// VisitAccepted: the host accepted the proposal.
type VisitAccepted struct {
	VisitID    string    `json:"visit_id"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// VisitDeclined: the host declined the proposal.
type VisitDeclined struct {
	VisitID    string    `json:"visit_id"`
	Reason     string    `json:"reason,omitempty"`
	DeclinedAt time.Time `json:"declined_at"`
}

// VisitScheduled: guest and host confirmed dates and arrangements.
type VisitScheduled struct {
	VisitID     string        `json:"visit_id"`
	Schedule    VisitSchedule `json:"schedule"`
	ScheduledAt time.Time     `json:"scheduled_at"`
}

// VisitCompleted: the visit took place; the report says what came of it.
type VisitCompleted struct {
	VisitID     string      `json:"visit_id"`
	Report      VisitReport `json:"report"`
	CompletedAt time.Time   `json:"completed_at"`
}

// VisitCancelled: the visit will not take place.
type VisitCancelled struct {
	VisitID     string    `json:"visit_id"`
	Reason      string    `json:"reason"`
	CancelledAt time.Time `json:"cancelled_at"`
}

// EventType implements Payload.
func (VisitProposed) EventType() string { return "VisitProposed" }

// EventType implements Payload.
func (VisitAccepted) EventType() string { return "VisitAccepted" }

// EventType implements Payload.
func (VisitDeclined) EventType() string { return "VisitDeclined" }

// EventType implements Payload.
func (VisitScheduled) EventType() string { return "VisitScheduled" }

// EventType implements Payload.
func (VisitCompleted) EventType() string { return "VisitCompleted" }

// EventType implements Payload.
func (VisitCancelled) EventType() string { return "VisitCancelled" }

func init() {
	RegisterEvent[VisitProposed](1)
	RegisterEvent[VisitAccepted](1)
	RegisterEvent[VisitDeclined](1)
	RegisterEvent[VisitScheduled](1)
	RegisterEvent[VisitCompleted](1)
	RegisterEvent[VisitCancelled](1)
}

func (v ExchangeVisit) evolve(p Payload) ExchangeVisit {
	switch e := p.(type) {
	case VisitProposed:
		v = ExchangeVisit{ID: e.VisitID, Proposal: e.Proposal, Status: VisitStatusProposed, ProposedAt: e.ProposedAt, UpdatedAt: e.ProposedAt}
	case VisitAccepted:
		at := e.AcceptedAt
		v.Status, v.DecidedAt, v.UpdatedAt = VisitStatusAccepted, &at, at
	case VisitDeclined:
		at := e.DeclinedAt
		v.Status, v.DecisionReason, v.DecidedAt, v.UpdatedAt = VisitStatusDeclined, e.Reason, &at, at
	case VisitScheduled:
		s := e.Schedule
		v.Status, v.Schedule, v.UpdatedAt = VisitStatusScheduled, &s, e.ScheduledAt
	case VisitCompleted:
		r := e.Report
		v.Status, v.Report, v.UpdatedAt = VisitStatusCompleted, &r, e.CompletedAt
	case VisitCancelled:
		v.Status, v.CancellationReason, v.UpdatedAt = VisitStatusCancelled, e.Reason, e.CancelledAt
	}
	return v
}

// ProposeVisit proposes a new exchange visit. Partners propose visits of
// their own organisation as the guest; admins and coordinators propose on
// behalf of any guest. That guest and host are registered organisations is
// for the caller to check: an aggregate sees only its own stream.
type ProposeVisit struct {
	Proposal VisitProposal
}

// Decide implements the command. The visit may not start before the date of
// now.
func (c ProposeVisit) Decide(v ExchangeVisit, id string, actor Actor, now time.Time) ([]Payload, error) {
	if !actor.IsStaff() && !actor.ActsFor(c.Proposal.GuestOrgID) {
		return nil, forbid(actor, "propose exchange visits with "+c.Proposal.GuestOrgID+" as guest")
	}
	if v.ID != "" {
		return nil, invalidState("exchange visit %s is %s; cannot propose it again", v.ID, v.Status)
	}
	var es ValidationErrors
	p := c.Proposal.normalize(&es)
	visitCheckNotPast(&es, p.StartDate, now)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{VisitProposed{VisitID: id, Proposal: p, ProposedAt: now}}, nil
}

// AcceptVisit accepts a proposed visit. The host decides: a partner acting
// for the host organisation, or an admin. Coordinators do not decide for
// hosts, whose staff and premises the visit takes up.
type AcceptVisit struct{}

// Decide implements the command.
func (AcceptVisit) Decide(v ExchangeVisit, actor Actor, now time.Time) ([]Payload, error) {
	if err := v.check(actor, "accept", actor.ActsFor(v.Proposal.HostOrgID)); err != nil {
		return nil, err
	}
	return []Payload{VisitAccepted{VisitID: v.ID, AcceptedAt: now}}, nil
}

// DeclineVisit declines a proposed visit, optionally saying why. Like
// AcceptVisit, only the host (or an admin) decides.
type DeclineVisit struct {
	Reason string
}

// Decide implements the command.
func (c DeclineVisit) Decide(v ExchangeVisit, actor Actor, now time.Time) ([]Payload, error) {
	if err := v.check(actor, "decline", actor.ActsFor(v.Proposal.HostOrgID)); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(c.Reason)
	var es ValidationErrors
	checkString(&es, "reason", reason, 0, 1000)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{VisitDeclined{VisitID: v.ID, Reason: reason, DeclinedAt: now}}, nil
}

// ScheduleVisit confirms the dates and arrangements of an accepted visit
// (guest, host or staff). The dates may differ from the proposed ones but
// may not lie in the past.
type ScheduleVisit struct {
	StartDate    string
	EndDate      string
	Arrangements string
}

// Decide implements the command.
func (c ScheduleVisit) Decide(v ExchangeVisit, actor Actor, now time.Time) ([]Payload, error) {
	if err := v.check(actor, "schedule", v.isParty(actor)); err != nil {
		return nil, err
	}
	s := VisitSchedule{StartDate: strings.TrimSpace(c.StartDate), EndDate: strings.TrimSpace(c.EndDate), Arrangements: strings.TrimSpace(c.Arrangements)}
	var es ValidationErrors
	visitCheckDates(&es, s.StartDate, s.EndDate)
	visitCheckNotPast(&es, s.StartDate, now)
	checkString(&es, "arrangements", s.Arrangements, 0, 2000)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{VisitScheduled{VisitID: v.ID, Schedule: s, ScheduledAt: now}}, nil
}

// CompleteVisit records that a scheduled visit took place, with its report
// (guest, host or staff). It is possible from the scheduled start date on.
type CompleteVisit struct {
	Report VisitReport
}

// Decide implements the command.
func (c CompleteVisit) Decide(v ExchangeVisit, actor Actor, now time.Time) ([]Payload, error) {
	if err := v.check(actor, "complete", v.isParty(actor)); err != nil {
		return nil, err
	}
	// Civil dates in ISO 8601 form order like strings.
	if now.Format(visitDateLayout) < v.Schedule.StartDate {
		return nil, invalidState("exchange visit %s starts on %s; cannot complete it before", v.ID, v.Schedule.StartDate)
	}
	var es ValidationErrors
	r := c.Report.normalize(&es)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{VisitCompleted{VisitID: v.ID, Report: r, CompletedAt: now}}, nil
}

// CancelVisit cancels a visit that is proposed, accepted or scheduled
// (guest, host or staff). A reason is required.
type CancelVisit struct {
	Reason string
}

// Decide implements the command.
func (c CancelVisit) Decide(v ExchangeVisit, actor Actor, now time.Time) ([]Payload, error) {
	if err := v.check(actor, "cancel", v.isParty(actor)); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(c.Reason)
	var es ValidationErrors
	checkString(&es, "reason", reason, 1, 1000)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{VisitCancelled{VisitID: v.ID, Reason: reason, CancelledAt: now}}, nil
}

// visitTransitions lists for each lifecycle step the statuses it starts from.
var visitTransitions = map[string][]string{
	"accept":   {VisitStatusProposed},
	"decline":  {VisitStatusProposed},
	"schedule": {VisitStatusAccepted},
	"complete": {VisitStatusScheduled},
	"cancel":   {VisitStatusProposed, VisitStatusAccepted, VisitStatusScheduled},
}

// check returns ErrNotFound for a visit never proposed, ErrForbidden unless
// permitted, and ErrInvalidState unless step starts from v's status.
func (v ExchangeVisit) check(actor Actor, step string, permitted bool) error {
	switch {
	case v.ID == "":
		return ErrNotFound
	case !permitted:
		return forbid(actor, step+" exchange visit "+v.ID)
	case !slices.Contains(visitTransitions[step], v.Status):
		return invalidState("exchange visit %s is %s; cannot %s it", v.ID, v.Status, step)
	}
	return nil
}

// isParty reports whether actor acts for the guest or the host, or is staff.
func (v ExchangeVisit) isParty(actor Actor) bool {
	return actor.IsStaff() || actor.ActsFor(v.Proposal.GuestOrgID) || actor.ActsFor(v.Proposal.HostOrgID)
}

// Normalize validates p and returns it with codes and whitespace in
// canonical form, or every problem found as ValidationErrors. Whether the
// visit starts in the past depends on the day: ProposeVisit checks that.
func (p VisitProposal) Normalize() (VisitProposal, error) {
	var es ValidationErrors
	p = p.normalize(&es)
	return p, es.Err()
}

func (p VisitProposal) normalize(es *ValidationErrors) VisitProposal {
	if !slices.Contains(ExchangeVisitTypes, p.Type) {
		es.Add("type", p.Type, "must be one of "+strings.Join(ExchangeVisitTypes, ", "))
	}
	checkString(es, "guest_org_id", p.GuestOrgID, 1, 100)
	checkString(es, "host_org_id", p.HostOrgID, 1, 100)
	if p.GuestOrgID != "" && p.GuestOrgID == p.HostOrgID {
		es.Add("host_org_id", p.HostOrgID, "must differ from the guest organisation")
	}
	switch n := len(p.Participants); {
	case n == 0:
		es.Add("participants", "", "needs at least one participant")
	case n > 50:
		es.Add("participants", itoa(n), "at most 50 participants")
	}
	p.Participants = slices.Clone(p.Participants)
	for i, pt := range p.Participants {
		p.Participants[i] = pt.normalize(es, "participants."+itoa(i))
	}
	p.StartDate, p.EndDate = strings.TrimSpace(p.StartDate), strings.TrimSpace(p.EndDate)
	visitCheckDates(es, p.StartDate, p.EndDate)
	p.Programme.validate(es, "programme", 5000)
	p.Languages = normLanguages(es, "languages", p.Languages, 1)
	p.FundingProgramme, p.ProjectReference = strings.TrimSpace(p.FundingProgramme), strings.TrimSpace(p.ProjectReference)
	checkString(es, "funding_programme", p.FundingProgramme, 0, 200)
	checkString(es, "project_reference", p.ProjectReference, 0, 100)
	return p
}

func (r VisitReport) normalize(es *ValidationErrors) VisitReport {
	r.Outcomes.validate(es, "outcomes", 5000)
	if n := len(r.JointProjects); n > 20 {
		es.Add("joint_projects", itoa(n), "at most 20 joint projects")
	}
	r.JointProjects = slices.Clone(r.JointProjects)
	for i := range r.JointProjects {
		jp, f := &r.JointProjects[i], "joint_projects."+itoa(i)
		jp.Title, jp.Description = strings.TrimSpace(jp.Title), strings.TrimSpace(jp.Description)
		checkString(es, f+".title", jp.Title, 1, 200)
		checkString(es, f+".description", jp.Description, 0, 2000)
		if n := len(jp.Partners); n > 50 {
			es.Add(f+".partners", itoa(n), "at most 50 partner organisations")
		}
		var partners []string
		for j, org := range jp.Partners {
			checkString(es, f+".partners."+itoa(j), org, 1, 100)
			if !slices.Contains(partners, org) {
				partners = append(partners, org)
			}
		}
		jp.Partners = partners
	}
	return r
}

const (
	visitDateLayout = "2006-01-02"
	visitMaxDays    = 365
)

// visitCheckDates validates a stay from start to end: civil dates
// YYYY-MM-DD, end not before start, at most visitMaxDays days with both
// start and end day counted.
func visitCheckDates(es *ValidationErrors, start, end string) {
	s, errS := time.Parse(visitDateLayout, start)
	if errS != nil {
		es.Add("start_date", start, "not a date YYYY-MM-DD")
	}
	e, errE := time.Parse(visitDateLayout, end)
	if errE != nil {
		es.Add("end_date", end, "not a date YYYY-MM-DD")
	}
	if errS != nil || errE != nil {
		return
	}
	switch days := int(e.Sub(s).Hours()/24) + 1; {
	case days < 1:
		es.Add("end_date", end, "must not be before the start date "+start)
	case days > visitMaxDays:
		es.Add("end_date", end, "a visit lasts at most "+itoa(visitMaxDays)+" days")
	}
}

// visitCheckNotPast adds an error if start is a valid date before the date
// of now (in now's location; commands are decided in UTC).
func visitCheckNotPast(es *ValidationErrors, start string, now time.Time) {
	today := now.Format(visitDateLayout)
	if _, err := time.Parse(visitDateLayout, start); err == nil && start < today {
		es.Add("start_date", start, "must not be in the past (today is "+today+")")
	}
}
