package demo

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nisa-eu/nisa/domain"
)

// organisationCount is how many organisations the demo network has.
const organisationCount = 150

// org is an organisation of the demo network as planned.
type org struct {
	n       int
	id      string
	p       domain.OrganisationProfile
	lang    string // official language of its country
	country string
	sectors []*sector
	inst    bool
	slug    string // for e-mail addresses and websites
	phone   string // dialling prefix with area code
	// targets names the countries it looks to (a key of in).
	targets string
	// fullDescription has all four variants; p.Description a subset.
	fullDescription domain.Text
	registered      time.Time
	deactivated     bool
}

// active reports whether o takes part in the network at t: registered
// before t and never deactivated (deactivated organisations take part in
// nothing, so that their histories stay simple).
func (o *org) active(t time.Time) bool { return !o.deactivated && o.registered.Before(t) }

// nuts returns the NUTS region of o ("" if it has none).
func (o *org) nuts() string { return o.p.NUTS }

// hasSector reports whether o works in the sector named key.
func (o *org) hasSector(key string) bool {
	return slices.ContainsFunc(o.sectors, func(s *sector) bool { return s.key == key })
}

// fold turns names into lower-case ASCII for e-mail addresses and slugs.
var fold = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss",
	"ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z", "ż", "z",
	"á", "a", "č", "c", "ď", "d", "é", "e", "ě", "e", "í", "i", "ň", "n", "ř", "r", "š", "s", "ť", "t", "ú", "u", "ů", "u", "ý", "y", "ž", "z",
	"„", "", "”", "", "“", "", "–", "-",
)

func ascii(s string) string { return fold.Replace(strings.ToLower(s)) }

// legalTokens (legal forms and small words) are left out of slugs.
var legalTokens = []string{"gmbh", "co", "kg", "ug", "haftungsbeschraenkt", "ag", "eg", "sp", "z", "o", "j", "s", "a", "r", "i", "wspolnicy", "e", "v", "syn", "zs",
	"k", "spol", "und", "der", "des", "fuer", "pro", "nad", "w", "we"}

// slugOf makes a domain label from an organisation's name.
func slugOf(name string) string {
	words := strings.FieldsFunc(ascii(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var keep []string
	for _, w := range words {
		if !slices.Contains(legalTokens, w) && len(keep) < 3 {
			keep = append(keep, w)
		}
	}
	return strings.Join(keep, "-")
}

// person is an invented contact person or participant.
type person struct {
	first, last, email, position string
	female                       bool
}

func (p person) name() string { return p.first + " " + p.last }

// person invents a person working for o, with an e-mail address at o's
// (reserved, .example) domain.
func (s *seeder) person(o *org, positionPool []string) person {
	female := s.chance(0.5)
	g := 0
	if female {
		g = 1
	}
	first := pick(s, firstNames[o.lang][g])
	pair := pick(s, surnames[o.lang])
	last := pair[0]
	if female && pair[1] != "" {
		last = pair[1]
	}
	local := strings.ReplaceAll(ascii(first)+"."+ascii(last), " ", "")
	return person{first: first, last: last, female: female, email: local + "@" + o.slug + ".example", position: pick(s, positionPool)}
}

// institutionPositions are neutral titles of contact persons at
// institutions.
var institutionPositions = map[string][]string{
	"de": {"Internationale Zusammenarbeit", "Projektkoordination", "Referat Wirtschaftsförderung", "Kooperationsstelle"},
	"pl": {"Współpraca zagraniczna", "Koordynacja projektów", "Wydział Rozwoju Gospodarczego", "Biuro Projektów Międzynarodowych"},
	"cs": {"Zahraniční spolupráce", "Projektové řízení", "Odbor regionálního rozvoje", "Kancelář pro mezinárodní projekty"},
}

// contact invents a contact person of o.
func (s *seeder) contact(o *org) domain.Contact {
	pool := positions[o.lang]
	if o.inst {
		pool = institutionPositions[o.lang]
	}
	p := s.person(o, pool)
	c := domain.Contact{Name: p.name(), Email: p.email, Position: p.position, Languages: []string{o.lang}}
	if s.chance(0.6) {
		c.Phone = s.phoneNumber(o)
	}
	for _, l := range o.p.Languages {
		if l != o.lang && s.chance(0.4) {
			c.Languages = append(c.Languages, l)
		}
	}
	return c
}

// phoneNumber invents a number in o's area.
func (s *seeder) phoneNumber(o *org) string {
	d := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + s.intn(10))
		}
		return string(b)
	}
	switch o.country {
	case "PL":
		return fmt.Sprintf("%s %d%s %s %s", o.phone, s.between(2, 8), d(2), d(2), d(2))
	case "CZ":
		return fmt.Sprintf("%s%s %s %s", o.phone, d(1), d(3), d(3))
	}
	return fmt.Sprintf("%s %d%s", o.phone, s.between(2, 9), d(4))
}

