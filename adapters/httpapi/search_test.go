package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// catalogue is a small network for the read-model tests: organisations in
// Germany, Poland and Czechia with offers and requests.
type catalogue struct {
	de, pl, cz       string // organisations
	dePartner        string
	plPartner        string
	czPartner        string
	deOffer          string // published offer, German text only, NACE 25.62
	plRequest        string // published request, 25.62, targets PL and DE
	czRequest        string // published request, NACE 28 (section C), targets DE
	czIT             string // published offer, NACE 62.01, Czech text
	deDraft          string // draft, 25.62
	deWithdrawn      string // withdrawn offer
	shortValidity    time.Time
	shortValidOffer  string   // published, valid until shortValidity
	publishedResults []string // every published offer and request
}

// profile is a valid organisation profile.
func profile(name, country, nuts, city string, sectors, languages []string, description map[string]any) map[string]any {
	return map[string]any{
		"name": name, "kind": "sme", "country": country, "nuts": nuts,
		"address":     map[string]any{"city": city, "country": country},
		"sectors":     sectors,
		"languages":   languages,
		"description": description,
		"contacts":    []map[string]any{{"name": "Kontakt Person", "email": "kontakt@example.org"}},
	}
}

// offer is a valid body of POST /v1/offers.
func offer(org, kind, category string, nace []string, title, description map[string]any, languages, targetCountries []string, validUntil time.Time) map[string]any {
	b := map[string]any{
		"organisation_id": org, "kind": kind, "category": category,
		"title": title, "description": description, "nace": nace, "languages": languages,
	}
	if targetCountries != nil {
		b["target_countries"] = targetCountries
	}
	if !validUntil.IsZero() {
		b["valid_until"] = validUntil.Format(time.RFC3339)
	}
	return b
}

// seedCatalogue registers the organisations and offers of a catalogue and
// waits for the read models.
func seedCatalogue(t *testing.T, e *env) catalogue {
	t.Helper()
	admin := e.tokens["admin"]
	var c catalogue
	c.de = e.do("POST", "/v1/organisations", admin, profile("Sachsen Präzision GmbH", "DE", "DED2D", "Görlitz", []string{"25.62"}, []string{"de"},
		map[string]any{"de": "Präzisionsteile für den Maschinenbau"})).expect(t, 201, "").body["id"].(string)
	c.pl = e.do("POST", "/v1/organisations", admin, orgBody("Metal-Tech Sp. z o.o.")).expect(t, 201, "").body["id"].(string)
	c.cz = e.do("POST", "/v1/organisations", admin, profile("Liberec Software s.r.o.", "CZ", "CZ051", "Liberec", []string{"62", "28"}, []string{"cs", "en"},
		map[string]any{"cs": "Vývoj softwaru pro průmysl"})).expect(t, 201, "").body["id"].(string)
	c.dePartner, c.plPartner, c.czPartner = e.partner(c.de), e.partner(c.pl), e.partner(c.cz)

	draft := func(tok string, body map[string]any) string {
		return e.do("POST", "/v1/offers", tok, body).expect(t, 201, "").body["id"].(string)
	}
	publish := func(tok, id string) {
		e.do("POST", "/v1/offers/"+id+"/publish", tok, nil).expect(t, 200, "")
	}
	c.deOffer = draft(c.dePartner, offer(c.de, "offer", "service", []string{"25.62"},
		map[string]any{"de": "Lohnfertigung von Drehteilen"}, map[string]any{"de": "Wir fertigen CNC-Drehteile aus Stahl und Aluminium in kleinen Serien."},
		[]string{"de"}, nil, time.Time{}))
	publish(c.dePartner, c.deOffer)
	c.plRequest = draft(c.plPartner, offerBody(c.pl, "Lohnfertiger gesucht", time.Time{}))
	publish(c.plPartner, c.plRequest)
	c.czRequest = draft(c.czPartner, offer(c.cz, "request", "cooperation_partner", []string{"28"},
		map[string]any{"cs": "Hledáme partnera pro stavbu strojů"}, map[string]any{"cs": "Hledáme výrobce strojních dílů v Německu."},
		[]string{"cs", "de"}, []string{"DE"}, time.Time{}))
	publish(c.czPartner, c.czRequest)
	c.czIT = draft(c.czPartner, offer(c.cz, "offer", "service", []string{"62.01"},
		map[string]any{"cs": "Vývoj softwaru na zakázku"}, map[string]any{"cs": "Programování webových aplikací."},
		[]string{"cs", "en"}, nil, time.Time{}))
	publish(c.czPartner, c.czIT)
	c.shortValidity = time.Now().UTC().Add(10 * 24 * time.Hour).Truncate(time.Second)
	c.shortValidOffer = draft(c.dePartner, offer(c.de, "offer", "product", []string{"25"},
		map[string]any{"de": "Restposten Schrauben"}, map[string]any{"de": "Schrauben und Muttern aus Edelstahl."},
		[]string{"de"}, nil, c.shortValidity))
	publish(c.dePartner, c.shortValidOffer)
	c.deDraft = draft(c.dePartner, offer(c.de, "offer", "service", []string{"25.62"},
		map[string]any{"de": "Entwurf Blechbearbeitung"}, map[string]any{"de": "Noch nicht veröffentlicht."}, []string{"de"}, nil, time.Time{}))
	c.deWithdrawn = draft(c.dePartner, offer(c.de, "offer", "service", []string{"25.62"},
		map[string]any{"de": "Zurückgezogene Fräsarbeiten"}, map[string]any{"de": "Nicht mehr verfügbar."}, []string{"de"}, nil, time.Time{}))
	publish(c.dePartner, c.deWithdrawn)
	e.do("POST", "/v1/offers/"+c.deWithdrawn+"/withdraw", c.dePartner, map[string]any{"reason": "ausgebucht"}).expect(t, 200, "")
	c.publishedResults = []string{c.deOffer, c.plRequest, c.czRequest, c.czIT, c.shortValidOffer}
	e.sync()
	return c
}

