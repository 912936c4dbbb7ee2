package projections

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nisa-eu/nisa/domain"
)

// OfferExpiry is the scheduler inside the server that records the end of
// offers: it follows the global log to know every offer's status and
// validity, and on every tick it runs WarnOfferExpiry for offers that end
// within domain.OfferExpiryWarning and ExpireOffer for offers whose
// validity has passed, acting as domain.System("expiry").
//
// Several server processes may run it at once: the commands are decided on
// the current state of the offer and derive their event ids from the offer
// and its validity, so a second process finds nothing left to do.
type OfferExpiry struct {
	cmds     *domain.Commands
	store    domain.EventStore
	interval time.Duration
	log      *slog.Logger
	now      func() time.Time

	mu     sync.Mutex
	offers map[string]domain.Offer
	caught chan struct{} // closed once the history is read
}

// NewOfferExpiry returns a scheduler ticking every interval (default 1m).
func NewOfferExpiry(cmds *domain.Commands, interval time.Duration, log *slog.Logger) *OfferExpiry {
	if interval <= 0 {
		interval = time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &OfferExpiry{cmds: cmds, store: cmds.Store(), interval: interval, log: log, now: time.Now,
		offers: map[string]domain.Offer{}, caught: make(chan struct{})}
}

// Run follows the log and ticks until ctx ends. It returns ctx's error or a
// failure of the subscription.
func (x *OfferExpiry) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- x.follow(ctx) }()
	t := time.NewTicker(x.interval)
	defer t.Stop()
	select {
	case <-x.caught:
		x.Tick(ctx)
	case err := <-errc:
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-errc:
			return err
		case <-t.C:
			x.Tick(ctx)
		}
	}
}

// follow keeps the offer states current from the global log.
func (x *OfferExpiry) follow(ctx context.Context) error {
	head, err := x.store.Head(ctx)
	if err != nil {
		return err
	}
	if head.IsZero() {
		close(x.caught)
	}
	prefix := domain.OfferKind.Category + "-"
	for ev, err := range x.store.Subscribe(ctx, domain.Start) {
		if err != nil {
			return err
		}
		if id, ok := strings.CutPrefix(ev.StreamID, prefix); ok {
			p, err := domain.Decode(ev)
			if err != nil {
				return err
			}
			x.mu.Lock()
			x.offers[id] = domain.OfferKind.Evolve(x.offers[id], p)
			x.mu.Unlock()
		}
		if ev.Position == head {
			close(x.caught)
		}
	}
	return nil
}

// Tick runs the due warnings and expiries once and returns how many
// commands changed an offer.
func (x *OfferExpiry) Tick(ctx context.Context) int {
	now := x.now().UTC()
	type due struct {
		id     string
		until  time.Time
		expire bool
		warn   bool
	}
	var list []due
	x.mu.Lock()
	for id, o := range x.offers {
		if expire, warn := o.ExpiryDue(now); expire || warn {
			list = append(list, due{id, o.ValidUntil, expire, warn})
		}
	}
	x.mu.Unlock()
	actor := domain.System("expiry")
	n := 0
	for _, d := range list {
		step, cmd := "warn", domain.Decider[domain.Offer](func(o domain.Offer, _ uint64, now time.Time) ([]domain.Payload, error) {
			return domain.WarnOfferExpiry{}.Decide(o, actor, now)
		})
		if d.expire {
			step = "expire"
			cmd = func(o domain.Offer, _ uint64, now time.Time) ([]domain.Payload, error) {
				return domain.ExpireOffer{}.Decide(o, actor, now)
			}
		}
		until := d.until.Format(time.RFC3339Nano)
		req := domain.Request{Actor: actor, Now: now, CorrelationID: "expiry:" + d.id,
			EventIDs: func(i int) domain.EventID { return domain.DeriveEventID("expiry", d.id, step, until) }}
		res, err := domain.Execute(ctx, x.cmds, domain.OfferKind, d.id, req, cmd)
		switch {
		case errors.Is(err, domain.ErrInvalidState), errors.Is(err, domain.ErrDuplicateEventID):
			// Another process was first, or the owner acted meanwhile.
		case err != nil:
			x.log.Error("offer expiry", "offer", d.id, "step", step, "err", err)
		case len(res.Events) > 0:
			n++
			x.log.Info("offer "+step+"d", "offer", d.id, "valid_until", until)
		}
	}
	return n
}
