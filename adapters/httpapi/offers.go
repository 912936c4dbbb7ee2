package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Offers and requests (DESIGN.md §2, §4): /v1/offers.
//
// Read visibility:
//   - a draft is visible only to the owner's partner, admins, coordinators
//     and auditors; every other caller gets 404 not_found, for reads and for
//     commands alike, exactly as for an unknown id, so drafts cannot be
//     discovered;
//   - interests, with their messages, are visible in full to the owner's
//     partner, admins, coordinators and auditors; a partner of an
//     interested organisation sees only the interests of its own
//     organisation; other callers see none;
//   - published, withdrawn and expired offers are visible to every role.
//
// The same view applies to the state returned by commands.

// offerDraftBody is the body of POST /v1/offers: the owner organisation,
// the optional end of validity and the offer details, all at the top level.
type offerDraftBody struct {
	// OrganisationID is the owner organisation; partners may omit it to
	// draft for their own organisation.
	OrganisationID string `json:"organisation_id,omitempty"`
	// ValidUntil is the optional end of validity (RFC 3339); without it an
	// offer is valid for a year once published.
	ValidUntil time.Time `json:"valid_until,omitzero"`
	domain.OfferDetails
}

// offerExtendBody is the body of POST /v1/offers/{id}/extend.
type offerExtendBody struct {
	// ValidUntil is the new end of validity (RFC 3339), later than the
	// current one.
	ValidUntil time.Time `json:"valid_until"`
}

// offerInterestBody is the body of POST /v1/offers/{id}/interests.
type offerInterestBody struct {
	// OrganisationID is the interested organisation; partners may omit it
	// to express interest for their own organisation.
	OrganisationID string `json:"organisation_id,omitempty"`
	Message        string `json:"message"`
}

func (a *API) offerRoutes() []route {
	k := domain.OfferKind
	return []route{
		{method: "POST", path: "/v1/offers", op: "draftOffer", summary: "Draft an offer or request (kind in the body)", who: "admin, the owner organisation's partner",
			body: offerDraftBody{}, resp: domain.Offer{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b offerDraftBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				if b.OrganisationID == "" && c.actor.Role == domain.RolePartner {
					b.OrganisationID = c.actor.OrgID
				}
				id := c.newID("offer")
				return create(w, r, c, k, id, "/v1/offers/"+id, func(o domain.Offer, _ uint64, now time.Time) ([]domain.Payload, error) {
					evs, err := domain.DraftOffer{OwnerOrgID: b.OrganisationID, Details: b.OfferDetails, ValidUntil: b.ValidUntil}.Decide(o, id, c.actor, now)
					if err != nil {
						return nil, renameFields(err, map[string]string{"owner_org_id": "organisation_id"})
					}
					return evs, a.checkActiveOrgs(r.Context(), orgRef{"organisation_id", b.OrganisationID})
				})
			}},
		{method: "GET", path: "/v1/offers/{id}", op: "getOffer", summary: "Read an offer or request (as_of: as it was then); drafts and other organisations' interests are hidden from those who may not see them", who: "every role",
			resp: domain.Offer{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				id := r.PathValue("id")
				return read(w, r, c, k, id, func(o domain.Offer) (any, error) {
					if !offerVisible(c.actor, o) {
						return nil, offerHidden(id)
					}
					return offerView(c.actor, o), nil
				})
			}},
		{method: "PUT", path: "/v1/offers/{id}", op: "reviseOffer", summary: "Replace the details of a draft or published offer", who: "admin, the owner organisation's partner",
			body: domain.OfferDetails{}, resp: domain.Offer{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var d domain.OfferDetails
				if err := c.decode(r, &d); err != nil {
					return err
				}
				return offerChange(w, r, c, r.PathValue("id"), func(o domain.Offer, now time.Time) ([]domain.Payload, error) {
					return domain.ReviseOffer{Details: d}.Decide(o, c.actor, now)
				}, 200, "")
			}},
		{method: "POST", path: "/v1/offers/{id}/publish", op: "publishOffer", summary: "Publish a draft until its end of validity (default: a year)", who: "admin, the owner organisation's partner",
			resp: domain.Offer{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				return offerChange(w, r, c, r.PathValue("id"), func(o domain.Offer, now time.Time) ([]domain.Payload, error) {
					return domain.PublishOffer{}.Decide(o, c.actor, now)
				}, 200, "")
			}},
		{method: "POST", path: "/v1/offers/{id}/withdraw", op: "withdrawOffer", summary: "Withdraw a draft or published offer for good", who: "admin, the owner organisation's partner",
			body: reasonBody{}, optional: true, resp: domain.Offer{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b reasonBody
				if err := c.decodeOptional(r, &b); err != nil {
					return err
				}
				return offerChange(w, r, c, r.PathValue("id"), func(o domain.Offer, now time.Time) ([]domain.Payload, error) {
					return domain.WithdrawOffer{Reason: b.Reason}.Decide(o, c.actor, now)
				}, 200, "")
			}},
		{method: "POST", path: "/v1/offers/{id}/extend", op: "extendOfferValidity", summary: "Move the end of validity later; an expired offer is published again", who: "admin, the owner organisation's partner",
			body: offerExtendBody{}, resp: domain.Offer{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b offerExtendBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				return offerChange(w, r, c, r.PathValue("id"), func(o domain.Offer, now time.Time) ([]domain.Payload, error) {
					return domain.ExtendOfferValidity{ValidUntil: b.ValidUntil}.Decide(o, c.actor, now)
				}, 200, "")
			}},
		{method: "POST", path: "/v1/offers/{id}/interests", op: "expressOfferInterest", summary: "Express an organisation's interest in a published offer of another organisation", who: "admin, the interested organisation's partner",
			body: offerInterestBody{}, resp: domain.Offer{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b offerInterestBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				if b.OrganisationID == "" && c.actor.Role == domain.RolePartner {
					b.OrganisationID = c.actor.OrgID
				}
				id, iid := r.PathValue("id"), c.newID("interest")
				return offerChange(w, r, c, id, func(o domain.Offer, now time.Time) ([]domain.Payload, error) {
					evs, err := domain.ExpressInterest{InterestID: iid, OrgID: b.OrganisationID, Message: b.Message}.Decide(o, c.actor, now)
					if err != nil {
						return nil, renameFields(err, map[string]string{"org_id": "organisation_id"})
					}
					return evs, a.checkActiveOrgs(r.Context(), orgRef{"organisation_id", b.OrganisationID})
				}, 201, "/v1/offers/"+id+"/interests/"+iid)
			}},
		{method: "GET", path: "/v1/offers/{id}/interests/{interest_id}", op: "getOfferInterest", summary: "Read one interest in an offer (as_of: as it was then); the version is the offer's", who: "admin, coordinator, auditor, the owner organisation's partner, the interested organisation's partner",
			resp: domain.OfferInterest{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				id, iid := r.PathValue("id"), r.PathValue("interest_id")
				return read(w, r, c, k, id, func(o domain.Offer) (any, error) {
					if !offerVisible(c.actor, o) {
						return nil, offerHidden(id)
					}
					// Interests the caller may not see are as absent as unknown ones.
					ins := offerView(c.actor, o).Interests
					i := slices.IndexFunc(ins, func(in domain.OfferInterest) bool { return in.ID == iid })
					if i < 0 {
						return nil, fmt.Errorf("interest %q in offer %s: %w", iid, id, domain.ErrNotFound)
					}
					return ins[i], nil
				})
			}},
		{method: "POST", path: "/v1/offers/{id}/interests/{interest_id}/accept", op: "acceptOfferInterest", summary: "Accept a pending interest (not in a withdrawn offer)", who: "admin, the owner organisation's partner",
			resp: domain.Offer{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				iid := r.PathValue("interest_id")
				return offerChange(w, r, c, r.PathValue("id"), func(o domain.Offer, now time.Time) ([]domain.Payload, error) {
					return domain.AcceptInterest{InterestID: iid}.Decide(o, c.actor, now)
				}, 200, "")
			}},
		{method: "POST", path: "/v1/offers/{id}/interests/{interest_id}/decline", op: "declineOfferInterest", summary: "Decline a pending interest", who: "admin, the owner organisation's partner",
			body: reasonBody{}, optional: true, resp: domain.Offer{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b reasonBody
				if err := c.decodeOptional(r, &b); err != nil {
					return err
				}
				iid := r.PathValue("interest_id")
				return offerChange(w, r, c, r.PathValue("id"), func(o domain.Offer, now time.Time) ([]domain.Payload, error) {
					return domain.DeclineInterest{InterestID: iid, Reason: b.Reason}.Decide(o, c.actor, now)
				}, 200, "")
			}},
	}
}

