package projections

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// RostersName is the name of the Rosters projection.
const RostersName = "rosters"

// RosterCollection is the collection of MeetingRoster documents, one per
// meeting, keyed by meeting id. They are listed under "all",
// "status:<status>" and "org:<orgID>" for every organisation with a
// registration, newest start first.
const RosterCollection = "meetings"

// rosterOrgsCollection keeps what the rosters copy of an organisation
// (rosterOrg).
const rosterOrgsCollection = "rosters.orgs"

// MeetingRoster is a meeting with its registrations sorted into lists by
// status, as coordinators run it: who has seats, who waits in which order,
// who awaits approval, who came. Participants are only counted: their
// names are personal data and stay in the event log.
type MeetingRoster struct {
	ID                 string      `json:"id"`
	Title              domain.Text `json:"title"`
	Kind               string      `json:"kind"`
	Start              time.Time   `json:"start"`
	End                time.Time   `json:"end"`
	TimeZone           string      `json:"time_zone"`
	Status             string      `json:"status"`
	CancellationReason string      `json:"cancellation_reason,omitempty"`
	// Capacity counts seats (participants); SeatsTaken the participants
	// of registered, checked-in and no-show registrations.
	Capacity             int       `json:"capacity"`
	SeatsTaken           int       `json:"seats_taken"`
	RequiresApproval     bool      `json:"requires_approval"`
	RegistrationDeadline time.Time `json:"registration_deadline"`
	Languages            []string  `json:"languages"`

	// The registrations by their current status, each in the order it
	// reached that status; Waitlist is in waitlist order (WaitlistSeq).
	Registered      []RosterEntry `json:"registered"`
	Waitlist        []RosterEntry `json:"waitlist"`
	PendingApproval []RosterEntry `json:"pending_approval"`
	CheckedIn       []RosterEntry `json:"checked_in"`
	NoShows         []RosterEntry `json:"no_shows"`
	Cancelled       []RosterEntry `json:"cancelled"`
	Rejected        []RosterEntry `json:"rejected"`
	// Approved lists the registrations staff approved, in the order of
	// approval, with their current status (each is also in the list of
	// that status).
	Approved []RosterEntry `json:"approved"`

	// Countries counts active registrations (pending, registered,
	// waitlisted, checked in) per country of their organisation;
	// CheckedInCountries the checked-in ones. Organisations of unknown
	// country are not counted.
	Countries          map[string]int `json:"countries"`
	CheckedInCountries map[string]int `json:"checked_in_countries"`

	ScheduledAt time.Time `json:"scheduled_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Version is the meeting's stream version.
	Version uint64 `json:"version"`
}

// RosterEntry is one registration on a roster: the organisation, its
// country and how many participants it brings.
type RosterEntry struct {
	RegistrationID string `json:"registration_id"`
	OrgID          string `json:"org_id"`
	// OrgName and Country are the organisation's current ones ("" while
	// the organisation is unknown).
	OrgName         string    `json:"org_name"`
	Country         string    `json:"country"`
	Participants    int       `json:"participants"`
	Status          string    `json:"status"`
	RegisteredAt    time.Time `json:"registered_at"`
	StatusChangedAt time.Time `json:"status_changed_at"`
	// WaitlistSeq orders the waitlist (0: never waitlisted).
	WaitlistSeq int       `json:"waitlist_seq,omitempty"`
	ApprovedAt  time.Time `json:"approved_at,omitzero"`
}

// rosterOrg is what the rosters know of an organisation: the name and
// country they copy, and the meetings it has registrations for.
type rosterOrg struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Country  string   `json:"country"`
	Meetings []string `json:"meetings"`
}

// Rosters is the projection "rosters": a MeetingRoster per meeting in
// collection "meetings".
//
// MeetingScheduled creates the roster, MeetingRescheduled replaces its
// details, MeetingCancelled sets status "cancelled". The registration
// events move registrations between the lists exactly as the meeting
// aggregate changes their status. OrganisationRegistered and
// OrganisationUpdated refresh the organisation's name and country on
// every roster it appears on.
//
// Everything follows from the events: times come from the payloads,
// Version is the meeting's stream version.
type Rosters struct{}

// NewRosters returns the rosters projection.
func NewRosters() *Rosters { return &Rosters{} }

// Name implements Projection.
func (*Rosters) Name() string { return RostersName }

// rostersEvents are the event types the rosters apply.
var rostersEvents = map[string]bool{
	domain.OrganisationRegistered{}.EventType():   true,
	domain.OrganisationUpdated{}.EventType():      true,
	domain.MeetingScheduled{}.EventType():         true,
	domain.MeetingRescheduled{}.EventType():       true,
	domain.MeetingCancelled{}.EventType():         true,
	domain.RegistrationRequested{}.EventType():    true,
	domain.MeetingRegistered{}.EventType():        true,
	domain.RegistrationWaitlisted{}.EventType():   true,
	domain.RegistrationApproved{}.EventType():     true,
	domain.RegistrationRejected{}.EventType():     true,
	domain.RegistrationCancelled{}.EventType():    true,
	domain.RegistrationPromoted{}.EventType():     true,
	domain.RegistrationCheckedIn{}.EventType():    true,
	domain.RegistrationMarkedNoShow{}.EventType(): true,
}

// Handles implements Projection.
func (*Rosters) Handles(eventType string) bool { return rostersEvents[eventType] }

// Apply implements Projection.
func (r *Rosters) Apply(ctx context.Context, tx Tx, ev domain.Event, p domain.Payload) error {
	switch e := p.(type) {
	case domain.OrganisationRegistered:
		return r.orgChanged(ctx, tx, e.OrganisationID, e.Profile)
	case domain.OrganisationUpdated:
		return r.orgChanged(ctx, tx, e.OrganisationID, e.Profile)

	case domain.MeetingScheduled:
		m := MeetingRoster{ID: e.MeetingID, Status: domain.MeetingStatusScheduled, ScheduledAt: e.ScheduledAt}
		m.details(e.Details)
		return r.put(ctx, tx, m, ev, e.ScheduledAt)
	case domain.MeetingRescheduled:
		return r.change(ctx, tx, e.MeetingID, ev, e.RescheduledAt, func(m *MeetingRoster) error {
			m.details(e.Details)
			return nil
		})
	case domain.MeetingCancelled:
		return r.change(ctx, tx, e.MeetingID, ev, e.CancelledAt, func(m *MeetingRoster) error {
			m.Status, m.CancellationReason = domain.MeetingStatusCancelled, e.Reason
			return nil
		})

	case domain.RegistrationRequested:
		return r.add(ctx, tx, ev, e.MeetingID, RosterEntry{RegistrationID: e.RegistrationID, OrgID: e.OrgID, Participants: len(e.Participants),
			Status: domain.RegistrationStatusPending, RegisteredAt: e.RequestedAt, StatusChangedAt: e.RequestedAt})
	case domain.MeetingRegistered:
		return r.add(ctx, tx, ev, e.MeetingID, RosterEntry{RegistrationID: e.RegistrationID, OrgID: e.OrgID, Participants: len(e.Participants),
			Status: domain.RegistrationStatusRegistered, RegisteredAt: e.RegisteredAt, StatusChangedAt: e.RegisteredAt})
	case domain.RegistrationWaitlisted:
		return r.add(ctx, tx, ev, e.MeetingID, RosterEntry{RegistrationID: e.RegistrationID, OrgID: e.OrgID, Participants: len(e.Participants),
			Status: domain.RegistrationStatusWaitlisted, RegisteredAt: e.WaitlistedAt, StatusChangedAt: e.WaitlistedAt, WaitlistSeq: e.WaitlistSeq})
	case domain.RegistrationApproved:
		return r.move(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.ApprovedAt, func(x *RosterEntry) {
			x.Status, x.ApprovedAt = e.Status, e.ApprovedAt
			if e.WaitlistSeq != 0 {
				x.WaitlistSeq = e.WaitlistSeq
			}
		})
	case domain.RegistrationRejected:
		return r.move(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.RejectedAt, setStatus(domain.RegistrationStatusRejected))
	case domain.RegistrationCancelled:
		return r.move(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.CancelledAt, setStatus(domain.RegistrationStatusCancelled))
	case domain.RegistrationPromoted:
		return r.move(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.PromotedAt, setStatus(domain.RegistrationStatusRegistered))
	case domain.RegistrationCheckedIn:
		return r.move(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.CheckedInAt, setStatus(domain.RegistrationStatusCheckedIn))
	case domain.RegistrationMarkedNoShow:
		return r.move(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.MarkedAt, setStatus(domain.RegistrationStatusNoShow))
	}
	if r.Handles(ev.Type) {
		return fmt.Errorf("projections: rosters: event %s (%s) has payload %T", ev.Type, ev.StreamID, p)
	}
	return nil
}

func setStatus(status string) func(*RosterEntry) {
	return func(x *RosterEntry) { x.Status = status }
}

// details sets the fields that follow from the meeting's details.
func (m *MeetingRoster) details(d domain.MeetingDetails) {
	m.Title, m.Kind, m.Start, m.End, m.TimeZone = d.Title, d.Kind, d.Start, d.End, d.TimeZone
	m.Capacity, m.RequiresApproval, m.RegistrationDeadline = d.Capacity, d.RequiresApproval, d.RegistrationDeadline
	m.Languages = slices.Clone(d.Languages)
}

// lists returns pointers to the lists by status, in a fixed order.
func (m *MeetingRoster) lists() map[string]*[]RosterEntry {
	return map[string]*[]RosterEntry{
		domain.RegistrationStatusRegistered: &m.Registered,
		domain.RegistrationStatusWaitlisted: &m.Waitlist,
		domain.RegistrationStatusPending:    &m.PendingApproval,
		domain.RegistrationStatusCheckedIn:  &m.CheckedIn,
		domain.RegistrationStatusNoShow:     &m.NoShows,
		domain.RegistrationStatusCancelled:  &m.Cancelled,
		domain.RegistrationStatusRejected:   &m.Rejected,
	}
}

// rosterStatuses are the registration statuses in the order of the lists.
var rosterStatuses = []string{
	domain.RegistrationStatusRegistered, domain.RegistrationStatusWaitlisted, domain.RegistrationStatusPending,
	domain.RegistrationStatusCheckedIn, domain.RegistrationStatusNoShow, domain.RegistrationStatusCancelled,
	domain.RegistrationStatusRejected,
}

// clone returns a copy of m whose slices and maps it may change.
func (m MeetingRoster) clone() MeetingRoster {
	for _, l := range m.lists() {
		*l = slices.Clone(*l)
	}
	m.Approved = slices.Clone(m.Approved)
	m.Languages = slices.Clone(m.Languages)
	m.Countries = maps.Clone(m.Countries)
	m.CheckedInCountries = maps.Clone(m.CheckedInCountries)
	return m
}

// entries returns every registration, list by list.
func (m *MeetingRoster) entries() []RosterEntry {
	var all []RosterEntry
	lists := m.lists()
	for _, s := range rosterStatuses {
		all = append(all, *lists[s]...)
	}
	return all
}

// insert puts x into the list of its status (the waitlist in waitlist
// order, every other list at its end) and refreshes its copy in Approved.
func (m *MeetingRoster) insert(x RosterEntry) {
	l, ok := m.lists()[x.Status]
	if !ok {
		l = &m.Cancelled // an unknown status: kept, but holds nothing
	}
	*l = append(*l, x)
	if x.Status == domain.RegistrationStatusWaitlisted {
		slices.SortStableFunc(m.Waitlist, func(a, b RosterEntry) int { return cmp.Compare(a.WaitlistSeq, b.WaitlistSeq) })
	}
	if !x.ApprovedAt.IsZero() {
		if i := slices.IndexFunc(m.Approved, func(a RosterEntry) bool { return a.RegistrationID == x.RegistrationID }); i >= 0 {
			m.Approved[i] = x
		} else {
			m.Approved = append(m.Approved, x)
		}
	}
}

// take removes registration id from its list and returns it.
func (m *MeetingRoster) take(id string) (RosterEntry, bool) {
	for _, s := range rosterStatuses {
		l := m.lists()[s]
		if i := slices.IndexFunc(*l, func(x RosterEntry) bool { return x.RegistrationID == id }); i >= 0 {
			x := (*l)[i]
			*l = slices.Delete(*l, i, i+1)
			return x, true
		}
	}
	return RosterEntry{}, false
}

// recount refreshes the seats taken and the counts per country, and turns
// nil lists and maps into empty ones (so that they encode as [] and {}).
func (m *MeetingRoster) recount() {
	m.SeatsTaken = 0
	m.Countries, m.CheckedInCountries = map[string]int{}, map[string]int{}
	for s, l := range m.lists() {
		if *l == nil {
			*l = []RosterEntry{}
		}
		for _, x := range *l {
			switch s {
			case domain.RegistrationStatusRegistered, domain.RegistrationStatusCheckedIn, domain.RegistrationStatusNoShow:
				m.SeatsTaken += x.Participants
			}
			switch s {
			case domain.RegistrationStatusPending, domain.RegistrationStatusRegistered, domain.RegistrationStatusWaitlisted, domain.RegistrationStatusCheckedIn:
				if x.Country != "" {
					m.Countries[x.Country]++
				}
			}
			if s == domain.RegistrationStatusCheckedIn && x.Country != "" {
				m.CheckedInCountries[x.Country]++
			}
		}
	}
	if m.Approved == nil {
		m.Approved = []RosterEntry{}
	}
	if m.Languages == nil {
		m.Languages = []string{}
	}
}

// keys returns the list keys of m.
func (m *MeetingRoster) keys() []string {
	keys := []string{"all", "status:" + m.Status}
	var orgs []string
	for _, x := range m.entries() {
		orgs = append(orgs, "org:"+x.OrgID)
	}
	slices.Sort(orgs)
	return append(keys, slices.Compact(orgs)...)
}

// put stores m as changed by ev at at.
func (*Rosters) put(ctx context.Context, tx Tx, m MeetingRoster, ev domain.Event, at time.Time) error {
	m.recount()
	m.UpdatedAt, m.Version = at, ev.StreamVersion
	return tx.Put(ctx, Doc{Coll: RosterCollection, ID: m.ID, Keys: m.keys(), Sort: m.Start.Unix(), Value: m})
}

// change changes roster id with f, if there is one (events of a meeting
// the rosters never saw scheduled change nothing).
func (r *Rosters) change(ctx context.Context, tx Tx, id string, ev domain.Event, at time.Time, f func(*MeetingRoster) error) error {
	m, ok, err := getDocAs[MeetingRoster](ctx, tx, RosterCollection, id)
	if err != nil || !ok {
		return err
	}
	m = m.clone()
	if err := f(&m); err != nil {
		return err
	}
	return r.put(ctx, tx, m, ev, at)
}

// add adds a new registration to roster meetingID with its organisation's
// name and country, and remembers the meeting with the organisation.
func (r *Rosters) add(ctx context.Context, tx Tx, ev domain.Event, meetingID string, x RosterEntry) error {
	org, _, err := getDocAs[rosterOrg](ctx, tx, rosterOrgsCollection, x.OrgID)
	if err != nil {
		return err
	}
	x.OrgName, x.Country = org.Name, org.Country
	found := false
	if err := r.change(ctx, tx, meetingID, ev, x.StatusChangedAt, func(m *MeetingRoster) error {
		found = true
		m.take(x.RegistrationID) // never there: registration ids are unique per meeting
		m.insert(x)
		return nil
	}); err != nil || !found {
		return err
	}
	if slices.Contains(org.Meetings, meetingID) {
		return nil
	}
	org.ID, org.Meetings = x.OrgID, appendNew(org.Meetings, meetingID)
	return putBookkeeping(ctx, tx, rosterOrgsCollection, org.ID, org)
}

// move changes registration regID of roster meetingID with f and moves it
// to the list of its new status.
func (r *Rosters) move(ctx context.Context, tx Tx, ev domain.Event, meetingID, regID string, at time.Time, f func(*RosterEntry)) error {
	return r.change(ctx, tx, meetingID, ev, at, func(m *MeetingRoster) error {
		x, ok := m.take(regID)
		if !ok {
			return nil
		}
		f(&x)
		x.StatusChangedAt = at
		m.insert(x)
		return nil
	})
}

// orgChanged records an organisation's name and country and refreshes
// them on the rosters it appears on.
func (r *Rosters) orgChanged(ctx context.Context, tx Tx, id string, p domain.OrganisationProfile) error {
	org, _, err := getDocAs[rosterOrg](ctx, tx, rosterOrgsCollection, id)
	if err != nil {
		return err
	}
	if org.ID == id && org.Name == p.Name && org.Country == p.Country {
		return nil
	}
	org.ID, org.Name, org.Country = id, p.Name, p.Country
	if err := putBookkeeping(ctx, tx, rosterOrgsCollection, id, org); err != nil {
		return err
	}
	for _, mid := range org.Meetings {
		m, ok, err := getDocAs[MeetingRoster](ctx, tx, RosterCollection, mid)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		m = m.clone()
		for _, l := range m.lists() {
			for i := range *l {
				if x := &(*l)[i]; x.OrgID == id {
					x.OrgName, x.Country = p.Name, p.Country
				}
			}
		}
		for i := range m.Approved {
			if x := &m.Approved[i]; x.OrgID == id {
				x.OrgName, x.Country = p.Name, p.Country
			}
		}
		// The roster itself did not change: keep its time and version.
		m.recount()
		if err := tx.Put(ctx, Doc{Coll: RosterCollection, ID: m.ID, Keys: m.keys(), Sort: m.Start.Unix(), Value: m}); err != nil {
			return err
		}
	}
	return nil
}
