// Package migrations holds nisa's PostgreSQL schema as numbered SQL files
// (0001_events.sql, 0002_….sql, …) embedded in the binary. The PostgreSQL
// adapter (adapters/postgres.Migrate) applies them in order, each once and
// in its own transaction, and records a checksum of every file it applied:
// an applied file must never change, add a new file instead.
package migrations

import "embed"

// FS holds the migration files, named NNNN_description.sql, where NNNN is
// the version (applied in increasing order). Files are plain SQL run as one
// transaction each; they must not contain BEGIN/COMMIT or statements that
// cannot run inside a transaction (such as CREATE INDEX CONCURRENTLY).
//
//go:embed *.sql
var FS embed.FS
