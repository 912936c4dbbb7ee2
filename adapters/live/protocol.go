package live

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/domain/reference"
)

// Close codes the server sends (RFC 6455 private range 4000–4999 for
// nisa's own, plus the standard 1001 and 1009).
const (
	// CloseGoingAway (1001): the server shuts down; reconnect and resume
	// with after.
	CloseGoingAway = 1001
	// CloseTooBig (1009): a client message exceeded the read limit.
	CloseTooBig = 1009
	// CloseTooSlow: the client did not read fast enough and its queue
	// filled up; reconnect and resubscribe with after = the last position
	// received on each channel.
	CloseTooSlow = 4000
	// CloseUnauthenticated: no valid token on the upgrade request nor in
	// an auth message within the auth timeout.
	CloseUnauthenticated = 4001
	// CloseTimeout: no pong within the pong timeout.
	CloseTimeout = 4002
)

// Error codes of "error" messages: stable, for clients to branch on.
const (
	CodeBadMessage           = "bad_message"
	CodeUnknownChannel       = "unknown_channel"
	CodeForbidden            = "forbidden"
	CodeTooManySubscriptions = "too_many_subscriptions"
	CodeAlreadySubscribed    = "already_subscribed"
	CodeNotSubscribed        = "not_subscribed"
	CodeBadPosition          = "bad_position"
	CodeBadFilter            = "bad_filter"
	CodeUnauthenticated      = "unauthenticated"
	CodeInternal             = "internal"
)

// ClientMessage is what a client sends: {"type": "auth" | "subscribe" |
// "unsubscribe" | "ping", …}.
type ClientMessage struct {
	Type string `json:"type"`
	// ID is echoed in the reply (pong, caught_up, error).
	ID string `json:"id,omitempty"`
	// Token authenticates (type auth) when the upgrade request had no
	// Authorization header (browsers).
	Token   string  `json:"token,omitempty"`
	Channel string  `json:"channel,omitempty"`
	Filter  *Filter `json:"filter,omitempty"`
	// After replays every event after this position before going live.
	After *domain.Position `json:"after,omitempty"`
}

// Filter narrows the activity channel (every list ORs its values; lists
// AND with each other; an empty list does not filter).
type Filter struct {
	EventTypes []string `json:"event_types,omitempty"`
	// Countries are ISO codes of the organisations concerned.
	Countries []string `json:"countries,omitempty"`
	// NACE are section letters or divisions; a section matches its
	// divisions.
	NACE []string `json:"nace,omitempty"`
}

// ServerMessage is what the server sends.
type ServerMessage struct {
	// Type is welcome, event, caught_up, stats, pong or error.
	Type    string `json:"type"`
	ID      string `json:"id,omitempty"`
	Channel string `json:"channel,omitempty"`
	// Position is the event's global position (event), the position up
	// to which the replay went (caught_up) or the figures' position (stats).
	Position *domain.Position `json:"position,omitempty"`
	Event    *EventView       `json:"event,omitempty"`
	Figures  any              `json:"figures,omitempty"`
	// Actor (welcome) is who the connection is authenticated as.
	Actor *ActorView `json:"actor,omitempty"`
	// Code and Detail describe an error.
	Code   string `json:"code,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// ActorView is the authenticated actor as the welcome message shows it.
type ActorView struct {
	Role           domain.Role `json:"role"`
	OrganisationID string      `json:"organisation_id,omitempty"`
}

// EventView is an event as pushed: the envelope, and the data the caller
// may see (personal data and secrets removed where it may not; absent when
// it may see only that the event happened).
type EventView struct {
	ID            domain.EventID  `json:"id"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schema_version"`
	StreamID      string          `json:"stream_id"`
	StreamVersion uint64          `json:"stream_version"`
	Position      domain.Position `json:"position"`
	RecordedAt    time.Time       `json:"recorded_at"`
	Actor         string          `json:"actor,omitempty"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	CausationID   string          `json:"causation_id,omitempty"`
	Data          json.RawMessage `json:"data,omitempty"`
}

// channel is a parsed channel name.
type channel struct {
	name string // as subscribed
	kind string // activity, stats, matches, stream, meeting
	arg  string // stream id or meeting id
}

func parseChannel(s string) (channel, error) {
	switch s {
	case "activity", "stats", "matches":
		return channel{name: s, kind: s}, nil
	}
	kind, arg, ok := strings.Cut(s, ":")
	if ok && arg != "" && (kind == "stream" || kind == "meeting") {
		if kind == "stream" {
			if err := domain.ValidateStreamID(arg); err != nil {
				return channel{}, fmt.Errorf("channel %q: %v", s, err)
			}
		}
		return channel{name: s, kind: kind, arg: arg}, nil
	}
	return channel{}, fmt.Errorf("unknown channel %q: the channels are activity, stats, matches, stream:<stream id>, meeting:<meeting id>", s)
}

// check validates a filter; only the activity channel takes one.
func (f *Filter) check(ch channel) error {
	if f == nil {
		return nil
	}
	if ch.kind != "activity" {
		return fmt.Errorf("only the activity channel takes a filter, not %s", ch.name)
	}
	known := domain.EventTypes()
	for _, t := range f.EventTypes {
		if !slices.Contains(known, t) {
			return fmt.Errorf("filter.event_types: unknown event type %q", t)
		}
	}
	for i, c := range f.Countries {
		country, err := reference.LookupCountry(strings.ToUpper(c))
		if err != nil {
			return fmt.Errorf("filter.countries: %v", err)
		}
		f.Countries[i] = country.Code
	}
	for i, c := range f.NACE {
		n, err := reference.LookupNACE(strings.ToUpper(strings.TrimSpace(c)))
		if err != nil {
			return fmt.Errorf("filter.nace: %v", err)
		}
		f.NACE[i] = n.Code
	}
	return nil
}

// accepts reports whether an event with these tags passes the filter.
func (f *Filter) accepts(d *described) bool {
	if f == nil {
		return true
	}
	if len(f.EventTypes) > 0 && !slices.Contains(f.EventTypes, d.ev.Type) {
		return false
	}
	if len(f.Countries) > 0 && !slices.ContainsFunc(d.countries, func(c string) bool { return slices.Contains(f.Countries, c) }) {
		return false
	}
	if len(f.NACE) > 0 && !slices.ContainsFunc(d.nace, func(code string) bool {
		return slices.ContainsFunc(f.NACE, func(want string) bool { return code == want || reference.NACESectionOf(code) == want })
	}) {
		return false
	}
	return true
}
