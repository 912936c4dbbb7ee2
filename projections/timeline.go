package projections

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// TimelineName is the name of the Timeline projection.
const TimelineName = "timeline"

// TimelineCollection is the collection of TimelineEntry documents: one per
// organisation and event, id "<orgID>/<position>", listed under
// "org:<orgID>", newest first.
const TimelineCollection = "timeline"

// Bookkeeping collections of the timeline.
const (
	timelineOffersCollection   = "timeline.offers"
	timelineMeetingsCollection = "timeline.meetings"
	timelineVisitsCollection   = "timeline.visits"
)

// Roles of an organisation in a timeline entry.
const (
	TimelineRoleSubject    = "subject"    // its own profile
	TimelineRoleOwner      = "owner"      // an offer it owns
	TimelineRoleInterested = "interested" // an offer it is interested in
	TimelineRoleRegistrant = "registrant" // a meeting it registered for
	TimelineRoleGuest      = "guest"      // an exchange visit it makes
	TimelineRoleHost       = "host"       // an exchange visit it hosts
)

// TimelineEntry is one thing that happened to or by an organisation.
type TimelineEntry struct {
	// ID is "<OrgID>/<Position>", the document id.
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
	// Position is the event's place in the global log (a string in
	// JSON); At is when the event was recorded.
	Position domain.Position `json:"position"`
	At       time.Time       `json:"at"`
	// Type is the event type, StreamID the aggregate it changed.
	Type     string `json:"type"`
	StreamID string `json:"stream_id"`
	// Summary says in a few English words what happened, e.g. "offer
	// published: CNC milling" or "registered for meeting Cooperation
	// fair Liberec".
	Summary string `json:"summary"`
	// Role is the organisation's part in it (TimelineRoleSubject, …).
	Role string `json:"role"`
	// OtherOrgID is the organisation on the other side, if any: the
	// owner or the interested organisation of an interest, the host or
	// the guest of a visit.
	OtherOrgID string `json:"other_org_id,omitempty"`
}

// timelineOffer is what the timeline knows of an offer.
type timelineOffer struct {
	ID    string      `json:"id"`
	Owner string      `json:"owner"`
	Kind  string      `json:"kind"`
	Title domain.Text `json:"title"`
}

// timelineMeeting is what the timeline knows of a meeting: its title and
// which organisation each registration belongs to and whether it is
// active.
type timelineMeeting struct {
	ID    string            `json:"id"`
	Title domain.Text       `json:"title"`
	Regs  []timelineMeetReg `json:"regs"`
}

type timelineMeetReg struct {
	ID     string `json:"id"`
	OrgID  string `json:"org_id"`
	Active bool   `json:"active"`
}

// timelineVisit is what the timeline knows of an exchange visit.
type timelineVisit struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Guest string `json:"guest"`
	Host  string `json:"host"`
}

// Timeline is the projection "timeline": for every organisation, the
// events that concern it, as TimelineEntry documents in collection
// "timeline":
//
//   - its own profile events (role "subject");
//   - every event of the offers it owns (role "owner"), including the
//     interests it receives;
//   - the interests it expresses, and their acceptance or decline (role
//     "interested");
//   - the registration events of its registrations for meetings, and the
//     rescheduling or cancellation of a meeting while it has an active
//     registration (role "registrant");
//   - every event of the exchange visits it is guest or host of (roles
//     "guest", "host").
//
// Entries sort by the event's position (Sort is Position.Commit). At is
// the event's recorded-at time; nothing depends on a clock.
type Timeline struct{}

// NewTimeline returns the timeline projection.
func NewTimeline() *Timeline { return &Timeline{} }

// Name implements Projection.
func (*Timeline) Name() string { return TimelineName }

// timelineEvents are the event types the timeline applies.
var timelineEvents = map[string]bool{
	domain.OrganisationRegistered{}.EventType():   true,
	domain.OrganisationUpdated{}.EventType():      true,
	domain.OrganisationVerified{}.EventType():     true,
	domain.OrganisationDeactivated{}.EventType():  true,
	domain.OfferDrafted{}.EventType():             true,
	domain.OfferRevised{}.EventType():             true,
	domain.OfferPublished{}.EventType():           true,
	domain.OfferWithdrawn{}.EventType():           true,
	domain.OfferValidityExtended{}.EventType():    true,
	domain.OfferExpired{}.EventType():             true,
	domain.OfferExpiryWarned{}.EventType():        true,
	domain.OfferInterestExpressed{}.EventType():   true,
	domain.OfferInterestAccepted{}.EventType():    true,
	domain.OfferInterestDeclined{}.EventType():    true,
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
	domain.VisitProposed{}.EventType():            true,
	domain.VisitAccepted{}.EventType():            true,
	domain.VisitDeclined{}.EventType():            true,
	domain.VisitScheduled{}.EventType():           true,
	domain.VisitCompleted{}.EventType():           true,
	domain.VisitCancelled{}.EventType():           true,
}

