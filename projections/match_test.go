package projections_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/domain/reference"
	"github.com/nisa-eu/nisa/projections"
)

// matchNow is the time the matching fixture is matched at.
var matchNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// matchDay is n days before matchNow.
func matchDay(n int) time.Time { return matchNow.AddDate(0, 0, -n) }

type matchOrg struct {
	id, name, country, nuts, city string
	languages, sectors            []string
}

// matchOrgs are the organisations of the fixture.
var matchOrgs = []matchOrg{
	{"org-pl", "Fabryka Maszyn Jelenia Sp. z o.o.", "PL", "PL515", "Jelenia Góra", []string{"pl", "en"}, []string{"25", "28"}},
	{"org-de", "Präzisionsteile Lausitz GmbH", "DE", "DED2D", "Görlitz", []string{"de", "pl"}, []string{"25.62"}},
	{"org-cz", "Kovo Liberec s.r.o.", "CZ", "CZ051", "Liberec", []string{"cs", "de"}, []string{"25"}},
	{"org-cz2", "Strojírna Ústí a.s.", "CZ", "CZ042", "Ústí nad Labem", []string{"cs", "pl", "en"}, []string{"25.62"}},
	{"org-pl2", "Metal-Tech Wrocław Sp. z o.o.", "PL", "PL514", "Wrocław", []string{"pl"}, []string{"25.62"}},
	{"org-de2", "Sondermaschinen Erzgebirge GmbH", "DE", "DED42", "Annaberg-Buchholz", []string{"de", "en"}, []string{"28"}},
	{"org-de3", "Messe-Catering Dresden GmbH", "DE", "DED21", "Dresden", []string{"de", "pl"}, []string{"56"}},
	{"org-gone", "Alte Gießerei Bautzen GmbH", "DE", "DED2C", "Bautzen", []string{"de", "pl"}, []string{"25"}},
}

// matchOffer is one offer or request of the fixture and what becomes of
// it: published `published` days before matchNow (0: never), then
// withdrawn or expired when said.
type matchOffer struct {
	id, owner, kind          string
	title, description       domain.Text
	nace, languages          []string
	published                int
	validUntil               time.Time
	withdraw, expire, draftd bool
}

