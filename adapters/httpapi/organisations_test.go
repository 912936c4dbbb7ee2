package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func orgBody(name string) map[string]any {
	return map[string]any{
		"name": name, "kind": "sme", "country": "PL", "nuts": "PL518",
		"address":     map[string]any{"city": "Wrocław", "country": "PL"},
		"sectors":     []string{"25.62", "C"},
		"languages":   []string{"pl", "de"},
		"description": map[string]any{"pl": "Obróbka metali na zlecenie", "de": "Lohnfertigung"},
		"contacts":    []map[string]any{{"name": "Jan Kowalski", "email": "jan@example.pl"}},
	}
}

// createOrg registers an organisation as admin and returns its id.
func (e *env) createOrg(name string) string {
	e.t.Helper()
	r := e.do("POST", "/v1/organisations", e.tokens["admin"], orgBody(name)).expect(e.t, 201, "")
	return r.body["id"].(string)
}

func TestOrganisations(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, coord := e.tokens["admin"], e.tokens["coordinator"]

			r := e.do("POST", "/v1/organisations", coord, orgBody("Metal-Tech Sp. z o.o.")).expect(t, 201, "")
			id := r.body["id"].(string)
			if r.header.Get("Location") != "/v1/organisations/"+id || r.header.Get("ETag") != `"1"` || r.body["version"] != 1.0 {
				t.Fatalf("create: Location %q ETag %q version %v", r.header.Get("Location"), r.header.Get("ETag"), r.body["version"])
			}
			profile := r.body["profile"].(map[string]any)
			if profile["nuts"] != "PL518" || fmt.Sprint(profile["sectors"]) != "[25.62 C]" {
				t.Errorf("profile not normalised: %v", profile)
			}
			created := time.Now().UTC()
			time.Sleep(20 * time.Millisecond)

			got := e.do("GET", "/v1/organisations/"+id, e.tokens["auditor"], nil).expect(t, 200, "")
			if got.body["status"] != "active" || got.header.Get("ETag") != `"1"` {
				t.Errorf("read: %s", got.raw)
			}
			partner := e.partner(id)
			upd := orgBody("Metal-Tech S.A.")
			e.do("PUT", "/v1/organisations/"+id, partner, upd, "If-Match", `"1"`).expect(t, 200, "")
			e.do("PUT", "/v1/organisations/"+id, partner, upd, "If-Match", `"1"`).expect(t, 412, "precondition_failed")
			e.do("PUT", "/v1/organisations/"+id, e.partner("someone-else"), upd).expect(t, 403, "forbidden")
			e.do("POST", "/v1/organisations/"+id+"/verify", partner, nil).expect(t, 403, "forbidden")
			v := e.do("POST", "/v1/organisations/"+id+"/verify", coord, nil).expect(t, 200, "")
			if v.body["verified"] != true || v.header.Get("ETag") != `"3"` {
				t.Errorf("verify: %s", v.raw)
			}

			// as_of shows the profile as it was.
			old := e.do("GET", "/v1/organisations/"+id+"?as_of="+created.Format(time.RFC3339Nano), admin, nil).expect(t, 200, "")
			if old.body["profile"].(map[string]any)["name"] != "Metal-Tech Sp. z o.o." || old.body["verified"] != false || old.header.Get("ETag") != `"1"` {
				t.Errorf("as_of: %s", old.raw)
			}
			e.do("GET", "/v1/organisations/"+id+"?as_of=2000-01-01T00:00:00Z", admin, nil).expect(t, 404, "not_found")
			e.do("GET", "/v1/organisations/"+id+"?as_of=yesterday", admin, nil).expect(t, 400, "invalid")

			e.do("POST", "/v1/organisations/"+id+"/deactivate", partner, map[string]any{"reason": "merged"}).expect(t, 200, "")
			e.do("PUT", "/v1/organisations/"+id, partner, upd).expect(t, 409, "invalid_state")
			e.do("GET", "/v1/organisations/nope", admin, nil).expect(t, 404, "not_found")
		})
	}
}

