package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/projections"
)

// ReadStore is the PostgreSQL projections.Store: the read models of the
// projections in the rm_* tables of migration 0003, shared by every
// process on the database. OpenReadStore creates one.
//
// # Generations and ownership
//
// Every row belongs to one generation of one projection (its first two
// columns). rm_projections holds each projection's live and building
// generation with their checkpoints. A category of read models (a
// collection, the offers, the organisations, a counter metric, an
// evidence indicator) belongs to the projection that first wrote it
// (rm_owners; a write by another projection is refused, as in the memory
// store): readers read the live generation of the owner, looked up in the
// same statement, so a Promote by any process is seen at once.
//
// # Updates
//
// An Update is one transaction on one connection. The first round trip
// begins it and takes the projection's advisory lock (see
// sqlLockProjection for why not a row lock): Updates of one projection
// are serialised across processes, and the checkpoint
// and generation are checked under the lock. fn then runs against a Tx
// that buffers every write in memory (reads see the buffer first; a
// document written twice is written once). When fn returns, the buffer is
// sent as one pipeline of set-based statements (… SELECT FROM
// unnest($arrays)) followed by the checkpoint and COMMIT: one more round
// trip, two when the batch claims a category for the first time, indexes
// terms the process has not numbered yet or writes documents whose stored
// version the cache does not know (read back in that extra round trip).
// Knowing which documents are stored, the pipeline inserts the new ones
// with plain INSERTs (an upsert costs twice as much for a new row) and
// upserts the stored ones; lookups of a list of keys are LATERAL joins,
// one primary key probe per key (a generation being filled has no
// statistics yet, and a planner left to choose would scan it whole).
//
// Reads through the Tx that miss the buffer go to a per-generation cache
// of the documents this process read or wrote, and to the database only
// when the cache does not know. The cache is valid because the
// generation's rm_projections sequence number (bumped by every Update)
// is checked under the row lock: when another process changed the
// generation, the cache is dropped. A generation whose sequence number is
// 0 is empty, so its cache is complete from the start and a rebuild reads
// nothing back from the database (absent documents are known absent).
// Cached values are bounded by an approximate byte budget.
//
// Commits of an Update do not wait for the WAL flush (synchronous_commit
// off, for that transaction only): a crash of the server may lose the
// last Updates, but always with their checkpoints, so the projections
// apply the same events again.
//
// # Search
//
// Search terms are numbered by the dictionary rm_terms (ids are never
// reused, so processes cache them); an offer or organisation keeps its
// terms as a sorted int4 array of term id × 4 + the best field the term
// is in (3 title, 2 text, 1 NACE labels). A search finds its documents
// with the GIN index (intarray's gin__int_ops) on that array, and scores
// each by intersecting the array with the query's codes once and picking,
// per query token, the best weighted value: projections.Score, in SQL.
// rm_term_refs counts the documents holding each term in the live
// generations, for Vocabulary; a building generation's counts are made in
// one aggregate by Promote.
type ReadStore struct {
	pool *pgxpool.Pool

	closed    atomic.Bool
	closeOnce sync.Once

	mu      sync.Mutex
	locks   map[string]*sync.Mutex // per projection: this process's writers
	caches  map[genKey]*genCache
	budget  int64        // bytes of cached values, all generations
	cached  atomic.Int64 // bytes of cached values now
	terms   termIDs
	owners  ownerCache
	maxKeys int // key set size beyond which a cache stops being complete

	liveMu sync.Mutex
	live   map[string]int64 // projection → live generation, as last read (see indexLive)
}

var _ projections.Store = (*ReadStore)(nil)

// DefaultReadCacheBytes is the least memory a ReadStore spends on caching
// documents for its Updates: by default it takes a quarter of the Go
// runtime's soft memory limit (GOMEMLIMIT; the nisa command sets it to
// 75 % of the machine's or container's memory) when that is more.
const DefaultReadCacheBytes = 256 << 20

// defaultCacheBytes is the default cache budget (see
// DefaultReadCacheBytes).
func defaultCacheBytes() int64 {
	limit := debug.SetMemoryLimit(-1) // reads the limit
	if limit == math.MaxInt64 {
		return DefaultReadCacheBytes
	}
	return max(DefaultReadCacheBytes, limit/4)
}

// defaultMaxCacheKeys bounds the key sets of a complete generation cache.
const defaultMaxCacheKeys = 4 << 20