// offerPrivileged reports whether actor sees everything of offer o: its
// owner's partner (and admins), coordinators and auditors.
func offerPrivileged(actor domain.Actor, o domain.Offer) bool {
	return actor.ActsFor(o.OwnerOrgID) || actor.IsStaff() || actor.Role == domain.RoleAuditor
}

// offerVisible reports whether actor may know that offer o exists: drafts
// only for the privileged.
func offerVisible(actor domain.Actor, o domain.Offer) bool {
	return o.Status != domain.OfferStatusDraft || offerPrivileged(actor, o)
}

// offerView returns o as actor may see it: without the interests of other
// organisations unless actor is privileged.
func offerView(actor domain.Actor, o domain.Offer) domain.Offer {
	if offerPrivileged(actor, o) {
		return o
	}
	var own []domain.OfferInterest
	for _, in := range o.Interests {
		if actor.Role == domain.RolePartner && in.OrgID == actor.OrgID {
			own = append(own, in)
		}
	}
	o.Interests = own
	return o
}

// offerHidden is the error of reading an offer the caller may not see: the
// very error the stores return for an unknown id.
func offerHidden(id string) error {
	return fmt.Errorf("stream %q: %w", domain.OfferKind.StreamID(id), domain.ErrNotFound)
}

// offerChange runs a command on offer id like change, but refuses drafts
// the caller may not see as not found (as the domain refuses unknown ids)
// and answers with the state as the caller may see it.
func offerChange(w http.ResponseWriter, r *http.Request, c *call, id string, decide func(domain.Offer, time.Time) ([]domain.Payload, error), status int, location string) error {
	req, err := c.request(r)
	if err != nil {
		return err
	}
	res, err := domain.Execute(r.Context(), c.api.cmds, domain.OfferKind, id, req, func(o domain.Offer, _ uint64, now time.Time) ([]domain.Payload, error) {
		if o.ID != "" && !offerVisible(c.actor, o) {
			return nil, domain.ErrNotFound
		}
		return decide(o, now)
	})
	if err != nil {
		return err
	}
	return writeState(w, status, location, offerView(c.actor, res.State), res.Version)
}
