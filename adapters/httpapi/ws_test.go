package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nisa-eu/nisa/adapters/live"
	"github.com/nisa-eu/nisa/domain"
)

// wsClient is a real websocket client of the test server.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// dial connects to /v1/ws with the token in the Authorization header
// (none when token is ""); extra headers are name, value pairs.
func (e *env) dial(token string, headers ...string) (*wsClient, *http.Response, error) {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.url, "http")+"/v1/ws", h)
	if err != nil {
		return nil, resp, err
	}
	e.t.Cleanup(func() { conn.Close() })
	return &wsClient{t: e.t, conn: conn}, resp, nil
}

// mustDial connects and reads the welcome message.
func (e *env) mustDial(token string) *wsClient {
	e.t.Helper()
	c, _, err := e.dial(token)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	if m := c.next(); m.Type != "welcome" {
		e.t.Fatalf("first message %+v, want welcome", m)
	}
	return c
}

func (c *wsClient) send(m map[string]any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(m); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// next reads the next message (failing after 20 s).
func (c *wsClient) next() live.ServerMessage {
	c.t.Helper()
	m, err := c.read(20 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

func (c *wsClient) read(timeout time.Duration) (live.ServerMessage, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	var m live.ServerMessage
	err := c.conn.ReadJSON(&m)
	return m, err
}

// until reads until a message of type typ arrives and returns the event
// messages read before it.
func (c *wsClient) until(typ string) ([]live.ServerMessage, live.ServerMessage) {
	c.t.Helper()
	var evs []live.ServerMessage
	for {
		m := c.next()
		if m.Type == typ {
			return evs, m
		}
		if m.Type != "event" {
			c.t.Fatalf("unexpected %+v while waiting for %s", m, typ)
		}
		evs = append(evs, m)
	}
}

// nextEvent reads until an event message.
func (c *wsClient) nextEvent() live.ServerMessage {
	c.t.Helper()
	for {
		if m := c.next(); m.Type == "event" {
			return m
		} else if m.Type == "error" {
			c.t.Fatalf("error message %+v", m)
		}
	}
}

// closeCode reads until the connection ends and returns the close code and
// reason the server sent.
func (c *wsClient) closeCode() (int, string) {
	c.t.Helper()
	for {
		_, err := c.read(20 * time.Second)
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Text
		}
		if err != nil {
			c.t.Fatalf("connection ended without a close frame: %v", err)
		}
	}
}

func TestWebSocketActivity(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			admin := e.tokens["admin"]
			c := e.mustDial(admin)
			c.send(map[string]any{"type": "subscribe", "id": "s1", "channel": "activity"})
			if _, m := c.until("caught_up"); m.ID != "s1" || m.Channel != "activity" {
				t.Fatalf("caught_up %+v", m)
			}
			org := e.createOrg("Łódź Metal Sp. z o.o.")
			m := c.nextEvent()
			if m.Event.Type != "OrganisationRegistered" || m.Event.StreamID != "organisation-"+org || m.Position == nil || *m.Position != m.Event.Position {
				t.Fatalf("event %+v", m.Event)
			}
			evs, err := e.store.ReadStream(context.Background(), "organisation-"+org, domain.ReadStreamOptions{})
			if err != nil || evs[0].Position != m.Event.Position || evs[0].ID != m.Event.ID {
				t.Fatalf("pushed %+v, stored %+v (%v)", m.Event, evs, err)
			}
			c.send(map[string]any{"type": "ping", "id": "p"})
			if p := c.next(); p.Type != "pong" || p.ID != "p" {
				t.Fatalf("pong %+v", p)
			}
		})
	}
}

