package httpapi

import (
	"net/http"
	"strconv"

	"github.com/nisa-eu/nisa/adapters/history"
	"github.com/nisa-eu/nisa/domain"
)

// eventPage is a page of the global log or of one stream.
type eventPage struct {
	Items []domain.Event `json:"items"`
	// Next is the position (global log) or version (stream) to pass as
	// after / from for the next page; empty at the end.
	Next string `json:"next,omitempty"`
}

func limitParam(r *http.Request, def, maxN int) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxN {
		return 0, invalid("/query/limit", "limit must be an integer from 1 to "+strconv.Itoa(maxN))
	}
	return n, nil
}

func (a *API) eventRoutes() []route {
	readers := []domain.Role{domain.RoleAdmin, domain.RoleAuditor}
	return []route{
		{method: "GET", path: "/v1/events", op: "listEvents",
			summary: "Page through the global log, optionally filtered: ?after= position, ?limit= (1..1000, default 100), " +
				"?from= and ?to= (RFC 3339 recorded-at range, from inclusive, to exclusive), ?type= (event type, repeatable or comma-separated), " +
				"?stream= (exact stream id), ?stream_prefix= (e.g. offer-), ?actor= (substring of the recorded actor, any case). " +
				"One request examines at most 10,000 events: pass next as ?after= until next is absent to see every matching event exactly once " +
				"(a page may hold fewer than limit items, even none, and still have a next); scanned_to is the last position examined",
			who:  "admin, auditor",
			resp: logPage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireRole("read the event log", readers...); err != nil {
					return err
				}
				after, err := domain.ParsePosition(r.URL.Query().Get("after"))
				if err != nil {
					return invalid("/query/after", err.Error())
				}
				limit, err := limitParam(r, 100, 1000)
				if err != nil {
					return err
				}
				f, err := logFilter(r)
				if err != nil {
					return err
				}
				p, err := history.Scan(r.Context(), c.api.store, after, f, limit, logScanBudget)
				if err != nil {
					return err
				}
				page := logPage{Items: p.Items, ScannedTo: p.ScannedTo.String()}
				if p.More {
					page.Next = p.Next.String()
				}
				writeJSON(w, http.StatusOK, page)
				return nil
			}},
		{method: "GET", path: "/v1/streams/{id}/events", op: "listStreamEvents", summary: "Read one stream's history, every event with its actor, recorded_at, correlation_id and causation_id: ?from= version, ?direction=backwards, ?limit= (1..1000, default 100), ?as_of= (RFC 3339: only the events recorded up to then, those an aggregate read with the same as_of is rebuilt from)", who: "admin, auditor",
			resp: eventPage{}, status: 200,
			handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
				if err := c.requireRole("read event streams", readers...); err != nil {
					return err
				}
				q := r.URL.Query()
				opts := domain.ReadStreamOptions{}
				switch q.Get("direction") {
				case "", "forwards":
				case "backwards":
					opts.Direction, opts.From = domain.Backwards, domain.StreamEnd
				default:
					return invalid("/query/direction", "direction must be forwards or backwards")
				}
				if s := q.Get("from"); s != "" {
					v, err := strconv.ParseUint(s, 10, 64)
					if err != nil {
						return invalid("/query/from", "from must be a stream version (1, 2, …)")
					}
					opts.From = v
				}
				limit, err := limitParam(r, 100, 1000)
				if err != nil {
					return err
				}
				opts.Limit = limit
				at, err := asOf(r)
				if err != nil {
					return err
				}
				var evs []domain.Event
				if at.IsZero() {
					evs, err = c.api.store.ReadStream(r.Context(), r.PathValue("id"), opts)
				} else {
					evs, err = streamAsOf(r.Context(), c.api.store, r.PathValue("id"), at, opts)
				}
				if err != nil {
					return err
				}
				page := eventPage{Items: evs}
				if len(evs) == limit {
					last := evs[len(evs)-1].StreamVersion
					if opts.Direction == domain.Backwards {
						if last > 1 {
							page.Next = strconv.FormatUint(last-1, 10)
						}
					} else {
						page.Next = strconv.FormatUint(last+1, 10)
					}
				}
				writeJSON(w, http.StatusOK, page)
				return nil
			}},
		a.diffRoute(),
	}
}