// MaxReadConns bounds the connections of a ReadStore's pool.
const MaxReadConns = 10

// OpenReadStore opens the read store on the database of pool. It opens a
// small pool of its own with pool's configuration (same server, database
// and role; at most MaxReadConns connections, closed after a minute idle),
// whose sessions run with jit off, plan_cache_mode auto and, unless the
// URL sets them, enable_seqscan off and work_mem 32MB; Close closes that
// pool, never pool. The
// schema (migration 0003) must be applied: see Migrate.
func OpenReadStore(ctx context.Context, pool *pgxpool.Pool) (*ReadStore, error) {
	cfg := pool.Config()
	cfg.AfterConnect, cfg.BeforeAcquire, cfg.AfterRelease, cfg.BeforeClose = nil, nil, nil, nil
	cfg.MinConns, cfg.MinIdleConns = 0, 0
	cfg.MaxConns = min(max(cfg.MaxConns, 2), MaxReadConns)
	cfg.MaxConnIdleTime = time.Minute
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	params := cfg.ConnConfig.RuntimeParams
	// JIT compiles plans whose cost passes jit_above_cost; with
	// enable_seqscan off any plan that must scan a small table does, and
	// compiling costs 50–250 ms, more than any query of the store gains.
	params["jit"] = "off"
	if _, set := params["enable_seqscan"]; !set {
		params["enable_seqscan"] = "off"
	}
	if _, set := params["work_mem"]; !set {
		// A search keeps its matches (up to the whole index) in memory.
		params["work_mem"] = "32MB"
	}
	// The event store's pool forces generic plans (see Open); the read
	// store's statements are planned for their values until PostgreSQL
	// finds the generic plan as good.
	params["plan_cache_mode"] = "auto"
	own, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: read store: open pool: %w", err)
	}
	if err := own.Ping(ctx); err != nil {
		own.Close()
		return nil, fmt.Errorf("postgres: read store: connect: %w", err)
	}
	return &ReadStore{
		pool:    own,
		locks:   map[string]*sync.Mutex{},
		caches:  map[genKey]*genCache{},
		budget:  defaultCacheBytes(),
		terms:   termIDs{ids: map[string]int32{}},
		owners:  ownerCache{m: map[ownerKey]string{}},
		maxKeys: defaultMaxCacheKeys,
		live:    map[string]int64{},
	}, nil
}

// SetCacheBytes sets the approximate memory the store spends on caching
// documents for its Updates (default: see DefaultReadCacheBytes; 0 or less
// disables the cache). Call it before the first Update.
func (s *ReadStore) SetCacheBytes(n int64) { s.budget = n }

// Pool returns the store's own connection pool (closed by Close).
func (s *ReadStore) Pool() *pgxpool.Pool { return s.pool }

// Close implements projections.Store: it closes the store's pool once the
// calls in progress have returned their connections. Later calls fail
// with domain.ErrClosed. Close is idempotent.
func (s *ReadStore) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.pool.Close()
		s.mu.Lock()
		s.caches = map[genKey]*genCache{}
		s.mu.Unlock()
	})
	return nil
}

// check refuses calls on a closed store or with a finished context.
func (s *ReadStore) check(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("postgres: read store: %w", domain.ErrClosed)
	}
	return ctx.Err()
}

// fail wraps an error of the driver with the operation.
func (s *ReadStore) fail(op string, err error) error {
	if s.closed.Load() {
		return fmt.Errorf("postgres: read store: %s: %w", op, domain.ErrClosed)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return fmt.Errorf("postgres: read store: %s: %w (is the schema migrated? run nisa migrate)", op, err)
	}
	return fmt.Errorf("postgres: read store: %s: %w", op, err)
}

// projLock returns the mutex that serialises this process's writers of
// projection name (Update, StartRebuild, Promote): whoever holds it may
// use the caches of name's generations.
func (s *ReadStore) projLock(name string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.locks[name]
	if m == nil {
		m = &sync.Mutex{}
		s.locks[name] = m
	}
	return m
}

// positions are stored as numeric(20,0), sent and read as text.

func posText(p domain.Position) (string, string) {
	return strconv.FormatUint(p.Commit, 10), strconv.FormatUint(p.Prepare, 10)
}

func parsePos(commit, prepare string) (domain.Position, error) {
	c, err := strconv.ParseUint(commit, 10, 64)
	if err != nil {
		return domain.Start, fmt.Errorf("position %q: %w", commit, err)
	}
	p, err := strconv.ParseUint(prepare, 10, 64)
	if err != nil {
		return domain.Start, fmt.Errorf("position %q: %w", prepare, err)
	}
	return domain.Position{Commit: c, Prepare: p}, nil
}

