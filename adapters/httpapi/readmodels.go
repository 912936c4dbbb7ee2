package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// Read-model lists and figures: the meeting list and rosters
// (projections.Rosters), the exchange visit overview (projections.Visits),
// organisations' timelines (projections.Timeline) and the dashboard
// figures with the Interreg indicators (projections.Stats).
//
// Lists page with an opaque cursor (?cursor= the next_cursor of the
// previous page) and ?limit= (1..100, default 20). A list reads one key
// of its collection; further filters are applied to what that key lists,
// so that a page may hold fewer items than the limit while next_cursor
// says there is more.

// Paging of the read-model lists.
const (
	defaultListPage = 20
	maxListPage     = 100
	// maxListScan bounds how many documents one page of a filtered list
	// reads before it answers with what it found so far.
	maxListScan = 1000
)

// listCursor is what a list cursor encodes: the query it belongs to (key
// and filters) and the store's cursor.
type listCursor struct {
	Query string `json:"q"`
	After string `json:"a"`
}

// docList is one page of a read-model list.
type docList struct {
	vals []any
	next string
}

// listDocs reads a page of collection coll under key, keeping the
// documents keep accepts (every one when keep is nil). query names the
// key and filters: a cursor of another query is refused.
func (a *API) listDocs(ctx context.Context, coll, key, query, cursor string, limit int, keep func(v any) (bool, error)) (docList, error) {
	query = coll + "|" + key + "|" + query
	after := ""
	if cursor != "" {
		bad := invalid("/query/cursor", fmt.Sprintf("cursor %q is not a next_cursor of this list with these filters", cursor))
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil {
			return docList{}, bad
		}
		var lc listCursor
		if err := json.Unmarshal(b, &lc); err != nil || lc.Query != query || lc.After == "" {
			return docList{}, bad
		}
		after = lc.After
	}
	out := docList{vals: []any{}}
	scanned := 0
	for {
		vals, next, err := a.reads.List(ctx, coll, key, after, limit-len(out.vals))
		if err != nil {
			return docList{}, err
		}
		for _, v := range vals {
			scanned++
			ok := true
			if keep != nil {
				if ok, err = keep(v); err != nil {
					return docList{}, err
				}
			}
			if ok {
				out.vals = append(out.vals, v)
			}
		}
		if next == "" || len(vals) == 0 {
			return out, nil
		}
		after = next
		if len(out.vals) >= limit || scanned >= maxListScan {
			b, _ := json.Marshal(listCursor{Query: query, After: after})
			out.next = base64.RawURLEncoding.EncodeToString(b)
			return out, nil
		}
	}
}

