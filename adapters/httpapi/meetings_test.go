package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// meetingBody is a valid cooperation fair a week ahead with capacity seats,
// changed by mod.
func meetingBody(capacity int, mod func(map[string]any)) map[string]any {
	start := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Minute)
	b := map[string]any{
		"title":     map[string]any{"de": "Kooperationsbörse Maschinenbau", "pl": "Giełda kooperacyjna budowy maszyn"},
		"kind":      "cooperation_fair",
		"start":     start.Format(time.RFC3339),
		"end":       start.Add(8 * time.Hour).Format(time.RFC3339),
		"time_zone": "Europe/Berlin",
		"place":     map[string]any{"city": "Görlitz", "country": "DE"},
		"languages": []string{"de", "pl"},
		"capacity":  capacity,
	}
	if mod != nil {
		mod(b)
	}
	return b
}

// people is a participants list of n people.
func people(n int) []map[string]any {
	ps := make([]map[string]any, n)
	for i := range ps {
		ps[i] = map[string]any{"name": fmt.Sprintf("Person %d", i+1)}
	}
	return ps
}

// reg returns the registration of a registration command's answer.
func reg(r response) map[string]any {
	m, _ := r.body["registration"].(map[string]any)
	return m
}

func items(r response) []map[string]any {
	var out []map[string]any
	for _, it := range r.body["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func ids(list []map[string]any) []string {
	out := make([]string, len(list))
	for i, it := range list {
		out[i] = it["id"].(string)
	}
	return out
}

func TestMeetings(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, coord, aud := e.tokens["admin"], e.tokens["coordinator"], e.tokens["auditor"]
			orgA, orgB, orgC, orgD := e.createOrg("A GmbH"), e.createOrg("B Sp. z o.o."), e.createOrg("C s.r.o."), e.createOrg("D GmbH")
			pa, pb, pc := e.partner(orgA), e.partner(orgB), e.partner(orgC)

			// Scheduling is for staff; bad details name every problem.
			e.do("POST", "/v1/meetings", pa, meetingBody(2, nil)).expect(t, 403, "forbidden")
			e.do("POST", "/v1/meetings", aud, meetingBody(2, nil)).expect(t, 403, "forbidden")
			before := e.countEvents()
			bad := e.do("POST", "/v1/meetings", coord, meetingBody(0, func(b map[string]any) {
				b["title"], b["kind"], b["time_zone"], b["languages"] = map[string]any{}, "party", "Mars/Base", []string{"xx"}
				b["start"] = time.Now().Add(-time.Hour).Format(time.RFC3339)
			})).expect(t, 400, "invalid")
			expectPointers(t, bad, "/title", "/kind", "/capacity", "/time_zone", "/languages/0", "/start")
			extra := meetingBody(2, func(b map[string]any) { b["colour"] = "blue" })
			expectPointers(t, e.do("POST", "/v1/meetings", coord, extra).expect(t, 400, "invalid"), "/colour")
			if n := e.countEvents() - before; n != 0 {
				t.Fatalf("refused schedules appended %d events", n)
			}

			r := e.do("POST", "/v1/meetings", coord, meetingBody(2, nil)).expect(t, 201, "")
			id := r.body["id"].(string)
			if r.header.Get("Location") != "/v1/meetings/"+id || r.header.Get("ETag") != `"1"` || r.body["version"] != 1.0 {
				t.Fatalf("schedule: Location %q ETag %q body %s", r.header.Get("Location"), r.header.Get("ETag"), r.raw)
			}
			if r.body["status"] != "scheduled" || r.body["seats_taken"] != 0.0 || r.body["seats_free"] != 2.0 || len(r.body["registrations"].([]any)) != 0 {
				t.Errorf("schedule: %s", r.raw)
			}
			mpath := "/v1/meetings/" + id
			scheduled := time.Now().UTC()
			time.Sleep(20 * time.Millisecond)

			// Registering: for one's own organisation only; participants validated.
			e.do("POST", mpath+"/registrations", pb, map[string]any{"organisation_id": orgA, "participants": people(1)}).expect(t, 403, "forbidden")
			e.do("POST", mpath+"/registrations", aud, map[string]any{"organisation_id": orgA, "participants": people(1)}).expect(t, 403, "forbidden")
			bad = e.do("POST", mpath+"/registrations", pa, map[string]any{"participants": []map[string]any{{"name": " ", "email": "not-an-address"}}}).expect(t, 400, "invalid")
			expectPointers(t, bad, "/participants/0/name", "/participants/0/email")
			expectPointers(t, e.do("POST", mpath+"/registrations", coord, map[string]any{"participants": people(1)}).expect(t, 400, "invalid"), "/organisation_id")
			expectPointers(t, e.do("POST", mpath+"/registrations", pa, map[string]any{"participants": people(3)}).expect(t, 400, "invalid"), "/participants")
			expectPointers(t, e.do("POST", mpath+"/registrations", pa, map[string]any{"participants": people(1), "seats": 1}).expect(t, 400, "invalid"), "/seats")

			ra := e.do("POST", mpath+"/registrations", pa, map[string]any{"participants": people(1)}).expect(t, 201, "")
			regA := reg(ra)["id"].(string)
			if ra.header.Get("Location") != mpath+"/registrations/"+regA || ra.header.Get("ETag") != `"2"` {
				t.Errorf("register: Location %q ETag %q", ra.header.Get("Location"), ra.header.Get("ETag"))
			}
			if reg(ra)["status"] != "registered" || reg(ra)["org_id"] != orgA || ra.body["seats_taken"] != 1.0 || ra.body["seats_free"] != 1.0 {
				t.Errorf("register: %s", ra.raw)
			}
			e.do("POST", mpath+"/registrations", pa, map[string]any{"organisation_id": orgA, "participants": people(1)}).expect(t, 409, "invalid_state")
			// Idempotency-Key: a retry answers the same registration.
			rb := e.do("POST", mpath+"/registrations", pb, map[string]any{"participants": people(1)}, "Idempotency-Key", "reg-b").expect(t, 201, "")
			rb2 := e.do("POST", mpath+"/registrations", pb, map[string]any{"participants": people(1)}, "Idempotency-Key", "reg-b").expect(t, 201, "")
			if rb2.header.Get("Idempotent-Replayed") != "true" || rb2.header.Get("Location") != rb.header.Get("Location") || !bytes.Equal(rb.raw, rb2.raw) {
				t.Errorf("idempotent retry answered differently:\n%s\n%s", rb.raw, rb2.raw)
			}
			regB := reg(rb)["id"].(string)
			rc := e.do("POST", mpath+"/registrations", pc, map[string]any{"participants": people(1)}).expect(t, 201, "")
			regC := reg(rc)["id"].(string)
			if reg(rc)["status"] != "waitlisted" || reg(rc)["waitlist_position"] != 1.0 || rc.body["seats_free"] != 0.0 {
				t.Errorf("third registration not waitlisted: %s", rc.raw)
			}
			rd := e.do("POST", mpath+"/registrations", admin, map[string]any{"organisation_id": orgD, "participants": people(1)}).expect(t, 201, "")
			regD := reg(rd)["id"].(string)
			if reg(rd)["status"] != "waitlisted" || reg(rd)["waitlist_position"] != 2.0 || rd.header.Get("ETag") != `"5"` {
				t.Errorf("fourth registration: %s", rd.raw)
			}

			// Reads: partners see their own registrations only.
			g := e.do("GET", mpath, pa, nil).expect(t, 200, "")
			if rs := g.body["registrations"].([]any); len(rs) != 1 || rs[0].(map[string]any)["id"] != regA {
				t.Errorf("partner sees others' registrations: %s", g.raw)
			}
			if g.body["seats_taken"] != 2.0 || g.body["seats_free"] != 0.0 || g.body["waitlist_length"] != 2.0 || g.header.Get("ETag") != `"5"` {
				t.Errorf("meeting read: %s", g.raw)
			}
			if rs := e.do("GET", mpath, aud, nil).expect(t, 200, "").body["registrations"].([]any); len(rs) != 4 {
				t.Errorf("auditor sees %d registrations, want 4", len(rs))
			}
			roster := e.do("GET", mpath+"/registrations", coord, nil).expect(t, 200, "")
			if got := ids(items(roster)); !slices.Equal(got, []string{regA, regB, regC, regD}) || roster.header.Get("ETag") != `"5"` {
				t.Errorf("roster %v: %s", got, roster.raw)
			}
			if got := ids(items(e.do("GET", mpath+"/registrations?status=waitlisted", aud, nil).expect(t, 200, ""))); !slices.Equal(got, []string{regC, regD}) {
				t.Errorf("waitlist %v", got)
			}
			if got := ids(items(e.do("GET", mpath+"/registrations?status=registered,waitlisted", pc, nil).expect(t, 200, ""))); !slices.Equal(got, []string{regC}) {
				t.Errorf("partner roster %v", got)
			}
			expectPointers(t, e.do("GET", mpath+"/registrations?status=maybe", coord, nil).expect(t, 400, "invalid"), "/query/status")
			one := e.do("GET", mpath+"/registrations/"+regA, pa, nil).expect(t, 200, "")
			if one.body["id"] != regA || one.body["status"] != "registered" || one.body["meeting_id"] != id || one.header.Get("ETag") != `"5"` {
				t.Errorf("registration read: %s", one.raw)
			}
			e.do("GET", mpath+"/registrations/"+regA, pb, nil).expect(t, 403, "forbidden")
			e.do("GET", mpath+"/registrations/nope", coord, nil).expect(t, 404, "not_found")
			e.do("GET", "/v1/meetings/nope", coord, nil).expect(t, 404, "not_found")
			e.do("GET", "/v1/meetings/nope/registrations", coord, nil).expect(t, 404, "not_found")
			e.do("POST", "/v1/meetings/nope/registrations", pa, map[string]any{"participants": people(1)}).expect(t, 404, "not_found")
			e.do("POST", mpath+"/registrations/nope/cancel", coord, nil).expect(t, 404, "not_found")

			// as_of: the meeting as it was before anyone registered.
			old := e.do("GET", mpath+"?as_of="+scheduled.Format(time.RFC3339Nano), coord, nil).expect(t, 200, "")
			if old.header.Get("ETag") != `"1"` || old.body["seats_taken"] != 0.0 || len(old.body["registrations"].([]any)) != 0 {
				t.Errorf("as_of: %s", old.raw)
			}
			if it := items(e.do("GET", mpath+"/registrations?as_of="+scheduled.Format(time.RFC3339Nano), coord, nil).expect(t, 200, "")); len(it) != 0 {
				t.Errorf("as_of roster: %v", it)
			}
			e.do("GET", mpath+"/registrations/"+regA+"?as_of="+scheduled.Format(time.RFC3339Nano), coord, nil).expect(t, 404, "not_found")

			// Cancelling a registration promotes the head of the waitlist.
			e.do("POST", mpath+"/registrations/"+regA+"/cancel", pb, nil).expect(t, 403, "forbidden")
			e.do("POST", mpath+"/registrations/"+regA+"/cancel", pa, nil, "If-Match", `"4"`).expect(t, 412, "precondition_failed")
			cx := e.do("POST", mpath+"/registrations/"+regA+"/cancel", pa, nil, "If-Match", `"5"`).expect(t, 200, "")
			if reg(cx)["status"] != "cancelled" || cx.header.Get("ETag") != `"7"` || cx.body["seats_taken"] != 2.0 {
				t.Errorf("cancel: %s", cx.raw)
			}
			if st := e.do("GET", mpath+"/registrations/"+regC, pc, nil).expect(t, 200, "").body["status"]; st != "registered" {
				t.Errorf("head of waitlist not promoted: %v", st)
			}
			e.do("POST", mpath+"/registrations/"+regA+"/cancel", pa, nil).expect(t, 409, "invalid_state")

			// Rescheduling: staff only, If-Match, a raised capacity promotes.
			bigger := meetingBody(3, func(b map[string]any) { b["start"], b["end"] = g.body["start"], g.body["end"] })
			e.do("PUT", mpath, pa, bigger).expect(t, 403, "forbidden")
			e.do("PUT", mpath, coord, bigger, "If-Match", `"5"`).expect(t, 412, "precondition_failed")
			expectPointers(t, e.do("PUT", mpath, coord, meetingBody(0, nil)).expect(t, 400, "invalid"), "/capacity")
			up := e.do("PUT", mpath, coord, bigger, "If-Match", `"7"`).expect(t, 200, "")
			if up.header.Get("ETag") != `"9"` || up.body["capacity"] != 3.0 || up.body["seats_taken"] != 3.0 || up.body["waitlist_length"] != 0.0 {
				t.Errorf("reschedule: %s", up.raw)
			}
			e.do("PUT", mpath, coord, meetingBody(1, nil)).expect(t, 409, "invalid_state")
			e.do("PUT", "/v1/meetings/nope", coord, bigger).expect(t, 404, "not_found")

			// Check-in opens a day before the start; no-shows once it started.
			e.do("POST", mpath+"/registrations/"+regB+"/check-in", coord, nil).expect(t, 409, "invalid_state")
			e.do("POST", mpath+"/registrations/"+regB+"/no-show", coord, nil).expect(t, 409, "invalid_state")

			// Cancelling the meeting.
			e.do("POST", mpath+"/cancel", pa, nil).expect(t, 403, "forbidden")
			expectPointers(t, e.do("POST", mpath+"/cancel", coord, map[string]any{"reason": strings.Repeat("x", 1001)}).expect(t, 400, "invalid"), "/reason")
			cm := e.do("POST", mpath+"/cancel", coord, map[string]any{"reason": "venue unavailable"}).expect(t, 200, "")
			if cm.body["status"] != "cancelled" || cm.body["cancellation_reason"] != "venue unavailable" {
				t.Errorf("cancel meeting: %s", cm.raw)
			}
			e.do("POST", mpath+"/cancel", coord, nil).expect(t, 409, "invalid_state")
			e.do("POST", mpath+"/registrations", pa, map[string]any{"participants": people(1)}).expect(t, 409, "invalid_state")
			e.do("PUT", mpath, coord, bigger).expect(t, 409, "invalid_state")
			e.do("POST", "/v1/meetings/nope/cancel", coord, nil).expect(t, 404, "not_found")
		})
	}
}

func TestMeetingApprovals(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			coord := e.tokens["coordinator"]
			pa, pb, pc := e.partner("org-a"), e.partner("org-b"), e.partner("org-c")
			id := e.do("POST", "/v1/meetings", coord, meetingBody(1, func(b map[string]any) { b["requires_approval"] = true })).expect(t, 201, "").body["id"].(string)
			mpath := "/v1/meetings/" + id

			regs := map[string]string{}
			for org, tok := range map[string]string{"a": pa, "b": pb, "c": pc} {
				r := e.do("POST", mpath+"/registrations", tok, map[string]any{"participants": people(1)}).expect(t, 201, "")
				if reg(r)["status"] != "pending_approval" || r.body["seats_taken"] != 0.0 {
					t.Errorf("registration needing approval: %s", r.raw)
				}
				regs[org] = reg(r)["id"].(string)
			}
			step := func(reg, what string) string { return mpath + "/registrations/" + reg + "/" + what }

			e.do("POST", step(regs["a"], "approve"), pa, nil).expect(t, 403, "forbidden")
			e.do("POST", step(regs["a"], "approve"), e.tokens["auditor"], nil).expect(t, 403, "forbidden")
			ap := e.do("POST", step(regs["a"], "approve"), coord, nil).expect(t, 200, "")
			if reg(ap)["status"] != "registered" || ap.body["seats_taken"] != 1.0 {
				t.Errorf("approve: %s", ap.raw)
			}
			ap = e.do("POST", step(regs["b"], "approve"), e.tokens["admin"], nil).expect(t, 200, "")
			if reg(ap)["status"] != "waitlisted" || reg(ap)["waitlist_position"] != 1.0 {
				t.Errorf("approve beyond capacity: %s", ap.raw)
			}
			e.do("POST", step(regs["a"], "approve"), coord, nil).expect(t, 409, "invalid_state")
			e.do("POST", step("nope", "approve"), coord, nil).expect(t, 404, "not_found")

			e.do("POST", step(regs["c"], "reject"), pc, map[string]any{"reason": "mine"}).expect(t, 403, "forbidden")
			expectPointers(t, e.do("POST", step(regs["c"], "reject"), coord, map[string]any{"reason": strings.Repeat("x", 1001)}).expect(t, 400, "invalid"), "/reason")
			e.do("POST", step(regs["c"], "reject"), coord, map[string]any{"why": "x"}).expect(t, 400, "invalid")
			rj := e.do("POST", step(regs["c"], "reject"), coord, map[string]any{"reason": "not in the programme area"}).expect(t, 200, "")
			if reg(rj)["status"] != "rejected" || reg(rj)["rejection_reason"] != "not in the programme area" {
				t.Errorf("reject: %s", rj.raw)
			}
			e.do("POST", step(regs["c"], "approve"), coord, nil).expect(t, 409, "invalid_state")
			e.do("POST", step(regs["c"], "reject"), coord, nil).expect(t, 409, "invalid_state")
			// The rejected organisation sees its registration with the reason.
			if rs := e.do("GET", mpath, pc, nil).expect(t, 200, "").body["registrations"].([]any); len(rs) != 1 || rs[0].(map[string]any)["rejection_reason"] != "not in the programme area" {
				t.Errorf("rejected partner's view: %v", rs)
			}
		})
	}
}

