package audit

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/domain"
)

// Bundle format identifiers (manifest.json).
const (
	BundleFormat  = "nisa-audit-bundle"
	BundleVersion = 1
)

// Names of the files of a bundle.
const (
	fileReadme   = "README.txt"
	fileManifest = "manifest.json"
	fileKey      = "key.pub"
	fileHeads    = "heads.txt"
	fileEvents   = "events.jsonl"
	fileProofs   = "proofs.json"
)

// headSeparator is the line between two notes in heads.txt.
const headSeparator = "---"

// maxBundleFile caps what VerifyBundle reads of one file of a bundle.
const maxBundleFile = 1 << 30

// Manifest is the content of a bundle's manifest.json.
type Manifest struct {
	Format        string    `json:"format"`
	Version       int       `json:"version"`
	From          int64     `json:"from"`
	To            int64     `json:"to"`
	Events        int64     `json:"events"`
	FirstPosition string    `json:"first_position"`
	LastPosition  string    `json:"last_position"`
	TreeSize      int64     `json:"tree_size"`
	Root          tlog.Hash `json:"root"`
	Heads         int       `json:"heads"`
	CreatedAt     time.Time `json:"created_at"`
}

// bundleProofFile is the content of proofs.json.
type bundleProofFile struct {
	TreeSize    int64         `json:"tree_size"`
	Root        tlog.Hash     `json:"root"`
	Leaves      []bundleLeaf  `json:"leaves"`
	Consistency []Consistency `json:"consistency"`
}

// bundleLeaf is the inclusion proof of one line of events.jsonl.
type bundleLeaf struct {
	Index    int64            `json:"index"`
	EventID  domain.EventID   `json:"event_id"`
	LeafHash tlog.Hash        `json:"leaf_hash"`
	Proof    tlog.RecordProof `json:"proof"`
}

// Export writes a bundle (a gzip'd tar, see the package documentation) of
// the leaves from..to (indexes, inclusive; to = -1 means the last recorded
// leaf) to w. The lines are computed from the events read from store and
// must equal the recorded leaves: Export fails otherwise. The bundle is
// proved against the latest signed head; when that does not cover to,
// Export signs a new head with signer (or fails, without one, with an
// error matching domain.ErrNotFound). The earliest signed head covering to
// is included too, with a consistency proof to the latest. Heads must
// verify with verifierKey, which the bundle carries as key.pub. The bundle
// is assembled in memory.
func Export(ctx context.Context, w io.Writer, store domain.EventStore, st Storage, signer note.Signer, verifierKey string, from, to int64) (Manifest, error) {
	if _, err := note.NewVerifier(strings.TrimSpace(verifierKey)); err != nil {
		return Manifest{}, fmt.Errorf("audit: export: verifier key: %w", err)
	}
	size, err := st.Size(ctx)
	if err != nil {
		return Manifest{}, err
	}
	if to == -1 {
		to = size - 1
	}
	switch {
	case from < 0 || to < from:
		return Manifest{}, &domain.ValidationError{Field: "range", Value: fmt.Sprintf("%d..%d", from, to), Reason: "want 0 <= from <= to (leaf indexes)"}
	case to >= size:
		return Manifest{}, &SizeError{What: fmt.Sprintf("leaf %d", to), Size: size}
	}
	heads, err := selectHeads(ctx, store, st, signer, verifierKey, to)
	if err != nil {
		return Manifest{}, err
	}
	head := heads[len(heads)-1]
	body, err := bundleLines(ctx, store, st, head, from, to)
	if err != nil {
		return Manifest{}, err
	}
	if len(heads) == 2 {
		c, err := New(store, st, nil, Options{}).ConsistencyProof(ctx, heads[0].Size, heads[1].Size)
		if err != nil {
			return Manifest{}, err
		}
		body.proofs.Consistency = []Consistency{c}
	}
	m := Manifest{Format: BundleFormat, Version: BundleVersion, From: from, To: to, Events: to - from + 1,
		FirstPosition: body.first.String(), LastPosition: body.last.String(),
		TreeSize: head.Size, Root: head.Root, Heads: len(heads), CreatedAt: time.Now().UTC().Truncate(time.Second)}
	return m, writeBundle(w, m, verifierKey, heads, body)
}

