package projections_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// catOrg runs a command on organisation id at time at.
func catOrg(h *harness, id string, at time.Time, decide func(o domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error)) {
	h.t.Helper()
	h.now = at
	execute(h, domain.OrganisationKind, id, decide)
}

// catOffer runs a command on offer id at time at.
func catOffer(h *harness, id string, at time.Time, decide func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error)) {
	h.t.Helper()
	h.now = at
	h.offerCmd(id, decide)
}

func catRegister(h *harness, id string, p domain.OrganisationProfile, at time.Time) {
	h.t.Helper()
	catOrg(h, id, at, func(o domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterOrganisation{Profile: p}.Decide(o, id, a, now)
	})
}

func catDraft(h *harness, id, owner string, d domain.OfferDetails, validUntil, at time.Time) {
	h.t.Helper()
	catOffer(h, id, at, func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.DraftOffer{OwnerOrgID: owner, Details: d, ValidUntil: validUntil}.Decide(o, id, a, now)
	})
}

func catPublish(h *harness, id string, at time.Time) {
	h.t.Helper()
	catOffer(h, id, at, func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.PublishOffer{}.Decide(o, a, now)
	})
}

// catOfferDoc brings the catalogue up to date and reads offer id.
func catOfferDoc(h *harness, id string) projections.OfferDoc {
	h.t.Helper()
	h.sync()
	d, ok, err := h.reads.OfferByID(h.ctx, id)
	if err != nil || !ok {
		h.t.Fatalf("offer %s: found %v, %v", id, ok, err)
	}
	return d
}

// catOrgDoc brings the catalogue up to date and reads organisation id.
func catOrgDoc(h *harness, id string) projections.OrgDoc {
	h.t.Helper()
	h.sync()
	d, ok, err := h.reads.OrganisationByID(h.ctx, id)
	if err != nil || !ok {
		h.t.Fatalf("organisation %s: found %v, %v", id, ok, err)
	}
	return d
}

// catZeroFields lists the fields of struct v that hold their zero value
// (or an empty list).
func catZeroFields(v any) []string {
	var out []string
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		if f := rv.Field(i); f.IsZero() || (f.Kind() == reflect.Slice && f.Len() == 0) {
			out = append(out, rv.Type().Field(i).Name)
		}
	}
	return out
}

var catT0 = time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)

func catDresdenProfile() domain.OrganisationProfile {
	return domain.OrganisationProfile{
		Name: "Präzisionsteile Lausitz GmbH", Kind: "sme", LegalForm: "GmbH",
		Country: "DE", NUTS: "DED2D",
		Address:   domain.Address{Street: "Hafenstraße 4", PostalCode: "02826", City: "Görlitz", Country: "DE"},
		Website:   "https://praezision-lausitz.example",
		Sectors:   []string{"25.62", "28"},
		Languages: []string{"de", "pl", "en"},
		Description: domain.Text{
			DE: "Lohnfertigung: CNC-Fräsen und Drehen von Stahl und Aluminium.",
			PL: "Obróbka skrawaniem CNC: frezowanie i toczenie stali oraz aluminium.",
			EN: "Contract manufacturing: CNC milling and turning of steel and aluminium.",
		},
		Contacts: []domain.Contact{{Name: "Anna Schulz", Email: "anna@praezision-lausitz.example", Languages: []string{"de", "pl"}}},
		Networks: []string{"Cluster Metall Sachsen"},
	}
}

func catPolishProfile() domain.OrganisationProfile {
	return domain.OrganisationProfile{
		Name: "Fabryka Maszyn Jelenia Sp. z o.o.", Kind: "sme", Country: "PL", NUTS: "PL515",
		Address: domain.Address{City: "Jelenia Góra", Country: "PL"}, Sectors: []string{"28"},
		Languages: []string{"pl", "en"}, Description: domain.Text{PL: "Budowa maszyn specjalnych."},
	}
}

func catMillingDetails() domain.OfferDetails {
	return domain.OfferDetails{
		Kind: "offer", Category: "subcontracting", PartnershipTypes: []string{"outsourcing"},
		Title:       domain.Text{DE: "CNC-Fräsen in Görlitz", PL: "Frezowanie CNC w Görlitz", CS: "CNC frézování v Görlitz", EN: "CNC milling in Görlitz"},
		Description: domain.Text{DE: "Kleinserien aus Stahl", PL: "Małe serie ze stali", CS: "Malé série z oceli", EN: "Small batches of steel"},
		NACE:        []string{"25.62"}, TargetCountries: []string{"PL", "CZ"}, TargetRegions: []string{"PL51", "CZ051"},
		Languages: []string{"de", "pl"},
	}
}

