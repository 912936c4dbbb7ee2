package domain

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func savedSearchTestFilters() SearchFilters {
	return SearchFilters{
		Q:                "  CNC Fräsen ",
		Kinds:            []string{"offer", "offer"},
		Categories:       []string{"subcontracting"},
		PartnershipTypes: []string{"supplier"},
		NACE:             []string{"c", "25", "25.62", "25"},
		Countries:        []string{"pl", "CZ"},
		NUTS:             []string{"pl51", "CZ051"},
		Languages:        []string{"DE", "pl", "de"},
	}
}

var (
	savedSearchNorm, _ = savedSearchTestFilters().Normalize()
	savedSearchCreated = SavedSearchCreated{SavedSearchID: "s1", OrgID: "org-a", Name: "Lohnfertigung in Polen", Filters: savedSearchNorm, MinScore: 40, CreatedAt: testNow.Add(-time.Hour)}
	savedSearchGone    = SavedSearchDeleted{SavedSearchID: "s1", DeletedAt: testNow.Add(-time.Minute)}
	savedSearchOnlyQ   = SearchFilters{Q: "Spritzguss", Kinds: []string{}, Categories: []string{}, PartnershipTypes: []string{}, NACE: []string{}, Countries: []string{}, NUTS: []string{}, Languages: []string{}}
)

// savedSearchDo adapts a command on an existing saved search to a
// scenario's when.
func savedSearchDo(c interface {
	Decide(SavedSearch, Actor, time.Time) ([]Payload, error)
}, a Actor) func(SavedSearch, time.Time) ([]Payload, error) {
	return func(s SavedSearch, now time.Time) ([]Payload, error) { return c.Decide(s, a, now) }
}

// savedSearchCreate adapts CreateSavedSearch for id "s1".
func savedSearchCreate(c CreateSavedSearch, a Actor) func(SavedSearch, time.Time) ([]Payload, error) {
	return func(s SavedSearch, now time.Time) ([]Payload, error) { return c.Decide(s, "s1", a, now) }
}

func TestSearchFiltersNormalize(t *testing.T) {
	f, err := savedSearchTestFilters().Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := SearchFilters{Q: "CNC Fräsen", Kinds: []string{"offer"}, Categories: []string{"subcontracting"}, PartnershipTypes: []string{"supplier"},
		NACE: []string{"C", "25", "25.62"}, Countries: []string{"PL", "CZ"}, NUTS: []string{"PL51", "CZ051"}, Languages: []string{"de", "pl"}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("not normalised:\n got  %#v\n want %#v", f, want)
	}
	// Empty lists encode as [], not null.
	b, _ := json.Marshal(SearchFilters{Q: "x"}.normalize(&ValidationErrors{}, ""))
	if string(b) != `{"q":"x","kinds":[],"categories":[],"partnership_types":[],"nace":[],"countries":[],"nuts":[],"languages":[]}` {
		t.Errorf("empty filters encode as %s", b)
	}
}

