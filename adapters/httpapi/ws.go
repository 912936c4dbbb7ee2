package httpapi

import (
	"context"
	"net/http"

	"github.com/nisa-eu/nisa/adapters/live"
	"github.com/nisa-eu/nisa/domain"
)

// wsRoutes mounts the websocket (adapters/live) when one is configured.
// The route is public for the router: the hub authenticates the upgrade
// itself (Authorization header, or a first auth message for browsers).
func (a *API) wsRoutes() []route {
	if a.cfg.WebSocket == nil {
		return nil
	}
	return []route{
		{method: "GET", path: "/v1/ws", op: "websocket", public: true,
			summary: "Websocket (RFC 6455 upgrade): subscribe to activity, stats, matches, stream:<id>, meeting:<id>; resume with after (see the README, \"Live updates\")",
			who:     "any authenticated caller (Authorization header on the upgrade or a first {\"type\":\"auth\"} message); channels authorised as the HTTP routes",
			resp:    live.ServerMessage{}, status: 101,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				a.cfg.WebSocket.ServeHTTP(w, r)
				return nil
			}},
	}
}

// Verify resolves a bearer token (without "Bearer ") to its actor, with
// the same cache and rules as every HTTP request.
func (a *API) Verify(ctx context.Context, token string) (domain.Actor, error) {
	return a.auth.verify(ctx, token)
}

// WriteProblem answers with a problem document of the given status and
// stable code (for handlers outside the route table, like the websocket
// upgrade).
func WriteProblem(w http.ResponseWriter, status int, code, detail string) {
	p := Problem{Type: "https://nisa.dev/problems/" + code, Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	writeProblemBody(w, p)
}
