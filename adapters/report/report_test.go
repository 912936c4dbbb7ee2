package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/adapters/report"
	"github.com/nisa-eu/nisa/adapters/report/reporttest"
	"github.com/nisa-eu/nisa/adapters/shred"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// source opens a fresh store of mode ("embedded": embedded event store and
// memory read store; "postgres": both in a fresh database), seeds the
// scenario and builds the read models.
func source(t *testing.T, mode string) report.Source {
	t.Helper()
	ctx := context.Background()
	var (
		events domain.EventStore
		reads  projections.Store
	)
	switch mode {
	case "embedded":
		s, err := embedded.Open(t.TempDir(), embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		events, reads = s, memory.New()
	case "postgres":
		s, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := postgres.Migrate(ctx, s.Pool(), nil); err != nil {
			t.Fatal(err)
		}
		rs, err := postgres.OpenReadStore(ctx, s.Pool())
		if err != nil {
			t.Fatal(err)
		}
		events, reads = s, rs
	}
	t.Cleanup(func() { events.Close() })
	t.Cleanup(func() { reads.Close() })
	if err := reporttest.Seed(ctx, events); err != nil {
		t.Fatal(err)
	}
	if _, err := projections.Rebuild(ctx, events, reads, projections.All(), nil); err != nil {
		t.Fatal(err)
	}
	return report.Source{Events: events, Reads: reads}
}

var modes = []string{"embedded", "postgres"}

// figures maps "country|month" to the value of each figure of indicator
// ind in r.
func figures(t *testing.T, r report.IndicatorReport, ind string) map[string]int64 {
	t.Helper()
	for _, fs := range r.Indicators {
		if fs.Indicator == ind {
			out := map[string]int64{}
			for _, f := range fs.Figures {
				out[f.Country+"|"+f.Month] = f.Value
			}
			return out
		}
	}
	t.Fatalf("report has no indicator %s", ind)
	return nil
}

func indicator(r report.IndicatorReport, ind string) report.IndicatorFigures {
	for _, fs := range r.Indicators {
		if fs.Indicator == ind {
			return fs
		}
	}
	return report.IndicatorFigures{}
}

func figure(r report.IndicatorReport, ind, country, month string) report.Figure {
	for _, f := range indicator(r, ind).Figures {
		if f.Country == country && f.Month == month {
			return f
		}
	}
	return report.Figure{}
}

// expectFigures compares every indicator's figures with want (indicators
// missing from want must have none) and checks the totals add up.
func expectFigures(t *testing.T, r report.IndicatorReport, want map[string]map[string]int64) {
	t.Helper()
	if got := len(r.Indicators); got != 4 {
		t.Fatalf("%d indicators, want 4", got)
	}
	for _, ind := range report.IndicatorNames {
		got := figures(t, r, ind)
		w := want[ind]
		if w == nil {
			w = map[string]int64{}
		}
		if !maps.Equal(got, w) {
			t.Errorf("%s figures:\n got  %v\n want %v", ind, got, w)
		}
		fs := indicator(r, ind)
		var total, subjects int64
		for _, f := range fs.Figures {
			total += f.Value
			subjects += int64(f.Subjects)
			var sum int64
			for _, e := range f.Evidence {
				sum += e.Value
				if e.Country != f.Country || e.Month != f.Month || e.Indicator != ind {
					t.Errorf("%s %s %s: evidence of another figure: %+v", ind, f.Country, f.Month, e)
				}
			}
			if sum != f.Value || len(f.Evidence) != f.Subjects {
				t.Errorf("%s %s %s: value %d, %d subjects, but evidence adds up to %d in %d rows", ind, f.Country, f.Month, f.Value, f.Subjects, sum, len(f.Evidence))
			}
		}
		if total != fs.Total || subjects != int64(fs.Subjects) {
			t.Errorf("%s: total %d subjects %d, figures add up to %d, %d", ind, fs.Total, fs.Subjects, total, subjects)
		}
	}
}

func TestIndicators(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			src := source(t, mode)
			build := func(q report.Query) report.IndicatorReport {
				t.Helper()
				r, err := report.Indicators(ctx, src, q)
				if err != nil {
					t.Fatalf("%+v: %v", q, err)
				}
				return r
			}

			// The first half of 2025, every project.
			all := build(report.Query{From: "2025-01", To: "2025-07"})
			expectFigures(t, all, map[string]map[string]int64{
				"RCO87":            {"DE|2025-01": 1, "PL|2025-01": 1, "CZ|2025-02": 1, "DE|2025-02": 1, "CZ|2025-06": 1},
				"RCO81":            {"DE|2025-02": 2, "PL|2025-02": 3, "CZ|2025-03": 1, "DE|2025-03": 2, "PL|2025-04": 2, "CZ|2025-05": 1, "CZ|2025-06": 1},
				"RCO115":           {"DE|2025-02": 1, "|2025-03": 1},
				"visits_completed": {"PL|2025-04": 1, "DE|2025-05": 1, "CZ|2025-05": 1, "CZ|2025-06": 1},
			})
			if got := indicator(all, "RCO81"); got.Total != 12 || got.Subjects != 8 || got.ByCountry["CZ"] != 3 || got.ByMonth["2025-02"] != 5 {
				t.Errorf("RCO81 totals: %d, %d subjects, by country %v, by month %v", got.Total, got.Subjects, got.ByCountry, got.ByMonth)
			}
			if got := indicator(all, "RCO115"); got.ByCountry[""] != 1 || got.ByCountry["DE"] != 1 {
				t.Errorf("RCO115 by country (online meeting under \"\"): %v", got.ByCountry)
			}

			// The same figures as the counters of the stats projection.
			counters, err := src.Reads.Counters(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, cv := range counters {
				fs := indicator(all, cv.Metric)
				if fs.Indicator == "" {
					continue
				}
				var got int64
				switch {
				case cv.Dim == "" && cv.Month == "":
					got = fs.Total
				case cv.Dim == "" && cv.Value == "":
					got = fs.ByMonth[cv.Month]
				case cv.Dim == "country" && cv.Month == "":
					got = fs.ByCountry[cv.Value]
				case cv.Dim == "country":
					got = figure(all, cv.Metric, cv.Value, cv.Month).Value
				default:
					continue
				}
				if got != cv.N {
					t.Errorf("counter %+v = %d, report %d", cv.Counter, cv.N, got)
				}
			}

			// Every figure is traceable to its events.
			de := figure(all, "RCO87", "DE", "2025-01")
			if len(de.Evidence) != 1 || de.Evidence[0].Subject != reporttest.OrgDE1 || de.Evidence[0].Type != "MeetingRegistered" ||
				de.Evidence[0].StreamID != "meeting-"+reporttest.MeetingFair || de.Evidence[0].At != time.Date(2025, 1, 10, 10, 0, 0, 0, time.UTC) ||
				!strings.Contains(de.Evidence[0].Note, "DE, PL") {
				t.Errorf("RCO87 DE 2025-01 evidence: %+v", de.Evidence)
			}
			pl := figure(all, "RCO81", "PL", "2025-04")
			if len(pl.Evidence) != 2 || pl.Evidence[0].Subject != reporttest.VisitPLSN+"/0" || pl.Evidence[1].Subject != reporttest.VisitPLSN+"/1" ||
				pl.Evidence[0].Type != "VisitCompleted" || pl.Evidence[0].Position != pl.Evidence[1].Position || pl.Evidence[0].Value != 1 {
				t.Errorf("RCO81 PL 2025-04 evidence: %+v", pl.Evidence)
			}
			fair := figure(all, "RCO81", "PL", "2025-02")
			if len(fair.Evidence) != 1 || fair.Evidence[0].Subject != reporttest.RegFairPL1 || fair.Evidence[0].Value != 3 || fair.Evidence[0].Type != "RegistrationCheckedIn" {
				t.Errorf("RCO81 PL 2025-02 evidence: %+v", fair.Evidence)
			}
			// The Czech organisation registered for two meetings in
			// February: it counts once, through the first.
			cz := figure(all, "RCO87", "CZ", "2025-02")
			if len(cz.Evidence) != 1 || cz.Evidence[0].StreamID != "meeting-"+reporttest.MeetingFair {
				t.Errorf("RCO87 CZ 2025-02 evidence: %+v", cz.Evidence)
			}
			if stripped := all.WithoutEvidence(); len(stripped.Evidence()) != 0 || len(all.Evidence()) != 5+8+2+4 {
				t.Errorf("evidence: %d rows, %d without", len(all.Evidence()), len(stripped.Evidence()))
			}

			// February and March only: organisations counted in January stay
			// out, although they have evidence later.
			expectFigures(t, build(report.Query{From: "2025-02", To: "2025-04"}), map[string]map[string]int64{
				"RCO87":  {"CZ|2025-02": 1, "DE|2025-02": 1},
				"RCO81":  {"DE|2025-02": 2, "PL|2025-02": 3, "CZ|2025-03": 1, "DE|2025-03": 2},
				"RCO115": {"DE|2025-02": 1, "|2025-03": 1},
			})
			// Nothing outside the months of the scenario.
			expectFigures(t, build(report.Query{From: "2024-01", To: "2025-01"}), nil)

			// One project: its meeting and its visit.
			plsn := build(report.Query{From: "2025-01", To: "2026-01", Project: reporttest.ProjectPLSN})
			expectFigures(t, plsn, map[string]map[string]int64{
				"RCO87":            {"DE|2025-01": 1, "PL|2025-01": 1, "CZ|2025-02": 1, "DE|2025-02": 1},
				"RCO81":            {"DE|2025-02": 2, "PL|2025-02": 3, "PL|2025-04": 2},
				"RCO115":           {"DE|2025-02": 1},
				"visits_completed": {"PL|2025-04": 1},
			})
			if plsn.Project != reporttest.ProjectPLSN || plsn.From != "2025-01" || plsn.To != "2026-01" {
				t.Errorf("report header %q %q %q", plsn.Project, plsn.From, plsn.To)
			}
			// Another project: the German host counted through the first
			// project counts again, in the month of this project's first
			// evidence of it; the domestic visit counts only as a visit.
			sncz := build(report.Query{Project: reporttest.ProjectSNCZ})
			expectFigures(t, sncz, map[string]map[string]int64{
				"RCO87":            {"CZ|2025-06": 1, "DE|2025-06": 1},
				"RCO81":            {"CZ|2025-06": 1},
				"visits_completed": {"DE|2025-05": 1, "CZ|2025-06": 1},
			})
			if e := figure(sncz, "RCO87", "DE", "2025-06").Evidence; len(e) != 1 || e[0].Subject != reporttest.OrgDE2 || e[0].Type != "VisitAccepted" ||
				e[0].StreamID != "exchange_visit-"+reporttest.VisitCZ2 {
				t.Errorf("RCO87 DE 2025-06 of %s: %+v", reporttest.ProjectSNCZ, e)
			}
			// A project whose meeting has not happened yet: registrations
			// from two countries in July. The Czech organisation's
			// evidence is its May registration, counted in July.
			czpl := build(report.Query{Project: reporttest.ProjectCZPL})
			expectFigures(t, czpl, map[string]map[string]int64{"RCO87": {"CZ|2025-07": 1, "DE|2025-07": 1}})
			if e := figure(czpl, "RCO87", "CZ", "2025-07").Evidence; len(e) != 1 || e[0].Subject != reporttest.OrgCZ2 ||
				e[0].At != time.Date(2025, 5, 2, 10, 0, 0, 0, time.UTC) {
				t.Errorf("RCO87 CZ 2025-07 of %s: %+v", reporttest.ProjectCZPL, e)
			}
			// Globally that organisation counts in June (its accepted visit),
			// although its registration event comes first in the log: the
			// counting month decides, as in the counters.
			if all := build(report.Query{Indicator: "RCO87"}); indicator(all, "RCO87").Total != 5 ||
				!slices.EqualFunc(figure(all, "RCO87", "CZ", "2025-06").Evidence, []string{"VisitAccepted"}, func(e report.EvidenceRow, typ string) bool { return e.Type == typ }) {
				t.Errorf("RCO87 of all time: %+v", indicator(all, "RCO87").Figures)
			}
			// An unknown project.
			expectFigures(t, build(report.Query{Project: "NO-SUCH-PROJECT"}), nil)

			// One indicator.
			one := build(report.Query{Indicator: "RCO115"})
			if len(one.Indicators) != 1 || one.Indicators[0].Total != 2 {
				t.Errorf("RCO115 alone: %+v", one.Indicators)
			}
		})
	}
}