func TestSavedSearchValidation(t *testing.T) {
	for _, c := range []struct {
		name    string
		cmd     CreateSavedSearch
		fields  []string // every one must be reported
		value   string   // reported as the value of fields[0], if set
		notSeen []string // must not be reported
	}{
		{"unknown NACE code", CreateSavedSearch{OrgID: "org-a", Name: "x", Filters: SearchFilters{NACE: []string{"C", "ZZ"}}},
			[]string{"filters.nace.1"}, "ZZ", []string{"filters.nace.0", "filters"}},
		{"unknown kind, category, partnership type", CreateSavedSearch{OrgID: "org-a", Name: "x", Filters: SearchFilters{Kinds: []string{"gift"}, Categories: []string{"service", "anything"}, PartnershipTypes: []string{"friendship"}}},
			[]string{"filters.kinds.0", "filters.categories.1", "filters.partnership_types.0"}, "gift", []string{"filters.categories.0"}},
		{"unknown country, region, language", CreateSavedSearch{OrgID: "org-a", Name: "x", Filters: SearchFilters{Countries: []string{"XX"}, NUTS: []string{"ZZ9"}, Languages: []string{"xx"}}},
			[]string{"filters.countries.0", "filters.nuts.0", "filters.languages.0"}, "XX", nil},
		{"region outside the countries", CreateSavedSearch{OrgID: "org-a", Name: "x", Filters: SearchFilters{Countries: []string{"PL"}, NUTS: []string{"PL51", "DED2"}}},
			[]string{"filters.nuts.1"}, "DED2", []string{"filters.nuts.0"}},
		{"q too long", CreateSavedSearch{OrgID: "org-a", Name: "x", Filters: SearchFilters{Q: strings.Repeat("ż", 201)}},
			[]string{"filters.q"}, "", nil},
		{"no criterion", CreateSavedSearch{OrgID: "org-a", Name: "x", Filters: SearchFilters{Q: "   "}},
			[]string{"filters"}, "", nil},
		{"blank name, score out of range", CreateSavedSearch{OrgID: "org-a", Name: " ", Filters: SearchFilters{Q: "x"}, MinScore: 100.5},
			[]string{"name", "min_score"}, "", nil},
		{"name too long, negative score", CreateSavedSearch{OrgID: "org-a", Name: strings.Repeat("n", 201), Filters: SearchFilters{Q: "x"}, MinScore: -1},
			[]string{"name", "min_score"}, "", nil},
		{"no organisation", CreateSavedSearch{Name: "x", Filters: SearchFilters{Q: "x"}},
			[]string{"organisation_id"}, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.cmd.Decide(SavedSearch{}, "s1", admin, testNow)
			var es ValidationErrors
			if !errors.As(err, &es) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ValidationErrors", err)
			}
			got := map[string]*ValidationError{}
			for _, e := range es {
				got[e.Field] = e
			}
			for _, f := range c.fields {
				if got[f] == nil {
					t.Errorf("no error for %s in %v", f, err)
				}
			}
			if c.value != "" && got[c.fields[0]] != nil && got[c.fields[0]].Value != c.value {
				t.Errorf("%s reported with value %q, want %q", c.fields[0], got[c.fields[0]].Value, c.value)
			}
			for _, f := range c.notSeen {
				if got[f] != nil {
					t.Errorf("valid %s reported: %v", f, err)
				}
			}
		})
	}
}

func TestSavedSearchLifecycle(t *testing.T) {
	create := CreateSavedSearch{OrgID: "org-a", Name: "Lohnfertigung in Polen", Filters: savedSearchTestFilters(), MinScore: 40}
	change := ChangeSavedSearch{Name: "Spritzguss", Filters: SearchFilters{Q: "Spritzguss"}, MinScore: 0}
	unchanged := ChangeSavedSearch{Name: savedSearchCreated.Name, Filters: savedSearchTestFilters(), MinScore: 40}
	runScenarios(t, SavedSearchKind, []scenario[SavedSearch]{
		{name: "partner saves a search for its own organisation", when: savedSearchCreate(create, partnerA),
			then: []Payload{SavedSearchCreated{SavedSearchID: "s1", OrgID: "org-a", Name: create.Name, Filters: savedSearchNorm, MinScore: 40, CreatedAt: testNow}}},
		{name: "admin saves a search for any organisation", when: savedSearchCreate(CreateSavedSearch{OrgID: "org-b", Name: "q", Filters: SearchFilters{Q: "Spritzguss"}, MinScore: 100}, admin),
			then: []Payload{SavedSearchCreated{SavedSearchID: "s1", OrgID: "org-b", Name: "q", Filters: savedSearchOnlyQ, MinScore: 100, CreatedAt: testNow}}},
		{name: "partner may not save for another organisation", when: savedSearchCreate(create, partnerB), err: ErrForbidden},
		{name: "coordinator may not save searches", when: savedSearchCreate(create, coordinator), err: ErrForbidden},
		{name: "auditor may not save searches", when: savedSearchCreate(create, offerAuditor), err: ErrForbidden},
		{name: "save twice", given: []Payload{savedSearchCreated}, when: savedSearchCreate(create, partnerA), err: ErrInvalidState},
		{name: "save invalid", when: savedSearchCreate(CreateSavedSearch{OrgID: "org-a", Name: "x"}, partnerA), err: ErrInvalid},

		{name: "owner changes", given: []Payload{savedSearchCreated}, when: savedSearchDo(change, partnerA),
			then: []Payload{SavedSearchChanged{SavedSearchID: "s1", Name: "Spritzguss", Filters: savedSearchOnlyQ, MinScore: 0, ChangedAt: testNow}}},
		{name: "admin changes", given: []Payload{savedSearchCreated}, when: savedSearchDo(change, admin),
			then: []Payload{SavedSearchChanged{SavedSearchID: "s1", Name: "Spritzguss", Filters: savedSearchOnlyQ, MinScore: 0, ChangedAt: testNow}}},
		{name: "a change to the same values decides nothing", given: []Payload{savedSearchCreated}, when: savedSearchDo(unchanged, partnerA)},
		{name: "other partner may not change", given: []Payload{savedSearchCreated}, when: savedSearchDo(change, partnerB), err: ErrForbidden},
		{name: "coordinator may not change", given: []Payload{savedSearchCreated}, when: savedSearchDo(change, coordinator), err: ErrForbidden},
		{name: "change to invalid", given: []Payload{savedSearchCreated}, when: savedSearchDo(ChangeSavedSearch{Name: "x", Filters: SearchFilters{NACE: []string{"00"}}}, partnerA), err: ErrInvalid},
		{name: "change deleted", given: []Payload{savedSearchCreated, savedSearchGone}, when: savedSearchDo(change, partnerA), err: ErrInvalidState},
		{name: "change unknown", when: savedSearchDo(change, admin), err: ErrNotFound},

		{name: "owner deletes", given: []Payload{savedSearchCreated}, when: savedSearchDo(DeleteSavedSearch{}, partnerA),
			then: []Payload{SavedSearchDeleted{SavedSearchID: "s1", DeletedAt: testNow}}},
		{name: "other partner may not delete", given: []Payload{savedSearchCreated}, when: savedSearchDo(DeleteSavedSearch{}, partnerB), err: ErrForbidden},
		{name: "coordinator may not delete", given: []Payload{savedSearchCreated}, when: savedSearchDo(DeleteSavedSearch{}, coordinator), err: ErrForbidden},
		{name: "delete twice", given: []Payload{savedSearchCreated, savedSearchGone}, when: savedSearchDo(DeleteSavedSearch{}, partnerA), err: ErrInvalidState},
		{name: "delete unknown", when: savedSearchDo(DeleteSavedSearch{}, admin), err: ErrNotFound},
	})
}

