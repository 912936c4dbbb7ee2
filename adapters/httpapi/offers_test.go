package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// offerDetails is a valid body of PUT /v1/offers/{id} with the given
// German title.
func offerDetails(title string) map[string]any {
	return map[string]any{
		"kind": "request", "category": "subcontracting",
		"partnership_types": []string{"supplier", "supplier"},
		"title":             map[string]any{"de": title, "pl": "Szukamy podwykonawcy"},
		"description":       map[string]any{"de": "Wir suchen Lohnfertiger für Blechteile", "pl": "Szukamy podwykonawcy części blaszanych"},
		"nace":              []string{"25.62", "C"},
		"target_countries":  []string{"pl", "DE"},
		"target_regions":    []string{"pl51"},
		"languages":         []string{"de", "PL"},
	}
}

// offerBody is a valid body of POST /v1/offers; org "" leaves out
// organisation_id.
func offerBody(org, title string, validUntil time.Time) map[string]any {
	b := offerDetails(title)
	if org != "" {
		b["organisation_id"] = org
	}
	if !validUntil.IsZero() {
		b["valid_until"] = validUntil.Format(time.RFC3339)
	}
	return b
}

// offerInterestOrgs returns the org_id of every interest in an offer body.
func offerInterestOrgs(r response) []string {
	var out []string
	ins, _ := r.body["interests"].([]any)
	for _, in := range ins {
		out = append(out, in.(map[string]any)["org_id"].(string))
	}
	return out
}

