package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/domain/reference"
	"github.com/nisa-eu/nisa/projections"
)

// Search (DESIGN.md §4): /v1/search/offers and /v1/search/organisations,
// over the catalogue read model. Every authenticated role may search.
// Drafts are never searchable; neither are contact persons (they are not
// indexed).
//
// Query parameters (every filter may be repeated and takes comma-separated
// values; the values of one filter combine with OR, filters with AND):
//
//	q                 free text, at most 200 characters
//	kind              offers: offer, request; organisations: sme, chamber, …
//	category          offers only: product, service, …
//	partnership_type  offers only: commercial, investment, …
//	nace              NACE Rev. 2 section letter ("C"), division ("25") or
//	                  a finer code ("25.62", matching offers tagged with it)
//	country           ISO 3166-1 alpha-2 code of the owner / organisation
//	nuts              NUTS code; a region finds the regions below it
//	language          ISO 639-1 code
//	status            offers: published (default), expired, withdrawn;
//	                  organisations: active (default), deactivated
//	valid_on          offers only: YYYY-MM-DD or RFC 3339; offers valid then
//	sort              relevance (default with q) or recent (default without)
//	cursor            next_cursor of the previous page
//	limit             1..100, default 20
//	facets            true (default) or false
//
// Every bad value is a 400 problem pointing at /query/<name>.

// Limits of search.
const (
	maxQueryLen       = 200
	defaultSearchPage = 20
	maxSearchPage     = 100
)

// offerOwnerView is the owner of an offer as search shows it.
type offerOwnerView struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`
	NUTS    string `json:"nuts,omitempty"`
}

// offerSummary is an offer or request of the search index as the API shows
// it (without the index's term lists).
type offerSummary struct {
	ID               string         `json:"id"`
	Kind             string         `json:"kind"`
	Category         string         `json:"category"`
	PartnershipTypes []string       `json:"partnership_types"`
	Title            domain.Text    `json:"title"`
	Description      domain.Text    `json:"description"`
	NACE             []string       `json:"nace"`
	Owner            offerOwnerView `json:"owner"`
	TargetCountries  []string       `json:"target_countries"`
	TargetRegions    []string       `json:"target_regions"`
	Languages        []string       `json:"languages"`
	Status           string         `json:"status"`
	ValidUntil       time.Time      `json:"valid_until,omitzero"`
	PublishedAt      time.Time      `json:"published_at,omitzero"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

// orgSummary is an organisation of the search index as the API shows it
// (without the index's term lists; contact persons are never indexed).
type orgSummary struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Kind         string      `json:"kind"`
	Country      string      `json:"country"`
	NUTS         string      `json:"nuts,omitempty"`
	City         string      `json:"city"`
	Sectors      []string    `json:"sectors"`
	Languages    []string    `json:"languages"`
	Networks     []string    `json:"networks"`
	Description  domain.Text `json:"description"`
	Status       string      `json:"status"`
	Verified     bool        `json:"verified"`
	RegisteredAt time.Time   `json:"registered_at"`
}

// offerHit is one offer found by a search, with its relevance score.
type offerHit struct {
	offerSummary
	// Score is the relevance to q (0 without q).
	Score float64 `json:"score"`
}

// orgHit is one organisation found by a search, with its relevance score.
type orgHit struct {
	orgSummary
	// Score is the relevance to q (0 without q).
	Score float64 `json:"score"`
}

// offerSearchPage is one page of an offer search.
type offerSearchPage struct {
	Items []offerHit `json:"items"`
	// Total counts every matching offer, on every page.
	Total int `json:"total"`
	// NextCursor continues with the next page (?cursor=); absent at the end.
	NextCursor string `json:"next_cursor,omitempty"`
	// Facets counts matching offers per facet ("kind", "category",
	// "partnership_type", "section", "country", "language", "status") and
	// value; absent with facets=false.
	Facets map[string]map[string]int `json:"facets,omitzero"`
}

// orgSearchPage is one page of an organisation search.
type orgSearchPage struct {
	Items []orgHit `json:"items"`
	// Total counts every matching organisation, on every page.
	Total int `json:"total"`
	// NextCursor continues with the next page (?cursor=); absent at the end.
	NextCursor string `json:"next_cursor,omitempty"`
	// Facets counts matching organisations per facet ("kind", "section",
	// "country", "language", "status") and value; absent with
	// facets=false.
	Facets map[string]map[string]int `json:"facets,omitzero"`
}

