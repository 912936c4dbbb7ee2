package domain

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var offerAuditor = Actor{ID: "token:audit", Role: RoleAuditor}

func offerTestDetails() OfferDetails {
	return OfferDetails{
		Kind: "offer", Category: "subcontracting",
		PartnershipTypes: []string{"supplier", "outsourcing", "supplier"},
		Title:            Text{DE: "CNC-Lohnfertigung", PL: "Obróbka CNC na zlecenie"},
		Description:      Text{DE: "Drehen und Fräsen bis 2 m, Kleinserien", PL: "Toczenie i frezowanie"},
		NACE:             []string{"25.62", "25", "25.62"},
		TargetCountries:  []string{"pl", "CZ", "PL"},
		TargetRegions:    []string{"pl51", "CZ051"},
		Languages:        []string{"DE", "pl"},
	}
}

// offerDo adapts a command on an existing offer to a scenario's when.
func offerDo(c interface {
	Decide(Offer, Actor, time.Time) ([]Payload, error)
}, a Actor) func(Offer, time.Time) ([]Payload, error) {
	return func(o Offer, now time.Time) ([]Payload, error) { return c.Decide(o, a, now) }
}

// offerDraft adapts DraftOffer for id "o1" to a scenario's when.
func offerDraft(c DraftOffer, a Actor) func(Offer, time.Time) ([]Payload, error) {
	return func(o Offer, now time.Time) ([]Payload, error) { return c.Decide(o, "o1", a, now) }
}

const offerDay = 24 * time.Hour

var (
	offerNorm, _        = offerTestDetails().Normalize()
	offerDrafted        = OfferDrafted{OfferID: "o1", OwnerOrgID: "org-a", Details: offerNorm, DraftedAt: testNow.Add(-3 * offerDay)}
	offerPublished      = OfferPublished{OfferID: "o1", ValidUntil: testNow.Add(100 * offerDay), PublishedAt: testNow.Add(-2 * offerDay)}
	offerDueSoon        = OfferPublished{OfferID: "o1", ValidUntil: testNow.Add(10 * offerDay), PublishedAt: testNow.Add(-2 * offerDay)}
	offerPassed         = OfferPublished{OfferID: "o1", ValidUntil: testNow.Add(-time.Hour), PublishedAt: testNow.Add(-2 * offerDay)}
	offerWithdrawn      = OfferWithdrawn{OfferID: "o1", WithdrawnAt: testNow.Add(-offerDay)}
	offerExpired        = OfferExpired{OfferID: "o1", ValidUntil: testNow.Add(-time.Hour), ExpiredAt: testNow.Add(-time.Minute)}
	offerInterestB      = OfferInterestExpressed{OfferID: "o1", InterestID: "i1", OrgID: "org-b", Message: "Wir suchen genau das.", ExpressedAt: testNow.Add(-offerDay)}
	offerAcceptedB      = OfferInterestAccepted{OfferID: "o1", InterestID: "i1", OrgID: "org-b", AcceptedAt: testNow.Add(-time.Hour)}
	offerDeclinedB      = OfferInterestDeclined{OfferID: "o1", InterestID: "i1", OrgID: "org-b", DeclinedAt: testNow.Add(-time.Hour)}
	offerLive           = []Payload{offerDrafted, offerPublished}
	offerLiveWithB      = []Payload{offerDrafted, offerPublished, offerInterestB}
	offerExpiredHistory = []Payload{offerDrafted, offerPassed, offerExpired}
)

