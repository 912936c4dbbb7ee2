-- 0002: Idempotency-Key records of the HTTP API.
--
-- Not part of the event log: a record keeps the response of a POST made
-- with an Idempotency-Key so that a retry gets the same answer. Records are
-- purged after the retention period (48 hours).
CREATE TABLE nisa_idempotency (
    key         text        PRIMARY KEY, -- hex SHA-256 of caller and key
    fingerprint text        NOT NULL,    -- hex SHA-256 of method, path and body
    done        boolean     NOT NULL DEFAULT false,
    status      int         NOT NULL DEFAULT 0,
    header      jsonb       NOT NULL DEFAULT '{}',
    body        bytea       NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);

CREATE INDEX nisa_idempotency_created_at ON nisa_idempotency (created_at);
