package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

func publishOffer(t *testing.T, cmds *domain.Commands, id string, at, until time.Time) {
	t.Helper()
	ctx := context.Background()
	admin := domain.Actor{ID: "test", Role: domain.RoleAdmin}
	details := domain.OfferDetails{Kind: "offer", Category: "service", Title: domain.Text{DE: "CNC-Fräsen"}, Description: domain.Text{DE: "Lohnfertigung"}, NACE: []string{"25"}, Languages: []string{"de"}}
	req := domain.Request{Actor: admin, Now: at}
	if _, err := domain.Execute(ctx, cmds, domain.OfferKind, id, req, func(o domain.Offer, _ uint64, now time.Time) ([]domain.Payload, error) {
		return domain.DraftOffer{OwnerOrgID: "org-1", Details: details, ValidUntil: until}.Decide(o, id, admin, now)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := domain.Execute(ctx, cmds, domain.OfferKind, id, req, func(o domain.Offer, _ uint64, now time.Time) ([]domain.Payload, error) {
		return domain.PublishOffer{}.Decide(o, admin, now)
	}); err != nil {
		t.Fatal(err)
	}
}

func TestOfferExpiry(t *testing.T) {
	store, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := time.Now().UTC()
	cmds := domain.NewCommands(store)
	publishOffer(t, cmds, "past", now.AddDate(0, 0, -400), now.AddDate(0, 0, -10))
	publishOffer(t, cmds, "soon", now.AddDate(0, 0, -30), now.AddDate(0, 0, 7))
	publishOffer(t, cmds, "later", now.AddDate(0, 0, -30), now.AddDate(0, 0, 60))

	// Two schedulers, as two server processes would run them.
	a := projections.NewOfferExpiry(domain.NewCommands(store), time.Hour, nil)
	b := projections.NewOfferExpiry(domain.NewCommands(store), time.Hour, nil)
	go a.Run(ctx)
	go b.Run(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		past, _, _ := domain.Load(ctx, store, domain.OfferKind, "past", time.Time{})
		soon, _, _ := domain.Load(ctx, store, domain.OfferKind, "soon", time.Time{})
		if past.Status == domain.OfferStatusExpired && !soon.ExpiryWarnedFor.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: past is %s, soon warned for %v", past.Status, soon.ExpiryWarnedFor)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Ticking again, in both, changes nothing more.
	a.Tick(ctx)
	b.Tick(ctx)
	for id, want := range map[string]int{"past": 3, "soon": 3, "later": 2} {
		evs, err := store.ReadStream(ctx, "offer-"+id, domain.ReadStreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != want {
			t.Errorf("offer %s has %d events, want %d", id, len(evs), want)
		}
		if want == 3 && evs[2].Actor != domain.System("expiry").String() {
			t.Errorf("offer %s: last event by %q", id, evs[2].Actor)
		}
	}
}
