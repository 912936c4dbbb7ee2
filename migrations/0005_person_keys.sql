-- 0005: the key store of crypto-shredding (adapters/shred.PGKeys).
--
-- One AES-256 key per person, apart from the event log: personal data in
-- events is sealed under these keys. Forgetting a person sets key and
-- lookup to NULL (and VACUUMs the table, best effort) and keeps the row
-- as the record that the person was forgotten. lookup is an HMAC-SHA-256
-- of the person's e-mail address (or name within a stream) under the
-- secret in nisa_key_secrets: the table never holds an address or a name.
CREATE TABLE nisa_key_secrets (
    name   text  PRIMARY KEY,
    secret bytea NOT NULL
);

CREATE TABLE nisa_person_keys (
    person_id    text        PRIMARY KEY,
    key          bytea,
    lookup       bytea       UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    destroyed_at timestamptz,
    CONSTRAINT nisa_person_keys_destroyed_check CHECK ((destroyed_at IS NULL) = (key IS NOT NULL))
);

COMMENT ON TABLE nisa_person_keys IS
    'nisa crypto-shredding keys: one per person; destroyed keys are NULL';
