package audit

// bundleReadmeText is README.txt of a bundle.
const bundleReadmeText = `nisa audit bundle (format nisa-audit-bundle, version 1)
======================================================

This archive is evidence that the events in events.jsonl are, unaltered,
at the stated places of nisa's global event log, and that the log was only
ever appended to between the signed tree heads it contains. Checking it
needs nothing but these files: nisa's bundle verifier (VerifyBundle of its
adapters/audit package) does all of the checks below, and each can be
redone by hand with standard tools.

Files
-----

manifest.json  The leaf range "from".."to" (leaf indexes, inclusive; leaf i
               is the i-th event of the global log, from 0), the positions
               of the first and last event, the size and root hash of the
               tree head the proofs are made against, the creation time.
events.jsonl   One line per event, leaves from..to in order. Each line
               (without its newline) is the exact leaf record that was
               hashed into the tree: a JSON object with the keys position,
               event_id, stream_id, stream_version, type, schema_version,
               recorded_at, actor, correlation_id, causation_id and the
               event body as "data" (verbatim, compact JSON), "data_text"
               (the stored bytes as a JSON string) or "data_base64".
heads.txt      Signed tree heads, ascending by size, separated by a line
               "---". The last one is the bundle's head.
proofs.json    tree_size and root of the bundle's head; "leaves": for each
               line its index, event_id, leaf_hash and inclusion proof;
               "consistency": a proof between each two successive heads.
               Hashes are standard base64 of 32 bytes.
key.pub        The verifier key of the log's signing key. Compare it with
               the key the operator published; a bundle proves nothing
               about a key you do not trust.

1. Check the signatures of the heads
------------------------------------

A head is a signed note. Its text is four lines, each ending in "\n":

    nisa tree head v1
    <tree size>
    <root hash, base64>
    <time, RFC 3339, UTC>

followed by an empty line and the signature line
"— <key name> <base64 signature>" (an em dash U+2014, a space, ...). The
decoded signature is a 4-byte key hash followed by the 64-byte Ed25519
signature of the text (the four lines with their newlines).

key.pub is "<name>+<key hash, 8 hex digits>+<base64 key>"; the decoded key
is the byte 0x01 followed by the 32-byte Ed25519 public key. The key hash is
the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key) and must
equal the first 4 bytes of the signature. Verify the Ed25519 signature with
any Ed25519 implementation (e.g. Go's golang.org/x/mod/sumdb/note.Open, or
PyNaCl, or "openssl pkeyutl -verify -rawin" with the key in DER form).

2. Check each line's leaf hash
------------------------------

The leaf hash of a line is SHA-256 of the byte 0x00 followed by the line
without its newline (RFC 6962 section 2.1). For line k (from 1):

    (printf '\000'; sed -n 'Kp' events.jsonl | tr -d '\n') \
        | openssl dgst -sha256 -binary | base64

must equal proofs.json leaves[k-1].leaf_hash, and leaves[k-1].index must
be from + k - 1.

3. Check each inclusion proof
-----------------------------

With n = the index, size = the tree size of the bundle's head, h = the
leaf hash and proof = the list of hashes (from the leaf up to the root),
recompute the root as in RFC 9162 section 2.1.3.2, where
NODE(a, b) = SHA-256(0x01 || a || b):

    fn = n, sn = size - 1, r = h
    for each p in proof:
        if sn == 0: fail
        if fn is odd or fn == sn:
            r = NODE(p, r)
            if fn is even: shift fn and sn right until fn is odd or 0
        else:
            r = NODE(r, p)
        fn = fn >> 1, sn = sn >> 1
    succeed if sn == 0 and r == the head's root

4. Check consistency between successive heads
---------------------------------------------

For each two successive heads (sizes m < n, roots A and B), the entry of
proofs.json "consistency" with old_size m and new_size n must verify as an
RFC 9162 section 2.1.4.2 consistency proof (RFC 6962 section 2.1.2): it
proves that the tree of size n contains the tree of size m unchanged, that
is, nothing in the log was altered, removed or reordered between the two
heads. Heads of equal size must have equal roots.

5. Read the events
------------------

Every line is one JSON object; "data" is the event body as the application
stored it. positions and stream versions tell where each event is in the
global log and in its stream; recorded_at is the server's clock.
`
