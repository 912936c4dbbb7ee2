package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Read visibility of meetings: every role reads a meeting (details, seats
// taken and free, waitlist length). Staff (admin, coordinator) and auditors
// see every registration; a partner sees only the registrations of its own
// organisation, and reading another organisation's registration is
// forbidden.

// registerBody is the body of a registration for a meeting.
type registerBody struct {
	// OrganisationID is the registering organisation; a partner may leave
	// it out to register its own.
	OrganisationID string               `json:"organisation_id,omitempty"`
	Participants   []domain.Participant `json:"participants"`
}

// registrationView is a registration as the API shows it.
type registrationView struct {
	MeetingID string `json:"meeting_id"`
	domain.Registration
	// WaitlistPosition is the 1-based place in the waitlist of a
	// waitlisted registration.
	WaitlistPosition int `json:"waitlist_position,omitempty"`
}

// meetingView is a meeting as the API shows it: the registrations the
// caller may see, and the seat figures.
type meetingView struct {
	domain.Meeting
	// Registrations are those the caller may see, in the order they were
	// made.
	Registrations  []registrationView `json:"registrations"`
	SeatsTaken     int                `json:"seats_taken"`
	SeatsFree      int                `json:"seats_free"`
	WaitlistLength int                `json:"waitlist_length"`
}

// registrationResult answers a command on one registration: the meeting
// as the caller may see it, plus that registration, whose status tells the
// outcome (registered, waitlisted, pending_approval, …).
type registrationResult struct {
	meetingView
	Registration registrationView `json:"registration"`
}

// registrationList is the roster of a meeting.
type registrationList struct {
	MeetingID  string             `json:"meeting_id"`
	SeatsTaken int                `json:"seats_taken"`
	SeatsFree  int                `json:"seats_free"`
	Items      []registrationView `json:"items"`
}

// registrationStatuses are the values of the roster's status filter.
var registrationStatuses = []string{
	domain.RegistrationStatusPending, domain.RegistrationStatusRegistered, domain.RegistrationStatusWaitlisted,
	domain.RegistrationStatusCancelled, domain.RegistrationStatusRejected, domain.RegistrationStatusCheckedIn,
	domain.RegistrationStatusNoShow,
}

// seesAllRegistrations reports whether the caller sees every registration.
func (c *call) seesAllRegistrations() bool {
	return c.actor.IsStaff() || c.actor.Role == domain.RoleAuditor
}

// maySeeRegistration reports whether the caller may see r.
func (c *call) maySeeRegistration(r domain.Registration) bool {
	return c.seesAllRegistrations() || (c.actor.Role == domain.RolePartner && r.OrgID == c.actor.OrgID)
}

// waitlistPositions maps the ids of m's waitlisted registrations to their
// 1-based place in the waitlist.
func waitlistPositions(m domain.Meeting) map[string]int {
	pos := map[string]int{}
	for i, r := range m.Waitlist() {
		pos[r.ID] = i + 1
	}
	return pos
}

func viewRegistration(m domain.Meeting, r domain.Registration, pos map[string]int) registrationView {
	return registrationView{MeetingID: m.ID, Registration: r, WaitlistPosition: pos[r.ID]}
}

// viewMeeting returns m as the caller may see it.
func (c *call) viewMeeting(m domain.Meeting) meetingView {
	pos := waitlistPositions(m)
	v := meetingView{Meeting: m, Registrations: []registrationView{}, SeatsTaken: m.SeatsTaken(), SeatsFree: m.SeatsFree(), WaitlistLength: len(pos)}
	for _, r := range m.Registrations {
		if c.maySeeRegistration(r) {
			v.Registrations = append(v.Registrations, viewRegistration(m, r, pos))
		}
	}
	return v
}

// viewRegistrationOf returns registration id of m for the caller:
// ErrNotFound when m has none, ErrForbidden when the caller may not see it.
func (c *call) viewRegistrationOf(m domain.Meeting, id string) (registrationView, error) {
	r, ok := m.Registration(id)
	if !ok {
		return registrationView{}, fmt.Errorf("%w: meeting %s has no registration %q", domain.ErrNotFound, m.ID, id)
	}
	if !c.maySeeRegistration(r) {
		return registrationView{}, fmt.Errorf("%w: %s may not read registrations of organisation %s", domain.ErrForbidden, c.actor.Role, r.OrgID)
	}
	return viewRegistration(m, r, waitlistPositions(m)), nil
}

// statusFilter parses ?status= (a comma-separated list of registration
// statuses); nil when absent.
func statusFilter(r *http.Request) ([]string, error) {
	s := r.URL.Query().Get("status")
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, st := range strings.Split(s, ",") {
		st = strings.TrimSpace(st)
		if !slices.Contains(registrationStatuses, st) {
			return nil, invalid("/query/status", fmt.Sprintf("status %q: want one or more (comma-separated) of %s", st, strings.Join(registrationStatuses, ", ")))
		}
		out = append(out, st)
	}
	return out, nil
}

// runMeeting runs a meeting command and answers with the meeting as the
// caller may see it; with regID, with that registration too. creating
// ignores If-Match (a new meeting).
func runMeeting(w http.ResponseWriter, r *http.Request, c *call, id string, creating bool, decide domain.Decider[domain.Meeting], status int, location, regID string) error {
	req, err := c.request(r)
	if err != nil {
		return err
	}
	if creating {
		req.Expected = nil
	}
	res, err := domain.Execute(r.Context(), c.api.cmds, domain.MeetingKind, id, req, decide)
	if err != nil {
		return err
	}
	view := c.viewMeeting(res.State)
	if regID == "" {
		return writeState(w, status, location, view, res.Version)
	}
	rv, err := c.viewRegistrationOf(res.State, regID)
	if err != nil {
		return err
	}
	return writeState(w, status, location, registrationResult{meetingView: view, Registration: rv}, res.Version)
}

// registrationStep is a route of a staff or partner step on one
// registration (approve, cancel, check in, …).
func registrationStep(path, op, summary, who string, body any, command func(r *http.Request, c *call, regID string) (func(domain.Meeting, domain.Actor, time.Time) ([]domain.Payload, error), error)) route {
	return route{method: "POST", path: "/v1/meetings/{id}/registrations/{registration_id}/" + path, op: op, summary: summary, who: who,
		body: body, optional: body != nil, resp: registrationResult{}, status: 200,
		handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
			regID := r.PathValue("registration_id")
			decide, err := command(r, c, regID)
			if err != nil {
				return err
			}
			return runMeeting(w, r, c, r.PathValue("id"), false, func(m domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
				return decide(m, c.actor, now)
			}, 200, "", regID)
		}}
}

