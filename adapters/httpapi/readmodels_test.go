package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// get reads path as token and expects status 200.
func (e *env) get(t *testing.T, path, token string) response {
	t.Helper()
	return e.do("GET", path, token, nil).expect(t, 200, "")
}

// pageAll follows next_cursor from path (which has a query) and returns
// every id, failing on a page beyond maxPages.
func (e *env) pageAll(t *testing.T, path, token string) []string {
	t.Helper()
	var got []string
	p := path
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("%s: too many pages", path)
		}
		r := e.get(t, p, token)
		got = append(got, ids(items(r))...)
		next, _ := r.body["next_cursor"].(string)
		if next == "" {
			return got
		}
		p = path + "&cursor=" + url.QueryEscape(next)
	}
}

// register registers org for meeting m with n participants as token and
// returns the registration id.
func (e *env) register(t *testing.T, m, org, token string, n int) string {
	t.Helper()
	r := e.do("POST", "/v1/meetings/"+m+"/registrations", token, map[string]any{"organisation_id": org, "participants": people(n)}).expect(t, 201, "")
	loc := r.header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:]
}

func TestMatchesAndRecommendations(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			c := seedCatalogue(t, e)
			aud, coord := e.tokens["auditor"], e.tokens["coordinator"]

			// The German offer is answered by the requests: the Polish
			// one (same class 25.62, neighbouring border regions) before
			// the Czech one (same section only).
			r := e.get(t, "/v1/offers/"+c.deOffer+"/matches", c.dePartner)
			list := items(r)
			if got := ids(list); !slices.Equal(got, []string{c.plRequest, c.czRequest}) {
				t.Fatalf("matches of %s: %v, want [%s %s]; %s", c.deOffer, got, c.plRequest, c.czRequest, r.raw)
			}
			prev := 101.0
			for _, m := range list {
				score := m["score"].(float64)
				reasons, _ := m["reasons"].([]any)
				offer, _ := m["offer"].(map[string]any)
				if score <= 0 || score > prev || len(reasons) == 0 || offer["id"] != m["id"] {
					t.Errorf("match %v: score %v (previous %v), reasons %v, offer %v", m["id"], score, prev, reasons, offer)
				}
				prev = score
			}
			first := list[0]["reasons"].([]any)[0].(map[string]any)
			if first["factor"] != "sector" || first["score"] != 1.0 || fmt.Sprint(first["codes"]) != "[25.62]" {
				t.Errorf("first reason of the best match: %v", first)
			}
			factors := map[string]bool{}
			for _, x := range list[0]["reasons"].([]any) {
				factors[x.(map[string]any)["factor"].(string)] = true
			}
			for _, f := range []string{"sector", "cross_border", "languages", "region"} {
				if !factors[f] {
					t.Errorf("best match lacks reason %s: %v", f, list[0]["reasons"])
				}
			}
			if r := e.get(t, "/v1/offers/"+c.deOffer+"/matches?limit=1", aud); len(items(r)) != 1 {
				t.Errorf("limit=1: %s", r.raw)
			}
			// A request is answered by offers.
			r = e.get(t, "/v1/offers/"+c.plRequest+"/matches", coord)
			if got := ids(items(r)); !sameSet(got, []string{c.deOffer, c.shortValidOffer}) {
				t.Errorf("matches of the request: %v", got)
			}
			// The owner's partner may match its draft; others do not
			// learn it exists.
			e.get(t, "/v1/offers/"+c.deDraft+"/matches", c.dePartner)
			e.do("GET", "/v1/offers/"+c.deDraft+"/matches", c.plPartner, nil).expect(t, 404, "not_found")
			e.do("GET", "/v1/offers/"+c.deOffer+"/matches", c.plPartner, nil).expect(t, 403, "forbidden")
			e.do("GET", "/v1/offers/no-such-offer/matches", coord, nil).expect(t, 404, "not_found")
			bad := e.do("GET", "/v1/offers/"+c.deOffer+"/matches?limit=0", c.dePartner, nil).expect(t, 400, "invalid")
			expectPointers(t, bad, "/query/limit")

			// Recommendations: offers (default) and partners.
			r = e.get(t, "/v1/organisations/"+c.de+"/recommendations", c.dePartner)
			if got := ids(items(r)); !slices.Equal(got, []string{c.plRequest, c.czRequest}) {
				t.Errorf("offers for %s: %v", c.de, got)
			}
			for _, m := range items(r) {
				if m["offer"] == nil || m["organisation"] != nil || len(m["reasons"].([]any)) == 0 {
					t.Errorf("offer recommendation %v", m)
				}
			}
			r = e.get(t, "/v1/organisations/"+c.de+"/recommendations?for=partners", aud)
			if got := ids(items(r)); !slices.Equal(got, []string{c.pl, c.cz}) {
				t.Errorf("partners for %s: %v", c.de, got)
			}
			for _, m := range items(r) {
				org, _ := m["organisation"].(map[string]any)
				if org["id"] != m["id"] || m["offer"] != nil || len(m["reasons"].([]any)) == 0 {
					t.Errorf("partner recommendation %v", m)
				}
				if _, ok := org["contacts"]; ok {
					t.Errorf("recommendation shows contacts: %v", org)
				}
			}
			if r := e.get(t, "/v1/organisations/"+c.de+"/recommendations?for=partners&limit=1", coord); len(items(r)) != 1 {
				t.Errorf("limit=1: %s", r.raw)
			}
			e.do("GET", "/v1/organisations/"+c.de+"/recommendations", c.plPartner, nil).expect(t, 403, "forbidden")
			e.do("GET", "/v1/organisations/no-such-org/recommendations", coord, nil).expect(t, 404, "not_found")
			bad = e.do("GET", "/v1/organisations/"+c.de+"/recommendations?for=friends", c.dePartner, nil).expect(t, 400, "invalid")
			expectPointers(t, bad, "/query/for")
		})
	}
}

