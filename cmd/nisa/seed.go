package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nisa-eu/nisa/adapters/demo"
	"github.com/nisa-eu/nisa/adapters/embedded"
	"github.com/nisa-eu/nisa/domain"
)

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "demo" {
		fmt.Fprintln(stderr, "Usage: nisa seed demo [flags]   (nisa seed demo --help explains)")
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return errUsage
	}
	f := newFlags("seed demo", `Load the demo network — about 150 organisations from Saxony, Brandenburg,
Mecklenburg-Vorpommern, Lower Silesia, Opole, Lubusz, West Pomerania and the
Czech border regions, 400 offers and requests, a dozen meetings with
registrations and waitlists, exchange visits in every state — through the
same commands users send. Deterministic: the same ids and texts every time.
Refuses to load it twice. "nisa serve --demo" does this by itself when the
store is empty; with the embedded store, stop the server first (or use
--demo).`, stderr)
	var sf storeFlags
	sf.register(f)
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	log, err := sf.logger(io.Discard)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, sf, true, log)
	if errors.Is(err, embedded.ErrLocked) {
		return fmt.Errorf("%w\nstop the running server first, or start it with --demo on an empty data directory", err)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	sum, err := demo.Seed(ctx, domain.NewCommands(s), time.Now(), stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded the %s in %s\n", sum, time.Since(start).Round(time.Millisecond))
	return nil
}

// seedIfEmpty loads the demo network when the store holds no event yet.
func seedIfEmpty(ctx context.Context, store domain.EventStore, log interface{ Info(string, ...any) }) error {
	head, err := store.Head(ctx)
	if err != nil || !head.IsZero() {
		return err
	}
	log.Info("the store is empty: loading the demo network (a few seconds)")
	start := time.Now()
	sum, err := demo.Seed(ctx, domain.NewCommands(store), time.Now(), io.Discard)
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	log.Info("loaded the "+sum.String(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}
