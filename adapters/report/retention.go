package report

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Statuses of a project's records in the retention overview.
const (
	// RetentionDue: the retention period ended before the as-of day.
	RetentionDue = "due"
	// RetentionDueWithin: the period ends within the window of days.
	RetentionDueWithin = "due_within"
	// RetentionNotDue: the period ends later.
	RetentionNotDue = "not_due"
	// RetentionUnknown: no retention policy is set for the project.
	RetentionUnknown = "unknown"
)

// RetentionNote is what the overview says about deleting records.
const RetentionNote = "Nothing is deleted: the event log is kept whole and stays verifiable. When a retention period has ended, " +
	"personal data in the project's records is erased by crypto-shredding (nisa forget), which makes it unreadable without " +
	"touching the log."

// RetentionQuery selects a retention overview.
type RetentionQuery struct {
	// AsOf is the day (YYYY-MM-DD) the statuses are computed for.
	AsOf string
	// WithinDays is the window for RetentionDueWithin (0: none).
	WithinDays int
}

// RetentionReport is the retention overview of every project reference
// found in the log.
type RetentionReport struct {
	AsOf       string         `json:"as_of"`
	WithinDays int            `json:"within_days"`
	Note       string         `json:"note"`
	Items      []RetentionRow `json:"items"`
}

// RetentionRow is the retention of the records of one project.
type RetentionRow struct {
	// ID is the project reference.
	ID               string `json:"id"`
	ProjectReference string `json:"project_reference"`
	// FundingProgramme is the policy's, or else the programmes the
	// project's meetings and visits name (separated by "; ").
	FundingProgramme string `json:"funding_programme,omitempty"`
	// LastPaymentOn, StateAid, PeriodYears and DueOn come from the
	// project's retention policy; they are empty while none is set.
	LastPaymentOn string `json:"last_payment_on,omitempty"`
	StateAid      bool   `json:"state_aid"`
	PeriodYears   int    `json:"period_years,omitempty"`
	DueOn         string `json:"due_on,omitempty"`
	// DaysLeft counts the days from the as-of day to DueOn (negative once
	// due); absent while no policy is set.
	DaysLeft *int `json:"days_left,omitempty"`
	// Status is due, due_within, not_due or unknown.
	Status string `json:"status"`
	// Hint says what to do about an unknown status.
	Hint string `json:"hint,omitempty"`
	// Records are the streams of the meetings and exchange visits that
	// carry the project reference, sorted.
	Records []string `json:"records"`
}

// retentionEvents are the event types the retention overview reads.
var retentionEvents = map[string]bool{
	domain.MeetingScheduled{}.EventType():   true,
	domain.MeetingRescheduled{}.EventType(): true,
	domain.VisitProposed{}.EventType():      true,
	domain.RetentionPolicySet{}.EventType(): true,
}