func TestIndicatorsCSV(t *testing.T) {
	ctx := context.Background()
	src := source(t, "embedded")
	r, err := report.Indicators(ctx, src, report.Query{From: "2025-01", To: "2025-07", Project: reporttest.ProjectPLSN})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WriteFiguresCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, b.String())
	}
	if !slices.Equal(rows[0], report.FiguresHeader) {
		t.Fatalf("header %v", rows[0])
	}
	got := map[string]string{}
	for _, row := range rows[1:] {
		if len(row) != 4 {
			t.Fatalf("row %v", row)
		}
		got[strings.Join(row[:3], "|")] = row[3]
	}
	want := map[string]string{
		"RCO87|DE|2025-01": "1", "RCO87|PL|2025-01": "1", "RCO87|CZ|2025-02": "1", "RCO87|DE|2025-02": "1",
		"RCO87|CZ|total": "1", "RCO87|DE|total": "2", "RCO87|PL|total": "1", "RCO87|total|2025-01": "2", "RCO87|total|2025-02": "2", "RCO87|total|total": "4",
		"RCO81|DE|2025-02": "2", "RCO81|PL|2025-02": "3", "RCO81|PL|2025-04": "2",
		"RCO81|DE|total": "2", "RCO81|PL|total": "5", "RCO81|total|2025-02": "5", "RCO81|total|2025-04": "2", "RCO81|total|total": "7",
		"RCO115|DE|2025-02": "1", "RCO115|DE|total": "1", "RCO115|total|2025-02": "1", "RCO115|total|total": "1",
		"visits_completed|PL|2025-04": "1", "visits_completed|PL|total": "1", "visits_completed|total|2025-04": "1", "visits_completed|total|total": "1",
	}
	if !maps.Equal(got, want) || len(rows) != len(want)+1 {
		t.Errorf("figures CSV:\n got  %v\n want %v", got, want)
	}

	// The evidence CSV: one row per event, values adding up to the figures.
	b.Reset()
	if err := report.WriteEvidenceCSV(&b, r.Evidence()); err != nil {
		t.Fatal(err)
	}
	rows, err = csv.NewReader(&b).ReadAll()
	if err != nil || !slices.Equal(rows[0], report.EvidenceHeader) || len(rows) != 1+4+4+1+1 {
		t.Fatalf("evidence CSV (%v):\n%s", err, b.String())
	}
	sums := map[string]int{}
	for _, row := range rows[1:] {
		var n int
		fmt.Sscan(row[3], &n)
		sums[row[0]] += n
		if _, err := domain.ParsePosition(row[5]); err != nil || row[5] == "" {
			t.Errorf("position %q: %v", row[5], err)
		}
		if _, err := time.Parse(time.RFC3339, row[8]); err != nil {
			t.Errorf("time %q: %v", row[8], err)
		}
	}
	if want := map[string]int{"RCO87": 4, "RCO81": 7, "RCO115": 1, "visits_completed": 1}; !maps.Equal(sums, want) {
		t.Errorf("evidence values add up to %v, want %v", sums, want)
	}
}

