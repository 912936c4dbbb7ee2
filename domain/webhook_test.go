package domain

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const webhookTestSecret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"

var (
	webhookRegistered = WebhookRegistered{WebhookID: "w1", OrgID: "org-a", URL: "https://erp.example.pl/nisa/alerts", Secret: webhookTestSecret, CreatedAt: testNow.Add(-time.Hour)}
	webhookRemoved    = WebhookRemoved{WebhookID: "w1", RemovedAt: testNow.Add(-time.Minute)}
)

// webhookRegister adapts RegisterWebhook for id "w1".
func webhookRegister(c RegisterWebhook, a Actor) func(Webhook, time.Time) ([]Payload, error) {
	return func(w Webhook, now time.Time) ([]Payload, error) { return c.Decide(w, "w1", a, now) }
}

// webhookRemove adapts RemoveWebhook.
func webhookRemove(a Actor) func(Webhook, time.Time) ([]Payload, error) {
	return func(w Webhook, now time.Time) ([]Payload, error) { return RemoveWebhook{}.Decide(w, a, now) }
}

func TestWebhookLifecycle(t *testing.T) {
	reg := RegisterWebhook{OrgID: "org-a", URL: "https://erp.example.pl/nisa/alerts", Secret: webhookTestSecret}
	plain := RegisterWebhook{OrgID: "org-b", URL: "http://10.0.0.7:8080/hook?x=1", Secret: "s3cret"}
	runScenarios(t, WebhookKind, []scenario[Webhook]{
		{name: "partner registers for its own organisation", when: webhookRegister(reg, partnerA),
			then: []Payload{WebhookRegistered{WebhookID: "w1", OrgID: "org-a", URL: reg.URL, Secret: webhookTestSecret, CreatedAt: testNow}}},
		{name: "admin registers an http endpoint for any organisation", when: webhookRegister(plain, admin),
			then: []Payload{WebhookRegistered{WebhookID: "w1", OrgID: "org-b", URL: plain.URL, Secret: "s3cret", CreatedAt: testNow}}},
		{name: "partner may not register for another organisation", when: webhookRegister(reg, partnerB), err: ErrForbidden},
		{name: "coordinator may not register", when: webhookRegister(reg, coordinator), err: ErrForbidden},
		{name: "auditor may not register", when: webhookRegister(reg, offerAuditor), err: ErrForbidden},
		{name: "register twice", given: []Payload{webhookRegistered}, when: webhookRegister(reg, partnerA), err: ErrInvalidState},
		{name: "register without secret", when: webhookRegister(RegisterWebhook{OrgID: "org-a", URL: reg.URL}, partnerA), err: ErrInvalid},

		{name: "owner removes", given: []Payload{webhookRegistered}, when: webhookRemove(partnerA),
			then: []Payload{WebhookRemoved{WebhookID: "w1", RemovedAt: testNow}}},
		{name: "admin removes", given: []Payload{webhookRegistered}, when: webhookRemove(admin),
			then: []Payload{WebhookRemoved{WebhookID: "w1", RemovedAt: testNow}}},
		{name: "other partner may not remove", given: []Payload{webhookRegistered}, when: webhookRemove(partnerB), err: ErrForbidden},
		{name: "coordinator may not remove", given: []Payload{webhookRegistered}, when: webhookRemove(coordinator), err: ErrForbidden},
		{name: "remove twice", given: []Payload{webhookRegistered, webhookRemoved}, when: webhookRemove(partnerA), err: ErrInvalidState},
		{name: "remove unknown", when: webhookRemove(admin), err: ErrNotFound},
	})
}

func TestWebhookValidation(t *testing.T) {
	for _, c := range []struct {
		name   string
		cmd    RegisterWebhook
		fields []string
	}{
		{"no URL", RegisterWebhook{OrgID: "org-a", Secret: "s"}, []string{"url"}},
		{"relative URL", RegisterWebhook{OrgID: "org-a", URL: "/hook", Secret: "s"}, []string{"url"}},
		{"ftp URL", RegisterWebhook{OrgID: "org-a", URL: "ftp://example.com/hook", Secret: "s"}, []string{"url"}},
		{"no host", RegisterWebhook{OrgID: "org-a", URL: "https:///hook", Secret: "s"}, []string{"url"}},
		{"credentials in the URL", RegisterWebhook{OrgID: "org-a", URL: "https://user:pw@example.com/hook", Secret: "s"}, []string{"url"}},
		{"URL with a space", RegisterWebhook{OrgID: "org-a", URL: "https://example.com/a hook", Secret: "s"}, []string{"url"}},
		{"URL too long", RegisterWebhook{OrgID: "org-a", URL: "https://example.com/" + strings.Repeat("a", 2000), Secret: "s"}, []string{"url"}},
		{"blank secret, no organisation", RegisterWebhook{URL: "https://example.com/hook", Secret: "  "}, []string{"secret", "organisation_id"}},
		{"secret too long", RegisterWebhook{OrgID: "org-a", URL: "https://example.com/hook", Secret: strings.Repeat("s", 201)}, []string{"secret"}},
		{"secret with spaces", RegisterWebhook{OrgID: "org-a", URL: "https://example.com/hook", Secret: "my secret"}, []string{"secret"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.cmd.Decide(Webhook{}, "w1", admin, testNow)
			var es ValidationErrors
			if !errors.As(err, &es) {
				t.Fatalf("err = %v, want ValidationErrors", err)
			}
			got := map[string]bool{}
			for _, e := range es {
				got[e.Field] = true
				if e.Field == "secret" && e.Value != "" {
					t.Errorf("the secret is echoed: %v", e)
				}
			}
			for _, f := range c.fields {
				if !got[f] {
					t.Errorf("no error for %s in %v", f, err)
				}
			}
			if len(es) != len(c.fields) {
				t.Errorf("errors %v, want exactly %v", err, c.fields)
			}
		})
	}
}

