package httpapi_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/report/reporttest"
	"github.com/nisa-eu/nisa/domain"
)

// seedReports appends the report scenario (adapters/report/reporttest) and
// waits for the read models.
func seedReports(t *testing.T, e *env) {
	t.Helper()
	if err := reporttest.Seed(context.Background(), e.store); err != nil {
		t.Fatal(err)
	}
	e.sync()
}

// reportFigures maps "country|month" to the value of each figure of
// indicator ind in an indicator report's JSON body.
func reportFigures(t *testing.T, r response, ind string) map[string]float64 {
	t.Helper()
	for _, x := range r.body["indicators"].([]any) {
		m := x.(map[string]any)
		if m["indicator"] != ind {
			continue
		}
		out := map[string]float64{}
		for _, f := range m["figures"].([]any) {
			f := f.(map[string]any)
			if _, ok := f["evidence"]; ok {
				t.Errorf("the report carries evidence: %v", f)
			}
			out[f["country"].(string)+"|"+f["month"].(string)] = f["value"].(float64)
		}
		return out
	}
	t.Fatalf("no indicator %s in %s", ind, r.raw)
	return nil
}

// parseCSV checks that r is a CSV attachment and returns its rows.
func parseCSV(t *testing.T, r response) [][]string {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("Content-Type %q; body %s", ct, r.raw)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.HasSuffix(cd, ".csv") {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.raw))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, r.raw)
	}
	return rows
}

