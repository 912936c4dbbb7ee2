package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain/reference"
)

// SavedSearch is a match alert: an organisation's standing search for
// offers and requests. When a published offer fits its filters with at
// least MinScore, the organisation is alerted (MatchAlerted).
type SavedSearch struct {
	ID       string        `json:"id"`
	OrgID    string        `json:"organisation_id"`
	Name     string        `json:"name"`
	Filters  SearchFilters `json:"filters"`
	MinScore float64       `json:"min_score"`
	// CreatedAt is when the search was saved; UpdatedAt its last change
	// (its deletion, once deleted).
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Deleted   bool      `json:"deleted"`
}

// SavedSearchKind is the aggregate kind of saved searches: streams
// "saved_search-<id>".
var SavedSearchKind = Kind[SavedSearch]{Category: "saved_search", Evolve: SavedSearch.evolve}

// SearchFilters are the criteria of a saved search, the same as the offer
// search's (GET /v1/search/offers): free text and filters that combine
// with AND, the values of one filter with OR. An empty filter does not
// filter.
type SearchFilters struct {
	// Q is free text, at most 200 characters.
	Q string `json:"q,omitempty"`
	// Kinds are offer kinds: offer, request.
	Kinds []string `json:"kinds"`
	// Categories are offer categories (OfferCategories).
	Categories []string `json:"categories"`
	// PartnershipTypes are the kinds of partnership sought
	// (OfferPartnershipTypes).
	PartnershipTypes []string `json:"partnership_types"`
	// NACE are NACE Rev. 2 codes: a section letter ("C"), a division
	// ("25") or a finer code ("25.62").
	NACE []string `json:"nace"`
	// Countries are ISO 3166-1 alpha-2 codes of the owner organisation.
	Countries []string `json:"countries"`
	// NUTS are NUTS codes of the border regions; a region finds the
	// regions below it. Each must lie in one of Countries when those are
	// given.
	NUTS []string `json:"nuts"`
	// Languages are ISO 639-1 codes.
	Languages []string `json:"languages"`
}

// searchFiltersMaxQ is the longest free text of a saved search.
const searchFiltersMaxQ = 200

// Normalize validates f against the reference data and returns it with
// codes in canonical form, duplicates removed and every list non-nil, or
// every problem found as ValidationErrors (fields relative to the filters:
// "nace.0", "q", …).
func (f SearchFilters) Normalize() (SearchFilters, error) {
	var es ValidationErrors
	f = f.normalize(&es, "")
	return f, es.Err()
}

// IsEmpty reports whether f has no criterion: no free text and no filter.
func (f SearchFilters) IsEmpty() bool {
	return strings.TrimSpace(f.Q) == "" && len(f.Kinds) == 0 && len(f.Categories) == 0 && len(f.PartnershipTypes) == 0 &&
		len(f.NACE) == 0 && len(f.Countries) == 0 && len(f.NUTS) == 0 && len(f.Languages) == 0
}

// normalize validates f; field names start with prefix ("filters.").
func (f SearchFilters) normalize(es *ValidationErrors, prefix string) SearchFilters {
	f.Q = strings.TrimSpace(f.Q)
	checkString(es, prefix+"q", f.Q, 0, searchFiltersMaxQ)
	f.Kinds = normOneOf(es, prefix+"kinds", f.Kinds, OfferKinds)
	f.Categories = normOneOf(es, prefix+"categories", f.Categories, OfferCategories)
	f.PartnershipTypes = normOneOf(es, prefix+"partnership_types", f.PartnershipTypes, OfferPartnershipTypes)
	f.NACE = normNACEList(es, prefix+"nace", f.NACE, 0)
	f.Countries = offerNormCodes(es, prefix+"countries", f.Countries, func(field, c string) string {
		return normCountry(es, field, c)
	})
	f.NUTS = offerNormCodes(es, prefix+"nuts", f.NUTS, func(field, c string) string {
		code := normNUTS(es, field, c, "")
		if n, err := reference.LookupNUTS(code); err == nil && len(f.Countries) > 0 && !slices.Contains(f.Countries, n.Country) {
			es.Add(field, c, "lies in "+n.Country+", which is not one of "+prefix+"countries")
		}
		return code
	})
	if len(f.Languages) > 50 {
		es.Add(prefix+"languages", itoa(len(f.Languages)), "at most 50 codes")
	} else {
		f.Languages = normLanguages(es, prefix+"languages", f.Languages, 0)
	}
	for _, l := range []*[]string{&f.Kinds, &f.Categories, &f.PartnershipTypes, &f.NACE, &f.Countries, &f.NUTS, &f.Languages} {
		if *l == nil {
			*l = []string{}
		}
	}
	return f
}

