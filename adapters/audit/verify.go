package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/domain"
)

// Kinds of Problem.
const (
	// KindAltered: the event at a recorded index has the recorded id but a
	// different leaf (some byte of it changed), or cannot be read at all.
	KindAltered = "altered"
	// KindMissing: the recorded event at an index is absent from the log.
	KindMissing = "missing"
	// KindReordered: the recorded event at an index appears later in the
	// log than recorded.
	KindReordered = "reordered"
	// KindUnexpected: the log holds, at a recorded index, an event the
	// records do not have there (a foreign or duplicated event).
	KindUnexpected = "unexpected"
	// KindHeadMismatch: a signed head's root differs from the root
	// recomputed from the log at its size, or it covers more leaves than
	// recorded: the tree's own records were rewritten.
	KindHeadMismatch = "head_mismatch"
	// KindBadSignature: a head's signature does not verify with the key.
	KindBadSignature = "bad_signature"
	// KindHashMismatch: a stored tree hash differs from the one recomputed
	// from the log.
	KindHashMismatch = "hash_mismatch"
	// KindBundle: a bundle is malformed (missing file, bad JSON, lines and
	// proofs that do not line up); only VerifyBundle reports it.
	KindBundle = "bundle"
	// KindBadKey: a bundle's key is not the pinned key; only VerifyBundle
	// reports it.
	KindBadKey = "bad_key"
	// KindBadProof: an inclusion or consistency proof of a bundle does not
	// verify; only VerifyBundle reports it.
	KindBadProof = "bad_proof"
)

// verifyBatch is the number of events and leaves Verify reads at once.
const verifyBatch = 1000

// Problem is the first integrity problem found. Index is a leaf index
// (0-based ordinal in the global log); Position and EventID describe the
// recorded event at Index, FoundPosition and FoundEventID the event found
// in the log there. HeadSize names the signed head of a head problem.
type Problem struct {
	Kind          string `json:"kind"`
	Index         int64  `json:"index"`
	Position      string `json:"position,omitempty"`
	EventID       string `json:"event_id,omitempty"`
	FoundPosition string `json:"found_position,omitempty"`
	FoundEventID  string `json:"found_event_id,omitempty"`
	HeadSize      int64  `json:"head_size,omitempty"`
	Detail        string `json:"detail"`
}

// String describes the problem in one line.
func (p *Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Kind)
	if p.Index >= 0 {
		fmt.Fprintf(&b, " at leaf %d", p.Index)
	}
	if p.HeadSize > 0 {
		fmt.Fprintf(&b, " (signed head of size %d)", p.HeadSize)
	}
	if p.EventID != "" {
		fmt.Fprintf(&b, ": recorded event %s", p.EventID)
		if p.Position != "" {
			fmt.Fprintf(&b, " at position %s", p.Position)
		}
	}
	if p.FoundEventID != "" && (p.FoundEventID != p.EventID || p.FoundPosition != p.Position) {
		fmt.Fprintf(&b, "; found event %s at position %s", p.FoundEventID, p.FoundPosition)
	}
	if p.Detail != "" {
		fmt.Fprintf(&b, ": %s", p.Detail)
	}
	return b.String()
}

// Report is the result of Verify.
type Report struct {
	// OK is true when no problem was found.
	OK bool `json:"ok"`
	// TreeSize is the number of recorded leaves.
	TreeSize int64 `json:"tree_size"`
	// Checked is the number of events compared with their leaves.
	Checked int64 `json:"checked"`
	// NotYetInTree counts the events after the last recorded leaf (not a
	// failure: the builder has not reached them).
	NotYetInTree int64 `json:"not_yet_in_tree"`
	// Heads is the number of signed heads checked.
	Heads int `json:"heads"`
	// SignaturesChecked is false when Verify had no verifier key.
	SignaturesChecked bool `json:"signatures_checked"`
	// Root is the root recomputed from the log over TreeSize leaves.
	Root tlog.Hash `json:"root"`
	// Problem is the first problem found, nil when OK.
	Problem *Problem `json:"problem,omitempty"`
}

