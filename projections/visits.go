package projections

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// VisitsName is the name of the Visits projection.
const VisitsName = "visits"

// VisitCollection is the collection of VisitOverview documents, one per
// exchange visit, keyed by visit id. They are listed under "all",
// "status:<status>", "org:<guest>", "org:<host>", "country:<c>" for the
// guest's and the host's country and "project:<reference>" when the
// visit names a project, most recently proposed first.
const VisitCollection = "visits"

// visitOrgsCollection keeps what the overviews copy of an organisation
// (visitOrg).
const visitOrgsCollection = "visits.orgs"

// VisitOverview is an exchange visit as lists and dashboards show it:
// who visits whom, when, how many people, and how far it got. The
// participants are only counted: their names are personal data and stay
// in the event log.
type VisitOverview struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	GuestOrgID string `json:"guest_org_id"`
	// GuestName, GuestCountry, HostName and HostCountry are the
	// organisations' current ones ("" while an organisation is unknown).
	GuestName    string `json:"guest_name"`
	GuestCountry string `json:"guest_country"`
	HostOrgID    string `json:"host_org_id"`
	HostName     string `json:"host_name"`
	HostCountry  string `json:"host_country"`
	Participants int    `json:"participants"`
	// StartDate and EndDate are the proposed dates, replaced by the
	// scheduled ones once the visit is scheduled (civil dates
	// YYYY-MM-DD).
	StartDate        string   `json:"start_date"`
	EndDate          string   `json:"end_date"`
	Languages        []string `json:"languages"`
	FundingProgramme string   `json:"funding_programme,omitempty"`
	ProjectReference string   `json:"project_reference,omitempty"`
	Status           string   `json:"status"`
	// DecisionReason is the host's reason for declining, if it gave one;
	// CancellationReason is set once cancelled.
	DecisionReason     string    `json:"decision_reason,omitempty"`
	CancellationReason string    `json:"cancellation_reason,omitempty"`
	ProposedAt         time.Time `json:"proposed_at"`
	DecidedAt          time.Time `json:"decided_at,omitzero"`
	ScheduledAt        time.Time `json:"scheduled_at,omitzero"`
	CompletedAt        time.Time `json:"completed_at,omitzero"`
	CancelledAt        time.Time `json:"cancelled_at,omitzero"`
	// JointProjects are the titles of the joint projects the report
	// proposes.
	JointProjects []string `json:"joint_projects"`
	// CrossBorder: guest and host are known and lie in different
	// countries.
	CrossBorder bool      `json:"cross_border"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Version is the visit's stream version.
	Version uint64 `json:"version"`
}

// visitOrg is what the overviews know of an organisation: the name and
// country they copy, and the visits it is guest or host of.
type visitOrg struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Country string   `json:"country"`
	Visits  []string `json:"visits"`
}

// Visits is the projection "visits": a VisitOverview per exchange visit in
// collection "visits".
//
// VisitProposed creates the overview (status "proposed"); VisitAccepted,
// VisitDeclined, VisitScheduled, VisitCompleted and VisitCancelled move
// its status and record when. OrganisationRegistered and
// OrganisationUpdated refresh the names and countries of the visits the
// organisation takes part in (and so CrossBorder and the country keys).
//
// Everything follows from the events: times come from the payloads,
// Version is the visit's stream version.
type Visits struct{}

// NewVisits returns the visits projection.
func NewVisits() *Visits { return &Visits{} }

// Name implements Projection.
func (*Visits) Name() string { return VisitsName }

// visitsEvents are the event types the visits projection applies.
var visitsEvents = map[string]bool{
	domain.OrganisationRegistered{}.EventType(): true,
	domain.OrganisationUpdated{}.EventType():    true,
	domain.VisitProposed{}.EventType():          true,
	domain.VisitAccepted{}.EventType():          true,
	domain.VisitDeclined{}.EventType():          true,
	domain.VisitScheduled{}.EventType():         true,
	domain.VisitCompleted{}.EventType():         true,
	domain.VisitCancelled{}.EventType():         true,
}

// Handles implements Projection.
func (*Visits) Handles(eventType string) bool { return visitsEvents[eventType] }

// Apply implements Projection.
func (v *Visits) Apply(ctx context.Context, tx Tx, ev domain.Event, p domain.Payload) error {
	switch e := p.(type) {
	case domain.OrganisationRegistered:
		return v.orgChanged(ctx, tx, e.OrganisationID, e.Profile)
	case domain.OrganisationUpdated:
		return v.orgChanged(ctx, tx, e.OrganisationID, e.Profile)

	case domain.VisitProposed:
		pr := e.Proposal
		o := VisitOverview{ID: e.VisitID, Type: pr.Type, GuestOrgID: pr.GuestOrgID, HostOrgID: pr.HostOrgID,
			Participants: len(pr.Participants), StartDate: pr.StartDate, EndDate: pr.EndDate,
			Languages: slices.Clone(pr.Languages), FundingProgramme: pr.FundingProgramme, ProjectReference: pr.ProjectReference,
			Status: domain.VisitStatusProposed, ProposedAt: e.ProposedAt}
		guest, err := v.org(ctx, tx, pr.GuestOrgID, e.VisitID)
		if err != nil {
			return err
		}
		host, err := v.org(ctx, tx, pr.HostOrgID, e.VisitID)
		if err != nil {
			return err
		}
		o.GuestName, o.GuestCountry, o.HostName, o.HostCountry = guest.Name, guest.Country, host.Name, host.Country
		return v.put(ctx, tx, o, ev, e.ProposedAt)
	case domain.VisitAccepted:
		return v.change(ctx, tx, e.VisitID, ev, e.AcceptedAt, func(o *VisitOverview) {
			o.Status, o.DecidedAt = domain.VisitStatusAccepted, e.AcceptedAt
		})
	case domain.VisitDeclined:
		return v.change(ctx, tx, e.VisitID, ev, e.DeclinedAt, func(o *VisitOverview) {
			o.Status, o.DecidedAt, o.DecisionReason = domain.VisitStatusDeclined, e.DeclinedAt, e.Reason
		})
	case domain.VisitScheduled:
		return v.change(ctx, tx, e.VisitID, ev, e.ScheduledAt, func(o *VisitOverview) {
			o.Status, o.ScheduledAt = domain.VisitStatusScheduled, e.ScheduledAt
			o.StartDate, o.EndDate = e.Schedule.StartDate, e.Schedule.EndDate
		})
	case domain.VisitCompleted:
		return v.change(ctx, tx, e.VisitID, ev, e.CompletedAt, func(o *VisitOverview) {
			o.Status, o.CompletedAt = domain.VisitStatusCompleted, e.CompletedAt
			o.JointProjects = make([]string, 0, len(e.Report.JointProjects))
			for _, jp := range e.Report.JointProjects {
				o.JointProjects = append(o.JointProjects, jp.Title)
			}
		})
	case domain.VisitCancelled:
		return v.change(ctx, tx, e.VisitID, ev, e.CancelledAt, func(o *VisitOverview) {
			o.Status, o.CancelledAt, o.CancellationReason = domain.VisitStatusCancelled, e.CancelledAt, e.Reason
		})
	}
	if v.Handles(ev.Type) {
		return fmt.Errorf("projections: visits: event %s (%s) has payload %T", ev.Type, ev.StreamID, p)
	}
	return nil
}

// org returns what the overviews know of organisation id and remembers
// that it takes part in visit visitID.
func (*Visits) org(ctx context.Context, tx Tx, id, visitID string) (visitOrg, error) {
	org, _, err := getDocAs[visitOrg](ctx, tx, visitOrgsCollection, id)
	if err != nil || slices.Contains(org.Visits, visitID) {
		return org, err
	}
	org.ID, org.Visits = id, appendNew(org.Visits, visitID)
	return org, putBookkeeping(ctx, tx, visitOrgsCollection, id, org)
}

// finish sets the fields that follow from the others and turns nil lists
// into empty ones.
func (o *VisitOverview) finish() {
	o.CrossBorder = o.GuestCountry != "" && o.HostCountry != "" && o.GuestCountry != o.HostCountry
	if o.Languages == nil {
		o.Languages = []string{}
	}
	if o.JointProjects == nil {
		o.JointProjects = []string{}
	}
}

// keys returns the list keys of o.
func (o *VisitOverview) keys() []string {
	keys := []string{"all", "status:" + o.Status, "org:" + o.GuestOrgID, "org:" + o.HostOrgID}
	for _, c := range []string{o.GuestCountry, o.HostCountry} {
		if c != "" {
			keys = appendNew(keys, "country:"+c)
		}
	}
	if o.ProjectReference != "" {
		keys = append(keys, "project:"+o.ProjectReference)
	}
	return keys
}

// store writes o.
func (*Visits) store(ctx context.Context, tx Tx, o VisitOverview) error {
	o.finish()
	return tx.Put(ctx, Doc{Coll: VisitCollection, ID: o.ID, Keys: o.keys(), Sort: o.ProposedAt.Unix(), Value: o})
}

// put stores o as changed by ev at at.
func (v *Visits) put(ctx context.Context, tx Tx, o VisitOverview, ev domain.Event, at time.Time) error {
	o.UpdatedAt, o.Version = at, ev.StreamVersion
	return v.store(ctx, tx, o)
}

// change changes overview id with f, if there is one (events of a visit
// never seen proposed change nothing).
func (v *Visits) change(ctx context.Context, tx Tx, id string, ev domain.Event, at time.Time, f func(*VisitOverview)) error {
	o, ok, err := getDocAs[VisitOverview](ctx, tx, VisitCollection, id)
	if err != nil || !ok {
		return err
	}
	o.Languages, o.JointProjects = slices.Clone(o.Languages), slices.Clone(o.JointProjects)
	f(&o)
	return v.put(ctx, tx, o, ev, at)
}

// orgChanged records an organisation's name and country and refreshes
// them on the visits it takes part in.
func (v *Visits) orgChanged(ctx context.Context, tx Tx, id string, p domain.OrganisationProfile) error {
	org, _, err := getDocAs[visitOrg](ctx, tx, visitOrgsCollection, id)
	if err != nil {
		return err
	}
	if org.ID == id && org.Name == p.Name && org.Country == p.Country {
		return nil
	}
	org.ID, org.Name, org.Country = id, p.Name, p.Country
	if err := putBookkeeping(ctx, tx, visitOrgsCollection, id, org); err != nil {
		return err
	}
	for _, vid := range org.Visits {
		o, ok, err := getDocAs[VisitOverview](ctx, tx, VisitCollection, vid)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if o.GuestOrgID == id {
			o.GuestName, o.GuestCountry = p.Name, p.Country
		}
		if o.HostOrgID == id {
			o.HostName, o.HostCountry = p.Name, p.Country
		}
		// The visit itself did not change: keep its time and version.
		if err := v.store(ctx, tx, o); err != nil {
			return err
		}
	}
	return nil
}