func TestIndicatorReport(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			seedReports(t, e)
			coord, aud, admin := e.tokens["coordinator"], e.tokens["auditor"], e.tokens["admin"]

			r := e.get(t, "/v1/reports/indicators?from=2025-01&to=2025-07", coord)
			want := map[string]map[string]float64{
				"RCO87":            {"DE|2025-01": 1, "PL|2025-01": 1, "CZ|2025-02": 1, "DE|2025-02": 1, "CZ|2025-06": 1},
				"RCO81":            {"DE|2025-02": 2, "PL|2025-02": 3, "CZ|2025-03": 1, "DE|2025-03": 2, "PL|2025-04": 2, "CZ|2025-05": 1, "CZ|2025-06": 1},
				"RCO115":           {"DE|2025-02": 1, "|2025-03": 1},
				"visits_completed": {"PL|2025-04": 1, "DE|2025-05": 1, "CZ|2025-05": 1, "CZ|2025-06": 1},
			}
			for ind, w := range want {
				if got := reportFigures(t, r, ind); !maps.Equal(got, w) {
					t.Errorf("%s: %v, want %v", ind, got, w)
				}
			}
			if r.body["from"] != "2025-01" || r.body["to"] != "2025-07" || r.body["project"] != nil {
				t.Errorf("header: %s", r.raw)
			}
			// The totals agree with the dashboard's (GET /v1/stats).
			stats := e.get(t, "/v1/stats", aud).body["indicators"].(map[string]any)
			for _, x := range r.body["indicators"].([]any) {
				m := x.(map[string]any)
				s := stats[m["indicator"].(string)].(map[string]any)
				if m["total"] != s["total"] || fmt.Sprint(m["by_month"]) != fmt.Sprint(s["by_month"]) || m["description"] == "" {
					t.Errorf("%s: report total %v by month %v, stats %v %v", m["indicator"], m["total"], m["by_month"], s["total"], s["by_month"])
				}
			}

			// One project, as CSV: the figures and their totals.
			r = e.do("GET", "/v1/reports/indicators?from=2025-01&to=2026-01&format=csv&project="+url.QueryEscape(reporttest.ProjectSNCZ), aud, nil).expect(t, 200, "")
			rows := parseCSV(t, r)
			wantRows := [][]string{
				{"indicator", "country", "month", "value"},
				{"RCO87", "CZ", "2025-06", "1"}, {"RCO87", "DE", "2025-06", "1"},
				{"RCO87", "CZ", "total", "1"}, {"RCO87", "DE", "total", "1"}, {"RCO87", "total", "2025-06", "2"}, {"RCO87", "total", "total", "2"},
				{"RCO81", "CZ", "2025-06", "1"}, {"RCO81", "CZ", "total", "1"}, {"RCO81", "total", "2025-06", "1"}, {"RCO81", "total", "total", "1"},
				{"RCO115", "total", "total", "0"},
				{"visits_completed", "CZ", "2025-06", "1"}, {"visits_completed", "DE", "2025-05", "1"},
				{"visits_completed", "CZ", "total", "1"}, {"visits_completed", "DE", "total", "1"},
				{"visits_completed", "total", "2025-05", "1"}, {"visits_completed", "total", "2025-06", "1"}, {"visits_completed", "total", "total", "2"},
			}
			if !slices.EqualFunc(rows, wantRows, slices.Equal) {
				t.Errorf("CSV of %s:\n got  %q\n want %q", reporttest.ProjectSNCZ, rows, wantRows)
			}
			if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "indicators_2025-01_2026-01_SN-CZ_0007.csv") {
				t.Errorf("Content-Disposition %q", cd)
			}
			// The first project in JSON.
			r = e.get(t, "/v1/reports/indicators?from=2025-01&to=2026-01&project="+url.QueryEscape(reporttest.ProjectPLSN), admin)
			if got := reportFigures(t, r, "RCO81"); !maps.Equal(got, map[string]float64{"DE|2025-02": 2, "PL|2025-02": 3, "PL|2025-04": 2}) || r.body["project"] != reporttest.ProjectPLSN {
				t.Errorf("RCO81 of %s: %v", reporttest.ProjectPLSN, got)
			}

			// The evidence behind one figure: the Polish registration
			// checked in with three participants.
			r = e.get(t, "/v1/reports/indicators/evidence?indicator=RCO81&country=pl&month=2025-02", aud)
			ev := items(r)
			if len(ev) != 1 || r.body["value"] != 3.0 || r.body["country"] != "PL" || ev[0]["subject"] != reporttest.RegFairPL1 || ev[0]["value"] != 3.0 ||
				ev[0]["type"] != "RegistrationCheckedIn" || ev[0]["stream_id"] != "meeting-"+reporttest.MeetingFair || ev[0]["at"] != "2025-02-10T09:10:00Z" ||
				!strings.HasSuffix(ev[0]["id"].(string), "/"+reporttest.RegFairPL1) || ev[0]["position"] == "" || ev[0]["note"] == "" {
				t.Errorf("evidence of RCO81 PL 2025-02: %s", r.raw)
			}
			// Every month and country of an indicator, restricted to a
			// project, as CSV: one row per event, the values add up.
			r = e.do("GET", "/v1/reports/indicators/evidence?indicator=RCO87&project="+url.QueryEscape(reporttest.ProjectPLSN)+"&format=csv", coord, nil).expect(t, 200, "")
			rows = parseCSV(t, r)
			if len(rows) != 5 || !slices.Equal(rows[0], []string{"indicator", "country", "month", "value", "subject", "position", "stream_id", "type", "at", "note"}) {
				t.Fatalf("evidence CSV: %q", rows)
			}
			var subjects []string
			for _, row := range rows[1:] {
				if row[0] != "RCO87" || row[3] != "1" || row[6] != "meeting-"+reporttest.MeetingFair || row[7] != "MeetingRegistered" {
					t.Errorf("evidence row %q", row)
				}
				subjects = append(subjects, row[4])
			}
			if slices.Sort(subjects); !slices.Equal(subjects, []string{reporttest.OrgCZ1, reporttest.OrgDE1, reporttest.OrgDE2, reporttest.OrgPL1}) {
				t.Errorf("RCO87 subjects of %s: %v", reporttest.ProjectPLSN, subjects)
			}
			// A figure that does not exist has no evidence.
			if r := e.get(t, "/v1/reports/indicators/evidence?indicator=visits_completed&month=2025-01", aud); len(items(r)) != 0 || r.body["value"] != 0.0 {
				t.Errorf("evidence of an empty figure: %s", r.raw)
			}

			// Bad input: problem+json 400 naming the parameter.
			for _, tc := range []struct {
				path    string
				pointer string
			}{
				{"/v1/reports/indicators?from=2025-07&to=2025-01", "/query/to"},
				{"/v1/reports/indicators?from=2025-07&to=2025-07", "/query/to"},
				{"/v1/reports/indicators?from=2025-13&to=2026-01", "/query/from"},
				{"/v1/reports/indicators?from=2025-01-01&to=2026-01", "/query/from"},
				{"/v1/reports/indicators?to=2026-01", "/query/from"},
				{"/v1/reports/indicators?from=2025-01", "/query/to"},
				{"/v1/reports/indicators?from=2025-01&to=2026-01&format=xlsx", "/query/format"},
				{"/v1/reports/indicators?from=2025-01&to=2026-01&indicator=RCO87", "/query/indicator"},
				{"/v1/reports/indicators?from=2025-01&to=2025-02&from=2025-03", "/query/from"},
				{"/v1/reports/indicators/evidence?indicator=RCO99", "/query/indicator"},
				{"/v1/reports/indicators/evidence?country=PL", "/query/indicator"},
				{"/v1/reports/indicators/evidence?indicator=RCO87&month=March", "/query/month"},
				{"/v1/reports/indicators/evidence?indicator=RCO87&country=XX", "/query/country"},
				{"/v1/reports/indicators/evidence?indicator=RCO87&format=pdf", "/query/format"},
				{"/v1/meetings/" + reporttest.MeetingFair + "/attendance?format=txt", "/query/format"},
			} {
				r := e.do("GET", tc.path, coord, nil).expect(t, 400, "invalid")
				expectPointers(t, r, tc.pointer)
			}

			// Readers: staff and auditors.
			partner := e.partner(reporttest.OrgDE1)
			for _, path := range []string{"/v1/reports/indicators?from=2025-01&to=2025-07", "/v1/reports/indicators/evidence?indicator=RCO87",
				"/v1/meetings/" + reporttest.MeetingFair + "/attendance"} {
				e.do("GET", path, partner, nil).expect(t, 403, "forbidden")
				e.do("GET", path, "", nil).expect(t, 401, "unauthenticated")
			}
		})
	}
}

