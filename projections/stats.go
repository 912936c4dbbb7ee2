package projections

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/domain/reference"
)

// StatsName is the name of the Stats projection.
const StatsName = "stats"

// Metrics of the dashboard counters the Stats projection keeps.
const (
	// MetricOrganisations counts registered organisations.
	MetricOrganisations = "organisations"
	// MetricOffers counts published offers and requests.
	MetricOffers = "offers"
	// MetricRegistrations counts active meeting registrations.
	MetricRegistrations = "registrations"
	// MetricExchangeVisits counts proposed exchange visits.
	MetricExchangeVisits = "exchange_visits"
)

// Interreg indicators the Stats projection counts, each with its evidence
// (Evidence.Indicator) and counters of the same metric name.
//
// Every indicator is cumulative: a subject, once counted, stays counted
// (AddEvidence records it once; later events that would count it again
// add evidence but never count it twice). Countries are those of the
// organisations' profiles when the counting events happened; an
// organisation of unknown country does not make anything cross-border.
// Counters are kept as a total (Dim "") and per country (Dim "country"),
// each for all time (Month "") and per month, where the month is the
// calendar month (UTC) of the event that made the subject count.
const (
	// IndicatorRCO87 – organisations cooperating across borders. An
	// organisation counts once, from the first of these events:
	//
	//   - it has an active registration (pending, registered, waitlisted
	//     or checked in) for a meeting whose active registrations come
	//     from organisations of at least two countries. Every organisation
	//     of that meeting counts: when the second country arrives, the
	//     organisations already registered count too, each with its own
	//     registration event (RegistrationRequested, MeetingRegistered or
	//     RegistrationWaitlisted) as evidence, and so does everyone who
	//     registers while two countries are present;
	//   - the owner of an offer accepts the interest of an organisation of
	//     another country (OfferInterestAccepted): both organisations, with
	//     that event as evidence;
	//   - the host accepts an exchange visit from a guest of another
	//     country (VisitAccepted): guest and host, with that event as
	//     evidence.
	//
	// Subject: the organisation id; country: the organisation's.
	IndicatorRCO87 = "RCO87"
	// IndicatorRCO81 – participations in joint actions across borders,
	// counted per participant:
	//
	//   - every participant of a registration checked in to a meeting at
	//     which organisations of at least two countries checked in
	//     (subject "<registrationID>", counted with the number of its
	//     participants, evidence its RegistrationCheckedIn; when the second
	//     country checks in, the registrations already checked in count
	//     too, each with its own check-in event);
	//   - every participant of a completed exchange visit whose guest and
	//     host lie in different countries (subject "<visitID>/<i>" for
	//     the i-th participant from 0, evidence the VisitCompleted).
	//
	// Country: the registering organisation's, or the guest's. No-shows
	// never count.
	IndicatorRCO81 = "RCO81"
	// IndicatorRCO115 – public events across borders jointly organised:
	// meetings at which organisations of at least two countries checked
	// in. A meeting counts once, when the second country checks in
	// (evidence that RegistrationCheckedIn). Subject: the meeting id;
	// country: the country of its venue (none for online meetings).
	IndicatorRCO115 = "RCO115"
	// IndicatorVisitsCompleted – completed exchange visits
	// (VisitCompleted), cross-border or not. Subject: the visit id;
	// country: the guest's.
	IndicatorVisitsCompleted = "visits_completed"
)

// Bookkeeping collections of the stats.
const (
	statsOrgsCollection     = "stats.orgs"
	statsOffersCollection   = "stats.offers"
	statsMeetingsCollection = "stats.meetings"
	statsVisitsCollection   = "stats.visits"
)

// statsOrg is what the stats know of an organisation: the dimensions it is
// counted under and the month of its registration.
type statsOrg struct {
	ID       string   `json:"id"`
	Country  string   `json:"country"`
	NUTS2    string   `json:"nuts2,omitempty"`
	Sections []string `json:"sections"`
	Month    string   `json:"month"`
}

// statsOffer is what the stats know of an offer.
type statsOffer struct {
	ID        string   `json:"id"`
	Owner     string   `json:"owner"`
	Kind      string   `json:"kind"`
	Sections  []string `json:"sections"`
	Published bool     `json:"published"`
}

