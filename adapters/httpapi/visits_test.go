package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// visitToday returns today's date in UTC, the day commands are decided in.
// Close to midnight it first waits for the next day, so that a test does
// not straddle two days.
func visitToday() string {
	now := time.Now().UTC()
	if left := now.Truncate(24 * time.Hour).Add(24 * time.Hour).Sub(now); left < time.Minute {
		time.Sleep(left + time.Second)
	}
	return time.Now().UTC().Format("2006-01-02")
}

// visitDay returns the date days after date.
func visitDay(date string, days int) string {
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		panic(err)
	}
	return d.AddDate(0, 0, days).Format("2006-01-02")
}

// visitBody is a valid proposal of guest visiting host from start to end.
func visitBody(guest, host, start, end string) map[string]any {
	return map[string]any{
		"type":         "staff_exchange",
		"guest_org_id": guest,
		"host_org_id":  host,
		"participants": []map[string]any{
			{"name": "  Anna Nowak ", "email": "anna@example.pl", "position": "engineer"},
			{"name": "Jiří Svoboda"},
		},
		"start_date":        start,
		"end_date":          end,
		"programme":         map[string]any{"de": "Einarbeitung in die CNC-Fertigung", "pl": "Wdrożenie w produkcję CNC"},
		"languages":         []string{"DE", "pl", "de"},
		"funding_programme": "Interreg Polska – Saksonia 2021–2027",
		"project_reference": "PLSN.01.01-IP.01-0042/23",
	}
}

// expectVisit fails t unless r carries the visit at version with status.
func expectVisit(t *testing.T, r response, version int, status string) {
	t.Helper()
	if r.header.Get("ETag") != fmt.Sprintf(`"%d"`, version) || r.body["version"] != float64(version) || r.body["status"] != status {
		t.Fatalf("want version %d, status %s; ETag %q, body %s", version, status, r.header.Get("ETag"), r.raw)
	}
}

