package domain

import (
	"cmp"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain/reference"
)

// MeetingKinds are the kinds of meetings.
var MeetingKinds = []string{"online_matchmaking", "workshop", "cooperation_fair", "information_event", "study_visit_day"}

const (
	meetingOnline          = "online_matchmaking"
	meetingMaxCapacity     = 10000
	meetingMaxParticipants = 20 // per registration
	meetingCheckInOpens    = 24 * time.Hour
)

// Participant is a person taking part in a meeting or an exchange visit.
// Names, e-mail addresses and positions are personal data.
type Participant struct {
	Name     string `json:"name"`
	Email    string `json:"email,omitempty"`
	Position string `json:"position,omitempty"`
	// PersonID and Erased are set by the store (see personal.go).
	PersonID string `json:"person_id,omitempty"`
	Erased   bool   `json:"erased,omitempty"`
}

// normalize trims p and adds its problems to es with field paths below
// field ("participants.0.name", …).
func (p Participant) normalize(es *ValidationErrors, field string) Participant {
	p.Name, p.Email, p.Position = strings.TrimSpace(p.Name), strings.TrimSpace(p.Email), strings.TrimSpace(p.Position)
	p.PersonID = keepPersonID(es, field, p.PersonID, p.Erased, p.Name)
	checkString(es, field+".name", p.Name, 1, 200)
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			es.Add(field+".email", p.Email, "not an e-mail address")
		}
	}
	checkString(es, field+".position", p.Position, 0, 100)
	return p
}

// MeetingDetails are the settings of a meeting: chosen when it is scheduled,
// replaced as a whole when it is rescheduled.
type MeetingDetails struct {
	Title       Text   `json:"title"`
	Description Text   `json:"description,omitzero"`
	Kind        string `json:"kind"`
	// Start and End are instants, stored in UTC; TimeZone is the IANA zone
	// the meeting is held in, for showing local times.
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	TimeZone string    `json:"time_zone"`
	// Place is required unless the meeting is an online matchmaking meeting.
	Place *Address `json:"place,omitempty"`
	// OnlineURL is the https link to join; required for online matchmaking,
	// optional (hybrid meetings) otherwise.
	OnlineURL string   `json:"online_url,omitempty"`
	Languages []string `json:"languages"`
	// Interpretation lists the interpreted language pairs, e.g. "de-pl".
	Interpretation []string `json:"interpretation,omitempty"`
	// Capacity counts seats, i.e. participants, not registrations.
	Capacity int `json:"capacity"`
	// RegistrationDeadline is the last moment to register, at most Start;
	// Normalize sets a zero deadline to Start.
	RegistrationDeadline time.Time `json:"registration_deadline"`
	// RequiresApproval: registrations wait for staff approval before they
	// get seats.
	RequiresApproval bool `json:"requires_approval"`
	// FundingProgramme names the programme paying for the meeting, e.g.
	// "Interreg Polska – Saksonia 2021–2027", and ProjectReference the
	// project it belongs to (as on exchange visits); both optional.
	FundingProgramme string `json:"funding_programme,omitempty"`
	ProjectReference string `json:"project_reference,omitempty"`
}