// String describes the report for people.
func (r Report) String() string {
	if !r.OK {
		p := "unknown problem"
		if r.Problem != nil {
			p = r.Problem.String()
		}
		return fmt.Sprintf("FAILED: %s (checked %d of %d recorded leaves)", p, r.Checked, r.TreeSize)
	}
	sig := "signatures verified"
	if !r.SignaturesChecked {
		sig = "signatures NOT checked (no verifier key)"
	}
	return fmt.Sprintf("OK: %d events match the %d recorded leaves; root %s; %d signed heads match (%s); %d events not yet in the tree",
		r.Checked, r.TreeSize, r.Root, r.Heads, sig, r.NotYetInTree)
}

// Verify recomputes the leaves of the log in store and compares them with
// the tree records in st, index by index; recomputes the tree from them;
// checks every signed head (signature with verifierKey, unless empty, and
// root at its size); and checks every stored tree hash. The Report
// describes the first problem (see the Kind constants); events after the
// recorded leaves are counted as not yet in the tree. progress, if not
// nil, is called after each batch with the leaves checked and the tree
// size. The error is for failures to read the records or a closed store,
// not for integrity problems.
func Verify(ctx context.Context, store domain.EventStore, st Storage, verifierKey string, progress func(done, total int64)) (Report, error) {
	size, err := st.Size(ctx)
	if err != nil {
		return Report{}, err
	}
	v := &verifier{store: store, st: st, size: size, progress: progress}
	v.rep.TreeSize = size
	v.rep.SignaturesChecked = verifierKey != ""
	steps := []func(context.Context) error{
		v.leaves,
		func(ctx context.Context) error { return v.heads(ctx, verifierKey) },
		v.storedHashes,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return v.rep, err
		}
		if v.rep.Problem != nil {
			return v.rep, nil
		}
	}
	v.rep.OK = true
	return v.rep, nil
}

// verifier holds the state of one Verify.
type verifier struct {
	store    domain.EventStore
	st       Storage
	size     int64
	progress func(done, total int64)

	window  []LeafRecord // recorded leaves read ahead
	hashes  memHashes    // stored hashes recomputed from the log
	damaged *Problem     // an unreadable event after the current batch
	rep     Report
}

// fail records the first problem.
func (v *verifier) fail(p Problem) {
	if v.rep.Problem == nil {
		v.rep.Problem = &p
	}
}

// recorded returns the recorded leaf at index i (< size).
func (v *verifier) recorded(ctx context.Context, i int64) (LeafRecord, error) {
	if len(v.window) == 0 || i < v.window[0].Index || i > v.window[len(v.window)-1].Index {
		recs, err := v.st.Leaves(ctx, i, verifyBatch)
		if err != nil {
			return LeafRecord{}, err
		}
		v.window = recs
	}
	if len(v.window) == 0 || v.window[0].Index > i {
		return LeafRecord{}, fmt.Errorf("audit: leaf %d of a tree of size %d is missing from the records", i, v.size)
	}
	rec := v.window[i-v.window[0].Index]
	if rec.Index != i {
		return LeafRecord{}, fmt.Errorf("audit: the leaf records have a gap before leaf %d", rec.Index)
	}
	return rec, nil
}

// leaves compares the log with the recorded leaves and recomputes the
// root.
func (v *verifier) leaves(ctx context.Context) error {
	after, i := domain.Start, int64(0)
	for {
		events, err := v.read(ctx, after, i)
		if err != nil || v.rep.Problem != nil {
			return err
		}
		if len(events) == 0 && v.damaged == nil {
			break
		}
		if len(events) > 0 {
			after = events[len(events)-1].Position
		}
		for k, ev := range events {
			if i >= v.size {
				v.rep.NotYetInTree++
				i++
				continue
			}
			if err := v.compare(ctx, i, ev, events[k+1:], after); err != nil || v.rep.Problem != nil {
				return err
			}
			i++
		}
		if v.damaged != nil {
			v.fail(*v.damaged)
			return nil
		}
		if v.progress != nil {
			v.progress(min(i, v.size), v.size)
		}
	}
	var err error
	v.rep.Root, err = tlog.TreeHash(v.size, v.hashes)
	return err
}

