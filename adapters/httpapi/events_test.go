package httpapi_test

import (
	"fmt"
	"testing"
)

// TestHistoryAndTokens covers the global log, one stream's history and the
// token routes on both storage modes.
func TestHistoryAndTokens(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, auditor := e.tokens["admin"], e.tokens["auditor"]
			id := e.createOrg("Historia Sp. z o.o.")
			e.do("POST", "/v1/organisations/"+id+"/verify", admin, nil).expect(t, 200, "")
			total := e.countEvents()

			// The global log, paged: every event once, in order, with its envelope.
			seen, after, pages := 0, "", 0
			for {
				r := e.do("GET", "/v1/events?limit=2&after="+after, auditor, nil).expect(t, 200, "")
				items := r.body["items"].([]any)
				seen += len(items)
				pages++
				for _, it := range items {
					ev := it.(map[string]any)
					for _, f := range []string{"id", "type", "schema_version", "stream_id", "stream_version", "position", "recorded_at", "actor", "data"} {
						if _, ok := ev[f]; !ok {
							t.Fatalf("event lacks %s: %v", f, ev)
						}
					}
				}
				next, _ := r.body["next"].(string)
				if next == "" {
					break
				}
				after = next
			}
			if seen != total || pages < total/2 {
				t.Errorf("paged %d events in %d pages, the log has %d", seen, pages, total)
			}
			e.do("GET", "/v1/events?after=x:y", auditor, nil).expect(t, 400, "invalid")
			e.do("GET", "/v1/events?limit=0", auditor, nil).expect(t, 400, "invalid")
			e.do("GET", "/v1/events", e.tokens["coordinator"], nil).expect(t, 403, "forbidden")

			// One stream, forwards and backwards.
			r := e.do("GET", "/v1/streams/organisation-"+id+"/events", admin, nil).expect(t, 200, "")
			items := r.body["items"].([]any)
			if len(items) != 2 || items[0].(map[string]any)["type"] != "OrganisationRegistered" || items[1].(map[string]any)["type"] != "OrganisationVerified" {
				t.Errorf("stream history: %s", r.raw)
			}
			r = e.do("GET", "/v1/streams/organisation-"+id+"/events?direction=backwards&limit=1", auditor, nil).expect(t, 200, "")
			if items := r.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["stream_version"] != 2.0 || r.body["next"] != "1" {
				t.Errorf("backwards: %s", r.raw)
			}
			e.do("GET", "/v1/streams/organisation-nope/events", admin, nil).expect(t, 404, "not_found")

			// Tokens: created once, readable without the secret, revoked.
			r = e.do("POST", "/v1/tokens", admin, map[string]any{"role": "partner", "organisation_id": id, "label": "Kasia"}).expect(t, 201, "")
			bearer, tokID := r.body["token"].(string), r.body["id"].(string)
			if r.header.Get("Cache-Control") != "no-store" || bearer == "" {
				t.Errorf("create token: %s", r.raw)
			}
			e.do("GET", "/v1/organisations/"+id, bearer, nil).expect(t, 200, "")
			got := e.do("GET", "/v1/tokens/"+tokID, auditor, nil).expect(t, 200, "")
			if got.body["role"] != "partner" || got.body["organisation_id"] != id || fmt.Sprint(got.body["secret_hash"]) != "<nil>" {
				t.Errorf("read token: %s", got.raw)
			}
			e.do("POST", "/v1/tokens", admin, map[string]any{"role": "partner"}).expect(t, 400, "invalid")
			e.do("POST", "/v1/tokens/"+tokID+"/revoke", admin, nil).expect(t, 200, "")
			e.do("GET", "/v1/organisations/"+id, bearer, nil).expect(t, 401, "unauthenticated")
		})
	}
}
