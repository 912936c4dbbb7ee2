package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// Match alerts (DESIGN.md §1, §4): saved searches at /v1/saved-searches and
// the webhooks alerts are posted to at /v1/webhooks.
//
// Visibility: a saved search or webhook is visible to its organisation's
// partner, admins, coordinators and auditors; every other caller gets 404
// not_found, for reads and commands alike, exactly as for an unknown id.
// Saving, changing and deleting searches and registering and removing
// webhooks is for admins and the organisation's partner.
//
// A webhook's signing secret is made by the server and shown once, in the
// answer to its registration (with Cache-Control: no-store); no read or
// list ever shows it.

// savedSearchBody is the body of POST /v1/saved-searches.
type savedSearchBody struct {
	// OrganisationID is the organisation alerted; partners may omit it to
	// save a search for their own organisation.
	OrganisationID string               `json:"organisation_id,omitempty"`
	Name           string               `json:"name"`
	Filters        domain.SearchFilters `json:"filters"`
	// MinScore is the least match score (0..100) an offer needs to alert.
	MinScore float64 `json:"min_score"`
}

// savedSearchChangeBody is the body of PUT /v1/saved-searches/{id}: the
// name, filters and minimum score replace the current ones.
type savedSearchChangeBody struct {
	Name     string               `json:"name"`
	Filters  domain.SearchFilters `json:"filters"`
	MinScore float64              `json:"min_score"`
}

// savedSearchPage is a page of an organisation's saved searches.
type savedSearchPage struct {
	Items []projections.SavedSearchDoc `json:"items"`
	// NextCursor continues with the next page (?cursor=); absent at the end.
	NextCursor string `json:"next_cursor,omitempty"`
}

// webhookBody is the body of POST /v1/webhooks.
type webhookBody struct {
	// OrganisationID is the organisation whose alerts are posted; partners
	// may omit it to register a webhook for their own organisation.
	OrganisationID string `json:"organisation_id,omitempty"`
	// URL receives the alerts: an absolute https URL (http only where the
	// server allows it).
	URL string `json:"url"`
}

// createdWebhook is the answer to a webhook registration: the only time
// its secret is shown.
type createdWebhook struct {
	domain.Webhook
	// Secret signs the alerts posted to the webhook ("whsec_…").
	Secret string `json:"secret"`
}

// webhookPage is a page of an organisation's webhooks.
type webhookPage struct {
	Items []projections.WebhookDoc `json:"items"`
	// NextCursor continues with the next page (?cursor=); absent at the end.
	NextCursor string `json:"next_cursor,omitempty"`
}

