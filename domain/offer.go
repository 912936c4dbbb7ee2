package domain

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain/reference"
)

// OfferKinds are the kinds of offers: an organisation offers something or
// requests it.
var OfferKinds = []string{"offer", "request"}

// OfferCategories are the categories of offers and requests.
var OfferCategories = []string{"product", "service", "supplier_search", "subcontracting", "cooperation_partner", "rd_partner", "nearshoring"}

// OfferPartnershipTypes are the kinds of partnership an offer seeks, as the
// Enterprise Europe Network uses them.
var OfferPartnershipTypes = []string{"commercial", "investment", "outsourcing", "supplier", "rd_cooperation"}

// OfferDefaultValidity is how long a published offer stays valid when its
// owner set no end of validity.
const OfferDefaultValidity = 365 * 24 * time.Hour

// OfferExpiryWarning is how long before the end of its validity the owner of
// a published offer is warned that it will expire.
const OfferExpiryWarning = 14 * 24 * time.Hour

// offerMaxValidityYears limits how far ahead an offer may be valid.
const offerMaxValidityYears = 3

// OfferDetails is what the owner says in an offer or request: everything
// DraftOffer sets and ReviseOffer replaces.
type OfferDetails struct {
	Kind             string   `json:"kind"`
	Category         string   `json:"category"`
	PartnershipTypes []string `json:"partnership_types,omitempty"`
	Title            Text     `json:"title"`
	Description      Text     `json:"description"`
	NACE             []string `json:"nace"`
	// TargetCountries are ISO 3166-1 alpha-2 codes; none: any country.
	TargetCountries []string `json:"target_countries,omitempty"`
	// TargetRegions are NUTS codes of the border regions; each must lie in
	// one of TargetCountries when those are given.
	TargetRegions []string `json:"target_regions,omitempty"`
	Languages     []string `json:"languages"`
}

// Normalize validates d against the reference data and returns it with
// codes in canonical form, or every problem found as ValidationErrors.
func (d OfferDetails) Normalize() (OfferDetails, error) {
	var es ValidationErrors
	d = d.normalize(&es)
	return d, es.Err()
}

