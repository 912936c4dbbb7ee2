package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/nisa-eu/nisa/adapters/history"
	"github.com/nisa-eu/nisa/domain"
)

// logScanBudget is the most events one GET /v1/events examines.
const logScanBudget = history.DefaultScanBudget

// logPage is a page of the (filtered) global log.
type logPage struct {
	Items []domain.Event `json:"items"`
	// Next is the position to pass as after for the next page; absent at
	// the end of the log. With filters a page may hold fewer items than
	// the limit, even none, and still have a next: the request examined
	// as many events as one request may.
	Next string `json:"next,omitempty"`
	// ScannedTo is the position of the last event examined (after when
	// none was): the log up to it has been searched.
	ScannedTo string `json:"scanned_to"`
}

// logFilter reads the filters of GET /v1/events.
func logFilter(r *http.Request) (history.Filter, error) {
	q := r.URL.Query()
	f := history.Filter{Stream: q.Get("stream"), StreamPrefix: q.Get("stream_prefix"), Actor: q.Get("actor")}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		s := q.Get(p.name)
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return f, invalid("/query/"+p.name, fmt.Sprintf("%s %q is not an RFC 3339 time such as 2026-03-01T12:00:00Z", p.name, s))
		}
		*p.t = t
	}
	types, err := history.ParseTypes(q["type"])
	if err != nil {
		return f, queryError(err)
	}
	f.Types = types
	return f, queryError(f.Validate())
}

// queryError turns the validation errors of the history package, which
// name query parameters ("to"), into problems pointing at /query/<name>.
func queryError(err error) error {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return invalid("/query/"+ve.Field, ve.Error())
	}
	return err
}

// streamAsOf reads the events of one stream recorded up to at, then
// applies the direction, start version and limit of opts.
func streamAsOf(ctx context.Context, store domain.EventStore, id string, at time.Time, opts domain.ReadStreamOptions) ([]domain.Event, error) {
	evs, err := history.StreamAsOf(ctx, store, id, at)
	if err != nil {
		return nil, err
	}
	var out []domain.Event
	if opts.Direction == domain.Backwards {
		for _, ev := range slices.Backward(evs) {
			if ev.StreamVersion <= opts.From {
				out = append(out, ev)
			}
		}
	} else {
		for _, ev := range evs {
			if ev.StreamVersion >= opts.From {
				out = append(out, ev)
			}
		}
	}
	if opts.Limit > 0 && len(out) > opts.Limit {
		out = out[:opts.Limit]
	}
	if out == nil {
		out = []domain.Event{}
	}
	return out, nil
}

// diffRoute is GET /v1/streams/{id}/diff.
func (a *API) diffRoute() route {
	return route{method: "GET", path: "/v1/streams/{id}/diff", op: "diffStream",
		summary: "What changed in an aggregate between two versions: its state rebuilt at ?from= and ?to= (versions; default to: the current version, " +
			"or the one current at ?as_of=; default from: to - 1; from=0 is before the first event), compared as JSON: changes " +
			"(add, remove, replace at RFC 6901 pointers, in document order) and the events in between. Streams of organisations, offers, " +
			"meetings, exchange visits, saved searches and webhooks; not tokens",
		who:  "admin, auditor",
		resp: history.StateDiff{}, status: 200,
		handle: func(w http.ResponseWriter, r *http.Request, c *call) error {
			if err := c.requireRole("diff aggregate states", domain.RoleAdmin, domain.RoleAuditor); err != nil {
				return err
			}
			var opts history.DiffOptions
			q := r.URL.Query()
			for _, p := range []struct {
				name string
				v    **uint64
			}{{"from", &opts.From}, {"to", &opts.To}} {
				s := q.Get(p.name)
				if s == "" {
					continue
				}
				n, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					return invalid("/query/"+p.name, p.name+" must be a stream version (0, 1, 2, …)")
				}
				*p.v = &n
			}
			at, err := asOf(r)
			if err != nil {
				return err
			}
			opts.AsOf = at
			d, err := history.DiffStream(r.Context(), c.api.store, r.PathValue("id"), opts)
			if err != nil {
				return queryError(err)
			}
			writeJSON(w, http.StatusOK, d)
			return nil
		}}
}
