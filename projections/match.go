package projections

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/domain/reference"
)

// Matching is explainable: a match's Score is the sum, over the factors
// below, of the factor's weight times how well the two sides agree on it
// (0..1), rounded with Round. The weights add up to 100, so a score lies
// between 0 and 100. Every factor that contributed is reported as a Reason.
// Scores are computed here, in Go, from the candidates a store returns, so
// that every store ranks the same way.

// Factors of a match (Reason.Factor).
const (
	// FactorSector compares the NACE codes: 1 when the two sides share a NACE
	// division (or a finer code), 0.5 when they share only a section.
	FactorSector = "sector"
	// FactorCrossBorder is 1 when the two sides are in different countries,
	// 0 in the same country. A request that names target countries
	// never matches a side outside them.
	FactorCrossBorder = "cross_border"
	// FactorLanguages is 1 when the two sides share a language (an offer's
	// languages and its owner's), else 0.
	FactorLanguages = "languages"
	// FactorRegion is 1 when one side lies in a target region of the other
	// or the two lie in neighbouring border regions (Neighbours), 0.5 in
	// the same NUTS-2 region, 0.25 in the same NUTS-1 region, else 0.
	FactorRegion = "region"
	// FactorText is the Jaccard similarity of the two sides' analysed title
	// and text terms (TitleTerms ∪ TextTerms).
	FactorText = "text"
	// FactorFreshness is 1 for a candidate published (an organisation:
	// updated) within FreshFor of now, falling linearly to 0 at
	// StaleAfter.
	FactorFreshness = "freshness"
)

// Weights of the factors of a match. They add up to 100.
const (
	// MatchWeightSector is the weight of FactorSector.
	MatchWeightSector = 40.0
	// MatchWeightCrossBorder is the weight of FactorCrossBorder.
	MatchWeightCrossBorder = 20.0
	// MatchWeightLanguages is the weight of FactorLanguages.
	MatchWeightLanguages = 15.0
	// MatchWeightRegion is the weight of FactorRegion.
	MatchWeightRegion = 10.0
	// MatchWeightText is the weight of FactorText.
	MatchWeightText = 10.0
	// MatchWeightFreshness is the weight of FactorFreshness.
	MatchWeightFreshness = 5.0
)

// Bounds of FactorFreshness.
const (
	// FreshFor is the age up to which a candidate is fully fresh (1).
	FreshFor = 30 * 24 * time.Hour
	// StaleAfter is the age from which a candidate is not fresh at all
	// (0); in between freshness falls linearly.
	StaleAfter = 365 * 24 * time.Hour
)

// Limits of matching.
const (
	// MatchCandidates is how many candidates matching asks the store for
	// (per kind): the newest ones sharing a NACE code, which are then
	// scored. Scoring costs about 2 µs a candidate (reasons are built
	// only for the matches returned); 400 keep a match under 5 ms with
	// 100,000 offers on the embedded store.
	MatchCandidates = 400
	// DefaultMatchLimit is how many matches are returned when the caller
	// asks for no number in particular.
	DefaultMatchLimit = 20
	// MaxMatchTerms is how many shared terms a text Reason lists.
	MaxMatchTerms = 10
)

// factorOrder breaks ties between reasons of equal contribution.
var factorOrder = []string{FactorSector, FactorCrossBorder, FactorLanguages, FactorRegion, FactorText, FactorFreshness}