func TestOfferDetailsNormalize(t *testing.T) {
	d, err := offerTestDetails().Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := OfferDetails{
		Kind: "offer", Category: "subcontracting", PartnershipTypes: []string{"supplier", "outsourcing"},
		Title: offerTestDetails().Title, Description: offerTestDetails().Description,
		NACE: []string{"25.62", "25"}, TargetCountries: []string{"PL", "CZ"}, TargetRegions: []string{"PL51", "CZ051"},
		Languages: []string{"de", "pl"},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("not normalised:\n got  %#v\n want %#v", d, want)
	}
	bad := OfferDetails{
		Kind: "gift", Category: "anything", PartnershipTypes: []string{"commercial", "friendship"},
		Title: Text{EN: strings.Repeat("x", 201)}, Description: Text{},
		TargetCountries: []string{"XX", "PL"}, TargetRegions: []string{"PL51", "DED2", "ZZ9"},
	}
	_, err = bad.Normalize()
	var es ValidationErrors
	if !errors.As(err, &es) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ValidationErrors", err)
	}
	fields := map[string]bool{}
	for _, e := range es {
		fields[e.Field] = true
	}
	for _, f := range []string{"kind", "category", "partnership_types.1", "title.en", "description", "nace", "target_countries.0", "target_regions.1", "target_regions.2", "languages"} {
		if !fields[f] {
			t.Errorf("no error for %s in %v", f, err)
		}
	}
	if fields["partnership_types.0"] || fields["target_regions.0"] || fields["target_countries.1"] {
		t.Errorf("valid entries reported: %v", err)
	}
	open := offerTestDetails()
	open.TargetCountries, open.PartnershipTypes = nil, nil
	if d, err := open.Normalize(); err != nil || d.TargetCountries != nil || len(d.TargetRegions) != 2 {
		t.Errorf("regions without target countries: %+v, %v", d, err)
	}
	long := offerTestDetails()
	long.Description.CS = strings.Repeat("ž", 5001)
	long.TargetRegions = make([]string, 51)
	if _, err := long.Normalize(); err == nil || !strings.Contains(err.Error(), "description.cs") || !strings.Contains(err.Error(), "at most 50") {
		t.Errorf("long: %v", err)
	}
}

func TestOfferDraftAndRevise(t *testing.T) {
	until := testNow.Add(200 * offerDay)
	changed := offerTestDetails()
	changed.Kind, changed.Category, changed.TargetCountries, changed.TargetRegions = "request", "supplier_search", nil, nil
	changedNorm, _ := changed.Normalize()
	runScenarios(t, OfferKind, []scenario[Offer]{
		{name: "partner drafts for own organisation", when: offerDraft(DraftOffer{OwnerOrgID: "org-a", Details: offerTestDetails()}, partnerA),
			then: []Payload{OfferDrafted{OfferID: "o1", OwnerOrgID: "org-a", Details: offerNorm, DraftedAt: testNow}}},
		{name: "coordinator may not draft (only the owner can take a draft further)", when: offerDraft(DraftOffer{OwnerOrgID: "org-a", Details: offerTestDetails(), ValidUntil: until}, coordinator), err: ErrForbidden},
		{name: "admin drafts for any organisation", when: offerDraft(DraftOffer{OwnerOrgID: "org-b", Details: offerTestDetails(), ValidUntil: until}, admin),
			then: []Payload{OfferDrafted{OfferID: "o1", OwnerOrgID: "org-b", Details: offerNorm, ValidUntil: until, DraftedAt: testNow}}},
		{name: "partner may not draft for another organisation", when: offerDraft(DraftOffer{OwnerOrgID: "org-a", Details: offerTestDetails()}, partnerB), err: ErrForbidden},
		{name: "auditor may not draft", when: offerDraft(DraftOffer{OwnerOrgID: "org-a", Details: offerTestDetails()}, offerAuditor), err: ErrForbidden},
		{name: "draft twice", given: []Payload{offerDrafted}, when: offerDraft(DraftOffer{OwnerOrgID: "org-a", Details: offerTestDetails()}, admin), err: ErrInvalidState},
		{name: "draft without owner", when: offerDraft(DraftOffer{Details: offerTestDetails()}, admin), err: ErrInvalid},
		{name: "draft invalid details", when: offerDraft(DraftOffer{OwnerOrgID: "org-a"}, partnerA), err: ErrInvalid},
		{name: "draft valid until the past", when: offerDraft(DraftOffer{OwnerOrgID: "org-a", Details: offerTestDetails(), ValidUntil: testNow}, partnerA), err: ErrInvalid},
		{name: "draft valid more than 3 years", when: offerDraft(DraftOffer{OwnerOrgID: "org-a", Details: offerTestDetails(), ValidUntil: testNow.AddDate(3, 0, 1)}, partnerA), err: ErrInvalid},

		{name: "owner revises draft", given: []Payload{offerDrafted}, when: offerDo(ReviseOffer{Details: changed}, partnerA),
			then: []Payload{OfferRevised{OfferID: "o1", Details: changedNorm, RevisedAt: testNow}}},
		{name: "admin revises published", given: offerLive, when: offerDo(ReviseOffer{Details: changed}, admin),
			then: []Payload{OfferRevised{OfferID: "o1", Details: changedNorm, RevisedAt: testNow}}},
		{name: "other partner may not revise", given: offerLive, when: offerDo(ReviseOffer{Details: changed}, partnerB), err: ErrForbidden},
		{name: "coordinator may not revise", given: offerLive, when: offerDo(ReviseOffer{Details: changed}, coordinator), err: ErrForbidden},
		{name: "revise withdrawn", given: []Payload{offerDrafted, offerWithdrawn}, when: offerDo(ReviseOffer{Details: changed}, partnerA), err: ErrInvalidState},
		{name: "revise expired", given: offerExpiredHistory, when: offerDo(ReviseOffer{Details: changed}, partnerA), err: ErrInvalidState},
		{name: "revise unknown", when: offerDo(ReviseOffer{Details: changed}, admin), err: ErrNotFound},
		{name: "revise with invalid details", given: offerLive, when: offerDo(ReviseOffer{Details: OfferDetails{Kind: "offer"}}, partnerA), err: ErrInvalid},
	})
}

