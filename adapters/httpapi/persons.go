package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// Personal data (GDPR): finding a person by e-mail address and forgetting
// a person by crypto-shredding. Admins only.

// PersonalData is what the persons routes need from the crypto-shredding
// store (adapters/shred.Store).
type PersonalData interface {
	domain.Eraser
	Keys() domain.KeyStore
}

// IdempotencyEraser is implemented by idempotency stores that can drop the
// stored responses mentioning a text: forgetting a person drops every
// stored response that shows the person (found by their person id), so
// that no replayed response brings their data back.
type IdempotencyEraser interface {
	PurgeMentioning(ctx context.Context, text string) (int, error)
}

type lookupPersonBody struct {
	// Email is the person's e-mail address (in the body, never in a URL,
	// so that it stays out of access logs).
	Email string `json:"email"`
}

type personRef struct {
	PersonID string `json:"person_id"`
}

type forgetPersonBody struct {
	// Reason is recorded with PersonForgotten: a ticket or request
	// reference, not personal data.
	Reason string `json:"reason,omitempty"`
}

// personView is a person as the API shows it.
type personView struct {
	domain.Person
	// PurgedResponses is how many stored Idempotency-Key responses that
	// showed the person were dropped (forget only).
	PurgedResponses int `json:"purged_responses,omitempty"`
}

// ForgetPerson forgets a person (domain.ForgetPerson: the key first, then
// PersonForgotten) and drops the stored Idempotency-Key responses of idem
// that show them. It returns how many responses were dropped. The HTTP
// route and "nisa forget" both call it.
func ForgetPerson(ctx context.Context, cmds *domain.Commands, personal PersonalData, idem IdempotencyStore, personID, reason string, req domain.Request) (domain.Result[domain.Person], int, error) {
	res, err := domain.ForgetPerson(ctx, cmds, personal, personID, reason, req)
	if err != nil {
		return res, 0, err
	}
	e, ok := idem.(IdempotencyEraser)
	if !ok {
		return res, 0, nil
	}
	purged, err := e.PurgeMentioning(ctx, personID)
	if err != nil {
		return res, 0, fmt.Errorf("person %s forgotten, but dropping stored responses failed (retry): %w", personID, err)
	}
	return res, purged, nil
}

func (a *API) personRoutes() []route {
	if a.cfg.Personal == nil {
		return nil
	}
	return []route{
		{method: "POST", path: "/v1/persons/lookup", op: "lookupPerson", who: "admin",
			summary: "Find the person id of an e-mail address (contact persons and participants carry theirs as person_id); 404 when nobody is known by it, also after the person was forgotten",
			body:    lookupPersonBody{}, resp: personRef{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b lookupPersonBody
				if err := c.decode(r, &b); err != nil {
					return err
				}
				if err := c.requireRole("look up persons", domain.RoleAdmin); err != nil {
					return err
				}
				if strings.TrimSpace(b.Email) == "" {
					return invalid("/email", "email is required")
				}
				id, err := a.cfg.Personal.Keys().Find(r.Context(), domain.PersonLookup("", "", b.Email))
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, personRef{PersonID: id})
				return nil
			}},
		{method: "GET", path: "/v1/persons/{id}", op: "getPerson", who: "admin, auditor",
			summary: "Whether a person was forgotten, when and why",
			resp:    domain.Person{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireRole("read persons", domain.RoleAdmin, domain.RoleAuditor); err != nil {
					return err
				}
				id := r.PathValue("id")
				if err := domain.ValidatePersonID(id); err != nil {
					return err
				}
				p, v, err := domain.Load(r.Context(), c.api.store, domain.PersonKind, id, time.Time{})
				if errors.Is(err, domain.ErrNotFound) {
					if _, kerr := a.cfg.Personal.Keys().Key(r.Context(), id); kerr != nil {
						return kerr
					}
					return writeState(w, http.StatusOK, "", domain.Person{ID: id}, 0)
				}
				if err != nil {
					return err
				}
				return writeState(w, http.StatusOK, "", p, v)
			}},
		{method: "POST", path: "/v1/persons/{id}/forget", op: "forgetPerson", who: "admin",
			summary: "Erase a person's personal data (GDPR Art. 17) by destroying their key: every read, projection, search, export, websocket replay and as_of view then shows \"[erased]\"; records PersonForgotten. Idempotent.",
			body:    forgetPersonBody{}, optional: true, resp: personView{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				var b forgetPersonBody
				if err := c.decodeOptional(r, &b); err != nil {
					return err
				}
				req, err := c.request(r)
				if err != nil {
					return err
				}
				res, purged, err := ForgetPerson(r.Context(), c.api.cmds, a.cfg.Personal, a.idem, r.PathValue("id"), b.Reason, req)
				if err != nil {
					return err
				}
				return writeState(w, http.StatusOK, "", personView{Person: res.State, PurgedResponses: purged}, res.Version)
			}},
	}
}