func TestMeetingListAndRoster(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			c := seedCatalogue(t, e)
			coord, aud := e.tokens["coordinator"], e.tokens["auditor"]

			fair := e.do("POST", "/v1/meetings", coord, meetingBody(10, nil)).expect(t, 201, "").body["id"].(string)
			small := e.do("POST", "/v1/meetings", coord, meetingBody(1, func(b map[string]any) {
				b["title"] = map[string]any{"cs": "Workshop"}
				b["kind"] = "workshop"
				start := time.Now().Add(14 * 24 * time.Hour).Truncate(time.Minute)
				b["start"], b["end"] = start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339)
			})).expect(t, 201, "").body["id"].(string)
			cancelled := e.do("POST", "/v1/meetings", coord, meetingBody(5, func(b map[string]any) {
				start := time.Now().Add(3 * 24 * time.Hour).Truncate(time.Minute)
				b["start"], b["end"] = start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339)
			})).expect(t, 201, "").body["id"].(string)
			e.do("POST", "/v1/meetings/"+cancelled+"/cancel", coord, map[string]any{"reason": "Saal belegt"}).expect(t, 200, "")
			e.register(t, fair, c.de, c.dePartner, 2)
			e.register(t, fair, c.pl, c.plPartner, 1)
			e.register(t, small, c.pl, c.plPartner, 1)
			e.register(t, small, c.cz, c.czPartner, 1) // waitlisted
			e.sync()

			// Everyone lists meetings, latest start first, with seat
			// figures but without roster details.
			for _, tok := range []string{c.czPartner, coord, aud} {
				r := e.get(t, "/v1/meetings", tok)
				if got := ids(items(r)); !slices.Equal(got, []string{small, fair, cancelled}) {
					t.Fatalf("meetings: %v, want [%s %s %s]", got, small, fair, cancelled)
				}
				m := items(r)[1]
				if m["seats_taken"] != 3.0 || m["seats_free"] != 7.0 || m["capacity"] != 10.0 || m["status"] != "scheduled" || m["waitlist_length"] != 0.0 {
					t.Errorf("fair: %v", m)
				}
				if s := items(r)[0]; s["seats_taken"] != 1.0 || s["seats_free"] != 0.0 || s["waitlist_length"] != 1.0 {
					t.Errorf("small: %v", s)
				}
				for _, k := range []string{"registered", "waitlist", "countries"} {
					if _, ok := m[k]; ok {
						t.Errorf("the list shows roster detail %s: %v", k, m)
					}
				}
			}
			for _, tc := range []struct {
				query, token string
				want         []string
			}{
				{"status=cancelled", c.plPartner, []string{cancelled}},
				{"status=scheduled", coord, []string{small, fair}},
				{"org=" + c.pl, c.plPartner, []string{small, fair}},
				{"org=" + c.de, coord, []string{fair}},
				{"org=" + c.cz + "&status=scheduled", aud, []string{small}},
				{"org=" + c.cz + "&status=cancelled", aud, nil},
			} {
				r := e.get(t, "/v1/meetings?"+tc.query, tc.token)
				if got := ids(items(r)); !slices.Equal(got, tc.want) {
					t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
				}
			}
			if got := e.pageAll(t, "/v1/meetings?limit=1", coord); !slices.Equal(got, []string{small, fair, cancelled}) {
				t.Errorf("paged: %v", got)
			}
			if got := e.pageAll(t, "/v1/meetings?limit=1&org="+c.pl, coord); !slices.Equal(got, []string{small, fair}) {
				t.Errorf("paged by org: %v", got)
			}
			// Roster details are staff's: a partner may not list another
			// organisation's meetings.
			e.do("GET", "/v1/meetings?org="+c.de, c.plPartner, nil).expect(t, 403, "forbidden")
			for _, tc := range []struct{ query, pointer string }{
				{"status=done", "/query/status"},
				{"limit=500", "/query/limit"},
				{"cursor=xyz", "/query/cursor"},
				{"colour=red", "/query/colour"},
			} {
				expectPointers(t, e.do("GET", "/v1/meetings?"+tc.query, coord, nil).expect(t, 400, "invalid"), tc.pointer)
			}
			// A cursor of another filter is refused.
			r := e.get(t, "/v1/meetings?limit=1", coord)
			expectPointers(t, e.do("GET", "/v1/meetings?limit=1&status=scheduled&cursor="+url.QueryEscape(r.body["next_cursor"].(string)), coord, nil).expect(t, 400, "invalid"), "/query/cursor")

			// The roster: staff and auditors.
			for _, tok := range []string{coord, aud, e.tokens["admin"]} {
				r := e.get(t, "/v1/meetings/"+fair+"/roster", tok)
				reg, _ := r.body["registered"].([]any)
				if r.body["id"] != fair || len(reg) != 2 || r.body["seats_taken"] != 3.0 {
					t.Fatalf("roster: %s", r.raw)
				}
				first := reg[0].(map[string]any)
				if first["org_id"] != c.de || first["org_name"] != "Sachsen Präzision GmbH" || first["country"] != "DE" || first["participants"] != 2.0 {
					t.Errorf("roster entry: %v", first)
				}
				if cs := r.body["countries"].(map[string]any); cs["DE"] != 1.0 || cs["PL"] != 1.0 {
					t.Errorf("countries: %v", cs)
				}
			}
			r = e.get(t, "/v1/meetings/"+small+"/roster", coord)
			if wl, _ := r.body["waitlist"].([]any); len(wl) != 1 || wl[0].(map[string]any)["org_id"] != c.cz {
				t.Errorf("waitlist: %s", r.raw)
			}
			e.do("GET", "/v1/meetings/"+fair+"/roster", c.dePartner, nil).expect(t, 403, "forbidden")
			e.do("GET", "/v1/meetings/no-such-meeting/roster", coord, nil).expect(t, 404, "not_found")
		})
	}
}

