package audit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/domain"
)

const pgEvents = 300

// pgFixture is a PostgreSQL store with a log of pgEvents events, its tree
// built and a head signed.
type pgFixture struct {
	store  *postgres.Store
	st     *audit.PGStorage
	events []domain.Event
	head   audit.Head
	vkey   string
}

func newPGFixture(t *testing.T) *pgFixture {
	t.Helper()
	store, _ := newPG(t)
	appendLog(t, store, pgEvents, "pg")
	signer, vkey := testKey(t)
	st := audit.NewPGStorage(store.Pool())
	_, head := build(t, store, st, signer, vkey)
	if head.Size != pgEvents {
		t.Fatalf("signed head of size %d, want %d", head.Size, pgEvents)
	}
	return &pgFixture{store: store, st: st, events: readLog(t, store), head: head, vkey: vkey}
}

func (f *pgFixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	tag, err := f.store.Pool().Exec(testCtx(t), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if tag.RowsAffected() != 1 {
		t.Fatalf("%s: %d rows affected, want 1", sql, tag.RowsAffected())
	}
}

func TestPostgresVerifyAltered(t *testing.T) {
	f := newPGFixture(t)
	ev := f.events[137]
	data, _ := alterNote(t, ev.Data)
	f.exec(t, `UPDATE nisa_events SET data = $1::text::json WHERE event_id = $2`, string(data), ev.ID.String())
	wantProblem(t, verify(t, f.store, f.st, f.vkey), audit.KindAltered, 137, ev)

	// An export over the altered event refuses to write the bundle.
	signer, _ := testKey(t)
	_, err := audit.Export(testCtx(t), &bytes.Buffer{}, f.store, f.st, signer, f.vkey, 100, 150)
	if err == nil {
		t.Fatal("Export over an altered event succeeded")
	}
	t.Logf("export: %v", err)
}

func TestPostgresVerifyMissing(t *testing.T) {
	f := newPGFixture(t)
	ev := f.events[42]
	f.exec(t, `DELETE FROM nisa_events WHERE event_id = $1`, ev.ID.String())
	rep := verify(t, f.store, f.st, f.vkey)
	wantProblem(t, rep, audit.KindMissing, 42, ev)
	if rep.Problem.FoundEventID != f.events[43].ID.String() {
		t.Errorf("found %s, want the next event %s", rep.Problem.FoundEventID, f.events[43].ID)
	}
}

func TestPostgresVerifyMissingLast(t *testing.T) {
	f := newPGFixture(t)
	ev := f.events[pgEvents-1]
	f.exec(t, `DELETE FROM nisa_events WHERE event_id = $1`, ev.ID.String())
	wantProblem(t, verify(t, f.store, f.st, f.vkey), audit.KindMissing, pgEvents-1, ev)
}

func TestPostgresVerifyReordered(t *testing.T) {
	f := newPGFixture(t)
	// Two adjacent events of different transactions: exchanging their
	// transaction ids exchanges their places in the log.
	k := 200
	for f.events[k].Position.Commit == f.events[k+1].Position.Commit {
		k++
	}
	a, b := f.events[k], f.events[k+1]
	f.exec(t, `UPDATE nisa_events SET transaction_id = -1 WHERE event_id = $1`, a.ID.String())
	f.exec(t, `UPDATE nisa_events SET transaction_id = $1 WHERE event_id = $2`, int64(a.Position.Commit), b.ID.String())
	f.exec(t, `UPDATE nisa_events SET transaction_id = $1 WHERE event_id = $2`, int64(b.Position.Commit), a.ID.String())
	log := readLog(t, f.store)
	if log[k].ID != b.ID || log[k+1].ID != a.ID {
		t.Fatal("the swap did not reorder the log")
	}
	rep := verify(t, f.store, f.st, f.vkey)
	wantProblem(t, rep, audit.KindReordered, int64(k), a)
	if rep.Problem.FoundEventID != b.ID.String() {
		t.Errorf("found %s, want %s", rep.Problem.FoundEventID, b.ID)
	}
}

func TestPostgresVerifyUnexpected(t *testing.T) {
	f := newPGFixture(t)
	// An event inserted into the past of the log, with a transaction id
	// just below that of the first event of a transaction.
	k := 10
	for f.events[k-1].Position.Commit == f.events[k].Position.Commit {
		k++
	}
	ev := f.events[k]
	f.exec(t, `INSERT INTO nisa_events (transaction_id, event_id, stream_id, stream_version, event_type, schema_version, data)
VALUES ($1, gen_random_uuid(), 'offer-forged', 1, 'OfferPublished', 1, '{}')`, int64(ev.Position.Commit)-1)
	rep := verify(t, f.store, f.st, f.vkey)
	wantProblem(t, rep, audit.KindUnexpected, int64(k), ev)
}

func TestPostgresVerifyRewrittenLeafCaughtBySignedHead(t *testing.T) {
	f := newPGFixture(t)
	ev := f.events[77]
	data, _ := alterNote(t, ev.Data)
	f.exec(t, `UPDATE nisa_events SET data = $1::text::json WHERE event_id = $2`, string(data), ev.ID.String())
	altered := readLog(t, f.store)[77]
	h := audit.LeafHash(altered)
	f.exec(t, `UPDATE nisa_audit_leaves SET leaf_hash = $1 WHERE event_id = $2`, h[:], ev.ID.String())

	rep := verify(t, f.store, f.st, f.vkey)
	if rep.OK || rep.Problem.Kind != audit.KindHeadMismatch || rep.Problem.HeadSize != f.head.Size {
		t.Fatalf("Verify = %s; want head_mismatch for the head of size %d", rep, f.head.Size)
	}
	t.Logf("reported: %s", rep)
}

func TestPostgresVerifyTamperedStoredHash(t *testing.T) {
	f := newPGFixture(t)
	f.exec(t, `UPDATE nisa_audit_hashes SET hash = sha256(hash) WHERE idx = 5`)
	rep := verify(t, f.store, f.st, f.vkey)
	if rep.OK || rep.Problem.Kind != audit.KindHashMismatch {
		t.Fatalf("Verify = %s; want hash_mismatch", rep)
	}
	t.Logf("reported: %s", rep)
}

func TestPostgresVerifyBadSignature(t *testing.T) {
	f := newPGFixture(t)
	_, otherKey := testKey(t)
	rep := verify(t, f.store, f.st, otherKey)
	if rep.OK || rep.Problem.Kind != audit.KindBadSignature || rep.Problem.HeadSize != f.head.Size {
		t.Fatalf("Verify with another key = %s; want bad_signature", rep)
	}
	// Without a key the roots are still checked.
	if rep := verify(t, f.store, f.st, ""); !rep.OK || rep.SignaturesChecked {
		t.Fatalf("Verify without key = %s", rep)
	}
}

func TestPostgresVerifyNotYetInTree(t *testing.T) {
	f := newPGFixture(t)
	appendLog(t, f.store, 25, "late")
	var calls int
	rep, err := audit.Verify(testCtx(t), f.store, f.st, f.vkey, func(done, total int64) {
		calls++
		if done > total || total != pgEvents {
			t.Errorf("progress(%d, %d)", done, total)
		}
	})
	if err != nil || !rep.OK || rep.NotYetInTree != 25 || rep.Checked != pgEvents || rep.Heads != 1 || calls == 0 {
		t.Fatalf("Verify = %s, %v (progress calls %d)", rep, err, calls)
	}
	t.Log(rep)
}

// TestPostgresConcurrentBuilders runs two Trees, on two connection pools
// (as two server processes would), while writers append: both must end
// with the same, complete records, and neither may log a conflict.
func TestPostgresConcurrentBuilders(t *testing.T) {
	storeA, url := newPG(t)
	storeB := openPG(t, url)
	signer, vkey := testKey(t)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	stA, stB := audit.NewPGStorage(storeA.Pool()), audit.NewPGStorage(storeB.Pool())
	opts := audit.Options{Batch: 7, SignInterval: 30 * time.Millisecond, Logger: logger}
	treeA := audit.New(storeA, stA, signer, opts)
	treeB := audit.New(storeB, stB, signer, opts)

	appendLog(t, storeA, 40, "before")
	ctx, cancel := context.WithCancel(testCtx(t))
	var wg sync.WaitGroup
	runErr := make(chan error, 2)
	for _, tree := range []*audit.Tree{treeA, treeB} {
		wg.Go(func() { runErr <- tree.Run(ctx) })
	}
	// A third builder: CatchUp in a loop, on B's storage.
	treeC := audit.New(storeB, stB, nil, audit.Options{Batch: 5, Logger: logger})
	wg.Go(func() {
		for ctx.Err() == nil {
			if _, err := treeC.CatchUp(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("CatchUp: %v", err)
				return
			}
		}
	})
	var writers sync.WaitGroup
	for _, tag := range []string{"w1", "w2", "w3", "w4"} {
		writers.Go(func() { appendLog(t, storeA, 60, tag) })
	}
	writers.Wait()
	const total = 40 + 4*60
	deadline := time.Now().Add(time.Minute)
	for {
		a, errA := stA.Size(ctx)
		h, ok, errH := stA.LatestHead(ctx)
		if errA != nil || errH != nil {
			t.Fatal(errA, errH)
		}
		if a == total && ok && h.Size == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tree size %d, latest head %d; want %d", a, h.Size, total)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	close(runErr)
	for err := range runErr {
		if err != nil {
			t.Errorf("Run = %v, want nil after cancel", err)
		}
	}
	if s := logs.String(); strings.Contains(s, "level=ERROR") {
		t.Errorf("builders logged errors:\n%s", s)
	}
	t.Logf("appends lost to another builder: %d", strings.Count(logs.String(), "another builder appended first"))
	leavesA, err := stA.Leaves(testCtx(t), 0, total+10)
	if err != nil {
		t.Fatal(err)
	}
	leavesB, err := stB.Leaves(testCtx(t), 0, total+10)
	if err != nil {
		t.Fatal(err)
	}
	log := readLog(t, storeA)
	if len(leavesA) != total || len(leavesB) != total || len(log) != total {
		t.Fatalf("%d and %d leaves for %d events, want %d", len(leavesA), len(leavesB), len(log), total)
	}
	for i, ev := range log {
		if leavesA[i] != leavesB[i] || leavesA[i].EventID != ev.ID || leavesA[i].Hash != audit.LeafHash(ev) || leavesA[i].Index != int64(i) {
			t.Fatalf("leaf %d: %+v / %+v, event %s", i, leavesA[i], leavesB[i], ev.ID)
		}
	}
	for _, st := range []audit.Storage{stA, stB} {
		if rep := verify(t, storeB, st, vkey); !rep.OK || rep.Checked != total {
			t.Fatalf("Verify = %s", rep)
		}
	}
	heads, err := stB.Heads(testCtx(t))
	if err != nil || len(heads) == 0 {
		t.Fatalf("Heads = %d, %v", len(heads), err)
	}
	t.Logf("%d leaves, %d signed heads", total, len(heads))
}

func TestPostgresStaleAppend(t *testing.T) {
	store, _ := newPG(t)
	st := audit.NewPGStorage(store.Pool())
	appendLog(t, store, 3, "stale")
	tree := audit.New(store, st, nil, audit.Options{})
	if _, err := tree.CatchUp(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	err := st.Append(testCtx(t), 2, []audit.LeafRecord{{Index: 2}}, nil)
	if err == nil {
		t.Fatal("Append with a wrong size succeeded")
	}
	// With a consistent argument list the size check answers ErrStale.
	err = st.Append(testCtx(t), 0, []audit.LeafRecord{{Index: 0}}, make([]tlog.Hash, 1))
	if !errors.Is(err, audit.ErrStale) {
		t.Fatalf("Append at size 0 of a tree of 3 = %v, want ErrStale", err)
	}
}
