package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nisa-eu/nisa/domain"
)

// checkOrigin applies AllowedOrigins; requests without Origin pass.
func (h *Hub) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if slices.Contains(h.cfg.AllowedOrigins, "*") || slices.ContainsFunc(h.cfg.AllowedOrigins, func(o string) bool { return strings.EqualFold(o, origin) }) {
		return true
	}
	if len(h.cfg.AllowedOrigins) > 0 {
		return false
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// ServeHTTP upgrades GET /v1/ws. The bearer token comes in the
// Authorization header or, for browsers, in a first message
// {"type":"auth","token":"…"}; never in the URL.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	closing := h.closing
	h.mu.RUnlock()
	if closing {
		h.cfg.HTTPError(w, r, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down; reconnect to another process or retry shortly")
		return
	}
	if r.URL.Query().Has("token") || r.URL.Query().Has("access_token") {
		h.cfg.HTTPError(w, r, http.StatusBadRequest, "token_in_url", "never put a token in the URL (it ends up in logs); send Authorization: Bearer <token> or a first message {\"type\":\"auth\",\"token\":\"…\"}")
		return
	}
	var actor *domain.Actor
	if hdr := r.Header.Get("Authorization"); hdr != "" {
		scheme, tok, ok := strings.Cut(hdr, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			h.cfg.HTTPError(w, r, http.StatusUnauthorized, "unauthenticated", `the Authorization header must be "Bearer <token>"`)
			return
		}
		a, err := h.cfg.Authenticate(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			h.cfg.HTTPError(w, r, http.StatusUnauthorized, "unauthenticated", err.Error())
			return
		}
		actor = &a
	}
	hj := &hijacker{ResponseWriter: w, writes: &h.writes}
	ws, err := h.upgrader.Upgrade(hj, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	c := &conn{hub: h, ws: ws, net: hj.conn, room: make(chan struct{}, 1), subs: map[string]*sub{}, done: make(chan struct{})}
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
		_ = ws.Close()
		return
	}
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	h.metrics.conns.Inc()
	ws.SetReadLimit(h.cfg.MaxMessageBytes)
	c.mu.Lock()
	c.pinger = time.AfterFunc(h.cfg.PingInterval, c.ping)
	c.mu.Unlock()
	// Read on a fresh goroutine and return: the HTTP server then lets go
	// of its request state and buffers (about 10 KiB), and the reader's
	// stack starts small instead of inheriting the request's.
	go c.readLoop(actor)
}

// conn is one websocket connection.
type conn struct {
	hub   *Hub
	ws    *websocket.Conn
	net   *batchConn // under ws: gathers a writer's batch into one system call
	actor domain.Actor
	// queue holds the messages for the writer (at most QueueSize);
	// room wakes a replay waiting for space.
	queue   [][]byte
	room    chan struct{}
	writing bool        // a writer goroutine runs
	pinger  *time.Timer // the next ping

	mu     sync.Mutex
	subs   map[string]*sub
	closed bool
	done   chan struct{}
}

// enqueue queues a message without waiting; a full queue closes the
// connection as too slow.
func (c *conn) enqueue(b []byte) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.hub.cfg.QueueSize {
		c.mu.Unlock()
		c.hub.metrics.slow.Inc()
		go c.close(CloseTooSlow, fmt.Sprintf("too slow: %d messages queued; reconnect and resubscribe with after", c.hub.cfg.QueueSize))
		return
	}
	c.queue = append(c.queue, b)
	c.wake()
	c.mu.Unlock()
	c.hub.queued.Add(1)
}

// wake starts the writer unless it runs. c.mu is held.
func (c *conn) wake() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

// enqueueWait queues a message, waiting for room until ctx ends or the
// connection closes.
func (c *conn) enqueueWait(ctx context.Context, b []byte) error {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return errors.New("connection closed")
		}
		if len(c.queue) < c.hub.cfg.QueueSize {
			c.queue = append(c.queue, b)
			c.wake()
			c.mu.Unlock()
			c.hub.queued.Add(1)
			return nil
		}
		c.mu.Unlock()
		select {
		case <-c.room:
		case <-c.done:
			return errors.New("connection closed")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// signal wakes the one waiter of a channel of capacity 1 without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// take returns the queued messages and empties the queue; when there are
// none it marks the writer stopped.
func (c *conn) take() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil // an idle connection holds no queue
	if len(q) == 0 {
		c.writing = false
	}
	return q
}

