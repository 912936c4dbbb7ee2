// Package pgtest gives tests a fresh, empty PostgreSQL database each.
//
// Tests of any package call NewDatabase; it reads the server from the
// environment variable NISA_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), which must
// name a role allowed to create databases. When the server cannot be
// reached, tests are skipped with a loud message, except under CI=true,
// where they fail: CI must never pass by skipping the PostgreSQL tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable naming the server used by tests.
const EnvURL = "NISA_TEST_DATABASE_URL"

// DefaultURL is the server used when EnvURL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL returns the URL of the server tests use (EnvURL or DefaultURL).
func AdminURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// NewDatabase creates a database with a random name (nisa_test_<hex>),
// drops it (WITH (FORCE), closing leftover sessions) when t ends, and
// returns its URL. It skips t when the server cannot be reached, or fails
// it when the environment variable CI is "true".
func NewDatabase(t testing.TB) (url string) {
	t.Helper()
	admin := AdminURL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, admin)
	if err != nil {
		msg := "pgtest: PostgreSQL not reachable at %s: %v; set " + EnvURL + " to a server where the role may CREATE DATABASE"
		if os.Getenv("CI") == "true" {
			t.Fatalf(msg+" (CI=true: failing, not skipping)", redact(admin), err)
		}
		t.Skipf("!!! "+msg+"; these tests are SKIPPED !!!", redact(admin), err)
	}
	defer conn.Close(context.Background())

	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "nisa_test_" + hex.EncodeToString(b[:])
	// template0: never connected to, so concurrent CREATE DATABASEs of
	// parallel test processes cannot trip over a session on the template.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(admin, name)
}

func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return pgx.Connect(ctx, url)
}

// withDatabase returns the connection string admin with the database name
// replaced (URL form) or set (key=value form).
func withDatabase(admin, name string) string {
	if strings.HasPrefix(admin, "postgres://") || strings.HasPrefix(admin, "postgresql://") {
		if u, err := url.Parse(admin); err == nil {
			u.Path = "/" + name
			u.RawPath = ""
			return u.String()
		}
	}
	return admin + " dbname=" + name
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "***")
			return u.String()
		}
	}
	return s
}
