package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// Source is what the reports read: the event store (aggregates and the
// global log) and the read models.
type Source struct {
	Events domain.EventStore
	Reads  projections.Reader
}

// IndicatorNames are the Interreg indicators of the report, in report order.
var IndicatorNames = []string{projections.IndicatorRCO87, projections.IndicatorRCO81, projections.IndicatorRCO115, projections.IndicatorVisitsCompleted}

// IndicatorDescriptions explain each indicator in one line (projections'
// Indicator… constants give the exact rules).
var IndicatorDescriptions = map[string]string{
	projections.IndicatorRCO87:           "organisations cooperating across borders (each once: a two-country meeting registration, an accepted interest or visit)",
	projections.IndicatorRCO81:           "participations in joint actions across borders (participants checked in at two-country meetings or of completed cross-border visits)",
	projections.IndicatorRCO115:          "public events across borders jointly organised (meetings where two countries checked in; country: the venue's)",
	projections.IndicatorVisitsCompleted: "completed exchange visits, cross-border or not (country: the guest's)",
}

// MonthLayout is the layout of report months: "2026-03".
const MonthLayout = "2006-01"

// ParseMonth parses a month "YYYY-MM".
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse(MonthLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a month YYYY-MM such as 2026-03", s)
	}
	return t, nil
}

// NextMonth returns the month after month m ("YYYY-MM"); m must parse.
func NextMonth(m string) string {
	t, err := ParseMonth(m)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 1, 0).Format(MonthLayout)
}

// Query selects what an indicator report covers.
type Query struct {
	// From and To bound the months ("YYYY-MM") in which subjects came to
	// count: From inclusive, To exclusive. "" leaves that end open.
	From, To string
	// Project, when set, keeps only evidence from meetings and exchange
	// visits whose project reference it is (see Indicators).
	Project string
	// Indicator limits the report to one indicator ("": all four).
	Indicator string
}

// Validate checks q. Problems are domain.ValidationErrors naming the
// fields "from", "to", "project" and "indicator".
func (q Query) Validate() error {
	var es domain.ValidationErrors
	var from, to time.Time
	var err error
	if q.From != "" {
		if from, err = ParseMonth(q.From); err != nil {
			es.Add("from", q.From, err.Error())
		}
	}
	if q.To != "" {
		if to, err = ParseMonth(q.To); err != nil {
			es.Add("to", q.To, err.Error())
		}
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		es.Add("to", q.To, "must be after from ("+q.From+"); to is the first month not covered")
	}
	if q.Project != strings.TrimSpace(q.Project) || utf8.RuneCountInString(q.Project) > 100 {
		es.Add("project", q.Project, "must be a project reference of at most 100 characters without surrounding spaces")
	}
	if q.Indicator != "" && !slices.Contains(IndicatorNames, q.Indicator) {
		es.Add("indicator", q.Indicator, "must be one of "+strings.Join(IndicatorNames, ", "))
	}
	return es.Err()
}

// inRange reports whether month m lies in [From, To).
func (q Query) inRange(m string) bool {
	return (q.From == "" || m >= q.From) && (q.To == "" || m < q.To)
}

// IndicatorReport is the figures of the indicators for a range of months.
type IndicatorReport struct {
	// From and To are the range of months: From inclusive, To exclusive
	// ("" when open).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Project is the project reference the report is restricted to.
	Project    string             `json:"project,omitempty"`
	Indicators []IndicatorFigures `json:"indicators"`
}

// IndicatorFigures are the figures of one indicator. The country "" stands
// for subjects without a known country (RCO115 of online meetings,
// organisations whose profile names no country): they are in the totals
// and have their own figures.
type IndicatorFigures struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
	// Total is the sum of the figures; Subjects how many things were
	// counted (an RCO81 meeting registration counts with all its
	// participants, so Total may exceed Subjects).
	Total     int64            `json:"total"`
	Subjects  int              `json:"subjects"`
	ByCountry map[string]int64 `json:"by_country"`
	ByMonth   map[string]int64 `json:"by_month"`
	// Figures are the values per country and month, sorted by country and
	// month; combinations without subjects are left out.
	Figures []Figure `json:"figures"`
}

// Figure is the value of one indicator for one country and month.
type Figure struct {
	Country  string `json:"country"`
	Month    string `json:"month"`
	Value    int64  `json:"value"`
	Subjects int    `json:"subjects"`
	// Evidence lists the event that made each subject count, by position;
	// the values of the evidence add up to Value.
	Evidence []EvidenceRow `json:"evidence,omitempty"`
}