// nanos is the stored form of a time: Unix nanoseconds, the zero time
// first of all (math.MinInt64). Times outside 1678–2262 are clamped.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	switch {
	case t.Before(minNanoTime):
		return math.MinInt64 + 1
	case t.After(maxNanoTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minNanoTime = time.Unix(0, math.MinInt64+1)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// projRow is a row of rm_projections.
type projRow struct {
	liveGen, buildingGen   int64
	live, building         domain.Position
	liveSeq, buildingSeq   int64
	liveAt, buildingAt     *time.Time
	liveText, buildingText [2]string
}

// sqlLockProjection takes the projection's advisory lock until the end of
// the transaction: keys 1852404592 (0x6e697370, "nisp") and hashtext of
// the name ($1; two names of one hash merely share a lock). Every writer
// of a projection's rm_projections row and generations (Update,
// StartRebuild, Promote) takes it first.
//
// It is an advisory lock, not SELECT … FOR UPDATE on the row, because a
// row lock assigns the transaction an id at once, and the event store's
// global log (see the package documentation) holds back every event
// appended after the oldest transaction id still running. An Update that
// held an id from its first round trip to its commit made every new event
// wait for the Updates in flight, so the longer the batches took, the
// later every projection saw new events. An advisory lock assigns no id:
// an Update takes its id with its first write, normally in the pipeline
// that commits it. (StartRebuild and Promote write from the start; a
// Promote's transaction counts the new generation's term references while
// new events wait, and leaves deleting the old generation to purgeRetired.)
const sqlLockProjection = `SELECT pg_advisory_xact_lock(1852404592, hashtext($1))`

// sqlProjectionRow reads the projection's row; under its lock, the row
// as the last writer committed it (READ COMMITTED: each statement's
// snapshot is taken when it starts, after the lock was granted).
const sqlProjectionRow = `SELECT live_gen, live_commit::text, live_prepare::text, live_seq,
       building_gen, building_commit::text, building_prepare::text, building_seq
FROM rm_projections WHERE name = $1`

func scanProjRow(row pgx.Row) (projRow, error) {
	var r projRow
	if err := row.Scan(&r.liveGen, &r.liveText[0], &r.liveText[1], &r.liveSeq,
		&r.buildingGen, &r.buildingText[0], &r.buildingText[1], &r.buildingSeq); err != nil {
		return r, err
	}
	var err error
	if r.live, err = parsePos(r.liveText[0], r.liveText[1]); err != nil {
		return r, err
	}
	r.building, err = parsePos(r.buildingText[0], r.buildingText[1])
	return r, err
}

func retired(t projections.Target) error {
	return fmt.Errorf("%w: %s generation %d", projections.ErrRetired, t.Name, t.Generation)
}

// Projections implements projections.Store.
func (s *ReadStore) Projections(ctx context.Context) ([]projections.State, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT name, live_gen, live_commit::text, live_prepare::text, live_updated_at,
       building_gen, building_commit::text, building_prepare::text
FROM rm_projections ORDER BY name`)
	if err != nil {
		return nil, s.fail("projections", err)
	}
	var out []projections.State
	var (
		st         projections.State
		lc, lp     string
		bc, bp     string
		updated    *time.Time
		errConvert error
	)
	_, err = pgx.ForEachRow(rows, []any{&st.Name, &st.Generation, &lc, &lp, &updated, &st.Building, &bc, &bp}, func() error {
		x := st
		if x.Checkpoint, errConvert = parsePos(lc, lp); errConvert != nil {
			return errConvert
		}
		if updated != nil {
			x.UpdatedAt = updated.UTC()
		}
		if x.Building != 0 {
			if x.BuildingCheckpoint, errConvert = parsePos(bc, bp); errConvert != nil {
				return errConvert
			}
		}
		out = append(out, x)
		return nil
	})
	if err != nil {
		return nil, s.fail("projections", err)
	}
	return out, nil
}

// Live implements projections.Store.
func (s *ReadStore) Live(ctx context.Context, name string) (projections.Target, domain.Position, error) {
	if err := s.check(ctx); err != nil {
		return projections.Target{}, domain.Start, err
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO rm_projections (name, live_gen, last_gen) VALUES ($1, 1, 1) ON CONFLICT (name) DO NOTHING`, name)
	b.Queue(`SELECT live_gen, live_commit::text, live_prepare::text FROM rm_projections WHERE name = $1`, name)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return projections.Target{}, domain.Start, s.fail("live", err)
	}
	var (
		gen  int64
		c, p string
	)
	if err := br.QueryRow().Scan(&gen, &c, &p); err != nil {
		return projections.Target{}, domain.Start, s.fail("live", err)
	}
	pos, err := parsePos(c, p)
	if err != nil {
		return projections.Target{}, domain.Start, s.fail("live", err)
	}
	return projections.Target{Name: name, Generation: gen}, pos, nil
}

