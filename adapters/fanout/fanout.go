package fanout

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"

	"github.com/nisa-eu/nisa/adapters/tail"
	"github.com/nisa-eu/nisa/domain"
)

// Defaults of Config.
const (
	DefaultURL     = nats.DefaultURL // nats://127.0.0.1:4222
	DefaultSubject = "nisa.appended"
	DefaultPoll    = time.Second
)

// PageSize is the most events Subscribe reads from the store at once.
const PageSize = 500

// MetadataProcess is the watermill metadata key (a NATS header) naming the
// process that published a wake-up.
const MetadataProcess = "nisa_process"

// Config configures Wrap. See the package documentation.
type Config struct {
	// URL of the NATS server(s); default DefaultURL.
	URL string
	// Subject of the wake-ups; default DefaultSubject.
	Subject string
	// Logger receives publish failures, disconnects and reconnects; nil
	// discards them.
	Logger *slog.Logger
	// Poll is the safety poll of Subscribe; default DefaultPoll.
	Poll time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	if c.Subject == "" {
		c.Subject = DefaultSubject
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Poll <= 0 {
		c.Poll = DefaultPoll
	}
	if err := validSubject(c.Subject); err != nil {
		return c, err
	}
	return c, nil
}

// validSubject accepts a literal NATS subject: dot-separated non-empty
// tokens without whitespace or wildcards.
func validSubject(s string) error {
	for tok := range strings.SplitSeq(s, ".") {
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n*>") {
			return fmt.Errorf("fanout: subject %q: want a literal NATS subject (dot-separated tokens, no wildcards or spaces)", s)
		}
	}
	return nil
}

