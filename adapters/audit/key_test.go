package audit_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/adapters/audit"
)

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "audit.key")
	signer, vkey, err := audit.LoadOrCreateKey(path, "nisa.example.eu")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", info, err)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil || strings.TrimSpace(string(pub)) != vkey || !strings.HasPrefix(vkey, "nisa.example.eu+") {
		t.Fatalf("key.pub %q, %v; verifier key %q", pub, err, vkey)
	}
	if signer.Name() != "nisa.example.eu" {
		t.Fatalf("signer name %q", signer.Name())
	}

	// Later calls read the same key, whatever the name.
	again, vkey2, err := audit.LoadOrCreateKey(path, "other")
	if err != nil || vkey2 != vkey || again.KeyHash() != signer.KeyHash() {
		t.Fatalf("second load: %v, %q", err, vkey2)
	}
	// The .pub file is written again when missing, refused when wrong.
	os.Remove(path + ".pub")
	if _, _, err := audit.LoadOrCreateKey(path, ""); err != nil {
		t.Fatal(err)
	}
	_, otherKey := testKey(t)
	os.WriteFile(path+".pub", []byte(otherKey+"\n"), 0o644)
	if _, _, err := audit.LoadOrCreateKey(path, ""); err == nil {
		t.Fatal("a .pub of another key was accepted")
	}

	// A head signed with the key verifies with the verifier key only.
	root := tlog.RecordHash([]byte("x"))
	at := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	msg, err := note.Sign(&note.Note{Text: audit.HeadText(7, root, at)}, signer)
	if err != nil {
		t.Fatal(err)
	}
	h, err := audit.ParseHead(string(msg), vkey)
	if err != nil || h.Size != 7 || h.Root != root || !h.Time.Equal(at) || h.Note != string(msg) {
		t.Fatalf("ParseHead = %+v, %v", h, err)
	}
	if _, err := audit.ParseHead(string(msg), otherKey); !errors.Is(err, audit.ErrSignature) {
		t.Fatalf("ParseHead with another key = %v, want ErrSignature", err)
	}
	bad, _ := note.Sign(&note.Note{Text: "nisa tree head v1\n7\nnot-a-hash\n2025-05-01T12:00:00Z\n"}, signer)
	if _, err := audit.ParseHead(string(bad), vkey); !errors.Is(err, audit.ErrHeadFormat) {
		t.Fatalf("ParseHead of a bad text = %v, want ErrHeadFormat", err)
	}
	if got := audit.HeadText(7, root, at); got != "nisa tree head v1\n7\n"+root.String()+"\n2025-05-01T12:00:00Z\n" {
		t.Fatalf("HeadText = %q", got)
	}
}

func TestSignHeadNeeds(t *testing.T) {
	dir := t.TempDir()
	store := openEmbedded(t, dir)
	st := openBolt(t, filepath.Join(dir, "audit.db"))
	if _, err := audit.New(store, st, nil, audit.Options{}).SignHead(testCtx(t)); !errors.Is(err, audit.ErrNoSigner) {
		t.Fatalf("SignHead without signer = %v", err)
	}
	signer, _ := testKey(t)
	if _, err := audit.New(store, st, signer, audit.Options{}).SignHead(testCtx(t)); err == nil {
		t.Fatal("SignHead of an empty tree succeeded")
	}
}