// bundleBody is the part of a bundle read from the log.
type bundleBody struct {
	lines       []byte // events.jsonl
	proofs      bundleProofFile
	first, last domain.Position
}

// selectHeads returns the heads of a bundle ending at leaf to, ascending:
// the earliest signed head covering to and the latest (signed now if it
// does not cover to), each verified and checked against the storage.
func selectHeads(ctx context.Context, store domain.EventStore, st Storage, signer note.Signer, verifierKey string, to int64) ([]Head, error) {
	all, err := st.Heads(ctx)
	if err != nil {
		return nil, err
	}
	var heads []Head
	if i := slices.IndexFunc(all, func(h Head) bool { return h.Size > to }); i >= 0 {
		heads = append(heads, all[i])
		if last := all[len(all)-1]; last.Size > all[i].Size {
			heads = append(heads, last)
		}
	} else {
		if signer == nil {
			return nil, fmt.Errorf("audit: export: no signed tree head covers leaf %d and there is no signing key: %w", to, domain.ErrNotFound)
		}
		h, err := New(store, st, signer, Options{}).SignHead(ctx)
		if err != nil {
			return nil, err
		}
		heads = append(heads, h)
	}
	for i, h := range heads {
		parsed, err := ParseHead(h.Note, verifierKey)
		if err != nil {
			return nil, fmt.Errorf("audit: export: signed head of size %d: %w", h.Size, err)
		}
		root, err := tlog.TreeHash(parsed.Size, hashReader(ctx, st))
		if err != nil {
			return nil, err
		}
		if root != parsed.Root {
			return nil, fmt.Errorf("audit: export: the tree records disagree with the signed head of size %d (root %s, records %s): run verify", parsed.Size, parsed.Root, root)
		}
		heads[i] = parsed
	}
	return heads, nil
}

// bundleLines reads the events of leaves from..to from the log, checks
// them against the records and returns their lines (each ending in a
// newline) and inclusion proofs against head.
func bundleLines(ctx context.Context, store domain.EventStore, st Storage, head Head, from, to int64) (bundleBody, error) {
	b := bundleBody{proofs: bundleProofFile{TreeSize: head.Size, Root: head.Root, Consistency: []Consistency{}}}
	after, err := positionBefore(ctx, st, from)
	if err != nil {
		return b, err
	}
	var lines bytes.Buffer
	r := hashReader(ctx, st)
	for i := from; i <= to; {
		events, err := store.ReadAll(ctx, after, int(min(to-i+1, verifyBatch)))
		if err != nil {
			return b, fmt.Errorf("audit: export: read the log after %s: %w", after, err)
		}
		recs, err := st.Leaves(ctx, i, len(events))
		if err != nil {
			return b, err
		}
		if len(events) == 0 || len(recs) != len(events) {
			return b, fmt.Errorf("audit: export: the log ends before leaf %d: run verify", i)
		}
		for k, ev := range events {
			leaf, rec := Leaf(ev), recs[k]
			if ev.ID != rec.EventID {
				return b, fmt.Errorf("audit: export: leaf %d: the log holds event %s at %s where event %s at %s is recorded: run verify",
					i, ev.ID, ev.Position, rec.EventID, rec.Position)
			}
			if h := tlog.RecordHash(leaf); h != rec.Hash {
				return b, fmt.Errorf("audit: export: leaf %d: event %s at %s hashes to %s, recorded %s: the event was altered; run verify",
					i, ev.ID, ev.Position, h, rec.Hash)
			}
			p, err := tlog.ProveRecord(head.Size, i, r)
			if err != nil {
				return b, fmt.Errorf("audit: export: prove leaf %d: %w", i, err)
			}
			b.proofs.Leaves = append(b.proofs.Leaves, bundleLeaf{Index: i, EventID: ev.ID, LeafHash: rec.Hash, Proof: p})
			lines.Write(leaf)
			lines.WriteByte('\n')
			if i == from {
				b.first = ev.Position
			}
			b.last = ev.Position
			i++
		}
		after = events[len(events)-1].Position
	}
	b.lines = lines.Bytes()
	return b, nil
}

