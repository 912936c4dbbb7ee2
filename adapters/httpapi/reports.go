package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/adapters/report"
	"github.com/nisa-eu/nisa/domain"
)

// Reports (adapters/report): the Interreg indicator report with the
// evidence behind every figure, the attendance list of a meeting, and the
// retention policies of projects' records. Reports answer JSON by default
// and CSV with ?format=csv (text/csv, a header row, as an attachment).

// reportFormats are the values of ?format=.
var reportFormats = []string{"json", "csv"}

// retentionBody is the body of PUT /v1/retention/{ref}: the policy as a
// whole.
type retentionBody struct {
	FundingProgramme string `json:"funding_programme,omitempty"`
	// LastPaymentOn is the civil date of the last payment, YYYY-MM-DD.
	LastPaymentOn string `json:"last_payment_on"`
	// StateAid marks a state-aid case (ten years instead of five).
	StateAid bool `json:"state_aid,omitempty"`
	// Years is the period; 0 or absent for the default of the case.
	Years int `json:"years,omitempty"`
}

// reportEvidencePage is the evidence behind one figure (or several, when
// country or month are left open).
type reportEvidencePage struct {
	Indicator string `json:"indicator"`
	Country   string `json:"country,omitempty"`
	Month     string `json:"month,omitempty"`
	Project   string `json:"project,omitempty"`
	// Value is the sum of the items' values: the figure they make up.
	Value int64                `json:"value"`
	Items []report.EvidenceRow `json:"items"`
}

// reportSource is what the reports read.
func (a *API) reportSource() report.Source { return report.Source{Events: a.store, Reads: a.reads} }

// reportQueryError turns the validation errors of a report query, which
// name query parameters ("from", "to"), into problems pointing at
// /query/<name>.
func reportQueryError(err error) error {
	var es domain.ValidationErrors
	if !errors.As(err, &es) {
		return queryError(err)
	}
	fields := make([]FieldError, len(es))
	for i, e := range es {
		fields[i] = FieldError{Pointer: "/query/" + e.Field, Detail: e.Error()}
	}
	return newError(domain.CodeInvalid, err.Error(), fields...)
}

// requiredParam returns the one value of parameter name, which must be
// given; what describes it in the problem.
func requiredParam(r *http.Request, name, what string) (string, error) {
	s, err := singleParam(r.URL.Query(), name)
	if err == nil && s == "" {
		err = invalid("/query/"+name, name+" is required: "+what)
	}
	return s, err
}

// writeCSV answers 200 with the CSV write produces, as an attachment named
// filename (characters other than letters, digits, ".", "-" and "_"
// become "_").
func writeCSV(w http.ResponseWriter, filename string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	filename = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, filename)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
	return nil
}