func (d OfferDetails) normalize(es *ValidationErrors) OfferDetails {
	if !slices.Contains(OfferKinds, d.Kind) {
		es.Add("kind", d.Kind, "must be one of "+strings.Join(OfferKinds, ", "))
	}
	if !slices.Contains(OfferCategories, d.Category) {
		es.Add("category", d.Category, "must be one of "+strings.Join(OfferCategories, ", "))
	}
	var types []string
	for i, t := range d.PartnershipTypes {
		if !slices.Contains(OfferPartnershipTypes, t) {
			es.Add("partnership_types."+itoa(i), t, "must be one of "+strings.Join(OfferPartnershipTypes, ", "))
		} else if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	d.PartnershipTypes = types
	d.Title.validate(es, "title", 200)
	d.Description.validate(es, "description", 5000)
	d.NACE = normNACEList(es, "nace", d.NACE, 1)
	d.TargetCountries = offerNormCodes(es, "target_countries", d.TargetCountries, func(f, c string) string {
		return normCountry(es, f, c)
	})
	d.TargetRegions = offerNormCodes(es, "target_regions", d.TargetRegions, func(f, c string) string {
		code := normNUTS(es, f, c, "")
		if n, err := reference.LookupNUTS(code); err == nil && len(d.TargetCountries) > 0 && !slices.Contains(d.TargetCountries, n.Country) {
			es.Add(f, c, "lies in "+n.Country+", which is not one of target_countries")
		}
		return code
	})
	d.Languages = normLanguages(es, "languages", d.Languages, 1)
	return d
}

// offerNormCodes normalises up to 50 codes with norm and removes duplicates;
// no codes yield nil.
func offerNormCodes(es *ValidationErrors, field string, codes []string, norm func(field, code string) string) []string {
	if len(codes) > 50 {
		es.Add(field, itoa(len(codes)), "at most 50 codes")
		return codes
	}
	var out []string
	for i, c := range codes {
		if c = norm(field+"."+itoa(i), c); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// offerValidityProblem says what is wrong with t as the end of an offer's
// validity decided at now, or returns "".
func offerValidityProblem(t, now time.Time) string {
	switch {
	case !t.After(now):
		return "must be in the future"
	case t.After(now.AddDate(offerMaxValidityYears, 0, 0)):
		return "must be at most " + itoa(offerMaxValidityYears) + " years ahead"
	}
	return ""
}

// Offer is the state of an offer or request.
type Offer struct {
	ID         string       `json:"id"`
	OwnerOrgID string       `json:"owner_org_id"`
	Details    OfferDetails `json:"details"`
	Status     string       `json:"status"` // draft, published, withdrawn, expired
	// ValidUntil is the end of validity: set by the owner or, at the
	// latest, when the offer is published.
	ValidUntil  time.Time `json:"valid_until,omitzero"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	// ExpiryWarnedFor is the ValidUntil the owner was last warned about.
	ExpiryWarnedFor time.Time       `json:"expiry_warned_for,omitzero"`
	Interests       []OfferInterest `json:"interests,omitempty"`
	// WithdrawalReason is set once withdrawn.
	WithdrawalReason string    `json:"withdrawal_reason,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	// UpdatedAt is the last change of the offer itself, not of its
	// interests or expiry warnings.
	UpdatedAt time.Time `json:"updated_at"`
}

// OfferInterest is an organisation's interest in an offer.
type OfferInterest struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"org_id"`
	Message     string    `json:"message"`
	Status      string    `json:"status"` // pending, accepted, declined
	ExpressedAt time.Time `json:"expressed_at"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	// DeclineReason is the owner's reason, if declined with one.
	DeclineReason string `json:"decline_reason,omitempty"`
}

// Offer statuses.
const (
	OfferStatusDraft     = "draft"
	OfferStatusPublished = "published"
	OfferStatusWithdrawn = "withdrawn"
	OfferStatusExpired   = "expired"
)

// Offer interest statuses.
const (
	OfferInterestStatusPending  = "pending"
	OfferInterestStatusAccepted = "accepted"
	OfferInterestStatusDeclined = "declined"
)

// OfferKind is the aggregate kind of offers and requests: streams
// "offer-<id>".
var OfferKind = Kind[Offer]{Category: "offer", Evolve: Offer.evolve}

// ExpiryDue tells the scheduler what is due for o at now: expire when a
// published offer's validity has ended, warn when it ends within
// OfferExpiryWarning and its owner was not yet warned about this end.
func (o Offer) ExpiryDue(now time.Time) (expire, warn bool) {
	if o.Status != OfferStatusPublished {
		return false, false
	}
	if !o.ValidUntil.After(now) {
		return true, false
	}
	return false, !o.ValidUntil.After(now.Add(OfferExpiryWarning)) && !o.ExpiryWarnedFor.Equal(o.ValidUntil)
}

// OfferDrafted: a new offer or request, not yet visible to others. Schema
// version 2 added details.languages.
type OfferDrafted struct {
	OfferID    string       `json:"offer_id"`
	OwnerOrgID string       `json:"owner_org_id"`
	Details    OfferDetails `json:"details"`
	ValidUntil time.Time    `json:"valid_until,omitzero"`
	DraftedAt  time.Time    `json:"drafted_at"`
}

// OfferRevised: the details were replaced by a new version.
type OfferRevised struct {
	OfferID   string       `json:"offer_id"`
	Details   OfferDetails `json:"details"`
	RevisedAt time.Time    `json:"revised_at"`
}

// OfferPublished: the offer is visible to every organisation until
// ValidUntil.
type OfferPublished struct {
	OfferID     string    `json:"offer_id"`
	ValidUntil  time.Time `json:"valid_until"`
	PublishedAt time.Time `json:"published_at"`
}

// OfferWithdrawn: the owner took the offer back for good.
type OfferWithdrawn struct {
	OfferID     string    `json:"offer_id"`
	Reason      string    `json:"reason,omitempty"`
	WithdrawnAt time.Time `json:"withdrawn_at"`
}

// OfferValidityExtended: the offer is valid until a later date. Republished
// is true when this brought an expired offer back to published.
type OfferValidityExtended struct {
	OfferID     string    `json:"offer_id"`
	ValidUntil  time.Time `json:"valid_until"`
	Republished bool      `json:"republished,omitempty"`
	ExtendedAt  time.Time `json:"extended_at"`
}

// OfferExpired: the offer's validity ended.
type OfferExpired struct {
	OfferID    string    `json:"offer_id"`
	ValidUntil time.Time `json:"valid_until"`
	ExpiredAt  time.Time `json:"expired_at"`
}

// OfferExpiryWarned: the owner is told that the offer expires soon.
type OfferExpiryWarned struct {
	OfferID    string    `json:"offer_id"`
	OwnerOrgID string    `json:"owner_org_id"`
	ValidUntil time.Time `json:"valid_until"`
	WarnedAt   time.Time `json:"warned_at"`
}

// OfferInterestExpressed: an organisation is interested in the offer.
type OfferInterestExpressed struct {
	OfferID     string    `json:"offer_id"`
	InterestID  string    `json:"interest_id"`
	OrgID       string    `json:"org_id"`
	Message     string    `json:"message"`
	ExpressedAt time.Time `json:"expressed_at"`
}

// OfferInterestAccepted: the owner accepted an interest.
type OfferInterestAccepted struct {
	OfferID    string    `json:"offer_id"`
	InterestID string    `json:"interest_id"`
	OrgID      string    `json:"org_id"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// OfferInterestDeclined: the owner declined an interest.
type OfferInterestDeclined struct {
	OfferID    string    `json:"offer_id"`
	InterestID string    `json:"interest_id"`
	OrgID      string    `json:"org_id"`
	Reason     string    `json:"reason,omitempty"`
	DeclinedAt time.Time `json:"declined_at"`
}

// EventType implements Payload.
func (OfferDrafted) EventType() string { return "OfferDrafted" }

// EventType implements Payload.
func (OfferRevised) EventType() string { return "OfferRevised" }

// EventType implements Payload.
func (OfferPublished) EventType() string { return "OfferPublished" }

// EventType implements Payload.
func (OfferWithdrawn) EventType() string { return "OfferWithdrawn" }

// EventType implements Payload.
func (OfferValidityExtended) EventType() string { return "OfferValidityExtended" }

// EventType implements Payload.
func (OfferExpired) EventType() string { return "OfferExpired" }

// EventType implements Payload.
func (OfferExpiryWarned) EventType() string { return "OfferExpiryWarned" }

// EventType implements Payload.
func (OfferInterestExpressed) EventType() string { return "OfferInterestExpressed" }

// EventType implements Payload.
func (OfferInterestAccepted) EventType() string { return "OfferInterestAccepted" }

// EventType implements Payload.
func (OfferInterestDeclined) EventType() string { return "OfferInterestDeclined" }

func init() {
	RegisterEvent[OfferDrafted](2)
	RegisterUpcaster(OfferDrafted{}.EventType(), 1, offerDraftedV1ToV2)
	RegisterEvent[OfferRevised](1)
	RegisterEvent[OfferPublished](1)
	RegisterEvent[OfferWithdrawn](1)
	RegisterEvent[OfferValidityExtended](1)
	RegisterEvent[OfferExpired](1)
	RegisterEvent[OfferExpiryWarned](1)
	RegisterEvent[OfferInterestExpressed](1)
	RegisterEvent[OfferInterestAccepted](1)
	RegisterEvent[OfferInterestDeclined](1)
}

// offerDraftedV1ToV2 upcasts OfferDrafted from schema version 1, whose
// details had no languages: they become the languages of the title's
// variants, in the order de, pl, cs, en.
func offerDraftedV1ToV2(data json.RawMessage) (json.RawMessage, error) {
	var body, details map[string]json.RawMessage
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body["details"], &details); err != nil {
		return nil, fmt.Errorf("details: %w", err)
	}
	var title Text
	if err := json.Unmarshal(details["title"], &title); err != nil {
		return nil, fmt.Errorf("details.title: %w", err)
	}
	langs := []string{}
	for _, v := range []struct{ lang, s string }{{"de", title.DE}, {"pl", title.PL}, {"cs", title.CS}, {"en", title.EN}} {
		if v.s != "" {
			langs = append(langs, v.lang)
		}
	}
	var err error
	if details["languages"], err = json.Marshal(langs); err != nil {
		return nil, err
	}
	if body["details"], err = json.Marshal(details); err != nil {
		return nil, err
	}
	return json.Marshal(body)
}

func (o Offer) evolve(p Payload) Offer {
	switch e := p.(type) {
	case OfferDrafted:
		o = Offer{ID: e.OfferID, OwnerOrgID: e.OwnerOrgID, Details: e.Details, Status: OfferStatusDraft, ValidUntil: e.ValidUntil, CreatedAt: e.DraftedAt, UpdatedAt: e.DraftedAt}
	case OfferRevised:
		o.Details, o.UpdatedAt = e.Details, e.RevisedAt
	case OfferPublished:
		o.Status, o.ValidUntil, o.PublishedAt, o.UpdatedAt = OfferStatusPublished, e.ValidUntil, e.PublishedAt, e.PublishedAt
	case OfferWithdrawn:
		o.Status, o.WithdrawalReason, o.UpdatedAt = OfferStatusWithdrawn, e.Reason, e.WithdrawnAt
	case OfferValidityExtended:
		o.ValidUntil, o.UpdatedAt = e.ValidUntil, e.ExtendedAt
		if e.Republished {
			o.Status = OfferStatusPublished
		}
	case OfferExpired:
		o.Status, o.UpdatedAt = OfferStatusExpired, e.ExpiredAt
	case OfferExpiryWarned:
		o.ExpiryWarnedFor = e.ValidUntil
	case OfferInterestExpressed:
		o.Interests = append(slices.Clip(o.Interests), OfferInterest{ID: e.InterestID, OrgID: e.OrgID, Message: e.Message, Status: OfferInterestStatusPending, ExpressedAt: e.ExpressedAt})
	case OfferInterestAccepted:
		o.Interests = o.withInterest(e.InterestID, func(in *OfferInterest) {
			in.Status, in.DecidedAt = OfferInterestStatusAccepted, e.AcceptedAt
		})
	case OfferInterestDeclined:
		o.Interests = o.withInterest(e.InterestID, func(in *OfferInterest) {
			in.Status, in.DecidedAt, in.DeclineReason = OfferInterestStatusDeclined, e.DeclinedAt, e.Reason
		})
	}
	return o
}

// withInterest returns a copy of the interests with interest id changed by
// change, leaving o's own slice untouched.
func (o Offer) withInterest(id string, change func(*OfferInterest)) []OfferInterest {
	ins := slices.Clone(o.Interests)
	if i := slices.IndexFunc(ins, func(in OfferInterest) bool { return in.ID == id }); i >= 0 {
		change(&ins[i])
	}
	return ins
}

// DraftOffer drafts a new offer or request. Partners draft for their own
// organisation, admins and coordinators for any. ValidUntil is optional;
// without it the offer is valid for OfferDefaultValidity once published.
type DraftOffer struct {
	OwnerOrgID string
	Details    OfferDetails
	ValidUntil time.Time
}

// Decide implements the command.
func (c DraftOffer) Decide(o Offer, id string, actor Actor, now time.Time) ([]Payload, error) {
	if !actor.ActsFor(c.OwnerOrgID) {
		return nil, forbid(actor, "draft offers of organisation "+c.OwnerOrgID)
	}
	if o.ID != "" {
		return nil, invalidState("offer %s already exists", o.ID)
	}
	var es ValidationErrors
	checkString(&es, "owner_org_id", c.OwnerOrgID, 1, 100)
	d := c.Details.normalize(&es)
	if !c.ValidUntil.IsZero() {
		if why := offerValidityProblem(c.ValidUntil, now); why != "" {
			es.Add("valid_until", c.ValidUntil.Format(time.RFC3339), why)
		}
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{OfferDrafted{OfferID: id, OwnerOrgID: c.OwnerOrgID, Details: d, ValidUntil: c.ValidUntil.UTC(), DraftedAt: now}}, nil
}

// ReviseOffer replaces the details of a draft or published offer.
type ReviseOffer struct {
	Details OfferDetails
}

// Decide implements the command.
func (c ReviseOffer) Decide(o Offer, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustBeOwnedBy(actor, "revise"); err != nil {
		return nil, err
	}
	if err := o.mustBeIn(OfferStatusDraft, OfferStatusPublished); err != nil {
		return nil, err
	}
	d, err := c.Details.Normalize()
	if err != nil {
		return nil, err
	}
	return []Payload{OfferRevised{OfferID: o.ID, Details: d, RevisedAt: now}}, nil
}

// PublishOffer publishes a draft. It stays valid until the ValidUntil set
// while drafting, which must still be in the future, or else for
// OfferDefaultValidity.
type PublishOffer struct{}

// Decide implements the command.
func (PublishOffer) Decide(o Offer, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustBeOwnedBy(actor, "publish"); err != nil {
		return nil, err
	}
	if err := o.mustBeIn(OfferStatusDraft); err != nil {
		return nil, err
	}
	until := now.Add(OfferDefaultValidity)
	if !o.ValidUntil.IsZero() {
		if why := offerValidityProblem(o.ValidUntil, now); why != "" {
			return nil, invalidState("offer %s: valid_until %s %s; extend its validity first", o.ID, o.ValidUntil.Format(time.RFC3339), why)
		}
		until = o.ValidUntil
	}
	return []Payload{OfferPublished{OfferID: o.ID, ValidUntil: until, PublishedAt: now}}, nil
}

// WithdrawOffer takes a draft or published offer back for good.
type WithdrawOffer struct {
	Reason string
}

// Decide implements the command.
func (c WithdrawOffer) Decide(o Offer, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustBeOwnedBy(actor, "withdraw"); err != nil {
		return nil, err
	}
	if err := o.mustBeIn(OfferStatusDraft, OfferStatusPublished); err != nil {
		return nil, err
	}
	var es ValidationErrors
	checkString(&es, "reason", c.Reason, 0, 1000)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{OfferWithdrawn{OfferID: o.ID, Reason: c.Reason, WithdrawnAt: now}}, nil
}

// ExtendOfferValidity moves the end of an offer's validity to a later date
// in the future, at most three years ahead. Extending an expired offer
// publishes it again (OfferValidityExtended.Republished); the original
// PublishedAt stays. A draft may be extended too: that moves the end of
// validity it will be published with, so that a draft whose date has passed
// can still be published.
type ExtendOfferValidity struct {
	ValidUntil time.Time
}

// Decide implements the command.
func (c ExtendOfferValidity) Decide(o Offer, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustBeOwnedBy(actor, "extend"); err != nil {
		return nil, err
	}
	if err := o.mustBeIn(OfferStatusDraft, OfferStatusPublished, OfferStatusExpired); err != nil {
		return nil, err
	}
	var es ValidationErrors
	v := c.ValidUntil.Format(time.RFC3339)
	switch why := offerValidityProblem(c.ValidUntil, now); {
	case c.ValidUntil.IsZero():
		es.Add("valid_until", "", "is required")
	case !c.ValidUntil.After(o.ValidUntil):
		es.Add("valid_until", v, "must be later than the current end of validity "+o.ValidUntil.Format(time.RFC3339))
	case why != "":
		es.Add("valid_until", v, why)
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{OfferValidityExtended{OfferID: o.ID, ValidUntil: c.ValidUntil.UTC(), Republished: o.Status == OfferStatusExpired, ExtendedAt: now}}, nil
}

// ExpireOffer ends a published offer whose validity has passed. The
// server's scheduler runs it as System("expiry"); only admins may.
type ExpireOffer struct{}

// Decide implements the command.
func (ExpireOffer) Decide(o Offer, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustExist(); err != nil {
		return nil, err
	}
	if actor.Role != RoleAdmin {
		return nil, forbid(actor, "expire offers")
	}
	if err := o.mustBeIn(OfferStatusPublished); err != nil {
		return nil, err
	}
	if expire, _ := o.ExpiryDue(now); !expire {
		return nil, invalidState("offer %s is valid until %s", o.ID, o.ValidUntil.Format(time.RFC3339))
	}
	return []Payload{OfferExpired{OfferID: o.ID, ValidUntil: o.ValidUntil, ExpiredAt: now}}, nil
}

// WarnOfferExpiry warns the owner of a published offer that expires within
// OfferExpiryWarning, once per end of validity. The server's scheduler runs
// it as System("expiry"); only admins may. When no warning is due it
// decides nothing, so it can be run again and again.
type WarnOfferExpiry struct{}

// Decide implements the command.
func (WarnOfferExpiry) Decide(o Offer, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustExist(); err != nil {
		return nil, err
	}
	if actor.Role != RoleAdmin {
		return nil, forbid(actor, "warn of offer expiry")
	}
	if _, warn := o.ExpiryDue(now); !warn {
		return nil, nil
	}
	return []Payload{OfferExpiryWarned{OfferID: o.ID, OwnerOrgID: o.OwnerOrgID, ValidUntil: o.ValidUntil, WarnedAt: now}}, nil
}

// ExpressInterest records an organisation's interest in a published offer
// of another organisation: partners for their own organisation, admins for
// any. An organisation has at most one pending or accepted interest per
// offer.
type ExpressInterest struct {
	InterestID string
	OrgID      string
	Message    string
}

// Decide implements the command.
func (c ExpressInterest) Decide(o Offer, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustExist(); err != nil {
		return nil, err
	}
	if !actor.ActsFor(c.OrgID) {
		return nil, forbid(actor, "express interest for organisation "+c.OrgID)
	}
	if c.OrgID == o.OwnerOrgID {
		return nil, forbid(actor, "express interest in an offer of its own organisation")
	}
	if err := o.mustBeIn(OfferStatusPublished); err != nil {
		return nil, err
	}
	var es ValidationErrors
	checkString(&es, "interest_id", c.InterestID, 1, 100)
	checkString(&es, "org_id", c.OrgID, 1, 100)
	checkString(&es, "message", c.Message, 1, 2000)
	if err := es.Err(); err != nil {
		return nil, err
	}
	for _, in := range o.Interests {
		if in.ID == c.InterestID {
			return nil, invalidState("offer %s already has an interest %s", o.ID, in.ID)
		}
		if in.OrgID == c.OrgID && in.Status != OfferInterestStatusDeclined {
			return nil, invalidState("organisation %s already has interest %s (%s) in offer %s", in.OrgID, in.ID, in.Status, o.ID)
		}
	}
	return []Payload{OfferInterestExpressed{OfferID: o.ID, InterestID: c.InterestID, OrgID: c.OrgID, Message: c.Message, ExpressedAt: now}}, nil
}

// AcceptInterest accepts a pending interest in an offer that was not
// withdrawn (an expired offer's interests can still be answered).
type AcceptInterest struct {
	InterestID string
}

// Decide implements the command.
func (c AcceptInterest) Decide(o Offer, actor Actor, now time.Time) ([]Payload, error) {
	in, err := o.pendingInterest(actor, c.InterestID, "accept")
	if err != nil {
		return nil, err
	}
	if o.Status == OfferStatusWithdrawn {
		return nil, invalidState("offer %s is withdrawn", o.ID)
	}
	return []Payload{OfferInterestAccepted{OfferID: o.ID, InterestID: in.ID, OrgID: in.OrgID, AcceptedAt: now}}, nil
}

// DeclineInterest declines a pending interest, in any state of the offer.
type DeclineInterest struct {
	InterestID string
	Reason     string
}

// Decide implements the command.
func (c DeclineInterest) Decide(o Offer, actor Actor, now time.Time) ([]Payload, error) {
	in, err := o.pendingInterest(actor, c.InterestID, "decline")
	if err != nil {
		return nil, err
	}
	var es ValidationErrors
	checkString(&es, "reason", c.Reason, 0, 1000)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{OfferInterestDeclined{OfferID: o.ID, InterestID: in.ID, OrgID: in.OrgID, Reason: c.Reason, DeclinedAt: now}}, nil
}

// pendingInterest returns interest id for the owner to answer.
func (o Offer) pendingInterest(actor Actor, id, verb string) (OfferInterest, error) {
	if err := o.mustBeOwnedBy(actor, verb+" interests in"); err != nil {
		return OfferInterest{}, err
	}
	i := slices.IndexFunc(o.Interests, func(in OfferInterest) bool { return in.ID == id })
	if i < 0 {
		return OfferInterest{}, fmt.Errorf("interest %q in offer %s: %w", id, o.ID, ErrNotFound)
	}
	if in := o.Interests[i]; in.Status != OfferInterestStatusPending {
		return OfferInterest{}, invalidState("interest %s in offer %s is %s", in.ID, o.ID, in.Status)
	}
	return o.Interests[i], nil
}

func (o Offer) mustExist() error {
	if o.ID == "" {
		return ErrNotFound
	}
	return nil
}

// mustBeOwnedBy checks that o exists and actor acts for its owner.
func (o Offer) mustBeOwnedBy(actor Actor, verb string) error {
	if err := o.mustExist(); err != nil {
		return err
	}
	if !actor.ActsFor(o.OwnerOrgID) {
		return forbid(actor, verb+" offer "+o.ID)
	}
	return nil
}

// mustBeIn checks that o is in one of statuses.
func (o Offer) mustBeIn(statuses ...string) error {
	if !slices.Contains(statuses, o.Status) {
		return invalidState("offer %s is %s", o.ID, o.Status)
	}
	return nil
}