// search runs a search and returns its answer (status 200 expected).
func (e *env) search(t *testing.T, what, token string, params url.Values) response {
	t.Helper()
	return e.do("GET", "/v1/search/"+what+"?"+params.Encode(), token, nil).expect(t, 200, "")
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func sameSet(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

func TestSearchOffers(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			c := seedCatalogue(t, e)
			aud, coord := e.tokens["auditor"], e.tokens["coordinator"]

			// Without q: every published offer and request, newest first,
			// never a draft nor a withdrawn one; every role may search.
			for _, tok := range []string{c.plPartner, aud, coord, e.tokens["admin"]} {
				r := e.search(t, "offers", tok, url.Values{})
				if got := ids(items(r)); !sameSet(got, c.publishedResults) || r.body["total"] != float64(len(c.publishedResults)) {
					t.Fatalf("all published: got %v (total %v), want %v", got, r.body["total"], c.publishedResults)
				}
			}
			e.do("GET", "/v1/search/offers", "", nil).expect(t, 401, "unauthenticated")

			// Cross-language through NACE: a Polish query without
			// diacritics finds the German offer tagged 25.62.
			r := e.search(t, "offers", c.czPartner, url.Values{"q": {"obrobka metali"}})
			found := ids(items(r))
			if !slices.Contains(found, c.deOffer) || slices.Contains(found, c.deDraft) || slices.Contains(found, c.czIT) {
				t.Fatalf("obrobka metali: %v; want the German offer %s, not the draft %s nor the software offer", found, c.deOffer, c.deDraft)
			}
			for _, it := range items(r) {
				if it["score"].(float64) <= 0 {
					t.Errorf("hit %s without score: %v", it["id"], it)
				}
			}
			// The view: no index terms, the owner, a score.
			var de map[string]any
			for _, it := range items(r) {
				if it["id"] == c.deOffer {
					de = it
				}
			}
			owner, _ := de["owner"].(map[string]any)
			if owner["id"] != c.de || owner["country"] != "DE" || owner["nuts"] != "DED2D" || owner["name"] != "Sachsen Präzision GmbH" {
				t.Errorf("owner view: %v", de["owner"])
			}
			for _, k := range []string{"title_terms", "text_terms", "code_terms", "codes", "owner_org_id"} {
				if _, ok := de[k]; ok {
					t.Errorf("view exposes %s: %v", k, de)
				}
			}
			for _, k := range []string{"id", "kind", "category", "partnership_types", "title", "description", "nace", "target_countries", "target_regions", "languages", "status", "published_at", "updated_at", "valid_until", "score"} {
				if _, ok := de[k]; !ok {
					t.Errorf("view lacks %s: %v", k, de)
				}
			}
			// Relevance: a title hit ranks before a NACE-label hit.
			r = e.search(t, "offers", aud, url.Values{"q": {"Drehteile"}})
			if got := ids(items(r)); len(got) == 0 || got[0] != c.deOffer {
				t.Errorf("Drehteile: %v, want %s first", got, c.deOffer)
			}
			// A typo still finds it.
			r = e.search(t, "offers", aud, url.Values{"q": {"Lohnfertigug"}})
			if got := ids(items(r)); !slices.Contains(got, c.deOffer) {
				t.Errorf("Lohnfertigug (typo): %v, want %s", got, c.deOffer)
			}

			// Filters: repeated and comma-separated values.
			filters := []struct {
				params url.Values
				want   []string
			}{
				{url.Values{"kind": {"request"}}, []string{c.plRequest, c.czRequest}},
				{url.Values{"kind": {"request,offer"}, "category": {"service"}}, []string{c.deOffer, c.czIT}},
				{url.Values{"partnership_type": {"supplier"}}, []string{c.plRequest}},
				{url.Values{"country": {"de"}}, []string{c.deOffer, c.shortValidOffer}},
				{url.Values{"country": {"DE", "PL"}}, []string{c.deOffer, c.shortValidOffer, c.plRequest}},
				{url.Values{"country": {"DE,CZ"}, "kind": {"request"}}, []string{c.czRequest}},
				{url.Values{"nuts": {"DED2"}}, []string{c.deOffer, c.shortValidOffer}},
				{url.Values{"nuts": {"pl51"}}, []string{c.plRequest}},
				{url.Values{"language": {"cs"}}, []string{c.czRequest, c.czIT}},
				{url.Values{"nace": {"J"}}, []string{c.czIT}},
				{url.Values{"nace": {"62"}}, []string{c.czIT}},
				{url.Values{"nace": {"c"}}, []string{c.deOffer, c.plRequest, c.czRequest, c.shortValidOffer}},
				{url.Values{"nace": {"25", "62"}}, []string{c.deOffer, c.plRequest, c.shortValidOffer, c.czIT}},
				{url.Values{"nace": {"2562"}}, []string{c.deOffer, c.plRequest}},
				{url.Values{"status": {"withdrawn"}}, []string{c.deWithdrawn}},
				{url.Values{"status": {"published,withdrawn"}, "country": {"DE"}}, []string{c.deOffer, c.shortValidOffer, c.deWithdrawn}},
				{url.Values{"valid_on": {c.shortValidity.AddDate(0, 0, 2).Format("2006-01-02")}, "country": {"DE"}}, []string{c.deOffer}},
				{url.Values{"valid_on": {c.shortValidity.Add(-time.Hour).Format(time.RFC3339)}, "country": {"DE"}}, []string{c.deOffer, c.shortValidOffer}},
				{url.Values{"q": {"obrobka metali"}, "country": {"DE"}, "kind": {"offer"}}, []string{c.deOffer, c.shortValidOffer}},
				{url.Values{"q": {"zzzqqxx"}}, nil},
			}
			for _, f := range filters {
				r := e.search(t, "offers", aud, f.params)
				if got := ids(items(r)); !sameSet(got, f.want) || r.body["total"] != float64(len(f.want)) {
					t.Errorf("%s: got %v (total %v), want %v", f.params.Encode(), got, r.body["total"], f.want)
				}
			}

			// Facets count every match; facets=false leaves them out.
			r = e.search(t, "offers", aud, url.Values{"limit": {"1"}})
			fc, _ := r.body["facets"].(map[string]any)
			kind, _ := fc["kind"].(map[string]any)
			country, _ := fc["country"].(map[string]any)
			if kind["offer"] != 3.0 || kind["request"] != 2.0 || country["DE"] != 2.0 || country["CZ"] != 2.0 || country["PL"] != 1.0 {
				t.Errorf("facets: %v", fc)
			}
			if sec, _ := fc["section"].(map[string]any); sec["C"] != 4.0 || sec["J"] != 1.0 {
				t.Errorf("section facet: %v", fc["section"])
			}
			r = e.search(t, "offers", aud, url.Values{"facets": {"false"}})
			if _, ok := r.body["facets"]; ok {
				t.Errorf("facets=false: %s", r.raw)
			}

			// Paging through everything: no duplicates, nothing missed,
			// with either sort.
			for _, params := range []url.Values{
				{"limit": {"2"}},
				{"limit": {"2"}, "sort": {"relevance"}},
				{"limit": {"1"}, "q": {"obrobka metali"}},
				{"limit": {"2"}, "q": {"obrobka metali"}, "sort": {"recent"}},
			} {
				all := e.search(t, "offers", aud, url.Values{"q": params["q"], "limit": {"100"}, "sort": params["sort"]})
				want := ids(items(all))
				var got []string
				p := params
				for pages := 0; ; pages++ {
					if pages > 10 {
						t.Fatalf("%s: too many pages", params.Encode())
					}
					r := e.search(t, "offers", aud, p)
					if r.body["total"] != float64(len(want)) {
						t.Errorf("%s: total %v, want %d", params.Encode(), r.body["total"], len(want))
					}
					got = append(got, ids(items(r))...)
					next, _ := r.body["next_cursor"].(string)
					if next == "" {
						break
					}
					p = url.Values{"cursor": {next}}
					for k, v := range params {
						p[k] = v
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: paged %v, want %v", params.Encode(), got, want)
				}
			}
			// A cursor of one sort is refused by the other.
			r = e.search(t, "offers", aud, url.Values{"limit": {"1"}})
			next := r.body["next_cursor"].(string)
			bad := e.do("GET", "/v1/search/offers?limit=1&sort=relevance&cursor="+next, aud, nil).expect(t, 400, "invalid")
			expectPointers(t, bad, "/query/cursor")

			// Bad parameters: 400 pointing at the parameter and naming the
			// bad value.
			cursorOf := func(v any) string {
				b, _ := json.Marshal(v)
				return base64.RawURLEncoding.EncodeToString(b)
			}
			for _, tc := range []struct{ query, pointer, value string }{
				{"q=" + strings.Repeat("x", 201), "/query/q", ""},
				{"kind=offers", "/query/kind", "offers"},
				{"kind=offer,bogus", "/query/kind", "bogus"},
				{"category=food", "/query/category", "food"},
				{"partnership_type=marriage", "/query/partnership_type", "marriage"},
				{"nace=04", "/query/nace", "04"},
				{"nace=25.999", "/query/nace", "25.999"},
				{"country=XX", "/query/country", "XX"},
				{"country=DE&country=Germany", "/query/country", "Germany"},
				{"nuts=PL99", "/query/nuts", "PL99"},
				{"language=xx", "/query/language", "xx"},
				{"status=draft", "/query/status", "draft"},
				{"status=active", "/query/status", "active"},
				{"valid_on=tomorrow", "/query/valid_on", "tomorrow"},
				{"sort=best", "/query/sort", "best"},
				{"cursor=%21%21", "/query/cursor", ""},
				{"cursor=" + cursorOf(map[string]any{"sort": "recent"}), "/query/cursor", ""},
				{"limit=0", "/query/limit", ""},
				{"limit=101", "/query/limit", ""},
				{"limit=ten", "/query/limit", ""},
				{"facets=maybe", "/query/facets", "maybe"},
				{"colour=red", "/query/colour", "colour"},
			} {
				r := e.do("GET", "/v1/search/offers?"+tc.query, aud, nil)
				if r.status != 400 || r.body["code"] != "invalid" {
					t.Errorf("%s: %d %s, want 400 invalid", tc.query, r.status, r.raw)
					continue
				}
				expectPointers(t, r, tc.pointer)
				if tc.value != "" && !strings.Contains(r.body["detail"].(string), tc.value) {
					t.Errorf("%s: detail %q does not name %q", tc.query, r.body["detail"], tc.value)
				}
			}
		})
	}
}