// targetsFor chooses which neighbouring countries an organisation in
// region nuts looks to.
func (s *seeder) targetsFor(nuts, country string) string {
	switch {
	case nuts == "DED2D" || nuts == "DED2C":
		return pick(s, []string{"PL+CZ", "PL+CZ", "PL", "CZ"})
	case strings.HasPrefix(nuts, "DED"):
		return pick(s, []string{"CZ", "CZ", "PL+CZ"})
	case country == "DE":
		return "PL"
	case strings.HasPrefix(nuts, "PL51"):
		return pick(s, []string{"DE", "DE", "DE+CZ"})
	case strings.HasPrefix(nuts, "PL52"):
		return pick(s, []string{"CZ", "DE+CZ"})
	case country == "PL":
		return "DE"
	case nuts == "CZ041" || nuts == "CZ042":
		return "DE"
	case nuts == "CZ051":
		return pick(s, []string{"DE", "DE+PL"})
	case nuts == "CZ052" || nuts == "CZ071" || nuts == "CZ080":
		return pick(s, []string{"PL", "DE+PL"})
	}
	return "DE"
}

// targetLangs returns the languages of the countries in a targets key.
func targetLangs(targets string) []string {
	var out []string
	for _, c := range strings.Split(targets, "+") {
		out = append(out, countryLang[c])
	}
	return out
}

// buildOrganisations plans the organisations: the institutions first, then
// generated companies spread over the towns.
func (s *seeder) buildOrganisations() {
	used := map[string]bool{}
	for i, in := range institutions {
		o := s.institution(i+1, in)
		used[o.p.Name] = true
		s.orgs = append(s.orgs, o)
	}
	var weighted []town
	for _, t := range towns {
		for range t.weight {
			weighted = append(weighted, t)
		}
	}
	companySectors := sectors[:len(sectors)-3]
	for n := len(s.orgs) + 1; n <= organisationCount; n++ {
		t := pick(s, weighted)
		sec := pick(s, companySectors)
		if (t.nuts == "PL424" || t.nuts == "DE80N" || t.nuts == "PL514") && s.chance(0.35) {
			sec = sectorByKey("software")
		}
		o := s.company(n, t, sec, used)
		used[o.p.Name] = true
		s.orgs = append(s.orgs, o)
	}
	// Registration: the institutions founded the network about two years
	// ago, companies joined since; organisation n registers about 4n days
	// after the start, so organisation 1 is the first.
	for _, o := range s.orgs {
		o.registered = s.day(-(720 - 4*o.n), s.between(8, 17), s.intn(60)).Add(-time.Duration(s.intn(2)) * 24 * time.Hour)
	}
}