// matchOffers is the fixture: a Polish request for CNC machining (NACE
// 25.62) in Jelenia Góra (PL515, Dolnośląskie) and what might answer it.
var matchOffers = []matchOffer{
	{id: "req-cnc", owner: "org-pl", kind: "request",
		title:       domain.Text{PL: "Frezowanie CNC części stalowych", EN: "CNC milling of steel parts"},
		description: domain.Text{PL: "Szukamy dostawcy frezowania CNC"},
		nace:        []string{"25.62"}, languages: []string{"pl", "en"}, published: 5},
	// Görlitz, across the Neiße, speaks Polish: the best match.
	{id: "de-cnc", owner: "org-de", kind: "offer",
		title:       domain.Text{DE: "CNC-Fräsen", PL: "Frezowanie CNC"},
		description: domain.Text{DE: "Lohnfertigung aus Stahl"},
		nace:        []string{"25.62"}, languages: []string{"de", "pl"}, published: 10},
	// Liberec borders Dolnośląskie but shares no language; division 25.
	{id: "cz-metal", owner: "org-cz", kind: "offer",
		title:       domain.Text{CS: "Kovovýroba a svařování", EN: "Metal fabrication and welding"},
		description: domain.Text{CS: "Svařované konstrukce z oceli"},
		nace:        []string{"25"}, languages: []string{"cs", "de"}, published: 20},
	// Ústí is no neighbour, but speaks Polish and English; older.
	{id: "cz-old", owner: "org-cz2", kind: "offer",
		title:       domain.Text{EN: "CNC machining"},
		description: domain.Text{EN: "Precision parts in small batches"},
		nace:        []string{"25.62"}, languages: []string{"cs", "en"}, published: 200},
	// Wrocław: the same class, but in the same country.
	{id: "pl-cnc", owner: "org-pl2", kind: "offer",
		title:       domain.Text{PL: "Frezowanie i toczenie CNC"},
		description: domain.Text{PL: "Obróbka stali dla przemysłu"},
		nace:        []string{"25.62"}, languages: []string{"pl"}, published: 3},
	// Machinery (28): the same section C only.
	{id: "de-mach", owner: "org-de2", kind: "offer",
		title:       domain.Text{DE: "Sondermaschinenbau", EN: "Special machine building"},
		description: domain.Text{EN: "Machines for steel processing"},
		nace:        []string{"28"}, languages: []string{"de", "en"}, published: 120},

	// None of these may match the request.
	{id: "de-food", owner: "org-de3", kind: "offer",
		title: domain.Text{DE: "Catering für Messen", PL: "Catering na targi"}, description: domain.Text{DE: "Catering"},
		nace: []string{"56"}, languages: []string{"de", "pl"}, published: 2},
	{id: "own", owner: "org-pl", kind: "offer",
		title: domain.Text{PL: "Frezowanie CNC"}, description: domain.Text{PL: "Frezowanie CNC części stalowych"},
		nace: []string{"25.62"}, languages: []string{"pl"}, published: 4},
	{id: "de-withdrawn", owner: "org-de", kind: "offer",
		title: domain.Text{DE: "CNC-Fräsen", PL: "Frezowanie CNC"}, description: domain.Text{PL: "Frezowanie CNC części stalowych"},
		nace: []string{"25.62"}, languages: []string{"de", "pl"}, published: 30, withdraw: true},
	{id: "de-draft", owner: "org-de2", kind: "offer",
		title: domain.Text{DE: "CNC-Fräsen", PL: "Frezowanie CNC"}, description: domain.Text{PL: "Frezowanie CNC części stalowych"},
		nace: []string{"25.62"}, languages: []string{"de", "pl"}, draftd: true},
	{id: "cz-expired", owner: "org-cz", kind: "offer",
		title: domain.Text{CS: "Frézování CNC"}, description: domain.Text{PL: "Frezowanie CNC części stalowych"},
		nace: []string{"25.62"}, languages: []string{"cs", "pl"}, published: 400, validUntil: matchDay(100), expire: true},
	// Published, but its validity ended yesterday and the scheduler has
	// not expired it yet.
	{id: "cz-lapsed", owner: "org-cz2", kind: "offer",
		title: domain.Text{CS: "Frézování CNC"}, description: domain.Text{PL: "Frezowanie CNC części stalowych"},
		nace: []string{"25.62"}, languages: []string{"cs", "pl"}, published: 60, validUntil: matchDay(1)},
	{id: "de-request", owner: "org-de", kind: "request",
		title: domain.Text{PL: "Frezowanie CNC części stalowych"}, description: domain.Text{PL: "Szukamy dostawcy frezowania CNC"},
		nace: []string{"25.62"}, languages: []string{"de", "pl"}, published: 6},
}

// newMatchFixture builds the fixture through domain commands and the
// catalogue.
func newMatchFixture(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, projections.NewCatalogue())
	for _, o := range matchOrgs {
		p := domain.OrganisationProfile{Name: o.name, Kind: "sme", Country: o.country, NUTS: o.nuts,
			Address: domain.Address{City: o.city, Country: o.country}, Sectors: o.sectors, Languages: o.languages,
			Description: domain.Text{EN: "A member of the border network."}}
		catRegister(h, o.id, p, matchDay(500))
	}
	catOrg(h, "org-gone", matchDay(450), func(o domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.DeactivateOrganisation{}.Decide(o, a, now)
	})
	for _, o := range matchOffers {
		d := domain.OfferDetails{Kind: o.kind, Category: "subcontracting", Title: o.title, Description: o.description, NACE: o.nace, Languages: o.languages}
		if o.kind == "request" {
			d.Category = "supplier_search"
		}
		at := matchDay(max(o.published, 2) + 1)
		catDraft(h, o.id, o.owner, d, o.validUntil, at)
		if o.draftd {
			continue
		}
		catPublish(h, o.id, matchDay(o.published))
		switch {
		case o.withdraw:
			catOffer(h, o.id, matchDay(1), func(x domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
				return domain.WithdrawOffer{Reason: "filled"}.Decide(x, a, now)
			})
		case o.expire:
			catOffer(h, o.id, o.validUntil.Add(time.Hour), func(x domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
				return domain.ExpireOffer{}.Decide(x, a, now)
			})
		}
	}
	h.sync()
	return h
}

// matchWant is an expected match: id, score and reasons, hand-computed.
type matchWant struct {
	id      string
	score   float64
	reasons []projections.Reason
}

