package httpapi_test

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/httpapi"
	"github.com/nisa-eu/nisa/adapters/memory"
)

// savedSearchBody is a valid body of POST /v1/saved-searches for org.
func savedSearchBody(org, name string) map[string]any {
	return map[string]any{"organisation_id": org, "name": name, "min_score": 40,
		"filters": map[string]any{"q": "CNC", "kinds": []string{"offer"}, "nace": []string{"c", "25"}, "countries": []string{"pl", "CZ"}, "languages": []string{"de"}}}
}

func TestSavedSearches(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, coord, aud := e.tokens["admin"], e.tokens["coordinator"], e.tokens["auditor"]
			a, b := e.createOrg("Alpha GmbH"), e.createOrg("Beta Sp. z o.o.")
			pa, pb := e.partner(a), e.partner(b)

			// Create: a partner for its own organisation (organisation_id
			// may be left out), an admin for any.
			r := e.do("POST", "/v1/saved-searches", pa, savedSearchBody(a, "Lohnfertigung")).expect(t, 201, "")
			s1 := r.body["id"].(string)
			if r.header.Get("Location") != "/v1/saved-searches/"+s1 || r.header.Get("ETag") != `"1"` || r.body["version"] != 1.0 ||
				r.body["organisation_id"] != a || r.body["name"] != "Lohnfertigung" || r.body["min_score"] != 40.0 || r.body["deleted"] != false {
				t.Fatalf("create: Location %q ETag %q %s", r.header.Get("Location"), r.header.Get("ETag"), r.raw)
			}
			f := r.body["filters"].(map[string]any)
			if strings.Join(strs(f["nace"]), ",") != "C,25" || strings.Join(strs(f["countries"]), ",") != "PL,CZ" || len(strs(f["categories"])) != 0 {
				t.Errorf("filters not normalised: %s", r.raw)
			}
			body := savedSearchBody("", "Spritzguss")
			delete(body, "organisation_id")
			s2 := e.do("POST", "/v1/saved-searches", pa, body).expect(t, 201, "").body["id"].(string)
			s3 := e.do("POST", "/v1/saved-searches", admin, savedSearchBody(b, "Beta sucht")).expect(t, 201, "").body["id"].(string)

			// Read: the owner's partner, staff and auditors; others as if
			// it did not exist.
			for _, tok := range []string{pa, admin, coord, aud} {
				if r := e.get(t, "/v1/saved-searches/"+s1, tok); r.body["id"] != s1 || r.header.Get("ETag") != `"1"` {
					t.Errorf("read: %s", r.raw)
				}
			}
			e.do("GET", "/v1/saved-searches/"+s1, pb, nil).expect(t, 404, "not_found")
			e.do("GET", "/v1/saved-searches/unknown", admin, nil).expect(t, 404, "not_found")

			// List: a partner its own (by default), staff and auditors any
			// organisation's, which they must name.
			e.sync()
			if got := e.pageAll(t, "/v1/saved-searches?limit=1", pa); strings.Join(got, ",") != s2+","+s1 && strings.Join(got, ",") != s1+","+s2 {
				t.Errorf("partner's list: %v", got)
			}
			for _, tok := range []string{admin, coord, aud} {
				if got := ids(items(e.get(t, "/v1/saved-searches?organisation_id="+b, tok))); strings.Join(got, ",") != s3 {
					t.Errorf("list of %s: %v", b, got)
				}
			}
			e.do("GET", "/v1/saved-searches", coord, nil).expect(t, 400, "invalid")
			e.do("GET", "/v1/saved-searches?organisation_id="+a, pb, nil).expect(t, 403, "forbidden")
			e.do("GET", "/v1/saved-searches?organisation_id="+a+"&as_of=2026-01-01T00:00:00Z", pa, nil).expect(t, 400, "invalid")

			// Change with If-Match.
			change := map[string]any{"name": "Lohnfertigung CZ", "filters": map[string]any{"nuts": []string{"cz051"}}, "min_score": 55}
			e.do("PUT", "/v1/saved-searches/"+s1, pa, change, "If-Match", `"7"`).expect(t, 412, "precondition_failed")
			r = e.do("PUT", "/v1/saved-searches/"+s1, pa, change, "If-Match", `"1"`).expect(t, 200, "")
			if r.header.Get("ETag") != `"2"` || r.body["name"] != "Lohnfertigung CZ" || r.body["min_score"] != 55.0 ||
				strings.Join(strs(r.body["filters"].(map[string]any)["nuts"]), ",") != "CZ051" {
				t.Errorf("change: %s", r.raw)
			}
			e.do("PUT", "/v1/saved-searches/"+s1, pb, change).expect(t, 404, "not_found")
			e.do("PUT", "/v1/saved-searches/"+s1, coord, change).expect(t, 403, "forbidden")
			e.do("PUT", "/v1/saved-searches/"+s1, aud, change).expect(t, 403, "forbidden")
			e.sync()
			for _, d := range items(e.get(t, "/v1/saved-searches?organisation_id="+a, admin)) {
				if d["id"] == s1 && (d["name"] != "Lohnfertigung CZ" || d["min_score"] != 55.0) {
					t.Errorf("list after the change: %v", d)
				}
			}

			// Delete: answers with the final state; the search stays
			// readable (and as it was before, with as_of), leaves the list
			// and can be neither changed nor deleted again.
			e.do("DELETE", "/v1/saved-searches/"+s1, pb, nil).expect(t, 404, "not_found")
			e.do("DELETE", "/v1/saved-searches/"+s1, aud, nil).expect(t, 403, "forbidden")
			e.do("DELETE", "/v1/saved-searches/"+s1, coord, nil).expect(t, 403, "forbidden")
			r = e.do("DELETE", "/v1/saved-searches/"+s1, pa, nil, "If-Match", `"2"`).expect(t, 200, "")
			if r.body["deleted"] != true || r.header.Get("ETag") != `"3"` {
				t.Errorf("delete: %s", r.raw)
			}
			e.do("DELETE", "/v1/saved-searches/"+s1, pa, nil).expect(t, 409, "invalid_state")
			e.do("PUT", "/v1/saved-searches/"+s1, pa, change).expect(t, 409, "invalid_state")
			if r := e.get(t, "/v1/saved-searches/"+s1, pa); r.body["deleted"] != true {
				t.Errorf("read after deletion: %s", r.raw)
			}
			e.sync()
			if got := ids(items(e.get(t, "/v1/saved-searches", pa))); strings.Join(got, ",") != s2 {
				t.Errorf("list after the deletion: %v", got)
			}
		})
	}
}