func TestExchangeVisitOverview(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			c := seedCatalogue(t, e)
			coord, aud := e.tokens["coordinator"], e.tokens["auditor"]
			today := visitToday()
			start, end := visitDay(today, 30), visitDay(today, 34)

			dePl := e.do("POST", "/v1/exchange-visits", c.dePartner, visitBody(c.de, c.pl, start, end)).expect(t, 201, "").body["id"].(string)
			body := visitBody(c.pl, c.cz, visitDay(today, 40), visitDay(today, 41))
			body["project_reference"] = "CZPL.02.01-0007"
			plCz := e.do("POST", "/v1/exchange-visits", coord, body).expect(t, 201, "").body["id"].(string)
			e.do("POST", "/v1/exchange-visits/"+dePl+"/accept", c.plPartner, nil).expect(t, 200, "")
			e.sync()

			project := url.QueryEscape("PLSN.01.01-IP.01-0042/23")
			for _, tc := range []struct {
				query, token string
				want         []string
			}{
				{"", coord, []string{plCz, dePl}},
				{"", aud, []string{plCz, dePl}},
				{"", c.dePartner, []string{dePl}},
				{"", c.czPartner, []string{plCz}},
				{"", c.plPartner, []string{plCz, dePl}},
				{"org=" + c.cz, c.plPartner, []string{plCz}},
				{"org=" + c.de, c.czPartner, nil},
				{"status=accepted", c.plPartner, []string{dePl}},
				{"status=proposed", coord, []string{plCz}},
				{"status=proposed", c.dePartner, nil},
				{"country=CZ", coord, []string{plCz}},
				{"country=de", aud, []string{dePl}},
				{"project=" + project, coord, []string{dePl}},
				{"org=" + c.pl + "&country=DE", coord, []string{dePl}},
				{"org=" + c.pl + "&status=proposed&country=CZ", coord, []string{plCz}},
				{"status=completed", coord, nil},
			} {
				r := e.get(t, "/v1/exchange-visits?"+tc.query, tc.token)
				if got := ids(items(r)); !slices.Equal(got, tc.want) {
					t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
				}
			}
			r := e.get(t, "/v1/exchange-visits?org="+c.de, coord)
			v := items(r)[0]
			if v["guest_name"] != "Sachsen Präzision GmbH" || v["host_country"] != "PL" || v["cross_border"] != true || v["participants"] != 2.0 || v["status"] != "accepted" {
				t.Errorf("overview: %v", v)
			}
			if _, ok := v["participant_names"]; ok || strings.Contains(string(r.raw), "Anna Nowak") {
				t.Errorf("the overview shows participants: %s", r.raw)
			}
			if got := e.pageAll(t, "/v1/exchange-visits?limit=1", coord); !slices.Equal(got, []string{plCz, dePl}) {
				t.Errorf("paged: %v", got)
			}
			if got := e.pageAll(t, "/v1/exchange-visits?limit=1&country=PL", coord); !slices.Equal(got, []string{plCz, dePl}) {
				t.Errorf("paged by country: %v", got)
			}
			for _, tc := range []struct{ query, pointer string }{
				{"status=planned", "/query/status"},
				{"country=XX", "/query/country"},
				{"limit=0", "/query/limit"},
				{"cursor=%2A", "/query/cursor"},
				{"guest=x", "/query/guest"},
			} {
				expectPointers(t, e.do("GET", "/v1/exchange-visits?"+tc.query, coord, nil).expect(t, 400, "invalid"), tc.pointer)
			}
		})
	}
}

