package live

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/nisa-eu/nisa/domain"
)

// Who sees what on the websocket: the rules of the HTTP API, decided once
// per event from the state of its aggregate right after the event.
//
//   - Admins, coordinators and auditors see every event with its data.
//   - A partner sees the events of its own organisation's aggregates in
//     full: its profile, its offers (drafts too), interests it expressed or
//     received, its registrations, visits where it is guest or host, its
//     saved searches and webhooks, its match alerts.
//   - Every other partner sees only public events — organisation profiles,
//     published (and later withdrawn or expired) offers, meetings — with
//     personal data removed from the data (see redactedKeys).
//   - Secrets (webhook secrets, token hashes) are removed for everyone.

// view is how much of an event a caller sees.
type view uint8

const (
	viewNone view = iota
	viewPublic
	viewFull
)

// redactedKeys are removed from the data shown to partners of other
// organisations: personal data of contact persons and participants.
var redactedKeys = []string{"contacts", "participants"}

// secretKeys are removed from the data shown to everyone.
var secretKeys = []string{"secret", "secret_hash"}

// described is an event with what the hub needs to route it, computed
// once and shared by every connection.
type described struct {
	ev domain.Event
	// public: every authenticated caller may see it; orgs: partners of
	// these organisations see it in full.
	public bool
	orgs   []string
	// meeting is the meeting id of a meeting stream's events.
	meeting string
	// alertOrg is the organisation a MatchAlerted event is for.
	alertOrg string
	// countries and nace tag the event for activity filters.
	countries, nace []string

	mu      sync.Mutex
	encoded map[encKey][]byte
}

type encKey struct {
	channel string
	v       view
}

// viewFor returns how much of d actor sees.
func (d *described) viewFor(a domain.Actor) view {
	switch a.Role {
	case domain.RoleAdmin, domain.RoleAuditor, domain.RoleCoordinator:
		return viewFull
	case domain.RolePartner:
		if a.OrgID != "" && slices.Contains(d.orgs, a.OrgID) {
			return viewFull
		}
		if d.public {
			return viewPublic
		}
	}
	return viewNone
}

// message returns the encoded event message for a channel and view,
// encoding it once.
func (d *described) message(ch string, v view) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := encKey{ch, v}
	if b, ok := d.encoded[k]; ok {
		return b
	}
	ev := d.ev
	data := redact(ev.Data, secretKeys)
	if v == viewPublic {
		data = redact(data, redactedKeys)
	}
	pos := ev.Position
	b, err := json.Marshal(ServerMessage{Type: "event", Channel: ch, Position: &pos, Event: &EventView{
		ID: ev.ID, Type: ev.Type, SchemaVersion: ev.SchemaVersion, StreamID: ev.StreamID, StreamVersion: ev.StreamVersion,
		Position: pos, RecordedAt: ev.RecordedAt, Actor: ev.Actor, CorrelationID: ev.CorrelationID, CausationID: ev.CausationID,
		Data: data,
	}})
	if err != nil { // the data is valid JSON: cannot happen
		panic(err)
	}
	if d.encoded == nil {
		d.encoded = map[encKey][]byte{}
	}
	d.encoded[k] = b
	return b
}

// redact removes keys (at any depth) from a JSON document.
func redact(data json.RawMessage, keys []string) json.RawMessage {
	if !containsAny(data, keys) {
		return data
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil
	}
	b, err := json.Marshal(drop(v, keys))
	if err != nil {
		return nil
	}
	return b
}

func containsAny(data []byte, keys []string) bool {
	for _, k := range keys {
		if strings.Contains(string(data), `"`+k+`"`) {
			return true
		}
	}
	return false
}

func drop(v any, keys []string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if slices.Contains(keys, k) {
				delete(x, k)
				continue
			}
			x[k] = drop(e, keys)
		}
	case []any:
		for i, e := range x {
			x[i] = drop(e, keys)
		}
	}
	return v
}

// OrgLookup returns an organisation's country and NACE sectors (for the
// activity filters); ok is false when it is unknown.
type OrgLookup func(ctx context.Context, id string) (country string, sectors []string, ok bool)

// describer decides the audience of events from their aggregates' state.
type describer struct {
	store domain.EventStore
	orgs  OrgLookup
}