func (c *conn) send(m ServerMessage) {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	c.enqueue(b)
}

func (c *conn) sendError(id, ch, code, detail string) {
	c.send(ServerMessage{Type: "error", ID: id, Channel: ch, Code: code, Detail: detail})
}

// close sends a close frame with code and reason and closes the
// connection. It is idempotent; the first reason wins.
func (c *conn) close(code int, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	subs := c.subs
	c.subs = map[string]*sub{}
	c.mu.Unlock()
	for _, s := range subs {
		s.stop()
	}
	close(c.done)
	c.mu.Lock()
	if c.pinger != nil {
		c.pinger.Stop()
	}
	c.mu.Unlock()
	// A slow client gets the write timeout to read what is on its way
	// and then the close frame.
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(c.hub.cfg.WriteTimeout))
	_ = c.ws.Close()
	h := c.hub
	h.mu.Lock()
	if _, ok := h.conns[c]; ok {
		delete(h.conns, c)
		h.metrics.conns.Dec()
	}
	h.mu.Unlock()
}

// writeLoop writes what is queued and stops when the queue is empty: an
// idle connection has no writer goroutine (enqueue starts one). While the
// hub is busy it first waits (Config.CoalesceAbove), so that one write
// carries what arrived meanwhile.
func (c *conn) writeLoop() {
	for {
		if wait := time.Duration(c.hub.coalesce.Load()); wait > 0 {
			select {
			case <-time.After(wait):
			case <-c.done:
				return
			}
		}
		batch := c.take()
		if len(batch) == 0 {
			return
		}
		signal(c.room)
		c.net.begin()
		for _, b := range batch {
			select {
			case <-c.done:
				return // closing: Close sends what was gathered, then the close frame
			default:
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(c.hub.cfg.WriteTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				go c.close(websocket.CloseAbnormalClosure, "write failed")
				return
			}
		}
		if err := c.net.flush(); err != nil {
			go c.close(websocket.CloseAbnormalClosure, "write failed")
			return
		}
	}
}

// ping sends a ping and schedules the next one (a timer, not a goroutine,
// between pings).
func (c *conn) ping() {
	select {
	case <-c.done:
		return
	default:
	}
	if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.hub.cfg.WriteTimeout)); err != nil {
		c.close(websocket.CloseAbnormalClosure, "ping failed")
		return
	}
	c.mu.Lock()
	if !c.closed {
		c.pinger.Reset(c.hub.cfg.PingInterval)
	}
	c.mu.Unlock()
}

// readLoop authenticates (when the upgrade had no token) and handles the
// client's messages until the connection ends.
func (c *conn) readLoop(actor *domain.Actor) {
	cfg := c.hub.cfg
	wait := 2 * cfg.PingInterval
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(wait)) })
	if actor == nil {
		_ = c.ws.SetReadDeadline(time.Now().Add(cfg.AuthTimeout))
		var m ClientMessage
		if err := c.ws.ReadJSON(&m); err != nil || m.Type != "auth" || m.Token == "" {
			c.close(CloseUnauthenticated, "authenticate: send Authorization: Bearer <token> on the upgrade or a first message {\"type\":\"auth\",\"token\":\"…\"}")
			return
		}
		a, err := cfg.Authenticate(context.Background(), m.Token)
		if err != nil {
			c.close(CloseUnauthenticated, "the token is unknown, malformed or revoked")
			return
		}
		actor = &a
	}
	c.actor = *actor
	pos := c.hub.position()
	c.send(ServerMessage{Type: "welcome", Position: &pos, Actor: &ActorView{Role: c.actor.Role, OrganisationID: c.actor.OrgID}})
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(wait))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				c.close(CloseTooBig, fmt.Sprintf("message larger than %d bytes", cfg.MaxMessageBytes))
			case isTimeout(err):
				c.close(CloseTimeout, "no pong or message within the read deadline")
			default:
				c.close(websocket.CloseNormalClosure, "")
			}
			return
		}
		var m ClientMessage
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			c.sendError("", "", CodeBadMessage, "not a valid message: "+err.Error())
			continue
		}
		c.handle(m)
	}
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

