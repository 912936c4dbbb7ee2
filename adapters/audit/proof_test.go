package audit_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/domain"
)

func TestInclusionProof(t *testing.T) {
	f := newEmbeddedFixture(t)
	ctx := testCtx(t)
	tree := audit.New(f.store, f.st, nil, audit.Options{})
	ev := f.events[77]
	p, err := tree.InclusionProofOf(ctx, ev.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	head, err := audit.ParseHead(p.Head.Note, f.vkey)
	if err != nil {
		t.Fatalf("the proof's head: %v", err)
	}
	if p.Index != 77 || p.EventID != ev.ID || p.LeafHash != audit.LeafHash(ev) || head.Size != embeddedEvents {
		t.Fatalf("proof %+v", p)
	}
	if err := audit.CheckInclusion(head, p.Index, audit.LeafHash(ev), p.Proof); err != nil {
		t.Fatalf("CheckInclusion: %v", err)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}

	// A wrong leaf, a wrong index and a damaged proof fail.
	fails := map[string]error{
		"other event's leaf": audit.CheckInclusion(head, 77, audit.LeafHash(f.events[78]), p.Proof),
		"wrong index":        audit.CheckInclusion(head, 76, p.LeafHash, p.Proof),
		"index beyond head":  audit.CheckInclusion(head, head.Size, p.LeafHash, p.Proof),
		"damaged proof":      audit.CheckInclusion(head, 77, p.LeafHash, append(tlog.RecordProof{p.Proof[1]}, p.Proof[1:]...)),
	}
	for name, err := range fails {
		if !errors.Is(err, audit.ErrProof) {
			t.Errorf("%s: CheckInclusion = %v, want ErrProof", name, err)
		}
	}

	// Against an earlier size without a signed head: the computed head.
	p, err = tree.InclusionProof(ctx, 10, 100)
	if err != nil || p.Head.Size != 100 || p.Head.Note != "" || p.Check() != nil {
		t.Fatalf("InclusionProof(10, 100) = %+v, %v", p, err)
	}

	// Sizes and indexes beyond the tree.
	for _, c := range []struct{ index, size int64 }{{10, embeddedEvents + 1}, {100, 50}, {embeddedEvents, 0}} {
		_, err := tree.InclusionProof(ctx, c.index, c.size)
		if !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("InclusionProof(%d, %d) = %v, want ErrNotFound", c.index, c.size, err)
		} else {
			t.Logf("InclusionProof(%d, %d): %v", c.index, c.size, err)
		}
	}
	if _, err := tree.InclusionProof(ctx, 10, embeddedEvents+5); err == nil || !strings.Contains(err.Error(), "255") {
		t.Errorf("error %v does not name the size", err)
	}
	if _, err := tree.InclusionProof(ctx, -1, 0); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("InclusionProof(-1) = %v, want ErrInvalid", err)
	}
	if _, err := tree.InclusionProofOf(ctx, domain.NewEventID(), 0); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("InclusionProofOf(unknown) = %v, want ErrNotFound", err)
	}
}

// consistencyFixture signs a head at n1 events, appends, and signs at n2.
type consistencyFixture struct {
	*embeddedFixture
	old, new audit.Head // parsed (verified) signed heads
}

const n1, n2 = 150, 320

