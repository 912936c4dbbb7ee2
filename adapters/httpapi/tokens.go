package httpapi

import (
	"net/http"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

type createTokenBody struct {
	Role           domain.Role `json:"role"`
	OrganisationID string      `json:"organisation_id,omitempty"`
	Label          string      `json:"label,omitempty"`
}

// createdToken is the answer to a token creation: the only time the bearer
// token is shown.
type createdToken struct {
	domain.Token
	Bearer string `json:"token"`
}

func (a *API) tokenRoutes() []route {
	return []route{
		{method: "POST", path: "/v1/tokens", op: "createToken", summary: "Create an API token (the token is shown once)", who: "admin",
			body: createTokenBody{}, resp: createdToken{}, status: 201,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b createTokenBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				if err := c.requireRole("create tokens", domain.RoleAdmin); err != nil {
					return err
				}
				t, bearer, err := CreateToken(r.Context(), c.api.cmds, c.actor, b.Role, b.OrganisationID, b.Label)
				if err != nil {
					return err
				}
				w.Header().Set("Location", "/v1/tokens/"+t.ID)
				w.Header().Set("Cache-Control", "no-store")
				writeJSON(w, http.StatusCreated, createdToken{Token: t, Bearer: bearer})
				return nil
			}},
		{method: "GET", path: "/v1/tokens/{id}", op: "getToken", summary: "Read a token's role, organisation and state (never its secret)", who: "admin, auditor",
			resp: domain.Token{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireRole("read tokens", domain.RoleAdmin, domain.RoleAuditor); err != nil {
					return err
				}
				return read(w, r, c, domain.TokenKind, r.PathValue("id"), func(t domain.Token) (any, error) { return t, nil })
			}},
		{method: "POST", path: "/v1/tokens/{id}/revoke", op: "revokeToken", summary: "Revoke a token", who: "admin",
			resp: domain.Token{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				id := r.PathValue("id")
				defer c.api.auth.forget(id)
				return change(w, r, c, domain.TokenKind, id, func(t domain.Token, _ uint64, now time.Time) ([]domain.Payload, error) {
					return domain.RevokeToken{}.Decide(t, c.actor, now)
				}, 200, "")
			}},
	}
}
