package domain

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Webhook is an organisation's endpoint for match alerts: each alert for
// the organisation is POSTed to URL, signed with Secret. The secret is
// never part of a view (json "-"); it is shown once, when the webhook is
// registered.
type Webhook struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"organisation_id"`
	URL       string    `json:"url"`
	Secret    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	Removed   bool      `json:"removed"`
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

// WebhookKind is the aggregate kind of webhooks: streams "webhook-<id>".
var WebhookKind = Kind[Webhook]{Category: "webhook", Evolve: Webhook.evolve}

// webhookMaxURL is the longest webhook URL.
const webhookMaxURL = 2000

// WebhookRegistered: an organisation registered an endpoint. Secret is the
// signing secret in the form the server stored it: sealed (SecretSealer)
// by servers that seal secrets, so that nobody reading the event log (an
// auditor, an evidence bundle) can sign alerts in the organisation's
// name; in clear in the events of older servers.
type WebhookRegistered struct {
	WebhookID string    `json:"webhook_id"`
	OrgID     string    `json:"organisation_id"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret"`
	CreatedAt time.Time `json:"created_at"`
}

// SecretSealer keeps secrets the server must use again (a webhook's
// signing secret) out of the event log in clear: SealSecret returns the
// form to record, under a key held apart from the events; OpenSecret
// returns the secret again. subject names what the secret belongs to
// ("webhook-<id>"); a sealed secret opens only for its subject.
// OpenSecret returns a value that was never sealed as it is.
type SecretSealer interface {
	SealSecret(ctx context.Context, subject, secret string) (string, error)
	OpenSecret(ctx context.Context, subject, stored string) (string, error)
}

// WebhookRemoved: the endpoint receives nothing more, for good.
type WebhookRemoved struct {
	WebhookID string    `json:"webhook_id"`
	RemovedAt time.Time `json:"removed_at"`
}

// EventType implements Payload.
func (WebhookRegistered) EventType() string { return "WebhookRegistered" }

// EventType implements Payload.
func (WebhookRemoved) EventType() string { return "WebhookRemoved" }

func (w Webhook) evolve(p Payload) Webhook {
	switch e := p.(type) {
	case WebhookRegistered:
		w = Webhook{ID: e.WebhookID, OrgID: e.OrgID, URL: e.URL, Secret: e.Secret, CreatedAt: e.CreatedAt}
	case WebhookRemoved:
		w.Removed, w.RemovedAt = true, e.RemovedAt
	}
	return w
}

// RegisterWebhook registers an endpoint for an organisation: partners for
// their own organisation, admins for any. URL must be absolute, http or
// https, with a host and without credentials, at most 2000 characters
// (whether plain http is acceptable is the server's policy, not the
// domain's). Secret is the signing secret, chosen by the caller.
type RegisterWebhook struct {
	OrgID  string
	URL    string
	Secret string
}

