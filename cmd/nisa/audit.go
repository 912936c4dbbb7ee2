package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/nisa-eu/nisa/adapters/audit"
	"github.com/nisa-eu/nisa/adapters/embedded"
)

// auditFlags choose the key that signs tree heads.
type auditFlags struct {
	KeyFile      string
	KeyName      string
	SignInterval time.Duration
}

func (a *auditFlags) register(f *flags, serve bool) {
	f.string(&a.KeyFile, "audit-key", "", "file of the Ed25519 key that signs tree heads (created with mode 0600 on first use, its verifier key beside it as FILE.pub); default <data-dir>/audit.key. Several server processes on one database should share one key file")
	f.string(&a.KeyName, "audit-key-name", "nisa", "name of the signing key, shown in every signed head (e.g. the network's domain)")
	if serve {
		f.duration(&a.SignInterval, "audit-sign-interval", time.Minute, "how often a new tree head is signed when the log has grown")
	}
}

// key loads (or creates) the signing key.
func (a auditFlags) key(dataDir string) (note.Signer, string, error) {
	path := a.KeyFile
	if dataDir == "" {
		dataDir = "./data" // the --data-dir default
	}
	if path == "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, "", err
		}
		path = filepath.Join(dataDir, "audit.key")
	}
	name := a.KeyName
	if name == "" {
		name = "nisa"
	}
	signer, verifier, err := audit.LoadOrCreateKey(path, name)
	if err != nil {
		return nil, "", fmt.Errorf("--audit-key %s: %w", path, err)
	}
	return signer, verifier, nil
}

const auditUsage = `Usage: nisa audit <command> [flags]

The tamper-evident log: every event is a leaf of an RFC 6962 Merkle tree
over the global log, and the server signs tree heads with an Ed25519 key.

Commands:
  verify    recompute the tree from the store (or check a bundle offline
            with --bundle FILE) and report the first altered, missing or
            reordered event
  export    write an evidence bundle (events, signed heads, proofs, key)
  head      print the latest signed tree head (--sign: sign one now)
  key       print the verifier key

Run "nisa audit <command> --help" for its flags.`

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, stdout, stderr, auditUsage, map[string]subcommand{
		"verify": runAuditVerify,
		"export": runAuditExport,
		"head":   runAuditHead,
		"key":    runAuditKey,
	})
}

// openForAudit opens the store for an audit command, explaining what to do
// when a running server holds the embedded store.
func openForAudit(ctx context.Context, sf storeFlags) (*openedStore, error) {
	log, err := sf.logger(io.Discard)
	if err != nil {
		return nil, err
	}
	s, err := openStore(ctx, sf, true, log)
	if errors.Is(err, embedded.ErrLocked) {
		return nil, fmt.Errorf("%w\nstop the server first, or use the HTTP routes of the running server: GET /v1/audit/head, GET /v1/audit/export", err)
	}
	return s, err
}

func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("audit verify", `Verify the tamper-evident log.

Without --bundle: read every event from the store, recompute its leaf and
compare it with the leaf recorded when the event was first seen; then
recompute the root and check every signed tree head (signature and root) and
every stored tree hash. The first problem is reported with the event's leaf
index, position and id: "altered" (the event's bytes changed), "missing"
(an event was deleted), "reordered", "unexpected" (an event that was never
recorded there), "head_mismatch" (the tree's own records were rewritten),
"bad_signature", "hash_mismatch". Events the tree has not reached yet are
counted, not failed. Exit code 1 on any problem.

With --bundle FILE: check an evidence bundle offline, with nothing but this
binary: signatures of its heads, every event's leaf hash and inclusion
proof, consistency between its heads. Pin the key you trust with --key
(from GET /v1/audit/key or "nisa audit key", obtained out of band); without
it, the bundle's own key.pub is used and the report says so.`, stderr)
	var sf storeFlags
	sf.register(f)
	var af auditFlags
	af.register(f, false)
	var bundle, key string
	var asJSON bool
	f.StringVar(&bundle, "bundle", "", "an evidence bundle (.tar.gz) to check offline instead of the store")
	f.StringVar(&key, "key", "", "verifier key to require (signed-note format: name+hash+base64); default: the server's own key (store) or the bundle's key.pub (bundle)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	if err := f.parse(args); err != nil {
		return err
	}
	if bundle != "" {
		file, err := os.Open(bundle)
		if err != nil {
			return err
		}
		defer file.Close()
		rep, err := audit.VerifyBundle(file, key)
		if err != nil {
			return err
		}
		if err := printReport(stdout, asJSON, rep, rep.String()); err != nil {
			return err
		}
		if key == "" {
			fmt.Fprintln(stderr, "note: no --key given: the bundle was checked against its own key.pub; compare that key with the one you trust")
		}
		if !rep.OK {
			return errors.New("the bundle does not verify")
		}
		return nil
	}
	s, err := openForAudit(ctx, sf)
	if err != nil {
		return err
	}
	defer s.Close()
	if key == "" {
		if _, key, err = af.key(sf.DataDir); err != nil {
			return err
		}
	}
	bar := newProgressBar(stderr, "verify", 0, isTerminal(stderr))
	rep, err := audit.Verify(ctx, s.shred.Inner(), s.audit, key, func(done, total int64) {
		bar.total = total
		bar.Set(done)
	})
	bar.Done()
	if err != nil {
		return err
	}
	if err := printReport(stdout, asJSON, rep, rep.String()); err != nil {
		return err
	}
	if !rep.OK {
		return errors.New("the log does not verify")
	}
	return nil
}