// inTx runs f in a read committed transaction on a connection of its own
// and commits.
func (s *ReadStore) inTx(ctx context.Context, op string, f func(tx pgx.Tx) error) error {
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, f)
	if err != nil {
		var keep *keepError
		if errors.As(err, &keep) {
			return keep.err
		}
		return s.fail(op, err)
	}
	return nil
}

// keepError carries an error that inTx returns unwrapped.
type keepError struct{ err error }

// Error returns the carried error's message.
func (e *keepError) Error() string { return e.err.Error() }

// genTables are the tables whose rows belong to a generation.
var genTables = []string{"rm_docs", "rm_doc_keys", "rm_offers", "rm_orgs", "rm_term_refs", "rm_counters", "rm_evidence"}

// retireGeneration records that generation gen of projection name is
// neither live nor building any more; purgeRetired deletes its rows later.
func retireGeneration(ctx context.Context, tx pgx.Tx, name string, gen int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO rm_retired (projection, gen) VALUES ($1, $2) ON CONFLICT DO NOTHING`, name, gen)
	return err
}

// How purgeRetired deletes a generation's rows from a table: at most
// purgeChunk of them found by the (projection, gen) index; a generation
// with more rows in a pass over the table's heap in physical order,
// purgeBlocks pages at a time (a TID range scan). By the index, each row
// costs a random heap access (10,000 rows took 100–200 ms of the timeline's
// 1.5 million on the bench's database, and more for every chunk after,
// which steps over the index entries of the rows deleted before); 2,048
// pages took about 30 ms, and the whole 900 MB table about 1.7 s.
var (
	purgeChunk  = 10000
	purgeBlocks = 2048
)

// purgeRetired deletes the rows of the retired generations (see migration
// 0007), each statement its own short transaction: one transaction
// deleting a large generation would run for seconds and hold back the
// PostgreSQL event log for every subscriber meanwhile. No reader sees a
// retired generation and no Update writes to one, so the deletes need no
// lock, and the rows of a table all lie within the pages it had when the
// purge began; several processes may purge at once (a row another one is
// deleting is waited for). A generation leaves rm_retired once every
// table has been purged of it.
func (s *ReadStore) purgeRetired(ctx context.Context) error {
	type retired struct {
		name string
		gen  int64
	}
	rows, err := s.pool.Query(ctx, `SELECT projection, gen FROM rm_retired ORDER BY retired_at, projection, gen`)
	if err != nil {
		return s.fail("purge retired generations", err)
	}
	gens, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (retired, error) {
		var g retired
		return g, r.Scan(&g.name, &g.gen)
	})
	if err != nil {
		return s.fail("purge retired generations", err)
	}
	for _, g := range gens {
		for _, t := range genTables {
			if err := s.purgeTable(ctx, t, g.name, g.gen); err != nil {
				return s.fail("purge retired generation", err)
			}
		}
		if _, err := s.pool.Exec(ctx, `DELETE FROM rm_retired WHERE projection = $1 AND gen = $2`, g.name, g.gen); err != nil {
			return s.fail("purge retired generation", err)
		}
	}
	return nil
}

// StartRebuild implements projections.Store. For a projection the store
// does not know yet it first creates live generation 1, as Live does.
func (s *ReadStore) StartRebuild(ctx context.Context, name string) (projections.Target, error) {
	if err := s.check(ctx); err != nil {
		return projections.Target{}, err
	}
	mu := s.projLock(name)
	mu.Lock()
	unlock := sync.OnceFunc(mu.Unlock) // before the purge, which needs no lock
	defer unlock()
	var gen, dropped int64
	err := s.inTx(ctx, "start rebuild", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO rm_projections (name, live_gen, last_gen) VALUES ($1, 1, 1) ON CONFLICT (name) DO NOTHING`, name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sqlLockProjection, name); err != nil {
			return err
		}
		var last int64
		if err := tx.QueryRow(ctx, `SELECT building_gen, last_gen FROM rm_projections WHERE name = $1`, name).Scan(&dropped, &last); err != nil {
			return err
		}
		if dropped != 0 {
			if err := retireGeneration(ctx, tx, name, dropped); err != nil {
				return err
			}
		}
		gen = last + 1
		_, err := tx.Exec(ctx, `UPDATE rm_projections SET building_gen = $2, building_commit = 0, building_prepare = 0,
    building_seq = 0, building_updated_at = NULL, last_gen = $2 WHERE name = $1`, name, gen)
		return err
	})
	if dropped != 0 {
		s.dropCache(genKey{name, dropped})
	}
	if err != nil {
		return projections.Target{}, err
	}
	unlock()
	if err := s.purgeRetired(ctx); err != nil {
		return projections.Target{}, err
	}
	return projections.Target{Name: name, Generation: gen}, nil
}

