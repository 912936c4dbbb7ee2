package domain

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nisa-eu/nisa/domain/reference"
)

// OrganisationKinds are the kinds of partner organisations.
var OrganisationKinds = []string{"sme", "large_enterprise", "chamber", "cluster", "municipality", "agency", "university", "research_institute", "association", "other"}

// Address is a postal address.
type Address struct {
	Street     string `json:"street,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	City       string `json:"city"`
	Country    string `json:"country"`
}

// Contact is a contact person of an organisation. Names, e-mail addresses
// and phone numbers are personal data.
type Contact struct {
	Name      string   `json:"name"`
	Email     string   `json:"email,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	Position  string   `json:"position,omitempty"`
	Languages []string `json:"languages,omitempty"`
	// PersonID and Erased are set by the store (see personal.go): the id
	// under which the person can be forgotten, and whether they were.
	PersonID string `json:"person_id,omitempty"`
	Erased   bool   `json:"erased,omitempty"`
}

// OrganisationProfile is what an organisation says about itself.
type OrganisationProfile struct {
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	LegalForm   string    `json:"legal_form,omitempty"`
	Country     string    `json:"country"`
	NUTS        string    `json:"nuts,omitempty"`
	Address     Address   `json:"address"`
	Website     string    `json:"website,omitempty"`
	Sectors     []string  `json:"sectors,omitempty"`
	Languages   []string  `json:"languages"`
	Description Text      `json:"description"`
	Contacts    []Contact `json:"contacts,omitempty"`
	Networks    []string  `json:"networks,omitempty"`
}

// Normalize validates p against the reference data and returns it with
// codes in canonical form, or every problem found as ValidationErrors.
func (p OrganisationProfile) Normalize() (OrganisationProfile, error) {
	var es ValidationErrors
	p.Name = strings.TrimSpace(p.Name)
	checkString(&es, "name", p.Name, 1, 200)
	if !slices.Contains(OrganisationKinds, p.Kind) {
		es.Add("kind", p.Kind, "must be one of "+strings.Join(OrganisationKinds, ", "))
	}
	checkString(&es, "legal_form", p.LegalForm, 0, 100)
	p.Country = normCountry(&es, "country", p.Country)
	if p.NUTS != "" {
		p.NUTS = normNUTS(&es, "nuts", p.NUTS, p.Country)
	}
	checkString(&es, "address.city", p.Address.City, 1, 100)
	checkString(&es, "address.street", p.Address.Street, 0, 200)
	checkString(&es, "address.postal_code", p.Address.PostalCode, 0, 20)
	p.Address.Country = normCountry(&es, "address.country", p.Address.Country)
	checkString(&es, "website", p.Website, 0, 300)
	if p.Website != "" && !strings.HasPrefix(p.Website, "https://") && !strings.HasPrefix(p.Website, "http://") {
		es.Add("website", p.Website, "must be an http(s) URL")
	}
	p.Sectors = normNACEList(&es, "sectors", p.Sectors, 0)
	p.Languages = normLanguages(&es, "languages", p.Languages, 1)
	p.Description.validate(&es, "description", 5000)
	if len(p.Contacts) > 20 {
		es.Add("contacts", itoa(len(p.Contacts)), "at most 20 contact persons")
	}
	for i, c := range p.Contacts {
		f := "contacts." + itoa(i)
		p.Contacts[i].PersonID = keepPersonID(&es, f, c.PersonID, c.Erased, c.Name)
		checkString(&es, f+".name", c.Name, 1, 200)
		if c.Email != "" {
			if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
				es.Add(f+".email", c.Email, "not an e-mail address")
			}
		}
		checkString(&es, f+".phone", c.Phone, 0, 40)
		checkString(&es, f+".position", c.Position, 0, 100)
		p.Contacts[i].Languages = normLanguages(&es, f+".languages", c.Languages, 0)
	}
	if len(p.Networks) > 50 {
		es.Add("networks", itoa(len(p.Networks)), "at most 50 networks")
	}
	for i, n := range p.Networks {
		checkString(&es, "networks."+itoa(i), n, 1, 200)
	}
	return p, es.Err()
}

// Organisation is the state of an organisation profile.
type Organisation struct {
	ID           string              `json:"id"`
	Profile      OrganisationProfile `json:"profile"`
	Status       string              `json:"status"` // active, deactivated
	Verified     bool                `json:"verified"`
	VerifiedAt   *time.Time          `json:"verified_at,omitempty"`
	RegisteredAt time.Time           `json:"registered_at"`
	UpdatedAt    time.Time           `json:"updated_at"`
	// DeactivationReason is set once deactivated.
	DeactivationReason string `json:"deactivation_reason,omitempty"`
}

