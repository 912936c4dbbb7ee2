package httpapi

import (
	"net/http"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

func (a *API) organisationRoutes() []route {
	k := domain.OrganisationKind
	return []route{
		{method: "POST", path: "/v1/organisations", op: "registerOrganisation", summary: "Register an organisation profile", who: "admin, coordinator",
			body: domain.OrganisationProfile{}, resp: domain.Organisation{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var p domain.OrganisationProfile
				if err := c.decode(r, &p); err != nil {
					return err
				}
				id := c.newID("organisation")
				return create(w, r, c, k, id, "/v1/organisations/"+id, func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
					return domain.RegisterOrganisation{Profile: p}.Decide(o, id, c.actor, now)
				})
			}},
		{method: "GET", path: "/v1/organisations/{id}", op: "getOrganisation", summary: "Read an organisation profile (as_of: as it was then)", who: "every role",
			resp: domain.Organisation{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				return read(w, r, c, k, r.PathValue("id"), func(o domain.Organisation) (any, error) { return o, nil })
			}},
		{method: "PUT", path: "/v1/organisations/{id}", op: "updateOrganisation", summary: "Replace the profile of an organisation", who: "admin, the organisation's partner",
			body: domain.OrganisationProfile{}, resp: domain.Organisation{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var p domain.OrganisationProfile
				if err := c.decode(r, &p); err != nil {
					return err
				}
				return change(w, r, c, k, r.PathValue("id"), func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
					return domain.UpdateOrganisation{Profile: p}.Decide(o, c.actor, now)
				}, 200, "")
			}},
		{method: "POST", path: "/v1/organisations/{id}/verify", op: "verifyOrganisation", summary: "Mark an organisation as verified", who: "admin, coordinator",
			resp: domain.Organisation{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				return change(w, r, c, k, r.PathValue("id"), func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
					return domain.VerifyOrganisation{}.Decide(o, c.actor, now)
				}, 200, "")
			}},
		{method: "POST", path: "/v1/organisations/{id}/deactivate", op: "deactivateOrganisation", summary: "Deactivate an organisation", who: "admin, coordinator, the organisation's partner",
			body: reasonBody{}, optional: true, resp: domain.Organisation{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b reasonBody
				if err := c.decodeOptional(r, &b); err != nil {
					return err
				}
				return change(w, r, c, k, r.PathValue("id"), func(o domain.Organisation, _ uint64, now time.Time) ([]domain.Payload, error) {
					return domain.DeactivateOrganisation{Reason: b.Reason}.Decide(o, c.actor, now)
				}, 200, "")
			}},
	}
}