func TestCatalogueDocsHaveEveryField(t *testing.T) {
	h := newHarness(t, projections.NewCatalogue())
	catRegister(h, "org-de", catDresdenProfile(), catT0)
	catOrg(h, "org-de", catT0.Add(time.Hour), func(o domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.VerifyOrganisation{}.Decide(o, a, now)
	})
	until := catT0.AddDate(0, 6, 0)
	catDraft(h, "off-1", "org-de", catMillingDetails(), until, catT0.Add(2*time.Hour))
	catPublish(h, "off-1", catT0.Add(3*time.Hour))

	org := catOrgDoc(h, "org-de")
	if z := catZeroFields(org); len(z) > 0 {
		t.Errorf("OrgDoc has zero fields %v: %+v", z, org)
	}
	p := catDresdenProfile()
	want := projections.OrgDoc{
		ID: "org-de", Name: p.Name, Kind: "sme", Country: "DE", NUTS: "DED2D",
		Regions: projections.RegionPath("DED2D"), City: "Görlitz",
		Sectors: []string{"25.62", "28"}, Codes: projections.CodePath([]string{"25.62", "28"}),
		Languages: []string{"de", "pl", "en"}, Networks: p.Networks, Description: p.Description,
		Status: "active", Verified: true, RegisteredAt: catT0, UpdatedAt: catT0.Add(time.Hour), Version: 2,
		TitleTerms: catTerms(p.Name, "Görlitz"),
		TextTerms:  catTerms(p.Description.DE, p.Description.PL, p.Description.EN, "Cluster Metall Sachsen"),
		CodeTerms:  catSet(append(projections.CodeTerms([]string{"25.62", "28"}), projections.KeywordTerms([]string{"25.62", "28"})...)),
	}
	if !reflect.DeepEqual(org, want) {
		t.Errorf("OrgDoc\n got %+v\nwant %+v", org, want)
	}
	if !slices.Contains(org.Codes, "25") || !slices.Contains(org.Codes, "C") || !slices.Contains(org.Regions, "DED2") {
		t.Errorf("codes %v and regions %v lack the division, section or NUTS-2 region", org.Codes, org.Regions)
	}

	off := catOfferDoc(h, "off-1")
	if z := catZeroFields(off); len(z) > 0 {
		t.Errorf("OfferDoc has zero fields %v: %+v", z, off)
	}
	d := catMillingDetails()
	wantOff := projections.OfferDoc{
		ID: "off-1", OwnerOrgID: "org-de", OwnerName: p.Name, OwnerCountry: "DE", OwnerNUTS: "DED2D", OwnerCity: "Görlitz",
		OwnerLanguages: []string{"de", "pl", "en"}, Kind: "offer", Category: "subcontracting",
		PartnershipTypes: []string{"outsourcing"}, Title: d.Title, Description: d.Description,
		NACE: []string{"25.62"}, Codes: projections.CodePath([]string{"25.62"}),
		TargetCountries: []string{"PL", "CZ"}, TargetRegions: []string{"PL51", "CZ051"},
		Languages: []string{"de", "pl"}, Regions: projections.RegionPath("DED2D"),
		Status: "published", ValidUntil: until, PublishedAt: catT0.Add(3 * time.Hour), UpdatedAt: catT0.Add(3 * time.Hour),
		Version:    2,
		TitleTerms: catTerms(d.Title.DE, d.Title.PL, d.Title.CS, d.Title.EN),
		TextTerms:  catTerms(d.Description.DE, d.Description.PL, d.Description.CS, d.Description.EN, "Görlitz"),
		CodeTerms:  catSet(append(projections.CodeTerms([]string{"25.62"}), projections.KeywordTerms([]string{"25.62"})...)),
	}
	if !reflect.DeepEqual(off, wantOff) {
		t.Errorf("OfferDoc\n got %+v\nwant %+v", off, wantOff)
	}
	for _, term := range []string{projections.Analyze("CNC")[0], projections.Analyze("Görlitz")[0]} {
		if !slices.Contains(off.TitleTerms, term) {
			t.Errorf("title terms %v lack %q", off.TitleTerms, term)
		}
	}

	// Search finds the offer by a Polish title word, and by its code.
	res, err := h.reads.SearchOffers(h.ctx, projections.SearchQuery{Codes: []string{"25"}, Status: []string{"published"}, Sort: projections.SortRecent, Limit: 10})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Doc.ID != "off-1" {
		t.Errorf("search by division 25: %+v, %v", res, err)
	}
}

