package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/adapters/postgres"
	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/domain"
)

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// testKey returns a fresh signing key and its verifier key.
func testKey(t testing.TB) (note.Signer, string) {
	t.Helper()
	signer, vkey, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"), "nisa-test")
	if err != nil {
		t.Fatal(err)
	}
	return signer, vkey
}

// openPG opens a PostgreSQL store on url and migrates it.
func openPG(t testing.TB, url string) *postgres.Store {
	t.Helper()
	ctx := testCtx(t)
	s, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := postgres.Migrate(ctx, s.Pool(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return s
}

// newPG returns a migrated store on a fresh database and the database URL.
func newPG(t testing.TB) (*postgres.Store, string) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	return openPG(t, url), url
}

// openEmbedded opens the embedded store in dir.
func openEmbedded(t testing.TB, dir string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openBolt opens the tree storage at path.
func openBolt(t testing.TB, path string) *audit.BoltStorage {
	t.Helper()
	st, err := audit.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var streams = []string{"offer-alpha", "offer-beta", "organisation-gamma", "meeting-delta", "exchangevisit-epsilon"}

// body returns the data of the k-th test event: compact JSON, JSON with
// spaces (leaf form data_text) and non-ASCII text in turn. Every body has
// a "note" string of lower-case letters to alter.
func body(k int) json.RawMessage {
	switch k % 3 {
	case 0:
		return json.RawMessage(fmt.Sprintf(`{"n":%d,"note":"abcdefgh","tags":["x","y"]}`, k))
	case 1:
		return json.RawMessage(fmt.Sprintf(`{ "n": %d, "note": "abcdefgh" }`, k))
	}
	return json.RawMessage(fmt.Sprintf(`{"n":%d,"note":"mnopq","title":"Nysa – Neiße – Nisa <&> \u2028 ąčř"}`, k))
}

// appendLog appends n events in appends of 1 to 4 events to several
// streams, from tag's own stream set (so that concurrent writers do not
// collide).
func appendLog(t testing.TB, store domain.EventStore, n int, tag string) {
	t.Helper()
	ctx := testCtx(t)
	for k, done := 0, 0; done < n; k++ {
		size := min(1+k%4, n-done)
		evs := make([]domain.EventData, size)
		for i := range evs {
			evs[i] = domain.EventData{ID: domain.NewEventID(), Type: "TestHappened", SchemaVersion: 1 + i%2,
				Data: body(done + i), Actor: "user:tester", CorrelationID: fmt.Sprintf("corr-%s-%d", tag, k)}
		}
		if _, err := store.Append(ctx, streams[k%len(streams)]+"-"+tag, domain.Any, evs); err != nil {
			t.Fatalf("append: %v", err)
		}
		done += size
	}
}

// readLog reads the whole global log.
func readLog(t testing.TB, store domain.EventStore) []domain.Event {
	t.Helper()
	ctx := testCtx(t)
	var out []domain.Event
	after := domain.Start
	for {
		evs, err := store.ReadAll(ctx, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Position
	}
}

// alterNote returns data with the first letter of its "note" string
// changed to upper case (one byte), and the offset of that byte.
func alterNote(t testing.TB, data []byte) ([]byte, int) {
	t.Helper()
	i := bytes.Index(data, []byte(`"note"`))
	if i < 0 {
		t.Fatalf("no note in %s", data)
	}
	i += bytes.IndexByte(data[i+len(`"note"`):], '"') + len(`"note"`) + 1
	out := bytes.Clone(data)
	out[i] -= 'a' - 'A'
	return out, i
}

// build catches a tree up, signs a head and checks that Verify passes.
func build(t testing.TB, store domain.EventStore, st audit.Storage, signer note.Signer, vkey string) (*audit.Tree, audit.Head) {
	t.Helper()
	ctx := testCtx(t)
	tree := audit.New(store, st, signer, audit.Options{Batch: 64})
	head, err := tree.SignHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep := verify(t, store, st, vkey)
	if !rep.OK {
		t.Fatalf("Verify of an untouched log: %s", rep)
	}
	return tree, head
}

// verify runs Verify and fails t on an error.
func verify(t testing.TB, store domain.EventStore, st audit.Storage, vkey string) audit.Report {
	t.Helper()
	rep, err := audit.Verify(testCtx(t), store, st, vkey, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// wantProblem checks the kind, index, recorded position and event id of a
// report's problem.
func wantProblem(t testing.TB, rep audit.Report, kind string, index int64, ev domain.Event) {
	t.Helper()
	p := rep.Problem
	if rep.OK || p == nil {
		t.Fatalf("Verify = %s; want %s at leaf %d", rep, kind, index)
	}
	if p.Kind != kind || p.Index != index || p.EventID != ev.ID.String() || p.Position != ev.Position.String() {
		t.Fatalf("Verify = %s\nwant %s at leaf %d: event %s at position %s", rep, kind, index, ev.ID, ev.Position)
	}
	t.Logf("reported: %s", rep)
}

// syncBuffer is a bytes.Buffer safe for concurrent writes (a log sink).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
