package projections

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// SubscriptionsName is the name of the Subscriptions projection.
const SubscriptionsName = "subscriptions"

// SavedSearchCollection is the collection of SavedSearchDoc documents, one
// per saved search that was not deleted, keyed by saved search id and
// listed under "org:<organisation id>", most recently created first.
const SavedSearchCollection = "saved_search"

// WebhookCollection is the collection of WebhookDoc documents, one per
// webhook that was not removed, keyed by webhook id and listed under
// "org:<organisation id>", most recently registered first.
const WebhookCollection = "webhook"

// SavedSearchDoc is a saved search (match alert) as lists show it.
type SavedSearchDoc struct {
	ID        string               `json:"id"`
	OrgID     string               `json:"organisation_id"`
	Name      string               `json:"name"`
	Filters   domain.SearchFilters `json:"filters"`
	MinScore  float64              `json:"min_score"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
}

// WebhookDoc is a webhook as lists show it. It never holds the secret.
type WebhookDoc struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"organisation_id"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at"`
}

// Subscriptions is the projection "subscriptions": what organisations
// subscribed to, for listing. SavedSearchCreated and SavedSearchChanged
// write a SavedSearchDoc to collection "saved_search", SavedSearchDeleted
// removes it; WebhookRegistered writes a WebhookDoc (without the secret)
// to collection "webhook", WebhookRemoved removes it.
//
// Everything follows from the events: times come from the payloads.
type Subscriptions struct{}

// NewSubscriptions returns the subscriptions projection.
func NewSubscriptions() *Subscriptions { return &Subscriptions{} }

// Name implements Projection.
func (*Subscriptions) Name() string { return SubscriptionsName }

// subscriptionsEvents are the event types the subscriptions projection
// applies.
var subscriptionsEvents = map[string]bool{
	domain.SavedSearchCreated{}.EventType(): true,
	domain.SavedSearchChanged{}.EventType(): true,
	domain.SavedSearchDeleted{}.EventType(): true,
	domain.WebhookRegistered{}.EventType():  true,
	domain.WebhookRemoved{}.EventType():     true,
}

// Handles implements Projection.
func (*Subscriptions) Handles(eventType string) bool { return subscriptionsEvents[eventType] }

// Apply implements Projection.
func (s *Subscriptions) Apply(ctx context.Context, tx Tx, ev domain.Event, p domain.Payload) error {
	switch e := p.(type) {
	case domain.SavedSearchCreated:
		return s.putSavedSearch(ctx, tx, SavedSearchDoc{ID: e.SavedSearchID, OrgID: e.OrgID, Name: e.Name, Filters: e.Filters,
			MinScore: e.MinScore, CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt})
	case domain.SavedSearchChanged:
		d, ok, err := getDocAs[SavedSearchDoc](ctx, tx, SavedSearchCollection, e.SavedSearchID)
		if err != nil || !ok {
			// A change of a search never seen created (or deleted) changes nothing.
			return err
		}
		d.Name, d.Filters, d.MinScore, d.UpdatedAt = e.Name, e.Filters, e.MinScore, e.ChangedAt
		return s.putSavedSearch(ctx, tx, d)
	case domain.SavedSearchDeleted:
		return tx.Delete(ctx, SavedSearchCollection, e.SavedSearchID)
	case domain.WebhookRegistered:
		d := WebhookDoc{ID: e.WebhookID, OrgID: e.OrgID, URL: e.URL, CreatedAt: e.CreatedAt}
		return tx.Put(ctx, Doc{Coll: WebhookCollection, ID: d.ID, Keys: []string{"org:" + d.OrgID}, Sort: d.CreatedAt.Unix(), Value: d})
	case domain.WebhookRemoved:
		return tx.Delete(ctx, WebhookCollection, e.WebhookID)
	}
	if s.Handles(ev.Type) {
		return fmt.Errorf("projections: subscriptions: event %s (%s) has payload %T", ev.Type, ev.StreamID, p)
	}
	return nil
}

// putSavedSearch writes d with its own copies of the filter lists.
func (*Subscriptions) putSavedSearch(ctx context.Context, tx Tx, d SavedSearchDoc) error {
	f := &d.Filters
	for _, l := range []*[]string{&f.Kinds, &f.Categories, &f.PartnershipTypes, &f.NACE, &f.Countries, &f.NUTS, &f.Languages} {
		if *l = slices.Clone(*l); *l == nil {
			*l = []string{}
		}
	}
	return tx.Put(ctx, Doc{Coll: SavedSearchCollection, ID: d.ID, Keys: []string{"org:" + d.OrgID}, Sort: d.CreatedAt.Unix(), Value: d})
}