// read reads the next events after the event at ordinal next-1. A read
// error other than a closed store or an ended ctx is taken for a damaged
// event: read then goes event by event, returns the events before the
// damaged one and keeps the damaged one's problem (altered) in v.damaged.
func (v *verifier) read(ctx context.Context, after domain.Position, next int64) ([]domain.Event, error) {
	events, err := v.store.ReadAll(ctx, after, verifyBatch)
	if err == nil {
		if len(events) == 0 && next < v.size {
			rec, err := v.recorded(ctx, next)
			if err != nil {
				return nil, err
			}
			v.fail(Problem{Kind: KindMissing, Index: next, Position: rec.Position.String(), EventID: rec.EventID.String(),
				Detail: fmt.Sprintf("the log ends after %d events, but %d are recorded", next, v.size)})
		}
		return events, nil
	}
	if ctx.Err() != nil || errors.Is(err, domain.ErrClosed) {
		return nil, err
	}
	var good []domain.Event
	for len(good) < verifyBatch {
		one, err1 := v.store.ReadAll(ctx, after, 1)
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err1 == nil && len(one) == 1:
			good, after = append(good, one[0]), one[0].Position
			continue
		case err1 == nil:
			return nil, err // the failure did not repeat: not a damaged event
		}
		i := next + int64(len(good))
		p := Problem{Kind: KindAltered, Index: i, Detail: fmt.Sprintf("the store cannot read the event after position %s: %v", after, err1)}
		if i < v.size {
			rec, err := v.recorded(ctx, i)
			if err != nil {
				return nil, err
			}
			p.Position, p.EventID = rec.Position.String(), rec.EventID.String()
		}
		v.damaged = &p
		break
	}
	return good, nil
}

// compare checks the event at ordinal i against the recorded leaf i; rest
// are the events after it in its batch, after the position to read the
// log after at the end of the batch.
func (v *verifier) compare(ctx context.Context, i int64, ev domain.Event, rest []domain.Event, after domain.Position) error {
	rec, err := v.recorded(ctx, i)
	if err != nil {
		return err
	}
	if ev.ID != rec.EventID {
		return v.classify(ctx, i, rec, ev, rest, after)
	}
	h := LeafHash(ev)
	if h != rec.Hash {
		v.fail(Problem{Kind: KindAltered, Index: i, Position: rec.Position.String(), EventID: rec.EventID.String(),
			FoundPosition: ev.Position.String(), FoundEventID: ev.ID.String(),
			Detail: fmt.Sprintf("the event's leaf hash is %s, recorded %s: its content or metadata changed", h, rec.Hash)})
		return nil
	}
	v.rep.Checked++
	return v.hashes.add(i, h)
}

// classify tells why the log holds ev where leaf i of event rec was
// recorded (rest and after as for compare).
func (v *verifier) classify(ctx context.Context, i int64, rec LeafRecord, ev domain.Event, rest []domain.Event, after domain.Position) error {
	p := Problem{Index: i, Position: rec.Position.String(), EventID: rec.EventID.String(),
		FoundPosition: ev.Position.String(), FoundEventID: ev.ID.String()}
	j, err := v.st.LeafIndexOf(ctx, ev.ID)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		p.Kind, p.Detail = KindUnexpected, "the event found there has no leaf in the tree records"
		v.fail(p)
		return nil
	case err != nil:
		return err
	case j < i:
		p.Kind, p.Detail = KindUnexpected, fmt.Sprintf("the event found there was recorded earlier, as leaf %d: it appears twice", j)
		v.fail(p)
		return nil
	}
	k, found, err := v.findLater(ctx, rest, after, i+1, rec.EventID)
	if err != nil {
		return err
	}
	if found {
		p.Kind, p.Detail = KindReordered, fmt.Sprintf("the recorded event appears later in the log, as its event %d; the event found here was recorded as leaf %d", k, j)
	} else {
		p.Kind, p.Detail = KindMissing, fmt.Sprintf("the recorded event is absent from the log; the event found here was recorded as leaf %d", j)
	}
	v.fail(p)
	return nil
}

