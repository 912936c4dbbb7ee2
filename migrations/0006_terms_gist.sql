-- 0006: the trigram index of the term dictionary becomes a GiST index.
--
-- Vocabulary (typo-tolerant and prefix search terms, adapters/postgres)
-- asks rm_terms for the terms similar to each query word (pg_trgm's %).
-- With the GIN index of 0003 that took 11–40 ms per word over the 22,000
-- terms of a 100,000-offer network (GIN reads the posting list of every
-- trigram of the word, and scans its pending list of fresh entries until
-- a vacuum merges it); with GiST it took about 2 ms. The dictionary is
-- small and rarely written, so GiST's slower inserts do not matter.
DROP INDEX rm_terms_trgm;
CREATE INDEX rm_terms_trgm ON rm_terms USING gist (term gist_trgm_ops);
