package esdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/nisa-eu/nisa/domain"
)

// ErrUnavailable matches the errors of calls that could not reach the
// server (connection refused or closed, deadline exceeded, no leader).
var ErrUnavailable = errors.New("esdb: server unavailable")

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// StreamPrefix, when set, is put in front of every stream name the
	// store uses in EventStoreDB, and the store's global log (ReadAll,
	// Subscribe, Head) holds only the events of streams with the prefix.
	// Use it when nisa shares a database with other applications, or
	// several nisa networks share one. It must not start with "$" nor
	// contain "-" or spaces. Empty: stream names are nisa's stream ids and
	// the global log holds every non-system event of the database.
	StreamPrefix string
	// Logger receives the client library's log lines; nil discards them.
	Logger *slog.Logger
}

// Store is the EventStoreDB event store. It implements domain.EventStore.
type Store struct {
	client *esdb.Client
	prefix string

	// mu is held shared by every call into the client and exclusively by
	// Close while it closes the client.
	mu        sync.RWMutex
	closed    atomic.Bool
	ctx       context.Context // cancelled by Close: ends calls in flight
	cancel    context.CancelFunc
	closeOnce sync.Once
}

var _ domain.EventStore = (*Store)(nil)

// Open connects to the server at url, an EventStoreDB connection string
// (esdb://host:2113?tls=false for an insecure single node,
// esdb+discover://… for a cluster; see the client's documentation; the
// KurrentDB schemes kurrentdb:// and kurrent:// are read as esdb://), and
// checks that it answers by reading the head of $all, which the
// connection's user must be allowed to read. Keep the client's default
// node preference (leader): Append reads its events back and expects to
// see them at once.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if err := validPrefix(opts.StreamPrefix); err != nil {
		return nil, err
	}
	cfg, err := esdb.ParseConnectionString(esdbScheme(url))
	if err != nil {
		return nil, fmt.Errorf("esdb: parse connection string %s: %w", redact(url), err)
	}
	cfg.Logger = logTo(opts.Logger)
	client, err := esdb.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("esdb: %w", err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Store{client: client, prefix: opts.StreamPrefix, ctx: sctx, cancel: cancel}
	if _, err := s.Head(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("esdb: connect to %s: %w", redact(url), err)
	}
	return s, nil
}

// Close ends the calls in flight (subscriptions end with domain.ErrClosed),
// waits for them to return and closes the client. It is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.cancel()
		s.mu.Lock()
		_ = s.client.Close()
		s.mu.Unlock()
	})
	return nil
}

// lock takes the shared lock that every call into the client holds.
func (s *Store) lock() error {
	if s.closed.Load() {
		return domain.ErrClosed
	}
	s.mu.RLock()
	if s.closed.Load() {
		s.mu.RUnlock()
		return domain.ErrClosed
	}
	return nil
}

// callContext returns ctx, also cancelled by Close.
func (s *Store) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	return cctx, func() {
		stop()
		cancel()
	}
}

// enter starts a call into the client: it takes the lock and returns the
// call's context and the function that ends the call.
func (s *Store) enter(ctx context.Context) (context.Context, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if err := s.lock(); err != nil {
		return nil, nil, err
	}
	cctx, cancel := s.callContext(ctx)
	return cctx, func() {
		cancel()
		s.mu.RUnlock()
	}, nil
}

func validPrefix(p string) error {
	if p == "" {
		return nil
	}
	if strings.HasPrefix(p, "$") || strings.ContainsAny(p, "- \t") || len(p) > 64 {
		return &domain.ValidationError{Field: "stream_prefix", Value: p, Reason: `must be at most 64 characters, not start with "$" and contain no "-" or spaces`}
	}
	return nil
}

// streamName is the EventStoreDB stream of a nisa stream.
func (s *Store) streamName(streamID string) string { return s.prefix + streamID }

