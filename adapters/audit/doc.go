// Package audit keeps nisa's tamper-evident log: a Merkle tree (RFC 6962,
// built with golang.org/x/mod/sumdb/tlog) over the global event log, with
// tree heads signed by an Ed25519 key (golang.org/x/mod/sumdb/note). It
// proves that an event is in the log (inclusion proofs), that a later tree
// extends an earlier one (consistency proofs), verifies a whole store
// against the tree (Verify) and exports self-contained evidence bundles
// (Export, VerifyBundle).
//
// # Leaves
//
// Leaf i of the tree is the i-th event (from 0) of the global log, in
// position order. Its record is the event's leaf line (Leaf): one line of
// JSON, UTF-8, without a trailing newline, with these keys in this order
// and no white space between tokens:
//
//	{"position":"<Position.String()>","event_id":"<lower-case UUID>",
//	 "stream_id":"…","stream_version":<n>,"type":"…","schema_version":<n>,
//	 "recorded_at":"<UTC, RFC 3339 with nanoseconds, trailing zeros cut>",
//	 "actor":"…","correlation_id":"…","causation_id":"…",<body>}
//
// (shown on three lines here; a leaf is one). Numbers are decimal
// integers. Strings are written as Go's encoding/json writes them with
// HTML escaping off: '"' and '\' escaped with a backslash, \b \f \n \r
// \t for those controls, \u00XX (lower-case hex) for the other controls
// below U+0020, \u2028 and \u2029 for those two characters, everything
// else (DEL, '/', '<', non-ASCII) literally; invalid UTF-8, which
// validated fields cannot hold, becomes \ufffd. recorded_at
// is time.RFC3339Nano of the UTC time, e.g. "2025-03-01T09:30:00.123456Z".
// The body carries the exact stored data bytes, in the first form that
// applies:
//
//	"data":<the bytes verbatim>   when they are valid UTF-8 and compact JSON
//	                              (json.Compact leaves them unchanged)
//	"data_text":"<the bytes as a JSON string>"   when they are valid UTF-8
//	"data_base64":"<standard base64, padded>"    otherwise
//
// So a leaf is always one line and always covers the stored bytes exactly;
// ParseLeaf reverses Leaf and accepts only this canonical form. The leaf
// hash is tlog.RecordHash(line) = SHA-256(0x00 || line), and interior
// nodes are SHA-256(0x01 || left || right) (RFC 6962 §2.1): auditors can
// recompute both with their own tools.
//
// # Tree records
//
// A Storage keeps the tree apart from the events: the recorded leaves
// (index, position, event id, leaf hash), the tlog stored hashes by
// storage index (tlog.StoredHashIndex) and the signed heads. PGStorage
// keeps them in PostgreSQL (migration 0004_audit.sql), BoltStorage in a
// bolt file of its own (audit.db beside the embedded store's events.db).
// A Tree follows the log (Run, CatchUp) and appends leaves in batches;
// several Trees, also in several processes, may build into one PGStorage:
// an append carries the size it expects and fails with ErrStale when
// another builder was first, and the loser compares the other's leaves
// with its own (a difference is logged as an error).
//
// # Tree heads
//
// A tree head states the size and root of the tree at a time. Its note
// text (HeadText) is four lines, each ending in a newline:
//
//	nisa tree head v1
//	<size, decimal>
//	<root hash, standard base64>
//	<time, RFC 3339, UTC, whole seconds>
//
// and it is signed as a note (golang.org/x/mod/sumdb/note): the text, a
// blank line, then a line "— <key name> <base64(4-byte key hash ||
// 64-byte Ed25519 signature of the text)>". The verifier key is
// "<name>+<8 hex digits key hash>+<base64(0x01 || 32-byte public key)>",
// the key hash being the first 4 bytes (big-endian) of SHA-256(name ||
// "\n" || 0x01 || public key). LoadOrCreateKey keeps the signing key in a
// file; ParseHead verifies a signed head.
//
// # Verify
//
// Verify reads the whole log from the store, recomputes every leaf and
// compares it with the recorded leaf at the same index. It reports the
// first problem (Report.Problem; see the Kind constants): "altered" (same
// event id, different leaf hash: some byte of the event changed; also an
// event the store cannot read), "missing" (the recorded event is absent:
// the log holds the next recorded event there, or ends early),
// "reordered" (the recorded event appears later in the log),
// "unexpected" (the log holds an event the records do not have at that
// index). Events after the recorded leaves are counted as not yet in the
// tree. It then recomputes the tree from the recomputed leaves and checks
// every signed head: its signature ("bad_signature") and its root at its
// size ("head_mismatch": the tree's own records were rewritten, e.g. a
// leaf hash changed together with its event), and finally compares every
// stored tree hash with the recomputed one ("hash_mismatch").
//
// # Bundles
//
// Export writes a gzip'd tar with these files:
//
//	README.txt     what the files are and how to check them by hand
//	manifest.json  format "nisa-audit-bundle" version 1, the leaf range
//	               from..to (inclusive), first and last positions, the
//	               size and root of the bundle's head, creation time
//	events.jsonl   the leaf lines of leaves from..to, one per line, each
//	               followed by a newline
//	heads.txt      the signed heads, ascending by size, separated by a
//	               line "---": the earliest signed head covering leaf to
//	               and the latest (the bundle's head)
//	proofs.json    tree_size and root of the bundle's head; per line its
//	               index, event id, leaf hash and inclusion proof (audit
//	               path, leaf to root); consistency proofs between
//	               successive heads
//	key.pub        the verifier key
//
// VerifyBundle checks a bundle with nothing but its content (and
// optionally a pinned key). IndexRange turns --from/--to bounds (leaf
// index "#N", position or RFC 3339 time) into leaf indexes.
package audit