func TestOfferPublishAndWithdraw(t *testing.T) {
	until := testNow.Add(200 * offerDay)
	draftedUntil := offerDrafted
	draftedUntil.ValidUntil = until
	draftedStale := offerDrafted
	draftedStale.ValidUntil = testNow.Add(-time.Minute)
	runScenarios(t, OfferKind, []scenario[Offer]{
		{name: "owner publishes with default validity", given: []Payload{offerDrafted}, when: offerDo(PublishOffer{}, partnerA),
			then: []Payload{OfferPublished{OfferID: "o1", ValidUntil: testNow.Add(OfferDefaultValidity), PublishedAt: testNow}}},
		{name: "admin publishes with the drafted validity", given: []Payload{draftedUntil}, when: offerDo(PublishOffer{}, admin),
			then: []Payload{OfferPublished{OfferID: "o1", ValidUntil: until, PublishedAt: testNow}}},
		{name: "drafted validity has passed", given: []Payload{draftedStale}, when: offerDo(PublishOffer{}, partnerA), err: ErrInvalidState},
		{name: "stale draft publishes after extension", given: []Payload{draftedStale, OfferValidityExtended{OfferID: "o1", ValidUntil: until, ExtendedAt: testNow}}, when: offerDo(PublishOffer{}, partnerA),
			then: []Payload{OfferPublished{OfferID: "o1", ValidUntil: until, PublishedAt: testNow}}},
		{name: "other partner may not publish", given: []Payload{offerDrafted}, when: offerDo(PublishOffer{}, partnerB), err: ErrForbidden},
		{name: "coordinator may not publish", given: []Payload{offerDrafted}, when: offerDo(PublishOffer{}, coordinator), err: ErrForbidden},
		{name: "publish twice", given: offerLive, when: offerDo(PublishOffer{}, partnerA), err: ErrInvalidState},
		{name: "publish withdrawn", given: []Payload{offerDrafted, offerWithdrawn}, when: offerDo(PublishOffer{}, partnerA), err: ErrInvalidState},
		{name: "publish expired", given: offerExpiredHistory, when: offerDo(PublishOffer{}, partnerA), err: ErrInvalidState},
		{name: "publish unknown", when: offerDo(PublishOffer{}, admin), err: ErrNotFound},

		{name: "owner withdraws draft", given: []Payload{offerDrafted}, when: offerDo(WithdrawOffer{Reason: "Auftrag vergeben"}, partnerA),
			then: []Payload{OfferWithdrawn{OfferID: "o1", Reason: "Auftrag vergeben", WithdrawnAt: testNow}}},
		{name: "admin withdraws published", given: offerLive, when: offerDo(WithdrawOffer{}, admin),
			then: []Payload{OfferWithdrawn{OfferID: "o1", WithdrawnAt: testNow}}},
		{name: "other partner may not withdraw", given: offerLive, when: offerDo(WithdrawOffer{}, partnerB), err: ErrForbidden},
		{name: "coordinator may not withdraw", given: offerLive, when: offerDo(WithdrawOffer{}, coordinator), err: ErrForbidden},
		{name: "withdraw twice", given: []Payload{offerDrafted, offerWithdrawn}, when: offerDo(WithdrawOffer{}, partnerA), err: ErrInvalidState},
		{name: "withdraw expired", given: offerExpiredHistory, when: offerDo(WithdrawOffer{}, partnerA), err: ErrInvalidState},
		{name: "withdraw unknown", when: offerDo(WithdrawOffer{}, admin), err: ErrNotFound},
		{name: "withdrawal reason too long", given: offerLive, when: offerDo(WithdrawOffer{Reason: strings.Repeat("x", 1001)}, partnerA), err: ErrInvalid},
	})
}