func TestWebSocketVisibility(t *testing.T) {
	e := newEnv(t, "embedded")
	ownerOrg, otherOrg := e.createOrg("Sachsen Blech GmbH"), e.createOrg("Kovo s.r.o.")
	owner, other := e.partner(ownerOrg), e.partner(otherOrg)
	co, cx := e.mustDial(owner), e.mustDial(other)
	for _, c := range []*wsClient{co, cx} {
		c.send(map[string]any{"type": "subscribe", "channel": "activity"})
		c.until("caught_up")
	}
	until := time.Now().UTC().Add(90 * 24 * time.Hour).Truncate(time.Second)
	id := e.do("POST", "/v1/offers", owner, offerBody("", "Lohnfertigung gesucht", until)).expect(t, 201, "").body["id"].(string)
	e.do("POST", "/v1/offers/"+id+"/publish", owner, nil).expect(t, 200, "")

	// The owner sees the draft and the publication; the other partner only
	// the publication.
	if m := co.nextEvent(); m.Event.Type != "OfferDrafted" || len(m.Event.Data) == 0 {
		t.Fatalf("owner: %+v", m.Event)
	}
	if m := co.nextEvent(); m.Event.Type != "OfferPublished" {
		t.Fatalf("owner: %+v", m.Event)
	}
	if m := cx.nextEvent(); m.Event.Type != "OfferPublished" || m.Event.StreamID != "offer-"+id {
		t.Fatalf("other partner got %+v first; the draft must stay hidden", m.Event)
	}

	// Contact persons are personal data: the other partner gets the
	// profile without them.
	e.do("PUT", "/v1/organisations/"+ownerOrg, owner, orgBody("Sachsen Blech AG")).expect(t, 200, "")
	own, oth := co.nextEvent(), cx.nextEvent()
	if own.Event.Type != "OrganisationUpdated" || !strings.Contains(string(own.Event.Data), "Jan Kowalski") {
		t.Fatalf("owner's update: %s", own.Event.Data)
	}
	if oth.Event.Type != "OrganisationUpdated" || strings.Contains(string(oth.Event.Data), "Kowalski") || strings.Contains(string(oth.Event.Data), "jan@") || !strings.Contains(string(oth.Event.Data), "Sachsen Blech AG") {
		t.Fatalf("other partner sees personal data: %s", oth.Event.Data)
	}

	// Partners may not read the figures nor token streams.
	cx.send(map[string]any{"type": "subscribe", "id": "x", "channel": "stats"})
	if m := cx.next(); m.Type != "error" || m.Code != live.CodeForbidden {
		t.Fatalf("partner stats: %+v", m)
	}
	cx.send(map[string]any{"type": "subscribe", "id": "y", "channel": "stream:token-abc"})
	if m := cx.next(); m.Type != "error" || m.Code != live.CodeForbidden {
		t.Fatalf("partner token stream: %+v", m)
	}
}

