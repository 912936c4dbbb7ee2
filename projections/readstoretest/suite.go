// Package readstoretest is the contract suite every projections.Store runs:
// the memory store of the embedded mode and the PostgreSQL store. It pins
// down the documented behaviour of the port (checkpoints and generations,
// atomic batches, generic documents and their lists, the search index and
// its queries, the vocabulary, matching candidates, counters, evidence and
// dumps) so that both stores answer every query the same way, down to the
// order of ties and the scores.
//
// A store runs it in a few lines:
//
//	func TestContract(t *testing.T) {
//		readstoretest.Run(t, func(t *testing.T) projections.Store { return memory.New() })
//	}
//
// Where the port leaves a detail open, the suite reads it one way and says
// so in the test: ties among candidates and evidence, and the end of a
// listing (the last page has no next cursor).
package readstoretest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// Run runs the whole contract suite, each test on a fresh, empty store
// from open (the caller cleans it up).
func Run(t *testing.T, open func(t *testing.T) projections.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, projections.Store)
	}{
		{"EmptyStore", testEmptyStore},
		{"Live", testLive},
		{"StaleCheckpoint", testStale},
		{"RetiredGenerations", testRetired},
		{"Rollback", testRollback},
		{"ReadYourWrites", testReadYourWrites},
		{"Docs", testDocs},
		{"ListPaging", testListPaging},
		{"SearchIndexDocs", testSearchIndexDocs},
		{"SearchOfferFilters", testSearchOfferFilters},
		{"SearchOrganisationFilters", testSearchOrganisationFilters},
		{"SearchTerms", testSearchTerms},
		{"SearchFacets", testSearchFacets},
		{"SearchRandomised", testSearchRandomised},
		{"Vocabulary", testVocabulary},
		{"Candidates", testCandidates},
		{"Counters", testCounters},
		{"Evidence", testEvidence},
		{"Generations", testGenerations},
		{"RebuildTwice", testRebuildTwice},
		{"Dump", func(t *testing.T, s projections.Store) { testDump(t, s, open(t)) }},
		{"ConcurrentUpdatesOneWinner", testConcurrentUpdates},
		{"ReadersSeeWholeBatches", testReadersSeeWholeBatches},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// Projection names and categories of read models the suite writes. Each
// category is written by one projection only, as nisa's projections do.
const (
	catalogue = "catalogue" // offers, organisations, "catalogue.notes"
	rosters   = "rosters"   // "meetings"
	stats     = "stats"     // counters, evidence

	notesColl    = "catalogue.notes"
	meetingsColl = "meetings"
)

// ---------------------------------------------------------------------------
// Helpers

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// at is the dense position n.
func at(n uint64) domain.Position { return domain.Position{Commit: n, Prepare: n} }

// day is midnight UTC of an ISO date.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// jsonOf is v's JSON, for comparing values a store may keep as they are or
// as JSON.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return string(b)
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
		t.Errorf("%s:\n got  %s\n want %s", what, g, w)
	}
}

// writer applies batches to one generation of one projection, moving its
// checkpoint one position per batch.
type writer struct {
	t  *testing.T
	s  projections.Store
	tg projections.Target
	cp domain.Position
}

func live(t *testing.T, s projections.Store, name string) *writer {
	t.Helper()
	tg, cp, err := s.Live(ctxT(t), name)
	if err != nil {
		t.Fatalf("Live(%s): %v", name, err)
	}
	return &writer{t: t, s: s, tg: tg, cp: cp}
}

func (w *writer) next() domain.Position { return at(w.cp.Commit + 1) }

// update runs fn as one batch and fails the test on an error.
func (w *writer) update(fn func(ctx context.Context, tx projections.Tx) error) {
	w.t.Helper()
	ctx := ctxT(w.t)
	to := w.next()
	if err := w.s.Update(ctx, w.tg, w.cp, to, func(tx projections.Tx) error { return fn(ctx, tx) }); err != nil {
		w.t.Fatalf("update %s generation %d from %s: %v", w.tg.Name, w.tg.Generation, w.cp, err)
	}
	w.cp = to
}

// write applies b as one batch.
func (w *writer) write(b batch) {
	w.t.Helper()
	w.update(b.apply)
}

type counterAdd struct {
	c projections.Counter
	n int64
}

// batch is a list of writes, applied in the order docs, deletes, offers,
// organisations, counters, evidence.
type batch struct {
	docs     []projections.Doc
	deletes  [][2]string // coll, id
	offers   []projections.OfferDoc
	orgs     []projections.OrgDoc
	counters []counterAdd
	evidence []projections.Evidence
}

func (b batch) apply(ctx context.Context, tx projections.Tx) error {
	for _, d := range b.docs {
		if err := tx.Put(ctx, d); err != nil {
			return err
		}
	}
	for _, d := range b.deletes {
		if err := tx.Delete(ctx, d[0], d[1]); err != nil {
			return err
		}
	}
	for _, o := range b.offers {
		if err := tx.PutOffer(ctx, o); err != nil {
			return err
		}
	}
	for _, o := range b.orgs {
		if err := tx.PutOrganisation(ctx, o); err != nil {
			return err
		}
	}
	for _, c := range b.counters {
		if err := tx.Add(ctx, c.c, c.n); err != nil {
			return err
		}
	}
	for _, e := range b.evidence {
		if _, err := tx.AddEvidence(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Documents of the suite

// meeting is the value of the generic documents the suite writes.
type meeting struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Place        string    `json:"place"`
	StartsAt     time.Time `json:"starts_at"`
	Seats        int       `json:"seats"`
	Participants []string  `json:"participants,omitempty"`
}

func meetingDoc(id, title, place string, start time.Time, keys ...string) projections.Doc {
	return projections.Doc{Coll: meetingsColl, ID: id, Keys: keys, Sort: start.Unix(),
		Value: meeting{ID: id, Title: title, Place: place, StartsAt: start, Seats: 12, Participants: []string{"org-de-1", "org-pl-1"}}}
}

func noteDoc(id, text string, sort int64, keys ...string) projections.Doc {
	return projections.Doc{Coll: notesColl, ID: id, Keys: keys, Sort: sort, Value: meeting{ID: id, Title: text}}
}

// terms splits space-separated analysed words into a sorted list without
// duplicates, as the port requires of term lists.
func terms(s string) []string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return nil
	}
	slices.Sort(f)
	return slices.Compact(f)
}

// sectionOf is the NACE section letter of a division.
func sectionOf(div int) string {
	bounds := []struct {
		upTo int
		sec  string
	}{{3, "A"}, {9, "B"}, {33, "C"}, {35, "D"}, {39, "E"}, {43, "F"}, {47, "G"}, {53, "H"}, {56, "I"},
		{63, "J"}, {66, "K"}, {68, "L"}, {75, "M"}, {82, "N"}, {84, "O"}, {85, "P"}, {88, "Q"}, {93, "R"},
		{96, "S"}, {98, "T"}, {99, "U"}}
	for _, b := range bounds {
		if div <= b.upTo {
			return b.sec
		}
	}
	return ""
}