// Handles implements Projection.
func (*Timeline) Handles(eventType string) bool { return timelineEvents[eventType] }

// Apply implements Projection.
func (t *Timeline) Apply(ctx context.Context, tx Tx, ev domain.Event, p domain.Payload) error {
	switch e := p.(type) {
	case domain.OrganisationRegistered:
		return t.entry(ctx, tx, ev, e.OrganisationID, TimelineRoleSubject, "", "organisation registered: "+e.Profile.Name)
	case domain.OrganisationUpdated:
		return t.entry(ctx, tx, ev, e.OrganisationID, TimelineRoleSubject, "", "profile updated")
	case domain.OrganisationVerified:
		return t.entry(ctx, tx, ev, e.OrganisationID, TimelineRoleSubject, "", "organisation verified")
	case domain.OrganisationDeactivated:
		return t.entry(ctx, tx, ev, e.OrganisationID, TimelineRoleSubject, "", "organisation deactivated")

	case domain.OfferDrafted:
		o := timelineOffer{ID: e.OfferID, Owner: e.OwnerOrgID, Kind: e.Details.Kind, Title: e.Details.Title}
		if err := putBookkeeping(ctx, tx, timelineOffersCollection, o.ID, o); err != nil {
			return err
		}
		return t.offer(ctx, tx, ev, o, "drafted")
	case domain.OfferRevised:
		o, ok, err := getDocAs[timelineOffer](ctx, tx, timelineOffersCollection, e.OfferID)
		if err != nil || !ok {
			return err
		}
		o.Kind, o.Title = e.Details.Kind, e.Details.Title
		if err := putBookkeeping(ctx, tx, timelineOffersCollection, o.ID, o); err != nil {
			return err
		}
		return t.offer(ctx, tx, ev, o, "revised")
	case domain.OfferPublished:
		return t.offerEvent(ctx, tx, ev, e.OfferID, "published")
	case domain.OfferWithdrawn:
		return t.offerEvent(ctx, tx, ev, e.OfferID, "withdrawn")
	case domain.OfferValidityExtended:
		what := "validity extended to " + e.ValidUntil.UTC().Format(time.DateOnly)
		if e.Republished {
			what = "published again, valid until " + e.ValidUntil.UTC().Format(time.DateOnly)
		}
		return t.offerEvent(ctx, tx, ev, e.OfferID, what)
	case domain.OfferExpired:
		return t.offerEvent(ctx, tx, ev, e.OfferID, "expired")
	case domain.OfferExpiryWarned:
		return t.offerEvent(ctx, tx, ev, e.OfferID, "expires on "+e.ValidUntil.UTC().Format(time.DateOnly))
	case domain.OfferInterestExpressed:
		return t.interest(ctx, tx, ev, e.OfferID, e.OrgID, "received interest in %s", "expressed interest in %s")
	case domain.OfferInterestAccepted:
		return t.interest(ctx, tx, ev, e.OfferID, e.OrgID, "accepted an interest in %s", "interest accepted in %s")
	case domain.OfferInterestDeclined:
		return t.interest(ctx, tx, ev, e.OfferID, e.OrgID, "declined an interest in %s", "interest declined in %s")

	case domain.MeetingScheduled:
		return putBookkeeping(ctx, tx, timelineMeetingsCollection, e.MeetingID, timelineMeeting{ID: e.MeetingID, Title: e.Details.Title, Regs: []timelineMeetReg{}})
	case domain.MeetingRescheduled:
		return t.meetingChanged(ctx, tx, ev, e.MeetingID, &e.Details.Title, "meeting %s rescheduled to "+e.Details.Start.UTC().Format("2006-01-02 15:04 UTC"))
	case domain.MeetingCancelled:
		return t.meetingChanged(ctx, tx, ev, e.MeetingID, nil, "meeting %s cancelled")
	case domain.RegistrationRequested:
		return t.registration(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, true, "asked to register for meeting %s")
	case domain.MeetingRegistered:
		return t.registration(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, true, "registered for meeting %s")
	case domain.RegistrationWaitlisted:
		return t.registration(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, true, "waitlisted for meeting %s")
	case domain.RegistrationApproved:
		what := "registration approved for meeting %s"
		if e.Status == domain.RegistrationStatusWaitlisted {
			what += " (waitlisted)"
		}
		return t.registration(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, true, what)
	case domain.RegistrationRejected:
		return t.registration(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, false, "registration rejected for meeting %s")
	case domain.RegistrationCancelled:
		return t.registration(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, false, "registration cancelled for meeting %s")
	case domain.RegistrationPromoted:
		return t.registration(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, true, "promoted from the waitlist of meeting %s")
	case domain.RegistrationCheckedIn:
		return t.registration(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, true, "checked in at meeting %s")
	case domain.RegistrationMarkedNoShow:
		return t.registration(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, false, "did not show up at meeting %s")

	case domain.VisitProposed:
		pr := e.Proposal
		v := timelineVisit{ID: e.VisitID, Type: pr.Type, Guest: pr.GuestOrgID, Host: pr.HostOrgID}
		if err := putBookkeeping(ctx, tx, timelineVisitsCollection, v.ID, v); err != nil {
			return err
		}
		dates := " for " + pr.StartDate + " – " + pr.EndDate
		if err := t.entry(ctx, tx, ev, v.Guest, TimelineRoleGuest, v.Host, "proposed "+visitNoun(v.Type)+dates); err != nil {
			return err
		}
		return t.entry(ctx, tx, ev, v.Host, TimelineRoleHost, v.Guest, "received a proposal of "+visitNoun(v.Type)+dates)
	case domain.VisitAccepted:
		return t.visit(ctx, tx, ev, e.VisitID, "accepted")
	case domain.VisitDeclined:
		return t.visit(ctx, tx, ev, e.VisitID, "declined")
	case domain.VisitScheduled:
		return t.visit(ctx, tx, ev, e.VisitID, "scheduled for "+e.Schedule.StartDate+" – "+e.Schedule.EndDate)
	case domain.VisitCompleted:
		return t.visit(ctx, tx, ev, e.VisitID, "completed")
	case domain.VisitCancelled:
		return t.visit(ctx, tx, ev, e.VisitID, "cancelled")
	}
	if t.Handles(ev.Type) {
		return fmt.Errorf("projections: timeline: event %s (%s) has payload %T", ev.Type, ev.StreamID, p)
	}
	return nil
}