// Organisation statuses.
const (
	OrgActive      = "active"
	OrgDeactivated = "deactivated"
)

// OrganisationKind is the aggregate kind of organisations: streams
// "organisation-<id>".
var OrganisationKind = Kind[Organisation]{Category: "organisation", Evolve: Organisation.evolve}

// OrganisationRegistered: a new organisation profile.
type OrganisationRegistered struct {
	OrganisationID string              `json:"organisation_id"`
	Profile        OrganisationProfile `json:"profile"`
	RegisteredAt   time.Time           `json:"registered_at"`
}

// OrganisationUpdated: the profile was replaced by a new version.
type OrganisationUpdated struct {
	OrganisationID string              `json:"organisation_id"`
	Profile        OrganisationProfile `json:"profile"`
	UpdatedAt      time.Time           `json:"updated_at"`
}

// OrganisationVerified: a coordinator checked that the organisation exists
// and is who it says it is.
type OrganisationVerified struct {
	OrganisationID string    `json:"organisation_id"`
	VerifiedAt     time.Time `json:"verified_at"`
}

// OrganisationDeactivated: the organisation no longer takes part.
type OrganisationDeactivated struct {
	OrganisationID string    `json:"organisation_id"`
	Reason         string    `json:"reason,omitempty"`
	DeactivatedAt  time.Time `json:"deactivated_at"`
}

// EventType implements Payload.
func (OrganisationRegistered) EventType() string { return "OrganisationRegistered" }

// EventType implements Payload.
func (OrganisationUpdated) EventType() string { return "OrganisationUpdated" }

// EventType implements Payload.
func (OrganisationVerified) EventType() string { return "OrganisationVerified" }

// EventType implements Payload.
func (OrganisationDeactivated) EventType() string { return "OrganisationDeactivated" }

func init() {
	RegisterEvent[OrganisationRegistered](1)
	RegisterEvent[OrganisationUpdated](1)
	RegisterEvent[OrganisationVerified](1)
	RegisterEvent[OrganisationDeactivated](1)
}

func (o Organisation) evolve(p Payload) Organisation {
	switch e := p.(type) {
	case OrganisationRegistered:
		o = Organisation{ID: e.OrganisationID, Profile: e.Profile, Status: OrgActive, RegisteredAt: e.RegisteredAt, UpdatedAt: e.RegisteredAt}
	case OrganisationUpdated:
		o.Profile, o.UpdatedAt = e.Profile, e.UpdatedAt
	case OrganisationVerified:
		at := e.VerifiedAt
		o.Verified, o.VerifiedAt, o.UpdatedAt = true, &at, e.VerifiedAt
	case OrganisationDeactivated:
		o.Status, o.DeactivationReason, o.UpdatedAt = OrgDeactivated, e.Reason, e.DeactivatedAt
	}
	return o
}

// RegisterOrganisation registers a new organisation profile. Admins and
// coordinators register organisations; partners act for existing ones.
type RegisterOrganisation struct {
	Profile OrganisationProfile
}

// Decide implements the command.
func (c RegisterOrganisation) Decide(o Organisation, id string, actor Actor, now time.Time) ([]Payload, error) {
	if !actor.IsStaff() {
		return nil, forbid(actor, "register organisations")
	}
	if o.ID != "" {
		return nil, invalidState("organisation %s is already registered", o.ID)
	}
	p, err := c.Profile.Normalize()
	if err != nil {
		return nil, err
	}
	return []Payload{OrganisationRegistered{OrganisationID: id, Profile: p, RegisteredAt: now}}, nil
}

// UpdateOrganisation replaces the profile of an active organisation.
type UpdateOrganisation struct {
	Profile OrganisationProfile
}

// Decide implements the command.
func (c UpdateOrganisation) Decide(o Organisation, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustExist(); err != nil {
		return nil, err
	}
	if !actor.ActsFor(o.ID) {
		return nil, forbid(actor, "update organisation "+o.ID)
	}
	if o.Status != OrgActive {
		return nil, invalidState("organisation %s is %s", o.ID, o.Status)
	}
	p, err := c.Profile.Normalize()
	if err != nil {
		return nil, err
	}
	return []Payload{OrganisationUpdated{OrganisationID: o.ID, Profile: p, UpdatedAt: now}}, nil
}

// VerifyOrganisation marks an organisation as verified (coordinators).
type VerifyOrganisation struct{}

