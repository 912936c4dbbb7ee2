package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// Matching (DESIGN.md §4): /v1/offers/{id}/matches and
// /v1/organisations/{id}/recommendations, with the reasons of every match
// (projections.MatchOffer, RecommendOffers, RecommendPartners). Both are
// for the organisation concerned (its partner), staff and auditors: the
// matches of an organisation tell what it is looking for.

// maxMatchPage bounds ?limit= of matches and recommendations.
const maxMatchPage = 100

// matchItem is one match: the matching offer or organisation, its score
// (0..100) and the reasons for it, largest contribution first.
type matchItem struct {
	// ID is the id of the matching offer or organisation.
	ID           string               `json:"id"`
	Offer        *offerSummary        `json:"offer,omitempty"`
	Organisation *orgSummary          `json:"organisation,omitempty"`
	Score        float64              `json:"score"`
	Reasons      []projections.Reason `json:"reasons"`
}

// matchList is a list of matches, best first.
type matchList struct {
	Items []matchItem `json:"items"`
}

func offerMatches(ms []projections.Match[projections.OfferDoc]) matchList {
	out := matchList{Items: make([]matchItem, 0, len(ms))}
	for _, m := range ms {
		v := viewOffer(m.Doc)
		out.Items = append(out.Items, matchItem{ID: m.Doc.ID, Offer: &v, Score: m.Score, Reasons: matchReasons(m.Reasons)})
	}
	return out
}

func orgMatches(ms []projections.Match[projections.OrgDoc]) matchList {
	out := matchList{Items: make([]matchItem, 0, len(ms))}
	for _, m := range ms {
		v := viewOrg(m.Doc)
		out.Items = append(out.Items, matchItem{ID: m.Doc.ID, Organisation: &v, Score: m.Score, Reasons: matchReasons(m.Reasons)})
	}
	return out
}

func matchReasons(rs []projections.Reason) []projections.Reason {
	if rs == nil {
		return []projections.Reason{}
	}
	return rs
}

// readsFor reports whether the caller may read what concerns organisation
// orgID alone: its partner (and admins), coordinators and auditors.
func (c *call) readsFor(orgID string) bool {
	return c.actor.ActsFor(orgID) || c.actor.IsStaff() || c.actor.Role == domain.RoleAuditor
}

// orgUnknown is the error of an organisation that does not exist.
func orgUnknown(id string) error {
	return fmt.Errorf("%w: no organisation %q", domain.ErrNotFound, id)
}

func (a *API) matchRoutes() []route {
	return []route{
		{method: "GET", path: "/v1/offers/{id}/matches", readModel: true, op: "matchOffer",
			summary: "What could answer an offer or request: for a request the published offers that could fulfil it, for an offer the requests it could fulfil, best first, each with its score (0..100) and reasons (shared NACE codes, cross-border, languages, regions, shared words, freshness); ?limit= 1..100, default 20",
			who:     "admin, coordinator, auditor, the owner organisation's partner",
			resp:    matchList{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				id := r.PathValue("id")
				if err := checkParams(r.URL.Query(), "limit"); err != nil {
					return err
				}
				limit, err := limitParam(r, projections.DefaultMatchLimit, maxMatchPage)
				if err != nil {
					return err
				}
				o, ok, err := c.api.reads.OfferByID(r.Context(), id)
				if err != nil {
					return err
				}
				if !ok {
					return offerHidden(id)
				}
				if !c.readsFor(o.OwnerOrgID) {
					if o.Status == domain.OfferStatusDraft {
						// A draft of another organisation is as unknown as
						// it is to GET /v1/offers/{id}.
						return offerHidden(id)
					}
					return fmt.Errorf("%w: only the owner organisation, staff and auditors read the matches of offer %s", domain.ErrForbidden, id)
				}
				ms, err := projections.MatchOffer(r.Context(), c.api.reads, o, time.Now(), limit)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, offerMatches(ms))
				return nil
			}},
		{method: "GET", path: "/v1/organisations/{id}/recommendations", readModel: true, op: "recommendForOrganisation",
			summary: "Recommendations for an organisation, best first, each with its score (0..100) and reasons: ?for=offers (default: published offers and requests of other organisations that fit its sectors) or ?for=partners (active organisations sharing a sector); ?limit= 1..100, default 20",
			who:     "admin, coordinator, auditor, the organisation's partner",
			resp:    matchList{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				id := r.PathValue("id")
				q := r.URL.Query()
				if err := checkParams(q, "for", "limit"); err != nil {
					return err
				}
				forWhat, err := singleParam(q, "for")
				if err != nil {
					return err
				}
				switch forWhat {
				case "":
					forWhat = "offers"
				case "offers", "partners":
				default:
					return invalid("/query/for", fmt.Sprintf("for %q: want offers or partners", forWhat))
				}
				limit, err := limitParam(r, projections.DefaultMatchLimit, maxMatchPage)
				if err != nil {
					return err
				}
				if !c.readsFor(id) {
					return fmt.Errorf("%w: only the organisation itself, staff and auditors read its recommendations", domain.ErrForbidden)
				}
				org, ok, err := c.api.reads.OrganisationByID(r.Context(), id)
				if err != nil {
					return err
				}
				if !ok {
					return orgUnknown(id)
				}
				now := time.Now()
				if forWhat == "partners" {
					ms, err := projections.RecommendPartners(r.Context(), c.api.reads, org, now, limit)
					if err != nil {
						return err
					}
					writeJSON(w, http.StatusOK, orgMatches(ms))
					return nil
				}
				ms, err := projections.RecommendOffers(r.Context(), c.api.reads, org, now, limit)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, offerMatches(ms))
				return nil
			}},
	}
}