func TestCatalogueOwnerChangeUpdatesOffers(t *testing.T) {
	h := newHarness(t, projections.NewCatalogue())
	// An offer may be drafted before the index sees its owner.
	catDraft(h, "early", "org-de", catMillingDetails(), time.Time{}, catT0)
	if d := catOfferDoc(h, "early"); d.OwnerName != "" || d.OwnerCountry != "" {
		t.Errorf("owner fields before the owner is known: %+v", d)
	}
	catRegister(h, "org-de", catDresdenProfile(), catT0.Add(time.Hour))
	catDraft(h, "late", "org-de", catMillingDetails(), time.Time{}, catT0.Add(2*time.Hour))
	catPublish(h, "late", catT0.Add(3*time.Hour))
	for _, id := range []string{"early", "late"} {
		d := catOfferDoc(h, id)
		if d.OwnerName != "Präzisionsteile Lausitz GmbH" || d.OwnerCountry != "DE" || d.OwnerNUTS != "DED2D" ||
			!slices.Equal(d.OwnerLanguages, []string{"de", "pl", "en"}) || !slices.Equal(d.Regions, projections.RegionPath("DED2D")) {
			t.Errorf("offer %s after registration: %+v", id, d)
		}
	}
	before := catOfferDoc(h, "late")

	// The organisation moves to Chemnitz, renames itself and adds Czech.
	p := catDresdenProfile()
	p.Name, p.NUTS, p.Address.City = "Präzisionsteile Erzgebirge GmbH", "DED42", "Annaberg-Buchholz"
	p.Languages = []string{"de", "cs"}
	catOrg(h, "org-de", catT0.Add(24*time.Hour), func(o domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.UpdateOrganisation{Profile: p}.Decide(o, a, now)
	})
	for _, id := range []string{"early", "late"} {
		d := catOfferDoc(h, id)
		if d.OwnerName != p.Name || d.OwnerNUTS != "DED42" || !slices.Equal(d.OwnerLanguages, []string{"de", "cs"}) ||
			!slices.Equal(d.Regions, projections.RegionPath("DED42")) {
			t.Errorf("offer %s after the owner's update: %+v", id, d)
		}
	}
	after := catOfferDoc(h, "late")
	// The offer itself did not change.
	if after.Version != before.Version || !after.UpdatedAt.Equal(before.UpdatedAt) || after.Status != "published" {
		t.Errorf("offer changed with its owner: version %d → %d, updated %v → %v", before.Version, after.Version, before.UpdatedAt, after.UpdatedAt)
	}
	org := catOrgDoc(h, "org-de")
	if org.Version != 2 || !org.UpdatedAt.Equal(catT0.Add(24*time.Hour)) || org.City != "Annaberg-Buchholz" ||
		!slices.Contains(org.TitleTerms, projections.Analyze("Annaberg")[0]) || slices.Contains(org.Regions, "DED2") {
		t.Errorf("organisation after update: %+v", org)
	}

	// Deactivation keeps the offers' owner fields and marks the
	// organisation.
	catOrg(h, "org-de", catT0.Add(48*time.Hour), func(o domain.Organisation, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.DeactivateOrganisation{Reason: "closed"}.Decide(o, a, now)
	})
	if org := catOrgDoc(h, "org-de"); org.Status != "deactivated" || org.Version != 3 || !org.UpdatedAt.Equal(catT0.Add(48*time.Hour)) {
		t.Errorf("deactivated organisation: %+v", org)
	}
	if d := catOfferDoc(h, "late"); d.OwnerName != p.Name {
		t.Errorf("offer after deactivation: %+v", d)
	}

	// A rebuild from the same events, in batches of any size, reproduces
	// the read models exactly.
	h.checkRebuild(1)
	h.checkRebuild(4)
}