func TestOrganisationTimeline(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			c := seedCatalogue(t, e)
			coord := e.tokens["coordinator"]
			e.do("POST", "/v1/offers/"+c.plRequest+"/interests", c.dePartner, map[string]any{"organisation_id": c.de, "message": "Wir können das."}).expect(t, 201, "")
			meeting := e.do("POST", "/v1/meetings", coord, meetingBody(10, nil)).expect(t, 201, "").body["id"].(string)
			e.register(t, meeting, c.de, c.dePartner, 1)
			today := visitToday()
			e.do("POST", "/v1/exchange-visits", c.dePartner, visitBody(c.de, c.pl, visitDay(today, 30), visitDay(today, 32))).expect(t, 201, "")
			e.sync()

			r := e.get(t, "/v1/organisations/"+c.de+"/timeline?limit=100", c.dePartner)
			list := items(r)
			types := map[string]string{}
			prev := ""
			for i, it := range list {
				if it["org_id"] != c.de || it["summary"] == "" || !strings.HasPrefix(it["id"].(string), c.de+"/") {
					t.Errorf("entry %v", it)
				}
				types[it["type"].(string)] = it["role"].(string)
				if i > 0 && !positionBefore(it["position"].(string), prev) {
					t.Errorf("not newest first: %s after %s", it["position"], prev)
				}
				prev = it["position"].(string)
			}
			for typ, role := range map[string]string{
				"OrganisationRegistered": "subject", "OfferDrafted": "owner", "OfferPublished": "owner", "OfferWithdrawn": "owner",
				"OfferInterestExpressed": "interested", "MeetingRegistered": "registrant", "VisitProposed": "guest",
			} {
				if types[typ] != role {
					t.Errorf("timeline lacks %s as %s: %v", typ, role, types)
				}
			}
			if list[0]["type"] != "VisitProposed" {
				t.Errorf("newest entry: %v", list[0])
			}
			// The Polish organisation sees the interest and the visit.
			r = e.get(t, "/v1/organisations/"+c.pl+"/timeline", c.plPartner)
			pl := map[string]string{}
			for _, it := range items(r) {
				pl[it["type"].(string)] = it["role"].(string)
			}
			if pl["OfferInterestExpressed"] != "owner" || pl["VisitProposed"] != "host" {
				t.Errorf("Polish timeline: %v", pl)
			}
			if got := e.pageAll(t, "/v1/organisations/"+c.de+"/timeline?limit=3", e.tokens["auditor"]); !slices.Equal(got, ids(list)) {
				t.Errorf("paged: %v, want %v", got, ids(list))
			}
			e.do("GET", "/v1/organisations/"+c.de+"/timeline", c.plPartner, nil).expect(t, 403, "forbidden")
			e.do("GET", "/v1/organisations/no-such-org/timeline", coord, nil).expect(t, 404, "not_found")
			expectPointers(t, e.do("GET", "/v1/organisations/"+c.de+"/timeline?limit=1000", coord, nil).expect(t, 400, "invalid"), "/query/limit")
		})
	}
}