func (a *API) alertRoutes() []route {
	ss, wk := domain.SavedSearchKind, domain.WebhookKind
	return []route{
		{method: "POST", path: "/v1/saved-searches", op: "createSavedSearch", summary: "Save a search (match alert): free text q and the filters of the offer search; offers that match it with at least min_score (0..100) alert the organisation", who: "admin, the organisation's partner",
			body: savedSearchBody{}, resp: domain.SavedSearch{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b savedSearchBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				if b.OrganisationID == "" && c.actor.Role == domain.RolePartner {
					b.OrganisationID = c.actor.OrgID
				}
				id := c.newID("saved-search")
				return create(w, r, c, ss, id, "/v1/saved-searches/"+id, func(s domain.SavedSearch, _ uint64, now time.Time) ([]domain.Payload, error) {
					evs, err := domain.CreateSavedSearch{OrgID: b.OrganisationID, Name: b.Name, Filters: b.Filters, MinScore: b.MinScore}.Decide(s, id, c.actor, now)
					if err != nil {
						return nil, err
					}
					return evs, a.checkActiveOrgs(r.Context(), orgRef{"organisation_id", b.OrganisationID})
				})
			}},
		{method: "GET", path: "/v1/saved-searches", readModel: true, op: "listSavedSearches",
			summary: "An organisation's saved searches, most recently created first (deleted ones are left out): ?organisation_id= (a partner's own by default), ?cursor=, ?limit= (1..100, default 20)",
			who:     "admin, coordinator, auditor, the organisation's partner",
			resp:    savedSearchPage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				vals, next, err := a.listSubscriptions(r, c, projections.SavedSearchCollection, "saved searches")
				if err != nil {
					return err
				}
				items, err := listAs[projections.SavedSearchDoc](vals)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, savedSearchPage{Items: items, NextCursor: next})
				return nil
			}},
		{method: "GET", path: "/v1/saved-searches/{id}", op: "getSavedSearch", summary: "Read a saved search (as_of: as it was then)", who: "admin, coordinator, auditor, the organisation's partner",
			resp: domain.SavedSearch{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				id := r.PathValue("id")
				return read(w, r, c, ss, id, func(s domain.SavedSearch) (any, error) {
					if !c.readsFor(s.OrgID) {
						return nil, subscriptionHidden(ss.StreamID(id))
					}
					return s, nil
				})
			}},
		{method: "PUT", path: "/v1/saved-searches/{id}", op: "changeSavedSearch", summary: "Replace the name, filters and minimum score of a saved search", who: "admin, the organisation's partner",
			body: savedSearchChangeBody{}, resp: domain.SavedSearch{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b savedSearchChangeBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				return subscriptionChange(w, r, c, ss, r.PathValue("id"), func(s domain.SavedSearch) string { return s.OrgID },
					func(s domain.SavedSearch, now time.Time) ([]domain.Payload, error) {
						return domain.ChangeSavedSearch{Name: b.Name, Filters: b.Filters, MinScore: b.MinScore}.Decide(s, c.actor, now)
					})
			}},
		{method: "DELETE", path: "/v1/saved-searches/{id}", op: "deleteSavedSearch", summary: "Delete a saved search for good; answers with its final state", who: "admin, the organisation's partner",
			resp: domain.SavedSearch{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				return subscriptionChange(w, r, c, ss, r.PathValue("id"), func(s domain.SavedSearch) string { return s.OrgID },
					func(s domain.SavedSearch, now time.Time) ([]domain.Payload, error) {
						return domain.DeleteSavedSearch{}.Decide(s, c.actor, now)
					})
			}},

		{method: "POST", path: "/v1/webhooks", op: "registerWebhook", summary: "Register a webhook that receives the organisation's match alerts; the answer shows its signing secret, once", who: "admin, the organisation's partner",
			body: webhookBody{}, resp: createdWebhook{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b webhookBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				if b.OrganisationID == "" && c.actor.Role == domain.RolePartner {
					b.OrganisationID = c.actor.OrgID
				}
				req, err := c.request(r)
				if err != nil {
					return err
				}
				req.Expected = nil // a new aggregate: any If-Match is meaningless
				secret, err := newWebhookSecret()
				if err != nil {
					return err
				}
				id := c.newID("webhook")
				stored := secret
				if a.cfg.Secrets != nil {
					if stored, err = a.cfg.Secrets.SealSecret(r.Context(), domain.WebhookKind.StreamID(id), secret); err != nil {
						return err
					}
				}
				res, err := domain.Execute(r.Context(), c.api.cmds, wk, id, req, func(wh domain.Webhook, _ uint64, now time.Time) ([]domain.Payload, error) {
					evs, err := domain.RegisterWebhook{OrgID: b.OrganisationID, URL: b.URL, Secret: stored}.Decide(wh, id, c.actor, now)
					if err != nil {
						return nil, err
					}
					if err := a.checkWebhookScheme(b.URL); err != nil {
						return nil, err
					}
					return evs, a.checkActiveOrgs(r.Context(), orgRef{"organisation_id", b.OrganisationID})
				})
				if err != nil {
					return err
				}
				w.Header().Set("Cache-Control", "no-store")
				return writeState(w, http.StatusCreated, "/v1/webhooks/"+id, createdWebhook{Webhook: res.State, Secret: secret}, res.Version)
			}},
		{method: "GET", path: "/v1/webhooks", readModel: true, op: "listWebhooks",
			summary: "An organisation's webhooks, most recently registered first (removed ones are left out; never their secrets): ?organisation_id= (a partner's own by default), ?cursor=, ?limit= (1..100, default 20)",
			who:     "admin, coordinator, auditor, the organisation's partner",
			resp:    webhookPage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				vals, next, err := a.listSubscriptions(r, c, projections.WebhookCollection, "webhooks")
				if err != nil {
					return err
				}
				items, err := listAs[projections.WebhookDoc](vals)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, webhookPage{Items: items, NextCursor: next})
				return nil
			}},
		{method: "GET", path: "/v1/webhooks/{id}", op: "getWebhook", summary: "Read a webhook (as_of: as it was then), never its secret", who: "admin, coordinator, auditor, the organisation's partner",
			resp: domain.Webhook{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				id := r.PathValue("id")
				return read(w, r, c, wk, id, func(wh domain.Webhook) (any, error) {
					if !c.readsFor(wh.OrgID) {
						return nil, subscriptionHidden(wk.StreamID(id))
					}
					return wh, nil
				})
			}},
		{method: "DELETE", path: "/v1/webhooks/{id}", op: "removeWebhook", summary: "Remove a webhook for good; answers with its final state", who: "admin, the organisation's partner",
			resp: domain.Webhook{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				return subscriptionChange(w, r, c, wk, r.PathValue("id"), func(wh domain.Webhook) string { return wh.OrgID },
					func(wh domain.Webhook, now time.Time) ([]domain.Payload, error) {
						return domain.RemoveWebhook{}.Decide(wh, c.actor, now)
					})
			}},
	}
}