// positionBefore returns the position of leaf index-1 (domain.Start for
// leaf 0): reading the log after it starts at leaf index.
func positionBefore(ctx context.Context, st Storage, index int64) (domain.Position, error) {
	if index == 0 {
		return domain.Start, nil
	}
	prev, err := st.Leaves(ctx, index-1, 1)
	if err != nil {
		return domain.Start, err
	}
	if len(prev) != 1 || prev[0].Index != index-1 {
		return domain.Start, fmt.Errorf("audit: leaf %d is missing from the records", index-1)
	}
	return prev[0].Position, nil
}

// writeBundle writes the files of a bundle as a gzip'd tar.
func writeBundle(w io.Writer, m Manifest, verifierKey string, heads []Head, body bundleBody) error {
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	proofJSON, err := json.MarshalIndent(body.proofs, "", " ")
	if err != nil {
		return err
	}
	notes := make([]string, len(heads))
	for i, h := range heads {
		notes[i] = h.Note
	}
	files := []struct {
		name string
		body []byte
	}{
		{fileReadme, []byte(bundleReadmeText)},
		{fileManifest, append(manifest, '\n')},
		{fileKey, []byte(strings.TrimSpace(verifierKey) + "\n")},
		{fileHeads, []byte(strings.Join(notes, headSeparator+"\n"))},
		{fileEvents, body.lines},
		{fileProofs, append(proofJSON, '\n')},
	}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.body); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// IndexRange translates the bounds of an export into leaf indexes
// (inclusive). Each bound is one of:
//
//   - empty: the first leaf (from) or the last recorded leaf (to);
//   - "#N": leaf index N;
//   - a position (domain.Position.String, e.g. "42" or "812:3"): from is
//     the first leaf at or after it, to the last leaf at or before it;
//   - an RFC 3339 time: from is the first leaf (in log order) whose event
//     was recorded at or after it, to the last leaf whose event was
//     recorded at or before it (the events are read from store, the whole
//     recorded log if need be).
//
// An empty range gives an error matching domain.ErrNotFound; a malformed
// bound one matching domain.ErrInvalid.
func IndexRange(ctx context.Context, st Storage, store domain.EventStore, from, to string) (int64, int64, error) {
	size, err := st.Size(ctx)
	if err != nil {
		return 0, 0, err
	}
	lo, err := resolveBound(ctx, st, store, size, from, true)
	if err != nil {
		return 0, 0, err
	}
	hi, err := resolveBound(ctx, st, store, size, to, false)
	if err != nil {
		return 0, 0, err
	}
	if lo > hi || lo >= size || hi < 0 {
		return 0, 0, fmt.Errorf("audit: no recorded leaf between %q and %q (the tree has %d leaves): %w", from, to, size, domain.ErrNotFound)
	}
	return lo, hi, nil
}

// resolveBound resolves one bound of IndexRange; lower tells from (first
// at or after) from to (last at or before). A result of size (lower) or -1
// (upper) means no leaf qualifies.
func resolveBound(ctx context.Context, st Storage, store domain.EventStore, size int64, s string, lower bool) (int64, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && lower:
		return 0, nil
	case s == "":
		return size - 1, nil
	case strings.HasPrefix(s, "#"):
		var n int64
		if _, err := fmt.Sscanf(s[1:], "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != s[1:] {
			return 0, &domain.ValidationError{Field: "range", Value: s, Reason: "want #N with a leaf index N >= 0"}
		}
		return n, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return leafAtTime(ctx, st, store, size, t, lower)
	}
	p, err := domain.ParsePosition(s)
	if err != nil {
		return 0, &domain.ValidationError{Field: "range", Value: s, Reason: "want a position, an RFC 3339 time or #N (leaf index)"}
	}
	return leafAtPosition(ctx, st, size, p, lower)
}