func (a *API) meetingRoutes() []route {
	k := domain.MeetingKind
	return []route{
		{method: "POST", path: "/v1/meetings", op: "scheduleMeeting", summary: "Schedule a meeting (start in the future)", who: "admin, coordinator",
			body: domain.MeetingDetails{}, resp: meetingView{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var d domain.MeetingDetails
				if err := c.decode(r, &d); err != nil {
					return err
				}
				id := c.newID("meeting")
				return runMeeting(w, r, c, id, true, func(m domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
					return domain.ScheduleMeeting{Details: d}.Decide(m, id, c.actor, now)
				}, 201, "/v1/meetings/"+id, "")
			}},
		{method: "GET", path: "/v1/meetings/{id}", op: "getMeeting", summary: "Read a meeting with its seat figures; partners see only their own organisation's registrations (as_of: as it was then)", who: "every role",
			resp: meetingView{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				return read(w, r, c, k, r.PathValue("id"), func(m domain.Meeting) (any, error) { return c.viewMeeting(m), nil })
			}},
		{method: "PUT", path: "/v1/meetings/{id}", op: "rescheduleMeeting", summary: "Replace the details of a scheduled meeting; a raised capacity promotes from the waitlist", who: "admin, coordinator",
			body: domain.MeetingDetails{}, resp: meetingView{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var d domain.MeetingDetails
				if err := c.decode(r, &d); err != nil {
					return err
				}
				return runMeeting(w, r, c, r.PathValue("id"), false, func(m domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
					return domain.RescheduleMeeting{Details: d}.Decide(m, c.actor, now)
				}, 200, "", "")
			}},
		{method: "POST", path: "/v1/meetings/{id}/cancel", op: "cancelMeeting", summary: "Call off a meeting that has not ended", who: "admin, coordinator",
			body: reasonBody{}, optional: true, resp: meetingView{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b reasonBody
				if err := c.decodeOptional(r, &b); err != nil {
					return err
				}
				return runMeeting(w, r, c, r.PathValue("id"), false, func(m domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
					return domain.CancelMeeting{Reason: b.Reason}.Decide(m, c.actor, now)
				}, 200, "", "")
			}},
		{method: "POST", path: "/v1/meetings/{id}/registrations", op: "registerForMeeting",
			summary: "Register an organisation with its participants; registration.status tells the outcome: registered, waitlisted or pending_approval",
			who:     "admin, coordinator, the organisation's partner",
			body:    registerBody{}, resp: registrationResult{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b registerBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				if b.OrganisationID == "" && c.actor.Role == domain.RolePartner {
					b.OrganisationID = c.actor.OrgID
				}
				id, regID := r.PathValue("id"), c.newID("registration")
				return runMeeting(w, r, c, id, false, func(m domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
					evs, err := domain.RegisterForMeeting{RegistrationID: regID, OrgID: b.OrganisationID, Participants: b.Participants}.Decide(m, c.actor, now)
					if err != nil {
						return nil, renameFields(err, map[string]string{"org_id": "organisation_id"})
					}
					return evs, a.checkActiveOrgs(r.Context(), orgRef{"organisation_id", b.OrganisationID})
				}, 201, "/v1/meetings/"+id+"/registrations/"+regID, regID)
			}},
		{method: "GET", path: "/v1/meetings/{id}/registrations", op: "listMeetingRegistrations",
			summary: "The roster of a meeting in the order registrations were made (?status=waitlisted alone: in waitlist order); optional ?status= filter, comma-separated; partners see only their own organisation's registrations (as_of: as it was then)",
			who:     "every role",
			resp:    registrationList{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				statuses, err := statusFilter(r)
				if err != nil {
					return err
				}
				return read(w, r, c, k, r.PathValue("id"), func(m domain.Meeting) (any, error) {
					out := registrationList{MeetingID: m.ID, SeatsTaken: m.SeatsTaken(), SeatsFree: m.SeatsFree(), Items: []registrationView{}}
					for _, rv := range c.viewMeeting(m).Registrations {
						if statuses == nil || slices.Contains(statuses, rv.Status) {
							out.Items = append(out.Items, rv)
						}
					}
					if len(statuses) == 1 && statuses[0] == domain.RegistrationStatusWaitlisted {
						slices.SortStableFunc(out.Items, func(a, b registrationView) int { return a.WaitlistPosition - b.WaitlistPosition })
					}
					return out, nil
				})
			}},
		{method: "GET", path: "/v1/meetings/{id}/registrations/{registration_id}", op: "getMeetingRegistration",
			summary: "Read one registration (as_of: as it was then); the ETag is the meeting's version", who: "admin, coordinator, auditor, the organisation's partner",
			resp: registrationView{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				return read(w, r, c, k, r.PathValue("id"), func(m domain.Meeting) (any, error) {
					return c.viewRegistrationOf(m, r.PathValue("registration_id"))
				})
			}},
		registrationStep("approve", "approveMeetingRegistration", "Approve a pending registration: it gets seats or joins the waitlist", "admin, coordinator", nil,
			func(_ *http.Request, _ *call, regID string) (func(domain.Meeting, domain.Actor, time.Time) ([]domain.Payload, error), error) {
				return domain.ApproveRegistration{RegistrationID: regID}.Decide, nil
			}),
		registrationStep("reject", "rejectMeetingRegistration", "Turn down a pending registration", "admin, coordinator", reasonBody{},
			func(r *http.Request, c *call, regID string) (func(domain.Meeting, domain.Actor, time.Time) ([]domain.Payload, error), error) {
				var b reasonBody
				if err := c.decodeOptional(r, &b); err != nil {
					return nil, err
				}
				return domain.RejectRegistration{RegistrationID: regID, Reason: b.Reason}.Decide, nil
			}),
		registrationStep("cancel", "cancelMeetingRegistration", "Withdraw a pending, registered or waitlisted registration; freed seats promote from the waitlist in order", "admin, coordinator, the organisation's partner", nil,
			func(_ *http.Request, _ *call, regID string) (func(domain.Meeting, domain.Actor, time.Time) ([]domain.Payload, error), error) {
				return domain.CancelRegistration{RegistrationID: regID}.Decide, nil
			}),
		registrationStep("check-in", "checkInMeetingRegistration", "Record that a registered organisation's participants arrived (from 24 hours before the start until the end)", "admin, coordinator", nil,
			func(_ *http.Request, _ *call, regID string) (func(domain.Meeting, domain.Actor, time.Time) ([]domain.Payload, error), error) {
				return domain.CheckInRegistration{RegistrationID: regID}.Decide, nil
			}),
		registrationStep("no-show", "markMeetingRegistrationNoShow", "Record that a registered organisation did not turn up (once the meeting has started)", "admin, coordinator", nil,
			func(_ *http.Request, _ *call, regID string) (func(domain.Meeting, domain.Actor, time.Time) ([]domain.Payload, error), error) {
				return domain.MarkNoShow{RegistrationID: regID}.Decide, nil
			}),
	}
}