// nonNilStrings returns s, or an empty slice for nil (encoded as []).
func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// viewOffer returns an offer of the index as the API shows it.
func viewOffer(d projections.OfferDoc) offerSummary {
	return offerSummary{
		ID: d.ID, Kind: d.Kind, Category: d.Category, PartnershipTypes: nonNilStrings(d.PartnershipTypes),
		Title: d.Title, Description: d.Description, NACE: nonNilStrings(d.NACE),
		Owner:           offerOwnerView{ID: d.OwnerOrgID, Name: d.OwnerName, Country: d.OwnerCountry, NUTS: d.OwnerNUTS},
		TargetCountries: nonNilStrings(d.TargetCountries), TargetRegions: nonNilStrings(d.TargetRegions), Languages: nonNilStrings(d.Languages),
		Status: d.Status, ValidUntil: d.ValidUntil, PublishedAt: d.PublishedAt, UpdatedAt: d.UpdatedAt,
	}
}

// viewOrg returns an organisation of the index as the API shows it.
func viewOrg(d projections.OrgDoc) orgSummary {
	return orgSummary{
		ID: d.ID, Name: d.Name, Kind: d.Kind, Country: d.Country, NUTS: d.NUTS, City: d.City,
		Sectors: nonNilStrings(d.Sectors), Languages: nonNilStrings(d.Languages), Networks: nonNilStrings(d.Networks),
		Description: d.Description, Status: d.Status, Verified: d.Verified, RegisteredAt: d.RegisteredAt,
	}
}

