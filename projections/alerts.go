package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/domain/reference"
)

// RequestAlertMinScore is the score from which a newly published offer is
// alerted to the owners of the open requests it could answer.
const RequestAlertMinScore = 50

// RequestAlertWindow bounds how old a publication (or revision, by the
// offer's own time) may be for request alerts when the alerter works
// through history (after a restart or on a first start, or a back-dated
// import such as the demo network): older publications are no news.
const RequestAlertWindow = 24 * time.Hour

// Alerter turns publications into match alerts (DESIGN.md §3): it follows
// the global log, keeps every saved search in an index by NACE section,
// and for each OfferPublished or OfferRevised of a published offer it
// evaluates only the saved searches indexed under the offer's sections
// (plus those without a sector filter) — never all of them — and the open
// requests the offer could answer (MatchOffer). Each alert is appended as
// a MatchAlerted event to domain.MatchAlertStream; the websocket's matches
// channel and the webhooks deliver those events.
//
// Every alert's event id derives from the source event, the organisation
// and the saved search or request, so appending it again is acknowledged
// and not duplicated: several server processes may run the alerter at
// once, and a restarted alerter re-evaluates from the source of the last
// alert in the stream without alerting twice. A saved search sees only
// publications that come after it in the log.
type Alerter struct {
	events domain.EventStore
	reads  Reader
	// wait returns once the read models reflect pos.
	wait    func(ctx context.Context, pos domain.Position) error
	log     *slog.Logger
	onAlert func(domain.Event)
	now     func() time.Time

	mu       sync.Mutex
	searches map[string]domain.SavedSearch
	index    map[string]map[string]struct{} // "nace:<section>" or "any" → search ids
}

// AlerterConfig configures an Alerter.
type AlerterConfig struct {
	Events domain.EventStore
	Reads  Reader
	// WaitFor returns once the read models reflect the position (the
	// runner's WaitFor).
	WaitFor func(ctx context.Context, pos domain.Position) error
	Logger  *slog.Logger
	// OnAlert receives every alert this alerter appended (or found
	// already appended), in order (webhook delivery).
	OnAlert func(domain.Event)
}

// NewAlerter returns an alerter; Run starts it.
func NewAlerter(cfg AlerterConfig) *Alerter {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OnAlert == nil {
		cfg.OnAlert = func(domain.Event) {}
	}
	return &Alerter{events: cfg.Events, reads: cfg.Reads, wait: cfg.WaitFor, log: cfg.Logger, onAlert: cfg.OnAlert, now: time.Now,
		searches: map[string]domain.SavedSearch{}, index: map[string]map[string]struct{}{}}
}

// Run follows the log until ctx ends and returns ctx's error or the
// subscription's failure.
func (a *Alerter) Run(ctx context.Context) error {
	resume, err := a.lastSource(ctx)
	if err != nil {
		return err
	}
	prefix := domain.SavedSearchKind.Category + "-"
	for ev, err := range a.events.Subscribe(ctx, domain.Start) {
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(ev.StreamID, prefix):
			p, err := domain.Decode(ev)
			if err != nil {
				return err
			}
			a.remember(strings.TrimPrefix(ev.StreamID, prefix), p)
		case (ev.Type == "OfferPublished" || ev.Type == "OfferRevised") && resume.Less(ev.Position):
			if err := a.evaluate(ctx, ev); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				a.log.Error("match alerts: evaluating a publication failed; it is not alerted", "position", ev.Position, "stream", ev.StreamID, "err", err)
			}
		}
	}
	return ctx.Err()
}

// lastSource returns the source position of the newest alert: everything
// up to it was evaluated.
func (a *Alerter) lastSource(ctx context.Context) (domain.Position, error) {
	evs, err := a.events.ReadStream(ctx, domain.MatchAlertStream, domain.ReadStreamOptions{Direction: domain.Backwards, From: domain.StreamEnd, Limit: 1})
	if errors.Is(err, domain.ErrNotFound) || (err == nil && len(evs) == 0) {
		return domain.Start, nil
	}
	if err != nil {
		return domain.Start, err
	}
	p, err := domain.Decode(evs[0])
	if err != nil {
		return domain.Start, err
	}
	alert, _ := p.(domain.MatchAlerted)
	// The source itself is evaluated again: its alerts may have been
	// appended in part by a process that stopped.
	src := alert.SourcePosition
	if src.Prepare > 0 {
		src.Prepare--
	} else if src.Commit > 0 {
		src = domain.Position{Commit: src.Commit - 1, Prepare: src.Commit - 1}
	}
	return src, nil
}