// purgeTable deletes generation gen of projection name from table t (see
// purgeRetired).
func (s *ReadStore) purgeTable(ctx context.Context, t, name string, gen int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM `+t+` WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM `+t+` WHERE projection = $1 AND gen = $2 LIMIT `+strconv.Itoa(purgeChunk)+`))`, name, gen)
	if err != nil || tag.RowsAffected() < int64(purgeChunk) {
		return err // the index held no more of the generation's rows
	}
	// The generation's rows lie within the table's pages of now: none
	// has been added since it was retired.
	var pages int64
	if err := s.pool.QueryRow(ctx, `SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int8`, t).Scan(&pages); err != nil {
		return err
	}
	for from := int64(0); from < pages; from += int64(purgeBlocks) {
		if _, err := s.pool.Exec(ctx, `DELETE FROM `+t+` WHERE ctid >= $3::tid AND ctid < $4::tid AND projection = $1 AND gen = $2`,
			name, gen, fmt.Sprintf("(%d,0)", from), fmt.Sprintf("(%d,0)", from+int64(purgeBlocks))); err != nil {
			return err
		}
	}
	return nil
}

// Promote implements projections.Store: in one transaction the building
// generation becomes the live one, the old live generation is retired and
// the term references of the new one are counted; then the old
// generation's rows are deleted in small transactions (purgeRetired) and
// the tables analysed. An error after the switch (of the purge, say)
// leaves the new generation live; what the purge left is deleted by the
// next StartRebuild or Promote.
func (s *ReadStore) Promote(ctx context.Context, t projections.Target) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	mu := s.projLock(t.Name)
	mu.Lock()
	unlock := sync.OnceFunc(mu.Unlock) // before the purge, which needs no lock
	defer unlock()
	var old int64
	err := s.inTx(ctx, "promote", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlLockProjection, t.Name); err != nil {
			return err
		}
		var building int64
		err := tx.QueryRow(ctx, `SELECT live_gen, building_gen FROM rm_projections WHERE name = $1`, t.Name).Scan(&old, &building)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && (building == 0 || building != t.Generation)) {
			return &keepError{retired(t)}
		}
		if err != nil {
			return err
		}
		if err := retireGeneration(ctx, tx, t.Name, old); err != nil {
			return err
		}
		// The term references of the new live generation (Updates of a
		// building generation do not count them).
		if _, err := tx.Exec(ctx, `DELETE FROM rm_term_refs WHERE projection = $1 AND gen = $2`, t.Name, t.Generation); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rm_term_refs (term_id, projection, gen, n)
SELECT x.t >> 2, $1, $2, count(*) FROM (
    SELECT unnest(o.terms) AS t FROM rm_offers o WHERE o.projection = $1 AND o.gen = $2
    UNION ALL
    SELECT unnest(g.terms) FROM rm_orgs g WHERE g.projection = $1 AND g.gen = $2) x
GROUP BY 1`, t.Name, t.Generation); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE rm_projections SET live_gen = building_gen, live_commit = building_commit,
    live_prepare = building_prepare, live_seq = building_seq, live_updated_at = building_updated_at,
    building_gen = 0, building_commit = 0, building_prepare = 0, building_seq = 0, building_updated_at = NULL