func newConsistencyFixture(t *testing.T) *consistencyFixture {
	t.Helper()
	dir := t.TempDir()
	store := openEmbedded(t, dir)
	signer, vkey := testKey(t)
	st := openBolt(t, filepath.Join(dir, "audit.db"))
	appendLog(t, store, n1, "c1")
	tree, h1 := build(t, store, st, signer, vkey)
	appendLog(t, store, n2-n1, "c2")
	h2, err := tree.SignHead(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	old, err1 := audit.ParseHead(h1.Note, vkey)
	new, err2 := audit.ParseHead(h2.Note, vkey)
	if err1 != nil || err2 != nil || old.Size != n1 || new.Size != n2 {
		t.Fatalf("heads %+v, %+v: %v, %v", old, new, err1, err2)
	}
	f := &embeddedFixture{dir: dir, store: store, st: st, events: readLog(t, store), vkey: vkey}
	return &consistencyFixture{embeddedFixture: f, old: old, new: new}
}

func TestConsistencyProof(t *testing.T) {
	f := newConsistencyFixture(t)
	ctx := testCtx(t)
	tree := audit.New(f.store, f.st, nil, audit.Options{})
	c, err := tree.ConsistencyProof(ctx, n1, n2)
	if err != nil {
		t.Fatal(err)
	}
	if c.OldRoot != f.old.Root || c.NewRoot != f.new.Root {
		t.Fatal("the proof's roots differ from the signed heads'")
	}
	if err := audit.CheckConsistency(f.old, f.new, c.Proof); err != nil {
		t.Fatalf("CheckConsistency: %v", err)
	}
	// The proof does not fit other sizes.
	if err := audit.CheckConsistency(audit.Head{Size: n1 - 1, Root: f.old.Root}, f.new, c.Proof); !errors.Is(err, audit.ErrProof) {
		t.Errorf("CheckConsistency at a wrong size = %v", err)
	}
	if _, err := tree.ConsistencyProof(ctx, n1, n2+1); !errors.Is(err, domain.ErrNotFound) || !strings.Contains(err.Error(), "321") {
		t.Errorf("ConsistencyProof beyond the tree = %v, want ErrNotFound naming 321", err)
	}
	if _, err := tree.ConsistencyProof(ctx, 0, n2); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("ConsistencyProof(0, n) = %v, want ErrInvalid", err)
	}
	if _, err := tree.ConsistencyProof(ctx, n2, n1); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("ConsistencyProof(new, old) = %v, want ErrInvalid", err)
	}
}

// TestConsistencyFailsAfterTamperedTreeHash rewrites a stored tree hash
// (the complete subtree of leaves 0..127): the tree can no longer prove
// that it extends the old signed head.
func TestConsistencyFailsAfterTamperedTreeHash(t *testing.T) {
	f := newConsistencyFixture(t)
	path := filepath.Join(f.dir, "audit.db")
	if err := f.st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("hashes"))
		k := binary.BigEndian.AppendUint64(nil, uint64(tlog.StoredHashIndex(7, 0)))
		h := bytes.Clone(b.Get(k))
		h[0] ^= 1
		return b.Put(k, h)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	st := openBolt(t, path)
	tree := audit.New(f.store, st, nil, audit.Options{})
	c, err := tree.ConsistencyProof(testCtx(t), n1, n2)
	if err != nil {
		t.Fatal(err)
	}
	current := audit.Head{Size: n2, Root: c.NewRoot}
	err = audit.CheckConsistency(f.old, current, c.Proof)
	if !errors.Is(err, audit.ErrProof) {
		t.Fatalf("CheckConsistency against the old signed head = %v, want ErrProof", err)
	}
	t.Logf("as wanted: %v", err)
	if rep := verify(t, f.store, st, f.vkey); rep.OK {
		t.Fatal("Verify passed a tampered tree hash")
	} else {
		t.Logf("verify: %s", rep)
	}
}

// TestConsistencyFailsAfterTamperedEvent alters an event before the old
// head and builds a fresh tree from the tampered log: that tree cannot
// prove it extends the old signed head.
func TestConsistencyFailsAfterTamperedEvent(t *testing.T) {
	f := newConsistencyFixture(t)
	ev := f.events[20]
	f.tamper(t, func(b *bolt.Bucket) error {
		rec := bytes.Clone(b.Get(key(ev)))
		_, off := alterNote(t, ev.Data)
		rec[len(rec)-len(ev.Data)+off] -= 'a' - 'A'
		return b.Put(key(ev), rec)
	})
	st := openBolt(t, filepath.Join(t.TempDir(), "fresh.db"))
	tree := audit.New(f.store, st, nil, audit.Options{})
	if size, err := tree.CatchUp(testCtx(t)); err != nil || size != n2 {
		t.Fatalf("CatchUp = %d, %v", size, err)
	}
	c, err := tree.ConsistencyProof(testCtx(t), n1, n2)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckConsistency(f.old, audit.Head{Size: n2, Root: c.NewRoot}, c.Proof); !errors.Is(err, audit.ErrProof) {
		t.Fatalf("CheckConsistency against the old signed head = %v, want ErrProof", err)
	}
	// And the inclusion proof of the altered event against the new signed
	// head fails too.
	p, err := tree.InclusionProof(testCtx(t), 20, n2)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckInclusion(f.new, 20, p.LeafHash, p.Proof); !errors.Is(err, audit.ErrProof) {
		t.Fatalf("CheckInclusion of the altered event = %v, want ErrProof", err)
	}
}