func TestWebhookStateHidesSecret(t *testing.T) {
	w := WebhookKind.Evolve(Webhook{}, webhookRegistered)
	if w.Secret != webhookTestSecret || w.ID != "w1" || w.OrgID != "org-a" || !w.CreatedAt.Equal(webhookRegistered.CreatedAt) {
		t.Fatalf("registered: %+v", w)
	}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), webhookTestSecret) || strings.Contains(string(b), "secret") {
		t.Errorf("the view shows the secret: %s", b)
	}
	w = WebhookKind.Evolve(w, webhookRemoved)
	if !w.Removed || !w.RemovedAt.Equal(webhookRemoved.RemovedAt) {
		t.Errorf("removed: %+v", w)
	}
}

func TestWebhookDelivery(t *testing.T) {
	alert := DeriveEventID("alert")
	id := WebhookDeliveryID("w1", alert)
	if want := "webhook_delivery-w1." + alert.String(); WebhookDeliveryKind.StreamID(id) != want {
		t.Errorf("stream %q, want %q", WebhookDeliveryKind.StreamID(id), want)
	}
	if err := ValidateStreamID(WebhookDeliveryKind.StreamID(id)); err != nil {
		t.Error(err)
	}
	claimed := WebhookDeliveryClaimed{WebhookID: "w1", AlertEventID: alert, Claimant: "nisa-1", ClaimedAt: testNow}
	failed := WebhookDeliveryFailed{WebhookID: "w1", AlertEventID: alert, Attempts: 5, LastError: "503 Service Unavailable", FailedAt: testNow.Add(time.Hour)}
	reclaimed := WebhookDeliveryClaimed{WebhookID: "w1", AlertEventID: alert, Claimant: "nisa-2", ClaimedAt: testNow.Add(2 * time.Hour)}
	delivered := WebhookDelivered{WebhookID: "w1", AlertEventID: alert, Attempts: 1, StatusCode: 204, DeliveredAt: testNow.Add(2*time.Hour + time.Second)}

	var d WebhookDelivery
	steps := []struct {
		p    Payload
		want WebhookDelivery
	}{
		{claimed, WebhookDelivery{WebhookID: "w1", AlertEventID: alert, Status: WebhookDeliveryStatusClaimed, Claimant: "nisa-1", ClaimedAt: testNow}},
		{failed, WebhookDelivery{WebhookID: "w1", AlertEventID: alert, Status: WebhookDeliveryStatusFailed, Claimant: "nisa-1", ClaimedAt: testNow,
			Attempts: 5, LastError: failed.LastError, FailedAt: failed.FailedAt}},
		{reclaimed, WebhookDelivery{WebhookID: "w1", AlertEventID: alert, Status: WebhookDeliveryStatusClaimed, Claimant: "nisa-2", ClaimedAt: reclaimed.ClaimedAt,
			Attempts: 5, LastError: failed.LastError, FailedAt: failed.FailedAt}},
		{delivered, WebhookDelivery{WebhookID: "w1", AlertEventID: alert, Status: WebhookDeliveryStatusDelivered, Claimant: "nisa-2", ClaimedAt: reclaimed.ClaimedAt,
			Attempts: 1, StatusCode: 204, LastError: failed.LastError, FailedAt: failed.FailedAt, DeliveredAt: delivered.DeliveredAt}},
	}
	for i, s := range steps {
		d = WebhookDeliveryKind.Evolve(d, s.p)
		if !reflect.DeepEqual(d, s.want) {
			t.Errorf("after step %d (%s):\n got  %#v\n want %#v", i, s.p.EventType(), d, s.want)
		}
		data, err := Encode(s.p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(Event{EventData: data})
		if err != nil || !reflect.DeepEqual(back, s.p) {
			t.Errorf("%s does not survive encoding: %#v, %v", s.p.EventType(), back, err)
		}
	}
}