// The request's terms (TitleTerms ∪ TextTerms) are cnc, czesk, dostawk,
// frezowan, mill, part, stal, steel, szukam: 9 terms.
var (
	// de-cnc: sector 40 + cross-border 20 + Polish 15 + PL51↔DED2 10 +
	// text 10 × 2/12 (cnc, frezowan of cnc, fras, frezowan, lohnfertig,
	// stahl) + fresh 5 = 91.667.
	wantDECNC = matchWant{"de-cnc", 91.667, []projections.Reason{
		{Factor: "sector", Weight: 40, Score: 1, Codes: []string{"25.62"}, Note: "same NACE division"},
		{Factor: "cross_border", Weight: 20, Score: 1, Note: "PL ↔ DE"},
		{Factor: "languages", Weight: 15, Score: 1, Languages: []string{"pl"}},
		{Factor: "region", Weight: 10, Score: 1, Regions: []string{"PL51", "DED2"}, Note: "neighbouring border regions"},
		{Factor: "freshness", Weight: 5, Score: 1, Note: "published 10 days ago"},
		{Factor: "text", Weight: 10, Score: 0.1667, Terms: []string{"cnc", "frezowan"}},
	}}
	// cz-old: 40 + 20 + English and Polish 15 + no region + fresh
	// 5 × (365−200)/335 = 5 × 0.4925 + text 10 × 2/13 (cnc, part of
	// batch, cnc, machin, part, precision, small) = 79.0005.
	wantCZOld = matchWant{"cz-old", 79.0005, []projections.Reason{
		{Factor: "sector", Weight: 40, Score: 1, Codes: []string{"25.62"}, Note: "same NACE division"},
		{Factor: "cross_border", Weight: 20, Score: 1, Note: "PL ↔ CZ"},
		{Factor: "languages", Weight: 15, Score: 1, Languages: []string{"en", "pl"}},
		{Factor: "freshness", Weight: 5, Score: 0.4925, Note: "published 200 days ago"},
		{Factor: "text", Weight: 10, Score: 0.1538, Terms: []string{"cnc", "part"}},
	}}
	// cz-metal: division 25 40 + 20 + no language + PL51↔CZ051 10 + no
	// shared term + fresh 5 = 75.
	wantCZMetal = matchWant{"cz-metal", 75, []projections.Reason{
		{Factor: "sector", Weight: 40, Score: 1, Codes: []string{"25"}, Note: "same NACE division"},
		{Factor: "cross_border", Weight: 20, Score: 1, Note: "PL ↔ CZ"},
		{Factor: "region", Weight: 10, Score: 1, Regions: []string{"PL51", "CZ051"}, Note: "neighbouring border regions"},
		{Factor: "freshness", Weight: 5, Score: 1, Note: "published 20 days ago"},
	}}
	// pl-cnc: 40 + same country 0 + Polish 15 + same NUTS-2 PL51 5 +
	// fresh 5 + text 10 × 3/12 (cnc, frezowan, stal of cnc, frezowan,
	// obrobk, przemysl, stal, tocz) = 67.5.
	wantPLCNC = matchWant{"pl-cnc", 67.5, []projections.Reason{
		{Factor: "sector", Weight: 40, Score: 1, Codes: []string{"25.62"}, Note: "same NACE division"},
		{Factor: "languages", Weight: 15, Score: 1, Languages: []string{"pl"}},
		{Factor: "region", Weight: 10, Score: 0.5, Regions: []string{"PL51"}, Note: "same NUTS-2 region"},
		{Factor: "freshness", Weight: 5, Score: 1, Note: "published 3 days ago"},
		{Factor: "text", Weight: 10, Score: 0.25, Terms: []string{"cnc", "frezowan", "stal"}},
	}}
	// de-mach: section C only 40 × 0.5 + 20 + English 15 + DED4 is no
	// neighbour of PL51 + fresh 5 × (365−120)/335 = 5 × 0.7313 + text
	// 10 × 1/14 (steel of build, machin, process, sondermaschinenb,
	// special, steel) = 59.3705.
	wantDEMach = matchWant{"de-mach", 59.3705, []projections.Reason{
		{Factor: "sector", Weight: 40, Score: 0.5, Codes: []string{"C"}, Note: "same NACE section only"},
		{Factor: "cross_border", Weight: 20, Score: 1, Note: "PL ↔ DE"},
		{Factor: "languages", Weight: 15, Score: 1, Languages: []string{"en"}},
		{Factor: "freshness", Weight: 5, Score: 0.7313, Note: "published 120 days ago"},
		{Factor: "text", Weight: 10, Score: 0.0714, Terms: []string{"steel"}},
	}}
)