// Neighbours lists, for each border region of the German–Polish–Czech
// border area, the border regions across a national border it touches.
// Regions are the German and Polish NUTS-2 regions (Dresden DED2, Chemnitz
// DED4, Brandenburg DE40, Mecklenburg-Vorpommern DE80, Zachodniopomorskie
// PL42, Lubuskie PL43, Dolnośląskie PL51, Opolskie PL52) and the Czech
// kraje, which are NUTS-3 regions (Karlovarský CZ041, Ústecký CZ042,
// Liberecký CZ051, Královéhradecký CZ052, Pardubický CZ053, Olomoucký
// CZ071, Moravskoslezský CZ080): a Czech NUTS-2 cohesion region spans
// kraje on different borders. A region below one of these (a German
// Kreis, a Polish subregion) borders what its parent borders. The table is
// symmetric and each list is sorted. Leipzig DED5 and Zlínský kraj CZ072
// have no neighbour across these borders; Moravskoslezský kraj also
// borders Śląskie (PL22), which nisa does not ship.
var Neighbours = map[string][]string{
	// Dresden: Görlitz district on the Neiße (Zgorzelec, and Łęknica in
	// Lubuskie opposite Bad Muskau), Zittau at the tri-border point,
	// Saxon Switzerland and Bautzen along Ústecký kraj.
	"DED2": {"CZ042", "CZ051", "PL43", "PL51"},
	// Chemnitz: Vogtland and the Ore Mountains.
	"DED4": {"CZ041", "CZ042"},
	// Brandenburg: the Oder and the Neiße from Uckermark to Spree-Neiße.
	"DE40": {"PL42", "PL43"},
	// Mecklenburg-Vorpommern: Vorpommern-Greifswald, Usedom.
	"DE80":  {"PL42"},
	"PL42":  {"DE40", "DE80"},
	"PL43":  {"DE40", "DED2"},
	"PL51":  {"CZ051", "CZ052", "CZ053", "CZ071", "DED2"},
	"PL52":  {"CZ071", "CZ080"},
	"CZ041": {"DED4"},
	"CZ042": {"DED2", "DED4"},
	"CZ051": {"DED2", "PL51"},
	"CZ052": {"PL51"},
	"CZ053": {"PL51"},
	"CZ071": {"PL51", "PL52"},
	"CZ080": {"PL52"},
}

// Reason explains one factor of a match: its weight, how well the two
// sides agree on it (Score, 0..1; the factor contributed Weight × Score)
// and what they share.
type Reason struct {
	Factor    string   `json:"factor,omitempty"`
	Weight    float64  `json:"weight,omitempty"`
	Score     float64  `json:"score,omitempty"`
	Codes     []string `json:"codes,omitempty"`
	Languages []string `json:"languages,omitempty"`
	Terms     []string `json:"terms,omitempty"`
	Regions   []string `json:"regions,omitempty"`
	Note      string   `json:"note,omitempty"`
}

// Match is one matching document, its score (0..100) and the reasons for
// it, largest contribution first.
type Match[T any] struct {
	Doc     T        `json:"doc"`
	Score   float64  `json:"score"`
	Reasons []Reason `json:"reasons"`
}

// MatchOffer returns the published documents that could answer o: for a
// request the offers that could fulfil it, for an offer the requests it
// could fulfil. Offers of o's owner, offers whose validity ended before now
// and candidates outside a request's target countries are left out. At
// most limit matches (DefaultMatchLimit when limit ≤ 0), by score
// descending, then ID.
func MatchOffer(ctx context.Context, r Reader, o OfferDoc, now time.Time, limit int) ([]Match[OfferDoc], error) {
	kind := "request"
	switch o.Kind {
	case "request":
		kind = "offer"
	case "offer":
	default:
		return nil, fmt.Errorf("projections: match offer %s: unknown kind %q", o.ID, o.Kind)
	}
	a := offerSide(o)
	return matchOffers(ctx, r, &a, []string{kind}, o.ID, now, limit)
}

// RecommendOffers returns published offers and requests of other
// organisations that fit org's sectors, scored as by MatchOffer with org
// on the one side. At most limit (DefaultMatchLimit when limit ≤ 0).
func RecommendOffers(ctx context.Context, r Reader, org OrgDoc, now time.Time, limit int) ([]Match[OfferDoc], error) {
	a := orgSide(org)
	return matchOffers(ctx, r, &a, []string{"offer", "request"}, "", now, limit)
}

