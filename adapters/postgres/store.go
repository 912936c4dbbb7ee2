package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nisa-eu/nisa/adapters/tail"
	"github.com/nisa-eu/nisa/domain"
)

// Channel is the LISTEN/NOTIFY channel on which stores announce appends.
// The payload is empty: a notification only says "read again".
const Channel = "nisa_events"

// Defaults of Options.
const (
	DefaultPoll     = time.Second
	DefaultMaxConns = 16
	DefaultBatch    = 512
	DefaultHeldWait = time.Second
)

// defaultReadAllLimit is the page size of ReadAll when the caller gives none.
const defaultReadAllLimit = 1000

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Poll is the longest a subscription waits for a wake-up before reading
	// anyway; it guards against a lost notification (default 1s).
	Poll time.Duration
	// Logger receives listener reconnects and notification failures; nil
	// discards them.
	Logger *slog.Logger
	// MaxConns is the size of the connection pool. Zero keeps the URL's
	// pool_max_conns, or DefaultMaxConns when the URL sets none. The
	// listener uses one more connection of its own.
	MaxConns int32
	// Batch is the number of events a subscription reads at once
	// (default 512).
	Batch int
	// HeldWait is how long ReadAll and Head wait for older transactions
	// still in flight when committed events are held back behind them, so
	// that a read right after an acknowledged append sees it (default 1s;
	// negative: do not wait). See the package documentation.
	HeldWait time.Duration
}

func (o Options) withDefaults() Options {
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.HeldWait == 0 {
		o.HeldWait = DefaultHeldWait
	}
	return o
}

// Store is the PostgreSQL event store. It implements domain.EventStore.
// Open creates one; Migrate prepares its schema; Close releases it.
type Store struct {
	pool *pgxpool.Pool
	opts Options
	log  *slog.Logger
	sig  *tail.Signal

	kick   chan struct{} // 1-buffered: "an append committed", to the notifier
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	closed    atomic.Bool
	closeOnce sync.Once
}

// Open connects to the database at url (postgres://user@host:port/db?…; the
// pool_* parameters of pgxpool are honoured) and starts the store's
// notifier and listener. It does not migrate: call Migrate (with
// Store.Pool) before the first append, or let Ready report the lack.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse URL: %w", err)
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !strings.Contains(url, "pool_max_conns"):
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", redactURL(url), err)
	}
	// The first LISTEN is made before Open returns: from then on, appends
	// of other processes wake this store's subscribers.
	lconn, err := listenConn(ctx, cfg.ConnConfig)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: listen on %s: %w", Channel, err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Store{
		pool:   pool,
		opts:   opts,
		log:    opts.Logger,
		sig:    tail.NewSignal(),
		kick:   make(chan struct{}, 1),
		ctx:    sctx,
		cancel: cancel,
	}
	s.wg.Add(2)
	go s.notifier()
	go s.listener(lconn)
	return s, nil
}

// Pool returns the store's connection pool (for Migrate and health checks).
// It is closed by Close.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ready reports whether the store can serve: the database answers and has
// every embedded migration applied. It returns domain.ErrClosed after Close.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := s.pool.Ping(ctx); err != nil {
		return s.fail("ping", err)
	}
	if _, err := MigrationStatus(ctx, s.pool); err != nil {
		if s.closed.Load() {
			return domain.ErrClosed
		}
		return err
	}
	return nil
}

// Close stops the notifier and the listener and closes the pool, after the
// calls in progress have returned their connections. Subscriptions end with
// domain.ErrClosed, as do later calls. Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.sig.Notify() // waiting subscribers read again and see ErrClosed
		s.cancel()
		s.wg.Wait()
		s.pool.Close()
	})
	return nil
}

// check refuses calls on a closed store or with a finished context.
func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return domain.ErrClosed
	}
	return ctx.Err()
}