// entry writes the timeline entry of ev for organisation orgID.
func (*Timeline) entry(ctx context.Context, tx Tx, ev domain.Event, orgID, role, other, summary string) error {
	if orgID == "" {
		return nil
	}
	id := TimelineEntryID(orgID, ev.Position)
	e := TimelineEntry{ID: id, OrgID: orgID, Position: ev.Position, At: ev.RecordedAt, Type: ev.Type,
		StreamID: ev.StreamID, Summary: summary, Role: role, OtherOrgID: other}
	return tx.Put(ctx, Doc{Coll: TimelineCollection, ID: e.ID, Keys: []string{"org:" + orgID}, Sort: int64(ev.Position.Commit), Value: e})
}

// offerLabel names an offer in a summary: `offer "CNC milling"`.
func offerLabel(o timelineOffer) string {
	kind := o.Kind
	if kind == "" {
		kind = "offer"
	}
	return kind + " " + fmt.Sprintf("%q", textLabel(o.Title))
}

// offer writes the owner's entry of an event of offer o: "<offer> <what>".
func (t *Timeline) offer(ctx context.Context, tx Tx, ev domain.Event, o timelineOffer, what string) error {
	return t.entry(ctx, tx, ev, o.Owner, TimelineRoleOwner, "", offerLabel(o)+" "+what)
}

// offerEvent writes the owner's entry of an event of offer id.
func (t *Timeline) offerEvent(ctx context.Context, tx Tx, ev domain.Event, id, what string) error {
	o, ok, err := getDocAs[timelineOffer](ctx, tx, timelineOffersCollection, id)
	if err != nil || !ok {
		return err
	}
	return t.offer(ctx, tx, ev, o, what)
}

