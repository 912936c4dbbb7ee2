package audit_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/domain"
)

// untar reads the files of a bundle, in order.
func untar(t *testing.T, b []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names, files
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		files[hdr.Name] = body
	}
}

// retar writes files back into a bundle.
func retar(t *testing.T, names []string, files map[string][]byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for _, name := range names {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[name])
	}
	tw.Close()
	zw.Close()
	return out.Bytes()
}

func verifyBundle(t *testing.T, b []byte, pinned string) audit.BundleReport {
	t.Helper()
	rep, err := audit.VerifyBundle(bytes.NewReader(b), pinned)
	if err != nil {
		t.Fatalf("VerifyBundle: %v", err)
	}
	return rep
}

func TestBundle(t *testing.T) {
	f := newConsistencyFixture(t) // heads at 150 and 320
	ctx := testCtx(t)
	signer, _ := testKey(t) // a signer is not needed: heads cover the range
	var buf bytes.Buffer
	m, err := audit.Export(ctx, &buf, f.store, f.st, signer, f.vkey, 40, 139)
	if err != nil {
		t.Fatal(err)
	}
	if m.From != 40 || m.To != 139 || m.Events != 100 || m.TreeSize != n2 || m.Heads != 2 ||
		m.FirstPosition != f.events[40].Position.String() || m.LastPosition != f.events[139].Position.String() {
		t.Fatalf("manifest %+v", m)
	}
	bundle := buf.Bytes()
	names, files := untar(t, bundle)
	if got := strings.Join(names, " "); got != "README.txt manifest.json key.pub heads.txt events.jsonl proofs.json" {
		t.Fatalf("files %s", got)
	}
	lines := strings.Split(strings.TrimSuffix(string(files["events.jsonl"]), "\n"), "\n")
	if len(lines) != 100 || lines[0] != string(audit.Leaf(f.events[40])) {
		t.Fatalf("events.jsonl has %d lines, first %s", len(lines), lines[0])
	}

	rep := verifyBundle(t, bundle, f.vkey)
	if !rep.OK || rep.Events != 100 || rep.Heads != 2 || rep.TreeSize != n2 || rep.Root != f.new.Root {
		t.Fatalf("VerifyBundle = %s", rep)
	}
	t.Log(rep)

	t.Run("flipped byte in events.jsonl", func(t *testing.T) {
		ev := f.events[97]
		files := cloneFiles(files)
		line := audit.Leaf(ev)
		i := bytes.Index(files["events.jsonl"], line) + len(line) - 8 // inside the data
		files["events.jsonl"][i] ^= 0x01
		rep := verifyBundle(t, retar(t, names, files), "")
		if rep.OK || rep.Problem.Kind != audit.KindAltered || rep.Problem.Index != 97 || rep.Problem.EventID != ev.ID.String() {
			t.Fatalf("VerifyBundle = %s; want altered at leaf 97, event %s", rep, ev.ID)
		}
		t.Log(rep)
	})
	t.Run("wrong pinned key", func(t *testing.T) {
		_, other := testKey(t)
		rep := verifyBundle(t, bundle, other)
		if rep.OK || rep.Problem.Kind != audit.KindBadKey {
			t.Fatalf("VerifyBundle = %s; want bad_key", rep)
		}
	})
	t.Run("key replaced", func(t *testing.T) {
		_, other := testKey(t)
		files := cloneFiles(files)
		files["key.pub"] = []byte(other + "\n")
		rep := verifyBundle(t, retar(t, names, files), "")
		if rep.OK || rep.Problem.Kind != audit.KindBadSignature {
			t.Fatalf("VerifyBundle = %s; want bad_signature", rep)
		}
	})
	t.Run("line dropped", func(t *testing.T) {
		files := cloneFiles(files)
		files["events.jsonl"] = []byte(strings.Join(append(lines[:10:10], lines[11:]...), "\n") + "\n")
		if rep := verifyBundle(t, retar(t, names, files), ""); rep.OK || rep.Problem.Kind != audit.KindBundle {
			t.Fatalf("VerifyBundle = %s; want a malformed bundle", rep)
		}
	})
	t.Run("lines swapped", func(t *testing.T) {
		files := cloneFiles(files)
		l := append([]string(nil), lines...)
		l[5], l[6] = l[6], l[5]
		files["events.jsonl"] = []byte(strings.Join(l, "\n") + "\n")
		rep := verifyBundle(t, retar(t, names, files), "")
		if rep.OK || rep.Problem.Index != 45 {
			t.Fatalf("VerifyBundle = %s; want a failure at leaf 45", rep)
		}
	})
	t.Run("damaged gzip", func(t *testing.T) {
		b := bytes.Clone(bundle)
		b[len(b)/2] ^= 0xff
		rep := verifyBundle(t, b, "")
		if rep.OK || rep.Problem == nil {
			t.Fatalf("VerifyBundle = %s", rep)
		}
	})
}