func TestMeetingAttendance(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			seedReports(t, e)
			coord, aud := e.tokens["coordinator"], e.tokens["auditor"]

			r := e.get(t, "/v1/meetings/"+reporttest.MeetingFair+"/attendance", aud)
			list := items(r)
			var got []string
			for _, x := range list {
				at, _ := x["checked_in_at"].(string)
				got = append(got, fmt.Sprintf("%s %s %s %s %s %s %s", x["id"], x["organisation_name"], x["country"], x["participant"], x["position"], x["status"], at))
			}
			want := []string{
				"fair-de1/1 Sachsen Präzision GmbH DE Anna Schmidt CEO checked_in 2025-02-10T08:30:00Z",
				"fair-de1/2 Sachsen Präzision GmbH DE Erik Neumann Engineer checked_in 2025-02-10T08:30:00Z",
				"fair-pl1/1 Metal-Tech Sp. z o.o. PL Katarzyna Nowak Export manager checked_in 2025-02-10T09:10:00Z",
				"fair-pl1/2 Metal-Tech Sp. z o.o. PL Piotr Zieliński  checked_in 2025-02-10T09:10:00Z",
				"fair-pl1/3 Metal-Tech Sp. z o.o. PL @Marta Wiśniewska =Sales checked_in 2025-02-10T09:10:00Z",
				"fair-cz1/1 Liberec Software s.r.o. CZ Tomáš Dvořák CTO no_show ",
				"fair-de2/1 Lausitz Logistik GmbH DE Lena Vogel  cancelled ",
			}
			if !slices.Equal(got, want) {
				t.Errorf("attendance:\n got  %q\n want %q", got, want)
			}
			if r.body["participants"] != 7.0 || r.body["checked_in"] != 5.0 || r.body["project_reference"] != reporttest.ProjectPLSN || r.body["meeting_id"] != reporttest.MeetingFair {
				t.Errorf("attendance header: %s", r.raw)
			}

			r = e.do("GET", "/v1/meetings/"+reporttest.MeetingFair+"/attendance?format=csv", coord, nil).expect(t, 200, "")
			rows := parseCSV(t, r)
			if len(rows) != 8 ||
				!slices.Equal(rows[0], []string{"registration_id", "organisation_id", "organisation_name", "country", "participant", "position", "status", "checked_in_at"}) ||
				!slices.Equal(rows[3], []string{reporttest.RegFairPL1, reporttest.OrgPL1, "Metal-Tech Sp. z o.o.", "PL", "Katarzyna Nowak", "Export manager", "checked_in", "2025-02-10T09:10:00Z"}) ||
				!slices.Equal(rows[5], []string{reporttest.RegFairPL1, reporttest.OrgPL1, "Metal-Tech Sp. z o.o.", "PL", "'@Marta Wiśniewska", "'=Sales", "checked_in", "2025-02-10T09:10:00Z"}) ||
				!slices.Equal(rows[6], []string{reporttest.RegFairCZ1, reporttest.OrgCZ1, "Liberec Software s.r.o.", "CZ", "Tomáš Dvořák", "CTO", "no_show", ""}) {
				t.Errorf("attendance CSV: %q", rows)
			}
			if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "attendance_fair-2025.csv") {
				t.Errorf("Content-Disposition %q", cd)
			}
			e.do("GET", "/v1/meetings/no-such-meeting/attendance", aud, nil).expect(t, 404, "not_found")

			// A meeting scheduled through the API with a project reference:
			// the reference is trimmed, kept and shown on the attendance
			// list; a registration made through the API is on it.
			body := meetingBody(5, func(b map[string]any) {
				b["project_reference"], b["funding_programme"] = " PLSN.01.01-IP.01-0042 ", "Interreg Polska – Saksonia 2021–2027"
			})
			m := e.do("POST", "/v1/meetings", coord, body).expect(t, 201, "")
			if m.body["project_reference"] != "PLSN.01.01-IP.01-0042" || m.body["funding_programme"] != "Interreg Polska – Saksonia 2021–2027" {
				t.Errorf("meeting: %s", m.raw)
			}
			id := m.body["id"].(string)
			e.register(t, id, reporttest.OrgCZ2, coord, 2)
			e.sync()
			r = e.get(t, "/v1/meetings/"+id+"/attendance", coord)
			if l := items(r); r.body["project_reference"] != "PLSN.01.01-IP.01-0042" || len(l) != 2 || l[1]["participant"] != "Person 2" ||
				l[1]["organisation_name"] != "Děčín Design s.r.o." || l[1]["status"] != "registered" || l[1]["checked_in_at"] != nil {
				t.Errorf("attendance of %s: %s", id, r.raw)
			}
			bad := e.do("POST", "/v1/meetings", coord, meetingBody(5, func(b map[string]any) {
				b["project_reference"], b["funding_programme"] = strings.Repeat("r", 101), strings.Repeat("f", 201)
			})).expect(t, 400, "invalid")
			expectPointers(t, bad, "/project_reference", "/funding_programme")
		})
	}
}