// codePath is codes with their divisions and sections ("25.62" → "25",
// "25.62", "C"), sorted.
func codePath(codes ...string) []string {
	var out []string
	for _, c := range codes {
		div, _, _ := strings.Cut(c, ".")
		n, err := strconv.Atoi(div)
		if err != nil {
			panic("bad NACE code " + c)
		}
		out = append(out, c, div, sectionOf(n))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// regionPath is a NUTS-3 region and the regions above it, sorted.
func regionPath(nuts string) []string {
	var out []string
	for n := len(nuts); n >= 3; n-- {
		out = append(out, nuts[:n])
	}
	slices.Sort(out)
	return out
}

// orgB builds an OrgDoc.
type orgB struct{ d projections.OrgDoc }

func org(id, name, kind, country, nuts, city, nameTerms string) *orgB {
	return &orgB{projections.OrgDoc{ID: id, Name: name, Kind: kind, Country: country, NUTS: nuts,
		Regions: regionPath(nuts), City: city, Status: "active", Version: 1, TitleTerms: terms(nameTerms)}}
}

func (b *orgB) describe(t domain.Text, words string) *orgB {
	b.d.Description, b.d.TextTerms = t, terms(words)
	return b
}

func (b *orgB) nace(words string, codes ...string) *orgB {
	b.d.Sectors, b.d.Codes, b.d.CodeTerms = codes, codePath(codes...), terms(words)
	return b
}

func (b *orgB) langs(l ...string) *orgB { b.d.Languages = l; return b }

func (b *orgB) registered(date string) *orgB {
	b.d.RegisteredAt, b.d.UpdatedAt = day(date), day(date)
	return b
}

func (b *orgB) status(s string) *orgB { b.d.Status = s; return b }
func (b *orgB) verified() *orgB       { b.d.Verified = true; return b }
func (b *orgB) doc() projections.OrgDoc {
	d := b.d
	return d
}

// offerB builds an OfferDoc of an organisation.
type offerB struct{ d projections.OfferDoc }

func offer(id string, owner projections.OrgDoc, kind, category string) *offerB {
	return &offerB{projections.OfferDoc{ID: id, OwnerOrgID: owner.ID, OwnerName: owner.Name,
		OwnerCountry: owner.Country, OwnerNUTS: owner.NUTS, OwnerLanguages: owner.Languages,
		Regions: owner.Regions, Kind: kind, Category: category, Languages: owner.Languages,
		Status: "published", Version: 1}}
}

func (b *offerB) pts(p ...string) *offerB { b.d.PartnershipTypes = p; return b }
func (b *offerB) title(t domain.Text, words string) *offerB {
	b.d.Title, b.d.TitleTerms = t, terms(words)
	return b
}
func (b *offerB) text(t domain.Text, words string) *offerB {
	b.d.Description, b.d.TextTerms = t, terms(words)
	return b
}
func (b *offerB) nace(words string, codes ...string) *offerB {
	b.d.NACE, b.d.Codes, b.d.CodeTerms = codes, codePath(codes...), terms(words)
	return b
}
func (b *offerB) langs(l ...string) *offerB { b.d.Languages = l; return b }
func (b *offerB) status(s string) *offerB   { b.d.Status = s; return b }
func (b *offerB) published(date string) *offerB {
	b.d.PublishedAt, b.d.UpdatedAt = day(date), day(date)
	return b
}
func (b *offerB) valid(date string) *offerB { b.d.ValidUntil = day(date); return b }
func (b *offerB) doc() projections.OfferDoc {
	d := b.d
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = day("2025-06-01")
	}
	return d
}

// fixture is a small network of the border regions.
type fixture struct {
	orgs   map[string]projections.OrgDoc
	offers map[string]projections.OfferDoc
}

func (f fixture) offerList(ids ...string) []projections.OfferDoc {
	var out []projections.OfferDoc
	for _, id := range ids {
		out = append(out, f.offers[id])
	}
	return out
}

func (f fixture) orgList(ids ...string) []projections.OrgDoc {
	var out []projections.OrgDoc
	for _, id := range ids {
		out = append(out, f.orgs[id])
	}
	return out
}

func (f fixture) allOffers() []projections.OfferDoc {
	return f.offerList(sortedKeys(f.offers)...)
}

func (f fixture) allOrgs() []projections.OrgDoc { return f.orgList(sortedKeys(f.orgs)...) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func newFixture() fixture {
	de1 := org("org-de-1", "Görlitzer Metallbau GmbH", "sme", "DE", "DED2D", "Görlitz", "gorlitz gorlitzer gmbh metallbau").
		describe(domain.Text{DE: "Stahlbau, Schweißen und Blechbearbeitung für Kunden in Sachsen und Niederschlesien."}, "blechbearbeitung kunden niederschlesien sachsen schweissen stahlbau").
		nace("herstellung metallerzeugnisse schlosserei stahlbau", "25.11", "25.62").langs("de", "pl").registered("2025-03-01").doc()
	de2 := org("org-de-2", "Lausitz Software GmbH", "sme", "DE", "DED2C", "Bautzen", "bautzen gmbh lausitz software").
		describe(domain.Text{DE: "Individuelle Software und Bildverarbeitung für den Mittelstand."}, "bildverarbeitung individuelle mittelstand software").
		nace("programmierung software", "62.01").langs("de", "en").registered("2025-04-10").doc()
	de3 := org("org-de-3", "TU Dresden – Institut für Fertigungstechnik", "university", "DE", "DED21", "Dresden", "dresden fertigungstechnik institut tu").
		describe(domain.Text{DE: "Forschung zu Schweißtechnik und additiver Fertigung.", EN: "Research in welding and additive manufacturing."}, "additive additiver fertigung forschung manufacturing research schweisstechnik welding").
		nace("entwicklung forschung hochschule", "72.19", "85.42").langs("de", "en").registered("2025-01-15").verified().doc()
	pl1 := org("org-pl-1", "Zakład Metalowy Karkonosze sp. z o.o.", "sme", "PL", "PL515", "Jelenia Góra", "gora jelenia karkonosze metalowy zaklad").
		describe(domain.Text{PL: "Spawanie, obróbka CNC, frezowanie i toczenie."}, "cnc frezowanie obrobka spawanie toczenie").
		nace("maszyny metalowe obrobka", "25.62", "28.41").langs("pl", "de").registered("2025-05-20").doc()
	pl2 := org("org-pl-2", "Dolnośląska Izba Gospodarcza", "chamber", "PL", "PL514", "Wrocław", "dolnoslaska gospodarcza izba wroclaw").
		describe(domain.Text{PL: "Samorząd gospodarczy Dolnego Śląska."}, "dolnego gospodarczy samorzad slaska").
		nace("organizacje", "94.11").langs("pl", "en", "de").registered("2025-02-02").doc()
	pl3 := org("org-pl-3", "Lubuskie Meble S.A.", "large_enterprise", "PL", "PL432", "Zielona Góra", "gora lubuskie meble zielona").
		describe(domain.Text{PL: "Produkcja mebli z drewna."}, "drewna mebli produkcja").
		nace("drewno meble", "31.01", "16.23").langs("pl").registered("2025-06-01").status("deactivated").doc()
	cz1 := org("org-cz-1", "Sklárna Jizera s.r.o.", "sme", "CZ", "CZ051", "Liberec", "jizera liberec sklarna").
		describe(domain.Text{CS: "Technické a dekorativní sklo."}, "dekorativni sklo technicke").
		nace("sklenene sklo vyrobky", "23.13").langs("cs", "de").registered("2025-03-18").doc()
	cz2 := org("org-cz-2", "Chemické závody Ústí a.s.", "large_enterprise", "CZ", "CZ042", "Ústí nad Labem", "chemicke labem usti zavody").
		describe(domain.Text{CS: "Výroba základních chemikálií.", EN: "Basic chemicals."}, "basic chemicals chemikalii vyroba zakladnich").
		nace("chemicke latky", "20.14", "20.59").langs("cs", "en").registered("2025-07-07").doc()

	offers := []projections.OfferDoc{
		offer("off-01", de1, "offer", "subcontracting").pts("outsourcing", "supplier").
			title(domain.Text{DE: "Lohnschweißen und Stahlbau für den Maschinenbau"}, "lohnschweissen maschinenbau stahlbau").
			text(domain.Text{DE: "Wir bieten Schweißen (MIG, MAG, WIG) und Stahlkonstruktionen bis 12 Meter."}, "bieten mag meter mig schweissen stahlkonstruktionen wig").
			nace("mechanik metallerzeugnisse stahlbau", "25.11", "25.62").langs("de", "pl").published("2025-09-01").valid("2026-09-01").doc(),
		offer("off-02", pl1, "offer", "service").pts("outsourcing").
			title(domain.Text{PL: "Obróbka CNC i spawanie"}, "cnc obrobka spawanie").
			text(domain.Text{PL: "Frezowanie, toczenie i spawanie stali nierdzewnej dla przemysłu maszynowego."}, "frezowanie maszynowego nierdzewnej przemyslu spawanie stali toczenie").
			nace("mechanik metalowe obrobka", "25.62").langs("pl", "de", "en").published("2025-10-05").valid("2026-04-05").doc(),
		offer("off-03", cz1, "offer", "product").pts("commercial").
			title(domain.Text{CS: "Technické sklo na zakázku"}, "sklo technicke zakazku").
			text(domain.Text{CS: "Bezpečnostní sklo pro stroje a osvětlení."}, "bezpecnostni osvetleni sklo stroje").
			nace("sklenene sklo vyrobky", "23.13").langs("cs", "de").published("2025-08-20").valid("2026-02-20").doc(),
		offer("off-04", de2, "request", "rd_partner").pts("rd_cooperation").
			title(domain.Text{DE: "Partner für KI-gestützte Qualitätsprüfung gesucht"}, "gestutzte gesucht ki partner qualitatsprufung").
			text(domain.Text{DE: "Bildverarbeitung prüft Schweißnähte, maschinelles Lernen erkennt Fehler."}, "bildverarbeitung erkennt fehler lernen maschinelles pruft schweissnahte").
			nace("forschung programmierung software", "62.01", "72.19").langs("de", "en").published("2025-11-12").valid("2026-05-12").doc(),
		offer("off-05", pl2, "request", "cooperation_partner").pts("commercial", "investment").
			title(domain.Text{PL: "Szukamy partnerów do targów w Dreźnie"}, "dreznie partnerow szukamy targow").
			text(domain.Text{PL: "Wspólne stoisko na targach maszynowych w Dreźnie."}, "dreznie maszynowych stoisko targach wspolne").
			nace("organizacje", "94.11").langs("pl", "de").published("2025-10-05").valid("2026-01-31").doc(),
		offer("off-06", de1, "request", "supplier_search").pts("supplier").
			title(domain.Text{DE: "Lieferant für Edelstahlbleche gesucht"}, "edelstahlbleche gesucht lieferant").
			text(domain.Text{DE: "Wir suchen einen Lieferanten für Edelstahl-Bleche aus Polen oder Tschechien."}, "bleche edelstahl lieferanten polen suchen tschechien").
			nace("metallerzeugung stahl", "24.10").langs("de").status("draft").valid("2026-06-30").doc(),
		offer("off-07", cz2, "offer", "nearshoring").pts("investment").
			title(domain.Text{CS: "Průmyslové plochy pro nearshoring"}, "nearshoring plochy prumyslove").
			text(domain.Text{CS: "Chemický park s infrastrukturou."}, "chemicky infrastrukturou park").
			nace("chemicke latky", "20.14").langs("cs", "en").status("withdrawn").published("2025-07-15").valid("2026-07-15").doc(),
		offer("off-08", pl1, "request", "subcontracting").pts("outsourcing", "supplier").
			title(domain.Text{PL: "Poszukujemy kooperanta do cięcia laserowego"}, "ciecia kooperanta laserowego poszukujemy").
			text(domain.Text{PL: "Cięcie laserem blach stalowych, spawanie."}, "blach ciecie laserem spawanie stalowych").
			nace("maszyny metalowe obrobka", "25.62", "28.41").langs("pl").status("expired").published("2025-03-01").valid("2025-09-01").doc(),
		offer("off-09", de3, "offer", "rd_partner").pts("rd_cooperation").
			title(domain.Text{DE: "Forschungskooperation Schweißtechnik"}, "forschungskooperation schweisstechnik").
			text(domain.Text{DE: "Gemeinsame Projekte zu Laserschweißen und additiver Fertigung."}, "additiver fertigung gemeinsame laserschweissen projekte").
			nace("entwicklung forschung", "72.19").langs("de", "en", "pl").published("2025-11-12").valid("2026-11-12").doc(),
		offer("off-10", cz1, "request", "supplier_search").pts("supplier").
			title(domain.Text{CS: "Hledáme dodavatele kovových rámů"}, "dodavatele hledame kovovych ramu").
			text(domain.Text{CS: "Kovové rámy pro skleněné panely, svařování."}, "kovove panely ramy sklenene svarovani").
			nace("konstrukce kovove", "25.11").langs("cs", "de").published("2025-12-01").valid("2026-03-01").doc(),
	}
	f := fixture{orgs: map[string]projections.OrgDoc{}, offers: map[string]projections.OfferDoc{}}
	for _, o := range []projections.OrgDoc{de1, de2, de3, pl1, pl2, pl3, cz1, cz2} {
		f.orgs[o.ID] = o
	}
	for _, o := range offers {
		f.offers[o.ID] = o
	}
	return f
}

// loadFixture writes the fixture through projection catalogue in three
// batches and returns it.
func loadFixture(t *testing.T, s projections.Store) (fixture, *writer) {
	t.Helper()
	f := newFixture()
	w := live(t, s, catalogue)
	w.write(batch{orgs: f.allOrgs()})
	offers := f.allOffers()
	w.write(batch{offers: offers[:4]})
	w.write(batch{offers: offers[4:]})
	return f, w
}

// ---------------------------------------------------------------------------
// Search oracle: the port's search semantics written out plainly.

type item struct {
	offer                           bool
	id                              string
	at, valid                       time.Time
	kind, category, status, country string
	pts, codes, regions, langs      []string
	title, text, code               []string
	doc                             any
}

func offerItem(o projections.OfferDoc) item {
	return item{offer: true, id: o.ID, at: o.PublishedAt, valid: o.ValidUntil, kind: o.Kind, category: o.Category,
		status: o.Status, country: o.OwnerCountry, pts: o.PartnershipTypes, codes: o.Codes, regions: o.Regions,
		langs: o.Languages, title: o.TitleTerms, text: o.TextTerms, code: o.CodeTerms, doc: o}
}

func orgItem(o projections.OrgDoc) item {
	return item{id: o.ID, at: o.RegisteredAt, kind: o.Kind, status: o.Status, country: o.Country,
		codes: o.Codes, regions: o.Regions, langs: o.Languages, title: o.TitleTerms, text: o.TextTerms,
		code: o.CodeTerms, doc: o}
}

func offerItems(offers []projections.OfferDoc) []item {
	var out []item
	for _, o := range offers {
		out = append(out, offerItem(o))
	}
	return out
}

func orgItems(orgs []projections.OrgDoc) []item {
	var out []item
	for _, o := range orgs {
		out = append(out, orgItem(o))
	}
	return out
}

type scored struct {
	it    item
	score float64
}

func oracleMatch(it item, q projections.SearchQuery) bool {
	one := func(want []string, v string) bool { return len(want) == 0 || slices.Contains(want, v) }
	some := func(want, have []string) bool {
		if len(want) == 0 {
			return true
		}
		for _, w := range want {
			if slices.Contains(have, w) {
				return true
			}
		}
		return false
	}
	if !one(q.Kind, it.kind) || !one(q.Status, it.status) || !one(q.Country, it.country) ||
		!some(q.Codes, it.codes) || !some(q.Regions, it.regions) || !some(q.Language, it.langs) {
		return false
	}
	if it.offer {
		if !one(q.Category, it.category) || !some(q.PartnershipType, it.pts) {
			return false
		}
		if !q.ValidOn.IsZero() && !it.valid.After(q.ValidOn) {
			return false
		}
	}
	if len(q.Terms) == 0 {
		return true
	}
	for _, t := range q.Terms {
		if slices.Contains(it.title, t.Term) || slices.Contains(it.text, t.Term) || slices.Contains(it.code, t.Term) {
			return true
		}
	}
	return false
}

// comesBefore is the order of results.
func comesBefore(recent bool, a, b scored) bool {
	if !recent && a.score != b.score {
		return a.score > b.score
	}
	if !a.it.at.Equal(b.it.at) {
		return a.it.at.After(b.it.at)
	}
	return a.it.id > b.it.id
}

func asScored(c projections.Cursor) scored {
	return scored{it: item{id: c.ID, at: c.At}, score: c.Score}
}

// oracleSearch returns every match in order and the facets.
func oracleSearch(items []item, q projections.SearchQuery) ([]scored, map[string]map[string]int) {
	var all []scored
	for _, it := range items {
		if !oracleMatch(it, q) {
			continue
		}
		score := 0.0
		if len(q.Terms) > 0 {
			score = projections.Score(q.Terms, it.title, it.text, it.code)
		}
		all = append(all, scored{it, score})
	}
	recent := q.Sort == projections.SortRecent
	slices.SortFunc(all, func(a, b scored) int {
		if comesBefore(recent, a, b) {
			return -1
		}
		if comesBefore(recent, b, a) {
			return 1
		}
		return 0
	})
	facets := map[string]map[string]int{}
	inc := func(name string, vals ...string) {
		if facets[name] == nil {
			facets[name] = map[string]int{}
		}
		for _, v := range distinct(vals) {
			facets[name][v]++
		}
	}
	for _, h := range all {
		it := h.it
		var secs []string
		for _, c := range it.codes {
			if len(c) == 1 && c[0] >= 'A' && c[0] <= 'Z' {
				secs = append(secs, c)
			}
		}
		inc("kind", it.kind)
		inc("section", secs...)
		inc("country", it.country)
		inc("language", it.langs...)
		inc("status", it.status)
		if it.offer {
			inc("category", it.category)
			inc("partnership_type", it.pts...)
		}
	}
	return all, normFacets(facets)
}

func distinct(vals []string) []string {
	c := slices.Clone(vals)
	slices.Sort(c)
	return slices.Compact(c)
}

// oraclePage is the page of all that q asks for and the cursor after it.
func oraclePage(all []scored, q projections.SearchQuery) ([]scored, *projections.Cursor) {
	recent := q.Sort == projections.SortRecent
	start := 0
	if q.After != nil {
		c := asScored(*q.After)
		start = len(all)
		for i, h := range all {
			if comesBefore(recent, c, h) {
				start = i
				break
			}
		}
	}
	end := min(start+q.Limit, len(all))
	page := all[start:end]
	if end == len(all) {
		return page, nil
	}
	last := page[len(page)-1]
	return page, &projections.Cursor{Score: last.score, At: last.it.at, ID: last.it.id}
}

// normFacets drops zero counts and empty facets: a store may leave out a
// facet no match has a value for.
func normFacets(m map[string]map[string]int) map[string]map[string]int {
	out := map[string]map[string]int{}
	for k, vals := range m {
		for v, n := range vals {
			if n != 0 {
				if out[k] == nil {
					out[k] = map[string]int{}
				}
				out[k][v] = n
			}
		}
	}
	return out
}

// result is a page of either search in one form.
type result struct {
	ids    []string
	scores []float64
	docs   []any
	total  int
	next   *projections.Cursor
	facets map[string]map[string]int
}

func runSearch(t *testing.T, s projections.Store, offers bool, q projections.SearchQuery) result {
	t.Helper()
	ctx := ctxT(t)
	var r result
	if offers {
		res, err := s.SearchOffers(ctx, q)
		if err != nil {
			t.Fatalf("SearchOffers(%s): %v", describe(q), err)
		}
		for _, h := range res.Hits {
			r.ids, r.scores, r.docs = append(r.ids, h.Doc.ID), append(r.scores, h.Score), append(r.docs, h.Doc)
		}
		r.total, r.next, r.facets = res.Total, res.Next, res.Facets
	} else {
		res, err := s.SearchOrganisations(ctx, q)
		if err != nil {
			t.Fatalf("SearchOrganisations(%s): %v", describe(q), err)
		}
		for _, h := range res.Hits {
			r.ids, r.scores, r.docs = append(r.ids, h.Doc.ID), append(r.scores, h.Score), append(r.docs, h.Doc)
		}
		r.total, r.next, r.facets = res.Total, res.Next, res.Facets
	}
	return r
}

func describe(q projections.SearchQuery) string {
	b, _ := json.Marshal(q)
	return string(b)
}

var offerFacetKeys = []string{"category", "country", "kind", "language", "partnership_type", "section", "status"}
var orgFacetKeys = []string{"country", "kind", "language", "section", "status"}

// checkSearch runs q and compares the page with the oracle: hits, scores
// (exactly), documents, Total, Next and Facets.
func checkSearch(t *testing.T, s projections.Store, items []item, offers bool, q projections.SearchQuery, label string) result {
	t.Helper()
	got := runSearch(t, s, offers, q)
	all, facets := oracleSearch(items, q)
	page, next := oraclePage(all, q)
	var wantIDs []string
	for _, h := range page {
		wantIDs = append(wantIDs, h.it.id)
	}
	if !slices.Equal(got.ids, wantIDs) {
		t.Errorf("%s: hits %v, want %v (query %s)", label, got.ids, wantIDs, describe(q))
		return got
	}
	for i, h := range page {
		if got.scores[i] != h.score {
			t.Errorf("%s: hit %s scores %v, want %v (projections.Score)", label, h.it.id, got.scores[i], h.score)
		}
		if g, w := jsonOf(t, got.docs[i]), jsonOf(t, h.it.doc); g != w {
			t.Errorf("%s: hit %s document differs:\n got  %s\n want %s", label, h.it.id, g, w)
		}
	}
	if got.total != len(all) {
		t.Errorf("%s: Total %d, want %d", label, got.total, len(all))
	}
	switch {
	case next == nil && got.next != nil:
		t.Errorf("%s: Next %+v on the last page, want nil", label, *got.next)
	case next != nil && got.next == nil:
		t.Errorf("%s: Next nil, want %+v", label, *next)
	case next != nil && (got.next.ID != next.ID || got.next.Score != next.Score || !got.next.At.Equal(next.At)):
		t.Errorf("%s: Next %+v, want %+v (the last hit's score, time and id)", label, *got.next, *next)
	}
	if q.Facets {
		if g, w := normFacets(got.facets), facets; jsonOf(t, g) != jsonOf(t, w) {
			t.Errorf("%s: Facets\n got  %v\n want %v", label, g, w)
		}
		keys := orgFacetKeys
		if offers {
			keys = offerFacetKeys
		}
		for k := range got.facets {
			if !slices.Contains(keys, k) {
				t.Errorf("%s: undocumented facet %q", label, k)
			}
		}
	} else if len(got.facets) != 0 {
		t.Errorf("%s: Facets %v without asking for them", label, got.facets)
	}
	return got
}

// pageThrough reads every page of q (q.Limit each), checking every page
// with checkSearch, and returns the ids in order.
func pageThrough(t *testing.T, s projections.Store, items []item, offers bool, q projections.SearchQuery, label string) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	q.After = nil
	for page := 1; ; page++ {
		if page > len(items)+2 {
			t.Fatalf("%s: more pages than documents", label)
		}
		got := checkSearch(t, s, items, offers, q, fmt.Sprintf("%s, page %d", label, page))
		if t.Failed() {
			return ids
		}
		for _, id := range got.ids {
			if seen[id] {
				t.Fatalf("%s: %s on two pages", label, id)
			}
			seen[id] = true
		}
		ids = append(ids, got.ids...)
		if got.next == nil {
			return ids
		}
		q.After = got.next
	}
}

// ---------------------------------------------------------------------------
// Tests: checkpoints and generations

func testEmptyStore(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	if sts, err := s.Projections(ctx); err != nil || len(sts) != 0 {
		t.Errorf("Projections of an empty store = %v, %v; want none", sts, err)
	}
	if _, ok, err := s.Doc(ctx, meetingsColl, "m-1"); ok || err != nil {
		t.Errorf("Doc = %v, %v; want not found", ok, err)
	}
	if vals, next, err := s.List(ctx, meetingsColl, "all", "", 10); len(vals) != 0 || next != "" || err != nil {
		t.Errorf("List = %v, %q, %v; want nothing", vals, next, err)
	}
	res, err := s.SearchOffers(ctx, projections.SearchQuery{Limit: 10, Facets: true})
	if err != nil || len(res.Hits) != 0 || res.Total != 0 || res.Next != nil || len(normFacets(res.Facets)) != 0 {
		t.Errorf("SearchOffers = %+v, %v; want nothing", res, err)
	}
	ores, err := s.SearchOrganisations(ctx, projections.SearchQuery{Limit: 10, Terms: []projections.QueryTerm{{Term: "stahlbau", Weight: 1}}})
	if err != nil || len(ores.Hits) != 0 || ores.Total != 0 || ores.Next != nil {
		t.Errorf("SearchOrganisations = %+v, %v; want nothing", ores, err)
	}
	if v, err := s.Vocabulary(ctx, "stahl", 0.3, 10); len(v) != 0 || err != nil {
		t.Errorf("Vocabulary = %v, %v; want nothing", v, err)
	}
	if _, ok, err := s.OfferByID(ctx, "off-01"); ok || err != nil {
		t.Errorf("OfferByID = %v, %v; want not found", ok, err)
	}
	if _, ok, err := s.OrganisationByID(ctx, "org-de-1"); ok || err != nil {
		t.Errorf("OrganisationByID = %v, %v; want not found", ok, err)
	}
	if c, err := s.OfferCandidates(ctx, projections.CandidateQuery{Kind: "offer", Codes: []string{"C"}, Limit: 5}); len(c) != 0 || err != nil {
		t.Errorf("OfferCandidates = %v, %v; want nothing", c, err)
	}
	if c, err := s.OrganisationCandidates(ctx, projections.CandidateQuery{Codes: []string{"C"}, Limit: 5}); len(c) != 0 || err != nil {
		t.Errorf("OrganisationCandidates = %v, %v; want nothing", c, err)
	}
	if c, err := s.Counters(ctx, ""); len(c) != 0 || err != nil {
		t.Errorf("Counters = %v, %v; want nothing", c, err)
	}
	if e, err := s.Evidence(ctx, "RCO87", domain.Start, 10); len(e) != 0 || err != nil {
		t.Errorf("Evidence = %v, %v; want nothing", e, err)
	}
}

func testLive(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	for range 2 {
		tg, cp, err := s.Live(ctx, catalogue)
		if err != nil || tg != (projections.Target{Name: catalogue, Generation: 1}) || cp != domain.Start {
			t.Fatalf("Live(%s) = %+v, %s, %v; want generation 1 at Start", catalogue, tg, cp, err)
		}
	}
	sts, err := s.Projections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []projections.State{{Name: catalogue, Generation: 1, Checkpoint: domain.Start}}
	if !slices.Equal(sts, want) {
		t.Fatalf("Projections = %+v, want %+v (UpdatedAt zero: never updated)", sts, want)
	}

	before := time.Now()
	w := live(t, s, catalogue)
	w.update(func(context.Context, projections.Tx) error { return nil })
	w.update(func(context.Context, projections.Tx) error { return nil })
	tg, cp, err := s.Live(ctx, catalogue)
	if err != nil || tg.Generation != 1 || cp != at(2) {
		t.Errorf("Live after two batches = %+v, %s, %v; want generation 1 at %s", tg, cp, err, at(2))
	}
	// Checkpoints keep both parts of a position.
	if err := s.Update(ctx, tg, at(2), domain.Position{Commit: 7531, Prepare: 1024}, func(projections.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, cp, _ := s.Live(ctx, catalogue); cp != (domain.Position{Commit: 7531, Prepare: 1024}) {
		t.Errorf("checkpoint %s, want 7531:1024", cp)
	}

	live(t, s, "zeta")
	live(t, s, "alpha")
	sts, err = s.Projections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range sts {
		names = append(names, st.Name)
	}
	if !slices.Equal(names, []string{"alpha", catalogue, "zeta"}) {
		t.Errorf("Projections names %v, want sorted [alpha catalogue zeta]", names)
	}
	for _, st := range sts {
		switch st.Name {
		case catalogue:
			if st.Generation != 1 || st.Checkpoint != (domain.Position{Commit: 7531, Prepare: 1024}) || st.Building != 0 || !st.BuildingCheckpoint.IsZero() {
				t.Errorf("state of %s = %+v", st.Name, st)
			}
			if st.UpdatedAt.Before(before.Add(-time.Minute)) || st.UpdatedAt.After(time.Now().Add(time.Minute)) {
				t.Errorf("UpdatedAt %v, want about now (%v)", st.UpdatedAt, before)
			}
		default:
			if st.Generation != 1 || !st.Checkpoint.IsZero() || !st.UpdatedAt.IsZero() {
				t.Errorf("state of new %s = %+v, want generation 1 at Start, never updated", st.Name, st)
			}
		}
	}
}

func testStale(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	tg, _, err := s.Live(ctx, rosters)
	if err != nil {
		t.Fatal(err)
	}
	put := func(id string) func(projections.Tx) error {
		return func(tx projections.Tx) error {
			return tx.Put(ctx, meetingDoc(id, "Matchmaking Görlitz", "Görlitz", day("2025-11-20"), "all"))
		}
	}
	checkStale := func(err error, want domain.Position) {
		t.Helper()
		var se *projections.StaleError
		if !errors.As(err, &se) {
			t.Fatalf("err = %v, want a *StaleError", err)
		}
		if se.Target != tg || se.Checkpoint != want {
			t.Errorf("StaleError %+v, want target %+v at %s", *se, tg, want)
		}
	}
	checkStale(s.Update(ctx, tg, at(5), at(6), put("m-stale-1")), domain.Start)
	if err := s.Update(ctx, tg, domain.Start, at(3), put("m-1")); err != nil {
		t.Fatal(err)
	}
	checkStale(s.Update(ctx, tg, domain.Start, at(4), put("m-stale-2")), at(3))
	checkStale(s.Update(ctx, tg, at(2), at(4), put("m-stale-3")), at(3))
	checkStale(s.Update(ctx, tg, domain.Position{Commit: 3, Prepare: 1}, at(4), put("m-stale-4")), at(3))
	for _, id := range []string{"m-stale-1", "m-stale-2", "m-stale-3", "m-stale-4"} {
		if _, ok, err := s.Doc(ctx, meetingsColl, id); ok || err != nil {
			t.Errorf("a stale batch wrote %s (%v)", id, err)
		}
	}
	if _, cp, _ := s.Live(ctx, rosters); cp != at(3) {
		t.Errorf("checkpoint %s after stale batches, want %s", cp, at(3))
	}
	if _, ok, _ := s.Doc(ctx, meetingsColl, "m-1"); !ok {
		t.Error("the accepted batch's document is missing")
	}
}

func testRetired(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	tg, _, err := s.Live(ctx, rosters)
	if err != nil {
		t.Fatal(err)
	}
	wrote := false
	fn := func(projections.Tx) error { wrote = true; return nil }
	for _, bad := range []projections.Target{
		{Name: rosters, Generation: 2},
		{Name: rosters, Generation: 0},
		{Name: "unknown", Generation: 1},
	} {
		err := s.Update(ctx, bad, domain.Start, at(1), fn)
		if !errors.Is(err, projections.ErrRetired) {
			t.Errorf("Update(%+v) = %v, want ErrRetired", bad, err)
		}
		if err := s.Promote(ctx, bad); !errors.Is(err, projections.ErrRetired) {
			t.Errorf("Promote(%+v) = %v, want ErrRetired", bad, err)
		}
	}
	if wrote {
		t.Error("fn ran for a retired generation")
	}
	if err := s.Promote(ctx, tg); !errors.Is(err, projections.ErrRetired) {
		t.Errorf("Promote(live generation) = %v, want ErrRetired", err)
	}
	if _, cp, _ := s.Live(ctx, rosters); !cp.IsZero() {
		t.Errorf("checkpoint %s, want Start", cp)
	}
}

// snapshot reads everything the rollback test writes, as text.
func snapshot(t *testing.T, s projections.Store) string {
	t.Helper()
	ctx := ctxT(t)
	var b strings.Builder
	add := func(name string, v any, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fmt.Fprintf(&b, "%s: %s\n", name, jsonOf(t, v))
	}
	for _, id := range []string{"n-1", "n-2", "n-3"} {
		v, ok, err := s.Doc(ctx, notesColl, id)
		add("doc "+id, []any{v, ok}, err)
	}
	vals, next, err := s.List(ctx, notesColl, "all", "", 10)
	add("list", []any{vals, next}, err)
	for _, id := range []string{"off-01", "off-02", "off-03"} {
		o, ok, err := s.OfferByID(ctx, id)
		add("offer "+id, []any{o, ok}, err)
	}
	for _, id := range []string{"org-de-1", "org-pl-1", "org-cz-1"} {
		o, ok, err := s.OrganisationByID(ctx, id)
		add("org "+id, []any{o, ok}, err)
	}
	for _, term := range []string{"", "windkraft", "stahlbau", "sklo"} {
		q := projections.SearchQuery{Limit: 100, Facets: true}
		if term != "" {
			q.Terms = []projections.QueryTerm{{Term: term, Weight: 1}}
		}
		r := runSearch(t, s, true, q)
		r.facets = normFacets(r.facets)
		add("offers "+term, []any{r.ids, r.scores, r.total, r.facets}, nil)
		r = runSearch(t, s, false, q)
		r.facets = normFacets(r.facets)
		add("orgs "+term, []any{r.ids, r.scores, r.total, r.facets}, nil)
	}
	for _, tok := range []string{"windkraft", "sklo", "stahl"} {
		v, err := s.Vocabulary(ctx, tok, 0.3, 20)
		add("vocabulary "+tok, v, err)
	}
	cands, err := s.OfferCandidates(ctx, projections.CandidateQuery{Kind: "offer", Codes: []string{"C"}, Limit: 10})
	add("offer candidates", cands, err)
	ocands, err := s.OrganisationCandidates(ctx, projections.CandidateQuery{Codes: []string{"C"}, Limit: 10})
	add("org candidates", ocands, err)
	cs, err := s.Counters(ctx, "")
	add("counters", nonZero(cs), err)
	ev, err := s.Evidence(ctx, "RCO87", domain.Start, 10)
	add("evidence", ev, err)
	sts, err := s.Projections(ctx)
	add("projections", sts, err)
	return b.String()
}

// nonZero leaves out counters at 0, which a store may keep or drop.
func nonZero(cs []projections.CounterValue) []projections.CounterValue {
	out := []projections.CounterValue{}
	for _, c := range cs {
		if c.N != 0 {
			out = append(out, c)
		}
	}
	return out
}

func evidence(ind, subject, country, month string, pos domain.Position, typ string) projections.Evidence {
	return projections.Evidence{Indicator: ind, Subject: subject, Country: country, Month: month, Position: pos,
		StreamID: "organisation-" + subject, Type: typ, At: day(month + "-15"), Note: "registered in the border region"}
}

func testRollback(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	f := newFixture()
	w := live(t, s, catalogue)
	w.write(batch{
		docs:     []projections.Doc{noteDoc("n-1", "eins", 10, "all"), noteDoc("n-2", "zwei", 20, "all")},
		offers:   f.offerList("off-01", "off-02"),
		orgs:     f.orgList("org-de-1", "org-pl-1"),
		counters: []counterAdd{{projections.Counter{Metric: "offers"}, 2}, {projections.Counter{Metric: "offers", Dim: "country", Value: "DE"}, 1}},
		evidence: []projections.Evidence{evidence("RCO87", "org-de-1", "DE", "2025-03", at(1), "OrganisationRegistered")},
	})
	before := snapshot(t, s)

	boom := errors.New("projection failed half-way")
	changed := f.offers["off-01"]
	changed.Title = domain.Text{DE: "Windkraft-Türme aus Stahl"}
	changed.TitleTerms = terms("aus stahl turme windkraft")
	changed.Status = "withdrawn"
	org := f.orgs["org-de-1"]
	org.Status = "deactivated"
	org.TitleTerms = terms("windkraft gmbh")
	err := s.Update(ctx, w.tg, w.cp, w.next(), func(tx projections.Tx) error {
		if err := (batch{
			docs:    []projections.Doc{noteDoc("n-1", "eins geändert", 30, "all", "other"), noteDoc("n-3", "drei", 5, "all")},
			deletes: [][2]string{{notesColl, "n-2"}},
			offers:  []projections.OfferDoc{changed, f.offers["off-03"]},
			orgs:    []projections.OrgDoc{org, f.orgs["org-cz-1"]},
			counters: []counterAdd{{projections.Counter{Metric: "offers"}, 1}, {projections.Counter{Metric: "offers", Dim: "country", Value: "CZ"}, 1},
				{projections.Counter{Metric: "offers", Dim: "country", Value: "DE"}, -1}},
		}).apply(ctx, tx); err != nil {
			return err
		}
		first, err := tx.AddEvidence(ctx, evidence("RCO87", "org-cz-1", "CZ", "2025-03", at(2), "OrganisationRegistered"))
		if err != nil || !first {
			return fmt.Errorf("AddEvidence inside the failing batch = %v, %v; want first", first, err)
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update = %v, want fn's error unchanged", err)
	}
	if after := snapshot(t, s); after != before {
		t.Errorf("a failed batch left traces:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The checkpoint did not move: the batch can be retried from it, and
	// the evidence it recorded is new again.
	w.update(func(ctx context.Context, tx projections.Tx) error {
		first, err := tx.AddEvidence(ctx, evidence("RCO87", "org-cz-1", "CZ", "2025-03", at(2), "OrganisationRegistered"))
		if err == nil && !first {
			err = errors.New("evidence of the rolled-back batch is not new")
		}
		return err
	})
}

func testReadYourWrites(t *testing.T, s projections.Store) {
	f := newFixture()
	w := live(t, s, catalogue)
	offersOf := func(ctx context.Context, tx projections.Tx, org string, want ...string) error {
		got, err := tx.OffersOf(ctx, org)
		if err != nil {
			return err
		}
		slices.Sort(got)
		if !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
			return fmt.Errorf("OffersOf(%s) = %v, want %v", org, got, want)
		}
		return nil
	}
	w.update(func(ctx context.Context, tx projections.Tx) error {
		if _, ok, err := tx.Get(ctx, notesColl, "n-1"); ok || err != nil {
			return fmt.Errorf("Get before Put = %v, %v", ok, err)
		}
		if err := tx.Put(ctx, noteDoc("n-1", "eins", 1, "all")); err != nil {
			return err
		}
		if err := tx.Put(ctx, noteDoc("n-1", "eins, zweite Fassung", 1, "all")); err != nil {
			return err
		}
		v, ok, err := tx.Get(ctx, notesColl, "n-1")
		if err != nil || !ok {
			return fmt.Errorf("Get after Put = %v, %v", ok, err)
		}
		if m, err := projections.As[meeting](v); err != nil || m.Title != "eins, zweite Fassung" {
			return fmt.Errorf("Get after two Puts = %+v, %v; want the second", m, err)
		}
		if err := tx.Put(ctx, noteDoc("n-2", "zwei", 2, "all")); err != nil {
			return err
		}
		if err := tx.Delete(ctx, notesColl, "n-2"); err != nil {
			return err
		}
		if _, ok, err := tx.Get(ctx, notesColl, "n-2"); ok || err != nil {
			return fmt.Errorf("Get after Delete = %v, %v", ok, err)
		}
		if err := tx.Delete(ctx, notesColl, "never-written"); err != nil {
			return fmt.Errorf("Delete of a missing document: %v", err)
		}

		if _, ok, err := tx.Offer(ctx, "off-01"); ok || err != nil {
			return fmt.Errorf("Offer before PutOffer = %v, %v", ok, err)
		}
		for _, o := range f.offerList("off-01", "off-06") {
			if err := tx.PutOffer(ctx, o); err != nil {
				return err
			}
		}
		o, ok, err := tx.Offer(ctx, "off-06")
		if err != nil || !ok || jsonOf(t, o) != jsonOf(t, f.offers["off-06"]) {
			return fmt.Errorf("Offer after PutOffer = %+v, %v, %v", o, ok, err)
		}
		if err := offersOf(ctx, tx, "org-de-1", "off-01", "off-06"); err != nil {
			return err
		}
		moved := f.offers["off-06"]
		moved.OwnerOrgID, moved.OwnerName = "org-pl-1", f.orgs["org-pl-1"].Name
		if err := tx.PutOffer(ctx, moved); err != nil {
			return err
		}
		if err := offersOf(ctx, tx, "org-de-1", "off-01"); err != nil {
			return err
		}
		if err := offersOf(ctx, tx, "org-pl-1", "off-06"); err != nil {
			return err
		}
		if _, ok, err := tx.Organisation(ctx, "org-de-1"); ok || err != nil {
			return fmt.Errorf("Organisation before PutOrganisation = %v, %v", ok, err)
		}
		if err := tx.PutOrganisation(ctx, f.orgs["org-de-1"]); err != nil {
			return err
		}
		g, ok, err := tx.Organisation(ctx, "org-de-1")
		if err != nil || !ok || jsonOf(t, g) != jsonOf(t, f.orgs["org-de-1"]) {
			return fmt.Errorf("Organisation after PutOrganisation = %+v, %v, %v", g, ok, err)
		}
		return nil
	})
	w.update(func(ctx context.Context, tx projections.Tx) error {
		if _, ok, err := tx.Get(ctx, notesColl, "n-2"); ok || err != nil {
			return fmt.Errorf("deleted n-2: Get = %v, %v", ok, err)
		}
		if err := offersOf(ctx, tx, "org-de-1", "off-01"); err != nil {
			return fmt.Errorf("committed move: %w", err)
		}
		v, ok, err := tx.Get(ctx, notesColl, "n-1")
		if err != nil || !ok {
			return fmt.Errorf("committed n-1: Get = %v, %v", ok, err)
		}
		if m, err := projections.As[meeting](v); err != nil || m.Title != "eins, zweite Fassung" {
			return fmt.Errorf("committed n-1 = %+v, %v", m, err)
		}
		if o, ok, err := tx.Offer(ctx, "off-06"); err != nil || !ok || o.OwnerOrgID != "org-pl-1" {
			return fmt.Errorf("committed off-06 = %+v, %v, %v", o, ok, err)
		}
		if err := offersOf(ctx, tx, "org-pl-1", "off-06"); err != nil {
			return err
		}
		if err := tx.PutOffer(ctx, f.offers["off-06"]); err != nil { // back to org-de-1
			return err
		}
		if err := offersOf(ctx, tx, "org-pl-1"); err != nil {
			return err
		}
		if err := offersOf(ctx, tx, "org-de-1", "off-01", "off-06"); err != nil {
			return err
		}
		if g, ok, err := tx.Organisation(ctx, "org-de-1"); err != nil || !ok || g.Name != f.orgs["org-de-1"].Name {
			return fmt.Errorf("committed org-de-1 = %+v, %v, %v", g, ok, err)
		}
		return nil
	})
	w.update(func(ctx context.Context, tx projections.Tx) error {
		if err := offersOf(ctx, tx, "org-pl-1"); err != nil {
			return fmt.Errorf("committed move back: %w", err)
		}
		return offersOf(ctx, tx, "org-de-1", "off-01", "off-06")
	})
}

// ---------------------------------------------------------------------------
// Tests: generic documents

func testDocs(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	w := live(t, s, rosters)
	m1 := meetingDoc("m-1", "Matchmaking Metall Görlitz", "Görlitz", day("2025-11-20"), "all", "org:org-de-1", "status:scheduled")
	m2 := meetingDoc("m-2", "Spotkanie B2B Jelenia Góra", "Jelenia Góra", day("2025-12-03"), "all", "org:org-pl-1", "status:scheduled")
	m3 := meetingDoc("m-3", "Setkání sklářů Liberec", "Liberec", day("2026-01-14"), "all", "org:org-cz-1", "org:org-de-1")
	m4 := meetingDoc("m-4", "Bilaterale Gespräche Dresden", "Dresden", day("2025-11-20"), "all")
	m5 := meetingDoc("m-5", "Unlisted", "Bautzen", day("2025-10-01"))
	w.write(batch{docs: []projections.Doc{m1, m2, m3, m4, m5}})

	for _, d := range []projections.Doc{m1, m2, m3, m4, m5} {
		v, ok, err := s.Doc(ctx, meetingsColl, d.ID)
		if err != nil || !ok {
			t.Fatalf("Doc(%s) = %v, %v", d.ID, ok, err)
		}
		m, err := projections.As[meeting](v)
		if err != nil {
			t.Fatalf("As[meeting](%s): %v", d.ID, err)
		}
		sameJSON(t, "Doc "+d.ID, m, d.Value)
	}
	if _, ok, err := s.Doc(ctx, meetingsColl, "m-9"); ok || err != nil {
		t.Errorf("Doc(m-9) = %v, %v; want not found", ok, err)
	}
	if _, ok, err := s.Doc(ctx, "visits", "m-1"); ok || err != nil {
		t.Errorf("Doc of another collection = %v, %v; want not found", ok, err)
	}

	list := func(key string, want ...string) {
		t.Helper()
		vals, next, err := s.List(ctx, meetingsColl, key, "", 100)
		if err != nil {
			t.Fatalf("List(%s): %v", key, err)
		}
		var ids []string
		for _, v := range vals {
			m, err := projections.As[meeting](v)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, want) && (len(ids) != 0 || len(want) != 0) {
			t.Errorf("List(%s) = %v, want %v (Sort descending, then ID descending)", key, ids, want)
		}
		if next != "" {
			t.Errorf("List(%s) of one page: next %q, want \"\"", key, next)
		}
	}
	// m-1 and m-4 start at the same time: ID descending.
	list("all", "m-3", "m-2", "m-4", "m-1")
	list("org:org-de-1", "m-3", "m-1")
	list("status:scheduled", "m-2", "m-1")
	list("status:cancelled")

	// Replacing a document moves it between keys and in the order;
	// deleting removes it everywhere.
	m1b := meetingDoc("m-1", "Matchmaking Metall Görlitz (verschoben)", "Görlitz", day("2026-02-10"), "all", "status:cancelled")
	w.write(batch{docs: []projections.Doc{m1b}, deletes: [][2]string{{meetingsColl, "m-2"}, {meetingsColl, "m-404"}}})
	list("all", "m-1", "m-3", "m-4")
	list("org:org-de-1", "m-3")
	list("status:scheduled")
	list("status:cancelled", "m-1")
	if _, ok, _ := s.Doc(ctx, meetingsColl, "m-2"); ok {
		t.Error("deleted m-2 is still there")
	}
	v, _, _ := s.Doc(ctx, meetingsColl, "m-1")
	if m, err := projections.As[meeting](v); err != nil || m.Title != "Matchmaking Metall Görlitz (verschoben)" {
		t.Errorf("replaced m-1 = %+v, %v", m, err)
	}
}

func testListPaging(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	w := live(t, s, rosters)
	type ent struct {
		id   string
		sort int64
	}
	var all, confirmed []ent
	var docs []projections.Doc
	places := []string{"Görlitz", "Zgorzelec", "Liberec", "Wrocław", "Bautzen", "Ústí nad Labem", "Zittau"}
	for i := range 23 {
		id := fmt.Sprintf("visit-%02d", (i*7)%23)
		start := day("2025-09-01").Add(time.Duration(i%5) * 24 * time.Hour) // ties in Sort
		keys := []string{"all"}
		if i%2 == 1 {
			keys = append(keys, "status:confirmed")
		}
		d := meetingDoc(id, "Austausch "+places[i%len(places)], places[i%len(places)], start, keys...)
		docs = append(docs, d)
		all = append(all, ent{id, d.Sort})
		if i%2 == 1 {
			confirmed = append(confirmed, ent{id, d.Sort})
		}
	}
	w.write(batch{docs: docs[:10]})
	w.write(batch{docs: docs[10:]})
	order := func(es []ent) []string {
		es = slices.Clone(es)
		slices.SortFunc(es, func(a, b ent) int {
			return cmp.Or(-cmp.Compare(a.sort, b.sort), -strings.Compare(a.id, b.id))
		})
		var ids []string
		for _, e := range es {
			ids = append(ids, e.id)
		}
		return ids
	}
	read := func(key string, limit int) []string {
		t.Helper()
		var ids []string
		cursor := ""
		for page := 1; ; page++ {
			if page > 30 {
				t.Fatalf("List(%s, limit %d) does not end", key, limit)
			}
			vals, next, err := s.List(ctx, meetingsColl, key, cursor, limit)
			if err != nil {
				t.Fatalf("List(%s, %q, %d): %v", key, cursor, limit, err)
			}
			if len(vals) > limit || (next != "" && len(vals) != limit) {
				t.Fatalf("List(%s, limit %d) page %d: %d values with next %q", key, limit, page, len(vals), next)
			}
			for _, v := range vals {
				m, err := projections.As[meeting](v)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, m.ID)
			}
			if next == "" {
				return ids
			}
			cursor = next
		}
	}
	for _, key := range []string{"all", "status:confirmed"} {
		want := order(all)
		if key != "all" {
			want = order(confirmed)
		}
		for _, limit := range []int{1, 2, 5, len(want) - 1, len(want), 100} {
			if got := read(key, limit); !slices.Equal(got, want) {
				t.Errorf("List(%s) in pages of %d = %v, want %v", key, limit, got, want)
			}
		}
	}
	// The last page has no next cursor, also when it is full.
	want := order(all)
	vals, next, err := s.List(ctx, meetingsColl, "all", "", len(want))
	if err != nil || len(vals) != len(want) || next != "" {
		t.Errorf("List of exactly every document: %d values, next %q, %v; want %d and \"\"", len(vals), next, err, len(want))
	}
	// A cursor is a place: it holds when its document goes away.
	vals, next, err = s.List(ctx, meetingsColl, "all", "", 4)
	if err != nil || next == "" {
		t.Fatalf("first page: %v, next %q", err, next)
	}
	lastID := want[3]
	w.write(batch{deletes: [][2]string{{meetingsColl, lastID}}})
	vals, _, err = s.List(ctx, meetingsColl, "all", next, 3)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vals {
		m, _ := projections.As[meeting](v)
		ids = append(ids, m.ID)
	}
	if !slices.Equal(ids, want[4:7]) {
		t.Errorf("page after a deleted cursor document = %v, want %v", ids, want[4:7])
	}
}

// ---------------------------------------------------------------------------
// Tests: search index

func testSearchIndexDocs(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	f, w := loadFixture(t, s)
	for _, o := range f.allOffers() {
		got, ok, err := s.OfferByID(ctx, o.ID)
		if err != nil || !ok {
			t.Fatalf("OfferByID(%s) = %v, %v", o.ID, ok, err)
		}
		sameJSON(t, "OfferByID "+o.ID, got, o)
	}
	for _, o := range f.allOrgs() {
		got, ok, err := s.OrganisationByID(ctx, o.ID)
		if err != nil || !ok {
			t.Fatalf("OrganisationByID(%s) = %v, %v", o.ID, ok, err)
		}
		sameJSON(t, "OrganisationByID "+o.ID, got, o)
	}
	if _, ok, err := s.OfferByID(ctx, "org-de-1"); ok || err != nil {
		t.Errorf("OfferByID of an organisation id = %v, %v", ok, err)
	}
	if _, ok, err := s.OrganisationByID(ctx, "off-01"); ok || err != nil {
		t.Errorf("OrganisationByID of an offer id = %v, %v", ok, err)
	}
	// Replacing documents.
	o := f.offers["off-03"]
	o.Status, o.Version = "withdrawn", 3
	g := f.orgs["org-cz-1"]
	g.Name, g.Version = "Sklárna Jizera a.s.", 2
	w.write(batch{offers: []projections.OfferDoc{o}, orgs: []projections.OrgDoc{g}})
	if got, _, _ := s.OfferByID(ctx, "off-03"); jsonOf(t, got) != jsonOf(t, o) {
		t.Errorf("replaced off-03 = %+v", got)
	}
	if got, _, _ := s.OrganisationByID(ctx, "org-cz-1"); jsonOf(t, got) != jsonOf(t, g) {
		t.Errorf("replaced org-cz-1 = %+v", got)
	}
	w.update(func(ctx context.Context, tx projections.Tx) error {
		for org, want := range map[string][]string{
			"org-de-1": {"off-01", "off-06"}, "org-pl-1": {"off-02", "off-08"}, "org-cz-1": {"off-03", "off-10"},
			"org-de-3": {"off-09"}, "org-pl-3": nil, "org-xx": nil,
		} {
			got, err := tx.OffersOf(ctx, org)
			if err != nil {
				return err
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("OffersOf(%s) = %v, want %v", org, got, want)
			}
		}
		return nil
	})
}

func testSearchOfferFilters(t *testing.T, s projections.Store) {
	f, _ := loadFixture(t, s)
	items := offerItems(f.allOffers())
	cases := []struct {
		name string
		q    projections.SearchQuery
		want []string
	}{
		// Newest PublishedAt first, ties by ID descending, unpublished last.
		{"no filter", projections.SearchQuery{}, []string{"off-10", "off-09", "off-04", "off-05", "off-02", "off-01", "off-03", "off-07", "off-08", "off-06"}},
		{"kind request", projections.SearchQuery{Kind: []string{"request"}}, []string{"off-10", "off-04", "off-05", "off-08", "off-06"}},
		{"kind offer", projections.SearchQuery{Kind: []string{"offer"}}, []string{"off-09", "off-02", "off-01", "off-03", "off-07"}},
		{"category", projections.SearchQuery{Category: []string{"subcontracting"}}, []string{"off-01", "off-08"}},
		{"categories", projections.SearchQuery{Category: []string{"service", "product"}}, []string{"off-02", "off-03"}},
		{"partnership type", projections.SearchQuery{PartnershipType: []string{"supplier"}}, []string{"off-10", "off-01", "off-08", "off-06"}},
		{"partnership types", projections.SearchQuery{PartnershipType: []string{"investment", "rd_cooperation"}}, []string{"off-09", "off-04", "off-05", "off-07"}},
		{"section", projections.SearchQuery{Codes: []string{"C"}}, []string{"off-10", "off-02", "off-01", "off-03", "off-07", "off-08", "off-06"}},
		{"division", projections.SearchQuery{Codes: []string{"25"}}, []string{"off-10", "off-02", "off-01", "off-08"}},
		{"divisions", projections.SearchQuery{Codes: []string{"72", "94"}}, []string{"off-09", "off-04", "off-05"}},
		{"class", projections.SearchQuery{Codes: []string{"28.41"}}, []string{"off-08"}},
		{"country", projections.SearchQuery{Country: []string{"PL"}}, []string{"off-05", "off-02", "off-08"}},
		{"countries", projections.SearchQuery{Country: []string{"DE", "CZ"}}, []string{"off-10", "off-09", "off-04", "off-01", "off-03", "off-07", "off-06"}},
		{"NUTS-2 region", projections.SearchQuery{Regions: []string{"DED2"}}, []string{"off-09", "off-04", "off-01", "off-06"}},
		{"NUTS-2 region PL51", projections.SearchQuery{Regions: []string{"PL51"}}, []string{"off-05", "off-02", "off-08"}},
		{"NUTS-3 regions", projections.SearchQuery{Regions: []string{"CZ051", "PL432"}}, []string{"off-10", "off-03"}},
		{"language", projections.SearchQuery{Language: []string{"en"}}, []string{"off-09", "off-04", "off-02", "off-07"}},
		{"language cs", projections.SearchQuery{Language: []string{"cs"}}, []string{"off-10", "off-03", "off-07"}},
		{"status", projections.SearchQuery{Status: []string{"published"}}, []string{"off-10", "off-09", "off-04", "off-05", "off-02", "off-01", "off-03"}},
		{"statuses", projections.SearchQuery{Status: []string{"withdrawn", "expired"}}, []string{"off-07", "off-08"}},
		// ValidUntil must be after ValidOn: off-10 ends exactly then.
		{"valid on", projections.SearchQuery{ValidOn: day("2026-03-01")}, []string{"off-09", "off-04", "off-02", "off-01", "off-07", "off-06"}},
		{"combined", projections.SearchQuery{Status: []string{"published"}, Language: []string{"de"}, Kind: []string{"offer"}}, []string{"off-09", "off-02", "off-01", "off-03"}},
		{"combined 2", projections.SearchQuery{Status: []string{"published"}, Country: []string{"DE"}, Codes: []string{"C"}}, []string{"off-01"}},
		{"unknown value", projections.SearchQuery{Country: []string{"AT"}}, nil},
		{"unknown and known value", projections.SearchQuery{Country: []string{"AT", "CZ"}}, []string{"off-10", "off-03", "off-07"}},
		{"recent", projections.SearchQuery{Sort: projections.SortRecent, Kind: []string{"offer"}}, []string{"off-09", "off-02", "off-01", "off-03", "off-07"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			q.Limit, q.Facets = 100, true
			got := checkSearch(t, s, items, true, q, c.name)
			if !slices.Equal(got.ids, c.want) && (len(got.ids) != 0 || len(c.want) != 0) {
				t.Errorf("hits %v, want %v", got.ids, c.want)
			}
			for _, limit := range []int{1, 2, 3} {
				q.Limit = limit
				ids := pageThrough(t, s, items, true, q, fmt.Sprintf("%s in pages of %d", c.name, limit))
				if !slices.Equal(ids, c.want) && (len(ids) != 0 || len(c.want) != 0) {
					t.Errorf("pages of %d: %v, want %v", limit, ids, c.want)
				}
			}
		})
	}
}

func testSearchOrganisationFilters(t *testing.T, s projections.Store) {
	f, _ := loadFixture(t, s)
	items := orgItems(f.allOrgs())
	cases := []struct {
		name string
		q    projections.SearchQuery
		want []string
	}{
		{"no filter", projections.SearchQuery{}, []string{"org-cz-2", "org-pl-3", "org-pl-1", "org-de-2", "org-cz-1", "org-de-1", "org-pl-2", "org-de-3"}},
		{"kind", projections.SearchQuery{Kind: []string{"sme"}}, []string{"org-pl-1", "org-de-2", "org-cz-1", "org-de-1"}},
		{"kinds", projections.SearchQuery{Kind: []string{"university", "chamber"}}, []string{"org-pl-2", "org-de-3"}},
		// Offer-only filters do not filter organisations.
		{"category ignored", projections.SearchQuery{Category: []string{"product"}, PartnershipType: []string{"investment"}, ValidOn: day("2030-01-01")},
			[]string{"org-cz-2", "org-pl-3", "org-pl-1", "org-de-2", "org-cz-1", "org-de-1", "org-pl-2", "org-de-3"}},
		{"section", projections.SearchQuery{Codes: []string{"C"}}, []string{"org-cz-2", "org-pl-3", "org-pl-1", "org-cz-1", "org-de-1"}},
		{"division", projections.SearchQuery{Codes: []string{"85"}}, []string{"org-de-3"}},
		{"country", projections.SearchQuery{Country: []string{"CZ"}}, []string{"org-cz-2", "org-cz-1"}},
		{"region", projections.SearchQuery{Regions: []string{"DED2"}}, []string{"org-de-2", "org-de-1", "org-de-3"}},
		{"NUTS-1 region", projections.SearchQuery{Regions: []string{"PL5"}}, []string{"org-pl-1", "org-pl-2"}},
		{"language", projections.SearchQuery{Language: []string{"en"}}, []string{"org-cz-2", "org-de-2", "org-pl-2", "org-de-3"}},
		{"status", projections.SearchQuery{Status: []string{"deactivated"}}, []string{"org-pl-3"}},
		{"combined", projections.SearchQuery{Status: []string{"active"}, Codes: []string{"C"}, Language: []string{"de"}}, []string{"org-pl-1", "org-cz-1", "org-de-1"}},
		{"recent", projections.SearchQuery{Sort: projections.SortRecent, Country: []string{"DE"}}, []string{"org-de-2", "org-de-1", "org-de-3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			q.Limit, q.Facets = 100, true
			got := checkSearch(t, s, items, false, q, c.name)
			if !slices.Equal(got.ids, c.want) {
				t.Errorf("hits %v, want %v", got.ids, c.want)
			}
			for _, limit := range []int{1, 3} {
				q.Limit = limit
				if ids := pageThrough(t, s, items, false, q, fmt.Sprintf("%s in pages of %d", c.name, limit)); !slices.Equal(ids, c.want) {
					t.Errorf("pages of %d: %v, want %v", limit, ids, c.want)
				}
			}
		})
	}
}

func qt(token int, term string, weight float64) projections.QueryTerm {
	return projections.QueryTerm{Token: token, Term: term, Weight: weight}
}

func testSearchTerms(t *testing.T, s projections.Store) {
	f, _ := loadFixture(t, s)
	offers, orgs := offerItems(f.allOffers()), orgItems(f.allOrgs())
	cases := []struct {
		name   string
		offers bool
		q      projections.SearchQuery
		want   []string
		scores []float64
	}{
		{"title beats text", true, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "spawanie", 1)}},
			[]string{"off-02", "off-08"}, []float64{3, 1}},
		// Per token the best of its terms: off-01 has the token in its text
		// (1 × 1) and a weaker expansion in its title (0.6 × 3).
		{"best expansion per token", true, projections.SearchQuery{Terms: []projections.QueryTerm{
			qt(0, "schweissen", 1), qt(0, "schweisstechnik", 0.8), qt(0, "lohnschweissen", 0.6)}},
			[]string{"off-09", "off-01"}, []float64{2.4, 1.8}},
		{"tokens add up", true, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "stahlbau", 1), qt(1, "mechanik", 1)}},
			[]string{"off-01", "off-02"}, []float64{3.5, 0.5}},
		{"tokens add up, by recency", true, projections.SearchQuery{Sort: projections.SortRecent, Terms: []projections.QueryTerm{qt(0, "stahlbau", 1), qt(1, "mechanik", 1)}},
			[]string{"off-02", "off-01"}, []float64{0.5, 3.5}},
		// Equal scores: newest first.
		{"tie by time", true, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "metalowe", 1)}},
			[]string{"off-02", "off-08"}, []float64{0.5, 0.5}},
		{"three tokens", true, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "laserschweissen", 1), qt(1, "additiver", 1), qt(2, "fertigung", 1)}},
			[]string{"off-09"}, []float64{3}},
		{"weaker expansion", true, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "sklo", 1), qt(0, "sklenene", 0.6)}},
			[]string{"off-03", "off-10"}, []float64{3, 0.6}},
		{"terms and filters", true, projections.SearchQuery{Status: []string{"published"}, Terms: []projections.QueryTerm{qt(0, "spawanie", 1)}},
			[]string{"off-02"}, []float64{3}},
		{"unknown term", true, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "windkraft", 1)}}, nil, nil},
		{"one known term", true, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "windkraft", 1), qt(1, "cnc", 1)}},
			[]string{"off-02"}, []float64{3}},
		{"organisation title", false, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "metallbau", 1)}},
			[]string{"org-de-1"}, []float64{3}},
		{"organisation text", false, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "spawanie", 1)}},
			[]string{"org-pl-1"}, []float64{1}},
		{"organisation expansion", false, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "sklo", 1), qt(0, "sklarna", 0.8)}},
			[]string{"org-cz-1"}, []float64{2.4}},
		{"organisation tokens", false, projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "forschung", 1), qt(1, "software", 1)}},
			[]string{"org-de-2", "org-de-3"}, []float64{3, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items := orgs
			if c.offers {
				items = offers
			}
			q := c.q
			q.Limit, q.Facets = 100, true
			got := checkSearch(t, s, items, c.offers, q, c.name)
			if !slices.Equal(got.ids, c.want) || !slices.Equal(got.scores, c.scores) {
				t.Errorf("hits %v with scores %v, want %v with %v", got.ids, got.scores, c.want, c.scores)
			}
			for _, limit := range []int{1, 2} {
				q.Limit = limit
				if ids := pageThrough(t, s, items, c.offers, q, fmt.Sprintf("%s in pages of %d", c.name, limit)); !slices.Equal(ids, c.want) {
					t.Errorf("pages of %d: %v, want %v", limit, ids, c.want)
				}
			}
		})
	}
}

