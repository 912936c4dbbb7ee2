package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CSV output: RFC 4180 through encoding/csv, a header row first, times in
// RFC 3339 (UTC), the country "" as an empty cell. A text cell that starts
// with =, +, -, @, a tab or a carriage return gets a leading apostrophe so
// that spreadsheets show it rather than run it as a formula (names come
// from users); identifiers, numbers and times never start with one.

// Total marks the total rows of the figures CSV in the country and month
// columns.
const Total = "total"

// FiguresHeader is the header of the figures CSV.
var FiguresHeader = []string{"indicator", "country", "month", "value"}

// EvidenceHeader is the header of the evidence CSV.
var EvidenceHeader = []string{"indicator", "country", "month", "value", "subject", "position", "stream_id", "type", "at", "note"}

// AttendanceHeader is the header of the attendance CSV.
var AttendanceHeader = []string{"registration_id", "organisation_id", "organisation_name", "country", "participant", "position", "status", "checked_in_at"}

// RetentionHeader is the header of the retention CSV.
var RetentionHeader = []string{"project_reference", "funding_programme", "last_payment_on", "state_aid", "period_years", "due_on", "days_left", "status", "records"}

// WriteFiguresCSV writes r's figures, one row per indicator, country and
// month, and after each indicator's figures its totals: per country (month
// "total"), per month (country "total") and overall (both "total").
func WriteFiguresCSV(w io.Writer, r IndicatorReport) error {
	cw := csv.NewWriter(w)
	rows := [][]string{FiguresHeader}
	for _, ind := range r.Indicators {
		for _, f := range ind.Figures {
			rows = append(rows, []string{ind.Indicator, f.Country, f.Month, itoa64(f.Value)})
		}
		for _, c := range sortedKeys(ind.ByCountry) {
			rows = append(rows, []string{ind.Indicator, c, Total, itoa64(ind.ByCountry[c])})
		}
		for _, m := range sortedKeys(ind.ByMonth) {
			rows = append(rows, []string{ind.Indicator, Total, m, itoa64(ind.ByMonth[m])})
		}
		rows = append(rows, []string{ind.Indicator, Total, Total, itoa64(ind.Total)})
	}
	return writeAll(cw, rows)
}

// WriteEvidenceCSV writes one row per piece of evidence.
func WriteEvidenceCSV(w io.Writer, evidence []EvidenceRow) error {
	cw := csv.NewWriter(w)
	rows := [][]string{EvidenceHeader}
	for _, e := range evidence {
		rows = append(rows, []string{e.Indicator, e.Country, e.Month, itoa64(e.Value), cell(e.Subject), e.Position.String(),
			cell(e.StreamID), e.Type, csvTime(e.At), cell(e.Note)})
	}
	return writeAll(cw, rows)
}

// WriteAttendanceCSV writes one row per participant.
func WriteAttendanceCSV(w io.Writer, a Attendance) error {
	cw := csv.NewWriter(w)
	rows := [][]string{AttendanceHeader}
	for _, x := range a.Items {
		rows = append(rows, []string{x.RegistrationID, x.OrganisationID, cell(x.OrganisationName), x.Country, cell(x.Participant),
			cell(x.Position), x.Status, csvTime(x.CheckedInAt)})
	}
	return writeAll(cw, rows)
}

// WriteRetentionCSV writes one row per project reference; records are
// separated by spaces.
func WriteRetentionCSV(w io.Writer, r RetentionReport) error {
	cw := csv.NewWriter(w)
	rows := [][]string{RetentionHeader}
	for _, x := range r.Items {
		days, period := "", ""
		if x.DaysLeft != nil {
			days = strconv.Itoa(*x.DaysLeft)
		}
		if x.PeriodYears != 0 {
			period = strconv.Itoa(x.PeriodYears)
		}
		rows = append(rows, []string{cell(x.ProjectReference), cell(x.FundingProgramme), x.LastPaymentOn, strconv.FormatBool(x.StateAid),
			period, x.DueOn, days, x.Status, cell(strings.Join(x.Records, " "))})
	}
	return writeAll(cw, rows)
}

func writeAll(cw *csv.Writer, rows [][]string) error {
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// cell guards a text cell against formula injection.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