func TestSavedSearchRefusals(t *testing.T) {
	e := newEnv(t, "embedded")
	coord, aud := e.tokens["coordinator"], e.tokens["auditor"]
	a, b := e.createOrg("Alpha GmbH"), e.createOrg("Beta Sp. z o.o.")
	pa, pb := e.partner(a), e.partner(b)
	before := e.countEvents()

	// An unknown NACE code is a validation problem pointing at the body.
	bad := savedSearchBody(a, "x")
	bad["filters"].(map[string]any)["nace"] = []string{"C", "ZZ"}
	r := e.do("POST", "/v1/saved-searches", pa, bad).expect(t, 400, "invalid")
	expectPointers(t, r, "/filters/nace/1")
	if pointers(r)["/filters/nace/0"] || !strings.Contains(string(r.raw), "ZZ") {
		t.Errorf("nace problem: %s", r.raw)
	}
	// Every bad field at once.
	r = e.do("POST", "/v1/saved-searches", pa, map[string]any{"name": "", "min_score": 101,
		"filters": map[string]any{"kinds": []string{"gift"}, "nuts": []string{"XX1"}, "languages": []string{"xx"}}}).expect(t, 400, "invalid")
	expectPointers(t, r, "/name", "/min_score", "/filters/kinds/0", "/filters/nuts/0", "/filters/languages/0")
	r = e.do("POST", "/v1/saved-searches", pa, map[string]any{"name": "nichts", "filters": map[string]any{}}).expect(t, 400, "invalid")
	expectPointers(t, r, "/filters")
	e.do("POST", "/v1/saved-searches", pa, map[string]any{"name": "x", "filters": map[string]any{"q": "x"}, "colour": "red"}).expect(t, 400, "invalid")
	// Only for registered organisations.
	r = e.do("POST", "/v1/saved-searches", e.tokens["admin"], savedSearchBody("no-such-org", "x")).expect(t, 400, "invalid")
	expectPointers(t, r, "/organisation_id")

	// A partner acting for another organisation, coordinators and
	// auditors are refused.
	e.do("POST", "/v1/saved-searches", pb, savedSearchBody(a, "x")).expect(t, 403, "forbidden")
	e.do("POST", "/v1/saved-searches", coord, savedSearchBody(a, "x")).expect(t, 403, "forbidden")
	e.do("POST", "/v1/saved-searches", aud, savedSearchBody(a, "x")).expect(t, 403, "forbidden")
	if n := e.countEvents() - before; n != 0 {
		t.Errorf("refused requests appended %d events", n)
	}
}