WHERE name = $1`, t.Name)
		return err
	})
	if err != nil {
		return err
	}
	s.dropCache(genKey{t.Name, old})
	s.liveMu.Lock()
	s.live[t.Name] = t.Generation
	s.liveMu.Unlock()
	unlock()
	if err := s.purgeRetired(ctx); err != nil {
		return err
	}
	// The new generation replaced every row of the projection at once:
	// refresh the planner's statistics now rather than when autovacuum
	// gets to it, or the first queries plan with the old generation's.
	// And move the term indexes' pending entries (GIN fast update: a
	// rebuild leaves up to gin_pending_list_limit of them, which every
	// search would otherwise scan one by one) into the index proper.
	// Only the tables of what the projection owns.
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT kind FROM rm_owners WHERE projection = $1`, t.Name)
	if err != nil {
		return s.fail("analyze after promote", err)
	}
	kinds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return s.fail("analyze after promote", err)
	}
	tables := map[string]bool{}
	var gins []string
	for _, k := range kinds {
		switch k {
		case ownDoc:
			tables["rm_docs"], tables["rm_doc_keys"] = true, true
		case ownOffers:
			tables["rm_offers"], tables["rm_terms"], tables["rm_term_refs"] = true, true, true
			gins = append(gins, "rm_offers_terms")
		case ownOrgs:
			tables["rm_orgs"], tables["rm_terms"], tables["rm_term_refs"] = true, true, true
			gins = append(gins, "rm_orgs_terms")
		case ownCounter:
			tables["rm_counters"] = true
		case ownEvidence:
			tables["rm_evidence"] = true
		}
	}
	if len(tables) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(`ANALYZE ` + strings.Join(slices.Sorted(maps.Keys(tables)), ", "))
	for _, ix := range gins {
		b.Queue(`SELECT gin_clean_pending_list($1::regclass)`, ix)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return s.fail("analyze after promote", err)
	}
	return nil
}

// Update implements projections.Store (see ReadStore).
func (s *ReadStore) Update(ctx context.Context, p projections.Target, from, to domain.Position, fn func(tx projections.Tx) error) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	mu := s.projLock(p.Name)
	mu.Lock()
	defer mu.Unlock()

	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.fail("update", err)
	}
	defer conn.Release()
	inTx := false
	defer func() {
		if inTx {
			s.rollback(conn)
		}
	}()

	b := &pgx.Batch{}
	b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
	b.Queue("SET LOCAL synchronous_commit = off")
	b.Queue(sqlLockProjection, p.Name)
	b.Queue(sqlProjectionRow, p.Name)
	br := conn.SendBatch(ctx, b)
	inTx = true
	var row projRow
	err = func() error {
		for range 3 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		var err error
		row, err = scanProjRow(br.QueryRow())
		return err
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return retired(p)
	}
	if err != nil {
		return s.fail("update", err)
	}
	var (
		building   bool
		checkpoint domain.Position
		seq        int64
	)
	switch {
	case p.Generation == row.liveGen:
		checkpoint, seq = row.live, row.liveSeq
	case row.buildingGen != 0 && p.Generation == row.buildingGen:
		building, checkpoint, seq = true, row.building, row.buildingSeq
	default:
		s.dropCache(genKey{p.Name, p.Generation})
		return retired(p)
	}
	if checkpoint != from {
		return &projections.StaleError{Target: p, Checkpoint: checkpoint}
	}

	c := s.cacheFor(genKey{p.Name, p.Generation}, seq)
	tx := newReadTx(s, conn.Conn(), p, c)
	err = fn(tx)
	tx.done = true
	if err != nil {
		return err
	}
	newSeq, err := tx.commit(ctx, building, to)
	if err != nil {
		// The outcome of a failed COMMIT is unknown: forget the cache.
		s.dropCache(genKey{p.Name, p.Generation})
		return s.fail("update "+p.Name, err)
	}
	inTx = false
	tx.applyToCaches(newSeq)
	return nil
}

// rollback ends a transaction left open, so the connection goes back to
// the pool clean.
func (s *ReadStore) rollback(conn *pgxpool.Conn) {
	pc := conn.Conn().PgConn()
	if pc.IsClosed() || pc.TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		// pgxpool closes a connection released in a transaction.
		_ = pc.Close(ctx)
	}
}

// ownerLive is the SQL of the projection owning a category and its live
// generation: kind and name are the parameters $k and $n.
func ownerLive(kind, name string) string {
	return `SELECT r.projection, p.live_gen AS gen FROM rm_owners r JOIN rm_projections p ON p.name = r.projection WHERE r.kind = ` + kind + ` AND r.name = ` + name
}