// fail translates an error of the driver for callers: domain.ErrClosed once
// the store is closed, domain.ErrDuplicateEventID for an event id stored
// concurrently, otherwise the error wrapped with the operation.
func (s *Store) fail(op string, err error) error {
	if s.closed.Load() {
		return fmt.Errorf("postgres: %s: %w", op, domain.ErrClosed)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505" && pgErr.ConstraintName == "nisa_events_event_id_key":
			return fmt.Errorf("%w: an event id of the append was stored concurrently by another append", domain.ErrDuplicateEventID)
		case pgErr.Code == "42P01": // undefined_table
			return fmt.Errorf("postgres: %s: %w (is the schema migrated? run nisa migrate)", op, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// SQL of Append. The lock comes first and alone: it assigns no transaction
// id, and the statements after it take their snapshots once it is held.
// The INSERT is the first write of the transaction, so the transaction id
// (and thus the events' positions) is assigned only after the stream is
// locked: appends to one stream get increasing positions.
const (
	sqlLockStream = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`

	// sqlExisting returns the stream's current version on every row and the
	// stored events with the append's ids (none: one row of NULLs).
	sqlExisting = `SELECT v.cur, ` + eventColumns + `
FROM (SELECT coalesce(max(stream_version), 0) AS cur FROM nisa_events WHERE stream_id = $1) v
LEFT JOIN nisa_events e ON e.event_id = ANY($2::uuid[])`

	// sqlInsert inserts the events in append order only if no id is stored
	// yet and the current version is within [$9, $10] (the expected
	// version); otherwise it inserts nothing and Append explains why from
	// the result of sqlExisting. ORDER BY u.ord makes the identity values
	// (evaluated above the sort) follow append order.
	sqlInsert = `INSERT INTO nisa_events (event_id, stream_id, stream_version, event_type, schema_version, data, actor, correlation_id, causation_id)
SELECT u.id, $1, v.cur + u.ord, u.typ, u.sv, u.body::json, u.actor, u.corr, u.cause
FROM (SELECT coalesce(max(stream_version), 0) AS cur FROM nisa_events WHERE stream_id = $1) v
CROSS JOIN unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[])
     WITH ORDINALITY AS u(id, typ, sv, body, actor, corr, cause, ord)
WHERE v.cur BETWEEN $9::bigint AND $10::bigint
  AND NOT EXISTS (SELECT 1 FROM nisa_events x WHERE x.event_id = ANY($2::uuid[]))
ORDER BY u.ord
RETURNING stream_version, transaction_id, global_position, recorded_at`
)

// versionRange turns an expected version into the range of current
// versions that satisfy it (lo > hi: none).
func versionRange(e domain.ExpectedVersion) (lo, hi int64) {
	switch {
	case e.IsAny():
		return 0, math.MaxInt64
	case e.IsStreamExists():
		return 1, math.MaxInt64
	}
	n, _ := e.Exact()
	if n > math.MaxInt64 {
		return 1, 0
	}
	return int64(n), int64(n)
}

// Append implements domain.EventStore. One round trip carries the whole
// transaction (BEGIN, stream lock, checks, one multi-row INSERT, COMMIT);
// see the package documentation.
func (s *Store) Append(ctx context.Context, streamID string, expected domain.ExpectedVersion, events []domain.EventData) (domain.AppendResult, error) {
	if err := s.check(ctx); err != nil {
		return domain.AppendResult{}, err
	}
	if err := domain.ValidateAppend(streamID, events); err != nil {
		return domain.AppendResult{}, err
	}
	n := len(events)
	ids := make([][16]byte, n)
	types := make([]string, n)
	svs := make([]int32, n)
	bodies := make([]string, n)
	actors := make([]string, n)
	corrs := make([]string, n)
	causes := make([]string, n)
	for i, e := range events {
		ids[i], types[i], svs[i], bodies[i] = e.ID, e.Type, int32(min(e.SchemaVersion, math.MaxInt32)), string(e.Data)
		actors[i], corrs[i], causes[i] = e.Actor, e.CorrelationID, e.CausationID
	}
	lo, hi := versionRange(expected)

	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return domain.AppendResult{}, s.fail("append", err)
	}
	defer conn.Release()
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(sqlLockStream, streamID)
	b.Queue(sqlExisting, streamID, ids)
	b.Queue(sqlInsert, streamID, ids, types, svs, bodies, actors, corrs, causes, lo, hi)
	b.Queue("COMMIT")
	br := conn.SendBatch(ctx, b)

	var (
		cur      int64
		stored   = make(map[domain.EventID]*domain.Event)
		inserted []domain.Event // by index in the append
		count    int
	)
	err = func() error {
		if _, err := br.Exec(); err != nil { // BEGIN
			return err
		}
		if _, err := br.Exec(); err != nil { // lock
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		d := newDecoder(conn.Conn().TypeMap(), rows.FieldDescriptions(), 1)
		for rows.Next() {
			vals := rows.RawValues()
			if cur, err = d.int64(0, vals); err != nil {
				break
			}
			if vals[1] == nil {
				continue // no stored event
			}
			ev := new(domain.Event)
			if err = d.event(vals, ev); err != nil {
				break
			}
			stored[ev.ID] = ev
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return err
		}
		rows, err = br.Query()
		if err != nil {
			return err
		}
		inserted = make([]domain.Event, n)
		for rows.Next() {
			var sv, xid, gp int64
			var at time.Time
			if err = rows.Scan(&sv, &xid, &gp, &at); err != nil {
				break
			}
			i := sv - cur - 1
			if i < 0 || i >= int64(n) || inserted[i].StreamVersion != 0 {
				err = fmt.Errorf("insert returned stream version %d after version %d", sv, cur)
				break
			}
			inserted[i] = domain.Event{
				EventData:     events[i],
				StreamID:      streamID,
				StreamVersion: uint64(sv),
				Position:      domain.Position{Commit: uint64(xid), Prepare: uint64(gp)},
				RecordedAt:    at.UTC(),
			}
			count++
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return err
		}
		tag, err := br.Exec() // COMMIT
		if err != nil {
			return err
		}
		if tag.String() != "COMMIT" {
			return fmt.Errorf("commit answered %q", tag)
		}
		return nil
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.rollback(conn)
		return domain.AppendResult{}, s.fail("append", err)
	}

	switch count {
	case n:
		s.committed()
		return domain.AppendResult{Version: uint64(cur) + uint64(n), Events: inserted}, nil
	case 0:
	default:
		return domain.AppendResult{}, fmt.Errorf("postgres: append: inserted %d of %d events", count, n)
	}
	// Nothing was written: say why, from what the transaction saw.
	list := make([]*domain.Event, n)
	for i, e := range events {
		list[i] = stored[e.ID]
	}
	res, ok, err := domain.MatchDuplicate(streamID, events, list)
	switch {
	case err != nil:
		return domain.AppendResult{}, err
	case ok:
		return res, nil
	case !expected.Check(uint64(cur)):
		return domain.AppendResult{}, &domain.ConcurrencyError{StreamID: streamID, Expected: expected, Actual: uint64(cur)}
	}
	// An id was stored by an append to another stream that committed
	// between our check and our insert.
	return domain.AppendResult{}, fmt.Errorf("%w: an event id of the append was stored concurrently by another append", domain.ErrDuplicateEventID)
}

// rollback ends a transaction left open by a failed batch, so the
// connection goes back to the pool clean (pgxpool drops a connection that
// is still in a transaction).
func (s *Store) rollback(conn *pgxpool.Conn) {
	pc := conn.Conn().PgConn()
	if pc.IsClosed() || pc.TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		s.log.Warn("postgres: rollback after a failed append", "err", err)
	}
}

// committed wakes local subscribers and, through the notifier, other
// processes. It never blocks: a pending wake-up covers this commit too.
func (s *Store) committed() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Subscribe implements domain.EventStore: a catch-up subscription (see
// package tail) over the bounded global read. Appends of this store wake it
// at once, appends of other processes through LISTEN; Options.Poll bounds
// the wait should a notification be lost.
func (s *Store) Subscribe(ctx context.Context, after domain.Position) iter.Seq2[domain.Event, error] {
	if s.closed.Load() {
		return func(yield func(domain.Event, error) bool) { yield(domain.Event{}, domain.ErrClosed) }
	}
	return tail.Follow(ctx, after, s.readPage, s.sig, tail.Options{Batch: s.opts.Batch, Poll: s.opts.Poll})
}

// redactURL hides a password in a connection URL.
func redactURL(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return "the database"
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":***@" + host
	}
	return url
}