func TestOffers(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, coord, auditor := e.tokens["admin"], e.tokens["coordinator"], e.tokens["auditor"]
			ownerOrg, otherOrg, thirdOrg := e.createOrg("Sachsen Blech GmbH"), e.createOrg("Metal-Tech Sp. z o.o."), e.createOrg("Kovo s.r.o.")
			owner, other, third := e.partner(ownerOrg), e.partner(otherOrg), e.partner(thirdOrg)
			until := time.Now().UTC().Add(90 * 24 * time.Hour).Truncate(time.Second)

			// Draft: partners draft for their own organisation only.
			e.do("POST", "/v1/offers", other, offerBody(ownerOrg, "Lohnfertigung", until)).expect(t, 403, "forbidden")
			e.do("POST", "/v1/offers", auditor, offerBody(ownerOrg, "Lohnfertigung", until)).expect(t, 403, "forbidden")
			r := e.do("POST", "/v1/offers", owner, offerBody("", "Lohnfertigung gesucht", until)).expect(t, 201, "")
			id := r.body["id"].(string)
			path := "/v1/offers/" + id
			if r.header.Get("Location") != path || r.header.Get("ETag") != `"1"` || r.body["version"] != 1.0 {
				t.Fatalf("draft: Location %q ETag %q version %v", r.header.Get("Location"), r.header.Get("ETag"), r.body["version"])
			}
			details := r.body["details"].(map[string]any)
			if r.body["status"] != "draft" || r.body["owner_org_id"] != ownerOrg || r.body["valid_until"] != until.Format(time.RFC3339) ||
				fmt.Sprint(details["target_countries"], details["target_regions"], details["languages"], details["partnership_types"]) != "[PL DE] [PL51] [de pl] [supplier]" {
				t.Errorf("draft not as sent and normalised: %s", r.raw)
			}
			drafted := time.Now().UTC()
			time.Sleep(20 * time.Millisecond)

			// Admins draft for any organisation; organisation_id is then
			// required. Coordinators do not: only the owner (or an admin) can
			// take a draft further.
			e.do("POST", "/v1/offers", coord, offerBody(thirdOrg, "Koordiniert", time.Time{})).expect(t, 403, "forbidden")
			staffDraft := e.do("POST", "/v1/offers", admin, offerBody(thirdOrg, "Koordiniert", time.Time{})).expect(t, 201, "")
			if staffDraft.body["owner_org_id"] != thirdOrg || staffDraft.body["valid_until"] != nil {
				t.Errorf("staff draft: %s", staffDraft.raw)
			}

			// Drafts are visible to the owner, staff and auditors only.
			for _, tok := range []string{owner, admin, coord, auditor} {
				if g := e.do("GET", path, tok, nil).expect(t, 200, ""); g.body["status"] != "draft" || g.header.Get("ETag") != `"1"` {
					t.Errorf("draft read: %s", g.raw)
				}
			}
			unknown := e.do("GET", "/v1/offers/no-such-offer", other, nil).expect(t, 404, "not_found")
			hidden := e.do("GET", path, other, nil).expect(t, 404, "not_found")
			if strings.Replace(hidden.body["detail"].(string), id, "X", 1) != strings.Replace(unknown.body["detail"].(string), "no-such-offer", "X", 1) {
				t.Errorf("a hidden draft is told apart from an unknown id: %s vs %s", hidden.raw, unknown.raw)
			}
			// ... and commands by others cannot discover them either.
			e.do("POST", path+"/publish", other, nil).expect(t, 404, "not_found")
			e.do("POST", path+"/interests", other, map[string]any{"message": "Hallo"}).expect(t, 404, "not_found")
			e.do("PUT", path, third, offerDetails("Gekapert")).expect(t, 404, "not_found")

			// Revise with If-Match.
			rev := e.do("PUT", path, owner, offerDetails("Lohnfertigung Blech"), "If-Match", `"1"`).expect(t, 200, "")
			if rev.header.Get("ETag") != `"2"` || rev.body["details"].(map[string]any)["title"].(map[string]any)["de"] != "Lohnfertigung Blech" {
				t.Errorf("revise: %s", rev.raw)
			}
			e.do("PUT", path, owner, offerDetails("Veraltet"), "If-Match", `"1"`).expect(t, 412, "precondition_failed")
			bad := offerDetails("x")
			bad["title"] = map[string]any{"de": "  "}
			bad["target_regions"] = []string{"CZ041"}
			if ps := pointers(e.do("PUT", path, owner, bad).expect(t, 400, "invalid")); !ps["/title/de"] || !ps["/target_regions/0"] {
				t.Errorf("revise pointers: %v", ps)
			}

			// Publish.
			pub := e.do("POST", path+"/publish", owner, nil, "If-Match", `"2"`).expect(t, 200, "")
			if pub.body["status"] != "published" || pub.body["valid_until"] != until.Format(time.RFC3339) || pub.body["published_at"] == nil || pub.header.Get("ETag") != `"3"` {
				t.Errorf("publish: %s", pub.raw)
			}
			e.do("POST", path+"/publish", owner, nil).expect(t, 409, "invalid_state")
			if g := e.do("GET", path, other, nil).expect(t, 200, ""); g.body["status"] != "published" {
				t.Errorf("published offer read by another partner: %s", g.raw)
			}

			// Partners of other organisations may not run the owner's commands.
			e.do("PUT", path, other, offerDetails("Gekapert")).expect(t, 403, "forbidden")
			e.do("POST", path+"/publish", other, nil).expect(t, 403, "forbidden")
			e.do("POST", path+"/withdraw", other, map[string]any{"reason": "weg"}).expect(t, 403, "forbidden")
			e.do("POST", path+"/extend", other, map[string]any{"valid_until": until.AddDate(0, 1, 0)}).expect(t, 403, "forbidden")
			e.do("POST", path+"/interests", other, map[string]any{"organisation_id": thirdOrg, "message": "Hallo"}).expect(t, 403, "forbidden")
			e.do("POST", path+"/interests", owner, map[string]any{"message": "Eigenes"}).expect(t, 403, "forbidden")
			e.do("POST", path+"/interests", auditor, map[string]any{"organisation_id": otherOrg, "message": "Hallo"}).expect(t, 403, "forbidden")

			// Express interest: 201 with the interest's Location.
			before := e.countEvents()
			in := e.do("POST", path+"/interests", other, map[string]any{"message": "Wir fertigen Blechteile in Wrocław."}, "Idempotency-Key", "int-1").expect(t, 201, "")
			again := e.do("POST", path+"/interests", other, map[string]any{"message": "Wir fertigen Blechteile in Wrocław."}, "Idempotency-Key", "int-1").expect(t, 201, "")
			loc := in.header.Get("Location")
			if !strings.HasPrefix(loc, path+"/interests/") || again.header.Get("Location") != loc || in.header.Get("ETag") != `"4"` || e.countEvents()-before != 1 {
				t.Fatalf("interest: Location %q (retry %q) ETag %q, %d events", loc, again.header.Get("Location"), in.header.Get("ETag"), e.countEvents()-before)
			}
			otherInterest := strings.TrimPrefix(loc, path+"/interests/")
			if got := offerInterestOrgs(in); fmt.Sprint(got) != fmt.Sprint([]string{otherOrg}) {
				t.Errorf("interest answer shows %v", got)
			}
			e.do("POST", path+"/interests", other, map[string]any{"message": "Nochmal"}).expect(t, 409, "invalid_state")
			if ps := pointers(e.do("POST", path+"/interests", third, map[string]any{"message": ""}).expect(t, 400, "invalid")); !ps["/message"] {
				t.Errorf("interest pointers: %v", ps)
			}
			if ps := pointers(e.do("POST", path+"/interests", admin, map[string]any{"message": "Hallo"}).expect(t, 400, "invalid")); !ps["/organisation_id"] {
				t.Errorf("interest pointers: %v", ps)
			}
			in3 := e.do("POST", path+"/interests", third, map[string]any{"organisation_id": thirdOrg, "message": "Kovo nabízí lisování."}).expect(t, 201, "")
			thirdInterest := strings.TrimPrefix(in3.header.Get("Location"), path+"/interests/")
			if got := offerInterestOrgs(in3); fmt.Sprint(got) != fmt.Sprint([]string{thirdOrg}) {
				t.Errorf("the third organisation's answer shows interests of %v", got)
			}

			// Interests are visible to the owner, staff and auditors; each
			// interested organisation sees its own.
			for _, tok := range []string{owner, admin, coord, auditor} {
				if got := offerInterestOrgs(e.do("GET", path, tok, nil).expect(t, 200, "")); fmt.Sprint(got) != fmt.Sprint([]string{otherOrg, thirdOrg}) {
					t.Errorf("privileged read shows interests of %v", got)
				}
			}
			if got := offerInterestOrgs(e.do("GET", path, other, nil).expect(t, 200, "")); fmt.Sprint(got) != fmt.Sprint([]string{otherOrg}) {
				t.Errorf("another partner sees interests of %v", got)
			}
			if got := offerInterestOrgs(e.do("GET", path, e.partner("bystander"), nil).expect(t, 200, "")); got != nil {
				t.Errorf("a bystander sees interests of %v", got)
			}
			gi := e.do("GET", loc, other, nil).expect(t, 200, "")
			if gi.body["id"] != otherInterest || gi.body["message"] != "Wir fertigen Blechteile in Wrocław." || gi.body["status"] != "pending" || gi.header.Get("ETag") != `"5"` {
				t.Errorf("interest read: %s", gi.raw)
			}
			e.do("GET", loc, owner, nil).expect(t, 200, "")
			e.do("GET", loc, auditor, nil).expect(t, 200, "")
			e.do("GET", loc, third, nil).expect(t, 404, "not_found")
			e.do("GET", path+"/interests/nope", owner, nil).expect(t, 404, "not_found")

			// Accept and decline.
			e.do("POST", loc+"/accept", other, nil).expect(t, 403, "forbidden")
			e.do("POST", loc+"/decline", third, nil).expect(t, 403, "forbidden")
			e.do("POST", path+"/interests/nope/accept", owner, nil).expect(t, 404, "not_found")
			acc := e.do("POST", loc+"/accept", owner, nil, "If-Match", `"5"`).expect(t, 200, "")
			if acc.header.Get("ETag") != `"6"` || acc.body["interests"].([]any)[0].(map[string]any)["status"] != "accepted" {
				t.Errorf("accept: %s", acc.raw)
			}
			e.do("POST", loc+"/accept", owner, nil).expect(t, 409, "invalid_state")
			e.do("POST", loc+"/decline", owner, nil).expect(t, 409, "invalid_state")
			if ps := pointers(e.do("POST", path+"/interests/"+thirdInterest+"/decline", owner, map[string]any{"reason": strings.Repeat("x", 1001)}).expect(t, 400, "invalid")); !ps["/reason"] {
				t.Errorf("decline pointers: %v", ps)
			}
			dec := e.do("POST", path+"/interests/"+thirdInterest+"/decline", owner, map[string]any{"reason": "Kein Bedarf mehr"}).expect(t, 200, "")
			if d := dec.body["interests"].([]any)[1].(map[string]any); d["status"] != "declined" || d["decline_reason"] != "Kein Bedarf mehr" {
				t.Errorf("decline: %s", dec.raw)
			}
			if g := e.do("GET", path+"/interests/"+thirdInterest, third, nil).expect(t, 200, ""); g.body["status"] != "declined" {
				t.Errorf("declined interest read by its organisation: %s", g.raw)
			}

			// Extend.
			later := until.AddDate(0, 6, 0)
			ext := e.do("POST", path+"/extend", owner, map[string]any{"valid_until": later.Format(time.RFC3339)}).expect(t, 200, "")
			if ext.body["valid_until"] != later.Format(time.RFC3339) || ext.body["status"] != "published" {
				t.Errorf("extend: %s", ext.raw)
			}
			if ps := pointers(e.do("POST", path+"/extend", owner, map[string]any{"valid_until": until.Format(time.RFC3339)}).expect(t, 400, "invalid")); !ps["/valid_until"] {
				t.Errorf("extend pointers: %v", ps)
			}
			if ps := pointers(e.do("POST", path+"/extend", owner, map[string]any{"valid_until": time.Now().AddDate(5, 0, 0).Format(time.RFC3339)}).expect(t, 400, "invalid")); !ps["/valid_until"] {
				t.Errorf("extend pointers: %v", ps)
			}
			e.do("POST", path+"/extend", owner, nil).expect(t, 400, "invalid")

			// as_of: the draft as it was, hidden from others as drafts are.
			old := e.do("GET", path+"?as_of="+drafted.Format(time.RFC3339Nano), auditor, nil).expect(t, 200, "")
			if old.body["status"] != "draft" || old.body["details"].(map[string]any)["title"].(map[string]any)["de"] != "Lohnfertigung gesucht" || old.header.Get("ETag") != `"1"` || old.body["interests"] != nil {
				t.Errorf("as_of: %s", old.raw)
			}
			e.do("GET", path+"?as_of="+drafted.Format(time.RFC3339Nano), other, nil).expect(t, 404, "not_found")
			e.do("GET", path+"?as_of=2000-01-01T00:00:00Z", admin, nil).expect(t, 404, "not_found")
			e.do("GET", path+"?as_of=gestern", admin, nil).expect(t, 400, "invalid")

			// Withdraw; then the lifecycle is over.
			wd := e.do("POST", path+"/withdraw", owner, map[string]any{"reason": "Partner gefunden"}).expect(t, 200, "")
			if wd.body["status"] != "withdrawn" || wd.body["withdrawal_reason"] != "Partner gefunden" {
				t.Errorf("withdraw: %s", wd.raw)
			}
			e.do("POST", path+"/withdraw", owner, nil).expect(t, 409, "invalid_state")
			e.do("POST", path+"/publish", owner, nil).expect(t, 409, "invalid_state")
			e.do("PUT", path, owner, offerDetails("Zu spät")).expect(t, 409, "invalid_state")
			e.do("POST", path+"/extend", owner, map[string]any{"valid_until": later.AddDate(0, 1, 0)}).expect(t, 409, "invalid_state")
			e.do("POST", path+"/interests", e.partner(e.createOrg("Spät GmbH")), map[string]any{"message": "Zu spät"}).expect(t, 409, "invalid_state")
			if g := e.do("GET", path, other, nil).expect(t, 200, ""); g.body["status"] != "withdrawn" {
				t.Errorf("withdrawn offer read: %s", g.raw)
			}

			// A draft may be withdrawn, by its owner only.
			sd := "/v1/offers/" + staffDraft.body["id"].(string)
			e.do("POST", sd+"/withdraw", owner, nil).expect(t, 404, "not_found")
			e.do("POST", sd+"/withdraw", third, nil).expect(t, 200, "")

			// Unknown ids.
			for _, p := range []string{"/publish", "/withdraw", "/interests/x/accept", "/interests/x/decline"} {
				e.do("POST", "/v1/offers/nope"+p, admin, nil).expect(t, 404, "not_found")
			}
			e.do("POST", "/v1/offers/nope/interests", other, map[string]any{"message": "Hallo"}).expect(t, 404, "not_found")
			e.do("PUT", "/v1/offers/nope", admin, offerDetails("x")).expect(t, 404, "not_found")
			e.do("GET", "/v1/offers/nope/interests/x", admin, nil).expect(t, 404, "not_found")
		})
	}
}