// queryValues returns every value of query parameter name: repeated
// parameters and comma-separated values, trimmed, empty ones dropped.
func queryValues(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// oneOfParam parses a filter whose values must be among allowed.
func oneOfParam(q url.Values, name string, allowed []string) ([]string, error) {
	vals := queryValues(q, name)
	for _, v := range vals {
		if !slices.Contains(allowed, v) {
			return nil, invalid("/query/"+name, fmt.Sprintf("%s %q: want one or more (comma-separated) of %s", name, v, strings.Join(allowed, ", ")))
		}
	}
	return distinctStrings(vals), nil
}

// codeParam parses a filter of reference codes with lookup, which returns the
// normalised code or an error.
func codeParam(q url.Values, name, example string, lookup func(string) (string, error)) ([]string, error) {
	var out []string
	for _, v := range queryValues(q, name) {
		c, err := lookup(v)
		if err != nil {
			return nil, invalid("/query/"+name, fmt.Sprintf("%s %q: %v (want a code such as %s)", name, v, err, example))
		}
		out = append(out, c)
	}
	return distinctStrings(out), nil
}

// distinctStrings returns s without repeated values, in order.
func distinctStrings(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// refNACE, refCountry, refNUTS and refLanguage return the normalised
// form of a reference code, or the reference data's error.
func refNACE(s string) (string, error) {
	n, err := reference.LookupNACE(s)
	return n.Code, err
}

func refCountry(s string) (string, error) {
	c, err := reference.LookupCountry(s)
	return c.Code, err
}

func refNUTS(s string) (string, error) {
	n, err := reference.LookupNUTS(s)
	return n.Code, err
}

func refLanguage(s string) (string, error) {
	l, err := reference.LookupLanguage(s)
	return l.Code, err
}

// checkParams refuses query parameters other than known ones, so that a
// misspelt filter is not silently ignored.
func checkParams(q url.Values, known ...string) error {
	var names []string
	for name := range q {
		if !slices.Contains(known, name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	if slices.Contains(names, "as_of") {
		return invalid("/query/as_of", "as_of is not supported here: read models show the present; read an aggregate (GET /v1/organisations/{id}, /v1/offers/{id}, …) with as_of for a past state")
	}
	if len(known) == 0 {
		return invalid("/query/"+names[0], fmt.Sprintf("unknown query parameter %q; this route takes none", names[0]))
	}
	return invalid("/query/"+names[0], fmt.Sprintf("unknown query parameter %q; known: %s", names[0], strings.Join(known, ", ")))
}

// searchCursor is what a search cursor encodes: the sort it belongs to and
// the place of the last hit.
type searchCursor struct {
	Sort   string              `json:"sort"`
	Cursor *projections.Cursor `json:"cursor"`
}

func encodeSearchCursor(sort string, c *projections.Cursor) string {
	if c == nil {
		return ""
	}
	b, _ := json.Marshal(searchCursor{Sort: sort, Cursor: c})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSearchCursor(s, sort string) (*projections.Cursor, error) {
	bad := invalid("/query/cursor", fmt.Sprintf("cursor %q is not a next_cursor of this search", s))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c searchCursor
	if err := json.Unmarshal(b, &c); err != nil || c.Cursor == nil || c.Sort == "" {
		return nil, bad
	}
	if c.Sort != sort {
		return nil, invalid("/query/cursor", fmt.Sprintf("the cursor belongs to sort=%s, not sort=%s: keep the sort while paging", c.Sort, sort))
	}
	return c.Cursor, nil
}

// validOnParam parses valid_on: a civil date (the start of that day, UTC) or an
// RFC 3339 time.
func validOnParam(q url.Values) (time.Time, error) {
	vals := q["valid_on"]
	if len(vals) == 0 {
		return time.Time{}, nil
	}
	s := strings.TrimSpace(vals[0])
	if len(vals) > 1 {
		return time.Time{}, invalid("/query/valid_on", "valid_on may be given once")
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, invalid("/query/valid_on", fmt.Sprintf("valid_on %q is neither a date (2026-03-01) nor an RFC 3339 time (2026-03-01T12:00:00Z)", s))
}

// singleParam returns the one value of parameter name ("" when absent).
func singleParam(q url.Values, name string) (string, error) {
	vals := q[name]
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(vals[0]), nil
	}
	return "", invalid("/query/"+name, name+" may be given once")
}

// searchParams are the parameters every search shares.
var searchParams = []string{"q", "kind", "nace", "country", "nuts", "language", "status", "sort", "cursor", "limit", "facets"}

// searchQuery parses the query parameters of a search; offers tells which
// one.
func (c *call) searchQuery(r *http.Request, offers bool) (projections.SearchQuery, error) {
	q := r.URL.Query()
	var sq projections.SearchQuery
	known := searchParams
	if offers {
		known = append(slices.Clone(searchParams), "category", "partnership_type", "valid_on")
	}
	if err := checkParams(q, known...); err != nil {
		return sq, err
	}
	text := strings.Join(q["q"], " ")
	if !utf8.ValidString(text) {
		return sq, invalid("/query/q", "q is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(text); n > maxQueryLen {
		return sq, invalid("/query/q", fmt.Sprintf("q has %d characters; at most %d are allowed", n, maxQueryLen))
	}
	var err error
	if offers {
		if sq.Kind, err = oneOfParam(q, "kind", domain.OfferKinds); err != nil {
			return sq, err
		}
		if sq.Category, err = oneOfParam(q, "category", domain.OfferCategories); err != nil {
			return sq, err
		}
		if sq.PartnershipType, err = oneOfParam(q, "partnership_type", domain.OfferPartnershipTypes); err != nil {
			return sq, err
		}
		if sq.ValidOn, err = validOnParam(q); err != nil {
			return sq, err
		}
	} else if sq.Kind, err = oneOfParam(q, "kind", domain.OrganisationKinds); err != nil {
		return sq, err
	}
	if sq.Codes, err = codeParam(q, "nace", `"C", "25" or "25.62"`, refNACE); err != nil {
		return sq, err
	}
	if sq.Country, err = codeParam(q, "country", `"PL"`, refCountry); err != nil {
		return sq, err
	}
	if sq.Regions, err = codeParam(q, "nuts", `"PL51" or "DED2D"`, refNUTS); err != nil {
		return sq, err
	}
	if sq.Language, err = codeParam(q, "language", `"cs"`, refLanguage); err != nil {
		return sq, err
	}
	statuses, def := []string{domain.OfferStatusPublished, domain.OfferStatusExpired, domain.OfferStatusWithdrawn}, domain.OfferStatusPublished
	if !offers {
		statuses, def = []string{projections.OrgStatusActive, projections.OrgStatusDeactivated}, projections.OrgStatusActive
	}
	if offers && slices.Contains(queryValues(q, "status"), domain.OfferStatusDraft) {
		return sq, invalid("/query/status", "status \"draft\": drafts are never searchable; want one or more of "+strings.Join(statuses, ", "))
	}
	if sq.Status, err = oneOfParam(q, "status", statuses); err != nil {
		return sq, err
	}
	if len(sq.Status) == 0 {
		sq.Status = []string{def}
	}
	if sq.Limit, err = limitParam(r, defaultSearchPage, maxSearchPage); err != nil {
		return sq, err
	}
	sq.Facets = true
	if s, err := singleParam(q, "facets"); err != nil {
		return sq, err
	} else if s != "" {
		if sq.Facets, err = strconv.ParseBool(s); err != nil {
			return sq, invalid("/query/facets", fmt.Sprintf("facets %q: want true or false", s))
		}
	}
	sort, err := singleParam(q, "sort")
	if err != nil {
		return sq, err
	}
	switch sort {
	case projections.SortRelevance, projections.SortRecent:
	case "":
	default:
		return sq, invalid("/query/sort", fmt.Sprintf("sort %q: want relevance or recent", sort))
	}
	cursor, err := singleParam(q, "cursor")
	if err != nil {
		return sq, err
	}
	// The text is planned last: it reads the vocabulary of the index, and
	// a request with a bad parameter should not cost that.
	if sq.Terms, err = projections.Plan(r.Context(), c.api.reads, text); err != nil {
		return sq, err
	}
	if sort == "" {
		sort = projections.SortRecent
		if len(sq.Terms) > 0 {
			sort = projections.SortRelevance
		}
	}
	sq.Sort = sort
	if cursor != "" {
		if sq.After, err = decodeSearchCursor(cursor, sort); err != nil {
			return sq, err
		}
	}
	return sq, nil
}

func (a *API) searchRoutes() []route {
	return []route{
		{method: "GET", path: "/v1/search/offers", readModel: true, op: "searchOffers",
			summary: "Search published (or expired, withdrawn) offers and requests across languages: q (free text, ≤ 200 characters; NACE labels and keywords in de, pl, cs, en count too) and filters kind, category, partnership_type, nace, country, nuts, language, status, valid_on (repeat or comma-separate values); sort=relevance|recent, cursor, limit (1..100, default 20), facets=true|false. Drafts are never found",
			who:     "every role",
			resp:    offerSearchPage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				sq, err := c.searchQuery(r, true)
				if err != nil {
					return err
				}
				res, err := c.api.reads.SearchOffers(r.Context(), sq)
				if err != nil {
					return err
				}
				page := offerSearchPage{Items: make([]offerHit, 0, len(res.Hits)), Total: res.Total, NextCursor: encodeSearchCursor(sq.Sort, res.Next)}
				for _, h := range res.Hits {
					page.Items = append(page.Items, offerHit{offerSummary: viewOffer(h.Doc), Score: h.Score})
				}
				if sq.Facets {
					page.Facets = facetCounts(res.Facets)
				}
				writeJSON(w, http.StatusOK, page)
				return nil
			}},
		{method: "GET", path: "/v1/search/organisations", readModel: true, op: "searchOrganisations",
			summary: "Search organisation profiles across languages: q (free text, ≤ 200 characters: name, city, description, networks, sector labels) and filters kind, nace, country, nuts, language, status (active by default; deactivated) (repeat or comma-separate values); sort=relevance|recent, cursor, limit (1..100, default 20), facets=true|false",
			who:     "every role",
			resp:    orgSearchPage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				sq, err := c.searchQuery(r, false)
				if err != nil {
					return err
				}
				res, err := c.api.reads.SearchOrganisations(r.Context(), sq)
				if err != nil {
					return err
				}
				page := orgSearchPage{Items: make([]orgHit, 0, len(res.Hits)), Total: res.Total, NextCursor: encodeSearchCursor(sq.Sort, res.Next)}
				for _, h := range res.Hits {
					page.Items = append(page.Items, orgHit{orgSummary: viewOrg(h.Doc), Score: h.Score})
				}
				if sq.Facets {
					page.Facets = facetCounts(res.Facets)
				}
				writeJSON(w, http.StatusOK, page)
				return nil
			}},
	}
}

// facetCounts returns the facet counts, never nil (so that facets=true always
// answers with an object).
func facetCounts(f map[string]map[string]int) map[string]map[string]int {
	if f == nil {
		return map[string]map[string]int{}
	}
	return f
}