// remember updates the saved-search index.
func (a *Alerter) remember(id string, p domain.Payload) {
	a.mu.Lock()
	defer a.mu.Unlock()
	old, had := a.searches[id]
	if had {
		for _, k := range searchKeys(old) {
			delete(a.index[k], id)
		}
	}
	s := domain.SavedSearchKind.Evolve(old, p)
	if s.Deleted {
		delete(a.searches, id)
		return
	}
	a.searches[id] = s
	for _, k := range searchKeys(s) {
		if a.index[k] == nil {
			a.index[k] = map[string]struct{}{}
		}
		a.index[k][id] = struct{}{}
	}
}

// searchKeys are the index keys of a saved search: its NACE sections, or
// "any" without a sector filter.
func searchKeys(s domain.SavedSearch) []string {
	var keys []string
	for _, c := range s.Filters.NACE {
		if sec := reference.NACESectionOf(c); sec != "" && !slices.Contains(keys, "nace:"+sec) {
			keys = append(keys, "nace:"+sec)
		}
	}
	if len(keys) == 0 {
		keys = []string{"any"}
	}
	return keys
}

// candidates returns the saved searches indexed under the offer's codes.
func (a *Alerter) candidates(o OfferDoc) []domain.SavedSearch {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := map[string]struct{}{}
	for _, k := range append([]string{"any"}, prefixed("nace:", o.Codes)...) {
		for id := range a.index[k] {
			ids[id] = struct{}{}
		}
	}
	out := make([]domain.SavedSearch, 0, len(ids))
	for id := range ids {
		out = append(out, a.searches[id])
	}
	slices.SortFunc(out, func(x, y domain.SavedSearch) int { return strings.Compare(x.ID, y.ID) })
	return out
}

func prefixed(p string, codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if isSectionCode(c) {
			out = append(out, p+c)
		}
	}
	return out
}

// evaluate alerts the organisations a publication matches.
func (a *Alerter) evaluate(ctx context.Context, ev domain.Event) error {
	id := strings.TrimPrefix(ev.StreamID, domain.OfferKind.Category+"-")
	if err := a.wait(ctx, ev.Position); err != nil {
		return err
	}
	o, ok, err := a.reads.OfferByID(ctx, id)
	if err != nil || !ok || o.Status != domain.OfferStatusPublished {
		return err
	}
	at := ev.RecordedAt // scores as of the publication, whenever evaluated
	var alerts []domain.MatchAlerted
	for _, s := range a.candidates(o) {
		if s.OrgID == o.OwnerOrgID || !filtersAccept(s.Filters, o) {
			continue
		}
		score, reasons, ok, err := a.scoreSearch(ctx, s, o, at)
		if err != nil {
			return err
		}
		if ok && score >= s.MinScore {
			alerts = append(alerts, alertOf(o, ev, s.OrgID, score, reasons, func(m *domain.MatchAlerted) { m.SavedSearchID = s.ID }))
		}
	}
	if o.Kind == "offer" && a.now().Sub(o.UpdatedAt) < RequestAlertWindow {
		ms, err := MatchOffer(ctx, a.reads, o, at, MatchCandidates)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Score >= RequestAlertMinScore {
				alerts = append(alerts, alertOf(o, ev, m.Doc.OwnerOrgID, m.Score, m.Reasons, func(x *domain.MatchAlerted) { x.RequestID = m.Doc.ID }))
			}
		}
	}
	if len(alerts) == 0 {
		return nil
	}
	return a.append(ctx, ev, alerts)
}