// statsMeeting is what the stats know of a meeting: the country of its
// venue and its registrations, in the order they were made.
type statsMeeting struct {
	ID    string     `json:"id"`
	Venue string     `json:"venue,omitempty"`
	Regs  []statsReg `json:"regs"`
}

// statsReg is one registration: its organisation's country when it
// registered, its status, and the events that may serve as evidence.
type statsReg struct {
	ID           string `json:"id"`
	OrgID        string `json:"org_id"`
	Country      string `json:"country,omitempty"`
	Participants int    `json:"participants"`
	Status       string `json:"status"`
	// Month is the month of the registration, whose counter it is in.
	Month string `json:"month"`
	// Pos, Type and At are those of the event that made the registration.
	Pos  domain.Position `json:"pos"`
	Type string          `json:"type"`
	At   time.Time       `json:"at"`
	// CheckInPos and CheckInAt are those of its check-in.
	CheckInPos domain.Position `json:"check_in_pos,omitzero"`
	CheckInAt  time.Time       `json:"check_in_at,omitzero"`
}

func (r statsReg) active() bool {
	return domain.Registration{Status: r.Status}.Active()
}

// statsVisit is what the stats know of an exchange visit.
type statsVisit struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	Guest        string `json:"guest"`
	Host         string `json:"host"`
	Status       string `json:"status"`
	Participants int    `json:"participants"`
}

// Stats is the projection "stats": the dashboard counters and the Interreg
// indicators, kept up to date event by event with Tx.Add and
// Tx.AddEvidence.
//
// Counters (Metric: dimensions; each dimension, and the total with Dim "",
// for all time with Month "" and for the month of the counted event):
//
//   - "organisations": registered organisations (OrganisationRegistered;
//     deactivation does not uncount them) by "country", "nuts" (the
//     NUTS-2 region of the profile's NUTS code) and "section" (each NACE
//     section among its sectors, so sections add up to more than the
//     total). The month is that of the registration; when a profile
//     update changes a dimension the organisation moves to the new value
//     in the same month.
//   - "offers": published offers and requests (the first OfferPublished of
//     each) by "kind", "country" (the owner's) and "section" (of its NACE
//     codes), in the month of publication.
//   - "registrations": active meeting registrations (pending, registered,
//     waitlisted or checked in) by "country" (the organisation's), in the
//     month the registration was made; a cancelled, rejected or no-show
//     registration leaves the counts.
//   - "exchange_visits": proposed exchange visits by "type" and "country"
//     (the guest's), in the month of the proposal; and, for all time only,
//     how many visits are in each status now (Dim "status": proposed,
//     accepted, declined, scheduled, completed, cancelled).
//
// Indicators: IndicatorRCO87, IndicatorRCO81, IndicatorRCO115 and
// IndicatorVisitsCompleted, whose doc comments give the exact counting
// rules.
//
// Everything follows from the events: months come from the payloads'
// times (UTC), evidence carries the evidence event's position and time.
type Stats struct{}

// NewStats returns the stats projection.
func NewStats() *Stats { return &Stats{} }

// Name implements Projection.
func (*Stats) Name() string { return StatsName }