func testSearchFacets(t *testing.T, s projections.Store) {
	f, _ := loadFixture(t, s)
	// One hit on the page, facets over all seven published offers.
	q := projections.SearchQuery{Status: []string{"published"}, Limit: 1, Facets: true}
	got := checkSearch(t, s, offerItems(f.allOffers()), true, q, "published offers")
	want := map[string]map[string]int{
		"kind":             {"offer": 4, "request": 3},
		"category":         {"subcontracting": 1, "service": 1, "product": 1, "rd_partner": 2, "cooperation_partner": 1, "supplier_search": 1},
		"partnership_type": {"outsourcing": 2, "supplier": 2, "commercial": 2, "rd_cooperation": 2, "investment": 1},
		"section":          {"C": 4, "J": 1, "M": 2, "S": 1},
		"country":          {"DE": 3, "PL": 2, "CZ": 2},
		"language":         {"de": 7, "pl": 4, "en": 3, "cs": 2},
		"status":           {"published": 7},
	}
	if len(got.ids) != 1 || got.total != 7 || jsonOf(t, normFacets(got.facets)) != jsonOf(t, want) {
		t.Errorf("published offers: %d hits, Total %d, facets %v; want 1, 7, %v", len(got.ids), got.total, got.facets, want)
	}
	// Facets and Total stay the same on later pages.
	q.After = got.next
	if got2 := checkSearch(t, s, offerItems(f.allOffers()), true, q, "published offers, page 2"); got2.total != 7 || jsonOf(t, normFacets(got2.facets)) != jsonOf(t, want) {
		t.Errorf("page 2: Total %d, facets %v", got2.total, got2.facets)
	}

	oq := projections.SearchQuery{Status: []string{"active"}, Limit: 2, Facets: true}
	ogot := checkSearch(t, s, orgItems(f.allOrgs()), false, oq, "active organisations")
	owant := map[string]map[string]int{
		"kind":     {"sme": 4, "university": 1, "chamber": 1, "large_enterprise": 1},
		"section":  {"C": 4, "J": 1, "M": 1, "P": 1, "S": 1},
		"country":  {"DE": 3, "PL": 2, "CZ": 2},
		"language": {"de": 6, "pl": 3, "en": 4, "cs": 2},
		"status":   {"active": 7},
	}
	if ogot.total != 7 || jsonOf(t, normFacets(ogot.facets)) != jsonOf(t, owant) {
		t.Errorf("active organisations: Total %d, facets %v; want 7, %v", ogot.total, ogot.facets, owant)
	}
	// With terms, facets count the matches of the terms only.
	tq := projections.SearchQuery{Terms: []projections.QueryTerm{qt(0, "spawanie", 1), qt(0, "svarovani", 0.7)}, Limit: 1, Facets: true}
	tgot := checkSearch(t, s, offerItems(f.allOffers()), true, tq, "offers about welding")
	if tgot.total != 3 || normFacets(tgot.facets)["country"]["PL"] != 2 || normFacets(tgot.facets)["country"]["CZ"] != 1 {
		t.Errorf("offers about welding: Total %d, facets %v; want 3 (PL 2, CZ 1)", tgot.total, tgot.facets)
	}
}