func checkMatches[T any](t *testing.T, what string, got []projections.Match[T], id func(T) string, want ...matchWant) {
	t.Helper()
	var gotIDs, wantIDs []string
	for _, m := range got {
		gotIDs = append(gotIDs, id(m.Doc))
	}
	for _, w := range want {
		wantIDs = append(wantIDs, w.id)
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("%s: got %v, want %v", what, gotIDs, wantIDs)
		for _, m := range got {
			t.Logf("  %s %v %+v", id(m.Doc), m.Score, m.Reasons)
		}
		return
	}
	for i, w := range want {
		if got[i].Score != w.score {
			t.Errorf("%s: %s scores %v, want %v", what, w.id, got[i].Score, w.score)
		}
		if !reflect.DeepEqual(got[i].Reasons, w.reasons) {
			t.Errorf("%s: %s reasons\n got %+v\nwant %+v", what, w.id, got[i].Reasons, w.reasons)
		}
		var sum float64
		for _, r := range got[i].Reasons {
			sum += r.Weight * r.Score
		}
		if projections.Round(sum) != got[i].Score {
			t.Errorf("%s: %s: reasons add up to %v, score is %v", what, w.id, sum, got[i].Score)
		}
	}
}

func offerID(d projections.OfferDoc) string { return d.ID }
func orgID(d projections.OrgDoc) string     { return d.ID }

func TestMatchOfferFixture(t *testing.T) {
	h := newMatchFixture(t)
	req := catOfferDoc(h, "req-cnc")
	got, err := projections.MatchOffer(h.ctx, h.reads, req, matchNow, 20)
	if err != nil {
		t.Fatal(err)
	}
	checkMatches(t, "request", got, offerID, wantDECNC, wantCZOld, wantCZMetal, wantPLCNC, wantDEMach)

	// Deterministic given now; the limit cuts the ranking.
	again, err := projections.MatchOffer(h.ctx, h.reads, req, matchNow, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, got[:2]) {
		t.Errorf("limit 2: %+v", again)
	}

	// The request now wants partners in Germany or Czechia only, and
	// names the Czech Northwest (CZ04) as a target region: the offer from
	// Wrocław drops out, the one from Ústí (CZ042) gains the region.
	catOffer(h, "req-cnc", matchDay(1), func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		d := o.Details
		d.TargetCountries = []string{"DE", "CZ"}
		d.TargetRegions = []string{"CZ04"}
		return domain.ReviseOffer{Details: d}.Decide(o, a, now)
	})
	req = catOfferDoc(h, "req-cnc")
	got, err = projections.MatchOffer(h.ctx, h.reads, req, matchNow, 20)
	if err != nil {
		t.Fatal(err)
	}
	czOld := matchWant{"cz-old", 89.0005, slices.Insert(slices.Clone(wantCZOld.reasons), 3,
		projections.Reason{Factor: "region", Weight: 10, Score: 1, Regions: []string{"CZ04"}, Note: "in a target region"})}
	checkMatches(t, "request for DE and CZ", got, offerID, wantDECNC, czOld, wantCZMetal, wantDEMach)

	// From the offer's side: the Görlitz offer finds the request (and not
	// its own organisation's request); the Wrocław one only the German
	// request, as the Polish one is no longer for Poland.
	got, err = projections.MatchOffer(h.ctx, h.reads, catOfferDoc(h, "de-cnc"), matchNow, 20)
	if err != nil {
		t.Fatal(err)
	}
	checkMatches(t, "offer de-cnc", got, offerID, matchWant{"req-cnc", 91.667, []projections.Reason{
		{Factor: "sector", Weight: 40, Score: 1, Codes: []string{"25.62"}, Note: "same NACE division"},
		{Factor: "cross_border", Weight: 20, Score: 1, Note: "DE ↔ PL"},
		{Factor: "languages", Weight: 15, Score: 1, Languages: []string{"pl"}},
		{Factor: "region", Weight: 10, Score: 1, Regions: []string{"DED2", "PL51"}, Note: "neighbouring border regions"},
		{Factor: "freshness", Weight: 5, Score: 1, Note: "published 5 days ago"},
		{Factor: "text", Weight: 10, Score: 0.1667, Terms: []string{"cnc", "frezowan"}},
	}})
	got, err = projections.MatchOffer(h.ctx, h.reads, catOfferDoc(h, "pl-cnc"), matchNow, 20)
	if err != nil || len(got) != 1 || got[0].Doc.ID != "de-request" {
		t.Errorf("offer pl-cnc: %+v, %v", got, err)
	}

	// 200 days on, freshness has faded and cz-old's validity (365 days
	// from its publication) has ended.
	later, err := projections.MatchOffer(h.ctx, h.reads, req, matchNow.AddDate(0, 0, 200), 20)
	if err != nil {
		t.Fatal(err)
	}
	var laterIDs []string
	for _, m := range later {
		laterIDs = append(laterIDs, m.Doc.ID)
		for _, r := range m.Reasons {
			if r.Factor == "freshness" && r.Score >= 1 {
				t.Errorf("%s still fully fresh 200 days on: %+v", m.Doc.ID, r)
			}
		}
	}
	if want := []string{"de-cnc", "cz-metal", "de-mach"}; !slices.Equal(laterIDs, want) {
		t.Errorf("200 days on: %v, want %v", laterIDs, want)
	}
}

