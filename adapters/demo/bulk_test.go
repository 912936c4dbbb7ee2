package demo

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/domain"
)

func TestBulk(t *testing.T) {
	ctx := context.Background()
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	last := 0
	sum, err := Bulk(ctx, s, BulkConfig{Organisations: 40, Offers: 100, Events: 1000, Now: time.Now(), Workers: 8}, func(n int) {
		mu.Lock()
		last = max(last, n)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 1000 || last != 1000 || len(sum.OfferIDs) != 100 || len(sum.OrgIDs) != 40 {
		t.Fatalf("summary %+v, progress %d", sum, last)
	}
	evs := readAll(t, s)
	if len(evs) != 1000 {
		t.Fatalf("%d events in the log", len(evs))
	}
	types := map[string]int{}
	for _, ev := range evs {
		p, err := domain.Decode(ev)
		if err != nil {
			t.Fatalf("event %s does not decode: %v", ev.Type, err)
		}
		types[p.EventType()]++
	}
	if types["OrganisationRegistered"] != 40 || types["OfferDrafted"] != 100 || types["OfferPublished"] != 100 || types["OfferRevised"] == 0 || types["OfferInterestExpressed"] == 0 {
		t.Errorf("event types %v", types)
	}
	// Every offer passes the domain's validation: replaying its stream
	// through the aggregate gives a published offer.
	for _, id := range sum.OfferIDs[:10] {
		o, _, err := domain.Load(ctx, s, domain.OfferKind, id, time.Time{})
		if err != nil || o.Status != domain.OfferStatusPublished {
			t.Fatalf("offer %s: %+v %v", id, o.Status, err)
		}
		if _, err := o.Details.Normalize(); err != nil {
			t.Errorf("offer %s details invalid: %v", id, err)
		}
	}
}