// RecommendPartners returns active organisations that share a sector with
// org, scored as by MatchOffer (freshness by their UpdatedAt). At most
// limit (DefaultMatchLimit when limit ≤ 0).
func RecommendPartners(ctx context.Context, r Reader, org OrgDoc, now time.Time, limit int) ([]Match[OrgDoc], error) {
	if len(org.Codes) == 0 {
		return []Match[OrgDoc]{}, nil
	}
	cands, err := r.OrganisationCandidates(ctx, CandidateQuery{Codes: org.Codes, ExcludeOwner: org.ID, Limit: MatchCandidates})
	if err != nil {
		return nil, err
	}
	a := orgSide(org)
	scored := make([]scoredDoc[OrgDoc], 0, len(cands))
	for i := range cands {
		c := &cands[i]
		if c.ID == org.ID || c.Status != OrgStatusActive {
			continue
		}
		b := orgSide(*c)
		if score, _, ok := matchSides(&a, &b, now, false); ok {
			scored = append(scored, scoredDoc[OrgDoc]{doc: c, score: score})
		}
	}
	return explainTop(&a, scored, orgSide, func(d *OrgDoc) string { return d.ID }, now, limit), nil
}

// matchOffers scores the published candidates of the given kinds for a.
func matchOffers(ctx context.Context, r Reader, a *matchSide, kinds []string, excludeID string, now time.Time, limit int) ([]Match[OfferDoc], error) {
	if len(a.codes) == 0 {
		return []Match[OfferDoc]{}, nil
	}
	var scored []scoredDoc[OfferDoc]
	seen := map[string]bool{}
	for _, kind := range kinds {
		cands, err := r.OfferCandidates(ctx, CandidateQuery{Kind: kind, Codes: a.codes, ExcludeOwner: a.org, ExcludeID: excludeID, Limit: MatchCandidates})
		if err != nil {
			return nil, err
		}
		for i := range cands {
			c := &cands[i]
			switch {
			case seen[c.ID], c.ID == excludeID, c.Kind != kind, c.Status != domain.OfferStatusPublished,
				a.org != "" && c.OwnerOrgID == a.org,
				!c.ValidUntil.IsZero() && !c.ValidUntil.After(now):
				continue
			}
			seen[c.ID] = true
			b := candidateOfferSide(*c)
			if score, _, ok := matchSides(a, &b, now, false); ok {
				scored = append(scored, scoredDoc[OfferDoc]{doc: c, score: score})
			}
		}
	}
	return explainTop(a, scored, candidateOfferSide, func(d *OfferDoc) string { return d.ID }, now, limit), nil
}

// scoredDoc is a candidate and its score, its reasons not yet built.
type scoredDoc[T any] struct {
	doc   *T
	score float64
}

// explainTop sorts the scored candidates by score descending, then ID,
// keeps limit (DefaultMatchLimit when limit ≤ 0) and builds the reasons
// of those kept: matching scores a few hundred candidates but explains
// only the ones it returns.
func explainTop[T any](a *matchSide, xs []scoredDoc[T], side func(T) matchSide, id func(*T) string, now time.Time, limit int) []Match[T] {
	slices.SortFunc(xs, func(x, y scoredDoc[T]) int {
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		return strings.Compare(id(x.doc), id(y.doc))
	})
	if limit <= 0 {
		limit = DefaultMatchLimit
	}
	xs = xs[:min(len(xs), limit)]
	out := make([]Match[T], 0, len(xs))
	for _, x := range xs {
		b := side(*x.doc)
		score, reasons, _ := matchSides(a, &b, now, true)
		out = append(out, Match[T]{Doc: *x.doc, Score: score, Reasons: reasons})
	}
	return out
}

// matchSide is one side of a match: an offer or an organisation.
type matchSide struct {
	org           string // owning (or own) organisation id
	request       bool
	country, nuts string
	codes         []string
	// languages ∪ moreLanguages are the side's languages (an offer's and
	// its owner's); the side a candidate is matched against has them all
	// in languages, sorted and distinct.
	languages, moreLanguages []string
	terms                    []string // sorted, distinct
	targetCountries          []string
	targetRegions            []string
	fresh                    time.Time
	freshWhat                string
	// split: terms is left unbuilt; the side's terms are title ∪ (text
	// without drop) (see candidateOfferSide).
	split             bool
	title, text, drop []string
}

