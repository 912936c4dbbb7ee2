package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nisa-eu/nisa/adapters/postgres"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", `Apply pending PostgreSQL schema migrations (embedded in the binary) and exit.
Safe to run again (applies nothing new) and from several processes at once
(an advisory lock serialises them). "nisa serve" also migrates at start-up.`, stderr)
	var sf storeFlags
	sf.register(f)
	if err := f.parse(args); err != nil {
		return err
	}
	target := sf.Store
	if isESDBURL(sf.Store) {
		target = sf.ReadStore // EventStoreDB mode: the read store has the schema
	}
	if !isPostgresURL(target) {
		return errors.New("--store (or NISA_STORE) must be a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/nisa (or, with an EventStoreDB --store, --read-store); the embedded store needs no migrations")
	}
	log, err := sf.logger(stderr)
	if err != nil {
		return err
	}
	s, err := postgres.Open(ctx, target, postgres.Options{Logger: log})
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := postgres.Migrate(ctx, s.Pool(), log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d migration(s) applied; schema is current\n", n)
	return nil
}
