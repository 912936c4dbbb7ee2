package projections_test

// The search relevance set: a fixed corpus of organisations and offers in
// the border regions (testdata/relevance/corpus.json) and queries in
// German, Polish, Czech and English with the results a user expects
// (testdata/relevance/queries.json). The corpus goes through real domain
// commands on an embedded event store and the catalogue projection into
// both read stores; every query is planned (projections.Plan) and run
// against each store, and the two stores must rank alike (plan, ids,
// scores and totals), known failures included.
//
// A query marked known_failure is skipped with its reason and its top
// results; one that passes again is skipped with a note to remove the
// mark. Every other miss fails the test.
//
// Set NISA_RELEVANCE_VERBOSE=1 to log the plan and the top results of
// every query, not only of failing ones.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// relCorpus is testdata/relevance/corpus.json.
type relCorpus struct {
	Organisations []relOrg   `json:"organisations"`
	Offers        []relOffer `json:"offers"`
}

// relOrg is an organisation of the corpus. Status "deactivated" deactivates
// it after registration.
type relOrg struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Kind        string      `json:"kind"`
	LegalForm   string      `json:"legal_form,omitempty"`
	Country     string      `json:"country"`
	NUTS        string      `json:"nuts,omitempty"`
	City        string      `json:"city"`
	Sectors     []string    `json:"sectors"`
	Languages   []string    `json:"languages"`
	Networks    []string    `json:"networks,omitempty"`
	Description domain.Text `json:"description"`
	Status      string      `json:"status,omitempty"`
}

// relOffer is an offer or request of the corpus. Status is "published"
// (the default), "draft" (drafted only) or "withdrawn" (published, then
// withdrawn).
type relOffer struct {
	ID               string      `json:"id"`
	Owner            string      `json:"owner"`
	Kind             string      `json:"kind"`
	Category         string      `json:"category"`
	PartnershipTypes []string    `json:"partnership_types,omitempty"`
	Title            domain.Text `json:"title"`
	Description      domain.Text `json:"description"`
	NACE             []string    `json:"nace"`
	Languages        []string    `json:"languages"`
	TargetCountries  []string    `json:"target_countries,omitempty"`
	TargetRegions    []string    `json:"target_regions,omitempty"`
	Status           string      `json:"status,omitempty"`
}

// relQueries is testdata/relevance/queries.json.
type relQueries struct {
	Queries []relQuery `json:"queries"`
}

// relQuery is one query of the relevance set and what it must find.
type relQuery struct {
	ID string `json:"id"`
	// Lang is the language the query is typed in: de, pl, cs or en.
	Lang string `json:"lang"`
	Q    string `json:"q"`
	// Index is "offers" or "organisations".
	Index   string     `json:"index"`
	Filters relFilters `json:"filters,omitzero"`
	// K is how many of the first results ExpectTop is checked against.
	K int `json:"k"`
	// ExpectTop must all be among the first K results, ExpectFirst (when
	// set) must be the first, and ExpectAbsent must not be found at all.
	ExpectTop    []string `json:"expect_top"`
	ExpectFirst  string   `json:"expect_first,omitempty"`
	ExpectAbsent []string `json:"expect_absent,omitempty"`
	// Tags say what the query exercises: no_diacritics, misspelled,
	// prefix, cross_language, filter, inflection, status.
	Tags []string `json:"tags,omitempty"`
	// Why says why the expectation is what a user expects.
	Why string `json:"why"`
	// KnownFailure, when set, says why the current ranking does not meet
	// the expectation; the query is then reported and skipped.
	KnownFailure string `json:"known_failure,omitempty"`
}

// relFilters are the filters of a query, as the search API takes them.
// Status defaults to "published" for offers and "active" for
// organisations, as in the API.
type relFilters struct {
	Kind            []string `json:"kind,omitempty"`
	Category        []string `json:"category,omitempty"`
	PartnershipType []string `json:"partnership_type,omitempty"`
	NACE            []string `json:"nace,omitempty"`
	Country         []string `json:"country,omitempty"`
	NUTS            []string `json:"nuts,omitempty"`
	Language        []string `json:"language,omitempty"`
	Status          []string `json:"status,omitempty"`
}

// relHit is one search result: the document id, its score and a label for
// people (title or name).
type relHit struct {
	ID    string
	Score float64
	Label string
}

// relResult is what one query found on one store.
type relResult struct {
	Plan  []projections.QueryTerm
	Hits  []relHit
	Total int
}

// relLimit is the page size of the relevance queries: the whole corpus
// fits on one page, so that ExpectAbsent covers every match.
const relLimit = 100