func TestSavedSearchEvolve(t *testing.T) {
	var s SavedSearch
	changed := SavedSearchChanged{SavedSearchID: "s1", Name: "Spritzguss", Filters: savedSearchOnlyQ, MinScore: 10, ChangedAt: testNow}
	for _, p := range []Payload{savedSearchCreated, changed} {
		s = SavedSearchKind.Evolve(s, p)
	}
	want := SavedSearch{ID: "s1", OrgID: "org-a", Name: "Spritzguss", Filters: savedSearchOnlyQ, MinScore: 10, CreatedAt: savedSearchCreated.CreatedAt, UpdatedAt: testNow}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("changed:\n got  %#v\n want %#v", s, want)
	}
	s = SavedSearchKind.Evolve(s, savedSearchGone)
	want.Deleted, want.UpdatedAt = true, savedSearchGone.DeletedAt
	if !reflect.DeepEqual(s, want) {
		t.Errorf("deleted:\n got  %#v\n want %#v", s, want)
	}
	if got := SavedSearchKind.StreamID("s1"); got != "saved_search-s1" {
		t.Errorf("stream %q", got)
	}
}

func TestMatchAlertedEncoding(t *testing.T) {
	pos, err := ParsePosition("42")
	if err != nil {
		t.Fatal(err)
	}
	a := MatchAlerted{OrgID: "org-a", SavedSearchID: "s1", OfferID: "o1", OfferKind: "offer", Title: Text{DE: "CNC-Lohnfertigung"},
		OwnerOrgID: "org-b", Score: 72.5, Reasons: []MatchReason{{Factor: "codes", Weight: 40, Score: 1, Codes: []string{"25.62"}}, {Factor: "cross_border", Weight: 15, Score: 1, Note: "DE → PL"}},
		SourceEventID: DeriveEventID("test"), SourcePosition: pos, AlertedAt: testNow}
	data, err := Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	if data.Type != "MatchAlerted" || data.SchemaVersion != 1 {
		t.Errorf("encoded as %s v%d", data.Type, data.SchemaVersion)
	}
	for _, key := range []string{`"organisation_id":"org-a"`, `"saved_search_id":"s1"`, `"owner_organisation_id":"org-b"`, `"offer_kind":"offer"`, `"source_position":"42"`, `"factor":"codes"`} {
		if !strings.Contains(string(data.Data), key) {
			t.Errorf("%s not in %s", key, data.Data)
		}
	}
	if strings.Contains(string(data.Data), "request_id") {
		t.Errorf("empty request_id encoded: %s", data.Data)
	}
	back, err := Decode(Event{EventData: data})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, a) {
		t.Errorf("round trip:\n got  %#v\n want %#v", back, a)
	}
}