func TestRecommendOffers(t *testing.T) {
	h := newMatchFixture(t)
	org := catOrgDoc(h, "org-de")
	got, err := projections.RecommendOffers(h.ctx, h.reads, org, matchNow, 50)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	kinds := map[string]bool{}
	for i, m := range got {
		ids = append(ids, m.Doc.ID)
		kinds[m.Doc.Kind] = true
		if m.Doc.OwnerOrgID == "org-de" || m.Doc.Status != "published" {
			t.Errorf("recommended %s of %s (%s)", m.Doc.ID, m.Doc.OwnerOrgID, m.Doc.Status)
		}
		if i > 0 && (got[i-1].Score < m.Score || got[i-1].Score == m.Score && got[i-1].Doc.ID > m.Doc.ID) {
			t.Errorf("not ranked: %s %v before %s %v", got[i-1].Doc.ID, got[i-1].Score, m.Doc.ID, m.Score)
		}
	}
	slices.Sort(ids)
	if want := []string{"cz-metal", "cz-old", "de-mach", "own", "pl-cnc", "req-cnc"}; !slices.Equal(ids, want) {
		t.Errorf("recommended %v, want %v", ids, want)
	}
	if !kinds["offer"] || !kinds["request"] {
		t.Errorf("kinds %v, want offers and requests", kinds)
	}
	i := slices.IndexFunc(got, func(m projections.Match[projections.OfferDoc]) bool { return m.Doc.ID == "req-cnc" })
	want := []projections.Reason{
		{Factor: "sector", Weight: 40, Score: 1, Codes: []string{"25.62"}, Note: "same NACE division"},
		{Factor: "cross_border", Weight: 20, Score: 1, Note: "DE ↔ PL"},
		{Factor: "languages", Weight: 15, Score: 1, Languages: []string{"pl"}},
		{Factor: "region", Weight: 10, Score: 1, Regions: []string{"DED2", "PL51"}, Note: "neighbouring border regions"},
		{Factor: "freshness", Weight: 5, Score: 1, Note: "published 5 days ago"},
	}
	if r := got[i].Reasons; !reflect.DeepEqual(r, want) {
		t.Errorf("req-cnc for org-de: reasons\n got %+v\nwant %+v", r, want)
	}
}

