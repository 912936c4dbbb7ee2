package projections_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/memory"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// saveSearch saves search id of orgID.
func (h *harness) saveSearch(id, orgID, name string, f domain.SearchFilters, minScore float64) {
	h.t.Helper()
	execute(h, domain.SavedSearchKind, id, func(s domain.SavedSearch, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.CreateSavedSearch{OrgID: orgID, Name: name, Filters: f, MinScore: minScore}.Decide(s, id, a, now)
	})
}

// registerWebhook registers webhook id of orgID.
func (h *harness) registerWebhook(id, orgID, url, secret string) {
	h.t.Helper()
	execute(h, domain.WebhookKind, id, func(w domain.Webhook, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterWebhook{OrgID: orgID, URL: url, Secret: secret}.Decide(w, id, a, now)
	})
}

func savedSearchIDs(h *harness, key string) []string {
	h.t.Helper()
	var out []string
	for _, d := range listAs[projections.SavedSearchDoc](h, projections.SavedSearchCollection, key) {
		out = append(out, d.ID)
	}
	return out
}

func webhookIDs(h *harness, key string) []string {
	h.t.Helper()
	var out []string
	for _, d := range listAs[projections.WebhookDoc](h, projections.WebhookCollection, key) {
		out = append(out, d.ID)
	}
	return out
}

