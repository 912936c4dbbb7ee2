-- 0001: the event log.
--
-- One row per event. The global log is read in (transaction_id,
-- global_position) order: transaction_id is the 64-bit id of the writing
-- transaction, assigned only after the writer holds its stream's advisory
-- lock, and global_position numbers the rows of a transaction in append
-- order. See adapters/postgres/doc.go for why readers never skip an event.
CREATE TABLE nisa_events (
    transaction_id  bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    global_position bigint      GENERATED ALWAYS AS IDENTITY,
    event_id        uuid        NOT NULL,
    stream_id       text        NOT NULL,
    stream_version  bigint      NOT NULL,
    event_type      text        NOT NULL,
    schema_version  int         NOT NULL,
    data            json        NOT NULL, -- json, not jsonb: the exact bytes are kept (audit hashes them)
    actor           text        NOT NULL DEFAULT '',
    correlation_id  text        NOT NULL DEFAULT '',
    causation_id    text        NOT NULL DEFAULT '',
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT nisa_events_pkey PRIMARY KEY (transaction_id, global_position),
    CONSTRAINT nisa_events_event_id_key UNIQUE (event_id),
    CONSTRAINT nisa_events_stream_key UNIQUE (stream_id, stream_version),
    CONSTRAINT nisa_events_stream_version_check CHECK (stream_version >= 1),
    CONSTRAINT nisa_events_schema_version_check CHECK (schema_version >= 1)
);

COMMENT ON TABLE nisa_events IS
    'nisa event log: append-only; read the global log in (transaction_id, global_position) order, bounded by the snapshot xmin';
COMMENT ON COLUMN nisa_events.transaction_id IS
    'pg_current_xact_id() of the appending transaction (assigned after the stream''s advisory lock is held)';
COMMENT ON COLUMN nisa_events.global_position IS
    'row sequence; orders the events of one transaction (append order)';
COMMENT ON COLUMN nisa_events.data IS
    'event body as sent (json keeps the exact bytes)';
