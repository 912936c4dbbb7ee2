// Package webhook delivers match alerts to partners' HTTPS endpoints
// through a watermill router: a fan-out handler turns each alert into one
// delivery per registered webhook of the alerted organisation, and a
// delivery handler POSTs it, retried with exponential backoff by
// watermill's Retry middleware.
//
// Each delivery is signed: the header
//
//	X-Nisa-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// lets the receiver check origin and freshness with the secret it got when
// registering (see Sign and Verify, and the README).
//
// Never twice for the same alert and endpoint: before sending, a process
// claims the delivery by appending WebhookDeliveryClaimed to the stream
// webhook_delivery-<webhook>.<alert> expecting no stream; only one
// process (and one attempt) can win that append, and the outcome is
// recorded there too (WebhookDelivered or WebhookDeliveryFailed). The
// price is at-most-once: a process that stops between its claim and a
// successful POST leaves the delivery claimed but undelivered (visible in
// the stream). Receivers get X-Nisa-Delivery as an idempotency key all the
// same.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// Headers of a delivery.
const (
	HeaderSignature = "X-Nisa-Signature"
	HeaderDelivery  = "X-Nisa-Delivery"
	HeaderEvent     = "X-Nisa-Event"
)

const (
	topicAlerts     = "webhook.alerts"
	topicDeliveries = "webhook.deliveries"
)

// Config configures a Dispatcher.
type Config struct {
	Store domain.EventStore
	// Reads lists the organisations' webhooks (projections.WebhookCollection).
	Reads projections.Reader
	// Secrets opens the sealed signing secrets (adapters/shred.Store; see
	// domain.WebhookRegistered). Without it, secrets are used as recorded.
	Secrets domain.SecretSealer
	// Client sends the POSTs (default: 10 s timeout).
	Client *http.Client
	// Claimant names this process in claims.
	Claimant string
	// MaxRetries after the first attempt (default 8), starting
	// InitialInterval apart (default 1s) and doubling up to MaxInterval
	// (default 5m).
	MaxRetries      int
	InitialInterval time.Duration
	MaxInterval     time.Duration
	Logger          *slog.Logger
}

// Dispatcher delivers alerts to webhooks.
type Dispatcher struct {
	cfg    Config
	cmds   *domain.Commands
	pubsub *gochannel.GoChannel
	router *message.Router
}

// New builds the dispatcher's router; Run runs it.
func New(cfg Config) (*Dispatcher, error) {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 8
	}
	if cfg.InitialInterval <= 0 {
		cfg.InitialInterval = time.Second
	}
	if cfg.MaxInterval <= 0 {
		cfg.MaxInterval = 5 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Claimant == "" {
		cfg.Claimant = "nisa-" + watermill.NewShortUUID()
	}
	logger := watermill.NewSlogLogger(cfg.Logger)
	ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 1024}, logger)
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 5 * time.Second}, logger)
	if err != nil {
		return nil, err
	}
	d := &Dispatcher{cfg: cfg, cmds: domain.NewCommands(cfg.Store), pubsub: ps, router: router}
	router.AddMiddleware(middleware.Recoverer)
	router.AddHandler("webhook-fanout", topicAlerts, ps, topicDeliveries, ps, d.fanOut)
	h := router.AddConsumerHandler("webhook-delivery", topicDeliveries, ps, d.deliver)
	// Outermost: record the failure once the retries are exhausted.
	h.AddMiddleware(d.giveUp, middleware.Retry{
		MaxRetries: cfg.MaxRetries, InitialInterval: cfg.InitialInterval, MaxInterval: cfg.MaxInterval,
		Multiplier: 2, RandomizationFactor: 0.2, Logger: logger,
	}.Middleware)
	return d, nil
}

// Run runs the router until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error { return d.router.Run(ctx) }

// Running is closed once the router runs.
func (d *Dispatcher) Running() <-chan struct{} { return d.router.Running() }

