-- 0004: the tamper-evident log (adapters/audit).
--
-- A Merkle tree (RFC 6962, as golang.org/x/mod/sumdb/tlog builds it) over
-- the global event log: leaf i is the canonical leaf line of the i-th
-- event (0-based) of the log. These tables are the tree's own records and
-- are kept apart from nisa_events: verification recomputes the leaves from
-- the events and compares. Rows are only ever inserted; builders in several
-- processes serialise their appends with a transaction advisory lock and
-- the primary keys.

-- One row per recorded leaf.
CREATE TABLE nisa_audit_leaves (
    idx       bigint PRIMARY KEY,   -- ordinal of the event in the global log, from 0
    position  text   NOT NULL,      -- domain.Position.String() of the event
    event_id  uuid   NOT NULL,
    leaf_hash bytea  NOT NULL,      -- SHA-256(0x00 || leaf line), 32 bytes
    CONSTRAINT nisa_audit_leaves_event_id_key UNIQUE (event_id),
    CONSTRAINT nisa_audit_leaves_idx_check CHECK (idx >= 0),
    CONSTRAINT nisa_audit_leaves_hash_check CHECK (octet_length(leaf_hash) = 32)
);

-- The tlog stored hashes, by storage index (tlog.StoredHashIndex): every
-- leaf hash and the hash of every complete subtree.
CREATE TABLE nisa_audit_hashes (
    idx  bigint PRIMARY KEY,
    hash bytea  NOT NULL,
    CONSTRAINT nisa_audit_hashes_idx_check CHECK (idx >= 0),
    CONSTRAINT nisa_audit_hashes_hash_check CHECK (octet_length(hash) = 32)
);

-- Signed tree heads: the root of the tree of the first size leaves, and
-- the signed note ("nisa tree head v1", see adapters/audit/doc.go).
CREATE TABLE nisa_audit_heads (
    size      bigint      NOT NULL,
    signed_at timestamptz NOT NULL,
    root      bytea       NOT NULL,
    note      text        NOT NULL,
    PRIMARY KEY (size, signed_at),
    CONSTRAINT nisa_audit_heads_size_check CHECK (size >= 0),
    CONSTRAINT nisa_audit_heads_root_check CHECK (octet_length(root) = 32)
);

COMMENT ON TABLE nisa_audit_leaves IS
    'audit tree: one leaf per event of the global log, in log order; insert-only';
COMMENT ON TABLE nisa_audit_hashes IS
    'audit tree: tlog stored hashes by storage index; insert-only';
COMMENT ON TABLE nisa_audit_heads IS
    'audit tree: signed tree heads (Ed25519 signed notes); insert-only';
