package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// headTitle is the first line of a tree head note.
const headTitle = "nisa tree head v1"

// Errors of heads and keys.
var (
	// ErrNoSigner is returned by signing calls of a Tree without a signer.
	ErrNoSigner = errors.New("audit: no signing key: this tree can build and prove but not sign")
	// ErrSignature matches every error of a head whose signature does not
	// verify with the given verifier key (or that is signed by another key).
	ErrSignature = errors.New("audit: tree head signature does not verify")
	// ErrHeadFormat matches every error of a head note whose text is not a
	// "nisa tree head v1".
	ErrHeadFormat = errors.New("audit: not a nisa tree head")
)

// HeadText returns the text that a tree head note signs:
//
//	nisa tree head v1
//	<size, decimal>
//	<root, standard base64 with padding>
//	<time, RFC 3339 in UTC, whole seconds>
//
// each line ending in a newline.
func HeadText(size int64, root tlog.Hash, at time.Time) string {
	return fmt.Sprintf("%s\n%d\n%s\n%s\n", headTitle, size, root, at.UTC().Format(time.RFC3339))
}

// SignHead catches up with the log, then signs and records a head of the
// whole tree. It fails with ErrNoSigner without a signer, and with an
// error matching domain.ErrNotFound when the log is empty.
func (t *Tree) SignHead(ctx context.Context) (Head, error) {
	if t.signer == nil {
		return Head{}, ErrNoSigner
	}
	size, err := t.CatchUp(ctx)
	if err != nil {
		return Head{}, err
	}
	if size == 0 {
		return Head{}, &SizeError{What: "leaf 0 (a signed head needs one leaf)", Size: 0}
	}
	return t.signAt(ctx, size)
}

// signAt signs and records the head of the first size leaves.
func (t *Tree) signAt(ctx context.Context, size int64) (Head, error) {
	root, err := tlog.TreeHash(size, hashReader(ctx, t.st))
	if err != nil {
		return Head{}, fmt.Errorf("audit: root of the tree of size %d: %w", size, err)
	}
	at := t.opts.Now().UTC().Truncate(time.Second)
	msg, err := note.Sign(&note.Note{Text: HeadText(size, root, at)}, t.signer)
	if err != nil {
		return Head{}, fmt.Errorf("audit: sign the tree head: %w", err)
	}
	h := Head{Size: size, Root: root, Time: at, Note: string(msg)}
	if err := t.st.PutHead(ctx, h); err != nil {
		return Head{}, err
	}
	return h, nil
}

// ParseHead verifies a signed tree head note with verifierKey (a note
// verifier key "<name>+<hash>+<keydata>") and returns the head it states.
// Its errors match ErrSignature when the signature does not verify with
// that key and ErrHeadFormat when the text is not a tree head.
func ParseHead(noteText, verifierKey string) (Head, error) {
	v, err := note.NewVerifier(strings.TrimSpace(verifierKey))
	if err != nil {
		return Head{}, fmt.Errorf("audit: verifier key: %w", err)
	}
	n, err := note.Open([]byte(noteText), note.VerifierList(v))
	if err != nil {
		return Head{}, fmt.Errorf("%w (key %s): %v", ErrSignature, v.Name(), err)
	}
	h, err := parseHeadText(n.Text)
	if err != nil {
		return Head{}, err
	}
	h.Note = noteText
	return h, nil
}

// parseHeadText reads the text of HeadText strictly.
func parseHeadText(text string) (Head, error) {
	lines := strings.Split(text, "\n")
	if len(lines) != 5 || lines[4] != "" || lines[0] != headTitle {
		return Head{}, fmt.Errorf("%w: want the four lines %q, size, root, time", ErrHeadFormat, headTitle)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Head{}, fmt.Errorf("%w: size %q", ErrHeadFormat, lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return Head{}, fmt.Errorf("%w: root %q: %v", ErrHeadFormat, lines[2], err)
	}
	at, err := time.Parse(time.RFC3339, lines[3])
	if err != nil {
		return Head{}, fmt.Errorf("%w: time %q: %v", ErrHeadFormat, lines[3], err)
	}
	return Head{Size: size, Root: root, Time: at.UTC()}, nil
}

// LoadOrCreateKey returns the tree's signing key kept in the file at path
// and its verifier key. On first use (no file) it generates an Ed25519 key
// named name with note.GenerateKey and writes the private key to path
// (mode 0600, created exclusively) and the verifier key to path+".pub"
// (mode 0644). Afterwards it reads the key from path, whatever name says,
// derives the verifier key from it, and rewrites path+".pub" when missing;
// a .pub file that names another key is an error.
func LoadOrCreateKey(path, name string) (signer note.Signer, verifierKey string, err error) {
	skey, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		skey, err = createKey(path, name)
	}
	if err != nil {
		return nil, "", fmt.Errorf("audit: signing key %s: %w", path, err)
	}
	s := strings.TrimSpace(string(skey))
	signer, err = note.NewSigner(s)
	if err != nil {
		return nil, "", fmt.Errorf("audit: signing key %s: %w", path, err)
	}
	verifierKey, err = verifierKeyOf(s)
	if err != nil {
		return nil, "", fmt.Errorf("audit: signing key %s: %w", path, err)
	}
	if err := writePub(path+".pub", verifierKey); err != nil {
		return nil, "", fmt.Errorf("audit: verifier key %s.pub: %w", path, err)
	}
	return signer, verifierKey, nil
}

// createKey generates a key and writes it to path, unless another process
// did so first: then it reads that one.
func createKey(path, name string) ([]byte, error) {
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(skey + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return []byte(skey), nil
}

// writePub writes the verifier key file if it is missing and checks it
// otherwise.
func writePub(path, vkey string) error {
	old, err := os.ReadFile(path)
	switch {
	case err == nil && strings.TrimSpace(string(old)) == vkey:
		return nil
	case err == nil:
		return fmt.Errorf("holds %q, not the verifier key of the signing key (%q): remove it to have it written again", strings.TrimSpace(string(old)), vkey)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return os.WriteFile(path, []byte(vkey+"\n"), 0o644)
}

// verifierKeyOf derives the verifier key from an encoded signer key
// "PRIVATE+KEY+<name>+<hash>+<keydata>", keydata being base64 of the
// algorithm byte (1, Ed25519) and the 32-byte seed.
func verifierKeyOf(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("malformed signer key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", errors.New("malformed signer key data (want an Ed25519 key)")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(parts[2], pub)
	if err != nil {
		return "", err
	}
	if want := parts[2] + "+" + parts[3] + "+"; !strings.HasPrefix(vkey, want) {
		return "", errors.New("signer key hash does not match its key")
	}
	return vkey, nil
}

// sameKey reports whether two verifier keys are the same (ignoring
// surrounding space).
func sameKey(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }
