package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/domain"
)

// appendNoise appends n events that no projection reads to stream, in
// appends of at most 1000.
func (e *env) appendNoise(stream string, n int) {
	e.t.Helper()
	for n > 0 {
		k := min(n, domain.MaxEventsPerAppend)
		evs := make([]domain.EventData, k)
		for i := range evs {
			evs[i] = domain.EventData{ID: domain.NewEventID(), Type: "AuditNoise", SchemaVersion: 1, Data: json.RawMessage(`{"n":1}`), Actor: "system:noise (admin)"}
		}
		if _, err := e.store.Append(context.Background(), stream, domain.Any, evs); err != nil {
			e.t.Fatal(err)
		}
		n -= k
	}
}

// allEvents reads the whole global log from the store.
func (e *env) allEvents() []domain.Event {
	e.t.Helper()
	var out []domain.Event
	pos := domain.Start
	for {
		evs, err := e.store.ReadAll(context.Background(), pos, 1000)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		pos = evs[len(evs)-1].Position
	}
}

// TestEventLogFilters pages through the global log with every filter,
// alone and combined, across a stretch of more than one request's scan
// budget of non-matching events, and checks that every matching event
// comes exactly once, in log order, with its full envelope.
func TestEventLogFilters(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, auditor := e.tokens["admin"], e.tokens["auditor"]
			a := e.createOrg("Alpha GmbH")
			pa := e.partner(a)
			e.do("PUT", "/v1/organisations/"+a, pa, orgBody("Alpha AG")).expect(t, 200, "")
			time.Sleep(5 * time.Millisecond)
			mid := time.Now().UTC()
			time.Sleep(5 * time.Millisecond)
			e.appendNoise("bulk-1", 10_500)
			b := e.createOrg("Beta Sp. z o.o.")
			e.do("POST", "/v1/organisations/"+b+"/verify", admin, nil).expect(t, 200, "")
			e.do("POST", "/v1/offers", pa, offerBody(a, "Lohnfertigung", time.Time{})).expect(t, 201, "")
			log := e.allEvents()

			type query struct {
				params url.Values
				keep   func(domain.Event) bool
			}
			isOrg := func(ev domain.Event) bool { return strings.HasPrefix(ev.StreamID, "organisation-") }
			queries := map[string]query{
				"no filter":     {url.Values{}, func(domain.Event) bool { return true }},
				"stream_prefix": {url.Values{"stream_prefix": {"organisation-"}}, isOrg},
				"stream":        {url.Values{"stream": {"organisation-" + b}}, func(ev domain.Event) bool { return ev.StreamID == "organisation-"+b }},
				"types, comma-separated": {url.Values{"type": {"OrganisationVerified,OrganisationUpdated"}},
					func(ev domain.Event) bool {
						return ev.Type == "OrganisationVerified" || ev.Type == "OrganisationUpdated"
					}},
				"types, repeated": {url.Values{"type": {"OrganisationVerified", "OfferDrafted"}},
					func(ev domain.Event) bool { return ev.Type == "OrganisationVerified" || ev.Type == "OfferDrafted" }},
				"actor": {url.Values{"actor": {"partner of organisation " + a}}, func(ev domain.Event) bool { return strings.Contains(ev.Actor, "partner of organisation "+a) }},
				"from":  {url.Values{"from": {mid.Format(time.RFC3339Nano)}, "stream_prefix": {"organisation-"}}, func(ev domain.Event) bool { return isOrg(ev) && !ev.RecordedAt.Before(mid) }},
				"to":    {url.Values{"to": {mid.Format(time.RFC3339Nano)}}, func(ev domain.Event) bool { return ev.RecordedAt.Before(mid) }},
				"combined": {url.Values{"from": {log[0].RecordedAt.Format(time.RFC3339Nano)}, "to": {time.Now().Add(time.Hour).Format(time.RFC3339Nano)},
					"type": {"OrganisationRegistered"}, "stream_prefix": {"organisation-"}, "actor": {"ADMIN"}},
					func(ev domain.Event) bool {
						return ev.Type == "OrganisationRegistered" && isOrg(ev) && strings.Contains(ev.Actor, "admin")
					}},
			}
			for name, q := range queries {
				var want []string
				for _, ev := range log {
					if q.keep(ev) {
						want = append(want, ev.ID.String())
					}
				}
				var got []string
				after, emptyWithNext, pages := "", 0, 0
				for {
					p := url.Values{}
					for k, v := range q.params {
						p[k] = v
					}
					p.Set("limit", "2")
					if name == "no filter" {
						p.Set("limit", "1000")
					}
					p.Set("after", after)
					r := e.do("GET", "/v1/events?"+p.Encode(), auditor, nil).expect(t, 200, "")
					pages++
					if pages > 200 {
						t.Fatalf("%s: no end after %d pages", name, pages)
					}
					if _, ok := r.body["scanned_to"].(string); !ok {
						t.Fatalf("%s: no scanned_to in %s", name, r.raw)
					}
					items := r.body["items"].([]any)
					for _, it := range items {
						ev := it.(map[string]any)
						got = append(got, ev["id"].(string))
					}
					next, _ := r.body["next"].(string)
					if next == "" {
						break
					}
					if len(items) == 0 {
						emptyWithNext++
					}
					if next == after {
						t.Fatalf("%s: next did not advance from %s", name, after)
					}
					after = next
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: paged %d events, want %d (%v vs %v)", name, len(got), len(want), head(got), head(want))
				}
				if name == "stream" && emptyWithNext == 0 {
					t.Errorf("%s: the scan budget never ended a page early", name)
				}
			}

			// The envelope: actor, time, correlation and causation.
			r := e.do("GET", "/v1/events?stream=organisation-"+a, auditor, nil).expect(t, 200, "")
			items := r.body["items"].([]any)
			if len(items) != 2 {
				t.Fatalf("stream filter: %s", r.raw)
			}
			up := items[1].(map[string]any)
			for _, f := range []string{"id", "type", "schema_version", "stream_id", "stream_version", "position", "recorded_at", "actor", "correlation_id", "causation_id", "data"} {
				if _, ok := up[f]; !ok {
					t.Errorf("event lacks %s: %v", f, up)
				}
			}
			if up["causation_id"] != "http:PUT /v1/organisations/"+a || !strings.Contains(up["actor"].(string), "partner") {
				t.Errorf("envelope: %v", up)
			}
			if r.body["next"] != log[9999].Position.String() || r.body["scanned_to"] != log[9999].Position.String() {
				t.Errorf("budget: next %v scanned_to %v, want both %s", r.body["next"], r.body["scanned_to"], log[9999].Position)
			}
			r = e.do("GET", "/v1/events?stream_prefix=offer-&after="+log[len(log)-5].Position.String(), auditor, nil).expect(t, 200, "")
			if len(r.body["items"].([]any)) != 1 || r.body["next"] != nil || r.body["scanned_to"] != log[len(log)-1].Position.String() {
				t.Errorf("end of log: next %v scanned_to %v, want none and %s: %s", r.body["next"], r.body["scanned_to"], log[len(log)-1].Position, r.raw)
			}

			// Bad filters.
			r = e.do("GET", "/v1/events?type=OrganisationVerified,OfferBurned", auditor, nil).expect(t, 400, "invalid")
			expectPointers(t, r, "/query/type")
			if !strings.Contains(string(r.raw), "OfferBurned") {
				t.Errorf("the problem does not name the unknown type: %s", r.raw)
			}
			expectPointers(t, e.do("GET", "/v1/events?from=yesterday", auditor, nil).expect(t, 400, "invalid"), "/query/from")
			expectPointers(t, e.do("GET", "/v1/events?to=2026-13-01T00:00:00Z", auditor, nil).expect(t, 400, "invalid"), "/query/to")
			expectPointers(t, e.do("GET", "/v1/events?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", auditor, nil).expect(t, 400, "invalid"), "/query/to")
			e.do("GET", "/v1/events?type=OrganisationVerified", e.tokens["coordinator"], nil).expect(t, 403, "forbidden")
			e.do("GET", "/v1/events?type=OrganisationVerified", pa, nil).expect(t, 403, "forbidden")
		})
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// TestStreamHistoryAsOfAndDiff reads one stream as of a moment and diffs
// aggregates of every diffable kind between versions.
func TestStreamHistoryAsOfAndDiff(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, auditor, coord := e.tokens["admin"], e.tokens["auditor"], e.tokens["coordinator"]
			a, c := e.createOrg("Alpha GmbH"), e.createOrg("Gama s.r.o.")
			pa := e.partner(a)
			e.do("PUT", "/v1/organisations/"+a, pa, orgBody("Alpha AG")).expect(t, 200, "")
			e.do("POST", "/v1/organisations/"+a+"/verify", coord, nil).expect(t, 200, "")
			stream := "/v1/streams/organisation-" + a

			// History with actor, time, correlation and causation.
			r := e.do("GET", stream+"/events", auditor, nil).expect(t, 200, "")
			items := r.body["items"].([]any)
			if len(items) != 3 {
				t.Fatalf("history: %s", r.raw)
			}
			var times []string
			for i, it := range items {
				ev := it.(map[string]any)
				for _, f := range []string{"actor", "recorded_at", "correlation_id", "causation_id"} {
					if s, _ := ev[f].(string); s == "" {
						t.Errorf("event %d lacks %s: %v", i+1, f, ev)
					}
				}
				times = append(times, ev["recorded_at"].(string))
			}

			// as_of: the events recorded up to then, as an aggregate read
			// with the same as_of sees them.
			r = e.do("GET", stream+"/events?as_of="+times[1], auditor, nil).expect(t, 200, "")
			if n := len(r.body["items"].([]any)); n != 2 {
				t.Errorf("as of the second event: %d events: %s", n, r.raw)
			}
			if v := e.do("GET", "/v1/organisations/"+a+"?as_of="+times[1], auditor, nil).expect(t, 200, "").body["version"]; v != 2.0 {
				t.Errorf("the aggregate as of the same time is at version %v", v)
			}
			r = e.do("GET", stream+"/events?direction=backwards&limit=1&as_of="+times[1], auditor, nil).expect(t, 200, "")
			if its := r.body["items"].([]any); len(its) != 1 || its[0].(map[string]any)["stream_version"] != 2.0 || r.body["next"] != "1" {
				t.Errorf("backwards as of: %s", r.raw)
			}
			r = e.do("GET", stream+"/events?from=2&as_of="+times[2], auditor, nil).expect(t, 200, "")
			if its := r.body["items"].([]any); len(its) != 2 || its[0].(map[string]any)["stream_version"] != 2.0 {
				t.Errorf("from 2 as of the last event: %s", r.raw)
			}
			first, _ := time.Parse(time.RFC3339Nano, times[0])
			e.do("GET", stream+"/events?as_of="+first.Add(-time.Second).Format(time.RFC3339Nano), auditor, nil).expect(t, 404, "not_found")
			expectPointers(t, e.do("GET", stream+"/events?as_of=gestern", auditor, nil).expect(t, 400, "invalid"), "/query/as_of")

			// Diff: by default the last event.
			r = e.do("GET", stream+"/diff", auditor, nil).expect(t, 200, "")
			if r.body["stream_id"] != "organisation-"+a || r.body["from"] != 2.0 || r.body["to"] != 3.0 || r.body["category"] != "organisation" {
				t.Errorf("diff: %s", r.raw)
			}
			ch := changes(r)
			if x := ch["/verified"]; x == nil || x["op"] != "replace" || x["from"] != false || x["to"] != true {
				t.Errorf("verified: %s", r.raw)
			}
			if x := ch["/verified_at"]; x == nil || x["op"] != "add" {
				t.Errorf("verified_at: %s", r.raw)
			}
			evs := r.body["events"].([]any)
			if len(evs) != 1 || evs[0].(map[string]any)["type"] != "OrganisationVerified" || evs[0].(map[string]any)["stream_version"] != 3.0 ||
				!strings.Contains(evs[0].(map[string]any)["actor"].(string), "coordinator") {
				t.Errorf("events of the diff: %s", r.raw)
			}
			paths := pathsOf(r)
			if !slices.IsSorted(paths) {
				t.Errorf("paths not sorted: %v", paths)
			}

			// Versions 1 → 2: the partner's rename.
			r = e.do("GET", stream+"/diff?from=1&to=2", admin, nil).expect(t, 200, "")
			if x := changes(r)["/profile/name"]; x == nil || x["op"] != "replace" || x["from"] != "Alpha GmbH" || x["to"] != "Alpha AG" {
				t.Errorf("rename: %s", r.raw)
			}
			// From nothing; and as_of choosing the version.
			r = e.do("GET", stream+"/diff?from=0&to=1", auditor, nil).expect(t, 200, "")
			if x := changes(r)[""]; x == nil || x["op"] != "add" || x["to"].(map[string]any)["id"] != a {
				t.Errorf("from 0: %s", r.raw)
			}
			r = e.do("GET", stream+"/diff?as_of="+times[1], auditor, nil).expect(t, 200, "")
			if r.body["from"] != 1.0 || r.body["to"] != 2.0 || r.body["current"] != 3.0 {
				t.Errorf("as of: %s", r.raw)
			}
			r = e.do("GET", stream+"/diff?from=1&to=3", auditor, nil).expect(t, 200, "")
			if len(r.body["events"].([]any)) != 2 || changes(r)["/profile/name"] == nil || changes(r)["/verified"] == nil {
				t.Errorf("1 → 3: %s", r.raw)
			}

			// Refusals.
			expectPointers(t, e.do("GET", stream+"/diff?to=9", auditor, nil).expect(t, 400, "invalid"), "/query/to")
			expectPointers(t, e.do("GET", stream+"/diff?from=3&to=2", auditor, nil).expect(t, 400, "invalid"), "/query/from")
			expectPointers(t, e.do("GET", stream+"/diff?from=x", auditor, nil).expect(t, 400, "invalid"), "/query/from")
			e.do("GET", "/v1/streams/organisation-nope/diff", auditor, nil).expect(t, 404, "not_found")
			e.do("GET", "/v1/streams/bulk-1/diff", auditor, nil).expect(t, 404, "not_found")
			tok := e.do("POST", "/v1/tokens", admin, map[string]any{"role": "auditor"}).expect(t, 201, "").body["id"].(string)
			e.do("GET", "/v1/streams/token-"+tok+"/diff", auditor, nil).expect(t, 403, "forbidden")
			e.do("GET", stream+"/diff", coord, nil).expect(t, 403, "forbidden")
			e.do("GET", stream+"/diff", pa, nil).expect(t, 403, "forbidden")

			// Every diffable kind.
			offer := e.do("POST", "/v1/offers", pa, offerBody(a, "Lohnfertigung", time.Time{})).expect(t, 201, "").body["id"].(string)
			e.do("POST", "/v1/offers/"+offer+"/publish", pa, nil).expect(t, 200, "")
			meeting := e.do("POST", "/v1/meetings", coord, meetingBody(10, nil)).expect(t, 201, "").body["id"].(string)
			e.do("POST", "/v1/meetings/"+meeting+"/registrations", pa, map[string]any{"organisation_id": a, "participants": people(1)}).expect(t, 201, "")
			start := time.Now().UTC().AddDate(0, 0, 20).Format("2006-01-02")
			end := time.Now().UTC().AddDate(0, 0, 22).Format("2006-01-02")
			visit := e.do("POST", "/v1/exchange-visits", pa, visitBody(a, c, start, end)).expect(t, 201, "").body["id"].(string)
			e.do("POST", "/v1/exchange-visits/"+visit+"/accept", e.partner(c), nil).expect(t, 200, "")
			search := e.do("POST", "/v1/saved-searches", pa, savedSearchBody(a, "CNC")).expect(t, 201, "").body["id"].(string)
			e.do("DELETE", "/v1/saved-searches/"+search, pa, nil).expect(t, 200, "")
			hook := e.do("POST", "/v1/webhooks", pa, map[string]any{"organisation_id": a, "url": "https://erp.alpha.example/hook"}).expect(t, 201, "").body["id"].(string)
			e.do("DELETE", "/v1/webhooks/"+hook, pa, nil).expect(t, 200, "")
			for _, s := range []struct{ stream, path string }{
				{"offer-" + offer, "/status"},
				{"meeting-" + meeting, "/registrations"},
				{"exchange_visit-" + visit, "/status"},
				{"saved_search-" + search, "/deleted"},
				{"webhook-" + hook, "/removed"},
			} {
				r := e.do("GET", "/v1/streams/"+s.stream+"/diff", auditor, nil).expect(t, 200, "")
				found := false
				for _, p := range pathsOf(r) {
					if p == s.path || strings.HasPrefix(p, s.path+"/") {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: no change at %s: %s", s.stream, s.path, r.raw)
				}
				if strings.Contains(string(r.raw), "whsec_") {
					t.Errorf("%s: the diff shows a webhook secret: %s", s.stream, r.raw)
				}
			}
		})
	}
}

func changes(r response) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, c := range r.body["changes"].([]any) {
		m := c.(map[string]any)
		out[m["path"].(string)] = m
	}
	return out
}

func pathsOf(r response) []string {
	var out []string
	for _, c := range r.body["changes"].([]any) {
		out = append(out, c.(map[string]any)["path"].(string))
	}
	return out
}

// TestAuditorsChangeNothing sends every write route of the route table
// (POST, PUT, PATCH, DELETE), on existing aggregates, with a valid body,
// without a body, with a broken body and with an Idempotency-Key, as an
// auditor. Every one must be refused with 403 forbidden, whatever the
// body, and the log must not move.
func TestAuditorsChangeNothing(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, coord, auditor := e.tokens["admin"], e.tokens["coordinator"], e.tokens["auditor"]
			a, b, c := e.createOrg("Alpha GmbH"), e.createOrg("Beta Sp. z o.o."), e.createOrg("Gama s.r.o.")
			pa, pb := e.partner(a), e.partner(b)
			offer := e.do("POST", "/v1/offers", pa, offerBody(a, "Lohnfertigung", time.Time{})).expect(t, 201, "").body["id"].(string)
			e.do("POST", "/v1/offers/"+offer+"/publish", pa, nil).expect(t, 200, "")
			r := e.do("POST", "/v1/offers/"+offer+"/interests", pb, map[string]any{"organisation_id": b, "message": "Interesse"}).expect(t, 201, "")
			interest := r.header.Get("Location")[strings.LastIndex(r.header.Get("Location"), "/")+1:]
			meeting := e.do("POST", "/v1/meetings", coord, meetingBody(10, nil)).expect(t, 201, "").body["id"].(string)
			r = e.do("POST", "/v1/meetings/"+meeting+"/registrations", pa, map[string]any{"organisation_id": a, "participants": people(1)}).expect(t, 201, "")
			registration := r.header.Get("Location")[strings.LastIndex(r.header.Get("Location"), "/")+1:]
			start := time.Now().UTC().AddDate(0, 0, 20).Format("2006-01-02")
			end := time.Now().UTC().AddDate(0, 0, 22).Format("2006-01-02")
			visit := e.do("POST", "/v1/exchange-visits", pa, visitBody(a, c, start, end)).expect(t, 201, "").body["id"].(string)
			token := e.do("POST", "/v1/tokens", admin, map[string]any{"role": "partner", "organisation_id": a}).expect(t, 201, "").body["id"].(string)
			search := e.do("POST", "/v1/saved-searches", pa, savedSearchBody(a, "CNC")).expect(t, 201, "").body["id"].(string)
			hook := e.do("POST", "/v1/webhooks", pa, map[string]any{"organisation_id": a, "url": "https://erp.alpha.example/hook"}).expect(t, 201, "").body["id"].(string)

			ids := map[string]string{
				"/v1/organisations/{id}":           a,
				"/v1/offers/{id}":                  offer,
				"{interest_id}":                    interest,
				"/v1/meetings/{id}":                meeting,
				"{registration_id}":                registration,
				"/v1/exchange-visits/{id}":         visit,
				"/v1/tokens/{id}":                  token,
				"/v1/saved-searches/{id}":          search,
				"/v1/webhooks/{id}":                hook,
				"/v1/streams/{id}":                 "organisation-" + a,
				"/v1/stats/indicators/{indicator}": "RCO87",
			}
			valid := map[string]any{
				"POST /v1/organisations":                                        orgBody("Neu GmbH"),
				"PUT /v1/organisations/{id}":                                    orgBody("Alpha AG"),
				"POST /v1/offers":                                               offerBody(a, "Neu", time.Time{}),
				"PUT /v1/offers/{id}":                                           offerDetails("Geändert"),
				"POST /v1/offers/{id}/extend":                                   map[string]any{"valid_until": time.Now().AddDate(1, 0, 0).Format(time.RFC3339)},
				"POST /v1/offers/{id}/interests":                                map[string]any{"organisation_id": b, "message": "Noch einmal"},
				"POST /v1/meetings":                                             meetingBody(5, nil),
				"PUT /v1/meetings/{id}":                                         meetingBody(12, nil),
				"POST /v1/meetings/{id}/registrations":                          map[string]any{"organisation_id": b, "participants": people(1)},
				"POST /v1/exchange-visits":                                      visitBody(a, c, start, end),
				"POST /v1/exchange-visits/{id}/schedule":                        map[string]any{"start_date": start, "end_date": end},
				"POST /v1/exchange-visits/{id}/complete":                        map[string]any{"outcomes": map[string]any{"de": "Gut"}},
				"POST /v1/saved-searches":                                       savedSearchBody(a, "Neu"),
				"PUT /v1/saved-searches/{id}":                                   map[string]any{"name": "Neu", "filters": map[string]any{"q": "CNC"}, "min_score": 50},
				"POST /v1/webhooks":                                             map[string]any{"organisation_id": a, "url": "https://erp.alpha.example/other"},
				"POST /v1/tokens":                                               map[string]any{"role": "admin"},
				"POST /v1/meetings/{id}/registrations/{registration_id}/reject": map[string]any{"reason": "x"},
			}

			// The route table, as the router serves it.
			srv := httpapi.New(httpapi.Config{Store: e.store, Reads: e.reads, WebSocket: http.NotFoundHandler(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
			var writes []string
			for _, op := range srv.API().Registered() {
				method, _, _ := strings.Cut(op, " ")
				if method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE" {
					writes = append(writes, op)
				}
			}
			if len(writes) < 30 {
				t.Fatalf("only %d write routes in %v", len(writes), srv.API().Registered())
			}

			e.sync()
			before := e.countEvents()
			headBefore, err := e.store.Head(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			notForbidden := map[string][]string{}
			for _, op := range writes {
				method, pattern, _ := strings.Cut(op, " ")
				path := placeholder.ReplaceAllStringFunc(pattern, func(p string) string {
					if id, ok := ids[p]; ok {
						return id
					}
					prefix := pattern[:strings.Index(pattern, p)+len(p)]
					for k, id := range ids {
						if strings.HasSuffix(prefix, k) {
							return id
						}
					}
					t.Logf("%s: no id known for %s; sending x1", op, p)
					return "x1"
				})
				body, ok := valid[op]
				if !ok {
					body = map[string]any{"reason": "audit"}
				}
				for _, variant := range []struct {
					name    string
					body    any
					headers []string
				}{
					{"valid body", body, nil},
					{"no body", nil, nil},
					{"broken body", `{"name":`, nil},
					{"empty object", "{}", nil},
					{"valid body with Idempotency-Key", body, []string{"Idempotency-Key", "audit-" + op}},
					{"valid body with If-Match", body, []string{"If-Match", `"1"`}},
				} {
					r := e.do(method, path, auditor, variant.body, variant.headers...)
					if r.status >= 200 && r.status < 300 {
						t.Errorf("%s %s as auditor (%s): %d %s", method, path, variant.name, r.status, r.raw)
					}
					if r.status != 403 || r.body["code"] != "forbidden" {
						notForbidden[op] = append(notForbidden[op], fmt.Sprintf("%s: %d %v", variant.name, r.status, r.body["code"]))
					}
				}
			}
			if n := e.countEvents() - before; n != 0 {
				t.Errorf("an auditor's requests appended %d events", n)
			}
			if h, err := e.store.Head(context.Background()); err != nil || h != headBefore {
				t.Errorf("the log head moved from %s to %s (%v)", headBefore, h, err)
			}
			var ops []string
			for op := range notForbidden {
				ops = append(ops, op)
			}
			slices.Sort(ops)
			for _, op := range ops {
				t.Errorf("refused, but not with 403 forbidden: %s — %s", op, strings.Join(notForbidden[op], "; "))
			}
			if len(writes) < 30 {
				t.Errorf("only %d write routes found; the route table has more", len(writes))
			}
		})
	}
}