// institution plans a real institution.
func (s *seeder) institution(n int, in institution) *org {
	country := "CZ"
	if in.nuts != "" {
		country = in.nuts[:2]
	}
	o := &org{n: n, id: id("organisation", n), lang: in.lang, country: country, inst: true, slug: slugOf(in.name)}
	for _, k := range in.sectors {
		o.sectors = append(o.sectors, sectorByKey(k))
	}
	o.phone = phonePrefix(in.city)
	o.targets = s.targetsFor(in.nuts, country)
	var nace []string
	for _, sec := range o.sectors {
		nace = append(nace, sec.nace[0])
	}
	nace = append(nace, in.nace...)
	o.fullDescription = sentences(format(kindAbout[in.kind], same(in.name)), in.focus)
	o.p = domain.OrganisationProfile{
		Name: in.name, Kind: in.kind, LegalForm: in.legal, Country: country, NUTS: in.nuts,
		Address:     domain.Address{City: in.city, Country: country},
		Website:     in.web,
		Sectors:     nace,
		Languages:   in.langs,
		Description: only(o.fullDescription, in.langs),
		Networks:    in.networks,
	}
	o.p.Contacts = []domain.Contact{s.contact(o)}
	if s.chance(0.6) {
		o.p.Contacts = append(o.p.Contacts, s.contact(o))
	}
	return o
}

// otherPhonePrefixes are area codes of institutions' cities that are not
// among the towns.
var otherPhonePrefixes = map[string]string{"Potsdam": "+49 331", "Słubice": "+48 95", "Hrádek nad Nisou": "+420 48", "Praha": "+420 22"}

// phonePrefix returns the dialling prefix of city.
func phonePrefix(city string) string {
	for _, t := range towns {
		if t.name == city {
			return t.phone
		}
	}
	if p, ok := otherPhonePrefixes[city]; ok {
		return p
	}
	panic("demo: no phone prefix for " + city)
}

// relatedSectors are the lines of business a company may add to its main
// one.
var relatedSectors = map[string][]string{
	"metal": {"machinery", "automotive"}, "machinery": {"metal", "electronics"}, "plastics": {"automotive"},
	"electronics": {"software", "machinery"}, "automotive": {"metal", "plastics"}, "software": {"marketing", "electronics"},
	"food": {"agri", "tourism"}, "wood": {"construction"}, "glass": {"tourism"}, "construction": {"energy", "engineering"},
	"logistics": {"environment"}, "energy": {"construction", "engineering"}, "tourism": {"food"}, "engineering": {"construction"},
	"translation": {"marketing"}, "environment": {"logistics", "energy"}, "marketing": {"software", "translation"},
	"medtech": {"electronics"}, "agri": {"food"},
}

var employeeCounts = []int{8, 12, 15, 18, 25, 35, 40, 45, 60, 80, 120, 150, 230}

