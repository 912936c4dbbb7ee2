package projections

import (
	"math"
	"slices"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// OfferDoc is an offer or request as the search index and matching keep
// it, with its owner's country, region and languages copied in.
type OfferDoc struct {
	ID               string      `json:"id"`
	OwnerOrgID       string      `json:"owner_org_id"`
	OwnerName        string      `json:"owner_name"`
	OwnerCountry     string      `json:"owner_country"`
	OwnerNUTS        string      `json:"owner_nuts,omitempty"`
	OwnerCity        string      `json:"owner_city,omitempty"`
	OwnerLanguages   []string    `json:"owner_languages,omitempty"`
	Kind             string      `json:"kind"`
	Category         string      `json:"category"`
	PartnershipTypes []string    `json:"partnership_types,omitempty"`
	Title            domain.Text `json:"title"`
	Description      domain.Text `json:"description"`
	// NACE are the codes as given; Codes adds their divisions and
	// sections ("25.62" → "25.62", "25", "C").
	NACE            []string `json:"nace"`
	Codes           []string `json:"codes"`
	TargetCountries []string `json:"target_countries,omitempty"`
	TargetRegions   []string `json:"target_regions,omitempty"`
	Languages       []string `json:"languages"`
	// Regions is the owner's NUTS region and every region above it
	// ("DED2D" → "DED2D", "DED2", "DED").
	Regions     []string  `json:"regions,omitempty"`
	Status      string    `json:"status"`
	ValidUntil  time.Time `json:"valid_until,omitzero"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     uint64    `json:"version"`
	// Terms are the analysed words of the title (TitleTerms); of the
	// description and the owner's city (TextTerms); and of the
	// labels of the NACE codes and the everyday keywords of their
	// divisions in every language (CodeTerms); each list sorted and
	// without duplicates.
	TitleTerms []string `json:"title_terms"`
	TextTerms  []string `json:"text_terms"`
	CodeTerms  []string `json:"code_terms"`
}

// OrgDoc is an organisation as the search index and matching keep it.
// Contact persons are not part of it.
type OrgDoc struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Kind         string      `json:"kind"`
	Country      string      `json:"country"`
	NUTS         string      `json:"nuts,omitempty"`
	Regions      []string    `json:"regions,omitempty"`
	City         string      `json:"city"`
	Sectors      []string    `json:"sectors,omitempty"`
	Codes        []string    `json:"codes"`
	Languages    []string    `json:"languages"`
	Networks     []string    `json:"networks,omitempty"`
	Description  domain.Text `json:"description"`
	Status       string      `json:"status"`
	Verified     bool        `json:"verified"`
	RegisteredAt time.Time   `json:"registered_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	Version      uint64      `json:"version"`
	// TitleTerms are the analysed words of the name and city, TextTerms
	// of the description and the networks, CodeTerms of the sectors'
	// labels and keywords.
	TitleTerms []string `json:"title_terms"`
	TextTerms  []string `json:"text_terms"`
	CodeTerms  []string `json:"code_terms"`
}

// SearchQuery is a search over offers or organisations. Filters combine
// with AND; the values of one filter with OR. An empty filter does not
// filter.
type SearchQuery struct {
	// Terms is the planned free text (see Plan). With terms, a document
	// matches only if it holds at least one of them in TitleTerms,
	// TextTerms or CodeTerms, and its score is Score. Without terms every
	// document that passes the filters matches, with score 0.
	Terms []QueryTerm
	// Kind, Category and PartnershipType filter offers (ignored for
	// organisations; Kind filters organisations by OrgDoc.Kind).
	Kind            []string
	Category        []string
	PartnershipType []string
	// Codes matches documents whose Codes contain one of them: a NACE
	// section letter or a division.
	Codes []string
	// Country matches OfferDoc.OwnerCountry / OrgDoc.Country.
	Country []string
	// Regions matches documents whose Regions contain one of them, so a
	// NUTS-2 code finds its NUTS-3 regions.
	Regions []string
	// Language matches documents whose Languages contain one of them.
	Language []string
	// Status matches OfferDoc.Status / OrgDoc.Status exactly.
	Status []string
	// ValidOn, when set, keeps offers whose ValidUntil is after it.
	ValidOn time.Time
	// Sort is SortRelevance (score, then newest) or SortRecent (newest).
	// Newest means PublishedAt for offers, RegisteredAt for organisations;
	// ties break by ID descending.
	Sort string
	// After continues after the last hit of the previous page.
	After *Cursor
	// Limit is the page size (1..100).
	Limit int
	// Facets asks for facet counts over every matching document.
	Facets bool
}

// Sort orders of a search.
const (
	SortRelevance = "relevance"
	SortRecent    = "recent"
)

// QueryTerm is one indexed term a query token expanded to, with the weight
// of that expansion (1 for the token itself, less for a prefix or a
// similar word).
type QueryTerm struct {
	Token  int     `json:"token"`
	Term   string  `json:"term"`
	Weight float64 `json:"weight"`
}

// Cursor is the place of the last hit of a page.
type Cursor struct {
	Score float64   `json:"s"`
	At    time.Time `json:"t"`
	ID    string    `json:"i"`
}

// SearchResult is one page of a search.
type SearchResult[T any] struct {
	Hits []Hit[T]
	// Total counts every matching document.
	Total int
	// Next is the cursor of the next page, nil at the end.
	Next *Cursor
	// Facets counts matching documents per facet and value (only with
	// SearchQuery.Facets): offers have "kind", "category",
	// "partnership_type", "section", "country", "language", "status";
	// organisations "kind", "section", "country", "language", "status".
	// A section is a NACE section letter among the document's Codes.
	Facets map[string]map[string]int
}

// Hit is one search result and its score.
type Hit[T any] struct {
	Doc   T
	Score float64
}

// Field weights of the score: a query term found in the title counts
// three times as much as one in the text, one found only among the NACE
// labels and keywords half as much.
const (
	WeightTitle = 3.0
	WeightText  = 1.0
	WeightCode  = 0.5
)

// Score is the relevance of a document to planned query terms, the same on
// every store: for every query token, the best of its terms' Weight times
// the weight of the best field the term is in; summed over tokens in token
// order and rounded to 4 decimals. The term lists must be sorted.
func Score(terms []QueryTerm, title, text, code []string) float64 {
	best := map[int]float64{}
	for _, t := range terms {
		var fw float64
		switch {
		case contains(title, t.Term):
			fw = WeightTitle
		case contains(text, t.Term):
			fw = WeightText
		case contains(code, t.Term):
			fw = WeightCode
		}
		if s := t.Weight * fw; s > best[t.Token] {
			best[t.Token] = s
		}
	}
	order := make([]int, 0, len(best))
	for tok := range best {
		order = append(order, tok)
	}
	slices.Sort(order)
	var sum float64
	for _, tok := range order {
		sum += best[tok]
	}
	return Round(sum)
}

// Round rounds a score to 4 decimals, so that stores summing in different
// orders agree.
func Round(f float64) float64 { return math.Round(f*1e4) / 1e4 }

func contains(sorted []string, s string) bool {
	_, ok := slices.BinarySearch(sorted, s)
	return ok
}
