package audit_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/domain"
)

const embeddedEvents = 250

// embeddedFixture is an embedded store with a log of embeddedEvents
// events, its tree (audit.db beside events.db) built and a head signed.
type embeddedFixture struct {
	dir    string
	store  *embedded.Store
	st     *audit.BoltStorage
	events []domain.Event
	vkey   string
}

func newEmbeddedFixture(t *testing.T) *embeddedFixture {
	t.Helper()
	dir := t.TempDir()
	store := openEmbedded(t, dir)
	appendLog(t, store, embeddedEvents, "emb")
	signer, vkey := testKey(t)
	st := openBolt(t, filepath.Join(dir, "audit.db"))
	build(t, store, st, signer, vkey)
	return &embeddedFixture{dir: dir, store: store, st: st, events: readLog(t, store), vkey: vkey}
}

// tamper closes the store, changes events.db with fn and reopens it.
func (f *embeddedFixture) tamper(t *testing.T, fn func(events *bolt.Bucket) error) {
	t.Helper()
	if err := f.store.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(f.dir, "events.db"), 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return fn(tx.Bucket([]byte("events"))) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	f.store = openEmbedded(t, f.dir)
}

// key is the events bucket key of ev.
func key(ev domain.Event) []byte { return binary.BigEndian.AppendUint64(nil, ev.Position.Commit) }

func TestEmbeddedVerifyAltered(t *testing.T) {
	f := newEmbeddedFixture(t)
	ev := f.events[123]
	f.tamper(t, func(b *bolt.Bucket) error {
		rec := bytes.Clone(b.Get(key(ev)))
		// The data is the end of the record: alter one byte of its body.
		_, off := alterNote(t, ev.Data)
		i := len(rec) - len(ev.Data) + off
		if !bytes.Equal(rec[len(rec)-len(ev.Data):], ev.Data) {
			t.Fatal("the record does not end with the data")
		}
		rec[i] -= 'a' - 'A'
		return b.Put(key(ev), rec)
	})
	if got := readLog(t, f.store)[123].Data; bytes.Equal(got, ev.Data) {
		t.Fatal("the tampering did not change the data")
	}
	wantProblem(t, verify(t, f.store, f.st, f.vkey), audit.KindAltered, 123, ev)
}

func TestEmbeddedVerifyMissing(t *testing.T) {
	f := newEmbeddedFixture(t)
	ev := f.events[60]
	f.tamper(t, func(b *bolt.Bucket) error { return b.Delete(key(ev)) })
	wantProblem(t, verify(t, f.store, f.st, f.vkey), audit.KindMissing, 60, ev)
}

func TestEmbeddedVerifyReordered(t *testing.T) {
	f := newEmbeddedFixture(t)
	// Exchange the records at two adjacent keys; each keeps its own
	// position inside, so the log reads them in the exchanged order.
	a, b := f.events[90], f.events[91]
	f.tamper(t, func(bk *bolt.Bucket) error {
		ra, rb := bytes.Clone(bk.Get(key(a))), bytes.Clone(bk.Get(key(b)))
		if err := bk.Put(key(a), rb); err != nil {
			return err
		}
		return bk.Put(key(b), ra)
	})
	wantProblem(t, verify(t, f.store, f.st, f.vkey), audit.KindReordered, 90, a)
}

// TestEmbeddedVerifyUnreadable damages a record so that the store cannot
// decode it (the codec has no checksum: only a damaged length or version
// makes a record unreadable); Verify reports it as altered at its leaf.
func TestEmbeddedVerifyUnreadable(t *testing.T) {
	f := newEmbeddedFixture(t)
	ev := f.events[200]
	f.tamper(t, func(b *bolt.Bucket) error {
		rec := bytes.Clone(b.Get(key(ev)))
		return b.Put(key(ev), rec[:len(rec)-1]) // the data's length prefix now overruns the record
	})
	rep := verify(t, f.store, f.st, f.vkey)
	wantProblem(t, rep, audit.KindAltered, 200, ev)
	if !strings.Contains(rep.Problem.Detail, "cannot read") {
		t.Errorf("detail %q does not say the event cannot be read", rep.Problem.Detail)
	}
}

func TestEmbeddedRunSigns(t *testing.T) {
	dir := t.TempDir()
	store := openEmbedded(t, dir)
	st := openBolt(t, filepath.Join(dir, "audit.db"))
	signer, vkey := testKey(t)
	tree := audit.New(store, st, signer, audit.Options{SignInterval: 20 * time.Millisecond, Batch: 16})
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() { done <- tree.Run(ctx) }()
	appendLog(t, store, 120, "run")
	deadline := time.Now().Add(30 * time.Second)
	for {
		h, ok, err := st.LatestHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok && h.Size == 120 {
			if _, err := audit.ParseHead(h.Note, vkey); err != nil {
				t.Fatalf("signed head: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("latest head %+v, want size 120", h)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if rep := verify(t, store, st, vkey); !rep.OK || rep.Checked != 120 {
		t.Fatalf("Verify = %s", rep)
	}
}