// listAs decodes the values of a page as T.
func listAs[T any](vals []any) ([]T, error) {
	out := make([]T, 0, len(vals))
	for _, v := range vals {
		t, err := projections.As[T](v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// keepAs turns a filter of T into a filter of list values.
func keepAs[T any](f func(T) bool) func(any) (bool, error) {
	return func(v any) (bool, error) {
		t, err := projections.As[T](v)
		if err != nil {
			return false, err
		}
		return f(t), nil
	}
}

// meetingSummary is a meeting of the meeting list: what every role may
// see of it (the roster itself is for staff and auditors).
type meetingSummary struct {
	ID                   string      `json:"id"`
	Title                domain.Text `json:"title"`
	Kind                 string      `json:"kind"`
	Start                time.Time   `json:"start"`
	End                  time.Time   `json:"end"`
	TimeZone             string      `json:"time_zone"`
	Status               string      `json:"status"`
	CancellationReason   string      `json:"cancellation_reason,omitempty"`
	Capacity             int         `json:"capacity"`
	SeatsTaken           int         `json:"seats_taken"`
	SeatsFree            int         `json:"seats_free"`
	WaitlistLength       int         `json:"waitlist_length"`
	RequiresApproval     bool        `json:"requires_approval"`
	RegistrationDeadline time.Time   `json:"registration_deadline"`
	Languages            []string    `json:"languages"`
	UpdatedAt            time.Time   `json:"updated_at"`
	// Version is the meeting's version (its ETag).
	Version uint64 `json:"version"`
}

func summariseMeeting(m projections.MeetingRoster) meetingSummary {
	return meetingSummary{
		ID: m.ID, Title: m.Title, Kind: m.Kind, Start: m.Start, End: m.End, TimeZone: m.TimeZone,
		Status: m.Status, CancellationReason: m.CancellationReason,
		Capacity: m.Capacity, SeatsTaken: m.SeatsTaken, SeatsFree: max(m.Capacity-m.SeatsTaken, 0), WaitlistLength: len(m.Waitlist),
		RequiresApproval: m.RequiresApproval, RegistrationDeadline: m.RegistrationDeadline, Languages: nonNilStrings(m.Languages),
		UpdatedAt: m.UpdatedAt, Version: m.Version,
	}
}

// meetingPage is a page of the meeting list.
type meetingPage struct {
	Items []meetingSummary `json:"items"`
	// NextCursor continues with the next page (?cursor=); absent at the end.
	NextCursor string `json:"next_cursor,omitempty"`
}

// visitPage is a page of the exchange visit overview.
type visitPage struct {
	Items []projections.VisitOverview `json:"items"`
	// NextCursor continues with the next page (?cursor=); absent at the end.
	NextCursor string `json:"next_cursor,omitempty"`
}

// timelinePage is a page of an organisation's timeline, newest first.
type timelinePage struct {
	Items []projections.TimelineEntry `json:"items"`
	// NextCursor continues with the next page (?cursor=); absent at the end.
	NextCursor string `json:"next_cursor,omitempty"`
}

// indicatorFigures are the counts of one Interreg indicator.
type indicatorFigures struct {
	Total     int64            `json:"total"`
	ByCountry map[string]int64 `json:"by_country"`
	// ByMonth counts by the calendar month (UTC, "2026-03") in which
	// subjects came to count.
	ByMonth map[string]int64 `json:"by_month"`
}

// statsView is the dashboard: the counters and the indicators.
type statsView struct {
	// Figures are the dashboard counters (organisations, offers,
	// registrations, exchange_visits), each as a total (no dim) or by one
	// dimension, for all time (no month) or per month.
	Figures []projections.CounterValue `json:"figures"`
	// Indicators are the Interreg indicators RCO87, RCO81, RCO115 and
	// visits_completed; GET /v1/stats/indicators/{indicator}/evidence
	// lists what each counts.
	Indicators map[string]indicatorFigures `json:"indicators"`
}

// evidenceItem is one event that counts toward an indicator.
type evidenceItem struct {
	// ID is "<position>/<subject>".
	ID string `json:"id"`
	projections.Evidence
}

// evidencePage is a page of an indicator's evidence, by position.
type evidencePage struct {
	Items []evidenceItem `json:"items"`
	// Next is the position to pass as ?after= for the next page; absent
	// at the end.
	Next string `json:"next,omitempty"`
}

// statsIndicators are the indicators the stats count, in the order shown.
var statsIndicators = []string{projections.IndicatorRCO87, projections.IndicatorRCO81, projections.IndicatorRCO115, projections.IndicatorVisitsCompleted}

// meetingStatuses are the values of the meeting list's status filter.
var meetingStatuses = []string{domain.MeetingStatusScheduled, domain.MeetingStatusCancelled}

// visitStatuses are the values of the visit overview's status filter.
var visitStatuses = []string{domain.VisitStatusProposed, domain.VisitStatusAccepted, domain.VisitStatusDeclined,
	domain.VisitStatusScheduled, domain.VisitStatusCompleted, domain.VisitStatusCancelled}

// singleParamOf returns the one value of parameter name, which must be among
// allowed ("" when absent).
func singleParamOf(q url.Values, name string, allowed []string) (string, error) {
	s, err := singleParam(q, name)
	if err != nil || s == "" {
		return s, err
	}
	if !slices.Contains(allowed, s) {
		return "", invalid("/query/"+name, fmt.Sprintf("%s %q: want one of %s", name, s, strings.Join(allowed, ", ")))
	}
	return s, nil
}

// requireReader refuses everyone but staff and auditors.
func (c *call) requireReader(what string) error {
	return c.requireRole(what, domain.RoleAdmin, domain.RoleCoordinator, domain.RoleAuditor)
}

func (a *API) readModelRoutes() []route {
	return []route{
		{method: "GET", path: "/v1/meetings", readModel: true, op: "listMeetings",
			summary: "List meetings, latest start first, with their seat figures: ?status=scheduled|cancelled, ?org= (meetings an organisation registered for; a partner only its own), ?cursor=, ?limit= (1..100, default 20)",
			who:     "every role",
			resp:    meetingPage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				q := r.URL.Query()
				if err := checkParams(q, "status", "org", "cursor", "limit"); err != nil {
					return err
				}
				status, err := singleParamOf(q, "status", meetingStatuses)
				if err != nil {
					return err
				}
				org, err := singleParam(q, "org")
				if err != nil {
					return err
				}
				if org != "" && c.actor.Role == domain.RolePartner && org != c.actor.OrgID {
					return fmt.Errorf("%w: a partner lists only the meetings of its own organisation (org=%s)", domain.ErrForbidden, c.actor.OrgID)
				}
				cursor, limit, err := pageParams(r)
				if err != nil {
					return err
				}
				key, query := "all", ""
				var keep func(any) (bool, error)
				switch {
				case org != "":
					key = "org:" + org
					if status != "" {
						query = "status=" + status
						keep = keepAs(func(m projections.MeetingRoster) bool { return m.Status == status })
					}
				case status != "":
					key = "status:" + status
				}
				page, err := a.listDocs(r.Context(), projections.RosterCollection, key, query, cursor, limit, keep)
				if err != nil {
					return err
				}
				ms, err := listAs[projections.MeetingRoster](page.vals)
				if err != nil {
					return err
				}
				out := meetingPage{Items: make([]meetingSummary, 0, len(ms)), NextCursor: page.next}
				for _, m := range ms {
					out.Items = append(out.Items, summariseMeeting(m))
				}
				writeJSON(w, http.StatusOK, out)
				return nil
			}},
		{method: "GET", path: "/v1/meetings/{id}/roster", readModel: true, op: "getMeetingRoster",
			summary: "The roster of a meeting as coordinators run it: registrations sorted into registered, waitlist (in order), pending approval, checked in, no-shows, cancelled, rejected and approved, with organisation names and countries, seats taken and counts per country (participants are only counted)",
			who:     "admin, coordinator, auditor",
			resp:    projections.MeetingRoster{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireReader("read meeting rosters"); err != nil {
					return err
				}
				if err := checkParams(r.URL.Query()); err != nil {
					return err
				}
				id := r.PathValue("id")
				v, ok, err := a.reads.Doc(r.Context(), projections.RosterCollection, id)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("%w: no meeting %q", domain.ErrNotFound, id)
				}
				m, err := projections.As[projections.MeetingRoster](v)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, m)
				return nil
			}},
		{method: "GET", path: "/v1/exchange-visits", readModel: true, op: "listExchangeVisits",
			summary: "Overview of exchange visits, most recently proposed first: ?status=, ?org= (guest or host), ?country= (the guest's or host's), ?project= (project reference), combinable; ?cursor=, ?limit= (1..100, default 20). A partner sees only the visits of its own organisation",
			who:     "admin, coordinator, auditor; a partner: its own organisation's visits",
			resp:    visitPage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				q := r.URL.Query()
				if err := checkParams(q, "status", "org", "country", "project", "cursor", "limit"); err != nil {
					return err
				}
				status, err := singleParamOf(q, "status", visitStatuses)
				if err != nil {
					return err
				}
				org, err := singleParam(q, "org")
				if err != nil {
					return err
				}
				country, err := singleParam(q, "country")
				if err != nil {
					return err
				}
				if country != "" {
					if country, err = refCountry(country); err != nil {
						return invalid("/query/country", fmt.Sprintf("country %q: %v (want a code such as \"PL\")", q.Get("country"), err))
					}
				}
				project, err := singleParam(q, "project")
				if err != nil {
					return err
				}
				cursor, limit, err := pageParams(r)
				if err != nil {
					return err
				}
				// The key: the most selective filter; the others filter
				// what it lists. A partner's list is its organisation's.
				var key string
				switch {
				case c.actor.Role == domain.RolePartner:
					key = "org:" + c.actor.OrgID
				case org != "":
					key = "org:" + org
				case project != "":
					key = "project:" + project
				case country != "":
					key = "country:" + country
				case status != "":
					key = "status:" + status
				default:
					key = "all"
				}
				var conds []func(projections.VisitOverview) bool
				var query []string
				if org != "" && key != "org:"+org {
					query = append(query, "org="+org)
					conds = append(conds, func(v projections.VisitOverview) bool { return v.GuestOrgID == org || v.HostOrgID == org })
				}
				if project != "" && key != "project:"+project {
					query = append(query, "project="+project)
					conds = append(conds, func(v projections.VisitOverview) bool { return v.ProjectReference == project })
				}
				if country != "" && key != "country:"+country {
					query = append(query, "country="+country)
					conds = append(conds, func(v projections.VisitOverview) bool { return v.GuestCountry == country || v.HostCountry == country })
				}
				if status != "" && key != "status:"+status {
					query = append(query, "status="+status)
					conds = append(conds, func(v projections.VisitOverview) bool { return v.Status == status })
				}
				var keep func(any) (bool, error)
				if len(conds) > 0 {
					keep = keepAs(func(v projections.VisitOverview) bool {
						for _, cond := range conds {
							if !cond(v) {
								return false
							}
						}
						return true
					})
				}
				page, err := a.listDocs(r.Context(), projections.VisitCollection, key, strings.Join(query, "&"), cursor, limit, keep)
				if err != nil {
					return err
				}
				vs, err := listAs[projections.VisitOverview](page.vals)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, visitPage{Items: vs, NextCursor: page.next})
				return nil
			}},
		{method: "GET", path: "/v1/organisations/{id}/timeline", readModel: true, op: "getOrganisationTimeline",
			summary: "What happened to or by an organisation, newest first: its profile, its offers and the interests in them, its interests in others' offers, its meeting registrations, its exchange visits; each entry with the event's position, type, stream, a short summary and the organisation's role; ?cursor=, ?limit= (1..100, default 20)",
			who:     "admin, coordinator, auditor, the organisation's partner",
			resp:    timelinePage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				id := r.PathValue("id")
				if err := checkParams(r.URL.Query(), "cursor", "limit"); err != nil {
					return err
				}
				cursor, limit, err := pageParams(r)
				if err != nil {
					return err
				}
				if !c.readsFor(id) {
					return fmt.Errorf("%w: only the organisation itself, staff and auditors read its timeline", domain.ErrForbidden)
				}
				evs, err := a.store.ReadStream(r.Context(), domain.OrganisationKind.StreamID(id), domain.ReadStreamOptions{Limit: 1})
				if errors.Is(err, domain.ErrNotFound) || (err == nil && len(evs) == 0) {
					return orgUnknown(id)
				}
				if err != nil {
					return err
				}
				page, err := a.listDocs(r.Context(), projections.TimelineCollection, "org:"+id, "", cursor, limit, nil)
				if err != nil {
					return err
				}
				entries, err := listAs[projections.TimelineEntry](page.vals)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, timelinePage{Items: entries, NextCursor: page.next})
				return nil
			}},
		{method: "GET", path: "/v1/stats", readModel: true, op: "getStats",
			summary: "Dashboard figures (organisations, offers, registrations, exchange visits: totals, by dimension and by month) and the Interreg indicators RCO87, RCO81, RCO115 and visits_completed (total, by country, by month)",
			who:     "admin, coordinator, auditor",
			resp:    statsView{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireReader("read the statistics"); err != nil {
					return err
				}
				if err := checkParams(r.URL.Query()); err != nil {
					return err
				}
				out, err := a.stats(r.Context())
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, out)
				return nil
			}},
		{method: "GET", path: "/v1/stats/indicators/{indicator}/evidence", readModel: true, op: "listIndicatorEvidence",
			summary: "The events an indicator (RCO87, RCO81, RCO115, visits_completed) counts, by position: each with its subject, country, month, stream, event type, time and a note; ?after= (the next of the previous page), ?limit= (1..1000, default 100)",
			who:     "admin, coordinator, auditor",
			resp:    evidencePage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireReader("read indicator evidence"); err != nil {
					return err
				}
				ind := r.PathValue("indicator")
				if !slices.Contains(statsIndicators, ind) {
					return fmt.Errorf("%w: unknown indicator %q; the indicators are %s", domain.ErrNotFound, ind, strings.Join(statsIndicators, ", "))
				}
				if err := checkParams(r.URL.Query(), "after", "limit"); err != nil {
					return err
				}
				after, err := domain.ParsePosition(r.URL.Query().Get("after"))
				if err != nil {
					return invalid("/query/after", err.Error())
				}
				limit, err := limitParam(r, 100, 1000)
				if err != nil {
					return err
				}
				evs, more, err := a.readEvidence(r.Context(), ind, after, limit)
				if err != nil {
					return err
				}
				out := evidencePage{Items: make([]evidenceItem, 0, len(evs))}
				for _, e := range evs {
					out.Items = append(out.Items, evidenceItem{ID: e.Position.String() + "/" + e.Subject, Evidence: e})
				}
				if more {
					out.Next = evs[len(evs)-1].Position.String()
				}
				writeJSON(w, http.StatusOK, out)
				return nil
			}},
	}
}

