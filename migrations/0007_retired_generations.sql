-- 0007: generations are deleted after a rebuild's switch, not during it.
--
-- Promote (and StartRebuild, for an abandoned building generation) used
-- to delete the replaced generation's rows in its own transaction: about
-- 4 s for the 1.5 million timeline rows of a 1,000,000-event network
-- (measured in psql on the bench's database). That transaction holds a
-- transaction id, and the PostgreSQL event log shows no event committed
-- after the oldest running id, so every live subscriber (websocket,
-- projections, webhooks) stood still meanwhile. Now the switch records
-- the generation here and the store deletes its rows afterwards in small
-- transactions (adapters/postgres: purgeRetired); what a process that
-- stopped half-way left is deleted by the next StartRebuild or Promote.
CREATE TABLE rm_retired (
    projection text COLLATE "C" NOT NULL,
    gen        bigint NOT NULL,
    retired_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, gen)
);
