package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/webhook"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// hookReceiver is a partner's HTTPS endpoint: it records every POST and
// fails the first one, so the delivery has to be retried.
type hookReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	calls []hookCall
	got   chan hookCall
}

type hookCall struct {
	header http.Header
	body   []byte
	status int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{got: make(chan hookCall, 16)}
	h.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		status := http.StatusNoContent
		if len(h.calls) == 0 {
			status = http.StatusServiceUnavailable
		}
		c := hookCall{header: r.Header.Clone(), body: b, status: status}
		h.calls = append(h.calls, c)
		h.mu.Unlock()
		w.WriteHeader(status)
		h.got <- c
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.calls)
}

// startAlerts runs the alerter and a webhook dispatcher (as nisa serve
// does) and returns the dispatcher.
func (e *env) startAlerts(client *http.Client) *webhook.Dispatcher {
	e.t.Helper()
	d, err := webhook.New(webhook.Config{Store: e.store, Reads: e.reads, Secrets: e.shred, Client: client, InitialInterval: 20 * time.Millisecond, MaxRetries: 3})
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.Run(ctx) })
	<-d.Running()
	a := projections.NewAlerter(projections.AlerterConfig{Events: e.store, Reads: e.reads, WaitFor: e.runner.WaitFor, OnAlert: d.Alert})
	wg.Go(func() { _ = a.Run(ctx) })
	e.t.Cleanup(func() { cancel(); wg.Wait() })
	return d
}

func TestMatchAlerts(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			recv := newHookReceiver(t)
			disp := e.startAlerts(recv.Client())
			searcherOrg, ownerOrg, bystanderOrg := e.createOrg("Kovo s.r.o."), e.createOrg("Sachsen Blech GmbH"), e.createOrg("Holz Sp. z o.o.")
			searcher, owner, bystander := e.partner(searcherOrg), e.partner(ownerOrg), e.partner(bystanderOrg)

			ss := e.do("POST", "/v1/saved-searches", searcher, map[string]any{
				"organisation_id": searcherOrg, "name": "Blech", "filters": map[string]any{"nace": []string{"25"}}, "min_score": 10,
			}).expect(t, 201, "")
			searchID := ss.body["id"].(string)
			wh := e.do("POST", "/v1/webhooks", searcher, map[string]any{"organisation_id": searcherOrg, "url": recv.URL}).expect(t, 201, "")
			secret := wh.body["secret"].(string)
			// The event log, which auditors read, holds the secret sealed.
			evs := e.do("GET", "/v1/streams/webhook-"+wh.body["id"].(string)+"/events", e.tokens["auditor"], nil).expect(t, 200, "")
			logged := evs.body["items"].([]any)[0].(map[string]any)["data"].(map[string]any)["secret"].(string)
			if !strings.HasPrefix(logged, "sealed-secret:v1:") || strings.Contains(logged, strings.TrimPrefix(secret, "whsec_")) {
				t.Fatalf("the event log shows the webhook secret as %q", logged)
			}

			sc, bc := e.mustDial(searcher), e.mustDial(bystander)
			for _, c := range []*wsClient{sc, bc} {
				c.send(map[string]any{"type": "subscribe", "channel": "matches"})
				c.until("caught_up")
			}
			e.sync()

			until := time.Now().UTC().Add(90 * 24 * time.Hour).Truncate(time.Second)
			offerID := e.do("POST", "/v1/offers", owner, offerBody("", "Lohnfertigung gesucht", until)).expect(t, 201, "").body["id"].(string)
			e.do("POST", "/v1/offers/"+offerID+"/publish", owner, nil).expect(t, 200, "")

			// The saved search lights up on the websocket …
			m := sc.nextEvent()
			var alert domain.MatchAlerted
			if err := json.Unmarshal(m.Event.Data, &alert); err != nil {
				t.Fatal(err)
			}
			if m.Event.Type != "MatchAlerted" || alert.SavedSearchID != searchID || alert.OfferID != offerID || alert.OrgID != searcherOrg ||
				alert.Score < 10 || len(alert.Reasons) == 0 || alert.Reasons[0].Factor == "" {
				t.Fatalf("alert %s: %+v", m.Event.Type, alert)
			}

			// … and at the webhook, signed, after one retry.
			first, second := <-recv.got, <-recv.got
			if first.status != 503 || second.status != 204 {
				t.Fatalf("deliveries answered %d, %d", first.status, second.status)
			}
			if err := webhook.Verify(secret, second.header.Get(webhook.HeaderSignature), second.body, time.Minute, time.Now()); err != nil {
				t.Fatalf("signature: %v", err)
			}
			if err := webhook.Verify("whsec_wrong", second.header.Get(webhook.HeaderSignature), second.body, time.Minute, time.Now()); err == nil {
				t.Fatal("a wrong secret verified")
			}
			var body webhook.Body
			if err := json.Unmarshal(second.body, &body); err != nil || body.Alert.ID != m.Event.ID || body.DeliveryID != second.header.Get(webhook.HeaderDelivery) {
				t.Fatalf("webhook body %s (%v)", second.body, err)
			}

			// The outcome is recorded; alerting the same event again — from
			// this process or another one — delivers nothing more.
			deliveryID := body.DeliveryID
			deadline := time.Now().Add(10 * time.Second)
			for {
				d, _, err := domain.Load(context.Background(), e.store, domain.WebhookDeliveryKind, deliveryID, time.Time{})
				if err == nil && d.Status == domain.WebhookDeliveryStatusDelivered {
					if d.Attempts != 2 || d.StatusCode != 204 {
						t.Fatalf("delivery %+v", d)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("delivery not recorded: %+v %v", d, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			stored, err := e.store.ReadStream(context.Background(), domain.MatchAlertStream, domain.ReadStreamOptions{})
			if err != nil {
				t.Fatal(err)
			}
			other := e.startAlerts(recv.Client())
			disp.Alert(stored[0])
			other.Alert(stored[0])
			time.Sleep(300 * time.Millisecond)
			if n := recv.count(); n != 2 {
				t.Fatalf("%d POSTs, want 2 (one failed, one delivered)", n)
			}
			stored, err = e.store.ReadStream(context.Background(), domain.MatchAlertStream, domain.ReadStreamOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(stored); n != 1 {
				t.Fatalf("%d alerts stored, want 1 (two alerters ran)", n)
			}

			// Another organisation's matches stay its own.
			bc.send(map[string]any{"type": "ping", "id": "after-alert"})
			if p := bc.next(); p.Type != "pong" {
				t.Fatalf("bystander received %+v", p)
			}
		})
	}
}