func TestWebSocketProtocolErrors(t *testing.T) {
	e := newEnv(t, "embedded", func(c *live.Config) {
		c.MaxSubscriptions = 2
		c.MaxMessageBytes = 1024
		c.AuthTimeout = 200 * time.Millisecond
		c.AllowedOrigins = []string{"https://dashboard.example.eu"}
	})
	admin := e.tokens["admin"]

	// Tokens never go in the URL.
	r := e.do("GET", "/v1/ws?token="+admin, "", nil, "Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.expect(t, 400, "token_in_url")
	if _, resp, err := e.dial("nisa_000000000000_bad"); err == nil || resp.StatusCode != 401 {
		t.Fatalf("bad token: %v %v", resp, err)
	}
	if _, resp, err := e.dial(admin, "Origin", "https://evil.example.com"); err == nil || resp.StatusCode != 403 {
		t.Fatalf("foreign origin: %v %v", resp, err)
	}
	if c, _, err := e.dial(admin, "Origin", "https://dashboard.example.eu"); err != nil {
		t.Fatalf("allowed origin: %v", err)
	} else if m := c.next(); m.Type != "welcome" {
		t.Fatalf("allowed origin: %+v", m)
	}

	// Browsers authenticate in the first message; silence is closed.
	b, _, err := e.dial("")
	if err != nil {
		t.Fatal(err)
	}
	b.send(map[string]any{"type": "auth", "token": admin})
	if m := b.next(); m.Type != "welcome" || m.Actor == nil || m.Actor.Role != "admin" {
		t.Fatalf("auth message: %+v", m)
	}
	silent, _, err := e.dial("")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := silent.closeCode(); code != live.CloseUnauthenticated {
		t.Fatalf("silent client closed with %d", code)
	}

	c := e.mustDial(admin)
	for _, tc := range []struct {
		msg  map[string]any
		code string
	}{
		{map[string]any{"type": "subscribe", "channel": "everything"}, live.CodeUnknownChannel},
		{map[string]any{"type": "subscribe", "channel": "activity", "filter": map[string]any{"nace": []string{"ZZ"}}}, live.CodeBadFilter},
		{map[string]any{"type": "subscribe", "channel": "activity", "filter": map[string]any{"event_types": []string{"Nope"}}}, live.CodeBadFilter},
		{map[string]any{"type": "subscribe", "channel": "activity", "after": "x"}, live.CodeBadMessage},
		{map[string]any{"type": "subscribe", "channel": "stats", "after": "3"}, live.CodeBadPosition},
		{map[string]any{"type": "unsubscribe", "channel": "activity"}, live.CodeNotSubscribed},
		{map[string]any{"type": "dance"}, live.CodeBadMessage},
	} {
		c.send(tc.msg)
		if m := c.next(); m.Type != "error" || m.Code != tc.code || m.Detail == "" {
			t.Errorf("%v: got %+v, want error %s", tc.msg, m, tc.code)
		}
	}
	c.send(map[string]any{"type": "subscribe", "channel": "activity"})
	c.until("caught_up")
	c.send(map[string]any{"type": "subscribe", "channel": "activity"})
	if m := c.next(); m.Code != live.CodeAlreadySubscribed {
		t.Fatalf("second subscribe: %+v", m)
	}
	c.send(map[string]any{"type": "subscribe", "channel": "stream:organisation-x"})
	c.until("caught_up")
	c.send(map[string]any{"type": "subscribe", "channel": "meeting:m1"})
	if m := c.next(); m.Code != live.CodeTooManySubscriptions {
		t.Fatalf("third subscription: %+v", m)
	}
	c.send(map[string]any{"type": "ping", "id": strings.Repeat("x", 2000)})
	if code, _ := c.closeCode(); code != live.CloseTooBig {
		t.Fatalf("oversized message closed with %d", code)
	}
}

func TestWebSocketShutdown(t *testing.T) {
	e := newEnv(t, "embedded")
	c := e.mustDial(e.tokens["coordinator"])
	if err := e.hub.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, reason := c.closeCode()
	if code != live.CloseGoingAway || !strings.Contains(reason, "shutting down") {
		t.Fatalf("close %d %q", code, reason)
	}
}

func TestWebSocketStats(t *testing.T) {
	e := newEnv(t, "embedded")
	c := e.mustDial(e.tokens["auditor"])
	c.send(map[string]any{"type": "subscribe", "channel": "stats"})
	first := c.next()
	if first.Type != "stats" || first.Figures == nil {
		t.Fatalf("stats: %+v", first)
	}
	e.createOrg("Kovo s.r.o.")
	for {
		m := c.next()
		if m.Type == "stats" && m.Position.Compare(*first.Position) > 0 && strings.Contains(fmt.Sprint(m.Figures), "organisations") {
			return
		}
	}
}

// TestWebSocketResume cuts a client's connection at random moments 100
// times while 10,000 events are appended; resubscribing with the last
// position it saw each time, it must end with exactly the log's sequence.
func TestWebSocketResume(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode)
			const total, cuts = 10_000, 100
			ctx := context.Background()
			appended := make(chan error, 1)
			go func() {
				var err error
				for i := 0; i < total/10 && err == nil; i++ {
					batch := make([]domain.EventData, 10)
					for j := range batch {
						batch[j] = domain.EventData{ID: domain.NewEventID(), Type: "ResumeProbe", SchemaVersion: 1, Data: []byte(fmt.Sprintf(`{"n":%d}`, i*10+j)), Actor: "test"}
					}
					_, err = e.store.Append(ctx, fmt.Sprintf("probe-%d", i%7), domain.Any, batch)
				}
				appended <- err
			}()

			rng := rand.New(rand.NewPCG(1, 2))
			var got []live.ServerMessage
			after := domain.Start
			// connect subscribes from after and reads until stop says so.
			connect := func(stop func(read int) bool) {
				c := e.mustDial(e.tokens["admin"])
				c.send(map[string]any{"type": "subscribe", "channel": "activity", "after": after.String()})
				for read := 0; !stop(read); {
					m, err := c.read(20 * time.Second)
					if err != nil {
						t.Fatalf("read after %d events: %v", len(got), err)
					}
					if m.Type == "event" {
						got = append(got, m)
						after = *m.Position
						read++
					}
				}
				c.conn.UnderlyingConn().Close() // cut, without a close frame
			}
			for range cuts {
				limit := 1 + rng.IntN(total/cuts)
				connect(func(read int) bool { return read >= limit })
			}
			if err := <-appended; err != nil {
				t.Fatal(err)
			}
			var want []domain.Event
			for pos := domain.Start; ; {
				evs, err := e.store.ReadAll(ctx, pos, 1000)
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) == 0 {
					break
				}
				want = append(want, evs...)
				pos = evs[len(evs)-1].Position
			}
			connect(func(int) bool { return len(got) >= len(want) })
			if len(got) != len(want) {
				t.Fatalf("received %d events, the log holds %d", len(got), len(want))
			}
			for i := range want {
				if got[i].Event.ID != want[i].ID || got[i].Event.Position != want[i].Position {
					t.Fatalf("event %d: got %s at %s, want %s at %s", i, got[i].Event.ID, got[i].Event.Position, want[i].ID, want[i].Position)
				}
			}
		})
	}
}

