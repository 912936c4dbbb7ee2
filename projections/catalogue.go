package projections

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// CatalogueName is the name of the Catalogue projection.
const CatalogueName = "catalogue"

// Organisation statuses of OrgDoc.Status.
const (
	// OrgStatusActive is an organisation taking part.
	OrgStatusActive = domain.OrgActive
	// OrgStatusDeactivated is an organisation that no longer takes part.
	OrgStatusDeactivated = domain.OrgDeactivated
)

// Catalogue is the projection "catalogue": it keeps the search index, an
// OrgDoc for every organisation and an OfferDoc for every offer or
// request, which search and matching read.
//
// Organisations: OrganisationRegistered creates the OrgDoc (status
// "active"), OrganisationUpdated replaces its profile, OrganisationVerified
// marks it verified, OrganisationDeactivated sets status "deactivated".
//
// Offers: OfferDrafted creates the OfferDoc (status "draft"), OfferRevised
// replaces its details, OfferPublished, OfferWithdrawn and OfferExpired set
// status "published", "withdrawn" and "expired", OfferValidityExtended
// moves ValidUntil (and publishes an expired offer again when the event
// says so). Interests and expiry warnings do not change the documents.
//
// An offer carries its owner's name, country, NUTS region and languages,
// copied from the owner's OrgDoc when the offer is drafted and again
// whenever the owner is registered or its profile is updated.
//
// Everything follows from the events: times come from the payloads,
// Version is the event's stream version.
type Catalogue struct{}

// NewCatalogue returns the catalogue projection.
func NewCatalogue() *Catalogue { return &Catalogue{} }

// Name implements Projection.
func (*Catalogue) Name() string { return CatalogueName }

// catalogueEvents are the event types the catalogue applies.
var catalogueEvents = map[string]bool{
	domain.OrganisationRegistered{}.EventType():  true,
	domain.OrganisationUpdated{}.EventType():     true,
	domain.OrganisationVerified{}.EventType():    true,
	domain.OrganisationDeactivated{}.EventType(): true,
	domain.OfferDrafted{}.EventType():            true,
	domain.OfferRevised{}.EventType():            true,
	domain.OfferPublished{}.EventType():          true,
	domain.OfferWithdrawn{}.EventType():          true,
	domain.OfferValidityExtended{}.EventType():   true,
	domain.OfferExpired{}.EventType():            true,
}

// Handles implements Projection.
func (*Catalogue) Handles(eventType string) bool { return catalogueEvents[eventType] }