func cloneFiles(files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = bytes.Clone(v)
	}
	return out
}

// TestBundleSignsFreshHead exports beyond the latest signed head: Export
// signs a new one, or fails without a signer.
func TestBundleSignsFreshHead(t *testing.T) {
	store, _ := newPG(t)
	appendLog(t, store, 120, "fresh")
	signer, vkey := testKey(t)
	st := audit.NewPGStorage(store.Pool())
	build(t, store, st, signer, vkey)
	appendLog(t, store, 30, "fresh2")
	ctx := testCtx(t)
	if _, err := audit.New(store, st, nil, audit.Options{}).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Export(ctx, io.Discard, store, st, nil, vkey, 100, -1); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Export without signer and head = %v, want ErrNotFound", err)
	}
	var buf bytes.Buffer
	m, err := audit.Export(ctx, &buf, store, st, signer, vkey, 100, -1)
	if err != nil {
		t.Fatal(err)
	}
	if m.To != 149 || m.TreeSize != 150 || m.Heads != 1 {
		t.Fatalf("manifest %+v", m)
	}
	if rep := verifyBundle(t, buf.Bytes(), vkey); !rep.OK || rep.Events != 50 {
		t.Fatalf("VerifyBundle = %s", rep)
	}
}

func TestIndexRange(t *testing.T) {
	f := newEmbeddedFixture(t)
	ctx := testCtx(t)
	ev := f.events
	at := func(i int) string { return ev[i].RecordedAt.Format(time.RFC3339Nano) }
	tests := []struct {
		from, to string
		lo, hi   int64
	}{
		{"", "", 0, embeddedEvents - 1},
		{"#5", "#9", 5, 9},
		{ev[10].Position.String(), ev[20].Position.String(), 10, 20},
		{at(30), at(40), firstAt(ev, 30), lastAt(ev, 40)},
	}
	for _, tt := range tests {
		lo, hi, err := audit.IndexRange(ctx, f.st, f.store, tt.from, tt.to)
		if err != nil || lo != tt.lo || hi != tt.hi {
			t.Errorf("IndexRange(%q, %q) = %d, %d, %v; want %d, %d", tt.from, tt.to, lo, hi, err, tt.lo, tt.hi)
		}
	}
	if _, _, err := audit.IndexRange(ctx, f.st, f.store, "#20", "#10"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("empty range: %v", err)
	}
	if _, _, err := audit.IndexRange(ctx, f.st, f.store, "yesterday", ""); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("bad bound: %v", err)
	}
}

// firstAt is the first index recorded at or after the time of event i.
func firstAt(ev []domain.Event, i int) int64 {
	for k := range ev {
		if !ev[k].RecordedAt.Before(ev[i].RecordedAt) {
			return int64(k)
		}
	}
	return -1
}

// lastAt is the last index recorded at or before the time of event i.
func lastAt(ev []domain.Event, i int) int64 {
	for k := len(ev) - 1; k >= 0; k-- {
		if !ev[k].RecordedAt.After(ev[i].RecordedAt) {
			return int64(k)
		}
	}
	return -1
}
