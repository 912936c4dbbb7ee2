package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// visitCancelBody is the body of cancelling a visit: the reason is required.
type visitCancelBody struct {
	Reason string `json:"reason"`
}

// visitScheduleBody is the body of scheduling a visit: the confirmed dates
// (civil dates YYYY-MM-DD, both days included) and arrangements.
type visitScheduleBody struct {
	StartDate    string `json:"start_date"`
	EndDate      string `json:"end_date"`
	Arrangements string `json:"arrangements,omitempty"`
}

// visitRoutes are the routes of exchange visits. Partners read only the
// visits where their organisation is guest or host; any other visit
// answers 404 exactly like an unknown id, so that visits of other
// organisations cannot be discovered by reading. Staff and auditors read
// every visit. Who may run which lifecycle step is decided by the domain.
func (a *API) visitRoutes() []route {
	k := domain.ExchangeVisitKind
	step := func(w http.ResponseWriter, r *http.Request, c *call, decide func(v domain.ExchangeVisit, now time.Time) ([]domain.Payload, error)) error {
		return change(w, r, c, k, r.PathValue("id"), func(v domain.ExchangeVisit, _ uint64, now time.Time) ([]domain.Payload, error) {
			return decide(v, now)
		}, 200, "")
	}
	return []route{
		{method: "POST", path: "/v1/exchange-visits", op: "proposeExchangeVisit", summary: "Propose an exchange visit of a guest organisation to a host organisation", who: "admin, coordinator, the guest organisation's partner",
			body: domain.VisitProposal{}, resp: domain.ExchangeVisit{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var p domain.VisitProposal
				if err := c.decode(r, &p); err != nil {
					return err
				}
				id := c.newID("exchange_visit")
				return create(w, r, c, k, id, "/v1/exchange-visits/"+id, func(v domain.ExchangeVisit, _ uint64, now time.Time) ([]domain.Payload, error) {
					evs, err := domain.ProposeVisit{Proposal: p}.Decide(v, id, c.actor, now)
					if err != nil {
						return nil, err
					}
					// The aggregate sees only its own stream: that guest and
					// host are registered, active organisations is checked here.
					if err := a.checkActiveOrgs(r.Context(), orgRef{"guest_org_id", p.GuestOrgID}, orgRef{"host_org_id", p.HostOrgID}); err != nil {
						return nil, err
					}
					return evs, nil
				})
			}},
		{method: "GET", path: "/v1/exchange-visits/{id}", op: "getExchangeVisit", summary: "Read an exchange visit (as_of: as it was then); partners read only visits of their own organisation (others: 404)", who: "admin, coordinator, auditor, the guest's or host's partner",
			resp: domain.ExchangeVisit{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				id := r.PathValue("id")
				err := read(w, r, c, k, id, func(v domain.ExchangeVisit) (any, error) {
					switch c.actor.Role {
					case domain.RoleAdmin, domain.RoleCoordinator, domain.RoleAuditor:
						return v, nil
					case domain.RolePartner:
						if v.Involves(c.actor.OrgID) {
							return v, nil
						}
					}
					return nil, hiddenVisit(id)
				})
				if errors.Is(err, domain.ErrNotFound) && c.actor.Role == domain.RolePartner {
					// Not even "it did not exist then" (as_of): one answer
					// for every visit a partner cannot see.
					return hiddenVisit(id)
				}
				return err
			}},
		{method: "POST", path: "/v1/exchange-visits/{id}/accept", op: "acceptExchangeVisit", summary: "Accept a proposed exchange visit (the host's decision)", who: "admin, the host organisation's partner",
			resp: domain.ExchangeVisit{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				return step(w, r, c, func(v domain.ExchangeVisit, now time.Time) ([]domain.Payload, error) {
					return domain.AcceptVisit{}.Decide(v, c.actor, now)
				})
			}},
		{method: "POST", path: "/v1/exchange-visits/{id}/decline", op: "declineExchangeVisit", summary: "Decline a proposed exchange visit, optionally saying why (the host's decision)", who: "admin, the host organisation's partner",
			body: reasonBody{}, optional: true, resp: domain.ExchangeVisit{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b reasonBody
				if err := c.decodeOptional(r, &b); err != nil {
					return err
				}
				return step(w, r, c, func(v domain.ExchangeVisit, now time.Time) ([]domain.Payload, error) {
					return domain.DeclineVisit{Reason: b.Reason}.Decide(v, c.actor, now)
				})
			}},
		{method: "POST", path: "/v1/exchange-visits/{id}/schedule", op: "scheduleExchangeVisit", summary: "Confirm the dates and arrangements of an accepted exchange visit", who: "admin, coordinator, the guest's or host's partner",
			body: visitScheduleBody{}, resp: domain.ExchangeVisit{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b visitScheduleBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				return step(w, r, c, func(v domain.ExchangeVisit, now time.Time) ([]domain.Payload, error) {
					return domain.ScheduleVisit{StartDate: b.StartDate, EndDate: b.EndDate, Arrangements: b.Arrangements}.Decide(v, c.actor, now)
				})
			}},
		{method: "POST", path: "/v1/exchange-visits/{id}/complete", op: "completeExchangeVisit", summary: "Record that a scheduled exchange visit took place, with its report (from the scheduled start date on)", who: "admin, coordinator, the guest's or host's partner",
			body: domain.VisitReport{}, resp: domain.ExchangeVisit{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var rep domain.VisitReport
				if err := c.decode(r, &rep); err != nil {
					return err
				}
				return step(w, r, c, func(v domain.ExchangeVisit, now time.Time) ([]domain.Payload, error) {
					return domain.CompleteVisit{Report: rep}.Decide(v, c.actor, now)
				})
			}},
		{method: "POST", path: "/v1/exchange-visits/{id}/cancel", op: "cancelExchangeVisit", summary: "Cancel a proposed, accepted or scheduled exchange visit, saying why", who: "admin, coordinator, the guest's or host's partner",
			body: visitCancelBody{}, resp: domain.ExchangeVisit{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				// Optional decoding: a missing body is reported as a missing
				// reason at /reason by the domain.
				var b visitCancelBody
				if err := c.decodeOptional(r, &b); err != nil {
					return err
				}
				return step(w, r, c, func(v domain.ExchangeVisit, now time.Time) ([]domain.Payload, error) {
					return domain.CancelVisit{Reason: b.Reason}.Decide(v, c.actor, now)
				})
			}},
	}
}

// hiddenVisit is the error for a visit the caller may not see: the same
// not_found problem, with the same detail, as the event stores (embedded,
// PostgreSQL) give for a visit that does not exist.
func hiddenVisit(id string) error {
	return fmt.Errorf("stream %q: %w", domain.ExchangeVisitKind.StreamID(id), domain.ErrNotFound)
}