func TestSearchOrganisations(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			c := seedCatalogue(t, e)
			aud := e.tokens["auditor"]

			// "Gorlitz" without the umlaut finds the organisation in
			// Görlitz by its city; contact persons are not part of the view.
			r := e.search(t, "organisations", c.czPartner, url.Values{"q": {"Gorlitz"}})
			if got := ids(items(r)); !slices.Equal(got, []string{c.de}) {
				t.Fatalf("Gorlitz: %v, want [%s]", got, c.de)
			}
			org := items(r)[0]
			if org["city"] != "Görlitz" || org["country"] != "DE" || org["nuts"] != "DED2D" || org["status"] != "active" || org["score"].(float64) <= 0 {
				t.Errorf("organisation view: %v", org)
			}
			for _, k := range []string{"contacts", "title_terms", "codes"} {
				if _, ok := org[k]; ok {
					t.Errorf("view exposes %s: %v", k, org)
				}
			}
			for _, k := range []string{"id", "name", "kind", "country", "city", "sectors", "languages", "networks", "description", "status", "verified", "registered_at"} {
				if _, ok := org[k]; !ok {
					t.Errorf("view lacks %s: %v", k, org)
				}
			}
			// "obrobka metali": the Polish description and the NACE
			// labels of 25.62 (the German one) match.
			r = e.search(t, "organisations", aud, url.Values{"q": {"obrobka metali"}})
			if got := ids(items(r)); !sameSet(got, []string{c.de, c.pl}) || got[0] != c.pl {
				t.Errorf("obrobka metali: %v, want %s (description) before %s (NACE)", got, c.pl, c.de)
			}

			for _, f := range []struct {
				params url.Values
				want   []string
			}{
				{url.Values{}, []string{c.de, c.pl, c.cz}},
				{url.Values{"country": {"pl,cz"}}, []string{c.pl, c.cz}},
				{url.Values{"nuts": {"CZ05"}}, []string{c.cz}},
				{url.Values{"nace": {"J"}}, []string{c.cz}},
				{url.Values{"nace": {"C"}, "language": {"de"}}, []string{c.de, c.pl}},
				{url.Values{"kind": {"sme"}}, []string{c.de, c.pl, c.cz}},
				{url.Values{"kind": {"university"}}, nil},
				{url.Values{"status": {"deactivated"}}, nil},
			} {
				r := e.search(t, "organisations", aud, f.params)
				if got := ids(items(r)); !sameSet(got, f.want) || r.body["total"] != float64(len(f.want)) {
					t.Errorf("%s: got %v (total %v), want %v", f.params.Encode(), got, r.body["total"], f.want)
				}
			}
			r = e.search(t, "organisations", aud, url.Values{})
			if fc, _ := r.body["facets"].(map[string]any); fc["country"].(map[string]any)["PL"] != 1.0 {
				t.Errorf("facets: %v", r.body["facets"])
			}

			// Deactivated organisations leave the default search.
			e.do("POST", "/v1/organisations/"+c.cz+"/deactivate", e.tokens["coordinator"], map[string]any{"reason": "closed"}).expect(t, 200, "")
			e.sync()
			if got := ids(items(e.search(t, "organisations", aud, url.Values{}))); !sameSet(got, []string{c.de, c.pl}) {
				t.Errorf("after deactivation: %v", got)
			}
			if got := ids(items(e.search(t, "organisations", aud, url.Values{"status": {"deactivated"}}))); !slices.Equal(got, []string{c.cz}) {
				t.Errorf("status=deactivated: %v", got)
			}

			// Paging.
			var got []string
			p := url.Values{"limit": {"1"}, "status": {"active,deactivated"}}
			for range 5 {
				r := e.search(t, "organisations", aud, p)
				got = append(got, ids(items(r))...)
				next, _ := r.body["next_cursor"].(string)
				if next == "" {
					break
				}
				p.Set("cursor", next)
			}
			if !sameSet(got, []string{c.de, c.pl, c.cz}) {
				t.Errorf("paged: %v", got)
			}

			// Offer-only parameters and bad values are refused.
			for _, tc := range []struct{ query, pointer string }{
				{"category=service", "/query/category"},
				{"valid_on=2026-01-01", "/query/valid_on"},
				{"kind=offer", "/query/kind"},
				{"status=published", "/query/status"},
				{"country=DEU", "/query/country"},
				{"facets=yes", "/query/facets"},
			} {
				r := e.do("GET", "/v1/search/organisations?"+tc.query, aud, nil).expect(t, 400, "invalid")
				expectPointers(t, r, tc.pointer)
			}
		})
	}
}