// corpus pools for generated documents.
var (
	rndWords = []string{
		"stahlbau", "stahl", "schweissen", "schweisstechnik", "metallbau", "blech", "blechbearbeitung", "maschinenbau",
		"spawanie", "spawalnictwo", "obrobka", "metalowe", "metal", "maszyny", "frezowanie", "toczenie",
		"svarovani", "kovovyroba", "kovove", "sklo", "sklarna", "strojirenstvi", "obrabeni",
		"software", "automatisierung", "automatyzacja", "automatizace", "logistik", "logistyka", "logistika",
		"holz", "drewno", "drevo", "moebel", "meble", "nabytek", "chemie", "chemia", "chemie", "energie", "energia",
		"forschung", "badania", "vyzkum", "laser", "laserowe", "cnc", "kunststoff", "tworzywa", "plasty",
	}
	rndNUTS  = map[string][]string{"DE": {"DED2D", "DED2C", "DED21", "DED45", "DE40F"}, "PL": {"PL515", "PL514", "PL432", "PL426", "PL523"}, "CZ": {"CZ051", "CZ042", "CZ052", "CZ041"}}
	rndCodes = []string{"25.62", "25.11", "28.41", "23.13", "20.14", "62.01", "72.19", "94.11", "31.01", "16.23", "24.10", "85.42", "43.21", "49.41"}
	rndLangs = []string{"de", "pl", "cs", "en"}
	rndDays  = []string{"2025-01-15", "2025-02-01", "2025-03-10", "2025-04-22", "2025-05-05", "2025-06-30", "2025-08-01", "2025-09-09", "2025-10-10", "2025-11-11"}
)

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// pickSome picks 1..n distinct values, biased to the front of list.
func pickSome(r *rand.Rand, list []string, n int) []string {
	k := 1 + r.IntN(n)
	var out []string
	for range k * 3 {
		if len(out) == k {
			break
		}
		i := r.IntN(len(list))
		i = i * r.IntN(len(list)) / len(list) // more weight to early entries
		if !slices.Contains(out, list[i]) {
			out = append(out, list[i])
		}
	}
	return out
}

