package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/domain"
)

// event returns a valid event whose body names i.
func event(i int) domain.EventData {
	return domain.EventData{
		ID:            domain.NewEventID(),
		Type:          "Tested",
		SchemaVersion: 1,
		Data:          json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
		Actor:         "user:test",
	}
}

// migratedDatabase returns the URL of a fresh, migrated database.
func migratedDatabase(t testing.TB) string {
	t.Helper()
	url := pgtest.NewDatabase(t)
	pool := newPool(t, url)
	if _, err := Migrate(testCtx(t), pool, quiet); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	return url
}

// openStore opens a store on url, closed when t ends.
func openStore(t testing.TB, url string, opts Options) *Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	s, err := Open(testCtx(t), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustAppend(t testing.TB, s domain.EventStore, stream string, evs ...domain.EventData) domain.AppendResult {
	t.Helper()
	res, err := s.Append(testCtx(t), stream, domain.Any, evs)
	if err != nil {
		t.Fatalf("append to %s: %v", stream, err)
	}
	return res
}

func TestVersionRangeAgreesWithCheck(t *testing.T) {
	exps := []domain.ExpectedVersion{domain.Any, domain.NoStream, domain.StreamExists, domain.Exact(0), domain.Exact(1), domain.Exact(2), domain.Exact(math.MaxInt64), domain.Exact(math.MaxUint64)}
	for _, e := range exps {
		lo, hi := versionRange(e)
		for _, cur := range []uint64{0, 1, 2, 3, math.MaxInt64} {
			if sql, want := lo <= int64(cur) && int64(cur) <= hi, e.Check(cur); sql != want {
				t.Errorf("expected %s, current %d: SQL range [%d, %d] says %v, Check says %v", e, cur, lo, hi, sql, want)
			}
		}
	}
}

// TestReadAllNeverSkips proves the bound of the global read: transaction A
// takes its id first but commits last; B commits in between. Reading B
// before A commits would let a reader that stored B's position skip A.
func TestReadAllNeverSkips(t *testing.T) {
	url := migratedDatabase(t)
	// s never waits for held-back events; patient does (the xmin bound is
	// cluster-wide: transactions of other databases, e.g. of tests running
	// in parallel, hold events back briefly too).
	s := openStore(t, url, Options{HeldWait: -1})
	patient := openStore(t, url, Options{HeldWait: 30 * time.Second})
	ctx := testCtx(t)

	// A: an append begun as Append does it, not committed, holding a small
	// transaction id.
	a, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	txA, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer txA.Rollback(context.Background())
	evA := event(1)
	if _, err := txA.Exec(ctx, sqlLockStream, "stream-a"); err != nil {
		t.Fatal(err)
	}
	var xidA int64
	err = txA.QueryRow(ctx, `INSERT INTO nisa_events (event_id, stream_id, stream_version, event_type, schema_version, data, actor)
		VALUES ($1, 'stream-a', 1, $2, $3, $4::text::json, $5) RETURNING transaction_id`,
		evA.ID, evA.Type, evA.SchemaVersion, string(evA.Data), evA.Actor).Scan(&xidA)
	if err != nil {
		t.Fatal(err)
	}

	// B: a later transaction, committed.
	resB := mustAppend(t, s, "stream-b", event(2))
	posB := resB.Events[0].Position
	if posB.Commit <= uint64(xidA) {
		t.Fatalf("B's transaction id %d is not above A's %d", posB.Commit, xidA)
	}

	// B is committed and readable by id, but the global read holds it back.
	if evs, err := s.ReadStream(ctx, "stream-b", domain.ReadStreamOptions{}); err != nil || len(evs) != 1 {
		t.Fatalf("read stream-b = %d events, %v; want B", len(evs), err)
	}
	got, err := s.ReadAll(ctx, domain.Start, 100)
	if err != nil || len(got) != 0 {
		t.Fatalf("ReadAll while A is open = %v, %v; want nothing (B must wait for A)", got, err)
	}
	if _, held, err := s.readPage(ctx, domain.Start, 100); err != nil || !held {
		t.Errorf("readPage while A is open: held = %v, %v; want true", held, err)
	}
	if head, err := s.Head(ctx); err != nil || head != domain.Start {
		t.Errorf("Head while A is open = %s, %v; want Start", head, err)
	}

	// A subscriber started now delivers nothing before A commits, then A and B.
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type item struct {
		ev  domain.Event
		err error
	}
	sub := make(chan item, 10)
	go func() {
		for ev, err := range s.Subscribe(sctx, domain.Start) {
			sub <- item{ev, err}
			if err != nil {
				return
			}
		}
	}()

	if err := txA.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got = nil
	for len(got) < 2 { // transactions of other databases may still hold B back
		page, err := patient.ReadAll(ctx, pos(got), 100)
		if err != nil || len(page) == 0 {
			t.Fatalf("ReadAll after A committed = %d events, %v; want A then B", len(got)+len(page), err)
		}
		got = append(got, page...)
	}
	if len(got) != 2 {
		t.Fatalf("ReadAll after A committed = %d events, %v; want A then B", len(got), err)
	}
	if got[0].ID != evA.ID || got[1].ID != resB.Events[0].ID || !got[0].Position.Less(got[1].Position) {
		t.Errorf("ReadAll after A committed = %s@%s, %s@%s; want A then B", got[0].ID, got[0].Position, got[1].ID, got[1].Position)
	}
	// Nobody woke the subscriber (A committed outside any store), so the
	// held-back retry of the follower must find A within its backoff.
	for i, want := range []domain.EventID{evA.ID, resB.Events[0].ID} {
		select {
		case it := <-sub:
			if it.err != nil || it.ev.ID != want {
				t.Fatalf("subscription event %d = %s, %v; want %s", i, it.ev.ID, it.err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("subscription delivered %d events in 5s, want A and B", i)
		}
	}
	if head, err := patient.Head(ctx); err != nil || head != posB {
		t.Errorf("Head after A committed = %s, %v; want %s", head, err, posB)
	}
}

// TestReadAllWaitsForOlderTransactions: with the default HeldWait, a read
// right after an acknowledged append sees it even while an older
// transaction is in flight, once that transaction ends.
func TestReadAllWaitsForOlderTransactions(t *testing.T) {
	url := migratedDatabase(t)
	s := openStore(t, url, Options{HeldWait: 30 * time.Second})
	ctx := testCtx(t)
	a, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	txA, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := txA.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil { // takes an id, writes nothing
		t.Fatal(err)
	}
	res := mustAppend(t, s, "stream-b", event(1))
	type result struct {
		evs []domain.Event
		err error
	}
	done := make(chan result, 1)
	go func() {
		evs, err := s.ReadAll(ctx, domain.Start, 10)
		done <- result{evs, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("ReadAll returned %d events, %v while the older transaction is open", len(r.evs), r.err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := txA.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || len(r.evs) != 1 || r.evs[0].ID != res.Events[0].ID {
		t.Fatalf("ReadAll after the older transaction ended = %v, %v; want the append", r.evs, r.err)
	}
}

// pos returns the position of the last event of evs (Start if none).
func pos(evs []domain.Event) domain.Position {
	if len(evs) == 0 {
		return domain.Start
	}
	return evs[len(evs)-1].Position
}

// collectInto runs a subscription in the background and forwards its
// events; it stops when t ends.
func collectInto(t *testing.T, s domain.EventStore, after domain.Position) <-chan domain.Event {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	out := make(chan domain.Event, 100)
	go func() {
		for ev, err := range s.Subscribe(ctx, after) {
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("subscription: %v", err)
				}
				return
			}
			out <- ev
		}
	}()
	return out
}

func expectEvent(t *testing.T, ch <-chan domain.Event, want domain.EventID, within time.Duration) {
	t.Helper()
	start := time.Now()
	select {
	case ev := <-ch:
		if ev.ID != want {
			t.Fatalf("subscription delivered %s, want %s", ev.ID, want)
		}
	case <-time.After(within):
		t.Fatalf("event %s not delivered within %s", want, within)
	}
	t.Logf("delivered after %s", time.Since(start).Round(time.Microsecond))
}

// TestSubscribeWakesAcrossStores: appends of another store (another pool,
// as another process would) wake a subscriber through LISTEN/NOTIFY, far
// sooner than its 10s poll.
func TestSubscribeWakesAcrossStores(t *testing.T) {
	url := migratedDatabase(t)
	reader := openStore(t, url, Options{Poll: 10 * time.Second})
	writer := openStore(t, url, Options{Poll: 10 * time.Second})
	events := collectInto(t, reader, domain.Start)
	for i := range 5 {
		res := mustAppend(t, writer, "remote", event(i))
		expectEvent(t, events, res.Events[0].ID, 2*time.Second)
	}
}

// TestSubscribeWakesLocally: the store's own appends wake its subscribers.
func TestSubscribeWakesLocally(t *testing.T) {
	s := openStore(t, migratedDatabase(t), Options{Poll: 10 * time.Second})
	events := collectInto(t, s, domain.Start)
	for i := range 5 {
		res := mustAppend(t, s, "local", event(i))
		expectEvent(t, events, res.Events[0].ID, 2*time.Second)
	}
}

// TestListenerReconnects: when the listening session is killed, the
// listener reconnects and subscribers still hear of other stores' appends.
func TestListenerReconnects(t *testing.T) {
	url := migratedDatabase(t)
	reader := openStore(t, url, Options{Poll: 10 * time.Second})
	writer := openStore(t, url, Options{Poll: 10 * time.Second})
	events := collectInto(t, reader, domain.Start)
	res := mustAppend(t, writer, "remote", event(0))
	expectEvent(t, events, res.Events[0].ID, 2*time.Second)

	var killed int
	err := writer.Pool().QueryRow(testCtx(t), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN `+Channel+`'`).Scan(&killed)
	if err != nil || killed != 2 { // both stores listen
		t.Fatalf("terminated %d listeners, %v; want 2", killed, err)
	}
	for i := 1; i <= 3; i++ {
		res := mustAppend(t, writer, "remote", event(i))
		expectEvent(t, events, res.Events[0].ID, 3*time.Second)
	}
}

// TestDuplicateIDRacingAnotherStream: an event id inserted by a concurrent,
// not yet committed append to another stream makes the INSERT wait for it
// and then fail on the unique index; that is ErrDuplicateEventID, and the
// connection is rolled back and reusable.
func TestDuplicateIDRacingAnotherStream(t *testing.T) {
	url := migratedDatabase(t)
	s := openStore(t, url, Options{MaxConns: 1}) // the one connection must survive
	ctx := testCtx(t)
	a, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	txA, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer txA.Rollback(context.Background())
	ev := event(1)
	if _, err := txA.Exec(ctx, `INSERT INTO nisa_events (event_id, stream_id, stream_version, event_type, schema_version, data)
		VALUES ($1, 'other', 1, 'Tested', 1, '{}')`, ev.ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, "mine", domain.Any, []domain.EventData{ev})
		done <- err
	}()
	// Wait until the append waits on A's transaction (there is no event to
	// wait on: poll the server's view of it).
	watch := newPool(t, url)
	for {
		var waiting bool
		if err := watch.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'transactionid')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("append returned %v before A committed", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := txA.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, domain.ErrDuplicateEventID) {
		t.Fatalf("append racing A = %v, want ErrDuplicateEventID", err)
	}
	if _, err := s.ReadStream(ctx, "mine", domain.ReadStreamOptions{}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("stream mine after the refused append: %v, want ErrNotFound", err)
	}
	mustAppend(t, s, "mine", event(2)) // the connection is clean
}

// TestDataKeepsExactBytes: json (not jsonb) keeps the body byte for byte.
func TestDataKeepsExactBytes(t *testing.T) {
	s := openStore(t, migratedDatabase(t), Options{})
	ctx := testCtx(t)
	ev := event(0)
	ev.Data = json.RawMessage("{ \"b\" : \"\\u00e9 é <>&\",\n\t\"a\":1.50, \"a\": 2 }")
	ev.CorrelationID, ev.CausationID = "corr", "cause"
	res := mustAppend(t, s, "bytes", ev)
	if string(res.Events[0].Data) != string(ev.Data) {
		t.Errorf("append result data %q", res.Events[0].Data)
	}
	all, err := s.ReadAll(ctx, domain.Start, 10)
	if err != nil || len(all) != 1 {
		t.Fatalf("ReadAll = %v, %v", all, err)
	}
	rs, err := s.ReadStream(ctx, "bytes", domain.ReadStreamOptions{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("ReadStream = %v, %v", rs, err)
	}
	for _, got := range []domain.Event{all[0], rs[0]} {
		if !got.SameContent(ev) || string(got.Data) != string(ev.Data) {
			t.Errorf("read back %+v, want %+v", got.EventData, ev)
		}
		if got.RecordedAt.Location() != time.UTC || !got.RecordedAt.Equal(res.Events[0].RecordedAt) || got.Position != res.Events[0].Position {
			t.Errorf("read back recorded %v at %s, appended %v at %s", got.RecordedAt, got.Position, res.Events[0].RecordedAt, res.Events[0].Position)
		}
	}
	// A retry returns the original, stored result.
	again, err := s.Append(ctx, "bytes", domain.NoStream, []domain.EventData{ev})
	if err != nil || again.Events[0].Position != res.Events[0].Position || !again.Events[0].RecordedAt.Equal(res.Events[0].RecordedAt) {
		t.Errorf("retry = %+v, %v; want the original", again, err)
	}
}

// TestAppendOrderWithinAndAcrossTransactions: positions follow stream
// versions, within one append and across appends.
func TestAppendOrderWithinAndAcrossTransactions(t *testing.T) {
	s := openStore(t, migratedDatabase(t), Options{})
	var evs []domain.EventData
	for i := range 50 {
		evs = append(evs, event(i))
	}
	first := mustAppend(t, s, "order", evs...)
	second := mustAppend(t, s, "order", event(50), event(51))
	all := append(first.Events, second.Events...)
	for i, ev := range all {
		if ev.StreamVersion != uint64(i+1) {
			t.Errorf("event %d has version %d", i, ev.StreamVersion)
		}
		if i > 0 && !all[i-1].Position.Less(ev.Position) {
			t.Errorf("event %d at %s, not after %s", i, ev.Position, all[i-1].Position)
		}
		if i < 50 && ev.ID != evs[i].ID {
			t.Errorf("event %d is %s, want %s", i, ev.ID, evs[i].ID)
		}
	}
}

// TestCachedPlansStayIndexed: statements prepared (and their generic plans
// cached) while the table is small must not keep sequential scans once it
// has grown; see Open (enable_seqscan). They are planned once per
// connection, never for each execution (plan_cache_mode).
func TestCachedPlansStayIndexed(t *testing.T) {
	s := openStore(t, migratedDatabase(t), Options{MaxConns: 1})
	ctx := testCtx(t)
	for i := range 12 { // more than the 5 custom plans PostgreSQL makes first
		evs := make([]domain.EventData, 10)
		for j := range evs {
			evs[j] = event(j)
		}
		mustAppend(t, s, fmt.Sprint("small-", i), evs...)    // sqlInsertMany
		mustAppend(t, s, fmt.Sprint("single-", i), event(i)) // sqlInsertOne
		var conflict *domain.ConcurrencyError                // sqlAppend, after sqlInsertOne
		if _, err := s.Append(ctx, "small-0", domain.Exact(1), []domain.EventData{event(i)}); !errors.As(err, &conflict) {
			t.Fatalf("append at a wrong version = %v, want a concurrency error", err)
		}
		if _, err := s.ReadAll(ctx, domain.Start, 5); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReadStream(ctx, "small-0", domain.ReadStreamOptions{From: 2, Limit: 3}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReadStream(ctx, "small-0", domain.ReadStreamOptions{Direction: domain.Backwards, From: domain.StreamEnd, Limit: 3}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Head(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pool := s.Pool() // one connection: it holds the cached plans
	if _, err := pool.Exec(ctx, `INSERT INTO nisa_events (event_id, stream_id, stream_version, event_type, schema_version, data)
		SELECT gen_random_uuid(), 'big-' || (g % 1000), g / 1000 + 1, 'T', 1, '{}' FROM generate_series(1, 100000) g`); err != nil {
		t.Fatal(err)
	}
	// With statistics, custom plans would look cheaper than the generic ones.
	if _, err := pool.Exec(ctx, `ANALYZE nisa_events`); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, "single-0", event(0))
	mustAppend(t, s, "small-0", event(0), event(1))
	if _, err := s.Append(ctx, "small-0", domain.Exact(1), []domain.EventData{event(2)}); err == nil {
		t.Fatal("append at a wrong version succeeded")
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	args := map[string]string{
		sqlAppend:        `('big-1', ARRAY[gen_random_uuid()], '{T}', '{1}', '{"{}"}', '{""}', '{""}', '{""}', 0, 0)`,
		sqlInsertMany:    `('big-1', ARRAY[gen_random_uuid()], '{T}', '{1}', '{"{}"}', '{""}', '{""}', '{""}', 0, 0)`,
		sqlInsertOne:     `('big-1', gen_random_uuid(), 'T', 1, '{}', '', '', '', 0, 0)`,
		sqlReadAll:       `(0, 0, 10)`,
		sqlReadForwards:  `('big-1', 1, 10)`,
		sqlReadBackwards: `('big-1', 10, 10)`,
		sqlHead:          ``,
	}
	rows, err := conn.Query(ctx, `SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements`)
	if err != nil {
		t.Fatal(err)
	}
	type prepared struct {
		name, sql       string
		generic, custom int64
	}
	var list []prepared
	for rows.Next() {
		var p prepared
		if err := rows.Scan(&p.name, &p.sql, &p.generic, &p.custom); err != nil {
			t.Fatal(err)
		}
		list = append(list, p)
	}
	rows.Close()
	checked := 0
	for _, p := range list {
		a, ok := args[p.sql]
		if !ok {
			continue
		}
		checked++
		if p.generic == 0 {
			t.Errorf("statement %.40q: no generic plan was used; the test proves nothing for it", p.sql)
		}
		if p.custom != 0 {
			t.Errorf("statement %.40q was planned for %d of its %d executions", p.sql, p.custom, p.custom+p.generic)
		}
		var plan []string
		rows, err := conn.Query(ctx, "EXPLAIN (COSTS OFF) EXECUTE "+p.name+a)
		if err != nil {
			t.Fatalf("explain %.40q: %v", p.sql, err)
		}
		for rows.Next() {
			var line string
			_ = rows.Scan(&line)
			plan = append(plan, line)
		}
		rows.Close()
		for _, line := range plan {
			if strings.Contains(line, "Seq Scan on nisa_events") {
				t.Errorf("cached plan of %.40q scans the whole table:\n%s", p.sql, strings.Join(plan, "\n"))
				break
			}
		}
	}
	if checked != len(args) {
		t.Errorf("found %d of the %d statements among the prepared ones", checked, len(args))
	}
}

// TestAppendCancelledWhileWaitingForTheStream: an append waiting for the
// stream lock honours its context, writes nothing, and leaves the store
// usable.
func TestAppendCancelledWhileWaitingForTheStream(t *testing.T) {
	url := migratedDatabase(t)
	s := openStore(t, url, Options{MaxConns: 2})
	ctx := testCtx(t)
	other, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, sqlLockStream, "busy"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := s.Append(short, "busy", domain.Any, []domain.EventData{event(1)}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("append while the stream is locked elsewhere = %v, want context.DeadlineExceeded", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadStream(ctx, "busy", domain.ReadStreamOptions{}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the cancelled append wrote something: %v", err)
	}
	for i := range 4 { // every connection of the pool still works
		res := mustAppend(t, s, "busy", event(i))
		if res.Version != uint64(i+1) {
			t.Errorf("append %d: version %d", i, res.Version)
		}
	}
}