// RetentionOverview reads the whole log and reports, for every project
// reference that a meeting, an exchange visit or a retention policy names,
// the policy (domain.Retention), its due day and a status as of q.AsOf:
// due once the day is after DueOn (the last day records must be kept),
// due_within when DueOn is at most q.WithinDays days ahead, not_due
// otherwise, unknown without a policy. A meeting belongs to the project
// reference its current details name.
//
// It is computed from the log (RetentionPolicySet, MeetingScheduled,
// MeetingRescheduled, VisitProposed), so it needs no read model and
// answers alike on every store. Nothing is deleted (RetentionNote).
//
// Errors: a *domain.ValidationError on "as_of" or "within"; read errors.
func RetentionOverview(ctx context.Context, events domain.EventStore, q RetentionQuery) (RetentionReport, error) {
	asOf, err := time.Parse(time.DateOnly, q.AsOf)
	if err != nil {
		return RetentionReport{}, &domain.ValidationError{Field: "as_of", Value: q.AsOf, Reason: "not a date YYYY-MM-DD"}
	}
	if q.WithinDays < 0 {
		return RetentionReport{}, &domain.ValidationError{Field: "within", Value: fmt.Sprint(q.WithinDays), Reason: "must be 0 or more days"}
	}
	type record struct{ ref, programme string }
	records := map[string]record{} // by stream id
	policies := map[string]domain.Retention{}
	after := domain.Start
	for {
		evs, err := events.ReadAll(ctx, after, 1000)
		if err != nil {
			return RetentionReport{}, err
		}
		if len(evs) == 0 {
			break
		}
		after = evs[len(evs)-1].Position
		for _, ev := range evs {
			if !retentionEvents[ev.Type] {
				continue
			}
			p, err := domain.Decode(ev)
			if err != nil {
				return RetentionReport{}, err
			}
			switch e := p.(type) {
			case domain.MeetingScheduled:
				records[ev.StreamID] = record{e.Details.ProjectReference, e.Details.FundingProgramme}
			case domain.MeetingRescheduled:
				records[ev.StreamID] = record{e.Details.ProjectReference, e.Details.FundingProgramme}
			case domain.VisitProposed:
				records[ev.StreamID] = record{e.Proposal.ProjectReference, e.Proposal.FundingProgramme}
			case domain.RetentionPolicySet:
				policies[e.ProjectReference] = domain.RetentionKind.Evolve(policies[e.ProjectReference], e)
			}
		}
	}
	rows := map[string]*RetentionRow{}
	programmes := map[string][]string{}
	row := func(ref string) *RetentionRow {
		r, ok := rows[ref]
		if !ok {
			r = &RetentionRow{ID: ref, ProjectReference: ref, Records: []string{}}
			rows[ref] = r
		}
		return r
	}
	for stream, rec := range records {
		if rec.ref == "" {
			continue
		}
		r := row(rec.ref)
		r.Records = append(r.Records, stream)
		if rec.programme != "" && !slices.Contains(programmes[rec.ref], rec.programme) {
			programmes[rec.ref] = append(programmes[rec.ref], rec.programme)
		}
	}
	for ref := range policies {
		row(ref)
	}
	out := RetentionReport{AsOf: q.AsOf, WithinDays: q.WithinDays, Note: RetentionNote, Items: make([]RetentionRow, 0, len(rows))}
	for ref, r := range rows {
		slices.Sort(r.Records)
		ps := programmes[ref]
		slices.Sort(ps)
		r.FundingProgramme = strings.Join(ps, "; ")
		p, ok := policies[ref]
		if !ok {
			r.Status = RetentionUnknown
			r.Hint = "unknown: set it with PUT /v1/retention/" + url.PathEscape(ref)
			out.Items = append(out.Items, *r)
			continue
		}
		if p.FundingProgramme != "" {
			r.FundingProgramme = p.FundingProgramme
		}
		r.LastPaymentOn, r.StateAid, r.PeriodYears, r.DueOn = p.LastPaymentOn, p.StateAid, p.PeriodYears, p.DueOn
		due, err := time.Parse(time.DateOnly, p.DueOn)
		if err != nil {
			return RetentionReport{}, fmt.Errorf("report: retention of %s: due day %q: %w", ref, p.DueOn, err)
		}
		// Civil dates at midnight UTC: whole days, no daylight saving.
		days := int(due.Sub(asOf).Hours() / 24)
		r.DaysLeft = &days
		switch {
		case days < 0:
			r.Status = RetentionDue
		case q.WithinDays > 0 && days <= q.WithinDays:
			r.Status = RetentionDueWithin
		default:
			r.Status = RetentionNotDue
		}
		out.Items = append(out.Items, *r)
	}
	slices.SortFunc(out.Items, func(a, b RetentionRow) int { return cmp.Compare(a.ProjectReference, b.ProjectReference) })
	return out, nil
}

// StatusText returns the status of row (of r) for people: "due", "due
// within 90 days" (with r's window), "not due" or "unknown".
func (r RetentionReport) StatusText(row RetentionRow) string {
	switch row.Status {
	case RetentionDueWithin:
		return fmt.Sprintf("due within %d days", r.WithinDays)
	case RetentionNotDue:
		return "not due"
	}
	return row.Status
}