func TestOfferValidity(t *testing.T) {
	later := testNow.Add(300 * offerDay)
	extend := func(until time.Time, a Actor) func(Offer, time.Time) ([]Payload, error) {
		return offerDo(ExtendOfferValidity{ValidUntil: until}, a)
	}
	warned := OfferExpiryWarned{OfferID: "o1", OwnerOrgID: "org-a", ValidUntil: offerDueSoon.ValidUntil, WarnedAt: testNow.Add(-offerDay)}
	atWarning := offerDueSoon
	atWarning.ValidUntil = testNow.Add(OfferExpiryWarning)
	atNow := offerDueSoon
	atNow.ValidUntil = testNow
	runScenarios(t, OfferKind, []scenario[Offer]{
		{name: "owner extends published", given: offerLive, when: extend(later, partnerA),
			then: []Payload{OfferValidityExtended{OfferID: "o1", ValidUntil: later, ExtendedAt: testNow}}},
		{name: "admin extends expired and republishes", given: offerExpiredHistory, when: extend(later, admin),
			then: []Payload{OfferValidityExtended{OfferID: "o1", ValidUntil: later, Republished: true, ExtendedAt: testNow}}},
		{name: "owner sets a draft's validity", given: []Payload{offerDrafted}, when: extend(later, partnerA),
			then: []Payload{OfferValidityExtended{OfferID: "o1", ValidUntil: later, ExtendedAt: testNow}}},
		{name: "extend withdrawn", given: []Payload{offerDrafted, offerPublished, offerWithdrawn}, when: extend(later, partnerA), err: ErrInvalidState},
		{name: "other partner may not extend", given: offerLive, when: extend(later, partnerB), err: ErrForbidden},
		{name: "coordinator may not extend", given: offerLive, when: extend(later, coordinator), err: ErrForbidden},
		{name: "extend unknown", when: extend(later, admin), err: ErrNotFound},
		{name: "extend to an earlier date", given: offerLive, when: extend(offerPublished.ValidUntil.Add(-offerDay), partnerA), err: ErrInvalid},
		{name: "extend to the same date", given: offerLive, when: extend(offerPublished.ValidUntil, partnerA), err: ErrInvalid},
		{name: "extend expired to a past date", given: offerExpiredHistory, when: extend(testNow.Add(-time.Minute), partnerA), err: ErrInvalid},
		{name: "extend more than 3 years ahead", given: offerLive, when: extend(testNow.AddDate(3, 0, 1), partnerA), err: ErrInvalid},
		{name: "extend without date", given: []Payload{offerDrafted}, when: extend(time.Time{}, partnerA), err: ErrInvalid},

		{name: "scheduler expires", given: []Payload{offerDrafted, offerPassed}, when: offerDo(ExpireOffer{}, System("expiry")),
			then: []Payload{OfferExpired{OfferID: "o1", ValidUntil: offerPassed.ValidUntil, ExpiredAt: testNow}}},
		{name: "admin expires at the end of validity", given: []Payload{offerDrafted, atNow}, when: offerDo(ExpireOffer{}, admin),
			then: []Payload{OfferExpired{OfferID: "o1", ValidUntil: testNow, ExpiredAt: testNow}}},
		{name: "expire while still valid", given: offerLive, when: offerDo(ExpireOffer{}, admin), err: ErrInvalidState},
		{name: "expire draft", given: []Payload{offerDrafted}, when: offerDo(ExpireOffer{}, admin), err: ErrInvalidState},
		{name: "expire twice", given: offerExpiredHistory, when: offerDo(ExpireOffer{}, admin), err: ErrInvalidState},
		{name: "expire withdrawn", given: []Payload{offerDrafted, offerPassed, offerWithdrawn}, when: offerDo(ExpireOffer{}, admin), err: ErrInvalidState},
		{name: "owner may not expire", given: []Payload{offerDrafted, offerPassed}, when: offerDo(ExpireOffer{}, partnerA), err: ErrForbidden},
		{name: "coordinator may not expire", given: []Payload{offerDrafted, offerPassed}, when: offerDo(ExpireOffer{}, coordinator), err: ErrForbidden},
		{name: "expire unknown", when: offerDo(ExpireOffer{}, admin), err: ErrNotFound},

		{name: "scheduler warns", given: []Payload{offerDrafted, offerDueSoon}, when: offerDo(WarnOfferExpiry{}, System("expiry")),
			then: []Payload{OfferExpiryWarned{OfferID: "o1", OwnerOrgID: "org-a", ValidUntil: offerDueSoon.ValidUntil, WarnedAt: testNow}}},
		{name: "warns exactly 14 days ahead", given: []Payload{offerDrafted, atWarning}, when: offerDo(WarnOfferExpiry{}, admin),
			then: []Payload{OfferExpiryWarned{OfferID: "o1", OwnerOrgID: "org-a", ValidUntil: atWarning.ValidUntil, WarnedAt: testNow}}},
		{name: "no warning twice", given: []Payload{offerDrafted, offerDueSoon, warned}, when: offerDo(WarnOfferExpiry{}, admin)},
		{name: "warns again for a new end of validity", given: []Payload{offerDrafted, offerDueSoon, warned, OfferValidityExtended{OfferID: "o1", ValidUntil: testNow.Add(12 * offerDay), ExtendedAt: testNow}},
			when: offerDo(WarnOfferExpiry{}, admin),
			then: []Payload{OfferExpiryWarned{OfferID: "o1", OwnerOrgID: "org-a", ValidUntil: testNow.Add(12 * offerDay), WarnedAt: testNow}}},
		{name: "no warning far ahead", given: offerLive, when: offerDo(WarnOfferExpiry{}, admin)},
		{name: "no warning once passed", given: []Payload{offerDrafted, offerPassed}, when: offerDo(WarnOfferExpiry{}, admin)},
		{name: "no warning for a draft", given: []Payload{offerDrafted}, when: offerDo(WarnOfferExpiry{}, admin)},
		{name: "no warning when withdrawn", given: []Payload{offerDrafted, offerDueSoon, offerWithdrawn}, when: offerDo(WarnOfferExpiry{}, admin)},
		{name: "owner may not warn", given: []Payload{offerDrafted, offerDueSoon}, when: offerDo(WarnOfferExpiry{}, partnerA), err: ErrForbidden},
		{name: "coordinator may not warn", given: []Payload{offerDrafted, offerDueSoon}, when: offerDo(WarnOfferExpiry{}, coordinator), err: ErrForbidden},
		{name: "warn unknown", when: offerDo(WarnOfferExpiry{}, admin), err: ErrNotFound},
	})
}