// describe computes the audience and tags of ev. cache, when not nil,
// holds the latest states of the streams its caller described before (the
// hub's follower, which goes through the log in order); it must not be
// shared between goroutines.
func (r *describer) describe(ctx context.Context, ev domain.Event, cache *stateCache) (*described, error) {
	d := &described{ev: ev}
	category, id, _ := strings.Cut(ev.StreamID, "-")
	var err error
	switch category {
	case domain.OrganisationKind.Category:
		var o domain.Organisation
		o, err = stateAt(ctx, r.store, domain.OrganisationKind, ev, cache)
		d.public, d.orgs = true, []string{id}
		d.countries, d.nace = []string{o.Profile.Country}, slices.Clone(o.Profile.Sectors)
	case domain.OfferKind.Category:
		var o domain.Offer
		o, err = stateAt(ctx, r.store, domain.OfferKind, ev, cache)
		d.orgs = []string{o.OwnerOrgID}
		switch ev.Type {
		case "OfferInterestExpressed", "OfferInterestAccepted", "OfferInterestDeclined":
			var x struct {
				InterestID string `json:"interest_id"`
			}
			_ = json.Unmarshal(ev.Data, &x)
			for _, in := range o.Interests {
				if in.ID == x.InterestID {
					d.orgs = append(d.orgs, in.OrgID)
				}
			}
		case "OfferExpiryWarned":
		default:
			d.public = !o.PublishedAt.IsZero()
		}
		d.nace = slices.Clone(o.Details.NACE)
		if r.orgs != nil {
			if c, _, ok := r.orgs(ctx, o.OwnerOrgID); ok {
				d.countries = []string{c}
			}
		}
	case domain.MeetingKind.Category:
		var m domain.Meeting
		m, err = stateAt(ctx, r.store, domain.MeetingKind, ev, cache)
		d.meeting = id
		if strings.HasPrefix(ev.Type, "Meeting") {
			d.public = true
		} else {
			var x struct {
				RegistrationID string `json:"registration_id"`
			}
			_ = json.Unmarshal(ev.Data, &x)
			for _, reg := range m.Registrations {
				if reg.ID == x.RegistrationID {
					d.orgs = []string{reg.OrgID}
					d.countries = r.countriesOf(ctx, reg.OrgID)
				}
			}
		}
		if m.Place != nil && m.Place.Country != "" {
			d.countries = append(d.countries, m.Place.Country)
		}
	case domain.ExchangeVisitKind.Category:
		var v domain.ExchangeVisit
		v, err = stateAt(ctx, r.store, domain.ExchangeVisitKind, ev, cache)
		d.orgs = []string{v.Proposal.GuestOrgID, v.Proposal.HostOrgID}
		d.countries = append(r.countriesOf(ctx, v.Proposal.GuestOrgID), r.countriesOf(ctx, v.Proposal.HostOrgID)...)
	default:
		// Saved searches, webhooks, match alerts and anything else that
		// names its organisation: that organisation only. Tokens and
		// unknown streams: staff and auditors only.
		var x struct {
			OrgID string `json:"organisation_id"`
		}
		_ = json.Unmarshal(ev.Data, &x)
		if x.OrgID == "" {
			x.OrgID = ownerOf(ctx, r.store, ev)
		}
		if x.OrgID != "" && category != domain.TokenKind.Category {
			d.orgs = []string{x.OrgID}
		}
		if ev.Type == "MatchAlerted" {
			d.alertOrg = x.OrgID
		}
	}
	return d, err
}

func (r *describer) countriesOf(ctx context.Context, org string) []string {
	if r.orgs == nil || org == "" {
		return nil
	}
	if c, _, ok := r.orgs(ctx, org); ok {
		return []string{c}
	}
	return nil
}

// ownerOf returns the organisation_id named by the first event of ev's
// stream (the creation event of saved searches and webhooks).
func ownerOf(ctx context.Context, store domain.EventStore, ev domain.Event) string {
	if ev.StreamVersion <= 1 {
		return ""
	}
	first, err := store.ReadStream(ctx, ev.StreamID, domain.ReadStreamOptions{Limit: 1})
	if err != nil || len(first) == 0 {
		return ""
	}
	var x struct {
		OrgID string `json:"organisation_id"`
	}
	_ = json.Unmarshal(first[0].Data, &x)
	return x.OrgID
}

// stateCache keeps the latest state of recently described streams, so the
// follower describing the next event of a stream evolves that one event
// instead of reading the whole stream again (a busy organisation's stream
// grows with every update). States are the caller's alone: Evolve may
// reuse their slices.
type stateCache struct {
	max    int
	states map[string]cachedState
}

type cachedState struct {
	version uint64
	state   any
}

func newStateCache(max int) *stateCache {
	return &stateCache{max: max, states: map[string]cachedState{}}
}

func (c *stateCache) put(stream string, version uint64, state any) {
	if _, ok := c.states[stream]; !ok && len(c.states) >= c.max {
		for k := range c.states { // evict one at random
			delete(c.states, k)
			break
		}
	}
	c.states[stream] = cachedState{version, state}
}

// stateAt rebuilds the aggregate of ev's stream as it was right after ev,
// starting from cache's state of the stream when it is older than ev.
func stateAt[S any](ctx context.Context, store domain.EventStore, k domain.Kind[S], ev domain.Event, cache *stateCache) (S, error) {
	var s S
	var from uint64
	if cache != nil {
		if c, ok := cache.states[ev.StreamID]; ok && c.version <= ev.StreamVersion {
			if st, ok := c.state.(S); ok {
				s, from = st, c.version
			}
		}
	}
	if from < ev.StreamVersion {
		evs, err := store.ReadStream(ctx, ev.StreamID, domain.ReadStreamOptions{From: from + 1, Limit: int(ev.StreamVersion - from)})
		if err != nil {
			return s, err
		}
		for _, e := range evs {
			p, err := domain.Decode(e)
			if err != nil {
				if cache != nil {
					delete(cache.states, ev.StreamID) // s may share the cached state's slices
				}
				return s, err
			}
			s = k.Evolve(s, p)
		}
	}
	if cache != nil {
		cache.put(ev.StreamID, ev.StreamVersion, s)
	}
	return s, nil
}