// company plans a generated company in town t working in sector sec.
func (s *seeder) company(n int, t town, sec *sector, used map[string]bool) *org {
	country := t.nuts[:2]
	lang := countryLang[country]
	o := &org{n: n, id: id("organisation", n), lang: lang, country: country, sectors: []*sector{sec}, phone: t.phone}
	kind := "sme"
	if sec.industrial && s.chance(0.1) {
		kind = "large_enterprise"
	}
	var name, legal string
	for attempt := 0; name == "" || used[name]; attempt++ {
		name, legal = s.companyName(lang, kind, sec, t)
		if attempt > 20 {
			name = fmt.Sprintf("%s %d", name, n)
		}
	}
	o.slug = slugOf(name)
	o.targets = s.targetsFor(t.nuts, country)
	if rel := relatedSectors[sec.key]; len(rel) > 0 && s.chance(0.2) {
		o.sectors = append(o.sectors, sectorByKey(pick(s, rel)))
	}
	// Languages: the own one always, English mostly, a neighbour's often.
	descLangs := []string{lang}
	for _, l := range targetLangs(o.targets) {
		if s.chance(0.3) {
			descLangs = append(descLangs, l)
		}
	}
	if s.chance(0.6) {
		descLangs = append(descLangs, "en")
	}
	spoken := slices.Clone(descLangs)
	for _, l := range append(targetLangs(o.targets), "en") {
		if !slices.Contains(spoken, l) && s.chance(0.35) {
			spoken = append(spoken, l)
		}
	}
	employees := pick(s, employeeCounts)
	if kind == "large_enterprise" {
		employees = pick(s, []int{450, 600, 1200})
	}
	founded := s.between(1990, 2022)
	o.fullDescription = sentences(
		format(orgIntro, same(name), same(t.name), same(strconv.Itoa(founded)), same(strconv.Itoa(employees))),
		sec.about,
		format(pick(s, orgClosings), in[o.targets]),
	)
	var nace []string
	for _, sc := range o.sectors {
		nace = append(nace, sc.nace[:s.between(1, len(sc.nace))]...)
	}
	street := pick(s, streets[lang]) + " " + strconv.Itoa(s.between(1, 120))
	o.p = domain.OrganisationProfile{
		Name: name, Kind: kind, LegalForm: legal, Country: country, NUTS: t.nuts,
		Address:     domain.Address{Street: street, PostalCode: t.postal, City: t.name, Country: country},
		Sectors:     nace,
		Languages:   spoken,
		Description: only(o.fullDescription, descLangs),
	}
	if s.chance(0.65) {
		o.p.Website = "https://www." + o.slug + ".example"
	}
	o.p.Contacts = []domain.Contact{s.contact(o)}
	if s.chance(0.3) {
		o.p.Contacts = append(o.p.Contacts, s.contact(o))
	}
	if er, ok := euroregionOf[t.nuts]; ok && s.chance(0.4) {
		o.p.Networks = append(o.p.Networks, er)
	}
	switch {
	case (sec.key == "software" || sec.key == "electronics") && country == "DE" && strings.HasPrefix(t.nuts, "DED") && s.chance(0.6):
		o.p.Networks = append(o.p.Networks, netSilicon)
	case sec.key == "energy" && strings.HasPrefix(t.nuts, "DED") && s.chance(0.6):
		o.p.Networks = append(o.p.Networks, netEnergy)
	case sec.key == "software" && strings.HasPrefix(t.nuts, "PL42") && s.chance(0.8):
		o.p.Networks = append(o.p.Networks, netICT)
	case sec.key == "automotive" && country == "CZ" && s.chance(0.5):
		o.p.Networks = append(o.p.Networks, netMSAK)
	}
	return o
}

// companyName invents a company name and its legal form.
func (s *seeder) companyName(lang, kind string, sec *sector, t town) (name, legal string) {
	stem := pick(s, sec.stems[lang])
	brand := pick(s, brandsFor(t.nuts))
	sur := pick(s, surnames[lang])[0]
	r := s.intn(10)
	switch lang {
	case "de":
		switch {
		case kind == "large_enterprise":
			return brand + " " + stem + " AG", "AG"
		case sec.key == "agri" && r < 5:
			return "Agrargenossenschaft " + t.name + " eG", "eG"
		case r < 3:
			return sur + " " + stem + " GmbH", "GmbH"
		case r < 5:
			return t.adj + " " + stem + " GmbH", "GmbH"
		case r < 7:
			return brand + " " + stem + " GmbH", "GmbH"
		case r < 8:
			return stem + " " + sur + " GmbH & Co. KG", "GmbH & Co. KG"
		case r < 9:
			return stem + " " + sur + " UG (haftungsbeschränkt)", "UG (haftungsbeschränkt)"
		}
		return stem + " " + sur + " e.K.", "e.K."
	case "pl":
		switch {
		case kind == "large_enterprise":
			return brand + " " + stem + " S.A.", "S.A."
		case r < 5:
			return stem + " " + sur + " Sp. z o.o.", "Sp. z o.o."
		case r < 8:
			return brand + " " + stem + " Sp. z o.o.", "Sp. z o.o."
		case r < 9:
			return stem + " " + sur + " i Wspólnicy Sp. j.", "Sp. j."
		}
		return stem + " " + sur + " Sp. k.", "Sp. k."
	}
	switch {
	case kind == "large_enterprise":
		return stem + " " + brand + " a.s.", "a.s."
	case sec.key == "agri" && r < 5:
		return "Zemědělské družstvo " + t.name, "družstvo"
	case r < 4:
		return stem + " " + sur + " s.r.o.", "s.r.o."
	case r < 7:
		return stem + " " + brand + " s.r.o.", "s.r.o."
	case r < 8:
		return stem + " " + brand + " a.s.", "a.s."
	case r < 9:
		return stem + " " + sur + ", spol. s r.o.", "spol. s r.o."
	}
	return sur + " a syn s.r.o.", "s.r.o."
}