// readEvidence reads a page of an indicator's evidence after position
// after: about limit items, always ending with every item of its last
// position (one event may count several subjects, and the next page
// continues after that position). more reports whether evidence follows.
func (a *API) readEvidence(ctx context.Context, indicator string, after domain.Position, limit int) (page []projections.Evidence, more bool, err error) {
	n := limit + 1
	for {
		evs, err := a.reads.Evidence(ctx, indicator, after, n)
		if err != nil {
			return nil, false, err
		}
		if len(evs) <= limit {
			return evs, false, nil
		}
		// evs[limit] follows the page: cut the page where the position
		// changes, so that no position is split between pages.
		cut := limit
		for cut > 0 && evs[cut-1].Position == evs[limit].Position {
			cut--
		}
		if cut > 0 {
			return evs[:cut], true, nil
		}
		// One position holds more than limit items: give all of them.
		end := 1
		for end < len(evs) && evs[end].Position == evs[0].Position {
			end++
		}
		if end < len(evs) {
			return evs[:end], true, nil
		}
		if len(evs) < n {
			return evs, false, nil
		}
		n *= 2
	}
}

// pageParams parses ?cursor= and ?limit= of a list.
func pageParams(r *http.Request) (cursor string, limit int, err error) {
	if cursor, err = singleParam(r.URL.Query(), "cursor"); err != nil {
		return "", 0, err
	}
	limit, err = limitParam(r, defaultListPage, maxListPage)
	return cursor, limit, err
}

// Stats returns the dashboard figures as GET /v1/stats shows them (the
// websocket's stats channel pushes the same document).
func (a *API) Stats(ctx context.Context) (any, error) {
	v, err := a.stats(ctx)
	return v, err
}

func (a *API) stats(ctx context.Context) (statsView, error) {
	cvs, err := a.reads.Counters(ctx, "")
	if err != nil {
		return statsView{}, err
	}
	out := statsView{Figures: []projections.CounterValue{}, Indicators: map[string]indicatorFigures{}}
	for _, ind := range statsIndicators {
		out.Indicators[ind] = indicatorFigures{ByCountry: map[string]int64{}, ByMonth: map[string]int64{}}
	}
	for _, cv := range cvs {
		f, ok := out.Indicators[cv.Metric]
		if !ok {
			out.Figures = append(out.Figures, cv)
			continue
		}
		switch {
		case cv.Dim == "" && cv.Month == "":
			f.Total = cv.N
		case cv.Dim == "" && cv.Value == "":
			f.ByMonth[cv.Month] = cv.N
		case cv.Dim == "country" && cv.Month == "":
			f.ByCountry[cv.Value] = cv.N
		}
		out.Indicators[cv.Metric] = f
	}
	return out, nil
}