// normOneOf checks that every value is one of allowed and removes
// duplicates.
func normOneOf(es *ValidationErrors, field string, vals, allowed []string) []string {
	out := []string{}
	for i, v := range vals {
		if !slices.Contains(allowed, v) {
			es.Add(field+"."+itoa(i), v, "must be one of "+strings.Join(allowed, ", "))
		} else if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// SavedSearchCreated: an organisation saved a search.
type SavedSearchCreated struct {
	SavedSearchID string        `json:"saved_search_id"`
	OrgID         string        `json:"organisation_id"`
	Name          string        `json:"name"`
	Filters       SearchFilters `json:"filters"`
	MinScore      float64       `json:"min_score"`
	CreatedAt     time.Time     `json:"created_at"`
}

// SavedSearchChanged: the name, filters and minimum score were replaced.
type SavedSearchChanged struct {
	SavedSearchID string        `json:"saved_search_id"`
	Name          string        `json:"name"`
	Filters       SearchFilters `json:"filters"`
	MinScore      float64       `json:"min_score"`
	ChangedAt     time.Time     `json:"changed_at"`
}

// SavedSearchDeleted: the search alerts no more, for good.
type SavedSearchDeleted struct {
	SavedSearchID string    `json:"saved_search_id"`
	DeletedAt     time.Time `json:"deleted_at"`
}

// MatchAlertStream is the stream of MatchAlerted events. Alerts are not
// an aggregate: the alerting component appends each alert there, with an
// event id derived from the alert's source so that it alerts once.
const MatchAlertStream = "alerts-matches"

// MatchAlerted: a published offer matches one of an organisation's saved
// searches (SavedSearchID) or one of its open requests (RequestID).
type MatchAlerted struct {
	OrgID string `json:"organisation_id"`
	// SavedSearchID is the saved search that matched; RequestID, instead,
	// the organisation's open request the offer could answer.
	SavedSearchID string `json:"saved_search_id,omitempty"`
	RequestID     string `json:"request_id,omitempty"`
	// OfferID, OfferKind, Title and OwnerOrgID describe the matching
	// offer or request.
	OfferID    string `json:"offer_id"`
	OfferKind  string `json:"offer_kind"`
	Title      Text   `json:"title"`
	OwnerOrgID string `json:"owner_organisation_id"`
	// Score is the match score (0..100) and Reasons explain it.
	Score   float64       `json:"score"`
	Reasons []MatchReason `json:"reasons"`
	// SourceEventID and SourcePosition are the event that made the offer
	// match (its publication or revision).
	SourceEventID  EventID   `json:"source_event_id"`
	SourcePosition Position  `json:"source_position"`
	AlertedAt      time.Time `json:"alerted_at"`
}

// MatchReason explains one factor of a match alert. It mirrors
// projections.Reason field for field (the domain imports nothing of the
// project): the factor's weight, how well the two sides agree on it
// (Score, 0..1) and what they share.
type MatchReason struct {
	Factor    string   `json:"factor,omitempty"`
	Weight    float64  `json:"weight,omitempty"`
	Score     float64  `json:"score,omitempty"`
	Codes     []string `json:"codes,omitempty"`
	Languages []string `json:"languages,omitempty"`
	Terms     []string `json:"terms,omitempty"`
	Regions   []string `json:"regions,omitempty"`
	Note      string   `json:"note,omitempty"`
}

// EventType implements Payload.
func (SavedSearchCreated) EventType() string { return "SavedSearchCreated" }

// EventType implements Payload.
func (SavedSearchChanged) EventType() string { return "SavedSearchChanged" }

// EventType implements Payload.
func (SavedSearchDeleted) EventType() string { return "SavedSearchDeleted" }

// EventType implements Payload.
func (MatchAlerted) EventType() string { return "MatchAlerted" }

func init() {
	RegisterEvent[SavedSearchCreated](1)
	RegisterEvent[SavedSearchChanged](1)
	RegisterEvent[SavedSearchDeleted](1)
	RegisterEvent[MatchAlerted](1)
}

func (s SavedSearch) evolve(p Payload) SavedSearch {
	switch e := p.(type) {
	case SavedSearchCreated:
		s = SavedSearch{ID: e.SavedSearchID, OrgID: e.OrgID, Name: e.Name, Filters: e.Filters, MinScore: e.MinScore, CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt}
	case SavedSearchChanged:
		s.Name, s.Filters, s.MinScore, s.UpdatedAt = e.Name, e.Filters, e.MinScore, e.ChangedAt
	case SavedSearchDeleted:
		s.Deleted, s.UpdatedAt = true, e.DeletedAt
	}
	return s
}

// savedSearchSpec validates what CreateSavedSearch and ChangeSavedSearch
// set: a name of 1..200 characters, valid filters with at least one
// criterion, a minimum score of 0..100. It returns the normalised filters.
func savedSearchSpec(es *ValidationErrors, name string, f SearchFilters, minScore float64) SearchFilters {
	checkString(es, "name", name, 1, 200)
	f = f.normalize(es, "filters.")
	if f.IsEmpty() {
		es.Add("filters", "", "needs at least one criterion: q or one of kinds, categories, partnership_types, nace, countries, nuts, languages")
	}
	if !(minScore >= 0 && minScore <= 100) {
		es.Add("min_score", sprintf("%g", minScore), "must be from 0 to 100")
	}
	return f
}

// CreateSavedSearch saves a search for an organisation: partners for their
// own organisation, admins for any.
type CreateSavedSearch struct {
	OrgID    string
	Name     string
	Filters  SearchFilters
	MinScore float64
}

// Decide implements the command.
func (c CreateSavedSearch) Decide(s SavedSearch, id string, actor Actor, now time.Time) ([]Payload, error) {
	if !actor.ActsFor(c.OrgID) {
		return nil, forbid(actor, "save searches of organisation "+c.OrgID)
	}
	if s.ID != "" {
		return nil, invalidState("saved search %s already exists", s.ID)
	}
	var es ValidationErrors
	checkString(&es, "organisation_id", c.OrgID, 1, 100)
	f := savedSearchSpec(&es, c.Name, c.Filters, c.MinScore)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{SavedSearchCreated{SavedSearchID: id, OrgID: c.OrgID, Name: c.Name, Filters: f, MinScore: c.MinScore, CreatedAt: now}}, nil
}

// ChangeSavedSearch replaces the name, filters and minimum score of a
// saved search that was not deleted. A change to the same values decides
// nothing.
type ChangeSavedSearch struct {
	Name     string
	Filters  SearchFilters
	MinScore float64
}

// Decide implements the command.
func (c ChangeSavedSearch) Decide(s SavedSearch, actor Actor, now time.Time) ([]Payload, error) {
	if err := s.mustBeOwnedBy(actor, "change"); err != nil {
		return nil, err
	}
	var es ValidationErrors
	f := savedSearchSpec(&es, c.Name, c.Filters, c.MinScore)
	if err := es.Err(); err != nil {
		return nil, err
	}
	if c.Name == s.Name && c.MinScore == s.MinScore && sameFilters(f, s.Filters) {
		return nil, nil
	}
	return []Payload{SavedSearchChanged{SavedSearchID: s.ID, Name: c.Name, Filters: f, MinScore: c.MinScore, ChangedAt: now}}, nil
}

// DeleteSavedSearch deletes a saved search for good.
type DeleteSavedSearch struct{}

// Decide implements the command.
func (DeleteSavedSearch) Decide(s SavedSearch, actor Actor, now time.Time) ([]Payload, error) {
	if err := s.mustBeOwnedBy(actor, "delete"); err != nil {
		return nil, err
	}
	return []Payload{SavedSearchDeleted{SavedSearchID: s.ID, DeletedAt: now}}, nil
}

// mustBeOwnedBy checks that s exists, is not deleted and actor acts for
// its organisation.
func (s SavedSearch) mustBeOwnedBy(actor Actor, verb string) error {
	if s.ID == "" {
		return ErrNotFound
	}
	if !actor.ActsFor(s.OrgID) {
		return forbid(actor, verb+" saved search "+s.ID)
	}
	if s.Deleted {
		return invalidState("saved search %s is deleted", s.ID)
	}
	return nil
}

// sameFilters reports whether two normalised filters are equal.
func sameFilters(a, b SearchFilters) bool {
	return a.Q == b.Q && slices.Equal(a.Kinds, b.Kinds) && slices.Equal(a.Categories, b.Categories) &&
		slices.Equal(a.PartnershipTypes, b.PartnershipTypes) && slices.Equal(a.NACE, b.NACE) &&
		slices.Equal(a.Countries, b.Countries) && slices.Equal(a.NUTS, b.NUTS) && slices.Equal(a.Languages, b.Languages)
}