// listSubscriptions reads a page of collection coll (saved searches or
// webhooks, named what) of the organisation ?organisation_id=: a partner's
// own when left out, required of everyone else; partners list only their
// own organisation's.
func (a *API) listSubscriptions(r *http.Request, c *call, coll, what string) ([]any, string, error) {
	q := r.URL.Query()
	if err := checkParams(q, "organisation_id", "cursor", "limit"); err != nil {
		return nil, "", err
	}
	org, err := singleParam(q, "organisation_id")
	if err != nil {
		return nil, "", err
	}
	if org == "" {
		if c.actor.Role != domain.RolePartner {
			return nil, "", invalid("/query/organisation_id", "organisation_id is required: name the organisation whose "+what+" to list")
		}
		org = c.actor.OrgID
	}
	if !c.readsFor(org) {
		return nil, "", fmt.Errorf("%w: a partner lists only the %s of its own organisation (organisation_id=%s)", domain.ErrForbidden, what, c.actor.OrgID)
	}
	cursor, limit, err := pageParams(r)
	if err != nil {
		return nil, "", err
	}
	page, err := a.listDocs(r.Context(), coll, "org:"+org, "", cursor, limit, nil)
	if err != nil {
		return nil, "", err
	}
	return page.vals, page.next, nil
}

// subscriptionHidden is the error of reading or changing a saved search or
// webhook the caller may not see: the very error of an unknown id.
func subscriptionHidden(stream string) error {
	return fmt.Errorf("stream %q: %w", stream, domain.ErrNotFound)
}

// subscriptionChange runs a command on a saved search or webhook like
// change, but refuses those the caller may not see (orgOf names their
// organisation) as not found, and answers 200 with the new state.
func subscriptionChange[S any](w http.ResponseWriter, r *http.Request, c *call, k domain.Kind[S], id string, orgOf func(S) string, decide func(S, time.Time) ([]domain.Payload, error)) error {
	return change(w, r, c, k, id, func(s S, _ uint64, now time.Time) ([]domain.Payload, error) {
		if org := orgOf(s); org != "" && !c.readsFor(org) {
			return nil, subscriptionHidden(k.StreamID(id))
		}
		return decide(s, now)
	}, http.StatusOK, "")
}

// checkWebhookScheme refuses plain http webhook URLs unless the server
// allows them (Config.AllowHTTPWebhooks). The domain accepts both schemes;
// which one a deployment delivers to is the server's policy.
func (a *API) checkWebhookScheme(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || a.cfg.AllowHTTPWebhooks {
		return nil
	}
	return domain.ValidationErrors{{Field: "url", Value: raw,
		Reason: "must be an https URL: this server does not post match alerts over plain http (AllowHTTPWebhooks is off)"}}
}

// newWebhookSecret returns a new signing secret: "whsec_" and 32 random
// bytes, base64url-encoded.
func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}