func TestCatalogueOfferTransitions(t *testing.T) {
	h := newHarness(t, projections.NewCatalogue())
	catRegister(h, "org-de", catDresdenProfile(), catT0)
	catRegister(h, "org-pl", catPolishProfile(), catT0)
	until := catT0.AddDate(0, 2, 0)

	// Draft → revise → publish.
	catDraft(h, "a", "org-de", catMillingDetails(), until, catT0.Add(time.Hour))
	if d := catOfferDoc(h, "a"); d.Status != "draft" || !d.PublishedAt.IsZero() || !d.ValidUntil.Equal(until) || d.Version != 1 {
		t.Errorf("draft: %+v", d)
	}
	rev := catMillingDetails()
	rev.Title = domain.Text{EN: "Turning of brass parts"}
	rev.NACE = []string{"25.61"}
	catOffer(h, "a", catT0.Add(2*time.Hour), func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ReviseOffer{Details: rev}.Decide(o, a, now)
	})
	if d := catOfferDoc(h, "a"); d.Status != "draft" || !slices.Equal(d.NACE, []string{"25.61"}) || !slices.Equal(d.Codes, projections.CodePath([]string{"25.61"})) ||
		!slices.Equal(d.TitleTerms, catTerms("Turning of brass parts")) || d.Title.DE != "" || d.Version != 2 || !d.UpdatedAt.Equal(catT0.Add(2*time.Hour)) {
		t.Errorf("revised: %+v", d)
	}
	catPublish(h, "a", catT0.Add(3*time.Hour))

	// Interest and expiry warnings are not the catalogue's business.
	cat := projections.NewCatalogue()
	for _, typ := range []string{"OfferInterestExpressed", "OfferInterestAccepted", "OfferInterestDeclined", "OfferExpiryWarned", "MeetingScheduled"} {
		if cat.Handles(typ) {
			t.Errorf("catalogue handles %s", typ)
		}
	}
	for _, typ := range []string{"OrganisationRegistered", "OrganisationUpdated", "OrganisationVerified", "OrganisationDeactivated",
		"OfferDrafted", "OfferRevised", "OfferPublished", "OfferWithdrawn", "OfferValidityExtended", "OfferExpired"} {
		if !cat.Handles(typ) {
			t.Errorf("catalogue does not handle %s", typ)
		}
	}
	catOffer(h, "a", catT0.Add(4*time.Hour), func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ExpressInterest{InterestID: "i1", OrgID: "org-pl", Message: "Chętnie"}.Decide(o, a, now)
	})
	if d := catOfferDoc(h, "a"); d.Version != 3 || !d.UpdatedAt.Equal(catT0.Add(3*time.Hour)) {
		t.Errorf("interest changed the doc: %+v", d)
	}

	// Expire after the end of validity, then extend: published again,
	// with the first publication date.
	catOffer(h, "a", until.Add(time.Minute), func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ExpireOffer{}.Decide(o, a, now)
	})
	if d := catOfferDoc(h, "a"); d.Status != "expired" || !d.UpdatedAt.Equal(until.Add(time.Minute)) || d.Version != 5 {
		t.Errorf("expired: %+v", d)
	}
	later := until.AddDate(0, 6, 0)
	catOffer(h, "a", until.Add(time.Hour), func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ExtendOfferValidity{ValidUntil: later}.Decide(o, a, now)
	})
	if d := catOfferDoc(h, "a"); d.Status != "published" || !d.ValidUntil.Equal(later) || !d.PublishedAt.Equal(catT0.Add(3*time.Hour)) ||
		!d.UpdatedAt.Equal(until.Add(time.Hour)) || d.Version != 6 {
		t.Errorf("extended: %+v", d)
	}
	// Extending a published offer moves only its validity.
	latest := later.AddDate(0, 1, 0)
	catOffer(h, "a", until.Add(2*time.Hour), func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ExtendOfferValidity{ValidUntil: latest}.Decide(o, a, now)
	})
	if d := catOfferDoc(h, "a"); d.Status != "published" || !d.ValidUntil.Equal(latest) || d.Version != 7 {
		t.Errorf("extended again: %+v", d)
	}

	// Withdraw.
	catOffer(h, "a", until.Add(3*time.Hour), func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.WithdrawOffer{Reason: "done"}.Decide(o, a, now)
	})
	if d := catOfferDoc(h, "a"); d.Status != "withdrawn" || !d.UpdatedAt.Equal(until.Add(3*time.Hour)) || d.Version != 8 || !d.ValidUntil.Equal(latest) {
		t.Errorf("withdrawn: %+v", d)
	}
	// A draft withdrawn straight away.
	catDraft(h, "b", "org-de", catMillingDetails(), time.Time{}, catT0.Add(time.Hour))
	catOffer(h, "b", catT0.Add(5*time.Hour), func(o domain.Offer, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.WithdrawOffer{}.Decide(o, a, now)
	})
	if d := catOfferDoc(h, "b"); d.Status != "withdrawn" || !d.PublishedAt.IsZero() || !d.ValidUntil.IsZero() {
		t.Errorf("withdrawn draft: %+v", d)
	}
	ids, err := h.reads.OfferCandidates(h.ctx, projections.CandidateQuery{Kind: "offer", Codes: []string{"C"}, Limit: 10})
	if err != nil || len(ids) != 0 {
		t.Errorf("withdrawn offers are candidates: %+v, %v", ids, err)
	}
}

// catTerms is what the catalogue stores as the terms of texts.
func catTerms(texts ...string) []string {
	var out []string
	for _, s := range texts {
		out = append(out, projections.Analyze(s)...)
	}
	return catSet(out)
}

func catSet(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return slices.Compact(out)
}