func TestExchangeVisits(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, coord, aud := e.tokens["admin"], e.tokens["coordinator"], e.tokens["auditor"]
			guest, host, other := e.createOrg("Gast GmbH"), e.createOrg("Gospodarz Sp. z o.o."), e.createOrg("Jiný s.r.o.")
			gp, hp, op := e.partner(guest), e.partner(host), e.partner(other)
			today := visitToday()
			start, end := visitDay(today, 30), visitDay(today, 34)
			path := func(id, step string) string {
				if step == "" {
					return "/v1/exchange-visits/" + id
				}
				return "/v1/exchange-visits/" + id + "/" + step
			}
			// finalState checks that no step leads out of a final state and
			// that such attempts append nothing.
			finalState := func(id string, version int, status string) {
				t.Helper()
				before := e.countEvents()
				steps := []struct {
					step, token string
					body        any
				}{
					{"accept", hp, nil},
					{"decline", hp, map[string]any{"reason": "no"}},
					{"schedule", gp, map[string]any{"start_date": today, "end_date": today}},
					{"complete", gp, map[string]any{"outcomes": map[string]any{"en": "x"}}},
					{"cancel", admin, map[string]any{"reason": "no"}},
				}
				for _, s := range steps {
					e.do("POST", path(id, s.step), s.token, s.body).expect(t, 409, "invalid_state")
				}
				expectVisit(t, e.do("GET", path(id, ""), aud, nil).expect(t, 200, ""), version, status)
				if n := e.countEvents() - before; n != 0 {
					t.Errorf("steps out of %s appended %d events", status, n)
				}
			}

			// --- proposed → accepted → scheduled → completed ---------------
			e.do("POST", "/v1/exchange-visits", op, visitBody(guest, host, start, end)).expect(t, 403, "forbidden")
			e.do("POST", "/v1/exchange-visits", hp, visitBody(guest, host, start, end)).expect(t, 403, "forbidden")
			e.do("POST", "/v1/exchange-visits", aud, visitBody(guest, host, start, end)).expect(t, 403, "forbidden")
			r := e.do("POST", "/v1/exchange-visits", gp, visitBody(guest, host, start, end)).expect(t, 201, "")
			id := r.body["id"].(string)
			if r.header.Get("Location") != "/v1/exchange-visits/"+id {
				t.Errorf("Location %q", r.header.Get("Location"))
			}
			expectVisit(t, r, 1, "proposed")
			prop := r.body["proposal"].(map[string]any)
			if prop["guest_org_id"] != guest || prop["host_org_id"] != host || fmt.Sprint(prop["languages"]) != "[de pl]" ||
				prop["participants"].([]any)[0].(map[string]any)["name"] != "Anna Nowak" || prop["start_date"] != start {
				t.Errorf("proposal not stored normalised: %s", r.raw)
			}
			proposed := time.Now().UTC()
			time.Sleep(20 * time.Millisecond)

			// Reads: guest, host, staff and auditors; other partners see nothing.
			for _, tok := range []string{gp, hp, admin, coord, aud} {
				expectVisit(t, e.do("GET", path(id, ""), tok, nil).expect(t, 200, ""), 1, "proposed")
			}
			hidden := e.do("GET", path(id, ""), op, nil).expect(t, 404, "not_found")
			unknown := e.do("GET", path("no-such-visit", ""), op, nil).expect(t, 404, "not_found")
			if strings.ReplaceAll(hidden.body["detail"].(string), id, "X") != strings.ReplaceAll(unknown.body["detail"].(string), "no-such-visit", "X") {
				t.Errorf("a hidden visit answers differently from an unknown one:\n%s\n%s", hidden.raw, unknown.raw)
			}
			e.do("GET", path("no-such-visit", ""), admin, nil).expect(t, 404, "not_found")
			e.do("GET", path(id, ""), "", nil).expect(t, 401, "unauthenticated")

			// Accept: the host decides; not the guest, not a coordinator.
			for _, tok := range []string{gp, op, coord, aud} {
				e.do("POST", path(id, "accept"), tok, nil).expect(t, 403, "forbidden")
			}
			e.do("POST", path("no-such-visit", "accept"), hp, nil).expect(t, 404, "not_found")
			e.do("POST", path(id, "complete"), gp, map[string]any{"outcomes": map[string]any{"en": "x"}}).expect(t, 409, "invalid_state")
			e.do("POST", path(id, "schedule"), gp, map[string]any{"start_date": start, "end_date": end}).expect(t, 409, "invalid_state")
			r = e.do("POST", path(id, "accept"), hp, nil, "If-Match", `"1"`).expect(t, 200, "")
			expectVisit(t, r, 2, "accepted")
			if r.body["decided_at"] == nil {
				t.Errorf("accept: no decided_at: %s", r.raw)
			}
			e.do("POST", path(id, "accept"), hp, nil, "If-Match", `"1"`).expect(t, 412, "precondition_failed")
			e.do("POST", path(id, "accept"), hp, nil).expect(t, 409, "invalid_state")
			e.do("POST", path(id, "decline"), hp, nil).expect(t, 409, "invalid_state")

			// Schedule: guest, host or staff; dates validated.
			sched := map[string]any{"start_date": today, "end_date": visitDay(today, 2), "arrangements": " Hotel am Markt, Görlitz "}
			e.do("POST", path(id, "schedule"), op, sched).expect(t, 403, "forbidden")
			e.do("POST", path(id, "schedule"), aud, sched).expect(t, 403, "forbidden")
			bad := e.do("POST", path(id, "schedule"), gp, map[string]any{"start_date": "2020-01-01", "end_date": "soon"}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/start_date", "/end_date")
			bad = e.do("POST", path(id, "schedule"), gp, map[string]any{"start_date": visitDay(today, 3), "end_date": today}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/end_date")
			bad = e.do("POST", path(id, "schedule"), gp, map[string]any{"start_date": today, "end_date": today, "hotel": "x"}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/hotel")
			e.do("POST", path(id, "schedule"), gp, nil).expect(t, 400, "invalid")
			e.do("POST", path(id, "schedule"), gp, sched, "If-Match", `"1"`).expect(t, 412, "precondition_failed")
			r = e.do("POST", path(id, "schedule"), gp, sched, "If-Match", `"2"`).expect(t, 200, "")
			expectVisit(t, r, 3, "scheduled")
			if s := r.body["schedule"].(map[string]any); s["start_date"] != today || s["arrangements"] != "Hotel am Markt, Görlitz" {
				t.Errorf("schedule: %s", r.raw)
			}
			e.do("POST", path(id, "schedule"), gp, sched).expect(t, 409, "invalid_state")

			// Complete: with a report, from the start date (today) on.
			report := map[string]any{
				"outcomes":       map[string]any{"de": "Zwei gemeinsame Projektideen", "en": "Two joint project ideas"},
				"joint_projects": []map[string]any{{"title": "CNC-Schulung", "partners": []string{guest, host, guest}}},
			}
			e.do("POST", path(id, "complete"), op, report).expect(t, 403, "forbidden")
			e.do("POST", path(id, "complete"), aud, report).expect(t, 403, "forbidden")
			bad = e.do("POST", path(id, "complete"), hp, map[string]any{"outcomes": map[string]any{}, "joint_projects": []map[string]any{{"title": " "}}}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/outcomes", "/joint_projects/0/title")
			bad = e.do("POST", path(id, "complete"), hp, map[string]any{"report": report}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/report")
			r = e.do("POST", path(id, "complete"), hp, report, "If-Match", `"3"`).expect(t, 200, "")
			expectVisit(t, r, 4, "completed")
			rep := r.body["report"].(map[string]any)
			if rep["outcomes"].(map[string]any)["en"] != "Two joint project ideas" ||
				fmt.Sprint(rep["joint_projects"].([]any)[0].(map[string]any)["partners"]) != fmt.Sprint([]string{guest, host}) {
				t.Errorf("complete: %s", r.raw)
			}
			finalState(id, 4, "completed")
			for _, tok := range []string{gp, hp} {
				expectVisit(t, e.do("GET", path(id, ""), tok, nil).expect(t, 200, ""), 4, "completed")
			}
			e.do("GET", path(id, ""), op, nil).expect(t, 404, "not_found")

			// as_of shows the visit as it was; hidden visits stay hidden.
			old := e.do("GET", path(id, "")+"?as_of="+proposed.Format(time.RFC3339Nano), hp, nil).expect(t, 200, "")
			expectVisit(t, old, 1, "proposed")
			if old.body["schedule"] != nil || old.body["report"] != nil {
				t.Errorf("as_of: %s", old.raw)
			}
			e.do("GET", path(id, "")+"?as_of="+proposed.Format(time.RFC3339Nano), op, nil).expect(t, 404, "not_found")
			for _, tok := range []string{op, hp} {
				hidden = e.do("GET", path(id, "")+"?as_of=2000-01-01T00:00:00Z", tok, nil).expect(t, 404, "not_found")
				if strings.ReplaceAll(hidden.body["detail"].(string), id, "X") != strings.ReplaceAll(unknown.body["detail"].(string), "no-such-visit", "X") {
					t.Errorf("as_of before the proposal tells a partner the visit exists:\n%s\n%s", hidden.raw, unknown.raw)
				}
			}
			e.do("GET", path(id, "")+"?as_of=2000-01-01T00:00:00Z", admin, nil).expect(t, 404, "not_found")
			e.do("GET", path(id, "")+"?as_of=last-week", admin, nil).expect(t, 400, "invalid")

			// --- proposed → declined (proposed by a coordinator) -----------
			r = e.do("POST", "/v1/exchange-visits", coord, visitBody(guest, host, start, end)).expect(t, 201, "")
			id2 := r.body["id"].(string)
			e.do("GET", path(id2, ""), op, nil).expect(t, 404, "not_found")
			for _, tok := range []string{gp, op, coord, aud} {
				e.do("POST", path(id2, "decline"), tok, map[string]any{"reason": "busy"}).expect(t, 403, "forbidden")
			}
			bad = e.do("POST", path(id2, "decline"), hp, map[string]any{"reason": strings.Repeat("x", 1001)}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/reason")
			e.do("POST", path(id2, "decline"), hp, map[string]any{"reason": "x"}, "If-Match", `"2"`).expect(t, 412, "precondition_failed")
			r = e.do("POST", path(id2, "decline"), hp, map[string]any{"reason": " No capacity in March "}, "If-Match", `"1"`).expect(t, 200, "")
			expectVisit(t, r, 2, "declined")
			if r.body["decision_reason"] != "No capacity in March" || r.body["decided_at"] == nil {
				t.Errorf("decline: %s", r.raw)
			}
			finalState(id2, 2, "declined")

			// Declining without a body (no reason) is allowed.
			r = e.do("POST", "/v1/exchange-visits", gp, visitBody(guest, host, start, end)).expect(t, 201, "")
			id3 := r.body["id"].(string)
			r = e.do("POST", path(id3, "decline"), admin, nil).expect(t, 200, "")
			expectVisit(t, r, 2, "declined")
			finalState(id3, 2, "declined")

			// --- proposed → cancelled (by the guest) -----------------------
			r = e.do("POST", "/v1/exchange-visits", gp, visitBody(guest, host, start, end)).expect(t, 201, "")
			id4 := r.body["id"].(string)
			for _, tok := range []string{op, aud} {
				e.do("POST", path(id4, "cancel"), tok, map[string]any{"reason": "x"}).expect(t, 403, "forbidden")
			}
			bad = e.do("POST", path(id4, "cancel"), gp, nil).expect(t, 400, "invalid")
			expectPointers(t, bad, "/reason")
			bad = e.do("POST", path(id4, "cancel"), gp, map[string]any{"reason": "  "}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/reason")
			e.do("POST", path(id4, "cancel"), gp, map[string]any{"reason": "x"}, "If-Match", `"7"`).expect(t, 412, "precondition_failed")
			e.do("POST", path("no-such-visit", "cancel"), gp, map[string]any{"reason": "x"}).expect(t, 404, "not_found")
			r = e.do("POST", path(id4, "cancel"), gp, map[string]any{"reason": "Participant left the company"}).expect(t, 200, "")
			expectVisit(t, r, 2, "cancelled")
			if r.body["cancellation_reason"] != "Participant left the company" {
				t.Errorf("cancel: %s", r.raw)
			}
			finalState(id4, 2, "cancelled")

			// --- proposed → accepted → cancelled (by a coordinator) --------
			r = e.do("POST", "/v1/exchange-visits", admin, visitBody(guest, host, start, end)).expect(t, 201, "")
			id5 := r.body["id"].(string)
			e.do("POST", path(id5, "accept"), admin, nil).expect(t, 200, "")
			r = e.do("POST", path(id5, "cancel"), coord, map[string]any{"reason": "Funding withdrawn"}, "If-Match", `"2"`).expect(t, 200, "")
			expectVisit(t, r, 3, "cancelled")
			finalState(id5, 3, "cancelled")

			// --- proposed → accepted → scheduled → cancelled (by the host) -
			r = e.do("POST", "/v1/exchange-visits", gp, visitBody(guest, host, start, end)).expect(t, 201, "")
			id6 := r.body["id"].(string)
			e.do("POST", path(id6, "accept"), hp, nil).expect(t, 200, "")
			e.do("POST", path(id6, "schedule"), coord, map[string]any{"start_date": start, "end_date": end}).expect(t, 200, "")
			// Not before the scheduled start date.
			e.do("POST", path(id6, "complete"), hp, report).expect(t, 409, "invalid_state")
			r = e.do("POST", path(id6, "cancel"), hp, map[string]any{"reason": "Strike at the border crossing"}).expect(t, 200, "")
			expectVisit(t, r, 4, "cancelled")
			if r.body["schedule"].(map[string]any)["start_date"] != start {
				t.Errorf("cancelled visit lost its schedule: %s", r.raw)
			}
			finalState(id6, 4, "cancelled")
		})
	}
}

func TestExchangeVisitProposalsAreValidated(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin := e.tokens["admin"]
			guest, host := e.createOrg("Gast GmbH"), e.createOrg("Gospodarz Sp. z o.o.")
			gone := e.createOrg("Zrušeno a.s.")
			e.do("POST", "/v1/organisations/"+gone+"/deactivate", admin, map[string]any{"reason": "merged"}).expect(t, 200, "")
			today := visitToday()
			start, end := visitDay(today, 7), visitDay(today, 8)
			gp, ghost := e.partner(guest), e.unregisteredPartner("ghost") // ghost: a partner of an unregistered organisation
			before := e.countEvents()

			b := visitBody(guest, guest, visitDay(today, -1), visitDay(today, -3))
			b["type"] = "holiday"
			b["participants"] = []map[string]any{}
			b["programme"] = map[string]any{}
			b["languages"] = []string{"xx"}
			r := e.do("POST", "/v1/exchange-visits", admin, b).expect(t, 400, "invalid")
			expectPointers(t, r, "/type", "/host_org_id", "/participants", "/start_date", "/end_date", "/programme", "/languages/0")

			b = visitBody(guest, host, start, end)
			b["participants"] = []map[string]any{{"name": "Anna", "email": "not-an-address"}, {"name": ""}}
			r = e.do("POST", "/v1/exchange-visits", admin, b).expect(t, 400, "invalid")
			expectPointers(t, r, "/participants/0/email", "/participants/1/name")

			b = visitBody(guest, host, start, end)
			b["colour"] = "blue"
			r = e.do("POST", "/v1/exchange-visits", admin, b).expect(t, 400, "invalid")
			expectPointers(t, r, "/colour")
			e.do("POST", "/v1/exchange-visits", admin, `{"type": 5}`).expect(t, 400, "invalid")
			e.do("POST", "/v1/exchange-visits", admin, "").expect(t, 400, "invalid")

			// Guest and host must be registered, active organisations.
			r = e.do("POST", "/v1/exchange-visits", admin, visitBody("no-such-org", host, start, end)).expect(t, 400, "invalid")
			expectPointers(t, r, "/guest_org_id")
			r = e.do("POST", "/v1/exchange-visits", gp, visitBody(guest, gone, start, end)).expect(t, 400, "invalid")
			expectPointers(t, r, "/host_org_id")
			// A partner of an unregistered organisation may not propose for
			// another guest; for itself, its organisation must exist.
			e.do("POST", "/v1/exchange-visits", ghost, visitBody(guest, host, start, end)).expect(t, 403, "forbidden")
			r = e.do("POST", "/v1/exchange-visits", ghost, visitBody("ghost", host, start, end)).expect(t, 400, "invalid")
			expectPointers(t, r, "/guest_org_id")

			if n := e.countEvents() - before; n != 0 {
				t.Errorf("refused proposals appended %d events", n)
			}

			// A proposal may start today.
			e.do("POST", "/v1/exchange-visits", admin, visitBody(guest, host, today, today)).expect(t, 201, "")

			// Idempotency-Key: a retry yields the same visit and no new event.
			before = e.countEvents()
			first := e.do("POST", "/v1/exchange-visits", admin, visitBody(guest, host, start, end), "Idempotency-Key", "visit-1").expect(t, 201, "")
			again := e.do("POST", "/v1/exchange-visits", admin, visitBody(guest, host, start, end), "Idempotency-Key", "visit-1").expect(t, 201, "")
			if first.body["id"] != again.body["id"] || first.header.Get("Location") != again.header.Get("Location") {
				t.Errorf("retry created another visit:\n%s\n%s", first.raw, again.raw)
			}
			if n := e.countEvents() - before; n != 1 {
				t.Errorf("retry appended: %d events, want 1", n)
			}
		})
	}
}

func TestExchangeVisitRoutesAreDocumented(t *testing.T) {
	e := newEnv(t, "embedded")
	doc := e.do("GET", "/openapi.json", "", nil).expect(t, 200, "")
	paths, _ := doc.body["paths"].(map[string]any)
	props := func(path string) map[string]any {
		t.Helper()
		op, _ := paths[path].(map[string]any)["post"].(map[string]any)
		if op == nil {
			t.Fatalf("POST %s not documented", path)
		}
		schema := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		p, _ := schema["properties"].(map[string]any)
		return p
	}
	want := map[string][]string{
		"/v1/exchange-visits":               {"type", "guest_org_id", "host_org_id", "participants", "start_date", "end_date", "programme", "languages"},
		"/v1/exchange-visits/{id}/decline":  {"reason"},
		"/v1/exchange-visits/{id}/schedule": {"start_date", "end_date", "arrangements"},
		"/v1/exchange-visits/{id}/complete": {"outcomes", "joint_projects"},
		"/v1/exchange-visits/{id}/cancel":   {"reason"},
	}
	for path, fields := range want {
		p := props(path)
		for _, f := range fields {
			if p[f] == nil {
				t.Errorf("POST %s: body schema lacks %s", path, f)
			}
		}
	}
	if _, ok := paths["/v1/exchange-visits/{id}/accept"].(map[string]any)["post"]; !ok {
		t.Error("POST /v1/exchange-visits/{id}/accept not documented")
	}
	if _, ok := paths["/v1/exchange-visits/{id}"].(map[string]any)["get"]; !ok {
		t.Error("GET /v1/exchange-visits/{id} not documented")
	}
}
