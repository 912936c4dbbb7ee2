package report

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// Attendance is the attendance list of a meeting: one row per participant
// of every registration, in the order the registrations were made.
type Attendance struct {
	MeetingID        string      `json:"meeting_id"`
	Title            domain.Text `json:"title"`
	Start            time.Time   `json:"start"`
	End              time.Time   `json:"end"`
	TimeZone         string      `json:"time_zone"`
	Status           string      `json:"status"`
	FundingProgramme string      `json:"funding_programme,omitempty"`
	ProjectReference string      `json:"project_reference,omitempty"`
	// Participants counts the rows, CheckedIn those whose registration is
	// checked in.
	Participants int             `json:"participants"`
	CheckedIn    int             `json:"checked_in"`
	Items        []AttendanceRow `json:"items"`
}

// AttendanceRow is one participant of a registration.
type AttendanceRow struct {
	// ID is "<registration id>/<n>" for the n-th participant (from 1).
	ID               string `json:"id"`
	RegistrationID   string `json:"registration_id"`
	OrganisationID   string `json:"organisation_id"`
	OrganisationName string `json:"organisation_name"`
	Country          string `json:"country"`
	// Participant is the person's name, or domain.ErasedPlaceholder
	// ("[erased]") once their personal data has been erased (crypto-
	// shredding); Position is their position (job title), empty once
	// erased.
	Participant string `json:"participant"`
	Position    string `json:"position"`
	// Status is the registration's: pending_approval, registered,
	// waitlisted, cancelled, rejected, checked_in or no_show.
	Status      string    `json:"status"`
	CheckedInAt time.Time `json:"checked_in_at,omitzero"`
}

// MeetingAttendance returns the attendance list of meeting id: the
// registrations, participants (names and positions), statuses and check-in
// times from the meeting's events; the organisations' names and countries
// from the rosters read model (from the organisation's events for a
// registration the read model has not seen yet).
//
// Errors: domain.ErrNotFound for a meeting without events; read errors.
func MeetingAttendance(ctx context.Context, src Source, id string) (Attendance, error) {
	m, _, err := domain.Load(ctx, src.Events, domain.MeetingKind, id, time.Time{})
	if errors.Is(err, domain.ErrNotFound) {
		return Attendance{}, fmt.Errorf("%w: no meeting %q", domain.ErrNotFound, id)
	}
	if err != nil {
		return Attendance{}, err
	}
	entries := map[string]projections.RosterEntry{}
	if v, ok, err := src.Reads.Doc(ctx, projections.RosterCollection, id); err != nil {
		return Attendance{}, err
	} else if ok {
		roster, err := projections.As[projections.MeetingRoster](v)
		if err != nil {
			return Attendance{}, err
		}
		for _, l := range [][]projections.RosterEntry{roster.Registered, roster.Waitlist, roster.PendingApproval, roster.CheckedIn,
			roster.NoShows, roster.Cancelled, roster.Rejected} {
			for _, x := range l {
				entries[x.RegistrationID] = x
			}
		}
	}
	orgs := map[string]projections.RosterEntry{} // organisations the roster did not name
	a := Attendance{MeetingID: m.ID, Title: m.Title, Start: m.Start, End: m.End, TimeZone: m.TimeZone, Status: m.Status,
		FundingProgramme: m.FundingProgramme, ProjectReference: m.ProjectReference, Items: []AttendanceRow{}}
	for _, r := range m.Registrations {
		org, ok := entries[r.ID]
		if !ok || org.OrgName == "" {
			if org, err = orgOf(ctx, src, orgs, r.OrgID); err != nil {
				return Attendance{}, err
			}
		}
		var checkedIn time.Time
		if r.Status == domain.RegistrationStatusCheckedIn {
			checkedIn = r.StatusChangedAt
		}
		for i, p := range r.Participants {
			name := p.Name
			if p.Erased || name == "" {
				name = domain.ErasedPlaceholder
			}
			a.Items = append(a.Items, AttendanceRow{ID: r.ID + "/" + strconv.Itoa(i+1), RegistrationID: r.ID, OrganisationID: r.OrgID,
				OrganisationName: org.OrgName, Country: org.Country, Participant: name, Position: p.Position, Status: r.Status, CheckedInAt: checkedIn})
			if !checkedIn.IsZero() {
				a.CheckedIn++
			}
		}
	}
	a.Participants = len(a.Items)
	return a, nil
}

// orgOf returns the name and country of organisation id from its events,
// remembered in seen ("" for an organisation without events).
func orgOf(ctx context.Context, src Source, seen map[string]projections.RosterEntry, id string) (projections.RosterEntry, error) {
	if x, ok := seen[id]; ok {
		return x, nil
	}
	o, _, err := domain.Load(ctx, src.Events, domain.OrganisationKind, id, time.Time{})
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return projections.RosterEntry{}, err
	}
	x := projections.RosterEntry{OrgID: id, OrgName: o.Profile.Name, Country: o.Profile.Country}
	seen[id] = x
	return x, nil
}