func rndTerms(r *rand.Rand, n int) string { return strings.Join(pickSome(r, rndWords, n), " ") }

func randomOrg(r *rand.Rand, id string) projections.OrgDoc {
	country := pick(r, []string{"DE", "PL", "CZ"})
	nuts := pick(r, rndNUTS[country])
	kinds := []string{"sme", "sme", "large_enterprise", "chamber", "cluster", "university", "municipality"}
	b := org(id, "Firma "+id, pick(r, kinds), country, nuts, "Stadt "+nuts, "firma "+rndTerms(r, 2)).
		describe(domain.Text{DE: "Beschreibung"}, rndTerms(r, 6)).
		nace(rndTerms(r, 3), pickSome(r, rndCodes, 3)...).
		langs(pickSome(r, rndLangs, 3)...).
		registered(pick(r, rndDays))
	if r.IntN(5) == 0 {
		b.status("deactivated")
	}
	return b.doc()
}

func randomOffer(r *rand.Rand, id string, owner projections.OrgDoc) projections.OfferDoc {
	b := offer(id, owner, pick(r, []string{"offer", "request"}), pick(r, []string{"product", "service", "supplier_search", "subcontracting", "rd_partner"})).
		pts(pickSome(r, []string{"commercial", "investment", "outsourcing", "supplier", "rd_cooperation"}, 2)...).
		title(domain.Text{PL: "Tytuł " + id}, rndTerms(r, 4)).
		text(domain.Text{PL: "Opis"}, rndTerms(r, 8)).
		nace(rndTerms(r, 4), pickSome(r, rndCodes, 2)...).
		langs(pickSome(r, rndLangs, 3)...).
		valid(pick(r, []string{"2025-12-31", "2026-03-31", "2026-06-30", "2026-12-31"}))
	switch r.IntN(10) {
	case 0:
		b.status("draft")
	case 1:
		b.status("withdrawn").published(pick(r, rndDays))
	case 2:
		b.status("expired").published(pick(r, rndDays))
	default:
		b.published(pick(r, rndDays))
	}
	return b.doc()
}