// Close stops the router.
func (d *Dispatcher) Close() error { return errors.Join(d.router.Close(), d.pubsub.Close()) }

// Alert queues a MatchAlerted event for delivery (the alerter's OnAlert).
func (d *Dispatcher) Alert(ev domain.Event) {
	if ev.Type != "MatchAlerted" {
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		d.cfg.Logger.Error("webhook: encode alert", "err", err)
		return
	}
	if err := d.pubsub.Publish(topicAlerts, message.NewMessage(ev.ID.String(), b)); err != nil {
		d.cfg.Logger.Error("webhook: queue alert", "alert", ev.ID, "err", err)
	}
}

// delivery is a message of topicDeliveries.
type delivery struct {
	WebhookID string       `json:"webhook_id"`
	URL       string       `json:"url"`
	Alert     domain.Event `json:"alert"`
}

// fanOut turns an alert into the deliveries this process claimed.
func (d *Dispatcher) fanOut(msg *message.Message) ([]*message.Message, error) {
	var ev domain.Event
	if err := json.Unmarshal(msg.Payload, &ev); err != nil {
		return nil, err
	}
	var alert struct {
		OrgID string `json:"organisation_id"`
	}
	if err := json.Unmarshal(ev.Data, &alert); err != nil {
		return nil, err
	}
	ctx := msg.Context()
	var out []*message.Message
	for cursor := ""; ; {
		vals, next, err := d.cfg.Reads.List(ctx, projections.WebhookCollection, "org:"+alert.OrgID, cursor, 100)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			wh, err := projections.As[projections.WebhookDoc](v)
			if err != nil {
				return nil, err
			}
			won, err := d.claim(ctx, wh.ID, ev.ID)
			if err != nil {
				return nil, err
			}
			if !won {
				continue
			}
			b, _ := json.Marshal(delivery{WebhookID: wh.ID, URL: wh.URL, Alert: ev})
			out = append(out, message.NewMessage(domain.WebhookDeliveryID(wh.ID, ev.ID), b))
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

var errClaimed = errors.New("webhook: delivery already claimed")

// claim appends the claim of a delivery; false when another process (or
// an earlier run) claimed it first.
func (d *Dispatcher) claim(ctx context.Context, webhookID string, alert domain.EventID) (bool, error) {
	id := domain.WebhookDeliveryID(webhookID, alert)
	actor := domain.System("webhooks")
	_, err := domain.Execute(ctx, d.cmds, domain.WebhookDeliveryKind, id,
		domain.Request{Actor: actor, CorrelationID: "alert:" + alert.String()},
		func(s domain.WebhookDelivery, _ uint64, now time.Time) ([]domain.Payload, error) {
			if s.Status != "" {
				return nil, errClaimed
			}
			return []domain.Payload{domain.WebhookDeliveryClaimed{WebhookID: webhookID, AlertEventID: alert, Claimant: d.cfg.Claimant, ClaimedAt: now}}, nil
		})
	switch {
	case errors.Is(err, errClaimed):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// deliver POSTs one delivery; an error makes the Retry middleware try
// again.
func (d *Dispatcher) deliver(msg *message.Message) error {
	var dl delivery
	if err := json.Unmarshal(msg.Payload, &dl); err != nil {
		return err
	}
	attempts := attemptsOf(msg) + 1
	msg.Metadata.Set("attempts", strconv.Itoa(attempts))
	status, err := d.post(msg.Context(), dl)
	if err != nil {
		msg.Metadata.Set("last_error", err.Error())
		return err
	}
	return d.record(msg.Context(), dl, domain.WebhookDelivered{WebhookID: dl.WebhookID, AlertEventID: dl.Alert.ID, Attempts: attempts, StatusCode: status})
}

func attemptsOf(msg *message.Message) int {
	n, _ := strconv.Atoi(msg.Metadata.Get("attempts"))
	return n
}

// giveUp records a delivery that failed every retry and acknowledges it.
func (d *Dispatcher) giveUp(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		if err == nil {
			return out, nil
		}
		var dl delivery
		if jerr := json.Unmarshal(msg.Payload, &dl); jerr != nil {
			return nil, err
		}
		d.cfg.Logger.Warn("webhook delivery failed for good", "webhook", dl.WebhookID, "alert", dl.Alert.ID, "attempts", attemptsOf(msg), "err", err)
		if rerr := d.record(msg.Context(), dl, domain.WebhookDeliveryFailed{WebhookID: dl.WebhookID, AlertEventID: dl.Alert.ID, Attempts: attemptsOf(msg), LastError: err.Error()}); rerr != nil {
			return nil, rerr
		}
		return nil, nil
	}
}

// record appends the outcome of a delivery after its claim.
func (d *Dispatcher) record(ctx context.Context, dl delivery, outcome domain.Payload) error {
	id := domain.WebhookDeliveryID(dl.WebhookID, dl.Alert.ID)
	_, err := domain.Execute(ctx, d.cmds, domain.WebhookDeliveryKind, id,
		domain.Request{Actor: domain.System("webhooks"), CorrelationID: "alert:" + dl.Alert.ID.String()},
		func(s domain.WebhookDelivery, _ uint64, now time.Time) ([]domain.Payload, error) {
			switch o := outcome.(type) {
			case domain.WebhookDelivered:
				o.DeliveredAt = now
				return []domain.Payload{o}, nil
			case domain.WebhookDeliveryFailed:
				o.FailedAt = now
				return []domain.Payload{o}, nil
			}
			return nil, fmt.Errorf("webhook: unknown outcome %T", outcome)
		})
	return err
}

// Body is the JSON a webhook receives.
type Body struct {
	// Type is "match.alerted".
	Type string `json:"type"`
	// DeliveryID is also sent as X-Nisa-Delivery.
	DeliveryID string `json:"delivery_id"`
	// Alert is the MatchAlerted event (position, time, data).
	Alert domain.Event `json:"alert"`
}

// post sends one attempt and returns the 2xx status.
func (d *Dispatcher) post(ctx context.Context, dl delivery) (int, error) {
	secret, err := d.secret(ctx, dl.WebhookID)
	if err != nil {
		return 0, err
	}
	id := domain.WebhookDeliveryID(dl.WebhookID, dl.Alert.ID)
	body, err := json.Marshal(Body{Type: "match.alerted", DeliveryID: id, Alert: dl.Alert})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "nisa-webhooks/1")
	req.Header.Set(HeaderDelivery, id)
	req.Header.Set(HeaderEvent, "match.alerted")
	req.Header.Set(HeaderSignature, Sign(secret, time.Now(), body))
	resp, err := d.cfg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, fmt.Errorf("POST %s: %s", dl.URL, resp.Status)
	}
	return resp.StatusCode, nil
}

// secret loads a webhook's signing secret; a removed webhook is not
// delivered to.
func (d *Dispatcher) secret(ctx context.Context, id string) (string, error) {
	w, _, err := domain.Load(ctx, d.cfg.Store, domain.WebhookKind, id, time.Time{})
	if err != nil {
		return "", err
	}
	if w.Removed {
		return "", fmt.Errorf("webhook %s was removed", id)
	}
	if d.cfg.Secrets == nil {
		return w.Secret, nil
	}
	return d.cfg.Secrets.OpenSecret(ctx, domain.WebhookKind.StreamID(id), w.Secret)
}

// Sign returns the X-Nisa-Signature header value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header against body and secret and that it is
// at most tolerance old: the receiver's side of Sign.
func Verify(secret, header string, body []byte, tolerance time.Duration, now time.Time) error {
	var ts, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("webhook: malformed signature header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook: signature timestamp outside the tolerance")
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, ts, body))) {
		return errors.New("webhook: signature mismatch")
	}
	return nil
}