func TestOfferInterests(t *testing.T) {
	express := func(id, org, msg string, a Actor) func(Offer, time.Time) ([]Payload, error) {
		return offerDo(ExpressInterest{InterestID: id, OrgID: org, Message: msg}, a)
	}
	accepted := OfferInterestAccepted{OfferID: "o1", InterestID: "i1", OrgID: "org-b", AcceptedAt: testNow}
	runScenarios(t, OfferKind, []scenario[Offer]{
		{name: "partner expresses interest for own organisation", given: offerLive, when: express("i1", "org-b", "Wir suchen genau das.", partnerB),
			then: []Payload{OfferInterestExpressed{OfferID: "o1", InterestID: "i1", OrgID: "org-b", Message: "Wir suchen genau das.", ExpressedAt: testNow}}},
		{name: "admin expresses interest for any organisation", given: offerLiveWithB, when: express("i2", "org-c", "Zájem", admin),
			then: []Payload{OfferInterestExpressed{OfferID: "o1", InterestID: "i2", OrgID: "org-c", Message: "Zájem", ExpressedAt: testNow}}},
		{name: "interest again after a decline", given: append(offerLiveWithB, offerDeclinedB), when: express("i2", "org-b", "Neuer Anlauf", partnerB),
			then: []Payload{OfferInterestExpressed{OfferID: "o1", InterestID: "i2", OrgID: "org-b", Message: "Neuer Anlauf", ExpressedAt: testNow}}},
		{name: "partner may not express for another organisation", given: offerLive, when: express("i1", "org-c", "Hallo", partnerB), err: ErrForbidden},
		{name: "coordinator may not express interest", given: offerLive, when: express("i1", "org-b", "Hallo", coordinator), err: ErrForbidden},
		{name: "owner may not express interest", given: offerLive, when: express("i1", "org-a", "Hallo", partnerA), err: ErrForbidden},
		{name: "not even admin for the owner", given: offerLive, when: express("i1", "org-a", "Hallo", admin), err: ErrForbidden},
		{name: "interest in a draft", given: []Payload{offerDrafted}, when: express("i1", "org-b", "Hallo", partnerB), err: ErrInvalidState},
		{name: "interest in an expired offer", given: offerExpiredHistory, when: express("i1", "org-b", "Hallo", partnerB), err: ErrInvalidState},
		{name: "interest in a withdrawn offer", given: []Payload{offerDrafted, offerPublished, offerWithdrawn}, when: express("i1", "org-b", "Hallo", partnerB), err: ErrInvalidState},
		{name: "interest in unknown offer", when: express("i1", "org-b", "Hallo", partnerB), err: ErrNotFound},
		{name: "empty message", given: offerLive, when: express("i1", "org-b", " ", partnerB), err: ErrInvalid},
		{name: "message too long", given: offerLive, when: express("i1", "org-b", strings.Repeat("x", 2001), partnerB), err: ErrInvalid},
		{name: "no interest id", given: offerLive, when: express("", "org-b", "Hallo", partnerB), err: ErrInvalid},
		{name: "no organisation", given: offerLive, when: express("i1", "", "Hallo", admin), err: ErrInvalid},
		{name: "second pending interest", given: offerLiveWithB, when: express("i2", "org-b", "Nochmal", partnerB), err: ErrInvalidState},
		{name: "interest after acceptance", given: append(offerLiveWithB, offerAcceptedB), when: express("i2", "org-b", "Nochmal", partnerB), err: ErrInvalidState},
		{name: "interest id reused", given: offerLiveWithB, when: express("i1", "org-c", "Hallo", admin), err: ErrInvalidState},

		{name: "owner accepts", given: offerLiveWithB, when: offerDo(AcceptInterest{InterestID: "i1"}, partnerA), then: []Payload{accepted}},
		{name: "admin accepts on an expired offer", given: []Payload{offerDrafted, offerPassed, offerInterestB, offerExpired}, when: offerDo(AcceptInterest{InterestID: "i1"}, admin), then: []Payload{accepted}},
		{name: "accept on a withdrawn offer", given: append(offerLiveWithB, offerWithdrawn), when: offerDo(AcceptInterest{InterestID: "i1"}, partnerA), err: ErrInvalidState},
		{name: "interested organisation may not accept", given: offerLiveWithB, when: offerDo(AcceptInterest{InterestID: "i1"}, partnerB), err: ErrForbidden},
		{name: "coordinator may not accept", given: offerLiveWithB, when: offerDo(AcceptInterest{InterestID: "i1"}, coordinator), err: ErrForbidden},
		{name: "accept unknown interest", given: offerLiveWithB, when: offerDo(AcceptInterest{InterestID: "i9"}, partnerA), err: ErrNotFound},
		{name: "accept unknown offer", when: offerDo(AcceptInterest{InterestID: "i1"}, admin), err: ErrNotFound},
		{name: "accept twice", given: append(offerLiveWithB, offerAcceptedB), when: offerDo(AcceptInterest{InterestID: "i1"}, partnerA), err: ErrInvalidState},
		{name: "accept declined", given: append(offerLiveWithB, offerDeclinedB), when: offerDo(AcceptInterest{InterestID: "i1"}, partnerA), err: ErrInvalidState},

		{name: "owner declines", given: offerLiveWithB, when: offerDo(DeclineInterest{InterestID: "i1", Reason: "Kapazität erschöpft"}, partnerA),
			then: []Payload{OfferInterestDeclined{OfferID: "o1", InterestID: "i1", OrgID: "org-b", Reason: "Kapazität erschöpft", DeclinedAt: testNow}}},
		{name: "admin declines on a withdrawn offer", given: append(offerLiveWithB, offerWithdrawn), when: offerDo(DeclineInterest{InterestID: "i1"}, admin),
			then: []Payload{OfferInterestDeclined{OfferID: "o1", InterestID: "i1", OrgID: "org-b", DeclinedAt: testNow}}},
		{name: "interested organisation may not decline", given: offerLiveWithB, when: offerDo(DeclineInterest{InterestID: "i1"}, partnerB), err: ErrForbidden},
		{name: "coordinator may not decline", given: offerLiveWithB, when: offerDo(DeclineInterest{InterestID: "i1"}, coordinator), err: ErrForbidden},
		{name: "decline unknown interest", given: offerLiveWithB, when: offerDo(DeclineInterest{InterestID: "i9"}, partnerA), err: ErrNotFound},
		{name: "decline accepted", given: append(offerLiveWithB, offerAcceptedB), when: offerDo(DeclineInterest{InterestID: "i1"}, partnerA), err: ErrInvalidState},
		{name: "decline reason too long", given: offerLiveWithB, when: offerDo(DeclineInterest{InterestID: "i1", Reason: strings.Repeat("x", 1001)}, partnerA), err: ErrInvalid},
	})
}

