package httpapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAuthorisationTable tries every command, and every read-model read
// that not every role may make, with every role that must not run it —
// including a partner of another organisation — and checks that each is
// refused with 403 forbidden and that not one event is appended. Requests
// carry valid bodies, so nothing but the authorisation can refuse them.
func TestAuthorisationTable(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, coord := e.tokens["admin"], e.tokens["coordinator"]
			a, b, c := e.createOrg("Alpha GmbH"), e.createOrg("Beta Sp. z o.o."), e.createOrg("Gama s.r.o.")
			pa, pb, pc := e.partner(a), e.partner(b), e.partner(c)

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
			token := e.do("POST", "/v1/tokens", admin, map[string]any{"role": "auditor"}).expect(t, 201, "").body["id"].(string)

			tokens := map[string]string{"coordinator": coord, "auditor": e.tokens["auditor"], "partner": pa, "other partner": pb, "host partner": pc}
			o, m, v := "/v1/offers/"+offer, "/v1/meetings/"+meeting, "/v1/exchange-visits/"+visit
			reg := m + "/registrations/" + registration
			cases := []struct {
				method, path string
				body         any
				allowed      string // comma-separated keys of tokens that may run it (admin always may)
			}{
				{"POST", "/v1/organisations", orgBody("Neu GmbH"), "coordinator"},
				{"PUT", "/v1/organisations/" + a, orgBody("Alpha AG"), "partner"},
				{"POST", "/v1/organisations/" + a + "/verify", nil, "coordinator"},
				{"POST", "/v1/organisations/" + a + "/deactivate", map[string]any{"reason": "x"}, "coordinator,partner"},

				{"POST", "/v1/offers", offerBody(a, "Neu", time.Time{}), "partner"},
				{"PUT", o, offerDetails("Geändert"), "partner"},
				{"POST", o + "/publish", nil, "partner"},
				{"POST", o + "/withdraw", map[string]any{"reason": "x"}, "partner"},
				{"POST", o + "/extend", map[string]any{"valid_until": time.Now().AddDate(1, 0, 0).Format(time.RFC3339)}, "partner"},
				{"POST", o + "/interests", map[string]any{"organisation_id": b, "message": "Noch einmal"}, "other partner"},
				{"POST", o + "/interests/" + interest + "/accept", nil, "partner"},
				{"POST", o + "/interests/" + interest + "/decline", map[string]any{"reason": "x"}, "partner"},

				{"POST", "/v1/meetings", meetingBody(5, nil), "coordinator"},
				{"PUT", m, meetingBody(12, nil), "coordinator"},
				{"POST", m + "/cancel", map[string]any{"reason": "x"}, "coordinator"},
				{"POST", m + "/registrations", map[string]any{"organisation_id": b, "participants": people(1)}, "coordinator,other partner"},
				{"POST", reg + "/approve", nil, "coordinator"},
				{"POST", reg + "/reject", map[string]any{"reason": "x"}, "coordinator"},
				{"POST", reg + "/cancel", nil, "coordinator,partner"},
				{"POST", reg + "/check-in", nil, "coordinator"},
				{"POST", reg + "/no-show", nil, "coordinator"},

				{"POST", "/v1/exchange-visits", visitBody(a, c, start, end), "coordinator,partner"},
				{"POST", v + "/accept", nil, "host partner"},
				{"POST", v + "/decline", map[string]any{"reason": "x"}, "host partner"},
				{"POST", v + "/schedule", map[string]any{"start_date": start, "end_date": end}, "coordinator,partner,host partner"},
				{"POST", v + "/complete", map[string]any{"outcomes": map[string]any{"de": "Gut"}}, "coordinator,partner,host partner"},
				{"POST", v + "/cancel", map[string]any{"reason": "x"}, "coordinator,partner,host partner"},

				{"POST", "/v1/saved-searches", savedSearchBody(a, "Neu"), "partner"},
				{"POST", "/v1/webhooks", map[string]any{"organisation_id": a, "url": "https://erp.alpha.example/hook"}, "partner"},

				{"POST", "/v1/tokens", map[string]any{"role": "auditor"}, ""},
				{"POST", "/v1/tokens/" + token + "/revoke", nil, ""},

				// Reads of the read models that not every role may make.
				{"GET", o + "/matches", nil, "coordinator,auditor,partner"},
				{"GET", "/v1/organisations/" + a + "/recommendations", nil, "coordinator,auditor,partner"},
				{"GET", "/v1/organisations/" + a + "/recommendations?for=partners", nil, "coordinator,auditor,partner"},
				{"GET", "/v1/organisations/" + a + "/timeline", nil, "coordinator,auditor,partner"},
				{"GET", "/v1/meetings?org=" + a, nil, "coordinator,auditor,partner"},
				{"GET", m + "/roster", nil, "coordinator,auditor"},
				{"GET", "/v1/saved-searches?organisation_id=" + a, nil, "coordinator,auditor,partner"},
				{"GET", "/v1/webhooks?organisation_id=" + a, nil, "coordinator,auditor,partner"},
				{"GET", "/v1/stats", nil, "coordinator,auditor"},
				{"GET", "/v1/stats/indicators/RCO87/evidence", nil, "coordinator,auditor"},
			}
			e.sync() // the read-model reads find what the commands made
			before := e.countEvents()
			for _, tc := range cases {
				for role, tok := range tokens {
					if slices.Contains(strings.Split(tc.allowed, ","), role) {
						continue
					}
					r := e.do(tc.method, tc.path, tok, tc.body)
					if r.status != 403 || r.body["code"] != "forbidden" {
						t.Errorf("%s %s as %s: %d %s, want 403 forbidden", tc.method, tc.path, role, r.status, r.raw)
					}
				}
			}
			if n := e.countEvents() - before; n != 0 {
				t.Errorf("refused commands appended %d events", n)
			}
		})
	}
}
