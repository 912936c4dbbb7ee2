// Package postgres is nisa's PostgreSQL event store: several processes can
// share one database. It implements domain.EventStore on the table
// nisa_events, whose schema lives in package migrations and is applied by
// Migrate (MigrationStatus and Store.Ready report a database that lacks a
// migration). Open connects (pgxpool); Close releases everything.
//
// The package also holds the PostgreSQL read store (ReadStore, opened by
// OpenReadStore): projections.Store on the rm_* tables of migration 0003,
// used beside this event store or, in EventStoreDB mode, on its own.
//
// # The global log
//
// A position is Position{Commit: transaction_id, Prepare: global_position}:
// the 64-bit id of the appending transaction (pg_current_xact_id(), stored
// by the column default) and a row sequence that orders the events of one
// transaction. Readers of the global log read in that order, bounded by the
// xmin of their statement's snapshot:
//
//	SELECT … FROM nisa_events
//	WHERE (transaction_id, global_position) > ($commit, $prepare)
//	  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
//	ORDER BY transaction_id, global_position LIMIT $n
//
// A plain sequence is not enough: numbers are taken when rows are written
// and transactions commit in any order, so a reader that has seen number 7
// could later miss number 6 committed after it. The bound makes that
// impossible. Every transaction whose id is below the snapshot's xmin has
// finished (committed or aborted): nothing new can appear below xmin. Every
// transaction still running has an id of at least xmin, and transactions
// that get an id later get a larger one (ids are handed out in increasing
// order). So an event that a later read returns always sorts after every
// event returned now: ReadAll and Subscribe never skip an event. Events of a
// transaction that is still in flight hold back the events committed after
// it; the reader reports them as "held" and the subscription (package tail)
// retries within milliseconds. ReadAll and Head wait up to Options.HeldWait
// for such transactions when they would otherwise return nothing newer, so
// that a read right after an acknowledged append sees it.
//
// The xmin is cluster-wide: a long write transaction in any database of the
// server (or a forgotten prepared transaction) holds back this store's
// global log until it ends. Order and completeness are never affected, only
// latency; keep long transactions away from the server, or monitor
// pg_stat_activity for old backend_xid values.
//
// # Appends
//
// An append is one transaction, sent as one pipeline, in one round trip,
// when its stream is free and it fits:
//
//	BEGIN
//	SELECT pg_try_advisory_xact_lock(hashtextextended(stream_id, 0))  -- noted in nisa.locked
//	INSERT … SELECT … FROM (current version) cur [, unnest(…) WITH ORDINALITY]
//	    WHERE nisa.locked AND cur.v fits the expected version
//	      AND NOT EXISTS (stored event with one of the append's ids)
//	    RETURNING …                    -- one statement, one snapshot
//	COMMIT
//
// The stream lock comes first, alone: an advisory lock assigns no
// transaction id, and the next statement takes its snapshot only once the
// lock is held, so it sees every earlier append to the stream. The INSERT
// is the transaction's first write, so its transaction id is assigned after
// the lock: appends to one stream therefore get increasing positions, and
// stream order agrees with log order. (Locking a row with SELECT … FOR
// UPDATE, or an upsert, would assign the id before waiting and break this.)
// The INSERT writes all events, in append order, only when the lock is held,
// none of their ids is stored and the current version satisfies the
// expected version; otherwise nothing is written. A single event is passed
// as scalars, several as arrays (unnest). An id appended at the same moment
// to another stream makes the INSERT fail on the unique index:
// domain.ErrDuplicateEventID. Two stream ids with the same hash only
// serialise their appends.
//
// When the first attempt wrote nothing (another append held the stream, or
// the append did not fit), the append is run again as a second transaction
// that waits for the lock (pg_advisory_xact_lock) and runs one statement
// that also returns what it read:
//
//	WITH cur (current version), old (stored events with the append's ids),
//	     ins (the INSERT above)
//	SELECT …                           -- one statement, one snapshot
//
// Append answers from it: success if it inserted, otherwise the original
// result for a retry (domain.MatchDuplicate), domain.ErrDuplicateEventID
// for any other reuse of an id, or a *domain.ConcurrencyError. Appends to
// the stream may have committed between the two attempts; the answer is
// that of the second, which is where the append takes effect. COMMIT of the
// second attempt is sent in a second round trip once the rest has
// answered. Were COMMIT pipelined behind a wait, a caller whose context
// ends during the wait would be told the append failed (pgx closes the
// connection) while the server, which has already received COMMIT, would
// commit it as soon as the lock is granted.
//
// The first attempt keeps the common case cheap for the server: one plain
// INSERT … SELECT with two index probes, instead of the statement with
// three CTEs and a UNION that the second attempt needs to explain a
// refusal. Conflicts, retries and busy streams cost a second transaction.
//
// An acknowledged append is committed; it is durable as far as the server's
// synchronous_commit setting makes commits durable (on, by default).
//
// # Notifications
//
// The append transaction never notifies: PostgreSQL serialises the commits
// of notifying transactions with a database-wide lock. After a commit,
// Append signals the store's notifier goroutine (a non-blocking send on a
// channel of one), which wakes the store's own subscribers and then runs
// pg_notify on the channel nisa_events, with an empty payload, in a
// transaction of its own: appends that commit while a NOTIFY is under way
// share the next one. A listener goroutine holds a dedicated
// connection in LISTEN nisa_events (reconnecting with backoff when it
// fails) and wakes the subscribers on every notification, so appends of
// other processes reach them within milliseconds. Options.Poll bounds the
// wait should a notification be lost.
//
// # Connections and plans
//
// The pool has DefaultMaxConns connections unless the URL (pool_max_conns)
// or Options.MaxConns says otherwise; the listener uses one more, and
// Migrate one of its own for its run. pgx prepares every statement once per
// connection. The store's sessions run with plan_cache_mode =
// force_generic_plan and enable_seqscan = off unless the URL sets them:
// each statement is planned once per connection, not for every execution
// (left to choose, PostgreSQL re-plans the append statements for every
// append once the table has statistics, and planning them cost the server
// more than running them: it halved the append rate), and every store query
// is served by an index, so a generic plan made while the table was still
// small cannot keep scanning the whole table as it grows.
package postgres