func offerSide(o OfferDoc) matchSide {
	p := candidateOfferSide(o)
	p.languages, p.moreLanguages = matchUnion(p.languages, p.moreLanguages), nil
	p.terms, p.split = matchUnion(p.title, matchWithout(p.text, p.drop)), false
	return p
}

// candidateOfferSide is offerSide for a candidate, which is scored once:
// its languages and terms are not merged into one list each (allocations
// per candidate, a third of the time of matching) but walked.
func candidateOfferSide(o OfferDoc) matchSide {
	return matchSide{
		org: o.OwnerOrgID, request: o.Kind == "request",
		country: o.OwnerCountry, nuts: o.OwnerNUTS, codes: o.Codes,
		languages: o.Languages, moreLanguages: o.OwnerLanguages,
		targetCountries: o.TargetCountries, targetRegions: o.TargetRegions,
		fresh: o.PublishedAt, freshWhat: "published",
		split: true, title: o.TitleTerms, text: o.TextTerms, drop: cityTerms(o.OwnerCity),
	}
}

// textAgainst is textReason(a, p.terms) (a sorted and distinct), also for
// a split side: the merge of title and text is walked, not built. Title
// and text are sorted (the index keeps them so); should one not be, the
// walk notices and the union is built instead.
func (p *matchSide) textAgainst(a []string, explain bool) Reason {
	if !p.split {
		return textReason(a, p.terms, explain)
	}
	var (
		shared  []string
		n, k, m int // the size of the union; the position in a; shared terms
		last    string
		started bool
	)
	for i, j := 0, 0; i < len(p.title) || j < len(p.text); {
		var s string
		switch {
		case j == len(p.text) || (i < len(p.title) && p.title[i] < p.text[j]):
			s, i = p.title[i], i+1
		case i == len(p.title) || p.text[j] < p.title[i]:
			s, j = p.text[j], j+1
			if slices.Contains(p.drop, s) {
				continue
			}
		default:
			s, i, j = p.title[i], i+1, j+1
		}
		if started && s <= last {
			if s == last {
				continue
			}
			// Out of order: one of the lists is not sorted.
			return textReason(a, matchUnion(p.title, matchWithout(p.text, p.drop)), explain)
		}
		started, last = true, s
		n++
		for k < len(a) && a[k] < s {
			k++
		}
		if k < len(a) && a[k] == s {
			m++
			if explain {
				shared = append(shared, s)
			}
			k++
		}
	}
	return textReasonOf(a, n, m, shared)
}

func orgSide(o OrgDoc) matchSide {
	return matchSide{
		org: o.ID, country: o.Country, nuts: o.NUTS, codes: o.Codes,
		languages: matchUnion(o.Languages, nil),
		terms:     matchUnion(o.TitleTerms, o.TextTerms),
		fresh:     o.UpdatedAt, freshWhat: "updated",
	}
}

// matchSides scores candidate b for a. ok is false when b is out: no
// shared sector and no shared text, or outside a request's target
// countries. Without explain only the score is computed, the same score,
// without reasons and without allocating.
func matchSides(a, b *matchSide, now time.Time, explain bool) (score float64, reasons []Reason, ok bool) {
	if !inTargetCountries(a, b.country) || !inTargetCountries(b, a.country) {
		return 0, nil, false
	}
	sector := sectorReason(a.codes, b.codes, explain)
	text := b.textAgainst(a.terms, explain)
	if sector.Score == 0 && text.Score == 0 {
		return 0, nil, false
	}
	all := [...]Reason{sector, crossBorderReason(a.country, b.country, explain), languagesReason(a, b, explain),
		regionReason(a, b, explain), text, freshnessReason(b.fresh, b.freshWhat, now, explain)}
	var sum float64
	for _, r := range all {
		if r.Score > 0 {
			sum += r.Weight * r.Score
		}
	}
	if !explain {
		return Round(sum), nil, true
	}
	reasons = make([]Reason, 0, len(all))
	for _, r := range all {
		if r.Score > 0 {
			reasons = append(reasons, r)
		}
	}
	slices.SortStableFunc(reasons, func(x, y Reason) int {
		if c := cmp.Compare(y.Weight*y.Score, x.Weight*x.Score); c != 0 {
			return c
		}
		return cmp.Compare(slices.Index(factorOrder, x.Factor), slices.Index(factorOrder, y.Factor))
	})
	return Round(sum), reasons, true
}