func TestIndicatorsInvalid(t *testing.T) {
	src := source(t, "embedded")
	for _, c := range []struct {
		q      report.Query
		fields []string
	}{
		{report.Query{From: "2025-06", To: "2025-01"}, []string{"to"}},
		{report.Query{From: "2025-06", To: "2025-06"}, []string{"to"}},
		{report.Query{From: "2025-13", To: "2025-7"}, []string{"from", "to"}},
		{report.Query{From: "2025-01-01"}, []string{"from"}},
		{report.Query{Indicator: "RCO1"}, []string{"indicator"}},
		{report.Query{Project: " PLSN"}, []string{"project"}},
		{report.Query{Project: strings.Repeat("p", 101)}, []string{"project"}},
	} {
		_, err := report.Indicators(context.Background(), src, c.q)
		var es domain.ValidationErrors
		if !errors.As(err, &es) || !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%+v: %v, want validation errors", c.q, err)
			continue
		}
		var fields []string
		for _, e := range es {
			fields = append(fields, e.Field)
		}
		if !slices.Equal(fields, c.fields) {
			t.Errorf("%+v: errors on %v, want %v", c.q, fields, c.fields)
		}
	}
	if report.NextMonth("2025-12") != "2026-01" || report.NextMonth("x") != "" {
		t.Errorf("NextMonth")
	}
}

