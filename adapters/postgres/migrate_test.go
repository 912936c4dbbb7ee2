package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nisa-eu/nisa/adapters/postgres/pgtest"
	"github.com/nisa-eu/nisa/domain"
	"github.com/nisa-eu/nisa/migrations"
)

var quiet = slog.New(slog.DiscardHandler)

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newPool opens a pool on url, closed when t ends.
func newPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func countRows(t testing.TB, pool *pgxpool.Pool, query string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(testCtx(t), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func embeddedCount(t testing.TB) int {
	t.Helper()
	list, err := loadMigrations(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("no embedded migrations")
	}
	return len(list)
}

func TestMigrateIsIdempotent(t *testing.T) {
	pool := newPool(t, pgtest.NewDatabase(t))
	ctx := testCtx(t)
	want := embeddedCount(t)
	n, err := Migrate(ctx, pool, quiet)
	if err != nil || n != want {
		t.Fatalf("first Migrate = %d, %v; want %d, nil", n, err, want)
	}
	n, err = Migrate(ctx, pool, quiet)
	if err != nil || n != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0, nil", n, err)
	}
	if got := countRows(t, pool, `SELECT count(*) FROM nisa_schema_migrations`); got != want {
		t.Errorf("nisa_schema_migrations has %d rows, want %d", got, want)
	}
	if got := countRows(t, pool, `SELECT count(*) FROM nisa_events`); got != 0 {
		t.Errorf("nisa_events has %d rows, want 0", got)
	}
	if pending, err := MigrationStatus(ctx, pool); err != nil || len(pending) != 0 {
		t.Errorf("MigrationStatus = %v, %v; want none pending", pending, err)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	url := pgtest.NewDatabase(t)
	// A slow first migration keeps the race window wide open: without the
	// lock, both runs would see it pending and apply it twice (the second
	// CREATE TABLE fails).
	fsys := fstest.MapFS{
		"0001_slow.sql": {Data: []byte("SELECT pg_sleep(0.3);\nCREATE TABLE slow (x int);")},
		"0002_more.sql": {Data: []byte("ALTER TABLE slow ADD COLUMN y int;")},
	}
	const runners = 4
	pools := make([]*pgxpool.Pool, runners) // one pool each: as separate processes
	for i := range pools {
		pools[i] = newPool(t, url)
	}
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		applied = make([]int, runners)
		errs    = make([]error, runners)
	)
	for i := range runners {
		wg.Go(func() {
			<-start
			applied[i], errs[i] = migrate(testCtx(t), pools[i], fsys, quiet)
		})
	}
	close(start)
	wg.Wait()
	total := 0
	for i := range runners {
		if errs[i] != nil {
			t.Errorf("runner %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if total != 2 {
		t.Errorf("runners applied %v migrations in all, want 2 in all", applied)
	}
	if got := countRows(t, pools[0], `SELECT count(*) FROM nisa_schema_migrations`); got != 2 {
		t.Errorf("nisa_schema_migrations has %d rows, want 2", got)
	}

	// The real migrations, twice at once, on a fresh database.
	url = pgtest.NewDatabase(t)
	a, b := newPool(t, url), newPool(t, url)
	var na, nb int
	var ea, eb error
	start = make(chan struct{})
	wg.Go(func() { <-start; na, ea = Migrate(testCtx(t), a, quiet) })
	wg.Go(func() { <-start; nb, eb = Migrate(testCtx(t), b, quiet) })
	close(start)
	wg.Wait()
	if ea != nil || eb != nil || na+nb != embeddedCount(t) {
		t.Errorf("concurrent Migrate: (%d, %v) and (%d, %v); want both nil and %d applied once", na, ea, nb, eb, embeddedCount(t))
	}
}

func TestMigrateRefusesChangedMigration(t *testing.T) {
	pool := newPool(t, pgtest.NewDatabase(t))
	ctx := testCtx(t)
	v1 := fstest.MapFS{"0001_first.sql": {Data: []byte("CREATE TABLE first (x int);")}}
	if n, err := migrate(ctx, pool, v1, quiet); err != nil || n != 1 {
		t.Fatalf("migrate = %d, %v", n, err)
	}
	v2 := fstest.MapFS{
		"0001_first.sql":  {Data: []byte("CREATE TABLE first (x int, y int);")},
		"0002_second.sql": {Data: []byte("CREATE TABLE second (x int);")},
	}
	n, err := migrate(ctx, pool, v2, quiet)
	if err == nil || !strings.Contains(err.Error(), "0001_first.sql") || n != 0 {
		t.Fatalf("migrate with a changed 0001 = %d, %v; want an error naming 0001_first.sql", n, err)
	}
	if got := countRows(t, pool, `SELECT count(*) FROM nisa_schema_migrations`); got != 1 {
		t.Errorf("a refused run recorded migrations: %d rows, want 1", got)
	}
	if got := countRows(t, pool, `SELECT count(*) FROM pg_tables WHERE tablename = 'second'`); got != 0 {
		t.Error("a refused run applied 0002")
	}
	if _, err := migrationStatus(ctx, pool, v2); err == nil || !strings.Contains(err.Error(), "0001_first.sql") {
		t.Errorf("migrationStatus with a changed 0001: %v; want an error naming it", err)
	}
}

func TestMigrateRollsBackAFailedMigration(t *testing.T) {
	pool := newPool(t, pgtest.NewDatabase(t))
	ctx := testCtx(t)
	fsys := fstest.MapFS{
		"0001_ok.sql":     {Data: []byte("CREATE TABLE ok (x int);")},
		"0002_broken.sql": {Data: []byte("CREATE TABLE half (x int);\nTHIS IS NOT SQL;")},
	}
	n, err := migrate(ctx, pool, fsys, quiet)
	if err == nil || !strings.Contains(err.Error(), "0002_broken.sql") || n != 1 {
		t.Fatalf("migrate = %d, %v; want 1 applied and an error naming 0002_broken.sql", n, err)
	}
	if got := countRows(t, pool, `SELECT count(*) FROM pg_tables WHERE tablename = 'half'`); got != 0 {
		t.Error("the failed migration was applied in part")
	}
	pending, err := migrationStatus(ctx, pool, fsys)
	if !errors.Is(err, ErrPendingMigrations) || fmt.Sprint(pending) != "[0002_broken.sql]" {
		t.Errorf("migrationStatus = %v, %v; want [0002_broken.sql] pending", pending, err)
	}
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	for _, name := range []string{"1_x.sql", "abcd_x.sql", "0000_x.sql", "0001.sql"} {
		if _, err := loadMigrations(fstest.MapFS{name: {Data: []byte("SELECT 1")}}); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	dup := fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1")}, "0001_b.sql": {Data: []byte("SELECT 1")}}
	if _, err := loadMigrations(dup); err == nil {
		t.Error("two migrations with version 1 accepted")
	}
	list, err := loadMigrations(fstest.MapFS{"0010_b.sql": {}, "0002_a.sql": {}})
	if err != nil || len(list) != 2 || list[0].version != 2 || list[1].version != 10 {
		t.Errorf("loadMigrations = %+v, %v; want versions 2, 10", list, err)
	}
}

func TestReadyNeedsMigrations(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := testCtx(t)
	s, err := Open(ctx, url, Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(ctx); !errors.Is(err, ErrPendingMigrations) {
		t.Fatalf("Ready before Migrate = %v, want ErrPendingMigrations", err)
	}
	if _, err := s.Append(ctx, "s-1", domain.Any, []domain.EventData{event(1)}); err == nil || !strings.Contains(err.Error(), "migrate") {
		t.Errorf("Append before Migrate = %v, want an error suggesting migrate", err)
	}
	if _, err := Migrate(ctx, s.Pool(), quiet); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready after Migrate = %v", err)
	}
	s.Close()
	if err := s.Ready(ctx); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("Ready after Close = %v, want ErrClosed", err)
	}
}

func TestMigrateLogs(t *testing.T) {
	pool := newPool(t, pgtest.NewDatabase(t))
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&syncWriter{w: &buf}, nil))
	if _, err := Migrate(testCtx(t), pool, log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "0001_events.sql") {
		t.Errorf("log %q does not name the applied migration", buf.String())
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
