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
	// DefaultPoll is the default of Options.Poll.
	DefaultPoll = time.Second
	// DefaultMaxConns is the pool size when neither Options.MaxConns nor
	// the URL's pool_max_conns sets one: enough concurrent transactions for
	// group commit to share WAL flushes among 32 writers.
	DefaultMaxConns = 32
	// DefaultBatch is the default of Options.Batch.
	DefaultBatch = 512
	// DefaultHeldWait is the default of Options.HeldWait.
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
	if _, set := cfg.ConnConfig.RuntimeParams["enable_seqscan"]; !set {
		// Every query of the store is index-driven, and its statements are
		// prepared once per connection. A generic plan made while the table
		// is small (a new database) would otherwise keep a sequential scan
		// of nisa_events for as long as the plan lives (until autovacuum
		// next analyzes the table): appends and reads would then cost
		// O(table) each. Measured: 20ms per append at 300k events.
		cfg.ConnConfig.RuntimeParams["enable_seqscan"] = "off"
	}
	if _, set := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		// Plan every prepared statement once per connection. Left to
		// choose (auto), PostgreSQL re-plans sqlAppend for every append as
		// soon as the table has statistics: its custom plan, made for the
		// actual number of events, looks cheaper than the generic one. The
		// planning of that statement cost more server CPU than running it
		// (perf: a third of the server's time went to the planner), and
		// halved the single-event append rate with 32 writers. The generic
		// plans are index-driven (enable_seqscan above).
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
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
// Its sessions run with plan_cache_mode = force_generic_plan and
// enable_seqscan = off unless the URL set them (see the package
// documentation). It is closed by Close.
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

// sqlBegin starts an append transaction. Read committed is named, not
// assumed: every statement after the stream lock must take a new snapshot
// that sees the appends committed before the lock was granted, which a
// server or URL default of repeatable read would prevent.
const sqlBegin = "BEGIN ISOLATION LEVEL READ COMMITTED"

// SQL of Append. The stream lock comes first, in a statement of its own:
// an advisory lock assigns no transaction id, and the next statement takes
// its snapshot once the lock is held, so it sees every append to the stream
// committed before. That statement's INSERT is the first write of the
// transaction, so the transaction id (and thus the events' positions) is
// assigned only after the stream is locked: appends to one stream get
// increasing positions.
//
// The lock statement records in the transaction-local setting nisa.locked
// whether it holds the lock; the statements after it insert only if it
// does.
const (
	// sqlTryLockStream takes the stream lock if it is free, without waiting.
	sqlTryLockStream = `SELECT set_config('nisa.locked', pg_try_advisory_xact_lock(hashtextextended($1, 0))::text, true)`

	// sqlLockStream waits for the stream lock.
	sqlLockStream = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0)), set_config('nisa.locked', 'true', true)`

	// sqlInsertOne is the first attempt of a single-event append: it
	// inserts the event at the stream's next version only if the stream
	// lock is held, the event id is not stored yet and the current version
	// is within [$9, $10] (the expected version); all parts see one
	// snapshot. It returns the inserted row (position, version,
	// recorded-at), or nothing: then sqlAppend, run after it, says why.
	sqlInsertOne = `INSERT INTO nisa_events (event_id, stream_id, stream_version, event_type, schema_version, data, actor, correlation_id, causation_id)
SELECT $2::uuid, $1, cur.v + 1, $3::text, $4::int, $5::text::json, $6::text, $7::text, $8::text
FROM (SELECT coalesce(max(stream_version), 0) AS v FROM nisa_events WHERE stream_id = $1) cur
WHERE current_setting('nisa.locked', true) = 'true'
  AND cur.v BETWEEN $9::bigint AND $10::bigint
  AND NOT EXISTS (SELECT FROM nisa_events WHERE event_id = $2::uuid)
RETURNING transaction_id, global_position, stream_version, recorded_at`

	// sqlInsertMany is sqlInsertOne for any number of events, given as
	// arrays, inserted in append order. The identity values are evaluated
	// above ORDER BY u.ord, so they follow append order.
	sqlInsertMany = `INSERT INTO nisa_events (event_id, stream_id, stream_version, event_type, schema_version, data, actor, correlation_id, causation_id)