// planOrganisations plans registrations, profile updates, verifications and
// a few deactivations.
func (s *seeder) planOrganisations() []step {
	s.buildOrganisations()
	var steps []step
	for _, o := range s.orgs {
		p := o.p // updatedProfile below replaces o.p
		steps = append(steps, step{o.registered, o.id, func(at time.Time) error {
			_, err := execute(s, domain.OrganisationKind, o.id, networkOffice, at, "register", func(st domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.RegisterOrganisation{Profile: p}.Decide(st, o.id, networkOffice, now)
			})
			return err
		}})
	}
	var companies []*org
	for _, o := range s.orgs {
		if !o.inst {
			companies = append(companies, o)
		}
	}
	s.shuffle(len(companies), func(i, j int) { companies[i], companies[j] = companies[j], companies[i] })
	// Verified: the best-known institutions and a few companies (~10%).
	verify := slices.DeleteFunc(slices.Clone(s.orgs), func(o *org) bool { return !o.inst || !institutions[o.n-1].verified })
	verify = append(verify, companies[:4]...)
	for _, o := range verify {
		steps = append(steps, step{s.after(o.registered, 2, 30), o.id, func(at time.Time) error {
			_, err := execute(s, domain.OrganisationKind, o.id, networkOffice, at, "verify", func(st domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.VerifyOrganisation{}.Decide(st, networkOffice, now)
			})
			return err
		}})
	}
	// Profile updates by the organisations themselves.
	updated := append(slices.Clone(companies[4:14]), s.orgs[s.intn(20)], s.orgs[20+s.intn(20)])
	for _, o := range updated {
		p := s.updatedProfile(o)
		at := s.sometime(o.registered.Add(30*24*time.Hour), s.workday(-3))
		steps = append(steps, step{at, o.id, func(at time.Time) error {
			actor := partner(o)
			_, err := execute(s, domain.OrganisationKind, o.id, actor, at, "update", func(st domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.UpdateOrganisation{Profile: p}.Decide(st, actor, now)
			})
			return err
		}})
	}
	// A few companies left the network.
	for i, o := range companies[14:18] {
		o.deactivated = true
		reason := get(pick(s, deactivationReasons), o.lang)
		actor := partner(o)
		if i%2 == 1 {
			actor = networkOffice
		}
		at := s.sometime(o.registered.Add(60*24*time.Hour), s.workday(-5))
		steps = append(steps, step{at, o.id, func(at time.Time) error {
			_, err := execute(s, domain.OrganisationKind, o.id, actor, at, "deactivate", func(st domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.DeactivateOrganisation{Reason: reason}.Decide(st, actor, now)
			})
			return err
		}})
	}
	return steps
}

// updatedProfile is o's profile after an update: an English description
// added, or another contact person, or a company's move to another street.
func (s *seeder) updatedProfile(o *org) domain.OrganisationProfile {
	p := o.p
	p.Languages = slices.Clone(p.Languages)
	p.Contacts = slices.Clone(p.Contacts)
	switch {
	case p.Description.EN == "":
		p.Description.EN = o.fullDescription.EN
		if !slices.Contains(p.Languages, "en") {
			p.Languages = append(p.Languages, "en")
		}
	case len(p.Contacts) < 2 || o.inst: // institutions' addresses are given to the city only
		p.Contacts = append(p.Contacts, s.contact(o))
	default:
		p.Address.Street = pick(s, streets[o.lang]) + " " + strconv.Itoa(s.between(1, 120))
	}
	o.p = p
	return p
}