// EvidenceRow is the event that made one subject count toward a figure.
type EvidenceRow struct {
	// ID is "<position>/<subject>".
	ID        string `json:"id"`
	Indicator string `json:"indicator"`
	Country   string `json:"country"`
	Month     string `json:"month"`
	// Value is what the subject adds to the figure: the participants of
	// an RCO81 meeting registration, 1 otherwise.
	Value    int64           `json:"value"`
	Subject  string          `json:"subject"`
	Position domain.Position `json:"position"`
	StreamID string          `json:"stream_id"`
	Type     string          `json:"type"`
	At       time.Time       `json:"at"`
	Note     string          `json:"note,omitempty"`
}

// Evidence returns the evidence of every figure of r, indicator by
// indicator, figure by figure.
func (r IndicatorReport) Evidence() []EvidenceRow {
	out := []EvidenceRow{}
	for _, ind := range r.Indicators {
		for _, f := range ind.Figures {
			out = append(out, f.Evidence...)
		}
	}
	return out
}

// WithoutEvidence returns r without the evidence lists of its figures.
func (r IndicatorReport) WithoutEvidence() IndicatorReport {
	out := r
	out.Indicators = slices.Clone(r.Indicators)
	for i, ind := range out.Indicators {
		figs := slices.Clone(ind.Figures)
		for j := range figs {
			figs[j].Evidence = nil
		}
		out.Indicators[i].Figures = figs
	}
	return out
}

// Indicators builds the indicator report q asks for from the evidence the
// stats projection recorded.
//
// Counting follows the counters of the stats projection: every subject
// (organisation, registration or visit participation, meeting, visit)
// counts once, in the month and country of its first evidence, where the
// first evidence is the one of the earliest month (then the lowest
// position). The stats record evidence in log order and event times
// advance with the log, so this is the month the counters count it in; a
// subject whose first evidence lies before q.From is not counted in the
// range, whatever later evidence it has. An RCO81 meeting registration
// counts with the number of its participants, every other subject with 1.
//
// With q.Project only evidence recorded on the streams of meetings and
// exchange visits whose (current) project reference is q.Project is
// considered, and the rule above applies to that evidence: RCO81, RCO115
// and visits_completed keep exactly the subjects of those meetings and
// visits; an organisation counts toward RCO87 of the project in the month
// of its first evidence from one of them, even if it counted earlier
// through another project or an offer (so RCO87 figures of several
// projects may overlap). Offers carry no project reference and never
// count toward a project.
//
// Errors: q's validation errors (domain.ErrInvalid); read errors.
func Indicators(ctx context.Context, src Source, q Query) (IndicatorReport, error) {
	if err := q.Validate(); err != nil {
		return IndicatorReport{}, err
	}
	inds := IndicatorNames
	if q.Indicator != "" {
		inds = []string{q.Indicator}
	}
	l := newLookup(src)
	rep := IndicatorReport{From: q.From, To: q.To, Project: q.Project, Indicators: []IndicatorFigures{}}
	for _, ind := range inds {
		evs, err := allEvidence(ctx, src.Reads, ind)
		if err != nil {
			return IndicatorReport{}, err
		}
		rows, err := l.counting(ctx, ind, evs, q.Project)
		if err != nil {
			return IndicatorReport{}, err
		}
		fs := IndicatorFigures{Indicator: ind, Description: IndicatorDescriptions[ind], ByCountry: map[string]int64{}, ByMonth: map[string]int64{}, Figures: []Figure{}}
		byKey := map[[2]string]int{}
		for _, row := range rows {
			if !q.inRange(row.Month) {
				continue
			}
			k := [2]string{row.Country, row.Month}
			i, ok := byKey[k]
			if !ok {
				i = len(fs.Figures)
				byKey[k] = i
				fs.Figures = append(fs.Figures, Figure{Country: row.Country, Month: row.Month})
			}
			f := &fs.Figures[i]
			f.Value += row.Value
			f.Subjects++
			f.Evidence = append(f.Evidence, row)
			fs.Total += row.Value
			fs.Subjects++
			fs.ByCountry[row.Country] += row.Value
			fs.ByMonth[row.Month] += row.Value
		}
		slices.SortFunc(fs.Figures, func(a, b Figure) int {
			return cmp.Or(cmp.Compare(a.Country, b.Country), cmp.Compare(a.Month, b.Month))
		})
		for _, f := range fs.Figures {
			slices.SortFunc(f.Evidence, func(a, b EvidenceRow) int {
				return cmp.Or(a.Position.Compare(b.Position), cmp.Compare(a.Subject, b.Subject))
			})
		}
		rep.Indicators = append(rep.Indicators, fs)
	}
	return rep, nil
}

// evidencePage is how much evidence one read asks for.
const evidencePage = 1000