// TestMeetingCheckIn drives check-in and no-show on a meeting that is
// running: it was scheduled and registered for hours ago, through the
// domain with a past decision time, since the API only schedules meetings
// in the future.
func TestMeetingCheckIn(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			ctx := context.Background()
			cmds := domain.NewCommands(e.store)
			now := time.Now().UTC()
			past := domain.Request{Actor: domain.System("test"), Now: now.Add(-3 * time.Hour)}
			d := domain.MeetingDetails{Title: domain.Text{EN: "Workshop"}, Kind: "workshop", Start: now.Add(-2 * time.Hour), End: now.Add(2 * time.Hour),
				TimeZone: "Europe/Prague", Place: &domain.Address{City: "Liberec", Country: "CZ"}, Languages: []string{"cs", "de"}, Capacity: 10}
			const id = "running-workshop"
			if _, err := domain.Execute(ctx, cmds, domain.MeetingKind, id, past, func(m domain.Meeting, _ uint64, at time.Time) ([]domain.Payload, error) {
				return domain.ScheduleMeeting{Details: d}.Decide(m, id, past.Actor, at)
			}); err != nil {
				t.Fatal(err)
			}
			for _, org := range []string{"a", "b"} {
				if _, err := domain.Execute(ctx, cmds, domain.MeetingKind, id, past, func(m domain.Meeting, _ uint64, at time.Time) ([]domain.Payload, error) {
					return domain.RegisterForMeeting{RegistrationID: "r-" + org, OrgID: "org-" + org, Participants: []domain.Participant{{Name: "P " + org}}}.Decide(m, past.Actor, at)
				}); err != nil {
					t.Fatal(err)
				}
			}
			coord, pa := e.tokens["coordinator"], e.partner("org-a")
			mpath := "/v1/meetings/" + id

			// Registration has closed at the start.
			e.do("POST", mpath+"/registrations", e.partner("org-c"), map[string]any{"participants": people(1)}).expect(t, 409, "invalid_state")

			e.do("POST", mpath+"/registrations/r-a/check-in", pa, nil).expect(t, 403, "forbidden")
			ci := e.do("POST", mpath+"/registrations/r-a/check-in", coord, nil).expect(t, 200, "")
			if reg(ci)["status"] != "checked_in" || ci.header.Get("ETag") != `"4"` {
				t.Errorf("check-in: %s", ci.raw)
			}
			e.do("POST", mpath+"/registrations/r-a/check-in", coord, nil).expect(t, 409, "invalid_state")
			e.do("POST", mpath+"/registrations/r-a/cancel", pa, nil).expect(t, 409, "invalid_state")

			e.do("POST", mpath+"/registrations/r-b/no-show", e.partner("org-b"), nil).expect(t, 403, "forbidden")
			ns := e.do("POST", mpath+"/registrations/r-b/no-show", coord, nil).expect(t, 200, "")
			if reg(ns)["status"] != "no_show" || ns.body["seats_taken"] != 2.0 {
				t.Errorf("no-show: %s", ns.raw)
			}
			e.do("POST", mpath+"/registrations/r-b/check-in", coord, nil).expect(t, 409, "invalid_state")
			e.do("POST", mpath+"/registrations/nope/no-show", coord, nil).expect(t, 404, "not_found")
			if got := ids(items(e.do("GET", mpath+"/registrations?status=checked_in,no_show", coord, nil).expect(t, 200, ""))); !slices.Equal(got, []string{"r-a", "r-b"}) {
				t.Errorf("roster: %v", got)
			}
		})
	}
}