// Normalize validates d and returns it with times in UTC and codes in
// canonical form, or every problem found as ValidationErrors. Whether the
// times lie in the future is checked by the commands, which know the time.
func (d MeetingDetails) Normalize() (MeetingDetails, error) {
	var es ValidationErrors
	d.Title.validate(&es, "title", 200)
	if !d.Description.IsZero() {
		d.Description.validate(&es, "description", 5000)
	}
	if !slices.Contains(MeetingKinds, d.Kind) {
		es.Add("kind", d.Kind, "must be one of "+strings.Join(MeetingKinds, ", "))
	}
	d.Start, d.End, d.RegistrationDeadline = d.Start.UTC(), d.End.UTC(), d.RegistrationDeadline.UTC()
	if d.Start.IsZero() {
		es.Add("start", "", "is required")
	}
	if d.End.IsZero() {
		es.Add("end", "", "is required")
	} else if !d.Start.IsZero() && !d.End.After(d.Start) {
		es.Add("end", d.End.Format(time.RFC3339), "must be after start")
	}
	if d.RegistrationDeadline.IsZero() {
		d.RegistrationDeadline = d.Start
	} else if d.RegistrationDeadline.After(d.Start) {
		es.Add("registration_deadline", d.RegistrationDeadline.Format(time.RFC3339), "must not be after start")
	}
	d.TimeZone = strings.TrimSpace(d.TimeZone)
	if _, err := time.LoadLocation(d.TimeZone); err != nil || d.TimeZone == "" || d.TimeZone == "Local" {
		es.Add("time_zone", d.TimeZone, "not an IANA time zone such as Europe/Berlin, Europe/Warsaw or Europe/Prague")
	}
	if d.Place != nil {
		a := *d.Place
		checkString(&es, "place.city", a.City, 1, 100)
		checkString(&es, "place.street", a.Street, 0, 200)
		checkString(&es, "place.postal_code", a.PostalCode, 0, 20)
		a.Country = normCountry(&es, "place.country", a.Country)
		d.Place = &a
	} else if d.Kind != meetingOnline {
		es.Add("place", "", "is required unless the meeting is "+meetingOnline)
	}
	checkString(&es, "online_url", d.OnlineURL, 0, 500)
	if d.OnlineURL != "" {
		if u, err := url.Parse(d.OnlineURL); err != nil || u.Scheme != "https" || u.Host == "" {
			es.Add("online_url", d.OnlineURL, "must be an https URL")
		}
	} else if d.Kind == meetingOnline {
		es.Add("online_url", "", "is required for "+meetingOnline)
	}
	d.Languages = normLanguages(&es, "languages", d.Languages, 1)
	d.Interpretation = meetingInterpretation(&es, d.Interpretation)
	if d.Capacity < 1 || d.Capacity > meetingMaxCapacity {
		es.Add("capacity", itoa(d.Capacity), "must be between 1 and "+itoa(meetingMaxCapacity))
	}
	d.FundingProgramme, d.ProjectReference = strings.TrimSpace(d.FundingProgramme), strings.TrimSpace(d.ProjectReference)
	checkString(&es, "funding_programme", d.FundingProgramme, 0, 200)
	checkString(&es, "project_reference", d.ProjectReference, 0, 100)
	return d, es.Err()
}

// meetingInterpretation validates language pairs such as "de-pl" (both
// ISO 639-1, different) and removes duplicates; nil when there are none.
func meetingInterpretation(es *ValidationErrors, pairs []string) []string {
	if len(pairs) > 20 {
		es.Add("interpretation", itoa(len(pairs)), "at most 20 language pairs")
	}
	var out []string
	for i, p := range pairs {
		from, to, ok := strings.Cut(p, "-")
		l1, err1 := reference.LookupLanguage(from)
		l2, err2 := reference.LookupLanguage(to)
		if !ok || err1 != nil || err2 != nil || l1.Code == l2.Code {
			es.Add("interpretation."+itoa(i), p, "must be a pair of two different ISO 639-1 codes such as de-pl")
			continue
		}
		if pair := l1.Code + "-" + l2.Code; !slices.Contains(out, pair) {
			out = append(out, pair)
		}
	}
	return out
}

// normalizeAt is Normalize plus the checks that need the time: a new (or
// changed, compared with prev) start must lie in the future, a new
// registration deadline must not lie in the past.
func (d MeetingDetails) normalizeAt(now time.Time, prev MeetingDetails) (MeetingDetails, error) {
	d, err := d.Normalize()
	es, _ := err.(ValidationErrors)
	if !d.Start.IsZero() && !d.Start.Equal(prev.Start) && !d.Start.After(now) {
		es.Add("start", d.Start.Format(time.RFC3339), "must be in the future")
	}
	if !d.RegistrationDeadline.IsZero() && !d.RegistrationDeadline.Equal(prev.RegistrationDeadline) && d.RegistrationDeadline.Before(now) {
		es.Add("registration_deadline", d.RegistrationDeadline.Format(time.RFC3339), "must not be in the past")
	}
	return d, es.Err()
}