// Store is a domain.EventStore whose appends are announced to other
// processes through NATS and whose subscriptions wake on the announcements
// of every process. Wrap creates one.
type Store struct {
	inner   domain.EventStore
	cfg     Config
	log     *slog.Logger
	process string // this Store's id in the metadata of its messages

	pubConn   *nats.Conn
	pub       *wmnats.Publisher
	subConn   *nats.Conn
	sub       *wmnats.Subscriber
	subClosed chan struct{} // closed by the NATS client when subConn is closed

	sig      *tail.Signal
	wakeups  atomic.Uint64
	pubFails atomic.Uint64

	cancel    context.CancelFunc // ends the broker subscription
	consuming bool               // consume runs (set by Wrap only)
	done      chan struct{}      // closed when consume ends
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ domain.EventStore = (*Store)(nil)

// Wrap connects to NATS, subscribes to cfg.Subject and returns store
// wrapped. The Store owns store from then on: its Close closes it. On
// error store is left open, still the caller's. ctx bounds the wait for
// the server to confirm the subscription (10s when it has no deadline;
// connecting is bounded by the NATS client's dial timeout, 2s); it is not
// kept.
func Wrap(ctx context.Context, store domain.EventStore, cfg Config) (*Store, error) {
	if store == nil {
		return nil, errors.New("fanout: nil store")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	s := &Store{
		inner:     store,
		cfg:       cfg,
		log:       cfg.Logger,
		process:   fmt.Sprintf("%s/%d/%s", host, os.Getpid(), watermill.NewShortUUID()),
		sig:       tail.NewSignal(),
		done:      make(chan struct{}),
		subClosed: make(chan struct{}),
	}
	wlog := closingLogger{watermill.NewSlogLogger(cfg.Logger), &s.closed}
	ok := false
	defer func() {
		if !ok {
			s.closeBroker()
		}
	}()

	if s.pubConn, err = nats.Connect(cfg.URL, s.natsOptions("publisher")...); err != nil {
		return nil, fmt.Errorf("fanout: connect to NATS at %s: %w", cfg.URL, err)
	}
	if s.pub, err = wmnats.NewPublisherWithNatsConn(s.pubConn, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream:         wmnats.JetStreamConfig{Disabled: true}, // core NATS: see the package documentation
	}, wlog); err != nil {
		return nil, fmt.Errorf("fanout: publisher: %w", err)
	}

	if s.subConn, err = nats.Connect(cfg.URL, s.natsOptions("subscriber")...); err != nil {
		return nil, fmt.Errorf("fanout: connect to NATS at %s: %w", cfg.URL, err)
	}
	if s.sub, err = wmnats.NewSubscriberWithNatsConn(s.subConn, wmnats.SubscriberSubscriptionConfig{
		Unmarshaler:       &wmnats.NATSMarshaler{},
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		// No queue group: every process receives every message.
		QueueGroupPrefix: "",
		SubscribersCount: 1,
		CloseTimeout:     5 * time.Second,
		JetStream:        wmnats.JetStreamConfig{Disabled: true},
	}, wlog); err != nil {
		return nil, fmt.Errorf("fanout: subscriber: %w", err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	msgs, err := s.sub.Subscribe(sctx, cfg.Subject)
	if err != nil {
		return nil, fmt.Errorf("fanout: subscribe to %s: %w", cfg.Subject, err)
	}
	s.consuming = true
	go s.consume(msgs)
	// The server has registered the subscription once it answers a PING
	// sent after the SUB: from then on no wake-up published by another
	// process is missed.
	if err := s.subConn.FlushWithContext(ctx); err != nil {
		return nil, fmt.Errorf("fanout: subscribe to %s: %w", cfg.Subject, err)
	}
	ok = true
	s.log.Info("fanout: wake-ups over NATS", "url", s.subConn.ConnectedUrlRedacted(), "subject", cfg.Subject, "process", s.process)
	return s, nil
}

// natsOptions are the options of both connections: a name for the
// server's monitoring, reconnection forever, and logging. The subscriber
// wakes every subscriber after a reconnect and after an asynchronous error
// (a slow consumer drops messages), for the wake-ups that may have been
// missed meanwhile.
func (s *Store) natsOptions(role string) []nats.Option {
	wakeAll := role == "subscriber"
	opts := []nats.Option{
		nats.Name("nisa-fanout-" + role + " " + s.process),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil && !s.closed.Load() {
				s.log.Warn("fanout: NATS connection lost; reconnecting, subscribers poll meanwhile", "role", role, "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			s.log.Info("fanout: NATS reconnected", "role", role, "url", c.ConnectedUrlRedacted())
			if wakeAll {
				s.sig.Notify()
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			s.log.Warn("fanout: NATS error", "role", role, "err", err)
			if wakeAll {
				s.sig.Notify()
			}
		}),
	}
	if wakeAll { // the subscriber's connection
		opts = append(opts, nats.ClosedHandler(func(*nats.Conn) { close(s.subClosed) }))
	}
	return opts
}

// closingLogger is the watermill logger of the publisher and subscriber.
// Once the Store is closing, the subscriber's "Cannot unsubscribe" with
// nats.ErrConnectionClosed is expected (closeBroker drains and closes the
// connection before the subscriber unsubscribes) and logged at debug
// level instead of as an error.
type closingLogger struct {
	watermill.LoggerAdapter
	closing *atomic.Bool
}

func (l closingLogger) Error(msg string, err error, fields watermill.LogFields) {
	if l.closing.Load() && errors.Is(err, nats.ErrConnectionClosed) {
		l.Debug(msg+": "+err.Error(), fields)
		return
	}
	l.LoggerAdapter.Error(msg, err, fields)
}

func (l closingLogger) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return closingLogger{l.LoggerAdapter.With(fields), l.closing}
}

// consume turns the broker's messages into wake-ups of this Store's
// subscribers and acknowledges every message.
func (s *Store) consume(msgs <-chan *message.Message) {
	defer close(s.done)
	for msg := range msgs {
		if msg.Metadata.Get(MetadataProcess) != s.process {
			s.wakeups.Add(1)
			s.sig.Notify()
		}
		msg.Ack()
	}
}

// Wakeups returns the number of broker messages received from other
// processes (each woke this Store's subscribers). Messages of this Store
// itself are not counted.
func (s *Store) Wakeups() uint64 { return s.wakeups.Load() }

// Unwrap returns the wrapped store.
func (s *Store) Unwrap() domain.EventStore { return s.inner }

// Append implements domain.EventStore: it delegates, and after a
// successful append wakes this Store's subscribers and publishes the last
// appended position. A failed publish is logged, never returned.
func (s *Store) Append(ctx context.Context, streamID string, expected domain.ExpectedVersion, events []domain.EventData) (domain.AppendResult, error) {
	res, err := s.inner.Append(ctx, streamID, expected, events)
	if err != nil || len(res.Events) == 0 {
		return res, err
	}
	s.sig.Notify()
	s.publish(res.Events[len(res.Events)-1].Position)
	return res, nil
}

// publish announces an append. Over core NATS this is a buffered write: it
// does not wait for the server (while disconnected the client buffers it
// and sends it after reconnecting).
func (s *Store) publish(last domain.Position) {
	msg := message.NewMessage(watermill.NewUUID(), []byte(last.String()))
	msg.Metadata.Set(MetadataProcess, s.process)
	if err := s.pub.Publish(s.cfg.Subject, msg); err != nil {
		s.pubFails.Add(1)
		s.log.Warn("fanout: publishing a wake-up failed; other processes will poll", "subject", s.cfg.Subject, "position", last.String(), "err", err)
	}
}

// ReadStream implements domain.EventStore by delegation.
func (s *Store) ReadStream(ctx context.Context, streamID string, opts domain.ReadStreamOptions) ([]domain.Event, error) {
	return s.inner.ReadStream(ctx, streamID, opts)
}

// ReadAll implements domain.EventStore by delegation.
func (s *Store) ReadAll(ctx context.Context, after domain.Position, limit int) ([]domain.Event, error) {
	return s.inner.ReadAll(ctx, after, limit)
}

// Head implements domain.EventStore by delegation.
func (s *Store) Head(ctx context.Context) (domain.Position, error) {
	return s.inner.Head(ctx)
}

// Subscribe implements domain.EventStore with the wrapped store's ReadAll
// (adapters/tail): it reads pages of up to PageSize events after the last
// position yielded and, when a page comes back short, waits for a wake-up
// (a broker message, an append through this Store, a reconnect, Close),
// Config.Poll, or the end of ctx. It never calls the wrapped store's
// Subscribe.
func (s *Store) Subscribe(ctx context.Context, after domain.Position) iter.Seq2[domain.Event, error] {
	read := func(ctx context.Context, after domain.Position, limit int) ([]domain.Event, bool, error) {
		if s.closed.Load() {
			return nil, false, domain.ErrClosed
		}
		evs, err := s.inner.ReadAll(ctx, after, limit)
		return evs, false, err
	}
	return tail.Follow(ctx, after, read, s.sig, tail.Options{Batch: PageSize, Poll: s.cfg.Poll})
}

// Close ends the broker subscription, closes both NATS connections and
// closes the wrapped store. Subscriptions end with domain.ErrClosed (or
// the wrapped store's error for a read under way). Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		err := s.closeBroker()
		s.sig.Notify() // waiting subscribers look again and see the close
		s.closeErr = errors.Join(err, s.inner.Close())
	})
	return s.closeErr
}