// positionBefore reports whether global position a is before b (both in
// the "N" or "COMMIT:PREPARE" form).
func positionBefore(a, b string) bool {
	var ac, ap, bc, bp uint64
	parse := func(s string, c, p *uint64) {
		if _, err := fmt.Sscanf(s, "%d:%d", c, p); err != nil {
			fmt.Sscanf(s, "%d", c)
			*p = *c
		}
	}
	parse(a, &ac, &ap)
	parse(b, &bc, &bp)
	return ac < bc || ac == bc && ap < bp
}

func TestStatsAndEvidence(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			c := seedCatalogue(t, e)
			coord, aud := e.tokens["coordinator"], e.tokens["auditor"]

			// A fair starting within the hour: German and Polish
			// organisations register and check in.
			soon := e.do("POST", "/v1/meetings", coord, meetingBody(10, func(b map[string]any) {
				start := time.Now().Add(time.Hour).Truncate(time.Minute)
				b["start"], b["end"] = start.Format(time.RFC3339), start.Add(4*time.Hour).Format(time.RFC3339)
			})).expect(t, 201, "").body["id"].(string)
			deReg := e.register(t, soon, c.de, c.dePartner, 2)
			plReg := e.register(t, soon, c.pl, c.plPartner, 1)
			for _, reg := range []string{deReg, plReg} {
				e.do("POST", "/v1/meetings/"+soon+"/registrations/"+reg+"/check-in", coord, nil).expect(t, 200, "")
			}
			// A Polish host accepts a Czech guest: one event, evidence for
			// both organisations (the Polish one counted already).
			today := visitToday()
			visit := e.do("POST", "/v1/exchange-visits", coord, visitBody(c.cz, c.pl, visitDay(today, 20), visitDay(today, 21))).expect(t, 201, "").body["id"].(string)
			e.do("POST", "/v1/exchange-visits/"+visit+"/accept", c.plPartner, nil).expect(t, 200, "")
			e.sync()
			month := time.Now().UTC().Format("2006-01")

			r := e.get(t, "/v1/stats", coord)
			figure := func(metric, dim, value, month string) float64 {
				for _, f := range r.body["figures"].([]any) {
					m := f.(map[string]any)
					str := func(k string) string { s, _ := m[k].(string); return s }
					if str("metric") == metric && str("dim") == dim && str("value") == value && str("month") == month {
						return m["n"].(float64)
					}
				}
				return 0
			}
			for _, tc := range []struct {
				metric, dim, value, month string
				want                      float64
			}{
				{"organisations", "", "", "", 3},
				{"organisations", "country", "PL", "", 1},
				{"organisations", "", "", month, 3},
				{"offers", "", "", "", 6},
				{"offers", "kind", "request", "", 2},
				{"offers", "country", "DE", month, 3},
				{"registrations", "", "", "", 2},
			} {
				if got := figure(tc.metric, tc.dim, tc.value, tc.month); got != tc.want {
					t.Errorf("figure %s %s=%s %s: %v, want %v", tc.metric, tc.dim, tc.value, tc.month, got, tc.want)
				}
			}
			ind := r.body["indicators"].(map[string]any)
			for name, want := range map[string]struct {
				total     float64
				countries map[string]float64
			}{
				"RCO87":            {3, map[string]float64{"DE": 1, "PL": 1, "CZ": 1}},
				"RCO81":            {3, map[string]float64{"DE": 2, "PL": 1}},
				"RCO115":           {1, map[string]float64{"DE": 1}},
				"visits_completed": {0, map[string]float64{}},
			} {
				f, _ := ind[name].(map[string]any)
				byCountry, _ := f["by_country"].(map[string]any)
				byMonth, _ := f["by_month"].(map[string]any)
				if f["total"] != want.total || len(byCountry) != len(want.countries) || byMonth == nil {
					t.Errorf("%s: %v, want total %v by country %v", name, f, want.total, want.countries)
					continue
				}
				for cc, n := range want.countries {
					if byCountry[cc] != n {
						t.Errorf("%s by country: %v, want %v", name, byCountry, want.countries)
					}
				}
				if want.total > 0 && byMonth[month] != want.total {
					t.Errorf("%s by month: %v", name, byMonth)
				}
			}
			e.get(t, "/v1/stats", aud)
			e.do("GET", "/v1/stats", c.dePartner, nil).expect(t, 403, "forbidden")

			// Evidence: what each indicator counts, by position.
			r = e.get(t, "/v1/stats/indicators/RCO87/evidence", aud)
			var subjects []string
			for _, it := range items(r) {
				if it["id"] != it["position"].(string)+"/"+it["subject"].(string) || it["indicator"] != "RCO87" || it["stream_id"] == "" || it["type"] == "" {
					t.Errorf("evidence %v", it)
				}
				subjects = append(subjects, it["subject"].(string))
			}
			if !sameSet(subjects, []string{c.de, c.pl, c.cz, c.pl}) {
				t.Errorf("RCO87 subjects: %v", subjects)
			}
			if _, ok := r.body["next"]; ok {
				t.Errorf("a complete page has next: %s", r.raw)
			}
			// Paging never splits the evidence of one event: the page of
			// the acceptance holds both organisations, whatever the limit.
			rco87 := ids(items(r))
			var pages [][]string
			after := ""
			for range 6 {
				r := e.get(t, "/v1/stats/indicators/RCO87/evidence?limit=1&after="+after, aud)
				pages = append(pages, ids(items(r)))
				next, _ := r.body["next"].(string)
				if next == "" {
					break
				}
				after = url.QueryEscape(next)
			}
			if got := slices.Concat(pages...); !slices.Equal(got, rco87) || len(pages) != 3 || len(pages[2]) != 2 {
				t.Errorf("RCO87 pages %v, want the evidence %v on 3 pages, the last with 2", pages, rco87)
			}
			r = e.get(t, "/v1/stats/indicators/RCO81/evidence", coord)
			all := ids(items(r))
			subjects = nil
			for _, it := range items(r) {
				subjects = append(subjects, it["subject"].(string))
			}
			if !sameSet(subjects, []string{deReg, plReg}) {
				t.Errorf("RCO81 subjects: %v, want the registrations %s, %s", subjects, deReg, plReg)
			}
			var paged []string
			after = ""
			for range 5 {
				r := e.get(t, "/v1/stats/indicators/RCO81/evidence?limit=1&after="+after, coord)
				paged = append(paged, ids(items(r))...)
				next, _ := r.body["next"].(string)
				if next == "" {
					break
				}
				after = url.QueryEscape(next)
			}
			if !slices.Equal(paged, all) {
				t.Errorf("paged evidence %v, want %v", paged, all)
			}
			if got := items(e.get(t, "/v1/stats/indicators/visits_completed/evidence", coord)); len(got) != 0 {
				t.Errorf("visits_completed evidence: %v", got)
			}
			nf := e.do("GET", "/v1/stats/indicators/RCO999/evidence", coord, nil).expect(t, 404, "not_found")
			if !strings.Contains(nf.body["detail"].(string), "RCO999") || !strings.Contains(nf.body["detail"].(string), "RCO87") {
				t.Errorf("unknown indicator: %s", nf.raw)
			}
			expectPointers(t, e.do("GET", "/v1/stats/indicators/RCO87/evidence?after=yesterday", coord, nil).expect(t, 400, "invalid"), "/query/after")
			expectPointers(t, e.do("GET", "/v1/stats/indicators/RCO87/evidence?limit=0", coord, nil).expect(t, 400, "invalid"), "/query/limit")
			e.do("GET", "/v1/stats/indicators/RCO87/evidence", c.plPartner, nil).expect(t, 403, "forbidden")
		})
	}
}

// TestReadModelRoutesDocumented checks that the read-model routes are
// served and documented when the server has a read store.
func TestReadModelRoutesDocumented(t *testing.T) {
	e := newEnv(t, "embedded")
	resp, err := http.Get(e.url + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Description string `json:"description"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/v1/search/offers", "/v1/search/organisations", "/v1/offers/{id}/matches", "/v1/organisations/{id}/recommendations",
		"/v1/meetings", "/v1/meetings/{id}/roster", "/v1/exchange-visits", "/v1/organisations/{id}/timeline",
		"/v1/stats", "/v1/stats/indicators/{indicator}/evidence",
	} {
		op, ok := doc.Paths[path]["get"]
		if !ok || op.OperationID == "" || !strings.HasPrefix(op.Description, "Who may call it: ") {
			t.Errorf("GET %s is not documented: %+v", path, doc.Paths[path])
		}
	}
}