// append records the alerts of one source event in one append (all or
// none) with derived ids.
func (a *Alerter) append(ctx context.Context, src domain.Event, alerts []domain.MatchAlerted) error {
	for start := 0; start < len(alerts); start += domain.MaxEventsPerAppend {
		part := alerts[start:min(start+domain.MaxEventsPerAppend, len(alerts))]
		data := make([]domain.EventData, len(part))
		for i, al := range part {
			ed, err := domain.Encode(al)
			if err != nil {
				return err
			}
			ed.ID = domain.DeriveEventID("match-alert", src.ID.String(), al.OrgID, al.SavedSearchID, al.RequestID)
			ed.Actor, ed.CorrelationID, ed.CausationID = domain.System("alerts").String(), src.CorrelationID, "event:"+src.ID.String()
			data[i] = ed
		}
		res, err := a.events.Append(ctx, domain.MatchAlertStream, domain.Any, data)
		switch {
		case errors.Is(err, domain.ErrDuplicateEventID):
			// Another process alerted first, with scores of its own.
			continue
		case err != nil:
			return fmt.Errorf("append alerts: %w", err)
		}
		for _, e := range res.Events {
			a.onAlert(e)
		}
	}
	return nil
}

func alertOf(o OfferDoc, src domain.Event, org string, score float64, reasons []Reason, set func(*domain.MatchAlerted)) domain.MatchAlerted {
	m := domain.MatchAlerted{OrgID: org, OfferID: o.ID, OfferKind: o.Kind, Title: o.Title, OwnerOrgID: o.OwnerOrgID,
		Score: score, Reasons: make([]domain.MatchReason, len(reasons)), SourceEventID: src.ID, SourcePosition: src.Position, AlertedAt: src.RecordedAt}
	for i, r := range reasons {
		m.Reasons[i] = domain.MatchReason(r)
	}
	set(&m)
	return m
}

// filtersAccept applies a saved search's filters (as the search API does).
func filtersAccept(f domain.SearchFilters, o OfferDoc) bool {
	in := func(vals []string, ok func(string) bool) bool { return len(vals) == 0 || slices.ContainsFunc(vals, ok) }
	return in(f.Kinds, func(v string) bool { return v == o.Kind }) &&
		in(f.Categories, func(v string) bool { return v == o.Category }) &&
		in(f.PartnershipTypes, func(v string) bool { return slices.Contains(o.PartnershipTypes, v) }) &&
		in(f.NACE, func(v string) bool { return slices.Contains(o.Codes, v) || slices.Contains(o.NACE, v) }) &&
		in(f.Countries, func(v string) bool { return v == o.OwnerCountry }) &&
		in(f.NUTS, func(v string) bool { return slices.Contains(o.Regions, v) }) &&
		in(f.Languages, func(v string) bool { return slices.Contains(o.Languages, v) })
}

// scoreSearch scores an offer for a saved search with the matching API's
// factors: the searching organisation on one side, with the search's NACE
// codes and query words standing in for its sectors and texts. A search
// with free text matches only offers that hold one of its words. ok is
// false when the offer shares neither sector nor text; a search with
// neither NACE codes nor text then still matches with score 0.
func (a *Alerter) scoreSearch(ctx context.Context, s domain.SavedSearch, o OfferDoc, at time.Time) (float64, []Reason, bool, error) {
	side := matchSide{org: s.OrgID}
	if org, ok, err := a.reads.OrganisationByID(ctx, s.OrgID); err != nil {
		return 0, nil, false, err
	} else if ok {
		side = orgSide(org)
	}
	side.codes = CodePath(s.Filters.NACE)
	side.terms = nil
	if s.Filters.Q != "" {
		terms, err := Plan(ctx, a.reads, s.Filters.Q)
		if err != nil {
			return 0, nil, false, err
		}
		if Score(terms, o.TitleTerms, o.TextTerms, o.CodeTerms) == 0 {
			return 0, nil, false, nil
		}
		side.terms = matchUnion(Analyze(s.Filters.Q), nil)
	}
	b := offerSide(o)
	score, reasons, ok := matchSides(&side, &b, at, true)
	if !ok && len(s.Filters.NACE) == 0 && s.Filters.Q == "" {
		return 0, nil, true, nil
	}
	return score, reasons, ok, nil
}