func randomWeight(r *rand.Rand) float64 { return pick(r, []float64{1, 1, 0.9, 0.75, 0.6, 0.45, 0.3}) }

func randomQuery(r *rand.Rand, offers bool) projections.SearchQuery {
	var q projections.SearchQuery
	maybe := func(p int, vals []string, n int) []string {
		if r.IntN(100) >= p {
			return nil
		}
		out := pickSome(r, vals, n)
		if r.IntN(8) == 0 {
			out = append(out, "unknown")
		}
		return out
	}
	if offers {
		q.Kind = maybe(20, []string{"offer", "request"}, 1)
		q.Category = maybe(15, []string{"product", "service", "supplier_search", "subcontracting", "rd_partner"}, 2)
		q.PartnershipType = maybe(15, []string{"commercial", "investment", "outsourcing", "supplier", "rd_cooperation"}, 2)
		q.Status = maybe(40, []string{"published", "draft", "withdrawn", "expired"}, 2)
		if r.IntN(5) == 0 {
			q.ValidOn = day(pick(r, []string{"2025-12-31", "2026-01-01", "2026-06-30"}))
		}
	} else {
		q.Kind = maybe(20, []string{"sme", "large_enterprise", "chamber", "cluster", "university"}, 2)
		q.Status = maybe(30, []string{"active", "deactivated"}, 1)
	}
	q.Codes = maybe(20, []string{"C", "J", "M", "25", "62", "72.19", "28.41"}, 2)
	q.Country = maybe(20, []string{"DE", "PL", "CZ"}, 2)
	q.Regions = maybe(15, []string{"DED", "DED2", "PL51", "PL5", "CZ05", "CZ042", "DE40F"}, 2)
	q.Language = maybe(20, rndLangs, 2)
	if r.IntN(10) < 7 {
		for tok := range 1 + r.IntN(3) {
			for range 1 + r.IntN(3) {
				term := pick(r, rndWords)
				if r.IntN(10) == 0 {
					term = "nieznane"
				}
				q.Terms = append(q.Terms, qt(tok, term, randomWeight(r)))
			}
		}
	}
	if r.IntN(10) < 4 {
		q.Sort = projections.SortRecent
	} else {
		q.Sort = projections.SortRelevance
	}
	q.Limit = 1 + r.IntN(7)
	q.Facets = r.IntN(2) == 0
	return q
}

// randomCorpus writes generated organisations and offers in several
// batches, then replaces some of them, and returns the final documents.
func randomCorpus(t *testing.T, s projections.Store, seed uint64) ([]projections.OrgDoc, []projections.OfferDoc) {
	r := rand.New(rand.NewPCG(seed, 7))
	orgs := map[string]projections.OrgDoc{}
	var orgIDs []string
	for i := range 60 {
		id := fmt.Sprintf("r-org-%02d", i)
		orgs[id], orgIDs = randomOrg(r, id), append(orgIDs, id)
	}
	offers := map[string]projections.OfferDoc{}
	var offerIDs []string
	// Ids whose order differs between byte order and natural-language
	// collations.
	special := []string{"r-off-A", "r-off-a", "r-off_b", "r-off-B", "R-off-c", "r-off-10", "r-off-9"}
	for i := range 200 {
		id := fmt.Sprintf("r-off-%03d", i)
		if i < len(special) {
			id = special[i]
		}
		offers[id], offerIDs = randomOffer(r, id, orgs[pick(r, orgIDs)]), append(offerIDs, id)
	}
	w := live(t, s, catalogue)
	for i := 0; i < len(orgIDs); i += 25 {
		var b batch
		for _, id := range orgIDs[i:min(i+25, len(orgIDs))] {
			b.orgs = append(b.orgs, orgs[id])
		}
		w.write(b)
	}
	for i := 0; i < len(offerIDs); i += 40 {
		var b batch
		for _, id := range offerIDs[i:min(i+40, len(offerIDs))] {
			b.offers = append(b.offers, offers[id])
		}
		w.write(b)
	}
	// Replace a third of everything: new words, status, owner.
	for round := range 3 {
		var b batch
		for _, id := range offerIDs {
			if r.IntN(9) == 0 {
				o := randomOffer(r, id, orgs[pick(r, orgIDs)])
				if r.IntN(2) == 0 { // keep the words, change the rest
					o.TitleTerms, o.TextTerms, o.CodeTerms = offers[id].TitleTerms, offers[id].TextTerms, offers[id].CodeTerms
				}
				o.Version = uint64(round + 2)
				offers[id] = o
				b.offers = append(b.offers, o)
			}
		}
		for _, id := range orgIDs {
			if r.IntN(9) == 0 {
				o := randomOrg(r, id)
				o.Version = uint64(round + 2)
				orgs[id] = o
				b.orgs = append(b.orgs, o)
			}
		}
		w.write(b)
	}
	var ol []projections.OrgDoc
	for _, id := range orgIDs {
		ol = append(ol, orgs[id])
	}
	var fl []projections.OfferDoc
	for _, id := range offerIDs {
		fl = append(fl, offers[id])
	}
	return ol, fl
}