// relT0 is when the corpus is registered.
var relT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func relLoad[T any](t *testing.T, name string) T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "relevance", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v T
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// relCheckFixtures checks that the query set is what the relevance set
// promises and that every query refers to documents of the corpus.
func relCheckFixtures(t *testing.T, c relCorpus, qs []relQuery) {
	t.Helper()
	offers, orgs := map[string]relOffer{}, map[string]relOrg{}
	for _, o := range c.Organisations {
		if _, dup := orgs[o.ID]; dup {
			t.Errorf("corpus: organisation %s twice", o.ID)
		}
		orgs[o.ID] = o
	}
	for _, o := range c.Offers {
		if _, dup := offers[o.ID]; dup {
			t.Errorf("corpus: offer %s twice", o.ID)
		}
		if _, ok := orgs[o.Owner]; !ok {
			t.Errorf("corpus: offer %s: unknown owner %s", o.ID, o.Owner)
		}
		offers[o.ID] = o
	}
	if len(orgs) < 35 || len(offers) < 70 {
		t.Errorf("corpus: %d organisations and %d offers, want about 40 and 80", len(orgs), len(offers))
	}
	perLang, perTag, ids := map[string]int{}, map[string]int{}, map[string]bool{}
	for _, q := range qs {
		perLang[q.Lang]++
		for _, tag := range q.Tags {
			perTag[tag]++
		}
		if ids[q.ID] {
			t.Errorf("query %s twice", q.ID)
		}
		ids[q.ID] = true
		if !slices.Contains([]string{"de", "pl", "cs", "en"}, q.Lang) {
			t.Errorf("query %s: lang %q", q.ID, q.Lang)
		}
		if strings.TrimSpace(q.Q) == "" || q.Why == "" {
			t.Errorf("query %s: needs q and why", q.ID)
		}
		if q.K < 1 || q.K > 20 || len(q.ExpectTop) > q.K {
			t.Errorf("query %s: k %d with %d expected ids", q.ID, q.K, len(q.ExpectTop))
		}
		if len(q.ExpectTop) == 0 && q.ExpectFirst == "" {
			t.Errorf("query %s expects nothing", q.ID)
		}
		if slices.Contains(q.Tags, "no_diacritics") && strings.ContainsFunc(q.Q, func(r rune) bool { return r > 127 }) {
			t.Errorf("query %s is tagged no_diacritics but has %q", q.ID, q.Q)
		}
		known := func(id string) bool { _, ok := offers[id]; return ok }
		if q.Index == "organisations" {
			known = func(id string) bool { _, ok := orgs[id]; return ok }
		} else if q.Index != "offers" {
			t.Errorf("query %s: index %q", q.ID, q.Index)
		}
		all := slices.Concat(q.ExpectTop, q.ExpectAbsent)
		if q.ExpectFirst != "" {
			all = append(all, q.ExpectFirst)
		}
		for _, id := range all {
			if !known(id) {
				t.Errorf("query %s: %s is not in the %s of the corpus", q.ID, id, q.Index)
			}
		}
		for _, id := range q.ExpectAbsent {
			if slices.Contains(q.ExpectTop, id) || id == q.ExpectFirst {
				t.Errorf("query %s expects %s both present and absent", q.ID, id)
			}
		}
	}
	if len(qs) < 48 {
		t.Errorf("%d queries, want at least 48", len(qs))
	}
	for _, l := range []string{"de", "pl", "cs", "en"} {
		if perLang[l] < 10 {
			t.Errorf("%d queries in %s, want at least 10", perLang[l], l)
		}
	}
	for tag, n := range map[string]int{"no_diacritics": 8, "misspelled": 8, "prefix": 2, "cross_language": 2, "filter": 6} {
		if perTag[tag] < n {
			t.Errorf("%d queries tagged %s, want at least %d", perTag[tag], tag, n)
		}
	}
	t.Logf("relevance set: %d organisations, %d offers; queries per language %v, per tag %v", len(orgs), len(offers), perLang, perTag)
}