func TestOfferEvolve(t *testing.T) {
	var o Offer
	for _, p := range offerLiveWithB {
		o = OfferKind.Evolve(o, p)
	}
	if o.ID != "o1" || o.OwnerOrgID != "org-a" || o.Status != OfferStatusPublished || !o.ValidUntil.Equal(offerPublished.ValidUntil) ||
		!o.PublishedAt.Equal(offerPublished.PublishedAt) || !o.CreatedAt.Equal(offerDrafted.DraftedAt) || len(o.Interests) != 1 || o.Interests[0].Status != OfferInterestStatusPending {
		t.Fatalf("published state: %+v", o)
	}
	before := o
	after := OfferKind.Evolve(o, OfferInterestDeclined{OfferID: "o1", InterestID: "i1", OrgID: "org-b", Reason: "nein", DeclinedAt: testNow})
	if before.Interests[0].Status != OfferInterestStatusPending {
		t.Error("evolve changed the previous state's interests")
	}
	if in := after.Interests[0]; in.Status != OfferInterestStatusDeclined || in.DeclineReason != "nein" || !in.DecidedAt.Equal(testNow) {
		t.Errorf("declined interest: %+v", in)
	}

	o = Offer{}
	for _, p := range append(offerExpiredHistory, OfferValidityExtended{OfferID: "o1", ValidUntil: testNow.Add(offerDay), Republished: true, ExtendedAt: testNow}) {
		o = OfferKind.Evolve(o, p)
	}
	if o.Status != OfferStatusPublished || !o.ValidUntil.Equal(testNow.Add(offerDay)) || !o.PublishedAt.Equal(offerPassed.PublishedAt) || !o.UpdatedAt.Equal(testNow) {
		t.Errorf("republished state: %+v", o)
	}
}