SELECT u.id, $1, cur.v + u.ord, u.typ, u.sv, u.body::json, u.actor, u.corr, u.cause
FROM (SELECT coalesce(max(stream_version), 0) AS v FROM nisa_events WHERE stream_id = $1) cur
CROSS JOIN unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[])
     WITH ORDINALITY AS u(id, typ, sv, body, actor, corr, cause, ord)
WHERE current_setting('nisa.locked', true) = 'true'
  AND cur.v BETWEEN $9::bigint AND $10::bigint
  AND NOT EXISTS (SELECT FROM nisa_events WHERE event_id = ANY($2::uuid[]))
ORDER BY u.ord
RETURNING transaction_id, global_position, stream_version, recorded_at`

	// sqlAppend is the second attempt, after the stream lock was busy or
	// the first attempt inserted nothing. It reads the stream's current
	// version and the stored events with the append's ids, and inserts the
	// events as sqlInsertMany does. All parts see one snapshot. It returns
	// one row of kind 0 with the current version, a row of kind 1 per
	// stored event (all columns) and a row of kind 2 per inserted event
	// (position, version, recorded-at).
	sqlAppend = `WITH cur AS (
    SELECT coalesce(max(stream_version), 0) AS v FROM nisa_events WHERE stream_id = $1
), old AS (
    SELECT ` + eventColumnNames + ` FROM nisa_events WHERE event_id = ANY($2::uuid[])
), ins AS (
    INSERT INTO nisa_events (event_id, stream_id, stream_version, event_type, schema_version, data, actor, correlation_id, causation_id)
    SELECT u.id, $1, cur.v + u.ord, u.typ, u.sv, u.body::json, u.actor, u.corr, u.cause
    FROM cur CROSS JOIN unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[])
         WITH ORDINALITY AS u(id, typ, sv, body, actor, corr, cause, ord)
    WHERE current_setting('nisa.locked', true) = 'true'
      AND cur.v BETWEEN $9::bigint AND $10::bigint
      AND NOT EXISTS (SELECT FROM old)
    ORDER BY u.ord
    RETURNING transaction_id, global_position, stream_version, recorded_at
)
SELECT 0, cur.v, NULL::bigint, NULL::bigint, NULL::uuid, NULL::text, NULL::bigint, NULL::text, NULL::int, NULL::json, NULL::text, NULL::text, NULL::text, NULL::timestamptz FROM cur
UNION ALL
SELECT 1, NULL, ` + eventColumnNames + ` FROM old
UNION ALL
SELECT 2, NULL, transaction_id, global_position, NULL, NULL, stream_version, NULL, NULL, NULL, NULL, NULL, NULL, recorded_at FROM ins`
)

// Kinds of the rows of sqlAppend.
const (
	rowCurrent  = 0
	rowStored   = 1
	rowInserted = 2
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

// appendArgs are the parameters of the append statements for one append.
type appendArgs struct {
	streamID                            string
	ids                                 [][16]byte
	types, bodies, actors, corrs, cause []string
	schemas                             []int32
	lo, hi                              int64
}

// appendOutcome is what one append transaction saw and did.
type appendOutcome struct {
	locked   bool                             // the stream lock was held
	cur      int64                            // the stream's version before (sqlAppend only)
	stored   map[domain.EventID]*domain.Event // stored events with the append's ids (sqlAppend only)
	inserted []insertedRow                    // the rows written, if any
}

// insertedRow is what the append statements return of an inserted event.
type insertedRow struct {
	xid, gp, sv int64
	at          time.Time
}

// Append implements domain.EventStore. The first attempt tries the stream
// lock without waiting and inserts with sqlInsertOne or sqlInsertMany: the
// lock, the insert and the commit travel in one round trip. When the
// stream was busy, or nothing was inserted (a conflict, a duplicate id or a
// retry), it is done again with sqlAppend and a lock that waits, and COMMIT
// is sent only once the rest has answered: a caller that gives up (its
// context ends) while the append waits closes the connection, and the
// server then rolls it back instead of committing an append whose caller
// was told it failed. See the package documentation.
func (s *Store) Append(ctx context.Context, streamID string, expected domain.ExpectedVersion, events []domain.EventData) (domain.AppendResult, error) {
	if err := s.check(ctx); err != nil {
		return domain.AppendResult{}, err
	}
	if err := domain.ValidateAppend(streamID, events); err != nil {
		return domain.AppendResult{}, err
	}
	n := len(events)
	a := appendArgs{
		streamID: streamID,
		ids:      make([][16]byte, n),
		types:    make([]string, n),
		schemas:  make([]int32, n),
		bodies:   make([]string, n),
		actors:   make([]string, n),
		corrs:    make([]string, n),
		cause:    make([]string, n),
	}
	for i, e := range events {
		if e.SchemaVersion > math.MaxInt32 {
			return domain.AppendResult{}, &domain.ValidationError{Field: fmt.Sprintf("events[%d].schema_version", i), Value: fmt.Sprint(e.SchemaVersion), Reason: "must be at most 2147483647"}
		}
		a.ids[i], a.types[i], a.schemas[i], a.bodies[i] = e.ID, e.Type, int32(e.SchemaVersion), string(e.Data)
		a.actors[i], a.corrs[i], a.cause[i] = e.Actor, e.CorrelationID, e.CausationID
	}
	a.lo, a.hi = versionRange(expected)

	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return domain.AppendResult{}, s.fail("append", err)
	}
	defer conn.Release()
	out, err := s.tryAppend(ctx, conn, &a)
	if err == nil && len(out.inserted) == 0 {
		out, err = s.appendTx(ctx, conn, &a)
	}
	if err != nil {
		s.rollback(conn)
		return domain.AppendResult{}, s.fail("append", err)
	}
	if !out.locked {
		return domain.AppendResult{}, errors.New("postgres: append: the stream lock was not taken")
	}

	if len(out.inserted) > 0 {
		if out.cur < 0 { // the first attempt: the versions follow the current one
			out.cur = math.MaxInt64
			for _, r := range out.inserted {
				out.cur = min(out.cur, r.sv-1)
			}
		}
		res := domain.AppendResult{Version: uint64(out.cur) + uint64(n), Events: make([]domain.Event, n)}
		for _, r := range out.inserted {
			i := r.sv - out.cur - 1
			if len(out.inserted) != n || i < 0 || i >= int64(n) || res.Events[i].StreamVersion != 0 {
				// Committed, but not as asked: cannot happen (one INSERT,
				// versions from one snapshot under the stream lock).
				return domain.AppendResult{}, fmt.Errorf("postgres: append: inserted %d rows, version %d after %d, for %d events", len(out.inserted), r.sv, out.cur, n)
			}
			res.Events[i] = domain.Event{
				EventData:     events[i],
				StreamID:      streamID,
				StreamVersion: uint64(r.sv),
				Position:      domain.Position{Commit: uint64(r.xid), Prepare: uint64(r.gp)},
				RecordedAt:    r.at,
			}
		}
		s.committed()
		return res, nil
	}
	// Nothing was written: say why, from what the statement saw.
	list := make([]*domain.Event, n)
	for i, e := range events {
		list[i] = out.stored[e.ID]
	}
	res, ok, err := domain.MatchDuplicate(streamID, events, list)
	switch {
	case err != nil:
		return domain.AppendResult{}, err
	case ok:
		return res, nil
	case !expected.Check(uint64(out.cur)):
		return domain.AppendResult{}, &domain.ConcurrencyError{StreamID: streamID, Expected: expected, Actual: uint64(out.cur)}
	}
	return domain.AppendResult{}, fmt.Errorf("postgres: append: nothing inserted at version %d for expected %s and no stored id", out.cur, expected)
}

// tryAppend is the first attempt of an append: one pipeline, one round
// trip, one transaction that takes the stream lock if it is free, inserts
// with sqlInsertOne or sqlInsertMany if it holds the lock and the append
// fits, and commits. It returns what was inserted: nothing when the lock
// was busy or the append did not fit, and then the transaction wrote
// nothing. A transaction left open by an error is ended by the caller
// (rollback).
func (s *Store) tryAppend(ctx context.Context, conn *pgxpool.Conn, a *appendArgs) (appendOutcome, error) {
	out := appendOutcome{cur: -1}
	b := &pgx.Batch{}
	b.Queue(sqlBegin)
	b.Queue(sqlTryLockStream, a.streamID)
	if len(a.ids) == 1 {
		b.Queue(sqlInsertOne, a.streamID, a.ids[0], a.types[0], a.schemas[0], a.bodies[0], a.actors[0], a.corrs[0], a.cause[0], a.lo, a.hi)
	} else {
		b.Queue(sqlInsertMany, a.streamID, a.ids, a.types, a.schemas, a.bodies, a.actors, a.corrs, a.cause, a.lo, a.hi)
	}
	b.Queue("COMMIT")
	br := conn.SendBatch(ctx, b)
	err := func() error {
		if _, err := br.Exec(); err != nil { // BEGIN
			return err
		}
		var locked string
		if err := br.QueryRow().Scan(&locked); err != nil {
			return err
		}
		out.locked = locked == "true"
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		d := newDecoder(conn.Conn().TypeMap(), rows.FieldDescriptions(), 0)
		for rows.Next() {
			r, err := d.inserted(rows.RawValues(), 0, 1, 2, 3) // as RETURNING lists them
			if err != nil {
				return err
			}
			out.inserted = append(out.inserted, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return commitTag(br.Exec())
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return out, err
}

// appendTx is the second attempt of an append: it waits for the stream
// lock, runs sqlAppend and, once that has answered, commits in a second
// round trip. A transaction left open by an error is ended by the caller
// (rollback).
func (s *Store) appendTx(ctx context.Context, conn *pgxpool.Conn, a *appendArgs) (appendOutcome, error) {
	out := appendOutcome{cur: -1, stored: map[domain.EventID]*domain.Event{}}
	b := &pgx.Batch{}
	b.Queue(sqlBegin)
	b.Queue(sqlLockStream, a.streamID)
	b.Queue(sqlAppend, a.streamID, a.ids, a.types, a.schemas, a.bodies, a.actors, a.corrs, a.cause, a.lo, a.hi)
	br := conn.SendBatch(ctx, b)
	err := func() error {
		if _, err := br.Exec(); err != nil { // BEGIN
			return err
		}
		if _, err := br.Exec(); err != nil {
			return err
		}
		out.locked = true
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		d := newDecoder(conn.Conn().TypeMap(), rows.FieldDescriptions(), 2)
		for rows.Next() {
			vals := rows.RawValues()
			kind, err := d.int32(0, vals)
			if err != nil {
				return err
			}
			switch kind {
			case rowCurrent:
				if out.cur, err = d.int64(1, vals); err != nil {
					return err
				}
			case rowStored:
				ev := new(domain.Event)
				if err := d.event(vals, ev); err != nil {
					return err
				}
				out.stored[ev.ID] = ev
			case rowInserted:
				r, err := d.inserted(vals, 2+colTransactionID, 2+colGlobalPosition, 2+colStreamVersion, 2+colRecordedAt)
				if err != nil {
					return err
				}
				out.inserted = append(out.inserted, r)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if out.cur < 0 {
			return errors.New("no current version returned")
		}
		return nil
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = commitTag(conn.Exec(ctx, "COMMIT"))
	}
	return out, err
}

// commitTag checks the answer to COMMIT: a transaction that failed answers
// ROLLBACK.
func commitTag(tag pgconn.CommandTag, err error) error {
	if err == nil && tag.String() != "COMMIT" {
		err = fmt.Errorf("commit answered %q", tag)
	}
	return err
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