// inTargetCountries reports whether country passes p's target countries:
// only a request's target countries restrict.
func inTargetCountries(p *matchSide, country string) bool {
	return !p.request || len(p.targetCountries) == 0 || slices.Contains(p.targetCountries, country)
}

// sectorReason compares two Codes lists (codes with their divisions and
// sections). It lists the most specific shared codes.
func sectorReason(a, b []string, explain bool) Reason {
	r := Reason{Factor: FactorSector, Weight: MatchWeightSector}
	var div, sec bool
	for _, c := range a {
		if slices.Contains(b, c) {
			if isSectionCode(c) {
				sec = true
			} else {
				div = true
			}
		}
	}
	switch {
	case div:
		r.Score, r.Note = 1, "same NACE division"
	case sec:
		r.Score, r.Note = 0.5, "same NACE section only"
	}
	if !explain || r.Score == 0 {
		return r
	}
	var divs, secs []string
	for _, c := range matchIntersect(matchUnion(a, nil), matchUnion(b, nil)) {
		if isSectionCode(c) {
			secs = append(secs, c)
		} else {
			divs = append(divs, c)
		}
	}
	if div {
		r.Codes = mostSpecific(divs)
	} else {
		r.Codes = secs
	}
	return r
}

func isSectionCode(c string) bool { return len(c) == 1 && c[0] >= 'A' && c[0] <= 'Z' }

// mostSpecific drops the codes that are a prefix of another code of the
// list ("25" when "25.62" is there); the list is sorted.
func mostSpecific(codes []string) []string {
	var out []string
	for _, c := range codes {
		if !slices.ContainsFunc(codes, func(d string) bool { return d != c && strings.HasPrefix(d, c) }) {
			out = append(out, c)
		}
	}
	return out
}

func crossBorderReason(a, b string, explain bool) Reason {
	r := Reason{Factor: FactorCrossBorder, Weight: MatchWeightCrossBorder}
	if a != "" && b != "" && a != b {
		r.Score = 1
		if explain {
			r.Note = a + " ↔ " + b
		}
	}
	return r
}

func languagesReason(a, b *matchSide, explain bool) Reason {
	r := Reason{Factor: FactorLanguages, Weight: MatchWeightLanguages}
	speaks := func(p *matchSide, l string) bool {
		return slices.Contains(p.languages, l) || slices.Contains(p.moreLanguages, l)
	}
	if !slices.ContainsFunc(b.languages, func(l string) bool { return speaks(a, l) }) &&
		!slices.ContainsFunc(b.moreLanguages, func(l string) bool { return speaks(a, l) }) {
		return r
	}
	r.Score = 1
	if explain {
		r.Languages = matchIntersect(matchUnion(a.languages, a.moreLanguages), matchUnion(b.languages, b.moreLanguages))
	}
	return r
}

// regionReason scores where the two sides are: in a target region of the
// other side or in neighbouring border regions (1), in the same NUTS-2
// region (0.5) or NUTS-1 region (0.25).
func regionReason(a, b *matchSide, explain bool) Reason {
	r := Reason{Factor: FactorRegion, Weight: MatchWeightRegion}
	for _, t := range [...]struct {
		p    *matchSide
		nuts string
	}{{a, b.nuts}, {b, a.nuts}} {
		if t.nuts != "" && slices.ContainsFunc(t.p.targetRegions, func(g string) bool { return reference.NUTSContains(g, t.nuts) }) {
			r.Score, r.Note = 1, "in a target region"
			if explain {
				r.Regions = targetedRegions(t.p, t.nuts)
			}
			return r
		}
	}
	var bufA, bufB [nutsLevels]reference.NUTS
	pa, pb := nutsPath(a.nuts, bufA[:0]), nutsPath(b.nuts, bufB[:0])
	for _, x := range pa {
		for _, y := range pb {
			if slices.Contains(Neighbours[x.Code], y.Code) {
				r.Score, r.Note = 1, "neighbouring border regions"
				if explain {
					r.Regions = []string{x.Code, y.Code}
				}
				return r
			}
		}
	}
	for _, x := range pa {
		if x.Level > 2 || !slices.ContainsFunc(pb, func(y reference.NUTS) bool { return y.Code == x.Code }) {
			continue
		}
		if explain {
			r.Regions = []string{x.Code}
		}
		if x.Level == 2 {
			r.Score, r.Note = 0.5, "same NUTS-2 region"
		} else {
			r.Score, r.Note = 0.25, "same NUTS-1 region"
		}
		return r
	}
	return r
}