func TestOfferExpiryDue(t *testing.T) {
	state := func(ps ...Payload) Offer {
		var o Offer
		for _, p := range ps {
			o = OfferKind.Evolve(o, p)
		}
		return o
	}
	warned := OfferExpiryWarned{OfferID: "o1", ValidUntil: offerDueSoon.ValidUntil, WarnedAt: testNow}
	cases := []struct {
		name         string
		o            Offer
		expire, warn bool
	}{
		{"draft", state(offerDrafted), false, false},
		{"far ahead", state(offerLive...), false, false},
		{"due soon", state(offerDrafted, offerDueSoon), false, true},
		{"warned", state(offerDrafted, offerDueSoon, warned), false, false},
		{"passed", state(offerDrafted, offerPassed), true, false},
		{"passed, already expired", state(offerExpiredHistory...), false, false},
	}
	for _, c := range cases {
		if expire, warn := c.o.ExpiryDue(testNow); expire != c.expire || warn != c.warn {
			t.Errorf("%s: ExpiryDue = %v, %v; want %v, %v", c.name, expire, warn, c.expire, c.warn)
		}
	}
}

func TestOfferDraftedSchemaVersions(t *testing.T) {
	if v, _ := SchemaVersion("OfferDrafted"); v != 2 {
		t.Fatalf("OfferDrafted schema version %d, want 2", v)
	}
	v1 := `{"offer_id":"o1","owner_org_id":"org-a","drafted_at":"2025-03-01T09:00:00Z",
		"details":{"kind":"offer","category":"product","title":{"en":"Pallets","cs":"Palety","de":"Paletten"},
		"description":{"de":"Europaletten"},"nace":["16.24"]}}`
	p, err := Decode(Event{EventData: EventData{Type: "OfferDrafted", SchemaVersion: 1, Data: json.RawMessage(v1)}})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := p.(OfferDrafted)
	if !ok {
		t.Fatalf("decoded %T", p)
	}
	if want := []string{"de", "cs", "en"}; !reflect.DeepEqual(d.Details.Languages, want) {
		t.Errorf("languages = %v, want %v", d.Details.Languages, want)
	}
	if d.OfferID != "o1" || d.Details.Title.CS != "Palety" || d.Details.NACE[0] != "16.24" || !d.DraftedAt.Equal(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("upcast lost data: %+v", d)
	}
	if _, err := Decode(Event{EventData: EventData{Type: "OfferDrafted", SchemaVersion: 1, Data: json.RawMessage(`{"offer_id":"o1"}`)}}); err == nil {
		t.Error("v1 body without details decoded")
	}
	_, err = Decode(Event{EventData: EventData{Type: "OfferDrafted", SchemaVersion: 3, Data: json.RawMessage(`{}`)}})
	if err == nil || !strings.Contains(err.Error(), "schema version 3 is newer than this build knows (2)") {
		t.Errorf("schema 3: err = %v", err)
	}
}