func TestOfferValidation(t *testing.T) {
	e := newEnv(t, "embedded")
	admin := e.tokens["admin"]
	org := e.createOrg("Valid GmbH")
	partner := e.partner(org)
	before := e.countEvents()

	r := e.do("POST", "/v1/offers", admin, map[string]any{
		"kind": "gift", "category": "", "partnership_types": []string{"marriage"},
		"title": map[string]any{}, "description": map[string]any{"de": "x"},
		"nace": []string{}, "target_countries": []string{"DE"}, "target_regions": []string{"PL51"}, "languages": []string{"xx"},
		"valid_until": "2001-01-01T00:00:00Z",
	}).expect(t, 400, "invalid")
	ps := pointers(r)
	for _, p := range []string{"/organisation_id", "/kind", "/category", "/partnership_types/0", "/title", "/nace", "/target_regions/0", "/languages/0", "/valid_until"} {
		if !ps[p] {
			t.Errorf("no error at %s in %s", p, r.raw)
		}
	}
	if strings.Contains(string(r.raw), "owner_org_id") {
		t.Errorf("a domain field name leaks into the problem: %s", r.raw)
	}
	withExtra := offerBody(org, "X", time.Time{})
	withExtra["details"] = map[string]any{}
	if r := e.do("POST", "/v1/offers", admin, withExtra).expect(t, 400, "invalid"); !pointers(r)["/details"] {
		t.Errorf("unknown field not named: %s", r.raw)
	}
	badTime := offerBody(org, "X", time.Time{})
	badTime["valid_until"] = "next year"
	e.do("POST", "/v1/offers", admin, badTime).expect(t, 400, "invalid")
	e.do("POST", "/v1/offers", admin, "").expect(t, 400, "invalid")
	e.do("POST", "/v1/offers", partner, offerBody("", "X", time.Now().AddDate(4, 0, 0))).expect(t, 400, "invalid")
	if after := e.countEvents(); after != before {
		t.Errorf("refused requests appended %d events", after-before)
	}

	// The OpenAPI document shows the flat draft body.
	doc := e.do("GET", "/openapi.json", "", nil).expect(t, 200, "")
	var spec struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc.raw, &spec); err != nil {
		t.Fatal(err)
	}
	props := spec.Paths["/v1/offers"]["post"].RequestBody.Content["application/json"].Schema.Properties
	for _, p := range []string{"organisation_id", "valid_until", "kind", "title", "nace", "languages"} {
		if props[p] == nil {
			t.Errorf("draftOffer body schema lacks %s: %v", p, props)
		}
	}
}