func printReport(w io.Writer, asJSON bool, v any, text string) error {
	if !asJSON {
		_, err := fmt.Fprintln(w, strings.TrimRight(text, "\n"))
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runAuditExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("audit export", `Write an evidence bundle for a range of the log: a .tar.gz with
events.jsonl (each event's leaf line, exactly the hashed bytes), heads.txt
(signed tree heads), proofs.json (an inclusion proof per event, consistency
proofs between the heads), key.pub (the verifier key), manifest.json and a
README.txt on checking it by hand. "nisa audit verify --bundle FILE" checks
it offline. The tree is brought up to date and a head signed if none covers
the range yet. Personal data is in the bundle as stored: sealed.

--from and --to take a position (as in the API), an RFC 3339 time or #N (a
leaf index); both are inclusive, and default to the start and end of the log.
Over HTTP: GET /v1/audit/export?from=&to= (admin, auditor).`, stderr)
	var sf storeFlags
	sf.register(f)
	var af auditFlags
	af.register(f, false)
	var from, to, out string
	f.StringVar(&from, "from", "", "first event: position, RFC 3339 time or #leaf-index (default: the first)")
	f.StringVar(&to, "to", "", "last event: position, RFC 3339 time or #leaf-index (default: the last)")
	f.StringVar(&out, "out", "", "bundle file to write (default nisa-audit-<from>-<to>.tar.gz in the current directory)")
	if err := f.parse(args); err != nil {
		return err
	}
	s, err := openForAudit(ctx, sf)
	if err != nil {
		return err
	}
	defer s.Close()
	signer, verifier, err := af.key(sf.DataDir)
	if err != nil {
		return err
	}
	tree := audit.New(s.shred.Inner(), s.audit, signer, audit.Options{})
	n, err := tree.CatchUp(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "tree has %s leaves\n", groupDigits(n))
	lo, hi, err := audit.IndexRange(ctx, s.audit, s.shred.Inner(), from, to)
	if err != nil {
		return err
	}
	if out == "" {
		out = fmt.Sprintf("nisa-audit-%d-%d.tar.gz", lo, hi)
	}
	tmp := out + ".partial"
	file, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	m, err := audit.Export(ctx, file, s.shred.Inner(), s.audit, signer, verifier, lo, hi)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s events (leaves %d–%d, positions %s–%s), tree head at size %d, root %s\n",
		out, groupDigits(m.Events), m.From, m.To, m.FirstPosition, m.LastPosition, m.TreeSize, m.Root)
	fmt.Fprintf(stdout, "verify it anywhere with: nisa audit verify --bundle %s --key %s\n", out, verifier)
	return nil
}

func runAuditHead(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("audit head", `Print the latest signed tree head (size, root hash, time and the signed
note). With --sign, first bring the tree up to the end of the log and sign
a new head.`, stderr)
	var sf storeFlags
	sf.register(f)
	var af auditFlags
	af.register(f, false)
	var sign bool
	f.BoolVar(&sign, "sign", false, "bring the tree up to date and sign a head now")
	if err := f.parse(args); err != nil {
		return err
	}
	s, err := openForAudit(ctx, sf)
	if err != nil {
		return err
	}
	defer s.Close()
	var h audit.Head
	if sign {
		signer, _, err := af.key(sf.DataDir)
		if err != nil {
			return err
		}
		if h, err = audit.New(s.shred.Inner(), s.audit, signer, audit.Options{}).SignHead(ctx); err != nil {
			return err
		}
	} else {
		var ok bool
		if h, ok, err = s.audit.LatestHead(ctx); err != nil {
			return err
		} else if !ok {
			return errors.New("no tree head signed yet: run nisa audit head --sign (the server signs one every --audit-sign-interval)")
		}
	}
	fmt.Fprintf(stdout, "size %d\nroot %s\ntime %s\n\n%s", h.Size, h.Root, h.Time.Format(time.RFC3339), h.Note)
	return nil
}

func runAuditKey(_ context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("audit key", `Print the verifier key of the tree heads (creating the signing key on
first use). Give it to auditors out of band: "nisa audit verify --key KEY".`, stderr)
	var sf storeFlags
	sf.register(f)
	var af auditFlags
	af.register(f, false)
	if err := f.parse(args); err != nil {
		return err
	}
	_, verifier, err := af.key(sf.DataDir)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, verifier)
	return nil
}