func testSearchRandomised(t *testing.T, s projections.Store) {
	orgs, offers := randomCorpus(t, s, 42)
	oitems, gitems := offerItems(offers), orgItems(orgs)
	r := rand.New(rand.NewPCG(4711, 1))
	for i := range 120 {
		q := randomQuery(r, true)
		pageThrough(t, s, oitems, true, q, fmt.Sprintf("offer query %d", i))
		if t.Failed() {
			return
		}
	}
	for i := range 60 {
		q := randomQuery(r, false)
		pageThrough(t, s, gitems, false, q, fmt.Sprintf("organisation query %d", i))
		if t.Failed() {
			return
		}
	}
	// Candidates and vocabulary over the same corpus.
	ctx := ctxT(t)
	for i := range 60 {
		q := projections.CandidateQuery{Kind: pick(r, []string{"offer", "request"}), Codes: pickSome(r, []string{"C", "25", "25.62", "62.01", "72", "M", "16.23"}, 2), Limit: 1 + r.IntN(8)}
		if r.IntN(2) == 0 {
			q.ExcludeOwner = pick(r, orgs).ID
		}
		if r.IntN(3) == 0 {
			q.ExcludeID = pick(r, offers).ID
		}
		got, err := s.OfferCandidates(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := docIDs(got), docIDs(oracleOfferCandidates(offers, q)); !slices.Equal(g, w) {
			t.Errorf("OfferCandidates %d (%+v) = %v, want %v", i, q, g, w)
		}
		ogot, err := s.OrganisationCandidates(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := orgIDs(ogot), orgIDs(oracleOrgCandidates(orgs, q)); !slices.Equal(g, w) {
			t.Errorf("OrganisationCandidates %d (%+v) = %v, want %v", i, q, g, w)
		}
	}
	vocab := vocabularyOf(offers, orgs)
	for i := range 80 {
		tok := pick(r, rndWords)
		switch r.IntN(4) {
		case 0:
			tok = tok[:1+r.IntN(len(tok))] // a prefix
		case 1:
			j := r.IntN(len(tok))
			tok = tok[:j] + tok[j+1:] // a typo
		}
		if tok == "" {
			tok = "s"
		}
		minSim, limit := pick(r, []float64{0.2, 0.3, 0.45, 0.6, 0.9}), 1+r.IntN(15)
		got, err := s.Vocabulary(ctx, tok, minSim, limit)
		if err != nil {
			t.Fatal(err)
		}
		if want := oracleVocabulary(vocab, tok, minSim, limit); !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Errorf("Vocabulary %d (%q, %v, %d) = %v, want %v", i, tok, minSim, limit, got, want)
		}
	}
}

// ---------------------------------------------------------------------------
// Tests: vocabulary and candidates

func vocabularyOf(offers []projections.OfferDoc, orgs []projections.OrgDoc) map[string]bool {
	v := map[string]bool{}
	add := func(lists ...[]string) {
		for _, l := range lists {
			for _, term := range l {
				v[term] = true
			}
		}
	}
	for _, o := range offers {
		add(o.TitleTerms, o.TextTerms, o.CodeTerms)
	}
	for _, o := range orgs {
		add(o.TitleTerms, o.TextTerms, o.CodeTerms)
	}
	return v
}

// oracleVocabulary: terms starting with token or at least minSim similar,
// most similar first, then by term.
func oracleVocabulary(vocab map[string]bool, token string, minSim float64, limit int) []string {
	type st struct {
		term string
		sim  float64
	}
	var found []st
	for term := range vocab {
		sim := projections.Similarity(token, term)
		if strings.HasPrefix(term, token) || sim >= minSim {
			found = append(found, st{term, sim})
		}
	}
	slices.SortFunc(found, func(a, b st) int { return cmp.Or(-cmp.Compare(a.sim, b.sim), strings.Compare(a.term, b.term)) })
	var out []string
	for _, f := range found[:min(limit, len(found))] {
		out = append(out, f.term)
	}
	return out
}

func testVocabulary(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	f, w := loadFixture(t, s)
	vocab := vocabularyOf(f.allOffers(), f.allOrgs())
	check := func(token string, minSim float64, limit int) []string {
		t.Helper()
		got, err := s.Vocabulary(ctx, token, minSim, limit)
		if err != nil {
			t.Fatalf("Vocabulary(%q): %v", token, err)
		}
		if want := oracleVocabulary(vocab, token, minSim, limit); !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Errorf("Vocabulary(%q, %v, %d) = %v, want %v", token, minSim, limit, got, want)
		}
		return got
	}
	// Prefix matches however dissimilar; nothing else at a high minSim.
	if got := check("metal", 0.99, 50); !sameSet(got, []string{"metallbau", "metallerzeugnisse", "metallerzeugung", "metalowe", "metalowy"}) {
		t.Errorf("prefix matches of metal = %v", got)
	}
	// The token itself comes first.
	if got := check("spawanie", 0.3, 10); len(got) == 0 || got[0] != "spawanie" {
		t.Errorf("Vocabulary(spawanie) = %v, want spawanie first", got)
	}
	// A typo finds the word by similarity; terms of organisations count.
	if got := check("schweisen", 0.5, 10); !slices.Contains(got, "schweissen") {
		t.Errorf("Vocabulary(schweisen) = %v, want schweissen among them", got)
	}
	if got := check("sklarn", 0.3, 10); !slices.Contains(got, "sklarna") {
		t.Errorf("Vocabulary(sklarn) = %v, want sklarna (an organisation's name)", got)
	}
	if got := check("sklarn", 0.3, 1); len(got) != 1 {
		t.Errorf("limit 1: %v", got)
	}
	for _, tok := range []string{"stahl", "st", "s", "obrobka", "forschungs", "kovovych", "windkraft", "laserschweisen", "gora"} {
		for _, minSim := range []float64{0.2, 0.3, 0.5} {
			for _, limit := range []int{1, 3, 100} {
				check(tok, minSim, limit)
			}
		}
	}
	// Replaced documents take their old words with them; words another
	// document still has stay.
	o := f.offers["off-03"]
	o.TitleTerms = terms("panzerglas sklo")
	o.TextTerms = terms("panzerglas")
	f.offers["off-03"] = o
	w.write(batch{offers: []projections.OfferDoc{o}})
	vocab = vocabularyOf(f.allOffers(), f.allOrgs())
	if got := check("technicke", 0.9, 10); !slices.Contains(got, "technicke") {
		t.Errorf("technicke is still an organisation's word: %v", got)
	}
	if got := check("zakazku", 0.5, 10); len(got) != 0 {
		t.Errorf("zakazku was only off-03's: %v", got)
	}
	if got := check("panzer", 0.5, 10); !slices.Equal(got, []string{"panzerglas"}) {
		t.Errorf("new word panzerglas: %v", got)
	}
	for _, tok := range []string{"bezpecnostni", "osvetleni", "sklo", "sklenene", "stroje"} {
		check(tok, 0.3, 10)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func docIDs(offers []projections.OfferDoc) []string {
	var out []string
	for _, o := range offers {
		out = append(out, o.ID)
	}
	return out
}

func orgIDs(orgs []projections.OrgDoc) []string {
	var out []string
	for _, o := range orgs {
		out = append(out, o.ID)
	}
	return out
}

func overlap(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// oracleOfferCandidates: published offers of q.Kind sharing a code, newest
// first, ties by ID descending.
func oracleOfferCandidates(offers []projections.OfferDoc, q projections.CandidateQuery) []projections.OfferDoc {
	var out []projections.OfferDoc
	for _, o := range offers {
		if o.Status == "published" && o.Kind == q.Kind && overlap(o.Codes, q.Codes) &&
			(q.ExcludeOwner == "" || o.OwnerOrgID != q.ExcludeOwner) && (q.ExcludeID == "" || o.ID != q.ExcludeID) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b projections.OfferDoc) int {
		return cmp.Or(-a.PublishedAt.Compare(b.PublishedAt), -strings.Compare(a.ID, b.ID))
	})
	return out[:min(q.Limit, len(out))]
}

// oracleOrgCandidates: active organisations sharing a code, newest first,
// ties by ID descending; q.Kind is ignored.
func oracleOrgCandidates(orgs []projections.OrgDoc, q projections.CandidateQuery) []projections.OrgDoc {
	var out []projections.OrgDoc
	for _, o := range orgs {
		if o.Status == "active" && overlap(o.Codes, q.Codes) && (q.ExcludeOwner == "" || o.ID != q.ExcludeOwner) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b projections.OrgDoc) int {
		return cmp.Or(-a.RegisteredAt.Compare(b.RegisteredAt), -strings.Compare(a.ID, b.ID))
	})
	return out[:min(q.Limit, len(out))]
}

func testCandidates(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	f, _ := loadFixture(t, s)
	offerCases := []struct {
		q    projections.CandidateQuery
		want []string
	}{
		{projections.CandidateQuery{Kind: "offer", Codes: []string{"25"}, Limit: 10}, []string{"off-02", "off-01"}},
		// Drafts and expired offers are no candidates.
		{projections.CandidateQuery{Kind: "request", Codes: []string{"25", "C"}, Limit: 10}, []string{"off-10"}},
		{projections.CandidateQuery{Kind: "offer", Codes: []string{"C"}, ExcludeOwner: "org-pl-1", Limit: 10}, []string{"off-01", "off-03"}},
		{projections.CandidateQuery{Kind: "offer", Codes: []string{"C"}, ExcludeID: "off-01", Limit: 10}, []string{"off-02", "off-03"}},
		{projections.CandidateQuery{Kind: "offer", Codes: []string{"C"}, Limit: 1}, []string{"off-02"}},
		{projections.CandidateQuery{Kind: "offer", Codes: []string{"72.19"}, Limit: 10}, []string{"off-09"}},
		{projections.CandidateQuery{Kind: "request", Codes: []string{"72.19", "M", "J"}, Limit: 10}, []string{"off-04"}},
		{projections.CandidateQuery{Kind: "offer", Codes: []string{"01.11"}, Limit: 10}, nil},
	}
	for _, c := range offerCases {
		got, err := s.OfferCandidates(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if ids := docIDs(got); !slices.Equal(ids, c.want) {
			t.Errorf("OfferCandidates(%+v) = %v, want %v", c.q, ids, c.want)
		}
		if ids, want := docIDs(got), docIDs(oracleOfferCandidates(f.allOffers(), c.q)); !slices.Equal(ids, want) {
			t.Errorf("OfferCandidates(%+v) = %v, oracle %v", c.q, ids, want)
		}
		for _, o := range got {
			sameJSON(t, "candidate "+o.ID, o, f.offers[o.ID])
		}
	}
	orgCases := []struct {
		q    projections.CandidateQuery
		want []string
	}{
		{projections.CandidateQuery{Kind: "offer", Codes: []string{"C"}, ExcludeOwner: "org-de-1", Limit: 10}, []string{"org-cz-2", "org-pl-1", "org-cz-1"}},
		{projections.CandidateQuery{Kind: "request", Codes: []string{"C"}, ExcludeOwner: "org-de-1", Limit: 2}, []string{"org-cz-2", "org-pl-1"}},
		{projections.CandidateQuery{Codes: []string{"62.01", "85"}, Limit: 10}, []string{"org-de-2", "org-de-3"}},
		// Deactivated organisations are no candidates.
		{projections.CandidateQuery{Codes: []string{"31"}, Limit: 10}, nil},
	}
	for _, c := range orgCases {
		got, err := s.OrganisationCandidates(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if ids := orgIDs(got); !slices.Equal(ids, c.want) {
			t.Errorf("OrganisationCandidates(%+v) = %v, want %v", c.q, ids, c.want)
		}
		for _, o := range got {
			sameJSON(t, "candidate "+o.ID, o, f.orgs[o.ID])
		}
	}
}

// ---------------------------------------------------------------------------
// Tests: counters and evidence

func testCounters(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	w := live(t, s, stats)
	orgs := projections.Counter{Metric: "organisations"}
	byPL := projections.Counter{Metric: "organisations", Dim: "country", Value: "PL"}
	byDE := projections.Counter{Metric: "organisations", Dim: "country", Value: "DE"}
	byDEMarch := projections.Counter{Metric: "organisations", Dim: "country", Value: "DE", Month: "2025-03"}
	offers := projections.Counter{Metric: "offers"}
	service := projections.Counter{Metric: "offers", Dim: "category", Value: "service"}
	visits := projections.Counter{Metric: "exchange_visits", Dim: "status", Value: "proposed"}
	w.write(batch{counters: []counterAdd{{orgs, 1}, {byPL, 2}, {orgs, 1}, {visits, 1}}})
	w.write(batch{counters: []counterAdd{{byDEMarch, 1}, {byDE, 1}, {orgs, 1}, {service, 1}, {offers, 5}}})
	w.write(batch{counters: []counterAdd{{offers, -5}, {visits, -1}, {service, 2}}})

	check := func(metric string, want ...projections.CounterValue) {
		t.Helper()
		got, err := s.Counters(ctx, metric)
		if err != nil {
			t.Fatal(err)
		}
		if g := nonZero(got); jsonOf(t, g) != jsonOf(t, append([]projections.CounterValue{}, want...)) {
			t.Errorf("Counters(%q) =\n %v\nwant (sorted by metric, dim, value, month)\n %v", metric, g, want)
		}
	}
	cv := func(c projections.Counter, n int64) projections.CounterValue {
		return projections.CounterValue{Counter: c, N: n}
	}
	check("organisations", cv(orgs, 3), cv(byDE, 1), cv(byDEMarch, 1), cv(byPL, 2))
	check("offers", cv(service, 3))
	check("", cv(service, 3), cv(orgs, 3), cv(byDE, 1), cv(byDEMarch, 1), cv(byPL, 2))
	check("meetings")
}

func testEvidence(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	w := live(t, s, stats)
	p := func(c, pr uint64) domain.Position { return domain.Position{Commit: c, Prepare: pr} }
	e1 := evidence("RCO87", "org-de-1", "DE", "2025-03", p(10, 3), "OrganisationRegistered")
	e2 := evidence("RCO87", "org-pl-1", "PL", "2025-05", p(10, 7), "OrganisationRegistered")
	e3 := evidence("RCO87", "org-de-1", "DE", "2025-06", p(11, 1), "MeetingAttended")
	e4 := evidence("RCO87", "org-cz-1", "CZ", "2025-07", p(12, 12), "OrganisationRegistered")
	r1 := evidence("RCO81", "org-de-1", "DE", "2025-06", p(11, 1), "ParticipantRegistered")
	// One event counting for two subjects: same position, by subject.
	m1 := evidence("RCO115", "meeting-2", "DE", "2025-11", p(20, 20), "MeetingHeld")
	m2 := evidence("RCO115", "meeting-1", "PL", "2025-11", p(20, 20), "MeetingHeld")

	type add struct {
		e     projections.Evidence
		first bool
	}
	apply := func(adds ...add) {
		t.Helper()
		w.update(func(ctx context.Context, tx projections.Tx) error {
			for i, a := range adds {
				first, err := tx.AddEvidence(ctx, a.e)
				if err != nil {
					return err
				}
				if first != a.first {
					return fmt.Errorf("AddEvidence %d (%s %s at %s) = %v, want %v", i, a.e.Indicator, a.e.Subject, a.e.Position, first, a.first)
				}
			}
			return nil
		})
	}
	apply(add{e2, true}, add{e2, false}, add{e1, true}, add{r1, true})
	apply(add{e1, false}, add{e3, false}, add{e4, true}, add{e3, false}, add{m1, true}, add{m2, true})
	apply(add{e2, false}, add{r1, false})

	check := func(ind string, after domain.Position, limit int, want ...projections.Evidence) {
		t.Helper()
		got, err := s.Evidence(ctx, ind, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		if jsonOf(t, got) != jsonOf(t, append([]projections.Evidence{}, want...)) && (len(got) != 0 || len(want) != 0) {
			t.Errorf("Evidence(%s, after %s, %d) =\n %v\nwant\n %v", ind, after, limit, got, want)
		}
	}
	check("RCO87", domain.Start, 10, e1, e2, e3, e4)
	check("RCO87", domain.Start, 2, e1, e2)
	check("RCO87", e2.Position, 2, e3, e4)
	check("RCO87", p(10, 5), 10, e2, e3, e4)
	check("RCO87", e4.Position, 2)
	check("RCO81", domain.Start, 10, r1)
	check("RCO115", domain.Start, 10, m2, m1)
	check("visits_completed", domain.Start, 10)
}

// ---------------------------------------------------------------------------
// Tests: generations

func testGenerations(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	f := newFixture()
	cat := live(t, s, catalogue)
	ros := live(t, s, rosters)
	st := live(t, s, stats)
	ros.write(batch{docs: []projections.Doc{meetingDoc("m-1", "Matchmaking Görlitz", "Görlitz", day("2025-11-20"), "all")}})
	cat.write(batch{
		docs: []projections.Doc{noteDoc("n-old", "alt", 1, "all"),
			{Coll: "catalogue.extra", ID: "x-1", Keys: []string{"all"}, Value: meeting{ID: "x-1"}}},
		offers: f.offerList("off-01", "off-02"),
		orgs:   f.orgList("org-de-1"),
	})
	st.write(batch{counters: []counterAdd{{projections.Counter{Metric: "offers"}, 2}},
		evidence: []projections.Evidence{evidence("RCO87", "org-de-1", "DE", "2025-03", at(1), "OrganisationRegistered")}})

	old := cat.tg
	rb, err := s.StartRebuild(ctx, catalogue)
	if err != nil {
		t.Fatal(err)
	}
	if rb.Name != catalogue || rb.Generation <= old.Generation {
		t.Fatalf("StartRebuild = %+v, want a generation after %d", rb, old.Generation)
	}
	srb, err := s.StartRebuild(ctx, stats)
	if err != nil {
		t.Fatal(err)
	}
	states := func() map[string]projections.State {
		t.Helper()
		sts, err := s.Projections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]projections.State{}
		for _, st := range sts {
			m[st.Name] = st
		}
		return m
	}
	if got := states()[catalogue]; got.Generation != old.Generation || got.Checkpoint != cat.cp || got.Building != rb.Generation || !got.BuildingCheckpoint.IsZero() {
		t.Errorf("state during rebuild = %+v, want live %d at %s, building %d at Start", got, old.Generation, cat.cp, rb.Generation)
	}

	// The building generation starts empty.
	b := &writer{t: t, s: s, tg: rb, cp: domain.Start}
	changed := f.offers["off-01"]
	changed.Title, changed.TitleTerms, changed.Version = domain.Text{DE: "Neuer Titel: Edelstahlgeländer"}, terms("edelstahlgelander neuer titel"), 2
	b.update(func(ctx context.Context, tx projections.Tx) error {
		if _, ok, err := tx.Get(ctx, notesColl, "n-old"); ok || err != nil {
			return fmt.Errorf("new generation has n-old: %v, %v", ok, err)
		}
		if _, ok, err := tx.Offer(ctx, "off-01"); ok || err != nil {
			return fmt.Errorf("new generation has off-01: %v, %v", ok, err)
		}
		if ids, err := tx.OffersOf(ctx, "org-de-1"); len(ids) != 0 || err != nil {
			return fmt.Errorf("new generation: OffersOf = %v, %v", ids, err)
		}
		return batch{docs: []projections.Doc{noteDoc("n-new", "neu", 2, "all")}, offers: []projections.OfferDoc{changed}}.apply(ctx, tx)
	})
	b.write(batch{offers: f.offerList("off-03"), orgs: f.orgList("org-cz-1")})
	sb := &writer{t: t, s: s, tg: srb, cp: domain.Start}
	sb.update(func(ctx context.Context, tx projections.Tx) error {
		first, err := tx.AddEvidence(ctx, evidence("RCO87", "org-de-1", "DE", "2025-03", at(1), "OrganisationRegistered"))
		if err == nil && !first {
			err = errors.New("new generation: evidence recorded in the live one is not new")
		}
		if err != nil {
			return err
		}
		return tx.Add(ctx, projections.Counter{Metric: "offers"}, 7)
	})
	// Stale batches are refused for the building generation too.
	var se *projections.StaleError
	if err := s.Update(ctx, rb, domain.Start, at(1), func(projections.Tx) error { return nil }); !errors.As(err, &se) || se.Checkpoint != b.cp || se.Target != rb {
		t.Errorf("stale Update of the building generation = %v, want *StaleError at %s", err, b.cp)
	}
	// The live generation goes on meanwhile.
	cat.write(batch{offers: f.offerList("off-04")})

	oldView := func() {
		t.Helper()
		if _, ok, _ := s.Doc(ctx, notesColl, "n-old"); !ok {
			t.Error("readers lost n-old during the rebuild")
		}
		if _, ok, _ := s.Doc(ctx, notesColl, "n-new"); ok {
			t.Error("readers see n-new of the building generation")
		}
		if _, ok, _ := s.Doc(ctx, "catalogue.extra", "x-1"); !ok {
			t.Error("readers lost catalogue.extra during the rebuild")
		}
		if ids := listIDs(t, s, notesColl, "all"); !slices.Equal(ids, []string{"n-old"}) {
			t.Errorf("List during the rebuild = %v", ids)
		}
		if o, _, _ := s.OfferByID(ctx, "off-01"); o.Version != 1 {
			t.Errorf("readers see off-01 version %d, want the live 1", o.Version)
		}
		if _, ok, _ := s.OfferByID(ctx, "off-03"); ok {
			t.Error("readers see off-03 of the building generation")
		}
		if _, ok, _ := s.OrganisationByID(ctx, "org-cz-1"); ok {
			t.Error("readers see org-cz-1 of the building generation")
		}
		if r := runSearch(t, s, true, projections.SearchQuery{Limit: 10}); !slices.Equal(r.ids, []string{"off-04", "off-02", "off-01"}) {
			t.Errorf("search during the rebuild = %v", r.ids)
		}
		if v, _ := s.Vocabulary(ctx, "edelstahlgelander", 0.9, 5); len(v) != 0 {
			t.Errorf("vocabulary of the building generation visible: %v", v)
		}
		if c, _ := s.Counters(ctx, "offers"); len(c) != 1 || c[0].N != 2 {
			t.Errorf("counters during the rebuild = %v", c)
		}
	}
	oldView()

	if err := s.Promote(ctx, rb); err != nil {
		t.Fatal(err)
	}
	if err := s.Promote(ctx, srb); err != nil {
		t.Fatal(err)
	}
	// Everything switched at once; the old generation is gone.
	if _, ok, _ := s.Doc(ctx, notesColl, "n-old"); ok {
		t.Error("n-old of the replaced generation is still visible")
	}
	// Also collections the new generation did not write again.
	if _, ok, _ := s.Doc(ctx, "catalogue.extra", "x-1"); ok {
		t.Error("catalogue.extra of the replaced generation is still visible")
	}
	if ids := listIDs(t, s, "catalogue.extra", "all"); len(ids) != 0 {
		t.Errorf("List of catalogue.extra after Promote = %v", ids)
	}
	if ids := listIDs(t, s, notesColl, "all"); !slices.Equal(ids, []string{"n-new"}) {
		t.Errorf("List after Promote = %v", ids)
	}
	if o, _, _ := s.OfferByID(ctx, "off-01"); o.Version != 2 {
		t.Errorf("off-01 after Promote: version %d, want 2", o.Version)
	}
	for _, id := range []string{"off-02", "off-04"} {
		if _, ok, _ := s.OfferByID(ctx, id); ok {
			t.Errorf("%s of the replaced generation is still visible", id)
		}
	}
	if _, ok, _ := s.OrganisationByID(ctx, "org-de-1"); ok {
		t.Error("org-de-1 of the replaced generation is still visible")
	}
	if r := runSearch(t, s, true, projections.SearchQuery{Limit: 10}); !slices.Equal(r.ids, []string{"off-01", "off-03"}) {
		t.Errorf("search after Promote = %v", r.ids)
	}
	if r := runSearch(t, s, false, projections.SearchQuery{Limit: 10}); !slices.Equal(r.ids, []string{"org-cz-1"}) {
		t.Errorf("organisation search after Promote = %v", r.ids)
	}
	if v, _ := s.Vocabulary(ctx, "edelstahlgelander", 0.9, 5); !slices.Equal(v, []string{"edelstahlgelander"}) {
		t.Errorf("vocabulary after Promote: %v", v)
	}
	if v, _ := s.Vocabulary(ctx, "lohnschweissen", 0.9, 5); len(v) != 0 {
		t.Errorf("words of the replaced generation: %v", v)
	}
	if c, _ := s.Counters(ctx, "offers"); len(c) != 1 || c[0].N != 7 {
		t.Errorf("counters after Promote = %v", c)
	}
	if ev, _ := s.Evidence(ctx, "RCO87", domain.Start, 10); len(ev) != 1 {
		t.Errorf("evidence after Promote = %v", ev)
	}
	// Other projections are untouched.
	if _, ok, _ := s.Doc(ctx, meetingsColl, "m-1"); !ok {
		t.Error("rosters' m-1 vanished with the catalogue rebuild")
	}
	sts := states()
	if got := sts[catalogue]; got.Generation != rb.Generation || got.Checkpoint != b.cp || got.Building != 0 || !got.BuildingCheckpoint.IsZero() {
		t.Errorf("state after Promote = %+v, want generation %d at %s, nothing building", got, rb.Generation, b.cp)
	}
	if got := sts[rosters]; got.Generation != 1 || got.Checkpoint != ros.cp {
		t.Errorf("rosters state = %+v", got)
	}
	if tg, cp, err := s.Live(ctx, catalogue); err != nil || tg != rb || cp != b.cp {
		t.Errorf("Live after Promote = %+v, %s, %v; want %+v at %s", tg, cp, err, rb, b.cp)
	}
	// The replaced generation is retired.
	if err := s.Update(ctx, old, cat.cp, cat.next(), func(projections.Tx) error { return nil }); !errors.Is(err, projections.ErrRetired) {
		t.Errorf("Update of the replaced generation = %v, want ErrRetired", err)
	}
	for _, tg := range []projections.Target{old, rb} {
		if err := s.Promote(ctx, tg); !errors.Is(err, projections.ErrRetired) {
			t.Errorf("Promote(%+v) after the rebuild = %v, want ErrRetired", tg, err)
		}
	}
	// The promoted generation is live and takes batches.
	b.write(batch{offers: f.offerList("off-05")})
	if _, ok, _ := s.OfferByID(ctx, "off-05"); !ok {
		t.Error("a batch of the promoted generation is not visible")
	}
}

func listIDs(t *testing.T, s projections.Store, coll, key string) []string {
	t.Helper()
	vals, _, err := s.List(ctxT(t), coll, key, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vals {
		m, err := projections.As[meeting](v)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

func testRebuildTwice(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	f := newFixture()
	cat := live(t, s, catalogue)
	cat.write(batch{offers: f.offerList("off-01")})
	rb1, err := s.StartRebuild(ctx, catalogue)
	if err != nil {
		t.Fatal(err)
	}
	b1 := &writer{t: t, s: s, tg: rb1, cp: domain.Start}
	b1.write(batch{offers: f.offerList("off-02"), docs: []projections.Doc{noteDoc("n-1", "erste", 1, "all")}})
	rb2, err := s.StartRebuild(ctx, catalogue)
	if err != nil {
		t.Fatal(err)
	}
	if rb2.Generation <= rb1.Generation || rb2.Generation <= cat.tg.Generation {
		t.Fatalf("second StartRebuild = %+v after %+v", rb2, rb1)
	}
	sts, _ := s.Projections(ctx)
	if len(sts) != 1 || sts[0].Building != rb2.Generation || !sts[0].BuildingCheckpoint.IsZero() || sts[0].Generation != cat.tg.Generation {
		t.Errorf("Projections = %+v, want building %d at Start", sts, rb2.Generation)
	}
	if err := s.Update(ctx, rb1, b1.cp, b1.next(), func(projections.Tx) error { return nil }); !errors.Is(err, projections.ErrRetired) {
		t.Errorf("Update of the dropped building generation = %v, want ErrRetired", err)
	}
	if err := s.Promote(ctx, rb1); !errors.Is(err, projections.ErrRetired) {
		t.Errorf("Promote of the dropped building generation = %v, want ErrRetired", err)
	}
	b2 := &writer{t: t, s: s, tg: rb2, cp: domain.Start}
	b2.update(func(ctx context.Context, tx projections.Tx) error {
		if _, ok, err := tx.Offer(ctx, "off-02"); ok || err != nil {
			return fmt.Errorf("the second rebuild sees the first one's off-02: %v, %v", ok, err)
		}
		return tx.PutOffer(ctx, f.offers["off-03"])
	})
	if err := s.Promote(ctx, rb2); err != nil {
		t.Fatal(err)
	}
	if r := runSearch(t, s, true, projections.SearchQuery{Limit: 10}); !slices.Equal(r.ids, []string{"off-03"}) {
		t.Errorf("after the second rebuild: %v, want [off-03]", r.ids)
	}
	if _, ok, _ := s.Doc(ctx, notesColl, "n-1"); ok {
		t.Error("the dropped rebuild's n-1 is visible")
	}
}

// ---------------------------------------------------------------------------
// Tests: dump

func dump(t *testing.T, s projections.Store, name string) []string {
	t.Helper()
	var lines []string
	err := s.Dump(ctxT(t), name, func(line []byte) error {
		if !json.Valid(line) {
			t.Errorf("dump line is not JSON: %s", line)
		}
		lines = append(lines, string(line))
		return nil
	})
	if err != nil {
		t.Fatalf("Dump(%s): %v", name, err)
	}
	return lines
}

// testDump fills s and sb with the same content in different batches.
func testDump(t *testing.T, s, sb projections.Store) {
	f := newFixture()
	notes := []projections.Doc{noteDoc("n-1", "eins", 1, "all"), noteDoc("n-2", "zwei", 2, "all", "org:org-de-1"), noteDoc("n-3", "drei", 3)}
	ev := []projections.Evidence{
		evidence("RCO87", "org-de-1", "DE", "2025-03", at(3), "OrganisationRegistered"),
		evidence("RCO87", "org-pl-1", "PL", "2025-05", at(1), "OrganisationRegistered"),
		evidence("RCO81", "org-de-1", "DE", "2025-05", at(2), "ParticipantRegistered"),
	}
	c := func(metric, dim, value string) projections.Counter {
		return projections.Counter{Metric: metric, Dim: dim, Value: value}
	}
	old01 := f.offers["off-01"]
	old01.Status, old01.TitleTerms = "draft", terms("entwurf")

	// Store a: one batch.
	a := s
	wa := live(t, a, catalogue)
	wa.write(batch{docs: notes, offers: f.allOffers(), orgs: f.allOrgs(),
		counters: []counterAdd{{c("offers", "", ""), 10}, {c("offers", "country", "PL"), 3}}, evidence: ev})
	dumpA := dump(t, a, catalogue)
	if len(dumpA) < len(notes)+len(f.offers)+len(f.orgs)+2+len(ev) {
		t.Fatalf("dump has %d lines, want one per document, counter and evidence", len(dumpA))
	}
	if again := dump(t, a, catalogue); !slices.Equal(again, dumpA) {
		t.Error("two dumps of the same store differ")
	}

	// Store b: the same content, written in other batches and orders,
	// with replaced and deleted documents on the way.
	wb := live(t, sb, catalogue)
	offers := f.allOffers()
	slices.Reverse(offers)
	wb.write(batch{docs: []projections.Doc{notes[2], noteDoc("n-tmp", "weg", 9, "all")}, offers: append([]projections.OfferDoc{old01}, offers[:5]...),
		counters: []counterAdd{{c("offers", "country", "PL"), 1}}, evidence: ev[2:]})
	wb.write(batch{docs: []projections.Doc{noteDoc("n-1", "vorher", 5, "other"), notes[1]}, deletes: [][2]string{{notesColl, "n-tmp"}},
		orgs: f.allOrgs()[4:], counters: []counterAdd{{c("offers", "", ""), 4}, {c("offers", "country", "PL"), 2}}, evidence: ev[:1]})
	wb.write(batch{docs: notes[:1], offers: offers[5:], orgs: f.allOrgs()[:4], counters: []counterAdd{{c("offers", "", ""), 6}}, evidence: ev[1:2]})
	if dumpB := dump(t, sb, catalogue); !slices.Equal(dumpB, dumpA) {
		t.Errorf("dumps of equal content differ:\n%s\n---\n%s", strings.Join(dumpA, "\n"), strings.Join(dumpB, "\n"))
	}
	// A rebuild in progress does not show in the dump.
	rb, err := s.StartRebuild(ctxT(t), catalogue)
	if err != nil {
		t.Fatal(err)
	}
	(&writer{t: t, s: s, tg: rb}).write(batch{docs: notes[:1]})
	if got := dump(t, a, catalogue); !slices.Equal(got, dumpA) {
		t.Error("the dump shows the building generation")
	}
	// One changed document changes the dump.
	wb.write(batch{docs: []projections.Doc{noteDoc("n-2", "zwei!", 2, "all", "org:org-de-1")}})
	if dumpB := dump(t, sb, catalogue); slices.Equal(dumpB, dumpA) {
		t.Error("a changed document does not change the dump")
	}
	wb.write(batch{docs: notes[1:2]})
	o := f.offers["off-07"]
	o.Version++
	wb.write(batch{offers: []projections.OfferDoc{o}})
	if dumpB := dump(t, sb, catalogue); slices.Equal(dumpB, dumpA) {
		t.Error("a changed offer does not change the dump")
	}
}

// ---------------------------------------------------------------------------
// Tests: concurrency

func testConcurrentUpdates(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	tg, cp, err := s.Live(ctx, rosters)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		to := at(uint64(round + 1))
		const racers = 2
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				<-start
				errs[i] = s.Update(ctx, tg, cp, to, func(tx projections.Tx) error {
					return tx.Put(ctx, meetingDoc("m-race", fmt.Sprintf("round %d, writer %d", round, i), "Zgorzelec", day("2025-11-20"), "all"))
				})
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			var se *projections.StaleError
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("round %d: writers %d and %d both won", round, winner, i)
				}
				winner = i
			case errors.As(err, &se):
				if se.Checkpoint != to || se.Target != tg {
					t.Errorf("round %d: loser's StaleError %+v, want %+v at %s", round, *se, tg, to)
				}
			default:
				t.Fatalf("round %d: writer %d: %v, want success or *StaleError", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won", round)
		}
		v, ok, err := s.Doc(ctx, meetingsColl, "m-race")
		if err != nil || !ok {
			t.Fatalf("round %d: Doc = %v, %v", round, ok, err)
		}
		if m, _ := projections.As[meeting](v); m.Title != fmt.Sprintf("round %d, writer %d", round, winner) {
			t.Errorf("round %d: stored %q, want the winner's (%d)", round, m.Title, winner)
		}
		if _, got, _ := s.Live(ctx, rosters); got != to {
			t.Fatalf("round %d: checkpoint %s, want %s", round, got, to)
		}
		cp = to
	}
}

// testReadersSeeWholeBatches reads while a writer commits batches of five
// offers, five list entries and a counter: readers never see part of a
// batch.
func testReadersSeeWholeBatches(t *testing.T, s projections.Store) {
	ctx := ctxT(t)
	f := newFixture()
	owner := f.orgs["org-pl-1"]
	cat := live(t, s, catalogue)
	const batches, per = 30, 5
	done := make(chan struct{})
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for r := range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				var n int
				var err error
				switch r % 2 {
				case 0:
					var res projections.SearchResult[projections.OfferDoc]
					res, err = s.SearchOffers(ctx, projections.SearchQuery{Limit: 3, Facets: true, Terms: []projections.QueryTerm{qt(0, "spawanie", 1)}})
					n = res.Total
					if err == nil && res.Facets["country"]["PL"] != n && n > 0 {
						err = fmt.Errorf("facets %v disagree with Total %d", res.Facets, n)
					}
				case 1:
					var vals []any
					vals, _, err = s.List(ctx, notesColl, "all", "", 1000)
					n = len(vals)
				}
				if err == nil && n%per != 0 {
					err = fmt.Errorf("reader %d saw %d documents: part of a batch", r, n)
				}
				if err != nil {
					errc <- err
					return
				}
			}
		})
	}
	for i := range batches {
		var b batch
		for j := range per {
			id := fmt.Sprintf("off-%03d", i*per+j)
			b.offers = append(b.offers, offer(id, owner, "offer", "service").
				title(domain.Text{PL: "Spawanie " + id}, "spawanie "+id).published("2025-10-01").doc())
			b.docs = append(b.docs, noteDoc("n-"+id, id, int64(i), "all"))
		}
		cat.write(b)
	}
	close(done)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if r := runSearch(t, s, true, projections.SearchQuery{Limit: 1, Terms: []projections.QueryTerm{qt(0, "spawanie", 1)}}); r.total != batches*per {
		t.Errorf("Total %d after all batches, want %d", r.total, batches*per)
	}
}
