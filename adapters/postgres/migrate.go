package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nisa-eu/nisa/migrations"
)

// Advisory lock key of Migrate: the two-key form (classid, objid) lives in a
// different lock space from the one-key locks taken on stream hashes, so the
// two never collide.
const (
	migrateLockClass = 0x6e697361 // "nisa"
	migrateLockObj   = 1
)

// ErrPendingMigrations is returned by MigrationStatus (and so by
// Store.Ready) when the database lacks a migration this binary embeds.
var ErrPendingMigrations = errors.New("postgres: database schema is not up to date (run nisa migrate)")

// migration is one embedded SQL file.
type migration struct {
	version  int
	name     string // file name, e.g. "0001_events.sql"
	sql      string
	checksum string // hex SHA-256 of the file
}

// loadMigrations reads the embedded files in version order.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 || len(num) != 4 {
			return nil, fmt.Errorf("postgres: migration file %q: want NNNN_description.sql with NNNN from 0001", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		out = append(out, migration{version: v, name: name, sql: string(body), checksum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("postgres: migrations %q and %q have the same version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// appliedMigration is a row of nisa_schema_migrations.
type appliedMigration struct {
	name     string
	checksum string
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS nisa_schema_migrations (
    version    int         PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`

// querier is what readApplied needs of a connection or a pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readApplied returns the applied migrations by version; an empty map when
// the bookkeeping table does not exist yet.
func readApplied(ctx context.Context, q querier) (map[int]appliedMigration, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('nisa_schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, err
	}
	applied := map[int]appliedMigration{}
	if !exists {
		return applied, nil
	}
	rows, err := q.Query(ctx, `SELECT version, name, checksum FROM nisa_schema_migrations`)
	if err != nil {
		return nil, err
	}
	var (
		v int
		a appliedMigration
	)
	_, err = pgx.ForEachRow(rows, []any{&v, &a.name, &a.checksum}, func() error {
		applied[v] = a
		return nil
	})
	return applied, err
}

// checkChecksums refuses a database on which an embedded migration was
// applied with different content.
func checkChecksums(list []migration, applied map[int]appliedMigration) error {
	for _, m := range list {
		a, ok := applied[m.version]
		if ok && a.checksum != m.checksum {
			return fmt.Errorf("postgres: migration %s was changed after it was applied (as %q, checksum %.12s…, file now %.12s…); applied migrations must never change: restore the file and add a new migration instead",
				m.name, a.name, a.checksum, m.checksum)
		}
	}
	return nil
}

// Migrate applies the embedded migrations (package migrations) that the
// database lacks, in version order, each in its own transaction, and
// returns how many it applied. It is idempotent, and safe when several
// processes run it at once: a session advisory lock held on one dedicated
// connection for the whole run serialises them, so each migration is
// applied exactly once. It refuses to run (and applies nothing) when a
// migration already applied has changed since: the error names the file.
// Each applied migration is logged at info level on log (nil: slog.Default).
func Migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (applied int, err error) {
	return migrate(ctx, pool, migrations.FS, log)
}

func migrate(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, log *slog.Logger) (int, error) {
	if log == nil {
		log = slog.Default()
	}
	list, err := loadMigrations(fsys)
	if err != nil {
		return 0, err
	}
	// A dedicated connection, closed at the end: the session lock can never
	// stay behind on a pooled connection.
	cc := pool.Config().ConnConfig.Copy()
	delete(cc.RuntimeParams, "enable_seqscan") // migrations run with the server's planner settings
	delete(cc.RuntimeParams, "plan_cache_mode")
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return 0, fmt.Errorf("postgres: migrate: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx) // ends the session and so releases the lock
	}()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, int32(migrateLockClass), int32(migrateLockObj)); err != nil {
		return 0, fmt.Errorf("postgres: migrate: take the migration lock: %w", err)
	}
	if _, err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return 0, fmt.Errorf("postgres: migrate: create nisa_schema_migrations: %w", err)
	}
	done, err := readApplied(ctx, conn)
	if err != nil {
		return 0, fmt.Errorf("postgres: migrate: read applied migrations: %w", err)
	}
	if err := checkChecksums(list, done); err != nil {
		return 0, err
	}
	known := map[int]bool{}
	for _, m := range list {
		known[m.version] = true
	}
	for v, a := range done {
		if !known[v] {
			log.Warn("postgres: the database has a migration this binary does not know (written by a newer version?)", "version", v, "name", a.name)
		}
	}
	n := 0
	for _, m := range list {
		if _, ok := done[m.version]; ok {
			continue
		}
		start := time.Now()
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// The simple protocol runs a file of several statements.
			if err := tx.Conn().PgConn().Exec(ctx, m.sql).Close(); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO nisa_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, m.version, m.name, m.checksum)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("postgres: migration %s failed (rolled back): %w", m.name, err)
		}
		n++
		log.Info("postgres: migration applied", "migration", m.name, "version", m.version, "duration", time.Since(start).Round(time.Microsecond))
	}
	return n, nil
}

// MigrationStatus reports the embedded migrations the database lacks, by
// file name, in version order. Its error matches ErrPendingMigrations when
// any is pending; it is also an error when an applied migration has changed
// or the database cannot be queried. A nil error means the schema is
// current: readiness checks use it (see Store.Ready).
func MigrationStatus(ctx context.Context, pool *pgxpool.Pool) (pending []string, err error) {
	return migrationStatus(ctx, pool, migrations.FS)
}

func migrationStatus(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS) ([]string, error) {
	list, err := loadMigrations(fsys)
	if err != nil {
		return nil, err
	}
	done, err := readApplied(ctx, pool)
	if err != nil {
		return nil, fmt.Errorf("postgres: read applied migrations: %w", err)
	}
	if err := checkChecksums(list, done); err != nil {
		return nil, err
	}
	var pending []string
	for _, m := range list {
		if _, ok := done[m.version]; !ok {
			pending = append(pending, m.name)
		}
	}
	if len(pending) > 0 {
		return pending, fmt.Errorf("%w: pending %s", ErrPendingMigrations, strings.Join(pending, ", "))
	}
	return nil, nil
}