func TestSubscriptions(t *testing.T) {
	h := newHarness(t, projections.NewSubscriptions())
	const secret = "whsec_dGhpcy1pcy10aGUtdGVzdC1zZWNyZXQtb2YtdGhlLXdlYmhvb2s"

	createdAt := h.now
	h.saveSearch("s1", "de1", "Lohnfertigung in Polen", domain.SearchFilters{NACE: []string{"25", "c"}, Countries: []string{"pl"}, Kinds: []string{"offer"}}, 40)
	h.atDay(1)
	h.saveSearch("s2", "de1", "Spritzguss", domain.SearchFilters{Q: "Spritzguss"}, 0)
	h.saveSearch("s3", "pl1", "Partnerzy B+R", domain.SearchFilters{Categories: []string{"rd_partner"}, Languages: []string{"pl", "en"}}, 60)
	h.registerWebhook("w1", "de1", "https://erp.example.de/nisa", secret)
	h.atDay(2)
	h.registerWebhook("w2", "de1", "https://crm.example.de/hooks/nisa", secret)
	h.registerWebhook("w3", "pl1", "https://example.pl/nisa", secret)
	h.sync()

	d := docAs[projections.SavedSearchDoc](h, projections.SavedSearchCollection, "s1")
	want := projections.SavedSearchDoc{ID: "s1", OrgID: "de1", Name: "Lohnfertigung in Polen",
		Filters:  domain.SearchFilters{Kinds: []string{"offer"}, Categories: []string{}, PartnershipTypes: []string{}, NACE: []string{"25", "C"}, Countries: []string{"PL"}, NUTS: []string{}, Languages: []string{}},
		MinScore: 40, CreatedAt: createdAt, UpdatedAt: createdAt}
	if !equalJSON(t, d, want) {
		t.Errorf("saved search:\n got  %+v\n want %+v", d, want)
	}
	for key, want := range map[string][]string{"org:de1": {"s2", "s1"}, "org:pl1": {"s3"}, "org:cz1": nil} {
		if got := savedSearchIDs(h, key); !slices.Equal(got, want) {
			t.Errorf("saved searches %s = %v, want %v", key, got, want)
		}
	}
	for key, want := range map[string][]string{"org:de1": {"w2", "w1"}, "org:pl1": {"w3"}} {
		if got := webhookIDs(h, key); !slices.Equal(got, want) {
			t.Errorf("webhooks %s = %v, want %v", key, got, want)
		}
	}
	w := docAs[projections.WebhookDoc](h, projections.WebhookCollection, "w1")
	if w != (projections.WebhookDoc{ID: "w1", OrgID: "de1", URL: "https://erp.example.de/nisa", CreatedAt: createdAt.AddDate(0, 0, 1)}) {
		t.Errorf("webhook: %+v", w)
	}

	// A change replaces what the search looks for and keeps its place.
	h.atDay(3)
	execute(h, domain.SavedSearchKind, "s1", func(s domain.SavedSearch, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.ChangeSavedSearch{Name: "Lohnfertigung CZ", Filters: domain.SearchFilters{NACE: []string{"25"}, Countries: []string{"CZ"}}, MinScore: 55}.Decide(s, a, now)
	})
	// Deleted searches and removed webhooks leave the lists.
	execute(h, domain.SavedSearchKind, "s2", func(s domain.SavedSearch, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.DeleteSavedSearch{}.Decide(s, a, now)
	})
	execute(h, domain.WebhookKind, "w2", func(w domain.Webhook, a domain.Actor, now time.Time) ([]domain.Payload, error) {
		return domain.RemoveWebhook{}.Decide(w, a, now)
	})
	h.sync()
	d = docAs[projections.SavedSearchDoc](h, projections.SavedSearchCollection, "s1")
	if d.Name != "Lohnfertigung CZ" || d.MinScore != 55 || !slices.Equal(d.Filters.Countries, []string{"CZ"}) || !slices.Equal(d.Filters.NACE, []string{"25"}) ||
		!d.CreatedAt.Equal(createdAt) || !d.UpdatedAt.Equal(h.now) {
		t.Errorf("changed saved search: %+v", d)
	}
	if got := savedSearchIDs(h, "org:de1"); !slices.Equal(got, []string{"s1"}) {
		t.Errorf("saved searches of de1 after a deletion: %v", got)
	}
	if _, ok, err := h.reads.Doc(h.ctx, projections.SavedSearchCollection, "s2"); ok || err != nil {
		t.Errorf("deleted saved search s2 is still there (%v)", err)
	}
	if got := webhookIDs(h, "org:de1"); !slices.Equal(got, []string{"w1"}) {
		t.Errorf("webhooks of de1 after a removal: %v", got)
	}

	// The secret is never part of the read models.
	for _, line := range h.dump(projections.SubscriptionsName) {
		if strings.Contains(line, secret) || strings.Contains(line, "secret") {
			t.Errorf("the read model holds the secret: %s", line)
		}
	}
	var raw map[string]any
	b, _ := json.Marshal(w)
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 4 {
		t.Errorf("webhook doc encodes as %s", b)
	}

	// Applied to a store that keeps only JSON, as PostgreSQL does, the
	// same log gives the same read models; so does a rebuild.
	js := memory.New()
	defer js.Close()
	hj := h.withReads(jsonStore{js})
	hj.batch = 2
	hj.sync()
	if a, b := h.dump(projections.SubscriptionsName), hj.dump(projections.SubscriptionsName); len(a) == 0 || !slices.Equal(a, b) {
		t.Errorf("%d lines from values, %d from JSON; they differ:\n%v\n%v", len(a), len(b), a, b)
	}
	h.checkRebuild(1)
	h.checkRebuild(100)
}

// seedSubscriptions saves a search and registers a webhook in store, for
// tests that run every projection over the demo network (which has no
// subscriptions of its own).
func seedSubscriptions(t testing.TB, store domain.EventStore) {
	t.Helper()
	ctx, cmds, sys := context.Background(), domain.NewCommands(store), domain.System("test")
	if _, err := domain.Execute(ctx, cmds, domain.SavedSearchKind, "demo-search", domain.Request{Actor: sys}, func(s domain.SavedSearch, _ uint64, now time.Time) ([]domain.Payload, error) {
		return domain.CreateSavedSearch{OrgID: "demo-subscriber", Name: "Lohnfertigung", Filters: domain.SearchFilters{NACE: []string{"25"}}, MinScore: 40}.Decide(s, "demo-search", sys, now)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := domain.Execute(ctx, cmds, domain.WebhookKind, "demo-webhook", domain.Request{Actor: sys}, func(w domain.Webhook, _ uint64, now time.Time) ([]domain.Payload, error) {
		return domain.RegisterWebhook{OrgID: "demo-subscriber", URL: "https://erp.example.org/nisa", Secret: "whsec_demo"}.Decide(w, "demo-webhook", sys, now)
	}); err != nil {
		t.Fatal(err)
	}
}