// leafAtPosition binary-searches the recorded leaves (ascending positions)
// for the first leaf at or after p (lower) or the last at or before p.
func leafAtPosition(ctx context.Context, st Storage, size int64, p domain.Position, lower bool) (int64, error) {
	lo, hi := int64(0), size // find the first leaf with position > p (or >= p when lower)
	for lo < hi {
		mid := lo + (hi-lo)/2
		recs, err := st.Leaves(ctx, mid, 1)
		if err != nil {
			return 0, err
		}
		if len(recs) != 1 {
			return 0, fmt.Errorf("audit: leaf %d is missing from the records", mid)
		}
		c := recs[0].Position.Compare(p)
		if c < 0 || !lower && c == 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lower {
		return lo, nil
	}
	return lo - 1, nil
}

// leafAtTime scans the recorded part of the log for the first leaf recorded
// at or after t (lower) or the last at or before t.
func leafAtTime(ctx context.Context, st Storage, store domain.EventStore, size int64, t time.Time, lower bool) (int64, error) {
	found := int64(-1)
	if lower {
		found = size
	}
	after, i := domain.Start, int64(0)
	for i < size {
		events, err := store.ReadAll(ctx, after, int(min(size-i, verifyBatch)))
		if err != nil {
			return 0, err
		}
		if len(events) == 0 {
			break
		}
		for _, ev := range events {
			switch {
			case lower && !ev.RecordedAt.Before(t):
				return i, nil
			case !lower && !ev.RecordedAt.After(t):
				found = i
			}
			i++
		}
		after = events[len(events)-1].Position
	}
	return found, nil
}

// BundleReport is the result of VerifyBundle.
type BundleReport struct {
	OK       bool      `json:"ok"`
	Key      string    `json:"key,omitempty"`
	From     int64     `json:"from"`
	To       int64     `json:"to"`
	Events   int64     `json:"events"`
	TreeSize int64     `json:"tree_size"`
	Root     tlog.Hash `json:"root"`
	Heads    int       `json:"heads"`
	Problem  *Problem  `json:"problem,omitempty"`
}

// String describes the report for people.
func (r BundleReport) String() string {
	if !r.OK {
		p := "unknown problem"
		if r.Problem != nil {
			p = r.Problem.String()
		}
		return "FAILED: " + p
	}
	return fmt.Sprintf("OK: %d events (leaves %d..%d) are in the tree of size %d with root %s, signed by %s; %d signed heads consistent",
		r.Events, r.From, r.To, r.TreeSize, r.Root, r.Key, r.Heads)
}

// VerifyBundle checks a bundle written by Export using nothing but its
// content: the heads' signatures with the bundle's key (which must equal
// pinnedKey when that is set), the consistency proofs between successive
// heads, and for every line of events.jsonl its index (contiguous from
// the manifest's from), its leaf hash, its inclusion proof against the
// bundle's head, and that it parses (ParseLeaf). The report names the
// first failure with the leaf index and event id. The error is for
// failures to read r other than a malformed bundle.
func VerifyBundle(r io.Reader, pinnedKey string) (BundleReport, error) {
	files, err := readBundle(r)
	if err != nil {
		var bad *bundleError
		if errors.As(err, &bad) {
			return BundleReport{Problem: &Problem{Kind: KindBundle, Index: -1, Detail: bad.msg}}, nil
		}
		return BundleReport{}, err
	}
	v := &bundleVerifier{files: files}
	for _, step := range []func() *Problem{
		v.checkManifest,
		func() *Problem { return v.checkKey(pinnedKey) },
		v.checkHeads,
		v.checkConsistency,
		v.checkLines,
	} {
		if p := step(); p != nil {
			v.rep.Problem = p
			return v.rep, nil
		}
	}
	v.rep.OK = true
	return v.rep, nil
}

// bundleError is a malformed bundle.
type bundleError struct{ msg string }

func (e *bundleError) Error() string { return "audit: malformed bundle: " + e.msg }

// readBundle reads the regular files of a gzip'd tar.
func readBundle(r io.Reader) (map[string][]byte, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, formatError(err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, formatError(err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if _, dup := files[hdr.Name]; dup {
			return nil, &bundleError{fmt.Sprintf("%s appears twice", hdr.Name)}
		}
		body, err := io.ReadAll(io.LimitReader(tr, maxBundleFile+1))
		if err != nil {
			return nil, formatError(err)
		}
		if len(body) > maxBundleFile {
			return nil, &bundleError{fmt.Sprintf("%s is larger than %d bytes", hdr.Name, maxBundleFile)}
		}
		files[hdr.Name] = body
	}
	if _, err := io.Copy(io.Discard, zr); err != nil { // reach the gzip checksum
		return nil, formatError(err)
	}
	for _, name := range []string{fileManifest, fileKey, fileHeads, fileEvents, fileProofs} {
		if _, ok := files[name]; !ok {
			return nil, &bundleError{name + " is missing"}
		}
	}
	return files, nil
}

// formatError classifies a read error: damaged gzip or tar data is a
// malformed bundle, anything else is returned as is.
func formatError(err error) error {
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, tar.ErrHeader) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, tar.ErrFieldTooLong) {
		return &bundleError{err.Error()}
	}
	var corrupt flate.CorruptInputError
	if errors.As(err, &corrupt) {
		return &bundleError{err.Error()}
	}
	return err
}