func TestRetentionPolicies(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			coord, aud, admin := e.tokens["coordinator"], e.tokens["auditor"], e.tokens["admin"]
			plsn := "/v1/retention/" + url.PathEscape(reporttest.ProjectPLSN)
			sncz := "/v1/retention/" + url.PathEscape(reporttest.ProjectSNCZ)
			if sncz != "/v1/retention/SN-CZ%2F0007" {
				t.Fatalf("path %s", sncz)
			}

			e.do("GET", plsn, aud, nil).expect(t, 404, "not_found")
			r := e.do("PUT", plsn, coord, map[string]any{"last_payment_on": "2024-02-29", "funding_programme": reporttest.ProgrammePLSN}).expect(t, 200, "")
			if r.body["project_reference"] != reporttest.ProjectPLSN || r.body["period_years"] != 5.0 || r.body["due_on"] != "2029-12-31" ||
				r.body["state_aid"] != false || r.header.Get("ETag") != `"1"` {
				t.Errorf("PUT: %s (ETag %s)", r.raw, r.header.Get("ETag"))
			}
			setAt := r.body["set_at"].(string)
			// The same policy again changes nothing.
			r = e.do("PUT", plsn, admin, map[string]any{"last_payment_on": "2024-02-29", "funding_programme": reporttest.ProgrammePLSN}).expect(t, 200, "")
			if r.header.Get("ETag") != `"1"` || r.body["set_at"] != setAt {
				t.Errorf("same PUT again: %s (ETag %s)", r.raw, r.header.Get("ETag"))
			}
			// A state-aid case whose reference holds a slash.
			r = e.do("PUT", sncz, coord, map[string]any{"last_payment_on": "2019-12-31", "state_aid": true}).expect(t, 200, "")
			if r.body["project_reference"] != reporttest.ProjectSNCZ || r.body["period_years"] != 10.0 || r.body["due_on"] != "2029-12-31" || r.body["years"] != 0.0 {
				t.Errorf("PUT state aid: %s", r.raw)
			}
			// A longer period, with the version pinned; a stale version is
			// refused.
			e.do("PUT", sncz, coord, map[string]any{"last_payment_on": "2019-12-31", "state_aid": true, "years": 12}, "If-Match", `"7"`).expect(t, 412, "precondition_failed")
			r = e.do("PUT", sncz, coord, map[string]any{"last_payment_on": "2019-12-31", "state_aid": true, "years": 12}, "If-Match", `"1"`).expect(t, 200, "")
			if r.body["period_years"] != 12.0 || r.body["due_on"] != "2031-12-31" || r.header.Get("ETag") != `"2"` {
				t.Errorf("PUT years: %s", r.raw)
			}
			r = e.get(t, sncz, aud)
			if r.body["due_on"] != "2031-12-31" || r.body["version"] != 2.0 {
				t.Errorf("GET: %s", r.raw)
			}
			// As it was before the change.
			evs, err := e.store.ReadStream(context.Background(), "retention-"+reporttest.ProjectSNCZ, domain.ReadStreamOptions{})
			if err != nil || len(evs) != 2 || evs[1].Type != "RetentionPolicySet" {
				t.Fatalf("stream: %v %v", evs, err)
			}
			r = e.get(t, sncz+"?as_of="+url.QueryEscape(evs[0].RecordedAt.Format(time.RFC3339Nano)), aud)
			if r.body["due_on"] != "2029-12-31" || r.body["version"] != 1.0 {
				t.Errorf("GET as of the first version: %s", r.raw)
			}
			e.do("GET", sncz+"?as_of=2020-01-01T00:00:00Z", aud, nil).expect(t, 404, "not_found")

			// Bad input names every field.
			bad := e.do("PUT", plsn, coord, map[string]any{"last_payment_on": "2023-02-29", "years": 3, "funding_programme": strings.Repeat("p", 201)}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/last_payment_on", "/years", "/funding_programme")
			bad = e.do("PUT", "/v1/retention/PLSN%200042", coord, map[string]any{"last_payment_on": "2024-01-31"}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/path/ref")
			bad = e.do("PUT", plsn, coord, map[string]any{"last_payment": "2024-01-31"}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/last_payment")
			e.do("PUT", plsn, coord, map[string]any{"last_payment_on": "2024-01-31", "years": "five"}).expect(t, 400, "invalid")

			// Who may: staff set, auditors read, partners neither.
			partner := e.partner(reporttest.OrgDE1)
			e.do("PUT", plsn, aud, map[string]any{"last_payment_on": "2024-01-31"}).expect(t, 403, "forbidden")
			e.do("PUT", plsn, partner, map[string]any{"last_payment_on": "2024-01-31"}).expect(t, 403, "forbidden")
			e.do("GET", plsn, partner, nil).expect(t, 403, "forbidden")
			e.do("GET", plsn, "", nil).expect(t, 401, "unauthenticated")
			if r := e.get(t, plsn, aud); r.body["last_payment_on"] != "2024-02-29" || r.body["version"] != 1.0 {
				t.Errorf("refused changes changed the policy: %s", r.raw)
			}
		})
	}
}
