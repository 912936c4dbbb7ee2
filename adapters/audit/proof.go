package audit

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/nisa-eu/nisa/domain"
)

// ErrProof matches every error of a proof that does not verify.
var ErrProof = errors.New("audit: proof does not verify")

// SizeError reports a tree size or leaf index beyond the recorded tree. It
// matches domain.ErrNotFound.
type SizeError struct {
	// What names what was asked for, e.g. "tree size 500" or "leaf 42".
	What string
	// Size is the size of the tree there is.
	Size int64
}

// Error implements error.
func (e *SizeError) Error() string {
	return fmt.Sprintf("audit: %s is beyond the tree, which has %d leaves", e.What, e.Size)
}

// Is reports whether target is domain.ErrNotFound.
func (e *SizeError) Is(target error) bool { return target == domain.ErrNotFound }

// Inclusion is a proof that the tree of Head.Size leaves with root
// Head.Root has the leaf LeafHash at Index (an RFC 6962 audit path).
type Inclusion struct {
	Index    int64            `json:"index"`
	EventID  domain.EventID   `json:"event_id"`
	Position domain.Position  `json:"position"`
	LeafHash tlog.Hash        `json:"leaf_hash"`
	Proof    tlog.RecordProof `json:"proof"`
	// Head is the head the proof is checked against: a signed head (Note
	// set) or, for a size no head was signed at, the computed one.
	Head Head `json:"head"`
}

// Check verifies the proof against its own Head (see CheckInclusion).
func (p Inclusion) Check() error { return CheckInclusion(p.Head, p.Index, p.LeafHash, p.Proof) }

// Consistency is a proof that the tree of NewSize leaves (root NewRoot)
// extends the tree of OldSize leaves (root OldRoot): an RFC 6962
// consistency proof.
type Consistency struct {
	OldSize int64          `json:"old_size"`
	OldRoot tlog.Hash      `json:"old_root"`
	NewSize int64          `json:"new_size"`
	NewRoot tlog.Hash      `json:"new_root"`
	Proof   tlog.TreeProof `json:"proof"`
}

// InclusionProof proves that leaf index is in the tree of treeSize leaves.
// A treeSize of 0 means the latest signed head; when no signed head covers
// the leaf yet, one is signed if the Tree has a signer. The proof's Head is
// the signed head of that size when there is one. Sizes and indexes beyond
// the tree give a *SizeError (matching domain.ErrNotFound), a negative
// index an error matching domain.ErrInvalid.
func (t *Tree) InclusionProof(ctx context.Context, index, treeSize int64) (Inclusion, error) {
	if index < 0 || treeSize < 0 {
		return Inclusion{}, &domain.ValidationError{Field: "index", Value: fmt.Sprint(index, "/", treeSize), Reason: "leaf index and tree size must not be negative"}
	}
	head, err := t.headFor(ctx, index, treeSize)
	if err != nil {
		return Inclusion{}, err
	}
	leaf, err := t.st.Leaves(ctx, index, 1)
	if err != nil {
		return Inclusion{}, err
	}
	if len(leaf) != 1 || leaf[0].Index != index {
		return Inclusion{}, fmt.Errorf("audit: leaf %d is missing from the tree records", index)
	}
	proof, err := tlog.ProveRecord(head.Size, index, hashReader(ctx, t.st))
	if err != nil {
		return Inclusion{}, fmt.Errorf("audit: prove leaf %d in the tree of size %d: %w", index, head.Size, err)
	}
	l := leaf[0]
	return Inclusion{Index: index, EventID: l.EventID, Position: l.Position, LeafHash: l.Hash, Proof: proof, Head: head}, nil
}

// InclusionProofOf is InclusionProof for the leaf of event id; an event
// without a leaf gives an error matching domain.ErrNotFound.
func (t *Tree) InclusionProofOf(ctx context.Context, id domain.EventID, treeSize int64) (Inclusion, error) {
	index, err := t.st.LeafIndexOf(ctx, id)
	if err != nil {
		return Inclusion{}, err
	}
	return t.InclusionProof(ctx, index, treeSize)
}

// headFor returns the head to prove leaf index against (see
// InclusionProof).
func (t *Tree) headFor(ctx context.Context, index, treeSize int64) (Head, error) {
	if treeSize == 0 {
		return t.coveringHead(ctx, index)
	}
	size, err := t.st.Size(ctx)
	if err != nil {
		return Head{}, err
	}
	switch {
	case treeSize > size:
		return Head{}, &SizeError{What: fmt.Sprintf("tree size %d", treeSize), Size: size}
	case index >= treeSize:
		return Head{}, &SizeError{What: fmt.Sprintf("leaf %d", index), Size: treeSize}
	}
	return t.headAt(ctx, treeSize)
}