// rawResult is an answer to a request sent from another goroutine.
type rawResult struct {
	status int
	body   map[string]any
	err    error
}

var concurrentClient = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}}

// send is e.do for goroutines other than the test's: it reports failures
// instead of stopping the test.
func send(base, method, path, token string, body any) rawResult {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return rawResult{err: err}
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return rawResult{err: err}
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := concurrentClient.Do(req)
	if err != nil {
		return rawResult{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	res := rawResult{status: resp.StatusCode, err: err}
	if err == nil {
		if jerr := json.Unmarshal(raw, &res.body); jerr != nil {
			res.err = fmt.Errorf("%v: %s", jerr, raw)
		}
	}
	return res
}

// parallel runs f(i) for i in [0, n) in n goroutines released at once.
func parallel(n int, f func(i int) rawResult) []rawResult {
	out := make([]rawResult, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// replayMeeting evolves the meeting stream event by event and fails t if
// the seats taken ever exceed the capacity; it returns the ids of the
// promoted registrations in the order they were promoted.
func replayMeeting(t *testing.T, e *env, id string) (domain.Meeting, []string) {
	t.Helper()
	evs, err := e.store.ReadStream(context.Background(), domain.MeetingKind.StreamID(id), domain.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var m domain.Meeting
	var promoted []string
	for _, ev := range evs {
		p, err := domain.Decode(ev)
		if err != nil {
			t.Fatal(err)
		}
		m = domain.MeetingKind.Evolve(m, p)
		if m.SeatsTaken() > m.Capacity {
			t.Fatalf("after event %d (%s): %d seats taken of %d", ev.StreamVersion, ev.Type, m.SeatsTaken(), m.Capacity)
		}
		if pr, ok := p.(domain.RegistrationPromoted); ok {
			promoted = append(promoted, pr.RegistrationID)
		}
	}
	return m, promoted
}

// TestMeetingRegistrationsConcurrent: 200 organisations register at once
// for 50 seats, then 20 registered ones cancel at once. In the postgres
// mode the requests alternate between two API servers over two stores on
// one database, so conflicting appends are resolved by the optimistic
// concurrency retry across processes, not by the in-process lock.
func TestMeetingRegistrationsConcurrent(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			second, conflicts := e.secondServer()
			urls := []string{e.url, second}
			admin, coord := e.tokens["admin"], e.tokens["coordinator"]
			const orgs, capacity, cancels = 200, 50, 20

			id := e.do("POST", "/v1/meetings", coord, meetingBody(capacity, nil)).expect(t, 201, "").body["id"].(string)
			mpath := "/v1/meetings/" + id

			created := parallel(orgs, func(i int) rawResult {
				return send(urls[i%2], "POST", "/v1/organisations", admin, orgBody(fmt.Sprintf("Org %03d", i)))
			})
			orgIDs := make([]string, orgs)
			tokens := make([]string, orgs)
			for i, r := range created {
				if r.err != nil || r.status != 201 {
					t.Fatalf("create organisation %d: %d %v %v", i, r.status, r.err, r.body)
				}
				orgIDs[i] = r.body["id"].(string)
				tokens[i] = e.partner(orgIDs[i])
			}

			// 200 registrations at once.
			res := parallel(orgs, func(i int) rawResult {
				return send(urls[i%2], "POST", mpath+"/registrations", tokens[i], map[string]any{"organisation_id": orgIDs[i], "participants": people(1)})
			})
			count := map[string]int{}
			orgOf := map[string]int{} // registration id → organisation index
			for i, r := range res {
				if r.err != nil || r.status != 201 {
					t.Fatalf("registration %d: %d %v %v", i, r.status, r.err, r.body)
				}
				rg := r.body["registration"].(map[string]any)
				count[rg["status"].(string)]++
				orgOf[rg["id"].(string)] = i
				if r.body["seats_taken"].(float64) > capacity {
					t.Errorf("answer with %v seats taken", r.body["seats_taken"])
				}
			}
			if count["registered"] != capacity || count["waitlisted"] != orgs-capacity || len(orgOf) != orgs {
				t.Fatalf("outcomes %v of %d distinct registrations, want %d registered, %d waitlisted", count, len(orgOf), capacity, orgs-capacity)
			}
			m, promoted := replayMeeting(t, e, id)
			if m.SeatsTaken() != capacity || len(m.Waitlist()) != orgs-capacity || len(promoted) != 0 {
				t.Fatalf("state: %d seats, %d waiting, %d promoted", m.SeatsTaken(), len(m.Waitlist()), len(promoted))
			}
			if conflicts != nil {
				// Both servers appended to the meeting at once: some
				// appends were refused and decided again.
				n := conflicts()
				t.Logf("%d registrations decided again after a concurrent append by the other server", n)
				if n == 0 {
					t.Errorf("no cross-process conflict: the optimistic concurrency retry was not exercised")
				}
			}
			g := e.do("GET", mpath, e.tokens["auditor"], nil).expect(t, 200, "")
			if g.body["seats_taken"] != float64(capacity) || g.body["seats_free"] != 0.0 || g.body["waitlist_length"] != float64(orgs-capacity) || g.header.Get("ETag") != fmt.Sprintf(`"%d"`, 1+orgs) {
				t.Fatalf("meeting after registrations: seats %v/%v waiting %v ETag %s", g.body["seats_taken"], g.body["seats_free"], g.body["waitlist_length"], g.header.Get("ETag"))
			}
			waitlist := items(e.do("GET", mpath+"/registrations?status=waitlisted", coord, nil).expect(t, 200, ""))
			for i, it := range waitlist {
				if it["waitlist_position"] != float64(i+1) {
					t.Fatalf("waitlist item %d at position %v", i, it["waitlist_position"])
				}
			}
			waitIDs := ids(waitlist)
			registered := ids(items(e.do("GET", mpath+"/registrations?status=registered", coord, nil).expect(t, 200, "")))
			if len(waitIDs) != orgs-capacity || len(registered) != capacity {
				t.Fatalf("roster: %d waitlisted, %d registered", len(waitIDs), len(registered))
			}

			// 20 registered organisations cancel at once: the first 20 of
			// the waitlist move up, in waitlist order.
			gone := registered[:cancels]
			res = parallel(cancels, func(i int) rawResult {
				return send(urls[i%2], "POST", mpath+"/registrations/"+gone[i]+"/cancel", tokens[orgOf[gone[i]]], nil)
			})
			for i, r := range res {
				if r.err != nil || r.status != 200 || r.body["registration"].(map[string]any)["status"] != "cancelled" {
					t.Fatalf("cancellation %d: %d %v %v", i, r.status, r.err, r.body)
				}
			}
			m, promoted = replayMeeting(t, e, id)
			if !slices.Equal(promoted, waitIDs[:cancels]) {
				t.Fatalf("promoted %v,\nwant the head of the waitlist %v", promoted, waitIDs[:cancels])
			}
			if m.SeatsTaken() != capacity || len(m.Waitlist()) != orgs-capacity-cancels {
				t.Fatalf("after cancellations: %d seats, %d waiting", m.SeatsTaken(), len(m.Waitlist()))
			}
			if rest := ids(items(e.do("GET", mpath+"/registrations?status=waitlisted", coord, nil).expect(t, 200, ""))); !slices.Equal(rest, waitIDs[cancels:]) {
				t.Errorf("waitlist after promotions is not the rest in order")
			}
			final := items(e.do("GET", mpath+"/registrations", coord, nil).expect(t, 200, ""))
			count = map[string]int{}
			for _, it := range final {
				count[it["status"].(string)]++
			}
			if count["registered"] != capacity || count["cancelled"] != cancels || count["waitlisted"] != orgs-capacity-cancels {
				t.Errorf("final roster %v", count)
			}
			// A promoted organisation sees its own registration, registered.
			p := waitIDs[0]
			if st := e.do("GET", mpath+"/registrations/"+p, tokens[orgOf[p]], nil).expect(t, 200, "").body["status"]; st != "registered" {
				t.Errorf("promoted registration reads %v", st)
			}
		})
	}
}

func TestMeetingOpenAPI(t *testing.T) {
	e := newEnv(t, "embedded")
	r := e.do("GET", "/openapi.json", "", nil).expect(t, 200, "")
	paths := r.body["paths"].(map[string]any)
	for path, methods := range map[string][]string{
		"/v1/meetings":                                               {"post"},
		"/v1/meetings/{id}":                                          {"get", "put"},
		"/v1/meetings/{id}/cancel":                                   {"post"},
		"/v1/meetings/{id}/registrations":                            {"get", "post"},
		"/v1/meetings/{id}/registrations/{registration_id}":          {"get"},
		"/v1/meetings/{id}/registrations/{registration_id}/approve":  {"post"},
		"/v1/meetings/{id}/registrations/{registration_id}/reject":   {"post"},
		"/v1/meetings/{id}/registrations/{registration_id}/cancel":   {"post"},
		"/v1/meetings/{id}/registrations/{registration_id}/check-in": {"post"},
		"/v1/meetings/{id}/registrations/{registration_id}/no-show":  {"post"},
	} {
		ops, ok := paths[path].(map[string]any)
		if !ok {
			t.Errorf("%s not documented", path)
			continue
		}
		for _, m := range methods {
			if ops[m] == nil {
				t.Errorf("%s %s not documented", m, path)
			}
		}
	}
	schema := paths["/v1/meetings/{id}/registrations"].(map[string]any)["post"].(map[string]any)["responses"].(map[string]any)["201"]
	j, _ := json.Marshal(schema)
	for _, field := range []string{`"registration"`, `"seats_taken"`, `"seats_free"`, `"waitlist_position"`} {
		if !strings.Contains(string(j), field) {
			t.Errorf("registerForMeeting response schema lacks %s", field)
		}
	}
}