// Apply implements Projection.
func (c *Catalogue) Apply(ctx context.Context, tx Tx, ev domain.Event, p domain.Payload) error {
	switch e := p.(type) {
	case domain.OrganisationRegistered:
		d := OrgDoc{ID: e.OrganisationID, Status: OrgStatusActive, RegisteredAt: e.RegisteredAt}
		return c.putOrganisation(ctx, tx, orgProfile(d, e.Profile, e.RegisteredAt, ev.StreamVersion), true)
	case domain.OrganisationUpdated:
		return c.changeOrganisation(ctx, tx, e.OrganisationID, func(d OrgDoc) (OrgDoc, bool) {
			return orgProfile(d, e.Profile, e.UpdatedAt, ev.StreamVersion), true
		})
	case domain.OrganisationVerified:
		return c.changeOrganisation(ctx, tx, e.OrganisationID, func(d OrgDoc) (OrgDoc, bool) {
			d.Verified, d.UpdatedAt, d.Version = true, e.VerifiedAt, ev.StreamVersion
			return d, false
		})
	case domain.OrganisationDeactivated:
		return c.changeOrganisation(ctx, tx, e.OrganisationID, func(d OrgDoc) (OrgDoc, bool) {
			d.Status, d.UpdatedAt, d.Version = OrgStatusDeactivated, e.DeactivatedAt, ev.StreamVersion
			return d, false
		})

	case domain.OfferDrafted:
		d := OfferDoc{ID: e.OfferID, OwnerOrgID: e.OwnerOrgID, Status: domain.OfferStatusDraft,
			ValidUntil: e.ValidUntil, UpdatedAt: e.DraftedAt, Version: ev.StreamVersion}
		org, ok, err := tx.Organisation(ctx, e.OwnerOrgID)
		if err != nil {
			return err
		}
		if ok {
			d = ownerFields(d, org) // first, so that the text is analysed once
		}
		return tx.PutOffer(ctx, offerDetails(d, e.Details))
	case domain.OfferRevised:
		return changeOffer(ctx, tx, e.OfferID, func(d OfferDoc) OfferDoc {
			d = offerDetails(d, e.Details)
			d.UpdatedAt, d.Version = e.RevisedAt, ev.StreamVersion
			return d
		})
	case domain.OfferPublished:
		return changeOffer(ctx, tx, e.OfferID, func(d OfferDoc) OfferDoc {
			d.Status, d.ValidUntil, d.PublishedAt = domain.OfferStatusPublished, e.ValidUntil, e.PublishedAt
			d.UpdatedAt, d.Version = e.PublishedAt, ev.StreamVersion
			return d
		})
	case domain.OfferWithdrawn:
		return changeOffer(ctx, tx, e.OfferID, func(d OfferDoc) OfferDoc {
			d.Status, d.UpdatedAt, d.Version = domain.OfferStatusWithdrawn, e.WithdrawnAt, ev.StreamVersion
			return d
		})
	case domain.OfferValidityExtended:
		return changeOffer(ctx, tx, e.OfferID, func(d OfferDoc) OfferDoc {
			d.ValidUntil, d.UpdatedAt, d.Version = e.ValidUntil, e.ExtendedAt, ev.StreamVersion
			if e.Republished {
				d.Status = domain.OfferStatusPublished
			}
			return d
		})
	case domain.OfferExpired:
		return changeOffer(ctx, tx, e.OfferID, func(d OfferDoc) OfferDoc {
			d.Status, d.UpdatedAt, d.Version = domain.OfferStatusExpired, e.ExpiredAt, ev.StreamVersion
			return d
		})
	}
	if c.Handles(ev.Type) {
		return fmt.Errorf("projections: catalogue: event %s (%s) has payload %T", ev.Type, ev.StreamID, p)
	}
	return nil
}

// changeOrganisation changes the OrgDoc id, if there is one (an event of
// an organisation the index never saw registered changes nothing). When
// change reports that the owner fields may have changed, the
// organisation's offers are brought in line.
func (c *Catalogue) changeOrganisation(ctx context.Context, tx Tx, id string, change func(OrgDoc) (OrgDoc, bool)) error {
	d, ok, err := tx.Organisation(ctx, id)
	if err != nil || !ok {
		return err
	}
	d, owner := change(d)
	return c.putOrganisation(ctx, tx, d, owner)
}