// bundleVerifier holds the state of one VerifyBundle.
type bundleVerifier struct {
	files    map[string][]byte
	m        Manifest
	proofs   bundleProofFile
	verifier string
	heads    []Head
	rep      BundleReport
}

func bundleProblem(kind string, index int64, format string, args ...any) *Problem {
	return &Problem{Kind: kind, Index: index, Detail: fmt.Sprintf(format, args...)}
}

// manifest reads manifest.json and proofs.json.
func (v *bundleVerifier) checkManifest() *Problem {
	if err := json.Unmarshal(v.files[fileManifest], &v.m); err != nil {
		return bundleProblem(KindBundle, -1, "manifest.json: %v", err)
	}
	if v.m.Format != BundleFormat || v.m.Version != BundleVersion {
		return bundleProblem(KindBundle, -1, "manifest.json: format %q version %d, want %q version %d", v.m.Format, v.m.Version, BundleFormat, BundleVersion)
	}
	if err := json.Unmarshal(v.files[fileProofs], &v.proofs); err != nil {
		return bundleProblem(KindBundle, -1, "proofs.json: %v", err)
	}
	v.rep.From, v.rep.To, v.rep.TreeSize, v.rep.Root = v.m.From, v.m.To, v.proofs.TreeSize, v.proofs.Root
	if v.m.From < 0 || v.m.To < v.m.From || v.m.TreeSize != v.proofs.TreeSize || v.m.Root != v.proofs.Root {
		return bundleProblem(KindBundle, -1, "manifest.json (leaves %d..%d, tree size %d) and proofs.json (tree size %d) do not agree", v.m.From, v.m.To, v.m.TreeSize, v.proofs.TreeSize)
	}
	return nil
}

// key checks key.pub (against the pinned key, if any).
func (v *bundleVerifier) checkKey(pinned string) *Problem {
	v.verifier = strings.TrimSpace(string(v.files[fileKey]))
	v.rep.Key = v.verifier
	if _, err := note.NewVerifier(v.verifier); err != nil {
		return bundleProblem(KindBadKey, -1, "key.pub: %v", err)
	}
	if pinned != "" && !sameKey(pinned, v.verifier) {
		return bundleProblem(KindBadKey, -1, "the bundle is signed with key %q, not the pinned key %q", v.verifier, strings.TrimSpace(pinned))
	}
	return nil
}