func TestWebhooks(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin, coord, aud := e.tokens["admin"], e.tokens["coordinator"], e.tokens["auditor"]
			a, b := e.createOrg("Alpha GmbH"), e.createOrg("Beta Sp. z o.o.")
			pa, pb := e.partner(a), e.partner(b)

			// The secret is shown once, in the answer to the registration.
			r := e.do("POST", "/v1/webhooks", pa, map[string]any{"organisation_id": a, "url": "https://erp.alpha.example/nisa/alerts"}).expect(t, 201, "")
			w1 := r.body["id"].(string)
			secret, _ := r.body["secret"].(string)
			raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
			if !strings.HasPrefix(secret, "whsec_") || err != nil || len(raw) != 32 {
				t.Fatalf("secret %q (%v)", secret, err)
			}
			if r.header.Get("Location") != "/v1/webhooks/"+w1 || r.header.Get("ETag") != `"1"` || r.header.Get("Cache-Control") != "no-store" ||
				r.body["url"] != "https://erp.alpha.example/nisa/alerts" || r.body["organisation_id"] != a || r.body["removed"] != false {
				t.Fatalf("register: %v %s", r.header, r.raw)
			}
			r = e.do("POST", "/v1/webhooks", pa, map[string]any{"url": "https://crm.alpha.example/hook"}).expect(t, 201, "")
			w2 := r.body["id"].(string)
			if r.body["secret"] == secret {
				t.Errorf("two webhooks share a secret")
			}

			// Never again: not in a read, a list or an error.
			noSecret := func(what string, r response) {
				t.Helper()
				if strings.Contains(string(r.raw), secret) || strings.Contains(string(r.raw), `"secret"`) {
					t.Errorf("%s shows the secret: %s", what, r.raw)
				}
			}
			for _, tok := range []string{pa, admin, coord, aud} {
				r := e.get(t, "/v1/webhooks/"+w1, tok)
				if r.body["id"] != w1 || r.body["url"] != "https://erp.alpha.example/nisa/alerts" {
					t.Errorf("read: %s", r.raw)
				}
				noSecret("GET /v1/webhooks/{id}", r)
			}
			e.do("GET", "/v1/webhooks/"+w1, pb, nil).expect(t, 404, "not_found")
			e.sync()
			r = e.get(t, "/v1/webhooks", pa)
			noSecret("GET /v1/webhooks", r)
			if got := ids(items(r)); len(got) != 2 {
				t.Errorf("list: %s", r.raw)
			}
			r = e.get(t, "/v1/webhooks?organisation_id="+a, aud)
			noSecret("GET /v1/webhooks as auditor", r)
			e.do("GET", "/v1/webhooks?organisation_id="+a, pb, nil).expect(t, 403, "forbidden")
			e.do("GET", "/v1/webhooks", admin, nil).expect(t, 400, "invalid")

			// Plain http is refused unless the server allows it; the
			// problem points at the URL.
			r = e.do("POST", "/v1/webhooks", pa, map[string]any{"url": "http://erp.alpha.example/hook"}).expect(t, 400, "invalid")
			expectPointers(t, r, "/url")
			if !strings.Contains(string(r.raw), "https") {
				t.Errorf("http problem does not name the rule: %s", r.raw)
			}
			for _, u := range []string{"", "/relative", "ftp://example.com/x", "https://user:pw@example.com/x", "https://"} {
				expectPointers(t, e.do("POST", "/v1/webhooks", pa, map[string]any{"url": u}).expect(t, 400, "invalid"), "/url")
			}

			// Refused: another organisation's partner, coordinators, auditors.
			e.do("POST", "/v1/webhooks", pb, map[string]any{"organisation_id": a, "url": "https://x.example/"}).expect(t, 403, "forbidden")
			e.do("POST", "/v1/webhooks", coord, map[string]any{"organisation_id": a, "url": "https://x.example/"}).expect(t, 403, "forbidden")
			e.do("POST", "/v1/webhooks", aud, map[string]any{"organisation_id": a, "url": "https://x.example/"}).expect(t, 403, "forbidden")
			e.do("DELETE", "/v1/webhooks/"+w1, pb, nil).expect(t, 404, "not_found")
			e.do("DELETE", "/v1/webhooks/"+w1, coord, nil).expect(t, 403, "forbidden")
			e.do("DELETE", "/v1/webhooks/"+w1, aud, nil).expect(t, 403, "forbidden")

			// Removal.
			r = e.do("DELETE", "/v1/webhooks/"+w1, pa, nil).expect(t, 200, "")
			if r.body["removed"] != true || r.header.Get("ETag") != `"2"` {
				t.Errorf("remove: %s", r.raw)
			}
			noSecret("DELETE /v1/webhooks/{id}", r)
			e.do("DELETE", "/v1/webhooks/"+w1, pa, nil).expect(t, 409, "invalid_state")
			e.sync()
			if got := ids(items(e.get(t, "/v1/webhooks", pa))); strings.Join(got, ",") != w2 {
				t.Errorf("list after the removal: %v", got)
			}
		})
	}
}

func TestHTTPWebhooksAllowed(t *testing.T) {
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httpapi.New(httpapi.Config{Store: s, Idempotency: s.Idempotency(), Reads: memory.New(), AllowHTTPWebhooks: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	e := &env{t: t, url: hs.URL, store: s, tokens: map[string]string{}}
	pa := e.partner("org-a")
	r := e.do("POST", "/v1/webhooks", pa, map[string]any{"url": "http://10.1.2.3:8080/hook"}).expect(t, 201, "")
	if r.body["url"] != "http://10.1.2.3:8080/hook" {
		t.Errorf("register: %s", r.raw)
	}
}

// strs returns a decoded JSON array of strings.
func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