// targetedRegions returns p's target regions that contain nuts.
func targetedRegions(p *matchSide, nuts string) []string {
	var out []string
	for _, t := range p.targetRegions {
		if reference.NUTSContains(t, nuts) {
			out = append(out, t)
		}
	}
	return out
}

// nutsLevels is the number of NUTS levels (1 to 3).
const nutsLevels = 3

// nutsPath appends to buf the region code and the regions above it, most
// specific first (nothing for an unknown code).
func nutsPath(code string, buf []reference.NUTS) []reference.NUTS {
	for code != "" {
		n, err := reference.LookupNUTS(code)
		if err != nil {
			break
		}
		buf = append(buf, n)
		code = n.Parent
	}
	return buf
}

func textReason(a, b []string, explain bool) Reason {
	shared := matchIntersect(a, b)
	if !explain {
		return textReasonOf(a, len(b), len(shared), nil)
	}
	return textReasonOf(a, len(b), len(shared), shared)
}

// textReasonOf is the text reason of a against a list of nb terms, m of
// them in a (listed in shared when the reason is explained).
func textReasonOf(a []string, nb, m int, shared []string) Reason {
	r := Reason{Factor: FactorText, Weight: MatchWeightText}
	if m == 0 {
		return r
	}
	r.Score = Round(float64(m) / float64(len(a)+nb-m))
	if shared != nil {
		r.Terms = shared[:min(len(shared), MaxMatchTerms)]
	}
	return r
}

func freshnessReason(at time.Time, what string, now time.Time, explain bool) Reason {
	r := Reason{Factor: FactorFreshness, Weight: MatchWeightFreshness}
	if at.IsZero() {
		return r
	}
	age := now.Sub(at)
	switch {
	case age <= FreshFor:
		r.Score = 1
	case age >= StaleAfter:
		return r
	default:
		r.Score = Round(float64(StaleAfter-age) / float64(StaleAfter-FreshFor))
	}
	if explain {
		days := int(max(age, 0) / (24 * time.Hour))
		r.Note = fmt.Sprintf("%s %d days ago", what, days)
	}
	return r
}

// matchUnion returns the sorted, distinct strings of a and b.
func matchUnion(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	if !slices.IsSorted(a) || !slices.IsSorted(b) {
		out = append(append(out, a...), b...)
		slices.Sort(out)
		return slices.Compact(out)
	}
	// Both sorted (the index's term lists are): merge.
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var s string
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			s, i = a[i], i+1
		case i == len(a) || b[j] < a[i]:
			s, j = b[j], j+1
		default:
			s, i, j = a[i], i+1, j+1
		}
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

// matchIntersect returns the strings both sorted, distinct lists hold, sorted.
func matchIntersect(a, b []string) []string {
	var out []string
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch c := strings.Compare(a[i], b[j]); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// matchWithout returns the sorted terms without those of drop (the owner's
// city, which the search index adds to an offer's text but which says
// nothing about what the offer is).
func matchWithout(terms, drop []string) []string {
	if len(drop) == 0 {
		return terms
	}
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		if !slices.Contains(drop, t) {
			out = append(out, t)
		}
	}
	return out
}

// cityTerms is Analyze(city), remembered: the network has few towns.
func cityTerms(city string) []string {
	return remembered(&cityTermsCache, city, func() []string { return Analyze(city) })
}

var cityTermsCache sync.Map