// Meeting is the state of a meeting and its registrations. Its details are
// embedded: m.Capacity, m.Start, …
type Meeting struct {
	ID string `json:"id"`
	MeetingDetails
	Status string `json:"status"`
	// CancellationReason is set once cancelled.
	CancellationReason string `json:"cancellation_reason,omitempty"`
	// Registrations are in the order they were made.
	Registrations []Registration `json:"registrations"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// Meeting statuses.
const (
	MeetingStatusScheduled = "scheduled"
	MeetingStatusCancelled = "cancelled"
)

// Registration is one organisation's registration for a meeting with its
// participants.
type Registration struct {
	ID              string        `json:"id"`
	OrgID           string        `json:"org_id"`
	Participants    []Participant `json:"participants"`
	Status          string        `json:"status"`
	RegisteredAt    time.Time     `json:"registered_at"`
	StatusChangedAt time.Time     `json:"status_changed_at"`
	// WaitlistSeq orders the waitlist (lower first); 0: never waitlisted.
	WaitlistSeq int `json:"waitlist_seq,omitempty"`
	// RejectionReason is set once rejected.
	RejectionReason string `json:"rejection_reason,omitempty"`
}

// Registration statuses.
const (
	RegistrationStatusPending    = "pending_approval"
	RegistrationStatusRegistered = "registered"
	RegistrationStatusWaitlisted = "waitlisted"
	RegistrationStatusCancelled  = "cancelled"
	RegistrationStatusRejected   = "rejected"
	RegistrationStatusCheckedIn  = "checked_in"
	RegistrationStatusNoShow     = "no_show"
)

// Active reports whether r still counts as the organisation's registration:
// pending, registered, waitlisted or checked in.
func (r Registration) Active() bool {
	switch r.Status {
	case RegistrationStatusPending, RegistrationStatusRegistered, RegistrationStatusWaitlisted, RegistrationStatusCheckedIn:
		return true
	}
	return false
}

// holdsSeats reports whether r's participants occupy seats. A no-show
// keeps its seats: the meeting has started, nothing is handed on.
func (r Registration) holdsSeats() bool {
	return r.Status == RegistrationStatusRegistered || r.Status == RegistrationStatusCheckedIn || r.Status == RegistrationStatusNoShow
}

// SeatsTaken returns the number of participants holding seats.
func (m Meeting) SeatsTaken() int {
	n := 0
	for _, r := range m.Registrations {
		if r.holdsSeats() {
			n += len(r.Participants)
		}
	}
	return n
}

// SeatsFree returns the number of seats not taken.
func (m Meeting) SeatsFree() int { return max(0, m.Capacity-m.SeatsTaken()) }

// Waitlist returns the waitlisted registrations, first in line first.
func (m Meeting) Waitlist() []Registration {
	var w []Registration
	for _, r := range m.Registrations {
		if r.Status == RegistrationStatusWaitlisted {
			w = append(w, r)
		}
	}
	slices.SortStableFunc(w, func(a, b Registration) int { return cmp.Compare(a.WaitlistSeq, b.WaitlistSeq) })
	return w
}

// Registration returns the registration with the given id.
func (m Meeting) Registration(id string) (Registration, bool) {
	i := slices.IndexFunc(m.Registrations, func(r Registration) bool { return r.ID == id })
	if i < 0 {
		return Registration{}, false
	}
	return m.Registrations[i], true
}

// RegistrationOf returns the latest registration of organisation orgID,
// which is its active one if it has one (an organisation registers again
// only once its earlier registration is no longer active).
func (m Meeting) RegistrationOf(orgID string) (Registration, bool) {
	for _, r := range slices.Backward(m.Registrations) {
		if r.OrgID == orgID {
			return r, true
		}
	}
	return Registration{}, false
}

// MeetingKind is the aggregate kind of meetings: streams "meeting-<id>".
var MeetingKind = Kind[Meeting]{Category: "meeting", Evolve: Meeting.evolve}

// MeetingScheduled: a new meeting, open for registration.
type MeetingScheduled struct {
	MeetingID   string         `json:"meeting_id"`
	Details     MeetingDetails `json:"details"`
	ScheduledAt time.Time      `json:"scheduled_at"`
}

// MeetingRescheduled: the details were replaced (time, place, capacity, …).
// Promotions a raised capacity allows follow as RegistrationPromoted.
type MeetingRescheduled struct {
	MeetingID     string         `json:"meeting_id"`
	Details       MeetingDetails `json:"details"`
	RescheduledAt time.Time      `json:"rescheduled_at"`
}

// MeetingCancelled: the meeting will not take place. Its registrations keep
// their last status.
type MeetingCancelled struct {
	MeetingID   string    `json:"meeting_id"`
	Reason      string    `json:"reason,omitempty"`
	CancelledAt time.Time `json:"cancelled_at"`
}

// RegistrationRequested: an organisation asked to take part in a meeting
// that requires approval; it holds no seats until approved.
type RegistrationRequested struct {
	MeetingID      string        `json:"meeting_id"`
	RegistrationID string        `json:"registration_id"`
	OrgID          string        `json:"org_id"`
	Participants   []Participant `json:"participants"`
	RequestedAt    time.Time     `json:"requested_at"`
}

// MeetingRegistered: an organisation registered and got seats for all its
// participants.
type MeetingRegistered struct {
	MeetingID      string        `json:"meeting_id"`
	RegistrationID string        `json:"registration_id"`
	OrgID          string        `json:"org_id"`
	Participants   []Participant `json:"participants"`
	RegisteredAt   time.Time     `json:"registered_at"`
}

// RegistrationWaitlisted: an organisation registered but there were not
// enough free seats (or others were waiting already); it joins the end of
// the waitlist.
type RegistrationWaitlisted struct {
	MeetingID      string        `json:"meeting_id"`
	RegistrationID string        `json:"registration_id"`
	OrgID          string        `json:"org_id"`
	Participants   []Participant `json:"participants"`
	WaitlistSeq    int           `json:"waitlist_seq"`
	WaitlistedAt   time.Time     `json:"waitlisted_at"`
}

// RegistrationApproved: staff approved a pending registration; Status says
// whether it got seats (registered) or joined the waitlist (waitlisted,
// with WaitlistSeq).
type RegistrationApproved struct {
	MeetingID      string    `json:"meeting_id"`
	RegistrationID string    `json:"registration_id"`
	OrgID          string    `json:"org_id"`
	Status         string    `json:"status"`
	WaitlistSeq    int       `json:"waitlist_seq,omitempty"`
	ApprovedAt     time.Time `json:"approved_at"`
}

// RegistrationRejected: staff turned down a pending registration.
type RegistrationRejected struct {
	MeetingID      string    `json:"meeting_id"`
	RegistrationID string    `json:"registration_id"`
	OrgID          string    `json:"org_id"`
	Reason         string    `json:"reason,omitempty"`
	RejectedAt     time.Time `json:"rejected_at"`
}

// RegistrationCancelled: a pending, registered or waitlisted registration
// was withdrawn; seats it held are free again.
type RegistrationCancelled struct {
	MeetingID      string    `json:"meeting_id"`
	RegistrationID string    `json:"registration_id"`
	OrgID          string    `json:"org_id"`
	CancelledAt    time.Time `json:"cancelled_at"`
}

// RegistrationPromoted: a waitlisted registration got seats.
type RegistrationPromoted struct {
	MeetingID      string    `json:"meeting_id"`
	RegistrationID string    `json:"registration_id"`
	OrgID          string    `json:"org_id"`
	PromotedAt     time.Time `json:"promoted_at"`
}

// RegistrationCheckedIn: the organisation's participants arrived.
type RegistrationCheckedIn struct {
	MeetingID      string    `json:"meeting_id"`
	RegistrationID string    `json:"registration_id"`
	OrgID          string    `json:"org_id"`
	CheckedInAt    time.Time `json:"checked_in_at"`
}

// RegistrationMarkedNoShow: a registered organisation did not turn up.
type RegistrationMarkedNoShow struct {
	MeetingID      string    `json:"meeting_id"`
	RegistrationID string    `json:"registration_id"`
	OrgID          string    `json:"org_id"`
	MarkedAt       time.Time `json:"marked_at"`
}

// EventType implements Payload.
func (MeetingScheduled) EventType() string { return "MeetingScheduled" }

// EventType implements Payload.
func (MeetingRescheduled) EventType() string { return "MeetingRescheduled" }

// EventType implements Payload.
func (MeetingCancelled) EventType() string { return "MeetingCancelled" }

// EventType implements Payload.
func (RegistrationRequested) EventType() string { return "RegistrationRequested" }

// EventType implements Payload.
func (MeetingRegistered) EventType() string { return "MeetingRegistered" }

// EventType implements Payload.
func (RegistrationWaitlisted) EventType() string { return "RegistrationWaitlisted" }

// EventType implements Payload.
func (RegistrationApproved) EventType() string { return "RegistrationApproved" }

// EventType implements Payload.
func (RegistrationRejected) EventType() string { return "RegistrationRejected" }

// EventType implements Payload.
func (RegistrationCancelled) EventType() string { return "RegistrationCancelled" }

// EventType implements Payload.
func (RegistrationPromoted) EventType() string { return "RegistrationPromoted" }

// EventType implements Payload.
func (RegistrationCheckedIn) EventType() string { return "RegistrationCheckedIn" }

// EventType implements Payload.
func (RegistrationMarkedNoShow) EventType() string { return "RegistrationMarkedNoShow" }

func init() {
	RegisterEvent[MeetingScheduled](1)
	RegisterEvent[MeetingRescheduled](1)
	RegisterEvent[MeetingCancelled](1)
	RegisterEvent[RegistrationRequested](1)
	RegisterEvent[MeetingRegistered](1)
	RegisterEvent[RegistrationWaitlisted](1)
	RegisterEvent[RegistrationApproved](1)
	RegisterEvent[RegistrationRejected](1)
	RegisterEvent[RegistrationCancelled](1)
	RegisterEvent[RegistrationPromoted](1)
	RegisterEvent[RegistrationCheckedIn](1)
	RegisterEvent[RegistrationMarkedNoShow](1)
}

func (m Meeting) evolve(p Payload) Meeting {
	switch e := p.(type) {
	case MeetingScheduled:
		m = Meeting{ID: e.MeetingID, MeetingDetails: e.Details, Status: MeetingStatusScheduled, CreatedAt: e.ScheduledAt, UpdatedAt: e.ScheduledAt}
	case MeetingRescheduled:
		m.MeetingDetails, m.UpdatedAt = e.Details, e.RescheduledAt
	case MeetingCancelled:
		m.Status, m.CancellationReason, m.UpdatedAt = MeetingStatusCancelled, e.Reason, e.CancelledAt
	case RegistrationRequested:
		m = m.add(Registration{ID: e.RegistrationID, OrgID: e.OrgID, Participants: e.Participants, Status: RegistrationStatusPending}, e.RequestedAt)
	case MeetingRegistered:
		m = m.add(Registration{ID: e.RegistrationID, OrgID: e.OrgID, Participants: e.Participants, Status: RegistrationStatusRegistered}, e.RegisteredAt)
	case RegistrationWaitlisted:
		m = m.add(Registration{ID: e.RegistrationID, OrgID: e.OrgID, Participants: e.Participants, Status: RegistrationStatusWaitlisted, WaitlistSeq: e.WaitlistSeq}, e.WaitlistedAt)
	case RegistrationApproved:
		m = m.change(e.RegistrationID, e.ApprovedAt, func(r *Registration) { r.Status, r.WaitlistSeq = e.Status, e.WaitlistSeq })
	case RegistrationRejected:
		m = m.change(e.RegistrationID, e.RejectedAt, func(r *Registration) { r.Status, r.RejectionReason = RegistrationStatusRejected, e.Reason })
	case RegistrationCancelled:
		m = m.change(e.RegistrationID, e.CancelledAt, func(r *Registration) { r.Status = RegistrationStatusCancelled })
	case RegistrationPromoted:
		m = m.change(e.RegistrationID, e.PromotedAt, func(r *Registration) { r.Status = RegistrationStatusRegistered })
	case RegistrationCheckedIn:
		m = m.change(e.RegistrationID, e.CheckedInAt, func(r *Registration) { r.Status = RegistrationStatusCheckedIn })
	case RegistrationMarkedNoShow:
		m = m.change(e.RegistrationID, e.MarkedAt, func(r *Registration) { r.Status = RegistrationStatusNoShow })
	}
	return m
}

// add appends r, registered at at. It never writes into the backing array
// of m's registrations, so states evolved in Decide stay independent.
func (m Meeting) add(r Registration, at time.Time) Meeting {
	r.RegisteredAt, r.StatusChangedAt = at, at
	m.Registrations = append(slices.Clip(m.Registrations), r)
	m.UpdatedAt = at
	return m
}

// change applies f to a copy of registration id, changed at at.
func (m Meeting) change(id string, at time.Time, f func(*Registration)) Meeting {
	i := slices.IndexFunc(m.Registrations, func(r Registration) bool { return r.ID == id })
	if i < 0 {
		return m
	}
	m.Registrations = slices.Clone(m.Registrations)
	f(&m.Registrations[i])
	m.Registrations[i].StatusChangedAt, m.UpdatedAt = at, at
	return m
}

// seatsFor reports whether a registration of n participants gets seats
// right away: only if it fits and nobody is waiting, so that it never
// overtakes the waitlist.
func (m Meeting) seatsFor(n int) bool { return n <= m.SeatsFree() && len(m.Waitlist()) == 0 }

// nextWaitlistSeq returns the sequence number for the end of the waitlist.
func (m Meeting) nextWaitlistSeq() int {
	seq := 0
	for _, r := range m.Registrations {
		seq = max(seq, r.WaitlistSeq)
	}
	return seq + 1
}

// promotions returns the RegistrationPromoted events for m: strictly in
// waitlist order, while the first waitlisted registration fits into the
// free seats. A large registration at the head of the waitlist is never
// skipped to promote a smaller one behind it (head-of-line): first come,
// first served, even if seats stay empty until enough are free for it or
// it is cancelled. Decide calls it on the state after its own event, so
// afterwards the head of the waitlist never fits.
func (m Meeting) promotions(now time.Time) []Payload {
	var ps []Payload
	free := m.SeatsFree()
	for _, r := range m.Waitlist() {
		if len(r.Participants) > free {
			break
		}
		free -= len(r.Participants)
		ps = append(ps, RegistrationPromoted{MeetingID: m.ID, RegistrationID: r.ID, OrgID: r.OrgID, PromotedAt: now})
	}
	return ps
}

func (m Meeting) mustExist() error {
	if m.ID == "" {
		return ErrNotFound
	}
	return nil
}

func (m Meeting) mustBeScheduled() error {
	if m.Status != MeetingStatusScheduled {
		return invalidState("meeting %s is %s", m.ID, m.Status)
	}
	return nil
}

// registration returns registration id or an error matching ErrNotFound.
func (m Meeting) registration(id string) (Registration, error) {
	r, ok := m.Registration(id)
	if !ok {
		return r, fmt.Errorf("%w: meeting %s has no registration %q", ErrNotFound, m.ID, id)
	}
	return r, nil
}

// staffRegistration runs the checks shared by the staff-only registration
// commands: the meeting exists and is scheduled, the actor is staff, the
// registration exists and has status want.
func (m Meeting) staffRegistration(actor Actor, what, id, want string) (Registration, error) {
	if err := m.mustExist(); err != nil {
		return Registration{}, err
	}
	if !actor.IsStaff() {
		return Registration{}, forbid(actor, what)
	}
	if err := m.mustBeScheduled(); err != nil {
		return Registration{}, err
	}
	r, err := m.registration(id)
	if err == nil && r.Status != want {
		err = invalidState("registration %s is %s, not %s", r.ID, r.Status, want)
	}
	return r, err
}

// ScheduleMeeting schedules a new meeting (staff).
type ScheduleMeeting struct {
	Details MeetingDetails
}

// Decide implements the command. The start must lie in the future.
func (c ScheduleMeeting) Decide(m Meeting, id string, actor Actor, now time.Time) ([]Payload, error) {
	if !actor.IsStaff() {
		return nil, forbid(actor, "schedule meetings")
	}
	if m.ID != "" {
		return nil, invalidState("meeting %s is already scheduled", m.ID)
	}
	d, err := c.Details.normalizeAt(now, MeetingDetails{})
	if err != nil {
		return nil, err
	}
	return []Payload{MeetingScheduled{MeetingID: id, Details: d, ScheduledAt: now}}, nil
}

// RescheduleMeeting replaces the details of a scheduled meeting (staff).
type RescheduleMeeting struct {
	Details MeetingDetails
}

// Decide implements the command. A changed start must lie in the future.
// The capacity may not drop below the seats taken, nor below the size of a
// waiting (pending or waitlisted) registration, which could then never get
// seats and would block the waitlist for good. A raised capacity promotes
// from the waitlist in the same decision.
func (c RescheduleMeeting) Decide(m Meeting, actor Actor, now time.Time) ([]Payload, error) {
	if err := m.mustExist(); err != nil {
		return nil, err
	}
	if !actor.IsStaff() {
		return nil, forbid(actor, "reschedule meetings")
	}
	if err := m.mustBeScheduled(); err != nil {
		return nil, err
	}
	d, err := c.Details.normalizeAt(now, m.MeetingDetails)
	if err != nil {
		return nil, err
	}
	if taken := m.SeatsTaken(); d.Capacity < taken {
		return nil, invalidState("meeting %s: capacity %d is below the %d seats already taken", m.ID, d.Capacity, taken)
	}
	for _, r := range m.Registrations {
		if (r.Status == RegistrationStatusPending || r.Status == RegistrationStatusWaitlisted) && len(r.Participants) > d.Capacity {
			return nil, invalidState("meeting %s: capacity %d is below the %d participants of waiting registration %s", m.ID, d.Capacity, len(r.Participants), r.ID)
		}
	}
	ev := MeetingRescheduled{MeetingID: m.ID, Details: d, RescheduledAt: now}
	return append([]Payload{ev}, m.evolve(ev).promotions(now)...), nil
}

// CancelMeeting calls off a scheduled meeting that has not ended (staff).
type CancelMeeting struct {
	Reason string
}

// Decide implements the command.
func (c CancelMeeting) Decide(m Meeting, actor Actor, now time.Time) ([]Payload, error) {
	if err := m.mustExist(); err != nil {
		return nil, err
	}
	if !actor.IsStaff() {
		return nil, forbid(actor, "cancel meetings")
	}
	if err := m.mustBeScheduled(); err != nil {
		return nil, err
	}
	if now.After(m.End) {
		return nil, invalidState("meeting %s ended at %s", m.ID, m.End.Format(time.RFC3339))
	}
	var es ValidationErrors
	checkString(&es, "reason", c.Reason, 0, 1000)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{MeetingCancelled{MeetingID: m.ID, Reason: c.Reason, CancelledAt: now}}, nil
}

// RegisterForMeeting registers an organisation with its participants: a
// partner for its own organisation, staff for any.
type RegisterForMeeting struct {
	RegistrationID string
	OrgID          string
	Participants   []Participant
}

// Decide implements the command. Until the registration deadline of a
// scheduled meeting, an organisation without an active registration
// registers: pending when the meeting requires approval; registered when
// its participants fit into the free seats and nobody is waiting;
// waitlisted otherwise. It may not bring more participants than the
// meeting has seats.
func (c RegisterForMeeting) Decide(m Meeting, actor Actor, now time.Time) ([]Payload, error) {
	if err := m.mustExist(); err != nil {
		return nil, err
	}
	if !actor.ActsFor(c.OrgID) && !actor.IsStaff() {
		return nil, forbid(actor, "register organisation "+c.OrgID+" for meetings")
	}
	if err := m.mustBeScheduled(); err != nil {
		return nil, err
	}
	if now.After(m.RegistrationDeadline) {
		return nil, invalidState("registration for meeting %s closed at %s", m.ID, m.RegistrationDeadline.Format(time.RFC3339))
	}
	if r, ok := m.RegistrationOf(c.OrgID); ok && r.Active() {
		return nil, invalidState("organisation %s already has registration %s (%s) for meeting %s", c.OrgID, r.ID, r.Status, m.ID)
	}
	if _, ok := m.Registration(c.RegistrationID); ok {
		return nil, invalidState("meeting %s already has a registration %s", m.ID, c.RegistrationID)
	}
	var es ValidationErrors
	checkString(&es, "registration_id", c.RegistrationID, 1, 100)
	checkString(&es, "org_id", c.OrgID, 1, 100)
	switch n := len(c.Participants); {
	case n < 1 || n > meetingMaxParticipants:
		es.Add("participants", itoa(n), "needs 1 to "+itoa(meetingMaxParticipants)+" participants")
	case n > m.Capacity:
		es.Add("participants", itoa(n), "more participants than the meeting has seats ("+itoa(m.Capacity)+")")
	}
	ps := make([]Participant, len(c.Participants))
	for i, p := range c.Participants {
		ps[i] = p.normalize(&es, "participants."+itoa(i))
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	switch {
	case m.RequiresApproval:
		return []Payload{RegistrationRequested{MeetingID: m.ID, RegistrationID: c.RegistrationID, OrgID: c.OrgID, Participants: ps, RequestedAt: now}}, nil
	case m.seatsFor(len(ps)):
		return []Payload{MeetingRegistered{MeetingID: m.ID, RegistrationID: c.RegistrationID, OrgID: c.OrgID, Participants: ps, RegisteredAt: now}}, nil
	}
	return []Payload{RegistrationWaitlisted{MeetingID: m.ID, RegistrationID: c.RegistrationID, OrgID: c.OrgID, Participants: ps, WaitlistSeq: m.nextWaitlistSeq(), WaitlistedAt: now}}, nil
}

// ApproveRegistration approves a pending registration (staff).
type ApproveRegistration struct {
	RegistrationID string
}

// Decide implements the command. The registration gets seats when its
// participants fit and nobody is waiting; otherwise it joins the end of the
// waitlist. The registration deadline does not apply.
func (c ApproveRegistration) Decide(m Meeting, actor Actor, now time.Time) ([]Payload, error) {
	r, err := m.staffRegistration(actor, "approve registrations", c.RegistrationID, RegistrationStatusPending)
	if err != nil {
		return nil, err
	}
	ev := RegistrationApproved{MeetingID: m.ID, RegistrationID: r.ID, OrgID: r.OrgID, Status: RegistrationStatusRegistered, ApprovedAt: now}
	if !m.seatsFor(len(r.Participants)) {
		ev.Status, ev.WaitlistSeq = RegistrationStatusWaitlisted, m.nextWaitlistSeq()
	}
	return []Payload{ev}, nil
}

// RejectRegistration turns down a pending registration (staff).
type RejectRegistration struct {
	RegistrationID string
	Reason         string
}

// Decide implements the command.
func (c RejectRegistration) Decide(m Meeting, actor Actor, now time.Time) ([]Payload, error) {
	r, err := m.staffRegistration(actor, "reject registrations", c.RegistrationID, RegistrationStatusPending)
	if err != nil {
		return nil, err
	}
	var es ValidationErrors
	checkString(&es, "reason", c.Reason, 0, 1000)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{RegistrationRejected{MeetingID: m.ID, RegistrationID: r.ID, OrgID: r.OrgID, Reason: c.Reason, RejectedAt: now}}, nil
}

// CancelRegistration withdraws a pending, registered or waitlisted
// registration before the meeting ends: the organisation's partner or staff.
type CancelRegistration struct {
	RegistrationID string
}

// Decide implements the command. Freed seats (or a cancelled head of the
// waitlist) promote waitlisted registrations in the same decision, in
// waitlist order, without skipping (see promotions).
func (c CancelRegistration) Decide(m Meeting, actor Actor, now time.Time) ([]Payload, error) {
	if err := m.mustExist(); err != nil {
		return nil, err
	}
	r, err := m.registration(c.RegistrationID)
	if err != nil {
		return nil, err
	}
	if !actor.ActsFor(r.OrgID) && !actor.IsStaff() {
		return nil, forbid(actor, "cancel registrations of organisation "+r.OrgID)
	}
	if err := m.mustBeScheduled(); err != nil {
		return nil, err
	}
	switch r.Status {
	case RegistrationStatusPending, RegistrationStatusRegistered, RegistrationStatusWaitlisted:
	default:
		return nil, invalidState("registration %s is %s", r.ID, r.Status)
	}
	if now.After(m.End) {
		return nil, invalidState("meeting %s ended at %s", m.ID, m.End.Format(time.RFC3339))
	}
	ev := RegistrationCancelled{MeetingID: m.ID, RegistrationID: r.ID, OrgID: r.OrgID, CancelledAt: now}
	return append([]Payload{ev}, m.evolve(ev).promotions(now)...), nil
}

// CheckInRegistration records that a registered organisation's participants
// arrived (staff), from 24 hours before the start until the end.
type CheckInRegistration struct {
	RegistrationID string
}

// Decide implements the command.
func (c CheckInRegistration) Decide(m Meeting, actor Actor, now time.Time) ([]Payload, error) {
	r, err := m.staffRegistration(actor, "check in participants", c.RegistrationID, RegistrationStatusRegistered)
	if err != nil {
		return nil, err
	}
	if opens := m.Start.Add(-meetingCheckInOpens); now.Before(opens) || now.After(m.End) {
		return nil, invalidState("check-in for meeting %s is open from %s to %s", m.ID, opens.Format(time.RFC3339), m.End.Format(time.RFC3339))
	}
	return []Payload{RegistrationCheckedIn{MeetingID: m.ID, RegistrationID: r.ID, OrgID: r.OrgID, CheckedInAt: now}}, nil
}

// MarkNoShow records that a registered organisation did not turn up
// (staff), once the meeting has started.
type MarkNoShow struct {
	RegistrationID string
}

// Decide implements the command.
func (c MarkNoShow) Decide(m Meeting, actor Actor, now time.Time) ([]Payload, error) {
	r, err := m.staffRegistration(actor, "mark no-shows", c.RegistrationID, RegistrationStatusRegistered)
	if err != nil {
		return nil, err
	}
	if !now.After(m.Start) {
		return nil, invalidState("meeting %s starts at %s", m.ID, m.Start.Format(time.RFC3339))
	}
	return []Payload{RegistrationMarkedNoShow{MeetingID: m.ID, RegistrationID: r.ID, OrgID: r.OrgID, MarkedAt: now}}, nil
}