// Decide implements the command. Verifying a verified organisation changes
// nothing.
func (VerifyOrganisation) Decide(o Organisation, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustExist(); err != nil {
		return nil, err
	}
	if !actor.IsStaff() {
		return nil, forbid(actor, "verify organisations")
	}
	if o.Status != OrgActive {
		return nil, invalidState("organisation %s is %s", o.ID, o.Status)
	}
	if o.Verified {
		return nil, nil
	}
	return []Payload{OrganisationVerified{OrganisationID: o.ID, VerifiedAt: now}}, nil
}

// DeactivateOrganisation ends an organisation's participation.
type DeactivateOrganisation struct {
	Reason string
}

// Decide implements the command.
func (c DeactivateOrganisation) Decide(o Organisation, actor Actor, now time.Time) ([]Payload, error) {
	if err := o.mustExist(); err != nil {
		return nil, err
	}
	if !actor.ActsFor(o.ID) && !actor.IsStaff() {
		return nil, forbid(actor, "deactivate organisation "+o.ID)
	}
	if o.Status == OrgDeactivated {
		return nil, invalidState("organisation %s is already deactivated", o.ID)
	}
	var es ValidationErrors
	checkString(&es, "reason", c.Reason, 0, 1000)
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{OrganisationDeactivated{OrganisationID: o.ID, Reason: c.Reason, DeactivatedAt: now}}, nil
}

func (o Organisation) mustExist() error {
	if o.ID == "" {
		return ErrNotFound
	}
	return nil
}

// invalidState returns an error matching ErrInvalidState.
func invalidState(format string, args ...any) error {
	return &stateError{msg: sprintf(format, args...)}
}

type stateError struct{ msg string }

func (e *stateError) Error() string        { return e.msg }
func (e *stateError) Is(target error) bool { return target == ErrInvalidState }

// checkString adds an error unless s has between minLen and maxLen
// characters, is valid UTF-8 and has no control characters.
func checkString(es *ValidationErrors, field, s string, minLen, maxLen int) {
	n := utf8.RuneCountInString(s)
	switch {
	case minLen > 0 && strings.TrimSpace(s) == "":
		es.Add(field, s, "is required")
	case n > maxLen:
		es.Add(field, "", "must be at most "+itoa(maxLen)+" characters")
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }):
		es.Add(field, "", "must be printable UTF-8 text")
	}
}

// normCountry validates an ISO 3166-1 alpha-2 country code.
func normCountry(es *ValidationErrors, field, code string) string {
	c, err := reference.LookupCountry(strings.ToUpper(strings.TrimSpace(code)))
	if err != nil {
		es.Add(field, code, "not an ISO 3166-1 alpha-2 country code")
		return code
	}
	return c.Code
}

// normNUTS validates a border-region NUTS code and that it lies in country.
func normNUTS(es *ValidationErrors, field, code, country string) string {
	n, err := reference.LookupNUTS(strings.ToUpper(strings.TrimSpace(code)))
	if err != nil {
		es.Add(field, code, "not a NUTS code of the border regions (e.g. DED2, PL51, CZ051)")
		return code
	}
	if country != "" && n.Country != country {
		es.Add(field, code, "lies in "+n.Country+", not in "+country)
	}
	return n.Code
}

// normNACEList validates NACE Rev. 2 codes (sections, divisions, groups or
// classes) and removes duplicates.
func normNACEList(es *ValidationErrors, field string, codes []string, minN int) []string {
	if len(codes) < minN {
		es.Add(field, "", "needs at least "+itoa(minN)+" NACE code(s)")
	}
	if len(codes) > 30 {
		es.Add(field, itoa(len(codes)), "at most 30 NACE codes")
		return codes
	}
	out := make([]string, 0, len(codes))
	for i, c := range codes {
		n, err := reference.LookupNACE(strings.TrimSpace(c))
		if err != nil {
			es.Add(field+"."+itoa(i), c, "not a NACE Rev. 2 code (section A–U, division 01–99, group 25.6, class 25.62)")
			continue
		}
		if !slices.Contains(out, n.Code) {
			out = append(out, n.Code)
		}
	}
	return out
}

// normLanguages validates ISO 639-1 language codes and removes duplicates.
func normLanguages(es *ValidationErrors, field string, codes []string, minN int) []string {
	if len(codes) < minN {
		es.Add(field, "", "needs at least "+itoa(minN)+" ISO 639-1 language code(s), e.g. de, pl, cs, en")
	}
	out := make([]string, 0, len(codes))
	for i, c := range codes {
		l, err := reference.LookupLanguage(strings.ToLower(strings.TrimSpace(c)))
		if err != nil {
			es.Add(field+"."+itoa(i), c, "not an ISO 639-1 language code")
			continue
		}
		if !slices.Contains(out, l.Code) {
			out = append(out, l.Code)
		}
	}
	return out
}