// interest writes the entries of an interest event for the owner and the
// interested organisation; the formats get the offer's label.
func (t *Timeline) interest(ctx context.Context, tx Tx, ev domain.Event, offerID, orgID, ownerFormat, interestedFormat string) error {
	o, ok, err := getDocAs[timelineOffer](ctx, tx, timelineOffersCollection, offerID)
	if err != nil {
		return err
	}
	if !ok {
		o = timelineOffer{ID: offerID}
	}
	label := offerLabel(o)
	if err := t.entry(ctx, tx, ev, o.Owner, TimelineRoleOwner, orgID, fmt.Sprintf(ownerFormat, label)); err != nil {
		return err
	}
	return t.entry(ctx, tx, ev, orgID, TimelineRoleInterested, o.Owner, fmt.Sprintf(interestedFormat, label))
}

// meetingLabel names a meeting in a summary.
func meetingLabel(m timelineMeeting) string {
	if l := textLabel(m.Title); l != "" {
		return fmt.Sprintf("%q", l)
	}
	return m.ID
}

// registration records the status of a registration and writes the
// organisation's entry; format gets the meeting's label.
func (t *Timeline) registration(ctx context.Context, tx Tx, ev domain.Event, meetingID, regID, orgID string, active bool, format string) error {
	m, ok, err := getDocAs[timelineMeeting](ctx, tx, timelineMeetingsCollection, meetingID)
	if err != nil {
		return err
	}
	if ok {
		regs := slices.Clone(m.Regs)
		r := timelineMeetReg{ID: regID, OrgID: orgID, Active: active}
		if i := slices.IndexFunc(regs, func(r timelineMeetReg) bool { return r.ID == regID }); i >= 0 {
			regs[i] = r
		} else {
			regs = append(regs, r)
		}
		m.Regs = regs
		if err := putBookkeeping(ctx, tx, timelineMeetingsCollection, meetingID, m); err != nil {
			return err
		}
	} else {
		m = timelineMeeting{ID: meetingID}
	}
	return t.entry(ctx, tx, ev, orgID, TimelineRoleRegistrant, "", fmt.Sprintf(format, meetingLabel(m)))
}

// meetingChanged writes an entry for every organisation with an active
// registration for the meeting; format gets the meeting's label. A new
// title, if given, is recorded afterwards.
func (t *Timeline) meetingChanged(ctx context.Context, tx Tx, ev domain.Event, meetingID string, title *domain.Text, format string) error {
	m, ok, err := getDocAs[timelineMeeting](ctx, tx, timelineMeetingsCollection, meetingID)
	if err != nil || !ok {
		return err
	}
	summary := fmt.Sprintf(format, meetingLabel(m))
	for _, r := range m.Regs {
		if r.Active {
			if err := t.entry(ctx, tx, ev, r.OrgID, TimelineRoleRegistrant, "", summary); err != nil {
				return err
			}
		}
	}
	if title == nil || *title == m.Title {
		return nil
	}
	m.Title = *title
	return putBookkeeping(ctx, tx, timelineMeetingsCollection, meetingID, m)
}

// visitNoun names an exchange visit of a type: "an exchange visit
// (staff_exchange)".
func visitNoun(typ string) string {
	return "an exchange visit (" + typ + ")"
}

// visit writes the guest's and the host's entries of an event of visit
// id: "exchange visit <what>".
func (t *Timeline) visit(ctx context.Context, tx Tx, ev domain.Event, id, what string) error {
	v, ok, err := getDocAs[timelineVisit](ctx, tx, timelineVisitsCollection, id)
	if err != nil || !ok {
		return err
	}
	summary := "exchange visit " + what
	if err := t.entry(ctx, tx, ev, v.Guest, TimelineRoleGuest, v.Host, summary); err != nil {
		return err
	}
	return t.entry(ctx, tx, ev, v.Host, TimelineRoleHost, v.Guest, summary)
}

// TimelineEntryID is the id of the timeline entry of organisation orgID
// for the event at pos. It sorts like the position (List breaks ties of
// Sort by id, and on PostgreSQL the events of one commit share
// Position.Commit).
func TimelineEntryID(orgID string, pos domain.Position) string {
	return fmt.Sprintf("%s/%020d.%020d", orgID, pos.Commit, pos.Prepare)
}