// relBuild runs the commands that create the corpus on the harness's event
// store: organisations first (one minute apart), then offers in file order
// (ten minutes apart, so that file order is publication order).
func relBuild(h *harness, c relCorpus) {
	h.t.Helper()
	for i, o := range c.Organisations {
		h.now = relT0.Add(time.Duration(i) * time.Minute)
		p := domain.OrganisationProfile{
			Name: o.Name, Kind: o.Kind, LegalForm: o.LegalForm, Country: o.Country, NUTS: o.NUTS,
			Address: domain.Address{City: o.City, Country: o.Country}, Sectors: o.Sectors,
			Languages: o.Languages, Description: o.Description, Networks: o.Networks,
		}
		execute(h, domain.OrganisationKind, o.ID, func(s domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
			return domain.RegisterOrganisation{Profile: p}.Decide(s, o.ID, a, now)
		})
	}
	for i, o := range c.Offers {
		at := relT0.Add(24*time.Hour + time.Duration(i)*10*time.Minute)
		d := domain.OfferDetails{
			Kind: o.Kind, Category: o.Category, PartnershipTypes: o.PartnershipTypes, Title: o.Title,
			Description: o.Description, NACE: o.NACE, Languages: o.Languages,
			TargetCountries: o.TargetCountries, TargetRegions: o.TargetRegions,
		}
		h.now = at
		h.offerCmd(o.ID, func(s domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
			return domain.DraftOffer{OwnerOrgID: o.Owner, Details: d}.Decide(s, o.ID, a, now)
		})
		switch o.Status {
		case "", domain.OfferStatusPublished, domain.OfferStatusWithdrawn:
			h.now = at.Add(time.Minute)
			h.publishOffer(o.ID)
			if o.Status == domain.OfferStatusWithdrawn {
				h.now = at.Add(2 * time.Minute)
				h.offerCmd(o.ID, func(s domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
					return domain.WithdrawOffer{Reason: "no longer available"}.Decide(s, a, now)
				})
			}
		case domain.OfferStatusDraft:
		default:
			h.t.Fatalf("offer %s: status %q", o.ID, o.Status)
		}
	}
	for i, o := range c.Organisations {
		switch o.Status {
		case "", projections.OrgStatusActive:
		case projections.OrgStatusDeactivated:
			h.now = relT0.Add(48*time.Hour + time.Duration(i)*time.Minute)
			execute(h, domain.OrganisationKind, o.ID, func(s domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
				return domain.DeactivateOrganisation{Reason: "closed down"}.Decide(s, a, now)
			})
		default:
			h.t.Fatalf("organisation %s: status %q", o.ID, o.Status)
		}
	}
}

// relRun plans and runs query q on store r.
func relRun(ctx context.Context, r projections.Reader, q relQuery) (relResult, error) {
	terms, err := projections.Plan(ctx, r, q.Q)
	if err != nil {
		return relResult{}, err
	}
	f := q.Filters
	sq := projections.SearchQuery{
		Terms: terms, Kind: f.Kind, Category: f.Category, PartnershipType: f.PartnershipType,
		Codes: f.NACE, Country: f.Country, Regions: f.NUTS, Language: f.Language, Status: f.Status,
		Sort: projections.SortRelevance, Limit: relLimit,
	}
	res := relResult{Plan: terms}
	if q.Index == "organisations" {
		if len(sq.Status) == 0 {
			sq.Status = []string{projections.OrgStatusActive}
		}
		out, err := r.SearchOrganisations(ctx, sq)
		if err != nil {
			return res, err
		}
		for _, h := range out.Hits {
			res.Hits = append(res.Hits, relHit{ID: h.Doc.ID, Score: h.Score, Label: h.Doc.Name + " (" + h.Doc.City + ")"})
		}
		res.Total = out.Total
		return res, nil
	}
	if len(sq.Status) == 0 {
		sq.Status = []string{domain.OfferStatusPublished}
	}
	out, err := r.SearchOffers(ctx, sq)
	if err != nil {
		return res, err
	}
	for _, h := range out.Hits {
		res.Hits = append(res.Hits, relHit{ID: h.Doc.ID, Score: h.Score, Label: relTitle(h.Doc.Title) + " — " + h.Doc.OwnerName})
	}
	res.Total = out.Total
	return res, nil
}

// relTitle is the first variant of a title, in the order de, pl, cs, en.
func relTitle(t domain.Text) string {
	for _, s := range []string{t.DE, t.PL, t.CS, t.EN} {
		if s != "" {
			return s
		}
	}
	return ""
}

// relProblems lists how res misses the expectations of q.
func relProblems(q relQuery, res relResult) []string {
	var out []string
	rank := map[string]int{}
	for i, h := range res.Hits {
		rank[h.ID] = i + 1
	}
	for _, id := range q.ExpectTop {
		switch r := rank[id]; {
		case r == 0:
			out = append(out, fmt.Sprintf("%s is not found, want it in the top %d", id, q.K))
		case r > q.K:
			out = append(out, fmt.Sprintf("%s is at rank %d, want it in the top %d", id, r, q.K))
		}
	}
	if q.ExpectFirst != "" && (len(res.Hits) == 0 || res.Hits[0].ID != q.ExpectFirst) {
		out = append(out, fmt.Sprintf("%s is at rank %d, want it first", q.ExpectFirst, rank[q.ExpectFirst]))
	}
	for _, id := range q.ExpectAbsent {
		if r := rank[id]; r > 0 {
			out = append(out, fmt.Sprintf("%s is found at rank %d, want it absent", id, r))
		}
	}
	if res.Total != len(res.Hits) {
		out = append(out, fmt.Sprintf("total %d, but %d hits on a page of %d", res.Total, len(res.Hits), relLimit))
	}
	return out
}