func TestBadInputIsRefusedWithProblems(t *testing.T) {
	e := newEnv(t, "embedded")
	admin := e.tokens["admin"]
	before := e.countEvents()

	r := e.do("POST", "/v1/organisations", admin, map[string]any{"name": "", "kind": "spaceship", "country": "XX", "languages": []string{"xx"}}).expect(t, 400, "invalid")
	pointers := map[string]bool{}
	for _, fe := range r.body["errors"].([]any) {
		pointers[fe.(map[string]any)["pointer"].(string)] = true
	}
	for _, p := range []string{"/name", "/kind", "/country", "/languages/0", "/description", "/address/city"} {
		if !pointers[p] {
			t.Errorf("no error at %s in %s", p, r.raw)
		}
	}
	withExtra := orgBody("X")
	withExtra["colour"] = "blue"
	r = e.do("POST", "/v1/organisations", admin, withExtra).expect(t, 400, "invalid")
	if !strings.Contains(string(r.raw), `"/colour"`) {
		t.Errorf("unknown field not named: %s", r.raw)
	}
	e.do("POST", "/v1/organisations", admin, `{"name": "x",`).expect(t, 400, "invalid")
	e.do("POST", "/v1/organisations", admin, `{"name": 5}`).expect(t, 400, "invalid")
	e.do("POST", "/v1/organisations", admin, `{} {}`).expect(t, 400, "invalid")
	e.do("POST", "/v1/organisations", admin, "").expect(t, 400, "invalid")
	e.do("POST", "/v1/organisations", admin, `{"name":"`+strings.Repeat("x", 1<<20)+`"}`).expect(t, 413, "body_too_large")
	e.do("POST", "/v1/organisations", admin, orgBody("X"), "Content-Type", "text/plain").expect(t, 415, "unsupported_media_type")
	e.do("PUT", "/v1/organisations/x", admin, orgBody("X"), "If-Match", "latest").expect(t, 400, "invalid")

	e.do("GET", "/v1/organisations/x", "", nil).expect(t, 401, "unauthenticated")
	e.do("GET", "/v1/organisations/x", "nisa_000000000000_forged", nil).expect(t, 401, "unauthenticated")
	e.do("POST", "/v1/organisations", e.tokens["auditor"], orgBody("X")).expect(t, 403, "forbidden")
	e.do("GET", "/v2/anything", admin, nil).expect(t, 404, "route_not_found")

	if after := e.countEvents(); after != before {
		t.Errorf("refused requests appended %d events", after-before)
	}
}

func TestIdempotencyKey(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin := e.tokens["admin"]
			before := e.countEvents()
			first := e.do("POST", "/v1/organisations", admin, orgBody("Idem GmbH"), "Idempotency-Key", "k-1").expect(t, 201, "")
			again := e.do("POST", "/v1/organisations", admin, orgBody("Idem GmbH"), "Idempotency-Key", "k-1").expect(t, 201, "")
			if string(first.raw) != string(again.raw) || again.header.Get("Idempotent-Replayed") != "true" || again.header.Get("Location") != first.header.Get("Location") {
				t.Errorf("retry answered differently:\n%s\n%s", first.raw, again.raw)
			}
			if n := e.countEvents() - before; n != 1 {
				t.Errorf("retry appended: %d events, want 1", n)
			}
			e.do("POST", "/v1/organisations", admin, orgBody("Other GmbH"), "Idempotency-Key", "k-1").expect(t, 422, "idempotency_key_reused")
			// Keys are scoped per caller: the coordinator's k-1 is another key.
			e.do("POST", "/v1/organisations", e.tokens["coordinator"], orgBody("Other GmbH"), "Idempotency-Key", "k-1").expect(t, 201, "")
			// A validation failure is replayed too, and appends nothing.
			e.do("POST", "/v1/organisations", admin, map[string]any{"name": ""}, "Idempotency-Key", "k-2").expect(t, 400, "invalid")
			e.do("POST", "/v1/organisations", admin, map[string]any{"name": ""}, "Idempotency-Key", "k-2").expect(t, 400, "invalid")
			if n := e.countEvents() - before; n != 2 {
				t.Errorf("%d events after two creations, want 2", n)
			}
		})
	}
}

// TestCommandsNeedActiveOrganisations: commands that name an organisation
// are refused (400 at the field, nothing appended) when it is unknown or
// deactivated.
func TestCommandsNeedActiveOrganisations(t *testing.T) {
	e := newEnv(t, "embedded")
	ghost := e.unregisteredPartner("ghost")
	before := e.countEvents()
	r := e.do("POST", "/v1/offers", ghost, offerBody("", "Geister GmbH", time.Time{})).expect(t, 400, "invalid")
	if !strings.Contains(string(r.raw), `"/organisation_id"`) {
		t.Errorf("no pointer at /organisation_id: %s", r.raw)
	}
	if n := e.countEvents() - before; n != 0 {
		t.Errorf("%d events appended", n)
	}
	id := e.createOrg("Bald weg GmbH")
	p := e.partner(id)
	e.do("POST", "/v1/organisations/"+id+"/deactivate", p, nil).expect(t, 200, "")
	e.do("POST", "/v1/offers", p, offerBody(id, "Bald weg", time.Time{})).expect(t, 400, "invalid")
}