// handle runs one client message.
func (c *conn) handle(m ClientMessage) {
	switch m.Type {
	case "ping":
		c.send(ServerMessage{Type: "pong", ID: m.ID})
	case "auth":
		c.sendError(m.ID, "", CodeBadMessage, "already authenticated")
	case "subscribe":
		c.subscribe(m)
	case "unsubscribe":
		c.mu.Lock()
		s, ok := c.subs[m.Channel]
		delete(c.subs, m.Channel)
		c.mu.Unlock()
		if !ok {
			c.sendError(m.ID, m.Channel, CodeNotSubscribed, "not subscribed to "+m.Channel)
			return
		}
		s.stop()
		c.send(ServerMessage{Type: "unsubscribed", ID: m.ID, Channel: m.Channel})
	default:
		c.sendError(m.ID, "", CodeBadMessage, fmt.Sprintf("unknown message type %q: send subscribe, unsubscribe, ping", m.Type))
	}
}

// subscribe checks and starts a subscription.
func (c *conn) subscribe(m ClientMessage) {
	ch, err := parseChannel(m.Channel)
	if err != nil {
		c.sendError(m.ID, m.Channel, CodeUnknownChannel, err.Error())
		return
	}
	if err := m.Filter.check(ch); err != nil {
		c.sendError(m.ID, m.Channel, CodeBadFilter, err.Error())
		return
	}
	if err := c.authorise(ch); err != nil {
		c.sendError(m.ID, m.Channel, CodeForbidden, err.Error())
		return
	}
	if ch.kind == "stats" && m.After != nil {
		c.sendError(m.ID, m.Channel, CodeBadPosition, "stats carries figures, not events: subscribe without after to get the current figures, then every change")
		return
	}
	c.mu.Lock()
	if _, dup := c.subs[ch.name]; dup {
		c.mu.Unlock()
		c.sendError(m.ID, m.Channel, CodeAlreadySubscribed, "already subscribed to "+ch.name+"; unsubscribe first to change the filter or position")
		return
	}
	if len(c.subs) >= c.hub.cfg.MaxSubscriptions {
		c.mu.Unlock()
		c.sendError(m.ID, m.Channel, CodeTooManySubscriptions, fmt.Sprintf("at most %d subscriptions per connection", c.hub.cfg.MaxSubscriptions))
		return
	}
	s := &sub{c: c, ch: ch, filter: m.Filter, id: m.ID}
	s.ctx, s.cancel = context.WithCancel(c.hub.ctx)
	c.subs[ch.name] = s
	c.mu.Unlock()
	if ch.kind == "stats" {
		c.hub.add(s)
		msg, err := c.hub.statsMessage(s.ctx, c.hub.cfg.StatsPosition())
		if err != nil {
			c.sendError(m.ID, m.Channel, CodeInternal, "reading the figures failed")
			return
		}
		c.enqueue(msg)
		return
	}
	go s.start(m.After)
}

// authorise applies the HTTP API's rules to a channel.
func (c *conn) authorise(ch channel) error {
	a := c.actor
	staff := a.Role == domain.RoleAdmin || a.Role == domain.RoleCoordinator || a.Role == domain.RoleAuditor
	switch ch.kind {
	case "stats":
		if !staff {
			return fmt.Errorf("%s may not read the statistics (admin, coordinator, auditor)", a.Role)
		}
		if c.hub.cfg.Stats == nil {
			return errors.New("this server has no statistics read model")
		}
	case "matches":
		if a.Role == domain.RolePartner && a.OrgID == "" {
			return errors.New("a partner token without organisation has no matches")
		}
	case "stream":
		if !staff && strings.HasPrefix(ch.arg, domain.TokenKind.Category+"-") {
			return fmt.Errorf("%s may not follow token streams", a.Role)
		}
	}
	return nil
}

// sub is one channel subscription of a connection.
type sub struct {
	c      *conn
	ch     channel
	filter *Filter
	id     string
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	last    domain.Position // last position delivered (or skipped past)
	live    bool
	pending []*described
}

func (s *sub) stop() {
	s.cancel()
	s.c.hub.remove(s)
}

// wants reports whether the subscription's channel carries d and the
// caller may see it, and with which view.
func (s *sub) wants(d *described) (view, bool) {
	v := d.viewFor(s.c.actor)
	if v == viewNone {
		return v, false
	}
	switch s.ch.kind {
	case "activity":
		return v, d.ev.Type != "MatchAlerted" && s.filter.accepts(d)
	case "matches":
		if d.ev.Type != "MatchAlerted" {
			return v, false
		}
		a := s.c.actor
		return v, a.Role != domain.RolePartner || d.alertOrg == a.OrgID
	case "stream":
		return v, d.ev.StreamID == s.ch.arg
	case "meeting":
		return v, d.meeting == s.ch.arg
	}
	return v, false
}