// statsEvents are the event types the stats apply.
var statsEvents = map[string]bool{
	domain.OrganisationRegistered{}.EventType():   true,
	domain.OrganisationUpdated{}.EventType():      true,
	domain.OfferDrafted{}.EventType():             true,
	domain.OfferRevised{}.EventType():             true,
	domain.OfferPublished{}.EventType():           true,
	domain.OfferInterestAccepted{}.EventType():    true,
	domain.MeetingScheduled{}.EventType():         true,
	domain.MeetingRescheduled{}.EventType():       true,
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
func (*Stats) Handles(eventType string) bool { return statsEvents[eventType] }

// Apply implements Projection.
func (s *Stats) Apply(ctx context.Context, tx Tx, ev domain.Event, p domain.Payload) error {
	switch e := p.(type) {
	case domain.OrganisationRegistered:
		return s.orgRegistered(ctx, tx, e)
	case domain.OrganisationUpdated:
		return s.orgUpdated(ctx, tx, e)

	case domain.OfferDrafted:
		o := statsOffer{ID: e.OfferID, Owner: e.OwnerOrgID, Kind: e.Details.Kind, Sections: naceSections(e.Details.NACE)}
		return putBookkeeping(ctx, tx, statsOffersCollection, o.ID, o)
	case domain.OfferRevised:
		o, ok, err := getDocAs[statsOffer](ctx, tx, statsOffersCollection, e.OfferID)
		if err != nil || !ok || o.Published {
			// A published offer stays counted as it was published.
			return err
		}
		o.Kind, o.Sections = e.Details.Kind, naceSections(e.Details.NACE)
		return putBookkeeping(ctx, tx, statsOffersCollection, o.ID, o)
	case domain.OfferPublished:
		return s.offerPublished(ctx, tx, e)
	case domain.OfferInterestAccepted:
		return s.interestAccepted(ctx, tx, ev, e)

	case domain.MeetingScheduled:
		m := statsMeeting{ID: e.MeetingID, Venue: venueCountry(e.Details), Regs: []statsReg{}}
		return putBookkeeping(ctx, tx, statsMeetingsCollection, m.ID, m)
	case domain.MeetingRescheduled:
		return s.changeMeeting(ctx, tx, e.MeetingID, func(m *statsMeeting) error {
			m.Venue = venueCountry(e.Details)
			return nil
		})
	case domain.RegistrationRequested:
		return s.registered(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, len(e.Participants), domain.RegistrationStatusPending, e.RequestedAt)
	case domain.MeetingRegistered:
		return s.registered(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, len(e.Participants), domain.RegistrationStatusRegistered, e.RegisteredAt)
	case domain.RegistrationWaitlisted:
		return s.registered(ctx, tx, ev, e.MeetingID, e.RegistrationID, e.OrgID, len(e.Participants), domain.RegistrationStatusWaitlisted, e.WaitlistedAt)
	case domain.RegistrationApproved:
		return s.registrationStatus(ctx, tx, e.MeetingID, e.RegistrationID, e.Status)
	case domain.RegistrationPromoted:
		return s.registrationStatus(ctx, tx, e.MeetingID, e.RegistrationID, domain.RegistrationStatusRegistered)
	case domain.RegistrationRejected:
		return s.registrationStatus(ctx, tx, e.MeetingID, e.RegistrationID, domain.RegistrationStatusRejected)
	case domain.RegistrationCancelled:
		return s.registrationStatus(ctx, tx, e.MeetingID, e.RegistrationID, domain.RegistrationStatusCancelled)
	case domain.RegistrationMarkedNoShow:
		return s.registrationStatus(ctx, tx, e.MeetingID, e.RegistrationID, domain.RegistrationStatusNoShow)
	case domain.RegistrationCheckedIn:
		return s.checkedIn(ctx, tx, ev, e)

	case domain.VisitProposed:
		return s.visitProposed(ctx, tx, e)
	case domain.VisitAccepted:
		return s.visitStatus(ctx, tx, e.VisitID, domain.VisitStatusAccepted, func(v statsVisit, guest, host statsOrg) error {
			if !crossBorder(guest, host) {
				return nil
			}
			note := fmt.Sprintf("host %s (%s) accepted exchange visit %s from guest %s (%s)", host.ID, host.Country, v.ID, guest.ID, guest.Country)
			for _, o := range []statsOrg{guest, host} {
				if err := s.indicate(ctx, tx, evidence(ev, IndicatorRCO87, o.ID, o.Country, e.AcceptedAt, note), 1); err != nil {
					return err
				}
			}
			return nil
		})
	case domain.VisitDeclined:
		return s.visitStatus(ctx, tx, e.VisitID, domain.VisitStatusDeclined, nil)
	case domain.VisitScheduled:
		return s.visitStatus(ctx, tx, e.VisitID, domain.VisitStatusScheduled, nil)
	case domain.VisitCancelled:
		return s.visitStatus(ctx, tx, e.VisitID, domain.VisitStatusCancelled, nil)
	case domain.VisitCompleted:
		return s.visitStatus(ctx, tx, e.VisitID, domain.VisitStatusCompleted, func(v statsVisit, guest, host statsOrg) error {
			note := fmt.Sprintf("exchange visit of %s (%s) to %s (%s) completed", guest.ID, guest.Country, host.ID, host.Country)
			if err := s.indicate(ctx, tx, evidence(ev, IndicatorVisitsCompleted, v.ID, guest.Country, e.CompletedAt, note), 1); err != nil {
				return err
			}
			if !crossBorder(guest, host) {
				return nil
			}
			for i := range v.Participants {
				subject := v.ID + "/" + strconv.Itoa(i)
				n := fmt.Sprintf("participant %d of %d of the cross-border exchange visit of %s (%s) to %s (%s)", i+1, v.Participants, guest.ID, guest.Country, host.ID, host.Country)
				if err := s.indicate(ctx, tx, evidence(ev, IndicatorRCO81, subject, guest.Country, e.CompletedAt, n), 1); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if s.Handles(ev.Type) {
		return fmt.Errorf("projections: stats: event %s (%s) has payload %T", ev.Type, ev.StreamID, p)
	}
	return nil
}

// dim is one dimension value a subject is counted under.
type dim struct{ name, value string }

// count adds delta to metric's total and to each dimension, for all time
// and for month (if not ""). Dimensions with an empty value are skipped.
func (s *Stats) count(ctx context.Context, tx Tx, metric, month string, delta int64, dims ...dim) error {
	months := []string{""}
	if month != "" {
		months = append(months, month)
	}
	for _, m := range months {
		if err := tx.Add(ctx, Counter{Metric: metric, Month: m}, delta); err != nil {
			return err
		}
		if err := s.countDims(ctx, tx, metric, m, delta, dims); err != nil {
			return err
		}
	}
	return nil
}

// countDims adds delta to the counters of dims (not the total) in month m.
func (*Stats) countDims(ctx context.Context, tx Tx, metric, m string, delta int64, dims []dim) error {
	for _, d := range dims {
		if d.value == "" {
			continue
		}
		if err := tx.Add(ctx, Counter{Metric: metric, Dim: d.name, Value: d.value, Month: m}, delta); err != nil {
			return err
		}
	}
	return nil
}

// evidence returns the evidence that ev counts toward indicator for
// subject, counted in the month of at.
func evidence(ev domain.Event, indicator, subject, country string, at time.Time, note string) Evidence {
	return Evidence{Indicator: indicator, Subject: subject, Country: country, Month: monthOf(at),
		Position: ev.Position, StreamID: ev.StreamID, Type: ev.Type, At: at.UTC(), Note: note}
}

// indicate records e and, if it is the first evidence for its subject,
// adds n to the indicator's counters (total and country, all time and
// e.Month).
func (s *Stats) indicate(ctx context.Context, tx Tx, e Evidence, n int64) error {
	first, err := tx.AddEvidence(ctx, e)
	if err != nil || !first {
		return err
	}
	return s.count(ctx, tx, e.Indicator, e.Month, n, dim{"country", e.Country})
}

// Organisations.

// naceSections returns the NACE sections of codes, sorted, without
// duplicates (never nil).
func naceSections(codes []string) []string {
	out := []string{}
	for _, c := range codes {
		if s := reference.NACESectionOf(c); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// nuts2 returns the NUTS-2 region of a NUTS code ("" for a NUTS-1 code or
// an unknown one).
func nuts2(code string) string {
	n, err := reference.LookupNUTS(code)
	switch {
	case err != nil:
		return ""
	case n.Level == 2:
		return n.Code
	case n.Level == 3:
		return n.Parent
	}
	return ""
}

// dims returns the dimensions o is counted under.
func (o statsOrg) dims() []dim {
	ds := []dim{{"country", o.Country}, {"nuts", o.NUTS2}}
	for _, s := range o.Sections {
		ds = append(ds, dim{"section", s})
	}
	return ds
}

func (s *Stats) orgRegistered(ctx context.Context, tx Tx, e domain.OrganisationRegistered) error {
	if _, ok, err := getDocAs[statsOrg](ctx, tx, statsOrgsCollection, e.OrganisationID); err != nil || ok {
		return err
	}
	o := statsOrg{ID: e.OrganisationID, Country: e.Profile.Country, NUTS2: nuts2(e.Profile.NUTS),
		Sections: naceSections(e.Profile.Sectors), Month: monthOf(e.RegisteredAt)}
	if err := putBookkeeping(ctx, tx, statsOrgsCollection, o.ID, o); err != nil {
		return err
	}
	return s.count(ctx, tx, MetricOrganisations, o.Month, 1, o.dims()...)
}

func (s *Stats) orgUpdated(ctx context.Context, tx Tx, e domain.OrganisationUpdated) error {
	old, ok, err := getDocAs[statsOrg](ctx, tx, statsOrgsCollection, e.OrganisationID)
	if err != nil || !ok {
		return err
	}
	o := statsOrg{ID: old.ID, Country: e.Profile.Country, NUTS2: nuts2(e.Profile.NUTS),
		Sections: naceSections(e.Profile.Sectors), Month: old.Month}
	gone, added := dimsDiff(old.dims(), o.dims())
	if len(gone) == 0 && len(added) == 0 {
		return nil
	}
	if err := putBookkeeping(ctx, tx, statsOrgsCollection, o.ID, o); err != nil {
		return err
	}
	months := []string{""}
	if o.Month != "" {
		months = append(months, o.Month)
	}
	for _, m := range months {
		if err := s.countDims(ctx, tx, MetricOrganisations, m, -1, gone); err != nil {
			return err
		}
		if err := s.countDims(ctx, tx, MetricOrganisations, m, 1, added); err != nil {
			return err
		}
	}
	return nil
}

// dimsDiff returns the dimensions of a not in b and those of b not in a.
func dimsDiff(a, b []dim) (gone, added []dim) {
	for _, d := range a {
		if d.value != "" && !slices.Contains(b, d) {
			gone = append(gone, d)
		}
	}
	for _, d := range b {
		if d.value != "" && !slices.Contains(a, d) {
			added = append(added, d)
		}
	}
	return gone, added
}

// orgOf returns what the stats know of organisation id (its id alone when
// it is unknown).
func orgOf(ctx context.Context, tx Tx, id string) (statsOrg, error) {
	o, _, err := getDocAs[statsOrg](ctx, tx, statsOrgsCollection, id)
	o.ID = id
	return o, err
}

// crossBorder reports whether a and b lie in different known countries.
func crossBorder(a, b statsOrg) bool {
	return a.Country != "" && b.Country != "" && a.Country != b.Country
}

// Offers.

func (s *Stats) offerPublished(ctx context.Context, tx Tx, e domain.OfferPublished) error {
	o, ok, err := getDocAs[statsOffer](ctx, tx, statsOffersCollection, e.OfferID)
	if err != nil || !ok || o.Published {
		return err
	}
	o.Published = true
	if err := putBookkeeping(ctx, tx, statsOffersCollection, o.ID, o); err != nil {
		return err
	}
	owner, err := orgOf(ctx, tx, o.Owner)
	if err != nil {
		return err
	}
	ds := []dim{{"kind", o.Kind}, {"country", owner.Country}}
	for _, sec := range o.Sections {
		ds = append(ds, dim{"section", sec})
	}
	return s.count(ctx, tx, MetricOffers, monthOf(e.PublishedAt), 1, ds...)
}

func (s *Stats) interestAccepted(ctx context.Context, tx Tx, ev domain.Event, e domain.OfferInterestAccepted) error {
	o, ok, err := getDocAs[statsOffer](ctx, tx, statsOffersCollection, e.OfferID)
	if err != nil || !ok {
		return err
	}
	owner, err := orgOf(ctx, tx, o.Owner)
	if err != nil {
		return err
	}
	interested, err := orgOf(ctx, tx, e.OrgID)
	if err != nil || !crossBorder(owner, interested) {
		return err
	}
	note := fmt.Sprintf("%s (%s) accepted the interest of %s (%s) in offer %s", owner.ID, owner.Country, interested.ID, interested.Country, o.ID)
	for _, org := range []statsOrg{owner, interested} {
		if err := s.indicate(ctx, tx, evidence(ev, IndicatorRCO87, org.ID, org.Country, e.AcceptedAt, note), 1); err != nil {
			return err
		}
	}
	return nil
}

// Meetings.

// venueCountry returns the country of a meeting's place ("" online).
func venueCountry(d domain.MeetingDetails) string {
	if d.Place == nil {
		return ""
	}
	return d.Place.Country
}

// changeMeeting changes the bookkeeping of meeting id with f, if the
// stats know the meeting.
func (*Stats) changeMeeting(ctx context.Context, tx Tx, id string, f func(*statsMeeting) error) error {
	m, ok, err := getDocAs[statsMeeting](ctx, tx, statsMeetingsCollection, id)
	if err != nil || !ok {
		return err
	}
	m.Regs = slices.Clone(m.Regs)
	if err := f(&m); err != nil {
		return err
	}
	if m.Regs == nil {
		m.Regs = []statsReg{}
	}
	return putBookkeeping(ctx, tx, statsMeetingsCollection, m.ID, m)
}

// countries returns the distinct known countries of the registrations
// keep accepts, sorted.
func (m *statsMeeting) countries(keep func(statsReg) bool) []string {
	var cs []string
	for _, r := range m.Regs {
		if r.Country != "" && keep(r) {
			cs = append(cs, r.Country)
		}
	}
	slices.Sort(cs)
	return slices.Compact(cs)
}

func isCheckedIn(r statsReg) bool { return r.Status == domain.RegistrationStatusCheckedIn }

// registered records a new registration, counts it as active and, if the
// meeting's active registrations now come from two countries or more,
// counts its organisations toward RCO87.
func (s *Stats) registered(ctx context.Context, tx Tx, ev domain.Event, meetingID, regID, orgID string, participants int, status string, at time.Time) error {
	org, err := orgOf(ctx, tx, orgID)
	if err != nil {
		return err
	}
	r := statsReg{ID: regID, OrgID: orgID, Country: org.Country, Participants: participants, Status: status,
		Month: monthOf(at), Pos: ev.Position, Type: ev.Type, At: at.UTC()}
	return s.changeMeeting(ctx, tx, meetingID, func(m *statsMeeting) error {
		if slices.ContainsFunc(m.Regs, func(x statsReg) bool { return x.ID == regID }) {
			return nil // registration ids are unique per meeting
		}
		before := len(m.countries(statsReg.active))
		m.Regs = append(m.Regs, r)
		if err := s.count(ctx, tx, MetricRegistrations, r.Month, 1, dim{"country", r.Country}); err != nil {
			return err
		}
		countries := m.countries(statsReg.active)
		if len(countries) < 2 {
			return nil
		}
		regs := []statsReg{r}
		if before < 2 {
			// The second country arrived: everyone registered counts.
			regs = m.Regs
		}
		month := monthOf(at)
		for _, x := range regs {
			if !x.active() {
				continue
			}
			e := Evidence{Indicator: IndicatorRCO87, Subject: x.OrgID, Country: x.Country, Month: month,
				Position: x.Pos, StreamID: ev.StreamID, Type: x.Type, At: x.At,
				Note: fmt.Sprintf("registered for meeting %s with organisations from %s", meetingID, strings.Join(countries, ", "))}
			if err := s.indicate(ctx, tx, e, 1); err != nil {
				return err
			}
		}
		return nil
	})
}

// registrationStatus records a registration's new status; one that stops
// being active leaves the active registrations' counts.
func (s *Stats) registrationStatus(ctx context.Context, tx Tx, meetingID, regID, status string) error {
	return s.changeMeeting(ctx, tx, meetingID, func(m *statsMeeting) error {
		i := slices.IndexFunc(m.Regs, func(x statsReg) bool { return x.ID == regID })
		if i < 0 {
			return nil
		}
		r := &m.Regs[i]
		was := r.active()
		r.Status = status
		if was && !r.active() {
			return s.count(ctx, tx, MetricRegistrations, r.Month, -1, dim{"country", r.Country})
		}
		return nil
	})
}

// checkedIn records a check-in and counts RCO115 and RCO81 once
// organisations of two countries or more checked in.
func (s *Stats) checkedIn(ctx context.Context, tx Tx, ev domain.Event, e domain.RegistrationCheckedIn) error {
	return s.changeMeeting(ctx, tx, e.MeetingID, func(m *statsMeeting) error {
		i := slices.IndexFunc(m.Regs, func(x statsReg) bool { return x.ID == e.RegistrationID })
		if i < 0 {
			return nil
		}
		before := len(m.countries(isCheckedIn))
		r := &m.Regs[i]
		r.Status, r.CheckInPos, r.CheckInAt = domain.RegistrationStatusCheckedIn, ev.Position, e.CheckedInAt.UTC()
		countries := m.countries(isCheckedIn)
		if len(countries) < 2 {
			return nil
		}
		month, list := monthOf(e.CheckedInAt), strings.Join(countries, ", ")
		regs := []statsReg{*r}
		if before < 2 {
			// The second country checked in: the meeting counts, and so
			// does everyone checked in.
			note := "organisations from " + list + " checked in"
			if err := s.indicate(ctx, tx, evidence(ev, IndicatorRCO115, m.ID, m.Venue, e.CheckedInAt, note), 1); err != nil {
				return err
			}
			regs = m.Regs
		}
		for _, x := range regs {
			if !isCheckedIn(x) {
				continue
			}
			evi := Evidence{Indicator: IndicatorRCO81, Subject: x.ID, Country: x.Country, Month: month,
				Position: x.CheckInPos, StreamID: ev.StreamID, Type: domain.RegistrationCheckedIn{}.EventType(), At: x.CheckInAt,
				Note: fmt.Sprintf("%d participant(s) of %s checked in at meeting %s with organisations from %s", x.Participants, x.OrgID, m.ID, list)}
			if err := s.indicate(ctx, tx, evi, int64(x.Participants)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Exchange visits.

func (s *Stats) visitProposed(ctx context.Context, tx Tx, e domain.VisitProposed) error {
	if _, ok, err := getDocAs[statsVisit](ctx, tx, statsVisitsCollection, e.VisitID); err != nil || ok {
		return err
	}
	pr := e.Proposal
	v := statsVisit{ID: e.VisitID, Type: pr.Type, Guest: pr.GuestOrgID, Host: pr.HostOrgID,
		Status: domain.VisitStatusProposed, Participants: len(pr.Participants)}
	if err := putBookkeeping(ctx, tx, statsVisitsCollection, v.ID, v); err != nil {
		return err
	}
	guest, err := orgOf(ctx, tx, v.Guest)
	if err != nil {
		return err
	}
	if err := s.count(ctx, tx, MetricExchangeVisits, monthOf(e.ProposedAt), 1, dim{"type", v.Type}, dim{"country", guest.Country}); err != nil {
		return err
	}
	return tx.Add(ctx, Counter{Metric: MetricExchangeVisits, Dim: "status", Value: v.Status}, 1)
}

// visitStatus moves visit id to status in the status counters and then
// runs then (if not nil) with the visit and its organisations.
func (*Stats) visitStatus(ctx context.Context, tx Tx, id, status string, then func(v statsVisit, guest, host statsOrg) error) error {
	v, ok, err := getDocAs[statsVisit](ctx, tx, statsVisitsCollection, id)
	if err != nil || !ok || v.Status == status {
		return err
	}
	if err := tx.Add(ctx, Counter{Metric: MetricExchangeVisits, Dim: "status", Value: v.Status}, -1); err != nil {
		return err
	}
	if err := tx.Add(ctx, Counter{Metric: MetricExchangeVisits, Dim: "status", Value: status}, 1); err != nil {
		return err
	}
	v.Status = status
	if err := putBookkeeping(ctx, tx, statsVisitsCollection, v.ID, v); err != nil {
		return err
	}
	if then == nil {
		return nil
	}
	guest, err := orgOf(ctx, tx, v.Guest)
	if err != nil {
		return err
	}
	host, err := orgOf(ctx, tx, v.Host)
	if err != nil {
		return err
	}
	return then(v, guest, host)
}