// coveringHead returns the latest signed head if it covers leaf index, or
// a new one signed now.
func (t *Tree) coveringHead(ctx context.Context, index int64) (Head, error) {
	h, ok, err := t.st.LatestHead(ctx)
	if err != nil || ok && h.Size > index {
		return h, err
	}
	if t.signer == nil {
		size, err := t.st.Size(ctx)
		if err != nil {
			return Head{}, err
		}
		if index >= size {
			return Head{}, &SizeError{What: fmt.Sprintf("leaf %d", index), Size: size}
		}
		return Head{}, fmt.Errorf("audit: no signed tree head covers leaf %d yet: %w", index, domain.ErrNotFound)
	}
	h, err = t.SignHead(ctx)
	if err == nil && h.Size <= index {
		err = &SizeError{What: fmt.Sprintf("leaf %d", index), Size: h.Size}
	}
	return h, err
}

// headAt returns the latest signed head of exactly size leaves, or the
// computed (unsigned) one.
func (t *Tree) headAt(ctx context.Context, size int64) (Head, error) {
	heads, err := t.st.Heads(ctx)
	if err != nil {
		return Head{}, err
	}
	for i := len(heads) - 1; i >= 0; i-- {
		if heads[i].Size == size {
			return heads[i], nil
		}
	}
	root, err := tlog.TreeHash(size, hashReader(ctx, t.st))
	if err != nil {
		return Head{}, fmt.Errorf("audit: root of the tree of size %d: %w", size, err)
	}
	return Head{Size: size, Root: root}, nil
}

// ConsistencyProof proves that the tree of newSize leaves extends the tree
// of oldSize leaves, with the roots of both computed from the storage.
// It needs 1 <= oldSize <= newSize (else an error matching
// domain.ErrInvalid); a newSize beyond the tree gives a *SizeError.
func (t *Tree) ConsistencyProof(ctx context.Context, oldSize, newSize int64) (Consistency, error) {
	if oldSize < 1 || oldSize > newSize {
		return Consistency{}, &domain.ValidationError{Field: "size", Value: fmt.Sprintf("%d..%d", oldSize, newSize), Reason: "want 1 <= old size <= new size"}
	}
	size, err := t.st.Size(ctx)
	if err != nil {
		return Consistency{}, err
	}
	if newSize > size {
		return Consistency{}, &SizeError{What: fmt.Sprintf("tree size %d", newSize), Size: size}
	}
	r := hashReader(ctx, t.st)
	c := Consistency{OldSize: oldSize, NewSize: newSize}
	if c.OldRoot, err = tlog.TreeHash(oldSize, r); err != nil {
		return Consistency{}, fmt.Errorf("audit: root of the tree of size %d: %w", oldSize, err)
	}
	if c.NewRoot, err = tlog.TreeHash(newSize, r); err != nil {
		return Consistency{}, fmt.Errorf("audit: root of the tree of size %d: %w", newSize, err)
	}
	if c.Proof, err = tlog.ProveTree(newSize, oldSize, r); err != nil {
		return Consistency{}, fmt.Errorf("audit: prove size %d extends size %d: %w", newSize, oldSize, err)
	}
	return c, nil
}

// CheckInclusion verifies that the tree of head (Size and Root; verify its
// signature first with ParseHead) has the leaf leafHash at index. Its
// errors match ErrProof.
func CheckInclusion(head Head, index int64, leafHash tlog.Hash, proof tlog.RecordProof) error {
	if index < 0 || index >= head.Size {
		return fmt.Errorf("%w: leaf %d is not within the tree of size %d", ErrProof, index, head.Size)
	}
	if err := tlog.CheckRecord(proof, head.Size, head.Root, index, leafHash); err != nil {
		return fmt.Errorf("%w: leaf %d with hash %s is not in the tree of size %d with root %s (%v)", ErrProof, index, leafHash, head.Size, head.Root, err)
	}
	return nil
}

// CheckConsistency verifies that the tree of newHead extends the tree of
// oldHead (sizes and roots; verify their signatures first with
// ParseHead). Heads of equal size must have equal roots. Its errors match
// ErrProof.
func CheckConsistency(oldHead, newHead Head, proof tlog.TreeProof) error {
	if oldHead.Size < 1 || oldHead.Size > newHead.Size {
		return fmt.Errorf("%w: cannot prove a tree of size %d extends one of size %d", ErrProof, newHead.Size, oldHead.Size)
	}
	if oldHead.Size == newHead.Size && oldHead.Root != newHead.Root {
		return fmt.Errorf("%w: two heads of size %d have different roots (%s, %s): the tree was rewritten", ErrProof, oldHead.Size, oldHead.Root, newHead.Root)
	}
	if err := tlog.CheckTree(proof, newHead.Size, newHead.Root, oldHead.Size, oldHead.Root); err != nil {
		return fmt.Errorf("%w: the tree of size %d with root %s does not extend the tree of size %d with root %s (%v)", ErrProof, newHead.Size, newHead.Root, oldHead.Size, oldHead.Root, err)
	}
	return nil
}
