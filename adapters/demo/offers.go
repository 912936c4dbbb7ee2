package demo

import (
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// offerCount is how many offers and requests the demo network has.
const offerCount = 400

// What becomes of the offers: 300 end up published (4 of them after
// expiring and being extended), 40 expired, 30 withdrawn, 30 drafts.
var offerFates = []struct {
	fate  string
	count int
}{
	{"published", 296}, {"republished", 4}, {"expired", 40}, {"withdrawn_published", 20}, {"withdrawn_draft", 10}, {"draft", 30},
}

// regionPool lists target regions per country (NUTS 1–3).
var regionPool = map[string][]string{
	"DE": {"DED2", "DED4", "DED5", "DE40", "DE80", "DED2D", "DED2C", "DED21"},
	"PL": {"PL51", "PL52", "PL43", "PL42", "PL515", "PL514", "PL424"},
	"CZ": {"CZ041", "CZ042", "CZ051", "CZ052", "CZ071", "CZ080", "CZ05"},
}

// partnershipTypes per category.
var partnershipTypes = map[string][][]string{
	"product":             {{"commercial"}},
	"service":             {{"commercial"}},
	"supplier_search":     {{"supplier"}, {"supplier", "commercial"}},
	"subcontracting":      {{"outsourcing"}},
	"cooperation_partner": {{"commercial"}, {"commercial", "investment"}},
	"rd_partner":          {{"rd_cooperation"}},
	"nearshoring":         {{"outsourcing", "investment"}, {"investment"}},
}

// offerPlan is one offer or request as planned.
type offerPlan struct {
	n       int
	id      string
	owner   *org
	details domain.OfferDetails
	// fullTitle and fullDescription have all four variants.
	fullTitle, fullDescription domain.Text
	validUntil                 time.Time
}

// offerSubject chooses what o offers or requests: sector, kind, category
// and the phrase for the title.
func (s *seeder) offerSubject(o *org) (sec *sector, kind, category string, phrase domain.Text) {
	sec = pick(s, o.sectors)
	type cand struct {
		kind, cat string
		pool      []domain.Text
		w         int
	}
	var cs []cand
	add := func(kind, cat string, pool []domain.Text, w int) {
		if len(pool) > 0 {
			cs = append(cs, cand{kind, cat, pool, w})
		}
	}
	institutional := sec.key == "business_support" || sec.key == "research" || sec.key == "public"
	switch {
	case sec.key == "public":
		add("offer", "nearshoring", sec.products, 2)
	case !institutional:
		add("offer", "product", sec.products, 6)
		add("offer", "supplier_search", sec.products, 2)
		add("offer", "nearshoring", sec.products, 1)
		add("request", "supplier_search", sec.needs, 5)
		add("request", "product", sec.needs, 2)
	}
	add("offer", "service", sec.services, 7)
	if !institutional {
		add("request", "service", sec.services, 2)
		add("offer", "subcontracting", sec.services, 3)
		add("request", "subcontracting", sec.services, 2)
		add("request", "nearshoring", sec.services, 1)
		add("offer", "nearshoring", sec.services, 1)
	}
	add("request", "cooperation_partner", sec.topics, 4)
	add("offer", "cooperation_partner", sec.topics, 2)
	if sec.rd {
		add("request", "rd_partner", sec.topics, 2)
		add("offer", "rd_partner", sec.topics, 1+2*boolInt(sec.key == "research"))
	}
	total := 0
	for _, c := range cs {
		total += c.w
	}
	r := s.intn(total)
	for _, c := range cs {
		if r -= c.w; r < 0 {
			return sec, c.kind, c.cat, pick(s, c.pool)
		}
	}
	panic("unreachable")
}

// planOffer composes offer n of owner o.
func (s *seeder) planOffer(n int, o *org) *offerPlan {
	sec, kind, cat, phrase := s.offerSubject(o)
	key := kind + "/" + cat
	targets := o.targets
	if strings.Contains(targets, "+") && s.chance(0.2) {
		targets = pick(s, strings.Split(targets, "+"))
	}
	p := &offerPlan{n: n, id: id("offer", n), owner: o}
	about := sec.about
	if o.inst {
		about = domain.Text{}
	}
	p.fullTitle = format(offerTitles[key], phrase)
	terms := supplyTerms
	switch {
	case o.inst || cat == "cooperation_partner" || cat == "rd_partner":
		terms = cooperationTerms
	case kind == "request":
		terms = demandTerms
	}
	p.fullDescription = sentences(offerIntros[key], about, pick(s, terms), format(pick(s, offerTargets), in[targets]))
	ls := []string{o.lang}
	for _, l := range targetLangs(targets) {
		if s.chance(0.35) {
			ls = append(ls, l)
		}
	}
	if s.chance(0.6) {
		ls = append(ls, "en")
	}
	ls = canonical(ls)
	d := domain.OfferDetails{
		Kind: kind, Category: cat,
		PartnershipTypes: pick(s, partnershipTypes[cat]),
		Title:            only(p.fullTitle, ls),
		Description:      only(p.fullDescription, ls),
		NACE:             sec.nace[:s.between(1, len(sec.nace))],
		Languages:        ls,
	}
	if s.chance(0.8) {
		d.TargetCountries = strings.Split(targets, "+")
		if s.chance(0.35) {
			for _, c := range d.TargetCountries {
				d.TargetRegions = append(d.TargetRegions, pick(s, regionPool[c]))
			}
		}
	}
	p.details = d
	return p
}

// interestMessageFor returns the indexes of the interest messages that
// fit offer d: buyers answer offers, suppliers answer requests, partners
// answer calls for cooperation.
func interestMessageFor(d domain.OfferDetails) []int {
	switch {
	case d.Category == "cooperation_partner" || d.Category == "rd_partner":
		return []int{0, 3, 4}
	case d.Kind == "request":
		return []int{2, 3, 4}
	}
	return []int{0, 1, 4}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// canonical orders language codes de, pl, cs, en and drops duplicates.
func canonical(ls []string) []string {
	var out []string
	for _, l := range langs {
		if slices.Contains(ls, l) {
			out = append(out, l)
		}
	}
	return out
}

// planOffers plans 400 offers and requests with their lifecycles and the
// interest other organisations expressed in them.
func (s *seeder) planOffers() []step {
	var owners []*org
	for _, o := range s.orgs {
		if o.deactivated {
			continue
		}
		w := 3
		switch o.p.Kind {
		case "large_enterprise":
			w = 4
		case "municipality", "association", "research_institute":
			w = 1
		case "chamber", "cluster", "agency", "university":
			w = 2
		}
		for range w {
			owners = append(owners, o)
		}
	}
	var fates []string
	for _, f := range offerFates {
		for range f.count {
			fates = append(fates, f.fate)
		}
	}
	s.shuffle(len(fates), func(i, j int) { fates[i], fates[j] = fates[j], fates[i] })
	warned, revised := 0, 0
	var steps []step
	for n := 1; n <= offerCount; n++ {
		p := s.planOffer(n, pick(s, owners))
		o := p.owner
		regDays := int(s.now.Sub(o.registered).Hours() / 24)
		draftAt := func(maxDays, minDays int) time.Time {
			t := s.workday(-s.between(minDays, max(minDays, min(maxDays, regDays-1))))
			if !t.After(o.registered) {
				t = o.registered.Add(time.Hour)
			}
			return t
		}
		publishAfter := func(drafted time.Time) time.Time { return s.after(drafted, 0, 1) }
		switch fate := fates[n-1]; fate {
		case "published":
			drafted := draftAt(330, 2)
			published := publishAfter(drafted)
			switch {
			case warned < 8 && s.chance(0.1):
				// Ends within two weeks: the scheduler warned the owner.
				warned++
				p.validUntil = s.day(s.between(3, 12), 23, 59)
				steps = append(steps, s.draftStep(p, drafted), s.publishStep(p, published), s.warnStep(p, s.now.Add(-time.Duration(s.between(20, 240))*time.Minute)))
			default:
				if s.chance(0.35) {
					p.validUntil = s.day(s.between(20, 500), 23, 59)
				}
				steps = append(steps, s.draftStep(p, drafted), s.publishStep(p, published))
				if revised < 25 && published.Before(s.now.Add(-4*24*time.Hour)) && s.chance(0.12) {
					revised++
					steps = append(steps, s.reviseStep(p, s.sometime(published.Add(24*time.Hour), s.workday(-1))))
				}
			}
			steps = append(steps, s.interestSteps(p, published.Add(2*time.Hour), s.now.Add(-2*time.Hour), 0.35, true)...)
		case "draft":
			steps = append(steps, s.draftStep(p, draftAt(45, 1)))
		case "withdrawn_draft":
			drafted := draftAt(150, 10)
			steps = append(steps, s.draftStep(p, drafted), s.withdrawStep(p, s.sometime(drafted.Add(24*time.Hour), s.workday(-1))))
		case "withdrawn_published":
			drafted := draftAt(300, 20)
			published := publishAfter(drafted)
			withdrawn := s.sometime(published.Add(3*24*time.Hour), s.workday(-1))
			steps = append(steps, s.draftStep(p, drafted), s.publishStep(p, published), s.withdrawStep(p, withdrawn))
			steps = append(steps, s.interestSteps(p, published.Add(2*time.Hour), withdrawn.Add(-2*time.Hour), 0.3, false)...)
		case "expired", "republished":
			pubDays := s.between(40, max(40, min(480, regDays-4)))
			drafted := s.workday(-pubDays - s.between(0, 2))
			if !drafted.After(o.registered) {
				drafted = o.registered.Add(time.Hour)
			}
			published := publishAfter(drafted)
			days := s.between(20, min(180, pubDays-6))
			p.validUntil = s.day(-pubDays+days, 23, 59)
			expired := p.validUntil.Add(time.Duration(s.between(5, 90)) * time.Minute)
			steps = append(steps, s.draftStep(p, drafted), s.publishStep(p, published), s.expireStep(p, expired))
			steps = append(steps, s.interestSteps(p, published.Add(2*time.Hour), p.validUntil.Add(-2*time.Hour), 0.3, true)...)
			if fate == "republished" {
				steps = append(steps, s.extendStep(p, s.sometime(expired.Add(24*time.Hour), s.workday(-1)), s.day(s.between(90, 365), 23, 59)))
			}
		}
	}
	return steps
}

func (s *seeder) draftStep(p *offerPlan, at time.Time) step {
	actor := partner(p.owner)
	cmd := domain.DraftOffer{OwnerOrgID: p.owner.id, Details: p.details, ValidUntil: p.validUntil}
	return step{at, p.id, func(at time.Time) error {
		_, err := execute(s, domain.OfferKind, p.id, actor, at, "draft", func(st domain.Offer, _ uint64, now time.Time) ([]domain.Payload, error) {
			return cmd.Decide(st, p.id, actor, now)
		})
		return err
	}}
}

// offerStep runs a command of the offer's owner (or another actor).
func (s *seeder) offerStep(p *offerPlan, actor domain.Actor, at time.Time, what string, decide func(domain.Offer, domain.Actor, time.Time) ([]domain.Payload, error)) step {
	return step{at, p.id, func(at time.Time) error {
		_, err := execute(s, domain.OfferKind, p.id, actor, at, what, func(st domain.Offer, _ uint64, now time.Time) ([]domain.Payload, error) {
			return decide(st, actor, now)
		})
		return err
	}}
}

func (s *seeder) publishStep(p *offerPlan, at time.Time) step {
	return s.offerStep(p, partner(p.owner), at, "publish", domain.PublishOffer{}.Decide)
}

func (s *seeder) warnStep(p *offerPlan, at time.Time) step {
	return s.offerStep(p, expiryScheduler, at, "warn of expiry of", domain.WarnOfferExpiry{}.Decide)
}

func (s *seeder) expireStep(p *offerPlan, at time.Time) step {
	return s.offerStep(p, expiryScheduler, at, "expire", domain.ExpireOffer{}.Decide)
}

func (s *seeder) extendStep(p *offerPlan, at, until time.Time) step {
	return s.offerStep(p, partner(p.owner), at, "extend", domain.ExtendOfferValidity{ValidUntil: until}.Decide)
}

func (s *seeder) withdrawStep(p *offerPlan, at time.Time) step {
	reason := get(pick(s, withdrawReasons), p.owner.lang)
	return s.offerStep(p, partner(p.owner), at, "withdraw", domain.WithdrawOffer{Reason: reason}.Decide)
}

// reviseStep adds an English version or, if there is one, a note on what
// changed.
func (s *seeder) reviseStep(p *offerPlan, at time.Time) step {
	d := p.details
	d.Languages = slices.Clone(d.Languages)
	if !slices.Contains(d.Languages, "en") {
		d.Languages = canonical(append(d.Languages, "en"))
		d.Title, d.Description = only(p.fullTitle, d.Languages), only(p.fullDescription, d.Languages)
	} else {
		d.Description = only(sentences(p.fullDescription, pick(s, revisionNotes)), d.Languages)
	}
	return s.offerStep(p, partner(p.owner), at, "revise", domain.ReviseOffer{Details: d}.Decide)
}

// interestSteps plans the interest organisations express in offer p
// between from and to, and the owner's answers: with probability share
// one to three interests; accepted only if accept allows it.
func (s *seeder) interestSteps(p *offerPlan, from, to time.Time, share float64, accept bool) []step {
	if !to.After(from) || !s.chance(share) {
		return nil
	}
	n := 1
	if r := s.rng.Float64(); r < 0.08 {
		n = 3
	} else if r < 0.3 {
		n = 2
	}
	times := make([]time.Time, n)
	for i := range times {
		times[i] = s.sometime(from, to)
	}
	slices.SortFunc(times, time.Time.Compare)
	owner := partner(p.owner)
	var steps []step
	var chosen []*org
	for _, at := range times {
		o := s.interestedIn(p, at, chosen)
		if o == nil {
			continue
		}
		chosen = append(chosen, o)
		interestID := id("interest", len(chosen)*1000+p.n)
		lang := o.lang
		if !slices.Contains(p.details.Languages, lang) {
			lang = "en"
		}
		cmd := domain.ExpressInterest{InterestID: interestID, OrgID: o.id, Message: get(interestMessages[pick(s, interestMessageFor(p.details))], lang)}
		steps = append(steps, s.offerStep(p, partner(o), at, "express interest in", cmd.Decide))
		decided := s.after(at, 0, 6)
		if decided.After(s.now.Add(-30 * time.Minute)) {
			continue // still pending
		}
		switch r := s.rng.Float64(); {
		case accept && r < 0.45:
			steps = append(steps, s.offerStep(p, owner, decided, "accept interest in", domain.AcceptInterest{InterestID: interestID}.Decide))
		case r < 0.7:
			reason := ""
			if s.chance(0.7) {
				reason = get(pick(s, declineReasons), p.owner.lang)
			}
			steps = append(steps, s.offerStep(p, owner, decided, "decline interest in", domain.DeclineInterest{InterestID: interestID, Reason: reason}.Decide))
		}
	}
	return steps
}

// interestedIn chooses an organisation interested in p at t: active, not
// the owner nor already interested; mostly from another country and often
// from the same line of business.
func (s *seeder) interestedIn(p *offerPlan, t time.Time, chosen []*org) *org {
	ok := func(o *org) bool { return o != p.owner && o.active(t) && !slices.Contains(chosen, o) }
	sameSector := func(o *org) bool {
		return slices.ContainsFunc(o.sectors, func(sec *sector) bool { return slices.Contains(p.owner.sectors, sec) })
	}
	foreign := func(o *org) bool { return o.country != p.owner.country }
	filters := [][]func(*org) bool{{ok, foreign, sameSector}, {ok, foreign}, {ok}}
	start := 0
	if !s.chance(0.5) {
		start = 1
	}
	if s.chance(0.15) {
		start = 2
	}
	for _, fs := range filters[start:] {
		var cands []*org
		for _, o := range s.orgs {
			if !slices.ContainsFunc(fs, func(f func(*org) bool) bool { return !f(o) }) {
				cands = append(cands, o)
			}
		}
		if len(cands) > 0 {
			return pick(s, cands)
		}
	}
	return nil
}
