package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/adapters/report"
	"github.com/nisa-eu/nisa/adapters/report/reporttest"
	"github.com/nisa-eu/nisa/domain"
)

// seedReportStore appends the report scenario and, with policies, two
// retention policies to the store sf names.
func seedReportStore(t *testing.T, sf storeFlags, policies bool) {
	t.Helper()
	ctx := context.Background()
	s, err := openStore(ctx, sf, true, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := reporttest.Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	if !policies {
		return
	}
	at := time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC)
	if err := reporttest.SetRetention(ctx, s, reporttest.ProjectPLSN, domain.SetRetention{LastPaymentOn: "2024-02-29"}, at); err != nil {
		t.Fatal(err)
	}
	if err := reporttest.SetRetention(ctx, s, reporttest.ProjectSNCZ, domain.SetRetention{LastPaymentOn: "2015-03-15", StateAid: true}, at); err != nil {
		t.Fatal(err)
	}
}

// cliRun runs one of the commands' run functions with the store flags.
func cliRun(run func(context.Context, []string, io.Writer, io.Writer) error, sf storeFlags, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append(args, "--store", sf.Store, "--data-dir", sf.DataDir), &out, &errOut)
	return out.String(), errOut.String(), err
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, s)
	}
	return rows
}

func TestReportCommands(t *testing.T) {
	for _, mode := range []string{"embedded", "postgres"} {
		t.Run(mode, func(t *testing.T) {
			sf := storeFlags{Store: "embedded", DataDir: t.TempDir()}
			if mode == "postgres" {
				sf.Store = pgtest.NewDatabase(t)
			}
			seedReportStore(t, sf, true)
			rep := func(args ...string) (string, string, error) { return cliRun(runReport, sf, args...) }

			if mode == "postgres" {
				// No server has run: the read models are empty and the
				// report says so.
				out, errOut, err := rep("indicators", "--from", "2025-01", "--to", "2025-07")
				if err != nil || !strings.Contains(errOut, `read model "stats" is`) || !strings.Contains(errOut, "events behind the log") ||
					strings.Count(out, "\n") != 5 {
					t.Fatalf("before any projection ran: %v\n%s%s", err, out, errOut)
				}
				var out2, errOut2 bytes.Buffer
				if err := runProjections(context.Background(), []string{"rebuild", "--store", sf.Store}, &out2, &errOut2); err != nil {
					t.Fatalf("rebuild: %v\n%s%s", err, out2.String(), errOut2.String())
				}
			}

			// The figures of the first half of 2025 as CSV.
			out, errOut, err := rep("indicators", "--from", "2025-01", "--to", "2025-07")
			if err != nil || errOut != "" {
				t.Fatalf("indicators: %v\n%s", err, errOut)
			}
			rows := readCSV(t, out)
			got := map[string]string{}
			for _, row := range rows[1:] {
				if row[1] != report.Total && row[2] != report.Total {
					got[strings.Join(row[:3], "|")] = row[3]
				}
			}
			want := map[string]string{
				"RCO87|DE|2025-01": "1", "RCO87|PL|2025-01": "1", "RCO87|CZ|2025-02": "1", "RCO87|DE|2025-02": "1", "RCO87|CZ|2025-06": "1",
				"RCO81|DE|2025-02": "2", "RCO81|PL|2025-02": "3", "RCO81|CZ|2025-03": "1", "RCO81|DE|2025-03": "2", "RCO81|PL|2025-04": "2",
				"RCO81|CZ|2025-05": "1", "RCO81|CZ|2025-06": "1",
				"RCO115|DE|2025-02": "1", "RCO115||2025-03": "1",
				"visits_completed|PL|2025-04": "1", "visits_completed|DE|2025-05": "1", "visits_completed|CZ|2025-05": "1", "visits_completed|CZ|2025-06": "1",
			}
			if !slices.Equal(rows[0], []string{"indicator", "country", "month", "value"}) || !maps.Equal(got, want) {
				t.Errorf("figures:\n got  %v\n want %v", got, want)
			}
			if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Equal(r, []string{"RCO81", "total", "total", "12"}) }) {
				t.Errorf("no RCO81 total 12 in\n%s", out)
			}

			// One project, with the evidence, as CSV.
			out, _, err = rep("indicators", "--from", "2025-01", "--to", "2026-01", "--project", reporttest.ProjectPLSN, "--evidence")
			if err != nil {
				t.Fatal(err)
			}
			rows = readCSV(t, out)
			if len(rows) != 1+4+4+1+1 || rows[0][4] != "subject" {
				t.Fatalf("evidence CSV:\n%s", out)
			}
			sums := map[string]string{}
			for _, row := range rows[1:] {
				if row[0] == "RCO81" {
					sums[row[4]] = row[3]
				}
			}
			if want := map[string]string{reporttest.RegFairDE1: "2", reporttest.RegFairPL1: "3", reporttest.VisitPLSN + "/0": "1", reporttest.VisitPLSN + "/1": "1"}; !maps.Equal(sums, want) {
				t.Errorf("RCO81 evidence of %s: %v, want %v", reporttest.ProjectPLSN, sums, want)
			}

			// JSON, without and with evidence.
			out, _, err = rep("indicators", "--from", "2025-01", "--to", "2026-01", "--project", reporttest.ProjectSNCZ, "--format", "json")
			var doc report.IndicatorReport
			if err != nil || json.Unmarshal([]byte(out), &doc) != nil || doc.Project != reporttest.ProjectSNCZ || len(doc.Indicators) != 4 ||
				doc.Indicators[0].Total != 2 || doc.Indicators[3].Total != 2 || len(doc.Evidence()) != 0 || strings.Contains(out, `"evidence"`) {
				t.Errorf("JSON (%v):\n%s", err, out)
			}
			out, _, err = rep("indicators", "--from", "2025-06", "--to", "2025-07", "--format", "json", "--evidence")
			doc = report.IndicatorReport{}
			if err != nil || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Evidence()) != 1+1+1 || doc.Indicators[0].Figures[0].Evidence[0].Subject != reporttest.OrgCZ2 {
				t.Errorf("JSON with evidence (%v):\n%s", err, out)
			}

			// Bad input is a usage error naming the flag.
			for _, args := range [][]string{
				{"indicators", "--from", "2025-07", "--to", "2025-01"},
				{"indicators", "--from", "2025-13", "--to", "2026-01"},
				{"indicators", "--to", "2026-01"},
				{"indicators", "--from", "2025-01", "--to", "2026-01", "--format", "xlsx"},
				{"attendance"},
				{"attendance", "--meeting", reporttest.MeetingFair, "--format", "pdf"},
				{"summary"},
			} {
				_, errOut, err := rep(args...)
				if !errors.Is(err, errUsage) {
					t.Errorf("%v: %v, want a usage error", args, err)
				}
				if msg := errOut + errString(err); !strings.Contains(msg, "--from") && !strings.Contains(msg, "--to") && !strings.Contains(msg, "--format") &&
					!strings.Contains(msg, "--meeting") && !strings.Contains(msg, "unknown subcommand") {
					t.Errorf("%v: the problem is not named: %s", args, msg)
				}
			}

			// The attendance list.
			out, _, err = rep("attendance", "--meeting", reporttest.MeetingFair)
			if err != nil {
				t.Fatal(err)
			}
			rows = readCSV(t, out)
			if len(rows) != 8 || !slices.Equal(rows[0], report.AttendanceHeader) ||
				!slices.Equal(rows[1], []string{reporttest.RegFairDE1, reporttest.OrgDE1, "Sachsen Präzision GmbH", "DE", "Anna Schmidt", "CEO", "checked_in", "2025-02-10T08:30:00Z"}) ||
				!slices.Equal(rows[7], []string{reporttest.RegFairDE2, reporttest.OrgDE2, "Lausitz Logistik GmbH", "DE", "Lena Vogel", "", "cancelled", ""}) {
				t.Errorf("attendance CSV:\n%s", out)
			}
			out, _, err = rep("attendance", "--meeting", reporttest.MeetingOnline, "--format", "json")
			var a report.Attendance
			if err != nil || json.Unmarshal([]byte(out), &a) != nil || a.Participants != 3 || a.CheckedIn != 3 || a.Items[1].OrganisationName != "Lausitz Logistik GmbH" {
				t.Errorf("attendance JSON (%v):\n%s", err, out)
			}
			if _, _, err := rep("attendance", "--meeting", "no-such-meeting"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("unknown meeting: %v", err)
			}

			// The retention overview.
			ret := func(args ...string) (string, string, error) { return cliRun(runRetention, sf, args...) }
			out, _, err = ret("report", "--as-of", "2025-12-01", "--within", "30", "--format", "csv")
			if err != nil {
				t.Fatal(err)
			}
			rows = readCSV(t, out)
			wantRows := [][]string{
				report.RetentionHeader,
				{reporttest.ProjectCZPL, reporttest.ProgrammeCZPL, "", "false", "", "", "", "unknown", "meeting-" + reporttest.MeetingPlanned},
				{reporttest.ProjectPLSN, reporttest.ProgrammePLSN, "2024-02-29", "false", "5", "2029-12-31", "1491", "not_due", "exchange_visit-visit-plsn meeting-fair-2025"},
				{reporttest.ProjectSNCZ, reporttest.ProgrammeSNCZ, "2015-03-15", "true", "10", "2025-12-31", "30", "due_within", "exchange_visit-visit-cz2 exchange_visit-visit-domestic"},
			}
			if !slices.EqualFunc(rows, wantRows, slices.Equal) {
				t.Errorf("retention CSV:\n got  %q\n want %q", rows, wantRows)
			}
			out, _, err = ret("report", "--as-of", "2026-01-01")
			if err != nil || !strings.Contains(out, "unknown: set it with PUT /v1/retention/CZPL-0200") || !strings.Contains(out, "nisa forget") ||
				!regexpMatch(`(?m)^SN-CZ/0007\s+Interreg Sachsen – Tschechien 2021–2027\s+2015-03-15\s+yes\s+10 years\s+2025-12-31\s+due\s+exchange_visit-visit-cz2, exchange_visit-visit-domestic$`, out) ||
				!regexpMatch(`(?m)^PLSN\.01\.01-IP\.01-0042\s.*\s2029-12-31\s+not due\s`, out) {
				t.Errorf("retention table (%v):\n%s", err, out)
			}
			out, _, err = ret("report", "--as-of", "2029-11-15", "--format", "json")
			var rr report.RetentionReport
			if err != nil || json.Unmarshal([]byte(out), &rr) != nil || len(rr.Items) != 3 || rr.Items[1].Status != "due_within" || *rr.Items[1].DaysLeft != 46 ||
				rr.WithinDays != 90 || rr.Items[2].Status != "due" {
				t.Errorf("retention JSON (%v):\n%s", err, out)
			}
			for _, args := range [][]string{{"report", "--as-of", "1.12.2025"}, {"report", "--within", "-1"}, {"report", "--format", "xml"}, {"purge"}} {
				if _, _, err := ret(args...); !errors.Is(err, errUsage) {
					t.Errorf("%v: %v, want a usage error", args, err)
				}
			}
		})
	}
}