func (a *API) reportRoutes() []route {
	return []route{
		{method: "GET", path: "/v1/reports/indicators", readModel: true, op: "getIndicatorReport",
			summary: "The Interreg indicators RCO87, RCO81, RCO115 and visits_completed per country and month for the months ?from= (inclusive) to ?to= (exclusive), both YYYY-MM, " +
				"with totals per country, per month and overall; ?project= keeps what the meetings and exchange visits of one project reference count " +
				"(an organisation counts toward RCO87 of a project from its first evidence there); ?format=json (default) or csv " +
				"(indicator,country,month,value, with total rows marked \"total\"). A subject counts once, in the month of its first evidence, as in GET /v1/stats; " +
				"GET /v1/reports/indicators/evidence lists the events behind each figure",
			who:  "admin, coordinator, auditor",
			resp: report.IndicatorReport{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireReader("read indicator reports"); err != nil {
					return err
				}
				q := r.URL.Query()
				if err := checkParams(q, "from", "to", "project", "format"); err != nil {
					return err
				}
				from, err := requiredParam(r, "from", "the first month of the report, YYYY-MM")
				if err != nil {
					return err
				}
				to, err := requiredParam(r, "to", "the month after the last month of the report, YYYY-MM")
				if err != nil {
					return err
				}
				project, err := singleParam(q, "project")
				if err != nil {
					return err
				}
				format, err := singleParamOf(q, "format", reportFormats)
				if err != nil {
					return err
				}
				rep, err := report.Indicators(r.Context(), a.reportSource(), report.Query{From: from, To: to, Project: project})
				if err != nil {
					return reportQueryError(err)
				}
				rep = rep.WithoutEvidence()
				if format == "csv" {
					name := "indicators_" + from + "_" + to
					if project != "" {
						name += "_" + project
					}
					return writeCSV(w, name+".csv", func(w io.Writer) error { return report.WriteFiguresCSV(w, rep) })
				}
				writeJSON(w, http.StatusOK, rep)
				return nil
			}},
		{method: "GET", path: "/v1/reports/indicators/evidence", readModel: true, op: "listIndicatorReportEvidence",
			summary: "The events behind figures of the indicator report: ?indicator= (required: RCO87, RCO81, RCO115 or visits_completed), ?country= and ?month= (YYYY-MM) " +
				"select one figure (left out: every country, every month), ?project= as in the report; each item is the event that made one subject count, " +
				"with its position, stream, event type, time, subject, note and the value it adds (the items' values add up to value); ?format=json (default) or csv",
			who:  "admin, coordinator, auditor",
			resp: reportEvidencePage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireReader("read indicator evidence"); err != nil {
					return err
				}
				q := r.URL.Query()
				if err := checkParams(q, "indicator", "country", "month", "project", "format"); err != nil {
					return err
				}
				ind, err := requiredParam(r, "indicator", "one of "+strings.Join(report.IndicatorNames, ", "))
				if err != nil {
					return err
				}
				country, err := singleParam(q, "country")
				if err != nil {
					return err
				}
				if country != "" {
					if country, err = refCountry(strings.ToUpper(country)); err != nil {
						return invalid("/query/country", fmt.Sprintf("country %q: %v (want a code such as \"PL\")", q.Get("country"), err))
					}
				}
				month, err := singleParam(q, "month")
				if err != nil {
					return err
				}
				rq := report.Query{Indicator: ind}
				if month != "" {
					if _, err := report.ParseMonth(month); err != nil {
						return invalid("/query/month", "month "+err.Error())
					}
					rq.From, rq.To = month, report.NextMonth(month)
				}
				if rq.Project, err = singleParam(q, "project"); err != nil {
					return err
				}
				format, err := singleParamOf(q, "format", reportFormats)
				if err != nil {
					return err
				}
				rep, err := report.Indicators(r.Context(), a.reportSource(), rq)
				if err != nil {
					return reportQueryError(err)
				}
				out := reportEvidencePage{Indicator: ind, Country: country, Month: month, Project: rq.Project, Items: []report.EvidenceRow{}}
				for _, e := range rep.Evidence() {
					if country == "" || e.Country == country {
						out.Items = append(out.Items, e)
						out.Value += e.Value
					}
				}
				if format == "csv" {
					name := "evidence_" + ind
					for _, s := range []string{country, month, rq.Project} {
						if s != "" {
							name += "_" + s
						}
					}
					return writeCSV(w, name+".csv", func(w io.Writer) error { return report.WriteEvidenceCSV(w, out.Items) })
				}
				writeJSON(w, http.StatusOK, out)
				return nil
			}},
		{method: "GET", path: "/v1/meetings/{id}/attendance", readModel: true, op: "getMeetingAttendance",
			summary: "The attendance list of a meeting: one row per participant of every registration, in the order registrations were made, with registration id, " +
				"organisation id, name and country, the participant's name (\"[erased]\" once erased) and position, the registration's status " +
				"(pending_approval, registered, waitlisted, cancelled, rejected, checked_in, no_show) and the check-in time; ?format=json (default) or csv",
			who:  "admin, coordinator, auditor",
			resp: report.Attendance{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireReader("read attendance lists"); err != nil {
					return err
				}
				q := r.URL.Query()
				if err := checkParams(q, "format"); err != nil {
					return err
				}
				format, err := singleParamOf(q, "format", reportFormats)
				if err != nil {
					return err
				}
				att, err := report.MeetingAttendance(r.Context(), a.reportSource(), r.PathValue("id"))
				if err != nil {
					return err
				}
				if format == "csv" {
					return writeCSV(w, "attendance_"+att.MeetingID+".csv", func(w io.Writer) error { return report.WriteAttendanceCSV(w, att) })
				}
				writeJSON(w, http.StatusOK, att)
				return nil
			}},
		{method: "PUT", path: "/v1/retention/{ref}", op: "setRetention",
			summary: "Set (or replace as a whole) the retention policy of the records of a project reference (as named by meetings and exchange visits; " +
				"URL-encode a slash as %2F): the date of the last payment, whether it is a state-aid case and optionally the years; records are kept until " +
				"31 December of the last payment's year plus 5 years (10 for state aid) or the years given (at least that default). Nothing is ever deleted",
			who:  "admin, coordinator",
			body: retentionBody{}, resp: domain.Retention{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b retentionBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				ref := r.PathValue("ref")
				cmd := domain.SetRetention{FundingProgramme: b.FundingProgramme, LastPaymentOn: b.LastPaymentOn, StateAid: b.StateAid, Years: b.Years}
				return change(w, r, c, domain.RetentionKind, ref, func(s domain.Retention, _ uint64, now time.Time) ([]domain.Payload, error) {
					evs, err := cmd.Decide(s, ref, c.actor, now)
					return evs, renameFields(err, map[string]string{"project_reference": "/path/ref"})
				}, 200, "")
			}},
		{method: "GET", path: "/v1/retention/{ref}", op: "getRetention",
			summary: "Read the retention policy of a project reference with the period that applies and the day records must be kept until (due_on) (as_of: as it was then)",
			who:     "admin, coordinator, auditor",
			resp:    domain.Retention{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireReader("read retention policies"); err != nil {
					return err
				}
				ref := r.PathValue("ref")
				err := read(w, r, c, domain.RetentionKind, ref, func(s domain.Retention) (any, error) { return s, nil })
				if errors.Is(err, domain.ErrNotFound) {
					return fmt.Errorf("%w: no retention policy for project reference %q (set one with PUT /v1/retention/{ref})", domain.ErrNotFound, ref)
				}
				return err
			}},
	}
}
