package httpapi

import (
	"context"
	"net/http"
	"time"
)

type healthBody struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

// opsRoutes are the operational endpoints: public, always served.
func (a *API) opsRoutes() []route {
	return []route{
		{method: "GET", path: "/healthz", op: "healthz", summary: "Liveness: 200 while the process runs", who: "anyone", public: true,
			resp: healthBody{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				writeJSON(w, http.StatusOK, healthBody{Status: "ok", Version: a.cfg.Version})
				return nil
			}},
		{method: "GET", path: "/readyz", op: "readyz", summary: "Readiness: 200 when the store is reachable and its schema current, else 503", who: "anyone", public: true,
			resp: healthBody{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
				defer cancel()
				if err := a.cfg.Ready(ctx); err != nil {
					return newError(codeNotReady, err.Error())
				}
				writeJSON(w, http.StatusOK, healthBody{Status: "ready"})
				return nil
			}},
		{method: "GET", path: "/openapi.json", op: "openapi", summary: "This OpenAPI 3.1 document", who: "anyone", public: true,
			resp: map[string]any{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				a.serveOpenAPI(w, r)
				return nil
			}},
	}
}