// closeBroker closes whatever Wrap had set up.
//
// The subscriber's connection is drained first: the NATS client stops the
// subscription, waits until every message already received has been
// handed over to consume, and closes the connection. Only then is the
// watermill subscriber closed. The other order is a bug of watermill-nats
// (v2.1.3 and v2.2.0): its Close unsubscribes without waiting for a
// message callback under way and then closes the output channel that
// callback may still send on (a data race, or a send on a closed
// channel).
func (s *Store) closeBroker() error {
	var errs []error
	if s.pub != nil {
		errs = append(errs, s.pub.Close())
	} else if s.pubConn != nil {
		s.pubConn.Close()
	}
	s.drainSubscriber()
	if s.cancel != nil {
		s.cancel()
	}
	if s.sub != nil {
		if err := s.sub.Close(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, fmt.Errorf("fanout: close subscriber: %w", err))
		}
		if s.consuming {
			<-s.done // the subscription's output is closed by now
		}
	}
	return errors.Join(errs...)
}

// drainWait bounds closeBroker's wait for the drain of the subscriber's
// connection (consume takes every message at once, so a drain is quick).
const drainWait = 10 * time.Second

// drainSubscriber drains the subscriber's connection and waits until the
// client has closed it. A connection that is reconnecting is closed
// without a drain by the client (no message is being delivered then).
func (s *Store) drainSubscriber() {
	if s.subConn == nil {
		return
	}
	if err := s.subConn.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrConnectionReconnecting) {
		s.log.Warn("fanout: draining the NATS subscriber failed; closing it", "err", err)
		s.subConn.Close()
	}
	select {
	case <-s.subClosed:
	case <-time.After(drainWait):
		s.log.Warn("fanout: the NATS subscriber did not drain in time; closing it", "wait", drainWait)
		s.subConn.Close()
	}
}