// TestWebSocketSlowClient stalls one client (it never reads) while
// another keeps reading: the stalled one is closed with CloseTooSlow, the
// other receives every event, and appends never wait for either.
func TestWebSocketSlowClient(t *testing.T) {
	// The stalled client gets the write timeout to read what is on its
	// way and then the close frame; give it time under -race.
	e := newEnv(t, "embedded", func(c *live.Config) { c.QueueSize, c.WriteTimeout = 16, time.Minute })
	admin := e.tokens["admin"]
	stalled, healthy := e.mustDial(admin), e.mustDial(admin)
	for _, c := range []*wsClient{stalled, healthy} {
		c.send(map[string]any{"type": "subscribe", "channel": "activity"})
	}
	healthy.until("caught_up")
	time.Sleep(50 * time.Millisecond) // let the stalled one's subscription go live too

	const n = 300
	big := `{"pad":"` + strings.Repeat("x", 64<<10) + `"}`
	var wg sync.WaitGroup
	wg.Add(1)
	received := make(chan int, 1)
	go func() {
		defer wg.Done()
		k := 0
		for k < n {
			m, err := healthy.read(20 * time.Second)
			if err != nil {
				break
			}
			if m.Type == "event" {
				k++
			}
		}
		received <- k
	}()
	for i := 0; i < n; i++ {
		if _, err := e.store.Append(context.Background(), "probe-slow", domain.Any, []domain.EventData{{ID: domain.NewEventID(), Type: "SlowProbe", SchemaVersion: 1, Data: []byte(big), Actor: "test"}}); err != nil {
			t.Fatal(err)
		}
	}
	code, reason := stalled.closeCode()
	wg.Wait()
	if k := <-received; k != n {
		t.Fatalf("the healthy client received %d of %d events", k, n)
	}
	if code != live.CloseTooSlow || !strings.Contains(reason, "after") {
		t.Fatalf("stalled client closed with %d %q, want %d", code, reason, live.CloseTooSlow)
	}
}

// TestWebSocketCoalescing: while the hub coalesces (here from the first
// message per second on), every client still receives every event once
// and in order, and one socket write carries several messages.
func TestWebSocketCoalescing(t *testing.T) {
	e := newEnv(t, "embedded", func(c *live.Config) {
		c.CoalesceAbove, c.WriteBudget, c.MaxCoalesce = 1, 1, 40*time.Millisecond
	})
	admin := e.tokens["admin"]
	clients := []*wsClient{e.mustDial(admin), e.mustDial(admin), e.mustDial(admin)}
	for i, c := range clients {
		c.send(map[string]any{"type": "subscribe", "id": fmt.Sprint("s", i), "channel": "activity"})
		c.until("caught_up")
	}
	// Traffic until the pacer (every 250 ms) has switched coalescing on.
	var orgs []string
	for deadline := time.Now().Add(5 * time.Second); e.hub.WriteStats().Coalesce == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the hub did not start coalescing")
		}
		orgs = append(orgs, e.createOrg(fmt.Sprint("Warm-up ", len(orgs))))
	}
	before := e.hub.WriteStats()
	const n = 40
	for i := range n {
		orgs = append(orgs, e.createOrg(fmt.Sprint("Coalesced ", i)))
	}
	for _, c := range clients {
		var last domain.Position
		for i, org := range orgs {
			m := c.nextEvent()
			if m.Event.StreamID != "organisation-"+org || !last.Less(m.Event.Position) {
				t.Fatalf("event %d: %s at %s after %s, want organisation-%s", i, m.Event.StreamID, m.Event.Position, last, org)
			}
			last = m.Event.Position
		}
	}
	after := e.hub.WriteStats()
	msgs, writes := after.Messages-before.Messages, after.Writes-before.Writes
	if msgs < 3*n || writes >= msgs {
		t.Fatalf("%d messages in %d writes while coalescing (wait %v): want fewer writes than messages", msgs, writes, after.Coalesce)
	}
	t.Logf("%d messages in %d socket writes (wait %v)", msgs, writes, after.Coalesce)
}
