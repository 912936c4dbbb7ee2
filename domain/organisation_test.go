package domain

import (
	"errors"
	"testing"
	"time"
)

var (
	admin       = Actor{ID: "token:admin", Role: RoleAdmin}
	coordinator = Actor{ID: "token:coord", Role: RoleCoordinator}
	partnerA    = Actor{ID: "token:a", Role: RolePartner, OrgID: "org-a"}
	partnerB    = Actor{ID: "token:b", Role: RolePartner, OrgID: "org-b"}
)

func goodProfile() OrganisationProfile {
	return OrganisationProfile{
		Name: "Lausitzer Metallbau GmbH", Kind: "sme", LegalForm: "GmbH", Country: "de", NUTS: "ded2d",
		Address:     Address{Street: "Berliner Str. 1", PostalCode: "02826", City: "Görlitz", Country: "DE"},
		Sectors:     []string{"25", "C", "25.62", "25"},
		Languages:   []string{"DE", "pl"},
		Description: Text{DE: "Lohnfertigung, CNC-Drehen und Fräsen", PL: "Obróbka CNC"},
		Contacts:    []Contact{{Name: "Anna Nowak", Email: "anna@example.com", Languages: []string{"pl"}}},
	}
}

func TestOrganisationProfileNormalize(t *testing.T) {
	p, err := goodProfile().Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if p.Country != "DE" || p.NUTS != "DED2D" || len(p.Sectors) != 3 || p.Languages[0] != "de" {
		t.Errorf("not normalised: %+v", p)
	}
	bad := goodProfile()
	bad.Country, bad.NUTS, bad.Sectors, bad.Languages, bad.Description = "XX", "PL51", []string{"04"}, nil, Text{}
	bad.Contacts[0].Email = "not-an-address"
	_, err = bad.Normalize()
	var es ValidationErrors
	if !errors.As(err, &es) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ValidationErrors", err)
	}
	fields := map[string]bool{}
	for _, e := range es {
		fields[e.Field] = true
	}
	for _, f := range []string{"country", "nuts", "sectors.0", "languages", "description", "contacts.0.email"} {
		if !fields[f] {
			t.Errorf("no error for %s in %v", f, err)
		}
	}
}

func TestOrganisationLifecycle(t *testing.T) {
	norm, _ := goodProfile().Normalize()
	registered := OrganisationRegistered{OrganisationID: "org-a", Profile: norm, RegisteredAt: testNow.Add(-time.Hour)}
	deactivated := OrganisationDeactivated{OrganisationID: "org-a", DeactivatedAt: testNow}
	changed := goodProfile()
	changed.Name = "Lausitzer Metallbau AG"
	changedNorm, _ := changed.Normalize()
	runScenarios(t, OrganisationKind, []scenario[Organisation]{
		{name: "coordinator registers", when: func(o Organisation, now time.Time) ([]Payload, error) {
			return RegisterOrganisation{Profile: goodProfile()}.Decide(o, "org-a", coordinator, now)
		}, then: []Payload{OrganisationRegistered{OrganisationID: "org-a", Profile: norm, RegisteredAt: testNow}}},
		{name: "partner may not register", when: func(o Organisation, now time.Time) ([]Payload, error) {
			return RegisterOrganisation{Profile: goodProfile()}.Decide(o, "org-a", partnerA, now)
		}, err: ErrForbidden},
		{name: "registered twice", given: []Payload{registered}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return RegisterOrganisation{Profile: goodProfile()}.Decide(o, "org-a", admin, now)
		}, err: ErrInvalidState},
		{name: "invalid profile", when: func(o Organisation, now time.Time) ([]Payload, error) {
			return RegisterOrganisation{Profile: OrganisationProfile{}}.Decide(o, "org-a", admin, now)
		}, err: ErrInvalid},
		{name: "own partner updates", given: []Payload{registered}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return UpdateOrganisation{Profile: changed}.Decide(o, partnerA, now)
		}, then: []Payload{OrganisationUpdated{OrganisationID: "org-a", Profile: changedNorm, UpdatedAt: testNow}}},
		{name: "other partner may not update", given: []Payload{registered}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return UpdateOrganisation{Profile: changed}.Decide(o, partnerB, now)
		}, err: ErrForbidden},
		{name: "update unknown", when: func(o Organisation, now time.Time) ([]Payload, error) {
			return UpdateOrganisation{Profile: changed}.Decide(o, admin, now)
		}, err: ErrNotFound},
		{name: "update deactivated", given: []Payload{registered, deactivated}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return UpdateOrganisation{Profile: changed}.Decide(o, partnerA, now)
		}, err: ErrInvalidState},
		{name: "coordinator verifies", given: []Payload{registered}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return VerifyOrganisation{}.Decide(o, coordinator, now)
		}, then: []Payload{OrganisationVerified{OrganisationID: "org-a", VerifiedAt: testNow}}},
		{name: "verify again is a no-op", given: []Payload{registered, OrganisationVerified{OrganisationID: "org-a", VerifiedAt: testNow}}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return VerifyOrganisation{}.Decide(o, coordinator, now)
		}},
		{name: "partner may not verify itself", given: []Payload{registered}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return VerifyOrganisation{}.Decide(o, partnerA, now)
		}, err: ErrForbidden},
		{name: "partner deactivates itself", given: []Payload{registered}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return DeactivateOrganisation{}.Decide(o, partnerA, now)
		}, then: []Payload{deactivated}},
		{name: "other partner may not deactivate", given: []Payload{registered}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return DeactivateOrganisation{}.Decide(o, partnerB, now)
		}, err: ErrForbidden},
		{name: "deactivate twice", given: []Payload{registered, deactivated}, when: func(o Organisation, now time.Time) ([]Payload, error) {
			return DeactivateOrganisation{}.Decide(o, admin, now)
		}, err: ErrInvalidState},
	})
}