// putOrganisation stores d and, with owner set, copies its owner fields
// into each of its offers whose copy differs.
func (*Catalogue) putOrganisation(ctx context.Context, tx Tx, d OrgDoc, owner bool) error {
	if err := tx.PutOrganisation(ctx, d); err != nil {
		return err
	}
	if !owner {
		return nil
	}
	ids, err := tx.OffersOf(ctx, d.ID)
	if err != nil {
		return err
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	for _, id := range ids {
		o, ok, err := tx.Offer(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		n := ownerFields(o, d)
		if sameOwnerFields(o, n) {
			continue
		}
		if err := tx.PutOffer(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// changeOffer changes the OfferDoc id, if there is one.
func changeOffer(ctx context.Context, tx Tx, id string, change func(OfferDoc) OfferDoc) error {
	d, ok, err := tx.Offer(ctx, id)
	if err != nil || !ok {
		return err
	}
	return tx.PutOffer(ctx, change(d))
}

// orgProfile sets the fields of d that follow from a profile.
func orgProfile(d OrgDoc, p domain.OrganisationProfile, at time.Time, version uint64) OrgDoc {
	d.Name = p.Name
	d.Kind = p.Kind
	d.Country = p.Country
	d.NUTS = p.NUTS
	d.Regions = RegionPath(p.NUTS)
	d.City = p.Address.City
	d.Sectors = slices.Clone(p.Sectors)
	d.Codes = catalogueList(CodePath(p.Sectors))
	d.Languages = catalogueList(slices.Clone(p.Languages))
	d.Networks = slices.Clone(p.Networks)
	d.Description = p.Description
	d.UpdatedAt = at
	d.Version = version
	d.TitleTerms = catalogueTerms(p.Name, p.Address.City)
	d.TextTerms = catalogueTerms(append([]string{p.Description.DE, p.Description.PL, p.Description.CS, p.Description.EN}, p.Networks...)...)
	d.CodeTerms = catalogueMerge(CodeTerms(p.Sectors), KeywordTerms(p.Sectors))
	return d
}

// offerDetails sets the fields of d that follow from the offer's details.
// Texts and codes that did not change are not analysed again.
func offerDetails(d OfferDoc, x domain.OfferDetails) OfferDoc {
	sameTitle := d.TitleTerms != nil && d.Title == x.Title
	sameText := d.TextTerms != nil && d.Description == x.Description
	sameCodes := d.CodeTerms != nil && slices.Equal(d.NACE, x.NACE)
	d.Kind = x.Kind
	d.Category = x.Category
	d.PartnershipTypes = slices.Clone(x.PartnershipTypes)
	d.Title = x.Title
	d.Description = x.Description
	d.NACE = catalogueList(slices.Clone(x.NACE))
	d.Codes = catalogueList(CodePath(x.NACE))
	d.TargetCountries = slices.Clone(x.TargetCountries)
	d.TargetRegions = slices.Clone(x.TargetRegions)
	d.Languages = catalogueList(slices.Clone(x.Languages))
	if !sameTitle {
		d.TitleTerms = catalogueTerms(x.Title.DE, x.Title.PL, x.Title.CS, x.Title.EN)
	}
	if !sameCodes {
		d.CodeTerms = catalogueMerge(CodeTerms(x.NACE), KeywordTerms(x.NACE))
	}
	if sameText {
		return d
	}
	return offerTextTerms(d)
}

// offerTextTerms sets the TextTerms of d: its description and its owner's
// city (so that "Görlitz" finds what firms in Görlitz offer; the owner's
// name stays out: "GmbH" and "Sp. z o.o." would make every offer similar
// to every other in matching).
func offerTextTerms(d OfferDoc) OfferDoc {
	x := d.Description
	d.TextTerms = catalogueTerms(x.DE, x.PL, x.CS, x.EN, d.OwnerCity)
	return d
}

// catalogueMerge returns the sorted union of two sorted term lists.
func catalogueMerge(a, b []string) []string {
	return catalogueSet(append(slices.Clone(a), b...))
}

// ownerFields copies the owner fields of org into d.
func ownerFields(d OfferDoc, org OrgDoc) OfferDoc {
	d.OwnerName = org.Name
	d.OwnerCountry = org.Country
	d.OwnerNUTS = org.NUTS
	d.OwnerCity = org.City
	d.OwnerLanguages = slices.Clone(org.Languages)
	d.Regions = RegionPath(org.NUTS)
	return offerTextTerms(d)
}

func sameOwnerFields(a, b OfferDoc) bool {
	return a.OwnerName == b.OwnerName && a.OwnerCountry == b.OwnerCountry && a.OwnerNUTS == b.OwnerNUTS && a.OwnerCity == b.OwnerCity &&
		slices.Equal(a.OwnerLanguages, b.OwnerLanguages) && slices.Equal(a.Regions, b.Regions)
}

// catalogueTerms returns the analysed terms of every text, sorted and without
// duplicates (never nil).
func catalogueTerms(texts ...string) []string {
	out := []string{}
	for _, s := range texts {
		if s != "" {
			out = append(out, Analyze(s)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// catalogueSet returns a sorted copy of s without duplicates (never nil).
func catalogueSet(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return slices.Compact(out)
}

// catalogueList returns s, or an empty slice for nil, so that lists the documents
// always carry encode as [] rather than null.
func catalogueList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