// Decide implements the command.
func (c RegisterWebhook) Decide(w Webhook, id string, actor Actor, now time.Time) ([]Payload, error) {
	if !actor.ActsFor(c.OrgID) {
		return nil, forbid(actor, "register webhooks of organisation "+c.OrgID)
	}
	if w.ID != "" {
		return nil, invalidState("webhook %s already exists", w.ID)
	}
	var es ValidationErrors
	checkString(&es, "organisation_id", c.OrgID, 1, 100)
	if why := webhookURLProblem(c.URL); why != "" {
		v := c.URL
		if utf8.RuneCountInString(v) > webhookMaxURL {
			v = ""
		}
		es.Add("url", v, why)
	}
	// The secret is never echoed in an error.
	switch {
	case strings.TrimSpace(c.Secret) == "":
		es.Add("secret", "", "is required")
	case len(c.Secret) > 200:
		es.Add("secret", "", "must be at most 200 bytes")
	case !utf8.ValidString(c.Secret) || strings.ContainsFunc(c.Secret, func(r rune) bool { return r < 0x21 || r == 0x7f }):
		es.Add("secret", "", "must be printable text without spaces")
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return []Payload{WebhookRegistered{WebhookID: id, OrgID: c.OrgID, URL: c.URL, Secret: c.Secret, CreatedAt: now}}, nil
}

// webhookURLProblem says what is wrong with u as a webhook URL, or
// returns "".
func webhookURLProblem(u string) string {
	if strings.TrimSpace(u) == "" {
		return "is required"
	}
	if utf8.RuneCountInString(u) > webhookMaxURL {
		return "must be at most " + itoa(webhookMaxURL) + " characters"
	}
	p, err := url.Parse(u)
	switch {
	case err != nil || strings.ContainsAny(u, " \t\r\n"):
		return "not a URL"
	case !p.IsAbs() || (p.Scheme != "https" && p.Scheme != "http"):
		return "must be an absolute https (or http) URL"
	case p.Hostname() == "":
		return "must name a host"
	case p.User != nil:
		return "must not carry credentials"
	}
	return ""
}

// RemoveWebhook removes a webhook for good.
type RemoveWebhook struct{}

// Decide implements the command.
func (RemoveWebhook) Decide(w Webhook, actor Actor, now time.Time) ([]Payload, error) {
	if w.ID == "" {
		return nil, ErrNotFound
	}
	if !actor.ActsFor(w.OrgID) {
		return nil, forbid(actor, "remove webhook "+w.ID)
	}
	if w.Removed {
		return nil, invalidState("webhook %s is removed", w.ID)
	}
	return []Payload{WebhookRemoved{WebhookID: w.ID, RemovedAt: now}}, nil
}

// Webhook deliveries: the bookkeeping of posting one match alert to one
// webhook. Each delivery has its own stream,
//
//	webhook_delivery-<webhook id>.<alert event id>
//
// (WebhookDeliveryKind.StreamID(WebhookDeliveryID(webhook, alert))), so
// that several server processes can agree on who delivers it: a process
// claims a delivery by appending WebhookDeliveryClaimed with an expected
// version, and records the outcome with WebhookDelivered or
// WebhookDeliveryFailed.

// WebhookDeliveryKind is the aggregate kind of webhook deliveries: streams
// "webhook_delivery-<webhook id>.<alert event id>".
var WebhookDeliveryKind = Kind[WebhookDelivery]{Category: "webhook_delivery", Evolve: WebhookDelivery.evolve}

// WebhookDeliveryID returns the aggregate id of the delivery of alert
// (the event id of a MatchAlerted) to webhook webhookID.
func WebhookDeliveryID(webhookID string, alert EventID) string {
	return webhookID + "." + alert.String()
}

// Webhook delivery statuses.
const (
	WebhookDeliveryStatusClaimed   = "claimed"
	WebhookDeliveryStatusDelivered = "delivered"
	WebhookDeliveryStatusFailed    = "failed"
)

// WebhookDelivery is the state of one delivery ("" status: none yet).
type WebhookDelivery struct {
	WebhookID    string  `json:"webhook_id"`
	AlertEventID EventID `json:"alert_event_id"`
	Status       string  `json:"status"`
	// Claimant is the process that claimed the delivery last, ClaimedAt
	// when.
	Claimant  string    `json:"claimant,omitempty"`
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
	// Attempts counts the POSTs made, as the last outcome reported them.
	Attempts    int       `json:"attempts"`
	StatusCode  int       `json:"status_code,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	FailedAt    time.Time `json:"failed_at,omitzero"`
}

// WebhookDeliveryClaimed: a process took on the delivery.
type WebhookDeliveryClaimed struct {
	WebhookID    string    `json:"webhook_id"`
	AlertEventID EventID   `json:"alert_event_id"`
	Claimant     string    `json:"claimant"`
	ClaimedAt    time.Time `json:"claimed_at"`
}

// WebhookDelivered: the endpoint accepted the alert (a 2xx StatusCode)
// after Attempts POSTs.
type WebhookDelivered struct {
	WebhookID    string    `json:"webhook_id"`
	AlertEventID EventID   `json:"alert_event_id"`
	Attempts     int       `json:"attempts"`
	StatusCode   int       `json:"status_code"`
	DeliveredAt  time.Time `json:"delivered_at"`
}

// WebhookDeliveryFailed: the delivery gave up after Attempts POSTs;
// LastError says what went wrong last.
type WebhookDeliveryFailed struct {
	WebhookID    string    `json:"webhook_id"`
	AlertEventID EventID   `json:"alert_event_id"`
	Attempts     int       `json:"attempts"`
	LastError    string    `json:"last_error"`
	FailedAt     time.Time `json:"failed_at"`
}

// EventType implements Payload.
func (WebhookDeliveryClaimed) EventType() string { return "WebhookDeliveryClaimed" }

// EventType implements Payload.
func (WebhookDelivered) EventType() string { return "WebhookDelivered" }

// EventType implements Payload.
func (WebhookDeliveryFailed) EventType() string { return "WebhookDeliveryFailed" }

func init() {
	RegisterEvent[WebhookRegistered](1)
	RegisterEvent[WebhookRemoved](1)
	RegisterEvent[WebhookDeliveryClaimed](1)
	RegisterEvent[WebhookDelivered](1)
	RegisterEvent[WebhookDeliveryFailed](1)
}

func (d WebhookDelivery) evolve(p Payload) WebhookDelivery {
	switch e := p.(type) {
	case WebhookDeliveryClaimed:
		d.WebhookID, d.AlertEventID = e.WebhookID, e.AlertEventID
		d.Status, d.Claimant, d.ClaimedAt = WebhookDeliveryStatusClaimed, e.Claimant, e.ClaimedAt
	case WebhookDelivered:
		d.WebhookID, d.AlertEventID = e.WebhookID, e.AlertEventID
		d.Status, d.Attempts, d.StatusCode, d.DeliveredAt = WebhookDeliveryStatusDelivered, e.Attempts, e.StatusCode, e.DeliveredAt
	case WebhookDeliveryFailed:
		d.WebhookID, d.AlertEventID = e.WebhookID, e.AlertEventID
		d.Status, d.Attempts, d.LastError, d.FailedAt = WebhookDeliveryStatusFailed, e.Attempts, e.LastError, e.FailedAt
	}
	return d
}