// relReport describes a result for people: the plan and the top hits.
func relReport(q relQuery, res relResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query %s [%s, %s] %q filters %+v: %d found\n  plan:", q.ID, q.Lang, q.Index, q.Q, q.Filters, res.Total)
	for _, t := range res.Plan {
		fmt.Fprintf(&b, " %d:%s×%g", t.Token, t.Term, t.Weight)
	}
	b.WriteByte('\n')
	for i, h := range res.Hits[:min(len(res.Hits), max(q.K, 10))] {
		mark := " "
		if slices.Contains(q.ExpectTop, h.ID) || h.ID == q.ExpectFirst {
			mark = "*"
		} else if slices.Contains(q.ExpectAbsent, h.ID) {
			mark = "!"
		}
		fmt.Fprintf(&b, "  %s%2d. %-7.4f %-32s %s\n", mark, i+1, h.Score, h.ID, h.Label)
	}
	return b.String()
}

// relCheck runs every query on store r, checks its expectations in a
// subtest per query, and returns the results by query id.
func relCheck(t *testing.T, r projections.Reader, qs []relQuery) map[string]relResult {
	ctx := context.Background()
	verbose := os.Getenv("NISA_RELEVANCE_VERBOSE") != ""
	results := map[string]relResult{}
	for _, q := range qs {
		res, err := relRun(ctx, r, q)
		if err != nil {
			t.Fatalf("query %s: %v", q.ID, err)
		}
		results[q.ID] = res
		t.Run(q.ID, func(t *testing.T) {
			problems := relProblems(q, res)
			if verbose {
				t.Log(relReport(q, res))
			}
			switch {
			case q.KnownFailure != "" && len(problems) > 0:
				t.Skipf("known failure: %s\n  %s\n%s", q.KnownFailure, strings.Join(problems, "\n  "), relReport(q, res))
			case q.KnownFailure != "":
				t.Skipf("marked as a known failure (%s), but passes now: remove the mark", q.KnownFailure)
			case len(problems) > 0:
				t.Errorf("%s (%s)\n  %s\n%s", q.Q, q.Why, strings.Join(problems, "\n  "), relReport(q, res))
			}
		})
	}
	return results
}

// relSame fails the test unless two stores planned and ranked every query
// alike: the same plan, the same ids in the same order with the same
// scores, the same total.
func relSame(t *testing.T, qs []relQuery, want, got map[string]relResult) {
	t.Helper()
	for _, q := range qs {
		w, g := want[q.ID], got[q.ID]
		if !slices.Equal(w.Plan, g.Plan) {
			t.Errorf("query %s %q: plans differ\n memory   %v\n postgres %v", q.ID, q.Q, w.Plan, g.Plan)
			continue
		}
		same := len(w.Hits) == len(g.Hits) && w.Total == g.Total
		for i := 0; same && i < len(w.Hits); i++ {
			same = w.Hits[i].ID == g.Hits[i].ID && math.Abs(w.Hits[i].Score-g.Hits[i].Score) < 1e-9
		}
		if !same {
			t.Errorf("query %s %q: the stores rank differently\n memory:\n%s postgres:\n%s", q.ID, q.Q, relReport(q, w), relReport(q, g))
		}
	}
}

func TestRelevance(t *testing.T) {
	corpus := relLoad[relCorpus](t, "corpus.json")
	qs := relLoad[relQueries](t, "queries.json").Queries
	relCheckFixtures(t, corpus, qs)
	if t.Failed() {
		t.FailNow()
	}

	h := newHarness(t, projections.NewCatalogue())
	h.batch = 64
	relBuild(h, corpus)

	var mem map[string]relResult
	t.Run("memory", func(t *testing.T) {
		rs := memory.New()
		t.Cleanup(func() { rs.Close() })
		h.withReads(rs).sync()
		mem = relCheck(t, rs, qs)
	})
	t.Run("postgres", func(t *testing.T) {
		ctx := context.Background()
		url := pgtest.NewDatabase(t)
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		if _, err := postgres.Migrate(ctx, pool, nil); err != nil {
			t.Fatal(err)
		}
		rs, err := postgres.OpenReadStore(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rs.Close() })
		h.withReads(rs).sync()
		pg := relCheck(t, rs, qs)
		if mem != nil {
			relSame(t, qs, mem, pg)
		}
	})
}