func TestAttendance(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			src := source(t, mode)
			a, err := report.MeetingAttendance(ctx, src, reporttest.MeetingFair)
			if err != nil {
				t.Fatal(err)
			}
			at := func(hh, mm int) time.Time { return time.Date(2025, 2, 10, hh, mm, 0, 0, time.UTC) }
			want := []report.AttendanceRow{
				{ID: "fair-de1/1", RegistrationID: "fair-de1", OrganisationID: reporttest.OrgDE1, OrganisationName: "Sachsen Präzision GmbH", Country: "DE", Participant: "Anna Schmidt", Position: "CEO", Status: "checked_in", CheckedInAt: at(8, 30)},
				{ID: "fair-de1/2", RegistrationID: "fair-de1", OrganisationID: reporttest.OrgDE1, OrganisationName: "Sachsen Präzision GmbH", Country: "DE", Participant: "Erik Neumann", Position: "Engineer", Status: "checked_in", CheckedInAt: at(8, 30)},
				{ID: "fair-pl1/1", RegistrationID: "fair-pl1", OrganisationID: reporttest.OrgPL1, OrganisationName: "Metal-Tech Sp. z o.o.", Country: "PL", Participant: "Katarzyna Nowak", Position: "Export manager", Status: "checked_in", CheckedInAt: at(9, 10)},
				{ID: "fair-pl1/2", RegistrationID: "fair-pl1", OrganisationID: reporttest.OrgPL1, OrganisationName: "Metal-Tech Sp. z o.o.", Country: "PL", Participant: "Piotr Zieliński", Status: "checked_in", CheckedInAt: at(9, 10)},
				{ID: "fair-pl1/3", RegistrationID: "fair-pl1", OrganisationID: reporttest.OrgPL1, OrganisationName: "Metal-Tech Sp. z o.o.", Country: "PL", Participant: "@Marta Wiśniewska", Position: "=Sales", Status: "checked_in", CheckedInAt: at(9, 10)},
				{ID: "fair-cz1/1", RegistrationID: "fair-cz1", OrganisationID: reporttest.OrgCZ1, OrganisationName: "Liberec Software s.r.o.", Country: "CZ", Participant: "Tomáš Dvořák", Position: "CTO", Status: "no_show"},
				{ID: "fair-de2/1", RegistrationID: "fair-de2", OrganisationID: reporttest.OrgDE2, OrganisationName: "Lausitz Logistik GmbH", Country: "DE", Participant: "Lena Vogel", Status: "cancelled"},
			}
			if !slices.Equal(a.Items, want) {
				t.Errorf("attendance:\n got  %+v\n want %+v", a.Items, want)
			}
			if a.Participants != 7 || a.CheckedIn != 5 || a.ProjectReference != reporttest.ProjectPLSN || a.Title.DE != "Kooperationsbörse Maschinenbau" {
				t.Errorf("attendance header: %d participants, %d checked in, project %q, title %v", a.Participants, a.CheckedIn, a.ProjectReference, a.Title)
			}

			// CSV, parsed back; cells that a spreadsheet would run as a
			// formula are defused.
			var b bytes.Buffer
			if err := report.WriteAttendanceCSV(&b, a); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&b).ReadAll()
			if err != nil || len(rows) != 8 || !slices.Equal(rows[0], report.AttendanceHeader) {
				t.Fatalf("attendance CSV (%v):\n%s", err, b.String())
			}
			if got := rows[1]; !slices.Equal(got, []string{"fair-de1", reporttest.OrgDE1, "Sachsen Präzision GmbH", "DE", "Anna Schmidt", "CEO", "checked_in", "2025-02-10T08:30:00Z"}) {
				t.Errorf("row 1: %q", got)
			}
			if got := rows[5]; got[4] != "'@Marta Wiśniewska" || got[5] != "'=Sales" {
				t.Errorf("row 5 not defused: %q", got)
			}
			if got := rows[7]; !slices.Equal(got, []string{"fair-de2", reporttest.OrgDE2, "Lausitz Logistik GmbH", "DE", "Lena Vogel", "", "cancelled", ""}) {
				t.Errorf("row 7: %q", got)
			}

			if _, err := report.MeetingAttendance(ctx, src, "no-such-meeting"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("unknown meeting: %v", err)
			}
		})
	}
}

// TestAttendanceErased runs the scenario through the crypto-shredding
// store, forgets a participant and checks that the attendance list shows
// the placeholder instead of her name and position; and that an
// organisation the rosters have not seen on the meeting yet is named from
// its events.
func TestAttendanceErased(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	inner, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := shred.OpenBoltKeys(filepath.Join(dir, "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	events := shred.New(inner, keys, shred.Options{})
	t.Cleanup(func() { events.Close() })
	reads := memory.New()
	if err := reporttest.Seed(ctx, events); err != nil {
		t.Fatal(err)
	}
	if _, err := projections.Rebuild(ctx, events, reads, projections.All(), nil); err != nil {
		t.Fatal(err)
	}
	src := report.Source{Events: events, Reads: reads}

	// A registration the rosters have not seen.
	cmds := domain.NewCommands(events)
	req := domain.Request{Actor: reporttest.Admin, Now: time.Date(2025, 7, 2, 10, 0, 0, 0, time.UTC)}
	if _, err := domain.Execute(ctx, cmds, domain.MeetingKind, reporttest.MeetingPlanned, req, func(m domain.Meeting, _ uint64, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterForMeeting{RegistrationID: "planned-cz1", OrgID: reporttest.OrgCZ1, Participants: []domain.Participant{{Name: "Jana Horáková", Position: "Analyst"}}}.Decide(m, reporttest.Admin, now)
	}); err != nil {
		t.Fatal(err)
	}
	a, err := report.MeetingAttendance(ctx, src, reporttest.MeetingPlanned)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Items) != 3 || a.Items[2].OrganisationName != "Liberec Software s.r.o." || a.Items[2].Country != "CZ" || a.Items[2].Participant != "Jana Horáková" ||
		a.Items[2].Status != "registered" || a.Items[2].ID != "planned-cz1/1" {
		t.Errorf("attendance of %s: %+v", reporttest.MeetingPlanned, a.Items)
	}

	// Forget the CEO who came to the fair.
	m, _, err := domain.Load(ctx, events, domain.MeetingKind, reporttest.MeetingFair, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := m.Registration(reporttest.RegFairDE1)
	if r.Participants[0].Name != "Anna Schmidt" || r.Participants[0].PersonID == "" {
		t.Fatalf("participant %+v", r.Participants[0])
	}
	if _, err := domain.ForgetPerson(ctx, cmds, events, r.Participants[0].PersonID, "request of the data subject", domain.Request{Actor: reporttest.Admin}); err != nil {
		t.Fatal(err)
	}
	a, err = report.MeetingAttendance(ctx, src, reporttest.MeetingFair)
	if err != nil {
		t.Fatal(err)
	}
	x, y := a.Items[0], a.Items[1]
	if x.Participant != domain.ErasedPlaceholder || x.Position != "" || x.Status != "checked_in" || x.OrganisationName != "Sachsen Präzision GmbH" ||
		y.Participant != "Erik Neumann" || y.Position != "Engineer" || len(a.Items) != 7 {
		t.Errorf("attendance after forgetting: %+v", a.Items[:2])
	}
	var b bytes.Buffer
	if err := report.WriteAttendanceCSV(&b, a); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Anna Schmidt") || !strings.Contains(b.String(), ",[erased],,checked_in,") {
		t.Errorf("attendance CSV after forgetting:\n%s", b.String())
	}
	jb, _ := json.Marshal(a.Items[5])
	if strings.Contains(string(jb), "checked_in_at") {
		t.Errorf("a no-show shows a check-in time: %s", jb)
	}
}

func TestRetentionOverview(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			src := source(t, mode)
			set := func(ref string, c domain.SetRetention) {
				t.Helper()
				if err := reporttest.SetRetention(ctx, src.Events, ref, c, time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC)); err != nil {
					t.Fatal(err)
				}
			}
			// PLSN: default period, a leap-day payment: 2024 + 5.
			set(reporttest.ProjectPLSN, domain.SetRetention{LastPaymentOn: "2024-02-29"})
			// SNCZ: state aid, ten years.
			set(reporttest.ProjectSNCZ, domain.SetRetention{LastPaymentOn: "2015-03-15", StateAid: true, FundingProgramme: "Interreg V-A Sachsen – Tschechien"})
			// A policy for a project without records in the log.
			set("OLD-2014", domain.SetRetention{LastPaymentOn: "2019-06-30"})

			r, err := report.RetentionOverview(ctx, src.Events, report.RetentionQuery{AsOf: "2025-12-01", WithinDays: 30})
			if err != nil {
				t.Fatal(err)
			}
			days := func(n int) *int { return &n }
			want := []report.RetentionRow{
				{ID: reporttest.ProjectCZPL, ProjectReference: reporttest.ProjectCZPL, FundingProgramme: reporttest.ProgrammeCZPL, Status: "unknown",
					Hint: "unknown: set it with PUT /v1/retention/CZPL-0200", Records: []string{"meeting-planned-2025"}},
				{ID: "OLD-2014", ProjectReference: "OLD-2014", LastPaymentOn: "2019-06-30", PeriodYears: 5, DueOn: "2024-12-31", DaysLeft: days(-335),
					Status: "due", Records: []string{}},
				{ID: reporttest.ProjectPLSN, ProjectReference: reporttest.ProjectPLSN, FundingProgramme: reporttest.ProgrammePLSN, LastPaymentOn: "2024-02-29",
					PeriodYears: 5, DueOn: "2029-12-31", DaysLeft: days(1491), Status: "not_due", Records: []string{"exchange_visit-visit-plsn", "meeting-fair-2025"}},
				{ID: reporttest.ProjectSNCZ, ProjectReference: reporttest.ProjectSNCZ, FundingProgramme: "Interreg V-A Sachsen – Tschechien", LastPaymentOn: "2015-03-15",
					StateAid: true, PeriodYears: 10, DueOn: "2025-12-31", DaysLeft: days(30), Status: "due_within",
					Records: []string{"exchange_visit-visit-cz2", "exchange_visit-visit-domestic"}},
			}
			got, _ := json.MarshalIndent(r.Items, "", " ")
			exp, _ := json.MarshalIndent(want, "", " ")
			if string(got) != string(exp) {
				t.Errorf("retention overview:\n got  %s\n want %s", got, exp)
			}
			if r.AsOf != "2025-12-01" || r.WithinDays != 30 || !strings.Contains(r.Note, "nisa forget") || r.StatusText(r.Items[3]) != "due within 30 days" {
				t.Errorf("report: %+v", r)
			}

			// A day later the state-aid project is 29 days away; a window
			// of 7 days leaves it not due; after 31 December it is due.
			for _, c := range []struct {
				asOf   string
				within int
				status string
			}{
				{"2025-12-02", 30, "due_within"}, {"2025-12-01", 7, "not_due"}, {"2025-12-31", 0, "not_due"},
				{"2025-12-31", 1, "due_within"}, {"2026-01-01", 30, "due"},
			} {
				r, err := report.RetentionOverview(ctx, src.Events, report.RetentionQuery{AsOf: c.asOf, WithinDays: c.within})
				if err != nil {
					t.Fatal(err)
				}
				if got := r.Items[3].Status; got != c.status {
					t.Errorf("as of %s within %d: %s, want %s", c.asOf, c.within, got, c.status)
				}
			}

			// CSV, parsed back.
			var b bytes.Buffer
			if err := report.WriteRetentionCSV(&b, r); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&b).ReadAll()
			if err != nil || len(rows) != 5 || !slices.Equal(rows[0], report.RetentionHeader) {
				t.Fatalf("retention CSV (%v):\n%s", err, b.String())
			}
			if want := []string{reporttest.ProjectSNCZ, "Interreg V-A Sachsen – Tschechien", "2015-03-15", "true", "10", "2025-12-31", "30", "due_within",
				"exchange_visit-visit-cz2 exchange_visit-visit-domestic"}; !slices.Equal(rows[4], want) {
				t.Errorf("row %q, want %q", rows[4], want)
			}
			if want := []string{reporttest.ProjectCZPL, reporttest.ProgrammeCZPL, "", "false", "", "", "", "unknown", "meeting-planned-2025"}; !slices.Equal(rows[1], want) {
				t.Errorf("row %q, want %q", rows[1], want)
			}

			for _, q := range []report.RetentionQuery{{AsOf: "1.12.2025"}, {AsOf: "2025-12-01", WithinDays: -1}} {
				if _, err := report.RetentionOverview(ctx, src.Events, q); !errors.Is(err, domain.ErrInvalid) {
					t.Errorf("%+v: %v", q, err)
				}
			}
		})
	}
}