// offer is the hub handing a live event to the subscription: buffered
// while the subscription replays, delivered without waiting once live.
func (s *sub) offer(d *described) {
	s.mu.Lock()
	if !s.live {
		if len(s.pending) >= s.c.hub.cfg.QueueSize {
			s.mu.Unlock()
			s.c.hub.metrics.slow.Inc()
			go s.c.close(CloseTooSlow, "too slow: the replay fell too far behind the live log; resubscribe with after")
			return
		}
		s.pending = append(s.pending, d)
		s.mu.Unlock()
		return
	}
	msg := s.next(d)
	s.mu.Unlock()
	if msg != nil {
		s.c.enqueue(msg)
	}
}

// next advances the subscription past d and returns its message, or nil
// when d is at or before the last position or not for this subscription.
// s.mu is held.
func (s *sub) next(d *described) []byte {
	if d.ev.Position.Compare(s.last) <= 0 {
		return nil
	}
	s.last = d.ev.Position
	if v, ok := s.wants(d); ok {
		return d.message(s.ch.name, v)
	}
	return nil
}

// deliverWait sends d during a replay, waiting for room in the queue: a
// replay goes at the pace of the client.
func (s *sub) deliverWait(d *described) error {
	s.mu.Lock()
	msg := s.next(d)
	s.mu.Unlock()
	if msg == nil {
		return nil
	}
	return s.c.enqueueWait(s.ctx, msg)
}

// start replays the events after `after` from the store while the hub
// buffers live ones, then switches to live and says caught_up.
func (s *sub) start(after *domain.Position) {
	h := s.c.hub
	s.mu.Lock()
	s.pending = []*described{}
	s.mu.Unlock()
	h.add(s) // from here on the hub buffers every live event for s
	if after == nil {
		// Live only: start after the log's head as it is now.
		head, err := h.cfg.Store.Head(s.ctx)
		if err != nil {
			s.fail(err)
			return
		}
		s.mu.Lock()
		s.last = head
		s.mu.Unlock()
	} else {
		s.mu.Lock()
		s.last = *after
		s.mu.Unlock()
		if err := s.replay(*after); err != nil {
			s.fail(err)
			return
		}
	}
	// Drain what the hub buffered meanwhile, then go live.
	var pos domain.Position
	for {
		s.mu.Lock()
		batch := s.pending
		if len(batch) == 0 {
			s.pending, s.live, pos = nil, true, s.last
			s.mu.Unlock()
			break
		}
		s.pending = []*described{}
		s.mu.Unlock()
		for _, d := range batch {
			if err := s.deliverWait(d); err != nil {
				return
			}
		}
	}
	s.c.send(ServerMessage{Type: "caught_up", ID: s.id, Channel: s.ch.name, Position: &pos})
}

// fail ends a subscription whose replay failed and tells the client.
func (s *sub) fail(err error) {
	if s.ctx.Err() != nil {
		return
	}
	s.c.hub.cfg.Logger.Warn("websocket subscription failed", "channel", s.ch.name, "err", err)
	s.c.sendError(s.id, s.ch.name, CodeInternal, "reading the log failed: "+err.Error()+"; resubscribe with after")
	s.c.mu.Lock()
	delete(s.c.subs, s.ch.name)
	s.c.mu.Unlock()
	s.stop()
}

// replay delivers the events after `after` read straight from the store,
// until a page comes back short.
func (s *sub) replay(after domain.Position) error {
	h := s.c.hub
	for {
		evs, err := h.cfg.Store.ReadAll(s.ctx, after, h.cfg.ReplayPage)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			d, err := h.desc.describe(s.ctx, ev, nil)
			if err != nil {
				if s.ctx.Err() != nil {
					return s.ctx.Err()
				}
				d = &described{ev: ev}
			}
			if err := s.deliverWait(d); err != nil {
				return err
			}
			after = ev.Position
		}
		if len(evs) < h.cfg.ReplayPage {
			return nil
		}
		if s.ctx.Err() != nil {
			return s.ctx.Err()
		}
	}
}