func TestRecommendPartners(t *testing.T) {
	h := newMatchFixture(t)
	org := catOrgDoc(h, "org-pl")
	got, err := projections.RecommendPartners(h.ctx, h.reads, org, matchNow, 50)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, m := range got {
		ids = append(ids, m.Doc.ID)
		if i > 0 && got[i-1].Score < m.Score {
			t.Errorf("not ranked: %s before %s", got[i-1].Doc.ID, m.Doc.ID)
		}
	}
	// The caterer shares no sector, the foundry is deactivated.
	if want := []string{"org-cz", "org-cz2", "org-de", "org-de2", "org-pl2"}; !slices.Equal(slices.Sorted(slices.Values(ids)), want) {
		t.Fatalf("partners %v, want %v", ids, want)
	}
	// Görlitz: division 25, across the border, Polish, neighbours. All
	// organisations were updated 500 days ago: not fresh.
	top := got[0]
	if top.Doc.ID != "org-de" {
		t.Fatalf("top partner %s, want org-de", top.Doc.ID)
	}
	want := []projections.Reason{
		{Factor: "sector", Weight: 40, Score: 1, Codes: []string{"25"}, Note: "same NACE division"},
		{Factor: "cross_border", Weight: 20, Score: 1, Note: "PL ↔ DE"},
		{Factor: "languages", Weight: 15, Score: 1, Languages: []string{"pl"}},
		{Factor: "region", Weight: 10, Score: 1, Regions: []string{"PL51", "DED2"}, Note: "neighbouring border regions"},
	}
	if len(top.Reasons) < len(want) || !reflect.DeepEqual(top.Reasons[:len(want)], want) {
		t.Errorf("org-de reasons\n got %+v\nwant %+v…", top.Reasons, want)
	}
	for _, r := range top.Reasons[len(want):] {
		if r.Factor != "text" {
			t.Errorf("unexpected reason %+v", r)
		}
	}
}

func TestMatchEdgeCases(t *testing.T) {
	h := newHarness(t, projections.NewCatalogue())
	// A document without codes matches nothing; an unknown kind is an
	// error.
	got, err := projections.MatchOffer(h.ctx, h.reads, projections.OfferDoc{ID: "x", Kind: "offer"}, matchNow, 10)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("no codes: %v, %v", got, err)
	}
	if _, err := projections.MatchOffer(h.ctx, h.reads, projections.OfferDoc{ID: "x", Kind: "barter", Codes: []string{"C"}}, matchNow, 10); err == nil {
		t.Error("unknown kind: no error")
	}
	ps, err := projections.RecommendPartners(h.ctx, h.reads, projections.OrgDoc{ID: "o"}, matchNow, 10)
	if err != nil || ps == nil || len(ps) != 0 {
		t.Errorf("partners without codes: %v, %v", ps, err)
	}

	// Reasons encode with snake_case keys and leave out what is empty.
	b, err := json.Marshal(projections.Reason{Factor: "cross_border", Weight: 20, Score: 1})
	if err != nil || string(b) != `{"factor":"cross_border","weight":20,"score":1}` {
		t.Errorf("reason JSON %s, %v", b, err)
	}
	b, _ = json.Marshal(projections.Reason{Factor: "region", Weight: 10, Score: 1, Regions: []string{"PL51", "DED2"}, Note: "n"})
	if !strings.Contains(string(b), `"regions":["PL51","DED2"]`) || !strings.Contains(string(b), `"note":"n"`) {
		t.Errorf("reason JSON %s", b)
	}

	// The weights add up to 100.
	if sum := projections.MatchWeightSector + projections.MatchWeightCrossBorder + projections.MatchWeightLanguages +
		projections.MatchWeightRegion + projections.MatchWeightText + projections.MatchWeightFreshness; sum != 100 {
		t.Errorf("weights add up to %v", sum)
	}
}

func TestNeighbours(t *testing.T) {
	for code, ns := range projections.Neighbours {
		n, err := reference.LookupNUTS(code)
		if err != nil {
			t.Errorf("%s: %v", code, err)
			continue
		}
		if !slices.IsSorted(ns) || len(slices.Compact(slices.Clone(ns))) != len(ns) {
			t.Errorf("%s: neighbours %v not sorted and distinct", code, ns)
		}
		for _, m := range ns {
			o, err := reference.LookupNUTS(m)
			if err != nil {
				t.Errorf("%s: neighbour %s: %v", code, m, err)
				continue
			}
			if o.Country == n.Country {
				t.Errorf("%s and %s are in the same country", code, m)
			}
			if !slices.Contains(projections.Neighbours[m], code) {
				t.Errorf("%s borders %s, but not the other way round", code, m)
			}
		}
	}
	// Every border region of DESIGN.md §2 has a neighbour.
	for _, code := range []string{"DED2", "DED4", "DE40", "DE80", "PL51", "PL52", "PL43", "PL42", "CZ041", "CZ042", "CZ051", "CZ052", "CZ071", "CZ080"} {
		if len(projections.Neighbours[code]) == 0 {
			t.Errorf("%s has no neighbour", code)
		}
	}
}