// findLater looks for event id among rest (whose first event has ordinal
// next) and then in the log after position after, and returns that
// event's ordinal. It reads to the end of the log if need be: it runs
// once, at the first problem.
func (v *verifier) findLater(ctx context.Context, rest []domain.Event, after domain.Position, next int64, id domain.EventID) (int64, bool, error) {
	for {
		for _, ev := range rest {
			if ev.ID == id {
				return next, true, nil
			}
			next++
		}
		events, err := v.store.ReadAll(ctx, after, verifyBatch)
		if err != nil {
			return 0, false, fmt.Errorf("audit: look for event %s in the log: %w", id, err)
		}
		if len(events) == 0 {
			return 0, false, nil
		}
		rest, after = events, events[len(events)-1].Position
	}
}

// heads checks every signed head against the recomputed tree.
func (v *verifier) heads(ctx context.Context, verifierKey string) error {
	heads, err := v.st.Heads(ctx)
	if err != nil {
		return err
	}
	for _, stored := range heads {
		v.checkHead(stored, verifierKey)
		if v.rep.Problem != nil {
			return nil
		}
		v.rep.Heads++
	}
	return nil
}

// checkHead checks one signed head.
func (v *verifier) checkHead(stored Head, verifierKey string) {
	p := Problem{Kind: KindHeadMismatch, Index: stored.Size - 1, HeadSize: stored.Size}
	h, err := openHead(stored.Note, verifierKey)
	switch {
	case errors.Is(err, ErrSignature):
		p.Kind, p.Detail = KindBadSignature, err.Error()
	case err != nil:
		p.Detail = fmt.Sprintf("the signed note cannot be read: %v", err)
	case h.Size != stored.Size || h.Root != stored.Root:
		p.Detail = fmt.Sprintf("the stored head (size %d, root %s) differs from its signed text (size %d, root %s)", stored.Size, stored.Root, h.Size, h.Root)
	case h.Size > v.size:
		p.Detail = fmt.Sprintf("the signed head covers %d leaves but only %d are recorded: leaves were removed from the records", h.Size, v.size)
	default:
		root, err := tlog.TreeHash(h.Size, v.hashes)
		if err != nil {
			p.Detail = fmt.Sprintf("recompute the root at size %d: %v", h.Size, err)
		} else if root != h.Root {
			p.Detail = fmt.Sprintf("the root recomputed from the log at size %d is %s, the signed root %s: the tree's records were rewritten", h.Size, root, h.Root)
		} else {
			return
		}
	}
	v.fail(p)
}

// openHead parses a signed head, verifying its signature when verifierKey
// is set.
func openHead(noteText, verifierKey string) (Head, error) {
	if verifierKey != "" {
		return ParseHead(noteText, verifierKey)
	}
	_, err := note.Open([]byte(noteText), note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		return Head{}, fmt.Errorf("%w: %v", ErrHeadFormat, err)
	}
	h, err := parseHeadText(unverified.Note.Text)
	h.Note = noteText
	return h, err
}

// storedHashes compares every stored tree hash with the recomputed one.
func (v *verifier) storedHashes(ctx context.Context) error {
	indexes := make([]int64, 0, verifyBatch)
	for from := int64(0); from < int64(len(v.hashes)); from += verifyBatch {
		indexes = indexes[:0]
		for x := from; x < min(from+verifyBatch, int64(len(v.hashes))); x++ {
			indexes = append(indexes, x)
		}
		stored, err := v.st.ReadHashes(ctx, indexes)
		if err != nil {
			return err
		}
		for k, x := range indexes {
			if stored[k] != v.hashes[x] {
				level, n := tlog.SplitStoredHashIndex(x)
				v.fail(Problem{Kind: KindHashMismatch, Index: n << level,
					Detail: fmt.Sprintf("stored tree hash %d (level %d, node %d) is %s, recomputed from the log %s", x, level, n, stored[k], v.hashes[x])})
				return nil
			}
		}
	}
	return nil
}