// metadata is the EventStoreDB metadata of a nisa event.
type metadata struct {
	Actor         string `json:"actor,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	SchemaVersion int    `json:"schema_version"`
}

// toEventData converts an event to append.
func toEventData(ev domain.EventData) (esdb.EventData, error) {
	meta, err := json.Marshal(metadata{
		Actor:         ev.Actor,
		CorrelationID: ev.CorrelationID,
		CausationID:   ev.CausationID,
		SchemaVersion: ev.SchemaVersion,
	})
	if err != nil {
		return esdb.EventData{}, err
	}
	return esdb.EventData{
		EventID:     uuid.UUID(ev.ID),
		EventType:   ev.Type,
		ContentType: esdb.ContentTypeJson,
		Data:        ev.Data,
		Metadata:    meta,
	}, nil
}

// noPosition is what a server that does not know an event's $all position
// sends (-1 as an unsigned number).
const noPosition = ^uint64(0)

// toEvent converts an event read from the server. ok is false for an
// event outside the store's global log: a system event ($-prefixed
// stream or type) or, with a prefix, an event of another stream.
func (s *Store) toEvent(rec *esdb.RecordedEvent) (ev domain.Event, ok bool, err error) {
	if rec == nil || strings.HasPrefix(rec.EventType, "$") || strings.HasPrefix(rec.StreamID, "$") ||
		!strings.HasPrefix(rec.StreamID, s.prefix) {
		return domain.Event{}, false, nil
	}
	if rec.Position.Commit == noPosition || rec.Position.Prepare == noPosition {
		return domain.Event{}, false, fmt.Errorf("esdb: event %s of %q has no $all position: this server does not report positions on stream reads, which the store needs (recent EventStoreDB and KurrentDB versions do)", rec.EventID, rec.StreamID)
	}
	var meta metadata
	if len(rec.UserMetadata) > 0 {
		// Events nisa did not write may carry anything: keep what parses.
		_ = json.Unmarshal(rec.UserMetadata, &meta)
	}
	return domain.Event{
		EventData: domain.EventData{
			ID:            domain.EventID(rec.EventID),
			Type:          rec.EventType,
			SchemaVersion: meta.SchemaVersion,
			Data:          json.RawMessage(rec.Data),
			Actor:         meta.Actor,
			CorrelationID: meta.CorrelationID,
			CausationID:   meta.CausationID,
		},
		StreamID:      strings.TrimPrefix(rec.StreamID, s.prefix),
		StreamVersion: rec.EventNumber + 1,
		Position:      domain.Position{Commit: rec.Position.Commit, Prepare: rec.Position.Prepare},
		RecordedAt:    rec.CreatedDate.UTC().Truncate(time.Microsecond),
	}, true, nil
}

// expectedRevision maps an expected version to EventStoreDB's.
func expectedRevision(e domain.ExpectedVersion) esdb.ExpectedRevision {
	switch n, pinned := e.Exact(); {
	case e.IsAny():
		return esdb.Any{}
	case e.IsStreamExists():
		return esdb.StreamExists{}
	case pinned && n == 0:
		return esdb.NoStream{}
	default:
		return esdb.Revision(n - 1)
	}
}

// logTo adapts a slog.Logger to the client's logging function.
func logTo(l *slog.Logger) esdb.LoggingFunc {
	if l == nil {
		return esdb.NoopLogging()
	}
	return func(level esdb.LogLevel, format string, args ...interface{}) {
		lv := slog.LevelInfo
		switch level {
		case esdb.LogDebug:
			lv = slog.LevelDebug
		case esdb.LogWarn:
			lv = slog.LevelWarn
		case esdb.LogError:
			lv = slog.LevelError
		}
		l.Log(context.Background(), lv, "esdb client: "+fmt.Sprintf(format, args...))
	}
}

// esdbScheme rewrites the KurrentDB schemes, which the client library
// does not know, to its own.
func esdbScheme(url string) string {
	for _, k := range []string{"kurrentdb", "kurrent"} {
		if rest, ok := strings.CutPrefix(url, k+"://"); ok {
			return "esdb://" + rest
		}
		if rest, ok := strings.CutPrefix(url, k+"+discover://"); ok {
			return "esdb+discover://" + rest
		}
	}
	return url
}

// userinfo matches the user and password of a connection string.
var userinfo = regexp.MustCompile(`//([^/@:]*):[^/@]*@`)

// redact hides the password of a connection string.
func redact(raw string) string { return userinfo.ReplaceAllString(raw, "//$1:xxxxx@") }
