package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// BulkConfig sizes a bulk load.
type BulkConfig struct {
	// Organisations and Offers are how many organisation profiles and
	// published offers/requests to create (defaults 20,000 and 100,000).
	Organisations int
	Offers        int
	// Events is the total number of events to append; what the
	// organisations and offers leave over is filled with revisions of
	// offers and expressions of interest. Zero: just the organisations and
	// offers.
	Events int
	// Now anchors the event times (default time.Now()).
	Now time.Time
	// Workers append concurrently (default 16).
	Workers int
}

// BulkSummary counts what Bulk appended.
type BulkSummary struct {
	Organisations, Offers, Events int
	// OfferIDs lists the created offers, requests first half by kind
	// ("offer" ids at even indexes, "request" at odd ones).
	OfferIDs []string
	OrgIDs   []string
}

// Bulk appends a large, realistic network straight to an event store, for
// benchmarks: organisation profiles from the demo's towns and lines of
// business, offers and requests with multilingual titles and NACE codes,
// then revisions and expressions of interest up to cfg.Events. Unlike Seed
// it does not run the domain commands (deciding a million events one by
// one would take minutes); every payload is a valid event of the current
// schema, appended with the same expected-version rules the commands use.
// progress, when set, is called with the number of events appended so far,
// from several goroutines at once.
func Bulk(ctx context.Context, store domain.EventStore, cfg BulkConfig, progress func(n int)) (BulkSummary, error) {
	if cfg.Organisations <= 0 {
		cfg.Organisations = 20000
	}
	if cfg.Offers <= 0 {
		cfg.Offers = 100000
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	run := fmt.Sprintf("%x", rand.Uint32())
	sum := BulkSummary{Organisations: cfg.Organisations, Offers: cfg.Offers}
	orgs := make([]bulkOrg, cfg.Organisations)
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range orgs {
		t := towns[rng.IntN(len(towns))]
		sec := sectors[rng.IntN(len(sectors)-3)]
		orgs[i] = bulkOrg{id: "bulk-" + run + "-org-" + strconv.Itoa(i), town: t, sector: sec}
		sum.OrgIDs = append(sum.OrgIDs, orgs[i].id)
	}
	var appended atomic.Int64
	report := func(n int) {
		v := appended.Add(int64(n))
		if progress != nil {
			progress(int(v))
		}
	}
	start := cfg.Now.Add(-400 * 24 * time.Hour)
	// Organisations.
	if err := runParallel(ctx, cfg.Workers, len(orgs), func(i int) error {
		o := orgs[i]
		p := o.profile(i)
		at := start.Add(time.Duration(i) * time.Second)
		if err := appendPayloads(ctx, store, "organisation-"+o.id, domain.NoStream, domain.OrganisationRegistered{OrganisationID: o.id, Profile: p, RegisteredAt: at}); err != nil {
			return err
		}
		report(1)
		return nil
	}); err != nil {
		return sum, err
	}
	// Offers: drafted and published.
	sum.OfferIDs = make([]string, cfg.Offers)
	if err := runParallel(ctx, cfg.Workers, cfg.Offers, func(i int) error {
		r := rand.New(rand.NewPCG(uint64(i), 99))
		o := orgs[r.IntN(len(orgs))]
		id := "bulk-" + run + "-offer-" + strconv.Itoa(i)
		sum.OfferIDs[i] = id
		d := o.offerDetails(r, i)
		at := start.Add(time.Duration(cfg.Organisations+i) * time.Second)
		if err := appendPayloads(ctx, store, "offer-"+id, domain.NoStream,
			domain.OfferDrafted{OfferID: id, OwnerOrgID: o.id, Details: d, DraftedAt: at},
			domain.OfferPublished{OfferID: id, ValidUntil: cfg.Now.Add(300 * 24 * time.Hour), PublishedAt: at.Add(time.Minute)}); err != nil {
			return err
		}
		report(2)
		return nil
	}); err != nil {
		return sum, err
	}
	sum.Events = int(appended.Load())
	// Filler: revisions and interests, up to bulkFillerBatch events per
	// append to one offer.
	rest := cfg.Events - sum.Events
	if rest > 0 && cfg.Offers > 0 {
		var versions sync.Map // offer id → *sync.Mutex: one append at a time per offer
		jobs := (rest + bulkFillerBatch - 1) / bulkFillerBatch
		if err := runParallel(ctx, cfg.Workers, jobs, func(j int) error {
			r := rand.New(rand.NewPCG(uint64(j), 123))
			n := r.IntN(cfg.Offers)
			id := sum.OfferIDs[n]
			owner := orgs[rand.New(rand.NewPCG(uint64(n), 99)).IntN(len(orgs))]
			var ps []domain.Payload
			for k := 0; k < bulkFillerBatch && j*bulkFillerBatch+k < rest; k++ {
				i := j*bulkFillerBatch + k
				at := cfg.Now.Add(-time.Duration(rest-i) * time.Second)
				if i%3 == 0 {
					o := orgs[r.IntN(len(orgs))]
					ps = append(ps, domain.OfferInterestExpressed{OfferID: id, InterestID: "i" + strconv.Itoa(i), OrgID: o.id, Message: "Wir sind interessiert / Jesteśmy zainteresowani.", ExpressedAt: at})
				} else {
					ps = append(ps, domain.OfferRevised{OfferID: id, Details: owner.offerDetails(r, n), RevisedAt: at})
				}
			}
			v, _ := versions.LoadOrStore(id, new(sync.Mutex))
			mu := v.(*sync.Mutex)
			mu.Lock()
			defer mu.Unlock()
			if err := appendPayloads(ctx, store, "offer-"+id, domain.StreamExists, ps...); err != nil {
				return err
			}
			report(len(ps))
			return nil
		}); err != nil {
			return sum, err
		}
	}
	sum.Events = int(appended.Load())
	return sum, nil
}

// bulkFillerBatch is how many filler events one append carries.
const bulkFillerBatch = 8

type bulkOrg struct {
	id     string
	town   town
	sector *sector
}

func (o bulkOrg) country() string {
	switch o.town.nuts[:2] {
	case "PL":
		return "PL"
	case "CZ":
		return "CZ"
	}
	return "DE"
}

func (o bulkOrg) profile(i int) domain.OrganisationProfile {
	c := o.country()
	lang := countryLang[c]
	st := o.sector.stems[lang]
	name := st[i%len(st)] + " " + o.town.name + " " + strconv.Itoa(i)
	langs := []string{lang}
	if i%2 == 0 {
		langs = append(langs, "en")
	}
	return domain.OrganisationProfile{
		Name: name, Kind: "sme", Country: c, NUTS: o.town.nuts,
		Address:     domain.Address{City: o.town.name, PostalCode: o.town.postal, Country: c},
		Sectors:     o.sector.nace,
		Languages:   canonical(langs),
		Description: only(o.sector.about, langs),
	}
}

func (o bulkOrg) offerDetails(r *rand.Rand, i int) domain.OfferDetails {
	sec := o.sector
	kind, cat := "offer", "product"
	pool := sec.products
	switch {
	case i%2 == 1:
		kind, cat, pool = "request", "supplier_search", sec.needs
	case len(sec.services) > 0 && r.IntN(2) == 0:
		cat, pool = "service", sec.services
	}
	if len(pool) == 0 {
		pool = sec.products
	}
	if len(pool) == 0 {
		pool = sec.topics
	}
	title := pool[r.IntN(len(pool))]
	c := o.country()
	langs := canonical([]string{countryLang[c], "en"})
	targets := []string{"DE", "PL", "CZ"}
	return domain.OfferDetails{
		Kind: kind, Category: cat, PartnershipTypes: partnershipTypes[cat][0],
		Title:           only(title, langs),
		Description:     only(sec.about, langs),
		NACE:            sec.nace[:1],
		TargetCountries: []string{targets[r.IntN(3)]},
		Languages:       langs,
	}
}

// appendPayloads encodes payloads and appends them to one stream.
func appendPayloads(ctx context.Context, store domain.EventStore, stream string, exp domain.ExpectedVersion, ps ...domain.Payload) error {
	evs := make([]domain.EventData, 0, len(ps))
	for _, p := range ps {
		d, err := domain.Encode(p)
		if err != nil {
			return err
		}
		d.ID, d.Actor = domain.NewEventID(), "system:bulk"
		evs = append(evs, d)
	}
	_, err := store.Append(ctx, stream, exp, evs)
	return err
}

// runParallel runs f(0..n-1) on workers goroutines and returns the first
// error.
func runParallel(ctx context.Context, workers, n int, f func(i int) error) error {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		once sync.Once
		ferr error
	)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { ferr = err })
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	if ferr != nil {
		return ferr
	}
	return ctx.Err()
}