// allEvidence reads every piece of evidence of indicator, by position. One
// event may count several subjects (several pieces at one position): a
// page is only continued after a position it holds completely.
func allEvidence(ctx context.Context, reads projections.Reader, indicator string) ([]projections.Evidence, error) {
	var out []projections.Evidence
	after, n := domain.Start, evidencePage
	for {
		evs, err := reads.Evidence(ctx, indicator, after, n)
		if err != nil {
			return nil, err
		}
		if len(evs) < n {
			return append(out, evs...), nil
		}
		last := evs[len(evs)-1].Position
		cut := len(evs)
		for cut > 0 && evs[cut-1].Position == last {
			cut--
		}
		if cut == 0 {
			n *= 2 // one position fills the page: read more at once
			continue
		}
		out = append(out, evs[:cut]...)
		after = evs[cut-1].Position
		n = evidencePage
	}
}

// lookup loads the meetings and exchange visits evidence refers to, each
// once per report.
type lookup struct {
	src      Source
	meetings map[string]*domain.Meeting
	visits   map[string]*domain.ExchangeVisit
}

func newLookup(src Source) *lookup {
	return &lookup{src: src, meetings: map[string]*domain.Meeting{}, visits: map[string]*domain.ExchangeVisit{}}
}

// meeting returns meeting id (nil when it has no events).
func (l *lookup) meeting(ctx context.Context, id string) (*domain.Meeting, error) {
	if m, ok := l.meetings[id]; ok {
		return m, nil
	}
	m, _, err := domain.Load(ctx, l.src.Events, domain.MeetingKind, id, time.Time{})
	var p *domain.Meeting
	switch {
	case err == nil:
		p = &m
	case !errors.Is(err, domain.ErrNotFound):
		return nil, err
	}
	l.meetings[id] = p
	return p, nil
}

// visit returns exchange visit id (nil when it has no events).
func (l *lookup) visit(ctx context.Context, id string) (*domain.ExchangeVisit, error) {
	if v, ok := l.visits[id]; ok {
		return v, nil
	}
	v, _, err := domain.Load(ctx, l.src.Events, domain.ExchangeVisitKind, id, time.Time{})
	var p *domain.ExchangeVisit
	switch {
	case err == nil:
		p = &v
	case !errors.Is(err, domain.ErrNotFound):
		return nil, err
	}
	l.visits[id] = p
	return p, nil
}

// projectOf returns the project reference of the meeting or exchange
// visit whose stream is streamID ("" for other streams or none).
func (l *lookup) projectOf(ctx context.Context, streamID string) (string, error) {
	category, id, _ := strings.Cut(streamID, "-")
	switch category {
	case domain.MeetingKind.Category:
		m, err := l.meeting(ctx, id)
		if err != nil || m == nil {
			return "", err
		}
		return m.ProjectReference, nil
	case domain.ExchangeVisitKind.Category:
		v, err := l.visit(ctx, id)
		if err != nil || v == nil {
			return "", err
		}
		return v.Proposal.ProjectReference, nil
	}
	return "", nil
}

// value returns what evidence e adds to its indicator: the participants
// of a meeting registration for RCO81 (as the stats count it), else 1.
func (l *lookup) value(ctx context.Context, e projections.Evidence) (int64, error) {
	category, id, _ := strings.Cut(e.StreamID, "-")
	if e.Indicator != projections.IndicatorRCO81 || category != domain.MeetingKind.Category {
		return 1, nil
	}
	m, err := l.meeting(ctx, id)
	if err != nil {
		return 0, err
	}
	if m != nil {
		if r, ok := m.Registration(e.Subject); ok {
			return int64(len(r.Participants)), nil
		}
	}
	return 0, fmt.Errorf("report: RCO81 evidence at %s names registration %q, which meeting %s does not have", e.Position, e.Subject, id)
}

// counting returns the counting evidence of every subject among evs (of
// indicator ind): its first evidence, from project's meetings and visits
// only when project is set.
func (l *lookup) counting(ctx context.Context, ind string, evs []projections.Evidence, project string) ([]EvidenceRow, error) {
	first := map[string]projections.Evidence{}
	var order []string
	for _, e := range evs {
		if project != "" {
			ref, err := l.projectOf(ctx, e.StreamID)
			if err != nil {
				return nil, err
			}
			if ref != project {
				continue
			}
		}
		f, seen := first[e.Subject]
		if !seen {
			order = append(order, e.Subject)
		}
		if !seen || e.Month < f.Month || (e.Month == f.Month && e.Position.Less(f.Position)) {
			first[e.Subject] = e
		}
	}
	rows := make([]EvidenceRow, 0, len(order))
	for _, s := range order {
		e := first[s]
		v, err := l.value(ctx, e)
		if err != nil {
			return nil, err
		}
		rows = append(rows, EvidenceRow{ID: e.Position.String() + "/" + e.Subject, Indicator: ind, Country: e.Country, Month: e.Month, Value: v,
			Subject: e.Subject, Position: e.Position, StreamID: e.StreamID, Type: e.Type, At: e.At, Note: e.Note})
	}
	return rows, nil
}