// heads verifies every signed head and finds the bundle's head.
func (v *bundleVerifier) checkHeads() *Problem {
	for _, text := range strings.Split(string(v.files[fileHeads]), headSeparator+"\n") {
		h, err := ParseHead(text, v.verifier)
		if err != nil {
			kind := KindBundle
			if errors.Is(err, ErrSignature) {
				kind = KindBadSignature
			}
			return bundleProblem(kind, -1, "heads.txt: %v", err)
		}
		v.heads = append(v.heads, h)
	}
	slices.SortStableFunc(v.heads, func(a, b Head) int { return cmp.Compare(a.Size, b.Size) })
	last := v.heads[len(v.heads)-1]
	v.rep.Heads = len(v.heads)
	if last.Size != v.proofs.TreeSize || last.Root != v.proofs.Root {
		return bundleProblem(KindBundle, -1, "the largest signed head (size %d, root %s) is not the head the proofs are for (size %d, root %s)", last.Size, last.Root, v.proofs.TreeSize, v.proofs.Root)
	}
	if v.m.To >= last.Size {
		return bundleProblem(KindBundle, v.m.To, "leaf %d is beyond the signed head of size %d", v.m.To, last.Size)
	}
	return nil
}

// consistency checks that each signed head extends the one before.
func (v *bundleVerifier) checkConsistency() *Problem {
	for i := 1; i < len(v.heads); i++ {
		a, b := v.heads[i-1], v.heads[i]
		var proof tlog.TreeProof
		if a.Size < b.Size {
			k := slices.IndexFunc(v.proofs.Consistency, func(c Consistency) bool { return c.OldSize == a.Size && c.NewSize == b.Size })
			if k < 0 {
				return bundleProblem(KindBundle, -1, "proofs.json has no consistency proof from size %d to %d", a.Size, b.Size)
			}
			proof = v.proofs.Consistency[k].Proof
		}
		if err := CheckConsistency(a, b, proof); err != nil {
			p := bundleProblem(KindBadProof, b.Size-1, "%v", err)
			p.HeadSize = b.Size
			return p
		}
	}
	return nil
}

// lines checks every line of events.jsonl.
func (v *bundleVerifier) checkLines() *Problem {
	data := v.files[fileEvents]
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return bundleProblem(KindBundle, v.m.To, "events.jsonl must end with a newline")
	}
	lines := bytes.Split(data[:len(data)-1], []byte{'\n'})
	want := v.m.To - v.m.From + 1
	if int64(len(lines)) != want || int64(len(v.proofs.Leaves)) != want {
		return bundleProblem(KindBundle, v.m.From, "leaves %d..%d need %d lines and proofs; events.jsonl has %d lines, proofs.json %d proofs",
			v.m.From, v.m.To, want, len(lines), len(v.proofs.Leaves))
	}
	head := v.heads[len(v.heads)-1]
	for k, line := range lines {
		if p := v.checkLine(head, v.m.From+int64(k), line, v.proofs.Leaves[k]); p != nil {
			return p
		}
		v.rep.Events++
	}
	return nil
}

// line checks one line, the leaf index-th.
func (v *bundleVerifier) checkLine(head Head, index int64, line []byte, pl bundleLeaf) *Problem {
	p := &Problem{Index: index, EventID: pl.EventID.String()}
	if pl.Index != index {
		p.Kind, p.Detail = KindBundle, fmt.Sprintf("line %d has the proof of leaf %d: the leaves are not contiguous", index-v.m.From+1, pl.Index)
		return p
	}
	if h := tlog.RecordHash(line); h != pl.LeafHash {
		p.Kind, p.Detail = KindAltered, fmt.Sprintf("line %d of events.jsonl hashes to %s, but the proven leaf hash is %s", index-v.m.From+1, h, pl.LeafHash)
		return p
	}
	if err := CheckInclusion(head, index, pl.LeafHash, pl.Proof); err != nil {
		p.Kind, p.Detail = KindBadProof, err.Error()
		return p
	}
	ev, err := ParseLeaf(line)
	if err != nil {
		p.Kind, p.Detail = KindBundle, err.Error()
		return p
	}
	if ev.ID != pl.EventID {
		p.Kind, p.Detail = KindBundle, fmt.Sprintf("the line is event %s, its proof names event %s", ev.ID, pl.EventID)
		return p
	}
	return nil
}