func TestReportHelpAndLockedStore(t *testing.T) {
	var out, errOut bytes.Buffer
	err := runReport(context.Background(), []string{"indicators", "--help"}, &out, &errOut)
	help := errOut.String()
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(help, "--from") || !strings.Contains(help, "--evidence") {
		t.Fatalf("help: %v\n%s", err, help)
	}
	for _, ind := range report.IndicatorNames {
		if !regexpMatch(`(?m)^  `+ind+`\s+\S.*$`, help) {
			t.Errorf("help does not explain %s on one line:\n%s", ind, help)
		}
	}
	out.Reset()
	errOut.Reset()
	if err := runRetention(context.Background(), []string{"report", "--help"}, &out, &errOut); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(errOut.String(), "10 for state-aid") || !strings.Contains(errOut.String(), "nisa forget") {
		t.Errorf("retention help: %v\n%s", err, errOut.String())
	}

	// A server holds the embedded store: the report says where to ask.
	dir := t.TempDir()
	sf := storeFlags{Store: "embedded", DataDir: dir}
	s, err := openStore(context.Background(), sf, true, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, _, err = cliRun(runReport, sf, "indicators", "--from", "2025-01", "--to", "2025-02")
	if err == nil || !strings.Contains(err.Error(), "GET /v1/reports/indicators?from=2025-01&to=2025-02") {
		t.Errorf("locked store: %v", err)
	}
	if _, _, err := cliRun(runReport, storeFlags{Store: "embedded", DataDir: dir + "/missing"}, "attendance", "--meeting", "m"); err == nil ||
		!strings.Contains(err.Error(), "no data directory") {
		t.Errorf("missing data directory: %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
